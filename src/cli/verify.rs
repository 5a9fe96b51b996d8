//! `tofu-sbom verify`: a pushed provider checked against OpenTofu's own rules and its SBOMs, optionally against the
//! release it was built from ([`tofu_sbom::verify`] does the work).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use tofu_sbom::generate::{ScannedRelease, TimestampPolicy};
use tofu_sbom::limits::Limits;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::SbomKind;
use tofu_sbom::verify::artifact::{SbomExpectation, SbomKinds, VerifyOptions};
use tofu_sbom::verify::release::{ReleaseVerifyOptions, SettingOverrides, verify_release};

use super::args::{
    ReferrersArgs, RegistryArgs, ReleaseArgs, SbomArgs, check_address_type, explicit_address,
    parse_author,
};
use super::output::json::VerifyJson;
use super::output::{self, text};
use super::runtime::{self, runtime};
use super::{GlobalArgs, Status};

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// `HOST[:PORT]/REPO[:TAG|@DIGEST]` or `oci-layout:DIR[:TAG|@DIGEST]`; without a tag every version tag is checked.
    #[arg(value_name = "TARGET")]
    target: String,
    /// Check only OpenTofu's layout rules, not that the index and every platform carry a CycloneDX and an SPDX SBOM
    /// whose hashes match the stored ZIPs. (`--format` narrows which SBOM kinds are expected instead; with
    /// `--release` the formats are read back from the stored SBOMs.)
    #[arg(long)]
    no_sboms: bool,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Also check the pushed provider against this release (a directory or ZIPs): every ZIP stored with its
    /// digest, no other platform, and the stored SBOMs re-derived with the settings read back from them (byte-identical
    /// for this tool version; same components and hashes for another). `--provider`, `--supplier`, `--author`,
    /// `--timestamp` and `--format` override what is read back.
    #[arg(long, value_name = "RELEASE")]
    release: Option<PathBuf>,
    #[command(flatten)]
    release_args: ReleaseArgs,
    #[command(flatten)]
    sbom: SbomArgs,
    /// Also lint every attached SBOM against a minimum-elements profile — ntia, bsi-2.1 or cisa-2025, as `tofu-sbom
    /// lint` does; findings are SBOM-policy errors (`sbom_profile`), never OpenTofu's verdict.
    #[arg(long, value_name = "PROFILE", conflicts_with = "no_sboms")]
    profile: Option<tofu_sbom::lint::Profile>,
    /// Print a JSON report.
    #[arg(long)]
    json: bool,
}

/// The `--release` settings given on the command line (they override what is read back from the stored SBOMs).
fn release_overrides(
    args: &VerifyArgs,
    scanned: &ScannedRelease,
) -> anyhow::Result<SettingOverrides> {
    let address = explicit_address(&args.release_args)?;
    check_address_type(address.as_ref(), scanned)?;
    let timestamp = args
        .sbom
        .timestamp
        .as_deref()
        .map(|t| TimestampPolicy::resolve(Some(t), None).map(|p| p.instant(scanned)))
        .transpose()
        .context("--timestamp")?;
    Ok(SettingOverrides {
        address,
        supplier: args.sbom.supplier.clone(),
        authors: (!args.sbom.authors.is_empty())
            .then(|| {
                args.sbom
                    .authors
                    .iter()
                    .map(|a| parse_author(a))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .transpose()?,
        timestamp,
        formats: (!args.sbom.formats.is_empty())
            .then(|| args.sbom.formats())
            .transpose()?,
        licenses: args.sbom.license_config()?,
    })
}

pub(crate) fn run(global: &GlobalArgs, args: &VerifyArgs) -> anyhow::Result<Status> {
    let target = Target::parse(&args.target)?;
    let release_flags = !args.release_args.platforms.is_empty()
        || args.release_args.provider.is_some()
        || args.release_args.allow_missing_platforms
        || args.sbom.supplier.is_some()
        || !args.sbom.authors.is_empty()
        || args.sbom.timestamp.is_some();
    anyhow::ensure!(
        args.release.is_some() || !release_flags,
        "--platform, --provider, --allow-missing-platforms, --supplier, --author and --timestamp apply only with --release"
    );
    anyhow::ensure!(
        !args.no_sboms || args.sbom.formats.is_empty(),
        "--format names the SBOMs to expect; it cannot be combined with --no-sboms"
    );
    anyhow::ensure!(
        args.release.is_none() || !args.no_sboms,
        "--release compares the stored SBOMs; it cannot be combined with --no-sboms"
    );
    let limits = Limits::default();
    let scanned = match &args.release {
        Some(path) => Some(runtime::scan(
            global,
            std::slice::from_ref(path),
            &args.release_args,
            &limits,
        )?),
        None => None,
    };
    let client = args.registry.client_options()?;
    let rt = runtime()?;
    let report = rt.block_on(async {
        let store = Store::open(&target, client.clone(), false)?;
        if let Some(scanned) = &scanned {
            let opts = ReleaseVerifyOptions {
                mode: args.referrers.referrers_mode,
                overrides: release_overrides(args, scanned)?,
                platforms: scanned
                    .platforms
                    .iter()
                    .map(|p| p.platform.to_string())
                    .filter(|_| !args.release_args.platforms.is_empty())
                    .collect(),
                profile: args.profile,
                ..ReleaseVerifyOptions::default()
            };
            return Ok::<_, anyhow::Error>(verify_release(&store, &target, scanned, &opts).await?);
        }
        let mut opts = VerifyOptions::default();
        if !args.no_sboms {
            // Without --release, --format says which SBOM kinds every subject must carry (default: both).
            let formats = args.sbom.formats()?;
            let has = |k: SbomKind| formats.iter().any(|f| f.kind() == k);
            let kinds = SbomKinds {
                cyclonedx: has(SbomKind::CycloneDx),
                spdx: has(SbomKind::Spdx),
                spdx3: has(SbomKind::Spdx3),
            };
            opts.sboms = Some(SbomExpectation {
                index: kinds,
                platforms: kinds,
                mode: args.referrers.referrers_mode,
                profile: args.profile,
            });
        }
        Ok(tofu_sbom::verify::artifact::verify(&store, &target, &opts).await?)
    })?;
    rt.block_on(super::tofu_note::print_tofu_credentials_note(
        global, &client, &target,
    ));
    if args.json {
        output::print_json(&VerifyJson {
            ok: report.ok(),
            opentofu_would_install: report.opentofu_would_install(),
            sbom_policy: report.sbom_policy(),
            report: &report,
        })?;
    } else {
        text::print_verify(&report);
    }
    Ok(if report.ok() {
        Status::Success
    } else {
        Status::Problems
    })
}
