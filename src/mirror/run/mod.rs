//! Mirroring one SOURCE into one TARGET, as one library call per kind of source — what `tofu-sbom mirror` runs:
//!
//! - [`mirror_provider`]: a provider registry → selected versions downloaded and verified ([`super::download`]) →
//!   published with SBOMs and provenance ([`super::provenance`]);
//! - [`mirror_oci`]: an OCI artifact (one tag or digest, or every version tag) copied byte for byte with its
//!   referrers ([`crate::registry::copy`]), SBOMs added where a subject has none ([`super::oci_sboms`]);
//! - [`mirror_release`]: a release directory published as `publish` would, with its provenance;
//! - [`mirror_source`]: whichever a parsed [`MirrorSource`] names.
//!
//! Options are typed ([`RunOptions`]), progress and notices go through callbacks ([`RunProgress`], [`MirrorEvent`]),
//! each version's outcome is a [`VersionOutcome`]. Knows nothing of the command line, of terminals or of how the
//! outcome is printed.

mod oci;
mod outcome;
mod present;
mod provider;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use oci::mirror_oci;
pub use outcome::{
    Counts, DownloadSummary, FailedVersionOutcome, PlatformDigests, SignatureStatus, VersionOutcome,
};
pub use provider::{FailedVersion, mirror_provider, mirror_provider_versions};

use super::download::MirrorProgressFn;
use super::error::{MirrorError, Result};
use super::provenance::{self, PreparedRelease, PublishedRelease};
use super::source::MirrorSource;
use crate::archive::ProviderAddress;
use crate::archive::release::Platform;
use crate::generate::SbomOptions;
use crate::limits::Limits;
use crate::provider::attach::AttachOptions;
use crate::provider::publish::PublishOptions;
use crate::provider::push::{ProgressFn, PushOptions};
use crate::registry::client::ClientOptions;
use crate::registry::copy::{CopyProgressFn, SkippedReferrer};
use crate::registry::reference::Target;
use crate::registry::referrers::ReferrersMode;
use crate::registry::store::Store;
use crate::sbom::Format;

/// Makes a fresh progress callback (one per download run, OCI copy or push), or `None` for no progress.
pub type ProgressFactory<T> = Arc<dyn Fn() -> Option<T> + Send + Sync>;

/// Receives [`MirrorEvent`]s.
pub type EventFn = Arc<dyn Fn(&MirrorEvent) + Send + Sync>;

/// A notice of a mirror run, for the caller to show (or not).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MirrorEvent {
    /// An OCI copy starts.
    Copying {
        /// The source reference.
        source: Target,
        /// The target reference (tagged).
        target: Target,
    },
    /// A referrer the OCI source lists but does not have was skipped: neither copied nor listed in the target.
    SkippedReferrer {
        /// The source reference.
        source: Target,
        /// The referrer.
        referrer: SkippedReferrer,
    },
    /// A version was mirrored although its registry publishes no signing key (`allow_unsigned`).
    UnsignedAllowed {
        /// `HOST/NAMESPACE/TYPE`.
        provider: String,
        /// The version.
        version: String,
    },
}

/// Progress callbacks of a mirror run.
#[derive(Clone, Default)]
pub struct RunProgress {
    /// Downloads from a provider registry.
    pub download: Option<ProgressFactory<MirrorProgressFn>>,
    /// OCI copies (one callback per copied version).
    pub copy: Option<ProgressFactory<CopyProgressFn>>,
    /// Pushes of a downloaded or local release (one callback per version).
    pub push: Option<ProgressFactory<ProgressFn>>,
    /// Notices.
    pub events: Option<EventFn>,
}

impl std::fmt::Debug for RunProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunProgress").finish_non_exhaustive()
    }
}

/// How to mirror.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The target: a repository or a layout, without tag or digest ([`check_target`]); each version is tagged with
    /// itself.
    pub target: Target,
    /// Transport options for every registry.
    pub client: ClientOptions,
    /// Size limits.
    pub limits: Limits,
    /// The SBOM formats to render.
    pub formats: Vec<Format>,
    /// SBOM options (`address` names the provider of an OCI or release source).
    pub sbom: SbomOptions,
    /// The provider address of an OCI or release source (for the `.tofurc` and lock blocks).
    pub provider: Option<ProviderAddress>,
    /// How referrers are written to (and listed on) the target.
    pub referrers_mode: ReferrersMode,
    /// Resolve versions only; write nothing.
    pub dry_run: bool,
    /// Only these platforms (provider and release sources); empty: every platform.
    pub platforms: Vec<Platform>,
    /// Mirror every version matching the constraint, not only the newest (provider sources).
    pub all_matching: bool,
    /// Mirror a provider whose registry publishes no signing key.
    pub allow_unsigned: bool,
    /// Generate and attach SBOMs for a copied OCI provider that lacks them.
    pub add_sboms: bool,
    /// Where provider downloads are kept ([`default_work_dir`]).
    pub work_dir: PathBuf,
    /// Progress callbacks.
    pub progress: RunProgress,
    /// Provider sources: the slots a version holds while it is downloaded and scanned (not while it is published),
    /// shared by every entry of a catalogue run (`--jobs`). `None`: 4 per provider.
    pub version_slots: Option<Arc<tokio::sync::Semaphore>>,
}

impl RunOptions {
    fn attach_options(&self) -> AttachOptions {
        AttachOptions {
            mode: self.referrers_mode,
            ..AttachOptions::default()
        }
    }

    fn emit(&self, e: MirrorEvent) {
        if let Some(f) = &self.progress.events {
            f(&e);
        }
    }
}

/// Refuses a target that names a tag or digest (`given` is the target as the user wrote it).
pub fn check_target(target: &Target, given: &str) -> Result<()> {
    if target.tag().is_some() || target.digest().is_some() {
        return Err(MirrorError::TargetHasVersion {
            target: given.to_owned(),
        });
    }
    Ok(())
}

/// The default work directory: `$XDG_CACHE_HOME/tofu-sbom/mirror`, else `~/.cache/tofu-sbom/mirror`, else the
/// temporary directory's `tofu-sbom-mirror`.
pub fn default_work_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("tofu-sbom").join("mirror");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(h)
            .join(".cache")
            .join("tofu-sbom")
            .join("mirror");
    }
    std::env::temp_dir().join("tofu-sbom-mirror")
}

/// [`mirror_source`], returning the versions that landed and those that failed: a provider source mirrors each
/// version whole or not at all, and one failing does not stop the others ([`mirror_provider_versions`]); the other
/// kinds fail (`Err`) or land as a whole.
pub async fn mirror_source_versions(
    source: &MirrorSource,
    opts: &RunOptions,
) -> Result<(Vec<VersionOutcome>, Vec<FailedVersion>)> {
    match source {
        MirrorSource::Provider(p) => mirror_provider_versions(p, opts).await,
        _ => mirror_source(source, opts).await.map(|v| (v, Vec::new())),
    }
}

/// Mirrors whatever `source` names (see the module docs).
pub async fn mirror_source(
    source: &MirrorSource,
    opts: &RunOptions,
) -> Result<Vec<VersionOutcome>> {
    match source {
        MirrorSource::Provider(p) => mirror_provider(p, opts).await,
        MirrorSource::Oci(t) => mirror_oci(t, opts).await,
        MirrorSource::Release(dir) => mirror_release(dir, opts).await,
    }
}

/// Publishes the release in `dir` (only `opts.platforms` when not empty) to the target with its provenance.
pub async fn mirror_release(dir: &Path, opts: &RunOptions) -> Result<Vec<VersionOutcome>> {
    let prepared = provenance::prepare(
        dir,
        &opts.platforms,
        None,
        &opts.formats,
        &opts.sbom,
        None,
        &opts.limits,
    )?;
    let published = publish_prepared(opts, &prepared).await?;
    Ok(vec![VersionOutcome::published(
        dir.display().to_string(),
        &prepared,
        &published,
        None,
    )])
}

/// Publishes `prepared` to the target. A dry run into a layout that does not exist yet plans against an empty one,
/// created and removed again.
async fn publish_prepared(
    opts: &RunOptions,
    prepared: &PreparedRelease,
) -> Result<PublishedRelease> {
    let publish = PublishOptions {
        push: PushOptions {
            dry_run: opts.dry_run,
            progress: opts.progress.push.as_ref().and_then(|f| f()),
            provider: prepared.address.clone(),
            ..PushOptions::default()
        },
        attach: opts.attach_options(),
    };
    let created = match &opts.target {
        Target::Layout(l) if opts.dry_run && !l.dir.exists() => Some(new_root(&l.dir)),
        _ => None,
    };
    let store = Store::open(
        &opts.target,
        opts.client.clone(),
        !opts.dry_run || created.is_some(),
    );
    let result = match store {
        Ok(store) => {
            provenance::publish_with_provenance(prepared, &store, &opts.target, &publish).await
        }
        Err(e) => Err(e.into()),
    };
    if let Some(root) = created {
        let _ = std::fs::remove_dir_all(root);
    }
    result
}

/// The outermost directory that creating `dir` (which does not exist) would create.
fn new_root(dir: &Path) -> PathBuf {
    let mut root = dir;
    while let Some(parent) = root.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        root = parent;
    }
    root.to_path_buf()
}
