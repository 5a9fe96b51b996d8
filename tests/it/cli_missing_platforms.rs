//! Issue 15 finding 10: a release directory whose `SHA256SUMS` lists ZIPs that are not there (an incomplete artifact
//! download) is refused by every command that reads a release — `generate`, `publish`, `verify --release` — naming
//! the missing files (exit 2, nothing written). `--allow-missing-platforms` proceeds with the platforms present, with
//! a warning naming the missing ones; `--platform` selecting present platforms is a deliberate subset too.

use crate::support;
use crate::support::cli as cli_support;

use std::path::Path;

use cli_support::{Run, copy_dir, isolate_credentials, run, tofu_sbom};
use support::sample_release_dir;

const SAMPLE: &str = "terraform-provider-sample_0.1.0";

fn tofu(home: &Path, args: &[&str]) -> Run {
    run(isolate_credentials(&mut tofu_sbom(), home)
        .env("TMPDIR", home)
        .args(args))
}

/// The sample release with only its linux_amd64 ZIP (the sums list three).
fn incomplete(home: &Path) -> String {
    let dir = home.join("dist");
    copy_dir(&sample_release_dir(), &dir);
    for p in ["darwin_arm64", "windows_amd64"] {
        std::fs::remove_file(dir.join(format!("{SAMPLE}_{p}.zip"))).unwrap();
    }
    dir.display().to_string()
}

fn refusal(dir: &str) -> String {
    format!(
        "tofu-sbom: error: {dir}/{SAMPLE}_SHA256SUMS lists 2 ZIPs that are not in {dir}: {SAMPLE}_darwin_arm64.zip, \
         {SAMPLE}_windows_amd64.zip (an incomplete download?); add them, select the platforms present with \
         --platform, or pass --allow-missing-platforms to proceed without them\n"
    )
}

fn warning(dir: &str) -> String {
    format!(
        "tofu-sbom: warning: {dir}/{SAMPLE}_SHA256SUMS lists 2 ZIPs that are not in {dir}: {SAMPLE}_darwin_arm64.zip, \
         {SAMPLE}_windows_amd64.zip; proceeding without them (--allow-missing-platforms)\n"
    )
}

#[test]
fn generate_refuses_a_release_missing_zips_its_sums_list() {
    let home = tempfile::tempdir().unwrap();
    let dir = incomplete(home.path());
    let out = home.path().join("out");
    let o = out.to_str().unwrap();
    let res = tofu(home.path(), &["generate", &dir, "-o", o]);
    assert_eq!((res.code, res.stderr.as_str()), (2, refusal(&dir).as_str()));
    assert!(!out.exists(), "nothing was written");

    let res = tofu(
        home.path(),
        &["generate", &dir, "-o", o, "--allow-missing-platforms"],
    );
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(res.stderr.contains(&warning(&dir)), "{}", res.stderr);
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            format!("{SAMPLE}.cdx.json"),
            format!("{SAMPLE}.spdx.json"),
            format!("{SAMPLE}_linux_amd64.cdx.json"),
            format!("{SAMPLE}_linux_amd64.spdx.json"),
        ]
    );

    // Selecting the platform present is a deliberate subset: no refusal, no warning about the others.
    let res = tofu(
        home.path(),
        &["generate", &dir, "-o", o, "--platform", "linux_amd64", "-q"],
    );
    assert_eq!((res.code, res.stderr.as_str()), (0, ""));
}

#[test]
fn publish_and_verify_release_refuse_a_release_missing_zips() {
    let home = tempfile::tempdir().unwrap();
    let dir = incomplete(home.path());
    let layout = home.path().join("layout");
    let target = format!("oci-layout:{}", layout.display());
    let res = tofu(
        home.path(),
        &["publish", &dir, &target, "--provider", "example/sample"],
    );
    assert_eq!((res.code, res.stderr.as_str()), (2, refusal(&dir).as_str()));
    assert_eq!(res.out(), "");
    assert!(!layout.exists(), "nothing was written");

    // The complete release published; verify --release against the incomplete directory is refused too.
    let full = sample_release_dir().display().to_string();
    tofu(
        home.path(),
        &[
            "publish",
            &full,
            &target,
            "--provider",
            "example/sample",
            "-q",
        ],
    )
    .expect_code(0);
    let tagged = format!("{target}:0.1.0");
    let res = tofu(home.path(), &["verify", &tagged, "--release", &dir]);
    assert_eq!((res.code, res.stderr.as_str()), (2, refusal(&dir).as_str()));
    // With the flag it compares what is there: the two stored platforms the directory lacks are findings (exit 1).
    let res = tofu(
        home.path(),
        &[
            "verify",
            &tagged,
            "--release",
            &dir,
            "--allow-missing-platforms",
            "--json",
        ],
    );
    assert_eq!(res.code, 1, "{}", res.stderr);
    assert!(res.stderr.contains(&warning(&dir)), "{}", res.stderr);
    let mut kinds: Vec<(String, String)> = res.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "stored_platform_not_in_release")
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["platform"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            (
                "stored_platform_not_in_release".to_owned(),
                "darwin_arm64".to_owned()
            ),
            (
                "stored_platform_not_in_release".to_owned(),
                "windows_amd64".to_owned()
            ),
        ]
    );
}
