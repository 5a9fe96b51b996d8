//! `tofu-sbom lint FILE... --profile ntia|bsi-2.1|cisa-2025 [--json]`: minimum-elements check of SBOM files (any
//! CycloneDX or SPDX JSON document; `tofu_sbom::lint`). Every file is read and reported; exit 0 when all conform,
//! 1 when some has findings, 2 when some could not be read (the message names it).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use tofu_sbom::limits::Limits;
use tofu_sbom::lint::{self, Finding, LintReport, Profile};

use super::{GlobalArgs, Status, output};

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// SBOM files: CycloneDX 1.4–1.6 JSON, SPDX 2.2/2.3 JSON or SPDX 3.0.1 JSON-LD.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The minimum elements to check: ntia (NTIA 2021), bsi-2.1 (BSI TR-03183-2 v2.1.0) or cisa-2025 (CISA 2025
    /// minimum elements).
    #[arg(long, value_name = "PROFILE")]
    profile: Profile,
    /// Print a JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The `--json` document of `lint` (`schemaVersion` 1).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LintJson {
    schema_version: u32,
    profile: Profile,
    files: Vec<FileJson>,
}

/// One file: its report (`conforms`, `findings`, …) or the `error` that kept it from being read.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FileJson {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    conforms: Option<bool>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    report: Option<LintReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn print_finding(out: &mut impl Write, f: &Finding) -> std::io::Result<()> {
    writeln!(out, "  {} {} {}", f.code, f.path, f.message)
}

pub(crate) fn run(global: &GlobalArgs, args: &LintArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let mut out = std::io::stdout().lock();
    let mut files = Vec::with_capacity(args.files.len());
    let (mut unreadable, mut findings) = (false, false);
    for path in &args.files {
        let shown = path.display().to_string();
        let result = std::fs::read(path)
            .map_err(|e| format!("reading {shown}: {e}"))
            .and_then(|bytes| {
                lint::lint(&bytes, args.profile, &limits).map_err(|e| format!("{shown}: {e}"))
            });
        match result {
            Ok(report) => {
                findings |= !report.conforms();
                if !args.json {
                    if report.conforms() {
                        if !global.quiet {
                            writeln!(
                                out,
                                "{shown}: conforms to {} ({} components checked)",
                                args.profile, report.components
                            )?;
                        }
                    } else {
                        writeln!(
                            out,
                            "{shown}: {} finding(s) for {} ({} components checked)",
                            report.findings.len(),
                            args.profile,
                            report.components
                        )?;
                        for f in &report.findings {
                            print_finding(&mut out, f)?;
                        }
                    }
                }
                files.push(FileJson {
                    path: shown,
                    conforms: Some(report.conforms()),
                    report: Some(report),
                    error: None,
                });
            }
            Err(message) => {
                unreadable = true;
                if !args.json {
                    eprintln!("error: {message}");
                }
                files.push(FileJson {
                    path: shown,
                    conforms: None,
                    report: None,
                    error: Some(message),
                });
            }
        }
    }
    drop(out);
    if args.json {
        output::print_json(&LintJson {
            schema_version: 1,
            profile: args.profile,
            files,
        })?;
    }
    Ok(if unreadable {
        Status::Error
    } else if findings {
        Status::Problems
    } else {
        Status::Success
    })
}
