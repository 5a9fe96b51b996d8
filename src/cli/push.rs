//! `tofu-sbom push` and `tofu-sbom verify`: the OCI side.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use tofu_sbom::generate::{ScannedRelease, TimestampPolicy};
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::artifact::ProviderPackage;
use tofu_sbom::provider::push::{ProgressEvent, ProgressFn, PushOptions, PushOutcome};
use tofu_sbom::registry::client::{ClientOptions, Protocol};
use tofu_sbom::registry::credentials::CredentialEnv;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;
use tofu_sbom::verify::artifact::{SbomExpectation, SbomKinds, VerifyOptions, VerifyReport};

/// The CycloneDX media type (= its referrers' artifactType).
const CDX_MEDIA_TYPE: &str = "application/vnd.cyclonedx+json";
use tofu_sbom::verify::release::{
    Comparison, ReleaseVerifyOptions, SettingOverrides, verify_release,
};

use super::{GlobalArgs, ReleaseArgs, Status, output, release};

/// How to reach a registry: credentials and transport.
#[derive(Debug, Clone, Args)]
pub(crate) struct RegistryArgs {
    /// Registry user name (with --password-stdin). Otherwise: TOFU_SBOM_REGISTRY_USERNAME/_PASSWORD, docker config,
    /// credential helpers, containers auth.json, anonymous.
    #[arg(long, requires = "password_stdin")]
    pub(crate) username: Option<String>,
    /// Read the registry password or token from standard input.
    #[arg(long, requires = "username")]
    pub(crate) password_stdin: bool,
    /// Use plain HTTP instead of HTTPS (loopback hosts fall back to HTTP on their own when TLS fails).
    #[arg(long)]
    pub(crate) plain_http: bool,
    /// Trust this PEM CA certificate in addition to the system roots (repeatable).
    #[arg(long = "ca-file", value_name = "PEM")]
    pub(crate) ca_files: Vec<PathBuf>,
}

impl RegistryArgs {
    /// Client options from the flags and the process environment.
    pub(crate) fn client_options(&self) -> anyhow::Result<ClientOptions> {
        let mut credentials = CredentialEnv::from_process();
        if let Some(user) = &self.username {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            anyhow::ensure!(
                !password.is_empty(),
                "--password-stdin: standard input held no password"
            );
            credentials.explicit = Some((user.clone(), password));
        }
        Ok(ClientOptions {
            protocol: if self.plain_http {
                Protocol::PlainHttp
            } else {
                Protocol::Auto
            },
            ca_files: self.ca_files.clone(),
            credentials,
            ..ClientOptions::default()
        })
    }
}

#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// The release: a directory (GoReleaser `dist/`) or a `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
    #[arg(value_name = "RELEASE")]
    release: PathBuf,
    /// `HOST[:PORT]/REPO[:TAG]` (TAG defaults to the version) or `oci-layout:DIR`.
    #[arg(value_name = "TARGET")]
    target: String,
    #[command(flatten)]
    release_args: ReleaseArgs,
    #[command(flatten)]
    pub(crate) publish: PublishArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result.
    #[arg(long)]
    json: bool,
}

/// Options of the OCI artifact shared by `push` and `publish`.
#[derive(Debug, Clone, Args)]
pub(crate) struct PublishArgs {
    /// An informational tag besides the version (e.g. `latest`; OpenTofu ignores it). Repeatable.
    #[arg(long = "extra-tag", value_name = "TAG")]
    pub(crate) extra_tags: Vec<String>,
    /// `org.opencontainers.image.source` (default: the GitHub URL of a github.com main module).
    #[arg(long, value_name = "URL")]
    pub(crate) source: Option<String>,
    /// Print what would be uploaded and tagged; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// `org.opencontainers.image.created`: `now`, Unix seconds or RFC 3339. Default: SOURCE_DATE_EPOCH, else the
    /// newest ZIP entry time (the same timestamp as the SBOMs).
    #[arg(long = "created", value_name = "TIME")]
    pub(crate) created: Option<String>,
}

/// The provider package for `oci::push` from a scanned release.
pub(crate) fn package(
    release: &ScannedRelease,
    args: &PublishArgs,
    timestamp: Option<&str>,
) -> anyhow::Result<ProviderPackage> {
    let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
    let created = TimestampPolicy::resolve(timestamp.or(args.created.as_deref()), sde.as_deref())?
        .instant(release)
        .format(&time::format_description::well_known::Rfc3339)
        .context("formatting the creation time")?;
    Ok(tofu_sbom::provider::publish::provider_package(
        release,
        created,
        args.source.clone(),
    ))
}

/// A tokio runtime for the registry client.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// A progress bar of blob bytes on a terminal; nothing in CI (`CI` set), with `-q`, or when stderr is not a terminal.
pub(crate) fn progress(global: &GlobalArgs) -> Option<ProgressFn> {
    if !output::show_progress(global) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg:40!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    // Bytes of the blobs finished so far, and of the blob in flight (an attempt may restart from 0).
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    Some(Arc::new(move |e: &ProgressEvent| {
        use std::sync::atomic::Ordering::Relaxed;
        match e {
            ProgressEvent::BlobStarted { size, title, .. } => {
                bar.inc_length(*size);
                bar.set_message(format!("uploading {title}"));
            }
            ProgressEvent::BlobProgress { sent, .. } => bar.set_position(done.load(Relaxed) + sent),
            ProgressEvent::BlobDone { size, .. } => {
                let d = done.fetch_add(*size, Relaxed) + size;
                bar.set_position(d);
            }
            ProgressEvent::BlobSkipped { title, .. } => {
                bar.println(format!("  = {title} already present"));
            }
            ProgressEvent::ManifestPushed { what, digest } => {
                bar.println(format!("  ✓ manifest {what} {digest}"));
            }
            ProgressEvent::Tagged { tag, .. } => {
                bar.println(format!("  ✓ tagged {tag}"));
                bar.finish_and_clear();
            }
            _ => {}
        }
    }))
}

pub(crate) fn run(global: &GlobalArgs, args: &PushArgs) -> anyhow::Result<Status> {
    let limits = Limits::default();
    let target = Target::parse(&args.target)?;
    let scanned = release::scan(
        global,
        std::slice::from_ref(&args.release),
        &args.release_args,
        &limits,
    )?;
    let address = release::explicit_address(&args.release_args)?;
    release::check_address_type(address.as_ref(), &scanned)?;
    let pkg = package(&scanned, &args.publish, None)?;
    let opts = PushOptions {
        extra_tags: args.publish.extra_tags.clone(),
        dry_run: args.publish.dry_run,
        progress: progress(global),
        provider: scanned.address(address.as_ref()),
        ..PushOptions::default()
    };
    let client = args.registry.client_options()?;
    let rt = runtime()?;
    // An `oci-layout:` directory this command creates is removed again when the push fails (e.g. a refused tag) or is
    // a dry run, so a refused or simulated push leaves nothing behind; an existing one is never created into.
    let created_layout = match &target {
        Target::Layout(l) => new_directory_root(&l.dir),
        Target::Registry(_) => None,
    };
    let create = !args.publish.dry_run || created_layout.is_some();
    let outcome = rt.block_on(async {
        let store = Store::open(&target, client, create)?;
        if let Store::Registry { client, .. } = &store
            && !global.quiet
            && let Ok(source) = client.credential_source().await
        {
            eprintln!(
                "tofu-sbom: info: {}: credentials from {source}",
                client.registry()
            );
        }
        tofu_sbom::provider::push::push(&pkg, &store, &target, &opts).await
    });
    if let Some(dir) = &created_layout
        && (outcome.is_err() || args.publish.dry_run)
    {
        let _ = std::fs::remove_dir_all(dir);
    }
    let outcome = outcome?;
    if args.json {
        output::print_json(&outcome)?;
    } else {
        print_push(&outcome);
    }
    Ok(Status::Success)
}

/// The outermost directory of `dir` (itself or an ancestor) that does not exist yet: what creating `dir` would create.
/// `None` when `dir` exists.
fn new_directory_root(dir: &std::path::Path) -> Option<PathBuf> {
    if dir.exists() {
        return None;
    }
    let mut root = dir;
    while let Some(parent) = root.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        root = parent;
    }
    Some(root.to_path_buf())
}

/// The text result of a push.
pub(crate) fn print_push(o: &PushOutcome) {
    let verb = if o.dry_run { "would push" } else { "pushed" };
    println!("{verb} {}", o.pinned_reference);
    println!("index     {}", o.index_digest);
    for (platform, p) in &o.platforms {
        println!(
            "{platform:<14}{} (zip {})",
            p.manifest_digest, p.layer_digest
        );
    }
    println!("tags      {}", o.tags.join(", "));
    if o.dry_run {
        // Nothing was uploaded: say what would be, from the plan.
        let new: Vec<_> = o.plan.blobs.iter().filter(|b| !b.exists).collect();
        println!(
            "blobs     {} to upload ({} bytes), {} already present",
            new.len(),
            new.iter().map(|b| b.size).sum::<u64>(),
            o.plan.blobs.len() - new.len()
        );
    } else {
        println!(
            "blobs     {} uploaded ({} bytes), {} already present",
            o.uploaded_blobs, o.uploaded_bytes, o.skipped_blobs
        );
    }
    if let Some(t) = &o.tofurc {
        println!("\n# .tofurc\n{t}");
    }
}

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
    referrers: super::referrers::ReferrersArgs,
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
    sbom: super::generate::SbomArgs,
    /// Print a JSON report.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifyJson<'a> {
    ok: bool,
    #[serde(flatten)]
    report: &'a VerifyReport,
}

/// The `--release` settings given on the command line (they override what is read back from the stored SBOMs).
fn release_overrides(
    args: &VerifyArgs,
    scanned: &ScannedRelease,
) -> anyhow::Result<SettingOverrides> {
    let address = release::explicit_address(&args.release_args)?;
    release::check_address_type(address.as_ref(), scanned)?;
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
                    .map(|a| super::generate::parse_author(a))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .transpose()?,
        timestamp,
        formats: (!args.sbom.formats.is_empty())
            .then(|| args.sbom.formats())
            .transpose()?,
    })
}

pub(crate) fn run_verify(global: &GlobalArgs, args: &VerifyArgs) -> anyhow::Result<Status> {
    let target = Target::parse(&args.target)?;
    let release_flags = !args.release_args.platforms.is_empty()
        || args.release_args.provider.is_some()
        || args.sbom.supplier.is_some()
        || !args.sbom.authors.is_empty()
        || args.sbom.timestamp.is_some();
    anyhow::ensure!(
        args.release.is_some() || !release_flags,
        "--platform, --provider, --supplier, --author and --timestamp apply only with --release"
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
        Some(path) => Some(release::scan(
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
        let store = Store::open(&target, client, false)?;
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
                ..ReleaseVerifyOptions::default()
            };
            return Ok::<_, anyhow::Error>(verify_release(&store, &target, scanned, &opts).await?);
        }
        let mut opts = VerifyOptions::default();
        if !args.no_sboms {
            // Without --release, --format says which SBOM kinds every subject must carry (default: both).
            let formats = args.sbom.formats()?;
            let kinds = SbomKinds {
                cyclonedx: formats.iter().any(|f| f.media_type() == CDX_MEDIA_TYPE),
                spdx: formats.iter().any(|f| f.media_type() != CDX_MEDIA_TYPE),
            };
            opts.sboms = Some(SbomExpectation {
                index: kinds,
                platforms: kinds,
                mode: args.referrers.referrers_mode,
            });
        }
        Ok(tofu_sbom::verify::artifact::verify(&store, &target, &opts).await?)
    })?;
    if args.json {
        output::print_json(&VerifyJson {
            ok: report.ok(),
            report: &report,
        })?;
    } else {
        for t in &report.tags {
            let name = t.tag.as_deref().unwrap_or("(digest)");
            match &t.index_digest {
                Some(d) => println!("{}:{name} → index {d}", report.target),
                None => println!("{}:{name}", report.target),
            }
            for (platform, p) in &t.platforms {
                let mark = if p.ok { "ok" } else { "FAILED" };
                println!("  {platform:<14}{mark:<7}{}", p.manifest_digest);
            }
        }
        if let Some(r) = &report.release {
            println!("release {}", r.release);
            for (subject, checks) in &r.subjects {
                for c in checks {
                    let mark = if c.ok { "ok" } else { "FAILED" };
                    let how = match c.comparison {
                        Comparison::Identical => "identical bytes",
                        Comparison::Sets => "same components and hashes",
                        Comparison::Missing => "not stored",
                    };
                    println!("  {subject:<14}{mark:<7}{} ({how})", c.file);
                }
            }
        }
        for f in &report.findings {
            println!("{f}");
        }
        println!(
            "{}",
            if report.ok() {
                "verified: OpenTofu would install every platform"
            } else {
                "verification failed"
            }
        );
    }
    Ok(if report.ok() {
        Status::Success
    } else {
        Status::Problems
    })
}
