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
//! 2. an advisory lock file ([`crate::registry::lock_file`]: `flock(2)` / `LockFileEx`) in the **per-user** lock
//!    directory, named by the SHA-256 of the key, so that processes of this user on the same host (a CI matrix
//!    running on one runner, parallel `tofu-sbom attach` calls) serialise too. The holder writes its PID into it;
//!    a waiter calls [`LockOptions::notify`] once (after [`NOTIFY_AFTER`]) with who holds it, and the timeout error
//!    names the holder too.
//!
//! Writers on *different hosts* cannot be serialised this way; see [`crate::registry::referrers`] for the re-read/repair
//! loop that detects (and repairs, or reports) a lost update, and for the residual risk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

pub use crate::registry::lock_file::lock_file_path;
use crate::registry::lock_file::{self, Held};
use crate::registry::{RegistryError, Result};

/// How long [`lock_subject`] waits for another process before it calls [`LockOptions::notify`].
pub const NOTIFY_AFTER: Duration = Duration::from_secs(1);

/// Called once when a lock is held by another process for longer than [`NOTIFY_AFTER`], with a sentence naming the
/// key, the holder (`PID N`) and the lock file (the CLI prints it on stderr).
#[derive(Clone)]
pub struct LockNotify(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for LockNotify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockNotify(..)")
    }
}

impl PartialEq for LockNotify {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for LockNotify {}

/// Where lock files live and how long to wait for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockOptions {
    /// The directory of the lock files (created, mode 0700, when missing; refused unless private to this user).
    /// Default: [`lock_file::default_dir`] (`$XDG_RUNTIME_DIR/tofu-sbom-locks`, else `<temp dir>/tofu-sbom-locks-<uid>`).
    pub dir: PathBuf,
    /// How long to wait for another holder before failing with [`RegistryError::LockTimeout`].
    pub timeout: Duration,
    /// Skip the cross-process lock file (in-process serialisation only). Only for tests that simulate a writer on
    /// another host.
    pub in_process_only: bool,
    /// Told who holds the lock when waiting for another process (see [`NOTIFY_AFTER`]).
    pub notify: Option<LockNotify>,
}

impl Default for LockOptions {
    fn default() -> Self {
        Self {
            dir: lock_file::default_dir(),
            timeout: Duration::from_secs(600),
            in_process_only: false,
            notify: None,
        }
    }
}

/// Holds the in-process mutex and the lock file of one key until dropped.
#[derive(Debug)]
pub struct SubjectGuard {
    key: String,
    _file: Option<Held>,
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
            holder: None,
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
        tokio::task::spawn_blocking(move || lock_file::open(&p))
            .await
            .map_err(|e| RegistryError::Layout {
                path: path.clone(),
                message: format!("lock task failed: {e}"),
            })??
    };
    let mut file = Some(file);
    let mut poll = 0u32;
    let mut notified = false;
    loop {
        let f = file
            .take()
            .unwrap_or_else(|| unreachable!("kept until locked"));
        let f = match lock_file::try_lock(f, &path)? {
            Ok(held) => {
                return Ok(SubjectGuard {
                    key: key.to_owned(),
                    _file: Some(held),
                    _inproc: inproc,
                });
            }
            Err(f) => f,
        };
        file = Some(f);
        if !notified
            && start.elapsed() >= NOTIFY_AFTER
            && let Some(n) = &opts.notify
        {
            notified = true;
            (n.0)(&format!(
                "waiting for the lock on {key}: held by {} (lock file {})",
                lock_file::describe_holder(&path),
                path.display()
            ));
        }
        if start.elapsed() >= opts.timeout {
            return Err(RegistryError::LockTimeout {
                key: key.to_owned(),
                holder: lock_file::holder(&path),
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
            notify: None,
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

    #[tokio::test]
    async fn waiting_for_another_process_names_its_pid() {
        let dir = tempfile::tempdir().unwrap();
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = seen.clone();
        let opts = LockOptions {
            dir: dir.path().to_owned(),
            timeout: NOTIFY_AFTER + Duration::from_millis(300),
            in_process_only: false,
            notify: Some(LockNotify(Arc::new(move |m: &str| {
                sink.lock().unwrap().push(m.to_owned());
            }))),
        };
        // Another descriptor of the lock file holds it: for flock(2) that is another process.
        let p = lock_file_path(dir.path(), "k");
        let other = lock_file::try_lock(lock_file::open(&p).unwrap(), &p)
            .unwrap()
            .unwrap();
        let pid = std::process::id();
        let err = lock_subject("k", &opts).await.unwrap_err();
        assert!(matches!(
            err,
            RegistryError::LockTimeout { holder: Some(h), .. } if h == pid
        ));
        assert_eq!(
            *seen.lock().unwrap(),
            vec![format!(
                "waiting for the lock on k: held by PID {pid} (lock file {})",
                p.display()
            )]
        );
        drop(other);
        drop(lock_subject("k", &opts).await.unwrap());
    }

    #[test]
    fn file_lock_excludes_another_descriptor() {
        // Two descriptors of the same file behave like two processes for flock(2).
        let dir = tempfile::tempdir().unwrap();
        let p = lock_file_path(dir.path(), "k");
        let a = lock_file::open(&p).unwrap();
        let b = lock_file::open(&p).unwrap();
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
