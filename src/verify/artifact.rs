//! `verify`: replays OpenTofu's provider selection and validation (`PackageMeta` in
//! `internal/getproviders/oci_registry_mirror_source.go`, SPEC.md §1.3) against a registry or a layout, for every
//! platform the index lists, and reports each problem as a typed [`Finding`] — the message quotes what `tofu` would
//! say. Two verdicts ([`crate::verify::report::Verdict`]): an error finding of OpenTofu's rules means some `tofu init`
//! would fail ([`VerifyReport::opentofu_would_install`]); an error of the SBOM checks fails the SBOM policy
//! ([`VerifyReport::sbom_policy`]) and leaves `tofu init` working (OpenTofu never reads referrers). The CLI exits 1 on
//! either.
//!
//! Steps, as `tofu` runs them:
//! 0. the tag must parse as a version that prints back as this very tag (`_` → `+`, no `v`, go-versions' rules:
//!    `1.2.3-01` is one, `01.2.3` is not — [`crate::archive::release::version_problem`]);
//! 1. resolving the tag: a registry's `HEAD` answer must carry `Content-Type`, `Content-Length` and
//!    `Docker-Content-Digest` (oras-go has no `GET` fallback); an `artifactType` the store reports must be
//!    `application/vnd.opentofu.provider`;
//! 2. the resolved media type must be the OCI index type;
//! 3. the index (size/1 MiB must not exceed 4, a registry's `GET` answer must have the resolved media type as
//!    `Content-Type`, bytes must hash to the digest) must decode with body `mediaType` equal to the resolved one and
//!    `artifactType` `application/vnd.opentofu.provider`;
//! 4. entries: those with `artifactType` `…provider-target` must be image manifests with a `platform`; a platform
//!    matches on `os` + `architecture` with empty `os.version`; none → unsupported; several → ambiguous;
//! 5. the platform manifest (same size, `Content-Type` and digest rules) must have body `mediaType` equal to the entry's and
//!    `artifactType` equal to the entry's;
//! 6. exactly one layer of media type `archive/zip` (its `artifactType` is never read: OpenTofu's own ORAS recipe sets
//!    none, and no release checked it);
//! 7. its digest must be `sha256:`;
//! 8. a layer `platform`, if present, must equal the target;
//! 9. the blob must re-hash to its digest.
//!
//! With [`VerifyOptions::sboms`] set (the CLI's default), the SBOM referrers are checked too (see
//! [`crate::verify::sboms`]): the index and every platform manifest carry exactly one SBOM referrer of each expected kind
//! (none: error; several: warning, Trivy reads only the first parsable one); every SBOM referrer attached has the
//! referrer shape, its layer re-hashes to its digest and parses (`crate::sbom::read`) as the kind its
//! `artifactType` says; and the ZIP SHA-256 it records (see [`crate::sbom::zip_claims`]) equals the ZIP layer actually
//! stored: per platform the platform's layer, for the index every platform's layer and nothing else.

//!
//! Knows the report ([`crate::verify::report`]) and the SBOM checks ([`crate::verify::sboms`]) below it; nothing of
//! `verify --release`, which builds on it.

use std::collections::BTreeMap;

use crate::provider::artifact::tag_for_version;
use crate::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_TARGET, MEDIA_TYPE_ZIP_LAYER,
};
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    Descriptor, ImageIndex, ImageManifest, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST, decode,
};
use crate::registry::reference::Target;
use crate::registry::store::{Resolved, Store};
use crate::registry::{RegistryError, Result};
use crate::verify::report::Ctx;
use crate::verify::sboms::{Zips, check_sboms};

pub use crate::verify::report::{
    Finding, FindingKind, PlatformReport, SbomPolicy, SbomReport, Severity, TagReport, Verdict,
    VerifyReport,
};
pub use crate::verify::sboms::{SbomExpectation, SbomKinds};

/// Options of [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Download and re-hash every zip blob (step 9).
    pub check_blobs: bool,
    /// Largest blob re-hashed.
    pub max_blob_size: u64,
    /// Check the SBOM referrers (module docs); `None`: the OpenTofu checks only.
    pub sboms: Option<SbomExpectation>,
}

impl Default for VerifyOptions {
    /// OpenTofu checks with blob re-hashing; SBOM checks off (see [`VerifyOptions::with_sboms`]).
    fn default() -> Self {
        Self {
            check_blobs: true,
            max_blob_size: 4 << 30,
            sboms: None,
        }
    }
}

impl VerifyOptions {
    /// The default checks plus the default SBOM expectation (what `tofu-sbom verify` runs).
    pub fn with_sboms() -> Self {
        Self {
            sboms: Some(SbomExpectation::default()),
            ..Self::default()
        }
    }
}

/// OpenTofu's integer-MiB limit: `size/1024/1024 > 4` is refused.
fn too_large(size: u64) -> bool {
    size / 1024 / 1024 > 4
}

/// Verifies `target` in `store`: its tag, or its digest, or (neither given) every tag that looks like a version.
pub async fn verify(store: &Store, target: &Target, opts: &VerifyOptions) -> Result<VerifyReport> {
    let mut findings = Vec::new();
    layout_temp_files(store, &mut findings)?;
    let mut tags_out = Vec::new();
    if let Some(digest) = target.digest() {
        let mut ctx = Ctx {
            findings: &mut findings,
            tag: None,
        };
        if let Some(resolved) = resolve_digest(store, digest, &mut ctx).await {
            tags_out.push(verify_resolved(store, resolved, &mut ctx, opts).await);
        }
        return Ok(VerifyReport {
            target: store.describe(),
            tags: tags_out,
            findings,
            release: None,
            sboms_checked: opts.sboms.is_some(),
        });
    }
    // With a tag, only that tag is read: the tag list is not fetched (a registry's tag list is untrusted and may be
    // huge or hostile), so a tag that is missing is reported by resolving it (`TagUnresolvable`). Without one, the
    // listed version tags are verified.
    let tags: Vec<String> = match target.tag() {
        Some(t) => vec![t.to_owned()],
        None => store
            .list_tags()
            .await?
            .into_iter()
            .filter(|t| t.as_bytes().first().is_some_and(u8::is_ascii_digit))
            .collect(),
    };
    if tags.is_empty() {
        return Err(RegistryError::NotFound {
            what: "a version tag".into(),
            location: store.describe(),
        });
    }
    for tag in tags {
        let mut ctx = Ctx {
            findings: &mut findings,
            tag: Some(tag.clone()),
        };
        tags_out.push(verify_tag(store, tag, &mut ctx, opts).await);
    }
    Ok(VerifyReport {
        target: store.describe(),
        tags: tags_out,
        findings,
        release: None,
        sboms_checked: opts.sboms.is_some(),
    })
}

/// A layout's stale temporary files, as warnings (not tied to a tag).
fn layout_temp_files(store: &Store, findings: &mut Vec<crate::verify::Finding>) -> Result<()> {
    if let Store::Layout { layout, .. } = store {
        let mut ctx = Ctx {
            findings,
            tag: None,
        };
        for t in layout.temp_files()?.into_iter().filter(|t| t.stale) {
            ctx.add(
                Severity::Warning,
                None,
                FindingKind::LayoutTempFile {
                    path: t.path.display().to_string(),
                    pid: t.pid,
                },
            );
        }
    }
    Ok(())
}

/// The manifest `digest` names, as if a tag resolved to it (`None`: unreadable, reported).
async fn resolve_digest(store: &Store, digest: &Digest, ctx: &mut Ctx<'_>) -> Option<Resolved> {
    match store.fetch_manifest(digest).await {
        Ok(m) => Some(Resolved {
            media_type: m.media_type,
            size: m.bytes.len() as u64,
            digest: m.digest,
            artifact_type: None,
        }),
        Err(e) => {
            ctx.error(
                None,
                FindingKind::ManifestUnreadable {
                    what: "index".into(),
                    message: e.to_string(),
                },
            );
            None
        }
    }
}

/// Step 0: the tag spells a version `tofu` would look up under this very tag. (Whether it is listed needs no check:
/// with a tag in TARGET the tag list is not read, and without one every verified tag comes from it.)
fn check_tag_spelling(tag: &str, ctx: &mut Ctx<'_>) {
    let version = crate::provider::artifact::version_for_tag(tag);
    match tag_for_version(&version) {
        Ok(t) if t == tag => {}
        Ok(t) => ctx.error(
            None,
            FindingKind::TagNotAVersion {
                tag: tag.to_owned(),
                reason: format!("OpenTofu would look it up as {t:?}"),
            },
        ),
        Err(e) => {
            let reason = match e {
                crate::provider::ProviderError::InvalidVersion { reason, .. } => reason,
                other => other.to_string(),
            };
            ctx.error(
                None,
                FindingKind::TagNotAVersion {
                    tag: tag.to_owned(),
                    reason,
                },
            );
        }
    }
}

/// Steps 0–2 for one tag, then the index and its platforms ([`verify_resolved`]).
async fn verify_tag(
    store: &Store,
    tag: String,
    ctx: &mut Ctx<'_>,
    opts: &VerifyOptions,
) -> TagReport {
    check_tag_spelling(&tag, ctx);
    let stopped = |index_digest: Option<Digest>, tag: String| TagReport {
        tag: Some(tag),
        index_digest,
        platforms: BTreeMap::new(),
        index_sboms: Vec::new(),
    };
    let resolved = match resolve_by_head(store, &tag).await {
        Head::Resolved(r) => Ok(r),
        Head::Lacks(header) => {
            ctx.error(
                None,
                FindingKind::TagHeadIncomplete {
                    tag: tag.clone(),
                    header: header.to_owned(),
                },
            );
            return stopped(None, tag);
        }
        Head::Unanswered => store.resolve_tag(&tag).await,
    };
    let resolved = match resolved {
        Ok(r) => r,
        Err(e) => {
            ctx.error(
                None,
                FindingKind::TagUnresolvable {
                    tag: tag.clone(),
                    message: e.to_string(),
                },
            );
            return stopped(None, tag);
        }
    };
    // Step 1.
    if let Some(at) = resolved.artifact_type.as_deref()
        && at != ARTIFACT_TYPE_PROVIDER
    {
        ctx.error(
            None,
            FindingKind::TagArtifactType {
                found: at.to_owned(),
            },
        );
        return stopped(Some(resolved.digest), tag);
    }
    // Step 2.
    if resolved.media_type != MEDIA_TYPE_INDEX {
        ctx.error(
            None,
            FindingKind::TagNotIndex {
                found: resolved.media_type.clone(),
            },
        );
        return stopped(Some(resolved.digest), tag);
    }
    let mut report = verify_resolved(store, resolved, ctx, opts).await;
    report.tag = Some(tag);
    report
}

/// What a registry's `HEAD` on the tag told (step 1 as OpenTofu's registry client takes it).
enum Head {
    /// Every header oras-go requires was there.
    Resolved(Resolved),
    /// The first header oras-go requires that was missing.
    Lacks(&'static str),
    /// Not a registry, or no `200` answer: [`Store::resolve_tag`] reports what happened.
    Unanswered,
}

/// Resolves `tag` as OpenTofu 1.12 does in a registry: `store.Resolve` (`fetchOCIDescriptorForVersion` in
/// `internal/getproviders/oci_registry_mirror_source.go`) is oras-go v2.6's `manifestStore.Resolve`, one `HEAD` whose
/// answer `generateDescriptor` (`registry/remote/repository.go`) turns into the descriptor: it fails without a
/// parsable `Content-Type`, without `Content-Length`, and (a tag is no digest to trust instead) without
/// `Docker-Content-Digest` — there is no `GET` fallback. [`Store::resolve_tag`], which our own commands use, falls
/// back to `GET`; verify must not.
async fn resolve_by_head(store: &Store, tag: &str) -> Head {
    let Store::Registry { client, repository } = store else {
        return Head::Unanswered;
    };
    let Ok(Some(h)) = client.head_manifest(repository, tag).await else {
        return Head::Unanswered;
    };
    match (h.media_type.is_empty(), h.size, h.digest) {
        (true, _, _) => Head::Lacks("Content-Type"),
        (false, None, _) => Head::Lacks("Content-Length"),
        (false, Some(_), None) => Head::Lacks("Docker-Content-Digest"),
        (false, Some(size), Some(digest)) => Head::Resolved(Resolved {
            media_type: h.media_type,
            digest,
            size,
            artifact_type: None,
        }),
    }
}

/// Fetches a manifest as OpenTofu does: size limit, digest, content length = descriptor size, and (registries) the
/// answer's `Content-Type` = the descriptor's `media_type` (oras-go `manifestStore.Fetch` compares them without
/// parameters and refuses a mismatch; a layout has no such header).
async fn fetch_checked(
    store: &Store,
    what: &str,
    (digest, size, media_type): (&Digest, u64, &str),
    ctx: &mut Ctx<'_>,
    platform: Option<&str>,
) -> Option<Vec<u8>> {
    if too_large(size) {
        ctx.error(
            platform,
            FindingKind::ManifestTooLarge {
                what: what.to_owned(),
                size,
            },
        );
        return None;
    }
    match store.fetch_manifest(digest).await {
        Ok(m) => {
            if matches!(store, Store::Registry { .. }) && m.media_type != media_type {
                ctx.error(
                    platform,
                    FindingKind::ManifestContentType {
                        what: what.to_owned(),
                        found: m.media_type,
                        expected: media_type.to_owned(),
                    },
                );
                return None;
            }
            if m.bytes.len() as u64 != size {
                ctx.error(
                    platform,
                    FindingKind::ManifestSizeMismatch {
                        what: what.to_owned(),
                        expected: size,
                        actual: m.bytes.len() as u64,
                    },
                );
                return None;
            }
            Some(m.bytes)
        }
        Err(e) => {
            ctx.error(
                platform,
                FindingKind::ManifestUnreadable {
                    what: what.to_owned(),
                    message: e.to_string(),
                },
            );
            None
        }
    }
}

/// Steps 3–9 for a resolved index: the index itself, its entries, every platform, then the index's SBOMs.
async fn verify_resolved(
    store: &Store,
    resolved: Resolved,
    ctx: &mut Ctx<'_>,
    opts: &VerifyOptions,
) -> TagReport {
    let mut report = TagReport {
        tag: None,
        index_digest: Some(resolved.digest.clone()),
        platforms: BTreeMap::new(),
        index_sboms: Vec::new(),
    };
    let Some(index) = read_index(store, &resolved, ctx).await else {
        return report;
    };
    // Step 4, entry-level checks (any of these makes every platform fail in OpenTofu's loop).
    let Some(targets) = select_targets(&index, ctx) else {
        return report;
    };
    report.platforms = verify_platforms(store, &targets, ctx, opts).await;
    if let Some(exp) = &opts.sboms {
        let layers: BTreeMap<String, Option<Digest>> = report
            .platforms
            .iter()
            .map(|(k, p)| (k.clone(), p.layer_digest.clone()))
            .collect();
        let complete = report.platforms.len() == targets.len();
        report.index_sboms = check_sboms(
            store,
            &resolved.digest,
            "index",
            &exp.index.kinds(),
            &Zips::Release { layers, complete },
            exp,
            ctx,
        )
        .await;
    }
    report
}

/// Step 3: fetches and decodes the index; its body must match the resolved media type and say the provider type.
async fn read_index(store: &Store, resolved: &Resolved, ctx: &mut Ctx<'_>) -> Option<ImageIndex> {
    // Step 3.
    let desc = (
        &resolved.digest,
        resolved.size,
        resolved.media_type.as_str(),
    );
    let bytes = fetch_checked(store, "index", desc, ctx, None).await?;
    let index: ImageIndex = match decode(&bytes, "index") {
        Ok(i) => i,
        Err(e) => {
            let message = match decode::<ImageManifest>(&bytes, "manifest") {
                Ok(m) if m.media_type == MEDIA_TYPE_MANIFEST => {
                    "found image manifest but need index manifest".to_owned()
                }
                _ => e.to_string(),
            };
            ctx.error(
                None,
                FindingKind::InvalidDocument {
                    what: "index".into(),
                    message,
                },
            );
            return None;
        }
    };
    if index.media_type != resolved.media_type {
        ctx.error(
            None,
            FindingKind::IndexMediaType {
                found: index.media_type.clone(),
            },
        );
        return None;
    }
    if index.artifact_type != ARTIFACT_TYPE_PROVIDER {
        ctx.error(
            None,
            FindingKind::IndexArtifactType {
                found: index.artifact_type.clone(),
            },
        );
        return None;
    }
    Some(index)
}

/// Step 4 on entries: the provider-target entries (`None`: an entry makes every platform fail, or there is none;
/// reported).
fn select_targets<'a>(index: &'a ImageIndex, ctx: &mut Ctx<'_>) -> Option<Vec<&'a Descriptor>> {
    let mut fatal = false;
    let mut other_artifact_type = String::new();
    let mut targets: Vec<&Descriptor> = Vec::new();
    for d in &index.manifests {
        if d.artifact_type != ARTIFACT_TYPE_PROVIDER_TARGET {
            if !d.artifact_type.is_empty() {
                other_artifact_type = d.artifact_type.clone();
            }
            ctx.add(
                Severity::Warning,
                None,
                FindingKind::ForeignEntry {
                    digest: d.digest.clone(),
                    artifact_type: d.artifact_type.clone(),
                },
            );
            continue;
        }
        if d.media_type != MEDIA_TYPE_MANIFEST {
            ctx.error(
                None,
                FindingKind::EntryMediaType {
                    digest: d.digest.clone(),
                    found: d.media_type.clone(),
                },
            );
            fatal = true;
            continue;
        }
        if d.platform.is_none() {
            ctx.error(
                None,
                FindingKind::EntryNoPlatform {
                    digest: d.digest.clone(),
                },
            );
            fatal = true;
            continue;
        }
        targets.push(d);
    }
    if fatal {
        return None;
    }
    if targets.is_empty() {
        ctx.error(
            None,
            FindingKind::NoProviderEntries {
                other_artifact_type,
            },
        );
        return None;
    }
    Some(targets)
}

/// Step 4 per platform (`os.version`, `variant`, ambiguity), then steps 5–9 for each platform with one entry.
async fn verify_platforms(
    store: &Store,
    targets: &[&Descriptor],
    ctx: &mut Ctx<'_>,
    opts: &VerifyOptions,
) -> BTreeMap<String, PlatformReport> {
    let mut out = BTreeMap::new();
    let mut platforms: Vec<(String, String)> = Vec::new();
    for d in targets {
        let p = d
            .platform
            .as_ref()
            .map(|p| (p.os.clone(), p.architecture.clone()))
            .unwrap_or_default();
        if !platforms.contains(&p) {
            platforms.push(p);
        }
    }
    for (os, arch) in platforms {
        let os_arch = format!("{os}_{arch}");
        let matches: Vec<&Descriptor> = targets
            .iter()
            .copied()
            .filter(|d| {
                d.platform.as_ref().is_some_and(|p| {
                    p.os == os && p.architecture == arch && p.os_version.is_empty()
                })
            })
            .collect();
        for d in targets.iter().filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.os == os && p.architecture == arch)
        }) {
            let p = d.platform.clone().unwrap_or_default();
            if !p.os_version.is_empty() {
                let has_fallback = !matches.is_empty();
                let sev = if has_fallback {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                ctx.add(
                    sev,
                    Some(&os_arch),
                    FindingKind::EntryOsVersion {
                        digest: d.digest.clone(),
                        os_version: p.os_version.clone(),
                        has_fallback,
                    },
                );
            }
            if !p.variant.is_empty() {
                ctx.add(
                    Severity::Warning,
                    Some(&os_arch),
                    FindingKind::EntryVariant {
                        digest: d.digest.clone(),
                        variant: p.variant.clone(),
                    },
                );
            }
        }
        match matches.as_slice() {
            [] => continue, // reported as EntryOsVersion above
            [d] => {
                let r = verify_platform(store, d, &os, &arch, &os_arch, ctx, opts).await;
                out.insert(os_arch, r);
            }
            many => ctx.error(
                Some(&os_arch),
                FindingKind::AmbiguousPlatform { count: many.len() },
            ),
        }
    }
    out
}

async fn verify_platform(
    store: &Store,
    entry: &Descriptor,
    os: &str,
    arch: &str,
    os_arch: &str,
    ctx: &mut Ctx<'_>,
    opts: &VerifyOptions,
) -> PlatformReport {
    let errors_before = ctx
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let mut r = PlatformReport {
        manifest_digest: entry.digest.clone(),
        layer_digest: None,
        zip_size: None,
        ok: false,
        sboms: Vec::new(),
    };
    let p = Some(os_arch);
    let Some(manifest) = read_platform_manifest(store, entry, os_arch, ctx).await else {
        return r;
    };
    let Some(layer) = select_zip_layer(&manifest, os, arch, p, &mut r.layer_digest, ctx) else {
        return r;
    };
    // Step 9.
    if opts.check_blobs {
        match store.hash_blob(&layer.digest, opts.max_blob_size).await {
            Ok(size) => {
                r.zip_size = Some(size);
                if size != layer.size {
                    ctx.error(
                        p,
                        FindingKind::BlobSizeMismatch {
                            expected: layer.size,
                            actual: size,
                        },
                    );
                }
            }
            Err(e) => ctx.error(
                p,
                FindingKind::BlobInvalid {
                    digest: layer.digest.clone(),
                    message: e.to_string(),
                },
            ),
        }
    }
    if let (Some(exp), Some(layer)) = (&opts.sboms, r.layer_digest.clone()) {
        r.sboms = check_sboms(
            store,
            &entry.digest,
            os_arch,
            &exp.platforms.kinds(),
            &Zips::Platform(layer),
            exp,
            ctx,
        )
        .await;
    }
    r.ok = ctx
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count()
        == errors_before;
    r
}

/// Step 5: fetches and decodes the platform manifest; its body must match the entry's media and artifact type.
async fn read_platform_manifest(
    store: &Store,
    entry: &Descriptor,
    os_arch: &str,
    ctx: &mut Ctx<'_>,
) -> Option<ImageManifest> {
    let p = Some(os_arch);
    // Step 5.
    let desc = (&entry.digest, entry.size, entry.media_type.as_str());
    let bytes = fetch_checked(store, os_arch, desc, ctx, p).await?;
    let manifest: ImageManifest = match decode(&bytes, "manifest") {
        Ok(m) => m,
        Err(e) => {
            let message = match decode::<ImageIndex>(&bytes, "index") {
                Ok(i) if i.media_type == MEDIA_TYPE_INDEX => {
                    "found index manifest but need image manifest".to_owned()
                }
                _ => e.to_string(),
            };
            ctx.error(
                p,
                FindingKind::InvalidDocument {
                    what: os_arch.to_owned(),
                    message,
                },
            );
            return None;
        }
    };
    if manifest.media_type != entry.media_type {
        ctx.error(
            p,
            FindingKind::ManifestMediaType {
                found: manifest.media_type.clone(),
            },
        );
        return None;
    }
    if manifest.artifact_type != entry.artifact_type {
        ctx.error(
            p,
            FindingKind::ManifestArtifactType {
                found: manifest.artifact_type.clone(),
            },
        );
        return None;
    }
    Some(manifest)
}

/// Steps 6–8: the one `archive/zip` layer (its digest goes to `layer_digest` as soon as it is selected), sha256,
/// for this platform.
fn select_zip_layer<'a>(
    manifest: &'a ImageManifest,
    os: &str,
    arch: &str,
    p: Option<&str>,
    layer_digest: &mut Option<Digest>,
    ctx: &mut Ctx<'_>,
) -> Option<&'a Descriptor> {
    // Step 6.
    let zips: Vec<&Descriptor> = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == MEDIA_TYPE_ZIP_LAYER)
        .collect();
    let layer = match zips.as_slice() {
        [] => {
            ctx.error(
                p,
                FindingKind::NoZipLayer {
                    other_layers: manifest.layers.len(),
                },
            );
            return None;
        }
        [l] => *l,
        many => {
            ctx.error(p, FindingKind::AmbiguousZipLayer { count: many.len() });
            return None;
        }
    };
    *layer_digest = Some(layer.digest.clone());
    // The layer's `artifactType` is not checked: no OpenTofu release reads it (SPEC §8), and OpenTofu's own ORAS
    // recipe sets none. We write `application/vnd.opentofu.providerpkg` ourselves; others need not.
    // Step 7.
    if !layer.digest.is_sha256() {
        ctx.error(
            p,
            FindingKind::LayerDigestNotSha256 {
                digest: layer.digest.clone(),
            },
        );
        return None;
    }
    // Step 8.
    if let Some(lp) = &layer.platform
        && (lp.os != os || lp.architecture != arch)
    {
        ctx.error(
            p,
            FindingKind::LayerPlatformMismatch {
                found: lp.os_arch(),
            },
        );
        return None;
    }
    Some(layer)
}
