//! The referrers **fallback tag** (`sha256-<hex>`, distribution-spec v1.1 "Referrers Tag Schema"): reading it (and
//! refusing what must not be touched), the pure merge of entries to add and remove, and the write loop that re-reads
//! and re-applies what a concurrent writer undid. The rules are in the [module docs](super).
//!
//! Must not take the writer lock itself (the caller holds [`super::writer_lock`]) nor decide which entries to remove.

use super::{
    ARTIFACT_TYPE_CYCLONEDX, ARTIFACT_TYPE_SPDX, ARTIFACT_TYPE_SPDX3, FallbackOptions,
    FallbackReport, jitter, location,
};
use crate::registry::client::RegistryClient;
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    Descriptor, ImageIndex, MEDIA_TYPE_INDEX, decode, to_canonical_bytes,
};
use crate::registry::{RegistryError, Result};

/// The sort group of an artifactType in a fallback index: CycloneDX, then SPDX, then SPDX 3, then the rest.
fn group(artifact_type: &str) -> u8 {
    match artifact_type {
        ARTIFACT_TYPE_CYCLONEDX => 0,
        ARTIFACT_TYPE_SPDX => 1,
        ARTIFACT_TYPE_SPDX3 => 2,
        _ => 3,
    }
}

/// The fallback index after removing `remove` and adding `add` (see the module docs for the rules), or `None`
/// when nothing would change. Pure.
pub fn merge_fallback(
    index: &ImageIndex,
    add: &[Descriptor],
    remove: &[Digest],
) -> Option<ImageIndex> {
    let mut manifests: Vec<Descriptor> = index
        .manifests
        .iter()
        .filter(|d| !remove.contains(&d.digest))
        .cloned()
        .collect();
    for d in add {
        if !manifests.iter().any(|m| m.digest == d.digest) {
            manifests.push(d.clone());
        }
    }
    if manifests == index.manifests {
        return None;
    }
    manifests.sort_by_key(|d| group(&d.artifact_type)); // stable: keeps the order within a group
    let mut out = index.clone();
    out.schema_version = 2;
    out.media_type = MEDIA_TYPE_INDEX.to_owned();
    out.manifests = manifests;
    Some(out)
}

/// The current fallback index of `subject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FallbackState {
    /// The index (empty when the tag does not exist).
    pub(crate) index: ImageIndex,
    /// Its digest (`None` when the tag does not exist).
    pub(crate) digest: Option<Digest>,
}

/// Reads the fallback tag of `subject`, refusing what must not be touched (module docs).
pub(crate) async fn read_fallback(
    client: &RegistryClient,
    repo: &str,
    subject: &Digest,
) -> Result<FallbackState> {
    let tag = subject.referrers_tag();
    let refuse = |reason: String| RegistryError::FallbackIndexRefused {
        tag: tag.clone(),
        location: location(client, repo),
        reason,
    };
    let fetched = match client.get_manifest(repo, &tag).await {
        Ok(m) => m,
        Err(RegistryError::NotFound { .. }) => {
            return Ok(FallbackState {
                index: ImageIndex::empty(),
                digest: None,
            });
        }
        Err(e) => return Err(e),
    };
    if &fetched.digest == subject {
        return Err(refuse(format!(
            "it resolves to the subject {subject} itself (this registry aliases sha256-<hex> tags to manifests, as \
             GitLab's does); using it would list the subject's own children as referrers"
        )));
    }
    if fetched.media_type != MEDIA_TYPE_INDEX {
        return Err(refuse(format!(
            "it holds a {:?} document, not an OCI image index",
            fetched.media_type
        )));
    }
    let index: ImageIndex = decode(&fetched.bytes, &format!("fallback index {tag}"))
        .map_err(|e| refuse(format!("it is not a valid OCI image index: {e}")))?;
    if !index.media_type.is_empty() && index.media_type != MEDIA_TYPE_INDEX {
        return Err(refuse(format!(
            "its body says mediaType {:?}",
            index.media_type
        )));
    }
    if index.schema_version != 2 {
        return Err(refuse(format!(
            "its schemaVersion is {}, not 2",
            index.schema_version
        )));
    }
    Ok(FallbackState {
        index,
        digest: Some(fetched.digest),
    })
}

/// Adds `add` to and removes `remove` from the fallback index of `subject`, re-reading after each write and
/// re-applying what a concurrent writer undid (module docs). The caller holds the subject lock and has pushed every
/// manifest in `add` already.
pub(crate) async fn update_fallback(
    client: &RegistryClient,
    repo: &str,
    subject: &Digest,
    add: &[Descriptor],
    remove: &[Digest],
    opts: &FallbackOptions,
) -> Result<FallbackReport> {
    let tag = subject.referrers_tag();
    let mut writes = 0u32;
    loop {
        let cycle = std::time::Instant::now();
        let current = read_fallback(client, repo, subject).await?;
        let Some(next) = merge_fallback(&current.index, add, remove) else {
            return Ok(FallbackReport {
                tag,
                index_digest: current.digest,
                writes,
                repairs: writes.saturating_sub(1),
            });
        };
        if writes >= opts.max_rounds.max(1) {
            let mut missing: Vec<String> = add
                .iter()
                .filter(|d| !current.index.manifests.iter().any(|m| m.digest == d.digest))
                .map(|d| d.digest.to_string())
                .collect();
            missing.extend(
                remove
                    .iter()
                    .filter(|r| current.index.manifests.iter().any(|m| &m.digest == *r))
                    .map(|r| format!("{r} (still listed after removal)")),
            );
            return Err(RegistryError::FallbackIndexLost {
                tag,
                location: location(client, repo),
                missing,
                rounds: writes,
            });
        }
        let (bytes, _) = to_canonical_bytes(&next);
        client
            .put_manifest(repo, &tag, MEDIA_TYPE_INDEX, &bytes)
            .await?;
        writes += 1;
        let settle = opts.settle_for(cycle.elapsed());
        let max_jitter = u64::try_from(settle.as_millis() / 2).unwrap_or(u64::MAX);
        tokio::time::sleep(settle + jitter(max_jitter, writes)).await;
    }
}
