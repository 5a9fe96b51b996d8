//! Issue 15 finding 13: temporary files a killed writer left in an OCI layout (`.index.json.tmp-PID-N`,
//! `blobs/sha256/.HEX.tmp-PID-N`) are reported by `verify` (a `layout_temp_file` warning naming the file and the PID)
//! and removed by the next write to the layout (even a no-op re-push); a live writer's temporary file is neither reported nor removed.

use crate::support;
use crate::support::cli as cli_support;

use std::path::Path;

use cli_support::{Run, isolate_credentials, run, tofu_sbom};
use support::sample_release_dir;

fn tofu(home: &Path, args: &[&str]) -> Run {
    run(isolate_credentials(&mut tofu_sbom(), home)
        .env("TMPDIR", home)
        .args(args))
}

/// The PID of a process that has exited (a child that ran `true` and was reaped).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

#[test]
fn verify_reports_stray_temp_files_and_the_next_write_removes_them() {
    let home = tempfile::tempdir().unwrap();
    let layout = home.path().join("layout");
    let target = format!("oci-layout:{}", layout.display());
    let release = sample_release_dir();
    tofu(
        home.path(),
        &["push", release.to_str().unwrap(), &target, "-q"],
    )
    .expect_code(0);

    let dead = dead_pid();
    let index_tmp = layout.join(format!(".index.json.tmp-{dead}-0"));
    let blob_tmp = layout
        .join("blobs/sha256")
        .join(format!(".{}.tmp-{dead}-7", "cd".repeat(32)));
    // A writer that is still running: this test process.
    let live_tmp = layout.join(format!(".index.json.tmp-{}-3", std::process::id()));
    for p in [&index_tmp, &blob_tmp, &live_tmp] {
        std::fs::write(p, b"partial").unwrap();
    }

    let res = tofu(home.path(), &["verify", "--no-sboms", &target, "--json"]).expect_code(0);
    let v = res.json();
    let mut reported: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "layout_temp_file")
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["pid"].as_u64().unwrap(),
            )
        })
        .collect();
    reported.sort();
    let mut want = vec![
        (
            "warning".to_owned(),
            blob_tmp.display().to_string(),
            u64::from(dead),
        ),
        (
            "warning".to_owned(),
            index_tmp.display().to_string(),
            u64::from(dead),
        ),
    ];
    want.sort();
    assert_eq!(reported, want, "{v:#}");

    // The next write (a re-push, which changes nothing else) removes the dead writer's files, not the live one's.
    tofu(
        home.path(),
        &["push", release.to_str().unwrap(), &target, "-q"],
    )
    .expect_code(0);
    assert!(!index_tmp.exists());
    assert!(!blob_tmp.exists());
    assert!(live_tmp.exists());
    std::fs::remove_file(&live_tmp).unwrap();
    let res = tofu(home.path(), &["verify", "--no-sboms", &target, "--json"]).expect_code(0);
    assert_eq!(res.json()["findings"], serde_json::json!([]));
}
