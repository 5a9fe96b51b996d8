//! The error type of the HTTP transport ([`HttpError`]).
//!
//! Owns the faults of building a client and of reading a response body. It must not know what is being fetched
//! (OCI manifests, provider documents): callers name that in `what` / `operation`, and wrap [`HttpError`] in their own
//! error type (`RegistryError` maps each variant onto its own variant with the same text).

use std::path::PathBuf;

/// Result alias for the HTTP transport.
pub type Result<T, E = HttpError> = std::result::Result<T, E>;

/// What can go wrong in the HTTP transport itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The HTTP client could not be built (bad CA file, TLS setup).
    #[error("cannot set up the registry client: {reason}")]
    ClientSetup {
        /// What failed.
        reason: String,
    },
    /// A local file (a CA bundle) could not be read.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A network-level failure (connection refused/reset, TLS, timeout).
    #[error("{operation} on {host}: {message}")]
    Transport {
        /// Host.
        host: String,
        /// What was being done (method and path, no query string).
        operation: String,
        /// The error chain, flattened.
        message: String,
        /// True when retrying may help (reset, timeout, refused).
        transient: bool,
    },
    /// A request ran past its total deadline, or the command's (see [`super::deadline`]). Permanent.
    #[error("{operation} on {host}: {}", describe(*kind, *seconds))]
    Deadline {
        /// Host.
        host: String,
        /// What was being done (method and path, no query string).
        operation: String,
        /// Which deadline.
        kind: DeadlineKind,
        /// Its limit in seconds.
        seconds: f64,
    },
    /// A response body exceeds its limit.
    #[error("{what} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// What was being read.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
}

impl HttpError {
    /// True for faults where another attempt may succeed (connection reset, timeout).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Transport {
                transient: true,
                ..
            }
        )
    }
}

/// Which deadline a request budget (`deadline::Budget`) ends at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    /// The per-request deadline (`request_timeout`).
    Request,
    /// The whole command's deadline.
    Command,
}

/// The text of a deadline error (shared with the registry's error type).
pub fn describe(kind: DeadlineKind, seconds: f64) -> String {
    match kind {
        DeadlineKind::Request => format!(
            "no complete answer within the request deadline of {} (request_timeout: --request-timeout or \
             TOFU_SBOM_REQUEST_TIMEOUT; the server may be stalling on purpose)",
            seconds_text(seconds)
        ),
        DeadlineKind::Command => format!(
            "the command deadline of {} passed (--timeout or TOFU_SBOM_TIMEOUT; 0 disables it)",
            seconds_text(seconds)
        ),
    }
}

fn seconds_text(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}
