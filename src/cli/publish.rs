//! `tofu-sbom publish`: generate + push + attach in one run ([`tofu_sbom::provider::publish::publish_release`] does
//! the work; this maps the flags onto its options and prints its outcome).
//!
//! Re-running on the same release with the same tool version and flags changes no digest, uploads no blob and adds
//! no referrer.

use std::path::PathBuf;

use clap::Args;
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::ProviderError;
use tofu_sbom::provider::attach::AttachOptions;
use tofu_sbom::provider::publish::{PublishOptions, ReleasePublishOptions, publish_release};
use tofu_sbom::provider::push::{PushOptions, upload_blobs_ahead};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;

use super::args::{
    PublishArgs, ReferrersArgs, RegistryArgs, ReleaseArgs, SbomArgs, check_address_type,
};
use super::output::json::{PublishJson, document_json};
use super::output::{self, gha, text};
use super::runtime::{self, progress, runtime};
use super::{GlobalArgs, Status};

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

/// A publish error, with "no tag was written" said where it is true (every error but
/// [`ProviderError::PartiallyTagged`]; the tags are written last).
fn not_tagged(e: ProviderError, dry_run: bool) -> anyhow::Error {
    if dry_run || matches!(e, ProviderError::PartiallyTagged { .. }) {
        return e.into();
    }
    anyhow::Error::new(e).context(
        "publish stopped before the tags: no tag was written or moved (content pushed by digest stays; a re-run reuses it)",
    )
}

pub(crate) fn run(global: &GlobalArgs, args: &PublishCmdArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let target = Target::parse(&args.target)?;
    let formats = args.sbom.formats()?;
    let mut sbom_opts = args.sbom.options(&args.release_args)?;
    let license_config = args.sbom.license_config()?;
    let client = args.registry.client_options()?;
    let rt = runtime()?;
    // Once the release is verified, its ZIPs start uploading (blobs only, to a registry) while it is scanned and the
    // SBOMs rendered; the push then finds them there. Nothing is sent for a release that fails verification, a dry
    // run, a layout, or a --provider of another type.
    let mut ahead = None;
    let scanned = runtime::scan_then(
        global,
        std::slice::from_ref(&args.release),
        &args.release_args,
        &limits,
        |release| {
            let other_type = sbom_opts
                .address
                .as_ref()
                .is_some_and(|a| a.provider_type != release.provider_type);
            if args.publish.dry_run || other_type || !matches!(target, Target::Registry(_)) {
                return;
            }
            let zips: Vec<(PathBuf, Digest, u64)> = release
                .platforms
                .iter()
                .filter(|p| p.checksums.is_some())
                .filter_map(|p| {
                    let digest = Digest::from_sha256_hex(&p.digests()?.sha256_hex()).ok()?;
                    let size = std::fs::metadata(&p.path).ok()?.len();
                    Some((p.path.clone(), digest, size))
                })
                .collect();
            if let Ok(store) = Store::open(&target, client.clone(), true) {
                let concurrency = PushOptions::default().concurrency;
                ahead = Some(
                    rt.spawn(async move { upload_blobs_ahead(&store, &zips, concurrency).await }),
                );
            }
        },
    )?;
    // A failed upload ahead is not an error here: the push uploads what is missing and reports its own errors.
    let uploaded_ahead = match ahead {
        Some(task) => rt
            .block_on(task)
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    check_address_type(sbom_opts.address.as_ref(), &scanned)?;
    let (licenses, license_warnings) =
        runtime::licenses(global, license_config.as_ref(), &scanned)?;
    sbom_opts.licenses = licenses;
    let opts = ReleasePublishOptions {
        sbom: sbom_opts,
        formats,
        source_url: args.publish.source.clone(),
        source_date_epoch: std::env::var("SOURCE_DATE_EPOCH").ok(),
        publish: PublishOptions {
            push: PushOptions {
                extra_tags: args.publish.extra_tags.clone(),
                dry_run: args.publish.dry_run,
                progress: progress(global),
                uploaded_ahead,
                ..PushOptions::default()
            },
            attach: AttachOptions {
                mode: args.referrers.referrers_mode,
                prune_own: args.prune_own_referrers,
                lock: super::attach::lock_options(global),
                ..AttachOptions::default()
            },
        },
    };
    let dry_run = opts.publish.push.dry_run;
    let published = rt
        .block_on(publish_release(&scanned, &target, client.clone(), opts))
        .map_err(|e| not_tagged(e, dry_run))?;
    rt.block_on(super::tofu_note::print_tofu_credentials_note(
        global, &client, &target,
    ));
    let (docs, address, lock, outcome) = (
        &published.documents,
        &published.address,
        published.lockfile,
        &published.outcome,
    );
    let pushed = &outcome.push;
    if let Some(dir) = &args.sbom_dir {
        std::fs::create_dir_all(dir)?;
        let files: Vec<(PathBuf, &[u8])> = docs
            .iter()
            .map(|d| (dir.join(&d.file_name), d.bytes.as_slice()))
            .collect();
        output::write_all_atomic(&files)?;
    }
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
            pruned: outcome
                .attached
                .iter()
                .filter(|s| !s.outcome.pruned.is_empty())
                .map(|s| (s.subject.clone(), s.outcome.pruned.as_slice()))
                .collect(),
            documents: document_json(docs, args.sbom_dir.as_deref()),
            lockfile: lock,
            tofurc: pushed.tofurc.as_deref(),
            tofurc_unusable: pushed.tofurc_unusable.as_deref(),
            license_warnings: &license_warnings,
        })?;
    } else {
        text::print_push(pushed, &client.ca_files);
        if pushed.dry_run {
            for d in docs {
                println!("would attach {}", d.file_name);
            }
        }
        for s in &outcome.attached {
            text::print_attach(global, &s.outcome);
        }
        if let Some(lock) = &lock {
            println!("\n# .terraform.lock.hcl\n{lock}");
        }
    }
    Ok(Status::Success)
}
