//! Mirroring provider versions from a provider registry into release directories.
//!
//! For each version, in this order — nothing is written anywhere until every check that can be made before
//! downloading has passed:
//!
//! 1. the package metadata of every wanted platform (a platform the version does not offer is
//!    [`MirrorError::PlatformNotAvailable`]); all platforms must name the same `SHA256SUMS` and signature;
//! 2. the `SHA256SUMS` and its signature; the signature is verified with the published keys
//!    ([`super::signature`]); no published key is [`MirrorError::UnsignedRefused`] unless
//!    [`MirrorOptions::allow_unsigned`];
//! 3. every platform's `shasum` (registry) must equal its `SHA256SUMS` line ([`MirrorError::ChecksumsDisagree`]);
//! 4. the ZIPs are streamed into a staging directory beside the target, hashed on the way; a ZIP that does not hash
//!    to its signed checksum is [`MirrorError::ChecksumMismatch`] (the staging directory is removed);
//! 5. the staging directory (ZIPs, `SHA256SUMS`, `.sig`, signing key) is read back with
//!    [`Release::from_dir`](crate::archive::release::Release::from_dir) and renamed onto the target.
//!
//! The result is exactly GoReleaser's `dist/` shape, which the publish pipeline reads:
//! ```text
//! terraform-provider-TYPE_VERSION_OS_ARCH.zip      byte-identical to upstream (one per selected platform)
//! terraform-provider-TYPE_VERSION_SHA256SUMS       byte-identical (signed)
//! terraform-provider-TYPE_VERSION_SHA256SUMS.sig   byte-identical detached signature (absent when unsigned)
//! terraform-provider-TYPE_VERSION_signing-key.asc  the published key that verified it (absent when unsigned)
//! ```
//! Resumable: a ZIP already in the target or in a staging directory left by an interrupted run, with the signed
//! hash, is not downloaded again; a target that already holds exactly this result is left untouched. Transport
//! faults keep the staging directory for the next run; verification failures remove it (and any directory the run
//! created). One writer per release directory at a time: concurrent runs on the same target are not coordinated.
//!
//! Steps 1–2 are in `fetch`, 4–6 in `stage`, the file helpers in `files`; this file keeps the types, the run over
//! versions and step 3. Knows nothing of SBOMs, OCI copies or the CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::constraints::{Constraints, Version};
use super::error::{MirrorError, Result};
use super::registry_protocol::{PackageMeta, ProviderRegistryClient, VersionsResponse};
pub use super::selection::select_versions;
use super::signature::SignatureCheck;
pub use super::source::ProviderSource;
use crate::archive::address::ProviderAddress;
use crate::archive::release::Platform;
use crate::registry::client::ClientOptions;

mod fetch;
mod files;
mod stage;

/// A progress event of a mirror run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MirrorProgress {
    /// Versions were resolved.
    Resolved {
        /// The provider.
        provider: String,
        /// The selected versions.
        versions: Vec<String>,
    },
    /// The signature of a version's checksums verified.
    SignatureVerified {
        /// The version.
        version: String,
        /// The verifying key's primary key id.
        key_id: String,
    },
    /// A ZIP download starts.
    DownloadStarted {
        /// The file name.
        file: String,
    },
    /// Bytes of a ZIP received in the current attempt.
    DownloadProgress {
        /// The file name.
        file: String,
        /// Bytes so far.
        bytes: u64,
    },
    /// A ZIP was already present with the signed hash.
    Skipped {
        /// The file name.
        file: String,
    },
    /// A ZIP was downloaded and verified.
    Downloaded {
        /// The file name.
        file: String,
        /// Its size.
        size: u64,
    },
}

/// Receives progress events.
pub type MirrorProgressFn = Arc<dyn Fn(&MirrorProgress) + Send + Sync>;

/// Options of a mirror run.
#[derive(Clone, Default)]
pub struct MirrorOptions {
    /// Transport options (TLS, protocol, retries, limits), shared with the OCI client.
    pub client: ClientOptions,
    /// Registry token (`TF_TOKEN_<host>`), sent to the registry host only.
    pub token: Option<String>,
    /// Platforms to mirror (`os_arch`); empty: every platform the version offers.
    pub platforms: Vec<Platform>,
    /// Proceed when the registry publishes no signing key (recorded in the result). A bad signature or a signature
    /// by an unpublished key is refused regardless.
    pub allow_unsigned: bool,
    /// Progress events.
    pub progress: Option<MirrorProgressFn>,
}

impl std::fmt::Debug for MirrorOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MirrorOptions")
            .field("client", &self.client)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("platforms", &self.platforms)
            .field("allow_unsigned", &self.allow_unsigned)
            .finish_non_exhaustive()
    }
}

/// How the checksums of a version were authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Authentication {
    /// The `SHA256SUMS` signature verified with a published key.
    Signed {
        /// Which key verified it.
        #[serde(flatten)]
        check: SignatureCheck,
        /// The key id the registry reported for that key.
        published_key_id: String,
    },
    /// The registry publishes no signing key and unsigned providers were explicitly allowed: only the checksums
    /// (from the registry, over the same connection) vouch for the ZIPs.
    UnsignedAllowed,
}

impl Authentication {
    /// True when the version was mirrored without a signature because `allow_unsigned` was set.
    pub fn unsigned_allowed(&self) -> bool {
        matches!(self, Self::UnsignedAllowed)
    }
}

/// What happened to one file of the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Downloaded in this run.
    Downloaded,
    /// Already present (target or interrupted run) with the signed hash.
    Skipped,
}

/// One ZIP of a mirrored release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MirroredZip {
    /// `os_arch`.
    pub platform: String,
    /// The file name.
    pub file_name: String,
    /// Lowercase hex SHA-256 (= the OCI layer digest and the `zh:` lock hash).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Downloaded or skipped.
    pub status: FileStatus,
}

/// The result of mirroring one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MirroredVersion {
    /// `HOST/NAMESPACE/TYPE`.
    pub provider: String,
    /// The version.
    pub version: String,
    /// The release directory.
    pub dir: PathBuf,
    /// The ZIPs, sorted by platform.
    pub zips: Vec<MirroredZip>,
    /// `…_SHA256SUMS` file name.
    pub checksums_file: String,
    /// `…_SHA256SUMS.sig` file name (when signed).
    pub signature_file: Option<String>,
    /// Signing key file name (when signed).
    pub signing_key_file: Option<String>,
    /// How the checksums were authenticated (`unsigned_allowed` must be surfaced in the output and the SBOM).
    pub authentication: Authentication,
    /// ZIPs downloaded in this run.
    pub downloaded: usize,
    /// ZIPs already present.
    pub skipped: usize,
    /// Bytes downloaded in this run.
    pub downloaded_bytes: u64,
    /// True when the target already held exactly this release and nothing was written.
    pub unchanged: bool,
    /// Plugin protocol versions the registry reported.
    pub protocols: Vec<String>,
    /// Warnings from the registry.
    pub warnings: Vec<String>,
}

impl MirroredVersion {
    /// The release as an OCI provider package for [`crate::provider::push::push`] (one ZIP per mirrored platform, with
    /// the signed sha256 and the size).
    pub fn provider_package(&self) -> crate::provider::artifact::ProviderPackage {
        crate::provider::artifact::ProviderPackage {
            version: self.version.clone(),
            platforms: self
                .zips
                .iter()
                .map(|z| {
                    let (os, arch) = z.platform.split_once('_').unwrap_or((&z.platform, ""));
                    crate::provider::artifact::PackageZip {
                        os: os.to_owned(),
                        arch: arch.to_owned(),
                        path: self.dir.join(&z.file_name),
                        file_name: z.file_name.clone(),
                        sha256: z.sha256.clone(),
                        size: z.size,
                    }
                })
                .collect(),
            source_url: None,
            revision: None,
            created: None,
        }
    }
}

/// `terraform-provider-TYPE_VERSION`.
pub fn release_name(provider_type: &str, version: &str) -> String {
    crate::archive::names::release_name(provider_type, version)
}

/// The signing key's file name in a mirrored release.
pub fn signing_key_file_name(provider_type: &str, version: &str) -> String {
    format!("{}_signing-key.asc", release_name(provider_type, version))
}

/// Where [`mirror`] puts a version: `ROOT/HOST/NAMESPACE/TYPE/VERSION` (OpenTofu's mirror directory convention; a
/// `:` in the host is kept).
pub fn release_dir(root: &Path, provider: &ProviderAddress, version: &str) -> PathBuf {
    root.join(&provider.host)
        .join(&provider.namespace)
        .join(&provider.provider_type)
        .join(version)
}

/// Mirrors the versions selected by `constraints` (each: newest match; `None`: newest release) of `provider` into
/// `root` (see [`release_dir`]). Versions are mirrored one after the other; the first error stops the run (earlier
/// versions stay mirrored).
pub async fn mirror(
    provider: &ProviderAddress,
    constraints: &[Option<Constraints>],
    root: &Path,
    opts: &MirrorOptions,
) -> Result<Vec<MirroredVersion>> {
    let client =
        ProviderRegistryClient::new(&provider.host, opts.client.clone(), opts.token.clone())?;
    let listed = client.versions(provider).await?;
    mirror_listed(&client, provider, &listed, constraints, root, opts).await
}

/// The versions of a listing that `constraints` select, each with the platforms the listing names for it, and the
/// listing's warnings (what [`mirror_listed`] downloads, one [`download_version`] each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedVersions {
    /// `(version, its listed platforms as os_arch)`, in selection order.
    pub versions: Vec<(Version, Vec<String>)>,
    /// The registry's warnings, and one per listed version that is not a semantic version (every mirrored version
    /// carries them).
    pub warnings: Vec<String>,
}

/// Selects the versions of `listed` that `constraints` name (each: newest match; `None`: newest release) and reports
/// them as [`MirrorProgress::Resolved`].
pub fn select_listed(
    provider: &ProviderAddress,
    listed: &VersionsResponse,
    constraints: &[Option<Constraints>],
    opts: &MirrorOptions,
) -> Result<SelectedVersions> {
    let mut available = Vec::new();
    let mut by_version: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warnings: Vec<String> = listed.warnings.clone().unwrap_or_default();
    for v in &listed.versions {
        match Version::parse(&v.version) {
            Some(parsed) => {
                by_version.insert(
                    parsed.to_string(),
                    v.platforms.iter().map(|p| p.os_arch()).collect(),
                );
                available.push(parsed);
            }
            None => warnings.push(format!(
                "the registry lists {:?}, which is not a semantic version; ignored",
                crate::registry::digest::truncate_for_display(&v.version)
            )),
        }
    }
    let selected = select_versions(&provider.to_string(), &available, constraints)?;
    if let Some(p) = &opts.progress {
        p(&MirrorProgress::Resolved {
            provider: provider.to_string(),
            versions: selected.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(SelectedVersions {
        versions: selected
            .into_iter()
            .map(|v| {
                let platforms = by_version.get(&v.to_string()).cloned().unwrap_or_default();
                (v, platforms)
            })
            .collect(),
        warnings,
    })
}

/// [`mirror`] with the version list already fetched through `client` (a caller that lists the versions first —
/// to resolve `--all-matching` — asks the registry once, and discovers its service once).
pub async fn mirror_listed(
    client: &ProviderRegistryClient,
    provider: &ProviderAddress,
    listed: &VersionsResponse,
    constraints: &[Option<Constraints>],
    root: &Path,
    opts: &MirrorOptions,
) -> Result<Vec<MirroredVersion>> {
    let selected = select_listed(provider, listed, constraints, opts)?;
    let mut out = Vec::new();
    for (version, listed_platforms) in &selected.versions {
        let version = version.to_string();
        let dir = release_dir(root, provider, &version);
        let mut result =
            download_version(client, provider, &version, listed_platforms, &dir, opts).await?;
        result.warnings.extend(selected.warnings.iter().cloned());
        out.push(result);
    }
    Ok(out)
}

/// Mirrors one version into exactly `dir`. `listed_platforms` are the platforms the version list names (`os_arch`;
/// used when no platform filter is set, and to name the available platforms in errors).
pub async fn download_version(
    client: &ProviderRegistryClient,
    provider: &ProviderAddress,
    version: &str,
    listed_platforms: &[String],
    dir: &Path,
    opts: &MirrorOptions,
) -> Result<MirroredVersion> {
    let limits = client.options().limits;
    let provider_s = provider.to_string();
    // 1. Metadata of every platform.
    let metas = fetch::package_metas(client, provider, version, listed_platforms, opts).await?;
    let names = ReleaseFiles::new(&provider.provider_type, version);
    // 2. Checksums and signature.
    let auth = fetch::authenticate(
        client,
        &provider_s,
        version,
        &metas[0],
        &names,
        opts,
        &limits,
    )
    .await?;
    // 3. Registry shasums against the signed list.
    check_listed_sums(&auth.sums, &metas, &names.sums)?;
    // 4. to 6. Unless already complete: stage, download, verify, read back, move into place.
    stage::write_release(stage::Job {
        client,
        provider: provider_s,
        version,
        dir,
        metas: &metas,
        names: &names,
        auth,
        opts,
        limits,
    })
    .await
}

/// The file names of a release's checksums, their signature and the signing key.
struct ReleaseFiles {
    /// `…_SHA256SUMS`.
    sums: String,
    /// `…_SHA256SUMS.sig`.
    sig: String,
    /// `…_signing-key.asc`.
    key: String,
}

impl ReleaseFiles {
    fn new(provider_type: &str, version: &str) -> Self {
        let name = release_name(provider_type, version);
        let sums_name = crate::archive::names::checksums_name(&name);
        let sig_name = format!("{sums_name}.sig");
        let key_name = signing_key_file_name(provider_type, version);
        Self {
            sums: sums_name,
            sig: sig_name,
            key: key_name,
        }
    }
}

/// Step 3: every platform's `shasum` (registry) must equal its line in the signed `SHA256SUMS`.
fn check_listed_sums(sums: &[u8], metas: &[PackageMeta], sums_name: &str) -> Result<()> {
    let listed = crate::archive::checksums::parse_like_opentofu(sums);
    for m in metas {
        let registry_hex = hex::encode(m.shasum);
        match listed.get(m.filename.as_str()) {
            Some(l) if *l == m.shasum => {}
            other => {
                return Err(MirrorError::ChecksumsDisagree {
                    checksums: sums_name.to_owned(),
                    file: m.filename.clone(),
                    listed: other.map(hex::encode),
                    registry: registry_hex,
                });
            }
        }
    }
    Ok(())
}

/// Sends `e` to the progress callback, if any.
fn emit(opts: &MirrorOptions, e: MirrorProgress) {
    if let Some(p) = &opts.progress {
        p(&e);
    }
}
