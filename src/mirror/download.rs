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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::constraints::{Constraints, Version};
use super::error::{MirrorError, Result};
use super::registry_protocol::{
    PackageMeta, ProviderRegistryClient, VersionsResponse, display_url,
};
use super::signature::{self, PublishedKey, SignatureCheck};
use crate::archive::address::ProviderAddress;
use crate::archive::checksums;
use crate::archive::release::{Platform, Release};
use crate::registry::client::ClientOptions;

/// A provider source: `[HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSource {
    /// The provider address (host defaults to `registry.opentofu.org`).
    pub address: ProviderAddress,
    /// The version constraint; `None` selects the newest release.
    pub constraint: Option<Constraints>,
}

impl ProviderSource {
    /// Parses `[HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT]` (e.g. `hashicorp/aws@~> 5.0`,
    /// `registry.opentofu.org/hashicorp/tls@4.0.6`).
    pub fn parse(input: &str) -> Result<Self> {
        let (addr, constraint) = match input.split_once('@') {
            Some((a, c)) => (a, Some(c)),
            None => (input, None),
        };
        let address =
            ProviderAddress::parse(addr.trim()).map_err(|e| MirrorError::InvalidSource {
                input: input.to_owned(),
                reason: e.to_string(),
            })?;
        let constraint = match constraint {
            Some(c) if c.trim().is_empty() => {
                return Err(MirrorError::InvalidSource {
                    input: input.to_owned(),
                    reason:
                        "nothing after '@' (expected a version or a constraint such as \"~> 5.0\")"
                            .into(),
                });
            }
            Some(c) => Some(Constraints::parse(c)?),
            None => None,
        };
        Ok(Self {
            address,
            constraint,
        })
    }
}

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

/// The versions `source` selects among `available` (newest match of its constraint; the newest release without
/// one). `extra` constraints select further versions (several versions per run); duplicates are removed and the
/// result is sorted oldest first.
pub fn select_versions(
    provider: &str,
    available: &[Version],
    constraints: &[Option<Constraints>],
) -> Result<Vec<Version>> {
    let mut out: Vec<Version> = Vec::new();
    for c in constraints {
        let chosen = match c {
            Some(c) => c.newest(available),
            None => available
                .iter()
                .filter(|v| !v.is_prerelease())
                .max_by(|a, b| a.cmp_precedence(b)),
        };
        let Some(v) = chosen else {
            let mut all: Vec<&Version> = available.iter().collect();
            all.sort_by(|a, b| b.cmp_precedence(a));
            return Err(MirrorError::NoMatchingVersion {
                provider: provider.to_owned(),
                constraint: c
                    .as_ref()
                    .map_or_else(|| "(newest release)".to_owned(), ToString::to_string),
                available: all.iter().map(ToString::to_string).collect(),
            });
        };
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out.sort_by(|a, b| a.cmp_precedence(b));
    Ok(out)
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
    let mut out = Vec::new();
    for v in &selected {
        let version = v.to_string();
        let listed_platforms = by_version.get(&version).cloned().unwrap_or_default();
        let dir = release_dir(root, provider, &version);
        let mut result =
            download_version(client, provider, &version, &listed_platforms, &dir, opts).await?;
        result.warnings.extend(warnings.iter().cloned());
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
    let mut available: Vec<String> = listed_platforms.to_vec();
    available.sort();
    available.dedup();
    let wanted: Vec<String> = if opts.platforms.is_empty() {
        available.clone()
    } else {
        let mut w: Vec<String> = opts.platforms.iter().map(ToString::to_string).collect();
        w.sort();
        w.dedup();
        w
    };
    let not_available = |platform: &str| MirrorError::PlatformNotAvailable {
        provider: provider_s.clone(),
        version: version.to_owned(),
        platform: platform.to_owned(),
        available: available.clone(),
    };
    if wanted.is_empty() {
        return Err(MirrorError::InvalidResponse {
            what: format!("version list of {provider_s}"),
            reason: format!("version {version} lists no platforms"),
        });
    }
    if let Some(missing) = wanted.iter().find(|w| !available.contains(w)) {
        return Err(not_available(missing));
    }

    // 1. Metadata of every platform.
    let mut metas: Vec<PackageMeta> = Vec::with_capacity(wanted.len());
    for w in &wanted {
        let (os, arch) = w
            .split_once('_')
            .ok_or_else(|| MirrorError::InvalidPlatform {
                input: w.clone(),
                reason: "expected OS_ARCH".into(),
            })?;
        match client.package(provider, version, os, arch).await? {
            Some(m) => metas.push(m),
            None => return Err(not_available(w)),
        }
    }
    let first = &metas[0];
    for m in &metas[1..] {
        if m.shasums_url != first.shasums_url
            || m.shasums_signature_url != first.shasums_signature_url
        {
            return Err(MirrorError::InvalidResponse {
                what: format!("package metadata of {provider_s} {version}"),
                reason: format!(
                    "platforms {} and {} name different SHA256SUMS or signature URLs",
                    first.platform, m.platform
                ),
            });
        }
    }
    let name = release_name(&provider.provider_type, version);
    let sums_name = crate::archive::names::checksums_name(&name);
    let sig_name = format!("{sums_name}.sig");
    let key_name = signing_key_file_name(&provider.provider_type, version);

    // 2. Checksums and signature.
    let sums = client
        .fetch_file(
            &first.shasums_url,
            limits.max_checksums_file,
            &format!("{sums_name} ({})", display_url(&first.shasums_url)),
        )
        .await?;
    let keys: Vec<PublishedKey> = first
        .signing_keys
        .iter()
        .filter(|k| !k.ascii_armor.trim().is_empty())
        .cloned()
        .collect();
    for k in &keys {
        if k.ascii_armor.len() as u64 > limits.max_signature_file {
            return Err(MirrorError::TooLarge {
                what: format!("published signing key {:?}", k.key_id),
                limit: limits.max_signature_file,
            });
        }
    }
    let (authentication, sig_bytes, key_armor) = if keys.is_empty() {
        if !opts.allow_unsigned {
            return Err(MirrorError::UnsignedRefused {
                provider: provider_s.clone(),
                version: version.to_owned(),
                checksums: sums_name.clone(),
            });
        }
        (Authentication::UnsignedAllowed, None, None)
    } else {
        let Some(sig_url) = &first.shasums_signature_url else {
            return Err(MirrorError::MalformedSignature {
                provider: provider_s.clone(),
                version: version.to_owned(),
                signature: sig_name.clone(),
                reason: "the registry publishes signing keys but no shasums_signature_url".into(),
            });
        };
        let sig = client
            .fetch_file(
                sig_url,
                limits.max_signature_file,
                &format!("{sig_name} ({})", display_url(sig_url)),
            )
            .await?;
        let check = signature::verify_detached(
            &sums,
            &sig,
            &keys,
            signature::Context {
                provider: &provider_s,
                version,
                checksums: &sums_name,
                signature: &sig_name,
            },
        )?;
        if let Some(p) = &opts.progress {
            p(&MirrorProgress::SignatureVerified {
                version: version.to_owned(),
                key_id: check.key_id.clone(),
            });
        }
        let published = &keys[check.key_index];
        let mut armor = published.ascii_armor.clone();
        if !armor.ends_with('\n') {
            armor.push('\n');
        }
        (
            Authentication::Signed {
                published_key_id: published.key_id.clone(),
                check,
            },
            Some(sig),
            Some(armor),
        )
    };

    // 3. Registry shasums against the signed list.
    let listed = checksums::parse_like_opentofu(&sums);
    for m in &metas {
        let registry_hex = hex::encode(m.shasum);
        match listed.get(m.filename.as_str()) {
            Some(l) if *l == m.shasum => {}
            other => {
                return Err(MirrorError::ChecksumsDisagree {
                    checksums: sums_name.clone(),
                    file: m.filename.clone(),
                    listed: other.map(hex::encode),
                    registry: registry_hex,
                });
            }
        }
    }

    // 4. Already complete?
    let parent = dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir_name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("release")
        .to_owned();
    let mut expected_files: Vec<(String, Vec<u8>)> = vec![(sums_name.clone(), sums.clone())];
    if let Some(s) = &sig_bytes {
        expected_files.push((sig_name.clone(), s.clone()));
    }
    if let Some(k) = &key_armor {
        expected_files.push((key_name.clone(), k.clone().into_bytes()));
    }
    let mut zips: Vec<MirroredZip> = Vec::with_capacity(metas.len());
    if target_is_complete(dir, &metas, &expected_files).await? {
        for m in &metas {
            let size = tokio::fs::metadata(dir.join(&m.filename))
                .await
                .map_err(|e| MirrorError::io("reading", dir.join(&m.filename), e))?
                .len();
            emit(
                opts,
                MirrorProgress::Skipped {
                    file: m.filename.clone(),
                },
            );
            zips.push(MirroredZip {
                platform: m.platform.clone(),
                file_name: m.filename.clone(),
                sha256: hex::encode(m.shasum),
                size,
                status: FileStatus::Skipped,
            });
        }
        return Ok(finish(
            provider_s,
            version,
            dir,
            zips,
            &sums_name,
            sig_bytes.as_ref().map(|_| sig_name),
            key_armor.as_ref().map(|_| key_name),
            authentication,
            true,
            &metas,
        ));
    }

    // 5. Stage, download, verify.
    let staging = parent.join(format!(".{dir_name}.tofu-sbom-partial"));
    // The directories this run creates, removed again (when empty) if verification fails.
    let mut created: Vec<PathBuf> = Vec::new();
    for a in staging.ancestors() {
        if tokio::fs::symlink_metadata(a).await.is_ok() {
            break;
        }
        created.push(a.to_path_buf());
    }
    let discard = |staging: PathBuf, created: Vec<PathBuf>| async move {
        let _ = tokio::fs::remove_dir_all(&staging).await;
        for d in created.iter().skip(1) {
            let _ = tokio::fs::remove_dir(d).await;
        }
    };
    tokio::fs::create_dir_all(&staging)
        .await
        .map_err(|e| MirrorError::io("creating", &staging, e))?;
    // Files other than the ones we will write are removed from a reused staging directory.
    clean_staging(&staging, &metas).await?;
    let mut downloaded_bytes = 0u64;
    for m in &metas {
        let staged = staging.join(&m.filename);
        let (status, size) = if let Some(size) = file_matches(&staged, &m.shasum).await? {
            (FileStatus::Skipped, size)
        } else if let Some(size) = file_matches(&dir.join(&m.filename), &m.shasum).await? {
            link_or_copy(&dir.join(&m.filename), &staged).await?;
            (FileStatus::Skipped, size)
        } else {
            emit(
                opts,
                MirrorProgress::DownloadStarted {
                    file: m.filename.clone(),
                },
            );
            let part = staging.join(format!(".{}.part", m.filename));
            let file = m.filename.clone();
            let progress_cb = opts.progress.clone().map(|p| {
                move |bytes: u64| {
                    p(&MirrorProgress::DownloadProgress {
                        file: file.clone(),
                        bytes,
                    });
                }
            });
            let result = client
                .download_to_file(
                    &m.download_url,
                    &part,
                    limits.max_provider_zip,
                    progress_cb
                        .as_ref()
                        .map(|c| c as &(dyn Fn(u64) + Send + Sync)),
                )
                .await;
            let (digest, size) = match result {
                Ok(v) => v,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&part).await;
                    if matches!(e, MirrorError::TooLarge { .. }) {
                        discard(staging.clone(), created.clone()).await;
                    }
                    return Err(e);
                }
            };
            if digest != m.shasum {
                discard(staging.clone(), created.clone()).await;
                return Err(MirrorError::ChecksumMismatch {
                    file: m.filename.clone(),
                    url: display_url(&m.download_url),
                    checksums: sums_name.clone(),
                    expected: hex::encode(m.shasum),
                    actual: hex::encode(digest),
                });
            }
            tokio::fs::rename(&part, &staged)
                .await
                .map_err(|e| MirrorError::io("renaming into", &staged, e))?;
            downloaded_bytes += size;
            emit(
                opts,
                MirrorProgress::Downloaded {
                    file: m.filename.clone(),
                    size,
                },
            );
            (FileStatus::Downloaded, size)
        };
        if status == FileStatus::Skipped {
            emit(
                opts,
                MirrorProgress::Skipped {
                    file: m.filename.clone(),
                },
            );
        }
        zips.push(MirroredZip {
            platform: m.platform.clone(),
            file_name: m.filename.clone(),
            sha256: hex::encode(m.shasum),
            size,
            status,
        });
    }
    for (name, bytes) in &expected_files {
        write_atomic(&staging.join(name), bytes).await?;
    }

    // 6. Read back as a release (the exact shape `publish` reads), then move into place.
    let read_back =
        Release::from_dir(&staging, &limits).map_err(|source| MirrorError::ReleaseReadBack {
            dir: staging.clone(),
            source: Box::new(source),
        })?;
    debug_assert_eq!(read_back.platforms.len(), metas.len());
    replace_dir(&staging, dir, &parent, &dir_name).await?;
    let mut result = finish(
        provider_s,
        version,
        dir,
        zips,
        &sums_name,
        sig_bytes.as_ref().map(|_| sig_name),
        key_armor.as_ref().map(|_| key_name),
        authentication,
        false,
        &metas,
    );
    result.downloaded_bytes = downloaded_bytes;
    Ok(result)
}

fn emit(opts: &MirrorOptions, e: MirrorProgress) {
    if let Some(p) = &opts.progress {
        p(&e);
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    provider: String,
    version: &str,
    dir: &Path,
    mut zips: Vec<MirroredZip>,
    sums_name: &str,
    sig_name: Option<String>,
    key_name: Option<String>,
    authentication: Authentication,
    unchanged: bool,
    metas: &[PackageMeta],
) -> MirroredVersion {
    zips.sort_by(|a, b| a.platform.cmp(&b.platform));
    let downloaded = zips
        .iter()
        .filter(|z| z.status == FileStatus::Downloaded)
        .count();
    let mut protocols: Vec<String> = metas.iter().flat_map(|m| m.protocols.clone()).collect();
    protocols.sort();
    protocols.dedup();
    MirroredVersion {
        provider,
        version: version.to_owned(),
        dir: dir.to_path_buf(),
        skipped: zips.len() - downloaded,
        downloaded,
        zips,
        checksums_file: sums_name.to_owned(),
        signature_file: sig_name,
        signing_key_file: key_name,
        authentication,
        downloaded_bytes: 0,
        unchanged,
        protocols,
        warnings: Vec::new(),
    }
}

/// `Some(size)` when `path` is a file hashing to `sha256`.
async fn file_matches(path: &Path, sha256: &[u8; 32]) -> Result<Option<u64>> {
    let path = path.to_path_buf();
    let expected = *sha256;
    tokio::task::spawn_blocking(move || -> Result<Option<u64>> {
        use sha2::Digest as _;
        use std::io::Read as _;
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(MirrorError::io("reading", &path, e)),
        };
        if !f
            .metadata()
            .map_err(|e| MirrorError::io("reading", &path, e))?
            .is_file()
        {
            return Ok(None);
        }
        let mut h = sha2::Sha256::new();
        let mut buf = vec![0u8; 256 << 10];
        let mut size = 0u64;
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| MirrorError::io("reading", &path, e))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            size += n as u64;
        }
        Ok((h.finalize().as_slice() == expected).then_some(size))
    })
    .await
    .map_err(|e| {
        MirrorError::io(
            "hashing",
            PathBuf::new(),
            std::io::Error::other(e.to_string()),
        )
    })?
}

/// True when `dir` holds exactly the ZIPs (with their hashes) and the other files (byte for byte), and nothing else.
async fn target_is_complete(
    dir: &Path,
    metas: &[PackageMeta],
    files: &[(String, Vec<u8>)],
) -> Result<bool> {
    let mut names = match tokio::fs::read_dir(dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(MirrorError::io("reading", dir, e)),
    };
    let mut present = Vec::new();
    while let Some(entry) = names
        .next_entry()
        .await
        .map_err(|e| MirrorError::io("reading", dir, e))?
    {
        present.push(entry.file_name().to_string_lossy().into_owned());
    }
    present.sort();
    let mut expected: Vec<String> = metas
        .iter()
        .map(|m| m.filename.clone())
        .chain(files.iter().map(|(n, _)| n.clone()))
        .collect();
    expected.sort();
    if present != expected {
        return Ok(false);
    }
    for (name, bytes) in files {
        match tokio::fs::read(dir.join(name)).await {
            Ok(b) if b == *bytes => {}
            Ok(_) => return Ok(false),
            Err(e) => return Err(MirrorError::io("reading", dir.join(name), e)),
        }
    }
    for m in metas {
        if file_matches(&dir.join(&m.filename), &m.shasum)
            .await?
            .is_none()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes everything from a reused staging directory except the ZIPs of this run (they are re-verified).
async fn clean_staging(staging: &Path, metas: &[PackageMeta]) -> Result<()> {
    let mut rd = tokio::fs::read_dir(staging)
        .await
        .map_err(|e| MirrorError::io("reading", staging, e))?;
    while let Some(entry) = rd
        .next_entry()
        .await
        .map_err(|e| MirrorError::io("reading", staging, e))?
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if metas.iter().any(|m| m.filename == name) {
            continue;
        }
        let p = entry.path();
        let r = if entry.file_type().await.is_ok_and(|t| t.is_dir()) {
            tokio::fs::remove_dir_all(&p).await
        } else {
            tokio::fs::remove_file(&p).await
        };
        r.map_err(|e| MirrorError::io("removing", &p, e))?;
    }
    Ok(())
}

async fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    let _ = tokio::fs::remove_file(to).await;
    if tokio::fs::hard_link(from, to).await.is_ok() {
        return Ok(());
    }
    tokio::fs::copy(from, to)
        .await
        .map(drop)
        .map_err(|e| MirrorError::io("copying into", to, e))
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let r = async {
        let mut f = tokio::fs::File::create(&tmp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut f, bytes).await?;
        f.sync_all().await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if let Err(e) = r {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(MirrorError::io("writing", path, e));
    }
    Ok(())
}

/// Moves `staging` onto `dir`: a plain rename when `dir` does not exist; otherwise the old directory is renamed
/// aside first and removed after the new one is in place.
async fn replace_dir(staging: &Path, dir: &Path, parent: &Path, dir_name: &str) -> Result<()> {
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| MirrorError::io("creating", parent, e))?;
    match tokio::fs::symlink_metadata(dir).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => tokio::fs::rename(staging, dir)
            .await
            .map_err(|e| MirrorError::io("renaming into", dir, e)),
        Err(e) => Err(MirrorError::io("reading", dir, e)),
        Ok(_) => {
            let old = parent.join(format!(".{dir_name}.tofu-sbom-old-{}", std::process::id()));
            let _ = tokio::fs::remove_dir_all(&old).await;
            tokio::fs::rename(dir, &old)
                .await
                .map_err(|e| MirrorError::io("renaming aside", dir, e))?;
            if let Err(e) = tokio::fs::rename(staging, dir).await {
                let _ = tokio::fs::rename(&old, dir).await;
                return Err(MirrorError::io("renaming into", dir, e));
            }
            tokio::fs::remove_dir_all(&old)
                .await
                .map_err(|e| MirrorError::io("removing", &old, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        let s = ProviderSource::parse("hashicorp/aws@~> 5.0").unwrap();
        assert_eq!(s.address.to_string(), "registry.opentofu.org/hashicorp/aws");
        assert_eq!(s.constraint.unwrap().to_string(), "~> 5.0");
        let s = ProviderSource::parse("127.0.0.1:8080/acme/demo@1.2.3").unwrap();
        assert_eq!(s.address.host, "127.0.0.1:8080");
        assert!(
            ProviderSource::parse("acme/demo")
                .unwrap()
                .constraint
                .is_none()
        );
        assert_eq!(
            ProviderSource::parse("acme/demo@").unwrap_err().to_string(),
            "invalid provider source \"acme/demo@\": nothing after '@' (expected a version or a constraint such as \"~> 5.0\")"
        );
        assert_eq!(
            ProviderSource::parse("acme@1.0").unwrap_err().to_string(),
            "invalid provider source \"acme@1.0\": invalid provider address \"acme\": expected HOSTNAME/NAMESPACE/TYPE or NAMESPACE/TYPE"
        );
        assert_eq!(
            ProviderSource::parse("acme/demo@v1.0")
                .unwrap_err()
                .to_string(),
            "invalid version constraint \"v1.0\": a \"v\" prefix should not be used when specifying versions"
        );
    }

    #[test]
    fn version_selection() {
        let avail: Vec<Version> = ["1.0.0", "1.1.0", "2.0.0", "2.1.0-rc.1"]
            .iter()
            .map(|v| Version::parse(v).unwrap())
            .collect();
        let got = select_versions(
            "p",
            &avail,
            &[
                Some(Constraints::parse("~> 1.0").unwrap()),
                None,
                Some(Constraints::parse("= 1.1.0").unwrap()),
            ],
        )
        .unwrap();
        assert_eq!(
            got.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["1.1.0", "2.0.0"]
        );
        let e =
            select_versions("p", &avail, &[Some(Constraints::parse(">= 3").unwrap())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no version of p matches \">= 3\" (pre-releases are only selected when named exactly); available: 2.1.0-rc.1, 2.0.0, 1.1.0, 1.0.0"
        );
    }
}
