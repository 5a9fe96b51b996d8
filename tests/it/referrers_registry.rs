//! SBOM referrers against a real registry (Debian's distribution 2.8: no referrers API, so the `sha256-<hex>`
//! fallback tag), an in-test registry that implements the referrers API (nothing installable does), and an OCI
//! layout: attach, list, re-attach (no-op), pull, verify, prune, hazards and faults.

use crate::support;
use crate::support::oci as oci_support;

use std::collections::BTreeMap;
use std::time::Duration;

use oci_support::fault_proxy::{Action, FaultProxy, Rule};
use oci_support::native_registry::NativeRegistry;
use oci_support::sboms::{ReleaseSboms, release_input, render_release};
use oci_support::{make_release, skopeo_raw, test_options};
use support::{Registry, RegistryOpts};
use tofu_sbom::provider::ProviderError;
use tofu_sbom::provider::artifact::ProviderPackage;
use tofu_sbom::provider::attach::{
    AttachOptions, AttachOutcome, AttachStatus, PruneStatus, SbomFile, SbomKind, attach,
    prepare_referrer, resolve_subject, subject_descriptor,
};
use tofu_sbom::provider::push::{PushOptions, PushOutcome, push};
use tofu_sbom::provider::sbom_pull::{PullOptions, pull_sbom, stored_sboms};
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{ClientOptions, RegistryClient};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::lock::LockOptions;
use tofu_sbom::registry::manifest::{
    Descriptor, ImageIndex, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST, to_canonical_bytes,
};
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::{
    FallbackOptions, ListOptions, ReferrersMode, ReferrersSource, list_referrers,
};
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::Format;
use tofu_sbom::verify::artifact::{FindingKind, Severity, VerifyOptions, verify};

/// Test client options over plain HTTP (the registries here are loopback HTTP servers).
fn plain() -> ClientOptions {
    ClientOptions {
        protocol: tofu_sbom::registry::client::Protocol::PlainHttp,
        ..test_options()
    }
}

const PLATFORMS: &[(&str, &str)] = &[("linux", "amd64"), ("darwin", "arm64")];
const CDX: &str = "application/vnd.cyclonedx+json";
const SPDX: &str = "application/spdx+json";

struct Fixture {
    _dir: tempfile::TempDir,
    lock_dir: tempfile::TempDir,
    pkg: ProviderPackage,
    pushed: PushOutcome,
    sboms: ReleaseSboms,
}

fn attach_opts(lock_dir: &std::path::Path) -> AttachOptions {
    AttachOptions {
        tool: "tofu-sbom/0.0.0-test".into(),
        fallback: FallbackOptions {
            settle_delay: Duration::from_millis(40),
            max_rounds: 3,
            ..FallbackOptions::default()
        },
        lock: LockOptions {
            dir: lock_dir.to_owned(),
            ..LockOptions::default()
        },
        ..AttachOptions::default()
    }
}

fn store_for(target: &str, opts: ClientOptions) -> (Store, Target) {
    let t = Target::parse(target).unwrap();
    (Store::open(&t, opts, true).unwrap(), t)
}

async fn pushed_fixture(target: &str, opts: ClientOptions) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.2.3", PLATFORMS, 3000);
    let (store, t) = store_for(target, opts);
    let pushed = push(&pkg, &store, &t, &PushOptions::default())
        .await
        .unwrap();
    let sboms = render_release(
        &release_input(&pkg, "demo", "0.0.0-test"),
        &[Format::CycloneDx16, Format::Spdx23],
    );
    Fixture {
        _dir: dir,
        lock_dir: tempfile::tempdir().unwrap(),
        pkg,
        pushed,
        sboms,
    }
}

/// Attaches the release-wide SBOMs to the index and each platform's to its manifest (what `publish` does).
async fn attach_all(
    store: &Store,
    f: &Fixture,
    opts: &AttachOptions,
) -> BTreeMap<String, AttachOutcome> {
    let mut out = BTreeMap::new();
    let index = subject_descriptor(store, &f.pushed.index_digest)
        .await
        .unwrap();
    out.insert(
        "index".to_owned(),
        attach(store, &index, &f.sboms.index, opts).await.unwrap(),
    );
    for (os_arch, p) in &f.pushed.platforms {
        let s = subject_descriptor(store, &p.manifest_digest).await.unwrap();
        out.insert(
            os_arch.clone(),
            attach(store, &s, &f.sboms.platforms[os_arch], opts)
                .await
                .unwrap(),
        );
    }
    out
}

fn subject_digest(f: &Fixture, what: &str) -> Digest {
    if what == "index" {
        f.pushed.index_digest.clone()
    } else {
        f.pushed.platforms[what].manifest_digest.clone()
    }
}

fn files_of<'a>(f: &'a Fixture, what: &str) -> &'a [SbomFile] {
    if what == "index" {
        &f.sboms.index
    } else {
        &f.sboms.platforms[what]
    }
}

/// The referrer descriptor we expect in a list for `file` attached to `subject`.
fn expected_descriptor(subject: &Descriptor, file: &SbomFile, opts: &AttachOptions) -> Descriptor {
    prepare_referrer(subject, file, opts, &Default::default())
        .unwrap()
        .descriptor()
}

#[tokio::test]
async fn attach_list_reattach_pull_and_verify_through_the_fallback_tag() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());

    // The subject of a tag is the index it resolves to.
    let index_subject =
        resolve_subject(&store, &Target::parse(&format!("{target}:1.2.3")).unwrap())
            .await
            .unwrap();
    assert_eq!(
        index_subject,
        Descriptor::new(
            MEDIA_TYPE_INDEX,
            f.pushed.index_digest.clone(),
            f.pushed.index_size
        )
    );

    let uploads_before = reg.blob_upload_requests().len();
    let first = attach_all(&store, &f, &opts).await;
    let uploads_after_first = reg.blob_upload_requests().len();
    // 6 SBOM blobs (POST + PUT each); the empty config already existed from the push.
    assert_eq!(uploads_after_first - uploads_before, 12);
    assert_eq!(first.values().map(|o| o.uploaded_blobs).sum::<usize>(), 6);
    let mut fallback_bytes = BTreeMap::new();
    for (what, outcome) in &first {
        let subject = subject_descriptor(&store, &subject_digest(&f, what))
            .await
            .unwrap();
        assert_eq!(outcome.method, ReferrersSource::FallbackTag, "{what}");
        assert_eq!(outcome.pruned, vec![]);
        let files = files_of(&f, what);
        let expected: Vec<Descriptor> = files
            .iter()
            .map(|file| expected_descriptor(&subject, file, &opts))
            .collect();
        // Exactly one CycloneDX and one SPDX referrer, added, with the SBOM's own timestamp.
        assert_eq!(
            outcome
                .referrers
                .iter()
                .map(|r| (
                    r.title.as_str(),
                    r.artifact_type.as_str(),
                    r.status,
                    r.digest.clone(),
                    r.created.as_deref()
                ))
                .collect::<Vec<_>>(),
            vec![
                (
                    files[0].name.as_str(),
                    CDX,
                    AttachStatus::Added,
                    expected[0].digest.clone(),
                    Some("2026-01-02T03:04:05Z")
                ),
                (
                    files[1].name.as_str(),
                    SPDX,
                    AttachStatus::Added,
                    expected[1].digest.clone(),
                    Some("2026-01-02T03:04:05Z")
                ),
            ]
        );
        let fb = outcome.fallback.as_ref().unwrap();
        assert_eq!((fb.writes, fb.repairs), (1, 0), "{what}");
        assert_eq!(fb.tag, subject.digest.referrers_tag());
        // The fallback index, byte for byte: CycloneDX first, artifactType and all annotations copied.
        let mut index = ImageIndex::empty();
        index.manifests = expected.clone();
        let (bytes, digest) = to_canonical_bytes(&index);
        let raw = skopeo_raw(&format!("{target}:{}", fb.tag), None);
        assert_eq!(
            String::from_utf8(raw.clone()).unwrap(),
            String::from_utf8(bytes).unwrap()
        );
        assert_eq!(fb.index_digest.as_ref(), Some(&digest));
        fallback_bytes.insert(what.clone(), raw);
        // The referrer manifests are stored byte-identical (an independent reader).
        for (file, d) in files.iter().zip(&expected) {
            let p = prepare_referrer(&subject, file, &opts, &Default::default()).unwrap();
            assert_eq!(
                skopeo_raw(&format!("{target}@{}", d.digest), None),
                p.manifest
            );
        }
        // Listing returns exactly these descriptors.
        let listing = list_referrers(&store, &subject.digest, &ListOptions::default())
            .await
            .unwrap();
        assert_eq!(listing.source, ReferrersSource::FallbackTag);
        assert_eq!(listing.fallback_index, Some(digest));
        assert_eq!(
            listing
                .entries
                .iter()
                .map(|e| (
                    e.artifact_type.clone(),
                    e.digest.clone(),
                    e.size,
                    e.title.clone(),
                    e.created.clone(),
                    e.annotations.clone()
                ))
                .collect::<Vec<_>>(),
            expected
                .iter()
                .map(|d| (
                    d.artifact_type.clone(),
                    d.digest.clone(),
                    d.size,
                    d.annotations.get("org.opencontainers.image.title").cloned(),
                    Some("2026-01-02T03:04:05Z".to_owned()),
                    d.annotations.clone()
                ))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            listing.entries[0].annotations.keys().collect::<Vec<_>>(),
            vec![
                "dev.tofu-sbom.tool",
                "org.opencontainers.image.created",
                "org.opencontainers.image.title"
            ]
        );
        let only_spdx = list_referrers(
            &store,
            &subject.digest,
            &ListOptions {
                artifact_type: Some(SPDX.into()),
                ..ListOptions::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            only_spdx
                .entries
                .iter()
                .map(|e| &e.digest)
                .collect::<Vec<_>>(),
            vec![&expected[1].digest]
        );
    }

    // Re-attach: nothing written at all (no blob upload, no manifest PUT), same digests, same fallback bytes.
    let puts_before = reg
        .requests()
        .iter()
        .filter(|r| r.starts_with("PUT ") && r.contains("/manifests/"))
        .count();
    let again = attach_all(&store, &f, &opts).await;
    for (what, outcome) in &again {
        assert_eq!(outcome.uploaded_blobs, 0);
        assert_eq!(outcome.fallback, None);
        assert!(
            outcome
                .referrers
                .iter()
                .all(|r| r.status == AttachStatus::AlreadyPresent)
        );
        let digests: Vec<_> = outcome.referrers.iter().map(|r| r.digest.clone()).collect();
        let before: Vec<_> = first[what]
            .referrers
            .iter()
            .map(|r| r.digest.clone())
            .collect();
        assert_eq!(digests, before);
        let tag = subject_digest(&f, what).referrers_tag();
        assert_eq!(
            skopeo_raw(&format!("{target}:{tag}"), None),
            fallback_bytes[what]
        );
    }
    assert_eq!(reg.blob_upload_requests().len(), uploads_after_first);
    let puts_after = reg
        .requests()
        .iter()
        .filter(|r| r.starts_with("PUT ") && r.contains("/manifests/"))
        .count();
    assert_eq!(
        puts_after, puts_before,
        "a no-op re-attach PUTs no manifest"
    );

    // The same bytes under another name: still a no-op (whatever its title).
    let renamed = SbomFile::from_bytes("renamed.cdx.json", f.sboms.index[0].bytes.clone());
    let index_subject_desc = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let r = attach(&store, &index_subject_desc, &[renamed], &opts)
        .await
        .unwrap();
    assert_eq!(r.referrers[0].status, AttachStatus::AlreadyPresent);
    assert_eq!(r.referrers[0].digest, first["index"].referrers[0].digest);

    // sbom pull returns identical bytes: the index's and one platform's, both kinds.
    let tagged = Target::parse(&format!("{target}:1.2.3")).unwrap();
    for (platform, kind, expected) in [
        (None, SbomKind::CycloneDx, &f.sboms.index[0]),
        (None, SbomKind::Spdx, &f.sboms.index[1]),
        (
            Some("linux_amd64"),
            SbomKind::CycloneDx,
            &f.sboms.platforms["linux_amd64"][0],
        ),
        (
            Some("darwin_arm64"),
            SbomKind::Spdx,
            &f.sboms.platforms["darwin_arm64"][1],
        ),
    ] {
        let pulled = pull_sbom(
            &store,
            &tagged,
            &PullOptions {
                kind,
                platform: platform.map(str::to_owned),
                ..PullOptions::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(pulled.bytes, expected.bytes, "{platform:?} {kind}");
        assert_eq!(
            pulled.referrer.title.as_deref(),
            Some(expected.name.as_str())
        );
        assert_eq!(pulled.sbom_digest, Digest::sha256_of(&expected.bytes));
    }
    let err = pull_sbom(
        &store,
        &tagged,
        &PullOptions {
            platform: Some("plan9_amd64".into()),
            ..PullOptions::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "subject {target}@{} platform plan9_amd64 not found: the index lists no manifest for plan9_amd64 (it \
             lists: darwin_arm64, linux_amd64)",
            f.pushed.index_digest
        )
    );

    // The stored SBOM bytes per subject (what `verify --release` compares with regenerated documents).
    let stored = stored_sboms(&store, &f.pushed.index_digest, ReferrersMode::Auto)
        .await
        .unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|(e, s)| (e.title.clone().unwrap(), s.bytes.clone()))
            .collect::<Vec<_>>(),
        f.sboms
            .index
            .iter()
            .map(|x| (x.name.clone(), x.bytes.clone()))
            .collect::<Vec<_>>()
    );

    // verify with the SBOM checks: every subject carries both SBOMs whose ZIP hashes match the stored layers.
    let report = verify(&store, &tagged, &VerifyOptions::with_sboms())
        .await
        .unwrap();
    assert_eq!(report.findings, vec![], "{:#?}", report.findings);
    let tag_report = &report.tags[0];
    assert_eq!(tag_report.index_sboms.len(), 2);
    assert!(tag_report.index_sboms.iter().all(|s| s.ok));
    for (os_arch, p) in &tag_report.platforms {
        assert!(p.ok, "{os_arch}");
        assert_eq!(
            p.sboms
                .iter()
                .map(|s| (s.artifact_type.as_str(), s.ok))
                .collect::<Vec<_>>(),
            vec![(CDX, true), (SPDX, true)],
            "{os_arch}"
        );
    }
    let _ = &f.pkg;
}

#[tokio::test]
async fn verify_reports_wrong_missing_and_duplicate_sboms() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());
    let linux = f.pushed.platforms["linux_amd64"].manifest_digest.clone();
    let darwin = f.pushed.platforms["darwin_arm64"].manifest_digest.clone();
    let linux_s = subject_descriptor(&store, &linux).await.unwrap();
    let darwin_s = subject_descriptor(&store, &darwin).await.unwrap();
    let index_s = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    // linux: its own CycloneDX only (SPDX missing). darwin: linux's SBOMs (hashes of the wrong ZIP). index: its
    // CycloneDX twice (two titles, different bytes → two referrers), no SPDX.
    attach(
        &store,
        &linux_s,
        &f.sboms.platforms["linux_amd64"][..1],
        &opts,
    )
    .await
    .unwrap();
    let wrong = attach(&store, &darwin_s, &f.sboms.platforms["linux_amd64"], &opts)
        .await
        .unwrap();
    let mut other = f.sboms.index[0].bytes.clone();
    other.extend_from_slice(b"\n");
    let dup = attach(
        &store,
        &index_s,
        &[
            f.sboms.index[0].clone(),
            SbomFile::from_bytes("again.cdx.json", other),
        ],
        &opts,
    )
    .await
    .unwrap();
    let report = verify(
        &store,
        &Target::parse(&format!("{target}:1.2.3")).unwrap(),
        &VerifyOptions::with_sboms(),
    )
    .await
    .unwrap();
    let linux_zip = Digest::from_sha256_hex(&f.pkg.platforms[0].sha256).unwrap();
    let darwin_zip = Digest::from_sha256_hex(&f.pkg.platforms[1].sha256).unwrap();
    let mut got: Vec<(Severity, Option<String>, FindingKind)> = report
        .findings
        .iter()
        .map(|x| (x.severity, x.platform.clone(), x.kind.clone()))
        .collect();
    got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let mut expected = vec![
        (
            Severity::Error,
            Some("linux_amd64".to_owned()),
            FindingKind::SbomMissing {
                subject: "linux_amd64".into(),
                artifact_type: SPDX.into(),
            },
        ),
        (
            Severity::Error,
            None,
            FindingKind::SbomMissing {
                subject: "index".into(),
                artifact_type: SPDX.into(),
            },
        ),
        (
            Severity::Warning,
            None,
            FindingKind::SbomDuplicate {
                subject: "index".into(),
                artifact_type: CDX.into(),
                referrers: vec![
                    dup.referrers[0].digest.clone(),
                    dup.referrers[1].digest.clone(),
                ],
            },
        ),
    ];
    // darwin: every place each of the two documents records the ZIP hash says linux's ZIP.
    for (i, places) in [
        (
            0usize,
            vec!["the root component's SHA-256", "the zh: lock hash"],
        ),
        (
            1usize,
            vec!["the root component's SHA-256", "the zh: lock hash"],
        ),
    ] {
        let mut places: Vec<String> = places.into_iter().map(str::to_owned).collect();
        places.push(
            "the SHA-256 of distribution terraform-provider-demo_1.2.3_linux_amd64.zip".into(),
        );
        for place in places {
            let found = if place.starts_with("the zh:") {
                format!("zh:{}", linux_zip.encoded())
            } else {
                linux_zip.to_string()
            };
            expected.push((
                Severity::Error,
                Some("darwin_arm64".to_owned()),
                FindingKind::SbomHashMismatch {
                    subject: "darwin_arm64".into(),
                    referrer: wrong.referrers[i].digest.clone(),
                    what: place,
                    expected: darwin_zip.clone(),
                    found,
                },
            ));
        }
    }
    expected.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(got, expected);
    assert!(!report.ok());
    let msg = report
        .findings
        .iter()
        .find(|x| matches!(x.kind, FindingKind::SbomMissing { .. }) && x.platform.is_none())
        .unwrap()
        .to_string();
    assert_eq!(
        msg,
        "error [1.2.3]: index: no application/spdx+json SBOM referrer is attached"
    );
}

#[tokio::test]
async fn prune_removes_only_our_older_referrers_and_tolerates_a_refused_delete() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());
    let subject = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let old = attach(&store, &subject, &f.sboms.index, &opts)
        .await
        .unwrap();
    // Someone else's CycloneDX referrer (no tool annotation).
    let foreign_doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"timestamp":"2025-05-05T05:05:05Z"}}"#;
    let foreign = attach(
        &store,
        &subject,
        &[SbomFile::from_bytes(
            "theirs.cdx.json",
            foreign_doc.to_vec(),
        )],
        &AttachOptions {
            tool: String::new(),
            ..opts.clone()
        },
    )
    .await
    .unwrap();
    // A tool upgrade renders different bytes; prune the older ones through a proxy whose registry refuses the
    // DELETE of the SPDX one (405), which is a warning.
    let new_sboms = render_release(
        &release_input(&f.pkg, "demo", "0.0.1-test"),
        &[Format::CycloneDx16, Format::Spdx23],
    );
    let old_spdx = old.referrers[1].digest.clone();
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "DELETE",
            path_contains: "/manifests/",
            action: Action::Status(
                405,
                None,
                r#"{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}"#,
            ),
            times: 1,
        }],
    );
    let (pstore, _) = store_for(&format!("{}/acme/demo", proxy.host()), plain());
    let upgraded = attach(
        &pstore,
        &subject,
        &new_sboms.index,
        &AttachOptions {
            tool: "tofu-sbom/0.0.1-test".into(),
            prune_own: true,
            ..opts.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        upgraded
            .pruned
            .iter()
            .map(|p| (p.referrer.digest.clone(), p.status.clone()))
            .collect::<Vec<_>>(),
        vec![
            (
                old.referrers[0].digest.clone(),
                PruneStatus::DeleteRefused {
                    message: format!(
                        "DELETE /v2/acme/demo/manifests/{} on {} failed: HTTP 405 UNSUPPORTED: The operation is unsupported.",
                        old.referrers[0].digest,
                        proxy.host()
                    )
                }
            ),
            (old_spdx.clone(), PruneStatus::Deleted),
        ]
    );
    assert_eq!(proxy.fired(0), 1);
    // The fallback index keeps the foreign entry, drops ours, adds the new ones (CycloneDX group first).
    let listing = list_referrers(&store, &subject.digest, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(
        listing
            .entries
            .iter()
            .map(|e| e.digest.clone())
            .collect::<Vec<_>>(),
        vec![
            foreign.referrers[0].digest.clone(),
            upgraded.referrers[0].digest.clone(),
            upgraded.referrers[1].digest.clone()
        ]
    );
    assert!(!store.manifest_exists(&old_spdx).await.unwrap());
    assert!(
        store
            .manifest_exists(&old.referrers[0].digest)
            .await
            .unwrap(),
        "the refused delete left it"
    );
    assert!(
        store
            .manifest_exists(&foreign.referrers[0].digest)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_fallback_tag_pointing_at_the_subject_or_at_a_non_index_is_refused_and_nothing_changes() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());
    let client = RegistryClient::new(&reg.host, "acme/demo", plain()).unwrap();
    let index = client
        .get_manifest("acme/demo", f.pushed.index_digest.as_str())
        .await
        .unwrap();
    let linux = f.pushed.platforms["linux_amd64"].manifest_digest.clone();
    let darwin = f.pushed.platforms["darwin_arm64"].manifest_digest.clone();
    let darwin_m = client
        .get_manifest("acme/demo", darwin.as_str())
        .await
        .unwrap();
    // GitLab: sha256-<index> resolves to the index itself. And sha256-<linux> holds an image manifest.
    let index_tag = f.pushed.index_digest.referrers_tag();
    client
        .put_manifest("acme/demo", &index_tag, MEDIA_TYPE_INDEX, &index.bytes)
        .await
        .unwrap();
    client
        .put_manifest(
            "acme/demo",
            &linux.referrers_tag(),
            MEDIA_TYPE_MANIFEST,
            &darwin_m.bytes,
        )
        .await
        .unwrap();
    let puts = |reg: &Registry| {
        reg.requests()
            .iter()
            .filter(|r| r.starts_with("PUT ") || r.starts_with("DELETE "))
            .count()
    };
    let before = puts(&reg);

    let s = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let err = attach(&store, &s, &f.sboms.index, &opts).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "refusing to use the referrers fallback tag {index_tag} in {target}: it resolves to the subject {} itself \
             (this registry aliases sha256-<hex> tags to manifests, as GitLab's does); using it would list the \
             subject's own children as referrers; nothing was changed",
            f.pushed.index_digest
        )
    );
    let s = subject_descriptor(&store, &linux).await.unwrap();
    let err = attach(&store, &s, &f.sboms.platforms["linux_amd64"], &opts)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "refusing to use the referrers fallback tag {} in {target}: it holds a \
             \"application/vnd.oci.image.manifest.v1+json\" document, not an OCI image index; nothing was changed",
            linux.referrers_tag()
        )
    );
    // Nothing was written or deleted; the tags still hold what they held; the subjects are intact.
    assert_eq!(puts(&reg), before);
    assert_eq!(
        skopeo_raw(&format!("{target}:{index_tag}"), None),
        index.bytes
    );
    assert_eq!(
        skopeo_raw(&format!("{target}:{}", linux.referrers_tag()), None),
        darwin_m.bytes
    );
    assert!(store.manifest_exists(&linux).await.unwrap());
    assert!(store.manifest_exists(&darwin).await.unwrap());
    // Listing refuses too, and verify reports it.
    assert!(matches!(
        list_referrers(&store, &f.pushed.index_digest, &ListOptions::default()).await,
        Err(RegistryError::FallbackIndexRefused { .. })
    ));
    let report = verify(
        &store,
        &Target::parse(&format!("{target}:1.2.3")).unwrap(),
        &VerifyOptions::with_sboms(),
    )
    .await
    .unwrap();
    let unreadable: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|x| match &x.kind {
            FindingKind::ReferrersUnreadable { subject, .. } => Some(subject.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(unreadable, vec!["linux_amd64", "index"]);
}

#[tokio::test]
async fn non_sboms_and_missing_subjects_are_refused_before_anything_is_written() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());
    let s = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let before = reg.requests().len();
    // A ZIP is not an SBOM (read from disk like the CLI does).
    let zip = SbomFile::read(&f.pkg.platforms[0].path, &Default::default()).unwrap();
    let err = attach(&store, &s, &[f.sboms.index[0].clone(), zip], &opts)
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "terraform-provider-demo_1.2.3_linux_amd64.zip is not an SBOM that can be attached: SBOM document is not \
             valid JSON of the expected shape: expected value at line 1 column 1"
        ),
        "{err}"
    );
    assert_eq!(reg.requests().len(), before, "nothing was sent");
    // Missing subjects, by tag and by digest.
    let e = resolve_subject(&store, &Target::parse(&format!("{target}:9.9.9")).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("subject {target}:9.9.9 not found: tag 9.9.9 does not exist")
    );
    let missing = Digest::sha256_of(b"nothing");
    let e = resolve_subject(
        &store,
        &Target::parse(&format!("{target}@{missing}")).unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("subject {target}@{missing} not found: no manifest with this digest exists")
    );
    let e = pull_sbom(
        &store,
        &Target::parse(&format!("{target}:9.9.9")).unwrap(),
        &PullOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("subject {target}:9.9.9 not found: tag 9.9.9 does not exist")
    );
    // Nothing attached yet: pull says so.
    let e = pull_sbom(
        &store,
        &Target::parse(&format!("{target}:1.2.3")).unwrap(),
        &PullOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "no {CDX} referrer is attached to {} in {target}",
            f.pushed.index_digest
        )
    );
}

#[tokio::test]
async fn transient_faults_mid_attach_are_retried_and_no_index_names_a_missing_manifest() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![
            Rule {
                method: "PUT",
                path_contains: "/blobs/uploads/",
                action: Action::ResetAfterBodyBytes(10),
                times: 1,
            },
            Rule {
                method: "PUT",
                path_contains: "/manifests/sha256:",
                action: Action::Status(503, None, ""),
                times: 1,
            },
            Rule {
                method: "PUT",
                path_contains: "/manifests/sha256-",
                action: Action::Status(502, None, ""),
                times: 1,
            },
            Rule {
                method: "GET",
                path_contains: "/manifests/sha256-",
                action: Action::Status(429, Some(1), ""),
                times: 1,
            },
        ],
    );
    let ptarget = format!("{}/acme/demo", proxy.host());
    let (pstore, _) = store_for(&ptarget, plain());
    let opts = attach_opts(f.lock_dir.path());
    let s = subject_descriptor(&pstore, &f.pushed.index_digest)
        .await
        .unwrap();
    let out = attach(&pstore, &s, &f.sboms.index, &opts).await.unwrap();
    assert_eq!(
        (0..4).map(|i| proxy.fired(i)).collect::<Vec<_>>(),
        vec![1, 1, 1, 1],
        "{:#?}",
        proxy.log()
    );
    assert!(
        out.referrers
            .iter()
            .all(|r| r.status == AttachStatus::Added)
    );
    let listing = list_referrers(&pstore, &s.digest, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(
        listing
            .entries
            .iter()
            .map(|e| e.digest.clone())
            .collect::<Vec<_>>(),
        out.referrers
            .iter()
            .map(|r| r.digest.clone())
            .collect::<Vec<_>>()
    );

    // A referrer manifest PUT that is denied for good: the error surfaces and no fallback index was written, so no
    // index can name the manifest that does not exist.
    let deny = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "PUT",
            path_contains: "/manifests/sha256:",
            action: Action::Status(
                403,
                None,
                r#"{"errors":[{"code":"DENIED","message":"no"}]}"#,
            ),
            times: usize::MAX,
        }],
    );
    let (dstore, _) = store_for(&format!("{}/acme/demo", deny.host()), plain());
    let linux = f.pushed.platforms["linux_amd64"].manifest_digest.clone();
    let ls = subject_descriptor(&dstore, &linux).await.unwrap();
    let err = attach(&dstore, &ls, &f.sboms.platforms["linux_amd64"], &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Registry(RegistryError::Denied { .. })),
        "{err}"
    );
    let client = RegistryClient::new(&reg.host, "acme/demo", plain()).unwrap();
    assert!(
        client
            .head_manifest("acme/demo", &linux.referrers_tag())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_referrers_api_is_used_when_the_registry_serves_it_and_no_fallback_tag_is_written() {
    let native = NativeRegistry::start();
    let target = format!("{}/acme/demo", native.host());
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());
    let outcomes = attach_all(&store, &f, &opts).await;
    for (what, o) in &outcomes {
        assert_eq!(o.method, ReferrersSource::Api, "{what}");
        assert_eq!(o.fallback, None);
        let subject = subject_descriptor(&store, &subject_digest(&f, what))
            .await
            .unwrap();
        let listing = list_referrers(&store, &subject.digest, &ListOptions::default())
            .await
            .unwrap();
        assert_eq!(listing.source, ReferrersSource::Api);
        let mut expected: Vec<Descriptor> = files_of(&f, what)
            .iter()
            .map(|file| expected_descriptor(&subject, file, &opts))
            .collect();
        expected.sort_by(|a, b| a.digest.cmp(&b.digest)); // the in-test registry lists by digest
        assert_eq!(
            listing
                .entries
                .iter()
                .map(|e| (
                    e.digest.clone(),
                    e.artifact_type.clone(),
                    e.annotations.clone()
                ))
                .collect::<Vec<_>>(),
            expected
                .iter()
                .map(|d| (
                    d.digest.clone(),
                    d.artifact_type.clone(),
                    d.annotations.clone()
                ))
                .collect::<Vec<_>>()
        );
        let filtered = list_referrers(
            &store,
            &subject.digest,
            &ListOptions {
                artifact_type: Some(CDX.into()),
                ..ListOptions::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(filtered.entries.len(), 1);
        assert_eq!(filtered.entries[0].artifact_type, CDX);
    }
    assert_eq!(
        native.tags("acme/demo"),
        vec!["1.2.3"],
        "no sha256-<hex> tag"
    );
    assert!(
        !native
            .log()
            .iter()
            .any(|r| r.contains("/manifests/sha256-")),
        "{:?}",
        native.log()
    );
    // Re-attach: no-op. Pull and verify work through the API.
    let again = attach_all(&store, &f, &opts).await;
    assert!(again.values().all(|o| {
        o.referrers
            .iter()
            .all(|r| r.status == AttachStatus::AlreadyPresent)
    }));
    let tagged = Target::parse(&format!("{target}:1.2.3")).unwrap();
    let pulled = pull_sbom(
        &store,
        &tagged,
        &PullOptions {
            kind: SbomKind::Spdx,
            ..PullOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(pulled.bytes, f.sboms.index[1].bytes);
    let report = verify(&store, &tagged, &VerifyOptions::with_sboms())
        .await
        .unwrap();
    assert_eq!(report.findings, vec![]);
    // --referrers-mode tag forces the fallback tag even here.
    let renamed = SbomFile::from_bytes(
        "x.cdx.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#.to_vec(),
    );
    let s = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let forced = attach(
        &store,
        &s,
        &[renamed],
        &AttachOptions {
            mode: ReferrersMode::Tag,
            ..opts.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(forced.method, ReferrersSource::FallbackTag);
    assert_eq!(
        native.tags("acme/demo"),
        vec!["1.2.3".to_owned(), f.pushed.index_digest.referrers_tag()]
    );
}

#[tokio::test]
async fn referrers_mode_api_on_a_registry_without_it_fails_before_writing() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/demo", reg.host);
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let before = reg.requests().len();
    let s = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let err = attach(
        &store,
        &s,
        &f.sboms.index,
        &AttachOptions {
            mode: ReferrersMode::Api,
            ..attach_opts(f.lock_dir.path())
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{target} does not serve the OCI referrers API (GET /v2/acme/demo/referrers/{} answered HTTP 404 with \
             Content-Type text/plain; charset=utf-8); use --referrers-mode auto or tag",
            f.pushed.index_digest
        )
    );
    let after: Vec<String> = reg.requests()[before..].to_vec();
    assert!(
        after
            .iter()
            .all(|r| r.starts_with("GET ") || r.starts_with("HEAD ")),
        "{after:?}"
    );
}

#[tokio::test]
async fn an_oci_layout_records_referrers_like_oras() {
    let dir = tempfile::tempdir().unwrap();
    let layout_dir = dir.path().join("layout");
    let target = format!("oci-layout:{}", layout_dir.display());
    let f = pushed_fixture(&target, plain()).await;
    let (store, _) = store_for(&target, plain());
    let opts = attach_opts(f.lock_dir.path());
    let first = attach_all(&store, &f, &opts).await;
    let index_json = std::fs::read(layout_dir.join("index.json")).unwrap();
    let index: serde_json::Value = serde_json::from_slice(&index_json).unwrap();
    let entries = index["manifests"].as_array().unwrap();
    // The version tag, then one untagged entry per referrer (no ref.name), with artifactType and annotations.
    assert_eq!(entries.len(), 1 + 6);
    assert_eq!(
        entries[0]["annotations"]["org.opencontainers.image.ref.name"],
        "1.2.3"
    );
    let mut seen = Vec::new();
    for e in &entries[1..] {
        assert_eq!(e["mediaType"], MEDIA_TYPE_MANIFEST);
        assert!(
            e["annotations"]
                .get("org.opencontainers.image.ref.name")
                .is_none()
        );
        let digest: Digest = e["digest"].as_str().unwrap().parse().unwrap();
        let blob = std::fs::read(layout_dir.join("blobs/sha256").join(digest.encoded())).unwrap();
        assert_eq!(Digest::sha256_of(&blob), digest);
        assert_eq!(e["size"].as_u64().unwrap(), blob.len() as u64);
        let m: serde_json::Value = serde_json::from_slice(&blob).unwrap();
        assert_eq!(e["artifactType"], m["artifactType"]);
        assert_eq!(e["annotations"], m["annotations"]);
        // The SBOM layer is in the layout.
        let layer: Digest = m["layers"][0]["digest"].as_str().unwrap().parse().unwrap();
        assert!(
            layout_dir
                .join("blobs/sha256")
                .join(layer.encoded())
                .exists()
        );
        seen.push((m["subject"]["digest"].as_str().unwrap().to_owned(), digest));
    }
    for (what, o) in &first {
        assert_eq!(o.method, ReferrersSource::Layout);
        let subject = subject_digest(&f, what);
        let mine: Vec<Digest> = seen
            .iter()
            .filter(|(s, _)| *s == subject.as_str())
            .map(|(_, d)| d.clone())
            .collect();
        assert_eq!(
            mine,
            o.referrers
                .iter()
                .map(|r| r.digest.clone())
                .collect::<Vec<_>>()
        );
        let listing = list_referrers(&store, &subject, &ListOptions::default())
            .await
            .unwrap();
        assert_eq!(
            listing
                .entries
                .iter()
                .map(|e| e.digest.clone())
                .collect::<Vec<_>>(),
            mine
        );
    }
    // Re-attach is a no-op (index.json byte-identical); pull and verify work.
    let again = attach_all(&store, &f, &opts).await;
    assert!(again.values().all(|o| {
        o.referrers
            .iter()
            .all(|r| r.status == AttachStatus::AlreadyPresent)
    }));
    assert_eq!(
        std::fs::read(layout_dir.join("index.json")).unwrap(),
        index_json
    );
    let tagged = Target::parse(&format!("{target}:1.2.3")).unwrap();
    let pulled = pull_sbom(
        &store,
        &tagged,
        &PullOptions {
            platform: Some("darwin_arm64".into()),
            ..PullOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(pulled.bytes, f.sboms.platforms["darwin_arm64"][0].bytes);
    let report = verify(&store, &tagged, &VerifyOptions::with_sboms())
        .await
        .unwrap();
    assert_eq!(report.findings, vec![]);
    // Pruning in a layout removes the untagged entry.
    let s = subject_descriptor(&store, &f.pushed.index_digest)
        .await
        .unwrap();
    let upgraded = render_release(
        &release_input(&f.pkg, "demo", "0.0.1-test"),
        &[Format::CycloneDx16],
    );
    let p = attach(
        &store,
        &s,
        &upgraded.index,
        &AttachOptions {
            prune_own: true,
            ..opts.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        p.pruned
            .iter()
            .map(|x| (x.referrer.digest.clone(), x.status.clone()))
            .collect::<Vec<_>>(),
        vec![(
            first["index"].referrers[0].digest.clone(),
            PruneStatus::Deleted
        )]
    );
    let listing = list_referrers(&store, &s.digest, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(
        listing
            .entries
            .iter()
            .map(|e| e.digest.clone())
            .collect::<Vec<_>>(),
        vec![
            first["index"].referrers[1].digest.clone(),
            p.referrers[0].digest.clone()
        ]
    );
}
