//! Comparing a stored SBOM with the one re-derived from the release (step 3 of `verify --release`): byte for byte
//! with the first differing JSON pointers (same tool version), else by component and SHA-256 sets.
//!
//! Pure: bytes and summaries in, findings out; knows nothing of registries.

use std::collections::BTreeSet;

use super::Stored;
use crate::sbom::Format;
use crate::verify::report::FindingKind;

/// Compact JSON of a value for a message, cut at 200 characters.
fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None => "(absent)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 200 {
                format!("{}…", s.chars().take(200).collect::<String>())
            } else {
                s
            }
        }
    }
}

/// `~` and `/` escaped as a JSON pointer token (RFC 6901).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// How many differing JSON pointers one finding lists (the first with both values, the rest by pointer).
const MAX_DIFFERENCES: usize = 10;

/// A difference between two JSON values: its pointer and both values (`None`: absent).
type Difference<'a> = (
    String,
    Option<&'a serde_json::Value>,
    Option<&'a serde_json::Value>,
);

/// Collects the differences between two JSON values, in document order (object keys sorted), into `out` until it
/// holds `max`. Depth is bounded by serde_json's parser (128 levels), so the recursion is too.
fn differences<'a>(
    a: &'a serde_json::Value,
    b: &'a serde_json::Value,
    path: &str,
    out: &mut Vec<Difference<'a>>,
    max: usize,
) {
    use serde_json::Value;
    if out.len() >= max {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                if out.len() >= max {
                    return;
                }
                let p = format!("{path}/{}", token(k));
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => differences(u, v, &p, out, max),
                    (u, v) => out.push((p, u, v)),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                if out.len() >= max {
                    return;
                }
                let p = format!("{path}/{i}");
                match (x.get(i), y.get(i)) {
                    (Some(u), Some(v)) => differences(u, v, &p, out, max),
                    (u, v) => out.push((p, u, v)),
                }
            }
        }
        _ if a == b => {}
        _ => out.push((path.to_owned(), Some(a), Some(b))),
    }
}

/// How two documents differ: the first differing JSON pointer with the stored and derived values there, and the
/// pointers of up to [`MAX_DIFFERENCES`] − 1 further differences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ByteDifference {
    pub(super) path: String,
    pub(super) stored: String,
    pub(super) derived: String,
    pub(super) other_paths: Vec<String>,
}

/// `None` when the bytes are equal; else how they differ (see [`ByteDifference`]).
pub(super) fn compare_bytes(stored: &[u8], derived: &[u8]) -> Option<ByteDifference> {
    if stored == derived {
        return None;
    }
    let parsed = (
        serde_json::from_slice::<serde_json::Value>(stored),
        serde_json::from_slice::<serde_json::Value>(derived),
    );
    let whole = |stored: String, derived: String| ByteDifference {
        path: String::new(),
        stored,
        derived,
        other_paths: Vec::new(),
    };
    match parsed {
        (Ok(a), Ok(b)) => {
            let mut found = Vec::new();
            differences(&a, &b, "", &mut found, MAX_DIFFERENCES);
            let mut found = found.into_iter();
            match found.next() {
                Some((path, x, y)) => Some(ByteDifference {
                    path,
                    stored: show(x),
                    derived: show(y),
                    other_paths: found.map(|(p, _, _)| p).collect(),
                }),
                None => Some(whole(
                    format!("{} bytes", stored.len()),
                    format!("{} bytes of the same JSON", derived.len()),
                )),
            }
        }
        (Err(e), _) => Some(whole(format!("not JSON ({e})"), "JSON".into())),
        (_, Err(e)) => Some(whole("JSON".into(), format!("not JSON ({e})"))),
    }
}

/// The component set of a document: purl, else `name@version` (or the name).
fn components(summary: &crate::sbom::SbomSummary) -> BTreeSet<String> {
    summary
        .packages
        .iter()
        .map(|p| match (&p.purl, &p.version) {
            (Some(purl), _) => purl.clone(),
            (None, Some(v)) => format!("{}@{v}", p.name),
            (None, None) => p.name.clone(),
        })
        .collect()
}

/// Every SHA-256 a document records (module docs), lowercase hex.
fn sha256s(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let s = |k: &str| m.get(k).and_then(Value::as_str);
            if s("alg") == Some("SHA-256")
                && let Some(c) = s("content")
            {
                out.insert(c.to_ascii_lowercase());
            }
            if s("algorithm") == Some("SHA256")
                && let Some(c) = s("checksumValue")
            {
                out.insert(c.to_ascii_lowercase());
            }
            if let Some(c) = s("comment").and_then(|c| c.strip_prefix("tofu-sbom:distribution: ")) {
                out.extend(
                    c.split(' ')
                        .filter_map(|w| w.strip_prefix("sha256:"))
                        .map(str::to_ascii_lowercase),
                );
            }
            m.values().for_each(|x| sha256s(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| sha256s(x, out)),
        _ => {}
    }
}

fn hash_set(bytes: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        sha256s(&v, &mut out);
    }
    out
}

fn diff(stored: &BTreeSet<String>, derived: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (
        stored.difference(derived).cloned().collect(),
        derived.difference(stored).cloned().collect(),
    )
}

pub(super) fn compare_sets(
    s: &Stored,
    derived: &[u8],
    subject: &str,
    file: &str,
    format: Format,
    stored_tool: &str,
) -> Vec<FindingKind> {
    let mut out = Vec::new();
    // The derived document is ours and well-formed; reading it cannot fail under the stored one's limits.
    let Ok(derived_summary) = crate::sbom::read(derived, &crate::limits::Limits::default()) else {
        return out;
    };
    let (added, removed) = diff(
        &components(&s.fetched.summary),
        &components(&derived_summary),
    );
    if !added.is_empty() || !removed.is_empty() {
        out.push(FindingKind::ReleaseComponentsDiffer {
            subject: subject.to_owned(),
            file: file.to_owned(),
            format: format.name().to_owned(),
            referrer: s.referrer.clone(),
            stored_tool: stored_tool.to_owned(),
            added,
            removed,
        });
    }
    let (added, removed) = diff(&hash_set(&s.fetched.bytes), &hash_set(derived));
    if !added.is_empty() || !removed.is_empty() {
        out.push(FindingKind::ReleaseHashesDiffer {
            subject: subject.to_owned(),
            file: file.to_owned(),
            format: format.name().to_owned(),
            referrer: s.referrer.clone(),
            stored_tool: stored_tool.to_owned(),
            added,
            removed,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_json_pointer() {
        let diff = |path: &str, stored: &str, derived: &str, other: &[&str]| ByteDifference {
            path: path.into(),
            stored: stored.into(),
            derived: derived.into(),
            other_paths: other.iter().map(|p| (*p).to_owned()).collect(),
        };
        let a = br#"{"components":[{"name":"a","version":"v1"},{"name":"b/c","version":"v1.2.0"}],"x":1}"#;
        let b = br#"{"components":[{"name":"a","version":"v1"},{"name":"b/c","version":"v1.3.0"}],"x":1}"#;
        assert_eq!(
            compare_bytes(a, b),
            Some(diff(
                "/components/1/version",
                "\"v1.2.0\"",
                "\"v1.3.0\"",
                &[]
            ))
        );
        assert_eq!(compare_bytes(a, a), None);
        assert_eq!(
            compare_bytes(br#"{"a/b":[1]}"#, br#"{"a/b":[1,2]}"#),
            Some(diff("/a~1b/1", "(absent)", "2", &[]))
        );
        assert_eq!(
            compare_bytes(b"{\"a\":1}", b"{\"a\": 1}"),
            Some(diff("", "7 bytes", "8 bytes of the same JSON", &[]))
        );
        // Further differences are listed by pointer, in document order, up to 10 in all.
        assert_eq!(
            compare_bytes(
                br#"{"b":{"y":1,"x":2},"a":[1,2,3],"c":0}"#,
                br#"{"b":{"y":2,"x":3},"a":[1,5],"c":0,"d":1}"#
            ),
            Some(diff("/a/1", "2", "5", &["/a/2", "/b/x", "/b/y", "/d"]))
        );
        let many_a: Vec<u32> = (0..50).collect();
        let many_b: Vec<u32> = (100..150).collect();
        let got = compare_bytes(
            &serde_json::to_vec(&many_a).unwrap(),
            &serde_json::to_vec(&many_b).unwrap(),
        )
        .unwrap();
        assert_eq!(got.path, "/0");
        assert_eq!(
            got.other_paths,
            (1..10).map(|i| format!("/{i}")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn hash_sets_collect_every_sha256_form() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"hashes":[{"alg":"SHA-256","content":"AB"},{"alg":"SHA-512","content":"cd"}],
                "packages":[{"checksums":[{"algorithm":"SHA256","checksumValue":"ef"}],
                "annotations":[{"comment":"tofu-sbom:distribution: x.zip sha256:12 sha512:34"}]}]}"#,
        )
        .unwrap();
        let mut out = BTreeSet::new();
        sha256s(&v, &mut out);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            vec!["12".to_owned(), "ab".into(), "ef".into()]
        );
    }
}
