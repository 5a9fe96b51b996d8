//! What a `mirror` SOURCE names — one rule, applied in this order, so that every input has exactly one reading:
//!
//! 1. an explicit prefix: `provider:` (a provider address), `oci:` (an OCI reference), `oci-layout:` (an OCI layout);
//! 2. an existing directory (or an existing `.zip` file): a release, as `publish` reads it;
//! 3. `…@sha256:…` (an `@` followed by `ALGORITHM:`): an OCI reference by digest;
//! 4. a `:` in the last `/`-separated segment before any `@` (`host/repo:tag`): an OCI reference by tag — a provider
//!    address never has one there (a port belongs to the first segment: `localhost:5000/ns/type`);
//! 5. anything else: a provider address `[HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT]`.
//!
//! So `registry.example/ns/type` is a provider (host `registry.example`), `registry.example/ns/type:1.0.0` is an OCI
//! repository's tag, and `oci:registry.example/ns/type` is the OCI repository itself (every version tag).
//!
//! Also [`ProviderSource`], the provider-address reading. Knows nothing of registries or downloads: it only parses.

use std::path::{Path, PathBuf};

use super::constraints::Constraints;
use super::error::{MirrorError, Result};
use crate::archive::address::ProviderAddress;
use crate::registry::reference::{LAYOUT_PREFIX, Target};

/// A provider source: `[HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSource {
    /// The provider address (host defaults to `registry.opentofu.org`).
    pub address: ProviderAddress,
    /// The version constraint; `None` selects the newest release.
    pub constraint: Option<Constraints>,
}

impl ProviderSource {
    /// Parses `[HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT]` (e.g. `hashicorp/aws@~> 5.0`,
    /// `registry.opentofu.org/hashicorp/tls@4.0.6`).
    pub fn parse(input: &str) -> Result<Self> {
        let (addr, constraint) = match input.split_once('@') {
            Some((a, c)) => (a, Some(c)),
            None => (input, None),
        };
        let address =
            ProviderAddress::parse(addr.trim()).map_err(|e| MirrorError::InvalidSource {
                input: input.to_owned(),
                reason: e.to_string(),
            })?;
        let constraint = match constraint {
            Some(c) if c.trim().is_empty() => {
                return Err(MirrorError::InvalidSource {
                    input: input.to_owned(),
                    reason:
                        "nothing after '@' (expected a version or a constraint such as \"~> 5.0\")"
                            .into(),
                });
            }
            Some(c) => Some(Constraints::parse(c)?),
            None => None,
        };
        Ok(Self {
            address,
            constraint,
        })
    }
}

/// A parsed `mirror` SOURCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorSource {
    /// A provider in a provider registry.
    Provider(ProviderSource),
    /// An OCI reference (registry or layout); without a tag and digest every version tag is copied.
    Oci(Target),
    /// A release directory (or ZIP) on disk.
    Release(PathBuf),
}

impl MirrorSource {
    /// Parses `input` by the rule in the module docs (the file system is consulted for rule 2).
    pub fn parse(input: &str) -> Result<Self> {
        let oci = |s: &str| {
            Target::parse(s)
                .map(Self::Oci)
                .map_err(|e| MirrorError::InvalidSource {
                    input: input.to_owned(),
                    reason: e.to_string(),
                })
        };
        if let Some(rest) = input.strip_prefix("provider:") {
            return ProviderSource::parse(rest).map(Self::Provider);
        }
        if let Some(rest) = input.strip_prefix("oci:") {
            return oci(rest);
        }
        if input.starts_with(LAYOUT_PREFIX) {
            return oci(input);
        }
        let path = Path::new(input);
        if path.is_dir()
            || (path.is_file()
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("zip")))
        {
            return Ok(Self::Release(path.to_owned()));
        }
        let (before, after) = match input.split_once('@') {
            Some((b, a)) => (b, Some(a)),
            None => (input, None),
        };
        let digest_like = after.is_some_and(|a| {
            a.split_once(':').is_some_and(|(alg, _)| {
                !alg.is_empty()
                    && alg
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
        });
        let last_segment = before.rsplit('/').next().unwrap_or(before);
        if digest_like || (before.contains('/') && last_segment.contains(':')) {
            return oci(input);
        }
        ProviderSource::parse(input).map(Self::Provider)
    }

    /// `provider`, `oci` or `release`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Provider(_) => "provider",
            Self::Oci(_) => "oci",
            Self::Release(_) => "release",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        let s = ProviderSource::parse("hashicorp/aws@~> 5.0").unwrap();
        assert_eq!(s.address.to_string(), "registry.opentofu.org/hashicorp/aws");
        assert_eq!(s.constraint.unwrap().to_string(), "~> 5.0");
        let s = ProviderSource::parse("127.0.0.1:8080/acme/demo@1.2.3").unwrap();
        assert_eq!(s.address.host, "127.0.0.1:8080");
        assert!(
            ProviderSource::parse("acme/demo")
                .unwrap()
                .constraint
                .is_none()
        );
        assert_eq!(
            ProviderSource::parse("acme/demo@").unwrap_err().to_string(),
            "invalid provider source \"acme/demo@\": nothing after '@' (expected a version or a constraint such as \"~> 5.0\")"
        );
        assert_eq!(
            ProviderSource::parse("acme@1.0").unwrap_err().to_string(),
            "invalid provider source \"acme@1.0\": invalid provider address \"acme\": expected HOSTNAME/NAMESPACE/TYPE or NAMESPACE/TYPE"
        );
        assert_eq!(
            ProviderSource::parse("acme/demo@v1.0")
                .unwrap_err()
                .to_string(),
            "invalid version constraint \"v1.0\": a \"v\" prefix should not be used when specifying versions"
        );
    }

    fn kind(s: &str) -> String {
        match MirrorSource::parse(s) {
            Ok(MirrorSource::Provider(p)) => format!(
                "provider {} {}",
                p.address,
                p.constraint.map(|c| c.to_string()).unwrap_or_default()
            ),
            Ok(MirrorSource::Oci(t)) => format!("oci {t}"),
            Ok(MirrorSource::Release(p)) => format!("release {}", p.display()),
            Err(e) => format!("error {e}"),
        }
    }

    #[test]
    fn every_form_has_one_reading() {
        assert_eq!(
            kind("hashicorp/aws@5.86.0"),
            "provider registry.opentofu.org/hashicorp/aws 5.86.0"
        );
        assert_eq!(
            kind("registry.example/ns/type@~> 1.2"),
            "provider registry.example/ns/type ~> 1.2"
        );
        assert_eq!(
            kind("localhost:8080/ns/type"),
            "provider localhost:8080/ns/type "
        );
        assert_eq!(
            kind("registry.example/ns/type:1.0.0"),
            "oci registry.example/ns/type:1.0.0"
        );
        assert_eq!(
            kind("localhost:5000/ns/type:1.0.0"),
            "oci localhost:5000/ns/type:1.0.0"
        );
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            kind(&format!("registry.example/ns/type@{d}")),
            format!("oci registry.example/ns/type@{d}")
        );
        assert_eq!(
            kind("oci:registry.example/ns/type"),
            "oci registry.example/ns/type"
        );
        assert_eq!(
            kind("provider:registry.example/ns/type@1.0.0"),
            "provider registry.example/ns/type 1.0.0"
        );
        assert_eq!(
            kind("oci-layout:./usb:5.86.0"),
            "oci oci-layout:./usb:5.86.0"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().display().to_string();
        assert_eq!(kind(&p), format!("release {p}"));
        assert!(kind("provider:nope").starts_with("error invalid provider source \"nope\""));
    }
}
