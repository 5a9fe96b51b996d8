//! `tofu-sbom push`: a release pushed to an OCI registry or layout in OpenTofu's layout
//! ([`tofu_sbom::provider::push`] does the work).

use std::path::PathBuf;

use clap::Args;
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::publish::release_package;
use tofu_sbom::provider::push::PushOptions;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;

use super::args::{PublishArgs, RegistryArgs, ReleaseArgs, check_address_type, explicit_address};
use super::output::{self, text};
use super::runtime::{self, progress, runtime};
use super::{GlobalArgs, Status};

#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// The release: a directory (GoReleaser `dist/`) or a `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
    #[arg(value_name = "RELEASE")]
    release: PathBuf,
    /// `HOST[:PORT]/REPO[:TAG]` (TAG defaults to the version) or `oci-layout:DIR`.
    #[arg(value_name = "TARGET")]
    target: String,
    #[command(flatten)]
    release_args: ReleaseArgs,
    #[command(flatten)]
    pub(crate) publish: PublishArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(global: &GlobalArgs, args: &PushArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let target = Target::parse(&args.target)?;
    let scanned = runtime::scan(
        global,
        std::slice::from_ref(&args.release),
        &args.release_args,
        &limits,
    )?;
    let address = explicit_address(&args.release_args)?;
    check_address_type(address.as_ref(), &scanned)?;
    let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
    let pkg = release_package(
        &scanned,
        args.publish.created.as_deref(),
        sde.as_deref(),
        args.publish.source.clone(),
    )?;
    let opts = PushOptions {
        extra_tags: args.publish.extra_tags.clone(),
        dry_run: args.publish.dry_run,
        progress: progress(global),
        provider: scanned.address(address.as_ref()),
        ..PushOptions::default()
    };
    let client = args.registry.client_options()?;
    let note_client = client.clone();
    let rt = runtime()?;
    // An `oci-layout:` directory this command creates is removed again when the push fails (e.g. a refused tag) or is
    // a dry run, so a refused or simulated push leaves nothing behind; an existing one is never created into.
    let created_layout = match &target {
        Target::Layout(l) => new_directory_root(&l.dir),
        Target::Registry(_) => None,
    };
    let create = !args.publish.dry_run || created_layout.is_some();
    let outcome = rt.block_on(async {
        let store = Store::open(&target, client, create)?;
        if let Store::Registry { client, .. } = &store
            && !global.quiet
            && let Ok(source) = client.credential_source().await
        {
            eprintln!(
                "tofu-sbom: info: {}: credentials from {source}",
                client.registry()
            );
        }
        tofu_sbom::provider::push::push(&pkg, &store, &target, &opts).await
    });
    if let Some(dir) = &created_layout
        && (outcome.is_err() || args.publish.dry_run)
    {
        let _ = std::fs::remove_dir_all(dir);
    }
    let outcome = outcome?;
    rt.block_on(super::tofu_note::print_tofu_credentials_note(
        global,
        &note_client,
        &target,
    ));
    if args.json {
        output::print_json(&outcome)?;
    } else {
        text::print_push(&outcome, &note_client.ca_files);
    }
    Ok(Status::Success)
}

/// The outermost directory of `dir` (itself or an ancestor) that does not exist yet: what creating `dir` would create.
/// `None` when `dir` exists.
fn new_directory_root(dir: &std::path::Path) -> Option<PathBuf> {
    if dir.exists() {
        return None;
    }
    let mut root = dir;
    while let Some(parent) = root.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        root = parent;
    }
    Some(root.to_path_buf())
}
