//! A provider release: the per-platform ZIPs, `SHA256SUMS` and its signature, as GoReleaser lays them out in `dist/`.
//!
//! ```text
//! terraform-provider-TYPE_VERSION_OS_ARCH.zip          one per platform (Go GOOS/GOARCH names)
//! terraform-provider-TYPE_VERSION_SHA256SUMS           "<sha256 hex>  <file name>" lines; may list non-ZIPs
//!                                                      (…_manifest.json), which are skipped
//! terraform-provider-TYPE_VERSION_SHA256SUMS.sig       optional detached signature (…SHA256SUMS.KEYID.sig too)
//! ```
//! A release is given as a directory (non-recursive; unrelated files such as `metadata.json` or build
//! directories are ignored) or as explicit ZIP paths, in which case the `SHA256SUMS` is looked for beside each ZIP.
//!
//! Verification: a ZIP with a `SHA256SUMS` beside it must be listed there ([`ReleaseError::NotInChecksums`]) and its
//! SHA-256 must match ([`ReleaseError::ChecksumMismatch`]) before anything is read from it. A ZIP with no
//! `SHA256SUMS` beside it (GoReleaser's SBOM step runs before checksums exist) is read unverified:
//! [`Release::unverified`] lists those, for the one info line the CLI prints.
//!
//! Versions must be full semantic versions `X.Y.Z[-pre][+build]` without a `v` prefix: OpenTofu tags, registries
//! and lock files use exactly that form.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::bytes::ZipBytes;
use super::digest::Digests;
use super::error::ReleaseError;
use super::names::BinarySelector;
use super::zip::{ProviderZip, hash_source, open_file};
use crate::limits::Limits;

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

const PREFIX: &str = "terraform-provider-";
const SUMS_SUFFIX: &str = "_SHA256SUMS";

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

/// A parsed `SHA256SUMS` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksums {
    /// The file.
    pub path: PathBuf,
    /// Its detached signature, when one lies beside it.
    pub signature: Option<PathBuf>,
    /// File name → SHA-256, for every line (ZIPs and others).
    pub entries: BTreeMap<String, [u8; 32]>,
}

/// One platform's ZIP in a release.
#[derive(Debug)]
pub struct PlatformZip {
    /// The ZIP file.
    pub path: PathBuf,
    /// Its file name, `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
    pub file_name: String,
    /// Its platform.
    pub platform: Platform,
    /// The `SHA256SUMS` it is verified against (index into [`Release::checksums`]); `None` when unverified.
    pub checksums: Option<usize>,
    verified: Option<(Arc<dyn ZipBytes>, Digests)>,
}

impl PlatformZip {
    /// SHA-256/SHA-512 of the ZIP file, once [`Release::verify_all`] or [`Release::open`] has read it.
    pub fn digests(&self) -> Option<Digests> {
        self.verified.as_ref().map(|(_, d)| *d)
    }
}

/// A provider release (see the module docs).
#[derive(Debug)]
pub struct Release {
    /// Provider type, e.g. `tls`.
    pub provider_type: String,
    /// Version, e.g. `4.0.6` or `1.2.3-rc.1`.
    pub version: String,
    /// The platforms' ZIPs, sorted by OS then architecture.
    pub platforms: Vec<PlatformZip>,
    /// The `SHA256SUMS` files found (one, normally; none when unverified).
    pub checksums: Vec<Checksums>,
}

/// What a release file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ParsedName {
    provider_type: String,
    version: String,
    platform: Option<Platform>,
}

impl Release {
    /// Reads a release from the given paths: one directory, or one or more ZIP files.
    pub fn from_paths(paths: &[PathBuf], limits: &Limits) -> Result<Self, ReleaseError> {
        match paths {
            [dir] if dir.is_dir() => Self::from_dir(dir, limits),
            _ => Self::from_zips(paths, limits),
        }
    }

    /// Reads a release directory (GoReleaser `dist/`).
    pub fn from_dir(dir: &Path, limits: &Limits) -> Result<Self, ReleaseError> {
        let names = list_dir(dir)?;
        let mut zips = Vec::new();
        let mut sums = Vec::new();
        for name in &names {
            if !name.starts_with(PREFIX) {
                continue;
            }
            let path = dir.join(name);
            if name.ends_with(".zip") {
                zips.push(path);
            } else if name.ends_with(SUMS_SUFFIX) {
                sums.push(path);
            }
        }
        if zips.is_empty() {
            return Err(ReleaseError::NoZips {
                path: dir.to_path_buf(),
            });
        }
        let mut release = Self::from_zip_names(&zips)?;
        for path in sums {
            release.check_same_release(&path, &parse_name(&path, false)?, &zips[0])?;
            let signature = find_signature(&path, &names, dir);
            release
                .checksums
                .push(load_checksums(&path, signature, limits)?);
        }
        release.assign_checksums(|_| Some(0))?;
        Ok(release)
    }

    /// Reads a release given as explicit ZIP paths; the `SHA256SUMS` is looked for beside each ZIP.
    pub fn from_zips(paths: &[PathBuf], limits: &Limits) -> Result<Self, ReleaseError> {
        let mut release = Self::from_zip_names(paths)?;
        let sums_name = format!("{}{SUMS_SUFFIX}", release.name());
        let mut dirs: Vec<PathBuf> = release
            .platforms
            .iter()
            .map(|p| parent_dir(&p.path))
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut by_dir = BTreeMap::new();
        for dir in dirs {
            let path = dir.join(&sums_name);
            if path.is_file() {
                let names = list_dir(&dir)?;
                let signature = find_signature(&path, &names, &dir);
                by_dir.insert(dir, release.checksums.len());
                release
                    .checksums
                    .push(load_checksums(&path, signature, limits)?);
            }
        }
        release.assign_checksums(|zip| by_dir.get(&parent_dir(zip)).copied())?;
        Ok(release)
    }

    fn from_zip_names(paths: &[PathBuf]) -> Result<Self, ReleaseError> {
        let mut platforms: Vec<PlatformZip> = Vec::with_capacity(paths.len());
        let mut release: Option<Self> = None;
        for path in paths {
            let parsed = parse_name(path, true)?;
            let platform = parsed
                .platform
                .clone()
                .expect("parse_name(zip = true) always yields a platform");
            match &release {
                None => {
                    release = Some(Self {
                        provider_type: parsed.provider_type.clone(),
                        version: parsed.version.clone(),
                        platforms: Vec::new(),
                        checksums: Vec::new(),
                    });
                }
                Some(r) => r.check_same_release(path, &parsed, &paths[0])?,
            }
            if let Some(other) = platforms.iter().find(|p| p.platform == platform) {
                return Err(ReleaseError::DuplicatePlatform {
                    file: path.clone(),
                    platform: platform.to_string(),
                    other: other.path.clone(),
                });
            }
            platforms.push(PlatformZip {
                path: path.clone(),
                file_name: file_name(path).to_owned(),
                platform,
                checksums: None,
                verified: None,
            });
        }
        let mut release = release.ok_or_else(|| ReleaseError::NoZips {
            path: PathBuf::from("."),
        })?;
        platforms.sort_by(|a, b| a.platform.cmp(&b.platform));
        release.platforms = platforms;
        Ok(release)
    }

    fn check_same_release(
        &self,
        file: &Path,
        parsed: &ParsedName,
        first: &Path,
    ) -> Result<(), ReleaseError> {
        if parsed.provider_type != self.provider_type || parsed.version != self.version {
            return Err(ReleaseError::MixedRelease {
                file: file.to_path_buf(),
                found: format!("{} {}", parsed.provider_type, parsed.version),
                expected: format!("{} {}", self.provider_type, self.version),
                first: first.to_path_buf(),
            });
        }
        Ok(())
    }

    /// Links each ZIP to its `SHA256SUMS` (when `which` finds one) and requires it to be listed there.
    fn assign_checksums(
        &mut self,
        which: impl Fn(&Path) -> Option<usize>,
    ) -> Result<(), ReleaseError> {
        for p in &mut self.platforms {
            let Some(index) = which(&p.path).filter(|i| *i < self.checksums.len()) else {
                continue;
            };
            let sums = &self.checksums[index];
            if !sums.entries.contains_key(&p.file_name) {
                return Err(ReleaseError::NotInChecksums {
                    file: p.path.clone(),
                    checksums: sums.path.clone(),
                });
            }
            p.checksums = Some(index);
        }
        Ok(())
    }

    /// `terraform-provider-TYPE_VERSION`.
    pub fn name(&self) -> String {
        format!("{PREFIX}{}_{}", self.provider_type, self.version)
    }

    /// The ZIPs read without a `SHA256SUMS` to check them against.
    pub fn unverified(&self) -> impl Iterator<Item = &PlatformZip> {
        self.platforms.iter().filter(|p| p.checksums.is_none())
    }

    /// The signature of the (first) `SHA256SUMS`, when present.
    pub fn signature(&self) -> Option<&Path> {
        self.checksums.iter().find_map(|c| c.signature.as_deref())
    }

    /// Keeps only the `wanted` platforms (all when empty); a platform without a ZIP is an error.
    pub fn select_platforms(&mut self, wanted: &[Platform]) -> Result<(), ReleaseError> {
        if wanted.is_empty() {
            return Ok(());
        }
        for w in wanted {
            if !self.platforms.iter().any(|p| &p.platform == w) {
                return Err(ReleaseError::PlatformNotInRelease {
                    platform: w.to_string(),
                    available: self
                        .platforms
                        .iter()
                        .map(|p| p.platform.to_string())
                        .collect(),
                });
            }
        }
        self.platforms.retain(|p| wanted.contains(&p.platform));
        Ok(())
    }

    /// Reads every ZIP once (in parallel), computing its SHA-256/SHA-512 and checking it against `SHA256SUMS`.
    /// The open file handles are kept, so [`Release::open`] parses exactly the bytes that were verified.
    pub fn verify_all(&mut self) -> Result<(), ReleaseError> {
        let checksums = &self.checksums;
        self.platforms
            .par_iter_mut()
            .try_for_each(|p| verify_one(p, checksums))
    }

    /// Opens one platform's ZIP (verifying it first if [`Release::verify_all`] has not) and finds its binary.
    pub fn open(&self, index: usize, limits: &Limits) -> Result<ProviderZip, ReleaseError> {
        let p = &self.platforms[index];
        let (src, digests) = match &p.verified {
            Some((src, d)) => (Arc::clone(src), *d),
            None => read_and_check(p, &self.checksums)?,
        };
        let selector = BinarySelector::ProviderType(self.provider_type.clone());
        Ok(ProviderZip::from_source(
            &p.path,
            src,
            &selector,
            limits,
            Some(digests),
        )?)
    }
}

fn verify_one(p: &mut PlatformZip, checksums: &[Checksums]) -> Result<(), ReleaseError> {
    if p.verified.is_none() {
        p.verified = Some(read_and_check(p, checksums)?);
    }
    Ok(())
}

fn read_and_check(
    p: &PlatformZip,
    checksums: &[Checksums],
) -> Result<(Arc<dyn ZipBytes>, Digests), ReleaseError> {
    let src = open_file(&p.path)?;
    let digests = hash_source(&p.path, src.as_ref())?;
    if let Some(sums) = p.checksums.and_then(|i| checksums.get(i)) {
        let Some(expected) = sums.entries.get(&p.file_name) else {
            return Err(ReleaseError::NotInChecksums {
                file: p.path.clone(),
                checksums: sums.path.clone(),
            });
        };
        if *expected != digests.sha256 {
            return Err(ReleaseError::ChecksumMismatch {
                file: p.path.clone(),
                checksums: sums.path.clone(),
                expected: hex::encode(expected),
                actual: digests.sha256_hex(),
            });
        }
    }
    Ok((src, digests))
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The regular files of a directory, sorted by name (names that are not UTF-8 are skipped).
fn list_dir(dir: &Path) -> Result<Vec<String>, ReleaseError> {
    let io_err = |source| ReleaseError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        if !entry.path().is_file() {
            continue;
        }
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// `SUMS.sig` or `SUMS.KEYID.sig` beside `sums`.
fn find_signature(sums: &Path, names: &[String], dir: &Path) -> Option<PathBuf> {
    let base = format!("{}.", file_name(sums));
    names
        .iter()
        .find(|n| n.starts_with(&base) && n.ends_with(".sig"))
        .map(|n| dir.join(n))
}

/// Parses `terraform-provider-TYPE_VERSION_OS_ARCH.zip` (`zip`) or `terraform-provider-TYPE_VERSION_SHA256SUMS`.
fn parse_name(path: &Path, zip: bool) -> Result<ParsedName, ReleaseError> {
    let name = file_name(path);
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
        name.strip_suffix(SUMS_SUFFIX)
    };
    let Some(rest) = stem.and_then(|s| s.strip_prefix(PREFIX)) else {
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
    if let Some(reason) = semver_problem(version) {
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

/// Why `v` is not a semantic version 2.0.0 `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, or `None`: numbers without
/// leading zeros, identifiers `[0-9A-Za-z-]+`, numeric pre-release identifiers without leading zeros. The one rule set
/// every stage uses (release file names, OCI version tags).
pub fn semver_problem(v: &str) -> Option<&'static str> {
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
    let ident_ok =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(pre) = pre {
        for id in pre.split('.') {
            if !ident_ok(id) {
                return Some("pre-release identifiers must be non-empty [0-9A-Za-z-]");
            }
            if id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()) {
                return Some("numeric pre-release identifiers must not have leading zeros");
            }
        }
    }
    if let Some(build) = build
        && !build.split('.').all(ident_ok)
    {
        return Some("build identifiers must be non-empty [0-9A-Za-z-]");
    }
    None
}

fn load_checksums(
    path: &Path,
    signature: Option<PathBuf>,
    limits: &Limits,
) -> Result<Checksums, ReleaseError> {
    let io_err = |source| ReleaseError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = fs::metadata(path).map_err(io_err)?.len();
    if size > limits.max_checksums_file {
        return Err(ReleaseError::ChecksumsTooLarge {
            file: path.to_path_buf(),
            size,
            limit: limits.max_checksums_file,
        });
    }
    let bytes = fs::read(path).map_err(io_err)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut entries = BTreeMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let malformed = || ReleaseError::MalformedChecksums {
            file: path.to_path_buf(),
            line: i + 1,
        };
        let (digest, name) = parse_sums_line(line).ok_or_else(malformed)?;
        if let Some(previous) = entries.insert(name.to_owned(), digest)
            && previous != digest
        {
            return Err(ReleaseError::ConflictingChecksums {
                file: path.to_path_buf(),
                line: i + 1,
                name: name.to_owned(),
            });
        }
    }
    Ok(Checksums {
        path: path.to_path_buf(),
        signature,
        entries,
    })
}

/// `<64 hex>  <name>` (text mode) or `<64 hex> *<name>` (binary mode), as `sha256sum` writes.
fn parse_sums_line(line: &str) -> Option<([u8; 32], &str)> {
    let hex_part = line.get(..64)?;
    let rest = line.get(64..)?;
    let name = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))?;
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return None;
    }
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut digest).ok()?;
    Some((digest, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_rules() {
        for ok in [
            "1.2.3",
            "0.0.0",
            "1.2.3-rc.1",
            "1.2.3-alpha-1.0a",
            "1.2.3+build.5",
            "1.2.3-rc.1+b",
        ] {
            assert_eq!(semver_problem(ok), None, "{ok}");
        }
        let bad = [
            ("1.2", "the core must be three numbers MAJOR.MINOR.PATCH"),
            (
                "1.2.3.4",
                "the core must be three numbers MAJOR.MINOR.PATCH",
            ),
            ("01.2.3", "numbers must not have leading zeros"),
            (
                "1.2.3-",
                "pre-release identifiers must be non-empty [0-9A-Za-z-]",
            ),
            (
                "1.2.3-rc.01",
                "numeric pre-release identifiers must not have leading zeros",
            ),
            ("1.2.3+", "build identifiers must be non-empty [0-9A-Za-z-]"),
            (
                "1.2.3+a..b",
                "build identifiers must be non-empty [0-9A-Za-z-]",
            ),
        ];
        for (v, want) in bad {
            assert_eq!(semver_problem(v), Some(want), "{v}");
        }
    }

    #[test]
    fn sums_lines() {
        let d = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            parse_sums_line(&format!("{d}  a.zip")).map(|x| x.1),
            Some("a.zip")
        );
        assert_eq!(
            parse_sums_line(&format!("{d} *a.zip")).map(|x| x.1),
            Some("a.zip")
        );
        assert_eq!(parse_sums_line(&format!("{d} a.zip")), None);
        assert_eq!(parse_sums_line(&format!("{d}  ")), None);
        assert_eq!(parse_sums_line(&format!("{d}  dir/a.zip")), None);
        assert_eq!(parse_sums_line("zz  a.zip"), None);
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
}
