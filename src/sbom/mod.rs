//! SBOM documents: CycloneDX 1.6 / 1.5 JSON and SPDX 2.3 JSON rendered from an `Inventory`; `read` is the one
//! reader of either format, [`Format`]/[`SbomKind`] the one home of "which format".
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
mod format;
pub mod ids;
pub mod read;
pub(crate) mod spdx;
pub(crate) mod spdx3;

use crate::inventory::Inventory;

pub use format::{
    Format, MEDIA_TYPE_CYCLONEDX, MEDIA_TYPE_SPDX, MEDIA_TYPE_SPDX3, SbomKind, UnknownSbomKind,
};
pub use read::{PackageId, ReadError, SbomSummary, ZipClaim, ZipClaims, read, zip_claims};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomError {
    /// A `--format` value that is none of the supported names.
    #[error(
        "unknown SBOM format {given:?}: expected cyclonedx-json, cyclonedx-json@1.6, cyclonedx-json@1.5, spdx-json, spdx-json@3.0.1"
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

/// Renders `inventory` as `format`: pretty JSON with a trailing newline, byte-identical for identical input.
pub fn render(inventory: &Inventory, format: Format) -> Result<Vec<u8>, SbomError> {
    match format {
        Format::CycloneDx16 => cyclonedx::render(inventory, cyclonedx::SpecVersion::V1_6),
        Format::CycloneDx15 => cyclonedx::render(inventory, cyclonedx::SpecVersion::V1_5),
        Format::Spdx23 => spdx::render(inventory),
        Format::Spdx301 => spdx3::render(inventory, format),
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
    fn timestamps_are_utc_whole_seconds() {
        let t = time::macros::datetime!(2024-01-02 03:04:05.999 +02:00);
        assert_eq!(format_timestamp(t), "2024-01-02T01:04:05Z");
    }
}
