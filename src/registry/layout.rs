//! An OCI image layout on disk (image-spec `image-layout.md`): `oci-layout`, `index.json`, `blobs/sha256/<hex>`.
//!
//! Tags are `index.json` entries annotated `org.opencontainers.image.ref.name` (as ORAS and skopeo write them).
//! Untagged manifests may be listed too (referrers are recorded that way, like oras-go's OCI store). Every write is
//! atomic (a temporary file in the same directory, fsync, rename), blobs are written only after their bytes hashed to
//! their name, so the directory can be copied byte for byte at any time and never holds a partial blob.
//!
//! # The layout lock
//! Every read-modify-write of `index.json` ([`LayoutStore::set_tag`], [`LayoutStore::add_untagged`],
//! [`LayoutStore::remove_untagged`], and creating the layout) holds the **layout lock**: an advisory lock file in
//! the per-user lock directory ([`crate::registry::lock_file`]), keyed by the layout's canonical path, held for that
//! one read-modify-write and never across an `await`. So every writer — `push` writing tags, `attach` recording
//! referrers, `mirror`, a library user — sees the others' entries: no lost update between processes or threads of
//! this user on this host. (A layout written by two users, or from two hosts over a network filesystem, is not
//! serialised.) Waiting longer than [`INDEX_LOCK_TIMEOUT`] fails with the holder's PID.
//!
//! # Temporary files
//! A writer killed mid-write (kill -9, power loss) leaves its temporary file, `.NAME.tmp-PID-N`, in the layout root
//! or in `blobs/sha256/`. Never a blob or `index.json` (those appear only by rename), but clutter that a copy of the
//! directory carries along. [`LayoutStore::temp_files`] lists them; opening a layout to write it
//! ([`LayoutStore::open_or_create`]) and each write of `index.json` remove the **stale** ones: those whose PID is not a running process on this host, or that were not modified for
//! [`STALE_TEMP_AGE`] (a PID reused by another program). A running writer's file is never stale: it is either this
//! process's or a live PID's, and a live writer keeps modifying it. `verify` reports stale ones as warnings.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::registry::digest::{Digest, Sha256Counter};
use crate::registry::lock_file;
use crate::registry::manifest::{
    ANNOTATION_REF_NAME, Descriptor, ImageIndex, MEDIA_TYPE_INDEX, decode, to_canonical_bytes,
};
use crate::registry::{RegistryError, Result};

/// A layout temporary file not modified for this long is stale even when its PID is a running process (24 hours).
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// A temporary file of an interrupted (or running) write: `.NAME.tmp-PID-N` in the layout root or `blobs/sha256/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempFile {
    /// The file.
    pub path: PathBuf,
    /// The PID of the process that created it.
    pub pid: u32,
    /// True when it is stale (its writer is gone; see the module docs) and the next write removes it.
    pub stale: bool,
}

/// The PID in a temporary file name `.NAME.tmp-PID-N` (as [`temp_beside`] names them).
fn temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, n) = tail.split_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// True when `pid` is a running process on this host (this process included). Where that cannot be asked, true (then
/// only [`STALE_TEMP_AGE`] makes a file stale).
fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Some(p) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        // kill(pid, 0): ESRCH = no such process; EPERM = it exists (another user's).
        !matches!(
            rustix::process::test_kill_process(p),
            Err(e) if e == rustix::io::Errno::SRCH
        )
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// How long a writer waits for the layout lock (held by another writer for one `index.json` read-modify-write).
pub const INDEX_LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// Content of the `oci-layout` file.
pub const OCI_LAYOUT_FILE_CONTENT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// An OCI image layout directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutStore {
    dir: PathBuf,
}

impl LayoutStore {
    /// Opens an existing layout (its `oci-layout` file must exist and name version 1.0.0).
    pub fn open(dir: &Path) -> Result<Self> {
        let marker = dir.join("oci-layout");
        let bytes = fs::read(&marker).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RegistryError::Layout {
                    path: dir.to_owned(),
                    message: "not an OCI image layout (no oci-layout file)".into(),
                }
            } else {
                RegistryError::io("reading", &marker, e)
            }
        })?;
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Marker {
            image_layout_version: String,
        }
        let m: Marker = serde_json::from_slice(&bytes).map_err(|e| RegistryError::Layout {
            path: marker.clone(),
            message: format!("invalid oci-layout file: {e}"),
        })?;
        if m.image_layout_version != "1.0.0" {
            return Err(RegistryError::Layout {
                path: marker,
                message: format!(
                    "unsupported imageLayoutVersion {:?}",
                    m.image_layout_version
                ),
            });
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Opens a layout, creating an empty one (directory, `oci-layout`, empty `index.json`) if `dir` does not hold one.
    pub fn open_or_create(dir: &Path) -> Result<Self> {
        if dir.join("oci-layout").exists() {
            // Opened to be written: stale temporary files go now, even when the write turns out to be a no-op.
            let store = Self::open(dir)?;
            store.remove_stale_temp_files();
            return Ok(store);
        }
        let blobs = dir.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).map_err(|e| RegistryError::io("creating", &blobs, e))?;
        let store = Self {
            dir: dir.to_owned(),
        };
        // Under the layout lock: two processes creating the same layout must not write an empty `index.json` over
        // the entries the first one already added.
        let _lock = store.lock_index()?;
        if !dir.join("index.json").exists() {
            store.write_index(&ImageIndex::empty())?;
        }
        if !dir.join("oci-layout").exists() {
            atomic_write(&dir.join("oci-layout"), OCI_LAYOUT_FILE_CONTENT)?;
        }
        Ok(store)
    }

    /// The layout directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The layout lock's key: `oci-layout-index:<canonical dir>`.
    pub fn lock_key(&self) -> String {
        let canonical = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        format!("oci-layout-index:{}", canonical.display())
    }

    /// Takes the layout lock (see the module docs), blocking this thread for at most [`INDEX_LOCK_TIMEOUT`].
    fn lock_index(&self) -> Result<lock_file::Held> {
        lock_file::lock_blocking(
            &self.lock_key(),
            &lock_file::default_dir(),
            INDEX_LOCK_TIMEOUT,
        )
    }

    /// The path of a blob (`blobs/<alg>/<encoded>`).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.dir
            .join("blobs")
            .join(digest.algorithm())
            .join(digest.encoded())
    }

    /// `Some(size)` when the blob file exists.
    pub fn blob_size(&self, digest: &Digest) -> Result<Option<u64>> {
        let p = self.blob_path(digest);
        match fs::metadata(&p) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(RegistryError::io("reading", p, e)),
        }
    }

    /// Copies `src` into the layout as blob `digest`, hashing while copying; the blob appears only if the bytes hash
    /// to `digest`. `progress` receives the bytes copied so far.
    pub fn put_blob_from_file(
        &self,
        digest: &Digest,
        src: &Path,
        progress: Option<&dyn Fn(u64)>,
    ) -> Result<u64> {
        let mut input = File::open(src).map_err(|e| RegistryError::io("reading", src, e))?;
        let target = self.blob_path(digest);
        let (tmp, mut out) = temp_beside(&target)?;
        let result = (|| {
            let mut hasher = Sha256Counter::new();
            let mut buf = vec![0u8; 256 << 10];
            loop {
                let n = input
                    .read(&mut buf)
                    .map_err(|e| RegistryError::io("reading", src, e))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n])
                    .map_err(|e| RegistryError::io("writing", &tmp, e))?;
                if let Some(p) = progress {
                    p(hasher.len());
                }
            }
            out.sync_all()
                .map_err(|e| RegistryError::io("writing", &tmp, e))?;
            let size = hasher.len();
            digest.verify(&hasher.finish(), || src.display().to_string())?;
            Ok(size)
        })();
        finish_temp(tmp, &target, result)
    }

    /// Writes `bytes` as blob `digest` (they must hash to it).
    pub fn put_blob_bytes(&self, digest: &Digest, bytes: &[u8]) -> Result<()> {
        digest.verify_bytes(bytes, || "blob bytes".into())?;
        let target = self.blob_path(digest);
        if self.blob_size(digest)? == Some(bytes.len() as u64) {
            return Ok(());
        }
        atomic_write(&target, bytes)
    }

    /// Reads a blob of at most `max` bytes and checks it hashes to `digest`.
    pub fn read_blob(&self, digest: &Digest, max: u64) -> Result<Vec<u8>> {
        let p = self.blob_path(digest);
        let f = File::open(&p).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RegistryError::NotFound {
                    what: format!("blob {digest}"),
                    location: format!("oci-layout:{}", self.dir.display()),
                }
            } else {
                RegistryError::io("reading", &p, e)
            }
        })?;
        let mut buf = Vec::new();
        f.take(max + 1)
            .read_to_end(&mut buf)
            .map_err(|e| RegistryError::io("reading", &p, e))?;
        if buf.len() as u64 > max {
            return Err(RegistryError::TooLarge {
                what: p.display().to_string(),
                limit: max,
            });
        }
        digest.verify_bytes(&buf, || p.display().to_string())?;
        Ok(buf)
    }

    /// Re-hashes a blob file (streaming, at most `max` bytes) and checks it against its name. Returns its size.
    pub fn hash_blob(&self, digest: &Digest, max: u64) -> Result<u64> {
        let p = self.blob_path(digest);
        let mut f = File::open(&p).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RegistryError::NotFound {
                    what: format!("blob {digest}"),
                    location: format!("oci-layout:{}", self.dir.display()),
                }
            } else {
                RegistryError::io("reading", &p, e)
            }
        })?;
        let mut hasher = Sha256Counter::new();
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| RegistryError::io("reading", &p, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            if hasher.len() > max {
                return Err(RegistryError::TooLarge {
                    what: p.display().to_string(),
                    limit: max,
                });
            }
        }
        let size = hasher.len();
        digest.verify(&hasher.finish(), || p.display().to_string())?;
        Ok(size)
    }

    /// Reads `index.json` (at most `max` bytes).
    pub fn read_index(&self, max: u64) -> Result<ImageIndex> {
        let p = self.dir.join("index.json");
        let f = File::open(&p).map_err(|e| RegistryError::io("reading", &p, e))?;
        let mut buf = Vec::new();
        f.take(max + 1)
            .read_to_end(&mut buf)
            .map_err(|e| RegistryError::io("reading", &p, e))?;
        if buf.len() as u64 > max {
            return Err(RegistryError::TooLarge {
                what: p.display().to_string(),
                limit: max,
            });
        }
        decode(&buf, &p.display().to_string())
    }

    /// Writes `index.json` (the caller holds the layout lock), then removes stale temporary files (best effort).
    fn write_index(&self, index: &ImageIndex) -> Result<()> {
        let (bytes, _) = to_canonical_bytes(index);
        atomic_write(&self.dir.join("index.json"), &bytes)?;
        self.remove_stale_temp_files();
        Ok(())
    }

    /// Removes the stale temporary files (best effort: a file another writer removed meanwhile is no error).
    fn remove_stale_temp_files(&self) {
        if let Ok(temps) = self.temp_files() {
            for t in temps.into_iter().filter(|t| t.stale) {
                let _ = fs::remove_file(&t.path);
            }
        }
    }

    /// The temporary files in the layout root and `blobs/sha256/` (see the module docs), sorted by path.
    pub fn temp_files(&self) -> Result<Vec<TempFile>> {
        let mut out = Vec::new();
        for dir in [self.dir.clone(), self.dir.join("blobs").join("sha256")] {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(RegistryError::io("reading", &dir, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| RegistryError::io("reading", &dir, e))?;
                let name = entry.file_name();
                let Some(pid) = name.to_str().and_then(temp_pid) else {
                    continue;
                };
                let Ok(meta) = entry.metadata() else {
                    continue; // removed meanwhile (a writer finished)
                };
                if !meta.is_file() {
                    continue;
                }
                let old = meta
                    .modified()
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age > STALE_TEMP_AGE);
                out.push(TempFile {
                    path: entry.path(),
                    pid,
                    stale: old || !pid_alive(pid),
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Points `tag` at `desc` in `index.json` (replacing any previous entry of that tag; other entries keep their
    /// order).
    pub fn set_tag(&self, tag: &str, desc: &Descriptor, max: u64) -> Result<()> {
        let _lock = self.lock_index()?;
        let mut index = self.read_index(max)?;
        let mut entry = desc.clone();
        entry
            .annotations
            .insert(ANNOTATION_REF_NAME.to_owned(), tag.to_owned());
        let pos = index
            .manifests
            .iter()
            .position(|d| d.annotations.get(ANNOTATION_REF_NAME).map(String::as_str) == Some(tag));
        match pos {
            Some(i) if index.manifests[i] == entry => return Ok(()),
            Some(i) => index.manifests[i] = entry,
            None => index.manifests.push(entry),
        }
        if index.media_type.is_empty() {
            index.media_type = MEDIA_TYPE_INDEX.to_owned();
        }
        self.write_index(&index)
    }

    /// Lists an untagged manifest in `index.json` (how referrers are recorded); no-op if already listed untagged.
    pub fn add_untagged(&self, desc: &Descriptor, max: u64) -> Result<()> {
        let _lock = self.lock_index()?;
        let mut index = self.read_index(max)?;
        if index
            .manifests
            .iter()
            .any(|d| d.digest == desc.digest && !d.annotations.contains_key(ANNOTATION_REF_NAME))
        {
            return Ok(());
        }
        index.manifests.push(desc.clone());
        self.write_index(&index)
    }

    /// Removes the untagged `index.json` entries of `digest` (how a referrer is un-recorded); tagged entries are kept.
    /// Returns how many entries were removed. The blob itself is left in place (other entries may share it).
    pub fn remove_untagged(&self, digest: &Digest, max: u64) -> Result<usize> {
        let _lock = self.lock_index()?;
        let mut index = self.read_index(max)?;
        let before = index.manifests.len();
        index
            .manifests
            .retain(|d| d.digest != *digest || d.annotations.contains_key(ANNOTATION_REF_NAME));
        let removed = before - index.manifests.len();
        if removed > 0 {
            self.write_index(&index)?;
        }
        Ok(removed)
    }

    /// The `index.json` entries carrying `tag` (more than one is an ambiguity the caller reports).
    pub fn entries_for_tag(&self, tag: &str, max: u64) -> Result<Vec<Descriptor>> {
        Ok(self
            .read_index(max)?
            .manifests
            .into_iter()
            .filter(|d| d.annotations.get(ANNOTATION_REF_NAME).map(String::as_str) == Some(tag))
            .collect())
    }

    /// Every tag in `index.json`, in order.
    pub fn tags(&self, max: u64) -> Result<Vec<String>> {
        Ok(self
            .read_index(max)?
            .manifests
            .iter()
            .filter_map(|d| d.annotations.get(ANNOTATION_REF_NAME).cloned())
            .collect())
    }
}

/// Creates a temporary file next to `target` (same directory, so the rename is atomic).
fn temp_beside(target: &Path) -> Result<(PathBuf, File)> {
    let dir = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| RegistryError::io("creating", dir, e))?;
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let f = File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| RegistryError::io("creating", &tmp, e))?;
    Ok((tmp, f))
}

fn finish_temp<T>(tmp: PathBuf, target: &Path, result: Result<T>) -> Result<T> {
    match result {
        Ok(v) => {
            if let Err(e) = fs::rename(&tmp, target) {
                let _ = fs::remove_file(&tmp);
                return Err(RegistryError::io("renaming into", target, e));
            }
            Ok(v)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes a file atomically: temporary file beside it, fsync, rename.
pub(crate) fn atomic_write(target: &Path, bytes: &[u8]) -> Result<()> {
    let (tmp, mut f) = temp_beside(target)?;
    let r = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| RegistryError::io("writing", &tmp, e));
    drop(f);
    finish_temp(tmp, target, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PID of a process that has exited (a reaped child).
    #[cfg(unix)]
    fn dead_pid() -> u32 {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    }

    #[test]
    fn temp_file_names() {
        assert_eq!(temp_pid(".index.json.tmp-123-0"), Some(123));
        assert_eq!(temp_pid(&format!(".{}.tmp-9-15", "ab".repeat(32))), Some(9));
        assert_eq!(temp_pid("index.json.tmp-123-0"), None);
        assert_eq!(temp_pid(".index.json.tmp-x-0"), None);
        assert_eq!(temp_pid(".index.json.tmp-1-"), None);
        assert_eq!(temp_pid(".index.json"), None);
    }

    #[cfg(unix)]
    #[test]
    fn stale_temp_files_go_with_the_next_write_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let store = LayoutStore::open_or_create(dir.path()).unwrap();
        let dead = dead_pid();
        let me = std::process::id();
        let dead_index = dir.path().join(format!(".index.json.tmp-{dead}-0"));
        let dead_blob = dir
            .path()
            .join(format!("blobs/sha256/.{}.tmp-{dead}-4", "ef".repeat(32)));
        let live = dir.path().join(format!(".index.json.tmp-{me}-77"));
        // PID 1 is always running, but a file it has not touched for longer than STALE_TEMP_AGE is stale anyway.
        let old = dir.path().join(".oci-layout.tmp-1-0");
        for p in [&dead_index, &dead_blob, &live, &old] {
            fs::write(p, b"partial").unwrap();
        }
        let f = File::options().write(true).open(&old).unwrap();
        f.set_modified(std::time::SystemTime::now() - STALE_TEMP_AGE - Duration::from_secs(60))
            .unwrap();
        drop(f);
        let found: Vec<(PathBuf, u32, bool)> = store
            .temp_files()
            .unwrap()
            .into_iter()
            .map(|t| (t.path, t.pid, t.stale))
            .collect();
        let mut want = vec![
            (dead_index.clone(), dead, true),
            (dead_blob.clone(), dead, true),
            (live.clone(), me, false),
            (old.clone(), 1, true),
        ];
        want.sort();
        assert_eq!(found, want);
        let d = Digest::sha256_of(b"{}");
        store.put_blob_bytes(&d, b"{}").unwrap();
        let desc = Descriptor::new("application/vnd.oci.empty.v1+json", d, 2);
        store.set_tag("a", &desc, 1 << 20).unwrap();
        let left: Vec<PathBuf> = store
            .temp_files()
            .unwrap()
            .into_iter()
            .map(|t| t.path)
            .collect();
        assert_eq!(left, vec![live]);
    }

    #[test]
    fn create_tag_and_reject_bad_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = LayoutStore::open_or_create(dir.path()).unwrap();
        assert_eq!(
            fs::read(dir.path().join("oci-layout")).unwrap(),
            OCI_LAYOUT_FILE_CONTENT
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("index.json")).unwrap(),
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
        );
        let d = Digest::sha256_of(b"{}");
        store.put_blob_bytes(&d, b"{}").unwrap();
        assert_eq!(store.hash_blob(&d, 10).unwrap(), 2);
        let wrong = Digest::sha256_of(b"x");
        let e = store.put_blob_bytes(&wrong, b"{}").unwrap_err();
        assert!(matches!(e, RegistryError::DigestMismatch { .. }));
        assert_eq!(store.blob_size(&wrong).unwrap(), None);
        let desc = Descriptor::new("application/vnd.oci.empty.v1+json", d.clone(), 2);
        store.set_tag("a", &desc, 1 << 20).unwrap();
        store.set_tag("a", &desc, 1 << 20).unwrap();
        store.set_tag("b", &desc, 1 << 20).unwrap();
        assert_eq!(store.tags(1 << 20).unwrap(), vec!["a", "b"]);
        assert_eq!(store.entries_for_tag("a", 1 << 20).unwrap().len(), 1);
        // No temporary files are left behind.
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("blobs/sha256"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from(d.encoded())]);
        assert!(
            LayoutStore::open(&dir.path().join("nope"))
                .unwrap_err()
                .to_string()
                .contains("no oci-layout file")
        );
    }
}
