//! Attaching SBOM files to a subject manifest (or index) as OCI referrers.
//!
//! Layout: this module holds the kinds of files attached, the options and the outcome types, and the entry points;
//! `prepare` builds referrer manifests (pure), `subject` resolves what they are attached to, `write` pushes them
//! under the subject lock and prunes older ones.
//!
//! Each SBOM file becomes one referrer image manifest (SPEC.md §6, image-spec "artifact without config"):
//!
//! ```json
//! {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
//!  "artifactType":"application/vnd.cyclonedx+json",
//!  "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa3…","size":2},
//!  "layers":[{"mediaType":"application/vnd.cyclonedx+json","digest":"sha256:…","size":N,
//!             "annotations":{"org.opencontainers.image.title":"FILE"}}],
//!  "subject":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:…","size":N},
//!  "annotations":{"dev.tofu-sbom.tool":"tofu-sbom/0.1.0","org.opencontainers.image.created":"…",
//!                 "org.opencontainers.image.title":"FILE"}}
//! ```
//!
//! * exactly one layer whose media type equals the manifest `artifactType` (Trivy requires both);
//! * the type is detected from the content with `crate::sbom::read` (CycloneDX JSON or SPDX JSON, as Trivy sniffs
//!   them); anything else is refused before anything is written; [`AttachOptions::artifact_type`] overrides the type
//!   (it must not contradict the content);
//! * `org.opencontainers.image.created` is the SBOM's own timestamp, never the current time (no timestamp: no
//!   annotation), so re-attaching the same file yields the same manifest digest;
//! * the title is on the layer (what `oras pull` names the file) and on the manifest (so that listings, which copy
//!   manifest annotations, show it); [`crate::provider::media_types::ANNOTATION_TOOL`] marks referrers this tool created;
//! * pushed by digest, never tagged;
//! * a referrer of the same `artifactType` whose layer has the same digest already attached ⇒ nothing is written,
//!   whatever its title.
//!
//! Order of writes: SBOM blob and empty config (skipped when present) → referrer manifest → (registries without the
//! referrers API) the fallback index → (opt-in) pruning of older referrers this tool created. All of it runs under
//! the subject lock ([`crate::registry::lock`]).
//!
//! Provenance files ([`attach_provenance`]): a provider's `SHA256SUMS` (`text/plain`) and its detached signature
//! (`application/pgp-signature`) are attached to the index the same way, as OpenTofu's OCI RFC draft proposed, so that
//! the signed checksums travel with a mirrored provider. They are typed ([`ProvenanceKind`]) and checked for their
//! shape (checksum lines; an OpenPGP packet or armor) — [`attach`] still refuses anything that is not an SBOM, and
//! `verify` never counts them as SBOMs (their artifact types are not SBOM types). They carry no `created`
//! annotation (the files have no timestamp), so re-attaching yields the same digest.
//!
//! `publish` is `push` + one [`attach`] per subject: each platform manifest gets its SBOMs, the index gets the
//! release-wide ones ([`subject_descriptor`] turns the digests of a push outcome into subjects).

use std::path::Path;

use serde::Serialize;

use crate::limits::Limits;
use crate::provider::error::ProviderError;
use crate::registry::digest::Digest;
use crate::registry::lock::LockOptions;
use crate::registry::manifest::Descriptor;
use crate::registry::reference::Target;
use crate::registry::referrers::{
    self, FallbackOptions, FallbackReport, ListOptions, ReferrerEntry, ReferrersListing,
    ReferrersMode, ReferrersSource,
};
use crate::registry::store::Store;
use crate::registry::{RegistryError, Result};

mod prepare;
mod subject;
mod write;

pub use prepare::{PreparedReferrer, prepare_provenance, prepare_referrer};
pub use subject::{resolve_subject, subject_descriptor};

/// The two SBOM kinds (their one home is [`crate::sbom::SbomKind`]; re-exported here, where referrers use it).
pub use crate::sbom::SbomKind;

/// `artifactType` (and layer media type) of a provider's `SHA256SUMS` referrer (OpenTofu OCI RFC draft).
pub const ARTIFACT_TYPE_CHECKSUMS: &str = "text/plain";
/// `artifactType` (and layer media type) of the detached OpenPGP signature of `SHA256SUMS` (RFC 3156).
pub const ARTIFACT_TYPE_PGP_SIGNATURE: &str = "application/pgp-signature";

/// The provenance files of a provider release that are attached to its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceKind {
    /// `terraform-provider-TYPE_VERSION_SHA256SUMS` (`text/plain`).
    Checksums,
    /// `terraform-provider-TYPE_VERSION_SHA256SUMS.sig` (`application/pgp-signature`).
    Signature,
}

impl ProvenanceKind {
    /// The referrer `artifactType` (= layer media type).
    pub fn artifact_type(self) -> &'static str {
        match self {
            Self::Checksums => ARTIFACT_TYPE_CHECKSUMS,
            Self::Signature => ARTIFACT_TYPE_PGP_SIGNATURE,
        }
    }

    /// The kind of an `artifactType`, if it is one of the two.
    pub fn from_artifact_type(t: &str) -> Option<Self> {
        match t {
            ARTIFACT_TYPE_CHECKSUMS => Some(Self::Checksums),
            ARTIFACT_TYPE_PGP_SIGNATURE => Some(Self::Signature),
            _ => None,
        }
    }

    /// Checks that `bytes` have this kind's shape; the reason when they do not.
    fn check(self, bytes: &[u8]) -> std::result::Result<(), String> {
        match self {
            Self::Checksums => {
                let text = std::str::from_utf8(bytes)
                    .map_err(|_| "a checksums file must be UTF-8 text".to_owned())?;
                let mut lines = 0usize;
                for (n, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let mut fields = line.split_whitespace();
                    let hex = fields.next().unwrap_or_default();
                    let name = fields.next();
                    if hex.len() != 64
                        || !hex.bytes().all(|b| b.is_ascii_hexdigit())
                        || name.is_none()
                    {
                        return Err(format!("line {} is not `<sha256 hex>  <file name>`", n + 1));
                    }
                    lines += 1;
                }
                if lines == 0 {
                    return Err("it lists no checksums".into());
                }
                Ok(())
            }
            Self::Signature => {
                // An OpenPGP packet starts with a tag byte whose top bit is set (RFC 4880 §4.2); armor starts with
                // its header line.
                let armored = bytes.starts_with(b"-----BEGIN PGP SIGNATURE-----");
                if armored || bytes.first().is_some_and(|b| b & 0x80 != 0) {
                    Ok(())
                } else {
                    Err("it is neither an OpenPGP packet nor an ASCII-armored signature".into())
                }
            }
        }
    }
}

impl std::fmt::Display for ProvenanceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Checksums => "checksums",
            Self::Signature => "signature",
        })
    }
}

/// What a referrer built by this module holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferrerKind {
    /// An SBOM document.
    Sbom(SbomKind),
    /// A provenance file of the release.
    Provenance(ProvenanceKind),
}

/// A provenance file to attach: its kind, file name (the title) and exact bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceFile {
    /// Checksums or signature.
    pub kind: ProvenanceKind,
    /// The file name recorded as `org.opencontainers.image.title` (a base name).
    pub name: String,
    /// The exact bytes (pushed as they are).
    pub bytes: Vec<u8>,
}

impl ProvenanceFile {
    /// A provenance file held in memory.
    pub fn new(kind: ProvenanceKind, name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            kind,
            name: name.into(),
            bytes,
        }
    }
}

/// An SBOM document to attach: its file name (the title) and its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomFile {
    /// The file name recorded as `org.opencontainers.image.title` (a base name, no directories).
    pub name: String,
    /// The exact bytes (pushed as they are).
    pub bytes: Vec<u8>,
}

impl SbomFile {
    /// An SBOM held in memory (e.g. just rendered by `publish`).
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            bytes,
        }
    }

    /// Reads an SBOM file (at most `limits.max_sbom_bytes`); its base name becomes the title.
    pub fn read(path: &Path, limits: &Limits) -> Result<Self, ProviderError> {
        use std::io::Read as _;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| ProviderError::NotAnSbom {
                name: path.display().to_string(),
                reason: "the path has no UTF-8 file name".into(),
            })?
            .to_owned();
        let f = std::fs::File::open(path)
            .map_err(|e| ProviderError::from(RegistryError::io("reading", path, e)))?;
        let mut bytes = Vec::new();
        f.take(limits.max_sbom_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| ProviderError::from(RegistryError::io("reading", path, e)))?;
        if bytes.len() as u64 > limits.max_sbom_bytes {
            return Err(RegistryError::TooLarge {
                what: path.display().to_string(),
                limit: limits.max_sbom_bytes,
            }
            .into());
        }
        Ok(Self { name, bytes })
    }
}

/// Options of [`attach`].
#[derive(Debug, Clone)]
pub struct AttachOptions {
    /// Referrers API / fallback tag selection (registries only).
    pub mode: ReferrersMode,
    /// Use this `artifactType` instead of the detected one (a valid `type/subtype` media type; it must not
    /// contradict the content when it is one of the two SBOM types).
    pub artifact_type: Option<String>,
    /// Value of `ANNOTATION_TOOL` (`NAME/VERSION`); empty: the referrers are not marked as ours.
    pub tool: String,
    /// Remove older referrers this tool created for the same subject and artifactType (opt-in).
    pub prune_own: bool,
    /// Fallback index writing.
    pub fallback: FallbackOptions,
    /// Subject lock.
    pub lock: LockOptions,
    /// How often a manifest PUT failing with `MANIFEST_BLOB_UNKNOWN` is retried after re-uploading its blobs.
    pub blob_unknown_retries: u32,
}

impl Default for AttachOptions {
    fn default() -> Self {
        Self {
            mode: ReferrersMode::Auto,
            artifact_type: None,
            tool: default_tool(),
            prune_own: false,
            fallback: FallbackOptions::default(),
            lock: LockOptions::default(),
            blob_unknown_retries: 3,
        }
    }
}

/// `tofu-sbom/<crate version>`.
pub fn default_tool() -> String {
    concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned()
}

/// What happened to one SBOM file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachStatus {
    /// A new referrer was pushed (and recorded).
    Added,
    /// A referrer of the same artifactType with the same layer digest was already attached; nothing was written.
    AlreadyPresent,
}

/// One attached SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedReferrer {
    /// The title (file name).
    pub title: String,
    /// `artifactType`.
    pub artifact_type: String,
    /// The referrer manifest digest (the existing one when [`AttachStatus::AlreadyPresent`]).
    pub digest: Digest,
    /// The referrer manifest size.
    pub size: u64,
    /// The SBOM blob digest (layer).
    pub sbom_digest: Digest,
    /// The SBOM blob size.
    pub sbom_size: u64,
    /// `org.opencontainers.image.created` of the referrer pushed (the SBOM timestamp).
    pub created: Option<String>,
    /// Added or already present.
    pub status: AttachStatus,
}

/// What happened to one pruned referrer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PruneStatus {
    /// The manifest was deleted (and removed from the fallback index / `index.json`).
    Deleted,
    /// The registry refused to delete the manifest (405/403): a warning. With the fallback tag the entry was removed
    /// from the index, so the referrer no longer shows up; with the referrers API it is still listed.
    DeleteRefused {
        /// The registry's answer.
        message: String,
    },
}

/// One referrer removed by pruning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrunedReferrer {
    /// The referrer as it was listed.
    pub referrer: ReferrerEntry,
    /// The outcome.
    #[serde(flatten)]
    pub status: PruneStatus,
}

/// The result of [`attach`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachOutcome {
    /// The subject.
    pub subject: Descriptor,
    /// How referrers are recorded for it.
    pub method: ReferrersSource,
    /// One entry per SBOM file, in the order given.
    pub referrers: Vec<AttachedReferrer>,
    /// The fallback index update, when the fallback tag was used and something had to be written or checked.
    pub fallback: Option<FallbackReport>,
    /// Referrers removed by [`AttachOptions::prune_own`].
    pub pruned: Vec<PrunedReferrer>,
    /// Blobs uploaded (0 on a no-op re-attach).
    pub uploaded_blobs: usize,
}

/// Attaches `files` to `subject` (see the module docs). Every file is checked before anything is written.
pub async fn attach(
    store: &Store,
    subject: &Descriptor,
    files: &[SbomFile],
    opts: &AttachOptions,
) -> Result<AttachOutcome, ProviderError> {
    let limits = *store.limits();
    let prepared = files
        .iter()
        .map(|f| prepare_referrer(subject, f, opts, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    write::attach_prepared(store, subject, &prepared, opts).await
}

/// Attaches a release's provenance files (its `SHA256SUMS` and signature) to `subject`, its index — like [`attach`],
/// with the same idempotence and referrers-mode rules. Every file is checked before anything is written.
pub async fn attach_provenance(
    store: &Store,
    subject: &Descriptor,
    files: &[ProvenanceFile],
    opts: &AttachOptions,
) -> Result<AttachOutcome, ProviderError> {
    let limits = *store.limits();
    let prepared = files
        .iter()
        .map(|f| prepare_provenance(subject, f, opts, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    write::attach_prepared(store, subject, &prepared, opts).await
}

/// [`attach`] of `files` and [`attach_provenance`] of `provenance` to one subject in **one** write: one lock, one
/// listing and one fallback-index update — so, on a registry without the referrers API, one settle delay instead of
/// two. Returns the SBOMs' outcome and the provenance files' (`None` when `provenance` is empty), as the two calls
/// would: each lists its own referrers, pruned referrers and uploaded blobs (the empty config, shared, is counted
/// once, in the SBOMs' outcome when they need it); the fallback report, when there is one, is the same in both.
/// Every file is checked before anything is written.
pub async fn attach_with_provenance(
    store: &Store,
    subject: &Descriptor,
    files: &[SbomFile],
    provenance: &[ProvenanceFile],
    opts: &AttachOptions,
) -> Result<(AttachOutcome, Option<AttachOutcome>), ProviderError> {
    let limits = *store.limits();
    let mut prepared = files
        .iter()
        .map(|f| prepare_referrer(subject, f, opts, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    let n = prepared.len();
    for f in provenance {
        prepared.push(prepare_provenance(subject, f, opts, &limits)?);
    }
    let (mut all, uploads) =
        write::attach_prepared_counted(store, subject, &prepared, opts).await?;
    if provenance.is_empty() {
        return Ok((all, None));
    }
    let (sbom_pruned, prov_pruned): (Vec<_>, Vec<_>) = all
        .pruned
        .drain(..)
        .partition(|p| ProvenanceKind::from_artifact_type(&p.referrer.artifact_type).is_none());
    let prov = AttachOutcome {
        subject: all.subject.clone(),
        method: all.method,
        referrers: all.referrers.split_off(n),
        fallback: all.fallback.clone(),
        pruned: prov_pruned,
        uploaded_blobs: uploads[n..].iter().sum(),
    };
    all.pruned = sbom_pruned;
    all.uploaded_blobs = uploads[..n].iter().sum();
    Ok((all, Some(prov)))
}

/// Resolves `target` (a tag or a digest, see [`resolve_subject`]) and attaches `files` to it: what `tofu-sbom attach`
/// does.
pub async fn attach_to_target(
    store: &Store,
    target: &Target,
    files: &[SbomFile],
    opts: &AttachOptions,
) -> Result<AttachOutcome, ProviderError> {
    let subject = resolve_subject(store, target).await?;
    attach(store, &subject, files, opts).await
}

/// Resolves `target` (a tag or a digest, see [`resolve_subject`]) and lists its referrers: what `tofu-sbom
/// referrers` does.
pub async fn list_subject_referrers(
    store: &Store,
    target: &Target,
    opts: &ListOptions,
) -> Result<ReferrersListing, ProviderError> {
    let subject = resolve_subject(store, target).await?;
    Ok(referrers::list_referrers(store, &subject.digest, opts).await?)
}
