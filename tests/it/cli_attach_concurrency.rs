//! Parallel `tofu-sbom attach` *commands* on one host, as parallel CI jobs on one runner would run them: 6 processes of
//! the real binary attach 6 different SBOMs to one subject on a real distribution 2.8 registry (no referrers API, so
//! all 6 rewrite the same `sha256-<hex>` fallback index, which has no compare-and-swap). The per-subject lock file
//! serialises them: every SBOM lands, each exactly once, and a re-run of all 6 adds nothing.
//! (tests/referrers_concurrency.rs does the same through the library, plus a writer on "another host".)

use crate::support;
use crate::support::cli as cli_support;

use std::collections::BTreeSet;
use std::process::Stdio;

use cli_support::{isolate_credentials, tofu_sbom};
use serde_json::Value;
use support::{Registry, RegistryOpts, sample_release_dir};

const N: usize = 6;
const CDX: &str = "application/vnd.cyclonedx+json";
const SPDX: &str = "application/spdx+json";

/// A small valid CycloneDX 1.5 document, distinct per `n`.
fn sbom(n: usize) -> String {
    format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{{"timestamp":"2026-01-02T03:04:05Z","component":{{"type":"application","name":"job-{n}"}}}},"components":[]}}"#
    )
}

/// `(artifactType, title, digest)` of every referrer of `reference`.
fn referrers(
    home: &std::path::Path,
    tmp: &std::path::Path,
    reference: &str,
) -> Vec<(String, String, String)> {
    let out = isolate_credentials(&mut tofu_sbom(), home)
        .env("TMPDIR", tmp)
        .args(["referrers", reference, "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no referrers list in {v:#}"))
        .iter()
        .map(|r| {
            (
                r["artifactType"].as_str().unwrap().to_owned(),
                r["title"].as_str().unwrap_or_default().to_owned(),
                r["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Starts the N attach commands at once and waits for all; returns their exit codes and stderr.
fn attach_all(
    home: &std::path::Path,
    tmp: &std::path::Path,
    reference: &str,
    files: &[std::path::PathBuf],
) -> Vec<(Option<i32>, String)> {
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            isolate_credentials(&mut tofu_sbom(), home)
                .env("TMPDIR", tmp)
                .args(["attach", reference])
                .arg(f)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

#[test]
fn parallel_attach_commands_on_one_subject_all_land_once() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let tmp = work.path().join("tmp");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let repo = format!("{}/acme/sample", reg.host);
    let release = sample_release_dir();
    let out = isolate_credentials(&mut tofu_sbom(), &home)
        .env("TMPDIR", &tmp)
        .args([
            "publish",
            release.to_str().unwrap(),
            &repo,
            "--provider",
            "acme/sample",
        ])
        .args(["--format", "spdx-json", "-q"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = format!("{repo}:0.1.0");
    let before = referrers(&home, &tmp, &reference);
    assert_eq!(
        before
            .iter()
            .map(|r| (r.0.as_str(), r.1.as_str()))
            .collect::<Vec<_>>(),
        [(SPDX, "terraform-provider-sample_0.1.0.spdx.json")]
    );

    let files: Vec<_> = (0..N)
        .map(|n| {
            let f = work.path().join(format!("job-{n}.cdx.json"));
            std::fs::write(&f, sbom(n)).unwrap();
            f
        })
        .collect();
    for (code, stderr) in attach_all(&home, &tmp, &reference, &files) {
        assert_eq!(code, Some(0), "{stderr}");
    }
    let after = referrers(&home, &tmp, &reference);
    let cdx_titles: Vec<&str> = after
        .iter()
        .filter(|r| r.0 == CDX)
        .map(|r| r.1.as_str())
        .collect();
    let want: BTreeSet<String> = (0..N).map(|n| format!("job-{n}.cdx.json")).collect();
    assert_eq!(
        cdx_titles
            .iter()
            .map(|t| (*t).to_owned())
            .collect::<BTreeSet<_>>(),
        want,
        "{after:#?}"
    );
    assert_eq!(cdx_titles.len(), N, "each SBOM exactly once: {after:#?}");
    // CycloneDX entries before SPDX (Trivy takes the first parsable one), the publish's SPDX still there.
    assert_eq!(after.last().map(|r| r.0.as_str()), Some(SPDX), "{after:#?}");
    assert_eq!(after.len(), N + 1);

    // All 6 again, in parallel: nothing changes (same artifactType and layer digest ⇒ no-op).
    for (code, stderr) in attach_all(&home, &tmp, &reference, &files) {
        assert_eq!(code, Some(0), "{stderr}");
    }
    assert_eq!(referrers(&home, &tmp, &reference), after);
}
