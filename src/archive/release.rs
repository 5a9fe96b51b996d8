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
//! Completeness: a `SHA256SUMS` that lists ZIPs of this release which are not beside it (three platforms summed, one
//! downloaded) means an incomplete release; [`Release::missing_zips`] names them and [`Release::check_complete`]
//! refuses ([`ReleaseError::MissingZips`]). The commands that read a release run the check unless the platforms
//! were selected (`--platform`) or `--allow-missing-platforms` was given. ZIPs that exist beside the sums but were
//! not given (explicit ZIP paths) are a deliberate selection, not missing.
//!
//! Versions must be full semantic versions `X.Y.Z[-pre][+build]` without a `v` prefix: OpenTofu tags, registries
//! and lock files use exactly that form.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::bytes::ZipBytes;
use super::checksums::{self, ChecksumsError};
use super::digest::Digests;
use super::entry_names::BinarySelector;
pub use super::error::MissingZips;
use super::error::ReleaseError;
use super::names::{self, CHECKSUMS_SUFFIX, PROVIDER_PREFIX, ParsedName, parse_name};
pub use super::names::{KNOWN_ARCH, KNOWN_OS, Platform, parse_platforms, version_problem};
use super::zip::{ProviderZip, hash_source, open_file};
use crate::limits::Limits;

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
    /// SHA-256/SHA-512 and gitoid of the ZIP file, once [`Release::verify_all`] or [`Release::open`] has read it.
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
            if !name.starts_with(PROVIDER_PREFIX) {
                continue;
            }
            let path = dir.join(name);
            if name.ends_with(".zip") {
                zips.push(path);
            } else if name.ends_with(CHECKSUMS_SUFFIX) {
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
        let sums_name = names::checksums_name(&release.name());
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
        names::release_name(&self.provider_type, &self.version)
    }

    /// The ZIPs read without a `SHA256SUMS` to check them against.
    pub fn unverified(&self) -> impl Iterator<Item = &PlatformZip> {
        self.platforms.iter().filter(|p| p.checksums.is_none())
    }

    /// Per `SHA256SUMS`, the ZIPs of this release (`terraform-provider-TYPE_VERSION_OS_ARCH.zip`) it lists that do not
    /// exist beside it.
    pub fn missing_zips(&self) -> Vec<MissingZips> {
        let mut out = Vec::new();
        for sums in &self.checksums {
            let dir = parent_dir(&sums.path);
            let names: Vec<String> = sums
                .entries
                .keys()
                .filter(|name| {
                    parse_name(Path::new(name.as_str()), true).is_ok_and(|p| {
                        p.provider_type == self.provider_type && p.version == self.version
                    })
                })
                .filter(|name| {
                    !self.platforms.iter().any(|p| &p.file_name == *name)
                        && !dir.join(name.as_str()).is_file()
                })
                .cloned()
                .collect();
            if !names.is_empty() {
                out.push(MissingZips {
                    checksums: sums.path.clone(),
                    dir,
                    names,
                });
            }
        }
        out
    }

    /// Refuses a release whose `SHA256SUMS` lists ZIPs that are not there ([`ReleaseError::MissingZips`]).
    pub fn check_complete(&self) -> Result<(), ReleaseError> {
        match self.missing_zips().into_iter().next() {
            Some(missing) => Err(ReleaseError::MissingZips { missing }),
            None => Ok(()),
        }
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

    /// Reads every ZIP once (in parallel), computing its SHA-256/SHA-512/gitoid and checking it against `SHA256SUMS`.
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
    let entries = checksums::parse(&text).map_err(|e| match e {
        ChecksumsError::Malformed { line } => ReleaseError::MalformedChecksums {
            file: path.to_path_buf(),
            line,
        },
        ChecksumsError::Conflicting { line, name } => ReleaseError::ConflictingChecksums {
            file: path.to_path_buf(),
            line,
            name,
        },
    })?;
    Ok(Checksums {
        path: path.to_path_buf(),
        signature,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "terraform-provider-sample_0.1.0";

    fn sample_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample-release")
    }

    #[test]
    fn zips_the_sums_list_but_the_directory_lacks_are_missing() {
        let tmp = tempfile::tempdir().unwrap();
        for e in fs::read_dir(sample_dir()).unwrap() {
            let e = e.unwrap();
            if !e
                .file_name()
                .to_string_lossy()
                .ends_with("_windows_amd64.zip")
            {
                fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
            }
        }
        let release = Release::from_dir(tmp.path(), &Limits::default()).unwrap();
        let missing = release.missing_zips();
        assert_eq!(
            missing,
            vec![MissingZips {
                checksums: tmp.path().join(format!("{SAMPLE}_SHA256SUMS")),
                dir: tmp.path().to_owned(),
                names: vec![format!("{SAMPLE}_windows_amd64.zip")],
            }]
        );
        let err = release.check_complete().unwrap_err();
        assert!(matches!(err, ReleaseError::MissingZips { .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "{}/{SAMPLE}_SHA256SUMS lists 1 ZIP that is not in {}: {SAMPLE}_windows_amd64.zip (an incomplete \
                 download?); add them, select the platforms present with --platform, or pass \
                 --allow-missing-platforms to proceed without them",
                tmp.path().display(),
                tmp.path().display()
            )
        );
    }

    #[test]
    fn explicit_zips_are_a_selection_and_non_zip_lines_are_ignored() {
        // One ZIP given; the others exist beside the sums (not missing); `_manifest.json` is not a ZIP.
        let zip = sample_dir().join(format!("{SAMPLE}_linux_amd64.zip"));
        let release = Release::from_zips(&[zip], &Limits::default()).unwrap();
        assert_eq!(release.checksums.len(), 1);
        assert_eq!(release.missing_zips(), vec![]);
        release.check_complete().unwrap();
        let complete = Release::from_dir(&sample_dir(), &Limits::default()).unwrap();
        assert_eq!(complete.missing_zips(), vec![]);
    }
}
