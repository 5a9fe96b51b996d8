//! The registry client: the distribution-spec endpoints we need, over `reqwest` with rustls.
//!
//! One [`RegistryClient`] talks to one registry host. On first use it resolves credentials (see
//! [`crate::registry::credentials`]) and pings `GET /v2/` to learn the scheme and the authentication challenge:
//! - TLS by default (system roots plus `--ca-file` roots); [`Protocol::PlainHttp`] forces HTTP; with
//!   [`Protocol::Auto`] a loopback host (`localhost`, `127.0.0.0/8`, `::1`) falls back to HTTP when the TLS handshake
//!   fails (Docker's rule for local registries);
//! - `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` are honoured (reqwest's system proxy);
//! - Basic challenges send credentials on every request; Bearer challenges fetch a token per scope
//!   (`repository:REPO:pull,push`) and cache it; a 401 on a request refreshes the token once (new scope from the
//!   challenge) before failing with a clear error that names the credential source, never the secret.
//!
//! Every request is rebuilt from a plain description (`Req`) so any of them can be retried (see [`crate::registry::retry`]);
//! blob uploads restart from a new upload session. Responses are read under [`Limits`]: manifests under
//! `max_manifest_size`, everything else under `max_registry_response`, error bodies truncated for display.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio::sync::OnceCell;

use crate::limits::Limits;
use crate::registry::auth::{Challenge, TokenCache, fetch_token, parse_challenge};
use crate::registry::credentials::{self, CredentialEnv, CredentialSource, ResolvedCredentials};
use crate::registry::digest::{Digest, Sha256Counter};
use crate::registry::manifest::MEDIA_TYPE_INDEX;
use crate::registry::reference::is_loopback;
use crate::registry::retry::{RetryPolicy, parse_retry_after, with_retries};
use crate::registry::{RegistryError, Result};

/// How to reach the registry.
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

/// Called with the number of bytes of a blob sent so far in the current attempt.
pub type ByteProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// Options of a [`RegistryClient`].
#[derive(Clone)]
pub struct ClientOptions {
    /// Scheme selection.
    pub protocol: Protocol,
    /// Extra root CA certificates (PEM files, `--ca-file`), added to the system roots.
    pub ca_files: Vec<PathBuf>,
    /// Retry policy for transient faults.
    pub retry: RetryPolicy,
    /// Read limits.
    pub limits: Limits,
    /// Inputs of the credentials chain.
    pub credentials: CredentialEnv,
    /// `User-Agent`.
    pub user_agent: String,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Idle read timeout of a response.
    pub read_timeout: Duration,
    /// Blobs larger than this are uploaded in chunks (`PATCH`); smaller ones in one `PUT`.
    pub chunked_threshold: u64,
    /// Size of one upload chunk.
    pub chunk_size: u64,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("protocol", &self.protocol)
            .field("ca_files", &self.ca_files)
            .field("retry", &self.retry)
            .field("credentials", &self.credentials)
            .field("chunked_threshold", &self.chunked_threshold)
            .finish_non_exhaustive()
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            protocol: Protocol::Auto,
            ca_files: Vec::new(),
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            credentials: CredentialEnv::from_process(),
            user_agent: concat!("tofu-sbom/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            chunked_threshold: 64 << 20,
            chunk_size: 16 << 20,
        }
    }
}

/// The access a request needs: a set of `repository:NAME:ACTIONS` scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<String>);

impl Scope {
    /// Pull access to `repo`.
    pub fn pull(repo: &str) -> Self {
        Self(vec![format!("repository:{repo}:pull")])
    }

    /// Pull and push access to `repo`.
    pub fn push(repo: &str) -> Self {
        Self(vec![format!("repository:{repo}:pull,push")])
    }

    /// Adds pull access to another repository (cross-repository mount).
    pub fn and_pull(mut self, repo: &str) -> Self {
        self.0.push(format!("repository:{repo}:pull"));
        self.0.sort();
        self.0.dedup();
        self
    }

    fn key(&self) -> String {
        self.0.join(" ")
    }
}

/// A manifest as fetched: exact bytes and what the registry said about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// The exact bytes.
    pub bytes: Vec<u8>,
    /// `Content-Type` without parameters.
    pub media_type: String,
    /// sha256 of `bytes` (verified against the requested digest and `Docker-Content-Digest`).
    pub digest: Digest,
}

/// What `HEAD` on a manifest said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHead {
    /// `Content-Type` without parameters.
    pub media_type: String,
    /// `Docker-Content-Digest`, if sent.
    pub digest: Option<Digest>,
    /// `Content-Length`, if sent.
    pub size: Option<u64>,
}

/// Response headers of a manifest `PUT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutManifestResponse {
    /// `Location`.
    pub location: Option<String>,
    /// `Docker-Content-Digest` (checked equal to the digest of our bytes when sent).
    pub digest: Option<Digest>,
    /// `OCI-Subject`: the registry maintains the referrers API for the pushed manifest's subject.
    pub oci_subject: Option<Digest>,
}

/// A raw answer of `GET /v2/<name>/referrers/<digest>` (the caller decides: only a 200 with the OCI index content
/// type is a referrers API answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferrersResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` without parameters.
    pub content_type: Option<String>,
    /// The body (read under `max_registry_response`).
    pub body: Vec<u8>,
    /// `OCI-Filters-Applied`.
    pub filters_applied: Option<String>,
    /// The absolute URL of the next page (`Link: <…>; rel="next"`), if any.
    pub next: Option<String>,
}

/// Where a blob's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobSource {
    /// A file on disk (read from the start).
    File(PathBuf),
    /// Bytes in memory (small blobs such as the empty config).
    Bytes(Vec<u8>),
}

#[derive(Debug)]
struct Ready {
    base: String,
    creds: ResolvedCredentials,
    challenge: Mutex<Option<Challenge>>,
}

/// A client for one registry host.
pub struct RegistryClient {
    http: reqwest::Client,
    registry: String,
    repository_hint: String,
    opts: ClientOptions,
    ready: OnceCell<Ready>,
    tokens: TokenCache,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("registry", &self.registry)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// A request that can be rebuilt for every attempt.
#[derive(Clone)]
struct Req {
    method: Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: ReqBody,
}

#[derive(Clone)]
enum ReqBody {
    Empty,
    Bytes(Vec<u8>),
    File {
        path: PathBuf,
        offset: u64,
        len: u64,
        progress: Option<ByteProgress>,
    },
}

impl Req {
    fn new(method: Method, url: String) -> Self {
        Self {
            method,
            url,
            headers: Vec::new(),
            body: ReqBody::Empty,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: ReqBody) -> Self {
        self.body = body;
        self
    }

    /// `METHOD /path` without scheme, host or query (for messages: upload locations carry opaque state).
    fn operation(&self) -> String {
        let no_scheme = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        let path = no_scheme.find('/').map_or("/", |i| &no_scheme[i..]);
        let path = path.split('?').next().unwrap_or(path);
        format!("{} {path}", self.method)
    }
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
pub(crate) fn error_chain(err: &reqwest::Error) -> String {
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

/// Builds the HTTP client of a [`RegistryClient`] from its options: rustls (system roots plus `ca_files`), the
/// timeouts, the `User-Agent`, HTTP/1.1, system proxy. Shared with the provider-registry protocol client
/// (`crate::mirror::registry_protocol`) so both speak TLS the same way.
pub(crate) fn build_http_client(opts: &ClientOptions) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(opts.user_agent.clone())
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .http1_only()
        .tls_backend_preconfigured(rustls_config(&opts.ca_files)?)
        .build()
        .map_err(|e| RegistryError::ClientSetup {
            reason: error_chain(&e),
        })
}

/// True when a reqwest error is a TLS-level failure.
pub(crate) fn is_tls_error(err: &reqwest::Error) -> bool {
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

/// Reads a response body under `max` bytes.
pub(crate) async fn read_limited(
    mut resp: reqwest::Response,
    max: u64,
    what: &str,
) -> Result<Vec<u8>> {
    if let Some(len) = resp.content_length()
        && len > max
    {
        return Err(RegistryError::TooLarge {
            what: what.to_owned(),
            limit: max,
        });
    }
    let mut buf = Vec::new();
    loop {
        let chunk = resp.chunk().await.map_err(|e| RegistryError::Transport {
            registry: resp.url().host_str().unwrap_or("").to_owned(),
            operation: format!("reading {what}"),
            message: error_chain(&e),
            transient: true,
        })?;
        let Some(chunk) = chunk else { break };
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(RegistryError::TooLarge {
                what: what.to_owned(),
                limit: max,
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

#[derive(Deserialize)]
struct ErrorsBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

fn parse_errors(body: &[u8]) -> Option<(String, String)> {
    let parsed: ErrorsBody = serde_json::from_slice(body).ok()?;
    let first = parsed.errors.into_iter().next()?;
    Some((first.code, first.message))
}

/// A displayable, truncated version of an error body.
pub(crate) fn error_text(body: &[u8]) -> String {
    if let Some((code, message)) = parse_errors(body) {
        return crate::registry::digest::truncate_for_display(&format!("{code}: {message}"));
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(1024)]);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        "(empty body)".to_owned()
    } else {
        crate::registry::digest::truncate_for_display(&one_line)
    }
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `Content-Length` as sent (reqwest's `content_length()` is the body size hint, 0 for `HEAD`).
fn header_content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn header_digest(headers: &HeaderMap, name: &str) -> Option<Digest> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

const MAX_ERROR_BODY: u64 = 64 << 10;
const GHCR_REMEDY: &str = "GitHub Packages: give the workflow `permissions: packages: write`; if the package already \
exists, add this repository under the package's \"Manage Actions access\" settings (or link it with the \
org.opencontainers.image.source annotation)";

impl RegistryClient {
    /// A client for `registry` (`HOST[:PORT]`). `repository` selects repository-scoped credentials (containers
    /// `auth.json`); other repositories of the same registry can still be used.
    pub fn new(registry: &str, repository: &str, opts: ClientOptions) -> Result<Self> {
        let http = build_http_client(&opts)?;
        Ok(Self {
            http,
            registry: registry.to_owned(),
            repository_hint: repository.to_owned(),
            opts,
            ready: OnceCell::new(),
            tokens: TokenCache::default(),
        })
    }

    /// The registry host.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The limits responses are read under.
    pub fn limits(&self) -> &Limits {
        &self.opts.limits
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.opts.retry
    }

    /// Where the credentials came from (resolving them and pinging the registry on first use).
    pub async fn credential_source(&self) -> Result<CredentialSource> {
        Ok(self.ready().await?.creds.source.clone())
    }

    /// `http` or `https`, as decided by the ping.
    pub async fn scheme(&self) -> Result<&'static str> {
        let r = self.ready().await?;
        Ok(if r.base.starts_with("https://") {
            "https"
        } else {
            "http"
        })
    }

    async fn ready(&self) -> Result<&Ready> {
        self.ready.get_or_try_init(|| self.init()).await
    }

    async fn init(&self) -> Result<Ready> {
        let creds = credentials::resolve(
            &self.opts.credentials,
            &self.registry,
            &self.repository_hint,
        )
        .await?;
        let https = format!("https://{}", self.registry);
        let http = format!("http://{}", self.registry);
        let base = match self.opts.protocol {
            Protocol::PlainHttp => http,
            Protocol::Https => https,
            Protocol::Auto => match self.ping(&https).await {
                Ok(_) => https,
                Err(PingError::Tls(msg)) if is_loopback(&self.registry) => {
                    // Docker's rule: a loopback registry may speak plain HTTP.
                    match self.ping(&http).await {
                        Ok(_) => http,
                        Err(_) => {
                            return Err(RegistryError::Transport {
                                registry: self.registry.clone(),
                                operation: "GET /v2/".into(),
                                message: format!(
                                    "{msg} (plain HTTP fallback for a loopback registry failed too)"
                                ),
                                transient: false,
                            });
                        }
                    }
                }
                Err(_) => https,
            },
        };
        let challenge = with_retries(
            &self.opts.retry,
            &format!("GET /v2/ on {}", self.registry),
            |_| async {
                self.ping(&base)
                    .await
                    .map_err(|e| e.into_oci(&self.registry))
            },
        )
        .await?;
        Ok(Ready {
            base,
            creds,
            challenge: Mutex::new(challenge),
        })
    }

    /// `GET /v2/`: `Ok(None)` when open, `Ok(Some(challenge))` on 401.
    async fn ping(&self, base: &str) -> std::result::Result<Option<Challenge>, PingError> {
        let resp = self
            .http
            .get(format!("{base}/v2/"))
            .send()
            .await
            .map_err(|e| {
                if is_tls_error(&e) {
                    PingError::Tls(error_chain(&e))
                } else {
                    PingError::Transport(error_chain(&e))
                }
            })?;
        let status = resp.status();
        let challenge = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_challenge);
        let retry_after = retry_after_of(resp.headers());
        drop(resp);
        match status.as_u16() {
            200..=299 => Ok(None),
            401 => Ok(challenge),
            429 | 500..=599 => Err(PingError::Status(status.as_u16(), retry_after)),
            s => Err(PingError::Unexpected(s)),
        }
    }

    fn url(&self, base: &str, path: &str) -> String {
        format!("{base}/v2/{path}")
    }

    fn resolve_location(base: &str, loc: &str) -> String {
        if loc.starts_with("http://") || loc.starts_with("https://") {
            loc.to_owned()
        } else if loc.starts_with('/') {
            format!("{base}{loc}")
        } else {
            format!("{base}/{loc}")
        }
    }

    async fn auth_header(
        &self,
        ready: &Ready,
        scope: &Scope,
        extra_scope: Option<&str>,
    ) -> Result<Option<String>> {
        let challenge = ready
            .challenge
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        match challenge {
            None => Ok(None),
            Some(Challenge::Basic) => Ok(ready
                .creds
                .credential
                .as_ref()
                .and_then(|c| c.basic_header())),
            Some(Challenge::Bearer { realm, service, .. }) => {
                let mut scopes = scope.0.clone();
                if let Some(extra) = extra_scope
                    && !scopes.iter().any(|s| s == extra)
                {
                    scopes.push(extra.to_owned());
                    scopes.sort();
                }
                let key = scopes.join(" ");
                if let Some(t) = self.tokens.get(&key) {
                    return Ok(Some(format!("Bearer {t}")));
                }
                let (token, lifetime) = with_retries(&self.opts.retry, "token request", |_| {
                    fetch_token(
                        &self.http,
                        &self.registry,
                        &realm,
                        service.as_deref(),
                        &scopes,
                        ready.creds.credential.as_ref(),
                        self.opts.limits.max_registry_response,
                    )
                })
                .await
                .map_err(|e| match e {
                    RegistryError::Unauthorized {
                        registry, message, ..
                    } => RegistryError::Unauthorized {
                        registry,
                        credential_source: ready.creds.source.to_string(),
                        message,
                        remedy: Some(unauthorized_remedy(&ready.creds)),
                    },
                    other => other,
                })?;
                self.tokens.put(&key, token.clone(), lifetime);
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    /// One attempt: authenticate, send, and on a 401 refresh the challenge/token once.
    async fn send_once(&self, req: &Req, scope: &Scope) -> Result<reqwest::Response> {
        let ready = self.ready().await?;
        let same_host = req.url.starts_with(&ready.base);
        let mut extra_scope: Option<String> = None;
        for round in 0..2 {
            let mut rb = self.http.request(req.method.clone(), &req.url);
            for (k, v) in &req.headers {
                rb = rb.header(*k, v);
            }
            if same_host
                && let Some(h) = self
                    .auth_header(ready, scope, extra_scope.as_deref())
                    .await?
            {
                rb = rb.header("Authorization", h);
            }
            rb = match &req.body {
                ReqBody::Empty => rb.header(CONTENT_LENGTH, "0"),
                ReqBody::Bytes(b) => rb.body(b.clone()),
                ReqBody::File {
                    path,
                    offset,
                    len,
                    progress,
                } => rb
                    .header(CONTENT_LENGTH, len.to_string())
                    .body(file_body(path, *offset, *len, progress.clone()).await?),
            };
            let resp = rb.send().await.map_err(|e| RegistryError::Transport {
                registry: self.registry.clone(),
                operation: req.operation(),
                message: error_chain(&e),
                transient: !is_tls_error(&e) && !e.is_builder(),
            })?;
            if resp.status() == StatusCode::UNAUTHORIZED && round == 0 && same_host {
                let ch = resp
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_challenge);
                if let Some(ch) = ch {
                    if let Challenge::Bearer { scope: Some(s), .. } = &ch {
                        extra_scope = Some(s.clone());
                    }
                    let had_creds_header = {
                        let mut cur = ready
                            .challenge
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        let had = cur.is_some();
                        let changed = cur.as_ref().map(std::mem::discriminant)
                            != Some(std::mem::discriminant(&ch));
                        if !had || changed {
                            *cur = Some(ch.clone());
                        }
                        had && !changed
                    };
                    self.tokens.remove(&scope.key());
                    // Basic with credentials already sent: a second try cannot help.
                    if !(had_creds_header && ch == Challenge::Basic) {
                        continue;
                    }
                }
            }
            return Ok(resp);
        }
        unreachable!("the loop returns in its second round")
    }

    /// Sends with retries for transient faults, returning the response when its status is in `ok`.
    async fn send(
        &self,
        req: Req,
        scope: &Scope,
        ok: &[u16],
        repo: &str,
    ) -> Result<reqwest::Response> {
        let op = format!("{} on {}", req.operation(), self.registry);
        with_retries(&self.opts.retry, &op, |_| {
            let req = req.clone();
            async move {
                let resp = self.send_once(&req, scope).await?;
                if ok.contains(&resp.status().as_u16()) {
                    Ok(resp)
                } else {
                    Err(self.status_error(resp, repo, &req.operation()).await)
                }
            }
        })
        .await
    }

    /// Turns an unexpected status into the matching error (reading a bounded part of the body).
    async fn status_error(
        &self,
        resp: reqwest::Response,
        repo: &str,
        operation: &str,
    ) -> RegistryError {
        let status = resp.status().as_u16();
        let retry_after = retry_after_of(resp.headers());
        let body = read_limited(resp, MAX_ERROR_BODY, "error body")
            .await
            .unwrap_or_default();
        let (code, message) = match parse_errors(&body) {
            Some((c, m)) => (
                Some(c).filter(|c| !c.is_empty()),
                crate::registry::digest::truncate_for_display(&m),
            ),
            None => (None, error_text(&body)),
        };
        let creds = self.ready.get().map(|r| &r.creds);
        match status {
            401 => match creds {
                Some(c) if c.credential.is_some() => RegistryError::Unauthorized {
                    registry: self.registry.clone(),
                    credential_source: c.source.to_string(),
                    message: format!(
                        "HTTP 401 on {operation}: {}",
                        code.map(|c| format!("{c}: {message}")).unwrap_or(message)
                    ),
                    remedy: Some(unauthorized_remedy(c)),
                },
                Some(c) => RegistryError::CredentialsRequired {
                    registry: self.registry.clone(),
                    looked_at: c.looked_at.join(", "),
                },
                None => RegistryError::Unauthorized {
                    registry: self.registry.clone(),
                    credential_source: "unknown".into(),
                    message,
                    remedy: None,
                },
            },
            403 => {
                let text =
                    format!("{} {message}", code.as_deref().unwrap_or("")).to_ascii_lowercase();
                let ghcr =
                    self.registry.eq_ignore_ascii_case("ghcr.io") || text.contains("write_package");
                let remedy = if ghcr {
                    GHCR_REMEDY.to_owned()
                } else {
                    format!(
                        "the credentials from {} lack permission for {operation} on {repo}",
                        creds.map_or_else(|| "anonymous".to_owned(), |c| c.source.to_string())
                    )
                };
                RegistryError::Denied {
                    registry: self.registry.clone(),
                    repository: repo.to_owned(),
                    operation: operation.to_owned(),
                    message: code.map(|c| format!("{c}: {message}")).unwrap_or(message),
                    remedy: Some(remedy),
                }
            }
            429 | 500 | 502..=504 | 507..=599 => RegistryError::Transient {
                registry: self.registry.clone(),
                operation: operation.to_owned(),
                status,
                retry_after,
            },
            _ => RegistryError::Registry {
                registry: self.registry.clone(),
                operation: operation.to_owned(),
                status,
                code,
                message,
            },
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Blobs

    /// `HEAD /v2/<repo>/blobs/<digest>`: `Some(size)` when the blob exists.
    pub async fn blob_exists(
        &self,
        repo: &str,
        digest: &Digest,
        scope: &Scope,
    ) -> Result<Option<u64>> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::HEAD,
            self.url(&base, &format!("{repo}/blobs/{digest}")),
        );
        let resp = self.send(req, scope, &[200, 404], repo).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(header_content_length(resp.headers()).unwrap_or(0)))
    }

    /// Cross-repository mount (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`). `Ok(true)` when mounted; `Ok(false)`
    /// when the registry started a regular upload instead (the caller then uploads).
    pub async fn mount_blob(&self, repo: &str, digest: &Digest, from: &str) -> Result<bool> {
        let base = self.ready().await?.base.clone();
        let scope = Scope::push(repo).and_pull(from);
        let url = self.url(
            &base,
            &format!("{repo}/blobs/uploads/?mount={digest}&from={from}"),
        );
        let resp = self
            .send(Req::new(Method::POST, url), &scope, &[201, 202], repo)
            .await?;
        Ok(resp.status() == StatusCode::CREATED)
    }

    /// Uploads a blob (monolithic `POST`+`PUT` up to [`ClientOptions::chunked_threshold`], chunked `PATCH`es above),
    /// restarting from a fresh upload session on a transient fault.
    pub async fn upload_blob(
        &self,
        repo: &str,
        digest: &Digest,
        size: u64,
        source: &BlobSource,
        progress: Option<ByteProgress>,
    ) -> Result<()> {
        let op = format!("uploading blob {digest} to {}/{repo}", self.registry);
        let scope = Scope::push(repo);
        with_retries(&self.opts.retry, &op, |_| {
            self.upload_attempt(repo, digest, size, source, progress.clone(), &scope)
        })
        .await
    }

    async fn upload_attempt(
        &self,
        repo: &str,
        digest: &Digest,
        size: u64,
        source: &BlobSource,
        progress: Option<ByteProgress>,
        scope: &Scope,
    ) -> Result<()> {
        let ready = self.ready().await?;
        let base = ready.base.clone();
        let start = Req::new(
            Method::POST,
            self.url(&base, &format!("{repo}/blobs/uploads/")),
        );
        let resp = self.send_once(&start, scope).await?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(self.status_error(resp, repo, &start.operation()).await);
        }
        let mut location = location_of(&resp, &base, &start)?;
        drop(resp);
        let body_for = |offset: u64, len: u64| match source {
            BlobSource::File(path) => ReqBody::File {
                path: path.clone(),
                offset,
                len,
                progress: progress.clone(),
            },
            BlobSource::Bytes(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let end = usize::try_from(offset + len)
                    .unwrap_or(usize::MAX)
                    .min(b.len());
                ReqBody::Bytes(b[start..end].to_vec())
            }
        };
        let put_url = |loc: &str| {
            format!(
                "{loc}{}digest={digest}",
                if loc.contains('?') { '&' } else { '?' }
            )
        };
        let chunked = size > self.opts.chunked_threshold && self.opts.chunk_size > 0;
        let final_put = if chunked {
            let mut offset = 0;
            while offset < size {
                let len = self.opts.chunk_size.min(size - offset);
                let patch = Req::new(Method::PATCH, location.clone())
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", format!("{offset}-{}", offset + len - 1))
                    .body(body_for(offset, len));
                let resp = self.send_once(&patch, scope).await?;
                if resp.status() != StatusCode::ACCEPTED {
                    return Err(self.status_error(resp, repo, &patch.operation()).await);
                }
                location = location_of(&resp, &base, &patch)?;
                offset += len;
                if let Some(p) = &progress {
                    p(offset);
                }
            }
            Req::new(Method::PUT, put_url(&location))
        } else {
            Req::new(Method::PUT, put_url(&location))
                .header("Content-Type", "application/octet-stream")
                .body(body_for(0, size))
        };
        let resp = self.send_once(&final_put, scope).await?;
        if resp.status() != StatusCode::CREATED {
            return Err(self.status_error(resp, repo, &final_put.operation()).await);
        }
        if let Some(d) = header_digest(resp.headers(), "docker-content-digest")
            && &d != digest
        {
            return Err(RegistryError::DigestMismatch {
                what: format!("blob upload to {}/{repo}", self.registry),
                expected: digest.to_string(),
                actual: d.to_string(),
            });
        }
        Ok(())
    }

    /// Streams a blob, hashing it; fails unless it hashes to `digest` and stays within `max_size` bytes. Returns the
    /// size. `sink` receives every chunk (it may be called again from the start if a transient fault restarts the
    /// download: `restart` is called first).
    pub async fn fetch_blob<S>(
        &self,
        repo: &str,
        digest: &Digest,
        max_size: u64,
        sink: &mut S,
    ) -> Result<u64>
    where
        S: BlobSink + ?Sized,
    {
        let base = self.ready().await?.base.clone();
        let scope = Scope::pull(repo);
        let req = Req::new(
            Method::GET,
            self.url(&base, &format!("{repo}/blobs/{digest}")),
        );
        let op = format!("{} on {}", req.operation(), self.registry);
        let mut attempt_no = 0;
        let policy = self.opts.retry;
        let start = std::time::Instant::now();
        loop {
            attempt_no += 1;
            sink.restart()?;
            let result = async {
                let resp = self.send_once(&req, &scope).await?;
                if resp.status() != StatusCode::OK {
                    return Err(self.status_error(resp, repo, &req.operation()).await);
                }
                self.stream_verified(resp, digest, max_size, sink, &req)
                    .await
            }
            .await;
            match result {
                Ok(n) => return Ok(n),
                Err(e)
                    if e.is_transient()
                        && attempt_no < policy.max_attempts
                        && start.elapsed() < policy.max_total =>
                {
                    tokio::time::sleep(policy.backoff(attempt_no)).await;
                }
                Err(e) if e.is_transient() => {
                    return Err(RegistryError::RetriesExhausted {
                        operation: op,
                        attempts: attempt_no,
                        last: Box::new(e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn stream_verified<S: BlobSink + ?Sized>(
        &self,
        mut resp: reqwest::Response,
        digest: &Digest,
        max_size: u64,
        sink: &mut S,
        req: &Req,
    ) -> Result<u64> {
        let what = format!("blob {digest}");
        if resp.content_length().is_some_and(|l| l > max_size) {
            return Err(RegistryError::TooLarge {
                what,
                limit: max_size,
            });
        }
        let mut hasher = Sha256Counter::new();
        loop {
            let chunk = resp.chunk().await.map_err(|e| RegistryError::Transport {
                registry: self.registry.clone(),
                operation: req.operation(),
                message: error_chain(&e),
                transient: true,
            })?;
            let Some(chunk) = chunk else { break };
            if hasher.len() + chunk.len() as u64 > max_size {
                return Err(RegistryError::TooLarge {
                    what,
                    limit: max_size,
                });
            }
            hasher.update(&chunk);
            sink.write(&chunk)?;
        }
        let n = hasher.len();
        let got = hasher.finish();
        if &got != digest {
            return Err(RegistryError::DigestMismatch {
                what,
                expected: digest.to_string(),
                actual: got.to_string(),
            });
        }
        Ok(n)
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Manifests

    /// `GET /v2/<repo>/manifests/<reference>` with the OCI (and Docker) media types accepted. The bytes are read under
    /// `max_manifest_size` and verified against the requested digest and `Docker-Content-Digest`.
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Result<FetchedManifest> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::GET,
            self.url(&base, &format!("{repo}/manifests/{reference}")),
        )
        .header("Accept", ACCEPT_MANIFESTS);
        let resp = self
            .send(req, &Scope::pull(repo), &[200, 404], repo)
            .await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(RegistryError::NotFound {
                what: format!("manifest {reference}"),
                location: format!("{}/{repo}", self.registry),
            });
        }
        let media_type = content_type(resp.headers()).unwrap_or_default();
        let announced = header_digest(resp.headers(), "docker-content-digest");
        let what = format!("manifest {reference} in {}/{repo}", self.registry);
        let bytes = read_limited(resp, self.opts.limits.max_manifest_size, &what).await?;
        let digest = Digest::sha256_of(&bytes);
        let expected = reference
            .parse::<Digest>()
            .ok()
            .or(announced.filter(Digest::is_sha256));
        if let Some(exp) = expected
            && exp.is_sha256()
            && exp != digest
        {
            return Err(RegistryError::DigestMismatch {
                what,
                expected: exp.to_string(),
                actual: digest.to_string(),
            });
        }
        Ok(FetchedManifest {
            bytes,
            media_type,
            digest,
        })
    }

    /// `HEAD /v2/<repo>/manifests/<reference>`: `None` when absent.
    pub async fn head_manifest(&self, repo: &str, reference: &str) -> Result<Option<ManifestHead>> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::HEAD,
            self.url(&base, &format!("{repo}/manifests/{reference}")),
        )
        .header("Accept", ACCEPT_MANIFESTS);
        let resp = self
            .send(req, &Scope::pull(repo), &[200, 404], repo)
            .await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(ManifestHead {
            media_type: content_type(resp.headers()).unwrap_or_default(),
            digest: header_digest(resp.headers(), "docker-content-digest"),
            size: header_content_length(resp.headers()),
        }))
    }

    /// `PUT /v2/<repo>/manifests/<reference>` of exactly `bytes`. Returns the response headers; fails if the registry
    /// announces a digest other than the digest of our bytes (it rewrote the manifest).
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<PutManifestResponse> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::PUT,
            self.url(&base, &format!("{repo}/manifests/{reference}")),
        )
        .header("Content-Type", media_type)
        .body(ReqBody::Bytes(bytes.to_vec()));
        let resp = self
            .send(req, &Scope::push(repo), &[200, 201, 202], repo)
            .await?;
        let ours = Digest::sha256_of(bytes);
        let announced = header_digest(resp.headers(), "docker-content-digest");
        if let Some(d) = &announced
            && d.is_sha256()
            && *d != ours
        {
            return Err(RegistryError::DigestMismatch {
                what: format!(
                    "manifest PUT {reference} to {}/{repo} (the registry rewrote our bytes)",
                    self.registry
                ),
                expected: ours.to_string(),
                actual: d.to_string(),
            });
        }
        Ok(PutManifestResponse {
            location: resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            digest: announced,
            oci_subject: header_digest(resp.headers(), "oci-subject"),
        })
    }

    /// `DELETE /v2/<repo>/manifests/<digest>`.
    pub async fn delete_manifest(&self, repo: &str, digest: &Digest) -> Result<()> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::DELETE,
            self.url(&base, &format!("{repo}/manifests/{digest}")),
        );
        self.send(req, &Scope::push(repo).and_pull(repo), &[200, 202], repo)
            .await
            .map(drop)
    }

    /// All tags of `repo` (`GET /v2/<repo>/tags/list`, following `Link: <…>; rel="next"`, at most 1000 pages).
    pub async fn list_tags(&self, repo: &str) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let base = self.ready().await?.base.clone();
        let mut url = self.url(&base, &format!("{repo}/tags/list"));
        let mut out = Vec::new();
        for _ in 0..1000 {
            let resp = self
                .send(
                    Req::new(Method::GET, url.clone()),
                    &Scope::pull(repo),
                    &[200, 404],
                    repo,
                )
                .await?;
            if resp.status() == StatusCode::NOT_FOUND {
                return Err(RegistryError::NotFound {
                    what: format!("repository {repo}"),
                    location: self.registry.clone(),
                });
            }
            let next = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| {
                    l.split_once('<')
                        .and_then(|(_, r)| r.split_once('>'))
                        .map(|(u, _)| u.to_owned())
                });
            let body =
                read_limited(resp, self.opts.limits.max_registry_response, "tag list").await?;
            let page: TagList = serde_json::from_slice(&body).map_err(|e| RegistryError::Json {
                what: format!("tag list of {}/{repo}", self.registry),
                message: e.to_string(),
            })?;
            out.extend(page.tags.unwrap_or_default());
            match next {
                Some(n) => url = Self::resolve_location(&base, &n),
                None => return Ok(out),
            }
        }
        Err(RegistryError::TooLarge {
            what: format!("tag list of {}/{repo} (pages)", self.registry),
            limit: 1000,
        })
    }

    /// `GET /v2/<repo>/referrers/<digest>[?artifactType=…]`, raw.
    pub async fn get_referrers(
        &self,
        repo: &str,
        digest: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<ReferrersResponse> {
        let base = self.ready().await?.base.clone();
        let mut url = self.url(&base, &format!("{repo}/referrers/{digest}"));
        if let Some(t) = artifact_type {
            url = format!("{url}?artifactType={}", t.replace('+', "%2B"));
        }
        self.referrers_request(repo, &base, url).await
    }

    /// A further page of a referrers answer (`next` of the previous [`ReferrersResponse`]); only URLs on this
    /// registry are followed.
    pub async fn get_referrers_page(&self, repo: &str, url: &str) -> Result<ReferrersResponse> {
        let base = self.ready().await?.base.clone();
        if !url.starts_with(&format!("{base}/")) {
            return Err(RegistryError::Registry {
                registry: self.registry.clone(),
                operation: format!("GET /v2/{repo}/referrers"),
                status: 200,
                code: None,
                message: "the next-page link points to another host".into(),
            });
        }
        self.referrers_request(repo, &base, url.to_owned()).await
    }

    async fn referrers_request(
        &self,
        repo: &str,
        base: &str,
        url: String,
    ) -> Result<ReferrersResponse> {
        let req = Req::new(Method::GET, url).header("Accept", MEDIA_TYPE_INDEX);
        let resp = self
            .send(req, &Scope::pull(repo), &[200, 400, 404, 405, 406], repo)
            .await?;
        let status = resp.status().as_u16();
        let content_type = content_type(resp.headers());
        let filters_applied = resp
            .headers()
            .get("oci-filters-applied")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let next = next_link(resp.headers()).map(|n| Self::resolve_location(base, &n));
        let body = read_limited(
            resp,
            self.opts.limits.max_registry_response,
            "referrers response",
        )
        .await?;
        Ok(ReferrersResponse {
            status,
            content_type,
            body,
            filters_applied,
            next,
        })
    }
}

/// The target of a `Link: <URL>; rel="next"` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|l| l.contains("rel=\"next\"") || l.contains("rel=next"))
        .and_then(|l| {
            l.split_once('<')
                .and_then(|(_, r)| r.split_once('>'))
                .map(|(u, _)| u.trim().to_owned())
        })
}

/// The `Accept` header of manifest requests (kept in sync with the constants in `manifest` by a unit test).
const ACCEPT_MANIFESTS: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Receives the bytes of a downloaded blob.
pub trait BlobSink {
    /// Discards what was written so far (a download restarts).
    fn restart(&mut self) -> Result<()>;
    /// Receives the next chunk.
    fn write(&mut self, chunk: &[u8]) -> Result<()>;
}

/// Keeps nothing (the blob is only hashed).
#[derive(Debug, Default)]
pub struct DiscardSink;

impl BlobSink for DiscardSink {
    fn restart(&mut self) -> Result<()> {
        Ok(())
    }
    fn write(&mut self, _chunk: &[u8]) -> Result<()> {
        Ok(())
    }
}

impl BlobSink for Vec<u8> {
    fn restart(&mut self) -> Result<()> {
        self.clear();
        Ok(())
    }
    fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.extend_from_slice(chunk);
        Ok(())
    }
}

enum PingError {
    Tls(String),
    Transport(String),
    Status(u16, Option<u64>),
    Unexpected(u16),
}

impl PingError {
    fn into_oci(self, registry: &str) -> RegistryError {
        let op = "GET /v2/".to_owned();
        match self {
            Self::Tls(message) => RegistryError::Transport {
                registry: registry.to_owned(),
                operation: op,
                message,
                transient: false,
            },
            Self::Transport(message) => RegistryError::Transport {
                registry: registry.to_owned(),
                operation: op,
                message,
                transient: true,
            },
            Self::Status(status, retry_after) => RegistryError::Transient {
                registry: registry.to_owned(),
                operation: op,
                status,
                retry_after,
            },
            Self::Unexpected(status) => RegistryError::Registry {
                registry: registry.to_owned(),
                operation: op,
                status,
                code: None,
                message: "the registry does not answer the distribution API at /v2/".into(),
            },
        }
    }
}

fn retry_after_of(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, time::OffsetDateTime::now_utc()))
}

fn location_of(resp: &reqwest::Response, base: &str, req: &Req) -> Result<String> {
    let loc = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| RegistryError::Registry {
            registry: base.to_owned(),
            operation: req.operation(),
            status: resp.status().as_u16(),
            code: None,
            message: "upload response has no Location header".into(),
        })?;
    Ok(RegistryClient::resolve_location(base, loc))
}

async fn file_body(
    path: &Path,
    offset: u64,
    len: u64,
    progress: Option<ByteProgress>,
) -> Result<reqwest::Body> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| RegistryError::io("reading", path, e))?;
    f.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| RegistryError::io("reading", path, e))?;
    let sent = Arc::new(AtomicU64::new(offset));
    let stream =
        tokio_util::io::ReaderStream::with_capacity(f.take(len), 256 << 10).map(move |chunk| {
            if let (Ok(c), Some(p)) = (&chunk, &progress) {
                let n = sent.fetch_add(c.len() as u64, Ordering::Relaxed) + c.len() as u64;
                p(n);
            }
            chunk
        });
    Ok(reqwest::Body::wrap_stream(stream))
}

fn unauthorized_remedy(creds: &ResolvedCredentials) -> String {
    match &creds.source {
        CredentialSource::Anonymous => {
            "provide credentials (--username with --password-stdin, or the \
            TOFU_SBOM_REGISTRY_USERNAME/_PASSWORD environment variables, or docker login)"
                .to_owned()
        }
        source => format!("check the username and password or token from {source}"),
    }
}

/// rustls with the `ring` provider, the platform verifier (system roots) plus the `--ca-file` roots.
fn rustls_config(ca_files: &[PathBuf]) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra = Vec::new();
    for path in ca_files {
        let before = extra.len();
        let pem = std::fs::read(path).map_err(|e| RegistryError::io("reading CA file", path, e))?;
        for item in rustls_pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert: rustls_pki_types::CertificateDer<'static> =
                item.map_err(|e| RegistryError::ClientSetup {
                    reason: format!("{} is not a PEM certificate bundle: {e}", path.display()),
                })?;
            extra.push(cert);
        }
        if extra.len() == before {
            return Err(RegistryError::ClientSetup {
                reason: format!("{} contains no PEM certificate", path.display()),
            });
        }
    }
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone()).map_err(
            |e| RegistryError::ClientSetup {
                reason: format!("TLS verifier: {e}"),
            },
        )?;
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RegistryError::ClientSetup {
            reason: format!("TLS versions: {e}"),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::manifest::{
        MEDIA_TYPE_DOCKER_LIST, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_MANIFEST,
    };

    #[test]
    fn accept_header_lists_every_manifest_type() {
        for t in [
            MEDIA_TYPE_INDEX,
            MEDIA_TYPE_MANIFEST,
            MEDIA_TYPE_DOCKER_LIST,
            MEDIA_TYPE_DOCKER_MANIFEST,
        ] {
            assert!(ACCEPT_MANIFESTS.split(", ").any(|a| a == t), "{t}");
        }
    }

    #[test]
    fn operation_strips_scheme_host_and_query() {
        let r = Req::new(
            Method::PUT,
            "http://127.0.0.1:5000/v2/a/blobs/uploads/uuid?_state=secretish&digest=sha256:x".into(),
        );
        assert_eq!(r.operation(), "PUT /v2/a/blobs/uploads/uuid");
    }

    #[test]
    fn next_links() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            r#"</v2/a/referrers/sha256:x?n=2&last=y>; rel="next""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/v2/a/referrers/sha256:x?n=2&last=y")
        );
        let mut h = HeaderMap::new();
        h.insert("link", r#"<https://x/prev>; rel="prev""#.parse().unwrap());
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            error_text(br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#),
            "DENIED: requested access to the resource is denied"
        );
        assert_eq!(error_text(b"404 page not found\n"), "404 page not found");
        assert_eq!(error_text(b""), "(empty body)");
    }
}
