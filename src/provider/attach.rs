//! Attaching SBOM files to a subject manifest (or index) as OCI referrers.
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
//! * the type is detected from the content with [`crate::sbom::read`] (CycloneDX JSON or SPDX JSON, as Trivy sniffs
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

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::limits::Limits;
use crate::provider::media_types::{ANNOTATION_TOOL, ToolAnnotation as _};
use crate::registry::client::BlobSource;
use crate::registry::digest::Digest;
use crate::registry::lock::{self, LockOptions};
use crate::registry::manifest::{
    ANNOTATION_CREATED, ANNOTATION_TITLE, Descriptor, EMPTY_JSON, ImageManifest,
    MEDIA_TYPE_DOCKER_LIST, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST,
    decode, sniff_media_type, to_canonical_bytes,
};
use crate::registry::reference::Target;
use crate::registry::referrers::{
    self, FallbackOptions, FallbackReport, ListOptions, ReferrerEntry, ReferrersMode,
    ReferrersSource,
};
use crate::registry::store::Store;
use crate::registry::{RegistryError, Result};
use crate::sbom;

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
    pub fn read(path: &Path, limits: &Limits) -> Result<Self> {
        use std::io::Read as _;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| RegistryError::NotAnSbom {
                name: path.display().to_string(),
                reason: "the path has no UTF-8 file name".into(),
            })?
            .to_owned();
        let f = std::fs::File::open(path).map_err(|e| RegistryError::io("reading", path, e))?;
        let mut bytes = Vec::new();
        f.take(limits.max_sbom_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| RegistryError::io("reading", path, e))?;
        if bytes.len() as u64 > limits.max_sbom_bytes {
            return Err(RegistryError::TooLarge {
                what: path.display().to_string(),
                limit: limits.max_sbom_bytes,
            });
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
    /// Value of [`ANNOTATION_TOOL`] (`NAME/VERSION`); empty: the referrers are not marked as ours.
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

/// A referrer manifest built from one SBOM file (pure; nothing written yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedReferrer {
    /// The title (file name).
    pub title: String,
    /// The `artifactType` (= layer media type).
    pub artifact_type: String,
    /// The detected document kind (an SBOM kind, or the provenance kind given).
    pub kind: ReferrerKind,
    /// `org.opencontainers.image.created` (the SBOM's timestamp), when it has one.
    pub created: Option<String>,
    /// The SBOM bytes.
    pub sbom: Vec<u8>,
    /// Their digest (the layer digest).
    pub sbom_digest: Digest,
    /// The exact manifest bytes.
    pub manifest: Vec<u8>,
    /// The manifest digest.
    pub manifest_digest: Digest,
    /// The manifest's annotations (copied into the fallback index entry).
    pub annotations: BTreeMap<String, String>,
}

impl PreparedReferrer {
    /// The descriptor of the referrer manifest as a referrers list records it (artifactType and annotations).
    pub fn descriptor(&self) -> Descriptor {
        let mut d = Descriptor::new(
            MEDIA_TYPE_MANIFEST,
            self.manifest_digest.clone(),
            self.manifest.len() as u64,
        );
        d.artifact_type = self.artifact_type.clone();
        d.annotations = self.annotations.clone();
        d
    }
}

/// RFC 6838 `type/subtype` without parameters (the image spec's `artifactType` grammar).
fn is_media_type(s: &str) -> bool {
    let restricted = |p: &str| {
        !p.is_empty()
            && p.len() <= 127
            && p.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    s.split_once('/')
        .is_some_and(|(t, st)| restricted(t) && restricted(st))
}

/// Builds the referrer manifest of `file` for `subject` (see the module docs). Refuses anything that is not a
/// CycloneDX or SPDX JSON document.
pub fn prepare_referrer(
    subject: &Descriptor,
    file: &SbomFile,
    opts: &AttachOptions,
    limits: &Limits,
) -> Result<PreparedReferrer> {
    let refuse = |reason: String| RegistryError::NotAnSbom {
        name: file.name.clone(),
        reason,
    };
    if file.name.is_empty() || file.name.contains('/') || file.name.contains('\\') {
        return Err(refuse(format!(
            "the title {:?} must be a plain file name",
            file.name
        )));
    }
    let summary = sbom::read(&file.bytes, limits).map_err(|e| refuse(e.to_string()))?;
    let kind = summary.kind;
    let artifact_type = match &opts.artifact_type {
        None => kind.artifact_type().to_owned(),
        Some(t) => {
            if !is_media_type(t) {
                return Err(RegistryError::InvalidOption {
                    option: "artifact type",
                    value: t.clone(),
                    expected: "a media type type/subtype without parameters".into(),
                });
            }
            if let Some(k) = SbomKind::from_artifact_type(t)
                && k != kind
            {
                return Err(refuse(format!(
                    "it is a {kind} document, but the artifact type {t} says {k}"
                )));
            }
            t.clone()
        }
    };
    let created = summary.timestamp.map(sbom::format_timestamp);
    Ok(build_referrer(
        subject,
        &file.name,
        &file.bytes,
        artifact_type,
        ReferrerKind::Sbom(kind),
        created,
        opts,
    ))
}

/// Builds the referrer manifest of a provenance file for `subject` (see the module docs): the artifact type is the
/// kind's, the bytes must have the kind's shape, there is no `created` annotation.
pub fn prepare_provenance(
    subject: &Descriptor,
    file: &ProvenanceFile,
    opts: &AttachOptions,
    limits: &Limits,
) -> Result<PreparedReferrer> {
    let refuse = |reason: String| RegistryError::InvalidOption {
        option: "provenance file",
        value: file.name.clone(),
        expected: format!("a {} file: {reason}", file.kind),
    };
    if file.name.is_empty() || file.name.contains('/') || file.name.contains('\\') {
        return Err(refuse("the title must be a plain file name".into()));
    }
    if file.bytes.len() as u64 > limits.max_sbom_bytes {
        return Err(RegistryError::TooLarge {
            what: file.name.clone(),
            limit: limits.max_sbom_bytes,
        });
    }
    file.kind.check(&file.bytes).map_err(refuse)?;
    Ok(build_referrer(
        subject,
        &file.name,
        &file.bytes,
        file.kind.artifact_type().to_owned(),
        ReferrerKind::Provenance(file.kind),
        None,
        opts,
    ))
}

/// The referrer manifest of one file (pure).
fn build_referrer(
    subject: &Descriptor,
    name: &str,
    bytes: &[u8],
    artifact_type: String,
    kind: ReferrerKind,
    created: Option<String>,
    opts: &AttachOptions,
) -> PreparedReferrer {
    let sbom_digest = Digest::sha256_of(bytes);
    let mut layer = Descriptor::new(&artifact_type, sbom_digest.clone(), bytes.len() as u64);
    layer
        .annotations
        .insert(ANNOTATION_TITLE.to_owned(), name.to_owned());
    let mut annotations = BTreeMap::new();
    annotations.insert(ANNOTATION_TITLE.to_owned(), name.to_owned());
    if let Some(c) = &created {
        annotations.insert(ANNOTATION_CREATED.to_owned(), c.clone());
    }
    if !opts.tool.is_empty() {
        annotations.insert(ANNOTATION_TOOL.to_owned(), opts.tool.clone());
    }
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: MEDIA_TYPE_MANIFEST.to_owned(),
        artifact_type: artifact_type.clone(),
        config: Descriptor::empty_config(),
        layers: vec![layer],
        subject: Some(Descriptor::new(
            &subject.media_type,
            subject.digest.clone(),
            subject.size,
        )),
        annotations: annotations.clone(),
    };
    let (manifest_bytes, manifest_digest) = to_canonical_bytes(&manifest);
    PreparedReferrer {
        title: name.to_owned(),
        artifact_type,
        kind,
        created,
        sbom: bytes.to_vec(),
        sbom_digest,
        manifest: manifest_bytes,
        manifest_digest,
        annotations,
    }
}

/// The descriptor of the manifest `digest` in `store` (media type, digest, size), for use as a subject. A missing
/// manifest is [`RegistryError::SubjectNotFound`] naming `reference`.
pub async fn subject_descriptor(store: &Store, digest: &Digest) -> Result<Descriptor> {
    let reference = match store {
        Store::Registry { client, repository } => {
            format!("{}/{repository}@{digest}", client.registry())
        }
        Store::Layout { .. } => format!("{}@{digest}", store.describe()),
    };
    let fetched = match store.fetch_manifest(digest).await {
        Ok(m) => m,
        Err(RegistryError::NotFound { .. }) => {
            return Err(RegistryError::SubjectNotFound {
                reference,
                reason: "no manifest with this digest exists".into(),
            });
        }
        Err(e) => return Err(e),
    };
    let media_type = if fetched.media_type.is_empty() {
        sniff_media_type(&fetched.bytes).unwrap_or_default()
    } else {
        fetched.media_type
    };
    if ![
        MEDIA_TYPE_INDEX,
        MEDIA_TYPE_MANIFEST,
        MEDIA_TYPE_DOCKER_LIST,
        MEDIA_TYPE_DOCKER_MANIFEST,
    ]
    .contains(&media_type.as_str())
    {
        return Err(RegistryError::SubjectNotFound {
            reference,
            reason: format!("it is not an image manifest or index (media type {media_type:?})"),
        });
    }
    Ok(Descriptor::new(
        &media_type,
        fetched.digest,
        fetched.bytes.len() as u64,
    ))
}

/// Resolves an attach subject: `HOST/REPO@DIGEST`, `HOST/REPO:TAG` (the tag is resolved to its digest first) or
/// `oci-layout:DIR[:TAG|@DIGEST]`.
pub async fn resolve_subject(store: &Store, target: &Target) -> Result<Descriptor> {
    if let Some(d) = target.digest() {
        return subject_descriptor(store, d).await.map_err(|e| match e {
            RegistryError::SubjectNotFound { reason, .. } => RegistryError::SubjectNotFound {
                reference: target.to_string(),
                reason,
            },
            other => other,
        });
    }
    let Some(tag) = target.tag() else {
        return Err(RegistryError::InvalidReference {
            input: target.to_string(),
            reason: "a subject needs a tag or a digest".into(),
        });
    };
    let resolved = match store.resolve_tag(tag).await {
        Ok(r) => r,
        Err(RegistryError::NotFound { .. }) => {
            return Err(RegistryError::SubjectNotFound {
                reference: target.to_string(),
                reason: format!("tag {tag} does not exist"),
            });
        }
        Err(e) => return Err(e),
    };
    subject_descriptor(store, &resolved.digest)
        .await
        .map_err(|e| match e {
            RegistryError::SubjectNotFound { reason, .. } => RegistryError::SubjectNotFound {
                reference: target.to_string(),
                reason,
            },
            other => other,
        })
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

/// The lock key of `subject` in `store`.
fn lock_key(store: &Store, subject: &Digest) -> String {
    match store {
        Store::Registry { client, repository } => {
            lock::registry_key(client.registry(), repository, subject.as_str())
        }
        Store::Layout { layout, .. } => lock::layout_key(layout.dir()),
    }
}

/// The layer digest of referrer `digest` (fetched), when it has exactly one layer.
async fn single_layer_digest(store: &Store, digest: &Digest) -> Result<Option<Digest>> {
    let m = store.fetch_manifest(digest).await?;
    let manifest: ImageManifest = decode(&m.bytes, &format!("referrer {digest}"))?;
    Ok(match manifest.layers.as_slice() {
        [l] => Some(l.digest.clone()),
        _ => None,
    })
}

/// Uploads the blobs of `p` that are missing, returning how many were uploaded.
async fn upload_blobs(store: &Store, p: &PreparedReferrer) -> Result<usize> {
    let config = Descriptor::empty_config();
    let mut n = 0;
    for (digest, bytes) in [
        (&config.digest, EMPTY_JSON.to_vec()),
        (&p.sbom_digest, p.sbom.clone()),
    ] {
        let size = bytes.len() as u64;
        if store.blob_exists(digest).await? != Some(size) {
            store
                .put_blob(digest, size, &BlobSource::Bytes(bytes), None)
                .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Pushes the referrer manifest by digest (re-uploading blobs on `MANIFEST_BLOB_UNKNOWN`); returns the uploads made
/// and whether the registry answered `OCI-Subject` for `subject`.
async fn push_referrer(
    store: &Store,
    subject: &Digest,
    p: &PreparedReferrer,
    opts: &AttachOptions,
) -> Result<(usize, bool)> {
    let mut uploads = upload_blobs(store, p).await?;
    let desc = p.descriptor();
    let mut tries = 0;
    loop {
        match store.put_manifest(&p.manifest, &desc, None).await {
            Ok(resp) => {
                if let Store::Layout { layout, limits } = store {
                    layout.add_untagged(&desc, limits.max_registry_response)?;
                }
                return Ok((uploads, resp.oci_subject.as_ref() == Some(subject)));
            }
            Err(e) if e.registry_code() == Some("MANIFEST_BLOB_UNKNOWN") => {
                tries += 1;
                if tries > opts.blob_unknown_retries {
                    return Err(RegistryError::ManifestBlobUnknown {
                        digest: p.manifest_digest.to_string(),
                        message: e.to_string(),
                    });
                }
                uploads += upload_blobs(store, p).await?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// True for the answers to a manifest DELETE that mean "not allowed here" (a warning when pruning).
fn delete_refused(e: &RegistryError) -> bool {
    match e {
        RegistryError::Denied { .. } => true,
        RegistryError::Registry { status, code, .. } => {
            matches!(status, 403 | 405) || code.as_deref() == Some("UNSUPPORTED")
        }
        _ => false,
    }
}

/// Attaches `files` to `subject` (see the module docs). Every file is checked before anything is written.
pub async fn attach(
    store: &Store,
    subject: &Descriptor,
    files: &[SbomFile],
    opts: &AttachOptions,
) -> Result<AttachOutcome> {
    let limits = *store.limits();
    let prepared = files
        .iter()
        .map(|f| prepare_referrer(subject, f, opts, &limits))
        .collect::<Result<Vec<_>>>()?;
    attach_prepared(store, subject, &prepared, opts).await
}

/// Attaches a release's provenance files (its `SHA256SUMS` and signature) to `subject`, its index — like [`attach`],
/// with the same idempotence and referrers-mode rules. Every file is checked before anything is written.
pub async fn attach_provenance(
    store: &Store,
    subject: &Descriptor,
    files: &[ProvenanceFile],
    opts: &AttachOptions,
) -> Result<AttachOutcome> {
    let limits = *store.limits();
    let prepared = files
        .iter()
        .map(|f| prepare_provenance(subject, f, opts, &limits))
        .collect::<Result<Vec<_>>>()?;
    attach_prepared(store, subject, &prepared, opts).await
}

/// Writes prepared referrers of `subject` (the shared second half of [`attach`] and [`attach_provenance`]).
async fn attach_prepared(
    store: &Store,
    subject: &Descriptor,
    prepared: &[PreparedReferrer],
    opts: &AttachOptions,
) -> Result<AttachOutcome> {
    let _guard = lock::lock_subject(&lock_key(store, &subject.digest), &opts.lock).await?;

    let listing = referrers::list_referrers(
        store,
        &subject.digest,
        &ListOptions {
            mode: opts.mode,
            artifact_type: None,
        },
    )
    .await?;
    let mut uploaded_blobs = 0;
    let mut api_confirmed = listing.source == ReferrersSource::Api;
    let mut added: Vec<Descriptor> = Vec::new();
    let mut out: Vec<AttachedReferrer> = Vec::new();
    // Layer digests of listed referrers, fetched at most once each.
    let mut layer_of: BTreeMap<Digest, Option<Digest>> = BTreeMap::new();
    for p in prepared {
        let mut existing: Option<&ReferrerEntry> = None;
        for e in listing
            .entries
            .iter()
            .filter(|e| e.artifact_type == p.artifact_type)
        {
            let layer = match layer_of.get(&e.digest) {
                Some(l) => l.clone(),
                None => {
                    let l = match single_layer_digest(store, &e.digest).await {
                        Ok(l) => l,
                        // A listed referrer that no longer exists does not count as present.
                        Err(RegistryError::NotFound { .. }) => None,
                        Err(err) => return Err(err),
                    };
                    layer_of.insert(e.digest.clone(), l.clone());
                    l
                }
            };
            if layer.as_ref() == Some(&p.sbom_digest) {
                existing = Some(e);
                break;
            }
        }
        // The same file twice in one call.
        let earlier = out
            .iter()
            .find(|r| r.artifact_type == p.artifact_type && r.sbom_digest == p.sbom_digest);
        if let Some(e) = existing {
            out.push(AttachedReferrer {
                title: p.title.clone(),
                artifact_type: p.artifact_type.clone(),
                digest: e.digest.clone(),
                size: e.size,
                sbom_digest: p.sbom_digest.clone(),
                sbom_size: p.sbom.len() as u64,
                created: e.created.clone(),
                status: AttachStatus::AlreadyPresent,
            });
            continue;
        }
        if let Some(r) = earlier {
            let r = AttachedReferrer {
                status: AttachStatus::AlreadyPresent,
                title: p.title.clone(),
                ..r.clone()
            };
            out.push(r);
            continue;
        }
        let (uploads, oci_subject) = push_referrer(store, &subject.digest, p, opts).await?;
        uploaded_blobs += uploads;
        api_confirmed |= oci_subject;
        added.push(p.descriptor());
        out.push(AttachedReferrer {
            title: p.title.clone(),
            artifact_type: p.artifact_type.clone(),
            digest: p.manifest_digest.clone(),
            size: p.manifest.len() as u64,
            sbom_digest: p.sbom_digest.clone(),
            sbom_size: p.sbom.len() as u64,
            created: p.created.clone(),
            status: AttachStatus::Added,
        });
    }

    // Older referrers of ours to prune: same artifactType as a file of this call, not one kept by this call.
    let mut prune: Vec<ReferrerEntry> = Vec::new();
    if opts.prune_own {
        for e in &listing.entries {
            let kept = out.iter().any(|r| r.digest == e.digest);
            let same_type = out.iter().any(|r| r.artifact_type == e.artifact_type);
            if e.tool().is_some() && same_type && !kept {
                prune.push(e.clone());
            }
        }
    }
    let remove: Vec<Digest> = prune.iter().map(|e| e.digest.clone()).collect();

    let method = if api_confirmed && opts.mode != ReferrersMode::Tag {
        ReferrersSource::Api
    } else {
        listing.source
    };
    let mut fallback = None;
    if method == ReferrersSource::FallbackTag
        && (!added.is_empty() || !remove.is_empty())
        && let Store::Registry { client, repository } = store
    {
        fallback = Some(
            referrers::update_fallback(
                client,
                repository,
                &subject.digest,
                &added,
                &remove,
                &opts.fallback,
            )
            .await?,
        );
    }

    let mut pruned = Vec::new();
    for e in prune {
        let status = match store {
            Store::Layout { layout, limits } => {
                layout.remove_untagged(&e.digest, limits.max_registry_response)?;
                PruneStatus::Deleted
            }
            Store::Registry { client, repository } => {
                match client.delete_manifest(repository, &e.digest).await {
                    Ok(()) | Err(RegistryError::NotFound { .. }) => PruneStatus::Deleted,
                    Err(err) if delete_refused(&err) => PruneStatus::DeleteRefused {
                        message: err.to_string(),
                    },
                    Err(err) => return Err(err),
                }
            }
        };
        pruned.push(PrunedReferrer {
            referrer: e,
            status,
        });
    }

    Ok(AttachOutcome {
        subject: subject.clone(),
        method,
        referrers: out,
        fallback,
        pruned,
        uploaded_blobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::referrers::{ARTIFACT_TYPE_CYCLONEDX, ARTIFACT_TYPE_SPDX};

    const CDX: &[u8] = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"timestamp":"2024-03-04T06:06:07+01:00"}}"#;
    const SPDX: &[u8] = br#"{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3","creationInfo":{"created":"2024-03-04T05:06:07Z"}}"#;

    fn subject() -> Descriptor {
        Descriptor::new(MEDIA_TYPE_INDEX, Digest::sha256_of(b"index"), 5)
    }

    fn opts() -> AttachOptions {
        AttachOptions {
            tool: "tofu-sbom/9.9.9".into(),
            ..AttachOptions::default()
        }
    }

    #[test]
    fn referrer_manifest_has_the_exact_shape() {
        let f = SbomFile::from_bytes("x.cdx.json", CDX.to_vec());
        let p = prepare_referrer(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.kind, ReferrerKind::Sbom(SbomKind::CycloneDx));
        assert_eq!(p.created.as_deref(), Some("2024-03-04T05:06:07Z"));
        assert_eq!(
            String::from_utf8(p.manifest.clone()).unwrap(),
            format!(
                concat!(
                    r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#,
                    r#""artifactType":"application/vnd.cyclonedx+json","#,
                    r#""config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"#,
                    r#""layers":[{{"mediaType":"application/vnd.cyclonedx+json","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.title":"x.cdx.json"}}}}],"#,
                    r#""subject":{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{}","size":5}},"#,
                    r#""annotations":{{"dev.tofu-sbom.tool":"tofu-sbom/9.9.9","org.opencontainers.image.created":"2024-03-04T05:06:07Z","org.opencontainers.image.title":"x.cdx.json"}}}}"#
                ),
                Digest::sha256_of(CDX),
                CDX.len(),
                Digest::sha256_of(b"index")
            )
        );
        assert_eq!(p.manifest_digest, Digest::sha256_of(&p.manifest));
        let d = p.descriptor();
        assert_eq!(d.artifact_type, ARTIFACT_TYPE_CYCLONEDX);
        assert_eq!(d.annotations, p.annotations);
        // Deterministic: the same file gives the same digest.
        let again = prepare_referrer(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(again.manifest_digest, p.manifest_digest);
    }

    #[test]
    fn spdx_and_overrides() {
        let f = SbomFile::from_bytes("x.spdx.json", SPDX.to_vec());
        let p = prepare_referrer(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.artifact_type, ARTIFACT_TYPE_SPDX);
        let o = AttachOptions {
            artifact_type: Some("application/vnd.cyclonedx+json".into()),
            ..opts()
        };
        assert_eq!(
            prepare_referrer(&subject(), &f, &o, &Limits::default())
                .unwrap_err()
                .to_string(),
            "x.spdx.json is not an SBOM that can be attached: it is a spdx document, but the artifact type \
             application/vnd.cyclonedx+json says cyclonedx"
        );
        let o = AttachOptions {
            artifact_type: Some("application/vnd.example.sbom+json".into()),
            ..opts()
        };
        let p = prepare_referrer(&subject(), &f, &o, &Limits::default()).unwrap();
        assert_eq!(p.artifact_type, "application/vnd.example.sbom+json");
        let o = AttachOptions {
            artifact_type: Some("application/spdx+json; version=2.3".into()),
            ..opts()
        };
        assert_eq!(
            prepare_referrer(&subject(), &f, &o, &Limits::default())
                .unwrap_err()
                .to_string(),
            "invalid artifact type \"application/spdx+json; version=2.3\": expected a media type type/subtype \
             without parameters"
        );
    }

    #[test]
    fn non_sboms_are_refused() {
        let l = Limits::default();
        let e = |name: &str, bytes: &[u8]| {
            prepare_referrer(
                &subject(),
                &SbomFile::from_bytes(name, bytes.to_vec()),
                &opts(),
                &l,
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            e("notes.json", br#"{"hello":"world"}"#),
            "notes.json is not an SBOM that can be attached: not a CycloneDX JSON (top-level \"bomFormat\": \
             \"CycloneDX\") or SPDX JSON (top-level \"SPDXID\": \"SPDXRef-DOCUMENT\") document"
        );
        assert!(
            e("bin", b"\x7fELF\x02").starts_with(
                "bin is not an SBOM that can be attached: SBOM document is not valid JSON of the expected shape: "
            )
        );
        assert_eq!(
            e("../x.json", CDX),
            "../x.json is not an SBOM that can be attached: the title \"../x.json\" must be a plain file name"
        );
    }

    #[test]
    fn provenance_referrers_have_their_types_and_no_created_annotation() {
        let sums =
            b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  a.zip\n".to_vec();
        let f = ProvenanceFile::new(
            ProvenanceKind::Checksums,
            "p_1.0.0_SHA256SUMS",
            sums.clone(),
        );
        let p = prepare_provenance(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.kind, ReferrerKind::Provenance(ProvenanceKind::Checksums));
        assert_eq!(
            String::from_utf8(p.manifest.clone()).unwrap(),
            format!(
                concat!(
                    r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#,
                    r#""artifactType":"text/plain","#,
                    r#""config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"#,
                    r#""layers":[{{"mediaType":"text/plain","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.title":"p_1.0.0_SHA256SUMS"}}}}],"#,
                    r#""subject":{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{}","size":5}},"#,
                    r#""annotations":{{"dev.tofu-sbom.tool":"tofu-sbom/9.9.9","org.opencontainers.image.title":"p_1.0.0_SHA256SUMS"}}}}"#
                ),
                Digest::sha256_of(&sums),
                sums.len(),
                Digest::sha256_of(b"index")
            )
        );
        let sig = ProvenanceFile::new(ProvenanceKind::Signature, "x.sig", vec![0x88, 0x75, 0x04]);
        let p = prepare_provenance(&subject(), &sig, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.artifact_type, "application/pgp-signature");
        assert_eq!(p.created, None);
        let e = |kind, bytes: &[u8]| {
            prepare_provenance(
                &subject(),
                &ProvenanceFile::new(kind, "f", bytes.to_vec()),
                &opts(),
                &Limits::default(),
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            e(ProvenanceKind::Checksums, b"not a checksum line\n"),
            "invalid provenance file \"f\": expected a checksums file: line 1 is not `<sha256 hex>  <file name>`"
        );
        assert_eq!(
            e(ProvenanceKind::Checksums, b"\n"),
            "invalid provenance file \"f\": expected a checksums file: it lists no checksums"
        );
        assert_eq!(
            e(ProvenanceKind::Signature, br#"{"bomFormat":"CycloneDX"}"#),
            "invalid provenance file \"f\": expected a signature file: it is neither an OpenPGP packet nor an \
             ASCII-armored signature"
        );
        // The SBOM path still refuses a checksums file.
        assert!(
            prepare_referrer(
                &subject(),
                &SbomFile::from_bytes("s", sums),
                &opts(),
                &Limits::default()
            )
            .unwrap_err()
            .to_string()
            .starts_with("s is not an SBOM that can be attached: ")
        );
        assert_eq!(
            ProvenanceKind::from_artifact_type("text/plain"),
            Some(ProvenanceKind::Checksums)
        );
        assert_eq!(SbomKind::from_artifact_type("text/plain"), None);
    }

    #[test]
    fn an_sbom_without_timestamp_gets_no_created_annotation() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#;
        let p = prepare_referrer(
            &subject(),
            &SbomFile::from_bytes("a.cdx.json", doc.to_vec()),
            &AttachOptions {
                tool: String::new(),
                ..opts()
            },
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(p.created, None);
        assert_eq!(
            p.annotations,
            BTreeMap::from([(ANNOTATION_TITLE.to_owned(), "a.cdx.json".to_owned())])
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(
            "cyclonedx".parse::<SbomKind>().unwrap(),
            SbomKind::CycloneDx
        );
        assert_eq!(
            "application/spdx+json".parse::<SbomKind>().unwrap(),
            SbomKind::Spdx
        );
        assert_eq!(
            "xml".parse::<SbomKind>().unwrap_err().to_string(),
            "invalid SBOM kind \"xml\": expected cyclonedx or spdx"
        );
        assert!(is_media_type("application/vnd.cyclonedx+json"));
        assert!(!is_media_type("application/"));
        assert!(!is_media_type("text"));
    }
}
