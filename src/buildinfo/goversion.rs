//! The Go toolchain version string (`runtime.buildVersion`) split into its parts.
//!
//! Shapes seen in real binaries:
//!
//! | raw | version | semver | experiments | vendor |
//! |---|---|---|---|---|
//! | `go1.22.5` | `go1.22.5` | `1.22.5` | | |
//! | `go1.22.3 X:boringcrypto` | `go1.22.3` | `1.22.3` | `boringcrypto` | |
//! | `go1.26.0-X:nodwarf5` (Go ≥ 1.26) | `go1.26.0` | `1.26.0` | `nodwarf5` | |
//! | `go1.26.5 (Red Hat 1.26.5-1.el9)` | `go1.26.5` | `1.26.5` | | `Red Hat 1.26.5-1.el9` |
//! | `go1.21rc2` | `go1.21rc2` | `1.21.0-rc2` | | |
//! | `go1.20` | `go1.20` | `1.20.0` | | |
//! | `go1.21.0-bigcorp` | `go1.21.0-bigcorp` | `1.21.0` | | `bigcorp` |
//! | `devel go1.24-1a2b3c4 Tue …` | `devel go1.24-1a2b3c4 Tue …` | — | | |

use serde::Serialize;

/// A parsed Go toolchain version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GoVersion {
    /// The string as embedded in the binary.
    pub raw: String,
    /// The version without experiments or vendor suffix, e.g. `go1.22.5`.
    pub version: String,
    /// The version as Semantic Versioning 2.0 without the `go` prefix, e.g. `1.22.5`, `1.21.0-rc2`;
    /// `None` for development builds and strings that are not `goMAJOR.MINOR[.PATCH][rcN|betaN]`.
    pub semver: Option<String>,
    /// `GOEXPERIMENT`s baked in (` X:a,b`, or `-X:a,b` since Go 1.26), in order.
    pub experiments: Vec<String>,
    /// A vendor's suffix: the parenthesised part (` (Red Hat 1.26.5-1.el9)`) or a `-suffix` after the version.
    pub vendor: Option<String>,
}

impl GoVersion {
    /// Splits a raw Go version string. Never fails: unknown shapes keep `raw` as `version` with no `semver`.
    pub fn parse(raw: &str) -> Self {
        let mut version_parts: Vec<&str> = Vec::new();
        let mut experiments = Vec::new();
        let mut vendor = None;
        let mut rest = raw.trim();
        let mut first = true;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('(') {
                // A parenthesised vendor group, possibly holding spaces.
                let (group, tail) = match inner.find(')') {
                    Some(i) => (&inner[..i], &inner[i + 1..]),
                    None => (inner, ""),
                };
                if vendor.is_none() {
                    vendor = Some(group.trim().to_string());
                }
                rest = tail.trim_start();
                continue;
            }
            let (tok, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            rest = tail.trim_start();
            if let Some(list) = tok.strip_prefix("X:") {
                experiments.extend(split_list(list));
                continue;
            }
            let tok = if first {
                match tok.split_once("-X:") {
                    Some((v, list)) => {
                        experiments.extend(split_list(list));
                        v
                    }
                    None => tok,
                }
            } else {
                tok
            };
            first = false;
            version_parts.push(tok);
        }
        let version = version_parts.join(" ");
        let (semver, suffix) = match version_parts.as_slice() {
            [single] => semver_of(single),
            _ => (None, None),
        };
        if vendor.is_none() {
            vendor = suffix;
        }
        Self {
            raw: raw.to_string(),
            version,
            semver,
            experiments,
            vendor,
        }
    }
}

fn split_list(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `go1.22.5` → `1.22.5`; `go1.21rc2` → `1.21.0-rc2`; `go1.21.0-bigcorp` → (`1.21.0`, vendor `bigcorp`).
fn semver_of(version: &str) -> (Option<String>, Option<String>) {
    let Some(v) = version.strip_prefix("go") else {
        return (None, None);
    };
    let (v, suffix) = match v.split_once('-') {
        Some((v, s)) if !s.is_empty() => (v, Some(s.to_string())),
        Some(_) => return (None, None),
        None => (v, None),
    };
    // Split off a pre-release: the first letter starts it.
    let (nums, pre) = match v.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&v[..i], Some(&v[i..])),
        None => (v, None),
    };
    let parts: Vec<&str> = nums.split('.').collect();
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    if parts.len() > 3 || !parts.iter().all(|p| numeric(p)) {
        return (None, None);
    }
    if let Some(pre) = pre {
        let ok = ["rc", "beta", "alpha"].iter().any(|kind| {
            pre.strip_prefix(kind)
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty())
        });
        if !ok {
            return (None, None);
        }
    }
    let mut core = parts.clone();
    while core.len() < 3 {
        core.push("0");
    }
    let mut semver = core.join(".");
    if let Some(pre) = pre {
        semver.push('-');
        semver.push_str(pre);
    }
    (Some(semver), suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gv(raw: &str, version: &str, semver: Option<&str>, exps: &[&str], vendor: Option<&str>) {
        assert_eq!(
            GoVersion::parse(raw),
            GoVersion {
                raw: raw.into(),
                version: version.into(),
                semver: semver.map(Into::into),
                experiments: exps.iter().map(|s| s.to_string()).collect(),
                vendor: vendor.map(Into::into),
            },
            "{raw}"
        );
    }

    #[test]
    fn release_versions() {
        gv("go1.22.5", "go1.22.5", Some("1.22.5"), &[], None);
        gv("go1.9.2", "go1.9.2", Some("1.9.2"), &[], None);
        gv("go1.20", "go1.20", Some("1.20.0"), &[], None);
        gv("go1", "go1", Some("1.0.0"), &[], None);
    }

    #[test]
    fn prereleases() {
        gv("go1.21rc2", "go1.21rc2", Some("1.21.0-rc2"), &[], None);
        gv(
            "go1.18beta1",
            "go1.18beta1",
            Some("1.18.0-beta1"),
            &[],
            None,
        );
        gv("go1.21.0rc1", "go1.21.0rc1", Some("1.21.0-rc1"), &[], None);
    }

    #[test]
    fn experiments_old_and_new_syntax() {
        gv(
            "go1.22.3 X:boringcrypto",
            "go1.22.3",
            Some("1.22.3"),
            &["boringcrypto"],
            None,
        );
        gv(
            "go1.21.1 X:loopvar,rangefunc",
            "go1.21.1",
            Some("1.21.1"),
            &["loopvar", "rangefunc"],
            None,
        );
        gv(
            "go1.26.0-X:nodwarf5",
            "go1.26.0",
            Some("1.26.0"),
            &["nodwarf5"],
            None,
        );
        gv(
            "go1.26rc1-X:a,b",
            "go1.26rc1",
            Some("1.26.0-rc1"),
            &["a", "b"],
            None,
        );
    }

    #[test]
    fn vendor_suffixes() {
        gv(
            "go1.26.5 (Red Hat 1.26.5-1.el9)",
            "go1.26.5",
            Some("1.26.5"),
            &[],
            Some("Red Hat 1.26.5-1.el9"),
        );
        gv(
            "go1.21.11 (Red Hat 1.21.11-1.el9_4) X:strictfipsruntime",
            "go1.21.11",
            Some("1.21.11"),
            &["strictfipsruntime"],
            Some("Red Hat 1.21.11-1.el9_4"),
        );
        gv(
            "go1.21.0-bigcorp",
            "go1.21.0-bigcorp",
            Some("1.21.0"),
            &[],
            Some("bigcorp"),
        );
    }

    #[test]
    fn unparseable_versions_keep_the_text() {
        gv(
            "devel go1.24-1a2b3c4 Tue Jan 2 15:04:05 2024 +0000",
            "devel go1.24-1a2b3c4 Tue Jan 2 15:04:05 2024 +0000",
            None,
            &[],
            None,
        );
        gv("go1.x", "go1.x", None, &[], None);
        gv("go1.02", "go1.02", None, &[], None);
        gv("1.22.5", "1.22.5", None, &[], None);
        gv("go1.2.3.4", "go1.2.3.4", None, &[], None);
        gv("go1.22rc", "go1.22rc", None, &[], None);
        gv("", "", None, &[], None);
        gv("(unclosed", "", None, &[], Some("unclosed"));
    }
}
