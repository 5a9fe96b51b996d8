//! The error type of the OCI module.
//!
//! Messages never contain a secret: credentials are never formatted, URLs are shown without their query string
//! (upload locations carry opaque state there), and registry error bodies are truncated.

use std::path::PathBuf;

use crate::http::HttpError;
use crate::http::retry::Retryable;

/// Result alias for the OCI module.
pub type Result<T, E = RegistryError> = std::result::Result<T, E>;

/// Everything that can go wrong while talking to a registry or an OCI layout, or while building an artifact.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// A registry or layout reference could not be parsed.
    #[error("invalid reference {input:?}: {reason}")]
    InvalidReference {
        /// The text given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A digest string does not follow the image-spec grammar.
    #[error("invalid digest {input:?}: {reason}")]
    InvalidDigest {
        /// The text given (truncated).
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A tag that is not a valid OCI tag or that would mislead OpenTofu.
    #[error("tag {tag:?} refused: {reason}")]
    InvalidTag {
        /// The tag given.
        tag: String,
        /// Why it was refused.
        reason: String,
    },
    /// A local file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("reading", "writing", …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built (bad CA file, TLS setup).
    #[error("cannot set up the registry client: {reason}")]
    ClientSetup {
        /// What failed.
        reason: String,
    },
    /// A network-level failure (connection refused/reset, TLS, timeout) talking to a registry.
    #[error("{operation} on {registry}: {message}")]
    Transport {
        /// Registry host.
        registry: String,
        /// What was being done (method and path, no query string).
        operation: String,
        /// The error chain, flattened.
        message: String,
        /// True when retrying may help (reset, timeout, refused).
        transient: bool,
    },
    /// A request ran past its total deadline (`ClientOptions::request_timeout`) or the command's
    /// (`ClientOptions::deadline`). Permanent: not retried.
    #[error("{operation} on {registry}: {}", crate::http::deadline::describe(*kind, *seconds))]
    Deadline {
        /// Registry host.
        registry: String,
        /// What was being done (method and path, no query string).
        operation: String,
        /// Which deadline.
        kind: crate::http::deadline::DeadlineKind,
        /// Its limit in seconds.
        seconds: f64,
    },
    /// The registry rejected our credentials (HTTP 401 after authenticating).
    #[error(
        "authentication to {registry} failed (credentials from {credential_source}): {message}{}",
        remedy_suffix(remedy)
    )]
    Unauthorized {
        /// Registry host.
        registry: String,
        /// Where the credentials came from (never the secret itself).
        credential_source: String,
        /// The registry's message (truncated).
        message: String,
        /// What to do about it.
        remedy: Option<String>,
    },
    /// The registry refused the operation (HTTP 403 / `DENIED`): the credentials lack permission.
    #[error(
        "{registry} denied {operation} on {repository}: {message}{}",
        remedy_suffix(remedy)
    )]
    Denied {
        /// Registry host.
        registry: String,
        /// Repository name.
        repository: String,
        /// What was being done.
        operation: String,
        /// The registry's message (truncated).
        message: String,
        /// What to do about it (e.g. GHCR `write_package`).
        remedy: Option<String>,
    },
    /// The registry answered with an error status we do not retry.
    #[error("{operation} on {registry} failed: HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Registry {
        /// Registry host.
        registry: String,
        /// What was being done (method and path, no query string).
        operation: String,
        /// HTTP status code.
        status: u16,
        /// The first distribution-spec error code (`MANIFEST_BLOB_UNKNOWN`, `NAME_UNKNOWN`, …).
        code: Option<String>,
        /// The registry's message or body (truncated).
        message: String,
    },
    /// A transient fault (5xx, 429) after which retrying may help; returned when retries are not applicable.
    #[error("{operation} on {registry}: HTTP {status} (transient){}", retry_after.map(|s| format!(", Retry-After {s}s")).unwrap_or_default())]
    Transient {
        /// Registry host.
        registry: String,
        /// What was being done.
        operation: String,
        /// HTTP status code.
        status: u16,
        /// `Retry-After` in seconds, when the registry sent one.
        retry_after: Option<u64>,
    },
    /// Retries were exhausted; the last error is attached.
    #[error("{operation}: giving up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// What was being retried.
        operation: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last error.
        #[source]
        last: Box<Self>,
    },
    /// The registry requires authentication and no credentials were found.
    #[error(
        "{registry} requires authentication and no credentials were found (looked at: {looked_at})"
    )]
    CredentialsRequired {
        /// Registry host.
        registry: String,
        /// The sources that were consulted.
        looked_at: String,
    },
    /// A credentials source could not be read (malformed config file, failing helper).
    #[error("credentials from {source_name}: {message}")]
    Credentials {
        /// The source (`docker config /path`, `docker-credential-NAME`, …).
        source_name: String,
        /// What went wrong (never the secret).
        message: String,
    },
    /// The registry's Bearer challenge names a plain-HTTP token realm on a host that is not loopback: the credentials
    /// would travel in clear text. Nothing was sent to the realm.
    #[error(
        "refusing to send credentials for {registry} to the plain-HTTP token realm {realm} — {remedy}"
    )]
    InsecureTokenRealm {
        /// Registry host.
        registry: String,
        /// The realm URL (without its query).
        realm: String,
        /// What to do about it.
        remedy: String,
    },
    /// An authentication challenge or token response could not be understood.
    #[error("authentication with {registry}: {message}")]
    AuthProtocol {
        /// Registry host.
        registry: String,
        /// What was wrong.
        message: String,
    },
    /// A response or document exceeds a limit from [`crate::limits::Limits`].
    #[error("{what} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// What was being read.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Content does not hash to the digest it was requested or announced by.
    #[error("{what}: content has digest {actual}, expected {expected}")]
    DigestMismatch {
        /// What was being read.
        what: String,
        /// The expected digest.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
    /// Something that should exist does not (manifest, blob, tag).
    #[error("{what} not found in {location}")]
    NotFound {
        /// What was looked for.
        what: String,
        /// The registry repository or layout.
        location: String,
    },
    /// A JSON document could not be decoded.
    #[error("{what} is not valid JSON of the expected shape: {message}")]
    Json {
        /// What was being decoded.
        what: String,
        /// The decoder's message.
        message: String,
    },
    /// An OCI image layout on disk is malformed.
    #[error("OCI layout {}: {message}", path.display())]
    Layout {
        /// The layout directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An option value is not one of the accepted ones.
    #[error("invalid {option} {value:?}: expected {expected}")]
    InvalidOption {
        /// The option (`referrers mode`, `SBOM kind`, `platform`, …).
        option: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// The referrers fallback tag holds something this tool refuses to read or modify (nothing was changed).
    #[error(
        "refusing to use the referrers fallback tag {tag} in {location}: {reason}; nothing was changed"
    )]
    FallbackIndexRefused {
        /// The `sha256-<hex>` tag.
        tag: String,
        /// The repository.
        location: String,
        /// What is wrong (not an OCI index; resolves to the subject itself).
        reason: String,
    },
    /// `--referrers-mode api` was requested but the registry does not serve the referrers API.
    #[error(
        "{location} does not serve the OCI referrers API ({detail}); use --referrers-mode auto or tag"
    )]
    ReferrersApiUnsupported {
        /// The repository.
        location: String,
        /// What the probe answered.
        detail: String,
    },
    /// A referrers API answer's `Link: rel="next"` chain leads back to a page already read (a hostile or broken
    /// registry).
    #[error(
        "referrers of {subject} in {location}: page {page} links back to {url}, which was already read"
    )]
    ReferrersPageLoop {
        /// The subject digest.
        subject: String,
        /// The repository.
        location: String,
        /// The page (1-based) whose `Link` repeats.
        page: usize,
        /// The repeated next-page URL.
        url: String,
    },
    /// A paged answer's `Link: rel="next"` names another origin (scheme, host or port differ from the registry's):
    /// not followed, so neither credentials nor the page request reach it.
    #[error(
        "{what}: the next-page link points to another origin ({url}); refusing to follow it — the registry is \
         misconfigured or hostile"
    )]
    PageLinkElsewhere {
        /// What was being listed.
        what: String,
        /// The next-page URL (without its query).
        url: String,
    },
    /// A paged answer's `Link: rel="next"` chain leads back to a page already read (a hostile or broken registry).
    #[error("{what}: page {page} links back to {url}, which was already read")]
    PageLoop {
        /// What was being listed.
        what: String,
        /// The page (1-based) whose `Link` repeats.
        page: usize,
        /// The repeated next-page URL (without its query).
        url: String,
    },
    /// A paged answer exceeds a total across its pages ([`crate::limits::Limits::max_listing_bytes`],
    /// `max_listing_entries`, `max_tag_list_pages`).
    #[error(
        "{what}: more than {limit} {unit} across its pages ({limit_name}); the registry keeps sending more"
    )]
    ListingTooLarge {
        /// What was being listed.
        what: String,
        /// The `Limits` field.
        limit_name: &'static str,
        /// The limit.
        limit: u64,
        /// `bytes`, `entries` or `pages`.
        unit: &'static str,
    },
    /// A referrers API answer has more `Link: rel="next"` pages than [`crate::limits::Limits::max_referrers_pages`].
    #[error(
        "referrers of {subject} in {location}: more than {limit} pages (max_referrers_pages); the registry keeps \
         linking to further pages"
    )]
    ReferrersTooManyPages {
        /// The subject digest.
        subject: String,
        /// The repository.
        location: String,
        /// The limit.
        limit: u32,
    },
    /// Entries written to the referrers fallback index kept disappearing (a concurrent writer on another host).
    #[error(
        "referrers fallback tag {tag} in {location} lost {} after {rounds} rounds of re-adding them (another writer \
         keeps overwriting it; attach from one job per subject): {}",
        if missing.len() == 1 { "1 entry" } else { "several entries" },
        missing.join(", ")
    )]
    FallbackIndexLost {
        /// The `sha256-<hex>` tag.
        tag: String,
        /// The repository.
        location: String,
        /// The referrer digests still missing.
        missing: Vec<String>,
        /// How many write rounds were made.
        rounds: u32,
    },
    /// A lock serialising writers of one subject (or of an OCI layout's `index.json`) could not be taken in time.
    #[error(
        "timed out after {waited_ms} ms waiting for the lock on {key} ({})",
        path.as_ref().map_or_else(
            || "held by another task in this process".to_owned(),
            |p| format!(
                "lock file {}, held by {}",
                p.display(),
                holder.map_or_else(|| "an unknown process".to_owned(), |h| format!("PID {h}"))
            )
        )
    )]
    LockTimeout {
        /// The lock key (`HOST/REPO@DIGEST` or `oci-layout:DIR`).
        key: String,
        /// The lock file, when the wait was for another process.
        path: Option<PathBuf>,
        /// The PID the holder wrote into the lock file, when known.
        holder: Option<u32>,
        /// How long we waited, in milliseconds.
        waited_ms: u64,
    },
    /// The lock directory is not private to this user (see [`crate::registry::lock_file`]).
    #[error(
        "lock directory {} refused: {reason} (remove it, or set XDG_RUNTIME_DIR to a private directory)",
        path.display()
    )]
    LockDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The graph copy found something it cannot copy (unsupported manifest type, graph too deep, bad reference…).
    #[error("cannot copy {reference}: {reason}")]
    Copy {
        /// The source reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// A manifest PUT kept failing with `MANIFEST_BLOB_UNKNOWN` although its blobs were re-checked and re-uploaded.
    #[error(
        "manifest {digest} still refers to blobs the registry does not know after re-uploading them: {message}"
    )]
    ManifestBlobUnknown {
        /// The manifest digest.
        digest: String,
        /// The registry's last message.
        message: String,
    },
}

fn remedy_suffix(remedy: &Option<String>) -> String {
    remedy
        .as_deref()
        .map(|r| format!(" — {r}"))
        .unwrap_or_default()
}

impl RegistryError {
    /// True for faults where another attempt may succeed (connection reset, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { transient, .. } => *transient,
            Self::Transient { .. } => true,
            _ => false,
        }
    }

    /// The distribution-spec error code of a registry error, if any.
    pub fn registry_code(&self) -> Option<&str> {
        match self {
            Self::Registry { code, .. } => code.as_deref(),
            _ => None,
        }
    }

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
}

/// Each transport fault becomes the variant of the same name and text.
impl From<HttpError> for RegistryError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::ClientSetup { reason } => Self::ClientSetup { reason },
            HttpError::Io {
                action,
                path,
                source,
            } => Self::Io {
                action,
                path,
                source,
            },
            HttpError::Transport {
                host,
                operation,
                message,
                transient,
            } => Self::Transport {
                registry: host,
                operation,
                message,
                transient,
            },
            HttpError::TooLarge { what, limit } => Self::TooLarge { what, limit },
            HttpError::Deadline {
                host,
                operation,
                kind,
                seconds,
            } => Self::Deadline {
                registry: host,
                operation,
                kind,
                seconds,
            },
        }
    }
}

impl Retryable for RegistryError {
    fn is_transient(&self) -> bool {
        Self::is_transient(self)
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn retries_exhausted(operation: String, attempts: u32, last: Self) -> Self {
        Self::RetriesExhausted {
            operation,
            attempts,
            last: Box::new(last),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::http::retry::{RetryPolicy, with_retries};

    #[tokio::test]
    async fn stops_on_permanent_and_bounds_attempts() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            ..RetryPolicy::default()
        };
        let mut calls = 0;
        let r: Result<()> = with_retries(&policy, "op", |_| {
            calls += 1;
            async {
                Err(RegistryError::NotFound {
                    what: "x".into(),
                    location: "y".into(),
                })
            }
        })
        .await;
        assert_eq!(calls, 1);
        assert_eq!(r.unwrap_err().to_string(), "x not found in y");

        let mut calls = 0;
        let r: Result<()> = with_retries(&policy, "op", |_| {
            calls += 1;
            async {
                Err(RegistryError::Transient {
                    registry: "r".into(),
                    operation: "GET /v2/".into(),
                    status: 503,
                    retry_after: None,
                })
            }
        })
        .await;
        assert_eq!(calls, 5);
        assert_eq!(
            r.unwrap_err().to_string(),
            "op: giving up after 5 attempts: GET /v2/ on r: HTTP 503 (transient)"
        );

        let mut calls = 0;
        let r = with_retries(&policy, "op", |n| {
            calls += 1;
            async move {
                if n < 3 {
                    Err(RegistryError::Transient {
                        registry: "r".into(),
                        operation: "x".into(),
                        status: 429,
                        retry_after: Some(0),
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!((r.unwrap(), calls), (3, 3));
    }
}
