//! `tofu-sbom generate`: SBOMs and lock-file hashes for a provider release.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use tofu_sbom::archive::lockfile;
use tofu_sbom::generate::{self, Document, SbomOptions, ScannedRelease, Subject, TimestampPolicy};
use tofu_sbom::inventory::{Author, AuthorKind, ToolInfo};
use tofu_sbom::limits::Limits;
use tofu_sbom::sbom::Format;

use super::{GlobalArgs, ReleaseArgs, Status, output, release};

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

/// SBOM content options shared by `generate` and `publish`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SbomArgs {
    /// Output formats: cyclonedx-json (1.6), cyclonedx-json@1.5, spdx-json (2.3). Default: cyclonedx-json and spdx-json.
    #[arg(long = "format", value_name = "FORMAT", value_delimiter = ',')]
    pub(crate) formats: Vec<String>,
    /// The provider's supplier (default: the provider namespace).
    #[arg(long)]
    pub(crate) supplier: Option<String>,
    /// SBOM author: `NAME [<EMAIL>]` for a person, `org:NAME` for an organisation (repeatable).
    #[arg(long = "author", value_name = "AUTHOR")]
    pub(crate) authors: Vec<String>,
    /// Document timestamp: `now`, Unix seconds or RFC 3339. Default: SOURCE_DATE_EPOCH, else the newest ZIP entry time.
    #[arg(long, value_name = "TIME")]
    pub(crate) timestamp: Option<String>,
}

impl SbomArgs {
    /// The requested formats, deduplicated, in the order given.
    pub(crate) fn formats(&self) -> anyhow::Result<Vec<Format>> {
        if self.formats.is_empty() {
            return Ok(vec![Format::CycloneDx16, Format::Spdx23]);
        }
        let mut out = Vec::new();
        for f in &self.formats {
            let f = Format::parse(f)?;
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// The SBOM options for `release`.
    pub(crate) fn options(&self, release_args: &ReleaseArgs) -> anyhow::Result<SbomOptions> {
        let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
        Ok(SbomOptions {
            address: release::explicit_address(release_args)?,
            supplier: self.supplier.clone(),
            authors: self
                .authors
                .iter()
                .map(|a| parse_author(a))
                .collect::<anyhow::Result<_>>()?,
            timestamp: TimestampPolicy::resolve(self.timestamp.as_deref(), sde.as_deref())
                .context("SOURCE_DATE_EPOCH / --timestamp")?,
            tool: ToolInfo::default(),
            release_signature: None,
        })
    }
}

pub(crate) fn parse_author(s: &str) -> anyhow::Result<Author> {
    let (kind, rest) = match s.strip_prefix("org:") {
        Some(rest) => (AuthorKind::Organization, rest.trim()),
        None => (AuthorKind::Person, s.trim()),
    };
    let (name, email) = match rest.split_once('<') {
        Some((name, email)) => {
            let email = email
                .strip_suffix('>')
                .with_context(|| format!("--author {s:?}: expected NAME <EMAIL>"))?;
            (name.trim(), Some(email.trim().to_owned()))
        }
        None => (rest, None),
    };
    anyhow::ensure!(!name.is_empty(), "--author {s:?}: the name is empty");
    Ok(Author {
        kind,
        name: name.to_owned(),
        email,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerateJson {
    provider_type: String,
    version: String,
    provider: Option<String>,
    timestamp: String,
    platforms: Vec<PlatformJson>,
    documents: Vec<DocumentJson>,
    lockfile: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformJson {
    pub(crate) platform: String,
    pub(crate) zip: String,
    pub(crate) zip_sha256: String,
    pub(crate) binary: String,
    pub(crate) binary_sha256: String,
    pub(crate) go_version: String,
    pub(crate) modules: usize,
    pub(crate) zh: String,
    pub(crate) h1: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DocumentJson {
    pub(crate) file: String,
    pub(crate) format: &'static str,
    /// `os_arch`, or `release` for the release-wide document.
    pub(crate) subject: String,
    pub(crate) sha256: String,
}

pub(crate) fn platform_json(release: &ScannedRelease) -> Vec<PlatformJson> {
    release
        .platforms
        .iter()
        .map(|p| PlatformJson {
            platform: p.platform.to_string(),
            zip: p.zip_name.clone(),
            zip_sha256: p.zip_digests.sha256_hex(),
            binary: p.binary_name.clone(),
            binary_sha256: p.binary_digests.sha256_hex(),
            go_version: p.buildinfo.go_version.clone(),
            modules: p.buildinfo.deps.len(),
            zh: p.zh(),
            h1: p.h1.clone(),
        })
        .collect()
}

pub(crate) fn document_json(docs: &[Document], dir: Option<&std::path::Path>) -> Vec<DocumentJson> {
    docs.iter()
        .map(|d| DocumentJson {
            file: match dir {
                Some(dir) => dir.join(&d.file_name).display().to_string(),
                None => d.file_name.clone(),
            },
            format: d.format.name(),
            subject: match &d.subject {
                Subject::Platform(p) => p.to_string(),
                Subject::Release => "release".to_owned(),
            },
            sha256: hex::encode(Sha256::digest(&d.bytes)),
        })
        .collect()
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
    let opts = args.sbom.options(&args.release_args)?;
    let scanned = release::scan(global, &args.release, &args.release_args, &limits)?;
    release::check_address_type(opts.address.as_ref(), &scanned)?;
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
        })?;
    } else {
        print_table(&scanned);
        if !global.quiet {
            for (path, _) in &files {
                eprintln!("tofu-sbom: wrote {}", path.display());
            }
        }
    }
    Ok(Status::Success)
}

/// The summary table: platform, Go version, modules, binary SHA-256.
pub(crate) fn print_table(release: &ScannedRelease) {
    let rows: Vec<[String; 4]> = release
        .platforms
        .iter()
        .map(|p| {
            [
                p.platform.to_string(),
                p.buildinfo.go_version.clone(),
                p.buildinfo.deps.len().to_string(),
                p.binary_digests.sha256_hex(),
            ]
        })
        .collect();
    let header = ["PLATFORM", "GO", "MODULES", "BINARY SHA-256"];
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: [&str; 4]| {
        format!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        )
    };
    println!("{}", line(header));
    for r in &rows {
        println!("{}", line([&r[0], &r[1], &r[2], &r[3]]));
    }
}
