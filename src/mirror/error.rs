//! The error type of the mirror module.
//!
//! Every verification failure has its own variant (tampered ZIP, checksum list disagreeing with the registry, bad
//! signature, signature by a key the registry did not publish, no published key, missing platform), so callers and
//! tests can tell them apart without parsing messages. Messages name the provider, the version and the file.
//! Untrusted strings from registry responses are shown with `{:?}` (quoted, escaped) and truncated.
//!
//! The mirror layer's own error; lower layers' errors (`RegistryError`, `ReleaseError`, `GenerateError`) are wrapped
//! with `#[from]`/`#[source]`, never re-worded. Knows nothing of the CLI.

use std::path::PathBuf;

use crate::archive::ReleaseError;
use crate::registry::RegistryError;

/// Result alias for the mirror module.
pub type Result<T, E = MirrorError> = std::result::Result<T, E>;

/// Everything that can go wrong while mirroring a provider from a provider registry or copying an OCI artifact.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The licences of a release's Go modules could not be resolved (`--licenses` configuration).
    #[error(transparent)]
    Licenses(#[from] crate::licenses::LicensesError),
    /// A source address `[HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT]` could not be parsed.
    #[error("invalid provider source {input:?}: {reason}")]
    InvalidSource {
        /// The text given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A version constraint could not be parsed (OpenTofu's syntax: `~> 5.0`, `>= 1.2, < 2.0`, `= 1.2.3`, `!= 1.3.0`).
    #[error("invalid version constraint {input:?}: {reason}")]
    InvalidConstraint {
        /// The constraint as given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A requested platform is not a Go `os_arch` pair.
    #[error("invalid platform {input:?}: {reason}")]
    InvalidPlatform {
        /// The platform as given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// The host's service discovery document does not offer the provider registry protocol (`providers.v1`).
    #[error("{host} does not offer the provider registry protocol: {reason}")]
    NoProviderService {
        /// The registry host.
        host: String,
        /// What the discovery document said (or why it could not be read).
        reason: String,
    },
    /// The registry does not know the provider (`GET …/versions` answered 404).
    #[error("provider {provider} is not known to its registry (404 from {url})")]
    ProviderNotFound {
        /// The provider address.
        provider: String,
        /// The versions URL that was asked.
        url: String,
    },
    /// No available version satisfies the requested constraint.
    #[error(
        "no version of {provider} matches {constraint:?} (pre-releases are only selected when named exactly); available: {}",
        list_or_none(available)
    )]
    NoMatchingVersion {
        /// The provider address.
        provider: String,
        /// The constraint as given.
        constraint: String,
        /// Every version the registry offers, newest first.
        available: Vec<String>,
    },
    /// A requested platform is not offered for this version (not listed, or the download endpoint answered 404).
    #[error(
        "{provider} {version} is not available for {platform}; available platforms: {}; nothing was written",
        list_or_none(available)
    )]
    PlatformNotAvailable {
        /// The provider address.
        provider: String,
        /// The version.
        version: String,
        /// The missing platform (`os_arch`).
        platform: String,
        /// The platforms the registry lists for this version.
        available: Vec<String>,
    },
    /// The registry refused access (401/403).
    #[error("{url}: HTTP {status}: the registry requires credentials{}", if *had_token { " (the token was refused)" } else { " (set TF_TOKEN_<host>)" })]
    Unauthorized {
        /// The URL asked (without query).
        url: String,
        /// The status code.
        status: u16,
        /// Whether a token was sent.
        had_token: bool,
    },
    /// An HTTP request answered with a status we do not retry or treat specially.
    #[error("{url}: HTTP {status}: {message}")]
    Http {
        /// The URL asked (without query).
        url: String,
        /// The status code.
        status: u16,
        /// The (truncated) response body.
        message: String,
    },
    /// A network-level failure talking to the provider registry or a download host (connect, reset, TLS, timeout)
    /// or a transient status, after retries.
    #[error(transparent)]
    Transport(RegistryError),
    /// An OCI registry or layout operation of the graph copy failed (transport, authentication, digest mismatch,
    /// missing manifest or blob…).
    #[error(transparent)]
    Oci(#[from] RegistryError),
    /// Pushing the provider artifact or attaching its SBOMs and provenance failed.
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
    /// A registry response is not the JSON document the protocol defines.
    #[error("{what} is not valid JSON of the expected shape: {message}")]
    Json {
        /// What was being decoded (with its URL).
        what: String,
        /// The decoder's message.
        message: String,
    },
    /// A registry response is well-formed JSON but violates the protocol (wrong platform, bad shasum, bad URL…).
    #[error("{what}: {reason}")]
    InvalidResponse {
        /// What was being read (with its URL).
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A response or download exceeds a limit from [`crate::limits::Limits`].
    #[error("{what} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// What was being read.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A plain-HTTP URL to a non-loopback host (only loopback hosts, or an explicit plain-HTTP protocol, may use HTTP).
    #[error(
        "refusing plain HTTP for {url}: only loopback hosts may be reached without TLS (or use the plain-HTTP protocol option)"
    )]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// The registry publishes no signing key for this provider version: refused unless unsigned providers are
    /// explicitly allowed.
    #[error(
        "{provider} {version}: the registry publishes no signing key, so {checksums} cannot be authenticated; refusing to mirror an unsigned provider (allow it explicitly with --allow-unsigned); nothing was written"
    )]
    UnsignedRefused {
        /// The provider address.
        provider: String,
        /// The version.
        version: String,
        /// The checksums file name.
        checksums: String,
    },
    /// A published signing key cannot be parsed or its subkey binding does not verify.
    #[error(
        "{provider} {version}: published signing key {key_id:?} is unusable: {reason}; nothing was written"
    )]
    InvalidSigningKey {
        /// The provider address.
        provider: String,
        /// The version.
        version: String,
        /// The key id the registry reported for it.
        key_id: String,
        /// What is wrong.
        reason: String,
    },
    /// The detached signature file is not an OpenPGP signature.
    #[error(
        "{provider} {version}: {signature} is not a readable OpenPGP signature: {reason}; nothing was written"
    )]
    MalformedSignature {
        /// The provider address.
        provider: String,
        /// The version.
        version: String,
        /// The signature file name.
        signature: String,
        /// The parser's message.
        reason: String,
    },
    /// The signature was made by a key the registry did not publish for this provider.
    #[error(
        "{provider} {version}: {checksums} is signed by key {issuer}, which is not among the keys the registry publishes ({}); nothing was written",
        list_or_none(published)
    )]
    UnknownSigningKey {
        /// The provider address.
        provider: String,
        /// The version.
        version: String,
        /// The checksums file name.
        checksums: String,
        /// The issuer key id(s)/fingerprint(s) named in the signature (uppercase hex), or `unknown`.
        issuer: String,
        /// The published keys (primary key ids, uppercase hex).
        published: Vec<String>,
    },
    /// The signature was made by a published key but does not verify: the checksums file or the signature was
    /// altered.
    #[error(
        "{provider} {version}: the signature of {checksums} by key {key_id} does not verify ({reason}): the checksums or the signature were altered; nothing was written"
    )]
    BadSignature {
        /// The provider address.
        provider: String,
        /// The version.
        version: String,
        /// The checksums file name.
        checksums: String,
        /// The key that should have made it.
        key_id: String,
        /// The verifier's message.
        reason: String,
    },
    /// The signed checksums file does not list a package, or lists a different sha256 than the registry reported.
    #[error(
        "{checksums} {} for {file}, but the registry reports sha256 {registry}; nothing was written",
        listed.as_deref().map_or_else(|| "has no entry".to_owned(), |l| format!("lists sha256 {l}"))
    )]
    ChecksumsDisagree {
        /// The checksums file name.
        checksums: String,
        /// The package file name.
        file: String,
        /// What the checksums file lists (`None`: no entry).
        listed: Option<String>,
        /// What the registry's download response reported.
        registry: String,
    },
    /// A downloaded ZIP does not hash to the signed checksum: tampered or corrupted.
    #[error(
        "{file} downloaded from {url} has sha256 {actual}, but the signed {checksums} lists {expected}: the package was tampered with or corrupted; nothing was written"
    )]
    ChecksumMismatch {
        /// The package file name.
        file: String,
        /// Where it came from (without query).
        url: String,
        /// The checksums file name.
        checksums: String,
        /// The signed sha256.
        expected: String,
        /// The sha256 of the bytes received.
        actual: String,
    },
    /// A local file or directory could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The downloaded release directory does not read back as a release (a bug: the shape is ours).
    #[error("the mirrored release in {} does not read back: {source}", dir.display())]
    ReleaseReadBack {
        /// The directory.
        dir: PathBuf,
        /// What the release reader reported.
        #[source]
        source: Box<ReleaseError>,
    },
    /// The SBOMs of a mirrored release could not be generated (a ZIP without a readable Go provider binary…).
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),
    /// The OCI copy found something it cannot copy (unsupported manifest type, graph too deep, bad reference…).
    #[error("cannot copy {reference}: {reason}")]
    Copy {
        /// The source reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// Every matching version was asked for, but the source names no constraint to match.
    #[error("--all-matching needs a constraint (SOURCE@CONSTRAINT)")]
    AllMatchingWithoutConstraint,
    /// No listed version satisfies the constraint whose every match was asked for.
    #[error("no version of {provider} matches {constraint}")]
    NothingMatches {
        /// The provider address.
        provider: String,
        /// The constraint.
        constraint: String,
    },
    /// An OCI repository to copy every version of has no tag that is a version.
    #[error("{reference} has no version tags")]
    NoVersionTags {
        /// The source repository.
        reference: String,
    },
    /// An OCI reference to copy names neither a tag nor a digest.
    #[error("{reference} names neither a tag nor a digest")]
    NoTagOrDigest {
        /// The reference.
        reference: String,
    },
    /// The mirror target names a tag or digest, but each version is tagged with itself.
    #[error(
        "TARGET {target} names a tag or digest; name the repository (HOST/REPO) or the layout (oci-layout:DIR): each \
         version is tagged with itself"
    )]
    TargetHasVersion {
        /// The target as given.
        target: String,
    },
    /// A line of a `--from-file` catalogue that is not a SOURCE (or a file with none).
    #[error("{file}{}: {reason}", if *line > 0 { format!(" line {line}") } else { String::new() })]
    Catalogue {
        /// The file as given.
        file: String,
        /// 1-based line (0: the file as a whole).
        line: usize,
        /// Why.
        reason: String,
    },
    /// A TARGET template that cannot be filled or used.
    #[error("invalid target template {target:?}: {reason}")]
    BadTargetTemplate {
        /// The template as given.
        target: String,
        /// Why.
        reason: String,
    },
    /// A `--shard` value that is not `I/N` with 1 ≤ I ≤ N.
    #[error("invalid --shard {given:?}: {reason}")]
    BadShard {
        /// The value given.
        given: String,
        /// Why.
        reason: String,
    },
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

impl MirrorError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True for faults where another attempt may succeed (connection reset, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transport(e) | Self::Oci(e) if e.is_transient())
            || matches!(self, Self::Provider(e) if e.is_transient())
    }

    /// True for a verification failure (signature, checksums, tampered ZIP, unsigned refused): the source is not
    /// trustworthy, as opposed to a network or local problem.
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            Self::UnsignedRefused { .. }
                | Self::InvalidSigningKey { .. }
                | Self::MalformedSignature { .. }
                | Self::UnknownSigningKey { .. }
                | Self::BadSignature { .. }
                | Self::ChecksumsDisagree { .. }
                | Self::ChecksumMismatch { .. }
        )
    }
}
