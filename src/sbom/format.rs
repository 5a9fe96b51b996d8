//! Which SBOM format: the one home of that concept.
//!
//! * [`SbomKind`] is the document family as the OCI side sees it — CycloneDX JSON or SPDX JSON — with its media type
//!   (= the referrer `artifactType` Trivy looks for), its short name and its file suffix. The reader
//!   ([`crate::sbom::read`]) reports it, `attach`/`sbom pull`/`verify` match referrers on it.
//! * [`Format`] is what the writers render: a family at one spec version (`cyclonedx-json@1.6`, …), with its
//!   `--format` name; [`Format::kind`] is its family, and the reader maps a document back to it
//!   ([`crate::sbom::SbomSummary::format`]).
//!
//! This module knows no registry, no provider and no verification: only names, media types and suffixes.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::SbomError;

/// Media type of CycloneDX JSON (also the OCI `artifactType` and layer media type of its referrers).
pub const MEDIA_TYPE_CYCLONEDX: &str = "application/vnd.cyclonedx+json";
/// Media type of SPDX JSON (also the OCI `artifactType` and layer media type of its referrers).
pub const MEDIA_TYPE_SPDX: &str = "application/spdx+json";
/// Media type of SPDX 3 JSON-LD (also the OCI `artifactType` and layer media type of its referrers): registered with
/// IANA on 2026-06-05 (`https://www.iana.org/assignments/media-types/application/spdx3+json`), distinct from SPDX
/// JSON's because the data model differs.
pub const MEDIA_TYPE_SPDX3: &str = "application/spdx3+json";

/// The SBOM document families this tool writes, reads and attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SbomKind {
    /// CycloneDX JSON (`application/vnd.cyclonedx+json`).
    CycloneDx,
    /// SPDX 2.x JSON (`application/spdx+json`).
    Spdx,
    /// SPDX 3 JSON-LD (`application/spdx3+json`).
    Spdx3,
}

/// A value that names neither SBOM kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SBOM kind {value:?}: expected cyclonedx, spdx or spdx3")]
pub struct UnknownSbomKind {
    /// The value given.
    pub value: String,
}

impl SbomKind {
    /// Every kind, CycloneDX first.
    pub const ALL: [Self; 3] = [Self::CycloneDx, Self::Spdx, Self::Spdx3];

    /// The media type, which is also the referrer `artifactType` (= layer media type).
    pub fn artifact_type(self) -> &'static str {
        match self {
            Self::CycloneDx => MEDIA_TYPE_CYCLONEDX,
            Self::Spdx => MEDIA_TYPE_SPDX,
            Self::Spdx3 => MEDIA_TYPE_SPDX3,
        }
    }

    /// `cyclonedx`, `spdx` or `spdx3`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CycloneDx => "cyclonedx",
            Self::Spdx => "spdx",
            Self::Spdx3 => "spdx3",
        }
    }

    /// The file suffix, including the leading dot: `.cdx.json`, `.spdx.json` or `.spdx3.json`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::CycloneDx => ".cdx.json",
            Self::Spdx => ".spdx.json",
            Self::Spdx3 => ".spdx3.json",
        }
    }

    /// The kind of an `artifactType` (media type), if it is one of ours.
    pub fn from_artifact_type(t: &str) -> Option<Self> {
        match t {
            MEDIA_TYPE_CYCLONEDX => Some(Self::CycloneDx),
            MEDIA_TYPE_SPDX => Some(Self::Spdx),
            MEDIA_TYPE_SPDX3 => Some(Self::Spdx3),
            _ => None,
        }
    }
}

impl FromStr for SbomKind {
    type Err = UnknownSbomKind;

    /// `cyclonedx` / `spdx` / `spdx3` (also their media types).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cyclonedx" | MEDIA_TYPE_CYCLONEDX => Ok(Self::CycloneDx),
            "spdx" | MEDIA_TYPE_SPDX => Ok(Self::Spdx),
            "spdx3" | MEDIA_TYPE_SPDX3 => Ok(Self::Spdx3),
            other => Err(UnknownSbomKind {
                value: other.to_owned(),
            }),
        }
    }
}

impl fmt::Display for SbomKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// CycloneDX 1.6 JSON (`cyclonedx-json`); read by Trivy ≥ 0.53.
    CycloneDx16,
    /// CycloneDX 1.5 JSON (`cyclonedx-json@1.5`); also read by older Trivy (≤ 0.52).
    CycloneDx15,
    /// SPDX 2.3 JSON (`spdx-json`); what Trivy reads.
    Spdx23,
    /// SPDX 3.0.1 JSON-LD (`spdx-json@3.0.1`); what BSI TR-03183-2 v2.1 asks for. Trivy does not read it.
    Spdx301,
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Self; 4] = [
        Self::CycloneDx16,
        Self::CycloneDx15,
        Self::Spdx23,
        Self::Spdx301,
    ];

    /// Parses a `--format` value: `cyclonedx-json` (= `cyclonedx-json@1.6`), `cyclonedx-json@1.5`, `spdx-json`
    /// (= `spdx-json@2.3`), `spdx-json@3.0.1`.
    pub fn parse(s: &str) -> Result<Self, SbomError> {
        match s {
            "cyclonedx-json" | "cyclonedx-json@1.6" => Ok(Self::CycloneDx16),
            "cyclonedx-json@1.5" => Ok(Self::CycloneDx15),
            "spdx-json" | "spdx-json@2.3" => Ok(Self::Spdx23),
            "spdx-json@3.0.1" => Ok(Self::Spdx301),
            other => Err(SbomError::UnknownFormat {
                given: other.to_owned(),
            }),
        }
    }

    /// The format a document of `kind` with this version field is in: CycloneDX `specVersion` `1.6`/`1.5`, SPDX
    /// `spdxVersion` `SPDX-2.3`, SPDX 3 `specVersion` `3.0.1`; `None` for any other version (not a format this tool
    /// writes).
    pub fn of_document(kind: SbomKind, version: &str) -> Option<Self> {
        match (kind, version) {
            (SbomKind::CycloneDx, "1.6") => Some(Self::CycloneDx16),
            (SbomKind::CycloneDx, "1.5") => Some(Self::CycloneDx15),
            (SbomKind::Spdx, "SPDX-2.3") => Some(Self::Spdx23),
            (SbomKind::Spdx3, "3.0.1") => Some(Self::Spdx301),
            _ => None,
        }
    }

    /// The document family.
    pub fn kind(self) -> SbomKind {
        match self {
            Self::CycloneDx16 | Self::CycloneDx15 => SbomKind::CycloneDx,
            Self::Spdx23 => SbomKind::Spdx,
            Self::Spdx301 => SbomKind::Spdx3,
        }
    }

    /// The canonical name with its version, e.g. `cyclonedx-json@1.6` (also the format tag hashed into the ids).
    pub fn name(self) -> &'static str {
        match self {
            Self::CycloneDx16 => "cyclonedx-json@1.6",
            Self::CycloneDx15 => "cyclonedx-json@1.5",
            Self::Spdx23 => "spdx-json@2.3",
            Self::Spdx301 => "spdx-json@3.0.1",
        }
    }

    /// The file extension, including the leading dot: `.cdx.json`, `.spdx.json` or `.spdx3.json`.
    pub fn extension(self) -> &'static str {
        self.kind().extension()
    }

    /// The media type (also the OCI `artifactType` Trivy looks for): `application/vnd.cyclonedx+json`,
    /// `application/spdx+json` or `application/spdx3+json`.
    pub fn media_type(self) -> &'static str {
        self.kind().artifact_type()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = SbomError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_extensions_media_types() {
        assert_eq!(
            Format::parse("cyclonedx-json").unwrap(),
            Format::CycloneDx16
        );
        assert_eq!(
            Format::parse("cyclonedx-json@1.6").unwrap(),
            Format::CycloneDx16
        );
        assert_eq!(
            Format::parse("cyclonedx-json@1.5").unwrap(),
            Format::CycloneDx15
        );
        assert_eq!("spdx-json".parse::<Format>().unwrap(), Format::Spdx23);
        assert_eq!(
            Format::parse("cyclonedx-json@1.7").unwrap_err().to_string(),
            "unknown SBOM format \"cyclonedx-json@1.7\": expected cyclonedx-json, cyclonedx-json@1.6, \
             cyclonedx-json@1.5, spdx-json, spdx-json@3.0.1"
        );
        assert_eq!(Format::parse("spdx-json@3.0.1").unwrap(), Format::Spdx301);
        assert_eq!(Format::Spdx301.extension(), ".spdx3.json");
        assert_eq!(Format::Spdx301.media_type(), "application/spdx3+json");
        assert_eq!(Format::CycloneDx15.extension(), ".cdx.json");
        assert_eq!(Format::Spdx23.extension(), ".spdx.json");
        assert_eq!(
            Format::CycloneDx16.media_type(),
            "application/vnd.cyclonedx+json"
        );
        assert_eq!(Format::Spdx23.media_type(), "application/spdx+json");
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()).unwrap(), f);
        }
    }

    #[test]
    fn kinds_and_document_versions() {
        assert_eq!(SbomKind::from_artifact_type("text/plain"), None);
        for k in SbomKind::ALL {
            assert_eq!(SbomKind::from_artifact_type(k.artifact_type()), Some(k));
            assert_eq!(k.name().parse::<SbomKind>().unwrap(), k);
        }
        assert_eq!(
            "xml".parse::<SbomKind>().unwrap_err().to_string(),
            "invalid SBOM kind \"xml\": expected cyclonedx, spdx or spdx3"
        );
        assert_eq!(
            Format::of_document(SbomKind::CycloneDx, "1.5"),
            Some(Format::CycloneDx15)
        );
        assert_eq!(Format::of_document(SbomKind::CycloneDx, "1.4"), None);
        assert_eq!(Format::of_document(SbomKind::Spdx, "SPDX-2.2"), None);
        for f in Format::ALL {
            assert_eq!(f.kind().artifact_type(), f.media_type());
        }
    }
}
