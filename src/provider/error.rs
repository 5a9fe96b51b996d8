//! The error type of the provider layer: OpenTofu's provider artifact (versions, tags, the package), and its SBOM
//! referrers (attach, pull). Everything the generic OCI layer can report arrives as [`ProviderError::Registry`],
//! unchanged (same message, same source chain).
//!
//! Must not know: HTTP or registry wire details beyond what [`RegistryError`] already says.

use std::path::PathBuf;

use crate::registry::RegistryError;

/// Result alias for the provider module.
pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// Everything that can go wrong while building, pushing or attaching to an OpenTofu provider artifact.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// A registry or OCI layout operation failed (transport, authentication, digest mismatch, missing manifest…).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A tag that would mislead OpenTofu (an extra tag spelling a version, a version tag that is not the version's).
    /// (Tags that break the OCI tag grammar are [`RegistryError::InvalidTag`].)
    #[error("tag {tag:?} refused: {reason}")]
    InvalidTag {
        /// The tag given.
        tag: String,
        /// Why it was refused.
        reason: String,
    },
    /// The SBOMs could not be rendered, or a timestamp option could not be read.
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),
    /// The artifact's creation time could not be written as RFC 3339.
    #[error("formatting the creation time")]
    Timestamp {
        /// The formatter's error.
        #[source]
        source: time::error::Format,
    },
    /// A provider version that OpenTofu would not resolve as a tag.
    #[error("version {version:?} cannot be published for OpenTofu: {reason}")]
    InvalidVersion {
        /// The version given.
        version: String,
        /// Why OpenTofu would not resolve it.
        reason: String,
    },
    /// The provider package description is inconsistent (duplicate platform, non-Go platform name, bad file name…).
    #[error("invalid provider package: {reason}")]
    InvalidPackage {
        /// What is wrong.
        reason: String,
    },
    /// A release ZIP does not hash to the sha256 it was declared with: nothing is pushed.
    #[error("{} has sha256 {actual}, but the release declares {expected}; nothing was pushed", path.display())]
    ZipDigestMismatch {
        /// The ZIP file.
        path: PathBuf,
        /// The declared digest.
        expected: String,
        /// The digest of the bytes on disk.
        actual: String,
    },
    /// A release ZIP's size on disk differs from the declared size.
    #[error("{} is {actual} bytes, but the release declares {expected}", path.display())]
    ZipSizeMismatch {
        /// The ZIP file.
        path: PathBuf,
        /// Declared size.
        expected: u64,
        /// Size on disk.
        actual: u64,
    },
    /// A file given to attach is not an SBOM this tool can attach (not CycloneDX or SPDX JSON).
    #[error("{name} is not an SBOM that can be attached: {reason}")]
    NotAnSbom {
        /// The file name (or path) given.
        name: String,
        /// Why it was refused.
        reason: String,
    },
    /// The subject of an attach (or of a listing) does not exist.
    #[error("subject {reference} not found: {reason}")]
    SubjectNotFound {
        /// The reference as given (`HOST/REPO@sha256:…`, `HOST/REPO:TAG`, `oci-layout:DIR@…`).
        reference: String,
        /// What was missing.
        reason: String,
    },
    /// No SBOM referrer of the requested kind is attached to the subject.
    #[error("no {artifact_type} referrer is attached to {subject} in {location}{note}")]
    NoSbomReferrer {
        /// The subject digest.
        subject: String,
        /// The artifactType looked for.
        artifact_type: String,
        /// The repository or layout.
        location: String,
        /// Empty, or `; …` naming layout entries that could not be read and may have been it.
        note: String,
    },
    /// Several SBOM referrers of the requested kind are attached and none is preferred.
    #[error(
        "{} {artifact_type} referrers are attached to {subject} in {location} ({}); pick one by digest or prune the older ones",
        candidates.len(),
        candidates.join(", ")
    )]
    AmbiguousSbomReferrer {
        /// The subject digest.
        subject: String,
        /// The artifactType looked for.
        artifact_type: String,
        /// The repository or layout.
        location: String,
        /// The referrer digests.
        candidates: Vec<String>,
    },
    /// A referrer manifest does not have the shape of an SBOM referrer (one layer whose media type is the
    /// artifactType).
    #[error("referrer {digest} in {location} is not a usable SBOM referrer: {reason}")]
    InvalidReferrer {
        /// The referrer manifest digest.
        digest: String,
        /// The repository or layout.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// The version tag was written (the release is live under it) but a later tag was not: the one outcome of a push
    /// or publish that is neither "done" nor "nothing visible changed" (the CLI exits 3 on it).
    #[error(
        "partially published: tag {} {} live at {digest} in {location}; not written: {} (re-run to write them)",
        live.join(", "),
        if live.len() == 1 { "is" } else { "are" },
        not_written.join(", ")
    )]
    PartiallyTagged {
        /// `HOST/REPO` or `oci-layout:DIR`.
        location: String,
        /// The index digest the live tags point at.
        digest: String,
        /// The tags that were written (the version tag first).
        live: Vec<String>,
        /// The tags that were not written (the first one failed).
        not_written: Vec<String>,
        /// Why the first of `not_written` failed.
        #[source]
        source: Box<Self>,
    },
}

impl ProviderError {
    /// True for faults where another attempt may succeed (connection reset, 5xx, 429): see
    /// [`RegistryError::is_transient`].
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Registry(e) if e.is_transient())
    }

    /// The registry error underneath, if this is one.
    pub fn as_registry(&self) -> Option<&RegistryError> {
        match self {
            Self::Registry(e) => Some(e),
            _ => None,
        }
    }
}
