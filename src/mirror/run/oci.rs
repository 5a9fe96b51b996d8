//! An OCI source: one tag or digest, or every version tag of a repository ([`crate::mirror::selection`]), copied
//! byte for byte with its referrers ([`crate::registry::copy`]); SBOMs added where a subject has none
//! ([`crate::mirror::oci_sboms`]).
//!
//! Knows nothing of the command line or of provider registries.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::outcome::{Counts, PlatformDigests};
use super::{MirrorEvent, RunOptions, VersionOutcome};
use crate::archive::lockfile::{self, ProviderLock};
use crate::mirror::add_sboms::{AddSbomsRequest, AddedSboms, add_missing_sboms, source_repository};
use crate::mirror::lock_hashes;
use crate::mirror::oci_sboms::{self, StoredProvider};
use crate::mirror::selection::{version_refs, with_tag};
use crate::mirror::{MirrorError, Result};
use crate::provider::artifact::version_for_tag;
use crate::provider::attach::AttachStatus;
use crate::provider::push::tofurc_for_store;
use crate::registry::copy::referrers::StoreReferrersCopier;
use crate::registry::copy::{self, CopyOptions, CopyOutcome, ReferrersOutcome};
use crate::registry::reference::Target;
use crate::registry::referrers::ReferrersMode;
use crate::registry::store::Store;

/// Copies `source` (the tag or digest it names, else every version tag, oldest first) into `opts.target`, each
/// version tagged with itself, and adds SBOMs where a subject has none (`opts.add_sboms`). A dry run resolves the
/// references and stops there.
pub async fn mirror_oci(source: &Target, opts: &RunOptions) -> Result<Vec<VersionOutcome>> {
    let src = Store::open(source, opts.client.clone(), false)?;
    // The tags to copy: the one named, else every tag that is a version.
    let refs = version_refs(&src, source).await?;
    let mut out = Vec::new();
    for r in &refs {
        let tag = r.tag().map(str::to_owned);
        if opts.dry_run {
            let root = match (r.digest(), &tag) {
                (Some(d), _) => d.clone(),
                (None, Some(t)) => src.resolve_tag(t).await?.digest,
                _ => {
                    return Err(MirrorError::NoTagOrDigest {
                        reference: r.to_string(),
                    });
                }
            };
            let tofurc = match &opts.provider {
                Some(p) => {
                    let dst = Store::open(&opts.target, opts.client.clone(), false)?;
                    tofurc_for_store(&dst, &opts.target, p).await
                }
                None => (None, None),
            };
            out.push(VersionOutcome::planned(
                version_for_tag(&tag.clone().unwrap_or_default()),
                r.to_string(),
                tag.unwrap_or_default(),
                Some(root),
                tofurc,
            ));
            continue;
        }
        out.push(copy_version(opts, r, tag).await?);
    }
    Ok(out)
}

/// Copies one reference `r` (tagged `tag` on the target) and adds the SBOMs it lacks.
async fn copy_version(
    opts: &RunOptions,
    r: &Target,
    tag: Option<String>,
) -> Result<VersionOutcome> {
    let copier = StoreReferrersCopier {
        source_mode: ReferrersMode::Auto,
        target_mode: opts.referrers_mode,
        ..StoreReferrersCopier::default()
    };
    let copy_opts = CopyOptions {
        referrers: Some(Arc::new(copier)),
        progress: opts.progress.copy.as_ref().and_then(|f| f()),
        ..CopyOptions::default()
    };
    let target = match &tag {
        Some(t) => with_tag(&opts.target, t)?,
        None => opts.target.clone(),
    };
    opts.emit(MirrorEvent::Copying {
        source: r.clone(),
        target: target.clone(),
    });
    let copied = copy::copy(r, &target, opts.client.clone(), &copy_opts).await?;
    if let ReferrersOutcome::Copied { skipped, .. } = &copied.referrers {
        for s in skipped {
            opts.emit(MirrorEvent::SkippedReferrer {
                source: r.clone(),
                referrer: s.clone(),
            });
        }
    }
    let dst = Store::open(&opts.target, opts.client.clone(), false)?;
    let artifact = oci_sboms::read_provider(&dst, &copied.root.digest).await?;
    let version = version_for_tag(&tag.clone().unwrap_or_default());
    let mut added = AddedSboms::default();
    if let Some(a) = &artifact
        && opts.add_sboms
        && !version.is_empty()
    {
        let source_repository = source_repository(r);
        added = add_missing_sboms(&AddSbomsRequest {
            store: &dst,
            artifact: a,
            version: &version,
            provider_flag: opts.provider.as_ref().map(|p| p.provider_type.as_str()),
            source_repository: source_repository.as_deref(),
            formats: &opts.formats,
            sbom: &opts.sbom,
            attach: &opts.attach_options(),
            limits: &opts.limits,
        })
        .await?;
    }
    copied_outcome(opts, r, &copied, artifact.as_ref(), &dst, version, added).await
}

/// The outcome of a copied version: the copy's counts, the provider artifact read back from `dst` and its referrers.
async fn copied_outcome(
    opts: &RunOptions,
    source: &Target,
    c: &CopyOutcome,
    artifact: Option<&StoredProvider>,
    dst: &Store,
    version: String,
    added: AddedSboms,
) -> Result<VersionOutcome> {
    let added_sboms: Vec<String> = added
        .attached
        .iter()
        .filter(|(_, o)| o.referrers.iter().any(|r| r.status == AttachStatus::Added))
        .map(|(k, _)| k.clone())
        .collect();
    let mut warnings: Vec<String> = added
        .identity
        .iter()
        .flat_map(|i| i.warnings.iter().cloned())
        .collect();
    warnings.extend(added.skipped.iter().map(|s| s.warning()));
    let referrers = match artifact {
        Some(a) => oci_sboms::referrer_map(dst, a, opts.referrers_mode).await?,
        None => BTreeMap::new(),
    };
    let (copied_refs, skipped_referrers) = match &c.referrers {
        ReferrersOutcome::Copied { count, skipped } => (*count, skipped.clone()),
        ReferrersOutcome::NotCopied => (0, Vec::new()),
    };
    let (tofurc, tofurc_unusable) = match &opts.provider {
        Some(p) => tofurc_for_store(dst, &opts.target, p).await,
        None => (None, None),
    };
    let lock = match (artifact, &opts.provider) {
        (Some(a), Some(p)) if !version.is_empty() => {
            let (mut hashes, unread) =
                lock_hashes::h1_hashes(dst, a, Some(&p.provider_type), &opts.limits).await?;
            warnings.extend(unread);
            hashes.extend(a.zh_hashes());
            Some(lockfile::render_provider_block(&ProviderLock {
                address: p.clone(),
                version: version.clone(),
                constraints: None,
                hashes,
            }))
        }
        _ => None,
    };
    Ok(VersionOutcome {
        version,
        source: source.to_string(),
        target: c.pinned_reference.clone(),
        tag: c.tag.clone().unwrap_or_default(),
        dry_run: false,
        already_present: false,
        signature: None,
        download: None,
        index_digest: Some(c.root.digest.clone()),
        platforms: artifact
            .map(|a| {
                a.platforms
                    .iter()
                    .map(|(k, p)| {
                        (
                            k.clone(),
                            PlatformDigests {
                                manifest_digest: p.manifest_digest.clone(),
                                zip_digest: p.zip_digest.clone(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        copied: Counts {
            blobs: c.copied_blobs + c.mounted_blobs,
            bytes: c.copied_bytes,
            manifests: Some(c.copied_manifests),
            referrers: copied_refs,
        },
        skipped: Counts {
            blobs: c.skipped_blobs,
            bytes: 0,
            manifests: Some(c.skipped_manifests),
            referrers: 0,
        },
        referrers,
        added_sboms,
        sboms_skipped: added.skipped,
        skipped_referrers,
        tofurc,
        tofurc_unusable,
        lockfile: lock,
        warnings,
        license_warnings: added.license_warnings,
    })
}
