//! Advisory lock files (`flock(2)` / `LockFileEx`) in a **per-user** lock directory, with the holder's PID written
//! into the file so that a waiter can say who holds it. Used by the referrers writer lock
//! ([`crate::registry::referrers::writer_lock`], async, per subject) and by the OCI layout's `index.json` lock
//! ([`crate::registry::layout`], blocking, held for one read-modify-write). Must not know what is written under a lock.
//!
//! # The lock directory
//! [`default_dir`]: `$XDG_RUNTIME_DIR/tofu-sbom-locks` when `XDG_RUNTIME_DIR` is set to an existing absolute directory
//! owned by this user (per the XDG spec it is, mode 0700; one inherited across `sudo` is not), else
//! `<temp dir>/tofu-sbom-locks-<uid>`. A shared,
//! predictable directory (`/tmp/tofu-sbom-locks`) would let any local user create and hold our lock files and stall
//! every writer. So before a lock file is opened, [`ensure_private_dir`] creates the directory with mode 0700 and
//! refuses ([`RegistryError::LockDir`]) one that is a symlink, not a directory, owned by another user, or writable by
//! group or others. (On Windows the temp directory is per user already; no check is made.)
//!
//! # The holder
//! Whoever takes a lock writes its PID (`PID\n`) into the lock file and empties the file when it lets go; a waiter
//! reads it ([`holder`]) for its "waiting for … held by PID N" notice and its timeout error. A lock file is never
//! deleted (deleting one that another process has open but not yet locked would let two processes hold "the" lock).
//!
//! Why the `fs4` crate and not `std::fs::File::try_lock`: the std methods are stable only since Rust 1.89 and this
//! crate's MSRV is 1.88. `fs4`'s trait methods are called with fully qualified syntax so that newer compilers, whose
//! `File` has inherent methods of the same names, still call `fs4`'s.

use std::fs::{File, OpenOptions};
use std::io::{Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use crate::registry::{RegistryError, Result};

/// The lock directory of this user (see the module docs).
pub fn default_dir() -> PathBuf {
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from)
        && run.is_absolute()
        && run.is_dir()
        && owned_by_me(&run)
    {
        return run.join("tofu-sbom-locks");
    }
    #[cfg(unix)]
    {
        std::env::temp_dir().join(format!(
            "tofu-sbom-locks-{}",
            rustix::process::getuid().as_raw()
        ))
    }
    #[cfg(not(unix))]
    {
        std::env::temp_dir().join("tofu-sbom-locks")
    }
}

/// True when `dir` belongs to this user (an `XDG_RUNTIME_DIR` inherited across `su`/`sudo` may not).
fn owned_by_me(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(dir).is_ok_and(|m| m.uid() == rustix::process::getuid().as_raw())
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

/// The lock file of `key` in `dir`: the first 32 hex digits of the key's SHA-256, `.lock`.
pub fn lock_file_path(dir: &Path, key: &str) -> PathBuf {
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    dir.join(format!("{}.lock", &hash[..32]))
}

/// Creates `dir` (mode 0700) when missing and refuses it unless it is a real directory owned by this user and not
/// writable by group or others (see the module docs).
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A missing parent (a temp dir that does not exist yet): create it the ordinary way, then ours.
                if let Some(parent) = dir.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| RegistryError::io("creating", parent, e))?;
                }
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .create(dir)
                    .or_else(|e| {
                        if e.kind() == std::io::ErrorKind::AlreadyExists {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })
                    .map_err(|e| RegistryError::io("creating", dir, e))?;
            }
            Err(e) => return Err(RegistryError::io("creating", dir, e)),
        }
        let meta =
            std::fs::symlink_metadata(dir).map_err(|e| RegistryError::io("reading", dir, e))?;
        let refuse = |reason: String| {
            Err(RegistryError::LockDir {
                path: dir.to_owned(),
                reason,
            })
        };
        if meta.file_type().is_symlink() {
            return refuse("it is a symbolic link".into());
        }
        if !meta.is_dir() {
            return refuse("it is not a directory".into());
        }
        let me = rustix::process::getuid().as_raw();
        if meta.uid() != me {
            return refuse(format!(
                "it is owned by uid {}, not by this user (uid {me})",
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return refuse(format!(
                "it is writable by {} (mode {:o}); it must be private to this user",
                if meta.mode() & 0o002 != 0 {
                    "everyone"
                } else {
                    "its group"
                },
                meta.mode() & 0o7777
            ));
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(|e| RegistryError::io("creating", dir, e))
    }
}

/// Opens (creating) the lock file `path` after checking its directory ([`ensure_private_dir`]).
pub fn open(path: &Path) -> Result<File> {
    if let Some(parent) = path.parent() {
        ensure_private_dir(parent)?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| RegistryError::io("opening lock file", path, e))
}

/// A lock file this process holds; dropping it empties the file (no holder) and releases the lock.
#[derive(Debug)]
pub struct Held {
    file: File,
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// Tries to lock `file` (opened by [`open`] on `path`) without waiting: `Ok(held)` when this process now holds it (its
/// PID written into the file), `Err(file)` (the file back, to try again) when another holder has it.
pub fn try_lock(file: File, path: &Path) -> Result<std::result::Result<Held, File>> {
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {
            let mut held = Held { file };
            let pid = std::process::id();
            let _ = held
                .file
                .set_len(0)
                .and_then(|()| held.file.rewind())
                .and_then(|()| writeln!(held.file, "{pid}"));
            Ok(Ok(held))
        }
        Err(fs4::TryLockError::WouldBlock) => Ok(Err(file)),
        Err(fs4::TryLockError::Error(e)) => Err(RegistryError::io("locking", path, e)),
    }
}

/// The PID the holder of `path` wrote into it, if any.
pub fn holder(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Who holds `path`, for messages: `PID N` or `an unknown process`.
pub fn describe_holder(path: &Path) -> String {
    holder(path).map_or_else(|| "an unknown process".to_owned(), |p| format!("PID {p}"))
}

/// Takes the lock file of `key` in `dir`, blocking the calling thread and polling every 10–20 ms, for at most
/// `timeout` ([`RegistryError::LockTimeout`] names the holder). For locks held for milliseconds (one `index.json`
/// read-modify-write); a polling flock, so two threads of one process exclude each other too.
pub fn lock_blocking(key: &str, dir: &Path, timeout: Duration) -> Result<Held> {
    let path = lock_file_path(dir, key);
    let start = Instant::now();
    let mut poll = 0u64;
    let mut file = open(&path)?;
    loop {
        file = match try_lock(file, &path)? {
            Ok(held) => return Ok(held),
            Err(f) => f,
        };
        if start.elapsed() >= timeout {
            return Err(RegistryError::LockTimeout {
                key: key.to_owned(),
                holder: holder(&path),
                path: Some(path),
                waited_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            });
        }
        poll = poll.wrapping_add(1);
        std::thread::sleep(Duration::from_millis(
            10 + (poll * 7 + u64::from(std::process::id())) % 11,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_pid_is_written_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("locks");
        let held = lock_blocking("k", &locks, Duration::from_secs(1)).unwrap();
        let path = lock_file_path(&locks, "k");
        assert_eq!(holder(&path), Some(std::process::id()));
        assert_eq!(
            describe_holder(&path),
            format!("PID {}", std::process::id())
        );
        // A second descriptor (= another process for flock) waits and then names the holder.
        let err = lock_blocking("k", &locks, Duration::from_millis(50)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "timed out after 50 ms waiting for the lock on k (lock file {}, held by PID {})",
                path.display(),
                std::process::id()
            )
        );
        drop(held);
        assert_eq!(holder(&path), None);
        assert_eq!(describe_holder(&path), "an unknown process");
        drop(lock_blocking("k", &locks, Duration::from_secs(1)).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn lock_dir_is_created_private_and_unsafe_ones_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("a/locks");
        ensure_private_dir(&mine).unwrap();
        let mode = std::fs::metadata(&mine).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // Group- or world-writable: refused, naming the directory and the mode.
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let err = ensure_private_dir(&shared).unwrap_err();
        assert!(matches!(err, RegistryError::LockDir { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "lock directory {} refused: it is writable by everyone (mode 1777); it must be private to this \
                 user (remove it, or set XDG_RUNTIME_DIR to a private directory)",
                shared.display()
            )
        );
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(
            ensure_private_dir(&shared)
                .unwrap_err()
                .to_string()
                .contains("it is writable by its group (mode 770)")
        );
        // A symlink to a private directory is refused too (whoever made the link chose where it points).
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&mine, &link).unwrap();
        assert!(
            ensure_private_dir(&link)
                .unwrap_err()
                .to_string()
                .contains("it is a symbolic link")
        );
        // A plain file.
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        assert!(
            ensure_private_dir(&file)
                .unwrap_err()
                .to_string()
                .contains("it is not a directory")
        );
        // Owned by another user: `/` is root's when the tests do not run as root; as root, a directory given away.
        let (other, uid) = if rustix::process::getuid().as_raw() == 0 {
            let given = dir.path().join("given");
            std::fs::create_dir(&given).unwrap();
            std::fs::set_permissions(&given, std::fs::Permissions::from_mode(0o700)).unwrap();
            std::os::unix::fs::chown(&given, Some(65534), Some(65534)).unwrap();
            (given, 65534)
        } else {
            (PathBuf::from("/"), 0)
        };
        let err = ensure_private_dir(&other).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("it is owned by uid {uid}, not by this user")),
            "{err}"
        );
    }

    #[test]
    fn default_dir_prefers_the_runtime_dir() {
        let d = default_dir();
        match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
            Some(run) if run.is_absolute() && run.is_dir() && owned_by_me(&run) => {
                assert_eq!(d, run.join("tofu-sbom-locks"));
            }
            _ => {
                let name = d.file_name().unwrap().to_str().unwrap().to_owned();
                assert!(name.starts_with("tofu-sbom-locks"), "{name}");
                assert_eq!(d.parent().unwrap(), std::env::temp_dir());
            }
        }
    }
}
