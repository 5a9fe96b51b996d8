//! The SBOM referrer checks of `verify` (SPEC §6): which SBOM kinds each subject must carry ([`SbomExpectation`]),
//! and, for every SBOM referrer attached, that it is readable (referrer shape, blob digest, parses as its
//! `artifactType` says) and that the ZIP SHA-256 it records ([`crate::sbom::zip_claims`]) equals the ZIP layer
//! actually stored: per platform the platform's layer, for the index every platform's layer and nothing else.
//!
//! Reads SBOMs only through `crate::sbom::read`; knows the report (`crate::verify::report`) below it, not the
//! OpenTofu replay ([`crate::verify::artifact`]) that calls it nor the release re-derivation.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::limits::Limits;
use crate::lint::{self, Profile};
use crate::provider::sbom_pull::fetch_referrer_sbom;
use crate::registry::digest::Digest;
use crate::registry::manifest::MEDIA_TYPE_EMPTY;
use crate::registry::referrers::{
    ListOptions, ReferrersMode, declared_artifact_types, list_referrers,
};
use crate::registry::store::Store;
use crate::sbom::{ReadError, SbomKind, zip_claims};
use crate::verify::report::{Ctx, FindingKind, SbomReport, Severity};

/// Which SBOM kinds a subject must carry (exactly one referrer each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomKinds {
    /// A CycloneDX JSON referrer.
    pub cyclonedx: bool,
    /// An SPDX JSON referrer.
    pub spdx: bool,
    /// An SPDX 3 JSON-LD referrer (not expected unless asked for: `--format spdx-json@3.0.1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spdx3: bool,
}

impl SbomKinds {
    /// CycloneDX and SPDX JSON (what `publish` attaches by default).
    pub const BOTH: Self = Self {
        cyclonedx: true,
        spdx: true,
        spdx3: false,
    };
    /// None (the subject is not checked for SBOMs, but SBOMs attached to it still are).
    pub const NONE: Self = Self {
        cyclonedx: false,
        spdx: false,
        spdx3: false,
    };

    pub(crate) fn kinds(self) -> Vec<SbomKind> {
        let mut v = Vec::new();
        if self.cyclonedx {
            v.push(SbomKind::CycloneDx);
        }
        if self.spdx {
            v.push(SbomKind::Spdx);
        }
        if self.spdx3 {
            v.push(SbomKind::Spdx3);
        }
        v
    }
}

/// What the SBOM check expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomExpectation {
    /// Kinds the index must carry (the release-wide SBOMs).
    pub index: SbomKinds,
    /// Kinds every platform manifest must carry.
    pub platforms: SbomKinds,
    /// Referrers discovery.
    pub mode: ReferrersMode,
    /// Also lint every SBOM attached against this minimum-elements profile (`verify --profile`): its findings are
    /// SBOM-policy errors ([`FindingKind::SbomProfile`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
}

impl Default for SbomExpectation {
    /// One CycloneDX and one SPDX referrer on the index and on every platform manifest.
    fn default() -> Self {
        Self {
            index: SbomKinds::BOTH,
            platforms: SbomKinds::BOTH,
            mode: ReferrersMode::Auto,
            profile: None,
        }
    }
}

/// The ZIP layers an SBOM must describe.
pub(crate) enum Zips {
    /// A per-platform SBOM: exactly this layer.
    Platform(Digest),
    /// The release-wide SBOM: every platform's layer (`None`: unknown because the platform failed), and nothing
    /// else when `complete` (every index entry was verified).
    Release {
        layers: BTreeMap<String, Option<Digest>>,
        complete: bool,
    },
}

/// Lists and checks the SBOM referrers of `subject` (module docs), adding findings; returns one report per SBOM
/// referrer found.
pub(crate) async fn check_sboms(
    store: &Store,
    subject: &Digest,
    what: &str,
    expected: &[SbomKind],
    zips: &Zips,
    exp: &SbomExpectation,
    ctx: &mut Ctx<'_>,
) -> Vec<SbomReport> {
    let mode = exp.mode;
    let platform = (what != "index").then_some(what);
    let listing = match list_referrers(
        store,
        subject,
        &ListOptions {
            mode,
            artifact_type: None,
        },
    )
    .await
    {
        Ok(l) => l,
        Err(e) => {
            ctx.error(
                platform,
                FindingKind::ReferrersUnreadable {
                    subject: what.to_owned(),
                    message: e.to_string(),
                },
            );
            return Vec::new();
        }
    };
    for u in &listing.unreadable {
        let kind = FindingKind::ReferrerEntryUnreadable {
            digest: u.digest.clone(),
            message: u.reason.clone(),
        };
        // Every subject's listing meets it: once per tag.
        let tag = ctx.tag.clone();
        if !ctx.findings.iter().any(|f| f.tag == tag && f.kind == kind) {
            ctx.add(Severity::Warning, None, kind);
        }
    }
    for kind in expected {
        let of_kind: Vec<Digest> = listing
            .entries
            .iter()
            .filter(|e| e.artifact_type == kind.artifact_type())
            .map(|e| e.digest.clone())
            .collect();
        match of_kind.len() {
            0 => {
                let declared = declared_artifact_types(store, &listing.entries).await;
                let finding = match declared
                    .iter()
                    .find(|e| e.artifact_type == kind.artifact_type())
                {
                    Some(e) => FindingKind::SbomTypeNotListed {
                        subject: what.to_owned(),
                        artifact_type: kind.artifact_type().to_owned(),
                        referrer: e.digest.clone(),
                        listed: MEDIA_TYPE_EMPTY.to_owned(),
                    },
                    None => FindingKind::SbomMissing {
                        subject: what.to_owned(),
                        artifact_type: kind.artifact_type().to_owned(),
                    },
                };
                ctx.error(platform, finding);
            }
            1 => {}
            _ => ctx.add(
                Severity::Warning,
                platform,
                FindingKind::SbomDuplicate {
                    subject: what.to_owned(),
                    artifact_type: kind.artifact_type().to_owned(),
                    referrers: of_kind,
                },
            ),
        }
    }
    let mut reports = Vec::new();
    for e in &listing.entries {
        let Some(kind) = SbomKind::from_artifact_type(&e.artifact_type) else {
            continue;
        };
        let errors_before = ctx.error_count();
        let mut rep = SbomReport {
            artifact_type: e.artifact_type.clone(),
            referrer: e.digest.clone(),
            title: e.title.clone(),
            created: e.created.clone(),
            sbom_digest: None,
            ok: false,
        };
        match fetch_referrer_sbom(store, &e.digest).await {
            Err(err) => ctx.error(
                platform,
                FindingKind::SbomUnreadable {
                    subject: what.to_owned(),
                    referrer: e.digest.clone(),
                    message: err.to_string(),
                },
            ),
            Ok(f) => {
                rep.sbom_digest = f.manifest.layers.first().map(|l| l.digest.clone());
                check_zip_hashes(&f.bytes, kind, &e.digest, what, zips, ctx);
                if let Some(profile) = exp.profile {
                    check_profile(&f.bytes, profile, &e.digest, what, ctx);
                }
            }
        }
        rep.ok = ctx.error_count() == errors_before;
        reports.push(rep);
    }
    reports
}

/// How many lint findings a [`FindingKind::SbomProfile`] lists (the count says how many there are).
const PROFILE_FINDINGS_SHOWN: usize = 10;

/// Lints an attached SBOM against `profile` (`crate::lint`): one finding naming the referrer, the count and the first
/// findings (`code path`); `lint` on the pulled file gives them all.
fn check_profile(bytes: &[u8], profile: Profile, referrer: &Digest, what: &str, ctx: &mut Ctx<'_>) {
    let platform = (what != "index").then_some(what);
    match lint::lint(bytes, profile, &Limits::default()) {
        Ok(r) if r.conforms() => {}
        Ok(r) => ctx.error(
            platform,
            FindingKind::SbomProfile {
                subject: what.to_owned(),
                referrer: referrer.clone(),
                profile: profile.name().to_owned(),
                count: r.findings.len(),
                findings: r
                    .findings
                    .iter()
                    .take(PROFILE_FINDINGS_SHOWN)
                    .map(|f| format!("{} {}", f.code, f.path))
                    .collect(),
            },
        ),
        Err(e) => ctx.error(
            platform,
            FindingKind::SbomUnreadable {
                subject: what.to_owned(),
                referrer: referrer.clone(),
                message: e.to_string(),
            },
        ),
    }
}

/// Compares the ZIP hashes an SBOM records with the stored layers.
fn check_zip_hashes(
    bytes: &[u8],
    kind: SbomKind,
    referrer: &Digest,
    what: &str,
    zips: &Zips,
    ctx: &mut Ctx<'_>,
) {
    let platform = (what != "index").then_some(what);
    let claims = match zip_claims(bytes, kind) {
        Ok(c) => c,
        Err(e) => {
            // The reader's decoder message alone, as before (the document already parsed once when fetched).
            let message = match e {
                ReadError::Json { source } => source.to_string(),
                other => other.to_string(),
            };
            ctx.error(
                platform,
                FindingKind::SbomUnreadable {
                    subject: what.to_owned(),
                    referrer: referrer.clone(),
                    message,
                },
            );
            return;
        }
    };
    match zips {
        Zips::Platform(layer) => {
            let hex = layer.encoded();
            if claims.root_sha256.is_empty() {
                ctx.error(
                    platform,
                    FindingKind::SbomHashMissing {
                        subject: what.to_owned(),
                        referrer: referrer.clone(),
                        what: format!("the {what} ZIP ({layer}) on its root component"),
                    },
                );
            }
            let mut mismatch = |place: String, found: String| {
                ctx.error(
                    platform,
                    FindingKind::SbomHashMismatch {
                        subject: what.to_owned(),
                        referrer: referrer.clone(),
                        what: place,
                        expected: layer.clone(),
                        found,
                    },
                );
            };
            for h in claims.root_sha256.iter().filter(|h| *h != hex) {
                mismatch("the root component's SHA-256".into(), format!("sha256:{h}"));
            }
            if let Some(zh) = &claims.lock_zh
                && zh.strip_prefix("zh:") != Some(hex)
            {
                mismatch("the zh: lock hash".into(), zh.clone());
            }
            for d in claims.distributions.iter().filter(|d| d.sha256 != hex) {
                mismatch(
                    format!("the SHA-256 of distribution {}", d.file_name),
                    format!("sha256:{}", d.sha256),
                );
            }
        }
        Zips::Release { layers, complete } => {
            for (os_arch, layer) in layers {
                let Some(layer) = layer else { continue };
                if !claims
                    .distributions
                    .iter()
                    .any(|d| d.sha256 == layer.encoded())
                {
                    ctx.error(
                        platform,
                        FindingKind::SbomHashMissing {
                            subject: what.to_owned(),
                            referrer: referrer.clone(),
                            what: format!("the {os_arch} ZIP ({layer})"),
                        },
                    );
                }
            }
            if *complete && layers.values().all(Option::is_some) {
                for d in &claims.distributions {
                    if !layers.values().flatten().any(|l| l.encoded() == d.sha256) {
                        ctx.error(
                            platform,
                            FindingKind::SbomExtraZip {
                                subject: what.to_owned(),
                                referrer: referrer.clone(),
                                file: d.file_name.clone(),
                                sha256: d.sha256.clone(),
                            },
                        );
                    }
                }
            }
        }
    }
}
