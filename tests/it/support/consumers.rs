//! The real consumers of what tofu-sbom publishes, built by `./scripts/deps` from the Go module proxy
//! into `$TOFU_SBOM_TEST_CACHE/consumers/bin` (scripts/lib/deps.sh): OpenTofu's `tofu`, the ORAS CLI,
//! Syft, and [`ReferrersRegistry`] — go-containerregistry's `pkg/registry` with the native referrers
//! API switched on (`scripts/tools/referrers-registry`), on a free 127.0.0.1 port, stopped by PID on
//! drop. Every accessor panics with the script to run when its binary is missing.
//!
//! Pinned versions (scripts/lib/common.sh): [`TOFU_VERSION`], [`ORAS_VERSION`], [`SYFT_VERSION`],
//! [`GGCR_VERSION`] (scripts/tools/referrers-registry/go.mod).

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use super::{HttpResponse, SERVER_LIFETIME_SECS, cache_dir, curl, stop, tool_path, wait_for_line};

/// OpenTofu built by `./scripts/deps` (`TSB_TOFU_VERSION`).
pub(crate) const TOFU_VERSION: &str = "1.12.6";
/// The ORAS CLI built by `./scripts/deps` (`TSB_ORAS_VERSION`).
pub(crate) const ORAS_VERSION: &str = "1.3.6";
/// Syft built by `./scripts/deps` (`TSB_SYFT_VERSION`).
pub(crate) const SYFT_VERSION: &str = "1.57.2";
/// go-containerregistry in `scripts/tools/referrers-registry/go.mod`.
pub(crate) const GGCR_VERSION: &str = "v0.22.1";

/// A consumer binary: `$VAR`, else `consumers/bin/NAME` under the test cache.
fn consumer(var: &str, name: &str) -> PathBuf {
    tool_path(
        var,
        cache_dir().join("consumers/bin").join(name),
        "./scripts/deps (it builds the real consumers from the Go module proxy)",
    )
}

/// OpenTofu's `tofu` (`$TOFU_SBOM_TOFU`).
pub(crate) fn tofu() -> PathBuf {
    consumer("TOFU_SBOM_TOFU", "tofu")
}

/// The ORAS CLI (`$TOFU_SBOM_ORAS`).
pub(crate) fn oras() -> PathBuf {
    consumer("TOFU_SBOM_ORAS", "oras")
}

/// Syft (`$TOFU_SBOM_SYFT`).
pub(crate) fn syft() -> PathBuf {
    consumer("TOFU_SBOM_SYFT", "syft")
}

/// Runs `syft scan dir:DIR -o syft-json -q` hermetically — `HOME` a temporary directory, only `/usr/bin:/bin` on
/// `PATH`, `SYFT_CHECK_FOR_APP_UPDATE=false`, plus `env` (the caller's network settings: a loopback-only proxy
/// for an offline run, or Syft's remote licence search) — killed after `timeout_secs`; its JSON.
pub(crate) fn syft_scan_json(
    dir: &std::path::Path,
    env: &[(&str, &str)],
    timeout_secs: u32,
) -> serde_json::Value {
    let home = tempfile::tempdir().expect("tmp");
    let out = Command::new("timeout")
        .args(["-k", "10", &timeout_secs.to_string()])
        .arg(syft())
        .arg("scan")
        .arg(format!("dir:{}", dir.display()))
        .args(["-o", "syft-json", "-q"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run syft");
    assert!(
        out.status.success(),
        "syft: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("syft-json is JSON")
}

/// The native-referrers registry binary (`$TOFU_SBOM_REFERRERS_REGISTRY`).
pub(crate) fn referrers_registry_binary() -> PathBuf {
    consumer("TOFU_SBOM_REFERRERS_REGISTRY", "referrers-registry")
}

/// A running go-containerregistry registry with the referrers API (in memory, anonymous, plain
/// HTTP) on 127.0.0.1; stopped by PID on drop. Facts about it (read in its v0.22.1 source): the
/// referrers answer takes each descriptor's `artifactType` from the referrer's **config media type**
/// (never from the manifest's own `artifactType`), ignores `?artifactType=` filtering, lists in no
/// fixed order, answers 404 `NAME_UNKNOWN` for a repository it has never seen, and sends no
/// `OCI-Subject` header on a manifest PUT.
#[derive(Debug)]
pub(crate) struct ReferrersRegistry {
    /// `127.0.0.1:PORT`: the host part of references.
    pub host: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The line it printed once listening (names the go-containerregistry version).
    pub banner: String,
    dir: tempfile::TempDir,
    child: Child,
}

impl ReferrersRegistry {
    /// Starts it on a port it picks itself (`-listen 127.0.0.1:0`, so no other test can take the
    /// port meanwhile) and returns once it printed its listening line. Panics with its log when it
    /// does not start within 15 s.
    pub(crate) fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tofu-sbom-referrers-registry")
            .tempdir()
            .expect("temp dir for the referrers registry");
        let out_path = dir.path().join("stdout.log");
        let err_path = dir.path().join("registry.log");
        let stdout = fs::File::create(&out_path).expect("create stdout.log");
        let stderr = fs::File::create(&err_path).expect("create registry.log");
        let mut child = Command::new("timeout")
            .arg(SERVER_LIFETIME_SECS.to_string())
            .arg(referrers_registry_binary())
            .args(["-listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("spawn referrers-registry");
        if !wait_for_line(&out_path, "\n", &mut child) {
            stop(&mut child);
            panic!(
                "referrers-registry did not start on 127.0.0.1; its log:\n{}",
                fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        let banner = fs::read_to_string(&out_path)
            .expect("read stdout.log")
            .trim_end()
            .to_owned();
        let host = banner
            .rsplit_once(" listening on ")
            .map(|(_, addr)| addr.to_owned())
            .unwrap_or_else(|| panic!("unexpected referrers-registry banner {banner:?}"));
        Self {
            url: format!("http://{host}"),
            host,
            banner,
            dir,
            child,
        }
    }

    /// `curl -X METHOD URL+path ARGS...`: the response, panicking when there is none.
    pub(crate) fn request(&self, method: &str, path: &str, args: &[&str]) -> HttpResponse {
        curl(method, &format!("{}{path}", self.url), args)
    }

    /// The registry's own log (stderr), for failure messages.
    pub(crate) fn registry_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for ReferrersRegistry {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}
