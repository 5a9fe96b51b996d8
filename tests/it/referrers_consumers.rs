//! What the real consumers of referrers (oras-go, Trivy through go-containerregistry) accept, replayed against the
//! real registry (distribution 2.8) behind the in-test fault proxy (`oci_support::fault_proxy`): a registry that
//! answers the referrers endpoint `200` with `Content-Type: application/vnd.oci.image.index.v1+json; charset=utf-8`
//! (and `OCI-Subject` on manifest PUTs) is not a referrers API for oras-go or ggcr, which compare the header exactly and
//! then read the `sha256-<hex>` tag. Nothing installable answers like that, hence the proxy.

use crate::support::Registry;
use crate::support::RegistryOpts;
use crate::support::cli as cli_support;
use crate::support::oci as oci_support;

use std::sync::Arc;

use oci_support::fault_proxy::{Action, FaultProxy, Rule};
use oci_support::sboms::{ReleaseSboms, release_input, render_release};
use oci_support::{make_release, test_options};
use tofu_sbom::provider::attach::{AttachOptions, attach, subject_descriptor};
use tofu_sbom::provider::push::{PushOptions, push};
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{ClientOptions, Protocol, RegistryClient};
use tofu_sbom::registry::copy::referrers::StoreReferrersCopier;
use tofu_sbom::registry::copy::{CopyOptions, copy};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::lock::LockOptions;
use tofu_sbom::registry::manifest::ImageIndex;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::{ListOptions, ReferrersMode, ReferrersSource, list_referrers};
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::Format;

const PARAMETERISED: &str = "application/vnd.oci.image.index.v1+json; charset=utf-8";
const EMPTY_INDEX: &str =
    r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;

fn plain() -> ClientOptions {
    ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    }
}

fn store_for(target: &str) -> Store {
    Store::open(&Target::parse(target).unwrap(), plain(), true).unwrap()
}

/// Pushes a one-platform `demo` release to `target` on `reg` and renders its release-wide SBOMs (CycloneDX 1.6 and
/// SPDX 2.3): the index digest and the SBOMs to attach to it.
async fn pushed_demo(dir: &std::path::Path, target: &str) -> (Digest, ReleaseSboms) {
    let pkg = make_release(dir, "demo", "1.2.3", &[("linux", "amd64")], 3000);
    let pushed = push(
        &pkg,
        &store_for(target),
        &Target::parse(target).unwrap(),
        &PushOptions::default(),
    )
    .await
    .unwrap();
    let sboms = render_release(
        &release_input(&pkg, "demo", "0.0.0-test"),
        &[Format::CycloneDx16, Format::Spdx23],
    );
    (pushed.index_digest, sboms)
}

/// The fault proxy in front of `reg`: the referrers endpoint answers 200 with a parameterised index type, and
/// manifest PUTs by digest answer `OCI-Subject: subject` — a registry that keeps a referrers list, served in a way
/// oras-go and Trivy do not accept.
fn parameterised_api_proxy(reg: &Registry, subject: &Digest) -> FaultProxy {
    FaultProxy::start(
        reg.addr.port(),
        vec![
            Rule {
                method: "GET",
                path_contains: "/referrers/",
                action: Action::Reply(200, PARAMETERISED, EMPTY_INDEX),
                times: usize::MAX,
            },
            Rule {
                method: "PUT",
                path_contains: "/manifests/sha256:",
                action: Action::ForwardAddingHeader(format!("OCI-Subject: {subject}")),
                times: usize::MAX,
            },
        ],
    )
}

/// The `sha256-<hex>` fallback tag of `subject` in `repo` on `reg` (read directly, not through the proxy).
async fn fallback_tag(reg: &Registry, repo: &str, subject: &Digest) -> ImageIndex {
    let client = RegistryClient::new(&reg.host, repo, plain()).unwrap();
    let tag = client
        .get_manifest(repo, &subject.referrers_tag())
        .await
        .unwrap();
    serde_json::from_slice(&tag.bytes).unwrap()
}

#[tokio::test]
async fn a_parameterised_referrers_content_type_is_not_the_api_and_attach_writes_the_fallback_tag()
{
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let lock = tempfile::tempdir().unwrap();
    let (subject, sboms) = pushed_demo(dir.path(), &format!("{}/acme/demo", reg.host)).await;
    let proxy = parameterised_api_proxy(&reg, &subject);
    let store = store_for(&format!("{}/acme/demo", proxy.host()));
    let index = subject_descriptor(&store, &subject).await.unwrap();
    let opts = AttachOptions {
        tool: "tofu-sbom/0.0.0-test".into(),
        lock: LockOptions {
            dir: lock.path().to_owned(),
            ..LockOptions::default()
        },
        ..AttachOptions::default()
    };
    let out = attach(&store, &index, &sboms.index, &opts).await.unwrap();
    let ours: Vec<_> = out.referrers.iter().map(|r| r.digest.clone()).collect();
    assert_eq!(ours.len(), 2);
    assert_eq!(out.method, ReferrersSource::FallbackTag);

    // The tag oras-go and Trivy fall back to exists on the real registry and lists our referrers, CycloneDX first.
    let fallback = fallback_tag(&reg, "acme/demo", &subject).await;
    assert_eq!(
        fallback
            .manifests
            .iter()
            .map(|d| (d.digest.clone(), d.artifact_type.clone()))
            .collect::<Vec<_>>(),
        vec![
            (ours[0].clone(), "application/vnd.cyclonedx+json".to_owned()),
            (ours[1].clone(), "application/spdx+json".to_owned()),
        ]
    );

    // Listing through the proxy sees what the consumers see: the fallback tag, with our referrers.
    let listing = list_referrers(&store, &subject, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(listing.source, ReferrersSource::FallbackTag);
    assert_eq!(
        listing
            .entries
            .iter()
            .map(|e| e.digest.clone())
            .collect::<Vec<_>>(),
        ours
    );
    // The CLI says why it listed the fallback tag; its JSON carries the answer seen.
    let run = cli_support::tofu_sbom_run([
        "referrers",
        &format!("{}/acme/demo@{subject}", proxy.host()),
        "--json",
    ])
    .expect_code(0);
    let refused = format!(
        "GET /v2/acme/demo/referrers/{subject} answered HTTP 200 with Content-Type {PARAMETERISED}"
    );
    assert_eq!(run.json()["source"], "fallback_tag");
    assert_eq!(run.json()["apiRefused"], refused.as_str());
    assert_eq!(
        run.stderr,
        format!(
            "tofu-sbom: warning: {}/acme/demo@{subject}: {refused}; ORAS and Trivy accept only exactly \
             application/vnd.oci.image.index.v1+json, so they (and this listing) read the {} fallback tag instead\n",
            proxy.host(),
            subject.referrers_tag()
        )
    );
    // A re-attach is a no-op.
    let again = attach(&store, &index, &sboms.index, &opts).await.unwrap();
    assert_eq!(again.uploaded_blobs, 0);
    assert_eq!(again.fallback, None);

    // `--referrers api` refuses it as consumers would, naming the header.
    let err = list_referrers(
        &store,
        &subject,
        &ListOptions {
            mode: ReferrersMode::Api,
            artifact_type: None,
        },
    )
    .await
    .unwrap_err();
    match err {
        RegistryError::ReferrersApiUnsupported { detail, .. } => assert_eq!(
            detail,
            format!(
                "GET /v2/acme/demo/referrers/{subject} answered HTTP 200 with Content-Type {PARAMETERISED}"
            )
        ),
        other => panic!("expected ReferrersApiUnsupported, got {other:?}"),
    }
}

/// `mirror`'s referrer copy into a registry that answers `OCI-Subject` but serves its referrers list with a
/// parameterised `Content-Type`: the target's fallback tag is written, so ORAS and Trivy find the copied SBOMs there.
#[tokio::test]
async fn copying_referrers_into_a_parameterised_api_registry_writes_the_fallback_tag() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let lock = tempfile::tempdir().unwrap();
    let source_target = format!("{}/acme/src:1.2.3", reg.host);
    let source = store_for(&source_target);
    let (subject, sboms) = pushed_demo(dir.path(), &source_target).await;
    let index = subject_descriptor(&source, &subject).await.unwrap();
    let attached = attach(
        &source,
        &index,
        &sboms.index,
        &AttachOptions {
            lock: LockOptions {
                dir: lock.path().to_owned(),
                ..LockOptions::default()
            },
            ..AttachOptions::default()
        },
    )
    .await
    .unwrap();
    let ours: Vec<_> = attached
        .referrers
        .iter()
        .map(|r| r.digest.clone())
        .collect();

    let proxy = parameterised_api_proxy(&reg, &subject);
    let copier = StoreReferrersCopier {
        lock: LockOptions {
            dir: lock.path().to_owned(),
            ..LockOptions::default()
        },
        ..StoreReferrersCopier::default()
    };
    copy(
        &Target::parse(&source_target).unwrap(),
        &Target::parse(&format!("{}/acme/dst:1.2.3", proxy.host())).unwrap(),
        plain(),
        &CopyOptions {
            referrers: Some(Arc::new(copier)),
            ..CopyOptions::default()
        },
    )
    .await
    .unwrap();

    let fallback = fallback_tag(&reg, "acme/dst", &subject).await;
    assert_eq!(
        fallback
            .manifests
            .iter()
            .map(|d| d.digest.clone())
            .collect::<Vec<_>>(),
        ours
    );
}
