//! `tofu-sbom publish`: generate + push + attach in one run ([`tofu_sbom::provider::publish`] does the push and attach).
//!
//! Re-running on the same release with the same tool version and flags changes no digest, uploads no blob and adds
//! no referrer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use tofu_sbom::archive::lockfile;
use tofu_sbom::generate;
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::attach::AttachOptions;
use tofu_sbom::provider::publish::PublishOptions;
use tofu_sbom::provider::push::{PushOptions, PushOutcome};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;

use super::generate::{DocumentJson, SbomArgs, document_json};
use super::push::{PublishArgs, RegistryArgs, package, print_push, progress, runtime};
use super::referrers::{ReferrersArgs, print_attach};
use super::{GlobalArgs, ReleaseArgs, Status, gha, output, release};

#[derive(Debug, Args)]
pub(crate) struct PublishCmdArgs {
    /// The release: a directory (GoReleaser `dist/`) or a `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
    #[arg(value_name = "RELEASE")]
    release: PathBuf,
    /// `HOST[:PORT]/REPO[:TAG]` (TAG defaults to the version) or `oci-layout:DIR`.
    #[arg(value_name = "TARGET")]
    target: String,
    #[command(flatten)]
    release_args: ReleaseArgs,
    #[command(flatten)]
    sbom: SbomArgs,
    #[command(flatten)]
    publish: PublishArgs,
    #[command(flatten)]
    referrers: ReferrersArgs,
    /// Remove older referrers this tool created for the same subjects and types (after a tool upgrade).
    #[arg(long)]
    prune_own_referrers: bool,
    /// Also write the SBOM files into DIR (e.g. the release directory, for the release upload step).
    #[arg(long, value_name = "DIR")]
    sbom_dir: Option<PathBuf>,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    gha: gha::GhaArgs,
}

/// The `--json` result of `publish`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishJson<'a> {
    push: &'a PushOutcome,
    /// SBOM referrer manifest digests, keyed by subject (`index` or `os_arch`) then document file name.
    referrers: BTreeMap<String, BTreeMap<String, Digest>>,
    documents: Vec<DocumentJson>,
    lockfile: Option<String>,
    tofurc: Option<&'a str>,
}

pub(crate) fn run(global: &GlobalArgs, args: &PublishCmdArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let target = Target::parse(&args.target)?;
    let formats = args.sbom.formats()?;
    let sbom_opts = args.sbom.options(&args.release_args)?;
    let scanned = release::scan(
        global,
        std::slice::from_ref(&args.release),
        &args.release_args,
        &limits,
    )?;
    release::check_address_type(sbom_opts.address.as_ref(), &scanned)?;
    let address = scanned.address(sbom_opts.address.as_ref());
    let input = generate::release_input(&scanned, &sbom_opts);
    let docs = generate::documents(&input, &formats)?;
    let created = input
        .timestamp
        .format(&time::format_description::well_known::Rfc3339)?;
    let pkg = package(&scanned, &args.publish, Some(&created))?;
    let opts = PublishOptions {
        push: PushOptions {
            extra_tags: args.publish.extra_tags.clone(),
            dry_run: args.publish.dry_run,
            progress: progress(global),
            provider: address.clone(),
            ..PushOptions::default()
        },
        attach: AttachOptions {
            mode: args.referrers.referrers_mode,
            prune_own: args.prune_own_referrers,
            ..AttachOptions::default()
        },
    };
    let client = args.registry.client_options()?;
    let outcome = runtime()?.block_on(async {
        let store = Store::open(&target, client, !args.publish.dry_run)?;
        tofu_sbom::provider::publish::publish(&pkg, &docs, &store, &target, &opts).await
    })?;
    let pushed = &outcome.push;
    if let Some(dir) = &args.sbom_dir {
        std::fs::create_dir_all(dir)?;
        let files: Vec<(PathBuf, &[u8])> = docs
            .iter()
            .map(|d| (dir.join(&d.file_name), d.bytes.as_slice()))
            .collect();
        output::write_all_atomic(&files)?;
    }
    let lock = address
        .as_ref()
        .map(|a| lockfile::render_provider_block(&scanned.lock(a)));
    let referrers = outcome.referrer_digests();
    gha::write_publish(
        &args.gha,
        &gha::PublishFacts {
            pushed,
            referrers: &referrers,
            platforms: scanned
                .platforms
                .iter()
                .map(gha::PlatformFacts::of)
                .collect(),
            provider: address.as_ref().map(ToString::to_string),
            version: &scanned.version,
            lockfile: lock.as_deref(),
        },
    )?;
    if args.json {
        output::print_json(&PublishJson {
            push: pushed,
            referrers,
            documents: document_json(&docs, args.sbom_dir.as_deref()),
            lockfile: lock,
            tofurc: pushed.tofurc.as_deref(),
        })?;
    } else {
        print_push(pushed);
        if pushed.dry_run {
            for d in &docs {
                println!("would attach {}", d.file_name);
            }
        }
        for s in &outcome.attached {
            print_attach(global, &s.outcome);
        }
        if let Some(lock) = &lock {
            println!("\n# .terraform.lock.hcl\n{lock}");
        }
    }
    Ok(Status::Success)
}
