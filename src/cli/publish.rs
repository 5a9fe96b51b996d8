//! `tofu-sbom publish`: generate + push + attach in one run.
//!
//! Each platform's SBOMs are attached to its platform manifest and the release-wide SBOMs to the index (Trivy ≤ 0.70
//! looks referrers up on the digest a tag resolves to: the index). Re-running on the same release with the same tool
//! version and flags changes no digest, uploads no blob and adds no referrer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use tofu_sbom::archive::lockfile;
use tofu_sbom::generate::{self, Subject};
use tofu_sbom::limits::Limits;
use tofu_sbom::oci::attach::{self, AttachOptions, AttachOutcome, SbomFile};
use tofu_sbom::oci::digest::Digest;
use tofu_sbom::oci::push::{PushOptions, PushOutcome};
use tofu_sbom::oci::reference::Target;
use tofu_sbom::oci::store::Store;

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
    let push_opts = PushOptions {
        extra_tags: args.publish.extra_tags.clone(),
        dry_run: args.publish.dry_run,
        progress: progress(global),
        provider: address.clone(),
        ..PushOptions::default()
    };
    let attach_opts = AttachOptions {
        mode: args.referrers.referrers_mode,
        prune_own: args.prune_own_referrers,
        ..AttachOptions::default()
    };
    let client = args.registry.client_options()?;
    let (pushed, attached) = runtime()?.block_on(async {
        let store = Store::open(&target, client, !args.publish.dry_run)?;
        let pushed = tofu_sbom::oci::push::push(&pkg, &store, &target, &push_opts).await?;
        let mut attached: Vec<(String, AttachOutcome)> = Vec::new();
        if pushed.dry_run {
            return Ok::<_, anyhow::Error>((pushed, attached));
        }
        // Platforms first, the index last: a scanner that finds the index's SBOMs finds the platforms' too.
        let mut subjects: Vec<(String, Digest)> = pushed
            .platforms
            .iter()
            .map(|(k, p)| (k.clone(), p.manifest_digest.clone()))
            .collect();
        subjects.push(("index".to_owned(), pushed.index_digest.clone()));
        for (key, digest) in subjects {
            let files: Vec<SbomFile> = docs
                .iter()
                .filter(|d| match &d.subject {
                    Subject::Platform(p) => p.to_string() == key,
                    Subject::Release => key == "index",
                })
                .map(|d| SbomFile::from_bytes(d.file_name.clone(), d.bytes.clone()))
                .collect();
            let subject = attach::subject_descriptor(&store, &digest).await?;
            attached.push((
                key,
                attach::attach(&store, &subject, &files, &attach_opts).await?,
            ));
        }
        Ok((pushed, attached))
    })?;
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
    let mut referrers: BTreeMap<String, BTreeMap<String, Digest>> = BTreeMap::new();
    for (key, o) in &attached {
        let m = referrers.entry(key.clone()).or_default();
        for r in &o.referrers {
            m.insert(r.title.clone(), r.digest.clone());
        }
    }
    gha::write_publish(
        &args.gha,
        &gha::PublishFacts {
            pushed: &pushed,
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
            push: &pushed,
            referrers,
            documents: document_json(&docs, args.sbom_dir.as_deref()),
            lockfile: lock,
            tofurc: pushed.tofurc.as_deref(),
        })?;
    } else {
        print_push(&pushed);
        if pushed.dry_run {
            for d in &docs {
                println!("would attach {}", d.file_name);
            }
        }
        for (_, o) in &attached {
            print_attach(global, o);
        }
        if let Some(lock) = &lock {
            println!("\n# .terraform.lock.hcl\n{lock}");
        }
    }
    Ok(Status::Success)
}
