//! A provider registry source: versions selected ([`crate::mirror::selection`]), downloaded and verified
//! ([`crate::mirror::download`]), then published with SBOMs and provenance ([`crate::mirror::provenance`]).
//!
//! Knows nothing of the command line or of OCI sources.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt as _};
use tokio::sync::Semaphore;

use super::{MirrorEvent, RunOptions, VersionOutcome, present, publish_prepared};
use crate::mirror::constraints::{Constraints, Version};
use crate::mirror::download::{self, MirrorOptions};
use crate::mirror::provenance;
use crate::mirror::registry_protocol::{ProviderRegistryClient, token_from_env};
use crate::mirror::selection::{select_versions, source_constraints};
use crate::mirror::source::ProviderSource;
use crate::mirror::{MirrorError, Result};
use crate::provider::artifact::tag_spelling;
use crate::provider::push::tofurc_for_store;
use crate::registry::reference::Target;
use crate::registry::store::Store;

/// How many versions of one provider are in flight at once (downloaded, scanned or published), and how many are
/// downloaded and scanned at once when the run gives no [`RunOptions::version_slots`].
const VERSION_CONCURRENCY: usize = 4;

/// Mirrors the versions `source` selects (its newest match, or every match with `opts.all_matching`) into
/// `opts.target`. A dry run resolves the versions and stops there: nothing is downloaded or verified. A version that
/// fails does not stop the others (each is published whole or not at all); the first failure, in version order, is
/// the error ([`mirror_provider_versions`] also returns the versions that did land).
pub async fn mirror_provider(
    source: &ProviderSource,
    opts: &RunOptions,
) -> Result<Vec<VersionOutcome>> {
    let (versions, failed) = mirror_provider_versions(source, opts).await?;
    match failed.into_iter().next() {
        None => Ok(versions),
        Some(f) => Err(f.error),
    }
}

/// A version that failed while the others of its source went on.
#[derive(Debug)]
pub struct FailedVersion {
    /// The version.
    pub version: String,
    /// Why.
    pub error: MirrorError,
}

/// [`mirror_provider`], returning the versions that landed and those that failed, each in version order. `Err` is for
/// what fails the whole source before any version (listing, selection, the target).
pub async fn mirror_provider_versions(
    source: &ProviderSource,
    opts: &RunOptions,
) -> Result<(Vec<VersionOutcome>, Vec<FailedVersion>)> {
    let download_opts = MirrorOptions {
        client: opts.client.clone(),
        token: token_from_env(&source.address.host),
        platforms: opts.platforms.clone(),
        allow_unsigned: opts.allow_unsigned,
        progress: opts.progress.download.as_ref().and_then(|f| f()),
    };
    // The versions to mirror: the newest match (or every match with all_matching).
    let client = ProviderRegistryClient::new(
        &source.address.host,
        opts.client.clone(),
        download_opts.token.clone(),
    )?;
    let listed = client.versions(&source.address).await?;
    let available: Vec<Version> = listed
        .versions
        .iter()
        .filter_map(|v| Version::parse(&v.version))
        .collect();
    let constraints = source_constraints(source, &available, opts.all_matching)?;
    if opts.dry_run {
        let selected = select_versions(&source.address.to_string(), &available, &constraints)?;
        let tofurc = match &opts.target {
            Target::Registry(_) => {
                let dst = Store::open(&opts.target, opts.client.clone(), false)?;
                tofurc_for_store(&dst, &opts.target, &source.address).await
            }
            Target::Layout(_) => (None, None),
        };
        let planned = selected
            .iter()
            .map(|v| {
                let version = v.to_string();
                VersionOutcome::planned(
                    version.clone(),
                    format!("{}@{version}", source.address),
                    tag_spelling(&version),
                    None,
                    tofurc.clone(),
                )
            })
            .collect();
        return Ok((planned, Vec::new()));
    }
    // Versions the target already holds complete cost a few reads and nothing else (present.rs).
    let wanted = select_versions(&source.address.to_string(), &available, &constraints)?;
    let mut out: Vec<(Version, VersionOutcome)> = Vec::new();
    let mut remaining: Vec<Option<Constraints>> = Vec::new();
    for v in &wanted {
        let version = v.to_string();
        let want: BTreeSet<String> = if opts.platforms.is_empty() {
            listed
                .versions
                .iter()
                .filter(|x| Version::parse(&x.version).as_ref() == Some(v))
                .flat_map(|x| x.platforms.iter().map(|p| p.os_arch()))
                .collect()
        } else {
            opts.platforms.iter().map(ToString::to_string).collect()
        };
        match present::already_present(opts, &source.address, &version, &want).await? {
            Some(o) => out.push((v.clone(), o)),
            None => remaining.push(Some(Constraints::exact(v))),
        }
    }
    if remaining.is_empty() {
        out.sort_by(|a, b| a.0.cmp_precedence(&b.0));
        return Ok((out.into_iter().map(|(_, o)| o).collect(), Vec::new()));
    }
    let selected = download::select_listed(&source.address, &listed, &remaining, &download_opts)?;
    let mut sbom = opts.sbom.clone();
    sbom.address = Some(source.address.clone());
    // Each version is a pipeline of its own (`mirror_version`). The versions of this source run
    // VERSION_CONCURRENCY at a time, their downloads and scans within the run's slots; a failing version does not
    // stop the others.
    let job = VersionJob {
        source,
        opts,
        client: &client,
        download_opts: &download_opts,
        sbom: &sbom,
        warnings: &selected.warnings,
        slots: opts
            .version_slots
            .clone()
            .unwrap_or_else(|| Arc::new(Semaphore::new(VERSION_CONCURRENCY))),
    };
    let job = &job;
    let mut published: Vec<(usize, Result<VersionOutcome>)> =
        stream::iter(selected.versions.iter().enumerate().map(
            |(i, (version, platforms))| async move {
                (i, mirror_version(job, version, platforms).await)
            },
        ))
        .buffer_unordered(VERSION_CONCURRENCY)
        .collect()
        .await;
    published.sort_by_key(|(i, _)| *i);
    let mut failed = Vec::new();
    for (i, r) in published {
        let version = &selected.versions[i].0;
        match r {
            Ok(v) => out.push((version.clone(), v)),
            Err(error) => failed.push(FailedVersion {
                version: version.to_string(),
                error,
            }),
        }
    }
    out.sort_by(|a, b| a.0.cmp_precedence(&b.0));
    Ok((out.into_iter().map(|(_, o)| o).collect(), failed))
}

/// What every version of one provider source shares ([`mirror_version`]).
struct VersionJob<'a> {
    source: &'a ProviderSource,
    opts: &'a RunOptions,
    client: &'a ProviderRegistryClient,
    download_opts: &'a MirrorOptions,
    sbom: &'a crate::generate::SbomOptions,
    /// The version list's warnings, carried by every version.
    warnings: &'a [String],
    /// The run's slots for downloading and scanning ([`RunOptions::version_slots`]).
    slots: Arc<Semaphore>,
}

/// One version, as a pipeline of its own: download and verify, scan on a blocking thread, publish. The download and
/// the scan hold one of the run's slots; the publish does not, so while this version waits out its fallback-tag
/// settle delay on a registry without the referrers API, the next one — of this provider or another catalogue entry —
/// is downloaded and scanned. The version publishes in its own order (tags last): whole or not at all.
async fn mirror_version(
    job: &VersionJob<'_>,
    version: &Version,
    platforms: &[String],
) -> Result<VersionOutcome> {
    let opts = job.opts;
    let version = &version.to_string();
    let slot = Arc::clone(&job.slots)
        .acquire_owned()
        .await
        .expect("the version slots are never closed");
    let dir = download::release_dir(&opts.work_dir, &job.source.address, version);
    let mut v = download::download_version(
        job.client,
        &job.source.address,
        version,
        platforms,
        &dir,
        job.download_opts,
    )
    .await?;
    v.warnings.extend(job.warnings.iter().cloned());
    if v.authentication.unsigned_allowed() {
        opts.emit(MirrorEvent::UnsignedAllowed {
            provider: v.provider.clone(),
            version: v.version.clone(),
        });
    }
    let prepared = {
        let (v, formats, sbom, limits) = (
            v.clone(),
            opts.formats.clone(),
            job.sbom.clone(),
            opts.limits,
        );
        tokio::task::spawn_blocking(move || {
            provenance::prepare_mirrored(&v, &formats, &sbom, &limits)
        })
        .await
        // A panic in the scan is a bug: passed on as it is.
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?
    };
    drop(slot);
    let published = publish_prepared(opts, &prepared).await?;
    Ok(VersionOutcome::published(
        format!("{}@{}", v.provider, v.version),
        &prepared,
        &published,
        Some(&v),
    ))
}
