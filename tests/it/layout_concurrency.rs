//! Issue 15 finding 8: every writer of an OCI layout's `index.json` takes the same layout lock. `attach` of 20 SBOMs
//! and `push --extra-tag` ×20 run as 40 concurrent processes of the real binary into one layout; afterwards every tag
//! and every referrer entry is present (an unlocked read-modify-write of `index.json` loses some of them). Three
//! rounds, each into a fresh layout.

use crate::support;
use crate::support::cli as cli_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use cli_support::{isolate_credentials, tofu_sbom};
use support::sample_release_dir;

const N: usize = 20;
const ROUNDS: usize = 3;
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A small valid CycloneDX 1.5 document, distinct per `n`.
fn sbom(n: usize) -> String {
    format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{{"timestamp":"2026-01-02T03:04:05Z","component":{{"type":"application","name":"job-{n}"}}}},"components":[]}}"#
    )
}

/// `(tags, untagged digests)` of a layout's `index.json`.
fn index_entries(layout: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let mut tags = BTreeSet::new();
    let mut untagged = BTreeSet::new();
    for m in v["manifests"].as_array().unwrap() {
        match m["annotations"][REF_NAME].as_str() {
            Some(t) => {
                tags.insert(t.to_owned());
            }
            None => {
                untagged.insert(m["digest"].as_str().unwrap().to_owned());
            }
        }
    }
    (tags, untagged)
}

#[test]
fn concurrent_attach_and_push_extra_tags_lose_nothing() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path();
    let release = sample_release_dir();
    let files: Vec<_> = (0..N)
        .map(|n| {
            let f = home.join(format!("job-{n}.cdx.json"));
            std::fs::write(&f, sbom(n)).unwrap();
            f
        })
        .collect();
    for round in 0..ROUNDS {
        let layout = home.join(format!("layout-{round}"));
        let target = format!("oci-layout:{}", layout.display());
        let out = isolate_credentials(&mut tofu_sbom(), home)
            .env("TMPDIR", home)
            .args(["push", release.to_str().unwrap(), &target, "--json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pushed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let subject = format!("{target}@{}", pushed["indexDigest"].as_str().unwrap());

        let mut children = Vec::new();
        for (n, file) in files.iter().enumerate() {
            children.push(
                isolate_credentials(&mut tofu_sbom(), home)
                    .env("TMPDIR", home)
                    .args(["attach", &subject])
                    .arg(file)
                    .args(["--json"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
            children.push(
                isolate_credentials(&mut tofu_sbom(), home)
                    .env("TMPDIR", home)
                    .args(["push", release.to_str().unwrap(), &target])
                    .args(["--extra-tag", &format!("tag-{n}"), "-q"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        let mut referrers = BTreeSet::new();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            if !out.stdout.is_empty() {
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                for r in v["referrers"].as_array().unwrap() {
                    referrers.insert(r["digest"].as_str().unwrap().to_owned());
                }
            }
        }
        assert_eq!(referrers.len(), N, "round {round}: one referrer per SBOM");
        let (tags, untagged) = index_entries(&layout);
        let mut want_tags: BTreeSet<String> = (0..N).map(|n| format!("tag-{n}")).collect();
        want_tags.insert("0.1.0".into());
        assert_eq!(tags, want_tags, "round {round}: every tag is in index.json");
        assert_eq!(
            untagged, referrers,
            "round {round}: every referrer entry is in index.json"
        );
    }
}

/// Issue 15 finding 15: an `attach` that waits for a lock held by another process says which PID holds it (here the
/// test process holds the layout's writer lock in the per-user lock directory `$XDG_RUNTIME_DIR/tofu-sbom-locks`),
/// and completes once the holder lets go.
#[test]
fn a_waiting_attach_names_the_pid_holding_the_lock() {
    use std::io::{BufRead as _, BufReader};

    use tofu_sbom::registry::lock::{layout_key, lock_file_path};
    use tofu_sbom::registry::lock_file;

    let work = tempfile::tempdir().unwrap();
    let home = work.path();
    std::fs::create_dir_all(home.join("run")).unwrap(); // XDG_RUNTIME_DIR (isolate_credentials)
    let layout = home.join("layout");
    let target = format!("oci-layout:{}", layout.display());
    let release = sample_release_dir();
    let out = isolate_credentials(&mut tofu_sbom(), home)
        .args(["push", release.to_str().unwrap(), &target, "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pushed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let subject = format!("{target}@{}", pushed["indexDigest"].as_str().unwrap());
    let sbom_file = home.join("job.cdx.json");
    std::fs::write(&sbom_file, sbom(0)).unwrap();

    let lock_dir = home.join("run/tofu-sbom-locks");
    let path = lock_file_path(&lock_dir, &layout_key(&layout));
    let held = lock_file::try_lock(lock_file::open(&path).unwrap(), &path)
        .unwrap()
        .unwrap();
    let mut child = isolate_credentials(&mut tofu_sbom(), home)
        .args(["attach", &subject])
        .arg(&sbom_file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: stderr is read on a thread and waited for at most 30 s per line; on a timeout the child (not yet
    // reaped, so its PID cannot have been reused) is killed.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |child: &mut std::process::Child| {
        lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("no line on stderr within 30 s")
            })
    };
    let line = next(&mut child);
    let want = format!(
        "tofu-sbom: waiting for the lock on {}: held by PID {} (lock file {})",
        layout_key(&layout),
        std::process::id(),
        path.display()
    );
    if line != want {
        let _ = child.kill();
    }
    assert_eq!(line, want);
    drop(held);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let rest: Vec<String> = lines.try_iter().collect();
    assert_eq!(status.code(), Some(0), "{rest:?}");
}
