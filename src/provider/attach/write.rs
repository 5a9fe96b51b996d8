//! Writing prepared referrers of one subject under its lock: find what is already attached, push what is not,
//! update the fallback index (registries without the referrers API), prune older referrers of ours (opt-in).

use crate::provider::media_types::ToolAnnotation as _;
use std::collections::BTreeMap;

use super::{
    AttachOptions, AttachOutcome, AttachStatus, AttachedReferrer, PreparedReferrer, PruneStatus,
    PrunedReferrer,
};
use crate::provider::error::Result;
use crate::registry::RegistryError;
use crate::registry::client::BlobSource;
use crate::registry::digest::Digest;
use crate::registry::lock;
use crate::registry::manifest::{Descriptor, EMPTY_JSON, ImageManifest, decode};
use crate::registry::referrers::{
    self, ListOptions, ReferrerEntry, ReferrersListing, ReferrersMode, ReferrersSource,
};
use crate::registry::store::Store;

/// The lock key of `subject` in `store`.
fn lock_key(store: &Store, subject: &Digest) -> String {
    match store {
        Store::Registry { client, repository } => {
            lock::registry_key(client.registry(), repository, subject.as_str())
        }
        Store::Layout { layout, .. } => lock::layout_key(layout.dir()),
    }
}

/// The layer digest of referrer `digest` (fetched), when it has exactly one layer.
async fn single_layer_digest(
    store: &Store,
    digest: &Digest,
) -> crate::registry::Result<Option<Digest>> {
    let m = store.fetch_manifest(digest).await?;
    let manifest: ImageManifest = decode(&m.bytes, &format!("referrer {digest}"))?;
    Ok(match manifest.layers.as_slice() {
        [l] => Some(l.digest.clone()),
        _ => None,
    })
}

/// Uploads the blobs of `p` that are missing, returning how many were uploaded.
///
/// With `new_referrer` (the subject does not list `p` yet) the file's blob is sent to a registry without asking
/// first: it is unique to this referrer, so it is missing unless an earlier run stopped between the blob and the
/// manifest — then sending it again costs one small upload, while asking first would cost a request on every
/// referrer. The shared empty config is asked for (once per repository and run: [`Store::blob_exists`]).
async fn upload_blobs(store: &Store, p: &PreparedReferrer, new_referrer: bool) -> Result<usize> {
    let config = Descriptor::empty_config();
    let mut n = 0;
    for (digest, bytes) in [
        (&config.digest, EMPTY_JSON.to_vec()),
        (&p.sbom_digest, p.sbom.clone()),
    ] {
        let size = bytes.len() as u64;
        let unasked =
            new_referrer && *digest != config.digest && matches!(store, Store::Registry { .. });
        if unasked || store.blob_exists(digest).await? != Some(size) {
            store
                .put_blob(digest, size, &BlobSource::Bytes(bytes), None)
                .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Pushes the referrer manifest by digest (re-uploading blobs on `MANIFEST_BLOB_UNKNOWN`); returns the uploads made
/// and whether the registry answered `OCI-Subject` for `subject`.
async fn push_referrer(
    store: &Store,
    subject: &Digest,
    p: &PreparedReferrer,
    opts: &AttachOptions,
) -> Result<(usize, bool)> {
    let uploads = upload_blobs(store, p, true).await?;
    let desc = p.descriptor();
    let config = Descriptor::empty_config().digest;
    let (resp, reuploads) = store
        .put_manifest_retrying_blobs(
            &p.manifest,
            &desc,
            None,
            &[&config, &p.sbom_digest],
            opts.blob_unknown_retries,
            || upload_blobs(store, p, false),
        )
        .await?;
    if let Store::Layout { layout, limits } = store {
        layout.add_untagged(&desc, limits.max_registry_response)?;
    }
    Ok((
        uploads + reuploads,
        resp.oci_subject.as_ref() == Some(subject),
    ))
}

/// True for the answers to a manifest DELETE that mean "not allowed here" (a warning when pruning).
fn delete_refused(e: &RegistryError) -> bool {
    match e {
        RegistryError::Denied { .. } => true,
        RegistryError::Registry { status, code, .. } => {
            matches!(status, 403 | 405) || code.as_deref() == Some("UNSUPPORTED")
        }
        _ => false,
    }
}

/// Writes prepared referrers of `subject` (the shared second half of [`super::attach`] and
/// [`super::attach_provenance`]).
pub(super) async fn attach_prepared(
    store: &Store,
    subject: &Descriptor,
    prepared: &[PreparedReferrer],
    opts: &AttachOptions,
) -> Result<AttachOutcome> {
    Ok(attach_prepared_counted(store, subject, prepared, opts)
        .await?
        .0)
}

/// [`attach_prepared`], also returning the blobs uploaded for each prepared referrer (in order), so that one write
/// of several kinds of files can be reported as separate outcomes ([`super::attach_with_provenance`]).
pub(super) async fn attach_prepared_counted(
    store: &Store,
    subject: &Descriptor,
    prepared: &[PreparedReferrer],
    opts: &AttachOptions,
) -> Result<(AttachOutcome, Vec<usize>)> {
    let _guard = lock::lock_subject(&lock_key(store, &subject.digest), &opts.lock).await?;

    let mut listing = referrers::list_referrers(
        store,
        &subject.digest,
        &ListOptions {
            mode: opts.mode,
            artifact_type: None,
        },
    )
    .await?;
    // Our referrers listed under the empty config media type (go-containerregistry's registry) are still ours, of
    // their manifest's type: found present, pruned by type.
    listing.entries = referrers::with_declared_artifact_types(store, listing.entries).await;
    let pushed = push_missing(store, subject, &listing, prepared, opts).await?;
    let out = pushed.referrers;

    // Older referrers of ours to prune: same artifactType as a file of this call, not one kept by this call.
    let prune = own_to_prune(&listing, &out, opts);
    let remove: Vec<Digest> = prune.iter().map(|e| e.digest.clone()).collect();

    let method = if pushed.api_confirmed && opts.mode != ReferrersMode::Tag {
        ReferrersSource::Api
    } else {
        listing.source
    };
    let mut fallback = None;
    if method == ReferrersSource::FallbackTag
        && (!pushed.added.is_empty() || !remove.is_empty())
        && let Store::Registry { client, repository } = store
    {
        fallback = Some(
            referrers::update_fallback(
                client,
                repository,
                &subject.digest,
                &pushed.added,
                &remove,
                &opts.fallback,
            )
            .await?,
        );
    }

    let pruned = delete_pruned(store, prune).await?;

    Ok((
        AttachOutcome {
            subject: subject.clone(),
            method,
            referrers: out,
            fallback,
            pruned,
            uploaded_blobs: pushed.uploaded_blobs,
        },
        pushed.uploads,
    ))
}

/// What [`push_missing`] did.
struct Pushed {
    /// One entry per prepared referrer, in order.
    referrers: Vec<AttachedReferrer>,
    /// Descriptors of the referrer manifests pushed (for the fallback index).
    added: Vec<Descriptor>,
    /// Blobs uploaded.
    uploaded_blobs: usize,
    /// Blobs uploaded for each prepared referrer, in order.
    uploads: Vec<usize>,
    /// Whether the listing came from the referrers API or a manifest PUT answered `OCI-Subject`.
    api_confirmed: bool,
}

/// Pushes every prepared referrer that is not attached yet (same artifactType and layer digest listed, or the same
/// file earlier in this call); the others are reported as already present.
async fn push_missing(
    store: &Store,
    subject: &Descriptor,
    listing: &ReferrersListing,
    prepared: &[PreparedReferrer],
    opts: &AttachOptions,
) -> Result<Pushed> {
    let mut uploaded_blobs = 0;
    let mut api_confirmed = listing.source == ReferrersSource::Api;
    let mut added: Vec<Descriptor> = Vec::new();
    let mut out: Vec<AttachedReferrer> = Vec::new();
    let mut per: Vec<usize> = Vec::with_capacity(prepared.len());
    // Layer digests of listed referrers, fetched at most once each.
    let mut layer_of: BTreeMap<Digest, Option<Digest>> = BTreeMap::new();
    for p in prepared {
        let existing = find_existing(store, listing, p, &mut layer_of).await?;
        // The same file twice in one call.
        let earlier = out
            .iter()
            .find(|r| r.artifact_type == p.artifact_type && r.sbom_digest == p.sbom_digest);
        per.push(0);
        if let Some(e) = existing {
            out.push(AttachedReferrer {
                title: p.title.clone(),
                artifact_type: p.artifact_type.clone(),
                digest: e.digest.clone(),
                size: e.size,
                sbom_digest: p.sbom_digest.clone(),
                sbom_size: p.sbom.len() as u64,
                created: e.created.clone(),
                status: AttachStatus::AlreadyPresent,
            });
            continue;
        }
        if let Some(r) = earlier {
            let r = AttachedReferrer {
                status: AttachStatus::AlreadyPresent,
                title: p.title.clone(),
                ..r.clone()
            };
            out.push(r);
            continue;
        }
        let (uploads, oci_subject) = push_referrer(store, &subject.digest, p, opts).await?;
        uploaded_blobs += uploads;
        if let Some(n) = per.last_mut() {
            *n = uploads;
        }
        // `OCI-Subject` is no reason to skip the fallback tag when consumers refuse the registry's API answer.
        api_confirmed |= oci_subject && listing.api_refused.is_none();
        added.push(p.descriptor());
        out.push(AttachedReferrer {
            title: p.title.clone(),
            artifact_type: p.artifact_type.clone(),
            digest: p.manifest_digest.clone(),
            size: p.manifest.len() as u64,
            sbom_digest: p.sbom_digest.clone(),
            sbom_size: p.sbom.len() as u64,
            created: p.created.clone(),
            status: AttachStatus::Added,
        });
    }
    Ok(Pushed {
        referrers: out,
        added,
        uploaded_blobs,
        uploads: per,
        api_confirmed,
    })
}

/// The listed referrer of `p`'s artifactType whose single layer is `p`'s blob, if any (layer digests are cached in
/// `layer_of`; a listed referrer that no longer exists does not count).
async fn find_existing<'l>(
    store: &Store,
    listing: &'l ReferrersListing,
    p: &PreparedReferrer,
    layer_of: &mut BTreeMap<Digest, Option<Digest>>,
) -> Result<Option<&'l ReferrerEntry>> {
    for e in listing
        .entries
        .iter()
        .filter(|e| e.artifact_type == p.artifact_type)
    {
        let layer = match layer_of.get(&e.digest) {
            Some(l) => l.clone(),
            None => {
                let l = match single_layer_digest(store, &e.digest).await {
                    Ok(l) => l,
                    // A listed referrer that no longer exists does not count as present.
                    Err(RegistryError::NotFound { .. }) => None,
                    Err(err) => return Err(err.into()),
                };
                layer_of.insert(e.digest.clone(), l.clone());
                l
            }
        };
        if layer.as_ref() == Some(&p.sbom_digest) {
            return Ok(Some(e));
        }
    }
    Ok(None)
}

/// With [`AttachOptions::prune_own`]: the listed referrers this tool created with the artifactType of a file of this
/// call, except those this call kept.
fn own_to_prune(
    listing: &ReferrersListing,
    out: &[AttachedReferrer],
    opts: &AttachOptions,
) -> Vec<ReferrerEntry> {
    let mut prune: Vec<ReferrerEntry> = Vec::new();
    if opts.prune_own {
        for e in &listing.entries {
            let kept = out.iter().any(|r| r.digest == e.digest);
            let same_type = out.iter().any(|r| r.artifact_type == e.artifact_type);
            if e.tool().is_some() && same_type && !kept {
                prune.push(e.clone());
            }
        }
    }
    prune
}

/// Deletes the pruned referrer manifests (a registry refusing the DELETE is a warning, not an error).
async fn delete_pruned(store: &Store, prune: Vec<ReferrerEntry>) -> Result<Vec<PrunedReferrer>> {
    let mut pruned = Vec::new();
    for e in prune {
        let status = match store {
            Store::Layout { layout, limits } => {
                layout.remove_untagged(&e.digest, limits.max_registry_response)?;
                PruneStatus::Deleted
            }
            Store::Registry { client, repository } => {
                match client.delete_manifest(repository, &e.digest).await {
                    Ok(()) | Err(RegistryError::NotFound { .. }) => PruneStatus::Deleted,
                    Err(err) if delete_refused(&err) => PruneStatus::DeleteRefused {
                        message: err.to_string(),
                    },
                    Err(err) => return Err(err.into()),
                }
            }
        };
        pruned.push(PrunedReferrer {
            referrer: e,
            status,
        });
    }
    Ok(pruned)
}
