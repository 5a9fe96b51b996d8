//! Docker credential helpers that misbehave (issue 15, finding 11), each a small shell script written to a temp
//! directory as `docker-credential-NAME` and found through `CredentialEnv::path` (the process environment is never
//! changed): a helper that prints its JSON and exits 1 (its stdout, secret included, is never echoed); a helper whose
//! background child holds the pipe (the whole process group is killed on timeout); a helper printing 100 MB (a
//! size-limit error naming the limit, at once, not a timeout); and a hanging helper run once per client, not once per
//! call. Every helper is bounded by a short `helper_timeout`.

#![cfg(unix)]

use crate::support::oci::scripted::{Reply, Scripted};
use crate::support::oci::test_options;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{ClientOptions, Protocol, RegistryClient};
use tofu_sbom::registry::credentials::{CredentialEnv, run_helper};

/// Writes `docker-credential-NAME` (a `/bin/sh` script) into `dir/bin`; returns the `PATH` to use.
fn helper(dir: &Path, name: &str, body: &str) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join(format!("docker-credential-{name}"));
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display()).into()
}

fn env_with(path: std::ffi::OsString, timeout: Duration) -> CredentialEnv {
    CredentialEnv {
        path: Some(path),
        helper_timeout: timeout,
        ..CredentialEnv::isolated()
    }
}

#[tokio::test]
async fn failing_helper_output_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let path = helper(
        dir.path(),
        "leaky",
        r#"cat >/dev/null; printf '{"ServerURL":"r","Username":"alice","Secret":"hunter2-secret"}\n'; exit 1"#,
    );
    let err = run_helper(
        &env_with(path, Duration::from_secs(10)),
        "leaky",
        "r.example",
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(
        text,
        "credentials from docker-credential-leaky: exited with exit status: 1 (its standard output is not shown: it \
         may hold the secret; standard error was empty)"
    );
}

/// The pid written to `file` by the helper's background child, once it is there.
fn pid_in(file: &Path) -> u32 {
    for _ in 0..200 {
        if let Ok(s) = std::fs::read_to_string(file)
            && let Ok(p) = s.trim().parse()
        {
            return p;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the helper never wrote {}", file.display());
}

/// Whether a process is gone (absent, or a zombie awaiting its reaper).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn timeout_kills_the_helpers_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile: PathBuf = dir.path().join("grandchild.pid");
    let path = helper(
        dir.path(),
        "hang",
        &format!(
            "sh -c 'echo $$ > {}; exec sleep 30' &\nsleep 30",
            pidfile.display()
        ),
    );
    let started = Instant::now();
    let err = run_helper(&env_with(path, Duration::from_secs(1)), "hang", "r.example")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        err.to_string(),
        "credentials from docker-credential-hang: timed out after 1s (the helper and its children were stopped)"
    );
    let grandchild = pid_in(&pidfile);
    let mut dead = false;
    for _ in 0..100 {
        if gone(grandchild) {
            dead = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !dead {
        let _ = std::process::Command::new("kill")
            .args(["-9", &grandchild.to_string()])
            .status();
    }
    assert!(
        dead,
        "the helper's background child {grandchild} outlived it"
    );
}

#[tokio::test]
async fn huge_helper_output_is_a_size_limit_not_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = helper(dir.path(), "big", "head -c 100000000 /dev/zero");
    let started = Instant::now();
    let err = run_helper(&env_with(path, Duration::from_secs(20)), "big", "r.example")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    match &err {
        RegistryError::TooLarge { what, limit } => {
            assert_eq!(*limit, 4 << 20);
            assert_eq!(
                what,
                "the output of docker-credential-big (CredentialEnv::max_bytes)"
            );
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

/// A hanging helper is run once per client: the failure is remembered, so a second call (as `push --dry-run` made
/// after asking for the credential source) fails at once with the same error instead of waiting again.
#[tokio::test]
async fn a_hanging_helper_runs_once_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("runs");
    let path = helper(
        dir.path(),
        "slow",
        &format!("echo run >> {}\nexec sleep 30", count.display()),
    );
    let dc = dir.path().join("docker");
    std::fs::create_dir_all(&dc).unwrap();
    let reg = Scripted::start(|_| Reply::status(200));
    std::fs::write(
        dc.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"slow"}}}}"#, reg.host()),
    )
    .unwrap();
    let opts = ClientOptions {
        protocol: Protocol::PlainHttp,
        credentials: CredentialEnv {
            docker_config_dir: Some(dc),
            ..env_with(path, Duration::from_secs(1))
        },
        ..test_options()
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", opts).unwrap();
    let first = client.credential_source().await.unwrap_err().to_string();
    let started = Instant::now();
    let second = client.list_tags("acme/demo").await.unwrap_err().to_string();
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(first, second);
    assert_eq!(
        first,
        "credentials from docker-credential-slow: timed out after 1s (the helper and its children were stopped)"
    );
    assert_eq!(std::fs::read_to_string(&count).unwrap(), "run\n");
    assert!(reg.log().is_empty());
}
