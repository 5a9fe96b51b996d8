//! Entry names inside a provider ZIP: what is accepted, which entries would be one file once unpacked on the
//! target OS ([`os_collision`]: macOS folds case and normalises Unicode, Windows folds case, drops trailing dots and
//! spaces and answers to 8.3 short names), and which entry is the provider binary. Knows nothing of the ZIP format;
//! of release file names only the OS (`names`).

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

/// The key two entries collide on when unpacked anywhere: ASCII case folded (case-insensitive file systems), trailing
/// `/` dropped (a file and a directory of the same name). The target OS's own rules are [`os_collision`].
pub(crate) fn collision_key(name: &str) -> String {
    name.strip_suffix('/').unwrap_or(name).to_ascii_lowercase()
}

/// The file-system rules of the OS a ZIP is for, from its release file name (`…_OS_ARCH.zip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetOs {
    /// macOS: APFS and HFS+ (case-insensitive by default) compare names after Unicode case folding and decomposition.
    Darwin,
    /// Windows: NTFS compares names case-insensitively (its upcase table), Win32 drops trailing dots and spaces of
    /// each path component, and every long name also answers to a generated 8.3 short name (`TERRAF~1.EXE`).
    Windows,
    /// Any other OS, or a ZIP whose name does not say: only [`collision_key`].
    Other,
}

impl TargetOs {
    /// The target OS of a ZIP named `terraform-provider-TYPE_VERSION_OS_ARCH.zip` (else [`TargetOs::Other`]).
    pub(crate) fn of_zip(path: &std::path::Path) -> Self {
        match names::parse_name(path, true).ok().and_then(|p| p.platform) {
            Some(p) if p.os == "darwin" => Self::Darwin,
            Some(p) if p.os == "windows" => Self::Windows,
            _ => Self::Other,
        }
    }
}

/// Two entries that are one file on the target OS: `(later entry, earlier entry, the rule)`.
pub(crate) type Collision = (String, String, &'static str);

/// The first pair of entry names (in archive order) that are different bytes but the same file on `os` (see
/// [`TargetOs`]); unpacking there would overwrite one with the other. Entries equal under [`collision_key`] are
/// reported before this is called. Linear in the number of names (hash maps; the 8.3 check indexes long names by
/// their short-name prefixes).
pub(crate) fn os_collision(os: TargetOs, names: &[&str]) -> Option<Collision> {
    match os {
        TargetOs::Other => None,
        TargetOs::Darwin => first_equal(names, darwin_key, DARWIN_RULE),
        TargetOs::Windows => {
            first_equal(names, windows_key, WINDOWS_RULE).or_else(|| short_name_alias(names))
        }
    }
}

const DARWIN_RULE: &str =
    "darwin (Unicode case folding and NFD normalisation, as APFS and HFS+ compare names)";
const WINDOWS_RULE: &str = "windows (case folding; trailing dots and spaces dropped)";
const SHORT_NAME_RULE: &str = "windows (8.3 short name)";

fn first_equal(names: &[&str], key: fn(&str) -> String, rule: &'static str) -> Option<Collision> {
    let mut seen = std::collections::HashMap::<String, &str>::new();
    for name in names {
        if let Some(other) = seen.insert(key(name), name) {
            return Some(((*name).to_owned(), other.to_owned(), rule));
        }
    }
    None
}

/// macOS: NFD(fold(NFD(name))) — Unicode's canonical caseless match — with a trailing `/` dropped.
fn darwin_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let name = name.strip_suffix('/').unwrap_or(name);
    let folded = caseless::default_case_fold_str(&name.nfd().collect::<String>());
    folded.nfd().collect()
}

/// Windows: each component without trailing dots and spaces, each character by its simple uppercase mapping (what
/// NTFS's upcase table holds: characters whose uppercase is one character; others compare as they are).
fn windows_key(name: &str) -> String {
    let name = name.strip_suffix('/').unwrap_or(name);
    name.split('/')
        .map(|c| {
            c.trim_end_matches(['.', ' '])
                .chars()
                .map(|ch| {
                    let mut up = ch.to_uppercase();
                    match (up.next(), up.next()) {
                        (Some(u), None) => u,
                        _ => ch,
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `(directory, base, extension)` of a name, its last component split at its last `.` (not a leading one).
fn split_name(name: &str) -> (&str, &str, &str) {
    let name = name.strip_suffix('/').unwrap_or(name);
    let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
    match file.rfind('.') {
        Some(i) if i > 0 => (dir, &file[..i], &file[i + 1..]),
        _ => (dir, file, ""),
    }
}

/// The characters of a long name as Windows keeps them for its short name: uppercased, spaces and dots removed,
/// characters outside printable ASCII or not allowed in 8.3 names replaced by `_`.
fn short_chars(s: &str) -> String {
    s.chars()
        .filter(|c| *c != ' ' && *c != '.')
        .map(|c| {
            if c.is_ascii_graphic() && !"\"*+,/:;<=>?[\\]|".contains(c) {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// An 8.3 alias `PREFIX~N[.EXT]` (base at most 8 characters, `~` and digits at its end, extension at most 3):
/// `(PREFIX uppercased, EXT uppercased)`.
fn short_alias(base: &str, ext: &str) -> Option<(String, String)> {
    let (prefix, digits) = base.rsplit_once('~')?;
    let ok = base.len() <= 8
        && !prefix.is_empty()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && ext.len() <= 3;
    ok.then(|| (prefix.to_ascii_uppercase(), ext.to_ascii_uppercase()))
}

/// An entry named like the 8.3 short name Windows would give another entry of the same directory (`TERRAF~1.EXE`
/// beside `terraform-provider-x.exe`): Windows makes short names from the first 1–6 kept characters of the base and
/// the first 3 of the extension (and, after a few collisions, the first 2 characters and 4 hex digits of a hash).
/// Any `~N` is taken as possible: which number a file gets depends on what the directory already holds.
fn short_name_alias(names: &[&str]) -> Option<Collision> {
    // (directory, short extension, prefix of the kept base characters) → the long name; prefixes of 1..=6 characters.
    let mut by_prefix = std::collections::HashMap::<(&str, String, String), &str>::new();
    for name in names {
        let (dir, base, ext) = split_name(name);
        if short_alias(base, ext).is_some() {
            continue; // an 8.3 name itself gets no other short name
        }
        let (base, ext) = (short_chars(base), short_chars(ext));
        let ext3: String = ext.chars().take(3).collect();
        for n in 1..=6.min(base.chars().count()) {
            let prefix: String = base.chars().take(n).collect();
            by_prefix.entry((dir, ext3.clone(), prefix)).or_insert(name);
        }
    }
    for name in names {
        let (dir, base, ext) = split_name(name);
        let Some((prefix, ext)) = short_alias(base, ext) else {
            continue;
        };
        // The hash form keeps 2 characters: `TE1A2B~1`.
        let hashed = prefix.len() == 6 && prefix[2..].bytes().all(|b| b.is_ascii_hexdigit());
        let mut keys = vec![prefix.clone()];
        if hashed {
            keys.push(prefix[..2].to_owned());
        }
        for key in keys {
            if let Some(long) = by_prefix.get(&(dir, ext.clone(), key)) {
                return Some(((*name).to_owned(), (*long).to_owned(), SHORT_NAME_RULE));
            }
        }
    }
    None
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
    fn darwin_folds_case_and_normalises() {
        let bin = "terraform-provider-sample_v1.0.0";
        let c = |names: &[&str]| os_collision(TargetOs::Darwin, names);
        // U+017F LATIN SMALL LETTER LONG S folds to `s`.
        assert_eq!(
            c(&[bin, "terraform-provider-\u{17f}ample_v1.0.0"]),
            Some((
                "terraform-provider-\u{17f}ample_v1.0.0".to_owned(),
                bin.to_owned(),
                DARWIN_RULE
            ))
        );
        // Precomposed é (NFC) and e + U+0301 (NFD); Kelvin sign K and k; ß and SS (full folding).
        assert!(c(&["caf\u{e9}", "cafe\u{301}"]).is_some());
        assert!(c(&["\u{212a}ey", "key"]).is_some());
        assert!(c(&["stra\u{df}e", "STRASSE"]).is_some());
        assert_eq!(c(&[bin, "README.md", "docs/", "docs/a"]), None);
        // Not a darwin rule elsewhere.
        assert_eq!(
            os_collision(
                TargetOs::Other,
                &[bin, "terraform-provider-\u{17f}ample_v1.0.0"]
            ),
            None
        );
    }

    #[test]
    fn windows_folds_case_and_trailing_dots_and_spaces() {
        let exe = "terraform-provider-sample_v1.0.0.exe";
        let c = |names: &[&str]| os_collision(TargetOs::Windows, names);
        for other in [
            "terraform-provider-sample_v1.0.0.exe.",
            "terraform-provider-sample_v1.0.0.exe. .",
            "terraform-provider-sample_v1.0.0.exe ",
            "TERRAFORM-PROVIDER-\u{17f}AMPLE_V1.0.0.EXE",
        ] {
            assert_eq!(
                c(&[exe, other]),
                Some((other.to_owned(), exe.to_owned(), WINDOWS_RULE)),
                "{other:?}"
            );
        }
        // Trailing dots of a directory component too.
        assert!(c(&["docs/a", "docs./a"]).is_some());
        // NFD is not a Windows rule: NTFS keeps both.
        assert_eq!(c(&["caf\u{e9}", "cafe\u{301}"]), None);
    }

    #[test]
    fn windows_short_names_alias_long_ones() {
        let exe = "terraform-provider-sample_v1.0.0.exe";
        let c = |names: &[&str]| os_collision(TargetOs::Windows, names);
        for alias in ["TERRAF~1.EXE", "terraf~2.exe", "T~1.EXE", "TE1A2B~1.EXE"] {
            assert_eq!(
                c(&[exe, alias]),
                Some((alias.to_owned(), exe.to_owned(), SHORT_NAME_RULE)),
                "{alias}"
            );
        }
        // Order does not matter: the alias listed first still collides.
        assert_eq!(
            c(&["TERRAF~1.EXE", exe]),
            Some(("TERRAF~1.EXE".to_owned(), exe.to_owned(), SHORT_NAME_RULE))
        );
        // Another extension, another prefix, another directory, or no `~N`: no alias.
        for other in [
            "TERRAF~1.TXT",
            "README~1.EXE",
            "sub/TERRAF~1.EXE",
            "TERRAF~X.EXE",
            "TERRAF.EXE",
        ] {
            assert_eq!(c(&[exe, other]), None, "{other}");
        }
        // Two 8.3 names are not long names of each other.
        assert_eq!(c(&["AB~1.TXT", "AB~2.TXT"]), None);
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
