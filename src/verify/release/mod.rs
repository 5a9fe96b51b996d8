//! `verify --release`: checks a pushed provider against the release it was published from, on top of
//! [`crate::verify::artifact`]. It joins the generate pipeline (the release is scanned and its SBOMs re-derived) with the OCI
//! side (the stored index, its layers and SBOM referrers), so it sits beside both rather than inside either.
//!
//! 1. **Release ↔ stored artifact.** Every platform ZIP of the (scanned) release must be in the index with the layer
//!    digest = the ZIP's SHA-256 ([`FindingKind::ReleasePlatformNotStored`], [`FindingKind::ReleaseZipMismatch`]);
//!    the index must list no platform the release lacks ([`FindingKind::StoredPlatformNotInRelease`]; with a
//!    platform selection only the selected platforms count).
//! 2. **Settings read back.** The generation settings are read from the stored SBOMs this tool wrote (the index's,
//!    then each platform's, in listing order; the first value found wins): the timestamp (CycloneDX
//!    `metadata.timestamp` / SPDX `creationInfo.created`), the formats present (CycloneDX `specVersion` 1.6 or 1.5,
//!    SPDX 2.3), the provider address (property / annotation `tofu-sbom:provider:address`), the supplier (CycloneDX
//!    `metadata.supplier` / the SPDX root package's `supplier`), the authors (SPDX `Person:`/`Organization:` creators,
//!    which keep the kind; else CycloneDX `metadata.authors`), how a mirrored release was authenticated (root
//!    properties / annotations `tofu-sbom:release:signature` and `…:signing-key`, see
//!    [`crate::inventory::ReleaseSignature`]; `tofu-sbom mirror` writes them), the licence source and the provider's
//!    licence (`tofu-sbom:licenses:source` `goproxy`/`modcache` and `…:provider`: the licences are resolved again
//!    from that source with this machine's Go environment and licence cache; a recorded `dir` needs `--licenses
//!    DIR`). Every other `tofu-sbom:` property of
//!    the root component must be one the release itself yields (platform, Go, lock and ZIP facts, the address): an
//!    unknown one is reported ([`FindingKind::ReleaseSettingUnreadable`], setting `root properties`, with its JSON
//!    pointer) rather than copied into the derivation. [`SettingOverrides`] (the CLI's `--provider`,
//!    `--supplier`, `--author`, `--timestamp`, `--format`) win. A setting that cannot be read back and is not given
//!    is reported ([`FindingKind::ReleaseSettingUnreadable`]), never guessed; without a timestamp or formats nothing
//!    is compared.
//! 3. **Re-derivation and comparison**, per subject (the index and every platform) and format: when the tool that
//!    wrote the stored SBOM (its `metadata.tools` / `Tool:` creator, else the referrer's `dev.tofu-sbom.tool`
//!    annotation) is this build, the stored bytes must equal the derived bytes, and the first differing JSON pointer
//!    is reported with both values, then the pointers of up to 9 further differences
//!    ([`FindingKind::ReleaseSbomDiffers`]; object keys are compared in sorted order). Otherwise the
//!    component sets (purl, else `name@version`) and the SHA-256 sets (every `SHA-256` hash, `SHA256` checksum and
//!    `tofu-sbom:distribution` digest) must be equal ([`FindingKind::ReleaseComponentsDiffer`],
//!    [`FindingKind::ReleaseHashesDiffer`]: `added` = only in the stored SBOM, `removed` = only in the derived one).
//!
//! Referrers of other tools (neither our tool name in the document nor our annotation) are left to the plain SBOM
//! checks of [`crate::verify::artifact`]; so are unreadable ones (already reported there).

mod compare;
mod settings;

use crate::lint::Profile;
use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::archive::ProviderAddress;
use crate::generate::{self, GenerateError, SbomOptions, ScannedRelease, Subject, TimestampPolicy};
use crate::inventory::{Author, ToolInfo};
use crate::provider::artifact::tag_for_version;
use crate::provider::media_types::{ANNOTATION_TOOL, ToolAnnotation as _};
use crate::provider::sbom_pull::{FetchedSbom, fetch_referrer_sbom};
use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::registry::reference::{LayoutReference, Reference, Target};
use crate::registry::referrers::{ListOptions, ReferrersMode, list_referrers};
use crate::registry::store::Store;
use crate::sbom::{Format, SbomKind};
use crate::verify::artifact::{VerifyOptions, verify};
use crate::verify::report::{FindingKind, Severity, VerifyReport};
use crate::verify::sboms::{SbomExpectation, SbomKinds};

pub use crate::verify::report::{Comparison, DocumentCheck, ReleaseReport, ReleaseSettings};

use compare::{compare_bytes, compare_sets};
use settings::SettingsReader;

/// Errors of [`verify_release`] (problems found are findings, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyReleaseError {
    /// The store could not be read at all (the tag list, the registry).
    #[error(transparent)]
    Oci(#[from] RegistryError),
    /// The SBOMs could not be derived from the release.
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// The release's version has no OpenTofu tag.
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
}

/// Settings given explicitly (CLI flags); each replaces what is read back from the stored SBOMs.
#[derive(Debug, Clone, Default)]
pub struct SettingOverrides {
    /// `--provider`.
    pub address: Option<ProviderAddress>,
    /// `--supplier`.
    pub supplier: Option<String>,
    /// `--author` (replaces all authors when given).
    pub authors: Option<Vec<Author>>,
    /// `--timestamp`.
    pub timestamp: Option<OffsetDateTime>,
    /// `--format`.
    pub formats: Option<Vec<Format>>,
    /// `--licenses` other than `off` (with `--license`, `--license-cache`).
    pub licenses: Option<crate::licenses::LicenseConfig>,
}

/// Options of [`verify_release`].
#[derive(Debug, Clone)]
pub struct ReleaseVerifyOptions {
    /// The plain checks (blob re-hashing etc.); its SBOM expectation is replaced by the formats read back.
    pub verify: VerifyOptions,
    /// Referrers discovery.
    pub mode: ReferrersMode,
    /// Explicit settings.
    pub overrides: SettingOverrides,
    /// The platforms selected (`os_arch`; empty: the whole release). Only these are compared, and the release-wide
    /// SBOMs are not (they cover every platform).
    pub platforms: Vec<String>,
    /// This build (its name and version decide between byte and set comparison).
    pub tool: ToolInfo,
    /// Also lint every attached SBOM against this profile (`verify --release --profile`).
    pub profile: Option<Profile>,
}

impl Default for ReleaseVerifyOptions {
    fn default() -> Self {
        Self {
            verify: VerifyOptions::default(),
            mode: ReferrersMode::Auto,
            overrides: SettingOverrides::default(),
            platforms: Vec::new(),
            tool: ToolInfo::default(),
            profile: None,
        }
    }
}

/// One of our SBOMs as stored: its referrer, bytes and what was read from it.
struct Stored {
    referrer: Digest,
    fetched: FetchedSbom,
    format: Option<Format>,
    tool: Option<String>,
}

/// Verifies `target` in `store` like [`verify`], then against `release` (module docs). Without a tag or digest in
/// `target`, the release's version tag is verified.
pub async fn verify_release(
    store: &Store,
    target: &Target,
    release: &ScannedRelease,
    opts: &ReleaseVerifyOptions,
) -> Result<VerifyReport, VerifyReleaseError> {
    let target = match (target.tag(), target.digest()) {
        (None, None) => with_tag(target, tag_for_version(&release.version)?),
        _ => target.clone(),
    };
    let mut vopts = opts.verify;
    // Which formats each subject must carry is known only once the settings are read back (below).
    vopts.sboms = Some(SbomExpectation {
        index: SbomKinds::NONE,
        platforms: SbomKinds::NONE,
        mode: opts.mode,
        profile: opts.profile,
    });
    let mut report = verify(store, &target, &vopts).await?;
    let Some(index_digest) = report.tags.first().and_then(|t| t.index_digest.clone()) else {
        return Ok(report); // unresolvable: already a finding
    };
    let stored_platforms: BTreeMap<String, (Digest, Option<Digest>)> = report.tags[0]
        .platforms
        .iter()
        .map(|(k, p)| {
            (
                k.clone(),
                (p.manifest_digest.clone(), p.layer_digest.clone()),
            )
        })
        .collect();

    // 1. Release ↔ stored artifact.
    let compared_platforms = compare_platforms(&mut report, release, &stored_platforms, opts)?;

    // 2. Our stored SBOMs, per subject; settings read back from them.
    let compare_index = opts.platforms.is_empty();
    if !compare_index {
        report.push_finding(
            Severity::Warning,
            None,
            FindingKind::ReleaseIndexNotCompared {
                platforms: opts.platforms.clone(),
            },
        );
    }
    let mut subjects: Vec<(String, Digest)> = Vec::new();
    if compare_index {
        subjects.push(("index".to_owned(), index_digest));
    }
    for key in &compared_platforms {
        subjects.push((key.clone(), stored_platforms[key].0.clone()));
    }
    let ours = format!("{}/{}", opts.tool.name, opts.tool.version);
    let mut reader = SettingsReader::default();
    let stored = read_stored(store, &subjects, opts, &mut reader).await;
    let formats: Vec<Format> = match &opts.overrides.formats {
        Some(f) => f.clone(),
        None => Format::ALL
            .into_iter()
            .filter(|f| stored.values().flatten().any(|s| s.format == Some(*f)))
            .collect(),
    };
    let settings = reader.finish(&opts.overrides, &formats);
    for (setting, reason) in &settings.unreadable {
        report.push_finding(
            Severity::Error,
            None,
            FindingKind::ReleaseSettingUnreadable {
                setting: setting.clone(),
                reason: reason.clone(),
            },
        );
    }
    let mut out = ReleaseReport {
        release: release.name(),
        settings: settings.report.clone(),
        subjects: BTreeMap::new(),
    };
    let Some(timestamp) = settings.timestamp else {
        report.release = Some(out);
        return Ok(report);
    };
    if formats.is_empty() {
        report.release = Some(out);
        return Ok(report);
    }

    // 3. Derive and compare (licences resolved again from the recorded or given source).
    let licenses = match &settings.licenses {
        Some(cfg) => {
            let modules = crate::licenses::modules_of(release.build_infos());
            match crate::licenses::resolve(&modules, cfg).await {
                Ok(r) => r.map(|r| r.licenses),
                Err(e) => {
                    report.push_finding(
                        Severity::Error,
                        None,
                        FindingKind::ReleaseSettingUnreadable {
                            setting: "licenses".to_owned(),
                            reason: e.to_string(),
                        },
                    );
                    None
                }
            }
        }
        None => None,
    };
    let sbom_opts = SbomOptions {
        address: settings.address.clone(),
        supplier: settings.supplier.clone(),
        authors: settings.authors.clone(),
        timestamp: TimestampPolicy::Fixed(timestamp),
        tool: opts.tool.clone(),
        release_signature: settings.release_signature.clone(),
        licenses,
        license_config: None,
    };
    let input = generate::release_input(release, &sbom_opts);
    let docs = generate::documents(&input, &formats)?;
    for (key, _) in &subjects {
        let checks = out.subjects.entry(key.clone()).or_default();
        for d in docs.iter().filter(|d| match &d.subject {
            Subject::Platform(p) => p.to_string() == *key,
            Subject::Release => key == "index",
        }) {
            checks.push(compare_document(&mut report, key, d, &stored[key], &ours));
        }
    }
    report.release = Some(out);
    Ok(report)
}

/// Step 1: every platform ZIP of the release is stored (same digest) and the index lists no other selected platform;
/// returns the platforms whose SBOMs are compared.
fn compare_platforms(
    report: &mut VerifyReport,
    release: &ScannedRelease,
    stored_platforms: &BTreeMap<String, (Digest, Option<Digest>)>,
    opts: &ReleaseVerifyOptions,
) -> Result<Vec<String>, VerifyReleaseError> {
    let mut compared_platforms: Vec<String> = Vec::new();
    for p in &release.platforms {
        let key = p.platform.to_string();
        let release_digest = Digest::from_sha256_hex(&p.zip_digests.sha256_hex())?;
        match stored_platforms.get(&key) {
            None => report.push_finding(
                Severity::Error,
                Some(&key),
                FindingKind::ReleasePlatformNotStored {
                    platform: key.clone(),
                    zip: p.zip_name.clone(),
                    release_digest,
                },
            ),
            Some((_, Some(layer))) if *layer != release_digest => report.push_finding(
                Severity::Error,
                Some(&key),
                FindingKind::ReleaseZipMismatch {
                    platform: key.clone(),
                    zip: p.zip_name.clone(),
                    release_digest,
                    stored_digest: layer.clone(),
                },
            ),
            Some(_) => compared_platforms.push(key),
        }
    }
    for (key, (_, layer)) in stored_platforms {
        let selected = opts.platforms.is_empty() || opts.platforms.contains(key);
        if selected
            && !release
                .platforms
                .iter()
                .any(|p| p.platform.to_string() == *key)
        {
            report.push_finding(
                Severity::Error,
                Some(key),
                FindingKind::StoredPlatformNotInRelease {
                    platform: key.clone(),
                    stored_digest: layer.clone(),
                },
            );
        }
    }
    Ok(compared_platforms)
}

/// Step 2: the SBOM referrers of each subject that this tool wrote, read (their settings go to `reader`).
/// Unlistable subjects and unreadable referrers are skipped: the plain SBOM checks report them.
async fn read_stored(
    store: &Store,
    subjects: &[(String, Digest)],
    opts: &ReleaseVerifyOptions,
    reader: &mut SettingsReader,
) -> BTreeMap<String, Vec<Stored>> {
    let mut stored: BTreeMap<String, Vec<Stored>> = BTreeMap::new();
    for (key, digest) in subjects {
        let list = stored.entry(key.clone()).or_default();
        let Ok(listing) = list_referrers(
            store,
            digest,
            &ListOptions {
                mode: opts.mode,
                artifact_type: None,
            },
        )
        .await
        else {
            continue; // reported by the plain SBOM checks
        };
        for e in &listing.entries {
            if SbomKind::from_artifact_type(&e.artifact_type).is_none() {
                continue;
            }
            let Ok(fetched) = fetch_referrer_sbom(store, &e.digest).await else {
                continue; // reported by the plain SBOM checks
            };
            let doc = reader.read(&fetched, &opts.tool.name, key, &e.digest);
            let annotated = e.tool().or_else(|| {
                fetched
                    .manifest
                    .annotations
                    .get(ANNOTATION_TOOL)
                    .map(String::as_str)
            });
            let tool = doc.or_else(|| annotated.map(str::to_owned));
            let is_ours = tool
                .as_deref()
                .is_some_and(|t| t.split('/').next() == Some(opts.tool.name.as_str()));
            if !is_ours {
                continue;
            }
            let format = fetched.summary.format();
            if format.is_none() {
                reader.unreadable(
                    "formats",
                    format!(
                        "{key}: referrer {}: {} is not a format tofu-sbom writes",
                        e.digest,
                        fetched.summary.describe()
                    ),
                );
            }
            list.push(Stored {
                referrer: e.digest.clone(),
                fetched,
                format,
                tool,
            });
        }
    }
    stored
}

/// Step 3 for one derived document `d` of subject `key`: compares it with the stored documents of its format (any
/// one that matches is enough; otherwise every one's problems are reported) and returns the check.
fn compare_document(
    report: &mut VerifyReport,
    key: &String,
    d: &generate::Document,
    stored: &[Stored],
    ours: &str,
) -> DocumentCheck {
    let candidates: Vec<&Stored> = stored
        .iter()
        .filter(|s| s.format == Some(d.format))
        .collect();
    let platform = (key != "index").then_some(key.as_str());
    if candidates.is_empty() {
        report.push_finding(
            Severity::Error,
            platform,
            FindingKind::ReleaseSbomMissing {
                subject: key.clone(),
                format: d.format.name().to_owned(),
                file: d.file_name.clone(),
            },
        );
        return DocumentCheck {
            file: d.file_name.clone(),
            format: d.format.name().to_owned(),
            referrer: None,
            stored_tool: None,
            comparison: Comparison::Missing,
            ok: false,
        };
    }
    let mut results = Vec::new();
    for s in &candidates {
        let stored_tool = s.tool.clone().unwrap_or_default();
        let (comparison, problems) = if stored_tool == ours {
            (
                Comparison::Identical,
                compare_bytes(&s.fetched.bytes, &d.bytes)
                    .map(|diff| {
                        vec![FindingKind::ReleaseSbomDiffers {
                            subject: key.clone(),
                            file: d.file_name.clone(),
                            format: d.format.name().to_owned(),
                            referrer: s.referrer.clone(),
                            path: diff.path,
                            stored: diff.stored,
                            derived: diff.derived,
                            other_paths: diff.other_paths,
                        }]
                    })
                    .unwrap_or_default(),
            )
        } else {
            (
                Comparison::Sets,
                compare_sets(s, &d.bytes, key, &d.file_name, d.format, &stored_tool),
            )
        };
        results.push((*s, comparison, problems));
    }
    let matched = results.iter().find(|(_, _, p)| p.is_empty());
    let (s, comparison, _) = matched.unwrap_or(&results[0]);
    let check = DocumentCheck {
        file: d.file_name.clone(),
        format: d.format.name().to_owned(),
        referrer: Some(s.referrer.clone()),
        stored_tool: s.tool.clone(),
        comparison: *comparison,
        ok: matched.is_some(),
    };
    if matched.is_none() {
        for (_, _, problems) in results {
            for p in problems {
                report.push_finding(Severity::Error, platform, p);
            }
        }
    }
    check
}

fn with_tag(target: &Target, tag: String) -> Target {
    match target {
        Target::Registry(r) => Target::Registry(Reference {
            tag: Some(tag),
            ..r.clone()
        }),
        Target::Layout(l) => Target::Layout(LayoutReference {
            tag: Some(tag),
            ..l.clone()
        }),
    }
}
