//! Test support for the OCI tests: a real registry (Debian's `docker-registry`, distribution 2.8) on a free loopback
//! port, deterministic provider ZIPs, and an in-test fault-injecting HTTP proxy.
//!
//! The registry is the real thing; only fault injection (resets, 503, 429, 403) and the bearer token realm are in-test
//! servers, because no installable registry does those on demand.
#![allow(dead_code, unreachable_pub)]

pub mod fault_proxy;
pub mod native_registry;
pub mod sboms;
pub mod token_realm;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::Digest as _;

/// A running `docker-registry serve` process, killed (by its PID) on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub access_log: PathBuf,
}

/// How to configure a registry.
#[derive(Default, Clone)]
pub struct RegistryConfig {
    /// Basic auth (`htpasswd -B`).
    pub htpasswd: Option<(String, String)>,
    /// Extra YAML under `auth:` (e.g. a token config), replacing htpasswd.
    pub auth_yaml: Option<String>,
    /// TLS certificate and key files.
    pub tls: Option<(PathBuf, PathBuf)>,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Registry {
    pub fn start() -> Self {
        Self::start_with(&RegistryConfig::default())
    }

    pub fn start_with(cfg: &RegistryConfig) -> Self {
        assert!(
            Command::new("docker-registry")
                .arg("--version")
                .output()
                .is_ok(),
            "docker-registry is not installed: apt-get install -y --no-install-recommends docker-registry apache2-utils skopeo"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut auth = String::new();
        if let Some((u, p)) = &cfg.htpasswd {
            let out = Command::new("htpasswd")
                .args(["-Bbn", u, p])
                .output()
                .expect("htpasswd (apache2-utils)");
            assert!(out.status.success());
            std::fs::write(dir.path().join("htpasswd"), &out.stdout).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
                dir.path().join("htpasswd").display()
            );
        }
        if let Some(a) = &cfg.auth_yaml {
            auth = format!("auth:\n{a}");
        }
        let tls = match &cfg.tls {
            Some((c, k)) => format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                c.display(),
                k.display()
            ),
            None => String::new(),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: test-only\n{tls}{auth}",
            dir.path().join("data").display()
        );
        let cfg_path = dir.path().join("config.yml");
        std::fs::write(&cfg_path, config).unwrap();
        let access_log = dir.path().join("stdout.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::from(std::fs::File::create(&access_log).unwrap()))
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("stderr.log")).unwrap(),
            ))
            .spawn()
            .unwrap();
        let reg = Self {
            child,
            port,
            dir,
            access_log,
        };
        reg.wait_ready(cfg.tls.is_some());
        reg
    }

    fn wait_ready(&self, tls: bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                if tls {
                    return; // the TLS listener accepts: good enough
                }
                s.set_read_timeout(Some(Duration::from_secs(2))).ok();
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: x\r\n\r\n");
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "registry on port {} did not come up; stderr: {}",
            self.port,
            std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
        );
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Access-log request lines (`METHOD PATH`) seen so far.
    pub fn requests(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.access_log).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let start = l.find('"')? + 1;
                let end = start + l[start..].find('"')?;
                let mut parts = l[start..end].split(' ');
                Some(format!("{} {}", parts.next()?, parts.next()?))
            })
            .collect()
    }

    /// Requests that upload blob bytes (`POST`/`PATCH`/`PUT` on `/blobs/uploads/`).
    pub fn blob_upload_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r.contains("/blobs/uploads/")
                    && (r.starts_with("POST") || r.starts_with("PATCH") || r.starts_with("PUT"))
            })
            .collect()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deterministic pseudo-random bytes (xorshift), so ZIPs are reproducible.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A release ZIP (stored, fixed timestamps) holding one `terraform-provider-NAME_vVERSION` file.
pub fn make_zip(path: &Path, name: &str, version: &str, seed: u64, len: usize) -> (String, u64) {
    use zip::write::SimpleFileOptions;
    let file = std::fs::File::create(path).unwrap();
    let mut w = zip::ZipWriter::new(file);
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    w.start_file(format!("terraform-provider-{name}_v{version}"), opts)
        .unwrap();
    w.write_all(&pseudo_random(seed, len)).unwrap();
    w.finish().unwrap();
    let bytes = std::fs::read(path).unwrap();
    (
        hex::encode(sha2::Sha256::digest(&bytes)),
        bytes.len() as u64,
    )
}

/// A provider release: one ZIP per platform in `dir`.
pub fn make_release(
    dir: &Path,
    name: &str,
    version: &str,
    platforms: &[(&str, &str)],
    len: usize,
) -> tofu_sbom::oci::provider::ProviderPackage {
    use tofu_sbom::oci::provider::{PlatformZip, ProviderPackage};
    let mut zips = Vec::new();
    for (i, (os, arch)) in platforms.iter().enumerate() {
        let file_name = format!("terraform-provider-{name}_{version}_{os}_{arch}.zip");
        let path = dir.join(&file_name);
        let (sha256, size) = make_zip(&path, name, version, i as u64 + 1, len);
        zips.push(PlatformZip {
            os: (*os).into(),
            arch: (*arch).into(),
            path,
            file_name,
            sha256,
            size,
        });
    }
    ProviderPackage {
        version: version.into(),
        platforms: zips,
        source_url: Some("https://github.com/example/terraform-provider-demo".into()),
        revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
        created: Some("2026-01-02T03:04:05Z".into()),
    }
}

/// Client options for tests: anonymous (isolated credentials), fast retries.
pub fn test_options() -> tofu_sbom::oci::client::ClientOptions {
    use tofu_sbom::oci::client::ClientOptions;
    use tofu_sbom::oci::credentials::CredentialEnv;
    use tofu_sbom::oci::retry::RetryPolicy;
    ClientOptions {
        credentials: CredentialEnv::isolated(),
        retry: RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(400),
            max_retry_after: Duration::from_secs(5),
            max_total: Duration::from_secs(60),
        },
        ..ClientOptions::default()
    }
}

/// `skopeo inspect --raw` bytes of a reference (an independent reader).
pub fn skopeo_raw(reference: &str, creds: Option<(&str, &str)>) -> Vec<u8> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some((u, p)) = creds {
        cmd.arg(format!("--creds={u}:{p}"));
    }
    let out = cmd
        .arg(format!("docker://{reference}"))
        .output()
        .expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo inspect {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `skopeo list-tags`.
pub fn skopeo_tags(repo_ref: &str) -> Vec<String> {
    let out = Command::new("skopeo")
        .args([
            "list-tags",
            "--tls-verify=false",
            &format!("docker://{repo_ref}"),
        ])
        .output()
        .expect("skopeo");
    if !out.status.success() {
        return Vec::new();
    }
    #[derive(serde::Deserialize)]
    struct Tags {
        #[serde(rename = "Tags")]
        tags: Vec<String>,
    }
    serde_json::from_slice::<Tags>(&out.stdout)
        .map(|t| t.tags)
        .unwrap_or_default()
}
