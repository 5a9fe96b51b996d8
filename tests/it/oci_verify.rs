//! `verify` negative cases: hand-built artifacts that break one OpenTofu rule each, in an OCI layout (and one in the
//! real registry), each reported precisely. The manifests, entries and indexes are `support::shapes::Shape`'s (what
//! `push` writes), stored in a layout here; `verdict_matrix` pushes the same shapes to a registry and runs tofu on them.

use crate::support;
use crate::support::cli as cli_support;
use crate::support::oci as oci_support;
use crate::support::shapes::Shape;

use std::collections::BTreeMap;

use serde_json::json;

use oci_support::{pseudo_random, test_options};
use support::{Registry, RegistryOpts};
use tofu_sbom::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER_PKG, ARTIFACT_TYPE_PROVIDER_TARGET, MEDIA_TYPE_ZIP_LAYER,
};
use tofu_sbom::registry::client::{Protocol, RegistryClient};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::layout::LayoutStore;
use tofu_sbom::registry::manifest::{
    ANNOTATION_TITLE, Descriptor, EMPTY_JSON, ImageIndex, ImageManifest, MEDIA_TYPE_INDEX,
    MEDIA_TYPE_MANIFEST, Platform, to_canonical_bytes,
};
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;
use tofu_sbom::verify::artifact::{FindingKind, Severity, VerifyOptions, VerifyReport, verify};

const MAX: u64 = 1 << 20;

struct Fixture {
    dir: tempfile::TempDir,
    store: LayoutStore,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = LayoutStore::open_or_create(&dir.path().join("l")).unwrap();
        let config = Descriptor::empty_config();
        store.put_blob_bytes(&config.digest, EMPTY_JSON).unwrap();
        Self { dir, store }
    }

    /// A "zip" layer blob (content does not matter to the OCI checks).
    fn layer(&self, seed: u64) -> Descriptor {
        let bytes = pseudo_random(seed, 1000);
        let d = Digest::sha256_of(&bytes);
        self.store.put_blob_bytes(&d, &bytes).unwrap();
        let mut desc = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, d, bytes.len() as u64);
        desc.artifact_type = ARTIFACT_TYPE_PROVIDER_PKG.into();
        desc.annotations
            .insert(ANNOTATION_TITLE.into(), format!("p_{seed}.zip"));
        desc
    }

    fn manifest(&self, layers: Vec<Descriptor>) -> (ImageManifest, Descriptor) {
        let m = Shape::target_manifest(layers);
        let d = self.put_manifest(&m);
        (m, d)
    }

    fn put_manifest(&self, m: &ImageManifest) -> Descriptor {
        let (bytes, digest) = to_canonical_bytes(m);
        self.store.put_blob_bytes(&digest, &bytes).unwrap();
        Descriptor::new(MEDIA_TYPE_MANIFEST, digest, bytes.len() as u64)
    }

    fn entry(&self, desc: &Descriptor, os: &str, arch: &str) -> Descriptor {
        Shape::entry(desc, os, arch)
    }

    fn platform(&self, seed: u64, os: &str, arch: &str) -> Descriptor {
        let (_, d) = self.manifest(vec![self.layer(seed)]);
        self.entry(&d, os, arch)
    }

    fn index(entries: Vec<Descriptor>) -> ImageIndex {
        Shape::index(entries)
    }

    /// Stores the index and tags it `1.0.0` (index.json entry without artifactType, as a registry would resolve it).
    fn tag_index(&self, index: &ImageIndex) -> Descriptor {
        let (bytes, digest) = to_canonical_bytes(index);
        self.store.put_blob_bytes(&digest, &bytes).unwrap();
        let d = Descriptor::new(MEDIA_TYPE_INDEX, digest, bytes.len() as u64);
        self.store.set_tag("1.0.0", &d, MAX).unwrap();
        d
    }

    async fn verify(&self) -> VerifyReport {
        let t = Target::parse(&format!("oci-layout:{}:1.0.0", self.store.dir().display())).unwrap();
        let s = Store::open(&t, test_options(), false).unwrap();
        verify(&s, &t, &VerifyOptions::default()).await.unwrap()
    }
}

fn kinds(r: &VerifyReport) -> Vec<(Severity, Option<String>, FindingKind)> {
    r.findings
        .iter()
        .map(|f| (f.severity, f.platform.clone(), f.kind.clone()))
        .collect()
}

#[tokio::test]
async fn a_valid_hand_built_artifact_passes() {
    let f = Fixture::new();
    let idx = Fixture::index(vec![
        f.platform(1, "linux", "amd64"),
        f.platform(2, "darwin", "arm64"),
    ]);
    f.tag_index(&idx);
    let r = f.verify().await;
    assert_eq!(r.findings, vec![]);
    assert_eq!(
        r.tags[0].platforms.keys().collect::<Vec<_>>(),
        vec!["darwin_arm64", "linux_amd64"]
    );
    let _ = &f.dir;
}

#[tokio::test]
async fn index_without_artifact_type() {
    let f = Fixture::new();
    let mut idx = Fixture::index(vec![f.platform(1, "linux", "amd64")]);
    idx.artifact_type.clear();
    f.tag_index(&idx);
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            None,
            FindingKind::IndexArtifactType {
                found: String::new()
            }
        )]
    );
    assert_eq!(
        r.findings[0].to_string(),
        "error [1.0.0]: index: unexpected artifact type \"\" (must be \"application/vnd.opentofu.provider\")"
    );
    assert!(!r.ok());
}

#[tokio::test]
async fn index_without_media_type_in_the_body() {
    let f = Fixture::new();
    let mut idx = Fixture::index(vec![f.platform(1, "linux", "amd64")]);
    idx.media_type.clear();
    f.tag_index(&idx);
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            None,
            FindingKind::IndexMediaType {
                found: String::new()
            }
        )]
    );
}

#[tokio::test]
async fn manifest_with_two_zip_layers() {
    let f = Fixture::new();
    let (_, two) = f.manifest(vec![f.layer(1), f.layer(2)]);
    let idx = Fixture::index(vec![
        f.entry(&two, "linux", "amd64"),
        f.platform(3, "darwin", "arm64"),
    ]);
    f.tag_index(&idx);
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            Some("linux_amd64".into()),
            FindingKind::AmbiguousZipLayer { count: 2 }
        )]
    );
    assert_eq!(
        r.findings[0].to_string(),
        "error [1.0.0] [linux_amd64]: ambiguous manifest declares multiple eligible provider packages (2 archive/zip layers)"
    );
    assert!(r.tags[0].platforms["darwin_arm64"].ok);
}

#[tokio::test]
async fn wrong_layer_media_type() {
    let f = Fixture::new();
    let mut layer = f.layer(1);
    layer.media_type = "application/zip".into();
    let (_, m) = f.manifest(vec![layer]);
    f.tag_index(&Fixture::index(vec![f.entry(&m, "linux", "amd64")]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            Some("linux_amd64".into()),
            FindingKind::NoZipLayer { other_layers: 1 }
        )]
    );
    assert_eq!(
        r.findings[0].message,
        "image manifest contains no layers of type \"archive/zip\", but has 1 of other unsupported formats; this OCI artifact might be intended for a different version of OpenTofu"
    );
}

#[tokio::test]
async fn tag_pointing_directly_at_an_image_manifest() {
    let f = Fixture::new();
    let (_, m) = f.manifest(vec![f.layer(1)]);
    // With the artifactType in index.json (as ORAS records it): step 1.
    let mut with_type = m.clone();
    with_type.artifact_type = ARTIFACT_TYPE_PROVIDER_TARGET.into();
    f.store.set_tag("1.0.0", &with_type, MAX).unwrap();
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            None,
            FindingKind::TagArtifactType {
                found: ARTIFACT_TYPE_PROVIDER_TARGET.into()
            }
        )]
    );
    assert_eq!(
        r.findings[0].message,
        "tag refers directly to image manifest, but OpenTofu providers require an index manifest for multi-platform support"
    );
    // Without it (as a registry resolves): step 2.
    f.store.set_tag("1.0.0", &m, MAX).unwrap();
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            None,
            FindingKind::TagNotIndex {
                found: MEDIA_TYPE_MANIFEST.into()
            }
        )]
    );
    assert_eq!(
        r.findings[0].message,
        "selected an OCI image manifest directly, but providers must be selected through a multi-platform index manifest"
    );
}

#[tokio::test]
async fn os_version_entries_are_ignored() {
    let f = Fixture::new();
    let mut only = f.platform(1, "windows", "amd64");
    if let Some(p) = only.platform.as_mut() {
        p.os_version = "10.0.17763".into();
    }
    let mut shadowed = f.platform(2, "linux", "amd64");
    if let Some(p) = shadowed.platform.as_mut() {
        p.os_version = "6.1".into();
    }
    let fallback = f.platform(3, "linux", "amd64");
    let digests = (only.digest.clone(), shadowed.digest.clone());
    f.tag_index(&Fixture::index(vec![only, shadowed, fallback]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![
            (
                Severity::Error,
                Some("windows_amd64".into()),
                FindingKind::EntryOsVersion {
                    digest: digests.0.clone(),
                    os_version: "10.0.17763".into(),
                    has_fallback: false
                }
            ),
            (
                Severity::Warning,
                Some("linux_amd64".into()),
                FindingKind::EntryOsVersion {
                    digest: digests.1,
                    os_version: "6.1".into(),
                    has_fallback: true
                }
            ),
        ]
    );
    assert_eq!(
        r.findings[0].message,
        format!(
            "entry {} sets os.version \"10.0.17763\"; OpenTofu ignores such entries, so this platform is not supported",
            digests.0
        )
    );
    assert!(r.tags[0].platforms["linux_amd64"].ok);
    assert!(!r.tags[0].platforms.contains_key("windows_amd64"));
}

#[tokio::test]
async fn entry_level_errors_and_ambiguity() {
    let f = Fixture::new();
    let a = f.platform(1, "linux", "amd64");
    let b = f.platform(2, "linux", "amd64");
    f.tag_index(&Fixture::index(vec![a, b]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            Some("linux_amd64".into()),
            FindingKind::AmbiguousPlatform { count: 2 }
        )]
    );

    let f = Fixture::new();
    let mut no_platform = f.platform(1, "linux", "amd64");
    no_platform.platform = None;
    let good = f.platform(2, "darwin", "arm64");
    f.tag_index(&Fixture::index(vec![good, no_platform.clone()]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            None,
            FindingKind::EntryNoPlatform {
                digest: no_platform.digest
            }
        )]
    );

    // A container-image-like index: entries without any artifactType.
    let f = Fixture::new();
    let mut plain = f.platform(1, "linux", "amd64");
    plain.artifact_type.clear();
    f.tag_index(&Fixture::index(vec![plain.clone()]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![
            (
                Severity::Warning,
                None,
                FindingKind::ForeignEntry {
                    digest: plain.digest,
                    artifact_type: String::new()
                }
            ),
            (
                Severity::Error,
                None,
                FindingKind::NoProviderEntries {
                    other_artifact_type: String::new()
                }
            ),
        ]
    );
    assert_eq!(
        r.findings[1].message,
        "provider image manifest has unsupported artifact type; is this a container image, rather than an OpenTofu provider?"
    );
}

#[tokio::test]
async fn manifest_body_and_layer_details() {
    // Body artifactType differs from the entry's.
    let f = Fixture::new();
    let (mut m, _) = f.manifest(vec![f.layer(1)]);
    m.artifact_type = "application/vnd.example".into();
    let d = f.put_manifest(&m);
    f.tag_index(&Fixture::index(vec![f.entry(&d, "linux", "amd64")]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            Some("linux_amd64".into()),
            FindingKind::ManifestArtifactType {
                found: "application/vnd.example".into()
            }
        )]
    );

    // Layer without artifactType: no OpenTofu release ever looked at it → nothing to report.
    let f = Fixture::new();
    let mut layer = f.layer(1);
    layer.artifact_type.clear();
    let (_, m) = f.manifest(vec![layer]);
    f.tag_index(&Fixture::index(vec![f.entry(&m, "linux", "amd64")]));
    let r = f.verify().await;
    assert_eq!(kinds(&r), vec![]);
    assert!(r.ok());

    // A layer platform for another target.
    let f = Fixture::new();
    let mut layer = f.layer(1);
    layer.platform = Some(Platform::new("linux", "arm64"));
    let (_, m) = f.manifest(vec![layer]);
    f.tag_index(&Fixture::index(vec![f.entry(&m, "linux", "amd64")]));
    let r = f.verify().await;
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            Some("linux_amd64".into()),
            FindingKind::LayerPlatformMismatch {
                found: "linux_arm64".into()
            }
        )]
    );

    // A tampered blob does not re-hash.
    let f = Fixture::new();
    let layer = f.layer(1);
    let (_, m) = f.manifest(vec![layer.clone()]);
    f.tag_index(&Fixture::index(vec![f.entry(&m, "linux", "amd64")]));
    std::fs::write(f.store.blob_path(&layer.digest), b"tampered").unwrap();
    let r = f.verify().await;
    assert_eq!(r.findings.len(), 1);
    match &r.findings[0].kind {
        FindingKind::BlobInvalid { digest, message } => {
            assert_eq!(digest, &layer.digest);
            assert!(
                message.ends_with(&format!(
                    "content has digest {}, expected {}",
                    Digest::sha256_of(b"tampered"),
                    layer.digest
                )),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }

    // A tag OpenTofu cannot resolve as a version.
    let f = Fixture::new();
    let d = f.tag_index(&Fixture::index(vec![f.platform(1, "linux", "amd64")]));
    f.store.set_tag("v1.0.0", &d, MAX).unwrap();
    let t = Target::parse(&format!("oci-layout:{}:v1.0.0", f.store.dir().display())).unwrap();
    let s = Store::open(&t, test_options(), false).unwrap();
    let r = verify(&s, &t, &VerifyOptions::default()).await.unwrap();
    assert_eq!(
        r.findings
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>(),
        vec![
            "tag \"v1.0.0\" is not resolvable as a provider version: OpenTofu's version parser rejects a \"v\" prefix; publish \"1.0.0\" instead"
        ]
    );
}

#[tokio::test]
async fn registry_tag_pointing_at_an_image_manifest() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let opts = tofu_sbom::registry::client::ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    };
    let client = RegistryClient::new(&reg.host, "acme/bad", opts.clone()).unwrap();
    let zip = pseudo_random(9, 500);
    let zd = Digest::sha256_of(&zip);
    let cfg = Descriptor::empty_config();
    use tofu_sbom::registry::client::BlobSource;
    client
        .upload_blob(
            "acme/bad",
            &cfg.digest,
            2,
            &BlobSource::Bytes(EMPTY_JSON.to_vec()),
            None,
        )
        .await
        .unwrap();
    client
        .upload_blob("acme/bad", &zd, 500, &BlobSource::Bytes(zip), None)
        .await
        .unwrap();
    let m = ImageManifest {
        schema_version: 2,
        media_type: MEDIA_TYPE_MANIFEST.into(),
        artifact_type: ARTIFACT_TYPE_PROVIDER_TARGET.into(),
        config: cfg,
        layers: vec![Descriptor::new(MEDIA_TYPE_ZIP_LAYER, zd, 500)],
        subject: None,
        annotations: BTreeMap::new(),
    };
    let (bytes, digest) = to_canonical_bytes(&m);
    let resp = client
        .put_manifest("acme/bad", "1.0.0", MEDIA_TYPE_MANIFEST, &bytes)
        .await
        .unwrap();
    assert_eq!(resp.digest, Some(digest));
    assert_eq!(resp.oci_subject, None);
    let t = Target::parse(&format!("{}/acme/bad:1.0.0", reg.host)).unwrap();
    let s = Store::open(&t, opts, false).unwrap();
    let r = verify(&s, &t, &VerifyOptions::default()).await.unwrap();
    assert_eq!(
        kinds(&r),
        vec![(
            Severity::Error,
            None,
            FindingKind::TagNotIndex {
                found: MEDIA_TYPE_MANIFEST.into()
            }
        )]
    );
    // A tag that does not exist at all.
    let t = Target::parse(&format!("{}/acme/bad:2.0.0", reg.host)).unwrap();
    // (With a tag, verify does not read the tag list — issue 15, finding 6 — so the tag is reported unresolvable.)
    let r = verify(&s, &t, &VerifyOptions::default()).await.unwrap();
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    assert!(matches!(
        &r.findings[0].kind,
        FindingKind::TagUnresolvable { tag, .. } if tag == "2.0.0"
    ));
}

/// OpenTofu's documented ORAS recipe (`website/docs/cli/oci_registries/provider-mirror.mdx`: `oras push
/// --artifact-platform OS/ARCH --artifact-type application/vnd.opentofu.provider-target … FILE:archive/zip`, then
/// `oras manifest index create --artifact-type application/vnd.opentofu.provider`): the config is an image config
/// (`application/vnd.oci.image.config.v1+json` holding the platform) and the zip layer has no `artifactType`. OpenTofu
/// installs it, so `verify` must report nothing at all, and the CLI exits 0.
#[tokio::test]
async fn opentofus_oras_recipe_has_no_findings_and_verify_exits_0() {
    let f = Fixture::new();
    let mut entries = Vec::new();
    for (seed, (os, arch)) in [(1, ("linux", "amd64")), (2, ("darwin", "arm64"))] {
        let config = format!(r#"{{"architecture":"{arch}","os":"{os}"}}"#);
        let config_digest = Digest::sha256_of(config.as_bytes());
        f.store
            .put_blob_bytes(&config_digest, config.as_bytes())
            .unwrap();
        let mut layer = f.layer(seed);
        layer.artifact_type.clear();
        let m = ImageManifest {
            schema_version: 2,
            media_type: MEDIA_TYPE_MANIFEST.into(),
            artifact_type: ARTIFACT_TYPE_PROVIDER_TARGET.into(),
            config: Descriptor::new(
                "application/vnd.oci.image.config.v1+json",
                config_digest,
                config.len() as u64,
            ),
            layers: vec![layer],
            subject: None,
            annotations: BTreeMap::from([(
                "org.opencontainers.image.created".to_owned(),
                "2025-06-01T00:00:00Z".to_owned(),
            )]),
        };
        let d = f.put_manifest(&m);
        entries.push(f.entry(&d, os, arch));
    }
    f.tag_index(&Fixture::index(entries));
    let r = f.verify().await;
    assert_eq!(kinds(&r), vec![]);
    assert!(r.ok());

    let target = format!("oci-layout:{}:1.0.0", f.store.dir().display());
    let run = cli_support::tofu_sbom_run(["verify", &target, "--no-sboms", "--json", "-q"])
        .expect_code(0);
    assert_eq!(
        run.json()["findings"],
        serde_json::json!([]),
        "{}",
        run.out()
    );
    // The two verdicts: OpenTofu installs it; the SBOM policy was not evaluated (`--no-sboms`) …
    let v = run.json();
    assert_eq!(
        (&v["ok"], &v["opentofuWouldInstall"], &v["sbomPolicy"]),
        (&json!(true), &json!(true), &json!("skipped"))
    );
    // … and with the SBOM checks on, it fails: the recipe attaches no SBOM. Every finding is the SBOM policy's.
    let run = cli_support::tofu_sbom_run(["verify", &target, "--json", "-q"]).expect_code(1);
    let v = run.json();
    assert_eq!(
        (&v["ok"], &v["opentofuWouldInstall"], &v["sbomPolicy"]),
        (&json!(false), &json!(true), &json!("failed"))
    );
    let verdicts: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["verdict"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(verdicts, vec![("sbom_policy", "sbom_missing"); 6], "{v:#}");
    let text = cli_support::tofu_sbom_run(["verify", &target])
        .expect_code(1)
        .out();
    assert!(
        text.ends_with(
            "OpenTofu would install: yes\n\
             SBOM policy: failed\n\
             error [1.0.0] [linux_amd64]: linux_amd64: no application/vnd.cyclonedx+json SBOM referrer is attached\n\
             error [1.0.0] [linux_amd64]: linux_amd64: no application/spdx+json SBOM referrer is attached\n\
             error [1.0.0] [darwin_arm64]: darwin_arm64: no application/vnd.cyclonedx+json SBOM referrer is attached\n\
             error [1.0.0] [darwin_arm64]: darwin_arm64: no application/spdx+json SBOM referrer is attached\n\
             error [1.0.0]: index: no application/vnd.cyclonedx+json SBOM referrer is attached\n\
             error [1.0.0]: index: no application/spdx+json SBOM referrer is attached\n\
             verification failed\n"
        ),
        "{text}"
    );
}

/// A broken artifact (two `archive/zip` layers for linux_amd64): OpenTofu would not install it (that platform fails);
/// the SBOM policy fails too with the SBOM checks on (the index and darwin_arm64 carry none), and is skipped with
/// `--no-sboms`. The text groups each verdict with its findings.
#[tokio::test]
async fn a_broken_artifact_fails_opentofus_verdict_whatever_the_sbom_policy() {
    let f = Fixture::new();
    let (_, two) = f.manifest(vec![f.layer(1), f.layer(2)]);
    let idx = Fixture::index(vec![
        f.entry(&two, "linux", "amd64"),
        f.platform(3, "darwin", "arm64"),
    ]);
    f.tag_index(&idx);
    let target = format!("oci-layout:{}:1.0.0", f.store.dir().display());
    let v = cli_support::tofu_sbom_run(["verify", &target, "--no-sboms", "--json", "-q"])
        .expect_code(1)
        .json();
    assert_eq!(
        (&v["ok"], &v["opentofuWouldInstall"], &v["sbomPolicy"]),
        (&json!(false), &json!(false), &json!("skipped"))
    );
    assert_eq!(v["findings"][0]["verdict"], "opentofu");
    let text = cli_support::tofu_sbom_run(["verify", &target, "--no-sboms"])
        .expect_code(1)
        .out();
    assert!(
        text.ends_with(
            "OpenTofu would install: no\n\
             error [1.0.0] [linux_amd64]: ambiguous manifest declares multiple eligible provider packages (2 archive/zip layers)\n\
             SBOM policy: skipped (--no-sboms)\n\
             verification failed\n"
        ),
        "{text}"
    );
    let v = cli_support::tofu_sbom_run(["verify", &target, "--json", "-q"])
        .expect_code(1)
        .json();
    assert_eq!(
        (&v["ok"], &v["opentofuWouldInstall"], &v["sbomPolicy"]),
        (&json!(false), &json!(false), &json!("failed"))
    );
    let verdicts: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["verdict"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("opentofu", "ambiguous_zip_layer"),
            ("sbom_policy", "sbom_missing"),
            ("sbom_policy", "sbom_missing"),
            ("sbom_policy", "sbom_missing"),
            ("sbom_policy", "sbom_missing"),
        ],
        "{v:#}"
    );
}
