//! The CycloneDX JSON fields this crate reads back (one set of lenient serde structs: every field optional or
//! defaulted, unknown fields ignored), and what is derived from them: the component list, the tool that wrote the
//! document, and the ZIP claims of its root component.
//!
//! Knows the CycloneDX JSON shape and this tool's property names ([`crate::inventory`]); nothing of registries or
//! of verification.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{PackageId, ZipClaim, ZipClaims};
use crate::inventory::{PROP_LOCK_H1, PROP_LOCK_ZH};

/// `metadata`.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Metadata {
    /// `metadata.timestamp`.
    pub(crate) timestamp: Option<String>,
    /// `metadata.tools`.
    pub(crate) tools: Option<Tools>,
    /// `metadata.authors`.
    pub(crate) authors: Vec<Contact>,
    /// `metadata.supplier`.
    pub(crate) supplier: Option<Entity>,
    /// `metadata.component`: the root.
    pub(crate) component: Option<Component>,
}

/// `metadata.tools`: the 1.5+ object form, the legacy array, or anything else (no tool known).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Tools {
    /// `{"components": [...]}`.
    Components {
        /// The tool components.
        components: Vec<Tool>,
    },
    /// `[...]` (CycloneDX ≤ 1.4).
    Legacy(Vec<Tool>),
    /// Another shape (e.g. services only): no tool is read from it.
    Other(serde::de::IgnoredAny),
}

/// One tool.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Tool {
    pub(crate) name: String,
    pub(crate) version: String,
}

/// An author.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Contact {
    pub(crate) name: String,
    pub(crate) email: Option<String>,
}

/// An organizational entity (the supplier).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Entity {
    pub(crate) name: String,
}

/// A component (the root or any listed one, nested ones included).
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Component {
    pub(crate) name: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) purl: Option<String>,
    pub(crate) components: Option<Vec<Self>>,
    pub(crate) hashes: Vec<Hash>,
    pub(crate) external_references: Vec<ExternalReference>,
    pub(crate) properties: Vec<Property>,
}

/// A hash.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Hash {
    pub(crate) alg: String,
    pub(crate) content: String,
}

/// An external reference.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ExternalReference {
    pub(crate) url: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) hashes: Vec<Hash>,
}

/// A property.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Property {
    pub(crate) name: String,
    pub(crate) value: String,
}

impl Metadata {
    /// The first tool as `NAME/VERSION`, when recorded.
    pub(crate) fn first_tool(&self) -> Option<String> {
        match &self.tools {
            Some(Tools::Components { components }) => components.first(),
            Some(Tools::Legacy(v)) => v.first(),
            Some(Tools::Other(_)) | None => None,
        }
        .map(|t| format!("{}/{}", t.name, t.version))
    }
}

/// Collects components without recursion (nesting is already bounded by serde_json, but an explicit stack keeps
/// this independent of it).
pub(super) fn collect_packages(roots: Vec<Component>, out: &mut BTreeSet<PackageId>) {
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

fn sha256(hashes: &[Hash]) -> impl Iterator<Item = String> + '_ {
    hashes
        .iter()
        .filter(|h| h.alg == "SHA-256")
        .map(|h| h.content.to_ascii_lowercase())
}

/// The ZIP claims of the root component (see [`super::zip_claims`]).
pub(super) fn zip_claims(root: &Component) -> ZipClaims {
    let mut out = ZipClaims {
        root_sha256: sha256(&root.hashes).collect(),
        lock_zh: root
            .properties
            .iter()
            .find(|p| p.name == PROP_LOCK_ZH)
            .map(|p| p.value.clone()),
        lock_h1: root
            .properties
            .iter()
            .find(|p| p.name == PROP_LOCK_H1)
            .map(|p| p.value.clone()),
        distributions: Vec::new(),
    };
    for r in root
        .external_references
        .iter()
        .filter(|r| r.kind == "distribution")
    {
        for sha256 in sha256(&r.hashes) {
            out.distributions.push(ZipClaim {
                file_name: r.url.clone(),
                sha256,
            });
        }
    }
    out
}
