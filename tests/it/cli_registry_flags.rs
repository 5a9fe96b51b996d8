//! The registry transport as a CLI user meets it (issue 15): the one warning when `--plain-http` sends credentials to
//! a host that is not loopback, and the request and command deadlines (`--request-timeout`, `--timeout`). The
//! registry is `oci_support::scripted`, an in-test fault-injection server on 127.0.0.1 (for the non-loopback host it
//! is reached as the HTTP proxy, so nothing leaves the machine).

use crate::support::cli::{run, tofu_sbom};
use crate::support::oci::scripted::{Reply, Scripted};

/// `--plain-http` to `registry.example:5000` with credentials: one warning naming the host, however many requests.
#[test]
fn plain_http_to_remote_host_warns_once() {
    const HOST: &str = "registry.example:5000";
    let proxy = Scripted::start(|head| {
        let target = head.line.target.as_str();
        let path = target
            .strip_prefix(&format!("http://{HOST}"))
            .unwrap_or(target);
        if head.header("authorization").is_none() {
            return Reply::with_headers(401, &[("WWW-Authenticate", "Basic realm=\"r\"")]);
        }
        match path {
            "/v2/" => Reply::status(200),
            _ => Reply::status(404),
        }
    });
    let home = tempfile::tempdir().unwrap();
    let r = run(
        crate::support::cli::isolate_credentials(&mut tofu_sbom(), home.path())
            .env("HTTP_PROXY", format!("http://{}", proxy.host()))
            .env("NO_PROXY", "")
            .env("no_proxy", "")
            .env("TOFU_SBOM_REGISTRY_USERNAME", "ci-bot")
            .env("TOFU_SBOM_REGISTRY_PASSWORD", "s3cret")
            .args(["verify", "--plain-http", &format!("{HOST}/acme/demo:1.0.0")]),
    );
    let warning = format!(
        "tofu-sbom: warning: {HOST}: credentials are sent over plain HTTP (--plain-http) to a host that is not \
         loopback; anyone on the network path can read them"
    );
    assert_eq!(r.stderr.matches(&warning).count(), 1, "{}", r.stderr);
    assert!(proxy.log().len() >= 2, "{:?}", proxy.log());
    assert!(!r.stderr.contains("s3cret"));
}

/// `--request-timeout 3` (finding 7): a registry trickling one byte every 2 s ends the command with the deadline
/// error, in seconds, instead of holding it.
#[test]
fn request_timeout_flag_bounds_a_trickling_registry() {
    // The tag `HEAD` answers with every header OpenTofu's client needs (else verify stops there, as tofu would); the
    // `GET` of the index trickles.
    let reg = Scripted::start(|head| match (head.line.method.as_str(), head.line.path()) {
        (_, "/v2/") => Reply::status(200),
        ("HEAD", _) => Reply::with_headers(
            200,
            &[
                ("Content-Type", "application/vnd.oci.image.index.v1+json"),
                (
                    "Docker-Content-Digest",
                    "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                ),
            ],
        ),
        _ => Reply::Trickle {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            bytes: 10,
            every: std::time::Duration::from_secs(2),
        },
    });
    let started = std::time::Instant::now();
    let r = run(tofu_sbom().args([
        "verify",
        "--plain-http",
        "--request-timeout",
        "3",
        &format!("{}/acme/demo:1.0.0", reg.host()),
    ]));
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(12), "{took:?}");
    // The tag cannot be resolved: a finding (exit 1), whose text names the deadline.
    assert_eq!(r.code, 1, "{}\n{}", r.out(), r.stderr);
    assert!(
        r.out()
            .contains("no complete answer within the request deadline of 3 s"),
        "{}",
        r.out()
    );
}

/// `push --dry-run` with a credential helper that hangs (finding 11): the helper runs once, and the error says the
/// timeout it really waited (`TOFU_SBOM_CREDENTIAL_HELPER_TIMEOUT=2`), instead of running it twice.
#[cfg(unix)]
#[test]
fn dry_run_runs_a_hanging_helper_once() {
    use std::os::unix::fs::PermissionsExt as _;
    let reg = Scripted::start(|_| Reply::status(200));
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let runs = home.path().join("runs");
    let helper = bin.join("docker-credential-slow");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\necho run >> {}\nexec sleep 20\n", runs.display()),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dc = home.path().join(".docker");
    std::fs::create_dir_all(&dc).unwrap();
    std::fs::write(
        dc.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"slow"}}}}"#, reg.host()),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = std::time::Instant::now();
    let r = run(
        crate::support::cli::isolate_credentials(&mut tofu_sbom(), home.path())
            .env("PATH", path)
            .env("TOFU_SBOM_CREDENTIAL_HELPER_TIMEOUT", "2")
            .args([
                "push",
                "--dry-run",
                "--plain-http",
                &crate::support::sample_release_dir().to_string_lossy(),
                &format!("{}/acme/demo", reg.host()),
            ]),
    );
    let took = started.elapsed();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "credentials from docker-credential-slow: timed out after 2s (the helper and its children were stopped)"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&runs).unwrap(), "run\n");
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
}

/// The same warning for a provider registry (`mirror` with `TF_TOKEN_<host>` and `--plain-http` to a host that is
/// not loopback), once per run although the command opens more than one client.
#[test]
fn plain_http_provider_registry_token_warns_once() {
    const HOST: &str = "registry.example";
    let proxy = Scripted::start(|_| Reply::status(404));
    let home = tempfile::tempdir().unwrap();
    let r = run(
        crate::support::cli::isolate_credentials(&mut tofu_sbom(), home.path())
            .env("HTTP_PROXY", format!("http://{}", proxy.host()))
            .env("NO_PROXY", "")
            .env("no_proxy", "")
            .env("TF_TOKEN_registry_example", "tf-s3cret")
            .args([
                "mirror",
                "--dry-run",
                "--plain-http",
                &format!("{HOST}/acme/demo"),
                &format!("oci-layout:{}", home.path().join("out").display()),
            ]),
    );
    let warning = format!(
        "tofu-sbom: warning: {HOST}: credentials are sent over plain HTTP (--plain-http) to a host that is not \
         loopback; anyone on the network path can read them"
    );
    assert_eq!(r.stderr.matches(&warning).count(), 1, "{}", r.stderr);
    assert!(!proxy.log().is_empty());
    assert!(!r.stderr.contains("tf-s3cret"));
}
