//! Provider addresses `HOSTNAME/NAMESPACE/TYPE`, validated and normalised as OpenTofu's `ParseProviderSourceString`
//! and `ParseProviderPart` do (restricted to ASCII: IDNA host names and Unicode namespaces are refused, not mapped).

use std::fmt;
use std::str::FromStr;

use super::error::AddressError;

/// OpenTofu's default provider registry host.
pub const DEFAULT_HOST: &str = "registry.opentofu.org";

/// A fully qualified provider address, e.g. `registry.opentofu.org/hashicorp/tls`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderAddress {
    /// Registry host name, lowercase, optionally with `:port`.
    pub host: String,
    /// Namespace (organisation), lowercase.
    pub namespace: String,
    /// Provider type, lowercase (`tls` for `terraform-provider-tls`).
    pub provider_type: String,
}

impl ProviderAddress {
    /// Parses `HOSTNAME/NAMESPACE/TYPE` or `NAMESPACE/TYPE` (host [`DEFAULT_HOST`]), normalising case.
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let parts: Vec<&str> = input.split('/').collect();
        let (host, namespace, provider_type) = match parts.as_slice() {
            [h, n, t] => (normalize_host(input, h)?, *n, *t),
            [n, t] => (DEFAULT_HOST.to_owned(), *n, *t),
            _ => {
                return Err(AddressError::Shape {
                    input: input.to_owned(),
                });
            }
        };
        if namespace.is_empty() || provider_type.is_empty() {
            return Err(AddressError::Shape {
                input: input.to_owned(),
            });
        }
        let namespace = normalize_part(namespace).map_err(|reason| AddressError::Part {
            input: input.to_owned(),
            part: "namespace",
            value: namespace.to_owned(),
            reason,
        })?;
        let part_err = |reason: String| AddressError::Part {
            input: input.to_owned(),
            part: "type",
            value: provider_type.to_owned(),
            reason,
        };
        let provider_type = normalize_part(provider_type).map_err(part_err)?;
        if let Some(short) = provider_type.strip_prefix("terraform-provider-") {
            return Err(part_err(format!(
                "must not start with \"terraform-provider-\" (did you mean {short:?}?)"
            )));
        }
        Ok(Self {
            host,
            namespace,
            provider_type,
        })
    }

    /// An address on the default host.
    pub fn on_default_host(namespace: &str, provider_type: &str) -> Result<Self, AddressError> {
        Self::parse(&format!("{DEFAULT_HOST}/{namespace}/{provider_type}"))
    }
}

impl FromStr for ProviderAddress {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ProviderAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.host, self.namespace, self.provider_type)
    }
}

/// OpenTofu's `ParseProviderPart`, ASCII only: letters (folded to lowercase), digits and single dashes, not at
/// either end; no dots.
fn normalize_part(given: &str) -> Result<String, String> {
    if given.contains('.') {
        return Err("must not contain dots".into());
    }
    if given.contains("--") {
        return Err("must not contain two consecutive dashes".into());
    }
    if given.starts_with('-') || given.ends_with('-') {
        return Err("must not start or end with a dash".into());
    }
    if let Some(c) = given
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "contains {c:?}: only letters, digits and dashes are allowed"
        ));
    }
    Ok(given.to_ascii_lowercase())
}

fn normalize_host(input: &str, host: &str) -> Result<String, AddressError> {
    let err = |reason| AddressError::Host {
        input: input.to_owned(),
        host: host.to_owned(),
        reason,
    };
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    if let Some(p) = port
        && (p.is_empty()
            || p.len() > 5
            || !p.bytes().all(|b| b.is_ascii_digit())
            || p.parse::<u16>().is_err())
    {
        return Err(err("has an invalid port"));
    }
    if name.is_empty() || name.len() > 253 {
        return Err(err("is not a valid DNS name"));
    }
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(err("is not a valid DNS name"));
        }
    }
    Ok(host.to_ascii_lowercase())
}

/// The namespace implied by a Go main module path `github.com/ORG/terraform-provider-TYPE[/vN]`, when `TYPE` is
/// `provider_type` and `ORG` is a valid namespace; `None` otherwise (the address must then be given).
pub fn namespace_from_module_path(module_path: &str, provider_type: &str) -> Option<String> {
    let rest = module_path.strip_prefix("github.com/")?;
    let mut parts = rest.split('/');
    let org = parts.next()?;
    let repo = parts.next()?;
    match (parts.next(), parts.next()) {
        (None, _) => {}
        (Some(major), None)
            if major.len() > 1
                && major.starts_with('v')
                && major[1..].bytes().all(|b| b.is_ascii_digit()) => {}
        _ => return None,
    }
    let ty = repo.strip_prefix("terraform-provider-")?;
    if !ty.eq_ignore_ascii_case(provider_type) {
        return None;
    }
    normalize_part(org).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_addresses() {
        let a = ProviderAddress::parse("Registry.OpenTofu.org/HashiCorp/TLS").unwrap();
        assert_eq!(a.to_string(), "registry.opentofu.org/hashicorp/tls");
        let b = ProviderAddress::parse("acme/buf").unwrap();
        assert_eq!(b.to_string(), "registry.opentofu.org/acme/buf");
        let c = ProviderAddress::parse("localhost:5000/acme/buf").unwrap();
        assert_eq!(c.host, "localhost:5000");
    }

    #[test]
    fn rejects_bad_addresses_with_reasons() {
        let cases = [
            (
                "buf",
                "invalid provider address \"buf\": expected HOSTNAME/NAMESPACE/TYPE or NAMESPACE/TYPE",
            ),
            (
                "a/b/c/d",
                "invalid provider address \"a/b/c/d\": expected HOSTNAME/NAMESPACE/TYPE or NAMESPACE/TYPE",
            ),
            (
                "acme/terraform-provider-buf",
                "invalid provider address \"acme/terraform-provider-buf\": type \"terraform-provider-buf\" must not start with \"terraform-provider-\" (did you mean \"buf\"?)",
            ),
            (
                "ac_me/buf",
                "invalid provider address \"ac_me/buf\": namespace \"ac_me\" contains '_': only letters, digits and dashes are allowed",
            ),
            (
                "acme/b--f",
                "invalid provider address \"acme/b--f\": type \"b--f\" must not contain two consecutive dashes",
            ),
            (
                "exa mple.com/acme/buf",
                "invalid provider address \"exa mple.com/acme/buf\": hostname \"exa mple.com\" is not a valid DNS name",
            ),
            (
                "example.com:99999/acme/buf",
                "invalid provider address \"example.com:99999/acme/buf\": hostname \"example.com:99999\" has an invalid port",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(ProviderAddress::parse(input).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn namespace_comes_from_a_github_module_path() {
        assert_eq!(
            namespace_from_module_path("github.com/Acme/terraform-provider-buf", "buf").as_deref(),
            Some("acme")
        );
        assert_eq!(
            namespace_from_module_path("github.com/acme/terraform-provider-buf/v2", "buf")
                .as_deref(),
            Some("acme")
        );
        assert_eq!(
            namespace_from_module_path("github.com/acme/terraform-provider-buf", "tls"),
            None
        );
        assert_eq!(
            namespace_from_module_path("gitlab.com/acme/terraform-provider-buf", "buf"),
            None
        );
        assert_eq!(
            namespace_from_module_path("github.com/acme/buf", "buf"),
            None
        );
        assert_eq!(
            namespace_from_module_path("github.com/acme/terraform-provider-buf/internal", "buf"),
            None
        );
    }
}
