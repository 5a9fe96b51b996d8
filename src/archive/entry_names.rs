//! Entry names inside a provider ZIP: what is accepted, and which entry is the provider binary. Knows nothing of
//! release file names (see `names`) nor of the ZIP format.

use super::names;

/// Why an entry name is refused, or `None` when it is a safe relative `/`-separated path.
///
/// Refused: empty names, control characters (Go's `dirhash` refuses newlines, terminals misprint the rest),
/// `\` (a separator on Windows), `:` (drive letters, NTFS streams), absolute paths, and empty, `.` or `..`
/// components. A single trailing `/` marks a directory entry and is allowed.
pub(crate) fn unsafe_name_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("empty name");
    }
    if name.chars().any(|c| c.is_control()) {
        return Some("control character in name");
    }
    if name.contains('\\') {
        return Some("backslash in name");
    }
    if name.contains(':') {
        return Some("colon in name (drive letter or stream)");
    }
    if name.starts_with('/') {
        return Some("absolute path");
    }
    let path = name.strip_suffix('/').unwrap_or(name);
    for component in path.split('/') {
        match component {
            "" => return Some("empty path component"),
            "." => return Some("\".\" path component"),
            ".." => return Some("\"..\" path component"),
            _ => {}
        }
    }
    None
}

/// The key two entries collide on when unpacked: ASCII case folded (case-insensitive file systems), trailing `/`
/// dropped (a file and a directory of the same name).
pub(crate) fn collision_key(name: &str) -> String {
    name.strip_suffix('/').unwrap_or(name).to_ascii_lowercase()
}

/// How to find the provider binary among a ZIP's top-level files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinarySelector {
    /// The provider type is known (from the release file name): exactly OpenTofu's `ExecutableFile` rule — the
    /// first top-level file, in byte order of names, named `terraform-provider-TYPE` optionally followed by text
    /// starting with `_` or `.` (e.g. `terraform-provider-tls_v4.0.6`, `terraform-provider-tls.exe`).
    ProviderType(String),
    /// The type is unknown: the single top-level file whose name starts with `terraform-provider-`.
    Any,
}

impl BinarySelector {
    /// The name prefix searched for.
    pub fn prefix(&self) -> String {
        match self {
            Self::ProviderType(t) => names::provider_name(t),
            Self::Any => names::PROVIDER_PREFIX.to_owned(),
        }
    }

    /// Whether a top-level file name is a candidate.
    pub fn matches(&self, name: &str) -> bool {
        let prefix = self.prefix();
        let Some(rest) = name.strip_prefix(prefix.as_str()) else {
            return false;
        };
        match self {
            Self::ProviderType(_) => {
                rest.is_empty() || rest.starts_with('_') || rest.starts_with('.')
            }
            Self::Any => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_refused_with_their_reason() {
        let cases = [
            ("", Some("empty name")),
            ("../x", Some("\"..\" path component")),
            ("a/../../x", Some("\"..\" path component")),
            ("/etc/passwd", Some("absolute path")),
            ("C:/x", Some("colon in name (drive letter or stream)")),
            ("a\\b", Some("backslash in name")),
            ("a\nb", Some("control character in name")),
            ("a//b", Some("empty path component")),
            ("./a", Some("\".\" path component")),
            ("dir/", None),
            ("terraform-provider-x_v1.2.3", None),
            ("docs/README.md", None),
        ];
        for (name, want) in cases {
            assert_eq!(unsafe_name_reason(name), want, "{name:?}");
        }
    }

    #[test]
    fn selector_follows_opentofu_executable_file_rule() {
        let tls = BinarySelector::ProviderType("tls".into());
        assert!(tls.matches("terraform-provider-tls"));
        assert!(tls.matches("terraform-provider-tls_v4.0.6"));
        assert!(tls.matches("terraform-provider-tls.exe"));
        assert!(!tls.matches("terraform-provider-tlsx"));
        assert!(!tls.matches("terraform-provider-tl"));
        assert!(!tls.matches("README.md"));
        assert!(BinarySelector::Any.matches("terraform-provider-anything"));
        assert!(!BinarySelector::Any.matches("LICENSE"));
    }
}
