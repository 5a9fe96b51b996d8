//! Running the real OpenTofu (`consumers::tofu()`, built by `./scripts/deps`) hermetically against
//! what a test published: [`TofuWorkspace`] is one working directory with its own `HOME`, CLI config
//! (`TF_CLI_CONFIG_FILE`), Docker-style credentials (`HOME/.docker/config.json`, the file tofu reads)
//! and trusted CA (`SSL_CERT_FILE`).
//!
//! Every run gets a cleared environment: `PATH`, `HOME`=the workspace's own home, `TF_CLI_CONFIG_FILE`,
//! `CHECKPOINT_DISABLE=1`, `TF_IN_AUTOMATION=1`, `SSL_CERT_FILE` when a CA was given, and
//! `HTTPS_PROXY`/`HTTP_PROXY` pointing at a closed loopback port, so that a request to anything but
//! 127.0.0.1 (Go never proxies loopback addresses) fails at once instead of reaching the internet — the
//! `.tofurc` blocks `tofu-sbom` prints carry `direct { exclude = [...] }` for the provider under test,
//! and no other provider is used. No `TF_PLUGIN_CACHE_DIR`, no `TF_DATA_DIR`, no `XDG_*`. Each run is
//! bounded by `timeout` ([`TOFU_RUN_SECS`]) and passes `-no-color` and `-input=false` where tofu takes
//! them.
//!
//! The API (kept small and stable: other test files build on it):
//! [`TofuWorkspace::new`], [`TofuWorkspace::write_cli_config`], [`TofuWorkspace::write_docker_auth`],
//! [`TofuWorkspace::trust_ca`], [`TofuWorkspace::write_file`] / [`TofuWorkspace::write_main_tf`]
//! (with [`required_provider_tf`]), [`TofuWorkspace::init`], [`TofuWorkspace::apply`],
//! [`TofuWorkspace::output_json`], [`TofuWorkspace::lock_file`] and [`parse_lock_file`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::consumers;

/// Upper bound of one tofu run, in seconds (`timeout` kills it after that).
pub(crate) const TOFU_RUN_SECS: u32 = 300;

/// A closed loopback port given to tofu as its HTTP(S) proxy: anything not on 127.0.0.1 fails fast.
const NO_INTERNET_PROXY: &str = "http://127.0.0.1:9";

/// What one tofu run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TofuRun {
    /// The arguments given to tofu.
    pub args: Vec<String>,
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl TofuRun {
    /// Panics with the whole run unless tofu exited `code`; returns the run.
    pub(crate) fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "tofu {:?}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    /// The lines of standard output, trimmed of trailing spaces.
    pub(crate) fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().map(str::trim_end).collect()
    }

    /// Standard error with every run of whitespace (tofu wraps its diagnostics at 78 columns) made one
    /// space: for asserting an error message independent of where tofu broke its lines.
    #[allow(
        dead_code,
        reason = "API for the e2e tests of the real providers, which come next"
    )]
    pub(crate) fn stderr_unwrapped(&self) -> String {
        self.stderr.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// One OpenTofu working directory with its own home, CLI config and credentials; everything lives in
/// one temporary directory removed on drop.
#[derive(Debug)]
pub(crate) struct TofuWorkspace {
    root: tempfile::TempDir,
    ca: Option<PathBuf>,
}

impl TofuWorkspace {
    /// An empty workspace: an empty working directory, an empty home and an empty CLI config file (a
    /// missing one makes tofu print a warning first).
    pub(crate) fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("tofu-sbom-tofu")
            .tempdir()
            .expect("temp dir for the tofu workspace");
        fs::create_dir_all(root.path().join("work")).expect("create the working directory");
        fs::create_dir_all(root.path().join("home")).expect("create the home directory");
        let ws = Self { root, ca: None };
        ws.write_cli_config("");
        ws
    }

    /// The working directory (where `main.tf` and `.terraform.lock.hcl` live).
    pub(crate) fn dir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// The `HOME` of every tofu run (empty unless a test writes into it).
    pub(crate) fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// The CLI config file given as `TF_CLI_CONFIG_FILE`.
    pub(crate) fn cli_config_path(&self) -> PathBuf {
        self.root.path().join("tofurc")
    }

    /// Replaces the CLI config with `text` (e.g. the `.tofurc` block `tofu-sbom` printed, verbatim).
    pub(crate) fn write_cli_config(&self, text: &str) {
        fs::write(self.cli_config_path(), text).expect("write the tofu CLI config");
    }

    /// Writes `HOME/.docker/config.json` with one `auths` entry for `host` (e.g. `127.0.0.1:PORT`):
    /// `{"auths":{"HOST":{"auth":"base64(USER:PASS)"}}}`, the only `auths` field tofu reads. Returns the
    /// file's path (also the file `tofu-sbom` reads with this `HOME`).
    pub(crate) fn write_docker_auth(&self, host: &str, user: &str, pass: &str) -> PathBuf {
        let dir = self.home().join(".docker");
        fs::create_dir_all(&dir).expect("create HOME/.docker");
        let auth = STANDARD.encode(format!("{user}:{pass}"));
        let json = serde_json::json!({"auths": {host: {"auth": auth}}});
        let path = dir.join("config.json");
        fs::write(&path, serde_json::to_vec_pretty(&json).expect("JSON"))
            .expect("write HOME/.docker/config.json");
        path
    }

    /// Trusts the PEM CA `ca` (given to tofu as `SSL_CERT_FILE`, which replaces the system roots).
    pub(crate) fn trust_ca(&mut self, ca: &Path) {
        self.ca = Some(ca.to_path_buf());
    }

    /// Writes `rel` (relative to the working directory) with `text`.
    pub(crate) fn write_file(&self, rel: &str, text: &str) {
        let path = self.dir().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create the file's directory");
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Writes `main.tf` with `text`.
    pub(crate) fn write_main_tf(&self, text: &str) {
        self.write_file("main.tf", text);
    }

    /// Runs `tofu ARGS...` in the working directory with the hermetic environment (module doc).
    pub(crate) fn run(&self, args: &[&str]) -> TofuRun {
        let mut cmd = Command::new("timeout");
        cmd.args(["-k", "10", &TOFU_RUN_SECS.to_string()])
            .arg(consumers::tofu())
            .args(args)
            .current_dir(self.dir())
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.home())
            .env("TF_CLI_CONFIG_FILE", self.cli_config_path())
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("HTTPS_PROXY", NO_INTERNET_PROXY)
            .env("HTTP_PROXY", NO_INTERNET_PROXY)
            .stdin(Stdio::null());
        if let Some(ca) = &self.ca {
            cmd.env("SSL_CERT_FILE", ca);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("run tofu {args:?}: {e}"));
        TofuRun {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `tofu init -input=false -no-color` (exit code not checked: see [`TofuRun::expect_code`]).
    pub(crate) fn init(&self) -> TofuRun {
        self.run(&["init", "-input=false", "-no-color"])
    }

    /// `tofu apply -auto-approve -input=false -no-color`.
    #[allow(
        dead_code,
        reason = "API for the e2e tests of the real providers, which come next"
    )]
    pub(crate) fn apply(&self) -> TofuRun {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `tofu output -json`, parsed; panics unless it exits 0. Each output is
    /// `{"sensitive":…,"type":…,"value":…}`.
    #[allow(
        dead_code,
        reason = "API for the e2e tests of the real providers, which come next"
    )]
    pub(crate) fn output_json(&self) -> serde_json::Value {
        let run = self.run(&["output", "-json", "-no-color"]).expect_code(0);
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("tofu output -json is not JSON ({e}):\n{}", run.stdout))
    }

    /// The text of `.terraform.lock.hcl` in the working directory, if tofu (or the test) wrote one.
    pub(crate) fn lock_file(&self) -> Option<String> {
        fs::read_to_string(self.dir().join(".terraform.lock.hcl")).ok()
    }
}

/// A `main.tf` requiring one provider: `terraform { required_providers { LOCAL = { source = SOURCE,
/// version = VERSION } } }`, e.g. `required_provider_tf("buf", "registry.opentofu.org/example/buf",
/// "1.74.0")`. Append data sources and outputs to it.
pub(crate) fn required_provider_tf(local: &str, source: &str, version: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    {local} = {{\n      source  = \"{source}\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n"
    )
}

/// One `provider "ADDRESS" { … }` block of a `.terraform.lock.hcl`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LockEntry {
    /// `version`.
    pub version: String,
    /// `constraints`, when present.
    pub constraints: Option<String>,
    /// `hashes`, in file order (`h1:…`, `zh:…`).
    pub hashes: Vec<String>,
}

/// Parses the provider blocks of a `.terraform.lock.hcl` in the canonical layout tofu writes and
/// `tofu-sbom` prints (one attribute or hash per line), keyed by provider address
/// (`registry.opentofu.org/example/buf`). Panics on a line it does not understand.
pub(crate) fn parse_lock_file(text: &str) -> BTreeMap<String, LockEntry> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, LockEntry)> = None;
    let mut in_hashes = false;
    let unquote =
        |v: &str| -> String { v.trim().trim_end_matches(',').trim_matches('"').to_owned() };
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("provider ") {
            let address = unquote(rest.trim_end_matches('{'));
            current = Some((address, LockEntry::default()));
            continue;
        }
        let (_, entry) = current
            .as_mut()
            .unwrap_or_else(|| panic!("lock file line outside a provider block: {line:?}"));
        if in_hashes {
            if line == "]" {
                in_hashes = false;
            } else {
                entry.hashes.push(unquote(line));
            }
        } else if line == "}" {
            let (address, entry) = current.take().expect("an open block");
            out.insert(address, entry);
        } else if line.starts_with("hashes") && line.ends_with('[') {
            in_hashes = true;
        } else if let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "version" => entry.version = unquote(value),
                "constraints" => entry.constraints = Some(unquote(value)),
                other => panic!("unexpected lock file attribute {other:?}"),
            }
        } else {
            panic!("unexpected lock file line {line:?}");
        }
    }
    assert!(current.is_none(), "unterminated provider block in:\n{text}");
    out
}
