//! A small SBOM reader: recognises CycloneDX JSON and SPDX 2.x JSON exactly as Trivy sniffs them (SPEC §4.1:
//! CycloneDX iff the top-level `"bomFormat"` is `"CycloneDX"`, SPDX iff the top-level `"SPDXID"` is
//! `"SPDXRef-DOCUMENT"`), and returns the document timestamp and the set of (name, version, purl) it lists. Used to
//! check SBOMs before attaching them and when verifying pushed ones.
//!
//! Input is untrusted (it may come from a registry): its size is capped by [`Limits::max_sbom_bytes`], serde_json
//! bounds nesting depth (128), and unknown fields are ignored.

use std::collections::BTreeSet;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::limits::Limits;

/// Which format a document is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKind {
    /// CycloneDX JSON with its `specVersion`.
    CycloneDx {
        /// `specVersion`, e.g. `1.6`.
        spec_version: String,
    },
    /// SPDX JSON with its `spdxVersion`.
    Spdx {
        /// `spdxVersion`, e.g. `SPDX-2.3`.
        spdx_version: String,
    },
}

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
    /// The format.
    pub kind: DocumentKind,
    /// CycloneDX `metadata.timestamp` / SPDX `creationInfo.created`, when present.
    pub timestamp: Option<OffsetDateTime>,
    /// Every component (CycloneDX: `metadata.component` and all `components`, nested ones included) or package
    /// (SPDX), deduplicated.
    pub packages: BTreeSet<PackageId>,
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
        "not a CycloneDX JSON (top-level \"bomFormat\": \"CycloneDX\") or SPDX JSON (top-level \"SPDXID\": \"SPDXRef-DOCUMENT\") document"
    )]
    UnknownFormat,
    /// The timestamp is not RFC 3339.
    #[error("SBOM timestamp {value:?} is not an RFC 3339 date-time")]
    BadTimestamp {
        /// The value found.
        value: String,
    },
}

/// Both formats' fields of interest, read in one pass.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    metadata: Option<CdxMetadata>,
    components: Option<Vec<CdxComponent>>,
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
    #[serde(rename = "creationInfo")]
    creation_info: Option<SpdxCreationInfo>,
    packages: Option<Vec<SpdxPackage>>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    timestamp: Option<String>,
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    components: Option<Vec<Self>>,
}

#[derive(Deserialize)]
struct SpdxCreationInfo {
    created: Option<String>,
}

#[derive(Deserialize)]
struct SpdxPackage {
    name: Option<String>,
    #[serde(rename = "versionInfo")]
    version_info: Option<String>,
    #[serde(rename = "externalRefs")]
    external_refs: Option<Vec<SpdxExternalRef>>,
}

#[derive(Deserialize)]
struct SpdxExternalRef {
    #[serde(rename = "referenceCategory")]
    category: Option<String>,
    #[serde(rename = "referenceType")]
    reference_type: Option<String>,
    #[serde(rename = "referenceLocator")]
    locator: Option<String>,
}

fn parse_time(value: Option<String>) -> Result<Option<OffsetDateTime>, ReadError> {
    value
        .map(|v| {
            OffsetDateTime::parse(&v, &Rfc3339)
                .map_err(|_| ReadError::BadTimestamp { value: v.clone() })
        })
        .transpose()
}

/// Collects CycloneDX components without recursion (nesting is already bounded by serde_json, but an explicit
/// stack keeps this independent of it).
fn collect_cdx(roots: Vec<CdxComponent>, out: &mut BTreeSet<PackageId>) {
    let mut stack = roots;
    while let Some(c) = stack.pop() {
        if let Some(children) = c.components {
            stack.extend(children);
        }
        out.insert(PackageId {
            name: c.name.unwrap_or_default(),
            version: c.version,
            purl: c.purl,
        });
    }
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
    let probe: Probe =
        serde_json::from_slice(bytes).map_err(|source| ReadError::Json { source })?;
    let mut packages = BTreeSet::new();
    if probe.bom_format.as_deref() == Some("CycloneDX") {
        let (timestamp, root) = match probe.metadata {
            Some(m) => (m.timestamp, m.component),
            None => (None, None),
        };
        collect_cdx(
            root.into_iter()
                .chain(probe.components.unwrap_or_default())
                .collect(),
            &mut packages,
        );
        return Ok(SbomSummary {
            kind: DocumentKind::CycloneDx {
                spec_version: probe.spec_version.unwrap_or_default(),
            },
            timestamp: parse_time(timestamp)?,
            packages,
        });
    }
    if probe.spdx_id.as_deref() == Some("SPDXRef-DOCUMENT") {
        for p in probe.packages.unwrap_or_default() {
            let purl = p
                .external_refs
                .unwrap_or_default()
                .into_iter()
                .find_map(|r| {
                    (r.category.as_deref() == Some("PACKAGE-MANAGER")
                        && r.reference_type.as_deref() == Some("purl"))
                    .then_some(r.locator)
                    .flatten()
                });
            packages.insert(PackageId {
                name: p.name.unwrap_or_default(),
                version: p.version_info,
                purl,
            });
        }
        return Ok(SbomSummary {
            kind: DocumentKind::Spdx {
                spdx_version: probe.spdx_version.unwrap_or_default(),
            },
            timestamp: parse_time(probe.creation_info.and_then(|c| c.created))?,
            packages,
        });
    }
    Err(ReadError::UnknownFormat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, version: Option<&str>, purl: Option<&str>) -> PackageId {
        PackageId {
            name: name.into(),
            version: version.map(Into::into),
            purl: purl.map(Into::into),
        }
    }

    #[test]
    fn reads_cyclonedx_with_nested_components() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"timestamp":"2024-01-02T03:04:05Z",
            "component":{"type":"application","name":"root"}},
            "components":[{"type":"library","name":"a","version":"v1","purl":"pkg:golang/a@v1",
              "components":[{"type":"library","name":"b"}]}]}"#;
        let s = read(doc, &Limits::default()).unwrap();
        assert_eq!(
            s.kind,
            DocumentKind::CycloneDx {
                spec_version: "1.5".into()
            }
        );
        assert_eq!(
            s.timestamp,
            Some(time::macros::datetime!(2024-01-02 03:04:05 UTC))
        );
        assert_eq!(
            s.packages,
            BTreeSet::from([
                pkg("root", None, None),
                pkg("a", Some("v1"), Some("pkg:golang/a@v1")),
                pkg("b", None, None)
            ])
        );
    }

    #[test]
    fn reads_spdx_purl_from_package_manager_ref_only() {
        let doc = br#"{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3","creationInfo":{"created":"2024-01-02T03:04:05Z"},
            "packages":[{"name":"x","versionInfo":"1","externalRefs":[
              {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:x"},
              {"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:golang/x@1"}]}]}"#;
        let s = read(doc, &Limits::default()).unwrap();
        assert_eq!(
            s.kind,
            DocumentKind::Spdx {
                spdx_version: "SPDX-2.3".into()
            }
        );
        assert_eq!(
            s.packages,
            BTreeSet::from([pkg("x", Some("1"), Some("pkg:golang/x@1"))])
        );
    }

    #[test]
    fn rejects_other_documents() {
        let limits = Limits::default();
        assert!(matches!(
            read(br#"{"bomFormat":"cyclonedx"}"#, &limits),
            Err(ReadError::UnknownFormat)
        ));
        assert!(matches!(
            read(br#"{"SPDXID":"SPDXRef-X"}"#, &limits),
            Err(ReadError::UnknownFormat)
        ));
        assert!(matches!(
            read(b"[1,2]", &limits),
            Err(ReadError::Json { .. })
        ));
        let err = read(
            br#"{"bomFormat":"CycloneDX","metadata":{"timestamp":"yesterday"}}"#,
            &limits,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "SBOM timestamp \"yesterday\" is not an RFC 3339 date-time"
        );
        let small = Limits {
            max_sbom_bytes: 4,
            ..Limits::default()
        };
        // Exactly at the limit: read (and found to be neither format).
        assert_eq!(
            read(b"{ } ", &small).unwrap_err().to_string(),
            "not a CycloneDX JSON (top-level \"bomFormat\": \"CycloneDX\") or SPDX JSON (top-level \"SPDXID\": \
             \"SPDXRef-DOCUMENT\") document"
        );
        assert_eq!(
            read(b"{  } ", &small).unwrap_err().to_string(),
            "SBOM document is 5 bytes, over the limit of 4 bytes"
        );
    }
}
