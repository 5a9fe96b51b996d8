//! OCI referrers: listing them, and maintaining the referrers **fallback tag** for registries without the referrers
//! API (distribution-spec v1.1 "Referrers Tag Schema", SPEC.md §3).
//!
//! # Detection ([`ReferrersMode::Auto`])
//! 1. `GET /v2/<repo>/referrers/<subject>` — only a `200` whose raw `Content-Type` header is exactly
//!    `application/vnd.oci.image.index.v1+json` counts as the API (the rule of oras-go and of ggcr, i.e. Trivy; a
//!    `; charset=utf-8` parameter sends them to the fallback tag, so it sends us there too; distribution 2.8
//!    answers `404 text/plain`). This probe is also the listing, so attach knows the answer before it pushes anything. A paged
//!    answer (`Link: <URL>; rel="next"`, relative or absolute, on the same registry) is followed to its end, at most
//!    `Limits::max_referrers_pages` pages (`RegistryError::ReferrersTooManyPages`); a next link to a page already read
//!    stops at once ([`RegistryError::ReferrersPageLoop`]).
//! 2. After pushing a referrer manifest, an `OCI-Subject` header on the PUT response also means "the registry keeps
//!    the referrers list": no fallback tag is written — unless the probe was an OCI index with a `Content-Type` the
//!    consumers refuse ([`ReferrersListing::api_refused`]): they would never see that list, so the tag is kept.
//! 3. Otherwise the `sha256-<hex>` tag is maintained by read-modify-write (below).
//!
//! [`ReferrersMode::Api`] insists on the API (an error before anything is written if the probe fails);
//! [`ReferrersMode::Tag`] always uses the fallback tag (ORAS `--distribution-spec v1.1-referrers-tag`).
//!
//! # The fallback index
//! * absent (404) ⇒ start from an empty OCI index;
//! * **refused, nothing changed** when the tag resolves to something that is not an OCI image index, or to the
//!   subject itself (GitLab's registry aliases `sha256-<hex>` to the manifest of that digest: treating the subject
//!   index as a referrers list would list — and a cleanup would delete — the provider's own platform manifests);
//! * each entry is the referrer manifest's descriptor with its `artifactType` and **all** its annotations copied;
//! * no duplicates (by digest); entries are ordered CycloneDX first, then SPDX, then everything else, keeping the
//!   existing order within each group (Trivy takes the first parsable SBOM in index order);
//! * entries we did not create are never removed ([`merge_fallback`] removes only digests the caller names, and
//!   callers name only referrers they marked as their own, e.g. `provider::media_types::ANNOTATION_TOOL`);
//! * the referrer manifest is always pushed *before* the index that names it.
//!
//! # Concurrency and the residual risk
//! There is no compare-and-swap on a tag (distribution 2.8 ignores `If-Match`), so concurrent read-modify-write
//! cycles lose entries. Writers of one subject are serialised per process and per host by [`writer_lock`]. Writers on
//! other hosts are not: after each write we wait a jittered settle delay (scaled to the registry's own read-modify-write
//! time, [`FallbackOptions`]), re-read the tag and re-add what is missing,
//! for at most [`FallbackOptions::max_rounds`] writes, then fail with [`RegistryError::FallbackIndexLost`]. A writer on
//! another host can still remove our entry *after* our last re-read without either side noticing (and we can do the
//! same to it). **Attach to one subject from one job at a time** (e.g. a publish step after the build matrix, not
//! inside it); `verify` reports a missing SBOM referrer if it happened anyway.
//!
//! # OCI layouts
//! Referrers in an OCI image layout are recorded the way oras-go's OCI store records them: the referrer manifest is a
//! blob listed in `index.json` *without* an `org.opencontainers.image.ref.name` annotation (its descriptor carries
//! `artifactType` and the manifest's annotations), and it is found by reading the `subject` of the manifests listed
//! there. No fallback tag is written into a layout.
//!
//! An entry whose manifest blob is **missing** cannot be read, so nobody can tell which subject it refers to: the
//! listing does not fail on it but returns it in [`ReferrersListing::unreadable`] (for every subject listed), and each
//! caller decides — `mirror` skips and reports it, `verify` reports a warning, `referrers` lists the readable ones
//! and warns. A blob that exists but does not hash to its digest stays an error: that is damage, not a gap.
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | the listing types and options, [`list_referrers`] |
//! | `api.rs` | the referrers API probe and its paging (loop and page-count limits) |
//! | `fallback.rs` | the `sha256-<hex>` fallback index: read (and refuse), merge, write with re-read and repair |
//! | `layout.rs` | referrers recorded in an OCI layout's `index.json` |
//! | [`writer_lock`] | per-subject serialisation of writers (in-process keyed mutex + advisory lock file) |

mod api;
mod fallback;
mod layout;
pub mod writer_lock;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::registry::client::RegistryClient;
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    ANNOTATION_CREATED, ANNOTATION_TITLE, Descriptor, MEDIA_TYPE_EMPTY,
};
use crate::registry::store::Store;
use crate::registry::{RegistryError, Result};

pub(crate) use api::probe_api;
pub use fallback::merge_fallback;
pub(crate) use fallback::{read_fallback, update_fallback};
pub(crate) use layout::layout_referrers;

/// `artifactType` (and layer media type) of a CycloneDX JSON SBOM referrer.
pub const ARTIFACT_TYPE_CYCLONEDX: &str = "application/vnd.cyclonedx+json";
/// `artifactType` (and layer media type) of an SPDX JSON SBOM referrer.
pub const ARTIFACT_TYPE_SPDX: &str = "application/spdx+json";
/// `artifactType` (and layer media type) of an SPDX 3 JSON-LD SBOM referrer (IANA `application/spdx3+json`).
pub const ARTIFACT_TYPE_SPDX3: &str = "application/spdx3+json";

/// How referrers are discovered and recorded in a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReferrersMode {
    /// The referrers API when the registry serves it, else the fallback tag.
    #[default]
    Auto,
    /// The referrers API only; an error when the registry does not serve it.
    Api,
    /// The `sha256-<hex>` fallback tag only, even when the API exists.
    Tag,
}

impl std::str::FromStr for ReferrersMode {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "api" => Ok(Self::Api),
            "tag" => Ok(Self::Tag),
            other => Err(RegistryError::InvalidOption {
                option: "referrers mode",
                value: other.to_owned(),
                expected: "auto, api or tag".into(),
            }),
        }
    }
}

impl std::fmt::Display for ReferrersMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Api => "api",
            Self::Tag => "tag",
        })
    }
}

/// Where a referrers list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferrersSource {
    /// The registry's referrers API.
    Api,
    /// The `sha256-<hex>` fallback tag.
    FallbackTag,
    /// An OCI layout's `index.json` (oras-go style).
    Layout,
}

/// One referrer of a subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferrerEntry {
    /// The referrer's `artifactType` (or, for an old-style artifact, its config media type).
    pub artifact_type: String,
    /// The referrer manifest digest.
    pub digest: Digest,
    /// The referrer manifest size.
    pub size: u64,
    /// The referrer manifest media type.
    pub media_type: String,
    /// `org.opencontainers.image.title`, when annotated.
    pub title: Option<String>,
    /// `org.opencontainers.image.created`, when annotated.
    pub created: Option<String>,
    /// Every annotation of the referrer manifest (as listed).
    pub annotations: BTreeMap<String, String>,
}

impl ReferrerEntry {
    /// An entry from a referrers-list descriptor.
    pub fn from_descriptor(d: &Descriptor) -> Self {
        Self {
            artifact_type: d.artifact_type.clone(),
            digest: d.digest.clone(),
            size: d.size,
            media_type: d.media_type.clone(),
            title: d.annotations.get(ANNOTATION_TITLE).cloned(),
            created: d.annotations.get(ANNOTATION_CREATED).cloned(),
            annotations: d.annotations.clone(),
        }
    }
}

/// A subject's referrers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferrersListing {
    /// The subject digest.
    pub subject: Digest,
    /// Where the list came from.
    pub source: ReferrersSource,
    /// The digest of the fallback index read, when the list came from an existing fallback tag.
    pub fallback_index: Option<Digest>,
    /// The referrers, in the order listed (filtered by artifactType when asked).
    pub entries: Vec<ReferrerEntry>,
    /// Registries only: the referrers endpoint answered an OCI index with a `Content-Type` that oras-go and Trivy
    /// refuse (e.g. `…index.v1+json; charset=utf-8`), so the list came from the fallback tag and writers keep that
    /// tag even when the registry answers `OCI-Subject`. The text is the answer seen. Omitted from JSON when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_refused: Option<String>,
    /// Layouts only: `index.json` entries whose manifest blob is missing, so whether they refer to `subject` is
    /// unknown (a dangling entry, e.g. a blob removed by hand or by a cleanup). Omitted from JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<UnreadableEntry>,
}

/// An `index.json` entry of a layout whose manifest blob is missing: it may or may not be a referrer of the subject
/// being listed, since its `subject` field cannot be read. A blob that exists but does not hash to its digest is
/// not one of these: it is an error ([`RegistryError::DigestMismatch`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadableEntry {
    /// The manifest digest `index.json` lists.
    pub digest: Digest,
    /// The media type `index.json` lists for it.
    pub media_type: String,
    /// The `artifactType` `index.json` lists for it (empty when not listed).
    pub artifact_type: String,
    /// Its `org.opencontainers.image.ref.name` (a tagged entry), when set.
    pub ref_name: Option<String>,
    /// Why it cannot be read (the blob is missing: `blob sha256:… not found in oci-layout:DIR`).
    pub reason: String,
}

/// Options of [`list_referrers`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Discovery mode (registries only).
    pub mode: ReferrersMode,
    /// Only referrers of this `artifactType` (filtered client-side whatever the registry applied).
    pub artifact_type: Option<String>,
}

/// How the fallback index is written.
///
/// The wait after a write (before re-reading the tag) must outlast a concurrent writer's read-modify-write of the
/// same tag: a writer that read the index before our write and writes after it is caught only if its write lands
/// before our re-read. That window is one `GET` and one `PUT` of a small manifest against the same registry, so the
/// wait scales with what this registry takes for exactly that: [`SETTLE_RTT_FACTOR`] times our own read-modify-write
/// of the tag, bounded below by `settle_floor` and above by `settle_delay`, plus up to half of it as random jitter.
/// On a registry 100 ms away that is the full second; on a loopback or in-cluster registry it is the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FallbackOptions {
    /// The longest wait after a write (plus up to half of the wait as random jitter).
    pub settle_delay: Duration,
    /// The shortest wait after a write (capped at `settle_delay`).
    pub settle_floor: Duration,
    /// Writes at most (the first one included) before a loss that persists is reported.
    pub max_rounds: u32,
}

/// The wait after a fallback-index write, in multiples of the read-modify-write it followed ([`FallbackOptions`]).
pub const SETTLE_RTT_FACTOR: u32 = 10;

impl FallbackOptions {
    /// The wait (before jitter) after a write whose read-modify-write cycle took `rmw`.
    pub fn settle_for(&self, rmw: Duration) -> Duration {
        rmw.saturating_mul(SETTLE_RTT_FACTOR)
            .max(self.settle_floor)
            .min(self.settle_delay)
    }
}

impl Default for FallbackOptions {
    fn default() -> Self {
        Self {
            settle_delay: Duration::from_millis(1000),
            settle_floor: Duration::from_millis(250),
            max_rounds: 3,
        }
    }
}

/// What a fallback index update did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackReport {
    /// The `sha256-<hex>` tag.
    pub tag: String,
    /// The digest of the index the tag holds afterwards (`None`: the tag does not exist).
    pub index_digest: Option<Digest>,
    /// How many times the index was written (0: it already had everything).
    pub writes: u32,
    /// How many of those writes repaired an entry lost to a concurrent writer.
    pub repairs: u32,
}

/// A small pseudo-random delay in `[0, max_ms)` milliseconds (no RNG dependency: the clock's nanoseconds mixed
/// with the process id and a caller salt are plenty for de-synchronising retries).
pub(crate) fn jitter(max_ms: u64, salt: u32) -> Duration {
    if max_ms == 0 {
        return Duration::ZERO;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut x = u64::from(nanos) ^ (u64::from(std::process::id()) << 32) ^ u64::from(salt);
    // splitmix64 finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    Duration::from_millis(x % max_ms)
}

pub(crate) fn location(client: &RegistryClient, repo: &str) -> String {
    format!("{}/{repo}", client.registry())
}

/// The entries of `entries` that the referrers list gives the empty config media type as `artifactType` —
/// go-containerregistry's registry lists every referrer's `config.mediaType`, never the manifest's own
/// `artifactType` — with the `artifactType` their manifest declares. Entries whose manifest declares none, or cannot be
/// fetched or parsed, are left out. One manifest fetch per such entry; consumers that filter on the listed type (ORAS
/// `--artifact-type`, Trivy) do not see these types.
pub async fn declared_artifact_types(
    store: &Store,
    entries: &[ReferrerEntry],
) -> Vec<ReferrerEntry> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ArtifactTypeProbe {
        #[serde(default)]
        artifact_type: String,
    }
    let mut out = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.artifact_type == MEDIA_TYPE_EMPTY)
    {
        let Ok(fetched) = store.fetch_manifest(&e.digest).await else {
            continue;
        };
        match serde_json::from_slice::<ArtifactTypeProbe>(&fetched.bytes) {
            Ok(p) if !p.artifact_type.is_empty() && p.artifact_type != MEDIA_TYPE_EMPTY => {
                out.push(ReferrerEntry {
                    artifact_type: p.artifact_type,
                    ..e.clone()
                });
            }
            _ => {}
        }
    }
    out
}

/// `entries` with the `artifactType` their manifest declares in place of the empty config media type the list gave
/// them ([`declared_artifact_types`]); every other entry as listed, in the same order. Fetches nothing when no entry
/// is listed under the empty type.
pub async fn with_declared_artifact_types(
    store: &Store,
    entries: Vec<ReferrerEntry>,
) -> Vec<ReferrerEntry> {
    let declared = declared_artifact_types(store, &entries).await;
    if declared.is_empty() {
        return entries;
    }
    entries
        .into_iter()
        .map(|e| {
            declared
                .iter()
                .find(|d| d.digest == e.digest)
                .cloned()
                .unwrap_or(e)
        })
        .collect()
}

/// Lists the referrers of `subject` in `store` (module docs for the detection rules).
pub async fn list_referrers(
    store: &Store,
    subject: &Digest,
    opts: &ListOptions,
) -> Result<ReferrersListing> {
    let mut unreadable = Vec::new();
    let mut api_refused = None;
    let (source, fallback_index, mut entries) = match store {
        Store::Layout { layout, limits } => {
            let (entries, missing) = layout_referrers(layout, limits, subject)?;
            unreadable = missing;
            (ReferrersSource::Layout, None, entries)
        }
        Store::Registry { client, repository } => {
            let api = if opts.mode == ReferrersMode::Tag {
                None
            } else {
                match probe_api(client, repository, subject, opts.artifact_type.as_deref()).await? {
                    Ok(index) => Some(index),
                    Err(not) if opts.mode == ReferrersMode::Api => {
                        return Err(RegistryError::ReferrersApiUnsupported {
                            location: location(client, repository),
                            detail: not.detail,
                        });
                    }
                    Err(not) => {
                        api_refused = not.refused_index.then_some(not.detail);
                        None
                    }
                }
            };
            match api {
                Some(index) => (
                    ReferrersSource::Api,
                    None,
                    index
                        .manifests
                        .iter()
                        .map(ReferrerEntry::from_descriptor)
                        .collect(),
                ),
                None => {
                    let state = read_fallback(client, repository, subject).await?;
                    (
                        ReferrersSource::FallbackTag,
                        state.digest,
                        state
                            .index
                            .manifests
                            .iter()
                            .map(ReferrerEntry::from_descriptor)
                            .collect(),
                    )
                }
            }
        }
    };
    if let Some(t) = &opts.artifact_type {
        entries.retain(|e| &e.artifact_type == t);
        // An entry whose index.json descriptor names another artifactType is not one asked for either way.
        unreadable.retain(|u| u.artifact_type.is_empty() || &u.artifact_type == t);
    }
    Ok(ReferrersListing {
        subject: subject.clone(),
        source,
        fallback_index,
        entries,
        unreadable,
        api_refused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::registry::layout::LayoutStore;
    use crate::registry::manifest::{ImageIndex, MEDIA_TYPE_MANIFEST, to_canonical_bytes};

    /// The wait after a fallback write: ten read-modify-writes, within [floor, settle_delay]; a floor above the
    /// ceiling gives the ceiling (tests that ask for a short fixed wait).
    #[test]
    fn the_settle_wait_scales_with_the_read_modify_write_within_its_bounds() {
        let ms = Duration::from_millis;
        let o = FallbackOptions::default();
        assert_eq!((o.settle_floor, o.settle_delay), (ms(250), ms(1000)));
        assert_eq!(o.settle_for(ms(2)), ms(250));
        assert_eq!(o.settle_for(ms(40)), ms(400));
        assert_eq!(o.settle_for(ms(100)), ms(1000));
        assert_eq!(o.settle_for(ms(900)), ms(1000));
        let short = FallbackOptions {
            settle_delay: ms(20),
            ..FallbackOptions::default()
        };
        assert_eq!(short.settle_for(ms(2)), ms(20));
        assert_eq!(short.settle_for(ms(500)), ms(20));
    }

    fn desc(n: u8, artifact_type: &str) -> Descriptor {
        let mut d = Descriptor::new(
            MEDIA_TYPE_MANIFEST,
            Digest::sha256_of(&[n]),
            100 + u64::from(n),
        );
        d.artifact_type = artifact_type.to_owned();
        d
    }

    fn digests(i: &ImageIndex) -> Vec<Digest> {
        i.manifests.iter().map(|d| d.digest.clone()).collect()
    }

    #[test]
    fn merge_orders_cyclonedx_first_and_keeps_foreign_entries() {
        let sig = desc(1, "application/vnd.dev.cosign.artifact.sig.v1+json");
        let spdx_old = desc(2, ARTIFACT_TYPE_SPDX);
        let mut base = ImageIndex::empty();
        base.manifests = vec![sig.clone(), spdx_old.clone()];
        let cdx = desc(3, ARTIFACT_TYPE_CYCLONEDX);
        let spdx = desc(4, ARTIFACT_TYPE_SPDX);
        let merged = merge_fallback(&base, &[spdx.clone(), cdx.clone()], &[]).unwrap();
        assert_eq!(
            digests(&merged),
            vec![
                cdx.digest.clone(),
                spdx_old.digest.clone(),
                spdx.digest.clone(),
                sig.digest.clone()
            ]
        );
        // Idempotent: adding what is there changes nothing (no write).
        assert_eq!(
            merge_fallback(&merged, &[cdx.clone(), spdx.clone()], &[]),
            None
        );
        // Removal removes only what is named.
        let pruned = merge_fallback(&merged, &[], std::slice::from_ref(&spdx_old.digest)).unwrap();
        assert_eq!(
            digests(&pruned),
            vec![cdx.digest.clone(), spdx.digest.clone(), sig.digest.clone()]
        );
        let (bytes, _) =
            to_canonical_bytes(&merge_fallback(&ImageIndex::empty(), &[cdx], &[]).unwrap());
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":103,"artifactType":"application/vnd.cyclonedx+json"}}]}}"#,
                Digest::sha256_of(&[3])
            )
        );
    }

    #[test]
    fn an_unsorted_foreign_index_is_not_rewritten_when_nothing_is_added() {
        let mut base = ImageIndex::empty();
        base.manifests = vec![
            desc(1, ARTIFACT_TYPE_SPDX),
            desc(2, ARTIFACT_TYPE_CYCLONEDX),
        ];
        assert_eq!(
            merge_fallback(&base, &[desc(2, ARTIFACT_TYPE_CYCLONEDX)], &[]),
            None
        );
    }

    /// A manifest in `layout` (listed untagged) with `subject` and `artifact_type`; returns its descriptor.
    fn put_referrer(layout: &LayoutStore, subject: &Digest, artifact_type: &str) -> Descriptor {
        let bytes = format!(
            r#"{{"schemaVersion":2,"mediaType":"{MEDIA_TYPE_MANIFEST}","artifactType":"{artifact_type}","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[],"subject":{{"mediaType":"{MEDIA_TYPE_MANIFEST}","digest":"{subject}","size":1}}}}"#,
            Digest::sha256_of(b"{}")
        );
        let digest = Digest::sha256_of(bytes.as_bytes());
        layout.put_blob_bytes(&digest, bytes.as_bytes()).unwrap();
        let mut d = Descriptor::new(MEDIA_TYPE_MANIFEST, digest, bytes.len() as u64);
        d.artifact_type = artifact_type.to_owned();
        layout.add_untagged(&d, 1 << 20).unwrap();
        d
    }

    #[test]
    fn a_layout_entry_whose_blob_is_missing_is_returned_once_and_a_corrupt_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let layout = LayoutStore::open_or_create(dir.path()).unwrap();
        let limits = Limits::default();
        let subject = Digest::sha256_of(b"subject");
        let other = Digest::sha256_of(b"other");
        let cdx = put_referrer(&layout, &subject, ARTIFACT_TYPE_CYCLONEDX);
        let foreign = put_referrer(&layout, &other, ARTIFACT_TYPE_SPDX);
        let spdx = put_referrer(&layout, &subject, ARTIFACT_TYPE_SPDX);
        let sums = put_referrer(&layout, &subject, "text/plain");
        std::fs::remove_file(layout.blob_path(&spdx.digest)).unwrap();
        // Listed twice (untagged and tagged): reported once, with the first entry's descriptor.
        layout.set_tag("x", &spdx, 1 << 20).unwrap();
        let (found, missing) = layout_referrers(&layout, &limits, &subject).unwrap();
        assert_eq!(
            found.iter().map(|e| &e.digest).collect::<Vec<_>>(),
            [&cdx.digest, &sums.digest]
        );
        let gone = UnreadableEntry {
            digest: spdx.digest.clone(),
            media_type: MEDIA_TYPE_MANIFEST.to_owned(),
            artifact_type: ARTIFACT_TYPE_SPDX.to_owned(),
            ref_name: None,
            reason: format!(
                "blob {} not found in oci-layout:{}",
                spdx.digest,
                dir.path().display()
            ),
        };
        assert_eq!(missing, std::slice::from_ref(&gone));
        // The subject of `foreign` sees the same unreadable entry: nobody can tell whose it is.
        let (found, missing) = layout_referrers(&layout, &limits, &other).unwrap();
        assert_eq!(
            found.iter().map(|e| &e.digest).collect::<Vec<_>>(),
            [&foreign.digest]
        );
        assert_eq!(missing, std::slice::from_ref(&gone));

        // An artifactType filter drops an unreadable entry whose index.json descriptor names another type.
        let store = Store::Layout {
            layout: LayoutStore::open(dir.path()).unwrap(),
            limits,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let list = |t: &str| {
            rt.block_on(list_referrers(
                &store,
                &subject,
                &ListOptions {
                    mode: ReferrersMode::Auto,
                    artifact_type: Some(t.to_owned()),
                },
            ))
            .unwrap()
        };
        let l = list(ARTIFACT_TYPE_CYCLONEDX);
        assert_eq!((l.entries.len(), l.unreadable.len()), (1, 0), "{l:?}");
        let l = list(ARTIFACT_TYPE_SPDX);
        assert_eq!((l.entries.len(), l.unreadable), (0, vec![gone]));

        // A blob that exists but does not hash to its digest stays an error.
        let path = layout.blob_path(&cdx.digest);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.push(b'\n');
        std::fs::write(&path, &bytes).unwrap();
        let err = layout_referrers(&layout, &limits, &subject).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: content has digest {}, expected {}",
                path.display(),
                Digest::sha256_of(&bytes),
                cdx.digest
            )
        );
    }

    #[test]
    fn modes_parse_and_jitter_is_bounded() {
        assert_eq!(
            "auto".parse::<ReferrersMode>().unwrap(),
            ReferrersMode::Auto
        );
        assert_eq!("api".parse::<ReferrersMode>().unwrap(), ReferrersMode::Api);
        assert_eq!("tag".parse::<ReferrersMode>().unwrap(), ReferrersMode::Tag);
        assert_eq!(
            "both".parse::<ReferrersMode>().unwrap_err().to_string(),
            "invalid referrers mode \"both\": expected auto, api or tag"
        );
        for salt in 0..100 {
            assert!(jitter(7, salt) < Duration::from_millis(7));
        }
        assert_eq!(jitter(0, 1), Duration::ZERO);
    }
}
