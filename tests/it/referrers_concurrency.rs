//! Concurrent writers of one subject's referrers fallback index on distribution 2.8 (no compare-and-swap):
//! N parallel attach *processes* on one host (this test binary re-run as children) all land thanks to the lock file;
//! a writer on "another host" (simulated: it bypasses the lock and overwrites the index) is detected after the settle
//! delay and repaired, or reported when it keeps winning.

use crate::support;
use crate::support::oci as oci_support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oci_support::{make_release, test_options};
use support::{Registry, RegistryOpts};
use tofu_sbom::provider::ProviderError;
use tofu_sbom::provider::attach::{
    AttachOptions, AttachStatus, SbomFile, attach, subject_descriptor,
};
use tofu_sbom::provider::push::{PushOptions, push};
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{ClientOptions, Protocol, RegistryClient};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::lock::LockOptions;
use tofu_sbom::registry::manifest::MEDIA_TYPE_INDEX;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::{FallbackOptions, ListOptions, list_referrers};
use tofu_sbom::registry::store::Store;

/// Parallel attach processes.
const N: usize = 8;
const CHILD_ENV: &str = "TOFU_SBOM_REFERRERS_CHILD";

fn plain() -> ClientOptions {
    ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    }
}

/// A small valid CycloneDX document, distinct per `n`.
fn sbom(n: usize) -> SbomFile {
    SbomFile::from_bytes(
        format!("child-{n}.cdx.json"),
        format!(
            r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{{"timestamp":"2026-01-02T03:04:05Z","component":{{"type":"application","name":"child-{n}"}}}}}}"#
        )
        .into_bytes(),
    )
}

fn opts(lock_dir: &str, settle_ms: u64, max_rounds: u32) -> AttachOptions {
    AttachOptions {
        tool: "tofu-sbom/0.0.0-test".into(),
        fallback: FallbackOptions {
            // A fixed wait (not scaled to the registry's round trip): the simulated writer's timing is set against it.
            settle_delay: Duration::from_millis(settle_ms),
            settle_floor: Duration::from_millis(settle_ms),
            max_rounds,
        },
        lock: LockOptions {
            dir: lock_dir.into(),
            ..LockOptions::default()
        },
        ..AttachOptions::default()
    }
}

/// Pushes a one-platform provider and returns (store, target, index digest).
async fn pushed(reg: &Registry, dir: &std::path::Path) -> (Store, String, Digest) {
    let pkg = make_release(dir, "demo", "1.2.3", &[("linux", "amd64")], 500);
    let target = format!("{}/acme/demo", reg.host);
    let t = Target::parse(&target).unwrap();
    let store = Store::open(&t, plain(), true).unwrap();
    let out = push(&pkg, &store, &t, &PushOptions::default())
        .await
        .unwrap();
    (store, target, out.index_digest)
}

/// Child-process entry point of [`parallel_attach_processes_all_land`] (run only with `--ignored` by that test).
#[test]
#[ignore = "child process of parallel_attach_processes_all_land"]
fn child_attach() {
    let spec = std::env::var(CHILD_ENV).expect("run by parallel_attach_processes_all_land");
    let parts: Vec<&str> = spec.split('|').collect();
    let [target, subject, n, lock_dir] = parts.as_slice() else {
        panic!("bad child spec {spec:?}")
    };
    let n: usize = n.parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = Target::parse(target).unwrap();
        let store = Store::open(&t, plain(), false).unwrap();
        let s = subject_descriptor(&store, &subject.parse().unwrap())
            .await
            .unwrap();
        let out = attach(&store, &s, &[sbom(n)], &opts(lock_dir, 150, 3))
            .await
            .unwrap();
        assert_eq!(out.referrers[0].status, AttachStatus::Added);
        let fb = out.fallback.unwrap();
        // Serialised by the lock: nobody overwrote us, so one write and no repair.
        assert_eq!((fb.writes, fb.repairs), (1, 0));
        println!("CHILD {n} {}", out.referrers[0].digest);
    });
}

#[tokio::test]
async fn parallel_attach_processes_all_land() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let lock_dir = tempfile::tempdir().unwrap();
    let (store, target, index) = pushed(&reg, dir.path()).await;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..N)
        .map(|n| {
            Command::new(&exe)
                .args([
                    "referrers_concurrency::child_attach",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(
                    CHILD_ENV,
                    format!("{target}|{index}|{n}|{}", lock_dir.path().display()),
                )
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut digests = Vec::new();
    for (n, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child {n}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // libtest prints `test child_attach ... ` first, on the same line.
        let marker = format!("CHILD {n} ");
        let digest = stdout
            .split_once(&marker)
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("child {n} printed no digest: {stdout}"));
        digests.push(digest.parse::<Digest>().unwrap());
    }
    let listing = list_referrers(&store, &index, &ListOptions::default())
        .await
        .unwrap();
    let mut listed: Vec<(String, Digest)> = listing
        .entries
        .iter()
        .map(|e| (e.title.clone().unwrap(), e.digest.clone()))
        .collect();
    listed.sort();
    let mut expected: Vec<(String, Digest)> = (0..N)
        .map(|n| (format!("child-{n}.cdx.json"), digests[n].clone()))
        .collect();
    expected.sort();
    assert_eq!(
        listed, expected,
        "all {N} referrers are in the fallback index"
    );
    // Exactly N writes of the fallback tag happened (one per child, none lost and re-done).
    let tag_puts = reg
        .requests()
        .iter()
        .filter(|r| {
            r.starts_with("PUT ") && r.ends_with(&format!("/manifests/{}", index.referrers_tag()))
        })
        .count();
    assert_eq!(tag_puts, N);
}

/// A writer on another host: whenever the fallback index lists `victim`, it puts back the index it saved before
/// (bypassing the lock), at most `limit` times, for at most 30 s.
fn rogue_writer(
    host: String,
    tag: String,
    saved: Vec<u8>,
    victim: Digest,
    limit: usize,
) -> (Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let handle = tokio::spawn(async move {
        let client = RegistryClient::new(&host, "acme/demo", plain()).unwrap();
        let start = Instant::now();
        while c.load(Ordering::SeqCst) < limit && start.elapsed() < Duration::from_secs(30) {
            if let Ok(m) = client.get_manifest("acme/demo", &tag).await
                && String::from_utf8_lossy(&m.bytes).contains(victim.as_str())
            {
                client
                    .put_manifest("acme/demo", &tag, MEDIA_TYPE_INDEX, &saved)
                    .await
                    .unwrap();
                c.fetch_add(1, Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    (count, handle)
}

#[tokio::test]
async fn a_writer_bypassing_the_lock_is_detected_and_repaired() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let lock_dir = tempfile::tempdir().unwrap();
    let lock = lock_dir.path().display().to_string();
    let (store, _, index) = pushed(&reg, dir.path()).await;
    let s = subject_descriptor(&store, &index).await.unwrap();
    let a = attach(&store, &s, &[sbom(0)], &opts(&lock, 20, 3))
        .await
        .unwrap();
    let tag = index.referrers_tag();
    let client = RegistryClient::new(&reg.host, "acme/demo", plain()).unwrap();
    let saved = client.get_manifest("acme/demo", &tag).await.unwrap().bytes;
    // The digest our next attach will push.
    let b_digest = tofu_sbom::provider::attach::prepare_referrer(
        &s,
        &sbom(1),
        &opts(&lock, 0, 1),
        &Default::default(),
    )
    .unwrap()
    .manifest_digest;
    let (count, handle) = rogue_writer(reg.host.clone(), tag.clone(), saved, b_digest.clone(), 1);
    let b = attach(&store, &s, &[sbom(1)], &opts(&lock, 600, 3))
        .await
        .unwrap();
    handle.await.unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "the rogue writer overwrote the index once"
    );
    assert_eq!(b.referrers[0].digest, b_digest);
    let fb = b.fallback.unwrap();
    assert_eq!(
        (fb.writes, fb.repairs),
        (2, 1),
        "the loss was detected and repaired"
    );
    let listing = list_referrers(&store, &index, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(
        listing
            .entries
            .iter()
            .map(|e| e.digest.clone())
            .collect::<Vec<_>>(),
        vec![a.referrers[0].digest.clone(), b_digest]
    );
}

#[tokio::test]
async fn a_loss_that_persists_is_reported() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let lock_dir = tempfile::tempdir().unwrap();
    let lock = lock_dir.path().display().to_string();
    let (store, target, index) = pushed(&reg, dir.path()).await;
    let s = subject_descriptor(&store, &index).await.unwrap();
    attach(&store, &s, &[sbom(0)], &opts(&lock, 20, 3))
        .await
        .unwrap();
    let tag = index.referrers_tag();
    let client = RegistryClient::new(&reg.host, "acme/demo", plain()).unwrap();
    let saved = client.get_manifest("acme/demo", &tag).await.unwrap().bytes;
    let b_digest = tofu_sbom::provider::attach::prepare_referrer(
        &s,
        &sbom(1),
        &opts(&lock, 0, 1),
        &Default::default(),
    )
    .unwrap()
    .manifest_digest;
    let (count, handle) = rogue_writer(
        reg.host.clone(),
        tag.clone(),
        saved,
        b_digest.clone(),
        usize::MAX,
    );
    let err = attach(&store, &s, &[sbom(1)], &opts(&lock, 400, 3))
        .await
        .unwrap_err();
    handle.abort();
    assert!(
        matches!(
            err,
            ProviderError::Registry(RegistryError::FallbackIndexLost { rounds: 3, .. })
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "referrers fallback tag {tag} in {target} lost 1 entry after 3 rounds of re-adding them (another writer \
             keeps overwriting it; attach from one job per subject): {b_digest}"
        )
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
}
