//! THE reader of CycloneDX and SPDX JSON documents (this tool's and other tools'), used wherever an SBOM is read
//! back: `attach` (before attaching), `sbom pull`, `verify` and `verify --release`.
//!
//! * Format detection exactly as Trivy sniffs (SPEC §4.1): CycloneDX iff the top-level `"bomFormat"` is
//!   `"CycloneDX"`, SPDX iff the top-level `"SPDXID"` is `"SPDXRef-DOCUMENT"` ([`read`]); SPDX 3 (which Trivy does
//!   not read) iff the top-level `"@context"` names `https://spdx.org/rdf/3.…/spdx-context.jsonld` and there is a
//!   `"@graph"`.
//! * One lenient serde model of the three (`cyclonedx`, `spdx`, `spdx3`; the top level of each is one
//!   `Document`, parsed in one pass): unknown fields are ignored, fields of interest are optional or defaulted.
//! * What is read from it: the kind, version, timestamp and package list ([`SbomSummary`]); the ZIP SHA-256 claims
//!   of the root ([`zip_claims`]); and, inside the crate, the typed fields `verify --release` reads its settings
//!   from.
//!
//! Input is untrusted (it may come from a registry): its size is capped by [`Limits::max_sbom_bytes`], serde_json
//! bounds nesting depth (128). This module knows nothing of registries, providers or verification.
//!
//! Where this tool's documents record the ZIP SHA-256 (see [`crate::inventory`] and the writers in [`crate::sbom`]):
//!
//! | document | CycloneDX | SPDX |
//! |---|---|---|
//! | per platform | `metadata.component.hashes[SHA-256]`, property `tofu-sbom:lock:zh` = `zh:<hex>`, one `distribution` external reference with hashes | the described package's `checksums[SHA256]`, annotation `tofu-sbom:lock:zh: zh:<hex>`, annotation `tofu-sbom:distribution: NAME sha256:<hex> …` |
//! | release-wide | one `distribution` external reference per ZIP (url = ZIP name) | one `tofu-sbom:distribution: NAME sha256:<hex> …` annotation per ZIP |
//!
//! SPDX 3: the root package's `verifiedUsing` SHA-256 and its `tofu-sbom:lock:zh` annotation (per platform), and
//! one `software_File` per ZIP that the root `hasDistributionArtifact` (both documents).
//!
//! SBOMs of other tools usually record none of these; `verify` then reports the hash as missing.

pub(crate) mod cyclonedx;
pub(crate) mod spdx;
pub(crate) mod spdx3;

use std::collections::BTreeSet;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::format::{Format, SbomKind};
use crate::limits::Limits;

/// A package listed in an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageId {
    /// Component / package name.
    pub name: String,
    /// Version, when given.
    pub version: Option<String>,
    /// Package URL, when given.
    pub purl: Option<String>,
}

/// What [`read`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomSummary {
    /// The format family.
    pub kind: SbomKind,
    /// CycloneDX `specVersion` (e.g. `1.6`), SPDX `spdxVersion` (e.g. `SPDX-2.3`) or SPDX 3 `specVersion` (e.g.
    /// `3.0.1`); empty when absent.
    pub spec_version: String,
    /// CycloneDX `metadata.timestamp` / SPDX `creationInfo.created`, when present.
    pub timestamp: Option<OffsetDateTime>,
    /// Every component (CycloneDX: `metadata.component` and all `components`, nested ones included) or package
    /// (SPDX), deduplicated.
    pub packages: BTreeSet<PackageId>,
}

impl SbomSummary {
    /// The format this tool writes that the document is in (`None`: another spec version).
    pub fn format(&self) -> Option<Format> {
        Format::of_document(self.kind, &self.spec_version)
    }

    /// `CycloneDX 1.4`, `SPDX-2.2`: the family and version, for messages.
    pub fn describe(&self) -> String {
        match self.kind {
            SbomKind::CycloneDx => format!("CycloneDX {}", self.spec_version),
            SbomKind::Spdx => self.spec_version.clone(),
            SbomKind::Spdx3 => format!("SPDX {}", self.spec_version),
        }
    }
}

/// Errors reading an SBOM.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The document is larger than [`Limits::max_sbom_bytes`].
    #[error("SBOM document is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Document size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The bytes are not a JSON object of the expected shape.
    #[error("SBOM document is not valid JSON of the expected shape: {source}")]
    Json {
        /// The parse error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// Valid JSON, but neither CycloneDX nor SPDX.
    #[error(
        "not a CycloneDX JSON (top-level \"bomFormat\": \"CycloneDX\"), SPDX JSON (top-level \"SPDXID\": \"SPDXRef-DOCUMENT\") or SPDX 3 JSON-LD (top-level \"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\" and \"@graph\") document"
    )]
    UnknownFormat,
    /// The timestamp is not RFC 3339.
    #[error("SBOM timestamp {value:?} is not an RFC 3339 date-time")]
    BadTimestamp {
        /// The value found.
        value: String,
    },
}

/// The top level of a CycloneDX or SPDX JSON document: both formats' fields, read in one pass (their names do not
/// overlap), so that one parse serves detection and every reading.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Document {
    // CycloneDX
    pub(crate) bom_format: Option<String>,
    pub(crate) spec_version: Option<String>,
    pub(crate) metadata: Option<cyclonedx::Metadata>,
    pub(crate) components: Option<Vec<cyclonedx::Component>>,
    // SPDX
    #[serde(rename = "SPDXID")]
    pub(crate) spdx_id: Option<String>,
    pub(crate) spdx_version: Option<String>,
    pub(crate) creation_info: Option<spdx::CreationInfo>,
    pub(crate) document_describes: Vec<String>,
    pub(crate) relationships: Vec<spdx::Relationship>,
    pub(crate) packages: Option<Vec<spdx::Package>>,
    // SPDX 3
    #[serde(rename = "@context")]
    pub(crate) context: Option<serde_json::Value>,
    #[serde(rename = "@graph")]
    pub(crate) graph: Option<Vec<spdx3::Node>>,
}

impl Document {
    /// Parses `bytes` (no size check: see [`read`]).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ReadError> {
        serde_json::from_slice(bytes).map_err(|source| ReadError::Json { source })
    }

    /// The format family as Trivy detects it (module docs).
    pub(crate) fn kind(&self) -> Option<SbomKind> {
        if self.bom_format.as_deref() == Some("CycloneDX") {
            Some(SbomKind::CycloneDx)
        } else if self.spdx_id.as_deref() == Some("SPDXRef-DOCUMENT") {
            Some(SbomKind::Spdx)
        } else if self.graph.is_some() && self.context.as_ref().is_some_and(spdx3::is_spdx3_context)
        {
            Some(SbomKind::Spdx3)
        } else {
            None
        }
    }

    /// The CycloneDX root component, when present.
    pub(crate) fn cdx_root(&self) -> Option<&cyclonedx::Component> {
        self.metadata.as_ref()?.component.as_ref()
    }
}

fn parse_time(value: Option<String>) -> Result<Option<OffsetDateTime>, ReadError> {
    value
        .map(|v| {
            OffsetDateTime::parse(&v, &Rfc3339)
                .map_err(|_| ReadError::BadTimestamp { value: v.clone() })
        })
        .transpose()
}

/// Detects the format of `bytes` and lists its packages (see the module docs).
pub fn read(bytes: &[u8], limits: &Limits) -> Result<SbomSummary, ReadError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_sbom_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: limits.max_sbom_bytes,
        });
    }
    let doc = Document::parse(bytes)?;
    let kind = doc.kind().ok_or(ReadError::UnknownFormat)?;
    let mut packages = BTreeSet::new();
    let (spec_version, timestamp) = match kind {
        SbomKind::CycloneDx => {
            let (timestamp, root) = match doc.metadata {
                Some(m) => (m.timestamp, m.component),
                None => (None, None),
            };
            cyclonedx::collect_packages(
                root.into_iter()
                    .chain(doc.components.unwrap_or_default())
                    .collect(),
                &mut packages,
            );
            (doc.spec_version, timestamp)
        }
        SbomKind::Spdx => {
            spdx::collect_packages(doc.packages.unwrap_or_default(), &mut packages);
            (doc.spdx_version, doc.creation_info.and_then(|c| c.created))
        }
        SbomKind::Spdx3 => {
            spdx3::collect_packages(&doc, &mut packages);
            doc.spdx3_version_and_time()
        }
    };
    Ok(SbomSummary {
        kind,
        spec_version: spec_version.unwrap_or_default(),
        timestamp: parse_time(timestamp)?,
        packages,
    })
}

/// One ZIP an SBOM lists as distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipClaim {
    /// The ZIP file name, when recorded.
    pub file_name: String,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// Every ZIP SHA-256 an SBOM records on its root (the provider); see the table in the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZipClaims {
    /// The root's own SHA-256 hashes (per-platform documents), lowercase hex.
    pub root_sha256: Vec<String>,
    /// The root's `zh:` lock hash, when recorded.
    pub lock_zh: Option<String>,
    /// The root's `h1:` lock hash (`tofu-sbom:lock:h1`), when recorded (this tool's per-platform documents).
    pub lock_h1: Option<String>,
    /// The distributed ZIPs.
    pub distributions: Vec<ZipClaim>,
}

/// Reads the ZIP claims of a document of `kind` (module docs); a document without a root claims nothing.
pub fn zip_claims(bytes: &[u8], kind: SbomKind) -> Result<ZipClaims, ReadError> {
    let doc = Document::parse(bytes)?;
    Ok(match kind {
        SbomKind::CycloneDx => doc
            .cdx_root()
            .map(cyclonedx::zip_claims)
            .unwrap_or_default(),
        SbomKind::Spdx => spdx::zip_claims(&doc),
        SbomKind::Spdx3 => spdx3::zip_claims(&doc),
    })
}

#[cfg(test)]
mod tests;
