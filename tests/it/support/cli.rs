//! Shared helpers of the `cli_*` integration tests, which run the real `tofu-sbom` binary
//! (`CARGO_BIN_EXE_tofu-sbom`) as a user would. Tool and fixture paths come from `tests/it/support`.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A `tofu-sbom` command with an environment that cannot leak into the results: no `SOURCE_DATE_EPOCH`, no registry
/// credentials from the environment, no `CI` (progress output), no `go env -w` file (`GOENV=off`: the licence tests
/// set the Go variables they mean). Tests that push also point `HOME`/`DOCKER_CONFIG` at an empty directory (see
/// [`isolate_credentials`]).
pub(crate) fn tofu_sbom() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tofu-sbom"));
    for var in [
        "SOURCE_DATE_EPOCH",
        "TOFU_SBOM_REGISTRY_USERNAME",
        "TOFU_SBOM_REGISTRY_PASSWORD",
        "REGISTRY_AUTH_FILE",
        "CI",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("GOENV", "off");
    cmd.stdin(Stdio::null());
    cmd
}

/// Points every credential source `push` reads at the empty directory `home` (docker config, containers
/// `auth.json`, `XDG_RUNTIME_DIR`), so the machine's own credentials never take part.
pub(crate) fn isolate_credentials<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    cmd.env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
}

/// What one run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error, as text.
    pub stderr: String,
}

impl Run {
    /// Standard output as text (panics when it is not UTF-8).
    pub(crate) fn out(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Standard output parsed as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.out()))
    }

    /// Panics with the whole run unless it exited `code`.
    pub(crate) fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }
}

/// Runs `cmd` to completion.
pub(crate) fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `tofu-sbom ARGS...`, run to completion.
pub(crate) fn tofu_sbom_run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(tofu_sbom().args(args))
}

/// The entry names of a ZIP, as Info-ZIP's `unzip -Z1` lists them (a ZIP reader that is not ours).
pub(crate) fn zip_entries(zip: &Path) -> Vec<String> {
    let out = Command::new("unzip")
        .arg("-Z1")
        .arg(zip)
        .output()
        .expect("run unzip -Z1 (./scripts/deps installs unzip)");
    assert!(out.status.success(), "unzip -Z1 {}", zip.display());
    String::from_utf8(out.stdout)
        .expect("UTF-8 names")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Extracts a ZIP into `dir` with Info-ZIP's `unzip` (what users do by hand).
pub(crate) fn unzip(zip: &Path, dir: &Path) {
    fs::create_dir_all(dir).expect("create the extraction directory");
    let out = Command::new("unzip")
        .args(["-q", "-o"])
        .arg(zip)
        .arg("-d")
        .arg(dir)
        .output()
        .expect("run unzip (./scripts/deps installs unzip)");
    assert!(
        out.status.success(),
        "unzip {}: {}",
        zip.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The provider binary's entry name in a provider ZIP (`terraform-provider-…`), found with `unzip -Z1`.
pub(crate) fn provider_entry(zip: &Path) -> String {
    let names: Vec<String> = zip_entries(zip)
        .into_iter()
        .filter(|n| n.starts_with("terraform-provider-"))
        .collect();
    assert_eq!(names.len(), 1, "{}: {names:?}", zip.display());
    names.into_iter().next().expect("one entry")
}

/// `sha256sum FILE` (coreutils): the lowercase hex digest.
pub(crate) fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    assert!(out.status.success(), "sha256sum {}", path.display());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    text.split_whitespace().next().expect("a digest").to_owned()
}

/// Copies the regular files of `src` (not recursive) into the new directory `dst`.
pub(crate) fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("create the copy");
    for e in fs::read_dir(src).expect("read the directory") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_file() {
            fs::copy(e.path(), dst.join(e.file_name())).expect("copy a file");
        }
    }
}

/// The names of the entries of a directory, sorted.
pub(crate) fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file of a directory tree with its bytes, keyed by the path relative to `dir`.
pub(crate) fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under dir").to_path_buf();
                out.insert(rel, fs::read(&p).expect("read a file"));
            }
        }
    }
    out
}

/// The four SBOM formats, as `--format` names them, and the suffixes `generate` gives their files.
pub(crate) const EVERY_FORMAT: [(&str, &str); 4] = [
    ("cyclonedx-json", ".cdx.json"),
    ("cyclonedx-json@1.5", ".cdx15.json"),
    ("spdx-json", ".spdx.json"),
    ("spdx-json@3.0.1", ".spdx3.json"),
];

/// `tofu-sbom generate ZIP -q -o DIR` in every format ([`EVERY_FORMAT`]) plus `extra`; asserts exit 0 and returns
/// the four documents' paths in that order.
pub(crate) fn generate_every_format(zip: &Path, dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let mut cmd = tofu_sbom();
    cmd.arg("generate")
        .arg(zip)
        .args(["-q", "-o"])
        .arg(dir)
        .args(extra);
    for (format, _) in EVERY_FORMAT {
        cmd.args(["--format", format]);
    }
    let out = cmd.output().expect("run generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = zip.file_stem().unwrap().to_str().unwrap();
    EVERY_FORMAT
        .iter()
        .map(|(_, suffix)| dir.join(format!("{stem}{suffix}")))
        .collect()
}
