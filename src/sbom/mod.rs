//! SBOM documents: CycloneDX 1.6 / 1.5 JSON and SPDX 2.3 JSON rendered from an [`Inventory`], and a small reader
//! that recognises either format.
//!
//! Why our own serde structs instead of a crate:
//! * `cyclonedx-bom` (0.8) writes CycloneDX 1.3–1.5 only (no 1.6, which is our default) and its `Purl` type
//!   percent-encodes the `/` of Go module paths;
//! * `spdx-rs` (0.5) is SPDX-2.2-era and unmaintained since 2023, fills sample creators and writes timestamps with
//!   nanoseconds that `pyspdxtools` rejects.
//!
//! So each format is a set of `pub(crate)` structs shaped like its JSON schema (`rename_all`, `skip_serializing_if`,
//! typed constants for `bomFormat`/`specVersion`/relationship types), filled from the inventory by a pure function.
//!
//! Output is reproducible: identical input gives byte-identical output (pretty JSON, two-space indent, one trailing
//! newline; everything sorted; the timestamp comes from the input). The CycloneDX `serialNumber` and the SPDX
//! `documentNamespace` are UUIDv5 values derived from the document content and the ZIP digests; see [`ids`].

pub(crate) mod cyclonedx;
pub mod ids;
pub mod reader;
pub(crate) mod spdx;

use std::fmt;
use std::str::FromStr;

use crate::inventory::Inventory;

pub use reader::{DocumentKind, PackageId, SbomSummary, read};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// CycloneDX 1.6 JSON (`cyclonedx-json`); read by Trivy ≥ 0.53.
    CycloneDx16,
    /// CycloneDX 1.5 JSON (`cyclonedx-json@1.5`); also read by older Trivy (≤ 0.52).
    CycloneDx15,
    /// SPDX 2.3 JSON (`spdx-json`).
    Spdx23,
}

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomError {
    /// A `--format` value that is none of the supported names.
    #[error(
        "unknown SBOM format {given:?}: expected cyclonedx-json, cyclonedx-json@1.6, cyclonedx-json@1.5, spdx-json"
    )]
    UnknownFormat {
        /// The value given.
        given: String,
    },
    /// JSON serialization failed (not expected for these plain structs; reported rather than panicking).
    #[error("serializing the {format} document failed: {source}")]
    Serialize {
        /// The format being written.
        format: Format,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
    },
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Self; 3] = [Self::CycloneDx16, Self::CycloneDx15, Self::Spdx23];

    /// Parses a `--format` value: `cyclonedx-json` (= `cyclonedx-json@1.6`), `cyclonedx-json@1.5`, `spdx-json`
    /// (= `spdx-json@2.3`).
    pub fn parse(s: &str) -> Result<Self, SbomError> {
        match s {
            "cyclonedx-json" | "cyclonedx-json@1.6" => Ok(Self::CycloneDx16),
            "cyclonedx-json@1.5" => Ok(Self::CycloneDx15),
            "spdx-json" | "spdx-json@2.3" => Ok(Self::Spdx23),
            other => Err(SbomError::UnknownFormat {
                given: other.to_owned(),
            }),
        }
    }

    /// The canonical name with its version, e.g. `cyclonedx-json@1.6` (also the format tag hashed into the ids).
    pub fn name(self) -> &'static str {
        match self {
            Self::CycloneDx16 => "cyclonedx-json@1.6",
            Self::CycloneDx15 => "cyclonedx-json@1.5",
            Self::Spdx23 => "spdx-json@2.3",
        }
    }

    /// The file extension, including the leading dot: `.cdx.json` or `.spdx.json`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::CycloneDx16 | Self::CycloneDx15 => ".cdx.json",
            Self::Spdx23 => ".spdx.json",
        }
    }

    /// The media type (also the OCI `artifactType` Trivy looks for): `application/vnd.cyclonedx+json` or
    /// `application/spdx+json`.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::CycloneDx16 | Self::CycloneDx15 => "application/vnd.cyclonedx+json",
            Self::Spdx23 => "application/spdx+json",
        }
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

/// Renders `inventory` as `format`: pretty JSON with a trailing newline, byte-identical for identical input.
pub fn render(inventory: &Inventory, format: Format) -> Result<Vec<u8>, SbomError> {
    match format {
        Format::CycloneDx16 => cyclonedx::render(inventory, cyclonedx::SpecVersion::V1_6),
        Format::CycloneDx15 => cyclonedx::render(inventory, cyclonedx::SpecVersion::V1_5),
        Format::Spdx23 => spdx::render(inventory),
    }
}

/// Serializes `value` as pretty JSON (two-space indent) with one trailing newline.
pub(crate) fn to_pretty_json<T: serde::Serialize>(
    value: &T,
    format: Format,
) -> Result<Vec<u8>, SbomError> {
    let mut out = serde_json::to_vec_pretty(value)
        .map_err(|source| SbomError::Serialize { format, source })?;
    out.push(b'\n');
    Ok(out)
}

/// The document timestamp as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds), the form both CycloneDX and SPDX accept.
pub(crate) fn format_timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
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
             cyclonedx-json@1.5, spdx-json"
        );
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
    fn timestamps_are_utc_whole_seconds() {
        let t = time::macros::datetime!(2024-01-02 03:04:05.999 +02:00);
        assert_eq!(format_timestamp(t), "2024-01-02T01:04:05Z");
    }
}
