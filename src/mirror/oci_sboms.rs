//! A copied provider artifact, read back: its platforms and ZIP layers, the referrers each subject carries, and SBOMs
//! added where they are missing (`mirror --add-sboms`, the default).
//!
//! Adding SBOMs: every platform ZIP (the layer blob, verified against its digest on the way) is written into a
//! temporary release directory under its layer title (else `terraform-provider-TYPE_VERSION_OS_ARCH.zip`), with the
//! `SHA256SUMS` referrer of the index beside it when there is one (so the ZIPs are checked against it as `publish`
//! checks a release); the release is scanned, the documents rendered ([`super::provenance::prepare`]) and attached —
//! platform documents to their platform manifests, release-wide ones to the index — to the subjects that carry no
//! SBOM at all. A subject with an SBOM of either kind (ours or another tool's) is left as it is, so no second SBOM
//! of a kind is ever added (Trivy reads only the first).
//!
//! Knows nothing of provider registries or the CLI; [`StoredProvider`] is the artifact as read back, not the one a
//! push builds ([`crate::provider::artifact::ProviderArtifact`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::{MirrorError, Result};
use super::provenance::prepare;
use crate::generate::{SbomOptions, Subject};
use crate::limits::Limits;
use crate::provider::attach::{
    self, ARTIFACT_TYPE_CHECKSUMS, AttachOptions, AttachOutcome, SbomFile,
};
use crate::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_TARGET, MEDIA_TYPE_ZIP_LAYER,
};
use crate::registry::copy::copy_blob;
use crate::registry::digest::Digest;
use crate::registry::layout::LayoutStore;
use crate::registry::manifest::{ANNOTATION_TITLE, Descriptor, ImageIndex, ImageManifest, decode};
use crate::registry::referrers::{self, ARTIFACT_TYPE_CYCLONEDX, ARTIFACT_TYPE_SPDX, ListOptions};
use crate::registry::store::Store;
use crate::sbom::Format;

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
        let m: BTreeMap<String, Digest> = listing
            .entries
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

/// What [`add_missing_sboms`] attached: subject key → outcome.
pub type AddedSboms = Vec<(String, AttachOutcome)>;

/// Adds SBOMs to the subjects of a provider artifact in `store` that have none (module docs). `provider_type` names the
/// ZIPs when their layers carry no title. Returns what was attached (empty when every subject had both kinds).
#[allow(clippy::too_many_arguments)]
pub async fn add_missing_sboms(
    store: &Store,
    artifact: &StoredProvider,
    version: &str,
    provider_type: &str,
    formats: &[Format],
    sbom: &SbomOptions,
    attach_opts: &AttachOptions,
    limits: &Limits,
) -> Result<AddedSboms> {
    let mut lacking: Vec<String> = Vec::new();
    let mut sums: Option<(String, Digest)> = None;
    for (key, digest) in artifact.subjects() {
        let listing = referrers::list_referrers(
            store,
            &digest,
            &ListOptions {
                mode: attach_opts.mode,
                artifact_type: None,
            },
        )
        .await?;
        let has = |t: &str| listing.entries.iter().any(|e| e.artifact_type == t);
        if !has(ARTIFACT_TYPE_CYCLONEDX) && !has(ARTIFACT_TYPE_SPDX) {
            lacking.push(key.clone());
        }
        if key == INDEX_SUBJECT
            && let Some(e) = listing
                .entries
                .iter()
                .find(|e| e.artifact_type == ARTIFACT_TYPE_CHECKSUMS)
        {
            sums = Some((e.title.clone().unwrap_or_default(), e.digest.clone()));
        }
    }
    if lacking.is_empty() {
        return Ok(Vec::new());
    }
    let work = tempfile::Builder::new()
        .prefix("tofu-sbom-add-sboms")
        .tempdir()
        .map_err(|e| MirrorError::io("creating a temporary directory for", "add-sboms", e))?;
    let blobs_dir = work.path().join("blobs");
    let release_dir = work.path().join("release");
    std::fs::create_dir_all(&release_dir)
        .map_err(|e| MirrorError::io("creating", &release_dir, e))?;
    let blobs = LayoutStore::open_or_create(&blobs_dir)?;
    let tmp = Store::Layout {
        layout: blobs.clone(),
        limits: *limits,
    };
    for (os_arch, p) in &artifact.platforms {
        let name = p
            .zip_name
            .clone()
            .unwrap_or_else(|| crate::archive::names::zip_name(provider_type, version, os_arch));
        if name.contains('/') || name.contains('\\') || !name.ends_with(".zip") {
            return Err(MirrorError::Copy {
                reference: format!("layer {}", p.zip_digest),
                reason: format!("its title {name:?} is not a ZIP file name"),
            });
        }
        let desc = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, p.zip_digest.clone(), p.zip_size);
        copy_blob(store, &tmp, &desc, None).await?;
        let dest = release_dir.join(&name);
        std::fs::copy(blobs.blob_path(&p.zip_digest), &dest)
            .map_err(|e| MirrorError::io("writing", &dest, e))?;
    }
    if let Some((title, digest)) = sums
        && !title.is_empty()
        && !title.contains('/')
    {
        let m = store.fetch_manifest(&digest).await?;
        let manifest: ImageManifest = decode(&m.bytes, &format!("referrer {digest}"))?;
        if let [layer] = manifest.layers.as_slice() {
            let bytes = store
                .read_blob(&layer.digest, limits.max_sbom_bytes)
                .await?;
            let dest = release_dir.join(&title);
            std::fs::write(&dest, bytes).map_err(|e| MirrorError::io("writing", &dest, e))?;
        }
    }
    let prepared = prepare(&release_dir, &[], None, formats, sbom, None, limits)?;
    let mut out = Vec::new();
    for (key, digest) in artifact.subjects() {
        if !lacking.contains(&key) {
            continue;
        }
        let files: Vec<SbomFile> = prepared
            .documents
            .iter()
            .filter(|d| match &d.subject {
                Subject::Platform(p) => p.to_string() == key,
                Subject::Release => key == INDEX_SUBJECT,
            })
            .map(|d| SbomFile::from_bytes(d.file_name.clone(), d.bytes.clone()))
            .collect();
        if files.is_empty() {
            continue;
        }
        let subject = attach::subject_descriptor(store, &digest).await?;
        out.push((
            key,
            attach::attach(store, &subject, &files, attach_opts).await?,
        ));
    }
    Ok(out)
}
