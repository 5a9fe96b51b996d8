//! Flags shared by several commands: which release and provider (`ReleaseArgs`), how to reach a registry
//! (`RegistryArgs`: credentials, plain HTTP, CA files), the OCI artifact options of `push`/`publish` (`PublishArgs`),
//! the referrers mode (`ReferrersArgs`) and the SBOM content options (`SbomArgs`).
//!
//! Only argument definitions and their mapping onto library option types live here; no command logic, no output.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use tofu_sbom::archive::ProviderAddress;
use tofu_sbom::generate::{SbomOptions, ScannedRelease, TimestampPolicy};
use tofu_sbom::http::deadline::CommandDeadline;
use tofu_sbom::inventory::{Author, AuthorKind, ToolInfo};
use tofu_sbom::licenses::{LicenseConfig, LicenseSource};
use tofu_sbom::registry::client::{ClientOptions, ClientWarning, Protocol};
use tofu_sbom::registry::credentials::CredentialEnv;
use tofu_sbom::registry::referrers::ReferrersMode;
use tofu_sbom::sbom::Format;

/// Which platforms of a release, and the provider address.
#[derive(Debug, Clone, Args)]
pub(crate) struct ReleaseArgs {
    /// Only these platforms (os_arch, comma-separated or repeated).
    #[arg(long = "platform", value_name = "OS_ARCH", value_delimiter = ',')]
    pub(crate) platforms: Vec<String>,
    /// The provider address HOST/NAMESPACE/TYPE (host defaults to registry.opentofu.org; the namespace defaults to ORG
    /// of a github.com/ORG/terraform-provider-TYPE main module).
    #[arg(long, value_name = "HOST/NAMESPACE/TYPE")]
    pub(crate) provider: Option<String>,
    /// Proceed when SHA256SUMS lists ZIPs of the release that are not there (an incomplete download is refused by
    /// default); the missing ones are named in a warning.
    #[arg(long)]
    pub(crate) allow_missing_platforms: bool,
}

/// The `--provider` address, parsed.
pub(crate) fn explicit_address(args: &ReleaseArgs) -> anyhow::Result<Option<ProviderAddress>> {
    args.provider
        .as_deref()
        .map(|s| ProviderAddress::parse(s).with_context(|| format!("--provider {s}")))
        .transpose()
}

/// Checks that an explicit `--provider` names the release's provider type.
pub(crate) fn check_address_type(
    address: Option<&ProviderAddress>,
    release: &ScannedRelease,
) -> anyhow::Result<()> {
    if let Some(a) = address
        && a.provider_type != release.provider_type
    {
        anyhow::bail!(
            "--provider {a} names type {:?}, but the release is terraform-provider-{}",
            a.provider_type,
            release.provider_type
        );
    }
    Ok(())
}

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
    /// Total time one registry request may take, response body included, in seconds.
    #[arg(long, value_name = "SECONDS", env = "TOFU_SBOM_REQUEST_TIMEOUT", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) request_timeout: u64,
    /// Deadline of the command's registry work, in seconds from its first registry request setup; 0: none.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "TOFU_SBOM_TIMEOUT",
        default_value_t = 3600
    )]
    pub(crate) timeout: u64,
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
            warnings: Some(std::sync::Arc::new(print_warning_once)),
            request_timeout: Duration::from_secs(self.request_timeout),
            deadline: (self.timeout > 0)
                .then(|| CommandDeadline::from_now(Duration::from_secs(self.timeout))),
            // One run, one set of connections, pings, credentials and tokens per registry (and repository).
            pool: Some(std::sync::Arc::default()),
            ..ClientOptions::default()
        })
    }
}

/// Prints a registry-client warning on stderr, each distinct one once per run (a command may open several clients).
fn print_warning_once(w: &ClientWarning) {
    static SEEN: std::sync::Mutex<std::collections::BTreeSet<String>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let text = w.to_string();
    let first = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(text.clone());
    if first {
        eprintln!("tofu-sbom: warning: {text}");
    }
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

/// How referrers are recorded: shared by `attach`, `publish`, `referrers`, `sbom pull`, `verify`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ReferrersArgs {
    /// `auto` (the referrers API when the registry serves it, else the `sha256-<hex>` fallback tag), `api` or `tag`.
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub(crate) referrers_mode: ReferrersMode,
}

/// SBOM content options shared by `generate` and `publish`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SbomArgs {
    /// Output formats: cyclonedx-json (1.6), cyclonedx-json@1.5, spdx-json (2.3), spdx-json@3.0.1. Default:
    /// cyclonedx-json and spdx-json.
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
    /// Licences of the Go modules: `off` (default: output never depends on the machine), `modcache` (the Go module
    /// cache), `goproxy` (GOPROXY, honouring GONOPROXY/GOPRIVATE, `direct` = skip) or a directory of module ZIPs.
    /// Every ZIP is verified against the build info's h1: before it is read.
    #[arg(long, value_name = "SOURCE", default_value = "off")]
    pub(crate) licenses: String,
    /// The provider's own licence (SPDX expression, e.g. `MPL-2.0`), given to the main module; needs --licenses.
    #[arg(long, value_name = "SPDX-EXPR")]
    pub(crate) license: Option<String>,
    /// The licence result cache: a directory, or `off`. Default: $TOFU_SBOM_LICENSE_CACHE, else
    /// $XDG_CACHE_HOME/tofu-sbom/licenses, else ~/.cache/tofu-sbom/licenses.
    #[arg(long, value_name = "DIR")]
    pub(crate) license_cache: Option<String>,
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

    /// The licence resolver's configuration; `None` for `--licenses off` (then `--license` is refused).
    pub(crate) fn license_config(&self) -> anyhow::Result<Option<LicenseConfig>> {
        let source = LicenseSource::parse(&self.licenses);
        if source == LicenseSource::Off {
            anyhow::ensure!(
                self.license.is_none(),
                "--license needs --licenses modcache|goproxy|DIR (with --licenses off no licence is written)"
            );
            return Ok(None);
        }
        let mut cfg = LicenseConfig::new(source);
        cfg.main_license = self.license.clone();
        match self.license_cache.as_deref() {
            Some("off") => cfg.cache_dir = None,
            Some(dir) => cfg.cache_dir = Some(PathBuf::from(dir)),
            None => {}
        }
        Ok(Some(cfg))
    }

    /// The SBOM options for `release`.
    pub(crate) fn options(&self, release_args: &ReleaseArgs) -> anyhow::Result<SbomOptions> {
        let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
        Ok(SbomOptions {
            address: explicit_address(release_args)?,
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
            licenses: None,
            license_config: None,
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
