//! Paged referrers API answers end to end, against the in-test native referrers registry
//! (`oci_support::native_registry`, which pages with `Link: <…>; rel="next"` as the distribution spec allows; nothing
//! installable here implements the referrers API): listing through the library and the CLI, attach's no-op on a
//! referrer that sits on the last page, verify's counts, and hostile chains (a loop, an endless chain) stopped by
//! typed errors under `Limits::max_referrers_pages`.

use crate::support::oci as oci_support;

use std::process::Command;

use oci_support::native_registry::{Hostile, NativeRegistry, Paging};
use oci_support::sboms::{release_input, render_release};
use oci_support::{make_release, test_options};
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::attach::{
    AttachOptions, AttachStatus, SbomFile, attach, subject_descriptor,
};
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{ClientOptions, Protocol};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::lock::LockOptions;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::{ListOptions, ReferrersSource, list_referrers};
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::Format;
use tofu_sbom::verify::artifact::{FindingKind, Severity, VerifyOptions, verify};

const CDX: &str = "application/vnd.cyclonedx+json";
const SPDX: &str = "application/spdx+json";

fn plain(limits: Limits) -> ClientOptions {
    ClientOptions {
        protocol: Protocol::PlainHttp,
        limits,
        ..test_options()
    }
}

struct Fixture {
    reg: NativeRegistry,
    target: String,
    store: Store,
    index: Digest,
    /// The index's SBOM files, 3 tool versions × (CycloneDX, SPDX): 6 distinct referrers.
    files: Vec<SbomFile>,
    _dir: tempfile::TempDir,
    lock: tempfile::TempDir,
}

fn attach_opts(lock: &std::path::Path) -> AttachOptions {
    AttachOptions {
        lock: LockOptions {
            dir: lock.to_owned(),
            ..LockOptions::default()
        },
        ..AttachOptions::default()
    }
}

async fn fixture() -> Fixture {
    let reg = NativeRegistry::start();
    let target = format!("{}/acme/demo", reg.host());
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.2.3", &[("linux", "amd64")], 2000);
    let t = Target::parse(&target).unwrap();
    let store = Store::open(&t, plain(Limits::default()), true).unwrap();
    let pushed = tofu_sbom::provider::push::push(&pkg, &store, &t, &Default::default())
        .await
        .unwrap();
    let files: Vec<SbomFile> = ["0.0.1", "0.0.2", "0.0.3"]
        .iter()
        .flat_map(|v| {
            render_release(
                &release_input(&pkg, "demo", v),
                &[Format::CycloneDx16, Format::Spdx23],
            )
            .index
        })
        .collect();
    let lock = tempfile::tempdir().unwrap();
    let subject = subject_descriptor(&store, &pushed.index_digest)
        .await
        .unwrap();
    let o = attach(&store, &subject, &files, &attach_opts(lock.path()))
        .await
        .unwrap();
    assert_eq!(o.method, ReferrersSource::Api);
    assert!(o.referrers.iter().all(|r| r.status == AttachStatus::Added));
    Fixture {
        reg,
        target,
        store,
        index: pushed.index_digest,
        files,
        _dir: dir,
        lock,
    }
}

async fn listed(store: &Store, subject: &Digest) -> Vec<(String, Digest)> {
    list_referrers(store, subject, &ListOptions::default())
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.artifact_type, e.digest))
        .collect()
}

/// The referrers requests logged (path and query).
fn referrers_requests(reg: &NativeRegistry) -> Vec<String> {
    reg.log()
        .into_iter()
        .filter(|l| l.contains("/referrers/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn paged_answers_list_every_referrer_once_in_order() {
    let f = fixture().await;
    let unpaged = listed(&f.store, &f.index).await;
    assert_eq!(unpaged.len(), 6);
    let distinct: std::collections::BTreeSet<&Digest> = unpaged.iter().map(|(_, d)| d).collect();
    assert_eq!(distinct.len(), 6);
    assert_eq!(unpaged.iter().filter(|(t, _)| t == CDX).count(), 3);
    assert_eq!(unpaged.iter().filter(|(t, _)| t == SPDX).count(), 3);

    for absolute in [false, true] {
        f.reg.set_paging(Paging {
            page_size: 2,
            absolute,
            hostile: None,
        });
        let before = referrers_requests(&f.reg).len();
        assert_eq!(
            listed(&f.store, &f.index).await,
            unpaged,
            "absolute {absolute}"
        );
        assert_eq!(
            referrers_requests(&f.reg)[before..],
            [
                format!("GET /v2/acme/demo/referrers/{}", f.index),
                format!("GET /v2/acme/demo/referrers/{}?page=1", f.index),
                format!("GET /v2/acme/demo/referrers/{}?page=2", f.index),
            ]
        );
    }

    // The CLI lists the same, in the same order.
    let out = Command::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .args([
            "referrers",
            &format!("{}@{}", f.target, f.index),
            "--json",
            "--plain-http",
        ])
        .env("DOCKER_CONFIG", "/nonexistent-docker-config")
        .env_remove("TOFU_SBOM_REGISTRY_USERNAME")
        .env_remove("TOFU_SBOM_REGISTRY_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli: Vec<(String, Digest)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["artifactType"].as_str().unwrap().to_owned(),
                Digest::from_sha256_hex(
                    e["digest"]
                        .as_str()
                        .unwrap()
                        .strip_prefix("sha256:")
                        .unwrap(),
                )
                .unwrap(),
            )
        })
        .collect();
    assert_eq!(cli, unpaged);
    assert_eq!(v["source"], "api");
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_finds_a_referrer_on_the_last_page_and_verify_counts_all() {
    let f = fixture().await;
    let unpaged = listed(&f.store, &f.index).await;
    f.reg.set_paging(Paging {
        page_size: 2,
        absolute: false,
        hostile: None,
    });
    let last = unpaged.last().unwrap().1.clone();
    let puts_before = f.reg.log().iter().filter(|l| l.starts_with("PUT ")).count();
    let subject = subject_descriptor(&f.store, &f.index).await.unwrap();
    let o = attach(&f.store, &subject, &f.files, &attach_opts(f.lock.path()))
        .await
        .unwrap();
    assert!(
        o.referrers
            .iter()
            .all(|r| r.status == AttachStatus::AlreadyPresent),
        "{o:?}"
    );
    assert!(o.referrers.iter().any(|r| r.digest == last));
    assert_eq!(o.uploaded_blobs, 0);
    assert_eq!(
        f.reg.log().iter().filter(|l| l.starts_with("PUT ")).count(),
        puts_before,
        "nothing written"
    );

    // verify sees all 6 (3 of each kind: duplicates), through the pages.
    let t = Target::parse(&format!("{}:1.2.3", f.target)).unwrap();
    let report = verify(&f.store, &t, &VerifyOptions::with_sboms())
        .await
        .unwrap();
    assert_eq!(report.tags[0].index_sboms.len(), 6);
    assert_eq!(
        report.tags[0]
            .index_sboms
            .iter()
            .map(|s| s.referrer.clone())
            .collect::<Vec<_>>(),
        unpaged.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>()
    );
    let index_findings: Vec<(Severity, FindingKind)> = report
        .findings
        .iter()
        .filter(|f| f.platform.is_none())
        .map(|f| (f.severity, f.kind.clone()))
        .collect();
    let of = |t: &str| -> Vec<Digest> {
        unpaged
            .iter()
            .filter(|(a, _)| a == t)
            .map(|(_, d)| d.clone())
            .collect()
    };
    assert_eq!(
        index_findings,
        vec![
            (
                Severity::Warning,
                FindingKind::SbomDuplicate {
                    subject: "index".into(),
                    artifact_type: CDX.into(),
                    referrers: of(CDX),
                }
            ),
            (
                Severity::Warning,
                FindingKind::SbomDuplicate {
                    subject: "index".into(),
                    artifact_type: SPDX.into(),
                    referrers: of(SPDX),
                }
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_loop_and_an_endless_chain_stop_with_typed_errors() {
    let f = fixture().await;
    let location = format!("{}/acme/demo", f.reg.host());

    // A loop: every page links to ?page=0.
    f.reg.set_paging(Paging {
        page_size: 2,
        absolute: false,
        hostile: Some(Hostile::Cycle),
    });
    let err = list_referrers(&f.store, &f.index, &ListOptions::default())
        .await
        .unwrap_err();
    let url = format!(
        "http://{}/v2/acme/demo/referrers/{}?page=0",
        f.reg.host(),
        f.index
    );
    assert!(
        matches!(&err, RegistryError::ReferrersPageLoop { page: 2, url: u, .. } if *u == url),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "referrers of {} in {location}: page 2 links back to {url}, which was already read",
            f.index
        )
    );

    // An endless chain: stopped after max_referrers_pages requests (5 here, 100 by default).
    f.reg.set_paging(Paging {
        page_size: 2,
        absolute: true,
        hostile: Some(Hostile::Endless),
    });
    let t = Target::parse(&f.target).unwrap();
    let small = Store::open(
        &t,
        plain(Limits {
            max_referrers_pages: 5,
            ..Limits::default()
        }),
        false,
    )
    .unwrap();
    let before = referrers_requests(&f.reg).len();
    let err = list_referrers(&small, &f.index, &ListOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "referrers of {} in {location}: more than 5 pages (max_referrers_pages); the registry keeps linking to \
             further pages",
            f.index
        )
    );
    assert!(matches!(
        err,
        RegistryError::ReferrersTooManyPages { limit: 5, .. }
    ));
    assert_eq!(referrers_requests(&f.reg).len() - before, 5);

    let before = referrers_requests(&f.reg).len();
    let err = list_referrers(&f.store, &f.index, &ListOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RegistryError::ReferrersTooManyPages { limit: 100, .. }
    ));
    assert_eq!(referrers_requests(&f.reg).len() - before, 100);

    // verify reports it as the index's unreadable referrers, naming the limit.
    let tagged = Target::parse(&format!("{}:1.2.3", f.target)).unwrap();
    let report = verify(&small, &tagged, &VerifyOptions::with_sboms())
        .await
        .unwrap();
    let unreadable: Vec<&FindingKind> = report
        .findings
        .iter()
        .filter(|f| f.platform.is_none())
        .map(|f| &f.kind)
        .collect();
    assert_eq!(
        unreadable,
        vec![&FindingKind::ReferrersUnreadable {
            subject: "index".into(),
            message: format!(
                "referrers of {} in {location}: more than 5 pages (max_referrers_pages); the registry keeps \
                 linking to further pages",
                f.index
            ),
        }]
    );
}
