//! SPDX 2.2/2.3 JSON → [`DocumentView`], read as ntia-conformance-checker 6.0.0 reads it: the components are the
//! packages reachable from the document — `DESCRIBES` targets of `SPDXRef-DOCUMENT` (and `documentDescribes`,
//! which spdx-tools turns into such relationships), `DESCRIBED_BY` sources — along `DESCRIBES`, `CONTAINS`,
//! `DEPENDS_ON`, `DYNAMIC_LINK`, `STATIC_LINK` and `HAS_PREREQUISITE` edges; "dependency relationships" means a
//! `DESCRIBES` relationship to a package; `NOASSERTION` is no supplier and no licence.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::view::{ComponentView, DocumentView, Fact, Flag};
use super::{cyclonedx, pointer};
use crate::sbom::SbomKind;

const DOC: &str = "SPDXRef-DOCUMENT";
const EDGES: [&str; 6] = [
    "DESCRIBES",
    "CONTAINS",
    "DEPENDS_ON",
    "DYNAMIC_LINK",
    "STATIC_LINK",
    "HAS_PREREQUISITE",
];

fn s(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Present and not `NOASSERTION` (any case).
fn asserted(v: Option<&Value>) -> bool {
    s(v).is_some_and(|x| !x.eq_ignore_ascii_case("NOASSERTION"))
}

/// `Person: NAME (EMAIL)` / `Organization: NAME (EMAIL)` with an e-mail address.
fn agent_with_email(v: &str) -> bool {
    (v.starts_with("Person:") || v.starts_with("Organization:"))
        && v.rsplit_once('(').is_some_and(|(_, e)| e.contains('@'))
}

fn reachable(doc: &Value) -> BTreeSet<String> {
    let mut queue: VecDeque<String> = arr(doc.get("documentDescribes"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in arr(doc.get("relationships")) {
        let (Some(from), Some(t), Some(to)) = (
            s(r.get("spdxElementId")),
            s(r.get("relationshipType")),
            s(r.get("relatedSpdxElement")),
        ) else {
            continue;
        };
        if t == "DESCRIBES" && from == DOC {
            queue.push_back(to.to_owned());
        } else if t == "DESCRIBED_BY" && to == DOC {
            queue.push_back(from.to_owned());
        }
        if EDGES.contains(&t) {
            edges.entry(from).or_default().push(to);
        }
    }
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    while let Some(id) = queue.pop_front() {
        for to in edges.get(id.as_str()).into_iter().flatten() {
            if seen.insert((*to).to_owned()) {
                queue.push_back((*to).to_owned());
            }
        }
    }
    seen
}

fn package(p: &Value, path: String) -> ComponentView {
    let member = |m: &str| pointer(&path, &[m]);
    let refs = arr(p.get("externalRefs"));
    let global = refs.iter().any(|r| {
        matches!(
            r.get("referenceType").and_then(Value::as_str),
            Some("purl" | "cpe22Type" | "cpe23Type" | "swid" | "gitoid" | "swh")
        ) && s(r.get("referenceLocator")).is_some()
    });
    let checksums: Vec<&str> = arr(p.get("checksums"))
        .iter()
        .filter(|c| s(c.get("checksumValue")).is_some())
        .filter_map(|c| c.get("algorithm").and_then(Value::as_str))
        .collect();
    let file_name = s(p.get("packageFileName"));
    let na = |m: &str| (Flag::Missing, member(m));
    ComponentView {
        label: s(p.get("name")).unwrap_or("<unnamed>").to_owned(),
        name: Fact::new(s(p.get("name")).is_some(), member("name")),
        version: Fact::new(s(p.get("versionInfo")).is_some(), member("versionInfo")),
        supplier: Fact::new(asserted(p.get("supplier")), member("supplier")),
        identifier: Fact::new(s(p.get("SPDXID")).is_some(), member("SPDXID")),
        global_identifier: Fact::new(global, member("externalRefs")),
        creator_contact: Fact::new(
            ["originator", "supplier"]
                .iter()
                .filter_map(|k| s(p.get(*k)))
                .any(agent_with_email),
            member("originator"),
        ),
        filename: Fact::new(
            file_name.is_some_and(|f| !f.contains('/')),
            member("packageFileName"),
        ),
        concluded_licence: Fact::new(
            asserted(p.get("licenseConcluded")),
            member("licenseConcluded"),
        ),
        any_licence: Fact::new(
            asserted(p.get("licenseConcluded")) || asserted(p.get("licenseDeclared")),
            member("licenseConcluded"),
        ),
        any_hash: Fact::new(!checksums.is_empty(), member("checksums")),
        sha512: Fact::new(checksums.contains(&"SHA512"), member("checksums")),
        executable: na("primaryPackagePurpose"),
        archive: na("primaryPackagePurpose"),
        structured: na("primaryPackagePurpose"),
        path,
    }
}

pub(super) fn view(doc: &Value) -> DocumentView {
    let reach = reachable(doc);
    let packages = arr(doc.get("packages"));
    let package_ids: BTreeSet<&str> = packages.iter().filter_map(|p| s(p.get("SPDXID"))).collect();
    let components: Vec<ComponentView> = packages
        .iter()
        .enumerate()
        .filter(|(_, p)| s(p.get("SPDXID")).is_some_and(|id| reach.contains(id)))
        .map(|(i, p)| package(p, format!("/packages/{i}")))
        .collect();
    let info = doc.get("creationInfo");
    let creators: Vec<&str> = arr(info.and_then(|i| i.get("creators")))
        .iter()
        .filter_map(|c| s(Some(c)))
        .collect();
    let describes_package = arr(doc.get("documentDescribes"))
        .iter()
        .filter_map(Value::as_str)
        .any(|id| package_ids.contains(id))
        || arr(doc.get("relationships")).iter().any(|r| {
            s(r.get("relationshipType")) == Some("DESCRIBES")
                && s(r.get("relatedSpdxElement")).is_some_and(|id| package_ids.contains(id))
        });
    DocumentView {
        kind: SbomKind::Spdx,
        spec_version: s(doc.get("spdxVersion")).unwrap_or("").to_owned(),
        spec_version_path: "/spdxVersion".to_owned(),
        structure: Fact::new(true, String::new()),
        author: Fact::new(!creators.is_empty(), "/creationInfo/creators".to_owned()),
        creator_contact: Fact::new(
            creators.iter().any(|c| agent_with_email(c)),
            "/creationInfo/creators".to_owned(),
        ),
        timestamp: cyclonedx::timestamp(
            info.and_then(|i| i.get("created")),
            "/creationInfo/created".to_owned(),
        ),
        uri: Fact::new(
            s(doc.get("documentNamespace")).is_some(),
            "/documentNamespace".to_owned(),
        ),
        tool: Fact::new(
            creators.iter().any(|c| c.starts_with("Tool:")),
            "/creationInfo/creators".to_owned(),
        ),
        generation_context: Fact::invalid(
            "/creationInfo".to_owned(),
            "SPDX 2 has no field for it (SPDX 3: software_Sbom.software_sbomType)".to_owned(),
        ),
        dependencies: Fact::new(describes_package, "/relationships".to_owned()),
        completeness: Fact::invalid(
            "/relationships".to_owned(),
            "SPDX 2 relationships cannot state it".to_owned(),
        ),
        root: Fact::new(!components.is_empty(), "/documentDescribes".to_owned()),
        vulnerabilities: Vec::new(),
        components,
    }
}
