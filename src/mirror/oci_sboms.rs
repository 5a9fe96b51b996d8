//! A copied provider artifact, read back: its platforms and ZIP layers and the referrers each subject carries. SBOMs
//! are added where they are missing by [`super::add_sboms`].
//!
//! Knows nothing of provider registries or the CLI; [`StoredProvider`] is the artifact as read back, not the one a
//! push builds ([`crate::provider::artifact::ProviderArtifact`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::Result;
use crate::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_TARGET, MEDIA_TYPE_ZIP_LAYER,
};
use crate::registry::digest::Digest;
use crate::registry::manifest::{ANNOTATION_TITLE, ImageIndex, ImageManifest, decode};
use crate::registry::referrers::{self, ListOptions};
use crate::registry::store::Store;

/// The subject key of the index (platforms use `os_arch`), as in [`crate::provider::publish::INDEX_SUBJECT`].
pub const INDEX_SUBJECT: &str = crate::provider::publish::INDEX_SUBJECT;

/// One platform of a provider artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactPlatform {
    /// The platform manifest.
    pub manifest_digest: Digest,
    /// The `archive/zip` layer (= the ZIP's sha256 and the `zh:` hash).
    pub zip_digest: Digest,
    /// The layer's size.
    pub zip_size: u64,
    /// The layer title, when annotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_name: Option<String>,
}

/// A provider artifact (an index of `application/vnd.opentofu.provider`) as it is stored, read back from a store:
/// digests and layer sizes only. Not the artifact built for a push ([`crate::provider::artifact::ProviderArtifact`],
/// which holds the manifests to write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredProvider {
    /// The index digest.
    pub index_digest: Digest,
    /// Platforms by `os_arch`.
    pub platforms: BTreeMap<String, ArtifactPlatform>,
}

impl StoredProvider {
    /// The subjects: every platform manifest (`os_arch`) and the index ([`INDEX_SUBJECT`]), platforms first.
    pub fn subjects(&self) -> Vec<(String, Digest)> {
        let mut s: Vec<(String, Digest)> = self
            .platforms
            .iter()
            .map(|(k, p)| (k.clone(), p.manifest_digest.clone()))
            .collect();
        s.push((INDEX_SUBJECT.to_owned(), self.index_digest.clone()));
        s
    }

    /// `zh:<hex>` of every platform, sorted.
    pub fn zh_hashes(&self) -> Vec<String> {
        let mut h: Vec<String> = self
            .platforms
            .values()
            .map(|p| format!("zh:{}", p.zip_digest.encoded()))
            .collect();
        h.sort();
        h.dedup();
        h
    }
}

/// Reads the provider artifact at `index` (`None` when the root is not a provider index).
pub async fn read_provider(store: &Store, index: &Digest) -> Result<Option<StoredProvider>> {
    let fetched = store.fetch_manifest(index).await?;
    let Ok(idx) = decode::<ImageIndex>(&fetched.bytes, &format!("index {index}")) else {
        return Ok(None);
    };
    if idx.artifact_type != ARTIFACT_TYPE_PROVIDER {
        return Ok(None);
    }
    let mut platforms = BTreeMap::new();
    for d in &idx.manifests {
        let Some(platform) = &d.platform else {
            continue;
        };
        if d.artifact_type != ARTIFACT_TYPE_PROVIDER_TARGET {
            continue;
        }
        let m = store.fetch_manifest(&d.digest).await?;
        let manifest: ImageManifest = decode(&m.bytes, &format!("manifest {}", d.digest))?;
        let Some(layer) = manifest
            .layers
            .iter()
            .find(|l| l.media_type == MEDIA_TYPE_ZIP_LAYER)
        else {
            continue;
        };
        platforms.insert(
            platform.os_arch(),
            ArtifactPlatform {
                manifest_digest: d.digest.clone(),
                zip_digest: layer.digest.clone(),
                zip_size: layer.size,
                zip_name: layer.annotations.get(ANNOTATION_TITLE).cloned(),
            },
        );
    }
    Ok(Some(StoredProvider {
        index_digest: index.clone(),
        platforms,
    }))
}

/// Referrers of each subject: subject key → title (else the artifactType) → referrer digest.
pub async fn referrer_map(
    store: &Store,
    artifact: &StoredProvider,
    mode: referrers::ReferrersMode,
) -> Result<BTreeMap<String, BTreeMap<String, Digest>>> {
    let mut out = BTreeMap::new();
    for (key, digest) in artifact.subjects() {
        let listing = referrers::list_referrers(
            store,
            &digest,
            &ListOptions {
                mode,
                artifact_type: None,
            },
        )
        .await?;
        // Entries a registry lists under the empty config media type are keyed by their manifest's type.
        let entries = referrers::with_declared_artifact_types(store, listing.entries).await;
        let m: BTreeMap<String, Digest> = entries
            .iter()
            .map(|e| {
                (
                    e.title.clone().unwrap_or_else(|| e.artifact_type.clone()),
                    e.digest.clone(),
                )
            })
            .collect();
        out.insert(key, m);
    }
    Ok(out)
}
