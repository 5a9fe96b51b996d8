//! `tofu-sbom inspect`: Go build info of binaries and provider ZIPs, as `go version -m` prints it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use tofu_sbom::archive::{ArchiveError, BinarySelector, Observe, ProviderZip};
use tofu_sbom::buildinfo::{self, BuildInfo, BuildInfoJson};
use tofu_sbom::limits::Limits;

use super::{GlobalArgs, Status, output};

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Print a JSON document instead of `go version -m` text.
    #[arg(long)]
    json: bool,
    /// Go binaries or provider ZIPs.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
}

/// The `--json` document of `inspect` (`schemaVersion` 1).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct InspectJson {
    schema_version: u32,
    inputs: Vec<InputJson>,
}

/// One input: `buildInfo` when it was read, `error` when not.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct InputJson {
    path: String,
    /// The provider binary's entry name, for a ZIP.
    entry: Option<String>,
    build_info: Option<BuildInfoJson>,
    error: Option<ErrorJson>,
}

#[derive(Debug, Serialize)]
struct ErrorJson {
    kind: &'static str,
    message: String,
}

/// What reading one input gave.
enum Outcome {
    Read {
        entry: Option<String>,
        info: BuildInfo,
    },
    NotReadable {
        entry: Option<String>,
        kind: &'static str,
        message: String,
    },
}

pub(crate) fn run(_global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let mut status = Status::Success;
    let mut json = InspectJson {
        schema_version: 1,
        inputs: Vec::new(),
    };
    let mut out = std::io::stdout().lock();
    for path in &args.paths {
        let outcome = inspect_one(path, &limits);
        let shown = path.display().to_string();
        match outcome {
            Ok(Outcome::Read { entry, info }) => {
                if args.json {
                    json.inputs.push(InputJson {
                        path: shown,
                        entry,
                        build_info: Some(info.to_json()),
                        error: None,
                    });
                } else {
                    let name = match &entry {
                        Some(e) => format!("{shown}!{e}"),
                        None => shown,
                    };
                    out.write_all(info.go_version_m(&name).as_bytes())?;
                }
            }
            Ok(Outcome::NotReadable {
                entry,
                kind,
                message,
            }) => {
                status = Status::Problems;
                let name = match &entry {
                    Some(e) => format!("{shown}!{e}"),
                    None => shown.clone(),
                };
                eprintln!("{name}: {message}");
                if args.json {
                    json.inputs.push(InputJson {
                        path: shown,
                        entry,
                        build_info: None,
                        error: Some(ErrorJson { kind, message }),
                    });
                }
            }
            Err(e) => {
                // The file could not be opened or read at all: an I/O error, exit 2 at the end.
                eprintln!("{shown}: {e}");
                status = Status::Error;
                if args.json {
                    json.inputs.push(InputJson {
                        path: shown,
                        entry: None,
                        build_info: None,
                        error: Some(ErrorJson {
                            kind: "io",
                            message: e.to_string(),
                        }),
                    });
                }
            }
        }
    }
    out.flush()?;
    drop(out);
    if args.json {
        output::print_json(&json)?;
    }
    Ok(status)
}

/// Reads one input. `Err` only for failures to open or read the file itself.
fn inspect_one(path: &Path, limits: &Limits) -> Result<Outcome, anyhow::Error> {
    if is_zip(path)? {
        let selector = selector_for(path);
        let zip = match ProviderZip::open(path, &selector, limits) {
            Ok(z) => z,
            Err(ArchiveError::Io { source, .. }) => return Err(source.into()),
            Err(e) => {
                return Ok(Outcome::NotReadable {
                    entry: None,
                    kind: "archive",
                    message: e.to_string(),
                });
            }
        };
        let entry = zip.binary().name.clone();
        let mut reader = zip.binary_reader(Observe::Nothing);
        let result = buildinfo::read(&mut reader, limits);
        return Ok(match result {
            Ok(info) => Outcome::Read {
                entry: Some(entry),
                info,
            },
            Err(e) => Outcome::NotReadable {
                entry: Some(entry),
                kind: error_kind(&e),
                message: e.to_string(),
            },
        });
    }
    match buildinfo::read_path(path, limits) {
        Ok(info) => Ok(Outcome::Read { entry: None, info }),
        Err(buildinfo::Error::Open { source, .. }) => Err(source.into()),
        Err(e) => Ok(Outcome::NotReadable {
            entry: None,
            kind: error_kind(&e),
            message: e.to_string(),
        }),
    }
}

/// A ZIP is recognised by its content (a local-header or empty-archive signature), not by its name.
fn is_zip(path: &Path) -> std::io::Result<bool> {
    use std::io::Read as _;
    let mut magic = [0u8; 4];
    let mut f = std::fs::File::open(path)?;
    let n = f.read(&mut magic)?;
    Ok(n == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06"))
}

/// The provider type from a `terraform-provider-TYPE_VERSION_OS_ARCH.zip` name, else any single provider binary.
fn selector_for(path: &Path) -> BinarySelector {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match tofu_sbom::archive::names::strip_provider_prefix(&name)
        .and_then(|rest| rest.split_once('_'))
    {
        Some((ty, _)) if !ty.is_empty() => BinarySelector::ProviderType(ty.to_owned()),
        _ => BinarySelector::Any,
    }
}

/// The stable `kind` string of a build-info error in `--json`.
fn error_kind(e: &buildinfo::Error) -> &'static str {
    use buildinfo::Error as E;
    match e {
        E::NotExecutable { .. } => "not-executable",
        E::NotGo { .. } => "not-go",
        E::Packed { .. } => "packed",
        E::Damaged { .. } | E::Modinfo { .. } => "damaged",
        E::Malformed { .. } | E::Truncated { .. } => "malformed",
        E::LimitExceeded { .. } | E::TooMany { .. } => "limit-exceeded",
        _ => "io",
    }
}
