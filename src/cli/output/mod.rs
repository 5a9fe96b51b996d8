//! Writing results: atomic file writes (temp file + rename, so a failure leaves no partial output) and JSON on stdout;
//! the text forms are in [`text`], the `--json` documents in [`json`], GitHub Actions outputs and summaries in [`gha`].
//!
//! Output only: nothing here talks to a registry or reads a release.

pub(crate) mod gha;
pub(crate) mod json;
pub(crate) mod text;

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

pub(crate) use super::runtime::show_progress;

/// Writes several files so that either all of them exist afterwards or none of the new ones do: every file is first
/// written to a temporary name; only when all are written are they renamed into place.
pub(crate) fn write_all_atomic(files: &[(std::path::PathBuf, &[u8])]) -> anyhow::Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    let cleanup = |staged: &[(std::path::PathBuf, std::path::PathBuf)]| {
        for (tmp, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for (path, bytes) in files {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            cleanup(&staged);
            return Err(e).with_context(|| format!("writing {}", path.display()));
        }
        staged.push((tmp, path.clone()));
    }
    for (tmp, path) in &staged {
        std::fs::rename(tmp, path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Prints `value` as pretty JSON with a trailing newline on stdout.
pub(crate) fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
