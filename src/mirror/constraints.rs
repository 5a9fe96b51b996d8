//! Provider version constraints with OpenTofu's meaning (`apparentlymart/go-versions`, "Ruby style", as used for
//! `required_providers` and `tofu providers mirror`).
//!
//! Grammar: one or more comma-separated `[OP][ ]VERSION`, all of which must hold. `OP` is `=` (also no operator),
//! `!=`, `>`, `>=`, `<`, `<=` or `~>`; `VERSION` has one to three numbers with optional `-PRERELEASE` and `+BUILD`;
//! missing numbers are zero (`>= 1.2` is `>= 1.2.0`), and `~>` allows the last given number to grow: `~> 1.2` is
//! `>= 1.2.0, < 2.0.0`, `~> 1.2.3` is `>= 1.2.3, < 1.3.0` (`~> 1` is `>= 1.0.0, < 2.0.0`). A `v` prefix, wildcards,
//! `||` and npm-style ranges are refused with OpenTofu's messages.
//!
//! Selection (`RequestedByConstraints`): only released versions are candidates, except that a pre-release named
//! exactly by an `=` constraint is selected too; the newest candidate by semantic-version precedence wins.
//!
//! Hand-written rather than taken from a crate: `semver::VersionReq` implements Cargo's rules (`~` and `^`, partial
//! versions that match ranges with `=`, pre-release opt-in per comparator) and would select different versions than
//! `tofu` for the same string; the grammar above is small. `semver` is still used for versions and their precedence.
//!
//! Knows nothing of registries, downloads or the CLI: strings in, versions out.

use std::cmp::Ordering;
use std::fmt;

use super::error::{MirrorError, Result};

/// A provider version (semantic version 2.0.0, no `v` prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(semver::Version);

impl Version {
    /// Parses a full `MAJOR.MINOR.PATCH[-PRE][+BUILD]` version as registries list them.
    pub fn parse(s: &str) -> Option<Self> {
        semver::Version::parse(s).ok().map(Self)
    }

    /// True for a pre-release (`1.2.3-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }

    /// Semantic-version precedence (build metadata ignored).
    pub fn cmp_precedence(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A constraint operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` or no operator: exactly this version.
    Eq,
    /// `!=`: anything but this version.
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `~>` with one or two numbers: at least this version, below the next major version.
    PessimisticMinor,
    /// `~>` with three numbers: at least this version, below the next minor version.
    PessimisticPatch,
}

/// One `OP VERSION` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The operator.
    pub op: Op,
    /// The boundary, missing numbers filled with zero.
    pub boundary: semver::Version,
}

impl Constraint {
    fn matches(&self, v: &semver::Version) -> bool {
        let b = &self.boundary;
        let ord = v.cmp_precedence(b);
        match self.op {
            Op::Eq => ord == Ordering::Equal && (b.build.is_empty() || v.build == b.build),
            Op::Ne => !(ord == Ordering::Equal && (b.build.is_empty() || v.build == b.build)),
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::PessimisticMinor => {
                let upper = semver::Version::new(b.major.saturating_add(1), 0, 0);
                ord != Ordering::Less && v.cmp_precedence(&upper) == Ordering::Less
            }
            Op::PessimisticPatch => {
                let upper = semver::Version::new(b.major, b.minor.saturating_add(1), 0);
                ord != Ordering::Less && v.cmp_precedence(&upper) == Ordering::Less
            }
        }
    }
}

/// An intersection of constraints, as written (`>= 1.2, < 2.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraints {
    text: String,
    terms: Vec<Constraint>,
}

impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Constraints {
    /// Parses OpenTofu's constraint syntax (see the module documentation).
    pub fn parse(input: &str) -> Result<Self> {
        let err = |reason: String| MirrorError::InvalidConstraint {
            input: input.to_owned(),
            reason,
        };
        let mut terms = Vec::new();
        let mut remain = input.trim();
        if remain.is_empty() {
            return Err(err("empty specification".into()));
        }
        while !remain.is_empty() {
            let term_start = remain;
            let (term, rest) = parse_term(remain).map_err(&err)?;
            terms.push(term);
            remain = rest.trim();
            if remain.is_empty() {
                break;
            }
            if remain.starts_with('v') {
                return Err(err(
                    "a \"v\" prefix should not be used when specifying versions".into(),
                ));
            }
            if remain.starts_with("||") {
                return Err(err(
                    "only one constraint may be specified per term; \"||\" is not supported".into(),
                ));
            }
            let Some(after) = remain.strip_prefix(',') else {
                let consumed = &term_start[..term_start.len() - rest.len()];
                return Err(err(format!("missing comma after {:?}", consumed.trim())));
            };
            remain = after.trim();
            if remain.is_empty() {
                return Err(err("a comma must be followed by another constraint".into()));
            }
        }
        Ok(Self {
            text: input.trim().to_owned(),
            terms,
        })
    }

    /// The single version an exact constraint (`1.2.3` or `= 1.2.3`) names.
    pub fn exact(version: &Version) -> Self {
        Self {
            text: version.to_string(),
            terms: vec![Constraint {
                op: Op::Eq,
                boundary: version.0.clone(),
            }],
        }
    }

    /// The terms.
    pub fn terms(&self) -> &[Constraint] {
        &self.terms
    }

    /// True when `v` satisfies every term (no pre-release policy; see [`Constraints::selects`]).
    pub fn matches(&self, v: &Version) -> bool {
        self.terms.iter().all(|t| t.matches(&v.0))
    }

    /// True when `v` would be selected: it satisfies every term, and it is a release, or it is a pre-release named
    /// exactly by an `=` term.
    pub fn selects(&self, v: &Version) -> bool {
        if !self.matches(v) {
            return false;
        }
        !v.is_prerelease()
            || self
                .terms
                .iter()
                .any(|t| t.op == Op::Eq && t.boundary.cmp_precedence(&v.0) == Ordering::Equal)
    }

    /// The newest selected version among `available`.
    pub fn newest<'a>(
        &self,
        available: impl IntoIterator<Item = &'a Version>,
    ) -> Option<&'a Version> {
        available
            .into_iter()
            .filter(|v| self.selects(v))
            .max_by(|a, b| a.cmp_precedence(b).then_with(|| a.0.build.cmp(&b.0.build)))
    }
}

/// Parses one `[OP][ ]VERSION` from the start of `s`; returns it and the rest.
fn parse_term(s: &str) -> std::result::Result<(Constraint, &str), String> {
    let op_len = s
        .bytes()
        .take_while(|b| matches!(b, b'=' | b'!' | b'<' | b'>' | b'~'))
        .count();
    let (op_text, rest) = s.split_at(op_len);
    let sep_len = rest
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'v')
        .count();
    let (sep, rest) = rest.split_at(sep_len);
    let ver_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'*'))
        .count();
    let (ver_text, rest) = rest.split_at(ver_len);

    let mut op = match op_text {
        "=" | "" => Op::Eq,
        "!=" => Op::Ne,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        "<=" => Op::Le,
        "~>" => Op::PessimisticMinor,
        "=<" => return Err("invalid constraint operator \"=<\"; did you mean \"<=\"?".into()),
        "=>" => return Err("invalid constraint operator \"=>\"; did you mean \">=\"?".into()),
        other => return Err(format!("invalid constraint operator {other:?}")),
    };
    if sep.contains('v') {
        return Err("a \"v\" prefix should not be used when specifying versions".into());
    }
    if !sep.is_empty() && (op_text.is_empty() || sep != " ") {
        return Err(if op_text.is_empty() {
            "extraneous spaces at start of specification".into()
        } else {
            format!("only one space is expected after the operator {op_text:?}")
        });
    }
    if ver_text.is_empty() {
        let rest_trim = rest.trim_start();
        return Err(if rest_trim.starts_with('-') {
            "range constraints are not supported".into()
        } else {
            format!("expected a version number at {:?}", truncate(s))
        });
    }
    let (core_pre, build) = match ver_text.split_once('+') {
        Some((c, b)) => (c, b),
        None => (ver_text, ""),
    };
    let (core, pre) = match core_pre.split_once('-') {
        Some((c, p)) => (c, p),
        None => (core_pre, ""),
    };
    let nums: Vec<&str> = core.split('.').collect();
    if nums.len() > 3 {
        return Err(
            "too many numbered portions; only three are allowed (major, minor, patch)".into(),
        );
    }
    let names = ["major", "minor", "patch"];
    let mut parsed = [0u64; 3];
    for (i, n) in nums.iter().enumerate() {
        if matches!(*n, "*" | "x" | "X") {
            return Err(format!(
                "can't use wildcard for {} number; omit segments that should be unconstrained",
                names[i]
            ));
        }
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("invalid {} number {n:?}", names[i]));
        }
        if n.len() > 1 && n.starts_with('0') {
            return Err(format!("{} number {n:?} has a leading zero", names[i]));
        }
        parsed[i] = n
            .parse()
            .map_err(|_| format!("{} number {n:?} is too large", names[i]))?;
    }
    if op == Op::PessimisticMinor && nums.len() == 3 {
        op = Op::PessimisticPatch;
    }
    let mut boundary = semver::Version::new(parsed[0], parsed[1], parsed[2]);
    if !pre.is_empty() {
        boundary.pre = semver::Prerelease::new(pre)
            .map_err(|e| format!("invalid pre-release {pre:?}: {e}"))?;
    }
    if !build.is_empty() {
        boundary.build = semver::BuildMetadata::new(build)
            .map_err(|e| format!("invalid build metadata {build:?}: {e}"))?;
    }
    Ok((Constraint { op, boundary }, rest))
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(list: &[&str]) -> Vec<Version> {
        list.iter().map(|v| Version::parse(v).unwrap()).collect()
    }

    fn pick(c: &str, list: &[&str]) -> Option<String> {
        let vs = versions(list);
        Constraints::parse(c)
            .unwrap()
            .newest(&vs)
            .map(ToString::to_string)
    }

    const AVAILABLE: &[&str] = &[
        "4.9.0",
        "5.0.0",
        "5.0.1",
        "5.1.0",
        "5.86.0",
        "5.87.0-beta1",
        "6.0.0",
        "6.1.0-rc.1",
        "1.2.3",
    ];

    #[test]
    fn newest_match_as_opentofu_selects() {
        let cases = [
            ("~> 5.0", Some("5.86.0")),
            ("~> 5", Some("5.86.0")),
            ("~> 5.0.0", Some("5.0.1")),
            ("~> 5.1.0", Some("5.1.0")),
            (">= 1.2, < 2.0", Some("1.2.3")),
            (">= 5.0, != 5.86.0, < 6", Some("5.1.0")),
            ("= 1.2.3", Some("1.2.3")),
            ("1.2.3", Some("1.2.3")),
            ("= 1.2", None),
            ("> 6.0.0", None),
            (">= 0", Some("6.0.0")),
            // pre-releases only when named exactly
            ("~> 5.87.0-beta1", None),
            ("= 5.87.0-beta1", Some("5.87.0-beta1")),
            ("5.87.0-beta1", Some("5.87.0-beta1")),
            (">= 6.1.0-rc.1", None),
            ("<= 4.9.0", Some("4.9.0")),
            ("<5", Some("4.9.0")),
        ];
        for (c, want) in cases {
            assert_eq!(pick(c, AVAILABLE).as_deref(), want, "{c}");
        }
    }

    #[test]
    fn pessimistic_bounds() {
        let c = Constraints::parse("~> 1.2").unwrap();
        assert_eq!(c.terms()[0].op, Op::PessimisticMinor);
        assert!(c.matches(&Version::parse("1.99.0").unwrap()));
        assert!(!c.matches(&Version::parse("2.0.0").unwrap()));
        assert!(!c.matches(&Version::parse("1.1.9").unwrap()));
        let c = Constraints::parse("~> 1.2.3").unwrap();
        assert_eq!(c.terms()[0].op, Op::PessimisticPatch);
        assert!(c.matches(&Version::parse("1.2.9").unwrap()));
        assert!(!c.matches(&Version::parse("1.3.0").unwrap()));
    }

    #[test]
    fn refuses_what_opentofu_refuses() {
        let cases = [
            ("", "empty specification"),
            (
                "v1.2.3",
                "a \"v\" prefix should not be used when specifying versions",
            ),
            (
                "= v1.2.3",
                "a \"v\" prefix should not be used when specifying versions",
            ),
            (
                "=> 1.0",
                "invalid constraint operator \"=>\"; did you mean \">=\"?",
            ),
            (
                "=< 1.0",
                "invalid constraint operator \"=<\"; did you mean \"<=\"?",
            ),
            ("~ 1.0", "invalid constraint operator \"~\""),
            (
                ">=  1.0",
                "only one space is expected after the operator \">=\"",
            ),
            (
                "1.2.3.4",
                "too many numbered portions; only three are allowed (major, minor, patch)",
            ),
            (
                "1.*",
                "can't use wildcard for minor number; omit segments that should be unconstrained",
            ),
            (">= 1.0 < 2.0", "missing comma after \">= 1.0\""),
            (
                ">= 1.0 || < 2.0",
                "only one constraint may be specified per term; \"||\" is not supported",
            ),
            (">= 1.0,", "a comma must be followed by another constraint"),
            ("01.2", "major number \"01\" has a leading zero"),
        ];
        for (input, reason) in cases {
            let e = Constraints::parse(input).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid version constraint {input:?}: {reason}"),
                "{input}"
            );
        }
    }

    #[test]
    fn prerelease_boundaries_zero_fill() {
        let c = Constraints::parse("= 2-beta").unwrap();
        assert_eq!(c.terms()[0].boundary.to_string(), "2.0.0-beta");
        assert_eq!(
            pick("2-beta", &["2.0.0-beta", "2.0.0"]).as_deref(),
            Some("2.0.0-beta")
        );
    }
}
