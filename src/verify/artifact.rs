//! `verify`: replays OpenTofu's provider selection and validation (`PackageMeta` in
//! `internal/getproviders/oci_registry_mirror_source.go`, SPEC.md §1.3) against a registry or a layout, for every
//! platform the index lists, and reports each problem as a typed [`Finding`] — the message quotes what `tofu` would
//! say. Any finding of [`Severity::Error`] means some `tofu init` would fail; the CLI exits non-zero on any.
//!
//! Steps, as `tofu` runs them:
//! 0. the tag must appear in the tag list and parse as a version (`_` → `+`, no `v`, canonical `X.Y.Z…`);
//! 1. resolving the tag: an `artifactType` the store reports must be `application/vnd.opentofu.provider`;
//! 2. the resolved media type must be the OCI index type;
//! 3. the index (size/1 MiB must not exceed 4, bytes must hash to the digest) must decode with body `mediaType` equal
//!    to the resolved one and `artifactType` `application/vnd.opentofu.provider`;
//! 4. entries: those with `artifactType` `…provider-target` must be image manifests with a `platform`; a platform
//!    matches on `os` + `architecture` with empty `os.version`; none → unsupported; several → ambiguous;
//! 5. the platform manifest (same size and digest rules) must have body `mediaType` equal to the entry's and
//!    `artifactType` equal to the entry's;
//! 6. exactly one layer of media type `archive/zip`;
//! 7. its digest must be `sha256:`;
//! 8. a layer `platform`, if present, must equal the target;
//! 9. the blob must re-hash to its digest.
//!
//! With [`VerifyOptions::sboms`] set (the CLI's default), the SBOM referrers are checked too (see
//! [`SbomExpectation`]): the index and every platform manifest carry exactly one SBOM referrer of each expected kind
//! (none: error; several: warning, Trivy reads only the first parsable one); every SBOM referrer attached has the
//! referrer shape, its layer re-hashes to its digest and parses ([`crate::sbom::read`]) as the kind its
//! `artifactType` says; and the ZIP SHA-256 it records (see [`crate::verify::sbom_hashes`]) equals the ZIP layer actually
//! stored: per platform the platform's layer, for the index every platform's layer and nothing else.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::provider::artifact::tag_for_version;
use crate::provider::attach::SbomKind;
use crate::provider::sbom_pull::fetch_referrer_sbom;
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    ARTIFACT_TYPE_MODULE_PKG, ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_PKG,
    ARTIFACT_TYPE_PROVIDER_TARGET, Descriptor, ImageIndex, ImageManifest, MEDIA_TYPE_DESCRIPTOR,
    MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST, MEDIA_TYPE_ZIP_LAYER, decode,
};
use crate::registry::reference::Target;
use crate::registry::referrers::{ListOptions, ReferrersMode, list_referrers};
use crate::registry::store::{Resolved, Store};
use crate::registry::{RegistryError, Result};
use crate::verify::sbom_hashes::zip_claims;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `tofu` would fail (for the platform named, or for all).
    Error,
    /// `tofu` succeeds, but the artifact is fragile (older OpenTofu, other tools).
    Warning,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum FindingKind {
    /// The tag is not in the repository's tag list, so `tofu` never sees the version.
    TagNotListed {
        /// The tag.
        tag: String,
    },
    /// The tag does not name a version `tofu` would resolve to this tag.
    TagNotAVersion {
        /// The tag.
        tag: String,
        /// Why.
        reason: String,
    },
    /// The tag could not be resolved.
    TagUnresolvable {
        /// The tag.
        tag: String,
        /// The error.
        message: String,
    },
    /// Step 1: the store reported an artifactType other than the provider index type.
    TagArtifactType {
        /// The artifactType found.
        found: String,
    },
    /// Step 2: the tag does not resolve to an OCI index.
    TagNotIndex {
        /// The media type found.
        found: String,
    },
    /// Steps 3/5: a manifest's descriptor size is above OpenTofu's 4 MiB limit.
    ManifestTooLarge {
        /// `index` or `os_arch`.
        what: String,
        /// The size.
        size: u64,
    },
    /// A manifest could not be fetched, or its bytes do not match its digest.
    ManifestUnreadable {
        /// `index` or `os_arch`.
        what: String,
        /// The error.
        message: String,
    },
    /// The fetched content size differs from the descriptor size (OpenTofu reads only `size` bytes).
    ManifestSizeMismatch {
        /// `index` or `os_arch`.
        what: String,
        /// Descriptor size.
        expected: u64,
        /// Content size.
        actual: u64,
    },
    /// Steps 3/5: the document is not JSON of the expected shape.
    InvalidDocument {
        /// `index` or `os_arch`.
        what: String,
        /// Decoder message (or "found image manifest but need index manifest").
        message: String,
    },
    /// Step 3: the index body's `mediaType` differs from the resolved media type.
    IndexMediaType {
        /// The body's `mediaType` ("" when absent).
        found: String,
    },
    /// Step 3: the index body's `artifactType` is not `application/vnd.opentofu.provider`.
    IndexArtifactType {
        /// The body's `artifactType` ("" when absent).
        found: String,
    },
    /// Step 4: a provider-target entry is not an image manifest.
    EntryMediaType {
        /// Entry digest.
        digest: Digest,
        /// Its media type.
        found: String,
    },
    /// Step 4: a provider-target entry has no `platform`.
    EntryNoPlatform {
        /// Entry digest.
        digest: Digest,
    },
    /// Step 4: no entry has the provider-target artifactType.
    NoProviderEntries {
        /// The last other artifactType seen ("" when the entries have none: a container image?).
        other_artifact_type: String,
    },
    /// Step 4: an entry sets `os.version`; OpenTofu ignores it (an error when no other entry serves the platform).
    EntryOsVersion {
        /// Entry digest.
        digest: Digest,
        /// The `os.version` value.
        os_version: String,
        /// True when another entry without `os.version` serves the same platform.
        has_fallback: bool,
    },
    /// Step 4: an entry sets `variant` (OpenTofu ignores it; ggcr/containerd treat it as a constraint).
    EntryVariant {
        /// Entry digest.
        digest: Digest,
        /// The variant.
        variant: String,
    },
    /// Step 4: an entry with another artifactType, which OpenTofu skips.
    ForeignEntry {
        /// Entry digest.
        digest: Digest,
        /// Its artifactType.
        artifact_type: String,
    },
    /// Step 4: more than one entry matches the platform.
    AmbiguousPlatform {
        /// Matching entries.
        count: usize,
    },
    /// Step 5: the manifest body's `mediaType` differs from the entry's.
    ManifestMediaType {
        /// The body's `mediaType`.
        found: String,
    },
    /// Step 5: the manifest body's `artifactType` differs from the entry's.
    ManifestArtifactType {
        /// The body's `artifactType`.
        found: String,
    },
    /// Step 6: no `archive/zip` layer.
    NoZipLayer {
        /// Number of layers of other media types.
        other_layers: usize,
    },
    /// Step 6: several `archive/zip` layers.
    AmbiguousZipLayer {
        /// How many.
        count: usize,
    },
    /// The zip layer lacks `artifactType: application/vnd.opentofu.providerpkg` (OpenTofu before March 2025 skipped
    /// such layers).
    LayerArtifactTypeMissing {
        /// The artifactType found ("" when absent).
        found: String,
    },
    /// Step 7: the layer digest is not sha256.
    LayerDigestNotSha256 {
        /// The digest.
        digest: Digest,
    },
    /// Step 8: the layer's `platform` differs from the target.
    LayerPlatformMismatch {
        /// `os_arch` found on the layer.
        found: String,
    },
    /// Step 9: the blob is missing, unreadable, too large, or does not re-hash to its digest.
    BlobInvalid {
        /// The layer digest.
        digest: Digest,
        /// The error.
        message: String,
    },
    /// Step 9: the blob size differs from the layer descriptor size.
    BlobSizeMismatch {
        /// Descriptor size.
        expected: u64,
        /// Actual size.
        actual: u64,
    },
    /// SBOM check: the subject (`index` or `os_arch`) has no SBOM referrer of an expected kind.
    SbomMissing {
        /// `index` or `os_arch`.
        subject: String,
        /// The artifactType expected.
        artifact_type: String,
    },
    /// SBOM check: several SBOM referrers of one kind (Trivy reads the first parsable one in list order).
    SbomDuplicate {
        /// `index` or `os_arch`.
        subject: String,
        /// The artifactType.
        artifact_type: String,
        /// The referrer digests, in list order.
        referrers: Vec<Digest>,
    },
    /// SBOM check: the subject's referrers could not be listed (e.g. a refused fallback tag).
    ReferrersUnreadable {
        /// `index` or `os_arch`.
        subject: String,
        /// The error.
        message: String,
    },
    /// SBOM check (layouts): an `index.json` entry's manifest blob is missing, so whether it is a referrer (an SBOM)
    /// of a manifest checked here is unknown; reported once per tag, as a warning (the SBOM checks themselves say
    /// whether an expected SBOM is missing).
    ReferrerEntryUnreadable {
        /// The digest `index.json` lists.
        digest: Digest,
        /// Why it cannot be read.
        message: String,
    },
    /// SBOM check: a referrer is not a readable SBOM (shape, blob digest, parse error, kind mismatch).
    SbomUnreadable {
        /// `index` or `os_arch`.
        subject: String,
        /// The referrer digest.
        referrer: Digest,
        /// The error.
        message: String,
    },
    /// SBOM check: the SBOM records no SHA-256 for a ZIP it should describe.
    SbomHashMissing {
        /// `index` or `os_arch`.
        subject: String,
        /// The referrer digest.
        referrer: Digest,
        /// Which ZIP (platform and layer digest).
        what: String,
    },
    /// SBOM check: a ZIP SHA-256 recorded in the SBOM differs from the ZIP layer stored.
    SbomHashMismatch {
        /// `index` or `os_arch`.
        subject: String,
        /// The referrer digest.
        referrer: Digest,
        /// Where in the SBOM (root hash, `zh:` lock hash, distribution NAME).
        what: String,
        /// The stored layer digest.
        expected: Digest,
        /// What the SBOM says.
        found: String,
    },
    /// SBOM check: a release-wide SBOM lists a ZIP that no platform of the index stores.
    SbomExtraZip {
        /// Always `index`.
        subject: String,
        /// The referrer digest.
        referrer: Digest,
        /// The ZIP file name recorded.
        file: String,
        /// Its recorded SHA-256.
        sha256: String,
    },
    /// `--release`: a platform ZIP of the release is not in the stored index.
    ReleasePlatformNotStored {
        /// `os_arch`.
        platform: String,
        /// The ZIP file name.
        zip: String,
        /// The ZIP's SHA-256.
        release_digest: Digest,
    },
    /// `--release`: the stored ZIP layer of a platform is not the release's ZIP.
    ReleaseZipMismatch {
        /// `os_arch`.
        platform: String,
        /// The ZIP file name.
        zip: String,
        /// The ZIP's SHA-256.
        release_digest: Digest,
        /// The stored layer digest.
        stored_digest: Digest,
    },
    /// `--release`: the index lists a platform the release (or the `--platform` selection) lacks.
    StoredPlatformNotInRelease {
        /// `os_arch`.
        platform: String,
        /// Its stored layer digest, when one was read.
        stored_digest: Option<Digest>,
    },
    /// `--release`: a generation setting could not be read back from the stored SBOMs (and no flag gave it).
    ReleaseSettingUnreadable {
        /// `timestamp`, `formats`, `provider`, `tool`, ….
        setting: String,
        /// Why.
        reason: String,
    },
    /// `--release`: a subject lacks the SBOM of a format the stored SBOMs were generated in.
    ReleaseSbomMissing {
        /// `index` or `os_arch`.
        subject: String,
        /// The format (`cyclonedx-json@1.6`, …).
        format: String,
        /// The document's file name.
        file: String,
    },
    /// `--release`, same tool version: a stored SBOM is not byte-identical to the one derived from the release.
    ReleaseSbomDiffers {
        /// `index` or `os_arch`.
        subject: String,
        /// The document's file name.
        file: String,
        /// The format.
        format: String,
        /// The referrer digest.
        referrer: Digest,
        /// The first differing JSON pointer (`""`: same JSON, different bytes).
        path: String,
        /// The stored value there (compact JSON, `(absent)` when missing).
        stored: String,
        /// The derived value there.
        derived: String,
        /// Pointers of further differences, in document order (at most 9; empty when the first is the only one).
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        other_paths: Vec<String>,
    },
    /// `--release`, other tool version: the component sets (purl, or name@version) differ.
    ReleaseComponentsDiffer {
        /// `index` or `os_arch`.
        subject: String,
        /// The document's file name.
        file: String,
        /// The format.
        format: String,
        /// The referrer digest.
        referrer: Digest,
        /// The tool that wrote the stored SBOM.
        stored_tool: String,
        /// In the stored SBOM but not derived from the release.
        added: Vec<String>,
        /// Derived from the release but not in the stored SBOM.
        removed: Vec<String>,
    },
    /// `--release`, other tool version: the recorded SHA-256 sets (ZIPs, binaries) differ.
    ReleaseHashesDiffer {
        /// `index` or `os_arch`.
        subject: String,
        /// The document's file name.
        file: String,
        /// The format.
        format: String,
        /// The referrer digest.
        referrer: Digest,
        /// The tool that wrote the stored SBOM.
        stored_tool: String,
        /// In the stored SBOM but not derived from the release (lowercase hex).
        added: Vec<String>,
        /// Derived from the release but not in the stored SBOM.
        removed: Vec<String>,
    },
    /// `--release` with `--platform`: the release-wide SBOMs cannot be re-derived from a subset (warning).
    ReleaseIndexNotCompared {
        /// The platforms selected.
        platforms: Vec<String>,
    },
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TagNotListed { tag } => write!(f, "tag {tag:?} is not in the tag list, so OpenTofu does not see this version"),
            Self::TagNotAVersion { tag, reason } => write!(f, "tag {tag:?} is not resolvable as a provider version: {reason}"),
            Self::TagUnresolvable { tag, message } => write!(f, "resolving tag {tag:?}: {message}"),
            Self::TagArtifactType { found } => match found.as_str() {
                ARTIFACT_TYPE_PROVIDER_TARGET => f.write_str(
                    "tag refers directly to image manifest, but OpenTofu providers require an index manifest for multi-platform support",
                ),
                ARTIFACT_TYPE_MODULE_PKG => f.write_str("selected OCI artifact is an OpenTofu module package, not a provider package"),
                _ => write!(f, "unsupported OCI artifact type {found:?}"),
            },
            Self::TagNotIndex { found } => match found.as_str() {
                MEDIA_TYPE_MANIFEST => f.write_str(
                    "selected an OCI image manifest directly, but providers must be selected through a multi-platform index manifest",
                ),
                MEDIA_TYPE_DESCRIPTOR => f.write_str("found OCI descriptor but expected multi-platform index manifest"),
                _ => write!(f, "unsupported media type {found:?} for OCI index manifest"),
            },
            Self::ManifestTooLarge { what, size } => write!(f, "{what}: manifest size {size} exceeds OpenTofu's size limit of 4 MiB"),
            Self::ManifestUnreadable { what, message } => write!(f, "{what}: {message}"),
            Self::ManifestSizeMismatch { what, expected, actual } => {
                write!(f, "{what}: descriptor says {expected} bytes but the content is {actual} bytes (OpenTofu reads {expected} and the digest check fails)")
            }
            Self::InvalidDocument { what, message } => write!(f, "{what}: invalid manifest content: {message}"),
            Self::IndexMediaType { found } => write!(f, "index: unexpected manifest media type {found:?} (the body must say {MEDIA_TYPE_INDEX:?})"),
            Self::IndexArtifactType { found } => write!(f, "index: unexpected artifact type {found:?} (must be {ARTIFACT_TYPE_PROVIDER:?})"),
            Self::EntryMediaType { digest, found } => write!(f, "entry {digest}: provider image manifest has unsupported media type {found:?}"),
            Self::EntryNoPlatform { digest } => write!(f, "entry {digest}: provider image manifest lacks the required platform constraints"),
            Self::NoProviderEntries { other_artifact_type } if other_artifact_type.is_empty() => f.write_str(
                "provider image manifest has unsupported artifact type; is this a container image, rather than an OpenTofu provider?",
            ),
            Self::NoProviderEntries { other_artifact_type } => {
                write!(f, "provider image manifest has unsupported artifact type {other_artifact_type:?}")
            }
            Self::EntryOsVersion { digest, os_version, has_fallback: true } => {
                write!(f, "entry {digest} sets os.version {os_version:?}; OpenTofu ignores it (another entry serves the platform)")
            }
            Self::EntryOsVersion { digest, os_version, has_fallback: false } => write!(
                f,
                "entry {digest} sets os.version {os_version:?}; OpenTofu ignores such entries, so this platform is not supported"
            ),
            Self::EntryVariant { digest, variant } => write!(
                f,
                "entry {digest} sets variant {variant:?}; OpenTofu ignores it but container tooling treats it as a constraint"
            ),
            Self::ForeignEntry { digest, artifact_type } => {
                write!(f, "entry {digest} has artifactType {artifact_type:?}; OpenTofu skips it")
            }
            Self::AmbiguousPlatform { count } => write!(f, "ambiguous manifest has multiple descriptors for platform ({count} match)"),
            Self::ManifestMediaType { found } => write!(f, "unexpected manifest media type {found:?} (must equal the index entry's)"),
            Self::ManifestArtifactType { found } => {
                write!(f, "unexpected artifact type {found:?} (must be {ARTIFACT_TYPE_PROVIDER_TARGET:?}, as in the index entry)")
            }
            Self::NoZipLayer { other_layers: 0 } => write!(f, "image manifest contains no layers of type {MEDIA_TYPE_ZIP_LAYER:?}"),
            Self::NoZipLayer { other_layers } => write!(
                f,
                "image manifest contains no layers of type {MEDIA_TYPE_ZIP_LAYER:?}, but has {other_layers} of other unsupported formats; this OCI artifact might be intended for a different version of OpenTofu"
            ),
            Self::AmbiguousZipLayer { count } => write!(f, "ambiguous manifest declares multiple eligible provider packages ({count} archive/zip layers)"),
            Self::LayerArtifactTypeMissing { found } => write!(
                f,
                "zip layer artifactType is {found:?}, not {ARTIFACT_TYPE_PROVIDER_PKG:?}; OpenTofu releases before March 2025 skip such layers"
            ),
            Self::LayerDigestNotSha256 { digest } => write!(f, "layer digest {digest} is not sha256 (OpenTofu's zh: hash needs sha256)"),
            Self::LayerPlatformMismatch { found } => write!(f, "selected OCI artifact layer is for platform {found}"),
            Self::BlobInvalid { digest, message } => write!(f, "blob {digest}: {message}"),
            Self::BlobSizeMismatch { expected, actual } => write!(f, "blob is {actual} bytes, the layer descriptor says {expected}"),
            Self::SbomMissing { subject, artifact_type } => write!(f, "{subject}: no {artifact_type} SBOM referrer is attached"),
            Self::SbomDuplicate { subject, artifact_type, referrers } => write!(
                f,
                "{subject}: {} {artifact_type} SBOM referrers are attached ({}); Trivy reads only the first parsable one",
                referrers.len(),
                referrers.iter().map(Digest::as_str).collect::<Vec<_>>().join(", ")
            ),
            Self::ReferrersUnreadable { subject, message } => write!(f, "{subject}: cannot list referrers: {message}"),
            Self::ReferrerEntryUnreadable { digest, message } => write!(
                f,
                "index.json lists {digest}, which cannot be read ({message}); if it is a referrer of a manifest checked \
                 here (a dangling entry), it was not checked"
            ),
            Self::SbomUnreadable { subject, referrer, message } => write!(f, "{subject}: SBOM referrer {referrer}: {message}"),
            Self::SbomHashMissing { subject, referrer, what } => {
                write!(f, "{subject}: SBOM referrer {referrer} records no SHA-256 for {what}")
            }
            Self::SbomHashMismatch { subject, referrer, what, expected, found } => write!(
                f,
                "{subject}: SBOM referrer {referrer}: {what} is {found}, but the stored ZIP layer is {expected}"
            ),
            Self::SbomExtraZip { subject, referrer, file, sha256 } => write!(
                f,
                "{subject}: SBOM referrer {referrer} lists ZIP {file} (sha256:{sha256}), which no platform of the index stores"
            ),
            Self::ReleasePlatformNotStored { platform, zip, release_digest } => {
                write!(f, "{platform}: the release's {zip} ({release_digest}) is not in the index")
            }
            Self::ReleaseZipMismatch { platform, zip, release_digest, stored_digest } => write!(
                f,
                "{platform}: the stored ZIP layer is {stored_digest}, but the release's {zip} is {release_digest}"
            ),
            Self::StoredPlatformNotInRelease { platform, stored_digest } => match stored_digest {
                Some(d) => write!(f, "{platform}: the index stores a ZIP ({d}) for a platform the release does not have"),
                None => write!(f, "{platform}: the index lists a platform the release does not have"),
            },
            Self::ReleaseSettingUnreadable { setting, reason } => {
                write!(f, "cannot read the {setting} setting back from the stored SBOMs: {reason}")
            }
            Self::ReleaseSbomMissing { subject, format, file } => {
                write!(f, "{subject}: no stored {format} SBOM to compare with {file}")
            }
            Self::ReleaseSbomDiffers { subject, file, referrer, path, stored, derived, other_paths, .. } => {
                write!(
                    f,
                    "{subject}: {file} (referrer {referrer}) differs from the SBOM derived from the release at {}: stored {stored}, derived {derived}",
                    if path.is_empty() { "the byte level" } else { path }
                )?;
                if !other_paths.is_empty() {
                    write!(f, "; also at {}", other_paths.join(", "))?;
                }
                Ok(())
            }
            Self::ReleaseComponentsDiffer { subject, file, referrer, stored_tool, added, removed, .. } => write!(
                f,
                "{subject}: {file} (referrer {referrer}, written by {stored_tool}) lists other components than the release: {}",
                set_diff(added, removed)
            ),
            Self::ReleaseHashesDiffer { subject, file, referrer, stored_tool, added, removed, .. } => write!(
                f,
                "{subject}: {file} (referrer {referrer}, written by {stored_tool}) records other SHA-256 hashes than the release: {}",
                set_diff(added, removed)
            ),
            Self::ReleaseIndexNotCompared { platforms } => write!(
                f,
                "index: the release-wide SBOMs are not compared: only {} of the release were selected",
                platforms.join(", ")
            ),
        }
    }
}

/// `added a, b; removed c` (the parts that are non-empty).
fn set_diff(added: &[String], removed: &[String]) -> String {
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(", ")));
    }
    parts.join("; ")
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// The tag being verified.
    pub tag: Option<String>,
    /// The platform (`os_arch`) concerned, `None` for the whole artifact.
    pub platform: Option<String>,
    /// What is wrong.
    #[serde(flatten)]
    pub kind: FindingKind,
    /// The message (what `tofu` would say, where it says something).
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}")?;
        if let Some(t) = &self.tag {
            write!(f, " [{t}]")?;
        }
        if let Some(p) = &self.platform {
            write!(f, " [{p}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What was found for one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformReport {
    /// The platform manifest digest.
    pub manifest_digest: Digest,
    /// The zip layer digest (`zh:` hash), when one was selected.
    pub layer_digest: Option<Digest>,
    /// The blob size, when it was re-hashed successfully.
    pub zip_size: Option<u64>,
    /// True when every step passed for this platform (SBOM checks included, when enabled).
    pub ok: bool,
    /// The SBOM referrers checked (empty when SBOM checks are off).
    pub sboms: Vec<SbomReport>,
}

/// One SBOM referrer checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomReport {
    /// Its artifactType.
    pub artifact_type: String,
    /// The referrer manifest digest.
    pub referrer: Digest,
    /// Its title annotation.
    pub title: Option<String>,
    /// Its created annotation.
    pub created: Option<String>,
    /// The SBOM layer digest, when it could be read.
    pub sbom_digest: Option<Digest>,
    /// True when it is readable and its ZIP hashes match the stored layers.
    pub ok: bool,
}

/// The verification result of one tag (or digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagReport {
    /// The tag verified (`None` when verifying a digest).
    pub tag: Option<String>,
    /// The index digest, when resolved.
    pub index_digest: Option<Digest>,
    /// Per platform, keyed `os_arch`.
    pub platforms: BTreeMap<String, PlatformReport>,
    /// The index's SBOM referrers checked (empty when SBOM checks are off).
    pub index_sboms: Vec<SbomReport>,
}

/// The verification result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// What was verified (`HOST/REPO` or `oci-layout:DIR`).
    pub target: String,
    /// One report per tag verified.
    pub tags: Vec<TagReport>,
    /// Every problem, in the order found.
    pub findings: Vec<Finding>,
    /// The `--release` comparison, when one was asked for (see [`crate::verify::release`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<crate::verify::release::ReleaseReport>,
}

impl VerifyReport {
    /// True when no finding is an error.
    pub fn ok(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Appends a finding (its message is the kind's text); `platform` is the `os_arch` concerned, if any.
    pub fn push_finding(&mut self, severity: Severity, platform: Option<&str>, kind: FindingKind) {
        let tag = self.tags.first().and_then(|t| t.tag.clone());
        let message = kind.to_string();
        self.findings.push(Finding {
            severity,
            tag,
            platform: platform.map(str::to_owned),
            kind,
            message,
        });
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
}

/// Which SBOM kinds a subject must carry (exactly one referrer each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomKinds {
    /// A CycloneDX JSON referrer.
    pub cyclonedx: bool,
    /// An SPDX JSON referrer.
    pub spdx: bool,
}

impl SbomKinds {
    /// Both kinds.
    pub const BOTH: Self = Self {
        cyclonedx: true,
        spdx: true,
    };
    /// None (the subject is not checked for SBOMs, but SBOMs attached to it still are).
    pub const NONE: Self = Self {
        cyclonedx: false,
        spdx: false,
    };

    fn kinds(self) -> Vec<SbomKind> {
        let mut v = Vec::new();
        if self.cyclonedx {
            v.push(SbomKind::CycloneDx);
        }
        if self.spdx {
            v.push(SbomKind::Spdx);
        }
        v
    }
}

/// What the SBOM check expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomExpectation {
    /// Kinds the index must carry (the release-wide SBOMs).
    pub index: SbomKinds,
    /// Kinds every platform manifest must carry.
    pub platforms: SbomKinds,
    /// Referrers discovery.
    pub mode: ReferrersMode,
}

impl Default for SbomExpectation {
    /// One CycloneDX and one SPDX referrer on the index and on every platform manifest.
    fn default() -> Self {
        Self {
            index: SbomKinds::BOTH,
            platforms: SbomKinds::BOTH,
            mode: ReferrersMode::Auto,
        }
    }
}

/// Options of [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Download and re-hash every zip blob (step 9).
    pub check_blobs: bool,
    /// Largest blob re-hashed.
    pub max_blob_size: u64,
    /// Check the SBOM referrers (module docs); `None`: the OpenTofu checks only.
    pub sboms: Option<SbomExpectation>,
}

impl Default for VerifyOptions {
    /// OpenTofu checks with blob re-hashing; SBOM checks off (see [`VerifyOptions::with_sboms`]).
    fn default() -> Self {
        Self {
            check_blobs: true,
            max_blob_size: 4 << 30,
            sboms: None,
        }
    }
}

impl VerifyOptions {
    /// The default checks plus the default SBOM expectation (what `tofu-sbom verify` runs).
    pub fn with_sboms() -> Self {
        Self {
            sboms: Some(SbomExpectation::default()),
            ..Self::default()
        }
    }
}

struct Ctx<'a> {
    findings: &'a mut Vec<Finding>,
    tag: Option<String>,
}

impl Ctx<'_> {
    fn add(&mut self, severity: Severity, platform: Option<&str>, kind: FindingKind) {
        let message = kind.to_string();
        self.findings.push(Finding {
            severity,
            tag: self.tag.clone(),
            platform: platform.map(str::to_owned),
            kind,
            message,
        });
    }
    fn error(&mut self, platform: Option<&str>, kind: FindingKind) {
        self.add(Severity::Error, platform, kind);
    }
    fn error_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
}

/// OpenTofu's integer-MiB limit: `size/1024/1024 > 4` is refused.
fn too_large(size: u64) -> bool {
    size / 1024 / 1024 > 4
}

/// Verifies `target` in `store`: its tag, or its digest, or (neither given) every tag that looks like a version.
pub async fn verify(store: &Store, target: &Target, opts: &VerifyOptions) -> Result<VerifyReport> {
    let mut findings = Vec::new();
    let mut tags_out = Vec::new();
    if let Some(digest) = target.digest() {
        let mut ctx = Ctx {
            findings: &mut findings,
            tag: None,
        };
        let m = store.fetch_manifest(digest).await;
        let resolved = match m {
            Ok(m) => Resolved {
                media_type: m.media_type,
                size: m.bytes.len() as u64,
                digest: m.digest,
                artifact_type: None,
            },
            Err(e) => {
                ctx.error(
                    None,
                    FindingKind::ManifestUnreadable {
                        what: "index".into(),
                        message: e.to_string(),
                    },
                );
                return Ok(VerifyReport {
                    target: store.describe(),
                    tags: tags_out,
                    findings,
                    release: None,
                });
            }
        };
        tags_out.push(verify_resolved(store, resolved, &mut ctx, opts).await);
        return Ok(VerifyReport {
            target: store.describe(),
            tags: tags_out,
            findings,
            release: None,
        });
    }
    let listed = store.list_tags().await?;
    let tags: Vec<String> = match target.tag() {
        Some(t) => vec![t.to_owned()],
        None => listed
            .iter()
            .filter(|t| t.as_bytes().first().is_some_and(u8::is_ascii_digit))
            .cloned()
            .collect(),
    };
    if tags.is_empty() {
        return Err(RegistryError::NotFound {
            what: "a version tag".into(),
            location: store.describe(),
        });
    }
    for tag in tags {
        let mut ctx = Ctx {
            findings: &mut findings,
            tag: Some(tag.clone()),
        };
        if !listed.contains(&tag) {
            ctx.error(None, FindingKind::TagNotListed { tag: tag.clone() });
        }
        let version = crate::provider::artifact::version_for_tag(&tag);
        match tag_for_version(&version) {
            Ok(t) if t == tag => {}
            Ok(t) => ctx.error(
                None,
                FindingKind::TagNotAVersion {
                    tag: tag.clone(),
                    reason: format!("OpenTofu would look it up as {t:?}"),
                },
            ),
            Err(e) => {
                let reason = match e {
                    crate::provider::ProviderError::InvalidVersion { reason, .. } => reason,
                    other => other.to_string(),
                };
                ctx.error(
                    None,
                    FindingKind::TagNotAVersion {
                        tag: tag.clone(),
                        reason,
                    },
                );
            }
        }
        let resolved = match store.resolve_tag(&tag).await {
            Ok(r) => r,
            Err(e) => {
                ctx.error(
                    None,
                    FindingKind::TagUnresolvable {
                        tag: tag.clone(),
                        message: e.to_string(),
                    },
                );
                tags_out.push(TagReport {
                    tag: Some(tag),
                    index_digest: None,
                    platforms: BTreeMap::new(),
                    index_sboms: Vec::new(),
                });
                continue;
            }
        };
        // Step 1.
        if let Some(at) = resolved.artifact_type.as_deref()
            && at != ARTIFACT_TYPE_PROVIDER
        {
            ctx.error(
                None,
                FindingKind::TagArtifactType {
                    found: at.to_owned(),
                },
            );
            tags_out.push(TagReport {
                tag: Some(tag),
                index_digest: Some(resolved.digest),
                platforms: BTreeMap::new(),
                index_sboms: Vec::new(),
            });
            continue;
        }
        // Step 2.
        if resolved.media_type != MEDIA_TYPE_INDEX {
            ctx.error(
                None,
                FindingKind::TagNotIndex {
                    found: resolved.media_type.clone(),
                },
            );
            tags_out.push(TagReport {
                tag: Some(tag),
                index_digest: Some(resolved.digest),
                platforms: BTreeMap::new(),
                index_sboms: Vec::new(),
            });
            continue;
        }
        let mut report = verify_resolved(store, resolved, &mut ctx, opts).await;
        report.tag = Some(tag);
        tags_out.push(report);
    }
    Ok(VerifyReport {
        target: store.describe(),
        tags: tags_out,
        findings,
        release: None,
    })
}

/// Fetches a manifest as OpenTofu does: size limit, digest, and content length = descriptor size.
async fn fetch_checked(
    store: &Store,
    what: &str,
    digest: &Digest,
    size: u64,
    ctx: &mut Ctx<'_>,
    platform: Option<&str>,
) -> Option<Vec<u8>> {
    if too_large(size) {
        ctx.error(
            platform,
            FindingKind::ManifestTooLarge {
                what: what.to_owned(),
                size,
            },
        );
        return None;
    }
    match store.fetch_manifest(digest).await {
        Ok(m) => {
            if m.bytes.len() as u64 != size {
                ctx.error(
                    platform,
                    FindingKind::ManifestSizeMismatch {
                        what: what.to_owned(),
                        expected: size,
                        actual: m.bytes.len() as u64,
                    },
                );
                return None;
            }
            Some(m.bytes)
        }
        Err(e) => {
            ctx.error(
                platform,
                FindingKind::ManifestUnreadable {
                    what: what.to_owned(),
                    message: e.to_string(),
                },
            );
            None
        }
    }
}

async fn verify_resolved(
    store: &Store,
    resolved: Resolved,
    ctx: &mut Ctx<'_>,
    opts: &VerifyOptions,
) -> TagReport {
    let mut report = TagReport {
        tag: None,
        index_digest: Some(resolved.digest.clone()),
        platforms: BTreeMap::new(),
        index_sboms: Vec::new(),
    };
    // Step 3.
    let Some(bytes) =
        fetch_checked(store, "index", &resolved.digest, resolved.size, ctx, None).await
    else {
        return report;
    };
    let index: ImageIndex = match decode(&bytes, "index") {
        Ok(i) => i,
        Err(e) => {
            let message = match decode::<ImageManifest>(&bytes, "manifest") {
                Ok(m) if m.media_type == MEDIA_TYPE_MANIFEST => {
                    "found image manifest but need index manifest".to_owned()
                }
                _ => e.to_string(),
            };
            ctx.error(
                None,
                FindingKind::InvalidDocument {
                    what: "index".into(),
                    message,
                },
            );
            return report;
        }
    };
    if index.media_type != resolved.media_type {
        ctx.error(
            None,
            FindingKind::IndexMediaType {
                found: index.media_type.clone(),
            },
        );
        return report;
    }
    if index.artifact_type != ARTIFACT_TYPE_PROVIDER {
        ctx.error(
            None,
            FindingKind::IndexArtifactType {
                found: index.artifact_type.clone(),
            },
        );
        return report;
    }

    // Step 4, entry-level checks (any of these makes every platform fail in OpenTofu's loop).
    let mut fatal = false;
    let mut other_artifact_type = String::new();
    let mut targets: Vec<&Descriptor> = Vec::new();
    for d in &index.manifests {
        if d.artifact_type != ARTIFACT_TYPE_PROVIDER_TARGET {
            if !d.artifact_type.is_empty() {
                other_artifact_type = d.artifact_type.clone();
            }
            ctx.add(
                Severity::Warning,
                None,
                FindingKind::ForeignEntry {
                    digest: d.digest.clone(),
                    artifact_type: d.artifact_type.clone(),
                },
            );
            continue;
        }
        if d.media_type != MEDIA_TYPE_MANIFEST {
            ctx.error(
                None,
                FindingKind::EntryMediaType {
                    digest: d.digest.clone(),
                    found: d.media_type.clone(),
                },
            );
            fatal = true;
            continue;
        }
        if d.platform.is_none() {
            ctx.error(
                None,
                FindingKind::EntryNoPlatform {
                    digest: d.digest.clone(),
                },
            );
            fatal = true;
            continue;
        }
        targets.push(d);
    }
    if fatal {
        return report;
    }
    if targets.is_empty() {
        ctx.error(
            None,
            FindingKind::NoProviderEntries {
                other_artifact_type,
            },
        );
        return report;
    }
    let mut platforms: Vec<(String, String)> = Vec::new();
    for d in &targets {
        let p = d
            .platform
            .as_ref()
            .map(|p| (p.os.clone(), p.architecture.clone()))
            .unwrap_or_default();
        if !platforms.contains(&p) {
            platforms.push(p);
        }
    }
    for (os, arch) in platforms {
        let os_arch = format!("{os}_{arch}");
        let matches: Vec<&Descriptor> = targets
            .iter()
            .copied()
            .filter(|d| {
                d.platform.as_ref().is_some_and(|p| {
                    p.os == os && p.architecture == arch && p.os_version.is_empty()
                })
            })
            .collect();
        for d in targets.iter().filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.os == os && p.architecture == arch)
        }) {
            let p = d.platform.clone().unwrap_or_default();
            if !p.os_version.is_empty() {
                let has_fallback = !matches.is_empty();
                let sev = if has_fallback {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                ctx.add(
                    sev,
                    Some(&os_arch),
                    FindingKind::EntryOsVersion {
                        digest: d.digest.clone(),
                        os_version: p.os_version.clone(),
                        has_fallback,
                    },
                );
            }
            if !p.variant.is_empty() {
                ctx.add(
                    Severity::Warning,
                    Some(&os_arch),
                    FindingKind::EntryVariant {
                        digest: d.digest.clone(),
                        variant: p.variant.clone(),
                    },
                );
            }
        }
        match matches.as_slice() {
            [] => continue, // reported as EntryOsVersion above
            [d] => {
                let r = verify_platform(store, d, &os, &arch, &os_arch, ctx, opts).await;
                report.platforms.insert(os_arch, r);
            }
            many => ctx.error(
                Some(&os_arch),
                FindingKind::AmbiguousPlatform { count: many.len() },
            ),
        }
    }
    if let Some(exp) = &opts.sboms {
        let layers: BTreeMap<String, Option<Digest>> = report
            .platforms
            .iter()
            .map(|(k, p)| (k.clone(), p.layer_digest.clone()))
            .collect();
        let complete = report.platforms.len() == targets.len();
        report.index_sboms = check_sboms(
            store,
            &resolved.digest,
            "index",
            &exp.index.kinds(),
            &Zips::Release { layers, complete },
            exp.mode,
            ctx,
        )
        .await;
    }
    report
}

/// The ZIP layers an SBOM must describe.
enum Zips {
    /// A per-platform SBOM: exactly this layer.
    Platform(Digest),
    /// The release-wide SBOM: every platform's layer (`None`: unknown because the platform failed), and nothing
    /// else when `complete` (every index entry was verified).
    Release {
        layers: BTreeMap<String, Option<Digest>>,
        complete: bool,
    },
}

/// Lists and checks the SBOM referrers of `subject` (module docs), adding findings; returns one report per SBOM
/// referrer found.
async fn check_sboms(
    store: &Store,
    subject: &Digest,
    what: &str,
    expected: &[SbomKind],
    zips: &Zips,
    mode: ReferrersMode,
    ctx: &mut Ctx<'_>,
) -> Vec<SbomReport> {
    let platform = (what != "index").then_some(what);
    let listing = match list_referrers(
        store,
        subject,
        &ListOptions {
            mode,
            artifact_type: None,
        },
    )
    .await
    {
        Ok(l) => l,
        Err(e) => {
            ctx.error(
                platform,
                FindingKind::ReferrersUnreadable {
                    subject: what.to_owned(),
                    message: e.to_string(),
                },
            );
            return Vec::new();
        }
    };
    for u in &listing.unreadable {
        let kind = FindingKind::ReferrerEntryUnreadable {
            digest: u.digest.clone(),
            message: u.reason.clone(),
        };
        // Every subject's listing meets it: once per tag.
        let tag = ctx.tag.clone();
        if !ctx.findings.iter().any(|f| f.tag == tag && f.kind == kind) {
            ctx.add(Severity::Warning, None, kind);
        }
    }
    for kind in expected {
        let of_kind: Vec<Digest> = listing
            .entries
            .iter()
            .filter(|e| e.artifact_type == kind.artifact_type())
            .map(|e| e.digest.clone())
            .collect();
        match of_kind.len() {
            0 => ctx.error(
                platform,
                FindingKind::SbomMissing {
                    subject: what.to_owned(),
                    artifact_type: kind.artifact_type().to_owned(),
                },
            ),
            1 => {}
            _ => ctx.add(
                Severity::Warning,
                platform,
                FindingKind::SbomDuplicate {
                    subject: what.to_owned(),
                    artifact_type: kind.artifact_type().to_owned(),
                    referrers: of_kind,
                },
            ),
        }
    }
    let mut reports = Vec::new();
    for e in &listing.entries {
        let Some(kind) = SbomKind::from_artifact_type(&e.artifact_type) else {
            continue;
        };
        let errors_before = ctx.error_count();
        let mut rep = SbomReport {
            artifact_type: e.artifact_type.clone(),
            referrer: e.digest.clone(),
            title: e.title.clone(),
            created: e.created.clone(),
            sbom_digest: None,
            ok: false,
        };
        match fetch_referrer_sbom(store, &e.digest).await {
            Err(err) => ctx.error(
                platform,
                FindingKind::SbomUnreadable {
                    subject: what.to_owned(),
                    referrer: e.digest.clone(),
                    message: err.to_string(),
                },
            ),
            Ok(f) => {
                rep.sbom_digest = f.manifest.layers.first().map(|l| l.digest.clone());
                check_zip_hashes(&f.bytes, kind, &e.digest, what, zips, ctx);
            }
        }
        rep.ok = ctx.error_count() == errors_before;
        reports.push(rep);
    }
    reports
}

/// Compares the ZIP hashes an SBOM records with the stored layers.
fn check_zip_hashes(
    bytes: &[u8],
    kind: SbomKind,
    referrer: &Digest,
    what: &str,
    zips: &Zips,
    ctx: &mut Ctx<'_>,
) {
    let platform = (what != "index").then_some(what);
    let claims = match zip_claims(bytes, kind) {
        Ok(c) => c,
        Err(message) => {
            ctx.error(
                platform,
                FindingKind::SbomUnreadable {
                    subject: what.to_owned(),
                    referrer: referrer.clone(),
                    message,
                },
            );
            return;
        }
    };
    match zips {
        Zips::Platform(layer) => {
            let hex = layer.encoded();
            if claims.root_sha256.is_empty() {
                ctx.error(
                    platform,
                    FindingKind::SbomHashMissing {
                        subject: what.to_owned(),
                        referrer: referrer.clone(),
                        what: format!("the {what} ZIP ({layer}) on its root component"),
                    },
                );
            }
            let mut mismatch = |place: String, found: String| {
                ctx.error(
                    platform,
                    FindingKind::SbomHashMismatch {
                        subject: what.to_owned(),
                        referrer: referrer.clone(),
                        what: place,
                        expected: layer.clone(),
                        found,
                    },
                );
            };
            for h in claims.root_sha256.iter().filter(|h| *h != hex) {
                mismatch("the root component's SHA-256".into(), format!("sha256:{h}"));
            }
            if let Some(zh) = &claims.lock_zh
                && zh.strip_prefix("zh:") != Some(hex)
            {
                mismatch("the zh: lock hash".into(), zh.clone());
            }
            for d in claims.distributions.iter().filter(|d| d.sha256 != hex) {
                mismatch(
                    format!("the SHA-256 of distribution {}", d.file_name),
                    format!("sha256:{}", d.sha256),
                );
            }
        }
        Zips::Release { layers, complete } => {
            for (os_arch, layer) in layers {
                let Some(layer) = layer else { continue };
                if !claims
                    .distributions
                    .iter()
                    .any(|d| d.sha256 == layer.encoded())
                {
                    ctx.error(
                        platform,
                        FindingKind::SbomHashMissing {
                            subject: what.to_owned(),
                            referrer: referrer.clone(),
                            what: format!("the {os_arch} ZIP ({layer})"),
                        },
                    );
                }
            }
            if *complete && layers.values().all(Option::is_some) {
                for d in &claims.distributions {
                    if !layers.values().flatten().any(|l| l.encoded() == d.sha256) {
                        ctx.error(
                            platform,
                            FindingKind::SbomExtraZip {
                                subject: what.to_owned(),
                                referrer: referrer.clone(),
                                file: d.file_name.clone(),
                                sha256: d.sha256.clone(),
                            },
                        );
                    }
                }
            }
        }
    }
}

async fn verify_platform(
    store: &Store,
    entry: &Descriptor,
    os: &str,
    arch: &str,
    os_arch: &str,
    ctx: &mut Ctx<'_>,
    opts: &VerifyOptions,
) -> PlatformReport {
    let errors_before = ctx
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let mut r = PlatformReport {
        manifest_digest: entry.digest.clone(),
        layer_digest: None,
        zip_size: None,
        ok: false,
        sboms: Vec::new(),
    };
    let p = Some(os_arch);
    // Step 5.
    let Some(bytes) = fetch_checked(store, os_arch, &entry.digest, entry.size, ctx, p).await else {
        return r;
    };
    let manifest: ImageManifest = match decode(&bytes, "manifest") {
        Ok(m) => m,
        Err(e) => {
            let message = match decode::<ImageIndex>(&bytes, "index") {
                Ok(i) if i.media_type == MEDIA_TYPE_INDEX => {
                    "found index manifest but need image manifest".to_owned()
                }
                _ => e.to_string(),
            };
            ctx.error(
                p,
                FindingKind::InvalidDocument {
                    what: os_arch.to_owned(),
                    message,
                },
            );
            return r;
        }
    };
    if manifest.media_type != entry.media_type {
        ctx.error(
            p,
            FindingKind::ManifestMediaType {
                found: manifest.media_type.clone(),
            },
        );
        return r;
    }
    if manifest.artifact_type != entry.artifact_type {
        ctx.error(
            p,
            FindingKind::ManifestArtifactType {
                found: manifest.artifact_type.clone(),
            },
        );
        return r;
    }
    // Step 6.
    let zips: Vec<&Descriptor> = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == MEDIA_TYPE_ZIP_LAYER)
        .collect();
    let layer = match zips.as_slice() {
        [] => {
            ctx.error(
                p,
                FindingKind::NoZipLayer {
                    other_layers: manifest.layers.len(),
                },
            );
            return r;
        }
        [l] => *l,
        many => {
            ctx.error(p, FindingKind::AmbiguousZipLayer { count: many.len() });
            return r;
        }
    };
    r.layer_digest = Some(layer.digest.clone());
    if layer.artifact_type != ARTIFACT_TYPE_PROVIDER_PKG {
        ctx.add(
            Severity::Warning,
            p,
            FindingKind::LayerArtifactTypeMissing {
                found: layer.artifact_type.clone(),
            },
        );
    }
    // Step 7.
    if !layer.digest.is_sha256() {
        ctx.error(
            p,
            FindingKind::LayerDigestNotSha256 {
                digest: layer.digest.clone(),
            },
        );
        return r;
    }
    // Step 8.
    if let Some(lp) = &layer.platform
        && (lp.os != os || lp.architecture != arch)
    {
        ctx.error(
            p,
            FindingKind::LayerPlatformMismatch {
                found: lp.os_arch(),
            },
        );
        return r;
    }
    // Step 9.
    if opts.check_blobs {
        match store.hash_blob(&layer.digest, opts.max_blob_size).await {
            Ok(size) => {
                r.zip_size = Some(size);
                if size != layer.size {
                    ctx.error(
                        p,
                        FindingKind::BlobSizeMismatch {
                            expected: layer.size,
                            actual: size,
                        },
                    );
                }
            }
            Err(e) => ctx.error(
                p,
                FindingKind::BlobInvalid {
                    digest: layer.digest.clone(),
                    message: e.to_string(),
                },
            ),
        }
    }
    if let (Some(exp), Some(layer)) = (&opts.sboms, r.layer_digest.clone()) {
        r.sboms = check_sboms(
            store,
            &entry.digest,
            os_arch,
            &exp.platforms.kinds(),
            &Zips::Platform(layer),
            exp.mode,
            ctx,
        )
        .await;
    }
    r.ok = ctx
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count()
        == errors_before;
    r
}
