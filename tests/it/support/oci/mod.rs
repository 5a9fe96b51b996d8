//! Test support for the OCI tests: deterministic provider ZIPs and releases, client options, `skopeo` as an
//! independent reader, and the in-test servers (a fault-injecting proxy, a bearer token realm that checks
//! credentials, a registry with the referrers API). The real registry (Debian's `docker-registry`) is
//! `support::Registry` (this module is `support::oci`).
//!
//! Only fault injection (resets, 503, 429, 403), the credential-checking token realm and the referrers API are in-test
//! servers, because no installable registry does those on demand.

pub(crate) mod fault_proxy;
pub(crate) mod native_registry;
pub(crate) mod sboms;
pub(crate) mod scripted;
pub(crate) mod token_realm;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use sha2::Digest as _;

/// Deterministic pseudo-random bytes (xorshift), so ZIPs are reproducible.
pub(crate) fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
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
pub(crate) fn make_zip(
    path: &Path,
    name: &str,
    version: &str,
    seed: u64,
    len: usize,
) -> (String, u64) {
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
pub(crate) fn make_release(
    dir: &Path,
    name: &str,
    version: &str,
    platforms: &[(&str, &str)],
    len: usize,
) -> tofu_sbom::provider::artifact::ProviderPackage {
    use tofu_sbom::provider::artifact::{PackageZip as PlatformZip, ProviderPackage};
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
pub(crate) fn test_options() -> tofu_sbom::registry::client::ClientOptions {
    use tofu_sbom::registry::client::ClientOptions;
    use tofu_sbom::registry::credentials::CredentialEnv;
    use tofu_sbom::registry::retry::RetryPolicy;
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
pub(crate) fn skopeo_raw(reference: &str, creds: Option<(&str, &str)>) -> Vec<u8> {
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
pub(crate) fn skopeo_tags(repo_ref: &str) -> Vec<String> {
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
