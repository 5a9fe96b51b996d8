//! CycloneDX 1.4–1.6 JSON → [`DocumentView`]. Components: `metadata.component` and every `components` entry, nested
//! ones included. The BSI flags, file name and effective licence are BSI's CycloneDX property taxonomy
//! (`bsi:component:*`, v0.1.2, for TR-03183-2 v2.1.0).

use std::collections::BTreeSet;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::pointer;
use super::view::{ComponentView, DocumentView, Fact, Flag};
use crate::sbom::SbomKind;

pub use crate::inventory::{BSI_ARCHIVE, BSI_EXECUTABLE, BSI_FILENAME, BSI_STRUCTURED};

fn s(v: &Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// An `organizationalEntity` or `organizationalContact` with an e-mail address or a URL.
fn has_contact(entity: &Value) -> bool {
    let email = |v: &Value| v.get("email").and_then(s).is_some_and(|e| e.contains('@'));
    let url = |v: &Value| {
        arr(v.get("url"))
            .iter()
            .filter_map(s)
            .any(|u| u.starts_with("https://") || u.starts_with("http://"))
    };
    email(entity) || url(entity) || arr(entity.get("contact")).iter().any(email)
}

fn has_name(entity: &Value) -> bool {
    entity.get("name").and_then(s).is_some()
}

pub(super) fn timestamp(value: Option<&Value>, path: String) -> Fact {
    match value {
        None => Fact::new(false, path),
        Some(v) => match v.as_str() {
            Some(t) if OffsetDateTime::parse(t, &Rfc3339).is_ok() => Fact::new(true, path),
            _ => Fact::invalid(path, format!("{v} is not an RFC 3339 date-time")),
        },
    }
}

fn tools_named(tools: Option<&Value>) -> bool {
    match tools {
        Some(Value::Array(list)) => list.iter().any(has_name),
        Some(Value::Object(o)) => ["components", "services"]
            .iter()
            .any(|k| arr(o.get(*k)).iter().any(has_name)),
        _ => false,
    }
}

fn flag(
    props: &[(usize, &str, &str)],
    name: &str,
    allowed: [&str; 2],
    path: &str,
) -> (Flag, String) {
    let found: Vec<&(usize, &str, &str)> = props.iter().filter(|(_, n, _)| *n == name).collect();
    match found.as_slice() {
        [] => (Flag::Missing, pointer(path, &["properties"])),
        [(i, _, v)] if allowed.contains(v) => {
            (Flag::Ok, pointer(path, &["properties", &i.to_string()]))
        }
        [(i, _, v)] => (
            Flag::Invalid(format!(
                "{name} is {v:?}, expected {:?} or {:?}",
                allowed[0], allowed[1]
            )),
            pointer(path, &["properties", &i.to_string(), "value"]),
        ),
        [_, (i, _, _), ..] => (
            Flag::Invalid(format!(
                "{name} occurs {} times, BSI's taxonomy allows exactly one",
                found.len()
            )),
            pointer(path, &["properties", &i.to_string()]),
        ),
    }
}

fn component(c: &Value, path: String) -> ComponentView {
    let label = c.get("name").and_then(s).unwrap_or("<unnamed>").to_owned();
    let member = |m: &str| pointer(&path, &[m]);
    let props: Vec<(usize, &str, &str)> = arr(c.get("properties"))
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            Some((
                i,
                p.get("name")?.as_str()?,
                p.get("value")?.as_str().unwrap_or(""),
            ))
        })
        .collect();
    let global = ["purl", "cpe", "omniborId", "swhid"]
        .iter()
        .any(|k| match c.get(*k) {
            Some(Value::Array(a)) => a.iter().any(|x| s(x).is_some()),
            Some(v) => s(v).is_some(),
            None => false,
        })
        || c.get("swid")
            .and_then(|w| w.get("tagId"))
            .and_then(s)
            .is_some();
    let supplier = ["supplier", "manufacturer"]
        .iter()
        .filter_map(|k| c.get(*k))
        .any(|e| has_name(e) || has_contact(e));
    let creator = ["manufacturer", "supplier"]
        .iter()
        .filter_map(|k| c.get(*k))
        .any(has_contact)
        || arr(c.get("authors")).iter().any(has_contact);
    let filename = {
        let names: Vec<&(usize, &str, &str)> = props
            .iter()
            .filter(|(_, n, _)| *n == BSI_FILENAME)
            .collect();
        match names.as_slice() {
            [] => Fact::new(false, member("properties")),
            [(i, _, v)] if !v.trim().is_empty() && !v.contains('/') && !v.contains('\\') => {
                Fact::new(true, pointer(&path, &["properties", &i.to_string()]))
            }
            [(i, _, v)] => Fact::invalid(
                pointer(&path, &["properties", &i.to_string(), "value"]),
                format!("{BSI_FILENAME} {v:?} is empty or a path, not a file name"),
            ),
            _ => Fact::invalid(
                member("properties"),
                format!("{BSI_FILENAME} occurs more than once"),
            ),
        }
    };
    let licences = arr(c.get("licenses"));
    let licence_named = |l: &Value| {
        l.get("expression").and_then(s).is_some()
            || l.get("license")
                .is_some_and(|x| x.get("id").and_then(s).is_some() || has_name(x))
    };
    let acknowledgement = |l: &Value| {
        l.get("acknowledgement")
            .or_else(|| l.get("license").and_then(|x| x.get("acknowledgement")))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let any_licence = licences.iter().any(licence_named);
    // BSI's distribution licence is the concluded one; an entry without acknowledgement (CycloneDX < 1.6, or a tool
    // that does not say) is taken as the licence the SBOM creator states.
    let concluded = licences
        .iter()
        .any(|l| licence_named(l) && acknowledgement(l).is_none_or(|a| a == "concluded"));
    let hashes = |v: &Value| -> Vec<String> {
        arr(v.get("hashes"))
            .iter()
            .filter(|h| h.get("content").and_then(s).is_some())
            .filter_map(|h| h.get("alg").and_then(Value::as_str).map(str::to_owned))
            .collect()
    };
    let own = hashes(c);
    let dist: Vec<String> = arr(c.get("externalReferences"))
        .iter()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("distribution"))
        .flat_map(hashes)
        .collect();
    let all_refs: Vec<String> = arr(c.get("externalReferences"))
        .iter()
        .flat_map(hashes)
        .collect();
    ComponentView {
        name: Fact::new(c.get("name").and_then(s).is_some(), member("name")),
        version: Fact::new(c.get("version").and_then(s).is_some(), member("version")),
        supplier: Fact::new(supplier, member("supplier")),
        identifier: Fact::new(
            global || c.get("bom-ref").and_then(s).is_some(),
            member("bom-ref"),
        ),
        global_identifier: Fact::new(global, member("purl")),
        creator_contact: Fact::new(creator, member("manufacturer")),
        filename,
        concluded_licence: Fact::new(concluded, member("licenses")),
        any_licence: Fact::new(any_licence, member("licenses")),
        any_hash: Fact::new(!own.is_empty() || !all_refs.is_empty(), member("hashes")),
        sha512: Fact::new(
            own.iter().chain(&dist).any(|a| a == "SHA-512"),
            member("hashes"),
        ),
        executable: flag(
            &props,
            BSI_EXECUTABLE,
            ["executable", "non-executable"],
            &path,
        ),
        archive: flag(&props, BSI_ARCHIVE, ["archive", "no archive"], &path),
        structured: flag(
            &props,
            BSI_STRUCTURED,
            ["structured", "unstructured"],
            &path,
        ),
        path,
        label,
    }
}

fn collect(list: &[Value], base: &str, out: &mut Vec<ComponentView>) {
    for (i, c) in list.iter().enumerate() {
        let path = pointer(base, &["components", &i.to_string()]);
        out.push(component(c, path.clone()));
        collect(arr(c.get("components")), &path, out);
    }
}

pub(super) fn view(doc: &Value) -> DocumentView {
    let metadata = doc.get("metadata");
    let m = |k: &str| metadata.and_then(|m| m.get(k));
    let mut components = Vec::new();
    if let Some(root) = m("component") {
        components.push(component(root, "/metadata/component".to_owned()));
    }
    collect(arr(doc.get("components")), "", &mut components);

    let authors = arr(m("authors"));
    let author = authors.iter().any(|a| has_name(a) || has_contact(a))
        || ["manufacturer", "manufacture", "supplier"]
            .iter()
            .filter_map(|k| m(k))
            .any(|e| has_name(e) || has_contact(e))
        || tools_named(m("tools"));
    let creator_contact = authors.iter().any(has_contact)
        || ["manufacturer", "manufacture", "supplier"]
            .iter()
            .filter_map(|k| m(k))
            .any(has_contact);
    let uri_ok = doc
        .get("serialNumber")
        .and_then(Value::as_str)
        .is_some_and(|u| u.starts_with("urn:uuid:") && uuid::Uuid::parse_str(&u[9..]).is_ok());
    let lifecycles = arr(m("lifecycles"))
        .iter()
        .any(|l| l.get("phase").and_then(s).is_some() || has_name(l));

    let deps = arr(doc.get("dependencies"));
    // Completeness: every ref that lists dependencies is covered by a composition with an aggregate.
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let mut all = false;
    for comp in arr(doc.get("compositions")) {
        if comp.get("aggregate").and_then(s).is_none() {
            continue;
        }
        for r in arr(comp.get("dependencies"))
            .iter()
            .filter_map(Value::as_str)
        {
            covered.insert(r);
        }
        // An aggregate over the whole BOM (no assemblies or dependencies listed) covers everything.
        if comp.get("dependencies").is_none() && comp.get("assemblies").is_none() {
            all = true;
        }
    }
    let uncovered = deps.iter().enumerate().find(|(_, d)| {
        !arr(d.get("dependsOn")).is_empty()
            && !d
                .get("ref")
                .and_then(Value::as_str)
                .is_some_and(|r| covered.contains(r))
    });
    let any_aggregate = all || !covered.is_empty();
    let completeness = match uncovered {
        _ if !any_aggregate => Fact::new(false, "/compositions".to_owned()),
        Some((i, d)) if !all => Fact::invalid(
            format!("/dependencies/{i}"),
            format!(
                "the dependencies of {:?} are in no composition with an aggregate (e.g. \"complete\")",
                d.get("ref").and_then(Value::as_str).unwrap_or("")
            ),
        ),
        _ => Fact::new(true, "/compositions".to_owned()),
    };
    let vulnerabilities = if arr(doc.get("vulnerabilities")).is_empty() {
        Vec::new()
    } else {
        vec!["/vulnerabilities".to_owned()]
    };
    DocumentView {
        kind: SbomKind::CycloneDx,
        spec_version: doc
            .get("specVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        spec_version_path: "/specVersion".to_owned(),
        structure: Fact::new(true, String::new()),
        author: Fact::new(author, "/metadata/authors".to_owned()),
        creator_contact: Fact::new(creator_contact, "/metadata/manufacturer".to_owned()),
        timestamp: timestamp(m("timestamp"), "/metadata/timestamp".to_owned()),
        uri: Fact::new(uri_ok, "/serialNumber".to_owned()),
        tool: Fact::new(tools_named(m("tools")), "/metadata/tools".to_owned()),
        generation_context: Fact::new(lifecycles, "/metadata/lifecycles".to_owned()),
        dependencies: Fact::new(!deps.is_empty(), "/dependencies".to_owned()),
        completeness,
        root: Fact::new(!components.is_empty(), "/metadata/component".to_owned()),
        vulnerabilities,
        components,
    }
}
