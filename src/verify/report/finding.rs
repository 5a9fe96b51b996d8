//! The findings: how bad ([`Severity`]), what is wrong ([`FindingKind`], one variant per rule, each with the message
//! `tofu` or the check prints), which verdict it counts against ([`Verdict`]: OpenTofu's or the SBOM policy's), and
//! one [`Finding`] as reported.
//!
//! Owns every finding message verify prints (text and `--json`); knows OpenTofu's media types (quoted in messages)
//! and digests, nothing of stores, registries' clients or how the checks run.

use std::fmt;

use serde::Serialize;

use crate::provider::media_types::{
    ARTIFACT_TYPE_MODULE_PKG, ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_TARGET,
    MEDIA_TYPE_ZIP_LAYER,
};
use crate::registry::digest::Digest;
use crate::registry::manifest::{MEDIA_TYPE_DESCRIPTOR, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The verdict fails: `tofu` would fail (for the platform named, or for all), or the SBOM policy is not met.
    Error,
    /// The verdict holds, but the artifact is fragile (other tools, Trivy).
    Warning,
}

/// Which of `verify`'s two verdicts a finding belongs to. Only error findings change a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// OpenTofu's own rules (`tofu init` reads the tag, the index, the platform manifests and the ZIP): an error
    /// means `tofu init` fails, for the platform named or for all.
    Opentofu,
    /// The SBOM policy: the SBOM referrers every subject should carry and, with `--release`, the comparison with the
    /// release. OpenTofu never reads referrers: an error here leaves `tofu init` working.
    SbomPolicy,
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
    /// Step 1: the registry's `HEAD` answer for the tag lacks a header OpenTofu's registry client (oras-go
    /// `manifestStore.Resolve` → `generateDescriptor`) requires; it resolves tags by `HEAD` only, so `tofu init`
    /// fails where a `GET` would have worked.
    TagHeadIncomplete {
        /// The tag.
        tag: String,
        /// The first header missing, in the order oras-go checks them: `Content-Type`, `Content-Length`,
        /// `Docker-Content-Digest`.
        header: String,
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
    /// Steps 3/5: the registry answered a manifest `GET` with a `Content-Type` (parameters aside) other than the
    /// descriptor's media type, which oras-go's `manifestStore.Fetch` refuses.
    ManifestContentType {
        /// `index` or `os_arch`.
        what: String,
        /// The `Content-Type` without parameters (`""` when absent).
        found: String,
        /// The descriptor's media type.
        expected: String,
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
    /// SBOM check: the subject's SBOM referrer of a kind is attached, but the registry's referrers API lists it under
    /// another `artifactType` (go-containerregistry's registry lists the config media type), so consumers that filter
    /// on the listed type (ORAS `--artifact-type`, Trivy) do not find it.
    SbomTypeNotListed {
        /// `index` or `os_arch`.
        subject: String,
        /// The referrer manifest's own `artifactType`.
        artifact_type: String,
        /// The referrer.
        referrer: Digest,
        /// The `artifactType` the referrers list gives it.
        listed: String,
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
    /// SBOM check (`verify --profile`): the SBOM does not carry the profile's minimum elements.
    SbomProfile {
        /// `index` or `os_arch`.
        subject: String,
        /// The referrer digest.
        referrer: Digest,
        /// `ntia`, `bsi-2.1` or `cisa-2025`.
        profile: String,
        /// How many findings `lint` reports.
        count: usize,
        /// The first of them, `code path` (RFC 6901 JSON Pointer).
        findings: Vec<String>,
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
    /// OCI layouts: a stale temporary file of an interrupted write (`.NAME.tmp-PID-N`, its writer gone; warning). The
    /// next write to the layout removes it ([`crate::registry::layout`]).
    LayoutTempFile {
        /// The file.
        path: String,
        /// The PID of the writer that left it.
        pid: u32,
    },
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TagNotAVersion { tag, reason } => write!(f, "tag {tag:?} is not resolvable as a provider version: {reason}"),
            Self::TagUnresolvable { tag, message } => write!(f, "resolving tag {tag:?}: {message}"),
            Self::TagHeadIncomplete { tag, header } => {
                let oras = match header.as_str() {
                    "Content-Type" => "invalid response `Content-Type` header; mime: no media type".to_owned(),
                    "Content-Length" => "unknown response Content-Length".to_owned(),
                    _ => format!("HTTP HEAD request missing required header {header:?}"),
                };
                write!(
                    f,
                    "resolving tag {tag:?}: {oras} (the registry's HEAD answer has no {header} header; OpenTofu's \
                     registry client, oras-go, resolves tags by HEAD alone and does not fall back to GET)"
                )
            }
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
            Self::ManifestContentType { what, found, expected } if found.is_empty() => write!(
                f,
                "{what}: the registry answered GET without a Content-Type; OpenTofu's registry client (oras-go) \
                 refuses it (\"invalid response Content-Type\"); it must be {expected:?}"
            ),
            Self::ManifestContentType { what, found, expected } => write!(
                f,
                "{what}: mismatch response Content-Type {found:?}: expect {expected:?} (the registry's GET answer; \
                 OpenTofu's registry client, oras-go, refuses it)"
            ),
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
            Self::LayerDigestNotSha256 { digest } => write!(f, "layer digest {digest} is not sha256 (OpenTofu's zh: hash needs sha256)"),
            Self::LayerPlatformMismatch { found } => write!(f, "selected OCI artifact layer is for platform {found}"),
            Self::BlobInvalid { digest, message } => write!(f, "blob {digest}: {message}"),
            Self::BlobSizeMismatch { expected, actual } => write!(f, "blob is {actual} bytes, the layer descriptor says {expected}"),
            Self::SbomMissing { subject, artifact_type } => write!(f, "{subject}: no {artifact_type} SBOM referrer is attached"),
            Self::SbomTypeNotListed { subject, artifact_type, referrer, listed } => write!(
                f,
                "{subject}: the {artifact_type} SBOM referrer {referrer} is attached, but the registry's referrers API \
                 lists its artifactType as {listed} (the config media type, as go-containerregistry's registry does): \
                 `oras discover --artifact-type {artifact_type}` and Trivy do not find it"
            ),
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
            Self::SbomProfile { subject, referrer, profile, count, findings } => write!(
                f,
                "{subject}: SBOM referrer {referrer} does not conform to {profile}: {count} finding(s): {}{}",
                findings.join(", "),
                if *count > findings.len() { ", …" } else { "" }
            ),
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
            Self::LayoutTempFile { path, pid } => write!(
                f,
                "stray temporary file {path} of an interrupted write (process {pid} is gone): the next write to the \
                 layout removes it, or delete it; copies of the layout carry it along"
            ),
        }
    }
}

impl FindingKind {
    /// The verdict this kind of finding belongs to.
    pub fn verdict(&self) -> Verdict {
        match self {
            Self::SbomMissing { .. }
            | Self::SbomTypeNotListed { .. }
            | Self::SbomDuplicate { .. }
            | Self::ReferrersUnreadable { .. }
            | Self::ReferrerEntryUnreadable { .. }
            | Self::SbomUnreadable { .. }
            | Self::SbomProfile { .. }
            | Self::SbomHashMissing { .. }
            | Self::SbomHashMismatch { .. }
            | Self::SbomExtraZip { .. }
            | Self::ReleasePlatformNotStored { .. }
            | Self::ReleaseZipMismatch { .. }
            | Self::StoredPlatformNotInRelease { .. }
            | Self::ReleaseSettingUnreadable { .. }
            | Self::ReleaseSbomMissing { .. }
            | Self::ReleaseSbomDiffers { .. }
            | Self::ReleaseComponentsDiffer { .. }
            | Self::ReleaseHashesDiffer { .. }
            | Self::ReleaseIndexNotCompared { .. } => Verdict::SbomPolicy,
            // Exhaustive on purpose: a new kind must say which verdict it belongs to. A layout's stray temporary file
            // is a warning about the artifact's storage, OpenTofu's side.
            Self::TagNotAVersion { .. }
            | Self::TagUnresolvable { .. }
            | Self::TagHeadIncomplete { .. }
            | Self::TagArtifactType { .. }
            | Self::TagNotIndex { .. }
            | Self::ManifestTooLarge { .. }
            | Self::ManifestUnreadable { .. }
            | Self::ManifestContentType { .. }
            | Self::ManifestSizeMismatch { .. }
            | Self::InvalidDocument { .. }
            | Self::IndexMediaType { .. }
            | Self::IndexArtifactType { .. }
            | Self::EntryMediaType { .. }
            | Self::EntryNoPlatform { .. }
            | Self::NoProviderEntries { .. }
            | Self::EntryOsVersion { .. }
            | Self::EntryVariant { .. }
            | Self::ForeignEntry { .. }
            | Self::AmbiguousPlatform { .. }
            | Self::ManifestMediaType { .. }
            | Self::ManifestArtifactType { .. }
            | Self::NoZipLayer { .. }
            | Self::AmbiguousZipLayer { .. }
            | Self::LayerDigestNotSha256 { .. }
            | Self::LayerPlatformMismatch { .. }
            | Self::BlobInvalid { .. }
            | Self::BlobSizeMismatch { .. }
            | Self::LayoutTempFile { .. } => Verdict::Opentofu,
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
    /// The verdict it belongs to ([`FindingKind::verdict`]).
    pub verdict: Verdict,
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
