//! Provenance of a mirrored release: how it was authenticated (recorded on its SBOMs) and its `SHA256SUMS` and `.sig`
//! attached to the index as referrers. What `tofu-sbom mirror` runs for a provider-registry source after
//! [`super::download`], and for a release directory.
//!
//! Owns only what is mirror-specific; scanning and rendering ([`crate::generate`]), packaging, pushing and attaching
//! SBOMs ([`crate::provider::publish`]) are called, not re-done, here. Knows nothing of the CLI or of where the release
//! came from (a provider registry, a copied OCI artifact or a local directory).
//!
//! 1. [`prepare`]: the release directory is read back and scanned, and its SBOM documents rendered. How the release
//!    was authenticated is recorded on the SBOMs' root component ([`PROP_SIGNATURE`] = `verified` with
//!    [`PROP_SIGNING_KEY`], or `unverified` for `--allow-unsigned`): a CycloneDX property of `metadata.component`
//!    and, in SPDX, an annotation of the root package (the places every `tofu-sbom:` property of the root goes, so
//!    the documents still validate against both schemas). It is [`SbomOptions::release_signature`], so the
//!    documents come from the one generate pipeline, and `verify --release` reads it back and re-derives them.
//! 2. [`publish_with_provenance`]: [`crate::provider::publish::publish_with_provenance`] (push by digest, SBOMs onto
//!    the platforms and the index, the release's `SHA256SUMS` (`text/plain`) and its signature
//!    (`application/pgp-signature`) onto the index, and last the tags). Every step is idempotent, so a re-run writes nothing.

use std::path::Path;

use serde::Serialize;

use super::download::{Authentication, MirroredVersion};
use super::error::{MirrorError, Result};
use crate::archive::ProviderAddress;
use crate::archive::lockfile::ProviderLock;
use crate::archive::release::Release;
use crate::generate::{self, Document, GenerateError, SbomOptions, ScannedRelease};
use crate::inventory::ReleaseSignature;
use crate::licenses::LicenseWarning;
use crate::limits::Limits;
use crate::provider::artifact::ProviderPackage;
use crate::provider::attach::{AttachOutcome, ProvenanceFile, ProvenanceKind};
use crate::provider::publish::{PublishOptions, PublishOutcome};
use crate::registry::reference::Target;
use crate::registry::store::Store;
use crate::sbom::Format;

/// Root-component property: how the release's checksums were authenticated — `verified` (its `SHA256SUMS`
/// signature verified with a key the registry published) or `unverified` (mirrored with `--allow-unsigned`).
pub use crate::inventory::PROP_RELEASE_SIGNATURE as PROP_SIGNATURE;
/// Root-component property: the fingerprint (uppercase hex) of the key that verified the signature.
pub use crate::inventory::PROP_RELEASE_SIGNING_KEY as PROP_SIGNING_KEY;

/// What the SBOMs record about `auth` (the generate pipeline writes it on every document's root component).
pub fn release_signature(auth: &Authentication) -> ReleaseSignature {
    match auth {
        Authentication::Signed { check, .. } => ReleaseSignature::Verified {
            fingerprint: check.fingerprint.clone(),
        },
        Authentication::UnsignedAllowed => ReleaseSignature::Unverified,
    }
}

/// A release ready to publish.
#[derive(Debug)]
pub struct PreparedRelease {
    /// The scanned release.
    pub scanned: ScannedRelease,
    /// The provider address (given, else derived from the main module).
    pub address: Option<ProviderAddress>,
    /// The SBOM documents.
    pub documents: Vec<Document>,
    /// The OCI package.
    pub package: ProviderPackage,
    /// Its `SHA256SUMS` and signature, when the directory has them.
    pub provenance: Vec<ProvenanceFile>,
    /// The lock-file entry (`h1:` and `zh:` of every platform), when the address is known.
    pub lock: Option<ProviderLock>,
    /// Modules left without licence, and why (`--licenses`; what `generate` and `publish` print).
    pub license_warnings: Vec<LicenseWarning>,
}

/// Reads and scans the release in `dir` (only `platforms` when not empty, `os_arch`), renders its documents with
/// `auth` recorded (see the module docs) and builds the OCI package. `sbom.address` names the provider.
pub fn prepare(
    dir: &Path,
    platforms: &[crate::archive::release::Platform],
    auth: Option<&Authentication>,
    formats: &[Format],
    sbom: &SbomOptions,
    source_url: Option<String>,
    limits: &Limits,
) -> Result<PreparedRelease> {
    let read_back = |e| MirrorError::ReleaseReadBack {
        dir: dir.to_owned(),
        source: Box::new(e),
    };
    let mut release = Release::from_dir(dir, limits).map_err(read_back)?;
    if !platforms.is_empty() {
        release.select_platforms(platforms).map_err(read_back)?;
    }
    let provenance = provenance_files(&release, limits)?;
    let scanned = generate::scan(&mut release, limits)?;
    let mut sbom = SbomOptions {
        release_signature: auth.map(release_signature),
        ..sbom.clone()
    };
    let mut license_warnings = Vec::new();
    if sbom.licenses.is_none()
        && let Some(cfg) = &sbom.license_config
    {
        let modules = crate::licenses::modules_of(scanned.build_infos());
        if let Some(r) = crate::licenses::resolve_blocking(&modules, cfg)? {
            sbom.licenses = Some(r.licenses);
            license_warnings = r.warnings;
        }
    }
    let input = generate::release_input(&scanned, &sbom);
    let documents = generate::documents(&input, formats)?;
    let created = input
        .timestamp
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| GenerateError::BadTimestamp {
            given: input.timestamp.to_string(),
            reason: e.to_string(),
        })?;
    let package = crate::provider::publish::provider_package(&scanned, created, source_url);
    let address = scanned.address(sbom.address.as_ref());
    let lock = address.as_ref().map(|a| scanned.lock(a));
    Ok(PreparedRelease {
        scanned,
        address,
        documents,
        package,
        provenance,
        lock,
        license_warnings,
    })
}

/// The release's `SHA256SUMS` and `.sig` (when present), byte for byte.
fn provenance_files(release: &Release, limits: &Limits) -> Result<Vec<ProvenanceFile>> {
    let mut out = Vec::new();
    let Some(sums) = release.checksums.first() else {
        return Ok(out);
    };
    let files = [
        (ProvenanceKind::Checksums, Some(sums.path.as_path())),
        (ProvenanceKind::Signature, sums.signature.as_deref()),
    ];
    for (kind, path) in files {
        let Some(path) = path else { continue };
        let bytes = read_small(path, limits.max_sbom_bytes)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(ProvenanceFile::new(kind, name, bytes));
    }
    Ok(out)
}

fn read_small(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| MirrorError::io("reading", path, e))?;
    let mut bytes = Vec::new();
    f.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| MirrorError::io("reading", path, e))?;
    if bytes.len() as u64 > max {
        return Err(MirrorError::TooLarge {
            what: path.display().to_string(),
            limit: max,
        });
    }
    Ok(bytes)
}

/// What [`publish_with_provenance`] did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedRelease {
    /// Push and SBOM referrers.
    #[serde(skip)]
    pub outcome: PublishOutcome,
    /// The provenance referrers on the index (`None` on a dry run or when the release has no `SHA256SUMS`).
    pub provenance: Option<AttachOutcome>,
}

/// Publishes `prepared` to `target` and attaches its provenance files to the index (see the module docs).
pub async fn publish_with_provenance(
    prepared: &PreparedRelease,
    store: &Store,
    target: &Target,
    opts: &PublishOptions,
) -> Result<PublishedRelease> {
    // The provenance files go onto the index before the tags, like the SBOMs: a failure leaves no tag written.
    let (outcome, provenance) = crate::provider::publish::publish_with_provenance(
        &prepared.package,
        &prepared.documents,
        &prepared.provenance,
        store,
        target,
        opts,
    )
    .await?;
    Ok(PublishedRelease {
        outcome,
        provenance,
    })
}

/// The release directory of a mirrored version, prepared with its authentication recorded.
pub fn prepare_mirrored(
    v: &MirroredVersion,
    formats: &[Format],
    sbom: &SbomOptions,
    limits: &Limits,
) -> Result<PreparedRelease> {
    prepare(
        &v.dir,
        &[],
        Some(&v.authentication),
        formats,
        sbom,
        None,
        limits,
    )
}
