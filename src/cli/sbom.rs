//! `tofu-sbom sbom pull`: the SBOM attached to a pushed provider, fetched and digest-verified
//! ([`tofu_sbom::provider::sbom_pull`] does the work).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use tofu_sbom::provider::sbom_pull::{self, PullOptions};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;

use super::args::{ReferrersArgs, RegistryArgs};
use super::output;
use super::runtime::runtime;
use super::{GlobalArgs, Status};

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
    /// Which SBOM: `cyclonedx-json` (CycloneDX 1.6), `cyclonedx-json@1.5`, `spdx-json` (SPDX 2.3),
    /// `spdx-json@3.0.1` — the formats `generate` and `publish` write — or `cyclonedx` (the newest CycloneDX
    /// specVersion attached) / `spdx` / `spdx3`.
    #[arg(long, value_name = "FORMAT", default_value = "cyclonedx", value_parser = [
        "cyclonedx", "cyclonedx-json", "cyclonedx-json@1.5", "cyclonedx-json@1.6", "spdx", "spdx-json",
        "spdx-json@2.3", "spdx3", "spdx-json@3.0.1",
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

pub(crate) fn run(global: &GlobalArgs, cmd: &SbomCommand) -> anyhow::Result<Status> {
    let SbomCommand::Pull(args) = cmd;
    let target = Target::parse(&args.reference)?;
    let platform = args
        .platform
        .as_deref()
        .map(|p| tofu_sbom::archive::release::Platform::parse(p).map(|p| p.to_string()))
        .transpose()?;
    let (kind, spec_version) = sbom_pull::format_selector(&args.format);
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
