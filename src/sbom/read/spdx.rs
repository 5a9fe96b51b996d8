//! The SPDX 2.x JSON fields this crate reads back (one set of lenient serde structs: every field optional or
//! defaulted, unknown fields ignored), the one root finder (the packages the document describes, by `DESCRIBES`
//! relationship or `documentDescribes`), and what is derived from them: the package list, the tool that wrote the
//! document, and the ZIP claims of its root package.
//!
//! Knows the SPDX JSON shape and this tool's annotation names ([`crate::inventory`]); nothing of registries or of
//! verification.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{Document, PackageId, ZipClaim, ZipClaims};
use crate::inventory::{PROP_LOCK_H1, PROP_LOCK_ZH};

/// Annotation comment prefix of a distribution (ZIP name and digests) in this tool's SPDX documents.
pub(crate) const DISTRIBUTION_PREFIX: &str = "tofu-sbom:distribution: ";

/// `creationInfo`.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CreationInfo {
    pub(crate) created: Option<String>,
    pub(crate) creators: Vec<String>,
}

/// A relationship.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Relationship {
    pub(crate) spdx_element_id: String,
    pub(crate) related_spdx_element: String,
    pub(crate) relationship_type: String,
}

/// A package.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Package {
    #[serde(rename = "SPDXID")]
    pub(crate) spdx_id: String,
    pub(crate) name: Option<String>,
    pub(crate) version_info: Option<String>,
    pub(crate) supplier: String,
    pub(crate) checksums: Vec<Checksum>,
    pub(crate) annotations: Vec<Annotation>,
    pub(crate) external_refs: Option<Vec<ExternalRef>>,
}

/// A checksum.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Checksum {
    pub(crate) algorithm: String,
    pub(crate) checksum_value: String,
}

/// An annotation.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Annotation {
    pub(crate) comment: String,
}

/// An external reference.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ExternalRef {
    #[serde(rename = "referenceCategory")]
    pub(crate) category: Option<String>,
    #[serde(rename = "referenceType")]
    pub(crate) reference_type: Option<String>,
    #[serde(rename = "referenceLocator")]
    pub(crate) locator: Option<String>,
}

impl Document {
    /// The SPDXIDs the document describes: the targets of `SPDXRef-DOCUMENT DESCRIBES` relationships (in order),
    /// then those of `documentDescribes` (the SPDX 2.2 form).
    pub(crate) fn spdx_roots(&self) -> Vec<&str> {
        let mut roots: Vec<&str> = self
            .relationships
            .iter()
            .filter(|r| {
                r.spdx_element_id == "SPDXRef-DOCUMENT" && r.relationship_type == "DESCRIBES"
            })
            .map(|r| r.related_spdx_element.as_str())
            .collect();
        roots.extend(self.document_describes.iter().map(String::as_str));
        roots
    }

    /// The first described package and its index in `packages` (for JSON pointers).
    pub(crate) fn spdx_root_package(&self) -> Option<(usize, &Package)> {
        let root = self.spdx_roots().first().copied()?;
        self.spdx_packages()
            .iter()
            .enumerate()
            .find(|(_, p)| p.spdx_id == root)
    }

    /// `packages` (empty when absent).
    pub(crate) fn spdx_packages(&self) -> &[Package] {
        self.packages.as_deref().unwrap_or_default()
    }

    /// The tool among the creators as `NAME/VERSION`: `Tool: TOOL_NAME-VERSION` gives `TOOL_NAME/VERSION`, another
    /// `Tool: X` gives `X`.
    pub(crate) fn spdx_tool(&self, tool_name: &str) -> Option<String> {
        let prefix = format!("Tool: {tool_name}-");
        self.creation_info.as_ref()?.creators.iter().find_map(|c| {
            c.strip_prefix(&prefix)
                .map(|v| format!("{tool_name}/{v}"))
                .or_else(|| c.strip_prefix("Tool: ").map(str::to_owned))
        })
    }
}

/// The packages' (name, version, purl): the purl is the `PACKAGE-MANAGER`/`purl` external reference.
pub(super) fn collect_packages(packages: Vec<Package>, out: &mut BTreeSet<PackageId>) {
    for p in packages {
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
        out.insert(PackageId {
            name: p.name.unwrap_or_default(),
            version: p.version_info,
            purl,
        });
    }
}

/// The ZIP claims of the described packages (see [`super::zip_claims`]).
pub(super) fn zip_claims(doc: &Document) -> ZipClaims {
    let mut out = ZipClaims::default();
    let roots = doc.spdx_roots();
    let zh_prefix = format!("{PROP_LOCK_ZH}: ");
    let h1_prefix = format!("{PROP_LOCK_H1}: ");
    for p in doc
        .spdx_packages()
        .iter()
        .filter(|p| roots.contains(&p.spdx_id.as_str()))
    {
        out.root_sha256.extend(
            p.checksums
                .iter()
                .filter(|c| c.algorithm == "SHA256")
                .map(|c| c.checksum_value.to_ascii_lowercase()),
        );
        for a in &p.annotations {
            if let Some(v) = a.comment.strip_prefix(&zh_prefix) {
                out.lock_zh = Some(v.to_owned());
            } else if let Some(v) = a.comment.strip_prefix(&h1_prefix) {
                out.lock_h1 = Some(v.to_owned());
            } else if let Some(rest) = a.comment.strip_prefix(DISTRIBUTION_PREFIX) {
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
    out
}
