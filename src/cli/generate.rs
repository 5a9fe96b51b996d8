//! `tofu-sbom generate`: SBOMs and lock-file hashes for a provider release.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use tofu_sbom::archive::lockfile;
use tofu_sbom::generate::{self, Subject};
use tofu_sbom::limits::Limits;
use tofu_sbom::sbom::Format;

use super::args::{ReleaseArgs, SbomArgs, check_address_type};
use super::output::json::{GenerateJson, document_json, platform_json};
use super::output::{self, text};
use super::{GlobalArgs, Status, runtime};

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// The release: a directory (GoReleaser `dist/`) or one or more `terraform-provider-TYPE_VERSION_OS_ARCH.zip` files.
    #[arg(value_name = "RELEASE", required = true)]
    release: Vec<PathBuf>,
    #[command(flatten)]
    release_args: ReleaseArgs,
    #[command(flatten)]
    sbom: SbomArgs,
    /// Directory to write the SBOMs to (default: next to the ZIPs).
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Write the FORMAT document of the release's one platform to exactly PATH, and nothing else (repeatable; for
    /// GoReleaser's `sboms` step: `--output-file spdx-json=$document0`). Needs a release of one platform.
    #[arg(
        long = "output-file",
        value_name = "FORMAT=PATH",
        conflicts_with_all = ["output_dir", "formats"]
    )]
    output_files: Vec<String>,
    /// Also write the `.terraform.lock.hcl` provider block (h1: and zh: for every platform) to FILE.
    #[arg(long, value_name = "FILE")]
    lockfile: Option<PathBuf>,
    /// Print a JSON summary instead of the table.
    #[arg(long)]
    json: bool,
}

/// The `--output-file FORMAT=PATH` pairs, one per format.
fn output_files(specs: &[String]) -> anyhow::Result<Vec<(Format, PathBuf)>> {
    let mut out: Vec<(Format, PathBuf)> = Vec::with_capacity(specs.len());
    for spec in specs {
        let (format, path) = spec
            .split_once('=')
            .filter(|(f, p)| !f.is_empty() && !p.is_empty())
            .with_context(|| format!("--output-file {spec:?}: expected FORMAT=PATH"))?;
        let format = Format::parse(format).with_context(|| format!("--output-file {spec:?}"))?;
        anyhow::ensure!(
            !out.iter().any(|(f, _)| *f == format),
            "--output-file {spec:?}: {} is given twice",
            format.name()
        );
        out.push((format, PathBuf::from(path)));
    }
    Ok(out)
}

pub(crate) fn run(global: &GlobalArgs, args: &GenerateArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let output_files = output_files(&args.output_files)?;
    let formats = if output_files.is_empty() {
        args.sbom.formats()?
    } else {
        output_files.iter().map(|(f, _)| *f).collect()
    };
    let mut opts = args.sbom.options(&args.release_args)?;
    let license_config = args.sbom.license_config()?;
    let scanned = runtime::scan(global, &args.release, &args.release_args, &limits)?;
    check_address_type(opts.address.as_ref(), &scanned)?;
    let (licenses, license_warnings) =
        runtime::licenses(global, license_config.as_ref(), &scanned)?;
    opts.licenses = licenses;
    let lock = match &args.lockfile {
        Some(_) => {
            let address = scanned.require_address(opts.address.as_ref(), "--lockfile")?;
            Some(lockfile::render_provider_block(&scanned.lock(&address)))
        }
        None => None,
    };
    if !output_files.is_empty() && scanned.platforms.len() != 1 {
        anyhow::bail!(
            "--output-file needs a release of exactly one platform, this one has {} ({}); use -o DIR or --platform",
            scanned.platforms.len(),
            scanned
                .platforms
                .iter()
                .map(|p| p.platform.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let input = generate::release_input(&scanned, &opts);
    let mut docs = generate::documents(&input, &formats)?;
    if !output_files.is_empty() {
        // Only the platform's documents, each at the exact path given.
        docs.retain(|d| d.subject != Subject::Release);
        for d in &mut docs {
            if let Some((_, path)) = output_files.iter().find(|(f, _)| *f == d.format) {
                d.file_name = path.display().to_string();
            }
        }
    }
    let out_dir = match &args.output_dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.clone()
        }
        None if !output_files.is_empty() => PathBuf::new(),
        None => scanned.platforms[0]
            .zip_path
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default(),
    };
    let mut files: Vec<(PathBuf, &[u8])> = docs
        .iter()
        .map(|d| (out_dir.join(&d.file_name), d.bytes.as_slice()))
        .collect();
    if let (Some(path), Some(lock)) = (&args.lockfile, &lock) {
        files.push((path.clone(), lock.as_bytes()));
    }
    output::write_all_atomic(&files)?;
    if args.json {
        output::print_json(&GenerateJson {
            provider_type: scanned.provider_type.clone(),
            version: scanned.version.clone(),
            provider: scanned
                .address(opts.address.as_ref())
                .map(|a| a.to_string()),
            timestamp: input
                .timestamp
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            platforms: platform_json(&scanned),
            documents: document_json(&docs, Some(&out_dir)),
            lockfile: args.lockfile.as_ref().map(|p| p.display().to_string()),
            license_warnings,
        })?;
    } else {
        text::print_table(&scanned);
        if !global.quiet {
            for (path, _) in &files {
                eprintln!("tofu-sbom: wrote {}", path.display());
            }
        }
    }
    Ok(Status::Success)
}
