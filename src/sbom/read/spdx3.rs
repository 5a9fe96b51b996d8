//! The lenient model of SPDX 3 JSON-LD (`@context` + `@graph`) for reading: every object of the graph as one
//! [`Node`] with the fields any of our readings needs, unknown fields ignored, list properties accepted as a list or a
//! single value (JSON-LD compaction may write either). Nested objects where we expect an IRI (an inline
//! `creationInfo`, an inline agent) are tolerated: the fields we read are then simply absent.
//!
//! What is read: the spec version and creation time (the `CreationInfo`), the packages (`software_Package`), the
//! root's ZIP claims — its own SHA-256 (`verifiedUsing`), its `tofu-sbom:lock:zh` annotation, and the `software_File`s
//! it `hasDistributionArtifact` — and the settings `verify --release` re-derives (tool, authors, supplier, root
//! annotations).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer};

use super::{Document, PackageId, ZipClaim, ZipClaims};
use crate::inventory::{Author, AuthorKind, PROP_LOCK_H1, PROP_LOCK_ZH};

/// A string or a list of strings (anything else: empty).
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => vec![s],
        serde_json::Value::Array(v) => v
            .into_iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
}

/// A string, or `None` for anything else (an inline object, a number).
fn iri<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?
        .as_str()
        .map(str::to_owned))
}

/// One object of the graph.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct Node {
    #[serde(rename = "type", deserialize_with = "iri")]
    pub(crate) kind: Option<String>,
    #[serde(rename = "spdxId", deserialize_with = "iri")]
    pub(crate) spdx_id: Option<String>,
    #[serde(rename = "@id", deserialize_with = "iri")]
    pub(crate) id: Option<String>,
    #[serde(deserialize_with = "iri")]
    pub(crate) name: Option<String>,
    #[serde(rename = "creationInfo")]
    pub(crate) creation_info: Option<serde_json::Value>,
    // CreationInfo
    #[serde(rename = "specVersion", deserialize_with = "iri")]
    pub(crate) spec_version: Option<String>,
    #[serde(deserialize_with = "iri")]
    pub(crate) created: Option<String>,
    #[serde(rename = "createdBy", deserialize_with = "one_or_many")]
    pub(crate) created_by: Vec<String>,
    #[serde(rename = "createdUsing", deserialize_with = "one_or_many")]
    pub(crate) created_using: Vec<String>,
    // SpdxDocument
    #[serde(rename = "rootElement", deserialize_with = "one_or_many")]
    pub(crate) root_element: Vec<String>,
    // software_Package / software_File
    #[serde(rename = "software_packageVersion", deserialize_with = "iri")]
    pub(crate) version: Option<String>,
    #[serde(rename = "software_packageUrl", deserialize_with = "iri")]
    pub(crate) purl: Option<String>,
    #[serde(rename = "suppliedBy", deserialize_with = "iri")]
    pub(crate) supplied_by: Option<String>,
    #[serde(rename = "verifiedUsing")]
    pub(crate) verified_using: Vec<Hash>,
    #[serde(rename = "externalIdentifier")]
    pub(crate) external_identifier: Vec<ExternalIdentifier>,
    // Relationship
    #[serde(deserialize_with = "iri")]
    pub(crate) from: Option<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub(crate) to: Vec<String>,
    #[serde(rename = "relationshipType", deserialize_with = "iri")]
    pub(crate) relationship_type: Option<String>,
    // Annotation
    #[serde(deserialize_with = "iri")]
    pub(crate) subject: Option<String>,
    #[serde(deserialize_with = "iri")]
    pub(crate) statement: Option<String>,
}

/// `Hash` (other integrity methods are skipped by their missing fields).
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Hash {
    pub(crate) algorithm: String,
    pub(crate) hash_value: String,
}

/// `ExternalIdentifier`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ExternalIdentifier {
    pub(crate) external_identifier_type: String,
    pub(crate) identifier: String,
}

impl Node {
    fn is(&self, kind: &str) -> bool {
        self.kind.as_deref() == Some(kind)
    }

    fn sha256(&self) -> Vec<String> {
        self.verified_using
            .iter()
            .filter(|h| h.algorithm == "sha256")
            .map(|h| h.hash_value.to_ascii_lowercase())
            .collect()
    }
}

/// Whether `@context` names an SPDX 3 context (`https://spdx.org/rdf/3.…/spdx-context.jsonld`, alone or in a list).
pub(crate) fn is_spdx3_context(context: &serde_json::Value) -> bool {
    let ok = |v: &serde_json::Value| {
        v.as_str().is_some_and(|s| {
            s.starts_with("https://spdx.org/rdf/3.") && s.ends_with("/spdx-context.jsonld")
        })
    };
    match context {
        serde_json::Value::Array(v) => v.iter().any(ok),
        v => ok(v),
    }
}

impl Document {
    fn graph(&self) -> &[Node] {
        self.graph.as_deref().unwrap_or_default()
    }

    /// The `CreationInfo`: a graph node, else the `SpdxDocument`'s inline one (as far as it is readable).
    fn spdx3_creation_info(&self) -> Option<Node> {
        if let Some(n) = self.graph().iter().find(|n| n.is("CreationInfo")) {
            return Some(Node {
                spec_version: n.spec_version.clone(),
                created: n.created.clone(),
                created_by: n.created_by.clone(),
                created_using: n.created_using.clone(),
                ..Node::default()
            });
        }
        let inline = self.spdx3_document()?.creation_info.clone()?;
        serde_json::from_value(inline).ok()
    }

    fn spdx3_document(&self) -> Option<&Node> {
        self.graph().iter().find(|n| n.is("SpdxDocument"))
    }

    fn spdx3_by_id(&self) -> BTreeMap<&str, &Node> {
        self.graph()
            .iter()
            .filter_map(|n| n.spdx_id.as_deref().map(|id| (id, n)))
            .collect()
    }

    /// `CreationInfo.specVersion` and `created`.
    pub(crate) fn spdx3_version_and_time(&self) -> (Option<String>, Option<String>) {
        match self.spdx3_creation_info() {
            Some(c) => (c.spec_version, c.created),
            None => (None, None),
        }
    }

    /// The root package: the document's first `rootElement` that is a `software_Package`, looking through
    /// collections (a `software_Sbom` or `Bundle` root names its own `rootElement`), at most 8 levels deep.
    pub(crate) fn spdx3_root(&self) -> Option<&Node> {
        let by_id = self.spdx3_by_id();
        let mut level: Vec<&Node> = vec![self.spdx3_document()?];
        for _ in 0..8 {
            let next: Vec<&Node> = level
                .iter()
                .flat_map(|n| n.root_element.iter())
                .filter_map(|id| by_id.get(id.as_str()).copied())
                .collect();
            if let Some(p) = next.iter().find(|n| n.is("software_Package")) {
                return Some(p);
            }
            if next.is_empty() {
                return None;
            }
            level = next;
        }
        None
    }

    /// The statements of the annotations on `subject`, as `(name, value)` split at the first `": "`.
    pub(crate) fn spdx3_annotations(&self, subject: &str) -> Vec<(&str, &str)> {
        self.graph()
            .iter()
            .filter(|n| n.is("Annotation") && n.subject.as_deref() == Some(subject))
            .filter_map(|n| n.statement.as_deref())
            .map(|s| s.split_once(": ").unwrap_or((s, "")))
            .collect()
    }

    /// The tool among `createdUsing` as `NAME/VERSION` (`TOOL_NAME-VERSION` gives `TOOL_NAME/VERSION`, another tool
    /// its name).
    pub(crate) fn spdx3_tool(&self, tool_name: &str) -> Option<String> {
        let by_id = self.spdx3_by_id();
        let prefix = format!("{tool_name}-");
        self.spdx3_creation_info()?
            .created_using
            .iter()
            .filter_map(|id| by_id.get(id.as_str())?.name.as_deref())
            .map(|n| match n.strip_prefix(&prefix) {
                Some(v) => format!("{tool_name}/{v}"),
                None => n.to_owned(),
            })
            .next()
    }

    /// The authors: `createdBy` agents that are a `Person` or an `Organization` (name, `email` identifier).
    pub(crate) fn spdx3_authors(&self) -> Vec<Author> {
        let by_id = self.spdx3_by_id();
        let Some(info) = self.spdx3_creation_info() else {
            return Vec::new();
        };
        info.created_by
            .iter()
            .filter_map(|id| by_id.get(id.as_str()))
            .filter_map(|n| {
                let kind = match n.kind.as_deref()? {
                    "Person" => AuthorKind::Person,
                    "Organization" => AuthorKind::Organization,
                    _ => return None,
                };
                Some(Author {
                    kind,
                    name: n.name.clone()?,
                    email: n
                        .external_identifier
                        .iter()
                        .find(|e| e.external_identifier_type == "email")
                        .map(|e| e.identifier.clone()),
                })
            })
            .collect()
    }

    /// The name of the root's `suppliedBy` agent.
    pub(crate) fn spdx3_supplier(&self) -> Option<String> {
        let id = self.spdx3_root()?.supplied_by.as_deref()?;
        self.spdx3_by_id().get(id)?.name.clone()
    }
}

/// Every `software_Package`'s (name, version, purl).
pub(super) fn collect_packages(doc: &Document, out: &mut BTreeSet<PackageId>) {
    for n in doc.graph().iter().filter(|n| n.is("software_Package")) {
        out.insert(PackageId {
            name: n.name.clone().unwrap_or_default(),
            version: n.version.clone(),
            purl: n.purl.clone(),
        });
    }
}

/// The root's ZIP claims (module docs).
pub(super) fn zip_claims(doc: &Document) -> ZipClaims {
    let Some(root) = doc.spdx3_root() else {
        return ZipClaims::default();
    };
    let root_id = root.spdx_id.clone().unwrap_or_default();
    let by_id = doc.spdx3_by_id();
    let distributions = doc
        .graph()
        .iter()
        .filter(|n| {
            n.is("Relationship")
                && n.from.as_deref() == Some(root_id.as_str())
                && n.relationship_type.as_deref() == Some("hasDistributionArtifact")
        })
        .flat_map(|r| r.to.iter())
        .filter_map(|id| by_id.get(id.as_str()))
        .flat_map(|f| {
            let name = f.name.clone().unwrap_or_default();
            f.sha256().into_iter().map(move |sha256| ZipClaim {
                file_name: name.clone(),
                sha256,
            })
        })
        .collect();
    let annotation = |name: &str| {
        doc.spdx3_annotations(&root_id)
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
    };
    ZipClaims {
        root_sha256: root.sha256(),
        lock_zh: annotation(PROP_LOCK_ZH),
        lock_h1: annotation(PROP_LOCK_H1),
        distributions,
    }
}
