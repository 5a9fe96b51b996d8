//! Steps 4 to 6 of mirroring a version, after every check that can be made before downloading has passed: a target
//! that already holds exactly this release is left untouched; otherwise the ZIPs are staged beside the target
//! (reused, linked from the target or downloaded and hashed on the way), the checksums, signature and key written,
//! the staging directory read back as a release and renamed onto the target.
//!
//! Knows nothing of version selection or signature verification (it is handed the verified bytes).

use std::path::{Path, PathBuf};

use super::fetch::Authenticated;
use super::files::{
    clean_staging, file_matches, link_or_copy, replace_dir, target_is_complete, write_atomic,
};
use super::{
    FileStatus, MirrorOptions, MirrorProgress, MirroredVersion, MirroredZip, ReleaseFiles, emit,
};
use crate::archive::release::Release;
use crate::limits::Limits;
use crate::mirror::registry_protocol::{PackageMeta, ProviderRegistryClient, display_url};
use crate::mirror::{MirrorError, Result};

/// What is being written: the version, its verified files and where.
pub(super) struct Job<'a> {
    pub(super) client: &'a ProviderRegistryClient,
    pub(super) provider: String,
    pub(super) version: &'a str,
    pub(super) dir: &'a Path,
    pub(super) metas: &'a [PackageMeta],
    pub(super) names: &'a ReleaseFiles,
    pub(super) auth: Authenticated,
    pub(super) opts: &'a MirrorOptions,
    pub(super) limits: Limits,
}

/// Steps 4 to 6 (module docs).
pub(super) async fn write_release(job: Job<'_>) -> Result<MirroredVersion> {
    let Job {
        client,
        dir,
        metas,
        names,
        opts,
        ..
    } = job;
    let auth = &job.auth;
    // 4. Already complete?
    let parent = dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir_name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("release")
        .to_owned();
    let mut expected_files: Vec<(String, Vec<u8>)> = vec![(names.sums.clone(), auth.sums.clone())];
    if let Some(s) = &auth.sig_bytes {
        expected_files.push((names.sig.clone(), s.clone()));
    }
    if let Some(k) = &auth.key_armor {
        expected_files.push((names.key.clone(), k.clone().into_bytes()));
    }
    if target_is_complete(dir, metas, &expected_files).await? {
        let zips = present_zips(dir, metas, opts).await?;
        return Ok(finish(&job, zips, true));
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
    tokio::fs::create_dir_all(&staging)
        .await
        .map_err(|e| MirrorError::io("creating", &staging, e))?;
    // Files other than the ones we will write are removed from a reused staging directory.
    clean_staging(&staging, metas).await?;
    let mut zips: Vec<MirroredZip> = Vec::with_capacity(metas.len());
    let mut downloaded_bytes = 0u64;
    let stage = Staging {
        client,
        dir,
        staging: &staging,
        created: &created,
        sums_name: &names.sums,
        opts,
        limits: &job.limits,
    };
    for m in metas {
        let (status, size) = stage.zip(m).await?;
        if status == FileStatus::Downloaded {
            downloaded_bytes += size;
        }
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
    let read_back = Release::from_dir(&staging, &job.limits).map_err(|source| {
        MirrorError::ReleaseReadBack {
            dir: staging.clone(),
            source: Box::new(source),
        }
    })?;
    debug_assert_eq!(read_back.platforms.len(), metas.len());
    replace_dir(&staging, dir, &parent, &dir_name).await?;
    let mut result = finish(&job, zips, false);
    result.downloaded_bytes = downloaded_bytes;
    Ok(result)
}

/// The ZIPs of a target that already holds exactly this release (each reported skipped).
async fn present_zips(
    dir: &Path,
    metas: &[PackageMeta],
    opts: &MirrorOptions,
) -> Result<Vec<MirroredZip>> {
    let mut zips: Vec<MirroredZip> = Vec::with_capacity(metas.len());
    for m in metas {
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
    Ok(zips)
}

/// The staging directory of one version, where its ZIPs are put.
struct Staging<'a> {
    client: &'a ProviderRegistryClient,
    dir: &'a Path,
    staging: &'a Path,
    created: &'a [PathBuf],
    sums_name: &'a str,
    opts: &'a MirrorOptions,
    limits: &'a Limits,
}

impl Staging<'_> {
    /// Removes the staging directory and the (then empty) directories this run created.
    async fn discard(&self) {
        let _ = tokio::fs::remove_dir_all(self.staging).await;
        for d in self.created.iter().skip(1) {
            let _ = tokio::fs::remove_dir(d).await;
        }
    }

    /// Puts the ZIP of `m` into the staging directory: kept from an interrupted run, linked from the target, or
    /// downloaded and checked against the signed hash.
    async fn zip(&self, m: &PackageMeta) -> Result<(FileStatus, u64)> {
        let (staging, dir, opts) = (self.staging, self.dir, self.opts);
        let staged = staging.join(&m.filename);
        if let Some(size) = file_matches(&staged, &m.shasum).await? {
            return Ok((FileStatus::Skipped, size));
        }
        if let Some(size) = file_matches(&dir.join(&m.filename), &m.shasum).await? {
            link_or_copy(&dir.join(&m.filename), &staged).await?;
            return Ok((FileStatus::Skipped, size));
        }
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
        let result = self
            .client
            .download_to_file(
                &m.download_url,
                &part,
                self.limits.max_provider_zip,
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
                    self.discard().await;
                }
                return Err(e);
            }
        };
        if digest != m.shasum {
            self.discard().await;
            return Err(MirrorError::ChecksumMismatch {
                file: m.filename.clone(),
                url: display_url(&m.download_url),
                checksums: self.sums_name.to_owned(),
                expected: hex::encode(m.shasum),
                actual: hex::encode(digest),
            });
        }
        tokio::fs::rename(&part, &staged)
            .await
            .map_err(|e| MirrorError::io("renaming into", &staged, e))?;
        emit(
            opts,
            MirrorProgress::Downloaded {
                file: m.filename.clone(),
                size,
            },
        );
        Ok((FileStatus::Downloaded, size))
    }
}

/// The result of a version whose files are in place (`downloaded_bytes` is set by the caller).
fn finish(job: &Job<'_>, mut zips: Vec<MirroredZip>, unchanged: bool) -> MirroredVersion {
    zips.sort_by(|a, b| a.platform.cmp(&b.platform));
    let downloaded = zips
        .iter()
        .filter(|z| z.status == FileStatus::Downloaded)
        .count();
    let mut protocols: Vec<String> = job.metas.iter().flat_map(|m| m.protocols.clone()).collect();
    protocols.sort();
    protocols.dedup();
    MirroredVersion {
        provider: job.provider.clone(),
        version: job.version.to_owned(),
        dir: job.dir.to_path_buf(),
        skipped: zips.len() - downloaded,
        downloaded,
        zips,
        checksums_file: job.names.sums.clone(),
        signature_file: job.auth.sig_bytes.as_ref().map(|_| job.names.sig.clone()),
        signing_key_file: job.auth.key_armor.as_ref().map(|_| job.names.key.clone()),
        authentication: job.auth.authentication.clone(),
        downloaded_bytes: 0,
        unchanged,
        protocols,
        warnings: Vec::new(),
    }
}
