//! One type over the two places artifacts live: a registry repository ([`RegistryClient`]) and an OCI image layout
//! ([`LayoutStore`]). Push and verify are written once against it.

use std::sync::Arc;

use crate::limits::Limits;
use crate::registry::client::{
    BlobSource, ByteProgress, ClientOptions, DiscardSink, FetchedManifest, PutManifestResponse,
    RegistryClient,
};
use crate::registry::digest::Digest;
use crate::registry::layout::LayoutStore;
use crate::registry::manifest::{Descriptor, sniff_media_type};
use crate::registry::reference::{LAYOUT_PREFIX, Target};
use crate::registry::{RegistryError, Result};

/// A tag resolved to a descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Media type (registry: `Content-Type`; layout: the `index.json` entry).
    pub media_type: String,
    /// Digest.
    pub digest: Digest,
    /// Size in bytes.
    pub size: u64,
    /// Artifact type, when the store can tell at resolve time (layouts can; registries cannot).
    pub artifact_type: Option<String>,
}

/// A registry repository or an OCI layout.
#[derive(Debug, Clone)]
pub enum Store {
    /// A repository in a registry.
    Registry {
        /// The client for its registry.
        client: Arc<RegistryClient>,
        /// The repository name.
        repository: String,
    },
    /// An OCI image layout.
    Layout {
        /// The layout.
        layout: LayoutStore,
        /// Read limits.
        limits: Limits,
    },
}

impl Store {
    /// Opens the store for `target`. A layout is created when `create` is set (push), else it must exist (verify).
    pub fn open(target: &Target, opts: ClientOptions, create: bool) -> Result<Self> {
        match target {
            Target::Registry(r) => Ok(Self::Registry {
                client: match &opts.pool {
                    Some(pool) => pool.registry_client(&r.registry, &r.repository, &opts)?,
                    None => Arc::new(RegistryClient::new(&r.registry, &r.repository, opts)?),
                },
                repository: r.repository.clone(),
            }),
            Target::Layout(l) => {
                let layout = if create {
                    LayoutStore::open_or_create(&l.dir)?
                } else {
                    LayoutStore::open(&l.dir)?
                };
                Ok(Self::Layout {
                    layout,
                    limits: opts.limits,
                })
            }
        }
    }

    /// `HOST/REPO` or `oci-layout:DIR`.
    pub fn describe(&self) -> String {
        match self {
            Self::Registry { client, repository } => format!("{}/{repository}", client.registry()),
            Self::Layout { layout, .. } => format!("{LAYOUT_PREFIX}{}", layout.dir().display()),
        }
    }

    /// The limits responses and blobs are read under (the client's for a registry, the layout's own otherwise).
    pub fn limits(&self) -> &Limits {
        match self {
            Self::Registry { client, .. } => client.limits(),
            Self::Layout { limits, .. } => limits,
        }
    }

    /// `Some(size)` when the blob exists.
    pub async fn blob_exists(&self, digest: &Digest) -> Result<Option<u64>> {
        match self {
            Self::Registry { client, repository } => {
                client
                    .blob_exists(
                        repository,
                        digest,
                        &crate::registry::client::Scope::push(repository),
                    )
                    .await
            }
            Self::Layout { layout, .. } => layout.blob_size(digest),
        }
    }

    /// Forgets what this run learnt about `digest` (registries: [`RegistryClient::forget_blob`]; a layout asks its
    /// directory every time), so the next [`Store::blob_exists`] asks again.
    pub fn forget_blob(&self, digest: &Digest) {
        if let Self::Registry { client, repository } = self {
            client.forget_blob(repository, digest);
        }
    }

    /// Like [`Store::blob_exists`], asking for pull access only (dry runs, verify).
    pub async fn blob_exists_readonly(&self, digest: &Digest) -> Result<Option<u64>> {
        match self {
            Self::Registry { client, repository } => {
                client
                    .blob_exists(
                        repository,
                        digest,
                        &crate::registry::client::Scope::pull(repository),
                    )
                    .await
            }
            Self::Layout { layout, .. } => layout.blob_size(digest),
        }
    }

    /// Uploads / copies a blob.
    pub async fn put_blob(
        &self,
        digest: &Digest,
        size: u64,
        source: &BlobSource,
        progress: Option<ByteProgress>,
    ) -> Result<()> {
        match self {
            Self::Registry { client, repository } => {
                client
                    .upload_blob(repository, digest, size, source, progress)
                    .await
            }
            Self::Layout { layout, .. } => {
                let layout = layout.clone();
                let digest = digest.clone();
                let source = source.clone();
                tokio::task::spawn_blocking(move || match &source {
                    BlobSource::File(path) => {
                        let cb = progress.as_ref().map(|p| move |n: u64| p(n));
                        layout
                            .put_blob_from_file(
                                &digest,
                                path,
                                cb.as_ref().map(|c| c as &dyn Fn(u64)),
                            )
                            .map(drop)
                    }
                    BlobSource::Bytes(b) => layout.put_blob_bytes(&digest, b),
                })
                .await
                .map_err(|e| RegistryError::Layout {
                    path: Default::default(),
                    message: format!("copy task failed: {e}"),
                })?
            }
        }
    }

    /// Stores a manifest's exact bytes, under `tag` when given (else by digest only). `descriptor` is what a layout
    /// records in `index.json` for the tag.
    pub async fn put_manifest(
        &self,
        bytes: &[u8],
        descriptor: &Descriptor,
        tag: Option<&str>,
    ) -> Result<PutManifestResponse> {
        match self {
            Self::Registry { client, repository } => {
                let reference = tag.map_or_else(|| descriptor.digest.to_string(), str::to_owned);
                client
                    .put_manifest(repository, &reference, &descriptor.media_type, bytes)
                    .await
            }
            Self::Layout { layout, limits } => {
                layout.put_blob_bytes(&descriptor.digest, bytes)?;
                if let Some(t) = tag {
                    layout.set_tag(t, descriptor, limits.max_registry_response)?;
                }
                Ok(PutManifestResponse {
                    location: None,
                    digest: Some(descriptor.digest.clone()),
                    oci_subject: None,
                })
            }
        }
    }

    /// PUTs a manifest (under `tag`, else by digest). When the registry calls one of its blobs unknown
    /// (`MANIFEST_BLOB_UNKNOWN`: distribution 2.8 refuses a manifest naming a blob another writer is committing at that
    /// moment, or one lost under concurrent uploads of the same content), waits 50 ms × attempt for that commit to
    /// end, forgets what this run knew of `blobs` ([`Store::forget_blob`]), lets `reupload` check and re-send them,
    /// and tries again — at most `retries` times, then [`RegistryError::ManifestBlobUnknown`]. Returns the answer and
    /// how many blobs `reupload` sent.
    pub async fn put_manifest_retrying_blobs<E, F, Fut>(
        &self,
        bytes: &[u8],
        descriptor: &Descriptor,
        tag: Option<&str>,
        blobs: &[&Digest],
        retries: u32,
        mut reupload: F,
    ) -> std::result::Result<(PutManifestResponse, usize), E>
    where
        E: From<RegistryError>,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<usize, E>>,
    {
        let mut tries = 0;
        let mut sent = 0;
        loop {
            match self.put_manifest(bytes, descriptor, tag).await {
                Ok(resp) => return Ok((resp, sent)),
                Err(e) if e.registry_code() == Some("MANIFEST_BLOB_UNKNOWN") => {
                    tries += 1;
                    if tries > retries {
                        return Err(RegistryError::ManifestBlobUnknown {
                            digest: descriptor.digest.to_string(),
                            message: e.to_string(),
                        }
                        .into());
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(tries)))
                        .await;
                    for d in blobs {
                        self.forget_blob(d);
                    }
                    sent += reupload().await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Resolves a tag as OpenTofu's store does (registry: `HEAD` for Content-Type/digest/size; layout: the
    /// `index.json` entry, with its artifactType).
    pub async fn resolve_tag(&self, tag: &str) -> Result<Resolved> {
        match self {
            Self::Registry { client, repository } => {
                let head = client.head_manifest(repository, tag).await?;
                match head {
                    Some(h)
                        if h.digest.is_some() && h.size.is_some() && !h.media_type.is_empty() =>
                    {
                        Ok(Resolved {
                            media_type: h.media_type,
                            digest: h.digest.unwrap_or_else(|| Digest::sha256_of(b"")),
                            size: h.size.unwrap_or(0),
                            artifact_type: None,
                        })
                    }
                    Some(_) => {
                        let m = client.get_manifest(repository, tag).await?;
                        Ok(Resolved {
                            media_type: m.media_type,
                            size: m.bytes.len() as u64,
                            digest: m.digest,
                            artifact_type: None,
                        })
                    }
                    None => Err(RegistryError::NotFound {
                        what: format!("tag {tag}"),
                        location: self.describe(),
                    }),
                }
            }
            Self::Layout { layout, limits } => {
                let entries = layout.entries_for_tag(tag, limits.max_registry_response)?;
                match entries.as_slice() {
                    [] => Err(RegistryError::NotFound {
                        what: format!("tag {tag}"),
                        location: self.describe(),
                    }),
                    [d] => Ok(Resolved {
                        media_type: d.media_type.clone(),
                        digest: d.digest.clone(),
                        size: d.size,
                        artifact_type: Some(d.artifact_type.clone()).filter(|a| !a.is_empty()),
                    }),
                    _ => Err(RegistryError::Layout {
                        path: layout.dir().to_owned(),
                        message: format!("index.json lists tag {tag:?} {} times", entries.len()),
                    }),
                }
            }
        }
    }

    /// Fetches a manifest by digest (exact bytes, verified against the digest, read under `max_manifest_size`).
    pub async fn fetch_manifest(&self, digest: &Digest) -> Result<FetchedManifest> {
        match self {
            Self::Registry { client, repository } => {
                client.get_manifest(repository, digest.as_str()).await
            }
            Self::Layout { layout, limits } => {
                let bytes = layout.read_blob(digest, limits.max_manifest_size)?;
                Ok(FetchedManifest {
                    media_type: sniff_media_type(&bytes).unwrap_or_default(),
                    digest: digest.clone(),
                    bytes,
                })
            }
        }
    }

    /// True when a manifest with this digest exists (registry: `HEAD`; layout: its blob exists).
    pub async fn manifest_exists(&self, digest: &Digest) -> Result<bool> {
        match self {
            Self::Registry { client, repository } => Ok(client
                .head_manifest(repository, digest.as_str())
                .await?
                .is_some()),
            Self::Layout { layout, .. } => Ok(layout.blob_size(digest)?.is_some()),
        }
    }

    /// Downloads / reads a blob, verifying its digest, at most `max` bytes; returns its size.
    pub async fn hash_blob(&self, digest: &Digest, max: u64) -> Result<u64> {
        match self {
            Self::Registry { client, repository } => {
                client
                    .fetch_blob(repository, digest, max, &mut DiscardSink)
                    .await
            }
            Self::Layout { layout, .. } => {
                let layout = layout.clone();
                let digest = digest.clone();
                tokio::task::spawn_blocking(move || layout.hash_blob(&digest, max))
                    .await
                    .map_err(|e| RegistryError::Layout {
                        path: Default::default(),
                        message: format!("hash task failed: {e}"),
                    })?
            }
        }
    }

    /// Reads a small blob into memory (verified, at most `max` bytes).
    pub async fn read_blob(&self, digest: &Digest, max: u64) -> Result<Vec<u8>> {
        match self {
            Self::Registry { client, repository } => {
                let mut v = Vec::new();
                client.fetch_blob(repository, digest, max, &mut v).await?;
                Ok(v)
            }
            Self::Layout { layout, .. } => layout.read_blob(digest, max),
        }
    }

    /// Every tag (registry tag list; layout `index.json` ref names).
    pub async fn list_tags(&self) -> Result<Vec<String>> {
        match self {
            Self::Registry { client, repository } => client.list_tags(repository).await,
            Self::Layout { layout, limits } => layout.tags(limits.max_registry_response),
        }
    }

    /// The maximum manifest size read.
    pub fn max_manifest_size(&self) -> u64 {
        self.limits().max_manifest_size
    }
}
