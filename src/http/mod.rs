//! The HTTPS transport shared by the OCI registry client ([`crate::registry::client`]) and the provider-registry
//! protocol client ([`crate::mirror::registry_protocol`]): one `reqwest` builder (rustls with the system roots plus
//! `--ca-file` roots, HTTP/1.1, timeouts, `User-Agent`, the system proxy from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`),
//! the retry policy and transient/permanent classification ([`retry`]), bounded body reads and error-body display
//! ([`read_limited`], [`error_text`]), origins compared exactly on parsed URLs ([`origin`]: whether a request may carry
//! credentials), the total per-request and per-command deadlines ([`deadline`]), and its own error type
//! ([`HttpError`]).
//!
//! It must not know OCI (manifests, digests, scopes, the distribution API), OpenTofu or SBOMs: what a request means,
//! and which statuses are errors, is decided by the callers.

mod body;
pub mod deadline;
mod error;
pub mod origin;
pub mod retry;
mod tls;

use std::path::PathBuf;
use std::time::Duration;

pub use body::{
    error_text, parse_errors, parse_errors_preferring, read_limited, truncate_for_display,
};
pub use error::{HttpError, Result};

/// How to reach a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// HTTPS; loopback hosts fall back to HTTP when the TLS handshake fails.
    #[default]
    Auto,
    /// HTTPS only.
    Https,
    /// Plain HTTP (`--plain-http`).
    PlainHttp,
}

/// What the HTTP client is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions<'a> {
    /// Extra root CA certificates (PEM files, `--ca-file`), added to the system roots.
    pub ca_files: &'a [PathBuf],
    /// `User-Agent`.
    pub user_agent: &'a str,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Idle read timeout of a response.
    pub read_timeout: Duration,
    /// Total time of one request, body included (every request of the client; callers with a command deadline
    /// shorten it per request, see [`deadline`]).
    pub request_timeout: Duration,
}

/// Builds an HTTP client: rustls (system roots plus `ca_files`), the timeouts, the `User-Agent`, HTTP/1.1, system
/// proxy. Every client of this crate is built here so all of them speak TLS the same way.
pub fn build_client(opts: &HttpOptions<'_>) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(opts.user_agent.to_owned())
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .timeout(opts.request_timeout)
        .http1_only()
        .tls_backend_preconfigured(tls::rustls_config(opts.ca_files)?)
        .build()
        .map_err(|e| HttpError::ClientSetup {
            reason: error_chain(&e),
        })
}

fn rustls_in_chain(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && inner.downcast_ref::<rustls::Error>().is_some()
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Flattens an error chain into one line (the URL is left out: it may carry upload state).
pub fn error_chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    let head = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_body() || err.is_request() {
        "request failed"
    } else {
        "HTTP error"
    };
    parts.push(head.to_owned());
    while let Some(e) = cur {
        let s = e.to_string();
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            let inner_s = inner.to_string();
            if !parts.contains(&inner_s) {
                parts.push(inner_s);
            }
            cur = e.source();
            continue;
        }
        if !parts.contains(&s) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// True when a reqwest error is a TLS-level failure.
pub fn is_tls_error(err: &reqwest::Error) -> bool {
    if rustls_in_chain(err) {
        return true;
    }
    let text = error_chain(err).to_ascii_lowercase();
    [
        "invalidcontenttype",
        "corrupt message",
        "tls",
        "certificate",
        "handshake",
    ]
    .iter()
    .any(|w| text.contains(w))
}
