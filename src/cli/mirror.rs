//! `tofu-sbom mirror SOURCE TARGET`: a provider registry, an OCI artifact or a release directory → a registry
//! repository or an OCI layout, with SBOMs and provenance ([`tofu_sbom::mirror`] does the work).
//!
//! This file maps the arguments to [`RunOptions`], calls [`tofu_sbom::mirror::run::mirror_source`] and prints the
//! outcome (text or `--json`), the progress bars and the run's notices.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use tofu_sbom::archive::ProviderAddress;
use tofu_sbom::archive::release::parse_platforms;
use tofu_sbom::limits::Limits;
use tofu_sbom::mirror::download::{MirrorProgress, MirrorProgressFn};
use tofu_sbom::mirror::run::{
    self, FailedVersionOutcome, MirrorEvent, RunOptions, RunProgress, VersionOutcome,
    default_work_dir,
};
use tofu_sbom::mirror::source::MirrorSource;
use tofu_sbom::registry::copy::{CopyProgress, CopyProgressFn};
use tofu_sbom::registry::reference::Target;

use super::args::{ReferrersArgs, RegistryArgs, SbomArgs};
use super::runtime::{progress, runtime};
use super::{GlobalArgs, Status, output};

// Paragraphs are single logical lines (`\` continuations) so that clap wraps them to the terminal width itself.
pub(crate) const MIRROR_AFTER_HELP: &str = "\
SOURCE is read by one rule, first match wins:\n\
\x20 1. a prefix forces the kind: provider:ADDRESS, oci:REFERENCE, oci-layout:DIR[:TAG|@DIGEST];\n\
\x20 2. an existing directory (or .zip file) is a release, mirrored as `publish` pushes it;\n\
\x20 3. REF@sha256:... is an OCI reference by digest;\n\
\x20 4. a ':' in the last path segment (HOST/REPO:TAG) is an OCI reference by tag — a provider address never has one \
there (a port belongs to the host: localhost:5000/ns/type);\n\
\x20 5. anything else is a provider address [HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT] (host registry.opentofu.org).\n\
So registry.example/ns/type is a provider, registry.example/ns/type:1.0.0 an OCI tag, and oci:registry.example/ns/type \
every version tag of that OCI repository.\n\
\n\
Versions: a constraint (@~> 5.0, @>= 1.2, < 2.0) mirrors its newest match, as `tofu init` would pick it; \
--all-matching mirrors every match. Without @, the newest release. An OCI source without a tag copies every version \
tag.\n\
\n\
TARGET is a repository (HOST/REPO) or a layout (oci-layout:DIR), without a tag: each version is tagged with itself.\n\
\n\
From a provider registry, every ZIP is checked against the signed SHA256SUMS and the signature against a key the \
registry publishes before anything is written; no published key is refused unless --allow-unsigned (then the output \
and the SBOMs say `tofu-sbom:release:signature = unverified`). SHA256SUMS and its .sig are attached to the index as \
referrers (text/plain, application/pgp-signature), beside the SBOMs. An OCI copy is byte for byte, referrers \
included; a referrer the source lists but no longer has (a dangling entry, e.g. after a registry cleanup job) is \
skipped with a warning and never listed in the target, while a referrer that does not match its digest is an error. \
Re-running skips what is present.\n\
\n\
A catalogue: --from-file FILE TARGET mirrors every SOURCE listed in FILE (one per line in the grammar above; # \
starts a comment; blank lines are skipped) into TARGET, which may hold OpenTofu's repository_template placeholders \
${hostname}, ${namespace} and ${type} (required: ${type} when FILE lists more than one source), e.g. \
registry.internal/providers/${namespace}/${type} or oci-layout:./usb/${namespace}/${type}. --jobs N versions are \
downloaded and scanned at once (default 4; a version being published holds no job); a failing entry does not stop the \
others, and a failing version not the other versions of its entry; --shard I/N takes only the entries whose provider address \
hashes to shard I (stable, disjoint, complete: one CI matrix job per shard); --summary-md FILE appends a Markdown \
table ($GITHUB_STEP_SUMMARY). Re-running skips what is present.\n\
\n\
Exit codes: 0 mirrored; 2 any error (nothing is tagged when a check fails; with --from-file: any entry failed, \
every other entry still ran and is reported).";

#[derive(Debug, Args)]
pub(crate) struct MirrorArgs {
    /// A provider address, an OCI reference or a release directory (see below). With --from-file: the TARGET.
    #[arg(value_name = "SOURCE")]
    pub(super) source: String,
    /// `HOST[:PORT]/REPO` or `oci-layout:DIR` (with --from-file, it is the only argument and may hold ${hostname},
    /// ${namespace} and ${type}).
    #[arg(value_name = "TARGET")]
    pub(super) target: Option<String>,
    /// Mirror every SOURCE listed in FILE (one per line, `#` comments) into TARGET; see `--from-file` below.
    #[arg(long, value_name = "FILE")]
    pub(crate) from_file: Option<PathBuf>,
    /// Mirror every provider the OpenTofu configuration in DIR requires (its `required_providers` blocks and those
    /// of the local modules it calls, constraints combined) into TARGET, like --from-file.
    #[arg(long, value_name = "DIR", conflicts_with = "from_file")]
    pub(crate) from_config: Option<PathBuf>,
    /// With --from-file: this many versions downloaded and scanned at once (up to 2N entries in flight).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(super) jobs: u16,
    /// With --from-file: only the entries of shard I of N (stable by provider address; for a CI matrix).
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<String>,
    /// With --from-file: append a Markdown summary to FILE (`$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_name = "FILE")]
    pub(super) summary_md: Option<PathBuf>,
    /// Only these platforms (os_arch, comma-separated or repeated). Default: every platform of the version.
    #[arg(long = "platform", value_name = "OS_ARCH", value_delimiter = ',')]
    platforms: Vec<String>,
    /// Mirror every version matching the constraint, not only the newest.
    #[arg(long)]
    all_matching: bool,
    /// Mirror a provider whose registry publishes no signing key (recorded in the output and the SBOMs).
    #[arg(long)]
    allow_unsigned: bool,
    /// Generate and attach SBOMs for a copied OCI provider that lacks them (default).
    #[arg(long, overrides_with = "no_add_sboms")]
    add_sboms: bool,
    /// Copy OCI artifacts as they are, without adding SBOMs.
    #[arg(long, overrides_with = "add_sboms")]
    no_add_sboms: bool,
    /// The provider address `HOST/NAMESPACE/TYPE` of an OCI or release source (for the `.tofurc` and lock blocks).
    #[arg(long, value_name = "HOST/NAMESPACE/TYPE")]
    provider: Option<String>,
    /// Where provider downloads are kept (resumable). Default: $XDG_CACHE_HOME/tofu-sbom/mirror (~/.cache/…).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Print what would be mirrored; write nothing (versions are resolved, nothing is downloaded or verified).
    #[arg(long)]
    pub(super) dry_run: bool,
    #[command(flatten)]
    sbom: SbomArgs,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result.
    #[arg(long)]
    pub(super) json: bool,
}

/// The `--json` result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MirrorJson {
    source: String,
    source_kind: &'static str,
    target: String,
    dry_run: bool,
    versions: Vec<VersionOutcome>,
    /// Versions that failed while the others landed (`--all-matching`); the exit code is then 2.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failed_versions: Vec<FailedVersionOutcome>,
}

pub(crate) fn run(global: &GlobalArgs, args: &MirrorArgs) -> anyhow::Result<Status> {
    anyhow::ensure!(
        args.shard.is_none() && args.summary_md.is_none(),
        "--shard and --summary-md apply to --from-file and --from-config"
    );
    let Some(target_text) = &args.target else {
        anyhow::bail!("give SOURCE and TARGET (or --from-file FILE TARGET)");
    };
    let source = MirrorSource::parse(&args.source)?;
    let target = Target::parse(target_text)?;
    run::check_target(&target, target_text)?;
    let opts = run_options(global, args, target, &source)?;
    let rt = runtime()?;
    let (versions, mut failed) = rt.block_on(run::mirror_source_versions(&source, &opts))?;
    // A version that fails does not stop the others (`--all-matching`); when none landed, its error is the result.
    if versions.is_empty() && !failed.is_empty() {
        return Err(failed.swap_remove(0).error.into());
    }
    let failed_versions: Vec<FailedVersionOutcome> =
        failed.iter().map(FailedVersionOutcome::from).collect();
    let landed = versions.len();
    for v in &versions {
        print_license_warnings(global, v);
    }
    rt.block_on(super::tofu_note::print_tofu_credentials_note(
        global,
        &opts.client,
        &opts.target,
    ));
    if args.json {
        output::print_json(&MirrorJson {
            source: args.source.clone(),
            source_kind: source.kind(),
            target: opts.target.to_string(),
            dry_run: args.dry_run,
            versions,
            failed_versions: failed_versions.clone(),
        })?;
    } else {
        for v in &versions {
            print_version(v, &opts.client.ca_files);
        }
    }
    // The versions that landed are printed; the failures follow, the first as the command's error (exit 2).
    for f in failed_versions.iter().skip(1) {
        eprintln!("tofu-sbom: error: {}: {}", f.version, f.error);
    }
    match failed.into_iter().next() {
        Some(f) => Err(anyhow::Error::new(f.error).context(format!(
            "version {} failed (the {landed} version(s) reported above were mirrored)",
            f.version
        ))),
        None => Ok(Status::Success),
    }
}

/// The [`RunOptions`] the flags give, for `source` into `target`.
pub(super) fn run_options(
    global: &GlobalArgs,
    args: &MirrorArgs,
    target: Target,
    source: &MirrorSource,
) -> anyhow::Result<RunOptions> {
    let provider = args
        .provider
        .as_deref()
        .map(|s| ProviderAddress::parse(s).with_context(|| format!("--provider {s}")))
        .transpose()?;
    let mut sbom = args.sbom.options(&super::ReleaseArgs {
        platforms: Vec::new(),
        provider: None,
        allow_missing_platforms: false,
    })?;
    sbom.address.clone_from(&provider);
    sbom.license_config = args.sbom.license_config()?;
    let client = args.registry.client_options()?;
    let formats = args.sbom.formats()?;
    // Platforms filter provider and release sources (an OCI copy takes every platform).
    let platforms = match source {
        MirrorSource::Oci(_) => Vec::new(),
        _ if args.platforms.is_empty() => Vec::new(),
        _ => parse_platforms(&args.platforms.join(","))?,
    };
    Ok(RunOptions {
        target,
        client,
        limits: Limits::default(),
        formats,
        sbom,
        provider,
        referrers_mode: args.referrers.referrers_mode,
        dry_run: args.dry_run,
        platforms,
        all_matching: args.all_matching,
        allow_unsigned: args.allow_unsigned,
        add_sboms: !args.no_add_sboms,
        work_dir: args.work_dir.clone().unwrap_or_else(default_work_dir),
        progress: run_progress(global, args),
        version_slots: None,
    })
}

/// The progress bars (on a terminal) and the run's notices on stderr.
fn run_progress(global: &GlobalArgs, args: &MirrorArgs) -> RunProgress {
    let (g1, g2, g3) = (global.clone(), global.clone(), global.clone());
    let info = !global.quiet && !args.json;
    RunProgress {
        download: Some(Arc::new(move || download_progress(&g1))),
        copy: Some(Arc::new(move || copy_progress(&g2))),
        push: Some(Arc::new(move || progress(&g3))),
        events: Some(Arc::new(move |e: &MirrorEvent| print_event(e, info))),
    }
}

/// A notice of the run: `info` lines unless `-q` or `--json`, warnings always.
fn print_event(e: &MirrorEvent, info: bool) {
    match e {
        MirrorEvent::Copying { source, target } if info => {
            eprintln!("tofu-sbom: info: copying {source} → {target}");
        }
        MirrorEvent::SkippedReferrer {
            source,
            referrer: s,
        } => {
            let of = match &s.subject {
                Some(subject) => format!("of {subject}"),
                None => "(subject unknown)".to_owned(),
            };
            eprintln!(
                "tofu-sbom: warning: {source}: skipped referrer {} {of}: {}; it is neither copied nor listed in \
                 the target",
                s.digest, s.reason
            );
        }
        MirrorEvent::UnsignedAllowed { provider, version } => eprintln!(
            "tofu-sbom: warning: {provider} {version}: the registry publishes no signing key; mirrored UNVERIFIED \
             because of --allow-unsigned (recorded in the SBOMs as tofu-sbom:release:signature = unverified)"
        ),
        _ => {}
    }
}

/// A progress bar of download bytes on a terminal (nothing with `-q`, in CI or when stderr is not a terminal).
fn download_progress(global: &GlobalArgs) -> Option<MirrorProgressFn> {
    if !output::show_progress(global) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:50!} {bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    // Versions download concurrently: the bar shows the files in flight and the bytes they received so far.
    let in_flight: std::sync::Mutex<std::collections::BTreeMap<String, u64>> = Default::default();
    let redraw = move |files: &std::collections::BTreeMap<String, u64>,
                       bar: &indicatif::ProgressBar| {
        bar.set_position(files.values().sum());
        match files.keys().next() {
            Some(first) if files.len() > 1 => {
                bar.set_message(format!("downloading {first} and {} more", files.len() - 1));
            }
            Some(first) => bar.set_message(format!("downloading {first}")),
            None => bar.set_message(String::new()),
        }
    };
    Some(Arc::new(move |e: &MirrorProgress| {
        let mut files = in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match e {
            MirrorProgress::Resolved { provider, versions } => {
                bar.println(format!("  {provider}: {}", versions.join(", ")));
            }
            MirrorProgress::SignatureVerified { version, key_id } => {
                bar.println(format!("  ✓ {version}: SHA256SUMS signed by {key_id}"));
            }
            MirrorProgress::DownloadStarted { file } => {
                files.insert(file.clone(), 0);
                redraw(&files, &bar);
            }
            MirrorProgress::DownloadProgress { file, bytes } => {
                files.insert(file.clone(), *bytes);
                redraw(&files, &bar);
            }
            MirrorProgress::Downloaded { file, .. } => {
                files.remove(file);
                redraw(&files, &bar);
                bar.println(format!("  ✓ {file}"));
            }
            MirrorProgress::Skipped { file } => bar.println(format!("  = {file} already present")),
            _ => {}
        }
    }))
}

/// Progress lines of an OCI copy on a terminal (nothing with `-q`, in CI or when stderr is not a terminal).
fn copy_progress(global: &GlobalArgs) -> Option<CopyProgressFn> {
    if !output::show_progress(global) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:60!} {bytes}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    Some(Arc::new(move |e: &CopyProgress| match e {
        CopyProgress::BlobCopied { digest, size } => {
            bar.inc(*size);
            bar.set_message(format!("copied {digest}"));
        }
        CopyProgress::BlobMounted { digest } => bar.println(format!("  ↗ mounted {digest}")),
        CopyProgress::BlobSkipped { digest } => bar.set_message(format!("present {digest}")),
        CopyProgress::ManifestCopied { digest } => bar.println(format!("  ✓ manifest {digest}")),
        CopyProgress::Tagged { tag, .. } => {
            bar.println(format!("  ✓ tagged {tag}"));
            bar.finish_and_clear();
        }
        _ => {}
    }))
}

/// A version's licence warnings (`--licenses`: modules left without licence) on stderr, as `generate` and `publish`
/// print theirs, prefixed with the version's source; nothing with `-q`. `--json` has them as `licenseWarnings`.
pub(super) fn print_license_warnings(global: &GlobalArgs, v: &VersionOutcome) {
    if global.quiet {
        return;
    }
    for w in &v.license_warnings {
        eprintln!("tofu-sbom: warning: licences: {}: {w}", v.source);
    }
}

pub(super) fn print_version(v: &VersionOutcome, ca_files: &[std::path::PathBuf]) {
    if v.dry_run {
        println!("would mirror {} → {}", v.source, v.tag);
        if let Some(d) = &v.index_digest {
            println!("index     {d}");
        }
        println!("nothing was written");
    } else if v.already_present {
        println!(
            "present  {} → {} (the target holds it complete: nothing downloaded or written)",
            v.source, v.target
        );
    } else {
        println!("mirrored {} → {}", v.source, v.target);
    }
    if let Some(s) = &v.signature {
        match &s.fingerprint {
            Some(f) => println!("signature verified (key {f})"),
            None => println!(
                "signature UNVERIFIED: the registry publishes no signing key (--allow-unsigned)"
            ),
        }
    }
    if let Some(d) = &v.download {
        println!(
            "download  {} ZIPs downloaded ({} bytes), {} already present, in {}",
            d.downloaded,
            d.downloaded_bytes,
            d.skipped,
            d.dir.display()
        );
    }
    if !v.dry_run {
        if let Some(d) = &v.index_digest {
            println!("index     {d}");
        }
        for (k, p) in &v.platforms {
            println!("{k:<14}{} (zip {})", p.manifest_digest, p.zip_digest);
        }
        println!("tag       {}", v.tag);
        let manifests =
            |m: Option<usize>| m.map(|m| format!(", {m} manifests")).unwrap_or_default();
        println!(
            "copied    {} blobs ({} bytes){}, {} referrers",
            v.copied.blobs,
            v.copied.bytes,
            manifests(v.copied.manifests),
            v.copied.referrers
        );
        println!(
            "skipped   {} blobs{}, {} referrers (already present)",
            v.skipped.blobs,
            manifests(v.skipped.manifests),
            v.skipped.referrers
        );
        for (subject, refs) in &v.referrers {
            for (title, d) in refs {
                println!("referrer  {subject:<14}{d} {title}");
            }
        }
        if !v.added_sboms.is_empty() {
            println!("added SBOMs to {}", v.added_sboms.join(", "));
        }
    }
    for w in &v.warnings {
        println!("warning   {w}");
    }
    super::output::text::print_tofurc(v.tofurc.as_deref(), v.tofurc_unusable.as_deref(), ca_files);
    if let Some(l) = &v.lockfile {
        println!("\n# .terraform.lock.hcl\n{l}");
    }
}
