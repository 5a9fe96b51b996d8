//! OCI graph copy between real registries (Debian's `docker-registry`, distribution 2.8) and OCI layouts: every
//! digest preserved byte for byte, re-runs write nothing (checked in the registry's access log), cross-repository
//! mounts, corrupt sources refused before anything is tagged, and the referrers extension point.

use crate::support;
use crate::support::oci as oci_support;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use oci_support::{make_release, skopeo_raw, skopeo_tags, test_options};
use support::{Registry, RegistryOpts};
use tofu_sbom::mirror::MirrorError;
use tofu_sbom::provider::artifact::ProviderPackage;
use tofu_sbom::provider::push::{PushOptions, PushOutcome, push};
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::copy::{
    CopyOptions, CopyOutcome, ItemStatus, ReferrersCopied, ReferrersCopier, ReferrersOutcome, copy,
};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::manifest::Descriptor;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;
use tofu_sbom::verify::artifact::{VerifyOptions, verify};

const PLATFORMS: &[(&str, &str)] = &[
    ("darwin", "arm64"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("windows", "amd64"),
];

async fn push_to(target: &str, pkg: &ProviderPackage) -> PushOutcome {
    let t = Target::parse(target).unwrap();
    let store = Store::open(&t, test_options(), true).unwrap();
    push(pkg, &store, &t, &PushOptions::default())
        .await
        .unwrap()
}

async fn copy_ref(from: &str, to: &str, opts: &CopyOptions) -> Result<CopyOutcome, MirrorError> {
    copy(
        &Target::parse(from).unwrap(),
        &Target::parse(to).unwrap(),
        test_options(),
        opts,
    )
    .await
    .map_err(MirrorError::from)
}

async fn assert_verifies(target: &str) {
    let t = Target::parse(target).unwrap();
    let store = Store::open(&t, test_options(), false).unwrap();
    let report = verify(&store, &t, &VerifyOptions::default()).await.unwrap();
    assert!(
        report.ok(),
        "{target}: {:?}",
        report.errors().collect::<Vec<_>>()
    );
}

fn manifest_puts(reg: &Registry) -> usize {
    reg.requests()
        .iter()
        .filter(|r| r.starts_with("PUT ") && r.contains("/manifests/"))
        .count()
}

fn expected_digests(pushed: &PushOutcome) -> (BTreeSet<Digest>, BTreeSet<Digest>) {
    let manifests = pushed
        .platforms
        .values()
        .map(|p| p.manifest_digest.clone())
        .collect();
    let mut blobs: BTreeSet<Digest> = pushed
        .platforms
        .values()
        .map(|p| p.layer_digest.clone())
        .collect();
    blobs.insert(Descriptor::empty_config().digest);
    (manifests, blobs)
}

fn check_outcome(out: &CopyOutcome, pushed: &PushOutcome, status: ItemStatus) {
    let (manifests, blobs) = expected_digests(pushed);
    assert_eq!(out.root.digest, pushed.index_digest);
    assert_eq!(out.root.size, pushed.index_size);
    assert_eq!(
        out.root.media_type,
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(out.root.artifact_type, "application/vnd.opentofu.provider");
    assert_eq!(
        out.manifests
            .iter()
            .map(|m| m.digest.clone())
            .collect::<BTreeSet<_>>(),
        manifests
    );
    assert_eq!(
        out.manifests
            .iter()
            .map(|m| m.platform.clone().unwrap())
            .collect::<BTreeSet<_>>(),
        pushed.platforms.keys().cloned().collect::<BTreeSet<_>>()
    );
    assert!(
        out.manifests
            .iter()
            .all(|m| m.artifact_type == "application/vnd.opentofu.provider-target")
    );
    assert_eq!(
        out.blobs
            .iter()
            .map(|b| b.digest.clone())
            .collect::<BTreeSet<_>>(),
        blobs
    );
    assert!(
        out.blobs.iter().all(|b| b.status == status),
        "{:?}",
        out.blobs
    );
    assert!(out.manifests.iter().all(|m| m.status
        == match status {
            ItemStatus::Mounted => ItemStatus::Copied,
            s => s,
        }));
}

#[tokio::test]
async fn registry_to_layout_to_a_second_registry_preserves_every_digest_and_reruns_write_nothing() {
    let a = Registry::start(RegistryOpts::anonymous());
    let b = Registry::start(RegistryOpts::anonymous());
    let rel = tempfile::tempdir().unwrap();
    let pkg = make_release(rel.path(), "demo", "1.2.3", PLATFORMS, 6000);
    let pushed = push_to(&format!("{}/acme/demo", a.host), &pkg).await;
    let n_blobs = PLATFORMS.len() + 1;

    // Registry → layout (outside the air gap).
    let usb = tempfile::tempdir().unwrap();
    let layout = format!("oci-layout:{}", usb.path().join("usb").display());
    let out = copy_ref(
        &format!("{}/acme/demo:1.2.3", a.host),
        &layout,
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    check_outcome(&out, &pushed, ItemStatus::Copied);
    assert_eq!(out.tag.as_deref(), Some("1.2.3"));
    assert!(out.tagged);
    assert_eq!(
        (out.copied_blobs, out.mounted_blobs, out.skipped_blobs),
        (n_blobs, 0, 0)
    );
    assert_eq!(
        out.copied_bytes,
        pkg.platforms.iter().map(|p| p.size).sum::<u64>() + 2
    );
    assert_eq!(
        (out.copied_manifests, out.skipped_manifests),
        (PLATFORMS.len() + 1, 0)
    );
    assert_eq!(out.referrers, ReferrersOutcome::NotCopied);
    assert_eq!(
        out.pinned_reference,
        format!("{layout}@{}", pushed.index_digest)
    );
    // The layout holds the registry's exact bytes.
    let layout_store =
        tofu_sbom::registry::layout::LayoutStore::open(&usb.path().join("usb")).unwrap();
    let index_bytes = layout_store
        .read_blob(&pushed.index_digest, 1 << 20)
        .unwrap();
    assert_eq!(
        index_bytes,
        skopeo_raw(&format!("{}/acme/demo:1.2.3", a.host), None)
    );
    for p in pushed.platforms.values() {
        assert_eq!(
            layout_store.read_blob(&p.manifest_digest, 1 << 20).unwrap(),
            skopeo_raw(&format!("{}/acme/demo@{}", a.host, p.manifest_digest), None)
        );
    }
    for z in &pkg.platforms {
        let d = Digest::from_sha256_hex(&z.sha256).unwrap();
        assert_eq!(
            std::fs::read(layout_store.blob_path(&d)).unwrap(),
            std::fs::read(&z.path).unwrap()
        );
    }
    let tag_entry = &layout_store.entries_for_tag("1.2.3", 1 << 20).unwrap()[0];
    assert_eq!(tag_entry.artifact_type, "application/vnd.opentofu.provider");
    assert_verifies(&format!("{layout}:1.2.3")).await;
    // No temporary files are left in the layout.
    assert_eq!(
        std::fs::read_dir(usb.path().join("usb")).unwrap().count(),
        3,
        "oci-layout, index.json, blobs"
    );

    // Layout → second registry (inside the air gap).
    let target = format!("{}/mirror/demo", b.host);
    let out = copy_ref(&format!("{layout}:1.2.3"), &target, &CopyOptions::default())
        .await
        .unwrap();
    check_outcome(&out, &pushed, ItemStatus::Copied);
    assert_eq!(out.copied_blobs, n_blobs);
    assert_eq!(skopeo_raw(&format!("{target}:1.2.3"), None), index_bytes);
    for p in pushed.platforms.values() {
        assert_eq!(
            skopeo_raw(&format!("{target}@{}", p.manifest_digest), None),
            skopeo_raw(&format!("{}/acme/demo@{}", a.host, p.manifest_digest), None)
        );
    }
    assert_eq!(skopeo_tags(&target), ["1.2.3"]);
    assert_verifies(&format!("{target}:1.2.3")).await;

    // Re-runs write nothing: no blob upload, no manifest PUT (registry access log), layout unchanged.
    let uploads = b.blob_upload_requests().len();
    let puts = manifest_puts(&b);
    assert_eq!(uploads, 2 * n_blobs, "{:?}", b.blob_upload_requests());
    let again = copy_ref(&format!("{layout}:1.2.3"), &target, &CopyOptions::default())
        .await
        .unwrap();
    check_outcome(&again, &pushed, ItemStatus::Skipped);
    assert_eq!(
        (
            again.copied_blobs,
            again.skipped_blobs,
            again.copied_manifests,
            again.skipped_manifests,
            again.tagged
        ),
        (0, n_blobs, 0, PLATFORMS.len() + 1, false)
    );
    assert_eq!(b.blob_upload_requests().len(), uploads);
    assert_eq!(manifest_puts(&b), puts);

    let index_json = std::fs::read(usb.path().join("usb/index.json")).unwrap();
    let again = copy_ref(
        &format!("{}/acme/demo:1.2.3", a.host),
        &layout,
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        (again.copied_blobs, again.copied_manifests, again.tagged),
        (0, 0, false)
    );
    assert_eq!(
        std::fs::read(usb.path().join("usb/index.json")).unwrap(),
        index_json
    );

    // Registry → registry across hosts, directly, with another tag.
    let direct = format!("{}/direct/demo:1.2.3", b.host);
    let out = copy_ref(
        &format!("{}/acme/demo@{}", a.host, pushed.index_digest),
        &direct,
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    check_outcome(&out, &pushed, ItemStatus::Copied);
    assert_eq!(skopeo_raw(&direct, None), index_bytes);
    assert_verifies(&direct).await;
}

#[tokio::test]
async fn a_copy_within_one_registry_mounts_every_blob() {
    let a = Registry::start(RegistryOpts::anonymous());
    let rel = tempfile::tempdir().unwrap();
    let pkg = make_release(rel.path(), "demo", "2.0.0", PLATFORMS, 4000);
    let pushed = push_to(&format!("{}/acme/demo", a.host), &pkg).await;
    let before = a.blob_upload_requests().len();
    let out = copy_ref(
        &format!("{}/acme/demo:2.0.0", a.host),
        &format!("{}/mirror/acme/demo", a.host),
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    check_outcome(&out, &pushed, ItemStatus::Mounted);
    assert_eq!(
        (out.mounted_blobs, out.copied_blobs, out.copied_bytes),
        (PLATFORMS.len() + 1, 0, 0)
    );
    let new: Vec<String> = a.blob_upload_requests()[before..].to_vec();
    assert_eq!(new.len(), PLATFORMS.len() + 1, "{new:?}");
    assert!(
        new.iter().all(
            |r| r.starts_with("POST /v2/mirror/acme/demo/blobs/uploads/?mount=sha256:")
                && r.ends_with("&from=acme/demo")
        ),
        "{new:?}"
    );
    assert_verifies(&format!("{}/mirror/acme/demo:2.0.0", a.host)).await;
}

#[tokio::test]
async fn a_corrupt_source_blob_is_refused_and_nothing_is_tagged() {
    let b = Registry::start(RegistryOpts::anonymous());
    let rel = tempfile::tempdir().unwrap();
    let pkg = make_release(rel.path(), "demo", "1.0.0", PLATFORMS, 3000);
    let src_dir = tempfile::tempdir().unwrap();
    let src = format!("oci-layout:{}", src_dir.path().display());
    let pushed = push_to(&src, &pkg).await;
    // Flip one byte of one ZIP blob in the source layout.
    let layer = pushed.platforms["linux_amd64"].layer_digest.clone();
    let blob = src_dir.path().join("blobs/sha256").join(layer.encoded());
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&blob, &bytes).unwrap();

    let target = format!("{}/mirror/demo", b.host);
    let e = copy_ref(
        &format!("{src}:1.0.0"),
        &target,
        &CopyOptions {
            concurrency: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    match &e {
        MirrorError::Oci(RegistryError::DigestMismatch {
            expected, actual, ..
        }) => {
            assert_eq!(expected, &layer.to_string());
            assert_eq!(actual, &Digest::sha256_of(&bytes).to_string());
        }
        other => panic!("{other}"),
    }
    assert_eq!(skopeo_tags(&target), Vec::<String>::new());
    assert_eq!(manifest_puts(&b), 0);

    let dst_dir = tempfile::tempdir().unwrap();
    let dst = format!("oci-layout:{}", dst_dir.path().join("copy").display());
    let e = copy_ref(&format!("{src}:1.0.0"), &dst, &CopyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, MirrorError::Oci(RegistryError::DigestMismatch { .. })),
        "{e}"
    );
    let copy_layout =
        tofu_sbom::registry::layout::LayoutStore::open(&dst_dir.path().join("copy")).unwrap();
    assert_eq!(copy_layout.tags(1 << 20).unwrap(), Vec::<String>::new());
    assert_eq!(copy_layout.blob_size(&layer).unwrap(), None);

    // A missing tag is a clear error, and the target is not even created.
    let fresh = dst_dir.path().join("fresh");
    let e = copy_ref(
        &format!("{src}:9.9.9"),
        &format!("oci-layout:{}", fresh.display()),
        &CopyOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), format!("tag 9.9.9 not found in {src}"));
    assert!(!fresh.exists());
}

/// Records the subjects it is asked about and checks that the tag is not written yet.
struct Recorder {
    subjects: Mutex<Vec<Digest>>,
    tag: String,
}

impl ReferrersCopier for Recorder {
    fn copy_referrers<'a>(
        &'a self,
        _source: &'a Store,
        target: &'a Store,
        subject: &'a Descriptor,
    ) -> Pin<Box<dyn Future<Output = tofu_sbom::registry::Result<ReferrersCopied>> + Send + 'a>>
    {
        Box::pin(async move {
            assert!(matches!(
                target.resolve_tag(&self.tag).await,
                Err(RegistryError::NotFound { .. })
            ));
            // The subject is already in the target.
            target.fetch_manifest(&subject.digest).await?;
            self.subjects.lock().unwrap().push(subject.digest.clone());
            Ok(ReferrersCopied {
                written: 1,
                skipped: Vec::new(),
            })
        })
    }
}

#[tokio::test]
async fn the_referrers_extension_point_runs_for_every_manifest_before_the_tag() {
    let rel = tempfile::tempdir().unwrap();
    let pkg = make_release(rel.path(), "demo", "1.0.0", PLATFORMS, 2000);
    let src_dir = tempfile::tempdir().unwrap();
    let src = format!("oci-layout:{}", src_dir.path().display());
    let pushed = push_to(&src, &pkg).await;
    let recorder = Arc::new(Recorder {
        subjects: Mutex::new(Vec::new()),
        tag: "1.0.0".into(),
    });
    let dst_dir = tempfile::tempdir().unwrap();
    let out = copy_ref(
        &format!("{src}:1.0.0"),
        &format!("oci-layout:{}", dst_dir.path().display()),
        &CopyOptions {
            referrers: Some(recorder.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        out.referrers,
        ReferrersOutcome::Copied {
            count: PLATFORMS.len() + 1,
            skipped: Vec::new(),
        }
    );
    let subjects = recorder.subjects.lock().unwrap().clone();
    assert_eq!(subjects.last(), Some(&pushed.index_digest));
    let (manifests, _) = expected_digests(&pushed);
    assert_eq!(
        subjects[..PLATFORMS.len()]
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>(),
        manifests
    );
    assert!(out.tagged);
}

#[tokio::test]
async fn faults_during_a_copy_are_retried_and_the_copy_converges() {
    use oci_support::fault_proxy::{Action, FaultProxy, Rule};
    use tofu_sbom::registry::client::{ClientOptions, Protocol};

    let b = Registry::start(RegistryOpts::anonymous());
    let proxy = FaultProxy::start(
        b.addr.port(),
        vec![
            Rule {
                method: "PUT",
                path_contains: "/blobs/uploads/",
                action: Action::ResetAfterBodyBytes(4096),
                times: 1,
            },
            Rule {
                method: "PUT",
                path_contains: "/manifests/",
                action: Action::Status(502, None, ""),
                times: 1,
            },
        ],
    );
    let rel = tempfile::tempdir().unwrap();
    let pkg = make_release(rel.path(), "demo", "1.0.0", PLATFORMS, 50_000);
    let src_dir = tempfile::tempdir().unwrap();
    let src = format!("oci-layout:{}", src_dir.path().display());
    let pushed = push_to(&src, &pkg).await;
    let opts = ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    };
    let out = copy(
        &Target::parse(&format!("{src}:1.0.0")).unwrap(),
        &Target::parse(&format!("{}/mirror/demo", proxy.host())).unwrap(),
        opts,
        &CopyOptions {
            concurrency: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (proxy.fired(0), proxy.fired(1)),
        (1, 1),
        "{:#?}",
        proxy.log()
    );
    check_outcome(&out, &pushed, ItemStatus::Copied);
    assert_verifies(&format!("{}/mirror/demo:1.0.0", b.host)).await;
}
