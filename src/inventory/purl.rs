//! Package URLs (purl) for Go modules, and the Go module proxy URL of a module version.
//!
//! Hand-written rather than taken from a crate: the purl rules we need are a dozen lines, and the crates we looked at
//! either percent-encode the `/` namespace separators of a Go module path (`cyclonedx-bom`'s `Purl::new("golang",
//! "github.com/x/y", …)` yields `github.com%2Fx%2Fy`) or do not lowercase the golang type as purl-spec requires.
//!
//! Rules applied (purl-spec `types/golang-definition.json` and "Character encoding"):
//! * `pkg:golang/<namespace>/<name>@<version>`: namespace = module path up to the last `/`, name = the last segment;
//!   each `/`-separated segment is percent-encoded on its own, so the separators stay literal.
//! * namespace and name are **lowercased** (golang type: "The namespace must be lowercased", "The name must be
//!   lowercased"). Go module paths are case-sensitive, so the exact path always stays in the SBOM component `name`
//!   (Trivy takes the name from the component and the version from the purl, SPEC §4.4).
//! * the version keeps its case.
//! * percent-encoding leaves ASCII letters, digits, `.-_~` and `:` alone and encodes every other byte of the UTF-8
//!   form as `%XX` (uppercase hex), e.g. `+incompatible` → `%2Bincompatible`.
//! * the Go standard library is `pkg:golang/stdlib@v1.X.Y`, the identifier Trivy, Syft and the Go vulnerability
//!   database use, although purl-spec marks the golang namespace as required (package-url/purl-spec#817).

use std::fmt::Write as _;

/// The purl type for Go.
const GOLANG_TYPE: &str = "golang";

/// The component name and purl name of the Go standard library.
pub const STDLIB_NAME: &str = "stdlib";

/// Percent-encodes one purl component segment as purl-spec requires (see the module docs).
pub fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The purl of a Go module path at an optional version, e.g.
/// `golang("github.com/Azure/go-autorest/v14", Some("v14.2.0"))` → `pkg:golang/github.com/azure/go-autorest/v14@v14.2.0`.
///
/// A path without `/` has no namespace (`pkg:golang/stdlib@v1.22.5`). Empty segments (a leading, trailing or doubled
/// `/`, which Go rejects in module paths) are dropped.
pub fn golang(module_path: &str, version: Option<&str>) -> String {
    let lowered = module_path.to_lowercase();
    let segments: Vec<&str> = lowered.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = format!("pkg:{GOLANG_TYPE}/");
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&percent_encode(segment));
    }
    if let Some(version) = version.filter(|v| !v.is_empty()) {
        out.push('@');
        out.push_str(&percent_encode(version));
    }
    out
}

/// The purl of the Go standard library at a `v`-prefixed version: `pkg:golang/stdlib@v1.22.5`.
pub fn stdlib(version: Option<&str>) -> String {
    golang(STDLIB_NAME, version)
}

/// Go module path/version case-escaping for the module proxy protocol (`golang.org/x/mod/module.EscapePath`): every
/// uppercase ASCII letter becomes `!` followed by its lowercase form, e.g. `github.com/Azure/x` → `github.com/!azure/x`.
pub fn escape_module_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The Go module proxy URL of a module version's source ZIP:
/// `https://proxy.golang.org/<escaped path>/@v/<escaped version>.zip`.
pub fn go_proxy_zip_url(module_path: &str, version: &str) -> String {
    format!(
        "https://proxy.golang.org/{}/@v/{}.zip",
        escape_module_case(module_path),
        escape_module_case(version)
    )
}

/// Whether a `=>` replacement path is a local directory rather than a module path (Go's `modfile.IsDirectoryPath`:
/// `./`, `../`, `/`, their Windows spellings, `.`/`..`, or a Windows drive path).
pub fn is_local_replacement(path: &str) -> bool {
    path == "."
        || path == ".."
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path.starts_with(".\\")
        || path.starts_with("..\\")
        || path.starts_with('\\')
        || (path.len() >= 3
            && path.as_bytes()[0].is_ascii_alphabetic()
            && path.as_bytes()[1] == b':'
            && matches!(path.as_bytes()[2], b'\\' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_purl_keeps_separators_and_lowercases_path() {
        assert_eq!(
            golang("github.com/Azure/go-autorest/v14", Some("v14.2.0")),
            "pkg:golang/github.com/azure/go-autorest/v14@v14.2.0"
        );
        assert_eq!(
            golang("github.com/hashicorp/terraform-plugin-go", Some("v0.23.0")),
            "pkg:golang/github.com/hashicorp/terraform-plugin-go@v0.23.0"
        );
        assert_eq!(golang("example.com/m", None), "pkg:golang/example.com/m");
        assert_eq!(
            golang("example.com/m", Some("")),
            "pkg:golang/example.com/m"
        );
    }

    #[test]
    fn golang_purl_percent_encodes_version_plus_and_odd_bytes() {
        assert_eq!(
            golang("github.com/docker/docker", Some("v20.10.7+incompatible")),
            "pkg:golang/github.com/docker/docker@v20.10.7%2Bincompatible"
        );
        assert_eq!(
            golang("example.com/a b/é", Some("V1.0.0-RC1")),
            "pkg:golang/example.com/a%20b/%C3%A9@V1.0.0-RC1"
        );
        assert_eq!(
            golang("/example.com//x/", Some("v1.0.0")),
            "pkg:golang/example.com/x@v1.0.0"
        );
    }

    #[test]
    fn stdlib_purl() {
        assert_eq!(stdlib(Some("v1.22.5")), "pkg:golang/stdlib@v1.22.5");
        assert_eq!(stdlib(None), "pkg:golang/stdlib");
    }

    #[test]
    fn proxy_url_case_escapes_path_and_version() {
        assert_eq!(
            go_proxy_zip_url("github.com/Azure/go-autorest", "v0.11.29"),
            "https://proxy.golang.org/github.com/!azure/go-autorest/@v/v0.11.29.zip"
        );
        assert_eq!(
            go_proxy_zip_url("github.com/BurntSushi/toml", "v1.0.0-RC1"),
            "https://proxy.golang.org/github.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.zip"
        );
    }

    #[test]
    fn local_replacement_paths() {
        for local in [
            "./x", "../x", "/abs", ".\\x", "..\\x", "C:\\x", "c:/x", ".", "..",
        ] {
            assert!(is_local_replacement(local), "{local}");
        }
        for module in ["example.com/x", "github.com/a/b", "x", "c:"] {
            assert!(!is_local_replacement(module), "{module}");
        }
    }
}
