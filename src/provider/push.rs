//! Pushing a provider release: preflight (every ZIP re-hashed against its declared sha256 — a tampered ZIP means
//! nothing at all is pushed), then blobs, platform manifests, the index ([`push_untagged`], all by digest), and last
//! the tags ([`write_tags`], version tag first), so a tag never points at incomplete content. `publish` attaches the
//! SBOMs between the two, so the version tag appears only once its SBOMs are attached. A failure before the version
//! tag is written leaves no tag written or moved; a failure after it is [`ProviderError::PartiallyTagged`]. Existing blobs are detected (`HEAD`) and skipped: re-pushing an unchanged release uploads no
//! blob byte and produces the same digests. Uploads run with bounded concurrency; a dry run returns the plan without
//! writing anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures_util::TryStreamExt as _;
use serde::Serialize;

use crate::provider::artifact::{
    ProviderAddress, ProviderArtifact, ProviderPackage, build_artifact, tofurc_for_target,
    validate_extra_tag,
};
use crate::provider::error::{ProviderError, Result};
use crate::registry::RegistryError;
use crate::registry::client::{BlobSource, ByteProgress};
use crate::registry::digest::{Digest, Sha256Counter};
use crate::registry::manifest::{Descriptor, EMPTY_JSON};
use crate::registry::reference::Target;
use crate::registry::store::Store;

/// A progress event (the CLI draws bars from these).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A ZIP was re-hashed during preflight.
    Verified {
        /// The ZIP file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// A blob already exists at the target and is skipped.
    BlobSkipped {
        /// Blob digest.
        digest: Digest,
        /// Blob size.
        size: u64,
        /// Title (ZIP file name, or `config`).
        title: String,
    },
    /// A blob upload starts.
    BlobStarted {
        /// Blob digest.
        digest: Digest,
        /// Blob size.
        size: u64,
        /// Title.
        title: String,
    },
    /// Bytes of a blob sent so far in the current attempt (may go back to 0 when an attempt restarts).
    BlobProgress {
        /// Blob digest.
        digest: Digest,
        /// Bytes sent.
        sent: u64,
        /// Blob size.
        size: u64,
    },
    /// A blob upload finished.
    BlobDone {
        /// Blob digest.
        digest: Digest,
        /// Blob size.
        size: u64,
    },
    /// A manifest was stored.
    ManifestPushed {
        /// Manifest digest.
        digest: Digest,
        /// `index` or `os_arch`.
        what: String,
    },
    /// A tag now points at the index.
    Tagged {
        /// The tag.
        tag: String,
        /// The index digest.
        digest: Digest,
    },
}

/// Receives progress events.
pub type ProgressFn = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// Options of [`push`].
#[derive(Clone)]
pub struct PushOptions {
    /// Informational tags besides the version tag (e.g. `latest`); must not look like versions.
    pub extra_tags: Vec<String>,
    /// Compute and return the plan; write nothing (blob existence is still checked read-only).
    pub dry_run: bool,
    /// Concurrent blob uploads (at least 1).
    pub concurrency: usize,
    /// Progress events.
    pub progress: Option<ProgressFn>,
    /// Provider address for the `.tofurc` snippet.
    pub provider: Option<ProviderAddress>,
    /// How often a manifest PUT failing with `MANIFEST_BLOB_UNKNOWN` is retried after re-checking its blobs.
    pub blob_unknown_retries: u32,
    /// Blobs this run already uploaded ahead ([`upload_blobs_ahead`], during the scan): planned and reported as
    /// uploaded, not as present, and not sent again (a `HEAD` still confirms each is there).
    pub uploaded_ahead: Vec<Digest>,
}

impl std::fmt::Debug for PushOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushOptions")
            .field("extra_tags", &self.extra_tags)
            .field("dry_run", &self.dry_run)
            .field("concurrency", &self.concurrency)
            .field("provider", &self.provider)
            .field("uploaded_ahead", &self.uploaded_ahead)
            .finish_non_exhaustive()
    }
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            extra_tags: Vec::new(),
            dry_run: false,
            concurrency: 3,
            progress: None,
            provider: None,
            blob_unknown_retries: 3,
            uploaded_ahead: Vec::new(),
        }
    }
}

/// One blob in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedBlob {
    /// Digest.
    pub digest: Digest,
    /// Size.
    pub size: u64,
    /// ZIP file name, or `config` for the empty config blob.
    pub title: String,
    /// Whether it already exists at the target (then it is not uploaded).
    pub exists: bool,
}

/// One manifest in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedManifest {
    /// Digest.
    pub digest: Digest,
    /// Size of the exact bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// `index` or `os_arch`.
    pub what: String,
}

/// What a push does (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushPlan {
    /// The version tag.
    pub tag: String,
    /// Extra tags.
    pub extra_tags: Vec<String>,
    /// Blobs in upload order.
    pub blobs: Vec<PlannedBlob>,
    /// Manifests in push order (platforms, then the index).
    pub manifests: Vec<PlannedManifest>,
}

/// One platform's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformOutcome {
    /// Per-platform manifest digest.
    pub manifest_digest: Digest,
    /// The ZIP layer digest (= the `zh:` lock hash).
    pub layer_digest: Digest,
    /// The ZIP size.
    pub zip_size: u64,
}

/// The result of [`push`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOutcome {
    /// True for a dry run (nothing was written).
    pub dry_run: bool,
    /// The index digest.
    pub index_digest: Digest,
    /// The index size.
    pub index_size: u64,
    /// Per platform, keyed `os_arch`.
    pub platforms: BTreeMap<String, PlatformOutcome>,
    /// `HOST/REPO@sha256:…` (or `oci-layout:DIR@sha256:…`).
    pub pinned_reference: String,
    /// Tags pointing at the index (version tag first).
    pub tags: Vec<String>,
    /// Blobs uploaded.
    pub uploaded_blobs: usize,
    /// Blob bytes uploaded.
    pub uploaded_bytes: u64,
    /// Blobs skipped because they existed.
    pub skipped_blobs: usize,
    /// The `.tofurc` block, when a provider address was given and the target is a registry OpenTofu can reach
    /// (HTTPS).
    pub tofurc: Option<String>,
    /// Why there is no `.tofurc` block although a provider address was given and the target is a registry: we
    /// reached it over plain HTTP, which OpenTofu never speaks ([`tofurc_for_store`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tofurc_unusable: Option<String>,
    /// The plan that was executed.
    pub plan: PushPlan,
}

/// Re-hashes a ZIP (blocking; run on a blocking thread).
fn hash_file(path: &Path) -> Result<(Digest, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| RegistryError::io("reading", path, e))?;
    let mut h = Sha256Counter::new();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| RegistryError::io("reading", path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let size = h.len();
    Ok((h.finish(), size))
}

/// Checks every ZIP on disk against its declared sha256 and size; nothing is pushed if one differs.
pub async fn preflight(pkg: &ProviderPackage, progress: Option<&ProgressFn>) -> Result<()> {
    for z in &pkg.platforms {
        let path = z.path.clone();
        let (digest, size) = tokio::task::spawn_blocking(move || hash_file(&path))
            .await
            .map_err(|e| ProviderError::InvalidPackage {
                reason: format!("hashing task failed: {e}"),
            })??;
        if digest.encoded() != z.sha256.to_ascii_lowercase() {
            return Err(ProviderError::ZipDigestMismatch {
                path: z.path.clone(),
                expected: format!("sha256:{}", z.sha256),
                actual: digest.to_string(),
            });
        }
        if size != z.size {
            return Err(ProviderError::ZipSizeMismatch {
                path: z.path.clone(),
                expected: z.size,
                actual: size,
            });
        }
        if let Some(p) = progress {
            p(&ProgressEvent::Verified {
                path: z.path.clone(),
                size,
            });
        }
    }
    Ok(())
}

struct BlobJob {
    digest: Digest,
    size: u64,
    title: String,
    source: BlobSource,
}

fn blob_jobs(artifact: &ProviderArtifact) -> Vec<BlobJob> {
    let config = Descriptor::empty_config();
    let mut jobs = vec![BlobJob {
        digest: config.digest,
        size: config.size,
        title: "config".into(),
        source: BlobSource::Bytes(EMPTY_JSON.to_vec()),
    }];
    for p in &artifact.platforms {
        let title = p
            .layer
            .annotations
            .values()
            .next()
            .cloned()
            .unwrap_or_else(|| p.platform.os_arch());
        jobs.push(BlobJob {
            digest: p.layer.digest.clone(),
            size: p.layer.size,
            title,
            source: BlobSource::File(p.zip_path.clone()),
        });
    }
    jobs
}

/// The tags a push writes last, once everything they will point at is in place ([`push_untagged`] returns them,
/// [`write_tags`] writes them).
#[derive(Debug, Clone)]
pub struct PendingTags {
    /// The index's exact bytes.
    index_bytes: Vec<u8>,
    /// The index descriptor (what a layout records for each tag).
    index_desc: Descriptor,
    /// The version tag first, then the extra tags.
    tags: Vec<String>,
    /// `HOST/REPO` or `oci-layout:DIR`.
    location: String,
}

impl PendingTags {
    /// The tags to write, version tag first.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }
}

/// Pushes `pkg` to `store` (which was opened for `target`). See the module documentation for the order of writes.
pub async fn push(
    pkg: &ProviderPackage,
    store: &Store,
    target: &Target,
    opts: &PushOptions,
) -> Result<PushOutcome> {
    let (outcome, pending) = push_untagged(pkg, store, target, opts).await?;
    if !outcome.dry_run {
        write_tags(store, &pending, opts).await?;
    }
    Ok(outcome)
}

/// Everything [`push`] writes except the tags: blobs, platform manifests and the index, all by digest. Nothing a user
/// resolves by tag changes; [`write_tags`] makes the release visible. `publish` attaches the SBOMs in between, so the
/// version tag appears only once every SBOM referrer is in place.
pub async fn push_untagged(
    pkg: &ProviderPackage,
    store: &Store,
    target: &Target,
    opts: &PushOptions,
) -> Result<(PushOutcome, PendingTags)> {
    let artifact = build_artifact(pkg)?;
    let extra_tags = checked_tags(pkg, &artifact, target, opts)?;
    let progress = opts.progress.clone();
    let emit = |e: ProgressEvent| {
        if let Some(p) = &progress {
            p(&e);
        }
    };

    preflight(pkg, progress.as_ref()).await?;

    let jobs = blob_jobs(&artifact);
    let plan = plan(store, &jobs, &artifact, extra_tags, opts).await?;
    let mut outcome = planned_outcome(&artifact, plan, target, opts);
    if let Some(p) = &opts.provider {
        (outcome.tofurc, outcome.tofurc_unusable) = tofurc_for_store(store, target, p).await;
    }
    let mut index_desc = artifact.index.descriptor();
    index_desc.artifact_type = crate::provider::media_types::ARTIFACT_TYPE_PROVIDER.to_owned();
    let pending = PendingTags {
        index_bytes: artifact.index.bytes.clone(),
        index_desc,
        tags: outcome.tags.clone(),
        location: store.describe(),
    };
    if opts.dry_run {
        return Ok((outcome, pending));
    }

    // 1. Blobs (bounded concurrency; the first error stops the others and nothing further is written).
    let (uploaded_blobs, uploaded_bytes) =
        upload_missing(store, &jobs, &outcome.plan, opts, &emit).await?;
    outcome.uploaded_blobs = uploaded_blobs;
    outcome.uploaded_bytes = uploaded_bytes;
    push_manifests(store, &artifact, &jobs, &pending.index_desc, opts, &emit).await?;
    Ok((outcome, pending))
}

/// Uploads ZIPs (`(path, digest, size)`, already verified against their `SHA256SUMS` by the caller) as blobs ahead of
/// [`push_untagged`], which then finds them present (`HEAD`) and skips them: `publish` starts this once the release
/// is verified, so the upload overlaps the scan and rendering instead of following them. Writes blobs only — no
/// manifest, no tag — so stopping half-way leaves nothing a user resolves (a re-run reuses what landed). Returns the
/// digests it uploaded (not those already present), for [`PushOptions::uploaded_ahead`].
pub async fn upload_blobs_ahead(
    store: &Store,
    zips: &[(PathBuf, Digest, u64)],
    concurrency: usize,
) -> Result<Vec<Digest>> {
    let uploaded = std::sync::Mutex::new(Vec::new());
    futures_util::stream::iter(zips.iter().map(Ok::<_, ProviderError>))
        .try_for_each_concurrent(concurrency.max(1), |(path, digest, size)| {
            let uploaded = &uploaded;
            async move {
                if store.blob_exists(digest).await? != Some(*size) {
                    store
                        .put_blob(digest, *size, &BlobSource::File(path.clone()), None)
                        .await?;
                    uploaded
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(digest.clone());
                }
                Ok(())
            }
        })
        .await?;
    Ok(uploaded
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Step 4, the tags, version tag first. When the version tag cannot be written nothing was tagged and the error is
/// returned as is; when a later (extra) tag fails, the version tag is live and the error is
/// [`ProviderError::PartiallyTagged`], naming the tags that are live and those that are not.
pub async fn write_tags(store: &Store, pending: &PendingTags, opts: &PushOptions) -> Result<()> {
    let progress = opts.progress.clone();
    let no_jobs: Vec<&BlobJob> = Vec::new();
    for (i, tag) in pending.tags.iter().enumerate() {
        let r = put_manifest_checked(
            store,
            &pending.index_bytes,
            &pending.index_desc,
            Some(tag),
            &no_jobs,
            opts,
            progress.clone(),
        )
        .await;
        if let Err(e) = r {
            if i == 0 {
                return Err(e);
            }
            return Err(ProviderError::PartiallyTagged {
                location: pending.location.clone(),
                digest: pending.index_desc.digest.to_string(),
                live: pending.tags[..i].to_vec(),
                not_written: pending.tags[i..].to_vec(),
                source: Box::new(e),
            });
        }
        if let Some(p) = &progress {
            p(&ProgressEvent::Tagged {
                tag: tag.clone(),
                digest: pending.index_desc.digest.clone(),
            });
        }
    }
    Ok(())
}

/// Refuses a target tag other than the version's and a target digest; returns the extra tags, validated and
/// deduplicated (without the version tag).
fn checked_tags(
    pkg: &ProviderPackage,
    artifact: &ProviderArtifact,
    target: &Target,
    opts: &PushOptions,
) -> Result<Vec<String>> {
    if let Some(t) = target.tag()
        && t != artifact.tag
    {
        return Err(ProviderError::InvalidTag {
            tag: t.to_owned(),
            reason: format!(
                "OpenTofu looks version {} up under tag {:?} only; omit the tag or use it, and add informational tags with --extra-tag",
                pkg.version, artifact.tag
            ),
        });
    }
    if target.digest().is_some() {
        return Err(RegistryError::InvalidReference {
            input: target.to_string(),
            reason: "a push target cannot name a digest (the digest is computed from the release)"
                .into(),
        }
        .into());
    }
    let mut extra_tags = Vec::new();
    for t in &opts.extra_tags {
        validate_extra_tag(t, &artifact.tag)?;
        if *t != artifact.tag && !extra_tags.contains(t) {
            extra_tags.push(t.clone());
        }
    }
    Ok(extra_tags)
}

/// Which blobs exist already, and the manifests that will be written.
async fn plan(
    store: &Store,
    jobs: &[BlobJob],
    artifact: &ProviderArtifact,
    extra_tags: Vec<String>,
    opts: &PushOptions,
) -> Result<PushPlan> {
    let mut planned = Vec::with_capacity(jobs.len());
    for j in jobs {
        let exists = if opts.dry_run {
            store.blob_exists_readonly(&j.digest).await?
        } else {
            store.blob_exists(&j.digest).await?
        };
        planned.push(PlannedBlob {
            digest: j.digest.clone(),
            size: j.size,
            title: j.title.clone(),
            exists: exists == Some(j.size) && !opts.uploaded_ahead.contains(&j.digest),
        });
    }
    let mut manifests: Vec<PlannedManifest> = artifact
        .platforms
        .iter()
        .map(|p| PlannedManifest {
            digest: p.manifest.digest.clone(),
            size: p.manifest.bytes.len() as u64,
            media_type: p.manifest.media_type.to_owned(),
            what: p.platform.os_arch(),
        })
        .collect();
    manifests.push(PlannedManifest {
        digest: artifact.index.digest.clone(),
        size: artifact.index.bytes.len() as u64,
        media_type: artifact.index.media_type.to_owned(),
        what: "index".into(),
    });
    Ok(PushPlan {
        tag: artifact.tag.clone(),
        extra_tags,
        blobs: planned,
        manifests,
    })
}

/// The `.tofurc` block that installs `provider` from `target` as `store` reaches it: `(Some(block), None)`, or
/// `(None, Some(why))` for a registry reached over plain HTTP, which OpenTofu cannot use
/// ([`crate::provider::artifact::tofurc_unusable_over_http`]), or `(None, None)` for an OCI layout.
pub async fn tofurc_for_store(
    store: &Store,
    target: &Target,
    provider: &ProviderAddress,
) -> (Option<String>, Option<String>) {
    if let Store::Registry { client, .. } = store
        && client.scheme().await.ok() == Some("http")
    {
        return (
            None,
            Some(crate::provider::artifact::tofurc_unusable_over_http(
                client.registry(),
            )),
        );
    }
    (tofurc_for_target(target, provider), None)
}

/// The outcome of a push of `plan`, before anything is uploaded (what a dry run returns).
fn planned_outcome(
    artifact: &ProviderArtifact,
    plan: PushPlan,
    target: &Target,
    opts: &PushOptions,
) -> PushOutcome {
    let mut tags = vec![artifact.tag.clone()];
    tags.extend(plan.extra_tags.iter().cloned());
    let platforms = artifact
        .platforms
        .iter()
        .map(|p| {
            (
                p.platform.os_arch(),
                PlatformOutcome {
                    manifest_digest: p.manifest.digest.clone(),
                    layer_digest: p.layer.digest.clone(),
                    zip_size: p.layer.size,
                },
            )
        })
        .collect();
    PushOutcome {
        dry_run: opts.dry_run,
        index_digest: artifact.index.digest.clone(),
        index_size: artifact.index.bytes.len() as u64,
        platforms,
        pinned_reference: target.pinned(&artifact.index.digest),
        tags,
        uploaded_blobs: 0,
        uploaded_bytes: 0,
        skipped_blobs: plan.blobs.iter().filter(|b| b.exists).count(),
        tofurc: opts
            .provider
            .as_ref()
            .and_then(|p| tofurc_for_target(target, p)),
        tofurc_unusable: None,
        plan,
    }
}

/// Uploads the blobs the plan found missing (bounded concurrency); returns how many and their bytes.
async fn upload_missing(
    store: &Store,
    jobs: &[BlobJob],
    plan: &PushPlan,
    opts: &PushOptions,
    emit: &impl Fn(ProgressEvent),
) -> Result<(usize, u64)> {
    let progress = opts.progress.clone();
    let uploaded = AtomicUsize::new(0);
    let uploaded_bytes = AtomicU64::new(0);
    let to_upload: Vec<&BlobJob> = jobs
        .iter()
        .zip(&plan.blobs)
        .filter(|(_, p)| !p.exists)
        .map(|(j, _)| j)
        .collect();
    for (j, p) in jobs.iter().zip(&plan.blobs) {
        if p.exists {
            emit(ProgressEvent::BlobSkipped {
                digest: j.digest.clone(),
                size: j.size,
                title: j.title.clone(),
            });
        }
    }
    futures_util::stream::iter(to_upload.into_iter().map(Ok::<_, ProviderError>))
        .try_for_each_concurrent(opts.concurrency.max(1), |j| {
            let progress = progress.clone();
            let uploaded = &uploaded;
            let uploaded_bytes = &uploaded_bytes;
            async move {
                // Uploaded ahead and confirmed by the plan's HEAD: counted, not sent again.
                let ahead = opts.uploaded_ahead.contains(&j.digest)
                    && store.blob_exists(&j.digest).await? == Some(j.size);
                if !ahead {
                    upload_one(store, j, progress).await?;
                }
                uploaded.fetch_add(1, Ordering::Relaxed);
                uploaded_bytes.fetch_add(j.size, Ordering::Relaxed);
                Ok(())
            }
        })
        .await?;
    Ok((
        uploaded.load(Ordering::Relaxed),
        uploaded_bytes.load(Ordering::Relaxed),
    ))
}

/// 2. The platform manifests by digest, 3. the index by digest (the tags are [`write_tags`]).
async fn push_manifests(
    store: &Store,
    artifact: &ProviderArtifact,
    jobs: &[BlobJob],
    index_desc: &Descriptor,
    opts: &PushOptions,
    emit: &impl Fn(ProgressEvent),
) -> Result<()> {
    let progress = opts.progress.clone();
    // 2. Platform manifests, by digest.
    for p in &artifact.platforms {
        let layer_jobs: Vec<&BlobJob> = jobs
            .iter()
            .filter(|j| j.digest == p.layer.digest || j.title == "config")
            .collect();
        put_manifest_checked(
            store,
            &p.manifest.bytes,
            &p.manifest.descriptor(),
            None,
            &layer_jobs,
            opts,
            progress.clone(),
        )
        .await?;
        emit(ProgressEvent::ManifestPushed {
            digest: p.manifest.digest.clone(),
            what: p.platform.os_arch(),
        });
    }

    // 3. The index by digest.
    let child_jobs: Vec<&BlobJob> = Vec::new();
    put_manifest_checked(
        store,
        &artifact.index.bytes,
        index_desc,
        None,
        &child_jobs,
        opts,
        progress.clone(),
    )
    .await?;
    emit(ProgressEvent::ManifestPushed {
        digest: artifact.index.digest.clone(),
        what: "index".into(),
    });
    Ok(())
}

async fn upload_one(store: &Store, j: &BlobJob, progress: Option<ProgressFn>) -> Result<()> {
    if let Some(p) = &progress {
        p(&ProgressEvent::BlobStarted {
            digest: j.digest.clone(),
            size: j.size,
            title: j.title.clone(),
        });
    }
    let byte_progress: Option<ByteProgress> = progress.clone().map(|p| {
        let digest = j.digest.clone();
        let size = j.size;
        Arc::new(move |sent: u64| {
            p(&ProgressEvent::BlobProgress {
                digest: digest.clone(),
                sent,
                size,
            });
        }) as ByteProgress
    });
    store
        .put_blob(&j.digest, j.size, &j.source, byte_progress)
        .await?;
    if let Some(p) = &progress {
        p(&ProgressEvent::BlobDone {
            digest: j.digest.clone(),
            size: j.size,
        });
    }
    Ok(())
}

/// PUTs a manifest; on `MANIFEST_BLOB_UNKNOWN` re-checks the manifest's blobs, re-uploads missing ones and retries
/// (distribution can lose a just-uploaded blob under concurrent uploads of the same content).
async fn put_manifest_checked(
    store: &Store,
    bytes: &[u8],
    desc: &Descriptor,
    tag: Option<&str>,
    blobs: &[&BlobJob],
    opts: &PushOptions,
    progress: Option<ProgressFn>,
) -> Result<()> {
    let digests: Vec<&Digest> = blobs.iter().map(|j| &j.digest).collect();
    store
        .put_manifest_retrying_blobs(
            bytes,
            desc,
            tag,
            &digests,
            opts.blob_unknown_retries,
            || async {
                let mut n = 0;
                for j in blobs {
                    if store.blob_exists(&j.digest).await? != Some(j.size) {
                        upload_one(store, j, progress.clone()).await?;
                        n += 1;
                    }
                }
                Ok(n)
            },
        )
        .await
        .map(drop)
}
