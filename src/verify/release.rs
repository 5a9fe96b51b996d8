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
//!    [`crate::inventory::ReleaseSignature`]; `tofu-sbom mirror` writes them). Every other `tofu-sbom:` property of
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

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::archive::ProviderAddress;
use crate::generate::{self, GenerateError, SbomOptions, ScannedRelease, Subject, TimestampPolicy};
use crate::inventory::{
    Author, AuthorKind, PROP_ARCH, PROP_GO_BUILD_PREFIX, PROP_GO_EXPERIMENTS, PROP_GO_VERSION,
    PROP_LOCK_H1, PROP_LOCK_ZH, PROP_OS, PROP_PROVIDER_ADDRESS, PROP_RELEASE_SIGNATURE,
    PROP_RELEASE_SIGNING_KEY, PROP_SIGNATURE_FILE, PROP_VERSION_SOURCE, PROP_ZIP_NAME,
    PROP_ZIP_SIZE, ReleaseSignature, ToolInfo,
};
use crate::provider::artifact::tag_for_version;
use crate::provider::attach::SbomKind;
use crate::provider::sbom_pull::{FetchedSbom, fetch_referrer_sbom};
use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::registry::reference::{LayoutReference, Reference, Target};
use crate::registry::referrers::{ANNOTATION_TOOL, ListOptions, ReferrersMode, list_referrers};
use crate::registry::store::Store;
use crate::sbom::{DocumentKind, Format};
use crate::verify::artifact::{
    FindingKind, SbomExpectation, SbomKinds, Severity, VerifyOptions, VerifyReport, verify,
};

/// Errors of [`verify_release`] (problems found are findings, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyReleaseError {
    /// The store could not be read at all (the tag list, the registry).
    #[error(transparent)]
    Oci(#[from] RegistryError),
    /// The release's version has no OpenTofu tag.
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
    /// The SBOMs could not be derived from the release.
    #[error(transparent)]
    Generate(#[from] GenerateError),
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
}

impl Default for ReleaseVerifyOptions {
    fn default() -> Self {
        Self {
            verify: VerifyOptions::default(),
            mode: ReferrersMode::Auto,
            overrides: SettingOverrides::default(),
            platforms: Vec::new(),
            tool: ToolInfo::default(),
        }
    }
}

/// The settings the SBOMs were re-derived with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSettings {
    /// RFC 3339, when known.
    pub timestamp: Option<String>,
    /// Format names (`cyclonedx-json@1.6`, …), in [`Format::ALL`] order.
    pub formats: Vec<String>,
    /// `HOST/NAMESPACE/TYPE`, when recorded.
    pub provider: Option<String>,
    /// The supplier, when recorded.
    pub supplier: Option<String>,
    /// The authors, in `--author` syntax (`NAME <EMAIL>`, `org:NAME`).
    pub authors: Vec<String>,
    /// How a mirrored release was authenticated (`verified`, `unverified`), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_signature: Option<String>,
    /// The fingerprint of the key that verified it, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// The settings given explicitly rather than read back.
    pub overridden: Vec<String>,
}

/// How a stored document was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Byte for byte (same tool version).
    Identical,
    /// Component and hash sets (another tool version).
    Sets,
    /// Nothing stored to compare with.
    Missing,
}

/// One derived document and the stored one it was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentCheck {
    /// The derived document's file name.
    pub file: String,
    /// Its format.
    pub format: String,
    /// The stored referrer it matched (or the first one compared, when none matched).
    pub referrer: Option<Digest>,
    /// The tool that wrote the stored document (`NAME/VERSION`).
    pub stored_tool: Option<String>,
    /// How it was compared.
    pub comparison: Comparison,
    /// True when it matched.
    pub ok: bool,
}

/// The `--release` part of a [`VerifyReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseReport {
    /// `terraform-provider-TYPE_VERSION`.
    pub release: String,
    /// The settings used (`None`: not enough could be read back to derive anything).
    pub settings: ReleaseSettings,
    /// Per subject (`index`, `os_arch`), one entry per derived document.
    pub subjects: BTreeMap<String, Vec<DocumentCheck>>,
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
    for (key, (_, layer)) in &stored_platforms {
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
    let mut stored: BTreeMap<String, Vec<Stored>> = BTreeMap::new();
    let mut reader = SettingsReader::default();
    for (key, digest) in &subjects {
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
            let format = stored_format(&fetched.summary.kind);
            if format.is_none() {
                reader.unreadable(
                    "formats",
                    format!(
                        "{key}: referrer {}: {} is not a format tofu-sbom writes",
                        e.digest,
                        describe_kind(&fetched.summary.kind)
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

    // 3. Derive and compare.
    let sbom_opts = SbomOptions {
        address: settings.address.clone(),
        supplier: settings.supplier.clone(),
        authors: settings.authors.clone(),
        timestamp: TimestampPolicy::Fixed(timestamp),
        tool: opts.tool.clone(),
        release_signature: settings.release_signature.clone(),
    };
    let input = generate::release_input(release, &sbom_opts);
    let docs = generate::documents(&input, &formats)?;
    for (key, _) in &subjects {
        let checks = out.subjects.entry(key.clone()).or_default();
        for d in docs.iter().filter(|d| match &d.subject {
            Subject::Platform(p) => p.to_string() == *key,
            Subject::Release => key == "index",
        }) {
            let candidates: Vec<&Stored> = stored[key]
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
                checks.push(DocumentCheck {
                    file: d.file_name.clone(),
                    format: d.format.name().to_owned(),
                    referrer: None,
                    stored_tool: None,
                    comparison: Comparison::Missing,
                    ok: false,
                });
                continue;
            }
            // Any stored document of the format that matches is enough; otherwise every one is reported.
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
            checks.push(DocumentCheck {
                file: d.file_name.clone(),
                format: d.format.name().to_owned(),
                referrer: Some(s.referrer.clone()),
                stored_tool: s.tool.clone(),
                comparison: *comparison,
                ok: matched.is_some(),
            });
            if matched.is_none() {
                for (_, _, problems) in results {
                    for p in problems {
                        report.push_finding(Severity::Error, platform, p);
                    }
                }
            }
        }
    }
    report.release = Some(out);
    Ok(report)
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

fn stored_format(kind: &DocumentKind) -> Option<Format> {
    match kind {
        DocumentKind::CycloneDx { spec_version } if spec_version == "1.6" => {
            Some(Format::CycloneDx16)
        }
        DocumentKind::CycloneDx { spec_version } if spec_version == "1.5" => {
            Some(Format::CycloneDx15)
        }
        DocumentKind::Spdx { spdx_version } if spdx_version == "SPDX-2.3" => Some(Format::Spdx23),
        _ => None,
    }
}

fn describe_kind(kind: &DocumentKind) -> String {
    match kind {
        DocumentKind::CycloneDx { spec_version } => format!("CycloneDX {spec_version}"),
        DocumentKind::Spdx { spdx_version } => spdx_version.clone(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the settings back

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct CdxDoc {
    metadata: CdxMeta,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxMeta {
    timestamp: Option<String>,
    tools: Option<CdxTools>,
    authors: Vec<CdxContact>,
    supplier: Option<CdxEntity>,
    component: Option<CdxRoot>,
}

/// `metadata.tools`: the 1.5+ object form or the legacy array.
#[derive(Deserialize)]
#[serde(untagged)]
enum CdxTools {
    Components { components: Vec<CdxTool> },
    Legacy(Vec<CdxTool>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxTool {
    name: String,
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxContact {
    name: String,
    email: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxEntity {
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxRoot {
    properties: Vec<CdxProperty>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxProperty {
    name: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxDoc {
    creation_info: SpdxCreationInfo,
    relationships: Vec<SpdxRelationship>,
    packages: Vec<SpdxPackage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxCreationInfo {
    creators: Vec<String>,
    created: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxRelationship {
    spdx_element_id: String,
    related_spdx_element: String,
    relationship_type: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    supplier: String,
    annotations: Vec<SpdxAnnotation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxAnnotation {
    comment: String,
}

/// One setting as read back: the first value found.
struct Seen<T> {
    value: Option<T>,
}

impl<T> Default for Seen<T> {
    fn default() -> Self {
        Self { value: None }
    }
}

impl<T> Seen<T> {
    fn offer(&mut self, v: T) {
        if self.value.is_none() {
            self.value = Some(v);
        }
    }
}

/// The `tofu-sbom:release:signature` / `…:signing-key` values of one document (`None`: absent) and where they
/// were read (for messages).
struct SignatureSeen {
    signature: Option<String>,
    signing_key: Option<String>,
    what: String,
}

#[derive(Default)]
struct SettingsReader {
    timestamp: Seen<OffsetDateTime>,
    signature: Seen<SignatureSeen>,
    /// `Some(None)`: a document of ours records no address.
    address: Seen<Option<String>>,
    supplier: Seen<Option<String>>,
    spdx_authors: Seen<Vec<Author>>,
    cdx_authors: Seen<Vec<Author>>,
    unreadable: Vec<(String, String)>,
}

/// The settings to derive with.
struct Settings {
    timestamp: Option<OffsetDateTime>,
    address: Option<ProviderAddress>,
    supplier: Option<String>,
    authors: Vec<Author>,
    release_signature: Option<ReleaseSignature>,
    report: ReleaseSettings,
    unreadable: Vec<(String, String)>,
}

/// How `verify --release` refers to the root-property settings in findings.
const SETTING_SIGNATURE: &str = "release signature";
/// How `verify --release` refers to unknown root properties in findings.
const SETTING_ROOT_PROPERTIES: &str = "root properties";

/// The SPDX annotation key of a root package's distribution (ZIP name and digests); written by the SPDX renderer
/// next to the root's properties.
const SPDX_DISTRIBUTION_KEY: &str = "tofu-sbom:distribution";

/// True for a `tofu-sbom:` root property (or SPDX root annotation key) the derivation itself yields: the
/// provider address, the platform facts of a per-platform document, the ZIP distribution, and the release
/// signature read back here. Keep in step with `inventory::platform_properties` and `root_component`.
fn known_root_property(name: &str) -> bool {
    const EXACT: [&str; 14] = [
        PROP_PROVIDER_ADDRESS,
        PROP_OS,
        PROP_ARCH,
        PROP_GO_VERSION,
        PROP_GO_EXPERIMENTS,
        PROP_VERSION_SOURCE,
        PROP_LOCK_ZH,
        PROP_LOCK_H1,
        PROP_ZIP_NAME,
        PROP_ZIP_SIZE,
        PROP_SIGNATURE_FILE,
        PROP_RELEASE_SIGNATURE,
        PROP_RELEASE_SIGNING_KEY,
        SPDX_DISTRIBUTION_KEY,
    ];
    EXACT.contains(&name) || name.starts_with(PROP_GO_BUILD_PREFIX)
}

fn author_text(a: &Author) -> String {
    match (&a.kind, &a.email) {
        (AuthorKind::Organization, _) => format!("org:{}", a.name),
        (AuthorKind::Person, Some(e)) => format!("{} <{e}>", a.name),
        (AuthorKind::Person, None) => a.name.clone(),
    }
}

/// `Person: NAME (EMAIL)` / `Organization: NAME` → an author.
fn spdx_creator(c: &str) -> Option<Author> {
    let (kind, rest) = if let Some(r) = c.strip_prefix("Person: ") {
        (AuthorKind::Person, r)
    } else {
        (AuthorKind::Organization, c.strip_prefix("Organization: ")?)
    };
    let (name, email) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((n, e)) => (n.to_owned(), Some(e.to_owned())),
        None => (rest.to_owned(), None),
    };
    Some(Author { kind, name, email })
}

impl SettingsReader {
    fn unreadable(&mut self, setting: &str, reason: String) {
        self.unreadable.push((setting.to_owned(), reason));
    }

    /// Reads the root properties of one document of ours (`(JSON pointer, name, value)`): the release signature
    /// (first document wins, as for every setting), and a finding for each unknown `tofu-sbom:` property.
    fn root_properties(&mut self, props: &[(String, &str, &str)], what: &str) {
        let mut seen = SignatureSeen {
            signature: None,
            signing_key: None,
            what: what.to_owned(),
        };
        for (path, name, value) in props {
            let slot = match *name {
                PROP_RELEASE_SIGNATURE => &mut seen.signature,
                PROP_RELEASE_SIGNING_KEY => &mut seen.signing_key,
                n if n.starts_with("tofu-sbom:") && !known_root_property(n) => {
                    self.unreadable(
                        SETTING_ROOT_PROPERTIES,
                        format!(
                            "{what}: {path}: unknown property {name:?} = {value:?}; this build cannot \
                             re-derive it"
                        ),
                    );
                    continue;
                }
                _ => continue,
            };
            if slot.is_some() {
                self.unreadable(
                    SETTING_SIGNATURE,
                    format!("{what}: {path}: {name:?} is recorded more than once"),
                );
            }
            *slot = Some((*value).to_owned());
        }
        self.signature.offer(seen);
    }

    fn time(&mut self, v: Option<&str>, what: &str) {
        match v {
            Some(v) => match OffsetDateTime::parse(v, &Rfc3339) {
                Ok(t) => self.timestamp.offer(t),
                Err(e) => self.unreadable("timestamp", format!("{what}: {v:?}: {e}")),
            },
            None => self.unreadable("timestamp", format!("{what}: no timestamp recorded")),
        }
    }

    /// Reads the settings of one stored document; returns the tool that wrote it (`NAME/VERSION`), when recorded.
    fn read(
        &mut self,
        f: &FetchedSbom,
        tool_name: &str,
        subject: &str,
        referrer: &Digest,
    ) -> Option<String> {
        let what = format!("{subject}: referrer {referrer}");
        match SbomKind::of_document(&f.summary.kind) {
            SbomKind::CycloneDx => {
                let doc: CdxDoc = serde_json::from_slice(&f.bytes).ok()?;
                let m = doc.metadata;
                let tool = match &m.tools {
                    Some(CdxTools::Components { components }) => components.first(),
                    Some(CdxTools::Legacy(v)) => v.first(),
                    None => None,
                }
                .map(|t| format!("{}/{}", t.name, t.version));
                if tool.as_deref().and_then(|t| t.split('/').next()) != Some(tool_name) {
                    return tool;
                }
                self.time(m.timestamp.as_deref(), &what);
                self.supplier.offer(m.supplier.map(|s| s.name));
                self.cdx_authors.offer(
                    m.authors
                        .into_iter()
                        .map(|a| Author {
                            kind: AuthorKind::Person,
                            name: a.name,
                            email: a.email,
                        })
                        .collect(),
                );
                let props: Vec<(String, &str, &str)> = m
                    .component
                    .iter()
                    .flat_map(|c| c.properties.iter().enumerate())
                    .map(|(i, p)| {
                        (
                            format!("/metadata/component/properties/{i}"),
                            p.name.as_str(),
                            p.value.as_str(),
                        )
                    })
                    .collect();
                let address = props
                    .iter()
                    .find(|(_, n, _)| *n == PROP_PROVIDER_ADDRESS)
                    .map(|(_, _, v)| (*v).to_owned());
                self.address.offer(address);
                self.root_properties(&props, &what);
                tool
            }
            SbomKind::Spdx => {
                let doc: SpdxDoc = serde_json::from_slice(&f.bytes).ok()?;
                let prefix = format!("Tool: {tool_name}-");
                let tool = doc.creation_info.creators.iter().find_map(|c| {
                    c.strip_prefix(&prefix)
                        .map(|v| format!("{tool_name}/{v}"))
                        .or_else(|| c.strip_prefix("Tool: ").map(str::to_owned))
                });
                if tool.as_deref().and_then(|t| t.split('/').next()) != Some(tool_name) {
                    return tool;
                }
                self.time(doc.creation_info.created.as_deref(), &what);
                self.spdx_authors.offer(
                    doc.creation_info
                        .creators
                        .iter()
                        .filter_map(|c| spdx_creator(c))
                        .collect(),
                );
                let root = doc
                    .relationships
                    .iter()
                    .find(|r| {
                        r.spdx_element_id == "SPDXRef-DOCUMENT"
                            && r.relationship_type == "DESCRIBES"
                    })
                    .map(|r| r.related_spdx_element.as_str());
                match doc
                    .packages
                    .iter()
                    .enumerate()
                    .find(|(_, p)| Some(p.spdx_id.as_str()) == root)
                {
                    Some((i, p)) => {
                        self.supplier
                            .offer(p.supplier.strip_prefix("Organization: ").map(str::to_owned));
                        // Root properties are annotations `NAME: VALUE` (names never contain ": ").
                        let props: Vec<(String, &str, &str)> = p
                            .annotations
                            .iter()
                            .enumerate()
                            .map(|(j, a)| {
                                let (n, v) = a.comment.split_once(": ").unwrap_or((&a.comment, ""));
                                (format!("/packages/{i}/annotations/{j}"), n, v)
                            })
                            .collect();
                        let address = props
                            .iter()
                            .find(|(_, n, _)| *n == PROP_PROVIDER_ADDRESS)
                            .map(|(_, _, v)| (*v).to_owned());
                        self.address.offer(address);
                        self.root_properties(&props, &what);
                    }
                    None => self.unreadable(
                        "supplier",
                        format!("{what}: the document describes no package"),
                    ),
                }
                tool
            }
        }
    }

    fn finish(mut self, o: &SettingOverrides, formats: &[Format]) -> Settings {
        let mut overridden = Vec::new();
        let release_signature = match self.signature.value.take() {
            Some(s) => match ReleaseSignature::from_properties(
                s.signature.as_deref(),
                s.signing_key.as_deref(),
            ) {
                Ok(r) => r,
                Err(e) => {
                    self.unreadable(SETTING_SIGNATURE, format!("{}: {e}", s.what));
                    None
                }
            },
            None => None,
        };
        let timestamp = match o.timestamp {
            Some(t) => {
                overridden.push("timestamp".to_owned());
                Some(t)
            }
            None => self.timestamp.value,
        };
        if timestamp.is_none() && self.unreadable.iter().all(|(s, _)| s != "timestamp") {
            self.unreadable(
                "timestamp",
                "no SBOM written by this tool is stored; pass --timestamp".into(),
            );
        }
        if o.formats.is_some() {
            overridden.push("formats".to_owned());
        } else if formats.is_empty() {
            self.unreadable(
                "formats",
                "no SBOM written by this tool is stored; pass --format".into(),
            );
        }
        let address = match &o.address {
            Some(a) => {
                overridden.push("provider".to_owned());
                Some(a.clone())
            }
            None => match self.address.value.take().flatten() {
                Some(s) => match ProviderAddress::parse(&s) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        self.unreadable("provider", format!("{s:?}: {e}"));
                        None
                    }
                },
                None => None,
            },
        };
        let supplier = match &o.supplier {
            Some(s) => {
                overridden.push("supplier".to_owned());
                Some(s.clone())
            }
            None => self.supplier.value.flatten(),
        };
        let authors = match &o.authors {
            Some(a) => {
                overridden.push("authors".to_owned());
                a.clone()
            }
            None => self
                .spdx_authors
                .value
                .or(self.cdx_authors.value)
                .unwrap_or_default(),
        };
        let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        Settings {
            report: ReleaseSettings {
                timestamp: timestamp.map(fmt),
                formats: formats.iter().map(|f| f.name().to_owned()).collect(),
                provider: address.as_ref().map(ToString::to_string),
                supplier: supplier.clone(),
                authors: authors.iter().map(author_text).collect(),
                release_signature: release_signature.as_ref().map(|s| {
                    match s {
                        ReleaseSignature::Verified { .. } => ReleaseSignature::VERIFIED,
                        ReleaseSignature::Unverified => ReleaseSignature::UNVERIFIED,
                    }
                    .to_owned()
                }),
                signing_key: match &release_signature {
                    Some(ReleaseSignature::Verified { fingerprint }) => Some(fingerprint.clone()),
                    _ => None,
                },
                overridden,
            },
            timestamp,
            address,
            supplier,
            authors,
            release_signature,
            unreadable: self.unreadable,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing

/// Compact JSON of a value for a message, cut at 200 characters.
fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None => "(absent)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 200 {
                format!("{}…", s.chars().take(200).collect::<String>())
            } else {
                s
            }
        }
    }
}

/// `~` and `/` escaped as a JSON pointer token (RFC 6901).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// How many differing JSON pointers one finding lists (the first with both values, the rest by pointer).
const MAX_DIFFERENCES: usize = 10;

/// A difference between two JSON values: its pointer and both values (`None`: absent).
type Difference<'a> = (
    String,
    Option<&'a serde_json::Value>,
    Option<&'a serde_json::Value>,
);

/// Collects the differences between two JSON values, in document order (object keys sorted), into `out` until it
/// holds `max`. Depth is bounded by serde_json's parser (128 levels), so the recursion is too.
fn differences<'a>(
    a: &'a serde_json::Value,
    b: &'a serde_json::Value,
    path: &str,
    out: &mut Vec<Difference<'a>>,
    max: usize,
) {
    use serde_json::Value;
    if out.len() >= max {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                if out.len() >= max {
                    return;
                }
                let p = format!("{path}/{}", token(k));
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => differences(u, v, &p, out, max),
                    (u, v) => out.push((p, u, v)),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                if out.len() >= max {
                    return;
                }
                let p = format!("{path}/{i}");
                match (x.get(i), y.get(i)) {
                    (Some(u), Some(v)) => differences(u, v, &p, out, max),
                    (u, v) => out.push((p, u, v)),
                }
            }
        }
        _ if a == b => {}
        _ => out.push((path.to_owned(), Some(a), Some(b))),
    }
}

/// How two documents differ: the first differing JSON pointer with the stored and derived values there, and the
/// pointers of up to [`MAX_DIFFERENCES`] − 1 further differences.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ByteDifference {
    path: String,
    stored: String,
    derived: String,
    other_paths: Vec<String>,
}

/// `None` when the bytes are equal; else how they differ (see [`ByteDifference`]).
fn compare_bytes(stored: &[u8], derived: &[u8]) -> Option<ByteDifference> {
    if stored == derived {
        return None;
    }
    let parsed = (
        serde_json::from_slice::<serde_json::Value>(stored),
        serde_json::from_slice::<serde_json::Value>(derived),
    );
    let whole = |stored: String, derived: String| ByteDifference {
        path: String::new(),
        stored,
        derived,
        other_paths: Vec::new(),
    };
    match parsed {
        (Ok(a), Ok(b)) => {
            let mut found = Vec::new();
            differences(&a, &b, "", &mut found, MAX_DIFFERENCES);
            let mut found = found.into_iter();
            match found.next() {
                Some((path, x, y)) => Some(ByteDifference {
                    path,
                    stored: show(x),
                    derived: show(y),
                    other_paths: found.map(|(p, _, _)| p).collect(),
                }),
                None => Some(whole(
                    format!("{} bytes", stored.len()),
                    format!("{} bytes of the same JSON", derived.len()),
                )),
            }
        }
        (Err(e), _) => Some(whole(format!("not JSON ({e})"), "JSON".into())),
        (_, Err(e)) => Some(whole("JSON".into(), format!("not JSON ({e})"))),
    }
}

/// The component set of a document: purl, else `name@version` (or the name).
fn components(summary: &crate::sbom::SbomSummary) -> BTreeSet<String> {
    summary
        .packages
        .iter()
        .map(|p| match (&p.purl, &p.version) {
            (Some(purl), _) => purl.clone(),
            (None, Some(v)) => format!("{}@{v}", p.name),
            (None, None) => p.name.clone(),
        })
        .collect()
}

/// Every SHA-256 a document records (module docs), lowercase hex.
fn sha256s(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let s = |k: &str| m.get(k).and_then(Value::as_str);
            if s("alg") == Some("SHA-256")
                && let Some(c) = s("content")
            {
                out.insert(c.to_ascii_lowercase());
            }
            if s("algorithm") == Some("SHA256")
                && let Some(c) = s("checksumValue")
            {
                out.insert(c.to_ascii_lowercase());
            }
            if let Some(c) = s("comment").and_then(|c| c.strip_prefix("tofu-sbom:distribution: ")) {
                out.extend(
                    c.split(' ')
                        .filter_map(|w| w.strip_prefix("sha256:"))
                        .map(str::to_ascii_lowercase),
                );
            }
            m.values().for_each(|x| sha256s(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| sha256s(x, out)),
        _ => {}
    }
}

fn hash_set(bytes: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        sha256s(&v, &mut out);
    }
    out
}

fn diff(stored: &BTreeSet<String>, derived: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (
        stored.difference(derived).cloned().collect(),
        derived.difference(stored).cloned().collect(),
    )
}

fn compare_sets(
    s: &Stored,
    derived: &[u8],
    subject: &str,
    file: &str,
    format: Format,
    stored_tool: &str,
) -> Vec<FindingKind> {
    let mut out = Vec::new();
    // The derived document is ours and well-formed; reading it cannot fail under the stored one's limits.
    let Ok(derived_summary) = crate::sbom::read(derived, &crate::limits::Limits::default()) else {
        return out;
    };
    let (added, removed) = diff(
        &components(&s.fetched.summary),
        &components(&derived_summary),
    );
    if !added.is_empty() || !removed.is_empty() {
        out.push(FindingKind::ReleaseComponentsDiffer {
            subject: subject.to_owned(),
            file: file.to_owned(),
            format: format.name().to_owned(),
            referrer: s.referrer.clone(),
            stored_tool: stored_tool.to_owned(),
            added,
            removed,
        });
    }
    let (added, removed) = diff(&hash_set(&s.fetched.bytes), &hash_set(derived));
    if !added.is_empty() || !removed.is_empty() {
        out.push(FindingKind::ReleaseHashesDiffer {
            subject: subject.to_owned(),
            file: file.to_owned(),
            format: format.name().to_owned(),
            referrer: s.referrer.clone(),
            stored_tool: stored_tool.to_owned(),
            added,
            removed,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_json_pointer() {
        let diff = |path: &str, stored: &str, derived: &str, other: &[&str]| ByteDifference {
            path: path.into(),
            stored: stored.into(),
            derived: derived.into(),
            other_paths: other.iter().map(|p| (*p).to_owned()).collect(),
        };
        let a = br#"{"components":[{"name":"a","version":"v1"},{"name":"b/c","version":"v1.2.0"}],"x":1}"#;
        let b = br#"{"components":[{"name":"a","version":"v1"},{"name":"b/c","version":"v1.3.0"}],"x":1}"#;
        assert_eq!(
            compare_bytes(a, b),
            Some(diff(
                "/components/1/version",
                "\"v1.2.0\"",
                "\"v1.3.0\"",
                &[]
            ))
        );
        assert_eq!(compare_bytes(a, a), None);
        assert_eq!(
            compare_bytes(br#"{"a/b":[1]}"#, br#"{"a/b":[1,2]}"#),
            Some(diff("/a~1b/1", "(absent)", "2", &[]))
        );
        assert_eq!(
            compare_bytes(b"{\"a\":1}", b"{\"a\": 1}"),
            Some(diff("", "7 bytes", "8 bytes of the same JSON", &[]))
        );
        // Further differences are listed by pointer, in document order, up to 10 in all.
        assert_eq!(
            compare_bytes(
                br#"{"b":{"y":1,"x":2},"a":[1,2,3],"c":0}"#,
                br#"{"b":{"y":2,"x":3},"a":[1,5],"c":0,"d":1}"#
            ),
            Some(diff("/a/1", "2", "5", &["/a/2", "/b/x", "/b/y", "/d"]))
        );
        let many_a: Vec<u32> = (0..50).collect();
        let many_b: Vec<u32> = (100..150).collect();
        let got = compare_bytes(
            &serde_json::to_vec(&many_a).unwrap(),
            &serde_json::to_vec(&many_b).unwrap(),
        )
        .unwrap();
        assert_eq!(got.path, "/0");
        assert_eq!(
            got.other_paths,
            (1..10).map(|i| format!("/{i}")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn spdx_creators_keep_their_kind() {
        assert_eq!(
            spdx_creator("Person: Jane Doe (jane@example.com)").map(|a| author_text(&a)),
            Some("Jane Doe <jane@example.com>".into())
        );
        assert_eq!(
            spdx_creator("Organization: Acme Inc").map(|a| author_text(&a)),
            Some("org:Acme Inc".into())
        );
        assert_eq!(spdx_creator("Tool: tofu-sbom-0.1.0").map(|a| a.name), None);
    }

    #[test]
    fn hash_sets_collect_every_sha256_form() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"hashes":[{"alg":"SHA-256","content":"AB"},{"alg":"SHA-512","content":"cd"}],
                "packages":[{"checksums":[{"algorithm":"SHA256","checksumValue":"ef"}],
                "annotations":[{"comment":"tofu-sbom:distribution: x.zip sha256:12 sha512:34"}]}]}"#,
        )
        .unwrap();
        let mut out = BTreeSet::new();
        sha256s(&v, &mut out);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            vec!["12".to_owned(), "ab".into(), "ef".into()]
        );
    }
}
