//! The pipeline from a provider release to SBOM documents and lock-file hashes (`tofu-sbom generate`).
//!
//! 1. [`scan`]: every ZIP is verified against `SHA256SUMS` (one sequential read, SHA-256, SHA-512 and the OmniBOR
//!    gitoid in the same pass), then opened through its central directory; each entry is inflated once, the provider
//!    binary's bytes feed its SHA-256/SHA-512/gitoid and the build-info reader at the same time (a partial second
//!    pass only for pre-Go-1.18 binaries). Platforms run in parallel on all cores.
//! 2. [`release_input`]: the scanned release becomes the neutral [`ReleaseInput`] the SBOM renderers take.
//! 3. [`documents`]: one document per platform and format plus one release-wide document per format, each with the
//!    file name OpenTofu's SBOM RFC recognises (the ZIP name without `.zip`, plus `.cdx.json` / `.spdx.json`).
//!
//! Nothing here writes files: the caller writes the returned bytes (atomically), so a failure leaves no partial output.

use std::path::PathBuf;

use rayon::prelude::*;
use time::OffsetDateTime;

use crate::archive::release::{Platform, Release};
use crate::archive::{ArchiveError, Digests, ProviderAddress, ReleaseError, lockfile, names};
use crate::buildinfo::{self, BuildInfo};
use crate::inventory::{
    Author, Inventory, InventoryError, PlatformInput, ReleaseInput, ReleaseLicenses,
    ReleaseSignature, ToolInfo,
};
use crate::limits::Limits;
use crate::sbom::{self, Format, SbomError};

/// Where the provider version recorded in the SBOMs came from (property `version source`).
pub const VERSION_SOURCE_RELEASE: &str = "release-filename";

/// Errors of the generate pipeline. Each names the file (and entry) it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The release could not be read or verified.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// A ZIP could not be read.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The provider binary in a ZIP is not a Go binary we can read.
    #[error("{zip}!{entry}: {source}")]
    BuildInfo {
        /// The ZIP.
        zip: PathBuf,
        /// The binary's entry name.
        entry: String,
        /// Why it could not be read.
        #[source]
        source: buildinfo::Error,
    },
    /// The provider binary carries no module information, so an SBOM would list nothing.
    #[error(
        "{zip}!{entry}: the Go binary was built without module information (path {path:?}); \
         an SBOM of it would list no dependencies — build the provider in module mode (go build in a module, as GoReleaser does)"
    )]
    NoModuleInfo {
        /// The ZIP.
        zip: PathBuf,
        /// The binary's entry name.
        entry: String,
        /// The `path` line of the build info (`command-line-arguments` for `go build file.go`).
        path: String,
    },
    /// The release's inventory is inconsistent.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// Rendering failed.
    #[error(transparent)]
    Sbom(#[from] SbomError),
    /// A lock file needs the full provider address.
    #[error(
        "the provider address is needed for {what}: pass --provider HOST/NAMESPACE/TYPE \
         (the namespace could not be derived from the main module path {module:?})"
    )]
    AddressRequired {
        /// What needed it.
        what: &'static str,
        /// The main module path that did not yield a namespace.
        module: String,
    },
    /// `SOURCE_DATE_EPOCH` or `--timestamp` is not a valid time.
    #[error("invalid timestamp {given:?}: {reason}")]
    BadTimestamp {
        /// The value given.
        given: String,
        /// Why it was refused.
        reason: String,
    },
}

/// One scanned platform: the ZIP, the binary in it, and its build info.
#[derive(Debug, Clone)]
pub struct ScannedPlatform {
    /// GOOS/GOARCH from the ZIP name.
    pub platform: Platform,
    /// The ZIP file.
    pub zip_path: PathBuf,
    /// The ZIP file name.
    pub zip_name: String,
    /// Size of the ZIP in bytes.
    pub zip_size: u64,
    /// SHA-256/SHA-512 (its `zh:` hash and OCI layer digest) and OmniBOR gitoid of the ZIP.
    pub zip_digests: Digests,
    /// The provider binary's entry name.
    pub binary_name: String,
    /// SHA-256/SHA-512 and OmniBOR gitoid of the provider binary.
    pub binary_digests: Digests,
    /// The binary's Go build info.
    pub buildinfo: BuildInfo,
    /// The `h1:` lock-file hash of the ZIP's files.
    pub h1: String,
    /// Passes over the binary's compressed data (1, or 2 for pre-Go-1.18 binaries).
    pub passes: u32,
    /// Newest entry modification time in the ZIP (Unix seconds, UTC).
    pub newest_modification: Option<i64>,
    /// Further files OpenTofu would ignore because another candidate binary sorts first.
    pub ignored_candidates: Vec<String>,
}

impl ScannedPlatform {
    /// `zh:<hex>`.
    pub fn zh(&self) -> String {
        self.zip_digests.zh()
    }
}

/// A scanned provider release.
#[derive(Debug, Clone)]
pub struct ScannedRelease {
    /// Provider type from the ZIP names.
    pub provider_type: String,
    /// Version from the ZIP names.
    pub version: String,
    /// The platforms, sorted by OS then architecture.
    pub platforms: Vec<ScannedPlatform>,
    /// ZIPs read without a `SHA256SUMS` to verify them against.
    pub unverified: Vec<String>,
    /// The `SHA256SUMS` signature file, when present.
    pub signature: Option<PathBuf>,
}

impl ScannedRelease {
    /// `terraform-provider-TYPE_VERSION`.
    pub fn name(&self) -> String {
        names::release_name(&self.provider_type, &self.version)
    }

    /// The newest entry time across all ZIPs (the default SBOM timestamp).
    pub fn newest_modification(&self) -> Option<i64> {
        self.platforms
            .iter()
            .filter_map(|p| p.newest_modification)
            .max()
    }

    /// The build info of every platform, in platform order.
    pub fn build_infos(&self) -> impl Iterator<Item = &BuildInfo> {
        self.platforms.iter().map(|p| &p.buildinfo)
    }

    /// The main module path of the first platform that has one.
    pub fn main_module(&self) -> Option<&str> {
        self.platforms
            .iter()
            .find_map(|p| p.buildinfo.main.as_ref().map(|m| m.path.as_str()))
    }

    /// The provider address: `explicit`, else derived from a `github.com/ORG/terraform-provider-TYPE` main module.
    pub fn address(&self, explicit: Option<&ProviderAddress>) -> Option<ProviderAddress> {
        if let Some(a) = explicit {
            return Some(a.clone());
        }
        let module = self.main_module()?;
        let namespace =
            crate::archive::address::namespace_from_module_path(module, &self.provider_type)?;
        ProviderAddress::on_default_host(&namespace, &self.provider_type).ok()
    }

    /// The provider address, or [`GenerateError::AddressRequired`] naming `what` needed it.
    pub fn require_address(
        &self,
        explicit: Option<&ProviderAddress>,
        what: &'static str,
    ) -> Result<ProviderAddress, GenerateError> {
        self.address(explicit)
            .ok_or_else(|| GenerateError::AddressRequired {
                what,
                module: self.main_module().unwrap_or_default().to_owned(),
            })
    }

    /// The `.terraform.lock.hcl` block for this release: `h1:` and `zh:` for every platform.
    pub fn lock(&self, address: &ProviderAddress) -> lockfile::ProviderLock {
        let mut hashes: Vec<String> = self
            .platforms
            .iter()
            .flat_map(|p| [p.h1.clone(), p.zh()])
            .collect();
        hashes.sort();
        hashes.dedup();
        lockfile::ProviderLock {
            address: address.clone(),
            version: self.version.clone(),
            constraints: None,
            hashes,
        }
    }
}

/// Verifies and scans every platform of `release` (in parallel).
pub fn scan(release: &mut Release, limits: &Limits) -> Result<ScannedRelease, GenerateError> {
    release.verify_all()?;
    let release = &*release;
    let platforms = (0..release.platforms.len())
        .into_par_iter()
        .map(|i| scan_platform(release, i, limits))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScannedRelease {
        provider_type: release.provider_type.clone(),
        version: release.version.clone(),
        platforms,
        unverified: release.unverified().map(|p| p.file_name.clone()).collect(),
        signature: release.signature().map(|p| p.to_path_buf()),
    })
}

fn scan_platform(
    release: &Release,
    index: usize,
    limits: &Limits,
) -> Result<ScannedPlatform, GenerateError> {
    let p = &release.platforms[index];
    let zip = release.open(index, limits)?;
    let zip_size = std::fs::metadata(&p.path)
        .map_err(|source| ArchiveError::Io {
            zip: p.path.clone(),
            source,
        })?
        .len();
    let scan = zip.scan(|reader| buildinfo::read(reader, limits))?;
    let h1 = scan.h1();
    let buildinfo = scan.binary.map_err(|source| GenerateError::BuildInfo {
        zip: p.path.clone(),
        entry: scan.binary_name.clone(),
        source,
    })?;
    if buildinfo.main.is_none() {
        return Err(GenerateError::NoModuleInfo {
            zip: p.path.clone(),
            entry: scan.binary_name,
            path: buildinfo.path,
        });
    }
    let zip_digests = p.digests().expect("verify_all read every ZIP");
    Ok(ScannedPlatform {
        platform: p.platform.clone(),
        zip_path: p.path.clone(),
        zip_name: p.file_name.clone(),
        zip_size,
        zip_digests,
        binary_name: scan.binary_name,
        binary_digests: scan.binary_digests,
        buildinfo,
        h1,
        passes: scan.binary_passes,
        newest_modification: zip.newest_modification(),
        ignored_candidates: zip.ignored_candidates().to_vec(),
    })
}

/// How the SBOM timestamp is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampPolicy {
    /// A fixed instant (`SOURCE_DATE_EPOCH` or `--timestamp RFC3339`).
    Fixed(OffsetDateTime),
    /// The newest entry time in the release's ZIPs, read as UTC (the reproducible default).
    NewestZipEntry,
    /// The current time (`--timestamp now`): not reproducible.
    Now,
}

impl TimestampPolicy {
    /// The policy from `--timestamp` (`now`, an RFC 3339 time, or Unix seconds) and `SOURCE_DATE_EPOCH`, in that
    /// order of precedence.
    pub fn resolve(
        flag: Option<&str>,
        source_date_epoch: Option<&str>,
    ) -> Result<Self, GenerateError> {
        match (flag, source_date_epoch) {
            (Some("now"), _) => Ok(Self::Now),
            (Some(v), _) => parse_instant(v).map(Self::Fixed),
            (None, Some(v)) if !v.is_empty() => parse_epoch(v).map(Self::Fixed),
            _ => Ok(Self::NewestZipEntry),
        }
    }

    /// The instant for `release`.
    pub fn instant(self, release: &ScannedRelease) -> OffsetDateTime {
        let t = match self {
            Self::Fixed(t) => t,
            Self::NewestZipEntry => release
                .newest_modification()
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            Self::Now => OffsetDateTime::now_utc(),
        };
        t.to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(t)
    }
}

fn parse_epoch(v: &str) -> Result<OffsetDateTime, GenerateError> {
    let bad = |reason: String| GenerateError::BadTimestamp {
        given: v.to_owned(),
        reason,
    };
    let secs: i64 = v
        .trim()
        .parse()
        .map_err(|_| bad("expected whole seconds since the Unix epoch".into()))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| bad(e.to_string()))
}

fn parse_instant(v: &str) -> Result<OffsetDateTime, GenerateError> {
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return parse_epoch(v);
    }
    OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).map_err(|e| {
        GenerateError::BadTimestamp {
            given: v.to_owned(),
            reason: format!("expected `now`, Unix seconds or an RFC 3339 time: {e}"),
        }
    })
}

/// What the SBOMs say beyond the release itself.
#[derive(Debug, Clone)]
pub struct SbomOptions {
    /// `--provider`; else derived from the main module.
    pub address: Option<ProviderAddress>,
    /// `--supplier`; else the provider namespace.
    pub supplier: Option<String>,
    /// `--author`.
    pub authors: Vec<Author>,
    /// Timestamp policy.
    pub timestamp: TimestampPolicy,
    /// The generating tool.
    pub tool: ToolInfo,
    /// How a mirrored release was authenticated (`tofu-sbom mirror` from a provider registry), recorded on every
    /// document's root component; `None` for `generate`/`publish`.
    pub release_signature: Option<ReleaseSignature>,
    /// Licence facts of the Go modules (`--licenses`, resolved by [`crate::licenses`]); `None` = `off`.
    pub licenses: Option<ReleaseLicenses>,
    /// For callers that render many releases (`mirror`): resolve each release's licences with this configuration
    /// when [`Self::licenses`] is `None` (see `mirror::provenance::prepare`).
    pub license_config: Option<crate::licenses::LicenseConfig>,
}

/// The neutral input the renderers take.
pub fn release_input(release: &ScannedRelease, opts: &SbomOptions) -> ReleaseInput {
    let address = release.address(opts.address.as_ref());
    let signature = release
        .signature
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    ReleaseInput {
        provider_type: release.provider_type.clone(),
        version: release.version.clone(),
        address,
        supplier: opts.supplier.clone(),
        authors: opts.authors.clone(),
        tool: opts.tool.clone(),
        timestamp: opts.timestamp.instant(release),
        platforms: release
            .platforms
            .iter()
            .map(|p| PlatformInput {
                os: p.platform.os.clone(),
                arch: p.platform.arch.clone(),
                zip_name: p.zip_name.clone(),
                zip_sha256: p.zip_digests.sha256_hex(),
                zip_sha512: p.zip_digests.sha512_hex(),
                zip_gitoid: p.zip_digests.gitoid_hex(),
                zip_size: p.zip_size,
                binary_name: p.binary_name.clone(),
                binary_sha256: p.binary_digests.sha256_hex(),
                binary_sha512: p.binary_digests.sha512_hex(),
                binary_gitoid: p.binary_digests.gitoid_hex(),
                buildinfo: p.buildinfo.clone(),
                zh: p.zh(),
                h1: p.h1.clone(),
                version_source: VERSION_SOURCE_RELEASE.to_owned(),
                signature_file: signature.clone(),
            })
            .collect(),
        release_signature: opts.release_signature.clone(),
        licenses: opts.licenses.clone(),
    }
}

/// What an SBOM document describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// One platform's ZIP.
    Platform(Platform),
    /// The whole release (all platforms).
    Release,
}

/// One rendered SBOM document.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name, e.g. `terraform-provider-x_1.2.3_linux_amd64.cdx.json`.
    pub file_name: String,
    /// Its format.
    pub format: Format,
    /// What it describes.
    pub subject: Subject,
    /// The document bytes.
    pub bytes: Vec<u8>,
}

/// The file-name suffix for `format` among `formats`: CycloneDX 1.5 next to 1.6 becomes `.cdx15.json` so the two
/// never overwrite each other.
pub fn extension(format: Format, formats: &[Format]) -> &'static str {
    if format == Format::CycloneDx15 && formats.contains(&Format::CycloneDx16) {
        ".cdx15.json"
    } else {
        format.extension()
    }
}

/// Renders every requested document: per platform, then release-wide, in `formats` order. Platforms render in
/// parallel.
pub fn documents(input: &ReleaseInput, formats: &[Format]) -> Result<Vec<Document>, GenerateError> {
    let mut docs: Vec<Document> = (0..input.platforms.len())
        .into_par_iter()
        .map(|i| {
            let inv = Inventory::for_platform(input, i)?;
            let p = &input.platforms[i];
            let stem = p
                .zip_name
                .strip_suffix(".zip")
                .unwrap_or(&p.zip_name)
                .to_owned();
            let platform = Platform {
                os: p.os.clone(),
                arch: p.arch.clone(),
            };
            formats
                .iter()
                .map(|&f| {
                    Ok(Document {
                        file_name: format!("{stem}{}", extension(f, formats)),
                        format: f,
                        subject: Subject::Platform(platform.clone()),
                        bytes: sbom::render(&inv, f)?,
                    })
                })
                .collect::<Result<Vec<_>, GenerateError>>()
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let inv = Inventory::for_release(input)?;
    let stem = names::release_name(&input.provider_type, &input.version);
    for &f in formats {
        docs.push(Document {
            file_name: format!("{stem}{}", extension(f, formats)),
            format: f,
            subject: Subject::Release,
            bytes: sbom::render(&inv, f)?,
        });
    }
    Ok(docs)
}
