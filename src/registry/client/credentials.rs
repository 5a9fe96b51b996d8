//! The credentials chain. The first source that has credentials for the registry wins:
//!
//! 1. explicit username + password (CLI `--username` + `--password-stdin`);
//! 2. environment `TOFU_SBOM_REGISTRY_USERNAME` / `TOFU_SBOM_REGISTRY_PASSWORD`;
//! 3. docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): `credHelpers[host]`, then
//!    `credsStore`, then inline `auths` (keys may carry `https://` and a path; Docker Hub's aliases `docker.io`,
//!    `index.docker.io`, `https://index.docker.io/v1/`, `registry-1.docker.io` are one registry; `identitytoken` is an
//!    OAuth2 refresh token);
//! 4. containers `auth.json`: `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
//!    `$XDG_CONFIG_HOME/containers/auth.json` or `~/.config/containers/auth.json` — the last also when
//!    `XDG_RUNTIME_DIR` is unset (the `docker_credential` crate skips it then, which is why this is our own code);
//!    keys may be repository-scoped (`host/ns/repo`, most specific wins, as in containers-auth.json(5));
//! 5. anonymous.
//!
//! The process environment is captured once in a [`CredentialEnv`] so that the chain is testable without mutating
//! the environment. Secrets never appear in `Debug` output, errors or the [`CredentialSource`] description.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::registry::{RegistryError, Result};

/// Environment variable: registry username.
pub const ENV_USERNAME: &str = "TOFU_SBOM_REGISTRY_USERNAME";
/// Environment variable: registry password or token.
pub const ENV_PASSWORD: &str = "TOFU_SBOM_REGISTRY_PASSWORD";

/// Environment variable: how long a docker credential helper may run, in seconds (default 30).
pub const ENV_HELPER_TIMEOUT: &str = "TOFU_SBOM_CREDENTIAL_HELPER_TIMEOUT";
/// How long a docker credential helper may run unless [`ENV_HELPER_TIMEOUT`] says otherwise.
pub const DEFAULT_HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// A secret credential. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password (or personal access token).
    Basic {
        /// The username.
        username: String,
        /// The password or token.
        password: String,
    },
    /// An OAuth2 refresh token (docker `identitytoken`, or a helper answering username `<token>`).
    IdentityToken {
        /// The refresh token.
        token: String,
    },
}

impl Credential {
    /// The username, if any (`None` for an identity token).
    pub fn username(&self) -> Option<&str> {
        match self {
            Self::Basic { username, .. } => Some(username),
            Self::IdentityToken { .. } => None,
        }
    }

    /// The `Authorization: Basic …` header value, for basic credentials.
    pub(crate) fn basic_header(&self) -> Option<String> {
        match self {
            Self::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            Self::IdentityToken { .. } => None,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Self::IdentityToken { .. } => f
                .debug_struct("IdentityToken")
                .field("token", &"<redacted>")
                .finish(),
        }
    }
}

/// Where credentials came from (for a log line; never contains the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// `--username` + `--password-stdin`.
    Explicit,
    /// `TOFU_SBOM_REGISTRY_USERNAME` / `_PASSWORD`.
    Environment,
    /// An inline `auths` entry of a docker config file.
    DockerConfig {
        /// The config file.
        path: PathBuf,
        /// The `auths` key that matched.
        key: String,
    },
    /// A `credHelpers` entry of a docker config file.
    CredHelper {
        /// The helper name (`docker-credential-NAME`).
        helper: String,
    },
    /// The `credsStore` of a docker config file.
    CredsStore {
        /// The helper name (`docker-credential-NAME`).
        helper: String,
    },
    /// A containers `auth.json` entry.
    ContainersAuth {
        /// The auth file.
        path: PathBuf,
        /// The key that matched.
        key: String,
    },
    /// No credentials.
    Anonymous,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("--username/--password-stdin"),
            Self::Environment => write!(f, "environment {ENV_USERNAME}/{ENV_PASSWORD}"),
            Self::DockerConfig { path, key } => {
                write!(f, "docker config {} (auths {key:?})", path.display())
            }
            Self::CredHelper { helper } => write!(f, "docker-credential-{helper} (credHelpers)"),
            Self::CredsStore { helper } => write!(f, "docker-credential-{helper} (credsStore)"),
            Self::ContainersAuth { path, key } => {
                write!(f, "containers auth file {} ({key:?})", path.display())
            }
            Self::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// The outcome of the credentials chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCredentials {
    /// The credential, `None` for anonymous.
    pub credential: Option<Credential>,
    /// Where it came from.
    pub source: CredentialSource,
    /// Every source consulted, in order (for the "no credentials found" message).
    pub looked_at: Vec<String>,
}

/// The inputs of the credentials chain, captured from the process (or built by tests).
#[derive(Clone, Default)]
pub struct CredentialEnv {
    /// Explicit username and password (`--username` + `--password-stdin`).
    pub explicit: Option<(String, String)>,
    /// `TOFU_SBOM_REGISTRY_USERNAME`.
    pub env_username: Option<String>,
    /// `TOFU_SBOM_REGISTRY_PASSWORD`.
    pub env_password: Option<String>,
    /// `$DOCKER_CONFIG` (a directory).
    pub docker_config_dir: Option<PathBuf>,
    /// `$HOME`.
    pub home: Option<PathBuf>,
    /// `$REGISTRY_AUTH_FILE`.
    pub registry_auth_file: Option<PathBuf>,
    /// `$XDG_RUNTIME_DIR`.
    pub xdg_runtime_dir: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<PathBuf>,
    /// `$PATH` used to find `docker-credential-*` helpers (`None`: inherit the process's).
    pub path: Option<OsString>,
    /// How long a credential helper may run.
    pub helper_timeout: Duration,
    /// Maximum bytes read from a config file or a helper's output.
    pub max_bytes: u64,
}

impl fmt::Debug for CredentialEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialEnv")
            .field(
                "explicit",
                &self.explicit.as_ref().map(|(u, _)| (u, "<redacted>")),
            )
            .field("env_username", &self.env_username)
            .field(
                "env_password",
                &self.env_password.as_ref().map(|_| "<redacted>"),
            )
            .field("docker_config_dir", &self.docker_config_dir)
            .field("home", &self.home)
            .field("registry_auth_file", &self.registry_auth_file)
            .field("xdg_runtime_dir", &self.xdg_runtime_dir)
            .field("xdg_config_home", &self.xdg_config_home)
            .finish_non_exhaustive()
    }
}

fn non_empty_env(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

impl CredentialEnv {
    /// Reads the process environment (no explicit credentials; set [`CredentialEnv::explicit`] from the CLI).
    pub fn from_process() -> Self {
        Self {
            explicit: None,
            env_username: std::env::var(ENV_USERNAME).ok().filter(|v| !v.is_empty()),
            env_password: std::env::var(ENV_PASSWORD).ok().filter(|v| !v.is_empty()),
            docker_config_dir: non_empty_env("DOCKER_CONFIG").map(PathBuf::from),
            home: non_empty_env("HOME").map(PathBuf::from),
            registry_auth_file: non_empty_env("REGISTRY_AUTH_FILE").map(PathBuf::from),
            xdg_runtime_dir: non_empty_env("XDG_RUNTIME_DIR").map(PathBuf::from),
            xdg_config_home: non_empty_env("XDG_CONFIG_HOME").map(PathBuf::from),
            path: None,
            helper_timeout: std::env::var(ENV_HELPER_TIMEOUT)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|s| *s > 0)
                .map_or(DEFAULT_HELPER_TIMEOUT, Duration::from_secs),
            ..Self::isolated()
        }
    }

    /// An environment with no sources at all (anonymous), for tests and for building up by hand.
    pub fn isolated() -> Self {
        Self {
            helper_timeout: DEFAULT_HELPER_TIMEOUT,
            max_bytes: 4 << 20,
            ..Self::default()
        }
    }

    /// The docker config file the chain reads: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub fn docker_config_path(&self) -> Option<PathBuf> {
        match (&self.docker_config_dir, &self.home) {
            (Some(dir), _) => Some(dir.join("config.json")),
            (None, Some(home)) => Some(home.join(".docker").join("config.json")),
            (None, None) => None,
        }
    }

    fn containers_auth_paths(&self) -> Vec<PathBuf> {
        if let Some(f) = &self.registry_auth_file {
            return vec![f.clone()];
        }
        let mut v = Vec::new();
        if let Some(r) = &self.xdg_runtime_dir {
            v.push(r.join("containers").join("auth.json"));
        }
        match (&self.xdg_config_home, &self.home) {
            (Some(c), _) => v.push(c.join("containers").join("auth.json")),
            (None, Some(h)) => v.push(h.join(".config").join("containers").join("auth.json")),
            (None, None) => {}
        }
        v
    }
}

/// One `auths` entry of a docker config or containers auth file.
#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

/// Docker Hub's canonical credential key.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Normalises a registry host or an `auths` key to compare them: scheme and path removed, lower-cased, Docker Hub
/// aliases folded into `docker.io`.
fn normalize_host(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_owned()
        }
        _ => host,
    }
}

/// The server URL a credential helper is asked about (Docker Hub's legacy URL, else the host as given).
fn helper_server_url(registry: &str) -> String {
    if normalize_host(registry) == "docker.io" {
        DOCKER_HUB_KEY.to_owned()
    } else {
        registry.to_owned()
    }
}

fn entry_credential(entry: &AuthEntry, what: &str) -> Result<Option<Credential>> {
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken {
            token: token.to_owned(),
        }));
    }
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| RegistryError::Credentials {
                source_name: what.to_owned(),
                message: "the \"auth\" field is not base64 of UTF-8 \"username:password\"".into(),
            })?;
        let (u, p) = decoded
            .split_once(':')
            .ok_or_else(|| RegistryError::Credentials {
                source_name: what.to_owned(),
                message: "the \"auth\" field does not decode to \"username:password\"".into(),
            })?;
        return Ok(Some(Credential::Basic {
            username: u.to_owned(),
            password: p.to_owned(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credential::Basic {
            username: u.clone(),
            password: p.clone(),
        })),
        _ => Ok(None),
    }
}

async fn read_config(path: &Path, max: u64) -> Result<Option<ConfigFile>> {
    let file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(RegistryError::io("reading", path, e)),
    };
    let mut buf = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut buf)
        .await
        .map_err(|e| RegistryError::io("reading", path, e))?;
    if buf.len() as u64 > max {
        return Err(RegistryError::TooLarge {
            what: path.display().to_string(),
            limit: max,
        });
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some(ConfigFile::default()));
    }
    serde_json::from_slice(&buf)
        .map(Some)
        .map_err(|e| RegistryError::Credentials {
            source_name: path.display().to_string(),
            message: format!("not a valid config file: {e}"),
        })
}

/// Output of `docker-credential-NAME get`.
#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Runs `docker-credential-NAME get` with the server URL on stdin. `Ok(None)` when the helper has no entry.
///
/// The helper runs in its own process group; on timeout, or as soon as its output passes
/// [`CredentialEnv::max_bytes`] (a [`RegistryError::TooLarge`] naming that limit), the whole group is killed, so a
/// background child cannot outlive it. Its standard output is never shown in an error (it may hold the secret, even
/// when the helper fails); the first line of its standard error is.
pub async fn run_helper(
    env: &CredentialEnv,
    helper: &str,
    server_url: &str,
) -> Result<Option<Credential>> {
    let program = format!("docker-credential-{helper}");
    let fail = |message: String| RegistryError::Credentials {
        source_name: program.clone(),
        message,
    };
    if helper.is_empty()
        || !helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(fail(format!("invalid helper name {helper:?}")));
    }
    let mut cmd = tokio::process::Command::new(&program);
    cmd.arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    if let Some(path) = &env.path {
        cmd.env("PATH", path);
    }
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            fail(format!(
                "{program} is not on PATH (configured in the docker config)"
            ))
        } else {
            fail(format!("cannot start {program}: {e}"))
        }
    })?;
    let group = child.id();
    let max = env.max_bytes;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    // Standard error is drained on its own task (the first 4 KiB kept) so a chatty helper never blocks on it.
    let err_task = tokio::spawn(async move {
        let mut kept = Vec::new();
        if let Some(mut se) = stderr {
            let mut buf = [0u8; 8192];
            while let Ok(n) = se.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let room = 4096usize.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
        kept
    });
    let run = async {
        if let Some(mut stdin) = stdin {
            // A helper that exits without reading stdin is fine; its answer decides.
            let _ = stdin.write_all(server_url.as_bytes()).await;
        }
        let mut out = Vec::new();
        if let Some(so) = stdout {
            so.take(max + 1).read_to_end(&mut out).await?;
        }
        if out.len() as u64 > max {
            return Ok(None);
        }
        let status = child.wait().await?;
        Ok::<_, std::io::Error>(Some((status, out)))
    };
    let outcome = tokio::time::timeout(env.helper_timeout, run).await;
    let stopped = |child: &mut tokio::process::Child| {
        kill_group(group);
        let _ = child.start_kill();
    };
    let (status, out) = match outcome {
        Err(_) => {
            stopped(&mut child);
            err_task.abort();
            return Err(fail(format!(
                "timed out after {:?} (the helper and its children were stopped)",
                env.helper_timeout
            )));
        }
        Ok(Ok(None)) => {
            stopped(&mut child);
            err_task.abort();
            return Err(RegistryError::TooLarge {
                what: format!("the output of {program} (CredentialEnv::max_bytes)"),
                limit: max,
            });
        }
        Ok(Err(e)) => {
            stopped(&mut child);
            err_task.abort();
            return Err(fail(e.to_string()));
        }
        Ok(Ok(Some(done))) => done,
    };
    let err = tokio::time::timeout(std::time::Duration::from_secs(1), err_task)
        .await
        .ok()
        .and_then(std::result::Result::ok)
        .unwrap_or_default();
    if !status.success() {
        // docker-credential-helpers print ErrCredentialsNotFound on stdout; recognise it without ever showing stdout.
        let not_found = |b: &[u8]| String::from_utf8_lossy(b).contains("credentials not found");
        if not_found(&out) || not_found(&err) {
            return Ok(None);
        }
        let err_text = String::from_utf8_lossy(&err).trim().to_owned();
        let first_line = err_text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        let detail = if first_line.is_empty() {
            "standard error was empty".to_owned()
        } else {
            format!("standard error: {first_line}")
        };
        return Err(fail(format!(
            "exited with {status} (its standard output is not shown: it may hold the secret; {detail})"
        )));
    }
    let parsed: HelperOutput = serde_json::from_slice(&out).map_err(|e| {
        fail(format!(
            "its output is not the helper JSON (line {}, column {}; not shown: it may hold the secret)",
            e.line(),
            e.column()
        ))
    })?;
    if parsed.secret.is_empty() {
        return Ok(None);
    }
    if parsed.username == "<token>" {
        return Ok(Some(Credential::IdentityToken {
            token: parsed.secret,
        }));
    }
    Ok(Some(Credential::Basic {
        username: parsed.username,
        password: parsed.secret,
    }))
}

/// Kills a helper's whole process group (it was started as the leader of its own group).
fn kill_group(group: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = group
        .and_then(|g| i32::try_from(g).ok())
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// Runs the chain for `registry` (`HOST[:PORT]`) and `repository`.
pub async fn resolve(
    env: &CredentialEnv,
    registry: &str,
    repository: &str,
) -> Result<ResolvedCredentials> {
    let mut looked_at = Vec::new();
    let found = |credential, source, looked_at| {
        Ok(ResolvedCredentials {
            credential: Some(credential),
            source,
            looked_at,
        })
    };

    looked_at.push(CredentialSource::Explicit.to_string());
    if let Some((u, p)) = &env.explicit {
        return found(
            Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            },
            CredentialSource::Explicit,
            looked_at,
        );
    }

    looked_at.push(CredentialSource::Environment.to_string());
    match (&env.env_username, &env.env_password) {
        (Some(u), Some(p)) => {
            return found(
                Credential::Basic {
                    username: u.clone(),
                    password: p.clone(),
                },
                CredentialSource::Environment,
                looked_at,
            );
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(RegistryError::Credentials {
                source_name: "environment".into(),
                message: format!("set both {ENV_USERNAME} and {ENV_PASSWORD}, or neither"),
            });
        }
        (None, None) => {}
    }

    if let Some(path) = env.docker_config_path() {
        looked_at.push(format!("docker config {}", path.display()));
        if let Some((c, source)) = from_docker_config(env, registry, &path).await? {
            return found(c, source, looked_at);
        }
    }

    for path in env.containers_auth_paths() {
        looked_at.push(format!("containers auth file {}", path.display()));
        if let Some((c, source)) = from_containers_auth(env, registry, repository, &path).await? {
            return found(c, source, looked_at);
        }
    }

    Ok(ResolvedCredentials {
        credential: None,
        source: CredentialSource::Anonymous,
        looked_at,
    })
}

/// Step 3 of [`resolve`]: the docker config at `path` (credential helper, credentials store, inline `auths`).
async fn from_docker_config(
    env: &CredentialEnv,
    registry: &str,
    path: &Path,
) -> Result<Option<(Credential, CredentialSource)>> {
    let want = normalize_host(registry);
    let Some(cfg) = read_config(path, env.max_bytes).await? else {
        return Ok(None);
    };
    if let Some(helper) = cfg
        .cred_helpers
        .iter()
        .find(|(k, _)| normalize_host(k) == want)
        .map(|(_, v)| v)
    {
        if let Some(c) = run_helper(env, helper, &helper_server_url(registry)).await? {
            return Ok(Some((
                c,
                CredentialSource::CredHelper {
                    helper: helper.clone(),
                },
            )));
        }
    } else if let Some(store) = cfg.creds_store.as_deref().filter(|s| !s.is_empty())
        && let Some(c) = run_helper(env, store, &helper_server_url(registry)).await?
    {
        return Ok(Some((
            c,
            CredentialSource::CredsStore {
                helper: store.to_owned(),
            },
        )));
    }
    // Prefer an exact key, then any key that normalises to the same host (https:// prefix, path, alias).
    let mut keys: Vec<&String> = cfg
        .auths
        .keys()
        .filter(|k| normalize_host(k) == want)
        .collect();
    keys.sort_by_key(|k| (k.as_str() != registry, k.as_str() != DOCKER_HUB_KEY));
    for key in keys {
        let what = format!("docker config {}", path.display());
        if let Some(c) = entry_credential(&cfg.auths[key], &what)? {
            return Ok(Some((
                c,
                CredentialSource::DockerConfig {
                    path: path.to_path_buf(),
                    key: key.clone(),
                },
            )));
        }
    }
    Ok(None)
}

/// Step 4 of [`resolve`]: the containers `auth.json` at `path` (most specific repository-scoped key first, then
/// legacy keys with a scheme).
async fn from_containers_auth(
    env: &CredentialEnv,
    registry: &str,
    repository: &str,
    path: &Path,
) -> Result<Option<(Credential, CredentialSource)>> {
    let want = normalize_host(registry);
    let Some(cfg) = read_config(path, env.max_bytes).await? else {
        return Ok(None);
    };
    // Most specific first: host/ns/repo, host/ns, host (containers-auth.json(5)).
    let full = format!("{registry}/{repository}");
    let mut candidates: Vec<String> = Vec::new();
    let mut cur = full.as_str();
    loop {
        candidates.push(cur.to_owned());
        match cur.rsplit_once('/') {
            Some((parent, _)) => cur = parent,
            None => break,
        }
    }
    let what = format!("containers auth file {}", path.display());
    for cand in &candidates {
        if let Some(entry) = cfg.auths.get(cand)
            && let Some(c) = entry_credential(entry, &what)?
        {
            return Ok(Some((
                c,
                CredentialSource::ContainersAuth {
                    path: path.to_path_buf(),
                    key: cand.clone(),
                },
            )));
        }
    }
    // Legacy keys with a scheme (`https://host`), host only.
    for (key, entry) in &cfg.auths {
        if (key.starts_with("https://") || key.starts_with("http://"))
            && normalize_host(key) == want
            && let Some(c) = entry_credential(entry, &what)?
        {
            return Ok(Some((
                c,
                CredentialSource::ContainersAuth {
                    path: path.to_path_buf(),
                    key: key.clone(),
                },
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization() {
        assert_eq!(
            normalize_host("https://myacr.azurecr.io"),
            "myacr.azurecr.io"
        );
        assert_eq!(normalize_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_host("registry-1.docker.io"), "docker.io");
        assert_eq!(normalize_host("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(helper_server_url("docker.io"), DOCKER_HUB_KEY);
    }

    #[test]
    fn debug_redacts() {
        let c = Credential::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert_eq!(
            format!("{c:?}"),
            "Basic { username: \"u\", password: \"<redacted>\" }"
        );
        let c = Credential::IdentityToken {
            token: "tok-secret".into(),
        };
        assert!(!format!("{c:?}").contains("tok-secret"));
        let env = CredentialEnv {
            explicit: Some(("u".into(), "hunter2".into())),
            env_password: Some("pw2".into()),
            ..CredentialEnv::isolated()
        };
        let d = format!("{env:?}");
        assert!(!d.contains("hunter2") && !d.contains("pw2"), "{d}");
    }
}
