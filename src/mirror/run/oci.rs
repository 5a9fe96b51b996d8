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
use crate::mirror::lock_hashes;
use crate::mirror::oci_sboms::{self, StoredProvider};
use crate::mirror::selection::{version_refs, with_tag};
use crate::mirror::{MirrorError, Result};
use crate::provider::artifact::{tofurc_for_target, version_for_tag};
use crate::provider::attach::AttachStatus;
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
            out.push(VersionOutcome::planned(
                version_for_tag(&tag.clone().unwrap_or_default()),
                r.to_string(),
                tag.unwrap_or_default(),
                Some(root),
                opts.provider
                    .as_ref()
                    .and_then(|p| tofurc_for_target(&opts.target, p)),
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
    let mut added = Vec::new();
    if let Some(a) = &artifact
        && opts.add_sboms
        && !version.is_empty()
    {
        let provider_type = opts
            .provider
            .as_ref()
            .map(|p| p.provider_type.clone())
            .unwrap_or_else(|| repo_type(&opts.target));
        let attached = oci_sboms::add_missing_sboms(
            &dst,
            a,
            &version,
            &provider_type,
            &opts.formats,
            &opts.sbom,
            &opts.attach_options(),
            &opts.limits,
        )
        .await?;
        added = attached
            .iter()
            .filter(|(_, o)| o.referrers.iter().any(|r| r.status == AttachStatus::Added))
            .map(|(k, _)| k.clone())
            .collect();
    }
    copied_outcome(opts, r, &copied, artifact.as_ref(), &dst, version, added).await
}

/// The provider type a repository's last segment suggests (`…/terraform-provider-aws` or `…/aws`).
fn repo_type(t: &Target) -> String {
    let s = match t {
        Target::Registry(r) => r.repository.clone(),
        Target::Layout(l) => l
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let last = s.rsplit('/').next().unwrap_or(&s);
    last.strip_prefix("terraform-provider-")
        .unwrap_or(last)
        .to_owned()
}

/// The outcome of a copied version: the copy's counts, the provider artifact read back from `dst` and its referrers.
async fn copied_outcome(
    opts: &RunOptions,
    source: &Target,
    c: &CopyOutcome,
    artifact: Option<&StoredProvider>,
    dst: &Store,
    version: String,
    added_sboms: Vec<String>,
) -> Result<VersionOutcome> {
    let referrers = match artifact {
        Some(a) => oci_sboms::referrer_map(dst, a, opts.referrers_mode).await?,
        None => BTreeMap::new(),
    };
    let (copied_refs, skipped_referrers) = match &c.referrers {
        ReferrersOutcome::Copied { count, skipped } => (*count, skipped.clone()),
        ReferrersOutcome::NotCopied => (0, Vec::new()),
    };
    let mut warnings = Vec::new();
    let lock = match (artifact, &opts.provider) {
        (Some(a), Some(p)) if !version.is_empty() => {
            let (mut hashes, unread) =
                lock_hashes::h1_hashes(dst, a, Some(&p.provider_type), &opts.limits).await?;
            warnings = unread;
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
        skipped_referrers,
        tofurc: opts
            .provider
            .as_ref()
            .and_then(|p| tofurc_for_target(&opts.target, p)),
        lockfile: lock,
        warnings,
    })
}
