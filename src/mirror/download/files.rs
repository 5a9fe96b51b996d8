//! Files of a release directory on disk: hashing a ZIP already present, comparing a finished directory, cleaning
//! and replacing a staging directory, writing atomically.
//!
//! Knows nothing of the registry protocol or of signatures: it compares bytes and hashes it is handed.

use std::path::{Path, PathBuf};

use crate::mirror::registry_protocol::PackageMeta;
use crate::mirror::{MirrorError, Result};

/// `Some(size)` when `path` is a file hashing to `sha256`.
pub(super) async fn file_matches(path: &Path, sha256: &[u8; 32]) -> Result<Option<u64>> {
    let path = path.to_path_buf();
    let expected = *sha256;
    tokio::task::spawn_blocking(move || -> Result<Option<u64>> {
        use sha2::Digest as _;
        use std::io::Read as _;
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(MirrorError::io("reading", &path, e)),
        };
        if !f
            .metadata()
            .map_err(|e| MirrorError::io("reading", &path, e))?
            .is_file()
        {
            return Ok(None);
        }
        let mut h = sha2::Sha256::new();
        let mut buf = vec![0u8; 256 << 10];
        let mut size = 0u64;
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| MirrorError::io("reading", &path, e))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            size += n as u64;
        }
        Ok((h.finalize().as_slice() == expected).then_some(size))
    })
    .await
    .map_err(|e| {
        MirrorError::io(
            "hashing",
            PathBuf::new(),
            std::io::Error::other(e.to_string()),
        )
    })?
}

/// True when `dir` holds exactly the ZIPs (with their hashes) and the other files (byte for byte), and nothing else.
pub(super) async fn target_is_complete(
    dir: &Path,
    metas: &[PackageMeta],
    files: &[(String, Vec<u8>)],
) -> Result<bool> {
    let mut names = match tokio::fs::read_dir(dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(MirrorError::io("reading", dir, e)),
    };
    let mut present = Vec::new();
    while let Some(entry) = names
        .next_entry()
        .await
        .map_err(|e| MirrorError::io("reading", dir, e))?
    {
        present.push(entry.file_name().to_string_lossy().into_owned());
    }
    present.sort();
    let mut expected: Vec<String> = metas
        .iter()
        .map(|m| m.filename.clone())
        .chain(files.iter().map(|(n, _)| n.clone()))
        .collect();
    expected.sort();
    if present != expected {
        return Ok(false);
    }
    for (name, bytes) in files {
        match tokio::fs::read(dir.join(name)).await {
            Ok(b) if b == *bytes => {}
            Ok(_) => return Ok(false),
            Err(e) => return Err(MirrorError::io("reading", dir.join(name), e)),
        }
    }
    for m in metas {
        if file_matches(&dir.join(&m.filename), &m.shasum)
            .await?
            .is_none()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes everything from a reused staging directory except the ZIPs of this run (they are re-verified).
pub(super) async fn clean_staging(staging: &Path, metas: &[PackageMeta]) -> Result<()> {
    let mut rd = tokio::fs::read_dir(staging)
        .await
        .map_err(|e| MirrorError::io("reading", staging, e))?;
    while let Some(entry) = rd
        .next_entry()
        .await
        .map_err(|e| MirrorError::io("reading", staging, e))?
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if metas.iter().any(|m| m.filename == name) {
            continue;
        }
        let p = entry.path();
        let r = if entry.file_type().await.is_ok_and(|t| t.is_dir()) {
            tokio::fs::remove_dir_all(&p).await
        } else {
            tokio::fs::remove_file(&p).await
        };
        r.map_err(|e| MirrorError::io("removing", &p, e))?;
    }
    Ok(())
}

pub(super) async fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    let _ = tokio::fs::remove_file(to).await;
    if tokio::fs::hard_link(from, to).await.is_ok() {
        return Ok(());
    }
    tokio::fs::copy(from, to)
        .await
        .map(drop)
        .map_err(|e| MirrorError::io("copying into", to, e))
}

pub(super) async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let r = async {
        let mut f = tokio::fs::File::create(&tmp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut f, bytes).await?;
        f.sync_all().await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if let Err(e) = r {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(MirrorError::io("writing", path, e));
    }
    Ok(())
}

/// Moves `staging` onto `dir`: a plain rename when `dir` does not exist; otherwise the old directory is renamed
/// aside first and removed after the new one is in place.
pub(super) async fn replace_dir(
    staging: &Path,
    dir: &Path,
    parent: &Path,
    dir_name: &str,
) -> Result<()> {
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| MirrorError::io("creating", parent, e))?;
    match tokio::fs::symlink_metadata(dir).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => tokio::fs::rename(staging, dir)
            .await
            .map_err(|e| MirrorError::io("renaming into", dir, e)),
        Err(e) => Err(MirrorError::io("reading", dir, e)),
        Ok(_) => {
            let old = parent.join(format!(".{dir_name}.tofu-sbom-old-{}", std::process::id()));
            let _ = tokio::fs::remove_dir_all(&old).await;
            tokio::fs::rename(dir, &old)
                .await
                .map_err(|e| MirrorError::io("renaming aside", dir, e))?;
            if let Err(e) = tokio::fs::rename(staging, dir).await {
                let _ = tokio::fs::rename(&old, dir).await;
                return Err(MirrorError::io("renaming into", dir, e));
            }
            tokio::fs::remove_dir_all(&old)
                .await
                .map_err(|e| MirrorError::io("removing", &old, e))
        }
    }
}
