//! References: `HOST[:PORT]/REPO[:TAG|@DIGEST]` for registries and `oci-layout:DIR[:TAG|@DIGEST]` for layouts.
//!
//! Unlike Docker, a registry reference never defaults to `docker.io`: the first path component must look like a host
//! (contain a `.` or a `:`, or be `localhost`), otherwise the reference is refused with that reason — pushing a
//! provider to Docker Hub by accident is worse than a clear error.

use std::fmt;
use std::path::PathBuf;

use crate::registry::digest::Digest;
use crate::registry::{RegistryError, Result};

/// The longest tag the distribution spec allows.
pub const MAX_TAG_LEN: usize = 128;

/// A registry reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host, with port if any (`ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`).
    pub registry: String,
    /// Repository name (`acme/providers/tls`).
    pub repository: String,
    /// Tag, if given.
    pub tag: Option<String>,
    /// Digest, if given (wins over the tag when both are given).
    pub digest: Option<Digest>,
}

/// An OCI image layout reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutReference {
    /// The layout directory.
    pub dir: PathBuf,
    /// Tag (`org.opencontainers.image.ref.name`), if given.
    pub tag: Option<String>,
    /// Digest, if given.
    pub digest: Option<Digest>,
}

/// Where to push to or verify: a registry repository or an OCI layout directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A registry repository.
    Registry(Reference),
    /// An OCI image layout on disk.
    Layout(LayoutReference),
}

/// The prefix that selects an OCI image layout.
pub const LAYOUT_PREFIX: &str = "oci-layout:";

impl Target {
    /// Parses `oci-layout:DIR[:TAG|@DIGEST]` or `HOST[:PORT]/REPO[:TAG|@DIGEST]`.
    pub fn parse(input: &str) -> Result<Self> {
        match input.strip_prefix(LAYOUT_PREFIX) {
            Some(rest) => LayoutReference::parse_body(input, rest).map(Self::Layout),
            None => Reference::parse(input).map(Self::Registry),
        }
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&str> {
        match self {
            Self::Registry(r) => r.tag.as_deref(),
            Self::Layout(l) => l.tag.as_deref(),
        }
    }

    /// The digest, if any.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            Self::Registry(r) => r.digest.as_ref(),
            Self::Layout(l) => l.digest.as_ref(),
        }
    }

    /// The same target without tag and digest.
    pub fn without_version(&self) -> Self {
        match self {
            Self::Registry(r) => Self::Registry(Reference {
                tag: None,
                digest: None,
                ..r.clone()
            }),
            Self::Layout(l) => Self::Layout(LayoutReference {
                tag: None,
                digest: None,
                ..l.clone()
            }),
        }
    }

    /// `HOST/REPO@DIGEST` or `oci-layout:DIR@DIGEST`.
    pub fn pinned(&self, digest: &Digest) -> String {
        match self {
            Self::Registry(r) => format!("{}/{}@{}", r.registry, r.repository, digest),
            Self::Layout(l) => format!("{LAYOUT_PREFIX}{}@{}", l.dir.display(), digest),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Registry(r) => r.fmt(f),
            Self::Layout(l) => {
                write!(f, "{LAYOUT_PREFIX}{}", l.dir.display())?;
                if let Some(t) = &l.tag {
                    write!(f, ":{t}")?;
                }
                if let Some(d) = &l.digest {
                    write!(f, "@{d}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl LayoutReference {
    fn parse_body(input: &str, rest: &str) -> Result<Self> {
        let invalid = |reason: &str| RegistryError::InvalidReference {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let (rest, digest) = match rest.rsplit_once('@') {
            Some((r, d)) => (r, Some(d.parse::<Digest>()?)),
            None => (rest, None),
        };
        // A `:TAG` suffix is recognised only after the last path separator, so `oci-layout:C:\dir` style paths and
        // directories with colons earlier in the path still work.
        let last_sep = rest.rfind(['/', '\\']).map_or(0, |i| i + 1);
        let (dir, tag) = match rest[last_sep..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_sep + i + 1..];
                validate_tag(tag)?;
                (&rest[..last_sep + i], Some(tag.to_owned()))
            }
            None => (rest, None),
        };
        if dir.is_empty() {
            return Err(invalid(
                "the layout directory is empty (expected oci-layout:DIR[:TAG|@DIGEST])",
            ));
        }
        Ok(Self {
            dir: PathBuf::from(dir),
            tag,
            digest,
        })
    }
}

impl Reference {
    /// Parses `HOST[:PORT]/REPO[:TAG][@DIGEST]`.
    pub fn parse(input: &str) -> Result<Self> {
        let invalid = |reason: String| RegistryError::InvalidReference {
            input: input.to_owned(),
            reason,
        };
        let (rest, digest) = match input.split_once('@') {
            Some((r, d)) => (r, Some(d.parse::<Digest>()?)),
            None => (input, None),
        };
        let (registry, path) = rest.split_once('/').ok_or_else(|| {
            invalid("expected HOST[:PORT]/REPOSITORY[:TAG]; a registry host is required (no implicit docker.io)".into())
        })?;
        if !looks_like_host(registry) {
            return Err(invalid(format!(
                "{registry:?} is not a registry host: the first component must contain a '.' or a ':' or be \
                 'localhost' (there is no implicit docker.io; write docker.io/{rest} for Docker Hub)"
            )));
        }
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
            _ => (path, None),
        };
        validate_repository(repository).map_err(invalid)?;
        if let Some(tag) = tag {
            validate_tag(tag)?;
        }
        Ok(Self {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }

    /// The registry host without a port, lower-cased (for loopback detection and credential lookup).
    pub fn host_without_port(&self) -> &str {
        host_without_port(&self.registry)
    }
}

/// The host part of `HOST[:PORT]` (brackets of an IPv6 literal removed).
pub fn host_without_port(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(h, _)| h);
    }
    registry.rsplit_once(':').map_or(registry, |(h, p)| {
        if p.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            registry
        }
    })
}

/// True when a registry host is a loopback address (Docker's "insecure by default" rule): `localhost`, `127.0.0.0/8`,
/// `::1`.
pub fn is_loopback(registry: &str) -> bool {
    let host = host_without_port(registry);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn looks_like_host(s: &str) -> bool {
    !s.is_empty()
        && (s.contains('.') || s.contains(':') || s == "localhost")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// Validates a repository name against the distribution spec grammar
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
pub fn validate_repository(repo: &str) -> std::result::Result<(), String> {
    if repo.is_empty() {
        return Err("the repository name is empty".into());
    }
    if repo.len() > 255 {
        return Err("the repository name is longer than 255 characters".into());
    }
    for component in repo.split('/') {
        let b = component.as_bytes();
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        let ok = !b.is_empty() && alnum(b[0]) && alnum(b[b.len() - 1]) && {
            // separators: '.', '_', '__', or one or more '-'
            let mut i = 0;
            let mut good = true;
            while i < b.len() {
                if alnum(b[i]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < b.len() && !alnum(b[i]) {
                    i += 1;
                }
                let sep = &component[start..i];
                if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-')) {
                    good = false;
                    break;
                }
            }
            good
        };
        if !ok {
            return Err(format!(
                "repository component {component:?} must be lowercase letters and digits separated by '.', '_', '__' or '-'"
            ));
        }
    }
    Ok(())
}

/// Validates an OCI tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn validate_tag(tag: &str) -> Result<()> {
    let refuse = |reason: &str| {
        Err(RegistryError::InvalidTag {
            tag: tag.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let b = tag.as_bytes();
    if b.is_empty() {
        return refuse("a tag cannot be empty");
    }
    if b.len() > MAX_TAG_LEN {
        return refuse("a tag is at most 128 characters");
    }
    if !(b[0].is_ascii_alphanumeric() || b[0] == b'_') {
        return refuse("a tag must start with a letter, digit or '_'");
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
    {
        return refuse(
            "a tag may contain only letters, digits, '.', '_' and '-' (OpenTofu uses '_' for '+')",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_references() {
        let r = Reference::parse("127.0.0.1:5000/acme/tls:1.2.3_build").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "acme/tls", Some("1.2.3_build"))
        );
        assert!(is_loopback(&r.registry));
        let r = Reference::parse("ghcr.io/acme/tls@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a").unwrap();
        assert_eq!(r.tag, None);
        assert!(r.digest.is_some());
        assert!(!is_loopback("ghcr.io"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        let r = Reference::parse("localhost/x").unwrap();
        assert_eq!(r.registry, "localhost");
    }

    #[test]
    fn no_implicit_docker_io() {
        let e = Reference::parse("acme/tls:1.0.0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid reference \"acme/tls:1.0.0\": \"acme\" is not a registry host: the first component must contain a '.' or a ':' or be 'localhost' (there is no implicit docker.io; write docker.io/acme/tls:1.0.0 for Docker Hub)"
        );
        let e = Reference::parse("tls").unwrap_err();
        assert!(e.to_string().contains("a registry host is required"), "{e}");
        let e = Reference::parse("ghcr.io/Acme/tls").unwrap_err();
        assert!(
            e.to_string().contains("repository component \"Acme\""),
            "{e}"
        );
        let e = Reference::parse("ghcr.io/acme/tls:v+1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tag \"v+1\" refused: a tag may contain only letters, digits, '.', '_' and '-' (OpenTofu uses '_' for '+')"
        );
    }

    #[test]
    fn layout_references() {
        let t = Target::parse("oci-layout:/tmp/x:1.0.0").unwrap();
        assert_eq!(
            t,
            Target::Layout(LayoutReference {
                dir: "/tmp/x".into(),
                tag: Some("1.0.0".into()),
                digest: None
            })
        );
        let t = Target::parse("oci-layout:out").unwrap();
        assert_eq!(t.tag(), None);
        let t = Target::parse("oci-layout:a:b/dir@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a").unwrap();
        match t {
            Target::Layout(l) => assert_eq!(l.dir, PathBuf::from("a:b/dir")),
            Target::Registry(_) => unreachable!(),
        }
        assert!(Target::parse("oci-layout:").is_err());
    }
}
