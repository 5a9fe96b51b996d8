//! `verify --release` through the library, against a real registry (Debian's distribution 2.8: the fallback-tag
//! path) and an OCI layout: the real buf release and the committed sample release are published the way `publish`
//! does it (scan → generate → push → attach), optionally with a doctored document, then verified against a release.

use crate::support;
use crate::support::oci as oci_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use oci_support::test_options;
use serde_json::json;
use support::{Registry, RegistryOpts};
use tofu_sbom::archive::ProviderAddress;
use tofu_sbom::archive::release::{Release, parse_platforms};
use tofu_sbom::generate::{self, Document, SbomOptions, ScannedRelease, Subject, TimestampPolicy};
use tofu_sbom::inventory::{Author, AuthorKind, ReleaseSignature, ToolInfo};
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::artifact::ProviderPackage;
use tofu_sbom::provider::attach::{AttachOptions, SbomFile, attach, subject_descriptor};
use tofu_sbom::provider::push::{PushOptions, PushOutcome, push};
use tofu_sbom::registry::client::{ClientOptions, Protocol};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::lock::LockOptions;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::FallbackOptions;
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::Format;
use tofu_sbom::verify::artifact::{FindingKind, Severity, VerifyReport};
use tofu_sbom::verify::release::{ReleaseVerifyOptions, verify_release};

fn plain() -> ClientOptions {
    ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    }
}

fn scan(dir: &Path, only: Option<&str>) -> ScannedRelease {
    let limits = Limits::default();
    let mut r = Release::from_paths(&[dir.to_path_buf()], &limits).unwrap();
    if let Some(only) = only {
        r.select_platforms(&parse_platforms(only).unwrap()).unwrap();
    }
    generate::scan(&mut r, &limits).unwrap()
}

/// The CLI's defaults with `--provider provider`.
fn sbom_options(release: &ScannedRelease, provider: &str) -> SbomOptions {
    let address = ProviderAddress::parse(provider).unwrap();
    assert_eq!(address.provider_type, release.provider_type);
    SbomOptions {
        address: Some(address),
        supplier: None,
        authors: Vec::new(),
        timestamp: TimestampPolicy::NewestZipEntry,
        tool: ToolInfo::default(),
        release_signature: None,
        licenses: None,
        license_config: None,
    }
}

struct Published {
    pushed: PushOutcome,
    docs: Vec<Document>,
    /// Referrer digest per subject (`index`, `os_arch`) and file name.
    referrers: BTreeMap<String, BTreeMap<String, Digest>>,
    _lock: tempfile::TempDir,
}

/// What `publish` does, through the library: the documents of `release` (after `doctor`), the push, and the attach of
/// each platform's documents to its manifest and of the release-wide ones to the index.
async fn publish(
    store: &Store,
    target: &Target,
    release: &ScannedRelease,
    opts: &SbomOptions,
    formats: &[Format],
    doctor: impl FnOnce(&mut Vec<Document>),
) -> Published {
    let input = generate::release_input(release, opts);
    let mut docs = generate::documents(&input, formats).unwrap();
    doctor(&mut docs);
    let created = input
        .timestamp
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    // The package publish builds, without the source/revision annotations (not what is tested here).
    let pkg = ProviderPackage {
        source_url: None,
        revision: None,
        ..tofu_sbom::provider::publish::provider_package(release, created, None)
    };
    let pushed = push(
        &pkg,
        store,
        target,
        &PushOptions {
            provider: opts.address.clone(),
            ..PushOptions::default()
        },
    )
    .await
    .unwrap();
    let lock = tempfile::tempdir().unwrap();
    let attach_opts = AttachOptions {
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
    let mut subjects: Vec<(String, Digest)> = pushed
        .platforms
        .iter()
        .map(|(k, p)| (k.clone(), p.manifest_digest.clone()))
        .collect();
    subjects.push(("index".into(), pushed.index_digest.clone()));
    let mut referrers = BTreeMap::new();
    for (key, digest) in subjects {
        let files: Vec<SbomFile> = docs
            .iter()
            .filter(|d| match &d.subject {
                Subject::Platform(p) => p.to_string() == key,
                Subject::Release => key == "index",
            })
            .map(|d| SbomFile::from_bytes(d.file_name.clone(), d.bytes.clone()))
            .collect();
        let subject = subject_descriptor(store, &digest).await.unwrap();
        let o = attach(store, &subject, &files, &attach_opts).await.unwrap();
        referrers.insert(
            key,
            o.referrers
                .iter()
                .map(|r| (r.title.clone(), r.digest.clone()))
                .collect(),
        );
    }
    Published {
        pushed,
        docs,
        referrers,
        _lock: lock,
    }
}

fn open(target: &str, opts: ClientOptions) -> (Store, Target) {
    let t = Target::parse(target).unwrap();
    (Store::open(&t, opts, true).unwrap(), t)
}

fn sample_dir() -> PathBuf {
    support::sample_release_dir()
}

/// `(severity, platform, kind)` of every finding.
fn kinds(r: &VerifyReport) -> Vec<(Severity, Option<String>, FindingKind)> {
    r.findings
        .iter()
        .map(|f| (f.severity, f.platform.clone(), f.kind.clone()))
        .collect()
}

/// The expected per-subject summary: every derived document matched its stored referrer by `comparison`.
fn all_matched(p: &Published, comparison: &str, tool: &str) -> serde_json::Value {
    let mut subjects = serde_json::Map::new();
    for (key, files) in &p.referrers {
        let docs: Vec<serde_json::Value> = p
            .docs
            .iter()
            .filter(|d| match &d.subject {
                Subject::Platform(pl) => pl.to_string() == *key,
                Subject::Release => key == "index",
            })
            .map(|d| {
                json!({
                    "file": d.file_name,
                    "format": d.format.name(),
                    "referrer": files[&d.file_name].to_string(),
                    "storedTool": tool,
                    "comparison": comparison,
                    "ok": true,
                })
            })
            .collect();
        subjects.insert(key.clone(), docs.into());
    }
    serde_json::Value::Object(subjects)
}

fn this_tool() -> String {
    format!("tofu-sbom/{}", env!("CARGO_PKG_VERSION"))
}

fn rfc3339(release: &ScannedRelease) -> String {
    TimestampPolicy::NewestZipEntry
        .instant(release)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_published_buf_release_verifies_against_itself_on_a_real_registry() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let (store, target) = open(&format!("{}/acme/buf", reg.host), plain());
    let release = scan(&support::buf_release_dir(), None);
    let opts = sbom_options(&release, "example/buf");
    let p = publish(
        &store,
        &target,
        &release,
        &opts,
        &[Format::CycloneDx16, Format::Spdx23],
        |_| {},
    )
    .await;
    assert_eq!(p.referrers.len(), 8);
    let report = verify_release(&store, &target, &release, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["findings"], json!([]));
    assert!(report.ok());
    assert_eq!(
        v["tags"][0]["indexDigest"],
        json!(p.pushed.index_digest.to_string())
    );
    assert_eq!(
        v["release"]["settings"],
        json!({
            "timestamp": rfc3339(&release),
            "formats": ["cyclonedx-json@1.6", "spdx-json@2.3"],
            "provider": "registry.opentofu.org/example/buf",
            "supplier": "example",
            "authors": ["org:example"],
            "overridden": [],
        })
    );
    assert_eq!(
        v["release"]["release"],
        json!("terraform-provider-buf_1.74.0")
    );
    assert_eq!(
        v["release"]["subjects"],
        all_matched(&p, "identical", &this_tool())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn non_default_settings_are_read_back_on_a_registry_and_a_layout() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let release = scan(&sample_dir(), None);
    let mut opts = sbom_options(&release, "example/sample");
    opts.supplier = Some("Example Corp".into());
    opts.authors = vec![Author {
        kind: AuthorKind::Person,
        name: "Jane Doe".into(),
        email: Some("jane@example.com".into()),
    }];
    let formats = [Format::CycloneDx15, Format::Spdx23];
    for target in [
        format!("{}/acme/sample", reg.host),
        format!("oci-layout:{}", dir.path().join("layout").display()),
    ] {
        let (store, t) = open(&target, plain());
        let p = publish(&store, &t, &release, &opts, &formats, |_| {}).await;
        let report = verify_release(&store, &t, &release, &ReleaseVerifyOptions::default())
            .await
            .unwrap();
        let v = serde_json::to_value(&report).unwrap();
        assert_eq!(v["findings"], json!([]), "{target}");
        assert_eq!(
            v["release"]["settings"],
            json!({
                "timestamp": rfc3339(&release),
                "formats": ["cyclonedx-json@1.5", "spdx-json@2.3"],
                "provider": "registry.opentofu.org/example/sample",
                "supplier": "Example Corp",
                "authors": ["Jane Doe <jane@example.com>"],
                "overridden": [],
            }),
            "{target}"
        );
        assert_eq!(
            v["release"]["subjects"],
            all_matched(&p, "identical", &this_tool()),
            "{target}"
        );

        // A flag overrides what is read back: another supplier derives other bytes, reported at the first path.
        let mut o = ReleaseVerifyOptions::default();
        o.overrides.supplier = Some("Someone Else".into());
        let report = verify_release(&store, &t, &release, &o).await.unwrap();
        assert!(!report.ok());
        let index_cdx = p
            .docs
            .iter()
            .find(|d| d.file_name == "terraform-provider-sample_0.1.0.cdx.json")
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&index_cdx.bytes).unwrap();
        let first_supplied = doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["supplier"]["name"] == "Example Corp")
            .unwrap();
        let expected_path = format!("/components/{first_supplied}/supplier/name");
        let first = &report.findings[0];
        assert_eq!(first.platform, None, "{first:?}");
        match &first.kind {
            FindingKind::ReleaseSbomDiffers {
                subject,
                file,
                path,
                stored,
                derived,
                ..
            } => {
                assert_eq!(
                    (
                        subject.as_str(),
                        file.as_str(),
                        path.as_str(),
                        stored.as_str(),
                        derived.as_str()
                    ),
                    (
                        "index",
                        "terraform-provider-sample_0.1.0.cdx.json",
                        expected_path.as_str(),
                        "\"Example Corp\"",
                        "\"Someone Else\""
                    ),
                    "{target}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Every document of the 4 subjects × 2 formats differs.
        assert_eq!(report.errors().count(), 8, "{target}");
    }
}

/// The index of the first `library` component with a `v`-version in a CycloneDX document, and that version.
fn first_module(doc: &[u8]) -> (usize, String) {
    let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
    v["components"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, c)| {
            c["type"] == "library" && c["purl"].as_str().is_some_and(|p| !p.contains("stdlib"))
        })
        .map(|(i, c)| (i, c["version"].as_str().unwrap().to_owned()))
        .unwrap()
}

/// Rewrites one document with `f` applied to its JSON (pretty-printed again, keys sorted).
fn rewrite(docs: &mut [Document], file: &str, f: impl FnOnce(&mut serde_json::Value)) {
    let d = docs.iter_mut().find(|d| d.file_name == file).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&d.bytes).unwrap();
    f(&mut v);
    d.bytes = serde_json::to_vec_pretty(&v).unwrap();
}

const LINUX_CDX: &str = "terraform-provider-sample_0.1.0_linux_amd64.cdx.json";

#[tokio::test(flavor = "multi_thread")]
async fn a_doctored_component_version_is_reported_at_its_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let release = scan(&sample_dir(), None);
    let opts = sbom_options(&release, "example/sample");
    let (store, t) = open(&format!("oci-layout:{}", dir.path().display()), plain());
    let mut module = (0, String::new());
    let p = publish(
        &store,
        &t,
        &release,
        &opts,
        &[Format::CycloneDx16, Format::Spdx23],
        |docs| {
            let d = docs.iter().find(|d| d.file_name == LINUX_CDX).unwrap();
            module = first_module(&d.bytes);
            let i = module.0;
            rewrite(docs, LINUX_CDX, |v| {
                v["components"][i]["version"] = json!("v9.9.9");
            });
        },
    )
    .await;
    let report = verify_release(&store, &t, &release, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let referrer = p.referrers["linux_amd64"][LINUX_CDX].clone();
    let path = format!("/components/{}/version", module.0);
    assert_eq!(
        kinds(&report),
        vec![(
            Severity::Error,
            Some("linux_amd64".to_owned()),
            FindingKind::ReleaseSbomDiffers {
                subject: "linux_amd64".into(),
                file: LINUX_CDX.into(),
                format: "cyclonedx-json@1.6".into(),
                referrer: referrer.clone(),
                path: path.clone(),
                stored: "\"v9.9.9\"".into(),
                derived: format!("{:?}", module.1),
                other_paths: vec![],
            }
        )]
    );
    assert_eq!(
        report.findings[0].message,
        format!(
            "linux_amd64: {LINUX_CDX} (referrer {referrer}) differs from the SBOM derived from the release at \
             {path}: stored \"v9.9.9\", derived {:?}",
            module.1
        )
    );
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(
        v["release"]["subjects"]["linux_amd64"][0],
        json!({
            "file": LINUX_CDX,
            "format": "cyclonedx-json@1.6",
            "referrer": referrer.to_string(),
            "storedTool": this_tool(),
            "comparison": "identical",
            "ok": false,
        })
    );
}

const INDEX_CDX: &str = "terraform-provider-sample_0.1.0.cdx.json";

#[tokio::test(flavor = "multi_thread")]
async fn a_mirrored_release_signature_is_read_back_and_an_unknown_root_property_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let release = scan(&sample_dir(), None);
    let fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    // Read back from CycloneDX (listed first) and, alone, from SPDX annotations.
    for (name, signature, formats) in [
        (
            "verified",
            ReleaseSignature::Verified {
                fingerprint: fingerprint.into(),
            },
            vec![Format::CycloneDx16, Format::Spdx23],
        ),
        (
            "unverified",
            ReleaseSignature::Unverified,
            vec![Format::Spdx23],
        ),
    ] {
        let mut opts = sbom_options(&release, "example/sample");
        opts.release_signature = Some(signature);
        let (store, t) = open(
            &format!("oci-layout:{}", dir.path().join(name).display()),
            plain(),
        );
        publish(&store, &t, &release, &opts, &formats, |_| {}).await;
        let report = verify_release(&store, &t, &release, &ReleaseVerifyOptions::default())
            .await
            .unwrap();
        let v = serde_json::to_value(&report).unwrap();
        assert_eq!(v["findings"], json!([]), "{name}");
        assert_eq!(v["release"]["settings"]["releaseSignature"], json!(name));
        assert_eq!(
            v["release"]["settings"].get("signingKey"),
            (name == "verified").then(|| json!(fingerprint)).as_ref()
        );
    }

    // An unknown `tofu-sbom:` property on the index's root component: a finding naming it, never re-derived.
    let opts = sbom_options(&release, "example/sample");
    let (store, t) = open(
        &format!("oci-layout:{}", dir.path().join("unknown").display()),
        plain(),
    );
    let mut at = 0;
    let p = publish(
        &store,
        &t,
        &release,
        &opts,
        &[Format::CycloneDx16, Format::Spdx23],
        |docs| {
            rewrite(docs, INDEX_CDX, |v| {
                let props = v["metadata"]["component"]["properties"]
                    .as_array_mut()
                    .unwrap();
                at = props.len();
                props.push(json!({"name": "tofu-sbom:release:mirrored-by", "value": "ci"}));
            });
        },
    )
    .await;
    let report = verify_release(&store, &t, &release, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let referrer = p.referrers["index"][INDEX_CDX].clone();
    let path = format!("/metadata/component/properties/{at}");
    assert_eq!(
        kinds(&report),
        vec![
            (
                Severity::Error,
                None,
                FindingKind::ReleaseSettingUnreadable {
                    setting: "root properties".into(),
                    reason: format!(
                        "index: referrer {referrer}: {path}: unknown property \"tofu-sbom:release:mirrored-by\" = \
                         \"ci\"; this build cannot re-derive it"
                    ),
                }
            ),
            (
                Severity::Error,
                None,
                FindingKind::ReleaseSbomDiffers {
                    subject: "index".into(),
                    file: INDEX_CDX.into(),
                    format: "cyclonedx-json@1.6".into(),
                    referrer: referrer.clone(),
                    path,
                    stored: r#"{"name":"tofu-sbom:release:mirrored-by","value":"ci"}"#.into(),
                    derived: "(absent)".into(),
                    other_paths: vec![],
                }
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tool_version_compares_component_and_hash_sets() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let release = scan(&sample_dir(), None);
    let mut opts = sbom_options(&release, "example/sample");
    opts.tool = ToolInfo {
        name: "tofu-sbom".into(),
        version: "0.0.1-old".into(),
    };
    let formats = [Format::CycloneDx16, Format::Spdx23];

    // Equal sets: passes, by set comparison.
    let (store, t) = open(&format!("{}/acme/old", reg.host), plain());
    let p = publish(&store, &t, &release, &opts, &formats, |_| {}).await;
    let report = verify_release(&store, &t, &release, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["findings"], json!([]));
    assert_eq!(
        v["release"]["subjects"],
        all_matched(&p, "sets", "tofu-sbom/0.0.1-old")
    );

    // One component dropped (and the provider ZIP's hash rewritten) in one stored document: exactly those reported.
    let (store, t) = open(&format!("{}/acme/old-dropped", reg.host), plain());
    let mut dropped = String::new();
    let p = publish(&store, &t, &release, &opts, &formats, |docs| {
        let d = docs.iter().find(|d| d.file_name == LINUX_CDX).unwrap();
        let (i, _) = first_module(&d.bytes);
        rewrite(docs, LINUX_CDX, |v| {
            let c = v["components"].as_array_mut().unwrap().remove(i);
            dropped = c["purl"].as_str().unwrap().to_owned();
        });
    })
    .await;
    let report = verify_release(&store, &t, &release, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let referrer = p.referrers["linux_amd64"][LINUX_CDX].clone();
    assert_eq!(
        kinds(&report),
        vec![(
            Severity::Error,
            Some("linux_amd64".to_owned()),
            FindingKind::ReleaseComponentsDiffer {
                subject: "linux_amd64".into(),
                file: LINUX_CDX.into(),
                format: "cyclonedx-json@1.6".into(),
                referrer: referrer.clone(),
                stored_tool: "tofu-sbom/0.0.1-old".into(),
                added: vec![],
                removed: vec![dropped.clone()],
            }
        )]
    );
    assert_eq!(
        report.findings[0].message,
        format!(
            "linux_amd64: {LINUX_CDX} (referrer {referrer}, written by tofu-sbom/0.0.1-old) lists other components \
             than the release: removed {dropped}"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_that_does_not_match_the_stored_artifact_is_reported() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let sample = scan(&sample_dir(), None);
    let (store, t) = open(&format!("{}/acme/sample", reg.host), plain());
    let p = publish(
        &store,
        &t,
        &sample,
        &sbom_options(&sample, "example/sample"),
        &[Format::CycloneDx16, Format::Spdx23],
        |_| {},
    )
    .await;

    // The release lacks one stored platform: that platform is reported, and so are the release-wide SBOMs (they
    // cover a platform the release does not have).
    let two = scan(&sample_dir(), Some("darwin_arm64,linux_amd64"));
    let report = verify_release(&store, &t, &two, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let k = kinds(&report);
    assert_eq!(
        k[0],
        (
            Severity::Error,
            Some("windows_amd64".to_owned()),
            FindingKind::StoredPlatformNotInRelease {
                platform: "windows_amd64".into(),
                stored_digest: Some(p.pushed.platforms["windows_amd64"].layer_digest.clone()),
            }
        )
    );
    let index_findings: Vec<(String, String)> = k[1..]
        .iter()
        .map(|(_, platform, kind)| match kind {
            FindingKind::ReleaseSbomDiffers { subject, file, .. } => {
                assert_eq!(*platform, None);
                (subject.clone(), file.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        index_findings,
        vec![
            (
                "index".to_owned(),
                "terraform-provider-sample_0.1.0.cdx.json".to_owned()
            ),
            (
                "index".to_owned(),
                "terraform-provider-sample_0.1.0.spdx.json".to_owned()
            )
        ]
    );

    // With the platform selection the same subset passes: the release-wide SBOMs are skipped, with a warning.
    let o = ReleaseVerifyOptions {
        platforms: vec!["darwin_arm64".into(), "linux_amd64".into()],
        ..ReleaseVerifyOptions::default()
    };
    let report = verify_release(&store, &t, &two, &o).await.unwrap();
    assert!(report.ok());
    assert_eq!(
        kinds(&report),
        vec![(
            Severity::Warning,
            None,
            FindingKind::ReleaseIndexNotCompared {
                platforms: vec!["darwin_arm64".into(), "linux_amd64".into()]
            }
        )]
    );

    // The buf release against the pushed sample (by its tag): every ZIP is reported with both digests.
    let buf = scan(&support::buf_release_dir(), None);
    let t_tag = Target::parse(&format!("{}/acme/sample:0.1.0", reg.host)).unwrap();
    let report = verify_release(&store, &t_tag, &buf, &ReleaseVerifyOptions::default())
        .await
        .unwrap();
    let zips: Vec<FindingKind> = report
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FindingKind::ReleasePlatformNotStored { .. }
                    | FindingKind::ReleaseZipMismatch { .. }
            )
        })
        .map(|f| f.kind.clone())
        .collect();
    let mut expected = Vec::new();
    for bp in &buf.platforms {
        let key = bp.platform.to_string();
        let release_digest = Digest::from_sha256_hex(&bp.zip_digests.sha256_hex()).unwrap();
        expected.push(match p.pushed.platforms.get(&key) {
            Some(stored) => FindingKind::ReleaseZipMismatch {
                platform: key,
                zip: bp.zip_name.clone(),
                release_digest,
                stored_digest: stored.layer_digest.clone(),
            },
            None => FindingKind::ReleasePlatformNotStored {
                platform: key,
                zip: bp.zip_name.clone(),
                release_digest,
            },
        });
    }
    assert_eq!(zips, expected);
    // 3 of buf's 7 platforms are stored (with other ZIPs), 4 are not.
    assert_eq!(
        zips.iter()
            .filter(|k| matches!(k, FindingKind::ReleaseZipMismatch { .. }))
            .count(),
        3
    );
    assert!(!report.ok());
}
