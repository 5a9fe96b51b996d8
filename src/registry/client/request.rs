//! One request of the [`RegistryClient`](super::RegistryClient): the first-use ping that picks the scheme and learns the
//! challenge, the `Authorization` header (Basic, or a Bearer token per scope), sending with one 401 refresh and with
//! retries, and turning an unexpected status into the matching [`RegistryError`] (with the remedy it calls for).
//!
//! Requests are rebuilt from a plain description ([`Req`]) so any of them can be retried. Must not know what the
//! endpoints mean (blobs, manifests): that is `blobs.rs` and `manifests.rs`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt as _;
use reqwest::header::{CONTENT_LENGTH, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::auth::{Challenge, TokenTransport, fetch_token, parse_challenge};
use super::credentials::{self, CredentialSource, ResolvedCredentials};
use super::{ByteProgress, ClientWarning, Protocol, Ready, RegistryClient, Scope};
use crate::http::origin::{display_url, host_port, same_origin};
use crate::http::retry::{retry_after_of, with_retries};
use crate::http::{error_chain, error_text, is_tls_error, parse_errors_preferring, read_limited};
use crate::registry::reference::is_loopback;
use crate::registry::{RegistryError, Result};

/// A request that can be rebuilt for every attempt.
#[derive(Clone)]
pub(super) struct Req {
    method: Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: ReqBody,
}

#[derive(Clone)]
pub(super) enum ReqBody {
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
    pub(super) fn new(method: Method, url: String) -> Self {
        Self {
            method,
            url,
            headers: Vec::new(),
            body: ReqBody::Empty,
        }
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(super) fn body(mut self, body: ReqBody) -> Self {
        self.body = body;
        self
    }

    /// `METHOD /path` without scheme, host or query (for messages: upload locations carry opaque state).
    pub(super) fn operation(&self) -> String {
        let no_scheme = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        let path = no_scheme.find('/').map_or("/", |i| &no_scheme[i..]);
        let path = path.split('?').next().unwrap_or(path);
        format!("{} {path}", self.method)
    }
}

const MAX_ERROR_BODY: u64 = 64 << 10;
const GHCR_REMEDY: &str = "GitHub Packages: give the workflow `permissions: packages: write`; if the package already \
exists, add this repository under the package's \"Manage Actions access\" settings (or link it with the \
org.opencontainers.image.source annotation)";

impl RegistryClient {
    pub(super) async fn ready(&self) -> Result<&Ready> {
        self.ready.get_or_try_init(|| self.init()).await
    }

    async fn init(&self) -> Result<Ready> {
        // Resolved once per client, failures included: a hanging credential helper is not run again by the next
        // call (it cost `push --dry-run` two helper timeouts).
        let creds = match self
            .creds
            .get_or_init(|| async {
                credentials::resolve(
                    &self.opts.credentials,
                    &self.registry,
                    &self.repository_hint,
                )
                .await
                .map_err(std::sync::Arc::new)
            })
            .await
        {
            Ok(c) => c.clone(),
            Err(e) => return Err(same_error(e)),
        };
        let https = format!("https://{}", self.registry);
        let http = format!("http://{}", self.registry);
        // The scheme probe's answer is the ping itself when it succeeded: its challenge is kept, not asked again.
        let (base, probed) = match self.opts.protocol {
            Protocol::PlainHttp => (http, None),
            Protocol::Https => (https, None),
            Protocol::Auto => match self.ping(&https).await {
                Ok(c) => (https, Some(c)),
                Err(PingError::Deadline(e)) => return Err(e.into()),
                Err(PingError::Tls(msg)) if is_loopback(&self.registry) => {
                    // Docker's rule: a loopback registry may speak plain HTTP.
                    match self.ping(&http).await {
                        Ok(c) => (http, Some(c)),
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
                Err(_) => (https, None),
            },
        };
        if base.starts_with("http://") && !is_loopback(&self.registry) && creds.credential.is_some()
        {
            self.warn_once(ClientWarning::CleartextCredentials {
                host: self.registry.clone(),
            });
        }
        let challenge = match probed {
            Some(c) => c,
            None => {
                with_retries(
                    &self.opts.retry,
                    &format!("GET /v2/ on {}", self.registry),
                    |_| async {
                        self.ping(&base)
                            .await
                            .map_err(|e| e.into_oci(&self.registry))
                    },
                )
                .await?
            }
        };
        Ok(Ready {
            base,
            creds,
            challenge: Mutex::new(challenge),
        })
    }

    /// `GET /v2/`: `Ok(None)` when open, `Ok(Some(challenge))` on 401.
    async fn ping(&self, base: &str) -> std::result::Result<Option<Challenge>, PingError> {
        let budget = self
            .opts
            .deadlines()
            .budget(&self.registry, "GET /v2/")
            .map_err(PingError::Deadline)?;
        let resp = budget
            .apply(self.http.get(format!("{base}/v2/")))
            .send()
            .await
            .map_err(|e| {
                if let Some(d) = budget.classify(&e, &self.registry, "GET /v2/") {
                    PingError::Deadline(d)
                } else if is_tls_error(&e) {
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

    pub(super) fn url(&self, base: &str, path: &str) -> String {
        format!("{base}/v2/{path}")
    }

    /// A `Location` or `Link` target resolved against the registry's base URL (RFC 3986; see
    /// [`crate::http::origin::resolve`]). A target that does not resolve to a URL is kept as sent, and then fails
    /// as a request (never carrying credentials: it is on no origin).
    pub(super) fn resolve_location(base: &str, loc: &str) -> String {
        crate::http::origin::resolve(base, loc).map_or_else(|| loc.to_owned(), String::from)
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
                self.check_realm(&realm, ready.creds.credential.is_some())?;
                let (token, lifetime) = with_retries(&self.opts.retry, "token request", |_| {
                    fetch_token(
                        TokenTransport {
                            http: &self.http,
                            deadlines: self.opts.deadlines(),
                            max_bytes: self.opts.limits.max_registry_response,
                        },
                        &self.registry,
                        &realm,
                        service.as_deref(),
                        &scopes,
                        ready.creds.credential.as_ref(),
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

    /// Refuses a plain-HTTP token realm on a host that is not loopback, unless `--plain-http` was given and the realm
    /// is on the registry's own host (issue 15, finding 4); warns once when the credentials go to a realm on another
    /// site than the registry.
    fn check_realm(&self, realm: &str, with_credentials: bool) -> Result<()> {
        let Ok(url) = reqwest::Url::parse(realm) else {
            return Ok(()); // `fetch_token` reports the unusable realm.
        };
        let realm_host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let registry_host = registry_host(&self.registry);
        let shown = display_url(&url);
        if url.scheme() == "http" && !is_loopback(&host_port(&url)) {
            let own_host = realm_host == registry_host;
            if !(own_host && self.opts.protocol == Protocol::PlainHttp) {
                return Err(RegistryError::InsecureTokenRealm {
                    registry: self.registry.clone(),
                    realm: shown,
                    remedy: if own_host {
                        format!(
                            "the registry should announce an https:// realm; to send credentials to {realm_host} \
                             over plain HTTP on a network you trust, pass --plain-http"
                        )
                    } else {
                        "the registry must announce an https:// token realm (plain HTTP is accepted only on \
                         loopback, or with --plain-http on the registry's own host)"
                            .to_owned()
                    },
                });
            }
        }
        if with_credentials && !same_site(&realm_host, &registry_host) {
            self.warn_once(ClientWarning::RealmOnOtherHost {
                registry: self.registry.clone(),
                realm: shown,
            });
        }
        Ok(())
    }

    /// Reports `w` through [`ClientOptions::warnings`](super::ClientOptions::warnings), once per client.
    pub(super) fn warn_once(&self, w: ClientWarning) {
        let Some(sink) = &self.opts.warnings else {
            return;
        };
        let first = self
            .warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(w.to_string());
        if first {
            sink(&w);
        }
    }

    /// One attempt: authenticate, send, and on a 401 refresh the challenge/token once.
    pub(super) async fn send_once(&self, req: &Req, scope: &Scope) -> Result<reqwest::Response> {
        let ready = self.ready().await?;
        // Credentials go to the registry's own origin only (scheme, host and port compared on parsed URLs): an
        // upload `Location` elsewhere (a storage back end) is sent without them.
        let same_host = same_origin(&req.url, &ready.base);
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
            let operation = req.operation();
            let budget = self.opts.deadlines().budget(&self.registry, &operation)?;
            let mut resp = budget.apply(rb).send().await.map_err(|e| {
                budget.classify(&e, &self.registry, &operation).map_or_else(
                    || RegistryError::Transport {
                        registry: self.registry.clone(),
                        operation: operation.clone(),
                        message: error_chain(&e),
                        transient: !is_tls_error(&e) && !e.is_builder(),
                    },
                    RegistryError::from,
                )
            })?;
            budget.mark(&mut resp);
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
    pub(super) async fn send(
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
    pub(super) async fn status_error(
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
        // MANIFEST_BLOB_UNKNOWN is the code callers act on (re-upload the blobs, retry the PUT), wherever it is listed.
        let (code, message) = match parse_errors_preferring(&body, &["MANIFEST_BLOB_UNKNOWN"]) {
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
}

enum PingError {
    Deadline(crate::http::HttpError),
    Tls(String),
    Transport(String),
    Status(u16, Option<u64>),
    Unexpected(u16),
}

impl PingError {
    fn into_oci(self, registry: &str) -> RegistryError {
        let op = "GET /v2/".to_owned();
        match self {
            Self::Deadline(e) => e.into(),
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

pub(super) fn location_of(resp: &reqwest::Response, base: &str, req: &Req) -> Result<String> {
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

/// A copy of a remembered credentials error (`RegistryError` is not `Clone`: its `Io` variant holds an
/// `std::io::Error`).
fn same_error(e: &RegistryError) -> RegistryError {
    match e {
        RegistryError::Credentials {
            source_name,
            message,
        } => RegistryError::Credentials {
            source_name: source_name.clone(),
            message: message.clone(),
        },
        RegistryError::TooLarge { what, limit } => RegistryError::TooLarge {
            what: what.clone(),
            limit: *limit,
        },
        RegistryError::Io {
            action,
            path,
            source,
        } => RegistryError::Io {
            action,
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        other => RegistryError::Credentials {
            source_name: "the credentials chain".into(),
            message: other.to_string(),
        },
    }
}

/// The host of `HOST[:PORT]` (IPv6 brackets kept), lower-cased.
fn registry_host(registry: &str) -> String {
    reqwest::Url::parse(&format!("http://{registry}/"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| registry.to_ascii_lowercase())
}

/// Whether two hosts belong to one site: equal, or DNS names sharing their last two labels (`auth.docker.io` and
/// `registry-1.docker.io`). IP addresses are one site only with themselves.
fn same_site(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let is_ip = |h: &str| h.starts_with('[') || h.parse::<std::net::IpAddr>().is_ok();
    if is_ip(a) || is_ip(b) {
        return false;
    }
    let site = |h: &str| {
        let labels: Vec<&str> = h.trim_end_matches('.').rsplit('.').take(2).collect();
        (labels.len() == 2).then(|| labels.join("."))
    };
    site(a).is_some() && site(a) == site(b)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn client(registry: &str, protocol: Protocol) -> RegistryClient {
        let opts = super::super::ClientOptions {
            protocol,
            credentials: super::super::CredentialEnv::isolated(),
            ..super::super::ClientOptions::default()
        };
        RegistryClient::new(registry, "acme/demo", opts).unwrap()
    }

    /// Finding 4 of issue 15: which plain-HTTP realms may receive credentials (no network: the checks run before any
    /// request).
    #[test]
    fn plain_http_realms() {
        let plain = client("reg.example:5000", Protocol::PlainHttp);
        assert!(plain.check_realm("http://reg.example/token", true).is_ok());
        assert!(
            plain
                .check_realm("https://auth.elsewhere.example/token", false)
                .is_ok()
        );
        let err = plain
            .check_realm("http://auth.elsewhere.example/token?x=1", true)
            .unwrap_err();
        assert!(
            matches!(&err, RegistryError::InsecureTokenRealm { realm, .. } if realm == "http://auth.elsewhere.example/token"),
            "{err:?}"
        );
        let auto = client("reg.example:5000", Protocol::Auto);
        assert_eq!(
            auto.check_realm("http://reg.example/token", true)
                .unwrap_err()
                .to_string(),
            "refusing to send credentials for reg.example:5000 to the plain-HTTP token realm http://reg.example/token \
             — the registry should announce an https:// realm; to send credentials to reg.example over plain HTTP \
             on a network you trust, pass --plain-http"
        );
        assert!(auto.check_realm("http://127.0.0.1:9/token", true).is_ok());
        assert!(auto.check_realm("http://localhost:9/token", true).is_ok());
        assert!(auto.check_realm("https://reg.example/token", true).is_ok());
    }

    #[test]
    fn realm_sites() {
        assert!(same_site("auth.docker.io", "registry-1.docker.io"));
        assert!(same_site("ghcr.io", "ghcr.io"));
        assert!(!same_site("ghcr.io.evil.example", "ghcr.io"));
        assert!(!same_site("localhost", "127.0.0.1"));
        assert!(!same_site("10.1.2.3", "10.1.2.4"));
        assert_eq!(registry_host("Reg.Example:5000"), "reg.example");
        assert_eq!(registry_host("[::1]:5000"), "[::1]");
    }
}
