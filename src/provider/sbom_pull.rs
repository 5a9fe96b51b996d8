//! Fetching the SBOMs attached to a provider: the scan path that works with every Trivy version
//! (`tofu-sbom sbom pull … -o x.cdx.json && trivy sbom x.cdx.json`), and the stored bytes `verify --release` compares.
//!
//! The subject is the provider index a reference resolves to (its release-wide SBOM), or — with a platform — the
//! per-platform manifest the index lists for that `os_arch`. Among the subject's referrers of the requested kind,
//! the one to pull is: the one named by digest, else the only one, else the only one this tool created, else the one
//! with the latest `created` annotation; a remaining tie is an error listing the candidates. CycloneDX documents of
//! different `specVersion`s (`publish --format cyclonedx-json,cyclonedx-json@1.5` attaches a 1.6 and a 1.5 one) are
//! told apart by reading them: [`PullOptions::spec_version`] picks one, else the newest specVersion wins.
//!
//! The referrer must have the SBOM referrer shape (exactly one layer, layer media type = `artifactType`); the layer is
//! read under [`crate::limits::Limits::max_sbom_bytes`], its digest verified, and it must parse as the kind its
//! `artifactType` announces.

use serde::Serialize;

use crate::provider::attach::{SbomKind, resolve_subject};
use crate::provider::error::{ProviderError, Result};
use crate::provider::media_types::{ARTIFACT_TYPE_PROVIDER_TARGET, ToolAnnotation as _};
use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    Descriptor, ImageIndex, ImageManifest, MEDIA_TYPE_MANIFEST, decode,
};
use crate::registry::reference::Target;
use crate::registry::referrers::{
    ListOptions, ReferrerEntry, ReferrersMode, declared_artifact_types, list_referrers,
};
use crate::registry::store::Store;
use crate::sbom::{self, SbomSummary};

/// Options of [`pull_sbom`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullOptions {
    /// Which SBOM.
    pub kind: SbomKind,
    /// `os_arch`: the platform manifest's SBOM instead of the index's.
    pub platform: Option<String>,
    /// Referrers discovery.
    pub mode: ReferrersMode,
    /// Pull exactly this referrer (it must be attached to the subject).
    pub referrer: Option<Digest>,
    /// CycloneDX only: exactly this `specVersion` (`1.6`, `1.5`); `None`: the newest one attached.
    pub spec_version: Option<String>,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            kind: SbomKind::CycloneDx,
            platform: None,
            mode: ReferrersMode::Auto,
            referrer: None,
            spec_version: None,
        }
    }
}

/// An SBOM read back from a referrer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedSbom {
    /// The referrer manifest.
    pub manifest: ImageManifest,
    /// The SBOM bytes (digest-verified).
    pub bytes: Vec<u8>,
    /// What `crate::sbom::read` found in them.
    pub summary: SbomSummary,
}

/// The result of [`pull_sbom`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PulledSbom {
    /// The subject the SBOM is attached to.
    pub subject: Descriptor,
    /// The referrer pulled.
    pub referrer: ReferrerEntry,
    /// The SBOM layer digest.
    pub sbom_digest: Digest,
    /// The SBOM bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

fn invalid(store: &Store, digest: &Digest, reason: String) -> ProviderError {
    ProviderError::InvalidReferrer {
        digest: digest.to_string(),
        location: store.describe(),
        reason,
    }
}

/// Fetches referrer `digest`, checks its SBOM referrer shape, and reads and parses its layer (module docs).
pub async fn fetch_referrer_sbom(store: &Store, digest: &Digest) -> Result<FetchedSbom> {
    let m = store.fetch_manifest(digest).await?;
    let manifest: ImageManifest = decode(&m.bytes, &format!("referrer {digest}"))
        .map_err(|e| invalid(store, digest, e.to_string()))?;
    if manifest.media_type != MEDIA_TYPE_MANIFEST {
        return Err(invalid(
            store,
            digest,
            format!(
                "its mediaType is {:?}, not an image manifest",
                manifest.media_type
            ),
        ));
    }
    let layer = match manifest.layers.as_slice() {
        [l] => l.clone(),
        other => {
            return Err(invalid(
                store,
                digest,
                format!(
                    "it has {} layers, an SBOM referrer has exactly one",
                    other.len()
                ),
            ));
        }
    };
    if layer.media_type != manifest.artifact_type {
        return Err(invalid(
            store,
            digest,
            format!(
                "its layer media type {:?} differs from its artifactType {:?}",
                layer.media_type, manifest.artifact_type
            ),
        ));
    }
    let max = store.limits().max_sbom_bytes;
    if layer.size > max {
        return Err(RegistryError::TooLarge {
            what: format!("SBOM layer {} of referrer {digest}", layer.digest),
            limit: max,
        }
        .into());
    }
    let bytes = store.read_blob(&layer.digest, max).await?;
    if bytes.len() as u64 != layer.size {
        return Err(invalid(
            store,
            digest,
            format!(
                "its layer descriptor says {} bytes, the blob has {}",
                layer.size,
                bytes.len()
            ),
        ));
    }
    let limits = *store.limits();
    let summary = sbom::read(&bytes, &limits)
        .map_err(|e| invalid(store, digest, format!("its SBOM does not parse: {e}")))?;
    if let Some(k) = SbomKind::from_artifact_type(&manifest.artifact_type)
        && k != summary.kind
    {
        return Err(invalid(
            store,
            digest,
            format!(
                "its artifactType says {k} but the document is {}",
                summary.kind
            ),
        ));
    }
    Ok(FetchedSbom {
        manifest,
        bytes,
        summary,
    })
}

/// The per-platform manifest descriptor the provider index `index_digest` lists for `os_arch`.
pub async fn platform_subject(
    store: &Store,
    index_digest: &Digest,
    os_arch: &str,
) -> Result<Descriptor> {
    let m = store.fetch_manifest(index_digest).await?;
    let index: ImageIndex = decode(&m.bytes, &format!("index {index_digest}"))?;
    let targets: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|d| d.artifact_type == ARTIFACT_TYPE_PROVIDER_TARGET || d.artifact_type.is_empty())
        .filter(|d| d.platform.is_some())
        .collect();
    let matches: Vec<&&Descriptor> = targets
        .iter()
        .filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.os_arch() == os_arch && p.os_version.is_empty())
        })
        .collect();
    match matches.as_slice() {
        [d] => Ok(Descriptor::new(&d.media_type, d.digest.clone(), d.size)),
        [] => {
            let mut listed: Vec<String> = targets
                .iter()
                .filter_map(|d| {
                    d.platform
                        .as_ref()
                        .map(crate::registry::manifest::Platform::os_arch)
                })
                .collect();
            listed.sort();
            listed.dedup();
            Err(ProviderError::SubjectNotFound {
                reference: format!("{}@{index_digest} platform {os_arch}", store.describe()),
                reason: format!(
                    "the index lists no manifest for {os_arch} (it lists: {})",
                    if listed.is_empty() {
                        "none".to_owned()
                    } else {
                        listed.join(", ")
                    }
                ),
            })
        }
        many => Err(ProviderError::SubjectNotFound {
            reference: format!("{}@{index_digest} platform {os_arch}", store.describe()),
            reason: format!("the index lists {} manifests for {os_arch}", many.len()),
        }),
    }
}

/// Chooses the referrer to pull among `candidates` (module docs).
fn choose(
    store: &Store,
    subject: &Digest,
    artifact_type: &str,
    candidates: Vec<ReferrerEntry>,
    wanted: Option<&Digest>,
    note: &str,
) -> Result<ReferrerEntry> {
    let none = || ProviderError::NoSbomReferrer {
        subject: subject.to_string(),
        artifact_type: artifact_type.to_owned(),
        location: store.describe(),
        note: note.to_owned(),
    };
    if let Some(w) = wanted {
        return candidates
            .into_iter()
            .find(|c| &c.digest == w)
            .ok_or_else(none);
    }
    let mut pool = candidates;
    if pool.is_empty() {
        return Err(none());
    }
    if pool.iter().any(|c| c.tool().is_some()) {
        pool.retain(|c| c.tool().is_some());
    }
    if pool.len() > 1 {
        let latest = pool.iter().filter_map(|c| c.created.clone()).max();
        if latest.is_some() {
            pool.retain(|c| c.created == latest);
        }
    }
    pool.dedup_by(|a, b| a.digest == b.digest);
    match pool.len() {
        1 => Ok(pool.remove(0)),
        _ => Err(ProviderError::AmbiguousSbomReferrer {
            subject: subject.to_string(),
            artifact_type: artifact_type.to_owned(),
            location: store.describe(),
            candidates: pool.iter().map(|c| c.digest.to_string()).collect(),
        }),
    }
}

/// The SBOM kind and CycloneDX `specVersion` that a format name selects: `cyclonedx-json` / `cyclonedx-json@1.6`
/// (CycloneDX 1.6), `cyclonedx-json@1.5`, `spdx` / `spdx-json` (SPDX 2.3), `spdx3` / `spdx-json@3.0.1` (SPDX 3);
/// anything else (`cyclonedx`) is CycloneDX of any version (the newest attached is pulled).
pub fn format_selector(format: &str) -> (SbomKind, Option<&'static str>) {
    match format {
        "spdx" | "spdx-json" | "spdx-json@2.3" => (SbomKind::Spdx, None),
        "spdx3" | "spdx-json@3.0.1" => (SbomKind::Spdx3, None),
        "cyclonedx-json" | "cyclonedx-json@1.6" => (SbomKind::CycloneDx, Some("1.6")),
        "cyclonedx-json@1.5" => (SbomKind::CycloneDx, Some("1.5")),
        _ => (SbomKind::CycloneDx, None),
    }
}

/// Pulls the SBOM of `opts.kind` attached to the provider `target` resolves to (module docs).
pub async fn pull_sbom(store: &Store, target: &Target, opts: &PullOptions) -> Result<PulledSbom> {
    let mut subject = resolve_subject(store, target).await?;
    if let Some(p) = &opts.platform {
        subject = platform_subject(store, &subject.digest, p).await?;
    }
    let artifact_type = opts.kind.artifact_type();
    let listing = list_referrers(
        store,
        &subject.digest,
        &ListOptions {
            mode: opts.mode,
            artifact_type: Some(artifact_type.to_owned()),
        },
    )
    .await?;
    // A layout entry whose manifest blob is missing may have been the SBOM asked for: say so if none is found.
    let note = if listing.unreadable.is_empty() {
        String::new()
    } else {
        format!(
            "; index.json also lists {} whose manifest blob is missing (one of them may have been it)",
            listing
                .unreadable
                .iter()
                .map(|u| u.digest.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut candidates = listing.entries;
    if candidates.is_empty() {
        // A registry that lists referrers under their config media type (go-containerregistry's): the manifest says.
        let all = list_referrers(
            store,
            &subject.digest,
            &ListOptions {
                mode: opts.mode,
                artifact_type: None,
            },
        )
        .await?;
        candidates = declared_artifact_types(store, &all.entries)
            .await
            .into_iter()
            .filter(|e| e.artifact_type == artifact_type)
            .collect();
    }
    // Documents already read while telling spec versions apart, so the chosen one is not fetched twice.
    let mut fetched: Vec<(Digest, FetchedSbom)> = Vec::new();
    if opts.kind == SbomKind::CycloneDx
        && opts.referrer.is_none()
        && (opts.spec_version.is_some() || candidates.len() > 1)
    {
        let mut versions = Vec::with_capacity(candidates.len());
        for c in &candidates {
            let f = fetch_referrer_sbom(store, &c.digest).await?;
            versions.push(spec_version_of(&f).to_owned());
            fetched.push((c.digest.clone(), f));
        }
        let keep = match &opts.spec_version {
            Some(v) => v.clone(),
            None => versions
                .iter()
                .max_by_key(|v| version_key(v))
                .cloned()
                .unwrap_or_default(),
        };
        if opts.spec_version.is_some() && !versions.contains(&keep) {
            let mut attached: Vec<&str> = versions.iter().map(String::as_str).collect();
            attached.sort_unstable();
            attached.dedup();
            return Err(ProviderError::NoSbomReferrer {
                subject: subject.digest.to_string(),
                artifact_type: format!(
                    "{artifact_type} (specVersion {keep}; attached: {})",
                    if attached.is_empty() {
                        "none".to_owned()
                    } else {
                        attached.join(", ")
                    }
                ),
                location: store.describe(),
                note: note.clone(),
            });
        }
        let mut i = 0;
        candidates.retain(|_| {
            let k = versions[i] == keep;
            i += 1;
            k
        });
    }
    let referrer = choose(
        store,
        &subject.digest,
        artifact_type,
        candidates,
        opts.referrer.as_ref(),
        &note,
    )?;
    let fetched = match fetched.into_iter().find(|(d, _)| *d == referrer.digest) {
        Some((_, f)) => f,
        None => fetch_referrer_sbom(store, &referrer.digest).await?,
    };
    let sbom_digest = fetched
        .manifest
        .layers
        .first()
        .map(|l| l.digest.clone())
        .unwrap_or_else(|| Digest::sha256_of(&fetched.bytes));
    Ok(PulledSbom {
        subject,
        referrer,
        sbom_digest,
        bytes: fetched.bytes,
    })
}

/// The CycloneDX `specVersion` of a fetched document (empty for SPDX).
fn spec_version_of(f: &FetchedSbom) -> &str {
    match f.summary.kind {
        sbom::SbomKind::CycloneDx => &f.summary.spec_version,
        sbom::SbomKind::Spdx | sbom::SbomKind::Spdx3 => "",
    }
}

/// `1.6` → `[1, 6]`, for ordering spec versions numerically (`1.10` after `1.9`).
fn version_key(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Every SBOM referrer (CycloneDX or SPDX artifactType) of `subject`, with its bytes: what `verify --release`
/// compares with freshly generated documents. The first unreadable one is an error.
pub async fn stored_sboms(
    store: &Store,
    subject: &Digest,
    mode: ReferrersMode,
) -> Result<Vec<(ReferrerEntry, FetchedSbom)>> {
    let listing = list_referrers(
        store,
        subject,
        &ListOptions {
            mode,
            artifact_type: None,
        },
    )
    .await?;
    let mut out = Vec::new();
    for e in listing.entries {
        if SbomKind::from_artifact_type(&e.artifact_type).is_none() {
            continue;
        }
        let f = fetch_referrer_sbom(store, &e.digest).await?;
        out.push((e, f));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::layout::LayoutStore;
    use std::collections::BTreeMap;

    fn entry(n: u8, tool: bool, created: Option<&str>) -> ReferrerEntry {
        let mut annotations = BTreeMap::new();
        if tool {
            annotations.insert(
                crate::provider::media_types::ANNOTATION_TOOL.to_owned(),
                "tofu-sbom/1".to_owned(),
            );
        }
        ReferrerEntry {
            artifact_type: "application/vnd.cyclonedx+json".into(),
            digest: Digest::sha256_of(&[n]),
            size: 1,
            media_type: MEDIA_TYPE_MANIFEST.into(),
            title: None,
            created: created.map(str::to_owned),
            annotations,
        }
    }

    #[test]
    fn spec_versions_order_numerically() {
        let mut v = vec!["1.10", "1.5", "1.6", "1.4"];
        v.sort_by_key(|x| version_key(x));
        assert_eq!(v, ["1.4", "1.5", "1.6", "1.10"]);
    }

    #[test]
    fn choosing_among_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::Layout {
            layout: LayoutStore::open_or_create(dir.path()).unwrap(),
            limits: crate::limits::Limits::default(),
        };
        let s = Digest::sha256_of(b"s");
        let t = "application/vnd.cyclonedx+json";
        // Ours wins over others'.
        let got = choose(
            &store,
            &s,
            t,
            vec![entry(1, false, None), entry(2, true, None)],
            None,
            "",
        )
        .unwrap();
        assert_eq!(got.digest, Digest::sha256_of(&[2]));
        // The latest created wins among ours.
        let got = choose(
            &store,
            &s,
            t,
            vec![
                entry(1, true, Some("2024-01-01T00:00:00Z")),
                entry(2, true, Some("2025-01-01T00:00:00Z")),
            ],
            None,
            "",
        )
        .unwrap();
        assert_eq!(got.digest, Digest::sha256_of(&[2]));
        // A tie is an error listing the candidates.
        let err = choose(
            &store,
            &s,
            t,
            vec![entry(1, true, None), entry(2, true, None)],
            None,
            "",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "2 application/vnd.cyclonedx+json referrers are attached to {s} in {} ({}, {}); pick one by \
                 digest or prune the older ones",
                store.describe(),
                Digest::sha256_of(&[1]),
                Digest::sha256_of(&[2])
            )
        );
        // None / a digest that is not attached.
        assert_eq!(
            choose(&store, &s, t, vec![], None, "")
                .unwrap_err()
                .to_string(),
            format!(
                "no application/vnd.cyclonedx+json referrer is attached to {s} in {}",
                store.describe()
            )
        );
        assert_eq!(
            choose(&store, &s, t, vec![], None, "; index.json also lists X")
                .unwrap_err()
                .to_string(),
            format!(
                "no application/vnd.cyclonedx+json referrer is attached to {s} in {}; index.json also lists X",
                store.describe()
            )
        );
        assert!(matches!(
            choose(
                &store,
                &s,
                t,
                vec![entry(1, true, None)],
                Some(&Digest::sha256_of(&[9])),
                ""
            ),
            Err(ProviderError::NoSbomReferrer { .. })
        ));
    }
}
