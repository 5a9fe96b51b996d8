//! Serialising writers of one subject's referrers (the referrers *writer lock*; not to be confused with
//! `archive::lockfile`, the `.terraform.lock.hcl` block). Must not know what is written under the lock.
//!
//! The distribution spec has no compare-and-swap for the `sha256-<hex>` fallback tag (distribution 2.8 ignores
//! `If-Match`), and an OCI layout's `index.json` is a plain read-modify-write file, so two writers that interleave
//! lose each other's entries. [`lock_subject`] takes two locks, in this order, and holds both until the guard is
//! dropped:
//!
//! 1. an in-process async mutex keyed by the lock key (tasks of one process, e.g. a `publish` attaching to several
//!    subjects concurrently, or a library user calling attach from many tasks);
//! 2. an advisory lock file (`flock(2)` / `LockFileEx`) in the lock directory, named by the SHA-256 of the key, so
//!    that processes on the same host (a CI matrix running on one runner, parallel `tofu-sbom attach` calls)
//!    serialise too. The file is never deleted (deleting a lock file that another process has open but not yet locked
//!    would let two processes hold "the" lock); it is empty and tiny.
//!
//! Writers on *different hosts* cannot be serialised this way; see [`crate::registry::referrers`] for the re-read/repair
//! loop that detects (and repairs, or reports) a lost update, and for the residual risk.
//!
//! Why the `fs4` crate and not `std::fs::File::try_lock`: the std methods are stable only since Rust 1.89 and this
//! crate's MSRV is 1.88. `fs4`'s trait methods are called with fully qualified syntax so that newer compilers, whose
//! `File` has inherent methods of the same names, still call `fs4`'s.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use crate::registry::{RegistryError, Result};

/// Where lock files live and how long to wait for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockOptions {
    /// The directory of the lock files (created when missing). Default: `<temp dir>/tofu-sbom-locks`.
    pub dir: PathBuf,
    /// How long to wait for another holder before failing with [`RegistryError::LockTimeout`].
    pub timeout: Duration,
    /// Skip the cross-process lock file (in-process serialisation only). Only for tests that simulate a writer on
    /// another host.
    pub in_process_only: bool,
}

impl Default for LockOptions {
    fn default() -> Self {
        Self {
            dir: std::env::temp_dir().join("tofu-sbom-locks"),
            timeout: Duration::from_secs(600),
            in_process_only: false,
        }
    }
}

/// Holds the in-process mutex and the lock file of one key until dropped.
#[derive(Debug)]
pub struct SubjectGuard {
    key: String,
    _file: Option<File>,
    _inproc: tokio::sync::OwnedMutexGuard<()>,
}

impl SubjectGuard {
    /// The key that is locked.
    pub fn key(&self) -> &str {
        &self.key
    }
}

type Registry = Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>;

fn registry() -> &'static Registry {
    static LOCKS: OnceLock<Registry> = OnceLock::new();
    LOCKS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The in-process mutex of `key` (created on first use; dropped with its last holder).
fn inproc_mutex(key: &str) -> Arc<tokio::sync::Mutex<()>> {
    let mut map = registry()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.retain(|_, w| w.strong_count() > 0);
    if let Some(m) = map.get(key).and_then(Weak::upgrade) {
        return m;
    }
    let m = Arc::new(tokio::sync::Mutex::new(()));
    map.insert(key.to_owned(), Arc::downgrade(&m));
    m
}

/// The lock key of a subject in a registry repository: `HOST/REPO@DIGEST`.
pub fn registry_key(registry: &str, repository: &str, subject: &str) -> String {
    format!("{registry}/{repository}@{subject}")
}

/// The lock key of an OCI layout (its `index.json` is shared by every subject): `oci-layout:<canonical dir>`.
pub fn layout_key(dir: &Path) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    format!("oci-layout:{}", canonical.display())
}

/// The lock file of `key` in `dir`.
pub fn lock_file_path(dir: &Path, key: &str) -> PathBuf {
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    dir.join(format!("{}.lock", &hash[..32]))
}

fn open_lock_file(path: &Path) -> Result<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| RegistryError::io("creating", parent, e))?;
    }
    match OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
    {
        Ok(f) => Ok(f),
        // Another user created it (a shared /tmp): a read-only descriptor can hold a flock too.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            File::open(path).map_err(|e| RegistryError::io("opening lock file", path, e))
        }
        Err(e) => Err(RegistryError::io("opening lock file", path, e)),
    }
}

/// Takes the in-process mutex and the lock file of `key` (see the module docs), polling the file lock every 25–50 ms
/// until `opts.timeout`.
pub async fn lock_subject(key: &str, opts: &LockOptions) -> Result<SubjectGuard> {
    let start = Instant::now();
    let mutex = inproc_mutex(key);
    let inproc = tokio::time::timeout(opts.timeout, mutex.lock_owned())
        .await
        .map_err(|_| RegistryError::LockTimeout {
            key: key.to_owned(),
            path: None,
            waited_ms: u64::try_from(opts.timeout.as_millis()).unwrap_or(u64::MAX),
        })?;
    if opts.in_process_only {
        return Ok(SubjectGuard {
            key: key.to_owned(),
            _file: None,
            _inproc: inproc,
        });
    }
    let path = lock_file_path(&opts.dir, key);
    let file = {
        let p = path.clone();
        tokio::task::spawn_blocking(move || open_lock_file(&p))
            .await
            .map_err(|e| RegistryError::Layout {
                path: path.clone(),
                message: format!("lock task failed: {e}"),
            })??
    };
    let mut poll = 0u32;
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {
                return Ok(SubjectGuard {
                    key: key.to_owned(),
                    _file: Some(file),
                    _inproc: inproc,
                });
            }
            Err(fs4::TryLockError::WouldBlock) => {}
            Err(fs4::TryLockError::Error(e)) => {
                return Err(RegistryError::io("locking", &path, e));
            }
        }
        if start.elapsed() >= opts.timeout {
            return Err(RegistryError::LockTimeout {
                key: key.to_owned(),
                path: Some(path),
                waited_ms: u64::try_from(opts.timeout.as_millis()).unwrap_or(u64::MAX),
            });
        }
        poll = poll.wrapping_add(1);
        tokio::time::sleep(Duration::from_millis(25) + super::jitter(25, poll)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn same_key_serialises_and_other_keys_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let opts = LockOptions {
            dir: dir.path().to_owned(),
            timeout: Duration::from_millis(300),
            in_process_only: false,
        };
        let g = lock_subject("a", &opts).await.unwrap();
        assert_eq!(g.key(), "a");
        // Another key is independent.
        let other = lock_subject("b", &opts).await.unwrap();
        drop(other);
        // The same key times out while held, naming the key and the lock file.
        let err = lock_subject("a", &opts).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out after 300 ms waiting for the lock on a (held by another task in this process)"
        );
        drop(g);
        let again = lock_subject("a", &opts).await.unwrap();
        drop(again);
        assert!(lock_file_path(dir.path(), "a").exists());
    }

    #[test]
    fn file_lock_excludes_another_descriptor() {
        // Two descriptors of the same file behave like two processes for flock(2).
        let dir = tempfile::tempdir().unwrap();
        let p = lock_file_path(dir.path(), "k");
        let a = open_lock_file(&p).unwrap();
        let b = open_lock_file(&p).unwrap();
        fs4::FileExt::try_lock(&a).unwrap();
        assert!(matches!(
            fs4::FileExt::try_lock(&b),
            Err(fs4::TryLockError::WouldBlock)
        ));
        drop(a);
        fs4::FileExt::try_lock(&b).unwrap();
    }

    #[test]
    fn keys() {
        assert_eq!(
            registry_key("127.0.0.1:5000", "acme/demo", "sha256:ab"),
            "127.0.0.1:5000/acme/demo@sha256:ab"
        );
        let p = lock_file_path(Path::new("/l"), "x");
        assert_eq!(p.extension().unwrap(), "lock");
        assert_eq!(p.file_stem().unwrap().len(), 32);
    }
}
