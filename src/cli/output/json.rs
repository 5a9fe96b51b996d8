//! The `--json` documents of `generate`, `publish` and `verify` (the library's own result types serialise
//! themselves; these add what only the command knows: file paths, `ok`, the lock-file block).
//!
//! Shapes only: the field names are a public interface, pinned by the CLI tests.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use tofu_sbom::generate::{Document, ScannedRelease, Subject};
use tofu_sbom::provider::attach::PrunedReferrer;
use tofu_sbom::provider::push::PushOutcome;
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::verify::artifact::VerifyReport;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateJson {
    pub(crate) provider_type: String,
    pub(crate) version: String,
    pub(crate) provider: Option<String>,
    pub(crate) timestamp: String,
    pub(crate) platforms: Vec<PlatformJson>,
    pub(crate) documents: Vec<DocumentJson>,
    pub(crate) lockfile: Option<String>,
    /// Modules left without licence, and why (`--licenses`); absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) license_warnings: Vec<tofu_sbom::licenses::LicenseWarning>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformJson {
    pub(crate) platform: String,
    pub(crate) zip: String,
    pub(crate) zip_sha256: String,
    pub(crate) binary: String,
    pub(crate) binary_sha256: String,
    pub(crate) go_version: String,
    pub(crate) modules: usize,
    pub(crate) zh: String,
    pub(crate) h1: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DocumentJson {
    pub(crate) file: String,
    pub(crate) format: &'static str,
    /// `os_arch`, or `release` for the release-wide document.
    pub(crate) subject: String,
    pub(crate) sha256: String,
}

pub(crate) fn platform_json(release: &ScannedRelease) -> Vec<PlatformJson> {
    release
        .platforms
        .iter()
        .map(|p| PlatformJson {
            platform: p.platform.to_string(),
            zip: p.zip_name.clone(),
            zip_sha256: p.zip_digests.sha256_hex(),
            binary: p.binary_name.clone(),
            binary_sha256: p.binary_digests.sha256_hex(),
            go_version: p.buildinfo.go_version.clone(),
            modules: p.buildinfo.deps.len(),
            zh: p.zh(),
            h1: p.h1.clone(),
        })
        .collect()
}

pub(crate) fn document_json(docs: &[Document], dir: Option<&std::path::Path>) -> Vec<DocumentJson> {
    docs.iter()
        .map(|d| DocumentJson {
            file: match dir {
                Some(dir) => dir.join(&d.file_name).display().to_string(),
                None => d.file_name.clone(),
            },
            format: d.format.name(),
            subject: match &d.subject {
                Subject::Platform(p) => p.to_string(),
                Subject::Release => "release".to_owned(),
            },
            sha256: hex::encode(Sha256::digest(&d.bytes)),
        })
        .collect()
}

/// The `--json` result of `publish`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublishJson<'a> {
    pub(crate) push: &'a PushOutcome,
    /// SBOM referrer manifest digests, keyed by subject (`index` or `os_arch`) then document file name.
    pub(crate) referrers: BTreeMap<String, BTreeMap<String, Digest>>,
    /// `--prune-own-referrers`: the referrers removed, keyed by subject (`index` or `os_arch`); only subjects with one.
    pub(crate) pruned: BTreeMap<String, &'a [PrunedReferrer]>,
    pub(crate) documents: Vec<DocumentJson>,
    pub(crate) lockfile: Option<String>,
    pub(crate) tofurc: Option<&'a str>,
    /// Why `tofurc` is null for a registry: OpenTofu cannot reach it over plain HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tofurc_unusable: Option<&'a str>,
    /// Modules left without licence, and why (`--licenses`); absent when there are none.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(crate) license_warnings: &'a [tofu_sbom::licenses::LicenseWarning],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyJson<'a> {
    /// Both verdicts hold (exit 0).
    pub(crate) ok: bool,
    /// OpenTofu's verdict ([`VerifyReport::opentofu_would_install`]).
    pub(crate) opentofu_would_install: bool,
    /// The SBOM policy verdict: `ok`, `failed` or `skipped`.
    pub(crate) sbom_policy: tofu_sbom::verify::artifact::SbomPolicy,
    #[serde(flatten)]
    pub(crate) report: &'a VerifyReport,
}
