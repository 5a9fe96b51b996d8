//! What mirroring one version did, as the CLI prints it (text and `--json`): the typed outcome of
//! [`super::mirror_provider`], [`super::mirror_oci`] and [`super::mirror_release`].
//!
//! Knows the results of the download, the provider publish stage and the OCI copy; knows nothing of how they are
//! printed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::archive::lockfile;
use crate::licenses::LicenseWarning;
use crate::mirror::add_sboms::SbomSkip;
use crate::mirror::download::{Authentication, MirroredVersion};
use crate::mirror::oci_sboms;
use crate::mirror::provenance::{PreparedRelease, PublishedRelease};
use crate::provider::attach::{AttachOutcome, AttachStatus};
use crate::registry::copy::SkippedReferrer;
use crate::registry::digest::Digest;

/// Counts of one kind of item.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Blobs.
    pub blobs: usize,
    /// Bytes of those blobs.
    pub bytes: u64,
    /// Manifests of the provider graph (OCI copies; a push reports blobs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifests: Option<usize>,
    /// Referrers.
    pub referrers: usize,
}

/// The signature status of a version from a provider registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureStatus {
    /// `verified` or `unverified`.
    pub status: &'static str,
    /// The verifying key's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The verifying key's fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// The download of a version from a provider registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadSummary {
    /// The release directory.
    pub dir: PathBuf,
    /// ZIPs downloaded.
    pub downloaded: usize,
    /// ZIPs already present.
    pub skipped: usize,
    /// Bytes downloaded.
    pub downloaded_bytes: u64,
}

/// One platform of the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformDigests {
    /// The platform manifest.
    pub manifest_digest: Digest,
    /// The ZIP layer.
    pub zip_digest: Digest,
}

/// What mirroring one version did (or, on a dry run, would do).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionOutcome {
    /// The version.
    pub version: String,
    /// The source of this version (`HOST/NAMESPACE/TYPE@VERSION`, an OCI reference or a directory).
    pub source: String,
    /// The pinned target reference (`HOST/REPO@sha256:…` or `oci-layout:DIR@sha256:…`); empty on a dry run.
    pub target: String,
    /// The tag on the target.
    pub tag: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// The target already held this version complete: nothing was downloaded or written (provider registry sources).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_present: bool,
    /// The signature status (provider registry sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureStatus>,
    /// The download (provider registry sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<DownloadSummary>,
    /// The index digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<Digest>,
    /// Platforms by `os_arch`.
    pub platforms: BTreeMap<String, PlatformDigests>,
    /// What was written.
    pub copied: Counts,
    /// What was already present.
    pub skipped: Counts,
    /// Referrer manifest digests on the target: subject (`index` or `os_arch`) → title → digest.
    pub referrers: BTreeMap<String, BTreeMap<String, Digest>>,
    /// SBOM subjects `--add-sboms` attached to (OCI sources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_sboms: Vec<String>,
    /// Subjects `--add-sboms` left without an SBOM although they have none (a ZIP without readable Go build info, no
    /// provider type, …), each with its reason; the copy itself is complete. Each is also a warning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sboms_skipped: Vec<SbomSkip>,
    /// Referrers the OCI source lists but does not have (dangling entries): not copied, not listed in the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_referrers: Vec<SkippedReferrer>,
    /// The `.tofurc` block for the target, when the provider address is known and OpenTofu can reach the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tofurc: Option<String>,
    /// Why there is no `.tofurc` block for a registry target: it was reached over plain HTTP, which OpenTofu never
    /// speaks ([`crate::provider::push::tofurc_for_store`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tofurc_unusable: Option<String>,
    /// The `.terraform.lock.hcl` block, when the provider address is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<String>,
    /// Warnings: from the registry, about the provider's identity, about subjects left without an SBOM.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Modules the SBOMs leave without licence, and why (`--licenses`; the `licenseWarnings` of `generate` and
    /// `publish`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub license_warnings: Vec<LicenseWarning>,
}

/// A version that failed while the others of its source went on, as reported (`failedVersions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedVersionOutcome {
    /// The version.
    pub version: String,
    /// Why.
    pub error: String,
}

impl From<&super::FailedVersion> for FailedVersionOutcome {
    fn from(f: &super::FailedVersion) -> Self {
        Self {
            version: f.version.clone(),
            error: f.error.to_string(),
        }
    }
}

impl VersionOutcome {
    /// A dry run's outcome: `version` of `source` would be tagged `tag`; nothing was written.
    pub(super) fn planned(
        version: String,
        source: String,
        tag: String,
        index_digest: Option<Digest>,
        (tofurc, tofurc_unusable): (Option<String>, Option<String>),
    ) -> Self {
        Self {
            version,
            source,
            target: String::new(),
            tag,
            dry_run: true,
            already_present: false,
            signature: None,
            download: None,
            index_digest,
            platforms: BTreeMap::new(),
            copied: Counts::default(),
            skipped: Counts::default(),
            referrers: BTreeMap::new(),
            added_sboms: Vec::new(),
            sboms_skipped: Vec::new(),
            skipped_referrers: Vec::new(),
            tofurc,
            tofurc_unusable,
            lockfile: None,
            warnings: Vec::new(),
            license_warnings: Vec::new(),
        }
    }

    /// The outcome of a release published with its provenance (`mirrored`: how it was downloaded, for a provider
    /// registry source).
    pub(super) fn published(
        source: String,
        prepared: &PreparedRelease,
        published: &PublishedRelease,
        mirrored: Option<&MirroredVersion>,
    ) -> Self {
        let push = &published.outcome.push;
        let mut referrers = published.outcome.referrer_digests();
        let mut copied_refs = 0;
        let mut skipped_refs = 0;
        let mut count = |o: &AttachOutcome| {
            for r in &o.referrers {
                match r.status {
                    AttachStatus::Added => copied_refs += 1,
                    _ => skipped_refs += 1,
                }
            }
        };
        for s in &published.outcome.attached {
            count(&s.outcome);
        }
        if let Some(p) = &published.provenance {
            count(p);
            let m = referrers
                .entry(oci_sboms::INDEX_SUBJECT.to_owned())
                .or_default();
            for r in &p.referrers {
                m.insert(r.title.clone(), r.digest.clone());
            }
        }
        Self {
            version: prepared.scanned.version.clone(),
            source,
            target: if push.dry_run {
                String::new()
            } else {
                push.pinned_reference.clone()
            },
            tag: push.tags.first().cloned().unwrap_or_default(),
            dry_run: push.dry_run,
            already_present: false,
            signature: mirrored.map(|v| signature_status(&v.authentication)),
            download: mirrored.map(|v| DownloadSummary {
                dir: v.dir.clone(),
                downloaded: v.downloaded,
                skipped: v.skipped,
                downloaded_bytes: v.downloaded_bytes,
            }),
            index_digest: Some(push.index_digest.clone()),
            platforms: push
                .platforms
                .iter()
                .map(|(k, p)| {
                    (
                        k.clone(),
                        PlatformDigests {
                            manifest_digest: p.manifest_digest.clone(),
                            zip_digest: p.layer_digest.clone(),
                        },
                    )
                })
                .collect(),
            copied: Counts {
                blobs: push.uploaded_blobs,
                bytes: push.uploaded_bytes,
                manifests: None,
                referrers: copied_refs,
            },
            skipped: Counts {
                blobs: push.skipped_blobs,
                bytes: 0,
                manifests: None,
                referrers: skipped_refs,
            },
            referrers,
            added_sboms: Vec::new(),
            sboms_skipped: Vec::new(),
            skipped_referrers: Vec::new(),
            tofurc: push.tofurc.clone(),
            tofurc_unusable: push.tofurc_unusable.clone(),
            lockfile: prepared.lock.as_ref().map(lockfile::render_provider_block),
            warnings: mirrored.map(|v| v.warnings.clone()).unwrap_or_default(),
            license_warnings: prepared.license_warnings.clone(),
        }
    }
}

fn signature_status(auth: &Authentication) -> SignatureStatus {
    match auth {
        Authentication::Signed { check, .. } => SignatureStatus {
            status: "verified",
            key_id: Some(check.key_id.clone()),
            fingerprint: Some(check.fingerprint.clone()),
        },
        _ => SignatureStatus {
            status: "unverified",
            key_id: None,
            fingerprint: None,
        },
    }
}
