//! What every command that does work needs around the library call: the tokio runtime for the registry client, the
//! progress bar of blob uploads (and when bars are drawn at all), and scanning a release with its info and warning
//! lines on stderr.
//!
//! No argument definitions (those are in `args`), no result printing (that is `output`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tofu_sbom::archive::release::{Release, parse_platforms};
use tofu_sbom::generate::{self, ScannedRelease};
use tofu_sbom::inventory::ReleaseLicenses;
use tofu_sbom::licenses::{LicenseConfig, LicenseWarning};
use tofu_sbom::limits::Limits;
use tofu_sbom::provider::push::{ProgressEvent, ProgressFn};

use super::GlobalArgs;
use super::args::ReleaseArgs;

/// A tokio runtime for the registry client.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Whether progress bars are drawn: not with `-q`, not in CI, and only when stderr is a terminal.
pub(crate) fn show_progress(global: &GlobalArgs) -> bool {
    use std::io::IsTerminal as _;
    !global.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A progress bar of blob bytes on a terminal; nothing in CI (`CI` set), with `-q`, or when stderr is not a terminal.
pub(crate) fn progress(global: &GlobalArgs) -> Option<ProgressFn> {
    if !show_progress(global) {
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

/// Reads, verifies and scans the release at `paths`, keeping only the requested platforms.
pub(crate) fn scan(
    global: &GlobalArgs,
    paths: &[PathBuf],
    args: &ReleaseArgs,
    limits: &Limits,
) -> anyhow::Result<ScannedRelease> {
    scan_then(global, paths, args, limits, |_| {})
}

/// [`scan`], calling `verified` once every ZIP is verified and before any is scanned (`publish` starts uploading
/// there, so the upload overlaps the scan).
pub(crate) fn scan_then(
    global: &GlobalArgs,
    paths: &[PathBuf],
    args: &ReleaseArgs,
    limits: &Limits,
    verified: impl FnOnce(&Release),
) -> anyhow::Result<ScannedRelease> {
    let mut release = Release::from_paths(paths, limits)?;
    if args.platforms.is_empty() {
        // Selected platforms are a deliberate subset; otherwise every ZIP the sums list must be there.
        if args.allow_missing_platforms {
            if !global.quiet {
                for m in release.missing_zips() {
                    eprintln!(
                        "tofu-sbom: warning: {m}; proceeding without them (--allow-missing-platforms)"
                    );
                }
            }
        } else {
            release.check_complete()?;
        }
    } else {
        let wanted = parse_platforms(&args.platforms.join(","))?;
        release.select_platforms(&wanted)?;
    }
    release.verify_all()?;
    verified(&release);
    let scanned = generate::scan(&mut release, limits)?;
    if !global.quiet {
        for name in &scanned.unverified {
            eprintln!("tofu-sbom: info: {name}: no SHA256SUMS beside it; read unverified");
        }
        for p in &scanned.platforms {
            if !p.ignored_candidates.is_empty() {
                eprintln!(
                    "tofu-sbom: warning: {}: OpenTofu runs {} (the first matching name in byte order) and does not \
                     run {}, which it still unpacks beside it",
                    p.zip_name,
                    p.binary_name,
                    p.ignored_candidates.join(", ")
                );
            }
            let bi = &p.buildinfo;
            let unsummed = bi.deps_without_sum();
            if !unsummed.is_empty() {
                eprintln!(
                    "tofu-sbom: warning: {}: {} of {} dependencies carry no go.sum hash (h1:), e.g. {}; typical of a \
                     `go mod vendor` build, whose module versions can be wrong — build with the module proxy for \
                     reliable versions",
                    p.zip_name,
                    unsummed.len(),
                    bi.deps.len(),
                    unsummed[0]
                );
            }
            if let Some(main) = &bi.main {
                let v = main.version.trim_start_matches('v');
                if main.version != "(devel)"
                    && !v.is_empty()
                    && v.split('+').next() != Some(scanned.version.as_str())
                {
                    eprintln!(
                        "tofu-sbom: warning: {}: the binary says main module version {}, the release is {}; the SBOMs use {}",
                        p.zip_name, main.version, scanned.version, scanned.version
                    );
                }
            }
        }
    }
    Ok(scanned)
}

/// Resolves the licences of the release's Go modules (`--licenses`), printing each warning on stderr (unless `-q`).
/// `cfg` `None` (`--licenses off`): nothing, no warnings.
pub(crate) fn licenses(
    global: &GlobalArgs,
    cfg: Option<&LicenseConfig>,
    scanned: &ScannedRelease,
) -> anyhow::Result<(Option<ReleaseLicenses>, Vec<LicenseWarning>)> {
    let Some(cfg) = cfg else {
        return Ok((None, Vec::new()));
    };
    let modules = tofu_sbom::licenses::modules_of(scanned.build_infos());
    let resolution = runtime()?
        .block_on(tofu_sbom::licenses::resolve(&modules, cfg))?
        .expect("a source other than off resolves");
    if !global.quiet {
        for w in &resolution.warnings {
            eprintln!("tofu-sbom: warning: licences: {w}");
        }
    }
    Ok((Some(resolution.licenses), resolution.warnings))
}
