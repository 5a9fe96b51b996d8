//! The [`ReferrersCopier`] of [`super`]: every referrer of every copied manifest (SBOMs, the provider's
//! `SHA256SUMS` and signature, anything else attached with `subject`), copied byte for byte.
//!
//! For each subject:
//! 1. the source's referrers are listed with the source's [`ReferrersMode`] (API, or the `sha256-<hex>` fallback tag
//!    on registries without it; `index.json` in a layout);
//! 2. each referrer manifest is fetched and verified against its digest; its blobs are copied (skipped when
//!    present, mounted within one registry, otherwise streamed and verified — the same path as the graph's blobs);
//!    the manifest is written by digest with its exact bytes, so every referrer digest is preserved. A listed
//!    referrer whose manifest the source does not have (a dangling entry: GHCR-style cleanup jobs delete untagged
//!    manifests but leave the fallback index alone) is skipped and reported ([`SkippedReferrer`]), never recorded
//!    in the target; a manifest that exists but does not hash to its digest stays an error. In an OCI layout
//!    source, an `index.json` entry whose manifest blob is missing cannot be attributed to a subject (the subject is
//!    recorded only inside that manifest): it is skipped and reported once, with an unknown subject;
//! 3. referrers of referrers (a signature of an SBOM) are copied the same way, up to [`MAX_REFERRER_DEPTH`] levels;
//! 4. the target records them with the *target's* mode: nothing more on a registry with the referrers API (it
//!    indexes the `subject` itself), the fallback tag on one without (the index is merged, never replaced, so
//!    referrers already there are kept), `index.json` in a layout.
//!
//! Writes happen under the target subject's lock ([`crate::registry::referrers::writer_lock`]), as `attach` writes. Re-running writes
//! nothing: present manifests and blobs are skipped, and an unchanged fallback index is not re-written.

use std::future::Future;
use std::pin::Pin;

use super::{ReferrersCopied, ReferrersCopier, SkippedReferrer, copy_blob, mount_source};
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    Descriptor, ImageIndex, ImageManifest, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST, decode,
    sniff_media_type,
};
use crate::registry::referrers::writer_lock::{self as lock, LockOptions};
use crate::registry::referrers::{
    self, FallbackOptions, ListOptions, ReferrersMode, ReferrersSource, UnreadableEntry,
};
use crate::registry::store::Store;
use crate::registry::{RegistryError, Result};

/// A boxed future (recursion).
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How deep referrers of referrers are followed (1: only the subject's own referrers).
pub const MAX_REFERRER_DEPTH: usize = 3;
/// The most referrers copied for one subject.
pub const MAX_REFERRERS_PER_SUBJECT: usize = 1000;

/// Copies referrers between stores (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct StoreReferrersCopier {
    /// How the source's referrers are discovered.
    pub source_mode: ReferrersMode,
    /// How the target records them.
    pub target_mode: ReferrersMode,
    /// Fallback index writing on the target.
    pub fallback: FallbackOptions,
    /// The target subject lock.
    pub lock: LockOptions,
}

impl ReferrersCopier for StoreReferrersCopier {
    fn copy_referrers<'a>(
        &'a self,
        source: &'a Store,
        target: &'a Store,
        subject: &'a Descriptor,
    ) -> Pin<Box<dyn Future<Output = Result<ReferrersCopied>> + Send + 'a>> {
        Box::pin(self.copy_subject(source, target, subject.digest.clone(), 1))
    }
}

impl StoreReferrersCopier {
    fn copy_subject<'a>(
        &'a self,
        src: &'a Store,
        dst: &'a Store,
        subject: Digest,
        depth: usize,
    ) -> Pin<Box<dyn Future<Output = Result<ReferrersCopied>> + Send + 'a>> {
        Box::pin(async move {
            let listing = referrers::list_referrers(
                src,
                &subject,
                &ListOptions {
                    mode: self.source_mode,
                    artifact_type: None,
                },
            )
            .await?;
            // Layout entries whose manifest blob is missing: they may or may not refer to `subject` (module docs).
            let mut skipped: Vec<SkippedReferrer> = listing
                .unreadable
                .iter()
                .map(|u| SkippedReferrer {
                    digest: u.digest.clone(),
                    subject: None,
                    reason: unreadable_reason(u),
                })
                .collect();
            if listing.entries.is_empty() {
                return Ok(ReferrersCopied {
                    written: 0,
                    skipped,
                });
            }
            if listing.entries.len() > MAX_REFERRERS_PER_SUBJECT {
                return Err(RegistryError::Copy {
                    reference: format!("referrers of {subject}"),
                    reason: format!("more than {MAX_REFERRERS_PER_SUBJECT} referrers"),
                });
            }
            let key = match dst {
                Store::Registry { client, repository } => {
                    lock::registry_key(client.registry(), repository, subject.as_str())
                }
                Store::Layout { layout, .. } => lock::layout_key(layout.dir()),
            };
            let mut written = 0usize;
            let mut record: Vec<Descriptor> = Vec::new();
            let mut api_confirmed = false;
            let method;
            {
                let _guard = lock::lock_subject(&key, &self.lock).await?;
                let present = referrers::list_referrers(
                    dst,
                    &subject,
                    &ListOptions {
                        mode: self.target_mode,
                        artifact_type: None,
                    },
                )
                .await?;
                api_confirmed |= present.source == ReferrersSource::Api;
                let mount_from = mount_source(src, dst);
                for entry in &listing.entries {
                    let fetched = match src.fetch_manifest(&entry.digest).await {
                        Ok(f) => f,
                        Err(e @ RegistryError::NotFound { .. }) => {
                            skipped.push(SkippedReferrer {
                                digest: entry.digest.clone(),
                                subject: Some(subject.clone()),
                                reason: format!(
                                    "{e} (a dangling entry of the source's referrers list)"
                                ),
                            });
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    let (desc, n, confirmed) = copy_fetched(
                        src,
                        dst,
                        &entry.digest,
                        &fetched.bytes,
                        &subject,
                        mount_from.as_deref(),
                        0,
                    )
                    .await?;
                    written += n;
                    // Not when consumers refuse the registry's API answer: they read only the fallback tag.
                    api_confirmed |= confirmed && present.api_refused.is_none();
                    if !present.entries.iter().any(|e| e.digest == entry.digest) {
                        if let Store::Layout { layout, limits } = dst {
                            layout.add_untagged(&desc, limits.max_registry_response)?;
                        }
                        record.push(desc);
                    }
                }
                method = if api_confirmed && self.target_mode != ReferrersMode::Tag {
                    ReferrersSource::Api
                } else {
                    present.source
                };
                if method == ReferrersSource::FallbackTag
                    && !record.is_empty()
                    && let Store::Registry { client, repository } = dst
                {
                    referrers::update_fallback(
                        client,
                        repository,
                        &subject,
                        &record,
                        &[],
                        &self.fallback,
                    )
                    .await?;
                }
            }
            if depth < MAX_REFERRER_DEPTH {
                for entry in &listing.entries {
                    if skipped.iter().any(|s| s.digest == entry.digest) {
                        continue;
                    }
                    let below = self
                        .copy_subject(src, dst, entry.digest.clone(), depth + 1)
                        .await?;
                    written += below.written;
                    for s in below.skipped {
                        if !skipped.contains(&s) {
                            skipped.push(s);
                        }
                    }
                }
            }
            Ok(ReferrersCopied { written, skipped })
        })
    }
}

/// Why a layout entry whose manifest blob is missing was skipped (the same text for every subject listed, so that
/// it is reported once).
fn unreadable_reason(u: &UnreadableEntry) -> String {
    let tagged = match &u.ref_name {
        Some(t) => format!(", tagged {t:?}"),
        None => String::new(),
    };
    format!(
        "{} (an index.json entry of the source{tagged} whose manifest blob is missing; which subject it refers to \
         cannot be read)",
        u.reason
    )
}

/// The referrers-list descriptor of a manifest: media type, digest, size, `artifactType` (else the config media
/// type) and every annotation — what the distribution spec says a referrers list records.
fn listing_descriptor(bytes: &[u8], digest: &Digest) -> Result<Descriptor> {
    let what = format!("referrer {digest}");
    let media_type = sniff_media_type(bytes).unwrap_or_default();
    let mut d = Descriptor::new(&media_type, digest.clone(), bytes.len() as u64);
    match media_type.as_str() {
        MEDIA_TYPE_INDEX => {
            let index: ImageIndex = decode(bytes, &what)?;
            d.artifact_type = index.artifact_type;
            d.annotations = index.annotations;
        }
        _ => {
            let m: ImageManifest = decode(bytes, &what)?;
            d.artifact_type = if m.artifact_type.is_empty() {
                m.config.media_type.clone()
            } else {
                m.artifact_type
            };
            d.annotations = m.annotations;
        }
    }
    Ok(d)
}

/// Copies one referrer manifest (and, for an index, its children) with its blobs; returns its listing descriptor,
/// the manifests written and whether the target answered `OCI-Subject` for `subject`.
fn copy_manifest<'a>(
    src: &'a Store,
    dst: &'a Store,
    digest: &'a Digest,
    subject: &'a Digest,
    mount_from: Option<&'a str>,
    depth: usize,
) -> BoxFuture<'a, Result<(Descriptor, usize, bool)>> {
    Box::pin(async move {
        let fetched = src.fetch_manifest(digest).await?;
        copy_fetched(src, dst, digest, &fetched.bytes, subject, mount_from, depth).await
    })
}

/// [`copy_manifest`] with the manifest's bytes already fetched (verified against `digest` here).
fn copy_fetched<'a>(
    src: &'a Store,
    dst: &'a Store,
    digest: &'a Digest,
    bytes: &'a [u8],
    subject: &'a Digest,
    mount_from: Option<&'a str>,
    depth: usize,
) -> BoxFuture<'a, Result<(Descriptor, usize, bool)>> {
    Box::pin(async move {
        digest.verify_bytes(bytes, || format!("referrer manifest {digest}"))?;
        let desc = listing_descriptor(bytes, digest)?;
        let mut written = 0;
        match desc.media_type.as_str() {
            MEDIA_TYPE_MANIFEST => {
                let m: ImageManifest = decode(bytes, &format!("referrer {digest}"))?;
                for b in std::iter::once(&m.config).chain(m.layers.iter()) {
                    if dst.blob_exists(&b.digest).await? != Some(b.size) {
                        copy_blob(src, dst, b, mount_from).await?;
                    }
                }
            }
            MEDIA_TYPE_INDEX if depth < 2 => {
                let index: ImageIndex = decode(bytes, &format!("referrer {digest}"))?;
                for child in &index.manifests {
                    let (_, n, _) =
                        copy_manifest(src, dst, &child.digest, subject, mount_from, depth + 1)
                            .await?;
                    written += n;
                }
            }
            other => {
                return Err(RegistryError::Copy {
                    reference: format!("referrer {digest}"),
                    reason: format!("unsupported media type {other:?}"),
                });
            }
        }
        let mut confirmed = false;
        if !dst.manifest_exists(digest).await? {
            let resp = dst.put_manifest(bytes, &desc, None).await?;
            confirmed = resp.oci_subject.as_ref() == Some(subject);
            written += 1;
        }
        Ok((desc, written, confirmed))
    })
}
