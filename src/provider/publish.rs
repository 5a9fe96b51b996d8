//! Stage 3 + 4 together: push a scanned provider release and attach its SBOM documents as referrers — what the
//! `publish` command (and `mirror`, for what it downloads) runs after [`crate::generate`].
//!
//! Each platform's documents are attached to its platform manifest, the release-wide documents to the index (Trivy ≤
//! 0.70 looks referrers up on the digest a tag resolves to: the index). The order of writes is: blobs, platform
//! manifests and the index, all by digest ([`push::push_untagged`]); the SBOMs of every subject, concurrently (so
//! on a registry without the referrers API their fallback-tag settle delays overlap: one per publish); and
//! **last the tags** ([`push::write_tags`], version tag first). So the version tag appears only once every SBOM
//! referrer is attached: a failure before it leaves no tag written or moved (untagged content a re-run reuses), and
//! a failure after it (an extra tag) is [`ProviderError::PartiallyTagged`], naming what is live. Re-running with the same release, documents and
//! tool version changes no digest, uploads no blob and adds no referrer (push and attach are both idempotent).

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt as _};

use crate::archive::ProviderAddress;
use crate::archive::lockfile;
use crate::generate::{self, Document, SbomOptions, ScannedRelease, Subject, TimestampPolicy};
use crate::provider::artifact::{PackageZip, ProviderPackage};
use crate::provider::attach::{self, AttachOptions, AttachOutcome, ProvenanceFile, SbomFile};
use crate::provider::error::{ProviderError, Result};
use crate::provider::push::{self, PushOptions, PushOutcome};
use crate::registry::client::ClientOptions;
use crate::registry::digest::Digest;
use crate::registry::manifest::Descriptor;
use crate::registry::reference::Target;
use crate::registry::store::Store;
use crate::sbom::Format;

/// How many subjects (platform manifests and the index) are attached to at once: a provider's usual 7–9
/// platforms and its index in one wave, so their settle delays overlap.
const ATTACH_CONCURRENCY: usize = 10;

/// The subject key of the index in [`PublishOutcome::attached`] (platforms use `os_arch`).
pub const INDEX_SUBJECT: &str = "index";

/// The provider package of a scanned release: one ZIP per platform, with `created` (RFC 3339, the SBOMs' own
/// timestamp) and the source URL for `org.opencontainers.image.source` (defaults to the GitHub repository of a
/// `github.com/ORG/REPO` main module). The revision is the binaries' `vcs.revision` build setting, if any.
pub fn provider_package(
    release: &ScannedRelease,
    created: String,
    source_url: Option<String>,
) -> ProviderPackage {
    let source_url = source_url.or_else(|| release.main_module().and_then(github_url));
    let revision = release
        .platforms
        .iter()
        .find_map(|p| p.buildinfo.setting("vcs.revision").map(str::to_owned));
    ProviderPackage {
        version: release.version.clone(),
        platforms: release
            .platforms
            .iter()
            .map(|p| PackageZip {
                os: p.platform.os.clone(),
                arch: p.platform.arch.clone(),
                path: p.zip_path.clone(),
                file_name: p.zip_name.clone(),
                sha256: p.zip_digests.sha256_hex(),
                size: p.zip_size,
            })
            .collect(),
        source_url,
        revision,
        created: Some(created),
    }
}

/// The provider package of `release` as `push` and `publish` build it: `created` is an explicit time (`now`, Unix
/// seconds or RFC 3339), else `source_date_epoch` (the `SOURCE_DATE_EPOCH` value), else the newest ZIP entry time —
/// the same timestamp the SBOMs get.
pub fn release_package(
    release: &ScannedRelease,
    created: Option<&str>,
    source_date_epoch: Option<&str>,
    source_url: Option<String>,
) -> Result<ProviderPackage> {
    let created = TimestampPolicy::resolve(created, source_date_epoch)?
        .instant(release)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|source| ProviderError::Timestamp { source })?;
    Ok(provider_package(release, created, source_url))
}

/// `https://github.com/ORG/REPO` for a `github.com/ORG/REPO[/…]` module path.
pub fn github_url(module: &str) -> Option<String> {
    let mut parts = module.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("github.com"), Some(org), Some(repo)) if !org.is_empty() && !repo.is_empty() => {
            Some(format!("https://github.com/{org}/{repo}"))
        }
        _ => None,
    }
}

/// How to publish.
#[derive(Debug, Default)]
pub struct PublishOptions {
    /// Pushing the provider (tags, dry run, progress, provider address for the `.tofurc` block).
    pub push: PushOptions,
    /// Attaching the documents (referrers mode, pruning).
    pub attach: AttachOptions,
}

/// The referrers attached to one subject.
#[derive(Debug)]
pub struct SubjectReferrers {
    /// [`INDEX_SUBJECT`] or the platform, `os_arch`.
    pub subject: String,
    /// The subject's manifest digest.
    pub digest: Digest,
    /// What attaching did.
    pub outcome: AttachOutcome,
}

/// What [`publish`] did.
#[derive(Debug)]
pub struct PublishOutcome {
    /// The push.
    pub push: PushOutcome,
    /// One entry per subject, platforms first (sorted), the index last; empty on a dry run.
    pub attached: Vec<SubjectReferrers>,
}

impl PublishOutcome {
    /// Referrer manifest digests keyed by subject ([`INDEX_SUBJECT`] or `os_arch`), then document file name.
    pub fn referrer_digests(&self) -> BTreeMap<String, BTreeMap<String, Digest>> {
        let mut out: BTreeMap<String, BTreeMap<String, Digest>> = BTreeMap::new();
        for s in &self.attached {
            let m = out.entry(s.subject.clone()).or_default();
            for r in &s.outcome.referrers {
                m.insert(r.title.clone(), r.digest.clone());
            }
        }
        out
    }
}

/// Pushes `package` to `store` and attaches `documents` (as rendered by [`crate::generate::documents`] for the
/// same release): [`Subject::Platform`] documents to that platform's manifest, [`Subject::Release`] ones to the
/// index; then the tags. A dry run pushes nothing and attaches nothing.
pub async fn publish(
    package: &ProviderPackage,
    documents: &[Document],
    store: &Store,
    target: &Target,
    opts: &PublishOptions,
) -> Result<PublishOutcome> {
    Ok(
        publish_with_provenance(package, documents, &[], store, target, opts)
            .await?
            .0,
    )
}

/// [`publish`], also attaching `provenance` files (a release's `SHA256SUMS` and its signature, as `mirror` records
/// them) to the index after its SBOMs — still before the tags. Returns their attach outcome (`None` when there are
/// none, or on a dry run).
pub async fn publish_with_provenance(
    package: &ProviderPackage,
    documents: &[Document],
    provenance: &[ProvenanceFile],
    store: &Store,
    target: &Target,
    opts: &PublishOptions,
) -> Result<(PublishOutcome, Option<AttachOutcome>)> {
    let (pushed, pending_tags) = push::push_untagged(package, store, target, &opts.push).await?;
    let mut attached = Vec::new();
    if pushed.dry_run {
        return Ok((
            PublishOutcome {
                push: pushed,
                attached,
            },
            None,
        ));
    }
    let files_for = |key: &str| -> Vec<SbomFile> {
        documents
            .iter()
            .filter(|d| match &d.subject {
                Subject::Platform(p) => p.to_string() == key,
                Subject::Release => key == INDEX_SUBJECT,
            })
            .map(|d| SbomFile::from_bytes(d.file_name.clone(), d.bytes.clone()))
            .collect()
    };
    // The subjects as the push wrote them (media type, digest, size): no read-back needed.
    let subject_of = |digest: &Digest| {
        pushed
            .plan
            .manifests
            .iter()
            .find(|m| &m.digest == digest)
            .map(|m| Descriptor::new(&m.media_type, m.digest.clone(), m.size))
    };
    let attach_one = |key: String, digest: Digest| {
        let files = files_for(&key);
        let provenance: &[ProvenanceFile] = if key == INDEX_SUBJECT {
            provenance
        } else {
            &[]
        };
        let known = subject_of(&digest);
        async move {
            if files.is_empty() && provenance.is_empty() {
                return Ok((None, None));
            }
            let subject = match known {
                Some(s) => s,
                None => attach::subject_descriptor(store, &digest).await?,
            };
            let (outcome, prov) =
                attach::attach_with_provenance(store, &subject, &files, provenance, &opts.attach)
                    .await?;
            let sboms = (!files.is_empty()).then_some(SubjectReferrers {
                subject: key,
                digest,
                outcome,
            });
            Ok::<_, ProviderError>((sboms, prov))
        }
    };
    // Every subject concurrently, the index with the platforms: each subject has its own lock and fallback tag, and
    // on a registry without the referrers API most of an attach is the settle delay after a fallback-index write
    // (referrers module docs), which overlaps across subjects instead of adding up — one settle per publish. The
    // index's provenance files go in the same write as its SBOMs (one settle, not two). Nothing is tagged until all
    // of it is done, so no consumer sees the index before its platforms carry their SBOMs. Results keep the order:
    // platforms (sorted), then the index.
    let mut subjects: Vec<(String, Digest)> = pushed
        .platforms
        .iter()
        .map(|(k, p)| (k.clone(), p.manifest_digest.clone()))
        .collect();
    subjects.push((INDEX_SUBJECT.to_owned(), pushed.index_digest.clone()));
    let results: Vec<_> = stream::iter(subjects.into_iter().map(|(k, d)| attach_one(k, d)))
        .buffered(ATTACH_CONCURRENCY)
        .collect()
        .await;
    let mut provenance_outcome = None;
    for r in results {
        let (sboms, prov) = r?;
        attached.extend(sboms);
        if prov.is_some() {
            provenance_outcome = prov;
        }
    }
    // The tags last of all, once every subject carries its SBOMs (and the index its provenance).
    push::write_tags(store, &pending_tags, &opts.push).await?;
    Ok((
        PublishOutcome {
            push: pushed,
            attached,
        },
        provenance_outcome,
    ))
}

/// What [`publish_release`] renders and publishes.
#[derive(Debug)]
pub struct ReleasePublishOptions {
    /// What the SBOMs say beyond the release (address, supplier, authors, timestamp, tool).
    pub sbom: SbomOptions,
    /// The SBOM formats to render (each platform's and the release-wide document per format).
    pub formats: Vec<Format>,
    /// `org.opencontainers.image.source` (default: the GitHub URL of a github.com main module).
    pub source_url: Option<String>,
    /// The `SOURCE_DATE_EPOCH` value, if any (the artifact's `created` time is the SBOMs' timestamp either way).
    pub source_date_epoch: Option<String>,
    /// Push and attach options; `push.provider` defaults to the release's provider address.
    pub publish: PublishOptions,
}

/// What [`publish_release`] did.
#[derive(Debug)]
pub struct ReleasePublishOutcome {
    /// The SBOM documents rendered (and attached, unless a dry run).
    pub documents: Vec<Document>,
    /// The provider address (explicit, or derived from a github.com main module), if known.
    pub address: Option<ProviderAddress>,
    /// The `.terraform.lock.hcl` provider block, when the address is known.
    pub lockfile: Option<String>,
    /// The push and the attached referrers.
    pub outcome: PublishOutcome,
}

/// The whole publish pipeline for a scanned release: render the SBOMs ([`crate::generate::documents`]), build the
/// provider package with the SBOMs' timestamp as its creation time, open `target` (created unless a dry run), push
/// and attach ([`publish`]), and render the lock-file block.
pub async fn publish_release(
    release: &ScannedRelease,
    target: &Target,
    client: ClientOptions,
    mut opts: ReleasePublishOptions,
) -> Result<ReleasePublishOutcome> {
    let address = release.address(opts.sbom.address.as_ref());
    let input = generate::release_input(release, &opts.sbom);
    let documents = generate::documents(&input, &opts.formats)?;
    let created = input
        .timestamp
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|source| ProviderError::Timestamp { source })?;
    let package = release_package(
        release,
        Some(&created),
        opts.source_date_epoch.as_deref(),
        opts.source_url.take(),
    )?;
    if opts.publish.push.provider.is_none() {
        opts.publish.push.provider.clone_from(&address);
    }
    let store = Store::open(target, client, !opts.publish.push.dry_run)?;
    let outcome = publish(&package, &documents, &store, target, &opts.publish).await?;
    let lockfile = address
        .as_ref()
        .map(|a| lockfile::render_provider_block(&release.lock(a)));
    Ok(ReleasePublishOutcome {
        documents,
        address,
        lockfile,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_url_of_module_paths() {
        assert_eq!(
            github_url("github.com/hashicorp/terraform-provider-aws/v5").as_deref(),
            Some("https://github.com/hashicorp/terraform-provider-aws")
        );
        assert_eq!(
            github_url("github.com/org/repo").as_deref(),
            Some("https://github.com/org/repo")
        );
        assert_eq!(github_url("github.com/org"), None);
        assert_eq!(github_url("github.com//repo"), None);
        assert_eq!(github_url("gitlab.com/org/repo"), None);
    }
}
