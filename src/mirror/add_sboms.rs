//! `mirror --add-sboms` (the default): SBOMs made from a copied provider artifact and attached to each subject —
//! platform manifest or index — that carries none. A subject with an SBOM of either kind (ours or another tool's) is
//! left as it is, so no second SBOM of a kind is ever added (Trivy reads only the first).
//!
//! Adding SBOMs never makes a copy fail: the copy is complete and live before this runs. What the artifact's content
//! does not allow — a ZIP without a readable Go binary (a placeholder, a non-Go or packed binary, a damaged file), no
//! evidence of the provider type, ZIPs that do not match the `SHA256SUMS` referrer — skips the subjects concerned with
//! one warning each ([`SbomSkip`], `sbomsSkipped` in `--json`). Only a failure to read from or write to the stores
//! (the registry or layout refusing, a blob not matching its digest) is an error.
//!
//! How: every platform ZIP (the layer blob, verified against its digest on the way) is written into a temporary
//! release directory under its layer title when that is a release file name of the provider, else under
//! `terraform-provider-TYPE_VERSION_OS_ARCH.zip`, with the index's `SHA256SUMS` referrer beside it when it names this
//! release (so the ZIPs are checked against it as `publish` checks a release). The provider type comes from the
//! artifact ([`super::identity`]). The release is scanned and rendered ([`super::provenance::prepare`]) in one pass; only
//! when that fails is each ZIP checked on its own, the unreadable ones left out and the rest scanned again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures_util::stream::{self, StreamExt as _};
use serde::Serialize;

use super::error::{MirrorError, Result};
use super::identity::{Evidence, ProviderIdentity, identify, type_from_repository};
use super::oci_sboms::{INDEX_SUBJECT, StoredProvider};
use super::provenance::{PreparedRelease, prepare};
use crate::archive::{BinarySelector, ProviderZip, names};
use crate::generate::{SbomOptions, Subject};
use crate::limits::Limits;
use crate::provider::attach::{
    self, ARTIFACT_TYPE_CHECKSUMS, AttachOptions, AttachOutcome, SbomFile,
};
use crate::provider::media_types::MEDIA_TYPE_ZIP_LAYER;
use crate::registry::copy::copy_blob;
use crate::registry::digest::Digest;
use crate::registry::layout::LayoutStore;
use crate::registry::manifest::{Descriptor, ImageManifest, decode};
use crate::registry::referrers::{self, ListOptions};
use crate::registry::store::Store;
use crate::sbom::{Format, SbomKind};

/// How many subjects are attached to at once (a provider's usual 7–9 platforms and its index in one wave).
const ATTACH_CONCURRENCY: usize = 10;

/// A subject that got no SBOM although it has none, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomSkip {
    /// `os_arch`, or [`INDEX_SUBJECT`].
    pub subject: String,
    /// Why, in one sentence.
    pub reason: String,
}

impl SbomSkip {
    /// The warning line for it.
    pub fn warning(&self) -> String {
        format!(
            "no SBOM added to {}: {} (the copy itself is complete)",
            self.subject, self.reason
        )
    }
}

/// What [`add_missing_sboms`] did.
#[derive(Debug, Default)]
pub struct AddedSboms {
    /// Subject key → what was attached.
    pub attached: Vec<(String, AttachOutcome)>,
    /// Subjects left without an SBOM, and why.
    pub skipped: Vec<SbomSkip>,
    /// The provider type the SBOMs describe (`None` when nothing was needed or nothing named one).
    pub identity: Option<ProviderIdentity>,
    /// Modules the SBOMs leave without licence, and why (`--licenses`).
    pub license_warnings: Vec<crate::licenses::LicenseWarning>,
}

/// What to add SBOMs to, and how.
#[derive(Debug)]
pub struct AddSbomsRequest<'a> {
    /// The store holding the copy.
    pub store: &'a Store,
    /// The copied artifact.
    pub artifact: &'a StoredProvider,
    /// The version (from the tag).
    pub version: &'a str,
    /// `--provider`'s type.
    pub provider_flag: Option<&'a str>,
    /// The source repository (`ns/terraform-provider-aws`) or layout directory name: the weakest evidence.
    pub source_repository: Option<&'a str>,
    /// Formats to render.
    pub formats: &'a [Format],
    /// SBOM options.
    pub sbom: &'a SbomOptions,
    /// How to attach.
    pub attach: &'a AttachOptions,
    /// Limits on what is read.
    pub limits: &'a Limits,
}

/// Adds SBOMs to the subjects of `req.artifact` that have none (module docs).
pub async fn add_missing_sboms(req: &AddSbomsRequest<'_>) -> Result<AddedSboms> {
    let (lacking, sums) = lacking_subjects(req).await?;
    let mut out = AddedSboms::default();
    if lacking.is_empty() {
        return Ok(out);
    }
    let skip_all = |out: &mut AddedSboms, reason: &str| {
        for key in &lacking {
            if !out.skipped.iter().any(|s| &s.subject == key) {
                out.skipped.push(SbomSkip {
                    subject: key.clone(),
                    reason: reason.to_owned(),
                });
            }
        }
    };
    let work = tempfile::Builder::new()
        .prefix("tofu-sbom-add-sboms")
        .tempdir()
        .map_err(|e| MirrorError::io("creating a temporary directory for", "add-sboms", e))?;
    let zips = fetch_zips(req, work.path()).await?;
    let executables: Vec<String> = zips
        .values()
        .filter_map(|path| {
            ProviderZip::open(path, &BinarySelector::Any, req.limits)
                .ok()
                .map(|z| z.binary().name.clone())
        })
        .collect();
    let evidence = Evidence {
        flag: req.provider_flag,
        titles: req
            .artifact
            .platforms
            .values()
            .filter_map(|p| p.zip_name.as_deref())
            .collect(),
        executables: executables.iter().map(String::as_str).collect(),
        source_repository: req.source_repository,
    };
    let Some(identity) = identify(&evidence) else {
        skip_all(
            &mut out,
            "nothing names the provider type (no zip layer title is a release file name and no ZIP holds a \
             terraform-provider-* executable); give --provider HOST/NAMESPACE/TYPE",
        );
        return Ok(out);
    };
    let release_dir = work.path().join("release");
    let names = write_release(req, &identity.provider_type, &zips, sums, &release_dir).await?;
    out.identity = Some(identity.clone());
    let prepared = match prepare_lenient(req, &identity, &names, &release_dir, &lacking, &mut out) {
        Ok(p) => p,
        Err(reason) => {
            skip_all(&mut out, &reason);
            return Ok(out);
        }
    };
    out.license_warnings.clone_from(&prepared.license_warnings);
    let mut jobs = Vec::new();
    for (key, digest) in req.artifact.subjects() {
        if !lacking.contains(&key) || out.skipped.iter().any(|s| s.subject == key) {
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
        if !files.is_empty() {
            jobs.push((key, digest, files));
        }
    }
    // Every subject concurrently (as publish attaches): each has its own lock and fallback tag, so on a registry
    // without the referrers API their settle delays overlap instead of adding up. Results keep the subjects' order.
    let results: Vec<_> = stream::iter(jobs.into_iter().map(|(key, digest, files)| async move {
        let subject = attach::subject_descriptor(req.store, &digest).await?;
        let outcome = attach::attach(req.store, &subject, &files, req.attach).await?;
        Ok::<_, crate::provider::ProviderError>((key, outcome))
    }))
    .buffered(ATTACH_CONCURRENCY)
    .collect()
    .await;
    for r in results {
        out.attached.push(r?);
    }
    Ok(out)
}

/// The subjects without an SBOM of either kind, and the index's `SHA256SUMS` referrer (title, digest) if any.
async fn lacking_subjects(
    req: &AddSbomsRequest<'_>,
) -> Result<(Vec<String>, Option<(String, Digest)>)> {
    let mut lacking: Vec<String> = Vec::new();
    let mut sums: Option<(String, Digest)> = None;
    for (key, digest) in req.artifact.subjects() {
        let listing = referrers::list_referrers(
            req.store,
            &digest,
            &ListOptions {
                mode: req.attach.mode,
                artifact_type: None,
            },
        )
        .await?;
        // Entries a registry lists under the empty config media type count with their manifest's type.
        let entries = referrers::with_declared_artifact_types(req.store, listing.entries).await;
        // An SBOM of any kind we know (CycloneDX, SPDX 2, SPDX 3) counts.
        if !entries
            .iter()
            .any(|e| SbomKind::from_artifact_type(&e.artifact_type).is_some())
        {
            lacking.push(key.clone());
        }
        if key == INDEX_SUBJECT
            && let Some(e) = entries
                .iter()
                .find(|e| e.artifact_type == ARTIFACT_TYPE_CHECKSUMS)
        {
            sums = Some((e.title.clone().unwrap_or_default(), e.digest.clone()));
        }
    }
    Ok((lacking, sums))
}

/// Copies every platform's ZIP blob (verified against its digest) into a layout under `work`: `os_arch` → blob path.
async fn fetch_zips(req: &AddSbomsRequest<'_>, work: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let blobs = LayoutStore::open_or_create(&work.join("blobs"))?;
    let tmp = Store::Layout {
        layout: blobs.clone(),
        limits: *req.limits,
    };
    let mut zips = BTreeMap::new();
    for (os_arch, p) in &req.artifact.platforms {
        let desc = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, p.zip_digest.clone(), p.zip_size);
        copy_blob(req.store, &tmp, &desc, None).await?;
        zips.insert(os_arch.clone(), blobs.blob_path(&p.zip_digest));
    }
    Ok(zips)
}

/// Writes the release directory: each ZIP under its file name, and the `SHA256SUMS` referrer's content when it is
/// named for this provider. Returns `os_arch` → file name.
async fn write_release(
    req: &AddSbomsRequest<'_>,
    provider_type: &str,
    zips: &BTreeMap<String, PathBuf>,
    sums: Option<(String, Digest)>,
    release_dir: &Path,
) -> Result<BTreeMap<String, String>> {
    std::fs::create_dir_all(release_dir)
        .map_err(|e| MirrorError::io("creating", release_dir, e))?;
    let mut names = BTreeMap::new();
    for (os_arch, blob) in zips {
        let title = req.artifact.platforms[os_arch].zip_name.as_deref();
        let name = match title {
            Some(t) if super::identity::type_from_title(t).as_deref() == Some(provider_type) => {
                t.to_owned()
            }
            _ => names::zip_name(provider_type, req.version, os_arch),
        };
        let dest = release_dir.join(&name);
        std::fs::copy(blob, &dest).map_err(|e| MirrorError::io("writing", &dest, e))?;
        names.insert(os_arch.clone(), name);
    }
    if let Some((title, digest)) = sums
        && names::parse_checksums_name(Path::new(&title))
            .is_ok_and(|p| p.provider_type == provider_type && !title.contains('/'))
    {
        let m = req.store.fetch_manifest(&digest).await?;
        let manifest: ImageManifest = decode(&m.bytes, &format!("referrer {digest}"))?;
        if let [layer] = manifest.layers.as_slice() {
            let bytes = req
                .store
                .read_blob(&layer.digest, req.limits.max_sbom_bytes)
                .await?;
            let dest = release_dir.join(&title);
            std::fs::write(&dest, bytes).map_err(|e| MirrorError::io("writing", &dest, e))?;
        }
    }
    Ok(names)
}

/// Scans and renders the release; when that fails, leaves out (and records in `out.skipped`) each ZIP that cannot be
/// read on its own and tries once more. `Err(reason)` when no SBOM can be made at all.
fn prepare_lenient(
    req: &AddSbomsRequest<'_>,
    identity: &ProviderIdentity,
    names: &BTreeMap<String, String>,
    release_dir: &Path,
    lacking: &[String],
    out: &mut AddedSboms,
) -> std::result::Result<PreparedRelease, String> {
    let run = || {
        prepare(
            release_dir,
            &[],
            None,
            req.formats,
            req.sbom,
            None,
            req.limits,
        )
    };
    let first = match run() {
        Ok(p) => return Ok(p),
        Err(e) => relative(&e.to_string(), release_dir),
    };
    let mut unreadable = 0;
    for (os_arch, name) in names {
        let path = release_dir.join(name);
        let Some(reason) = unreadable_reason(&path, &identity.provider_type, req.limits) else {
            continue;
        };
        unreadable += 1;
        std::fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
        if lacking.contains(os_arch) {
            out.skipped.push(SbomSkip {
                subject: os_arch.clone(),
                reason: relative(&reason, release_dir),
            });
        }
    }
    if unreadable == 0 {
        return Err(first);
    }
    if unreadable == names.len() {
        return Err(
            "no platform ZIP holds a provider binary with readable Go build info".to_owned(),
        );
    }
    run().map_err(|e| relative(&e.to_string(), release_dir))
}

/// Why the ZIP at `path` gives no SBOM on its own (no executable OpenTofu would run, no Go build info, no module
/// information), or `None` when it does.
fn unreadable_reason(path: &Path, provider_type: &str, limits: &Limits) -> Option<String> {
    let selector = BinarySelector::ProviderType(provider_type.to_owned());
    let zip = match ProviderZip::open(path, &selector, limits) {
        Ok(z) => z,
        Err(e) => return Some(e.to_string()),
    };
    let scan = match zip.scan(|r| crate::buildinfo::read(r, limits)) {
        Ok(s) => s,
        Err(e) => return Some(e.to_string()),
    };
    match scan.binary {
        Err(e) => Some(format!("{}: {e}", scan.binary_name)),
        Ok(b) if b.main.is_none() => Some(format!(
            "{} has Go build info but no module information",
            scan.binary_name
        )),
        Ok(_) => None,
    }
}

/// `text` with the temporary release directory's path taken out (messages name the ZIP by its file name).
fn relative(text: &str, release_dir: &Path) -> String {
    text.replace(&format!("{}/", release_dir.display()), "")
}

/// The source repository's name (registry repository, or layout directory name): evidence for [`identify`].
pub fn source_repository(source: &crate::registry::reference::Target) -> Option<String> {
    use crate::registry::reference::Target;
    let s = match source {
        Target::Registry(r) => r.repository.clone(),
        Target::Layout(l) => l.dir.file_name()?.to_string_lossy().into_owned(),
    };
    type_from_repository(&s).map(|_| s)
}
