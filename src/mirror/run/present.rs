//! Incremental mirroring from a provider registry: a selected version whose tag on the target already resolves to a
//! complete provider artifact is not downloaded, verified or pushed again — one tag resolution, the index, its
//! platform manifests and their referrer listings, nothing else. "Complete": every platform the registry lists for the
//! version (or every `--platform` asked for) is in the index, every subject carries an SBOM referrer of each requested
//! format's media type, and the index carries the `SHA256SUMS` referrer a mirror attaches. Anything less (a run that
//! stopped half-way before the tag, another tool's copy without SBOMs) is mirrored again, which re-uses what is there.
//!
//! Knows nothing of the command line or of downloads.

use std::collections::{BTreeMap, BTreeSet};

use super::outcome::{Counts, PlatformDigests};
use super::{RunOptions, VersionOutcome};
use crate::archive::ProviderAddress;
use crate::archive::lockfile::{self, ProviderLock};
use crate::limits::Limits;
use crate::mirror::Result;
use crate::mirror::lock_hashes;
use crate::mirror::oci_sboms::{self, StoredProvider};
use crate::provider::artifact::tag_spelling;
use crate::provider::attach::ARTIFACT_TYPE_CHECKSUMS;
use crate::provider::push::tofurc_for_store;
use crate::provider::sbom_pull::fetch_referrer_sbom;
use crate::registry::digest::Digest;
use crate::registry::referrers::{ListOptions, list_referrers, with_declared_artifact_types};
use crate::registry::store::Store;

/// The outcome of `version` when the target already holds it complete, else `None` (then it is mirrored). `platforms`
/// are the `os_arch` the version must have. Errors reading the target count as "not present": the mirror that follows
/// meets them again and reports them in context.
pub(super) async fn already_present(
    opts: &RunOptions,
    address: &ProviderAddress,
    version: &str,
    platforms: &BTreeSet<String>,
) -> Result<Option<VersionOutcome>> {
    let Ok(dst) = Store::open(&opts.target, opts.client.clone(), false) else {
        return Ok(None);
    };
    let tag = tag_spelling(version);
    let Ok(resolved) = dst.resolve_tag(&tag).await else {
        return Ok(None);
    };
    let Ok(Some(artifact)) = oci_sboms::read_provider(&dst, &resolved.digest).await else {
        return Ok(None);
    };
    let have: BTreeSet<String> = artifact.platforms.keys().cloned().collect();
    if &have != platforms {
        return Ok(None);
    }
    let Some(referrers) = complete_referrers(opts, &dst, &artifact).await else {
        return Ok(None);
    };
    let h1 = match recorded_h1(&dst, &artifact, &referrers, &opts.limits).await {
        Some(h1) => h1,
        // Not recorded (another tool's SBOMs): read the ZIPs; a lock block without h1: breaks `tofu apply` after
        // `tofu init -lockfile=readonly`.
        None => {
            lock_hashes::h1_hashes(&dst, &artifact, Some(&address.provider_type), &opts.limits)
                .await?
                .0
        }
    };
    let tofurc = tofurc_for_store(&dst, &opts.target, address).await;
    Ok(Some(outcome(
        opts, address, version, tag, &artifact, referrers, h1, tofurc,
    )))
}

/// The `h1:` of every platform as our per-platform SBOMs record it (`tofu-sbom:lock:h1`), taken only from a document
/// whose `tofu-sbom:lock:zh` is that platform's layer digest; `None` when any platform has none (then the ZIPs are
/// read instead). A few KB per platform instead of every ZIP.
async fn recorded_h1(
    dst: &Store,
    artifact: &StoredProvider,
    referrers: &BTreeMap<String, BTreeMap<String, Digest>>,
    limits: &Limits,
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for (key, p) in &artifact.platforms {
        let zh = format!("zh:{}", p.zip_digest.encoded());
        let mut found = None;
        for digest in referrers.get(key)?.values() {
            let Ok(f) = fetch_referrer_sbom(dst, digest).await else {
                continue;
            };
            if f.bytes.len() as u64 > limits.max_sbom_bytes {
                continue;
            }
            let Ok(claims) = crate::sbom::zip_claims(&f.bytes, f.summary.kind) else {
                continue;
            };
            if claims.lock_zh.as_deref() == Some(zh.as_str()) && claims.lock_h1.is_some() {
                found = claims.lock_h1;
                break;
            }
        }
        out.push(found?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Subject → title (else artifactType) → digest, when every subject has what a mirror attaches (module docs).
async fn complete_referrers(
    opts: &RunOptions,
    dst: &Store,
    artifact: &StoredProvider,
) -> Option<BTreeMap<String, BTreeMap<String, Digest>>> {
    let mut map = BTreeMap::new();
    for (key, digest) in artifact.subjects() {
        let listing = list_referrers(
            dst,
            &digest,
            &ListOptions {
                mode: opts.referrers_mode,
                artifact_type: None,
            },
        )
        .await
        .ok()?;
        // A registry that lists config media types instead (go-containerregistry's) is read through the manifests.
        let entries = with_declared_artifact_types(dst, listing.entries).await;
        let has = |t: &str| entries.iter().any(|e| e.artifact_type == t);
        if !opts.formats.iter().all(|f| has(f.media_type())) {
            return None;
        }
        if key == oci_sboms::INDEX_SUBJECT && !has(ARTIFACT_TYPE_CHECKSUMS) {
            return None;
        }
        map.insert(
            key,
            entries
                .iter()
                .map(|e| {
                    (
                        e.title.clone().unwrap_or_else(|| e.artifact_type.clone()),
                        e.digest.clone(),
                    )
                })
                .collect(),
        );
    }
    Some(map)
}

#[allow(clippy::too_many_arguments)] // one outcome from the pieces already read; a struct would only rename them
fn outcome(
    opts: &RunOptions,
    address: &ProviderAddress,
    version: &str,
    tag: String,
    artifact: &StoredProvider,
    referrers: BTreeMap<String, BTreeMap<String, Digest>>,
    mut hashes: Vec<String>,
    (tofurc, tofurc_unusable): (Option<String>, Option<String>),
) -> VersionOutcome {
    hashes.extend(artifact.zh_hashes());
    let referrer_count = referrers.values().map(BTreeMap::len).sum();
    VersionOutcome {
        version: version.to_owned(),
        source: format!("{address}@{version}"),
        target: format!("{}@{}", opts.target, artifact.index_digest),
        tag,
        dry_run: false,
        already_present: true,
        signature: None,
        download: None,
        index_digest: Some(artifact.index_digest.clone()),
        platforms: artifact
            .platforms
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
            .collect(),
        copied: Counts::default(),
        skipped: Counts {
            blobs: artifact.platforms.len(),
            bytes: artifact.platforms.values().map(|p| p.zip_size).sum(),
            manifests: Some(artifact.platforms.len() + 1),
            referrers: referrer_count,
        },
        referrers,
        added_sboms: Vec::new(),
        sboms_skipped: Vec::new(),
        skipped_referrers: Vec::new(),
        tofurc,
        tofurc_unusable,
        lockfile: Some(lockfile::render_provider_block(&ProviderLock {
            address: address.clone(),
            version: version.to_owned(),
            constraints: None,
            hashes,
        })),
        warnings: Vec::new(),
        license_warnings: Vec::new(),
    }
}
