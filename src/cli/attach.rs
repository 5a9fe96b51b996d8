//! `tofu-sbom attach`: SBOM files attached to a pushed provider as OCI referrers
//! ([`tofu_sbom::provider::attach`] does the work).

use std::path::PathBuf;

use clap::Args;
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::attach::{self, AttachOptions, SbomFile};
use tofu_sbom::registry::lock::{LockNotify, LockOptions};
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;

use super::args::{ReferrersArgs, RegistryArgs};
use super::output::{self, text};
use super::runtime::runtime;
use super::{GlobalArgs, Status};

#[derive(Debug, Args)]
pub(crate) struct AttachArgs {
    /// `HOST/REPO@sha256:…`, `HOST/REPO:TAG` (resolved to its digest first) or `oci-layout:DIR[:TAG|@DIGEST]`.
    #[arg(value_name = "SUBJECT")]
    subject: String,
    /// SBOM files (CycloneDX or SPDX JSON); each becomes one referrer.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Use this artifactType instead of the one detected from the content.
    #[arg(long, value_name = "MEDIA_TYPE")]
    artifact_type: Option<String>,
    /// Remove older referrers this tool created for the same subject and artifactType (never others').
    #[arg(long)]
    prune_own_referrers: bool,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result.
    #[arg(long)]
    json: bool,
}

/// Lock options whose waiting notice ("waiting for the lock on …: held by PID N") goes to stderr, unless `--quiet`.
pub(crate) fn lock_options(global: &GlobalArgs) -> LockOptions {
    LockOptions {
        notify: (!global.quiet)
            .then(|| LockNotify(std::sync::Arc::new(|m: &str| eprintln!("tofu-sbom: {m}")))),
        ..LockOptions::default()
    }
}

pub(crate) fn run(global: &GlobalArgs, args: &AttachArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let target = Target::parse(&args.subject)?;
    let files = args
        .files
        .iter()
        .map(|p| SbomFile::read(p, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = AttachOptions {
        mode: args.referrers.referrers_mode,
        artifact_type: args.artifact_type.clone(),
        prune_own: args.prune_own_referrers,
        lock: lock_options(global),
        ..AttachOptions::default()
    };
    let client = args.registry.client_options()?;
    let outcome = runtime()?.block_on(async {
        let store = Store::open(&target, client.clone(), false)?;
        let outcome = attach::attach_to_target(&store, &target, &files, &opts).await?;
        super::tofu_note::print_tofu_credentials_note(global, &client, &target).await;
        Ok::<_, anyhow::Error>(outcome)
    })?;
    if args.json {
        output::print_json(&outcome)?;
    } else {
        text::print_attach(global, &outcome);
    }
    Ok(Status::Success)
}
