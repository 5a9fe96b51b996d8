//! Copying any OCI image/index graph (a provider artifact, for instance) byte for byte between registries and OCI layouts:
//! `HOST/REPO:TAG` or `oci-layout:DIR:TAG` (or `@DIGEST`) to a registry repository or `oci-layout:DIR`.
//!
//! The graph — the tagged index, its platform manifests (nested indexes too, up to [`MAX_DEPTH`] levels), their
//! config and layer blobs — is read first, every manifest verified against its digest and its descriptor's size.
//! Then, in this order, so a tag never points at incomplete content:
//!
//! 1. blobs: skipped when the target has them (same size); mounted (`POST …?mount=&from=`) when source and target
//!    are repositories of the same registry; otherwise streamed from the source, verified against their digest,
//!    and uploaded / written;
//! 2. manifests, children before parents, by digest, skipped when present — the exact source bytes, never
//!    re-serialised (skopeo's rewrite is what breaks provider artifacts);
//! 3. referrers — the extension point [`ReferrersCopier`] (the referrers module plugs in here);
//! 4. the tag, last, skipped when it already points at the root.
//!
//! Re-running an identical copy therefore writes nothing: no blob upload, no manifest `PUT`.
//!
//! Must not know what the graph is (OpenTofu provider, SBOMs) nor the mirror that calls it; errors are
//! [`RegistryError`]s (the mirror wraps them).

pub mod referrers;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures_util::{StreamExt as _, TryStreamExt as _};

/// How many subjects' referrers are copied at once (a provider's usual 7–9 platforms and its index in one wave).
const REFERRERS_CONCURRENCY: usize = 10;
use serde::Serialize;

use crate::registry::client::{BlobSink, BlobSource, ClientOptions};
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    Descriptor, ImageIndex, ImageManifest, MEDIA_TYPE_DOCKER_LIST, MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST, Platform, decode, sniff_media_type,
};
use crate::registry::reference::Target;
use crate::registry::store::Store;
use crate::registry::{RegistryError, Result};

/// How deep indexes may nest (root index → platform manifests is depth 1).
pub const MAX_DEPTH: usize = 4;
/// The most manifests one graph may have.
pub const MAX_MANIFESTS: usize = 10_000;

/// Extension point: copying the referrers (SBOMs, signatures, checksums attached with `subject`) of each copied
/// manifest. [`copy_graph`] calls it for the root and for every child manifest, after all manifests are in place and
/// before the tag is written. Without one, [`CopyOutcome::referrers`] says that none were copied.
pub trait ReferrersCopier: Send + Sync {
    /// Copies every referrer of `subject` (API or fallback tag) from `source` to `target`: how many referrer
    /// manifests were written (0 when all were present) and which listed referrers were skipped.
    fn copy_referrers<'a>(
        &'a self,
        source: &'a Store,
        target: &'a Store,
        subject: &'a Descriptor,
    ) -> Pin<Box<dyn Future<Output = Result<ReferrersCopied>> + Send + 'a>>;
}

/// What a [`ReferrersCopier`] did for one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferrersCopied {
    /// Referrer manifests written.
    pub written: usize,
    /// Referrers the source lists but that were not copied.
    pub skipped: Vec<SkippedReferrer>,
}

/// A referrer the source lists but that was not copied: its manifest is missing from the source (a dangling
/// referrers-list entry, typically left behind when a cleanup job deletes untagged manifests, or an OCI layout's
/// `index.json` entry whose blob is gone). It is never recorded in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedReferrer {
    /// The referrer manifest digest the source lists.
    pub digest: Digest,
    /// The manifest it refers to; `None` (JSON `null`) when unknown: a layout records a referrer's subject only in
    /// the referrer manifest itself, so an entry whose blob is missing could belong to any subject.
    pub subject: Option<Digest>,
    /// Why it was skipped.
    pub reason: String,
}

/// A progress event of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CopyProgress {
    /// A blob is present in the target.
    BlobSkipped {
        /// Its digest.
        digest: Digest,
    },
    /// A blob was mounted from the source repository.
    BlobMounted {
        /// Its digest.
        digest: Digest,
    },
    /// A blob was copied.
    BlobCopied {
        /// Its digest.
        digest: Digest,
        /// Its size.
        size: u64,
    },
    /// A manifest was written.
    ManifestCopied {
        /// Its digest.
        digest: Digest,
    },
    /// The tag was written.
    Tagged {
        /// The tag.
        tag: String,
        /// The root digest.
        digest: Digest,
    },
}

/// Receives progress events.
pub type CopyProgressFn = Arc<dyn Fn(&CopyProgress) + Send + Sync>;

/// Options of a copy.
#[derive(Clone)]
pub struct CopyOptions {
    /// Concurrent blob copies (at least 1).
    pub concurrency: usize,
    /// Progress events.
    pub progress: Option<CopyProgressFn>,
    /// Copies referrers (see [`ReferrersCopier`]); `None`: referrers are not copied.
    pub referrers: Option<Arc<dyn ReferrersCopier>>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            concurrency: 3,
            progress: None,
            referrers: None,
        }
    }
}

impl std::fmt::Debug for CopyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyOptions")
            .field("concurrency", &self.concurrency)
            .field("referrers", &self.referrers.is_some())
            .finish_non_exhaustive()
    }
}

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Written in this run.
    Copied,
    /// Mounted from the source repository of the same registry.
    Mounted,
    /// Already present in the target.
    Skipped,
}

/// One manifest of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopiedManifest {
    /// Digest (verified).
    pub digest: Digest,
    /// Media type.
    pub media_type: String,
    /// `artifactType` of the document, if any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// Size of the exact bytes.
    pub size: u64,
    /// `os_arch` when the parent index names a platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Copied or skipped.
    pub status: ItemStatus,
}

/// One blob of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopiedBlob {
    /// Digest (verified when copied).
    pub digest: Digest,
    /// Size.
    pub size: u64,
    /// Copied, mounted or skipped.
    pub status: ItemStatus,
}

/// Whether referrers were copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReferrersOutcome {
    /// No [`ReferrersCopier`] was configured: referrers were not copied.
    NotCopied,
    /// Referrers were copied by the configured [`ReferrersCopier`].
    Copied {
        /// Referrer manifests written.
        count: usize,
        /// Referrers listed by the source but skipped (in the order met).
        skipped: Vec<SkippedReferrer>,
    },
}

/// The result of a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyOutcome {
    /// The source as given.
    pub source: String,
    /// The target repository or layout.
    pub target: String,
    /// The root manifest.
    pub root: CopiedManifest,
    /// The tag written (or already present), if any.
    pub tag: Option<String>,
    /// True when the tag had to be written (false: it already pointed at the root, or no tag).
    pub tagged: bool,
    /// `HOST/REPO@sha256:…` or `oci-layout:DIR@sha256:…` of the copy.
    pub pinned_reference: String,
    /// Every child manifest (children before parents), root excluded.
    pub manifests: Vec<CopiedManifest>,
    /// Every distinct blob.
    pub blobs: Vec<CopiedBlob>,
    /// Manifests written (root included).
    pub copied_manifests: usize,
    /// Manifests already present (root included).
    pub skipped_manifests: usize,
    /// Blobs uploaded or written.
    pub copied_blobs: usize,
    /// Blobs mounted.
    pub mounted_blobs: usize,
    /// Blobs already present.
    pub skipped_blobs: usize,
    /// Blob bytes copied.
    pub copied_bytes: u64,
    /// Referrers.
    pub referrers: ReferrersOutcome,
}

/// A manifest read from the source.
#[derive(Debug, Clone)]
struct Node {
    desc: Descriptor,
    bytes: Vec<u8>,
    artifact_type: String,
    blobs: Vec<Descriptor>,
}

/// Copies `source` (`HOST/REPO:TAG|@DIGEST` or `oci-layout:DIR:TAG|@DIGEST`) to `target` (a repository, optionally
/// with a tag, or `oci-layout:DIR[:TAG]`). The target tag defaults to the source tag.
pub async fn copy(
    source: &Target,
    target: &Target,
    client: ClientOptions,
    opts: &CopyOptions,
) -> Result<CopyOutcome> {
    if target.digest().is_some() {
        return Err(RegistryError::Copy {
            reference: target.to_string(),
            reason: "a copy target cannot name a digest (the digest is the source's)".into(),
        });
    }
    if source.tag().is_none() && source.digest().is_none() {
        return Err(RegistryError::Copy {
            reference: source.to_string(),
            reason: "the source must name a tag or a digest".into(),
        });
    }
    let src = Store::open(source, client.clone(), false)?;
    // The source graph is read (and verified) before the target is opened: a missing or corrupt source creates
    // nothing, not even an empty layout.
    let graph = read_source(&src, source).await?;
    let dst = Store::open(target, client, true)?;
    let tag = target.tag().or(source.tag());
    let mut outcome = write_graph(&src, source, graph, &dst, tag, opts).await?;
    outcome.pinned_reference = target.pinned(&outcome.root.digest);
    Ok(outcome)
}

/// Like [`copy`], on opened stores. `source_ref` names the root (its digest, else its tag, is used).
/// [`CopyOutcome::pinned_reference`] is left empty (the stores do not know the reference syntax of the target).
pub async fn copy_graph(
    src: &Store,
    source_ref: &Target,
    dst: &Store,
    tag: Option<&str>,
    opts: &CopyOptions,
) -> Result<CopyOutcome> {
    let graph = read_source(src, source_ref).await?;
    write_graph(src, source_ref, graph, dst, tag, opts).await
}

/// The source graph, read and verified.
struct Graph {
    /// Every manifest below the root, children before parents.
    nodes: Vec<Node>,
    /// The root.
    root: Node,
    /// Every distinct blob.
    blobs: Vec<Descriptor>,
}

async fn read_source(src: &Store, source_ref: &Target) -> Result<Graph> {
    // The root descriptor.
    let root_desc = match (source_ref.digest(), source_ref.tag()) {
        (Some(d), _) => {
            let m = src.fetch_manifest(d).await?;
            let media_type = sniff_media_type(&m.bytes).unwrap_or(m.media_type);
            Descriptor::new(&media_type, d.clone(), m.bytes.len() as u64)
        }
        (None, Some(t)) => {
            let r = src.resolve_tag(t).await?;
            let mut d = Descriptor::new(&r.media_type, r.digest, r.size);
            d.artifact_type = r.artifact_type.unwrap_or_default();
            d
        }
        (None, None) => {
            return Err(RegistryError::Copy {
                reference: source_ref.to_string(),
                reason: "the source must name a tag or a digest".into(),
            });
        }
    };
    // Read and verify the whole graph (post-order: children first, root last).
    let mut nodes: Vec<Node> = Vec::new();
    read_graph(src, source_ref, root_desc, 0, &mut nodes).await?;
    let root = nodes.pop().ok_or_else(|| RegistryError::Copy {
        reference: source_ref.to_string(),
        reason: "empty graph".into(),
    })?;
    let mut blobs: Vec<Descriptor> = Vec::new();
    for n in nodes.iter().chain(std::iter::once(&root)) {
        for b in &n.blobs {
            if !blobs.iter().any(|x| x.digest == b.digest) {
                blobs.push(b.clone());
            }
        }
    }
    Ok(Graph { nodes, root, blobs })
}

async fn write_graph(
    src: &Store,
    source_ref: &Target,
    graph: Graph,
    dst: &Store,
    tag: Option<&str>,
    opts: &CopyOptions,
) -> Result<CopyOutcome> {
    let Graph { nodes, root, blobs } = graph;
    // 1. Blobs.
    let blobs_done = write_blobs(src, dst, &blobs, opts).await?;
    // 2. Manifests, children first, then the root, by digest.
    let (mut manifests, copied_manifests, skipped_manifests) =
        write_manifests(dst, &nodes, &root, opts).await?;
    let root_out = manifests.pop().ok_or_else(|| RegistryError::Copy {
        reference: source_ref.to_string(),
        reason: "empty graph".into(),
    })?;
    // 3. Referrers (extension point).
    let referrers = write_referrers(src, dst, &nodes, &root, opts).await?;
    // 4. The tag, last.
    let tagged = match tag {
        Some(t) => write_tag(dst, &root, t, opts).await?,
        None => false,
    };

    let BlobsWritten {
        list: blob_list,
        copied: copied_blobs,
        mounted: mounted_blobs,
        bytes: copied_bytes,
    } = blobs_done;
    let skipped_blobs = blob_list
        .iter()
        .filter(|b| b.status == ItemStatus::Skipped)
        .count();
    Ok(CopyOutcome {
        source: source_ref.to_string(),
        target: dst.describe(),
        pinned_reference: String::new(),
        root: root_out,
        tag: tag.map(str::to_owned),
        tagged,
        manifests,
        blobs: blob_list,
        copied_manifests,
        skipped_manifests,
        copied_blobs,
        mounted_blobs,
        skipped_blobs,
        copied_bytes,
        referrers,
    })
}

fn emit(opts: &CopyOptions, e: CopyProgress) {
    if let Some(p) = &opts.progress {
        p(&e);
    }
}

/// What step 1 wrote.
struct BlobsWritten {
    list: Vec<CopiedBlob>,
    copied: usize,
    mounted: usize,
    bytes: u64,
}

/// Step 1: every blob the target lacks, `opts.concurrency` at a time (skipped when present with the same size).
async fn write_blobs(
    src: &Store,
    dst: &Store,
    blobs: &[Descriptor],
    opts: &CopyOptions,
) -> Result<BlobsWritten> {
    let emit = |e: CopyProgress| emit(opts, e);
    let mount_from = mount_source(src, dst);
    let mut blob_status: Vec<Option<ItemStatus>> = vec![None; blobs.len()];
    for (i, b) in blobs.iter().enumerate() {
        if dst.blob_exists(&b.digest).await? == Some(b.size) {
            blob_status[i] = Some(ItemStatus::Skipped);
            emit(CopyProgress::BlobSkipped {
                digest: b.digest.clone(),
            });
        }
    }
    let copied = AtomicUsize::new(0);
    let mounted = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let statuses: Vec<std::sync::Mutex<Option<ItemStatus>>> = blob_status
        .iter()
        .map(|s| std::sync::Mutex::new(*s))
        .collect();
    {
        let todo: Vec<usize> = (0..blobs.len())
            .filter(|i| blob_status[*i].is_none())
            .collect();
        futures_util::stream::iter(todo.into_iter().map(Ok::<_, RegistryError>))
            .try_for_each_concurrent(opts.concurrency.max(1), |i| {
                let b = &blobs[i];
                let mount_from = mount_from.as_deref();
                let (copied, mounted, bytes, statuses) = (&copied, &mounted, &bytes, &statuses);
                async move {
                    let status = copy_blob(src, dst, b, mount_from).await?;
                    match status {
                        ItemStatus::Mounted => {
                            mounted.fetch_add(1, Ordering::Relaxed);
                            emit(CopyProgress::BlobMounted {
                                digest: b.digest.clone(),
                            });
                        }
                        _ => {
                            copied.fetch_add(1, Ordering::Relaxed);
                            bytes.fetch_add(b.size, Ordering::Relaxed);
                            emit(CopyProgress::BlobCopied {
                                digest: b.digest.clone(),
                                size: b.size,
                            });
                        }
                    }
                    *statuses[i]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(status);
                    Ok(())
                }
            })
            .await?;
    }
    let list: Vec<CopiedBlob> = blobs
        .iter()
        .zip(&statuses)
        .map(|(b, s)| CopiedBlob {
            digest: b.digest.clone(),
            size: b.size,
            status: s
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or(ItemStatus::Copied),
        })
        .collect();
    Ok(BlobsWritten {
        list,
        copied: copied.load(Ordering::Relaxed),
        mounted: mounted.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
    })
}

/// Step 2: the manifests, children first, then the root (last in the returned list), by digest, skipped when
/// present. Returns them with the counts written and skipped.
async fn write_manifests(
    dst: &Store,
    nodes: &[Node],
    root: &Node,
    opts: &CopyOptions,
) -> Result<(Vec<CopiedManifest>, usize, usize)> {
    let mut manifests = Vec::with_capacity(nodes.len());
    let mut copied_manifests = 0;
    let mut skipped_manifests = 0;
    for n in nodes.iter().chain(std::iter::once(root)) {
        let present = dst_manifest_present(dst, &n.desc).await?;
        let status = if present {
            skipped_manifests += 1;
            ItemStatus::Skipped
        } else {
            dst.put_manifest(&n.bytes, &n.desc, None).await?;
            emit(
                opts,
                CopyProgress::ManifestCopied {
                    digest: n.desc.digest.clone(),
                },
            );
            copied_manifests += 1;
            ItemStatus::Copied
        };
        manifests.push(CopiedManifest {
            digest: n.desc.digest.clone(),
            media_type: n.desc.media_type.clone(),
            artifact_type: n.artifact_type.clone(),
            size: n.bytes.len() as u64,
            platform: n.desc.platform.as_ref().map(Platform::os_arch),
            status,
        });
    }
    Ok((manifests, copied_manifests, skipped_manifests))
}

/// Step 3: the referrers extension point, for every manifest.
async fn write_referrers(
    src: &Store,
    dst: &Store,
    nodes: &[Node],
    root: &Node,
    opts: &CopyOptions,
) -> Result<ReferrersOutcome> {
    let Some(r) = &opts.referrers else {
        return Ok(ReferrersOutcome::NotCopied);
    };
    let mut count = 0;
    let mut skipped = Vec::new();
    // Every subject concurrently, the root with its children (as publish attaches): on a target recording referrers
    // with the fallback tag most of each subject's copy is the settle delay after its fallback-index write, which
    // then overlaps across subjects instead of adding up — one settle per copy. The tag is step 4, so nobody resolves
    // the root before all of it is done. Each subject has its own lock and tag; results keep the manifests' order,
    // the root last.
    let results: Vec<_> = futures_util::stream::iter(
        nodes
            .iter()
            .chain(std::iter::once(root))
            .map(|n| r.copy_referrers(src, dst, &n.desc)),
    )
    .buffered(REFERRERS_CONCURRENCY)
    .collect()
    .await;
    let results = results.into_iter().collect::<Result<Vec<_>>>()?;
    for done in results {
        count += done.written;
        // A layout entry of unknown subject is met while listing every subject: report it once.
        for s in done.skipped {
            if !skipped.contains(&s) {
                skipped.push(s);
            }
        }
    }
    Ok(ReferrersOutcome::Copied { count, skipped })
}

/// Step 4: the tag, skipped when it already points at the root. Returns whether it was written.
async fn write_tag(dst: &Store, root: &Node, t: &str, opts: &CopyOptions) -> Result<bool> {
    let current = match dst.resolve_tag(t).await {
        Ok(r) => Some(r.digest),
        Err(RegistryError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    if current.as_ref() == Some(&root.desc.digest) {
        return Ok(false);
    }
    let mut tag_desc = root.desc.clone();
    tag_desc.artifact_type = root.artifact_type.clone();
    tag_desc.platform = None;
    dst.put_manifest(&root.bytes, &tag_desc, Some(t)).await?;
    emit(
        opts,
        CopyProgress::Tagged {
            tag: t.to_owned(),
            digest: root.desc.digest.clone(),
        },
    );
    Ok(true)
}

/// The source repository to mount blobs from: set when source and target are different repositories of the same
/// registry.
pub(super) fn mount_source(src: &Store, dst: &Store) -> Option<String> {
    match (src, dst) {
        (
            Store::Registry {
                client: sc,
                repository: sr,
            },
            Store::Registry {
                client: dc,
                repository: dr,
            },
        ) if sc.registry().eq_ignore_ascii_case(dc.registry()) && sr != dr => Some(sr.clone()),
        _ => None,
    }
}

/// Reads `desc` and everything below it into `out` (children before their parent).
fn read_graph<'a>(
    src: &'a Store,
    source_ref: &'a Target,
    desc: Descriptor,
    depth: usize,
    out: &'a mut Vec<Node>,
) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let err = |reason: String| RegistryError::Copy {
            reference: source_ref.to_string(),
            reason,
        };
        if depth > MAX_DEPTH {
            return Err(err(format!("indexes nest deeper than {MAX_DEPTH} levels")));
        }
        if out.len() >= MAX_MANIFESTS {
            return Err(err(format!(
                "the graph has more than {MAX_MANIFESTS} manifests"
            )));
        }
        let fetched = src.fetch_manifest(&desc.digest).await?;
        if desc.size != 0 && desc.size != fetched.bytes.len() as u64 {
            return Err(err(format!(
                "manifest {} is {} bytes, but its descriptor says {}",
                desc.digest,
                fetched.bytes.len(),
                desc.size
            )));
        }
        let media_type = sniff_media_type(&fetched.bytes)
            .or_else(|| Some(desc.media_type.clone()).filter(|m| !m.is_empty()))
            .unwrap_or(fetched.media_type);
        let what = format!("manifest {}", desc.digest);
        let mut node_desc = desc.clone();
        node_desc.media_type = media_type.clone();
        node_desc.size = fetched.bytes.len() as u64;
        match media_type.as_str() {
            MEDIA_TYPE_INDEX | MEDIA_TYPE_DOCKER_LIST => {
                let index: ImageIndex = decode(&fetched.bytes, &what)?;
                for child in &index.manifests {
                    read_graph(src, source_ref, child.clone(), depth + 1, out).await?;
                }
                out.push(Node {
                    desc: node_desc,
                    artifact_type: index.artifact_type,
                    bytes: fetched.bytes,
                    blobs: Vec::new(),
                });
            }
            MEDIA_TYPE_MANIFEST | MEDIA_TYPE_DOCKER_MANIFEST => {
                let manifest: ImageManifest = decode(&fetched.bytes, &what)?;
                let mut blobs = vec![manifest.config.clone()];
                blobs.extend(manifest.layers.iter().cloned());
                out.push(Node {
                    desc: node_desc,
                    artifact_type: manifest.artifact_type,
                    bytes: fetched.bytes,
                    blobs,
                });
            }
            other => {
                return Err(err(format!(
                    "manifest {} has unsupported media type {other:?}",
                    desc.digest
                )));
            }
        }
        Ok(())
    })
}

async fn dst_manifest_present(dst: &Store, desc: &Descriptor) -> Result<bool> {
    match dst {
        Store::Registry { client, repository } => Ok(client
            .head_manifest(repository, desc.digest.as_str())
            .await?
            .is_some()),
        Store::Layout { layout, .. } => Ok(layout.blob_size(&desc.digest)? == Some(desc.size)),
    }
}

/// Receives a blob into a temporary file.
struct FileSink {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl BlobSink for FileSink {
    fn restart(&mut self) -> Result<()> {
        use std::io::Seek as _;
        self.file
            .set_len(0)
            .and_then(|()| self.file.seek(std::io::SeekFrom::Start(0)).map(drop))
            .map_err(|e| RegistryError::io("truncating", &self.path, e))
    }

    fn write(&mut self, chunk: &[u8]) -> Result<()> {
        use std::io::Write as _;
        self.file
            .write_all(chunk)
            .map_err(|e| RegistryError::io("writing", &self.path, e))
    }
}

/// Copies one blob (mount, or verified stream). Blobs are bounded by [`crate::limits::Limits::max_provider_zip`].
pub(crate) async fn copy_blob(
    src: &Store,
    dst: &Store,
    b: &Descriptor,
    mount_from: Option<&str>,
) -> Result<ItemStatus> {
    if let (Some(from), Store::Registry { client, repository }) = (mount_from, dst)
        && client.mount_blob(repository, &b.digest, from).await?
    {
        return Ok(ItemStatus::Mounted);
    }
    let max = src.limits().max_provider_zip;
    match src {
        Store::Layout { layout, .. } => {
            // Layout → layout: `put_blob_from_file` verifies while copying. Layout → registry: verify first.
            if matches!(dst, Store::Registry { .. }) {
                let size = src.hash_blob(&b.digest, max).await?;
                check_size(b, size)?;
            }
            let path = layout.blob_path(&b.digest);
            dst.put_blob(&b.digest, b.size, &BlobSource::File(path), None)
                .await?;
        }
        Store::Registry { client, repository } => {
            let dir = match dst {
                Store::Layout { layout, .. } => tempfile::Builder::new()
                    .prefix(".tofu-sbom-copy")
                    .tempdir_in(layout.dir()),
                Store::Registry { .. } => {
                    tempfile::Builder::new().prefix("tofu-sbom-copy").tempdir()
                }
            }
            .map_err(|e| RegistryError::io("creating a temporary directory for", "blob copy", e))?;
            let path = dir.path().join(b.digest.encoded());
            let file = std::fs::File::create(&path)
                .map_err(|e| RegistryError::io("creating", &path, e))?;
            let mut sink = FileSink {
                file,
                path: path.clone(),
            };
            let size = client
                .fetch_blob(repository, &b.digest, max, &mut sink)
                .await?;
            check_size(b, size)?;
            drop(sink);
            dst.put_blob(&b.digest, size, &BlobSource::File(path), None)
                .await?;
        }
    }
    Ok(ItemStatus::Copied)
}

fn check_size(b: &Descriptor, size: u64) -> Result<()> {
    if b.size != size {
        return Err(RegistryError::Copy {
            reference: format!("blob {}", b.digest),
            reason: format!("it is {size} bytes, but its descriptor says {}", b.size),
        });
    }
    Ok(())
}
