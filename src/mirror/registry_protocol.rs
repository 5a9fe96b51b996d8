//! A client for the provider registry protocol (the API `tofu init` uses against `registry.opentofu.org`):
//!
//! 1. service discovery: `GET https://HOST/.well-known/terraform.json` → `"providers.v1"`, a URL relative to the
//!    discovery document or absolute;
//! 2. `GET <providers.v1>NAMESPACE/TYPE/versions` → `versions[]` with `version`, `protocols`, `platforms[]`;
//! 3. `GET <providers.v1>NAMESPACE/TYPE/VERSION/download/OS/ARCH` → `filename`, `download_url`, `shasums_url`,
//!    `shasums_signature_url`, `shasum`, `signing_keys.gpg_public_keys[]` (URLs relative to that response's URL).
//!
//! Owns the protocol's wire types (including [`PublishedKey`], which [`super::signature`] verifies with); knows
//! nothing of signature checks, release directories or the CLI.
//!
//! Validation follows OpenTofu's `registryClient.PackageMeta`: the response must name the requested platform, the
//! `shasum` must be 64 hex digits, URLs must be `http`/`https`. In addition the `filename` must be exactly
//! `terraform-provider-TYPE_VERSION_OS_ARCH.zip` (it becomes a file name on disk and must be what the checksums list).
//!
//! Transport rules are those of the OCI client (the same `reqwest` builder, [`crate::registry::client`]): TLS by default;
//! with [`Protocol::Auto`] a loopback host falls back to plain HTTP when the TLS handshake fails; plain `http://` URLs
//! in responses are refused unless the host is loopback or [`Protocol::PlainHttp`] was chosen. Transient faults
//! (connection reset/refused, timeouts, 429, 5xx) are retried with the OCI [`RetryPolicy`](crate::http::retry); every
//! response is read under [`crate::limits::Limits`]. A registry token (OpenTofu's `TF_TOKEN_<host>`) is sent as a
//! bearer token to the registry host only, never to download hosts.

use std::path::Path;

use reqwest::{StatusCode, Url};
use serde::Deserialize;
use tokio::io::AsyncWriteExt as _;
use tokio::sync::OnceCell;

use super::error::{MirrorError, Result};
use crate::archive::address::ProviderAddress;
use crate::http::retry::{parse_retry_after, with_retries};
use crate::http::{error_chain, error_text, is_tls_error, read_limited};
use crate::registry::RegistryError;
use crate::registry::client::{ClientOptions, ClientWarning, Protocol, build_http_client};
use crate::registry::digest::Sha256Counter;
use crate::registry::reference::is_loopback;

/// The discovery document path.
pub const DISCOVERY_PATH: &str = "/.well-known/terraform.json";
/// The service id of the provider registry protocol.
pub const PROVIDERS_V1: &str = "providers.v1";

/// The environment variable OpenTofu reads a registry token from: `TF_TOKEN_` + the host with `.` → `_` and
/// `-` → `__` (hosts with a port have no such variable). `None` when the host cannot be spelled so.
pub fn token_env_var(host: &str) -> Option<String> {
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return None;
    }
    Some(format!(
        "TF_TOKEN_{}",
        host.replace('-', "__").replace('.', "_")
    ))
}

/// The registry token for `host` from the process environment (`TF_TOKEN_<host>`), if set and non-empty.
pub fn token_from_env(host: &str) -> Option<String> {
    token_env_var(host)
        .and_then(|v| std::env::var(v).ok())
        .filter(|t| !t.trim().is_empty())
}

/// Decodes `null` as the default value, as Go's `encoding/json` does for the registry's documents (real registries
/// send `"source_url": null`).
pub(crate) fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One entry of `GET …/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AvailableVersion {
    /// The version string (normally full semver, no `v`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub version: String,
    /// Plugin protocol versions (`"5.0"`, `"6.0"`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub protocols: Vec<String>,
    /// Platforms a package exists for.
    #[serde(default, deserialize_with = "null_as_default")]
    pub platforms: Vec<PlatformEntry>,
}

/// `{"os": …, "arch": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlatformEntry {
    /// Go `GOOS`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub os: String,
    /// Go `GOARCH`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub arch: String,
}

impl PlatformEntry {
    /// `os_arch`.
    pub fn os_arch(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }
}

/// The response of `GET …/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VersionsResponse {
    /// Every version.
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: Vec<AvailableVersion>,
    /// Warnings the registry wants shown (e.g. a deprecated provider).
    #[serde(default, deserialize_with = "null_as_default")]
    pub warnings: Option<Vec<String>>,
}

/// A signing key as the registry publishes it (`signing_keys.gpg_public_keys[]`): a wire type of the protocol, which
/// [`super::signature`] verifies with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct PublishedKey {
    /// The key id the registry reports (uppercase hex, informational).
    #[serde(default, deserialize_with = "null_as_default")]
    pub key_id: String,
    /// The ASCII-armored public key.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ascii_armor: String,
    /// Trust signature (HashiCorp partner providers; not used).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub trust_signature: String,
    /// Where the key comes from (informational).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    /// URL of the key's source (informational).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub source_url: String,
}

/// `signing_keys` of a download response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct SigningKeys {
    /// The published GPG keys.
    #[serde(default, deserialize_with = "null_as_default")]
    pub gpg_public_keys: Option<Vec<PublishedKey>>,
}

/// The response of `GET …/VERSION/download/OS/ARCH`, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DownloadResponse {
    /// Plugin protocol versions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub protocols: Vec<String>,
    /// Go `GOOS` of the package.
    #[serde(default, deserialize_with = "null_as_default")]
    pub os: String,
    /// Go `GOARCH` of the package.
    #[serde(default, deserialize_with = "null_as_default")]
    pub arch: String,
    /// The ZIP file name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub filename: String,
    /// Where to download the ZIP.
    #[serde(default, deserialize_with = "null_as_default")]
    pub download_url: String,
    /// Where to download the `SHA256SUMS`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shasums_url: String,
    /// Where to download its detached signature.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shasums_signature_url: String,
    /// The ZIP's sha256 (hex).
    #[serde(default, deserialize_with = "null_as_default")]
    pub shasum: String,
    /// The keys that may have signed the `SHA256SUMS`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub signing_keys: Option<SigningKeys>,
}

/// A validated package description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageMeta {
    /// `os_arch`.
    pub platform: String,
    /// The ZIP file name (`terraform-provider-TYPE_VERSION_OS_ARCH.zip`).
    pub filename: String,
    /// Absolute download URL.
    pub download_url: Url,
    /// Absolute URL of the `SHA256SUMS`.
    pub shasums_url: Url,
    /// Absolute URL of its signature (`None` when the registry gives none).
    pub shasums_signature_url: Option<Url>,
    /// The sha256 the registry reports for the ZIP.
    pub shasum: [u8; 32],
    /// The published keys.
    pub signing_keys: Vec<PublishedKey>,
    /// Plugin protocol versions.
    pub protocols: Vec<String>,
}

#[derive(Deserialize)]
struct Discovery {
    #[serde(rename = "providers.v1", default)]
    providers_v1: Option<String>,
}

/// What one GET produced.
enum Fetched {
    /// 200: the final URL (after redirects) and the body.
    Ok(Url, Vec<u8>),
    /// Another non-transient status and a displayable body excerpt.
    Status(u16, String),
}

/// `scheme://host/path` (queries of signed download URLs may carry credentials).
pub use crate::http::origin::display_url;
use crate::http::origin::{host_port, same_origin_url};

/// A provider-registry protocol client for one host.
pub struct ProviderRegistryClient {
    http: reqwest::Client,
    host: String,
    opts: ClientOptions,
    token: Option<String>,
    service: OnceCell<Url>,
}

impl std::fmt::Debug for ProviderRegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderRegistryClient")
            .field("host", &self.host)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .finish_non_exhaustive()
    }
}

impl ProviderRegistryClient {
    /// A client for `host` (`HOST[:PORT]`), with the OCI client's TLS options, retry policy and limits. `token` is
    /// sent as `Authorization: Bearer` to `host` only.
    pub fn new(host: &str, opts: ClientOptions, token: Option<String>) -> Result<Self> {
        let http = match &opts.pool {
            Some(pool) => pool.http_for(host, &opts)?,
            None => build_http_client(&opts)?,
        };
        if let Some(sink) = &opts.warnings
            && opts.protocol == Protocol::PlainHttp
            && token.is_some()
            && !is_loopback(host)
        {
            sink(&ClientWarning::CleartextCredentials {
                host: host.to_owned(),
            });
        }
        Ok(Self {
            http,
            host: host.to_owned(),
            opts,
            token,
            service: OnceCell::new(),
        })
    }

    /// The registry host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The options (limits, retry policy, protocol).
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// Whether `url` is on the registry's own origin (host and port compared on parsed URLs, with the URL's scheme;
    /// [`Self::check_url`] has already refused plain HTTP where it is not allowed): the only place the token goes.
    fn is_own_origin(&self, url: &Url) -> bool {
        Url::parse(&format!("{}://{}/", url.scheme(), self.host))
            .is_ok_and(|own| same_origin_url(url, &own))
    }

    /// Refuses URLs we must not fetch: other schemes, and plain HTTP to a non-loopback host unless plain HTTP was
    /// chosen explicitly.
    pub fn check_url(&self, url: &Url) -> Result<()> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.opts.protocol == Protocol::PlainHttp => Ok(()),
            "http" if self.opts.protocol == Protocol::Auto && is_loopback(&host_port(url)) => {
                Ok(())
            }
            "http" => Err(MirrorError::InsecureUrl {
                url: display_url(url),
            }),
            other => Err(MirrorError::InvalidResponse {
                what: display_url(url),
                reason: format!("unsupported URL scheme {other:?} (must use http or https)"),
            }),
        }
    }

    /// One attempt of a GET: transport errors and transient statuses become (retryable) [`RegistryError`]s.
    async fn get_once(&self, url: &Url, max: u64, what: &str) -> crate::registry::Result<Fetched> {
        let mut rb = self.http.get(url.clone());
        if let Some(t) = &self.token
            && self.is_own_origin(url)
        {
            rb = rb.bearer_auth(t);
        }
        let operation = format!("GET {}", url.path());
        let budget = self.opts.deadlines().budget(&host_port(url), &operation)?;
        let mut resp = budget.apply(rb).send().await.map_err(|e| {
            budget
                .classify(&e, &host_port(url), &operation)
                .map_or_else(
                    || RegistryError::Transport {
                        registry: host_port(url),
                        operation: operation.clone(),
                        message: error_chain(&e),
                        transient: !is_tls_error(&e) && !e.is_builder(),
                    },
                    RegistryError::from,
                )
        })?;
        budget.mark(&mut resp);
        let status = resp.status().as_u16();
        if status == 200 {
            let final_url = resp.url().clone();
            let body = read_limited(resp, max, what).await?;
            return Ok(Fetched::Ok(final_url, body));
        }
        if matches!(status, 429 | 500 | 502..=504 | 507..=599) {
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, time::OffsetDateTime::now_utc()));
            return Err(RegistryError::Transient {
                registry: host_port(url),
                operation: format!("GET {}", url.path()),
                status,
                retry_after,
            });
        }
        let body = read_limited(resp, 64 << 10, "error body")
            .await
            .unwrap_or_default();
        Ok(Fetched::Status(status, error_text(&body)))
    }

    /// GET with retries; the final URL is re-checked (a redirect must not downgrade to plain HTTP).
    async fn get(&self, url: &Url, max: u64, what: &str) -> Result<Fetched> {
        self.check_url(url)?;
        let op = format!("GET {}", display_url(url));
        let fetched = with_retries(&self.opts.retry, &op, |_| self.get_once(url, max, what))
            .await
            .map_err(from_oci)?;
        if let Fetched::Ok(final_url, _) = &fetched {
            self.check_url(final_url)?;
        }
        Ok(fetched)
    }

    fn status_error(&self, url: &Url, status: u16, message: String) -> MirrorError {
        if matches!(status, 401 | 403) {
            MirrorError::Unauthorized {
                url: display_url(url),
                status,
                had_token: self.token.is_some() && self.is_own_origin(url),
            }
        } else {
            MirrorError::Http {
                url: display_url(url),
                status,
                message,
            }
        }
    }

    /// The `providers.v1` base URL (service discovery on first use; always ends with `/`).
    pub async fn service_url(&self) -> Result<&Url> {
        self.service.get_or_try_init(|| self.discover()).await
    }

    async fn discover(&self) -> Result<Url> {
        let https = self.discovery_url("https")?;
        match self.opts.protocol {
            Protocol::PlainHttp => self.fetch_discovery(&self.discovery_url("http")?).await,
            Protocol::Https => self.fetch_discovery(&https).await,
            Protocol::Auto => match self.fetch_discovery(&https).await {
                Err(MirrorError::Transport(RegistryError::Transport {
                    transient: false, ..
                })) if is_loopback(&self.host) => {
                    // Docker's rule, as for OCI registries: a loopback host may speak plain HTTP.
                    self.fetch_discovery(&self.discovery_url("http")?).await
                }
                other => other,
            },
        }
    }

    fn discovery_url(&self, scheme: &str) -> Result<Url> {
        Url::parse(&format!("{scheme}://{}{DISCOVERY_PATH}", self.host)).map_err(|e| {
            MirrorError::InvalidSource {
                input: self.host.clone(),
                reason: format!("not a usable host name: {e}"),
            }
        })
    }

    async fn fetch_discovery(&self, url: &Url) -> Result<Url> {
        let max = self.opts.limits.max_provider_registry_response;
        let what = format!("service discovery document {}", display_url(url));
        let (final_url, body) = match self.get(url, max, &what).await? {
            Fetched::Ok(u, b) => (u, b),
            Fetched::Status(404, _) => {
                return Err(MirrorError::NoProviderService {
                    host: self.host.clone(),
                    reason: format!(
                        "no service discovery document at {} (HTTP 404)",
                        display_url(url)
                    ),
                });
            }
            Fetched::Status(s, m) => return Err(self.status_error(url, s, m)),
        };
        let doc: Discovery = serde_json::from_slice(&body).map_err(|e| MirrorError::Json {
            what: what.clone(),
            message: e.to_string(),
        })?;
        let Some(rel) = doc.providers_v1.filter(|s| !s.is_empty()) else {
            return Err(MirrorError::NoProviderService {
                host: self.host.clone(),
                reason: format!(
                    "{} has no \"{PROVIDERS_V1}\" entry",
                    display_url(&final_url)
                ),
            });
        };
        let mut base = final_url
            .join(&rel)
            .map_err(|e| MirrorError::InvalidResponse {
                what: what.clone(),
                reason: format!("\"{PROVIDERS_V1}\" is not a URL reference: {e}"),
            })?;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        self.check_url(&base)?;
        Ok(base)
    }

    /// `GET …/NAMESPACE/TYPE/versions`.
    pub async fn versions(&self, provider: &ProviderAddress) -> Result<VersionsResponse> {
        let base = self.service_url().await?;
        let url = base
            .join(&format!(
                "{}/{}/versions",
                provider.namespace, provider.provider_type
            ))
            .map_err(|e| MirrorError::InvalidSource {
                input: provider.to_string(),
                reason: e.to_string(),
            })?;
        let what = format!("version list {}", display_url(&url));
        match self
            .get(&url, self.opts.limits.max_provider_registry_response, &what)
            .await?
        {
            Fetched::Ok(_, body) => serde_json::from_slice(&body).map_err(|e| MirrorError::Json {
                what,
                message: e.to_string(),
            }),
            Fetched::Status(404, _) => Err(MirrorError::ProviderNotFound {
                provider: provider.to_string(),
                url: display_url(&url),
            }),
            Fetched::Status(s, m) => Err(self.status_error(&url, s, m)),
        }
    }

    /// `GET …/NAMESPACE/TYPE/VERSION/download/OS/ARCH`, validated. `Ok(None)` on 404 (platform not offered).
    pub async fn package(
        &self,
        provider: &ProviderAddress,
        version: &str,
        os: &str,
        arch: &str,
    ) -> Result<Option<PackageMeta>> {
        let base = self.service_url().await?;
        let url = base
            .join(&format!(
                "{}/{}/{version}/download/{os}/{arch}",
                provider.namespace, provider.provider_type
            ))
            .map_err(|e| MirrorError::InvalidSource {
                input: provider.to_string(),
                reason: e.to_string(),
            })?;
        let what = format!("package metadata {}", display_url(&url));
        let (final_url, body) = match self
            .get(&url, self.opts.limits.max_provider_registry_response, &what)
            .await?
        {
            Fetched::Ok(u, b) => (u, b),
            Fetched::Status(404, _) => return Ok(None),
            Fetched::Status(s, m) => return Err(self.status_error(&url, s, m)),
        };
        let doc: DownloadResponse =
            serde_json::from_slice(&body).map_err(|e| MirrorError::Json {
                what: what.clone(),
                message: e.to_string(),
            })?;
        self.validate_package(provider, version, os, arch, &final_url, doc, &what)
            .map(Some)
    }

    #[allow(clippy::too_many_arguments)]
    fn validate_package(
        &self,
        provider: &ProviderAddress,
        version: &str,
        os: &str,
        arch: &str,
        response_url: &Url,
        doc: DownloadResponse,
        what: &str,
    ) -> Result<PackageMeta> {
        let invalid = |reason: String| MirrorError::InvalidResponse {
            what: what.to_owned(),
            reason,
        };
        if doc.os != os || doc.arch != arch {
            return Err(invalid(format!(
                "the response to a request for the {os}_{arch} package names platform {:?}",
                format!("{}_{}", doc.os, doc.arch)
            )));
        }
        let expected_name = crate::archive::names::zip_name(
            &provider.provider_type,
            version,
            format_args!("{os}_{arch}"),
        );
        if doc.filename != expected_name {
            return Err(invalid(format!(
                "filename {:?} is not {expected_name:?}",
                crate::registry::digest::truncate_for_display(&doc.filename)
            )));
        }
        let mut shasum = [0u8; 32];
        if doc.shasum.len() != 64 || hex::decode_to_slice(&doc.shasum, &mut shasum).is_err() {
            return Err(invalid(format!(
                "shasum {:?} is not a 64-digit hex SHA-256",
                crate::registry::digest::truncate_for_display(&doc.shasum)
            )));
        }
        let resolve = |field: &str, value: &str| -> Result<Url> {
            let u = response_url.join(value).map_err(|e| {
                invalid(format!(
                    "{field} {:?} is not a URL reference: {e}",
                    crate::registry::digest::truncate_for_display(value)
                ))
            })?;
            self.check_url(&u)?;
            Ok(u)
        };
        if doc.download_url.is_empty() {
            return Err(invalid("download_url is empty".into()));
        }
        if doc.shasums_url.is_empty() {
            return Err(invalid("shasums_url is empty".into()));
        }
        let download_url = resolve("download_url", &doc.download_url)?;
        let shasums_url = resolve("shasums_url", &doc.shasums_url)?;
        let shasums_signature_url = if doc.shasums_signature_url.is_empty() {
            None
        } else {
            Some(resolve(
                "shasums_signature_url",
                &doc.shasums_signature_url,
            )?)
        };
        Ok(PackageMeta {
            platform: format!("{os}_{arch}"),
            filename: doc.filename,
            download_url,
            shasums_url,
            shasums_signature_url,
            shasum,
            signing_keys: doc
                .signing_keys
                .and_then(|k| k.gpg_public_keys)
                .unwrap_or_default(),
            protocols: doc.protocols,
        })
    }

    /// Fetches a small file (checksums, signature) under `max` bytes.
    pub async fn fetch_file(&self, url: &Url, max: u64, what: &str) -> Result<Vec<u8>> {
        match self.get(url, max, what).await? {
            Fetched::Ok(_, body) => Ok(body),
            Fetched::Status(s, m) => Err(self.status_error(url, s, m)),
        }
    }

    /// Streams `url` into `dest` (created or truncated), hashing on the way, at most `max` bytes. A transient fault
    /// restarts the download from the beginning (bounded by the retry policy). Returns the sha256 and size of what
    /// was written. `progress` receives the bytes written so far in the current attempt.
    pub async fn download_to_file(
        &self,
        url: &Url,
        dest: &Path,
        max: u64,
        progress: Option<&(dyn Fn(u64) + Send + Sync)>,
    ) -> Result<([u8; 32], u64)> {
        self.check_url(url)?;
        let op = format!("downloading {}", display_url(url));
        let result = with_retries(&self.opts.retry, &op, |_| {
            self.download_once(url, dest, max, progress)
        })
        .await
        .map_err(from_oci)?;
        match result {
            Ok(v) => Ok(v),
            Err((s, m)) => Err(self.status_error(url, s, m)),
        }
    }

    async fn download_once(
        &self,
        url: &Url,
        dest: &Path,
        max: u64,
        progress: Option<&(dyn Fn(u64) + Send + Sync)>,
    ) -> crate::registry::Result<std::result::Result<([u8; 32], u64), (u16, String)>> {
        let mut rb = self.http.get(url.clone());
        if let Some(t) = &self.token
            && self.is_own_origin(url)
        {
            rb = rb.bearer_auth(t);
        }
        let operation = format!("GET {}", url.path());
        let budget = self.opts.deadlines().budget(&host_port(url), &operation)?;
        let transport = |e: &reqwest::Error| {
            budget.classify(e, &host_port(url), &operation).map_or_else(
                || RegistryError::Transport {
                    registry: host_port(url),
                    operation: operation.clone(),
                    message: error_chain(e),
                    transient: !is_tls_error(e) && !e.is_builder(),
                },
                RegistryError::from,
            )
        };
        let mut resp = budget.apply(rb).send().await.map_err(|e| transport(&e))?;
        let status = resp.status();
        if matches!(status.as_u16(), 429 | 500 | 502..=504 | 507..=599) {
            return Err(RegistryError::Transient {
                registry: host_port(url),
                operation: format!("GET {}", url.path()),
                status: status.as_u16(),
                retry_after: None,
            });
        }
        if status != StatusCode::OK {
            let body = read_limited(resp, 64 << 10, "error body")
                .await
                .unwrap_or_default();
            return Ok(Err((status.as_u16(), error_text(&body))));
        }
        if resp.url().scheme() == "http" && self.check_url(resp.url()).is_err() {
            return Ok(Err((
                status.as_u16(),
                format!("redirected to plain HTTP {}", display_url(resp.url())),
            )));
        }
        let what = format!("download {}", display_url(url));
        if resp.content_length().is_some_and(|l| l > max) {
            return Err(RegistryError::TooLarge { what, limit: max });
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| RegistryError::io("creating", dest, e))?;
        let mut hasher = Sha256Counter::new();
        loop {
            let chunk = resp.chunk().await.map_err(|e| transport(&e))?;
            let Some(chunk) = chunk else { break };
            if hasher.len() + chunk.len() as u64 > max {
                return Err(RegistryError::TooLarge { what, limit: max });
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| RegistryError::io("writing", dest, e))?;
            if let Some(p) = progress {
                p(hasher.len());
            }
        }
        file.sync_all()
            .await
            .map_err(|e| RegistryError::io("writing", dest, e))?;
        let size = hasher.len();
        let digest = hasher.finish();
        let mut raw = [0u8; 32];
        hex::decode_to_slice(digest.encoded(), &mut raw).map_err(|_| {
            RegistryError::InvalidDigest {
                input: digest.to_string(),
                reason: "not sha256".into(),
            }
        })?;
        Ok(Ok((raw, size)))
    }
}

/// Maps the OCI transport layer's errors: limits and local I/O to their own variants, the rest stays transport.
pub(crate) fn from_oci(e: RegistryError) -> MirrorError {
    match e {
        RegistryError::TooLarge { what, limit } => MirrorError::TooLarge { what, limit },
        RegistryError::Io {
            action,
            path,
            source,
        } => MirrorError::Io {
            action,
            path,
            source,
        },
        other => MirrorError::Transport(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_variable_names_follow_opentofu() {
        assert_eq!(
            token_env_var("registry.opentofu.org").as_deref(),
            Some("TF_TOKEN_registry_opentofu_org")
        );
        assert_eq!(
            token_env_var("my-registry.example.com").as_deref(),
            Some("TF_TOKEN_my__registry_example_com")
        );
        assert_eq!(token_env_var("127.0.0.1:8080"), None);
    }

    #[test]
    fn urls_are_displayed_without_query_or_credentials() {
        let u = Url::parse("https://user:pw@example.com/a/b.zip?X-Amz-Signature=secret#f").unwrap();
        assert_eq!(display_url(&u), "https://example.com/a/b.zip");
    }

    #[test]
    fn plain_http_only_for_loopback_or_when_chosen() {
        let c = ProviderRegistryClient::new("example.com", ClientOptions::default(), None).unwrap();
        let e = c
            .check_url(&Url::parse("http://example.com/x.zip").unwrap())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "refusing plain HTTP for http://example.com/x.zip: only loopback hosts may be reached without TLS (or use the plain-HTTP protocol option)"
        );
        c.check_url(&Url::parse("http://127.0.0.1:5000/x.zip").unwrap())
            .unwrap();
        c.check_url(&Url::parse("https://example.com/x.zip").unwrap())
            .unwrap();
        let e = c
            .check_url(&Url::parse("ftp://example.com/x.zip").unwrap())
            .unwrap_err();
        assert!(matches!(e, MirrorError::InvalidResponse { .. }), "{e}");
    }
}
