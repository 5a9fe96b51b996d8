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
//!   challenge) before failing with a clear error that names the credential source, never the secret;
//! - credentials go to the registry's own origin only (scheme, host, port: [`crate::http::origin`]); a plain-HTTP
//!   token realm is refused unless it is loopback, or on the registry's host with [`Protocol::PlainHttp`]; what the
//!   user should know (cleartext credentials, a realm on another site) is reported as a [`ClientWarning`];
//! - every request runs under a total deadline and the command's ([`ClientOptions::request_timeout`],
//!   [`ClientOptions::deadline`]).
//!
//! Every request is rebuilt from a plain description (`Req`) so any of them can be retried (see [`crate::registry::retry`]);
//! blob uploads restart from a new upload session. Responses are read under [`Limits`]: manifests under
//! `max_manifest_size`, everything else under `max_registry_response`, error bodies truncated for display.
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | options, scopes, the answer types, [`RegistryClient`] itself and the [`BlobSink`] trait |
//! | `request.rs` | one request: ping and scheme choice, authentication header, send with retries, status → error |
//! | [`auth`] | `WWW-Authenticate` parsing, bearer token fetch and cache (no client, no HTTP plumbing of its own) |
//! | [`credentials`] | the credentials chain |
//! | `blobs.rs` | blob `HEAD`, mount, upload (monolithic or chunked), verified download |
//! | `manifests.rs` | manifest `GET`/`HEAD`/`PUT`/`DELETE`, tag listing, the raw referrers endpoint |
//! | [`pool`] | one HTTP client per host and one [`RegistryClient`] per host and repository for a whole command run |
//!
//! The TLS setup, proxies, retry loop and bounded body reads are [`crate::http`]'s. Nothing here knows OpenTofu or
//! SBOMs.

pub mod auth;
mod blobs;
pub mod credentials;
mod manifests;
pub mod pool;
mod request;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use tokio::sync::OnceCell;

use crate::http::HttpOptions;
pub use crate::http::Protocol;
use crate::http::deadline::{CommandDeadline, Deadlines};
use crate::limits::Limits;
use crate::registry::Result;
use crate::registry::digest::Digest;
use crate::registry::retry::RetryPolicy;
use auth::{Challenge, TokenCache};
use credentials::{CredentialEnv, CredentialSource, ResolvedCredentials};

/// Called with the number of bytes of a blob sent so far in the current attempt.
pub type ByteProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// Something the user should know about how a registry is reached, reported through [`ClientOptions::warnings`]
/// (the CLI prints each distinct one once per run on stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientWarning {
    /// Credentials are sent over plain HTTP (`--plain-http`) to a host that is not loopback.
    CleartextCredentials {
        /// The registry host (`HOST[:PORT]`).
        host: String,
    },
    /// The Bearer token realm is on another host (and another site) than the registry: the credentials go there.
    RealmOnOtherHost {
        /// The registry host.
        registry: String,
        /// The token realm URL (without its query).
        realm: String,
    },
}

impl std::fmt::Display for ClientWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CleartextCredentials { host } => write!(
                f,
                "{host}: credentials are sent over plain HTTP (--plain-http) to a host that is not loopback; \
                 anyone on the network path can read them"
            ),
            Self::RealmOnOtherHost { registry, realm } => write!(
                f,
                "{registry}: the registry sends our credentials' token request to {realm}, another host; \
                 check that the registry is the one you meant"
            ),
        }
    }
}

/// Receives [`ClientWarning`]s.
pub type WarningSink = Arc<dyn Fn(&ClientWarning) + Send + Sync>;

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
    /// Where warnings go (`None`: dropped).
    pub warnings: Option<WarningSink>,
    /// Total time of one request, response body included (the read timeout only bounds idle gaps). Default 600 s.
    pub request_timeout: Duration,
    /// The deadline of the whole command (`None`: none): no request starts after it, running ones stop at it.
    pub deadline: Option<CommandDeadline>,
    /// Clients shared by every store opened with these options (`None`: each store builds its own): one command
    /// run's connections, pings, credentials and tokens, reused ([`pool`]).
    pub pool: Option<Arc<pool::ClientPool>>,
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
            warnings: None,
            request_timeout: Duration::from_secs(600),
            deadline: None,
            pool: None,
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

    pub(super) fn key(&self) -> String {
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
    /// `Content-Type` exactly as sent, parameters included: oras-go and go-containerregistry (Trivy) compare the
    /// whole header with the OCI index media type, so `…index.v1+json; charset=utf-8` is not an API answer for them.
    pub content_type: Option<String>,
    /// The body (read under `max_registry_response`).
    pub body: Vec<u8>,
    /// `OCI-Filters-Applied`.
    pub filters_applied: Option<String>,
    /// The absolute URL of the next page (`Link: <…>; rel="next"`), if any.
    pub next: Option<String>,
    /// The URL this page was read from (to recognise a `Link` back to it).
    pub url: String,
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

/// Held while one blob is uploaded to one repository ([`RegistryClient::upload_blob`]).
type UploadLock = Arc<tokio::sync::Mutex<()>>;

/// A client for one registry host.
pub struct RegistryClient {
    http: reqwest::Client,
    registry: String,
    repository_hint: String,
    opts: ClientOptions,
    ready: OnceCell<Ready>,
    /// The outcome of the credentials chain, failures included (see `request.rs`).
    creds: OnceCell<std::result::Result<ResolvedCredentials, Arc<crate::registry::RegistryError>>>,
    tokens: TokenCache,
    /// The warnings already reported (by text).
    warned: Mutex<std::collections::BTreeSet<String>>,
    /// One lock per repository and blob being uploaded (see [`RegistryClient::upload_blob`]).
    blob_uploads: Mutex<std::collections::HashMap<(String, Digest), UploadLock>>,
    /// Blobs the registry confirmed in a repository during this run — a `HEAD` answered `200`, or our upload was
    /// accepted — with their sizes, so the same blob is not asked for again (every referrer of a version names the
    /// one empty config; a push confirms the blobs it uploaded ahead). Forgotten when a manifest `PUT` calls one of
    /// them unknown ([`RegistryClient::forget_blob`]); cleared when it holds [`KNOWN_BLOBS_MAX`].
    known_blobs: Mutex<std::collections::HashMap<(String, Digest), u64>>,
}

/// The most blobs [`RegistryClient`] remembers as present (about 100 bytes each); the memory is cleared when full.
pub const KNOWN_BLOBS_MAX: usize = 100_000;

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("registry", &self.registry)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// Builds the HTTP client of a [`RegistryClient`] from its options (see [`crate::http::build_client`]). Shared with the
/// provider-registry protocol client (`crate::mirror::registry_protocol`) so both speak TLS the same way.
pub(crate) fn build_http_client(opts: &ClientOptions) -> Result<reqwest::Client> {
    Ok(crate::http::build_client(&opts.http())?)
}

impl ClientOptions {
    /// The transport part of these options.
    pub fn http(&self) -> HttpOptions<'_> {
        HttpOptions {
            ca_files: &self.ca_files,
            user_agent: &self.user_agent,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            request_timeout: self.request_timeout,
        }
    }

    /// The deadlines requests are sent under.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            request: self.request_timeout,
            command: self.deadline,
        }
    }
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `Content-Type` exactly as sent (parameters kept), for the checks consumers make on the whole header.
fn raw_content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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

impl RegistryClient {
    /// A client for `registry` (`HOST[:PORT]`). `repository` selects repository-scoped credentials (containers
    /// `auth.json`); other repositories of the same registry can still be used.
    pub fn new(registry: &str, repository: &str, opts: ClientOptions) -> Result<Self> {
        let http = build_http_client(&opts)?;
        Ok(Self::with_http(http, registry, repository, opts))
    }

    /// [`RegistryClient::new`] over an existing HTTP client (built by [`build_http_client`] with the same options;
    /// [`pool::ClientPool`] shares one per host).
    pub(crate) fn with_http(
        http: reqwest::Client,
        registry: &str,
        repository: &str,
        opts: ClientOptions,
    ) -> Self {
        Self {
            http,
            registry: registry.to_owned(),
            repository_hint: repository.to_owned(),
            opts,
            ready: OnceCell::new(),
            creds: OnceCell::new(),
            tokens: TokenCache::default(),
            warned: Mutex::default(),
            blob_uploads: Mutex::default(),
            known_blobs: Mutex::default(),
        }
    }

    /// The size of `digest` in `repo` when the registry confirmed it during this run (see `known_blobs`).
    fn known_blob(&self, repo: &str, digest: &Digest) -> Option<u64> {
        self.known_blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(repo.to_owned(), digest.clone()))
            .copied()
    }

    /// Remembers that the registry confirmed `digest` (of `size` bytes) in `repo`.
    fn remember_blob(&self, repo: &str, digest: &Digest, size: u64) {
        let mut known = self
            .known_blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() >= KNOWN_BLOBS_MAX {
            known.clear();
        }
        known.insert((repo.to_owned(), digest.clone()), size);
    }

    /// Forgets what this run learnt about `digest` in `repo`: the next [`RegistryClient::blob_exists`] asks the
    /// registry (a manifest `PUT` answered `MANIFEST_BLOB_UNKNOWN` for it).
    pub fn forget_blob(&self, repo: &str, digest: &Digest) {
        self.known_blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(repo.to_owned(), digest.clone()));
    }

    /// The turn to upload `digest` to `repo` through this client ([`RegistryClient::upload_blob`]), to be taken with
    /// [`UploadTurn::take`].
    fn blob_upload_turn(&self, repo: &str, digest: &Digest) -> UploadTurn<'_> {
        let key = (repo.to_owned(), digest.clone());
        let lock = Arc::clone(
            self.blob_uploads
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(key.clone())
                .or_default(),
        );
        UploadTurn {
            client: self,
            key,
            lock: Some(lock),
            guard: None,
        }
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
}

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

/// A turn to upload one blob to one repository. Dropping it releases the turn and forgets the lock once nobody else
/// holds or awaits it, so the map holds only the uploads in flight, however many blobs a run uploads.
struct UploadTurn<'a> {
    client: &'a RegistryClient,
    key: (String, Digest),
    lock: Option<UploadLock>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl UploadTurn<'_> {
    /// Takes the turn; `true` when another upload of the blob held it first (and has finished since).
    async fn take(&mut self) -> bool {
        let lock = self.lock.take().expect("a turn is taken once");
        match Arc::clone(&lock).try_lock_owned() {
            Ok(g) => {
                self.guard = Some(g);
                false
            }
            Err(_) => {
                self.guard = Some(lock.lock_owned().await);
                true
            }
        }
    }
}

impl Drop for UploadTurn<'_> {
    fn drop(&mut self) {
        self.guard = None;
        self.lock = None;
        let mut map = self
            .client
            .blob_uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Every clone is made under this mutex: a count of 1 (the map's) means nobody holds or awaits the turn.
        if map
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod upload_turn_tests {
    use super::*;

    /// A blob the registry confirmed is known per repository, with its size, until forgotten; the memory is cleared
    /// when it reaches its bound rather than growing with the run.
    #[test]
    fn confirmed_blobs_are_known_per_repository_until_forgotten_and_bounded() {
        let client = RegistryClient::new("r.example", "ns/a", ClientOptions::default()).unwrap();
        let (a, b) = (Digest::sha256_of(b"a"), Digest::sha256_of(b"b"));
        client.remember_blob("ns/a", &a, 1);
        assert_eq!(client.known_blob("ns/a", &a), Some(1));
        assert_eq!(client.known_blob("ns/b", &a), None);
        assert_eq!(client.known_blob("ns/a", &b), None);
        client.forget_blob("ns/a", &a);
        assert_eq!(client.known_blob("ns/a", &a), None);
        for i in 0..KNOWN_BLOBS_MAX {
            client.remember_blob(&format!("r{i}"), &a, 1);
        }
        assert_eq!(client.known_blobs.lock().unwrap().len(), KNOWN_BLOBS_MAX);
        client.remember_blob("ns/a", &b, 2);
        assert_eq!(client.known_blobs.lock().unwrap().len(), 1);
        assert_eq!(client.known_blob("ns/a", &b), Some(2));
    }

    /// The first upload of a blob takes its turn at once; a second one waits until the first is done and learns that
    /// it waited; an upload of another blob does not wait; and once all are done the client forgets every lock.
    #[tokio::test]
    async fn one_upload_of_a_blob_at_a_time_and_no_lock_left_behind() {
        let client = RegistryClient::new("r.example", "ns/a", ClientOptions::default()).unwrap();
        let (a, b) = (Digest::sha256_of(b"a"), Digest::sha256_of(b"b"));
        let mut first = client.blob_upload_turn("ns/a", &a);
        assert!(!first.take().await);
        let mut other_blob = client.blob_upload_turn("ns/a", &b);
        assert!(!other_blob.take().await);
        let mut other_repo = client.blob_upload_turn("ns/b", &a);
        assert!(!other_repo.take().await);
        let mut second = client.blob_upload_turn("ns/a", &a);
        let waited = async { second.take().await };
        let release = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(first);
        };
        let (waited, ()) = tokio::join!(waited, release);
        assert!(waited);
        assert_eq!(client.blob_uploads.lock().unwrap().len(), 3);
        drop((second, other_blob, other_repo));
        assert!(client.blob_uploads.lock().unwrap().is_empty());
    }
}
