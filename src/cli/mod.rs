//! Command-line parsing and dispatch. Each command lives in its own module, named like it, and only maps arguments
//! onto library options (`args` holds the flags several commands share), calls the library, and prints the result
//! (`output`: text, JSON, GitHub Actions); `runtime` holds the async runtime, progress bars and release scanning.

mod args;
mod attach;
mod generate;
mod inspect;
mod lint;
mod mirror;
mod mirror_catalogue;
mod output;
mod publish;
mod push;
mod referrers;
mod runtime;
mod sbom;
mod tofu_note;
mod verify;

pub(crate) use args::ReleaseArgs;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// The documented exit statuses shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// 0: everything succeeded.
    Success,
    /// 1: the command ran, but some inputs were unreadable or some checks failed.
    Problems,
    /// 2: usage, I/O or registry error; no tag was written or moved.
    Error,
    /// 3: `push`/`publish` wrote the version tag (the release is live) but not every extra tag; the error names what
    /// is live.
    Partial,
}

impl Status {
    /// The status of a command that failed with `err`: [`Status::Partial`] when a push or publish left the version
    /// tag live ([`tofu_sbom::provider::ProviderError::PartiallyTagged`]), else [`Status::Error`].
    pub(crate) fn of_error(err: &anyhow::Error) -> Self {
        let partial = err.chain().any(|c| {
            matches!(
                c.downcast_ref::<tofu_sbom::provider::ProviderError>(),
                Some(tofu_sbom::provider::ProviderError::PartiallyTagged { .. })
            )
        });
        if partial { Self::Partial } else { Self::Error }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        match s {
            Status::Success => Self::from(0),
            Status::Problems => Self::from(1),
            Status::Error => Self::from(2),
            Status::Partial => Self::from(3),
        }
    }
}

const AFTER_HELP: &str = "\
Exit codes: 0 success; 1 the command ran but found problems (inputs that are not readable Go binaries, failed checks); \
2 usage, input/output or registry error (no tag was written or moved); 3 push/publish: the version tag is live but \
an extra tag was not written (the error names what is live). A closed output pipe exits 0.

Platforms are written os_arch (linux_amd64); os/arch is accepted too. Formats: cyclonedx-json (CycloneDX 1.6), \
cyclonedx-json@1.5, spdx-json (SPDX 2.3), spdx-json@3.0.1 (SPDX 3.0.1 JSON-LD).";

/// SBOMs and OCI publishing for OpenTofu/Terraform providers.
#[derive(Debug, Parser)]
#[command(name = "tofu-sbom", version, about, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// Print only results and errors: no info lines, no progress bars.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the Go build info of binaries and provider ZIPs (text identical to `go version -m`).
    Inspect(inspect::InspectArgs),
    /// Write CycloneDX and SPDX SBOMs for a provider release (per platform and release-wide).
    Generate(generate::GenerateArgs),
    /// Push a provider release to an OCI registry or a local OCI layout, in OpenTofu's layout.
    Push(push::PushArgs),
    /// Attach SBOM files to a pushed provider (index or platform manifest) as OCI referrers.
    Attach(attach::AttachArgs),
    /// Generate the SBOMs, push the provider and attach the SBOMs, in one run.
    Publish(publish::PublishCmdArgs),
    /// List the referrers of a manifest or index.
    Referrers(referrers::ReferrersListArgs),
    /// SBOMs attached to pushed providers.
    #[command(subcommand)]
    Sbom(sbom::SbomCommand),
    /// Mirror a provider (registry address, OCI artifact or release directory) into a registry or OCI layout, with
    /// SBOMs, SHA256SUMS and signature.
    #[command(after_help = mirror::MIRROR_AFTER_HELP)]
    Mirror(mirror::MirrorArgs),
    /// Check SBOM files against a minimum-elements profile (NTIA 2021, BSI TR-03183-2 v2.1, CISA 2025); exit 0
    /// conforming, 1 findings, 2 unreadable.
    Lint(lint::LintArgs),
    /// Check a pushed provider against OpenTofu's own selection and validation rules, and its SBOMs.
    Verify(verify::VerifyArgs),
}

/// The error and its causes, `: `-separated, as anyhow's `{:#}` prints them — except that a cause whose text the
/// message before it already ends with is not repeated (many library errors name their source in their own message
/// *and* return it from `source()`, which `{:#}` would print twice).
pub(crate) fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

/// Parses the command line and runs the command.
pub(crate) fn run() -> anyhow::Result<Status> {
    let cli = Cli::try_parse().map_err(|e| {
        // clap prints help/version to stdout with exit 0; usage errors get our exit code 2.
        let code = if e.use_stderr() { 2 } else { 0 };
        let _ = e.print();
        std::process::exit(code);
    })?;
    match cli.command {
        Command::Inspect(a) => inspect::run(&cli.global, &a),
        Command::Generate(a) => generate::run(&cli.global, &a),
        Command::Push(a) => push::run(&cli.global, &a),
        Command::Attach(a) => attach::run(&cli.global, &a),
        Command::Publish(a) => publish::run(&cli.global, &a),
        Command::Referrers(a) => referrers::run(&cli.global, &a),
        Command::Sbom(c) => sbom::run(&cli.global, &c),
        Command::Verify(a) => verify::run(&cli.global, &a),
        Command::Lint(a) => lint::run(&cli.global, &a),
        Command::Mirror(a) => match (&a.from_file, &a.from_config) {
            (Some(file), _) => mirror_catalogue::run(&cli.global, &a, file, false),
            (None, Some(dir)) => mirror_catalogue::run(&cli.global, &a, dir, true),
            (None, None) => mirror::run(&cli.global, &a),
        },
    }
}
