//! The bottom of `verify`: what a verification reports — per tag, per platform, per SBOM referrer, the
//! `--release` comparison (`ReleaseReport`) — and the findings (`finding`). Every check above (`artifact`,
//! `sboms`, `release`) fills these types; none of them is needed to read a report.
//!
//! Knows digests and the finding messages; nothing of stores, registries' clients, referrers discovery or how a
//! release is scanned. The `--release` part is declared here (not in `verify::release`) so that the artifact report
//! does not depend on the release re-derivation.

mod finding;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::registry::digest::Digest;

pub use finding::{Finding, FindingKind, Severity, Verdict};

/// What was found for one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformReport {
    /// The platform manifest digest.
    pub manifest_digest: Digest,
    /// The zip layer digest (`zh:` hash), when one was selected.
    pub layer_digest: Option<Digest>,
    /// The blob size, when it was re-hashed successfully.
    pub zip_size: Option<u64>,
    /// True when every step passed for this platform (SBOM checks included, when enabled).
    pub ok: bool,
    /// The SBOM referrers checked (empty when SBOM checks are off).
    pub sboms: Vec<SbomReport>,
}

/// One SBOM referrer checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomReport {
    /// Its artifactType.
    pub artifact_type: String,
    /// The referrer manifest digest.
    pub referrer: Digest,
    /// Its title annotation.
    pub title: Option<String>,
    /// Its created annotation.
    pub created: Option<String>,
    /// The SBOM layer digest, when it could be read.
    pub sbom_digest: Option<Digest>,
    /// True when it is readable and its ZIP hashes match the stored layers.
    pub ok: bool,
}

/// The verification result of one tag (or digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagReport {
    /// The tag verified (`None` when verifying a digest).
    pub tag: Option<String>,
    /// The index digest, when resolved.
    pub index_digest: Option<Digest>,
    /// Per platform, keyed `os_arch`.
    pub platforms: BTreeMap<String, PlatformReport>,
    /// The index's SBOM referrers checked (empty when SBOM checks are off).
    pub index_sboms: Vec<SbomReport>,
}

/// The verification result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// What was verified (`HOST/REPO` or `oci-layout:DIR`).
    pub target: String,
    /// One report per tag verified.
    pub tags: Vec<TagReport>,
    /// Every problem, in the order found.
    pub findings: Vec<Finding>,
    /// The `--release` comparison, when one was asked for (see `verify::release`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseReport>,
    /// True when the SBOM referrers were checked (the SBOM policy verdict is not [`SbomPolicy::Skipped`] for want
    /// of checks).
    #[serde(skip)]
    pub sboms_checked: bool,
}

/// The SBOM policy verdict of a [`VerifyReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SbomPolicy {
    /// Every SBOM check ran and passed.
    Ok,
    /// An SBOM check failed (an error finding of [`Verdict::SbomPolicy`]).
    Failed,
    /// Not evaluated: SBOM checks were off, or OpenTofu's checks failed before the SBOMs of every subject could be
    /// reached and no SBOM check that did run failed.
    Skipped,
}

impl VerifyReport {
    /// True when no finding is an error: OpenTofu would install it and the SBOM policy is not failed.
    pub fn ok(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// OpenTofu's verdict: `tofu init` would install every platform of every tag verified (no error finding of
    /// [`Verdict::Opentofu`]).
    pub fn opentofu_would_install(&self) -> bool {
        !self.errors().any(|f| f.verdict == Verdict::Opentofu)
    }

    /// The SBOM policy verdict.
    pub fn sbom_policy(&self) -> SbomPolicy {
        if self.errors().any(|f| f.verdict == Verdict::SbomPolicy) {
            SbomPolicy::Failed
        } else if self.sboms_checked && self.opentofu_would_install() {
            SbomPolicy::Ok
        } else {
            SbomPolicy::Skipped
        }
    }

    /// Appends a finding (its message is the kind's text); `platform` is the `os_arch` concerned, if any.
    pub fn push_finding(&mut self, severity: Severity, platform: Option<&str>, kind: FindingKind) {
        let tag = self.tags.first().and_then(|t| t.tag.clone());
        let message = kind.to_string();
        self.findings.push(Finding {
            severity,
            tag,
            platform: platform.map(str::to_owned),
            verdict: kind.verdict(),
            kind,
            message,
        });
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
}

/// The settings the SBOMs were re-derived with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSettings {
    /// RFC 3339, when known.
    pub timestamp: Option<String>,
    /// Format names (`cyclonedx-json@1.6`, …), in [`crate::sbom::Format::ALL`] order.
    pub formats: Vec<String>,
    /// `HOST/NAMESPACE/TYPE`, when recorded.
    pub provider: Option<String>,
    /// The supplier, when recorded.
    pub supplier: Option<String>,
    /// The authors, in `--author` syntax (`NAME <EMAIL>`, `org:NAME`).
    pub authors: Vec<String>,
    /// How a mirrored release was authenticated (`verified`, `unverified`), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_signature: Option<String>,
    /// The fingerprint of the key that verified it, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// The licence source (`goproxy`, `modcache`, `dir`), when licences were resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses: Option<String>,
    /// The settings given explicitly rather than read back.
    pub overridden: Vec<String>,
}

/// How a stored document was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Byte for byte (same tool version).
    Identical,
    /// Component and hash sets (another tool version).
    Sets,
    /// Nothing stored to compare with.
    Missing,
}

/// One derived document and the stored one it was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentCheck {
    /// The derived document's file name.
    pub file: String,
    /// Its format.
    pub format: String,
    /// The stored referrer it matched (or the first one compared, when none matched).
    pub referrer: Option<Digest>,
    /// The tool that wrote the stored document (`NAME/VERSION`).
    pub stored_tool: Option<String>,
    /// How it was compared.
    pub comparison: Comparison,
    /// True when it matched.
    pub ok: bool,
}

/// The `--release` part of a [`VerifyReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseReport {
    /// `terraform-provider-TYPE_VERSION`.
    pub release: String,
    /// The settings used (`None`: not enough could be read back to derive anything).
    pub settings: ReleaseSettings,
    /// Per subject (`index`, `os_arch`), one entry per derived document.
    pub subjects: BTreeMap<String, Vec<DocumentCheck>>,
}

/// Where the checks add their findings: the report's list and the tag being verified.
pub(crate) struct Ctx<'a> {
    pub(crate) findings: &'a mut Vec<Finding>,
    pub(crate) tag: Option<String>,
}

impl Ctx<'_> {
    pub(crate) fn add(&mut self, severity: Severity, platform: Option<&str>, kind: FindingKind) {
        let message = kind.to_string();
        self.findings.push(Finding {
            severity,
            tag: self.tag.clone(),
            platform: platform.map(str::to_owned),
            verdict: kind.verdict(),
            kind,
            message,
        });
    }
    pub(crate) fn error(&mut self, platform: Option<&str>, kind: FindingKind) {
        self.add(Severity::Error, platform, kind);
    }
    pub(crate) fn error_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
}
