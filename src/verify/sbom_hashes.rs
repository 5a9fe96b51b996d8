//! What an SBOM says about the provider ZIPs it describes, read back for `verify` (pure, lenient, bounded by the
//! caller's size limit and serde_json's nesting limit).
//!
//! Where this tool's documents record the ZIP SHA-256 (see [`crate::inventory`] and [`crate::sbom`]):
//!
//! | document | CycloneDX | SPDX |
//! |---|---|---|
//! | per platform | `metadata.component.hashes[SHA-256]`, property `tofu-sbom:lock:zh` = `zh:<hex>`, one `distribution` external reference with hashes | the described package's `checksums[SHA256]`, annotation `tofu-sbom:lock:zh: zh:<hex>`, annotation `tofu-sbom:distribution: NAME sha256:<hex> …` |
//! | release-wide | one `distribution` external reference per ZIP (url = ZIP name) | one `tofu-sbom:distribution: NAME sha256:<hex> …` annotation per ZIP |
//!
//! SBOMs of other tools usually record none of these; `verify` then reports the hash as missing.

use serde::Deserialize;

use crate::inventory::PROP_LOCK_ZH;
use crate::provider::attach::SbomKind;

/// Annotation comment prefix of a distribution in this tool's SPDX documents.
const SPDX_DISTRIBUTION_PREFIX: &str = "tofu-sbom:distribution: ";

/// One ZIP an SBOM lists as distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipClaim {
    /// The ZIP file name, when recorded.
    pub file_name: String,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// Every ZIP SHA-256 an SBOM records on its root (the provider).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZipClaims {
    /// The root's own SHA-256 hashes (per-platform documents), lowercase hex.
    pub root_sha256: Vec<String>,
    /// The root's `zh:` lock hash, when recorded.
    pub lock_zh: Option<String>,
    /// The distributed ZIPs.
    pub distributions: Vec<ZipClaim>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxDoc {
    metadata: Option<CdxMeta>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxMeta {
    component: Option<CdxRoot>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct CdxRoot {
    hashes: Vec<CdxHash>,
    external_references: Vec<CdxExtRef>,
    properties: Vec<CdxProperty>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxHash {
    alg: String,
    content: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxExtRef {
    url: String,
    #[serde(rename = "type")]
    kind: String,
    hashes: Vec<CdxHash>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxProperty {
    name: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxDoc {
    document_describes: Vec<String>,
    relationships: Vec<SpdxRelationship>,
    packages: Vec<SpdxPackage>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxRelationship {
    spdx_element_id: String,
    related_spdx_element: String,
    relationship_type: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    checksums: Vec<SpdxChecksum>,
    annotations: Vec<SpdxAnnotation>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxChecksum {
    algorithm: String,
    checksum_value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxAnnotation {
    comment: String,
}

fn cdx_sha256(hashes: &[CdxHash]) -> impl Iterator<Item = String> + '_ {
    hashes
        .iter()
        .filter(|h| h.alg == "SHA-256")
        .map(|h| h.content.to_ascii_lowercase())
}

/// Reads the ZIP claims of a document of `kind` (module docs). Errors are decoder messages.
pub fn zip_claims(bytes: &[u8], kind: SbomKind) -> Result<ZipClaims, String> {
    let mut out = ZipClaims::default();
    match kind {
        SbomKind::CycloneDx => {
            let doc: CdxDoc = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
            let Some(root) = doc.metadata.and_then(|m| m.component) else {
                return Ok(out);
            };
            out.root_sha256 = cdx_sha256(&root.hashes).collect();
            out.lock_zh = root
                .properties
                .iter()
                .find(|p| p.name == PROP_LOCK_ZH)
                .map(|p| p.value.clone());
            for r in root
                .external_references
                .iter()
                .filter(|r| r.kind == "distribution")
            {
                for sha256 in cdx_sha256(&r.hashes) {
                    out.distributions.push(ZipClaim {
                        file_name: r.url.clone(),
                        sha256,
                    });
                }
            }
        }
        SbomKind::Spdx => {
            let doc: SpdxDoc = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
            let mut roots: Vec<&str> = doc.document_describes.iter().map(String::as_str).collect();
            roots.extend(
                doc.relationships
                    .iter()
                    .filter(|r| {
                        r.spdx_element_id == "SPDXRef-DOCUMENT"
                            && r.relationship_type == "DESCRIBES"
                    })
                    .map(|r| r.related_spdx_element.as_str()),
            );
            for p in doc
                .packages
                .iter()
                .filter(|p| roots.contains(&p.spdx_id.as_str()))
            {
                out.root_sha256.extend(
                    p.checksums
                        .iter()
                        .filter(|c| c.algorithm == "SHA256")
                        .map(|c| c.checksum_value.to_ascii_lowercase()),
                );
                let zh_prefix = format!("{PROP_LOCK_ZH}: ");
                for a in &p.annotations {
                    if let Some(v) = a.comment.strip_prefix(&zh_prefix) {
                        out.lock_zh = Some(v.to_owned());
                    } else if let Some(rest) = a.comment.strip_prefix(SPDX_DISTRIBUTION_PREFIX) {
                        let mut words = rest.split(' ');
                        let file_name = words.next().unwrap_or_default().to_owned();
                        for w in words {
                            if let Some(hex) = w.strip_prefix("sha256:") {
                                out.distributions.push(ZipClaim {
                                    file_name: file_name.clone(),
                                    sha256: hex.to_ascii_lowercase(),
                                });
                            }
                        }
                    }
                }
            }
            out.root_sha256.sort();
            out.root_sha256.dedup();
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/snapshots/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    const LINUX: &str = "6f8388c0b3f46ae2324babcaa3bfa4af106ff91fe1d1c6d5e363b49dcb427343";
    const WINDOWS: &str = "23aee9ac77254f204bfc053845f45dbdda0b1dc495acc2e1e0c0c5df4a7b9b06";

    #[test]
    fn per_platform_documents() {
        for (file, kind) in [
            (
                "terraform-provider-demo_1.2.3_linux_amd64.cdx.json",
                SbomKind::CycloneDx,
            ),
            (
                "terraform-provider-demo_1.2.3_linux_amd64.spdx.json",
                SbomKind::Spdx,
            ),
        ] {
            let c = zip_claims(&snapshot(file), kind).unwrap();
            assert_eq!(c.root_sha256, vec![LINUX.to_owned()], "{file}");
            assert_eq!(
                c.lock_zh.as_deref(),
                Some(format!("zh:{LINUX}").as_str()),
                "{file}"
            );
            assert_eq!(
                c.distributions,
                vec![ZipClaim {
                    file_name: "terraform-provider-demo_1.2.3_linux_amd64.zip".into(),
                    sha256: LINUX.into()
                }],
                "{file}"
            );
        }
    }

    #[test]
    fn release_documents() {
        for (file, kind) in [
            (
                "terraform-provider-demo_1.2.3.cdx.json",
                SbomKind::CycloneDx,
            ),
            ("terraform-provider-demo_1.2.3.spdx.json", SbomKind::Spdx),
        ] {
            let c = zip_claims(&snapshot(file), kind).unwrap();
            assert_eq!(c.root_sha256, Vec::<String>::new(), "{file}");
            assert_eq!(c.lock_zh, None);
            let mut d: Vec<(String, String)> = c
                .distributions
                .into_iter()
                .map(|z| (z.file_name, z.sha256))
                .collect();
            d.sort();
            assert_eq!(
                d,
                vec![
                    (
                        "terraform-provider-demo_1.2.3_linux_amd64.zip".into(),
                        LINUX.into()
                    ),
                    (
                        "terraform-provider-demo_1.2.3_windows_arm64.zip".into(),
                        WINDOWS.into()
                    )
                ],
                "{file}"
            );
        }
    }

    #[test]
    fn foreign_and_broken_documents() {
        assert_eq!(
            zip_claims(br#"{"bomFormat":"CycloneDX"}"#, SbomKind::CycloneDx).unwrap(),
            ZipClaims::default()
        );
        assert_eq!(
            zip_claims(
                br#"{"SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"x"}]}"#,
                SbomKind::Spdx
            )
            .unwrap(),
            ZipClaims::default()
        );
        assert_eq!(
            zip_claims(
                br#"{"metadata":{"component":{"hashes":3}}}"#,
                SbomKind::CycloneDx
            )
            .unwrap_err(),
            "invalid type: integer `3`, expected a sequence at line 1 column 36"
        );
    }
}
