//! `tofu-sbom attach`, `tofu-sbom referrers` and `tofu-sbom sbom pull`: SBOMs as OCI referrers.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::attach::{
    self, AttachOptions, AttachOutcome, AttachStatus, SbomFile, SbomKind,
};
use tofu_sbom::provider::sbom_pull::{self, PullOptions};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::{self, ListOptions, ReferrersMode};
use tofu_sbom::registry::store::Store;

use super::push::{RegistryArgs, runtime};
use super::{GlobalArgs, Status, output};

/// How referrers are recorded: shared by `attach`, `publish`, `referrers`, `sbom pull`, `verify`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ReferrersArgs {
    /// `auto` (the referrers API when the registry serves it, else the `sha256-<hex>` fallback tag), `api` or `tag`.
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub(crate) referrers_mode: ReferrersMode,
}

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

pub(crate) fn run_attach(global: &GlobalArgs, args: &AttachArgs) -> anyhow::Result<Status> {
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
        ..AttachOptions::default()
    };
    let client = args.registry.client_options()?;
    let outcome = runtime()?.block_on(async {
        let store = Store::open(&target, client, false)?;
        let subject = attach::resolve_subject(&store, &target).await?;
        attach::attach(&store, &subject, &files, &opts).await
    })?;
    if args.json {
        output::print_json(&outcome)?;
    } else {
        print_attach(global, &outcome);
    }
    Ok(Status::Success)
}

/// The text result of one attach.
pub(crate) fn print_attach(global: &GlobalArgs, o: &AttachOutcome) {
    for r in &o.referrers {
        let what = match r.status {
            AttachStatus::Added => "attached",
            AttachStatus::AlreadyPresent => "present ",
        };
        println!(
            "{what} {} {} {} → {}",
            r.digest, r.artifact_type, r.title, o.subject.digest
        );
    }
    if !global.quiet {
        for p in &o.pruned {
            eprintln!(
                "tofu-sbom: info: pruned {} ({})",
                p.referrer.digest, p.referrer.artifact_type
            );
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ReferrersListArgs {
    /// `HOST/REPO@sha256:…`, `HOST/REPO:TAG` or `oci-layout:DIR[:TAG|@DIGEST]`.
    #[arg(value_name = "REF")]
    reference: String,
    /// Only referrers of this artifactType.
    #[arg(long, value_name = "MEDIA_TYPE")]
    artifact_type: Option<String>,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run_list(_global: &GlobalArgs, args: &ReferrersListArgs) -> anyhow::Result<Status> {
    let target = Target::parse(&args.reference)?;
    let client = args.registry.client_options()?;
    let listing = runtime()?.block_on(async {
        let store = Store::open(&target, client, false)?;
        let subject = attach::resolve_subject(&store, &target).await?;
        referrers::list_referrers(
            &store,
            &subject.digest,
            &ListOptions {
                mode: args.referrers.referrers_mode,
                artifact_type: args.artifact_type.clone(),
            },
        )
        .await
    })?;
    for u in &listing.unreadable {
        eprintln!(
            "tofu-sbom: warning: {}: {}; this index.json entry may be a referrer of {} and is not listed",
            args.reference, u.reason, listing.subject
        );
    }
    if args.json {
        output::print_json(&listing)?;
    } else {
        println!(
            "ARTIFACT TYPE                    DIGEST                                                                   SIZE  TITLE  CREATED"
        );
        for e in &listing.entries {
            println!(
                "{:<32} {} {:>5}  {}  {}",
                e.artifact_type,
                e.digest,
                e.size,
                e.title.as_deref().unwrap_or("-"),
                e.created.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(Status::Success)
}

#[derive(Debug, Subcommand)]
pub(crate) enum SbomCommand {
    /// Fetch the SBOM attached to a provider (the release-wide one on the index, or one platform's).
    Pull(PullArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    /// The provider: `HOST/REPO:VERSION`, `HOST/REPO@sha256:…` or `oci-layout:DIR:VERSION`.
    #[arg(value_name = "REF")]
    reference: String,
    /// The SBOM of this platform's manifest (os_arch) instead of the release-wide one on the index.
    #[arg(long, value_name = "OS_ARCH")]
    platform: Option<String>,
    /// Which SBOM: `cyclonedx-json` (CycloneDX 1.6), `cyclonedx-json@1.5`, `spdx-json` — the formats `generate` and
    /// `publish` write — or `cyclonedx` (the newest CycloneDX specVersion attached) / `spdx`.
    #[arg(long, value_name = "FORMAT", default_value = "cyclonedx", value_parser = [
        "cyclonedx", "cyclonedx-json", "cyclonedx-json@1.5", "cyclonedx-json@1.6", "spdx", "spdx-json",
    ])]
    format: String,
    /// Pull exactly this referrer manifest (`sha256:…`, as `referrers` lists it) when several are attached.
    #[arg(long, value_name = "DIGEST")]
    referrer: Option<String>,
    /// Where to write the SBOM (`-` for standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result (on stdout; the SBOM goes to FILE).
    #[arg(long)]
    json: bool,
}

pub(crate) fn run_sbom(global: &GlobalArgs, cmd: &SbomCommand) -> anyhow::Result<Status> {
    let SbomCommand::Pull(args) = cmd;
    let target = Target::parse(&args.reference)?;
    let platform = args
        .platform
        .as_deref()
        .map(|p| tofu_sbom::archive::release::Platform::parse(p).map(|p| p.to_string()))
        .transpose()?;
    let (kind, spec_version) = match args.format.as_str() {
        "spdx" | "spdx-json" => (SbomKind::Spdx, None),
        "cyclonedx-json" | "cyclonedx-json@1.6" => (SbomKind::CycloneDx, Some("1.6")),
        "cyclonedx-json@1.5" => (SbomKind::CycloneDx, Some("1.5")),
        _ => (SbomKind::CycloneDx, None),
    };
    let referrer = args
        .referrer
        .as_deref()
        .map(|d| {
            d.parse::<Digest>()
                .with_context(|| format!("--referrer {d}: expected sha256:<64 hex digits>"))
        })
        .transpose()?;
    let opts = PullOptions {
        kind,
        platform,
        mode: args.referrers.referrers_mode,
        referrer,
        spec_version: spec_version.map(str::to_owned),
    };
    let client = args.registry.client_options()?;
    let pulled = runtime()?.block_on(async {
        let store = Store::open(&target, client, false)?;
        sbom_pull::pull_sbom(&store, &target, &opts).await
    })?;
    if args.output.as_os_str() == "-" {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        out.write_all(&pulled.bytes)?;
        out.flush()?;
    } else {
        output::write_all_atomic(&[(args.output.clone(), pulled.bytes.as_slice())])?;
        if args.json {
            output::print_json(&pulled)?;
        } else if !global.quiet {
            eprintln!(
                "tofu-sbom: wrote {} ({} from referrer {} of {})",
                args.output.display(),
                pulled.referrer.artifact_type,
                pulled.referrer.digest,
                pulled.subject.digest
            );
        }
    }
    Ok(Status::Success)
}
