//! Release file names, parsed and formatted in one place:
//!
//! ```text
//! terraform-provider-TYPE                          the provider (and its executable, plus `_vVERSION`/`.exe`)
//! terraform-provider-TYPE_VERSION                  the release
//! terraform-provider-TYPE_VERSION_OS_ARCH.zip      one platform's package
//! terraform-provider-TYPE_VERSION_SHA256SUMS       its checksums
//! terraform-provider-TYPE_VERSION_SHA256SUMS.sig   their detached signature
//! ```
//! With the rules the parts follow: Go `GOOS`/`GOARCH` names ([`Platform`]), versions OpenTofu installs from their tag
//! ([`version_problem`]). Knows nothing of the files' contents, of ZIPs, registries or SBOMs.

use std::fmt;
use std::path::Path;

use super::error::ReleaseError;

/// What every provider file name starts with.
pub const PROVIDER_PREFIX: &str = "terraform-provider-";
/// What the checksums file name ends with (after `terraform-provider-TYPE_VERSION`).
pub const CHECKSUMS_SUFFIX: &str = "_SHA256SUMS";

/// `terraform-provider-TYPE`: the provider's name (the root component, the executable's stem).
pub fn provider_name(provider_type: &str) -> String {
    format!("{PROVIDER_PREFIX}{provider_type}")
}

/// `terraform-provider-TYPE_VERSION`: the release's name, the stem of its checksums file.
pub fn release_name(provider_type: &str, version: &str) -> String {
    format!("{PROVIDER_PREFIX}{provider_type}_{version}")
}

/// `terraform-provider-TYPE_VERSION_OS_ARCH.zip`; `os_arch` is anything displaying as `OS_ARCH` (a [`Platform`],
/// or a `&str` already spelled so).
pub fn zip_name(provider_type: &str, version: &str, os_arch: impl fmt::Display) -> String {
    format!("{PROVIDER_PREFIX}{provider_type}_{version}_{os_arch}.zip")
}

/// `RELEASE_SHA256SUMS` for a release name as [`release_name`] spells it.
pub fn checksums_name(release_name: &str) -> String {
    format!("{release_name}{CHECKSUMS_SUFFIX}")
}

/// `TYPE` from `terraform-provider-TYPE…` (whatever follows the prefix), or `None` without the prefix.
pub fn strip_provider_prefix(name: &str) -> Option<&str> {
    name.strip_prefix(PROVIDER_PREFIX)
}

/// Parses `terraform-provider-TYPE_VERSION_OS_ARCH.zip` (the file name of `path`).
pub fn parse_zip_name(path: &Path) -> Result<ParsedName, ReleaseError> {
    parse_name(path, true)
}

/// Parses `terraform-provider-TYPE_VERSION_SHA256SUMS` (the file name of `path`).
pub fn parse_checksums_name(path: &Path) -> Result<ParsedName, ReleaseError> {
    parse_name(path, false)
}

/// Go `GOOS` values a Go toolchain can build for (`go tool dist list`); anything else (`macos`, `win`) is refused.
/// The one list every stage checks platforms against (release names, OCI platforms).
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "linux",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
];

/// Go `GOARCH` values a Go toolchain can build for (`go tool dist list`); anything else (`x86_64`, `aarch64`,
/// `i386`) is refused.
pub const KNOWN_ARCH: &[&str] = &[
    "386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64",
    "ppc64le", "riscv64", "s390x", "wasm",
];

/// A target platform in Go's names. Displays as `os_arch` (file names); [`Platform::oci`] gives `os/arch`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// `GOOS`, e.g. `linux`, `darwin`, `windows`.
    pub os: String,
    /// `GOARCH`, e.g. `amd64`, `arm64`, `386`, `arm`.
    pub arch: String,
}

impl Platform {
    /// Parses `os_arch` or `os/arch` with Go's names.
    pub fn parse(spec: &str) -> Result<Self, ReleaseError> {
        let bad = |reason: String| ReleaseError::BadPlatform {
            spec: spec.to_owned(),
            reason,
        };
        let (os, arch) = spec
            .split_once('/')
            .or_else(|| spec.split_once('_'))
            .ok_or_else(|| bad("expected OS_ARCH or OS/ARCH".into()))?;
        if !KNOWN_OS.contains(&os) {
            return Err(bad(format!(
                "unknown operating system {os:?} (not a Go GOOS)"
            )));
        }
        if !KNOWN_ARCH.contains(&arch) {
            return Err(bad(format!(
                "unknown architecture {arch:?} (not a Go GOARCH)"
            )));
        }
        Ok(Self {
            os: os.to_owned(),
            arch: arch.to_owned(),
        })
    }

    /// The OCI spelling `os/arch`.
    pub fn oci(&self) -> String {
        format!("{}/{}", self.os, self.arch)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

/// Parses a comma-separated platform list (`linux_amd64,darwin/arm64`); empty items are ignored.
pub fn parse_platforms(list: &str) -> Result<Vec<Platform>, ReleaseError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Platform::parse)
        .collect()
}

/// What a release file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// Provider type, e.g. `tls`.
    pub provider_type: String,
    /// Version without `v`, e.g. `4.0.6`.
    pub version: String,
    /// The platform (ZIP names only).
    pub platform: Option<Platform>,
}

/// Parses `terraform-provider-TYPE_VERSION_OS_ARCH.zip` (`zip`) or `terraform-provider-TYPE_VERSION_SHA256SUMS`.
pub(crate) fn parse_name(path: &Path, zip: bool) -> Result<ParsedName, ReleaseError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let bad = |reason: String| ReleaseError::BadFileName {
        file: path.to_path_buf(),
        reason,
    };
    let expected = if zip {
        "expected terraform-provider-TYPE_VERSION_OS_ARCH.zip"
    } else {
        "expected terraform-provider-TYPE_VERSION_SHA256SUMS"
    };
    let stem = if zip {
        name.strip_suffix(".zip")
    } else {
        name.strip_suffix(CHECKSUMS_SUFFIX)
    };
    let Some(rest) = stem.and_then(|s| s.strip_prefix(PROVIDER_PREFIX)) else {
        return Err(bad(expected.into()));
    };
    let parts: Vec<&str> = rest.split('_').collect();
    let (provider_type, version, platform) = match (zip, parts.as_slice()) {
        (true, [t, v, os, arch]) => (*t, *v, Some((*os, *arch))),
        (false, [t, v]) => (*t, *v, None),
        _ => return Err(bad(expected.into())),
    };
    if provider_type.is_empty()
        || !provider_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad(format!(
            "provider type {provider_type:?} must be lowercase letters, digits and dashes"
        )));
    }
    if version.starts_with('v') || version.starts_with('V') {
        return Err(ReleaseError::VPrefixedVersion {
            file: path.to_path_buf(),
            version: version.to_owned(),
        });
    }
    if let Some(reason) = version_problem(version) {
        return Err(ReleaseError::BadVersion {
            file: path.to_path_buf(),
            version: version.to_owned(),
            reason,
        });
    }
    let platform = match platform {
        None => None,
        Some((os, arch)) => {
            if !KNOWN_OS.contains(&os) {
                return Err(ReleaseError::UnknownOs {
                    file: path.to_path_buf(),
                    os: os.to_owned(),
                });
            }
            if !KNOWN_ARCH.contains(&arch) {
                return Err(ReleaseError::UnknownArch {
                    file: path.to_path_buf(),
                    arch: arch.to_owned(),
                });
            }
            Some(Platform {
                os: os.to_owned(),
                arch: arch.to_owned(),
            })
        }
    };
    Ok(ParsedName {
        provider_type: provider_type.to_owned(),
        version: version.to_owned(),
        platform,
    })
}

/// Why OpenTofu would not install a provider version `v` from its OCI tag, or `None`: the one version rule every stage
/// uses (release file names, OCI version tags, `verify`).
///
/// OpenTofu 1.12 lists a repository's tags, maps `_` → `+`, parses each with `versions.ParseVersion` of
/// `github.com/apparentlymart/go-versions` v1.0.3 (`versions/constraints/raw_scan.rl`: `nums pre? meta?` with
/// `num = digit+`, `pre = '-' (alnum | '.' | '-')+`, `meta = '+' (alnum | '.' | '-')+`) and then resolves the tag
/// `version.String()` with `+` → `_` (`internal/getproviders/oci_registry_mirror_source.go`: `AvailableVersions`,
/// `fetchOCIDescriptorForVersion`). A version is installable exactly when it parses *and* prints back unchanged:
/// `MAJOR.MINOR.PATCH` as three numbers without leading zeros (the parser reads `01` as 1 and `1.2` as 1.2.0, then
/// looks up another tag), an optional pre-release and build part of ASCII letters, digits, `.` and `-`. That parser
/// is looser than semver 2.0.0: pre-release identifiers with leading zeros (`1.2.3-01`) and empty identifiers
/// (`1.2.3-rc..1`) are accepted and kept verbatim, so we accept them too.
pub fn version_problem(v: &str) -> Option<&'static str> {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3
        || numbers
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some("the core must be three numbers MAJOR.MINOR.PATCH");
    }
    if numbers.iter().any(|n| n.len() > 1 && n.starts_with('0')) {
        return Some("numbers must not have leading zeros");
    }
    if numbers.iter().any(|n| n.parse::<u64>().is_err()) {
        // go-versions' `parseRawNum` panics on a number `strconv.ParseUint` refuses.
        return Some("numbers must fit in 64 bits");
    }
    let extra_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    if let Some(pre) = pre
        && !extra_ok(pre)
    {
        return Some("the pre-release after \"-\" must be non-empty [0-9A-Za-z.-]");
    }
    if let Some(build) = build
        && !extra_ok(build)
    {
        return Some("the build metadata after \"+\" must be non-empty [0-9A-Za-z.-]");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_rules() {
        for ok in [
            "1.2.3",
            "0.0.0",
            "1.2.3-rc.1",
            "1.2.3-alpha-1.0a",
            "1.2.3+build.5",
            "1.2.3-rc.1+b",
            "1.2.3-01",
            "1.2.3-rc.01",
            "1.2.3-rc..1",
            "1.2.3+a..b",
            "18446744073709551615.0.0",
        ] {
            assert_eq!(version_problem(ok), None, "{ok}");
        }
        let bad = [
            ("1.2", "the core must be three numbers MAJOR.MINOR.PATCH"),
            (
                "1.2.3.4",
                "the core must be three numbers MAJOR.MINOR.PATCH",
            ),
            ("01.2.3", "numbers must not have leading zeros"),
            ("18446744073709551616.0.0", "numbers must fit in 64 bits"),
            (
                "1.2.3-",
                "the pre-release after \"-\" must be non-empty [0-9A-Za-z.-]",
            ),
            (
                "1.2.3-rc_1",
                "the pre-release after \"-\" must be non-empty [0-9A-Za-z.-]",
            ),
            (
                "1.2.3+",
                "the build metadata after \"+\" must be non-empty [0-9A-Za-z.-]",
            ),
            (
                "1.2.3+a+b",
                "the build metadata after \"+\" must be non-empty [0-9A-Za-z.-]",
            ),
        ];
        for (v, want) in bad {
            assert_eq!(version_problem(v), Some(want), "{v}");
        }
    }

    #[test]
    fn platforms_parse_in_both_spellings() {
        assert_eq!(
            parse_platforms("linux_amd64, darwin/arm64,,windows_386").unwrap(),
            vec![
                Platform {
                    os: "linux".into(),
                    arch: "amd64".into()
                },
                Platform {
                    os: "darwin".into(),
                    arch: "arm64".into()
                },
                Platform {
                    os: "windows".into(),
                    arch: "386".into()
                },
            ]
        );
        assert_eq!(
            Platform::parse("macos_arm64").unwrap_err().to_string(),
            "bad platform \"macos_arm64\": unknown operating system \"macos\" (not a Go GOOS)"
        );
        assert_eq!(
            Platform::parse("linux-amd64").unwrap_err().to_string(),
            "bad platform \"linux-amd64\": expected OS_ARCH or OS/ARCH"
        );
        assert_eq!(Platform::parse("linux/arm").unwrap().oci(), "linux/arm");
    }

    #[test]
    fn names_format_as_they_parse() {
        let platform = Platform::parse("linux_amd64").unwrap();
        let zip = zip_name("tls", "4.0.6", &platform);
        assert_eq!(zip, "terraform-provider-tls_4.0.6_linux_amd64.zip");
        let parsed = parse_zip_name(Path::new(&zip)).unwrap();
        assert_eq!(parsed.provider_type, "tls");
        assert_eq!(parsed.version, "4.0.6");
        assert_eq!(parsed.platform, Some(platform));
        let sums = checksums_name(&release_name("tls", "4.0.6"));
        assert_eq!(sums, "terraform-provider-tls_4.0.6_SHA256SUMS");
        assert_eq!(
            parse_checksums_name(Path::new(&sums)).unwrap().platform,
            None
        );
        assert_eq!(provider_name("tls"), "terraform-provider-tls");
        assert_eq!(
            strip_provider_prefix("terraform-provider-tls_v4"),
            Some("tls_v4")
        );
    }
}
