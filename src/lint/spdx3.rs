//! SPDX 3.0.x JSON-LD → [`DocumentView`], read as ntia-conformance-checker 6.0.0 (`--sbom-spec spdx3`) reads it:
//! * structure: exactly one `SpdxDocument`; if it lists elements, at least one `rootElement`;
//! * components: the `software_Package`s (and `ai_AIPackage`, `dataset_DatasetPackage`) reachable from the
//!   document's `rootElement` along the `rootElement` of element collections and the composition/dependency
//!   relationships (`contains`, `dependsOn`, `hasStaticLink`, … — the checker's list);
//! * author/time/tool: the document's `CreationInfo` (`createdBy`, `created`, `createdUsing`);
//! * creator contact (BSI): a `Person` or `Organization` with an `email` external identifier containing `@`, or a
//!   `urlScheme`/`other` one that is an http(s) URL;
//! * licences: `hasConcludedLicense` / `hasDeclaredLicense` to a non-blank `simplelicensing_LicenseExpression`
//!   (`NOASSERTION` is blank);
//! * file name, SHA-512 and the structured purpose: the `software_File`s the package `hasDistributionArtifact`;
//!   executable and archive are expressed by omission in SPDX 3 (the checker's reading of the TR), so never missing;
//! * vulnerability data: any element of the Security profile (`security_*`: vulnerabilities and VEX assessments).
//!
//! References may be IRIs or inline objects; blank nodes (`_:…`) are resolved through `@id`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::view::{ComponentView, DocumentView, Fact, Flag};
use super::{cyclonedx, pointer};
use crate::sbom::SbomKind;

const PACKAGE_TYPES: [&str; 3] = ["software_Package", "ai_AIPackage", "dataset_DatasetPackage"];
const COLLECTION_TYPES: [&str; 4] = ["SpdxDocument", "software_Sbom", "Bom", "Bundle"];
/// ntia-conformance-checker's `VALID_SPDX3_COMPOSITION_RELATIONSHIPS`.
const EDGES: [&str; 9] = [
    "contains",
    "hasOptionalComponent",
    "packagedBy",
    "dependsOn",
    "hasDynamicLink",
    "hasStaticLink",
    "hasPrerequisite",
    "hasOptionalDependency",
    "hasProvidedDependency",
];
/// ntia-conformance-checker's `SPDX3_PACKAGE_DEPENDENCY_RELATIONSHIP_TYPES`.
const DEPENDENCY_EDGES: [&str; 4] = ["contains", "dependsOn", "hasDynamicLink", "hasStaticLink"];

/// Whether a JSON-LD `@context` names SPDX 3.
pub(super) fn is_spdx3_context(v: &Value) -> bool {
    let one =
        |s: &str| s.starts_with("https://spdx.org/rdf/3.") && s.ends_with("spdx-context.jsonld");
    match v {
        Value::String(s) => one(s),
        Value::Array(a) => a.iter().any(|x| x.as_str().is_some_and(one)),
        _ => false,
    }
}

fn s(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A list property (JSON-LD may compact a one-element list to its element).
fn list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
    }
}

/// The last segment of an IRI-valued vocabulary entry (`…/RelationshipType/contains` → `contains`).
fn vocab(v: &str) -> &str {
    v.rsplit('/').next().unwrap_or(v)
}

struct Graph<'a> {
    nodes: Vec<(usize, &'a Value)>,
    by_id: BTreeMap<&'a str, &'a Value>,
}

impl<'a> Graph<'a> {
    fn new(doc: &'a Value) -> Self {
        let nodes: Vec<(usize, &Value)> = doc
            .get("@graph")
            .and_then(Value::as_array)
            .map(|g| g.iter().enumerate().collect())
            .unwrap_or_default();
        let mut by_id = BTreeMap::new();
        for (_, n) in &nodes {
            for k in ["spdxId", "@id"] {
                if let Some(id) = s(n.get(k)) {
                    by_id.insert(id, *n);
                }
            }
        }
        Self { nodes, by_id }
    }

    /// A reference (IRI or inline object) resolved to its object, when present.
    fn resolve(&self, v: &'a Value) -> Option<&'a Value> {
        match v {
            Value::String(id) => self.by_id.get(id.as_str()).copied(),
            Value::Object(_) => Some(v),
            _ => None,
        }
    }

    fn id_of(v: &Value) -> Option<&str> {
        match v {
            Value::String(id) => Some(id.as_str()),
            Value::Object(_) => s(v.get("spdxId")),
            _ => None,
        }
    }

    fn of_type<'t>(
        &'t self,
        types: &'t [&'t str],
    ) -> impl Iterator<Item = (usize, &'a Value)> + 't {
        self.nodes
            .iter()
            .filter(move |(_, n)| s(n.get("type")).is_some_and(|t| types.contains(&t)))
            .copied()
    }

    /// `(from, type, to ids, index, relationship)` of every relationship.
    fn relationships(&self) -> Vec<(&'a str, &'a str, Vec<&'a str>, usize, &'a Value)> {
        self.of_type(&["Relationship", "LifecycleScopedRelationship"])
            .filter_map(|(i, r)| {
                let from = Self::id_of(r.get("from")?)?;
                let t = vocab(s(r.get("relationshipType"))?);
                let to = list(r.get("to"))
                    .into_iter()
                    .filter_map(Self::id_of)
                    .collect();
                Some((from, t, to, i, r))
            })
            .collect()
    }
}

/// A `Person`/`Organization` with an e-mail address or an http(s) URL (the checker's `_is_valid_creator`).
fn contact(g: &Graph<'_>, agent: &Value) -> bool {
    let Some(a) = g.resolve(agent) else {
        return false;
    };
    if !matches!(s(a.get("type")), Some("Person" | "Organization")) {
        return false;
    }
    list(a.get("externalIdentifier")).into_iter().any(|e| {
        let t = s(e.get("externalIdentifierType"))
            .map(vocab)
            .unwrap_or("")
            .to_ascii_lowercase();
        let id = s(e.get("identifier")).unwrap_or("");
        (t.contains("email") && id.contains('@'))
            || ((t.contains("urlscheme") || t.contains("other"))
                && (id.starts_with("http://") || id.starts_with("https://")))
    })
}

fn licence_expression(g: &Graph<'_>, id: &str) -> bool {
    g.by_id.get(id).is_some_and(|l| {
        s(l.get("type")) == Some("simplelicensing_LicenseExpression")
            && s(l.get("simplelicensing_licenseExpression")).is_some_and(|e| {
                !e.eq_ignore_ascii_case("NOASSERTION")
                    && !e.eq_ignore_ascii_case("NOASSERTIONLICENSE")
            })
    })
}

fn has_hash(n: &Value, sha512_only: bool) -> bool {
    list(n.get("verifiedUsing")).into_iter().any(|h| {
        s(h.get("hashValue")).is_some()
            && s(h.get("algorithm"))
                .is_some_and(|a| !sha512_only || vocab(a).eq_ignore_ascii_case("sha512"))
    })
}

pub(super) fn view(doc: &Value) -> DocumentView {
    let g = Graph::new(doc);
    let documents: Vec<(usize, &Value)> = g.of_type(&["SpdxDocument"]).collect();
    let spdx_doc = match documents.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let doc_path = spdx_doc
        .map(|(i, _)| format!("/@graph/{i}"))
        .unwrap_or_else(|| "/@graph".to_owned());
    let structure = match documents.len() {
        0 => Fact::invalid("/@graph".to_owned(), "no SpdxDocument element".to_owned()),
        1 => {
            let d = spdx_doc.map(|(_, d)| d);
            let elements = d.map(|d| list(d.get("element")).len()).unwrap_or(0);
            let roots = d.map(|d| list(d.get("rootElement")).len()).unwrap_or(0);
            if elements > 0 && roots == 0 {
                Fact::invalid(
                    pointer(&doc_path, &["rootElement"]),
                    "elements but no rootElement".to_owned(),
                )
            } else {
                Fact::new(true, doc_path.clone())
            }
        }
        n => Fact::invalid(
            "/@graph".to_owned(),
            format!("{n} SpdxDocument elements, SPDX 3 allows one"),
        ),
    };
    // The document's CreationInfo (inline or a blank node), and where it is.
    let (info, info_path) = match spdx_doc.and_then(|(i, d)| Some((i, d.get("creationInfo")?))) {
        Some((i, Value::Object(_))) => (
            spdx_doc.and_then(|(_, d)| d.get("creationInfo")),
            format!("/@graph/{i}/creationInfo"),
        ),
        Some((i, Value::String(id))) => match g
            .nodes
            .iter()
            .find(|(_, n)| s(n.get("@id")) == Some(id.as_str()))
        {
            Some((j, n)) => (Some(*n), format!("/@graph/{j}")),
            None => (None, format!("/@graph/{i}/creationInfo")),
        },
        _ => (None, pointer(&doc_path, &["creationInfo"])),
    };
    let ci = |k: &str| info.and_then(|c| c.get(k));
    let created_by = list(ci("createdBy"));
    let spec_version = s(ci("specVersion")).unwrap_or("").to_owned();

    let relationships = g.relationships();
    let doc_id = spdx_doc.and_then(|(_, d)| s(d.get("spdxId")));
    // Reachability (graph_utils.py of the checker).
    let mut queue: VecDeque<&str> = spdx_doc
        .map(|(_, d)| {
            list(d.get("rootElement"))
                .into_iter()
                .filter_map(Graph::id_of)
                .collect()
        })
        .unwrap_or_default();
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, t, to, _, _) in &relationships {
        if Some(*from) == doc_id {
            queue.extend(to.iter().copied());
        } else if EDGES.contains(t) {
            edges.entry(from).or_default().extend(to.iter().copied());
        }
    }
    for (_, c) in g.of_type(&COLLECTION_TYPES) {
        if let Some(id) = s(c.get("spdxId")) {
            edges.entry(id).or_default().extend(
                list(c.get("rootElement"))
                    .into_iter()
                    .filter_map(Graph::id_of),
            );
        }
    }
    let mut reach: BTreeSet<&str> = queue.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        for to in edges.get(id).into_iter().flatten() {
            if reach.insert(to) {
                queue.push_back(to);
            }
        }
    }
    let targets = |rel: &str| -> BTreeMap<&str, Vec<&str>> {
        let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, t, to, _, _) in &relationships {
            if *t == rel {
                m.entry(from).or_default().extend(to.iter().copied());
            }
        }
        m
    };
    let concluded = targets("hasConcludedLicense");
    let declared = targets("hasDeclaredLicense");
    let distribution = targets("hasDistributionArtifact");

    let components: Vec<ComponentView> = g
        .of_type(&PACKAGE_TYPES)
        .filter(|(_, p)| s(p.get("spdxId")).is_some_and(|id| reach.contains(id)))
        .map(|(i, p)| {
            let path = format!("/@graph/{i}");
            let member = |m: &str| pointer(&path, &[m]);
            let id = s(p.get("spdxId")).unwrap_or("");
            let files: Vec<&Value> = distribution
                .get(id)
                .into_iter()
                .flatten()
                .filter_map(|f| g.by_id.get(f).copied())
                .filter(|f| s(f.get("type")) == Some("software_File"))
                .collect();
            let licensed = |m: &BTreeMap<&str, Vec<&str>>| {
                m.get(id)
                    .is_some_and(|to| to.iter().any(|l| licence_expression(&g, l)))
            };
            let supplier = p.get("suppliedBy").is_some_and(|v| match g.resolve(v) {
                Some(agent) => {
                    s(agent.get("name")).is_some_and(|n| !n.eq_ignore_ascii_case("NOASSERTION"))
                }
                None => s(Some(v)).is_some_and(|x| !x.ends_with("NoAssertionElement")),
            });
            let global = s(p.get("software_packageUrl")).is_some()
                || list(p.get("externalIdentifier")).into_iter().any(|e| {
                    s(e.get("externalIdentifierType"))
                        .map(vocab)
                        .is_some_and(|t| {
                            matches!(
                                t,
                                "cpe22" | "cpe23" | "packageUrl" | "swid" | "gitoid" | "swhid"
                            )
                        })
                });
            let structured = if files.is_empty() {
                // The checker skips file-level checks without a linked file (the file name is missing then).
                Flag::Ok
            } else if files.iter().any(|f| {
                list(f.get("software_additionalPurpose"))
                    .into_iter()
                    .filter_map(|x| x.as_str())
                    .any(|x| matches!(vocab(x), "container" | "firmware"))
            }) {
                Flag::Ok
            } else {
                Flag::Missing
            };
            ComponentView {
                label: s(p.get("name")).unwrap_or("<unnamed>").to_owned(),
                name: Fact::new(s(p.get("name")).is_some(), member("name")),
                version: Fact::new(
                    s(p.get("software_packageVersion")).is_some(),
                    member("software_packageVersion"),
                ),
                supplier: Fact::new(supplier, member("suppliedBy")),
                identifier: Fact::new(!id.is_empty(), member("spdxId")),
                global_identifier: Fact::new(global, member("software_packageUrl")),
                creator_contact: Fact::new(
                    list(p.get("originatedBy"))
                        .into_iter()
                        .any(|a| contact(&g, a)),
                    member("originatedBy"),
                ),
                filename: Fact::new(
                    files.iter().any(|f| s(f.get("name")).is_some()),
                    path.clone(),
                ),
                concluded_licence: Fact::new(licensed(&concluded), path.clone()),
                any_licence: Fact::new(licensed(&concluded) || licensed(&declared), path.clone()),
                any_hash: Fact::new(
                    has_hash(p, false) || files.iter().any(|f| has_hash(f, false)),
                    member("verifiedUsing"),
                ),
                // As the checker: without a linked file only the file name is missing.
                sha512: Fact::new(
                    files.is_empty() || files.iter().any(|f| has_hash(f, true)),
                    path.clone(),
                ),
                executable: (Flag::Ok, path.clone()),
                archive: (Flag::Ok, path.clone()),
                structured: (structured, path.clone()),
                path,
            }
        })
        .collect();

    let known: BTreeSet<&str> = g.by_id.keys().copied().collect();
    let dependencies = relationships.iter().any(|(from, t, to, _, _)| {
        DEPENDENCY_EDGES.contains(t) && known.contains(from) && to.iter().any(|x| known.contains(x))
    });
    let completeness = match relationships.iter().find(|(_, t, _, _, r)| {
        matches!(*t, "contains" | "dependsOn")
            && !s(r.get("completeness"))
                .map(vocab)
                .is_some_and(|c| matches!(c, "complete" | "incomplete" | "noAssertion"))
    }) {
        Some((from, t, _, i, r)) => Fact::invalid(
            format!("/@graph/{i}/completeness"),
            match s(r.get("completeness")) {
                Some(c) => format!("the {t} relationship of {from} has completeness {c:?}"),
                None => format!(
                    "the {t} relationship of {from} does not state it (complete, incomplete or noAssertion)"
                ),
            },
        ),
        None => Fact::new(true, "/@graph".to_owned()),
    };
    let uri = spdx_doc.is_some_and(|(_, d)| {
        list(d.get("rootElement")).into_iter().any(|r| {
            g.resolve(r).is_some_and(|o| {
                matches!(s(o.get("type")), Some("software_Sbom" | "software_Package"))
                    && s(o.get("spdxId")).is_some()
            })
        })
    });
    let sbom_type = g
        .of_type(&["software_Sbom"])
        .any(|(_, b)| !list(b.get("software_sbomType")).is_empty());
    let vulnerabilities = g
        .nodes
        .iter()
        .filter(|(_, n)| s(n.get("type")).is_some_and(|t| t.starts_with("security_")))
        .map(|(i, _)| format!("/@graph/{i}"))
        .collect();
    DocumentView {
        kind: SbomKind::Spdx3,
        spec_version,
        spec_version_path: pointer(&info_path, &["specVersion"]),
        structure,
        author: Fact::new(!created_by.is_empty(), pointer(&info_path, &["createdBy"])),
        creator_contact: Fact::new(
            created_by.iter().any(|a| contact(&g, a)),
            pointer(&info_path, &["createdBy"]),
        ),
        timestamp: cyclonedx::timestamp(ci("created"), pointer(&info_path, &["created"])),
        uri: Fact::new(uri, pointer(&doc_path, &["rootElement"])),
        tool: Fact::new(
            !list(ci("createdUsing")).is_empty(),
            pointer(&info_path, &["createdUsing"]),
        ),
        generation_context: Fact::new(sbom_type, "/@graph".to_owned()),
        dependencies: Fact::new(dependencies, "/@graph".to_owned()),
        completeness,
        root: Fact::new(!components.is_empty(), pointer(&doc_path, &["rootElement"])),
        vulnerabilities,
        components,
    }
}
