//! `tofu-sbom push` and `tofu-sbom verify` as users run them (issue 4, CLI level; the library has its own tests): the
//! committed sample release pushed to a real registry (Debian's `docker-registry`, `tests/it/support`) and to an OCI
//! layout, the same index in both, `verify` on both, a re-push that uploads nothing (the registry's access log), a dry
//! run that writes nothing, basic auth from `--password-stdin`, refused tags and a tampered release.
//!
//! Needs `./scripts/deps` (docker-registry, apache2-utils, curl).

use crate::support;
use crate::support::cli as cli_support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use cli_support::{Run, copy_dir, isolate_credentials, run, tofu_sbom, tree};
use serde_json::{Value, json};
use support::{Registry, RegistryOpts, read_sha256sums, sample_release_dir};

const SAMPLE: &str = "terraform-provider-sample_0.1.0";
const REPO: &str = "acme/sample";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// `tofu-sbom ARGS...` with no credentials but those given, `stdin` fed to it.
/// Platforms in `testdata/sample-release`.
const PLATFORMS_IN_SAMPLE: usize = 3;

fn tofu(home: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home).args(args);
    match stdin {
        None => run(&mut cmd),
        Some(input) => {
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn tofu-sbom");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write stdin");
            let out = child.wait_with_output().expect("wait");
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: out.stdout,
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        }
    }
}

fn sample() -> String {
    sample_release_dir().display().to_string()
}

/// The layer digests the push must use: `sha256:` + the release's `SHA256SUMS` entry, keyed `os_arch`.
fn expected_layers() -> Vec<(String, String)> {
    read_sha256sums(&sample_release_dir().join(format!("{SAMPLE}_SHA256SUMS")))
        .into_iter()
        .filter_map(|(name, hex)| {
            let platform = name
                .strip_prefix(&format!("{SAMPLE}_"))?
                .strip_suffix(".zip")?;
            Some((platform.to_owned(), format!("sha256:{hex}")))
        })
        .collect()
}

/// The tags of a repository as the registry lists them (`None` when it does not know the repository).
fn registry_tags(reg: &Registry, repo: &str) -> Option<Vec<String>> {
    let auth = reg.auth_args();
    let auth: Vec<&str> = auth.iter().map(String::as_str).collect();
    let res = reg.request("GET", &format!("/v2/{repo}/tags/list"), &auth);
    match res.status {
        200 => {
            let v: Value = serde_json::from_slice(&res.body).unwrap();
            Some(
                v["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect(),
            )
        }
        404 => None,
        other => panic!("tags/list: {other}: {}", res.text()),
    }
}

/// A manifest's exact bytes from the registry.
fn registry_manifest(reg: &Registry, reference: &str) -> (Vec<u8>, String) {
    let res = reg.request(
        "GET",
        &format!("/v2/{REPO}/manifests/{reference}"),
        &["-H", &format!("Accept: {INDEX}, {MANIFEST}")],
    );
    assert_eq!(res.status, 200, "{reference}: {}", res.text());
    let digest = res.header("Docker-Content-Digest").unwrap().to_owned();
    (res.body, digest)
}

/// A blob of an OCI layout, by digest.
fn layout_blob(dir: &Path, digest: &str) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
    std::fs::read(dir.join("blobs/sha256").join(hex)).expect("layout blob")
}

/// Push to a registry and to an OCI layout: the same index digest, byte-identical manifests, layer digests from
/// `SHA256SUMS`, `verify` passes on both; a re-push uploads nothing and changes no digest.
#[test]
fn push_to_registry_and_layout_verify_and_repush() {
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/{REPO}", reg.host);

    let res = tofu(home.path(), &["push", &sample(), &target, "--json"], None).expect_code(0);
    let pushed = res.json();
    let index = pushed["indexDigest"].as_str().unwrap().to_owned();
    assert_eq!(pushed["dryRun"], false);
    assert_eq!(pushed["tags"], json!(["0.1.0"]));
    assert_eq!(pushed["pinnedReference"], format!("{target}@{index}"));
    assert_eq!(pushed["uploadedBlobs"], 4, "3 ZIPs and the empty config");
    assert_eq!(pushed["skippedBlobs"], 0);
    let layers: Vec<(String, String)> = pushed["platforms"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["layerDigest"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(layers, expected_layers());
    // The loopback registry speaks plain HTTP, which OpenTofu never does: no `.tofurc` block, but why (issue 12).
    assert_eq!(pushed["tofurc"], Value::Null);
    assert_eq!(
        pushed["tofurcUnusable"],
        format!(
            "no .tofurc block: {} was reached over plain HTTP, and OpenTofu reaches OCI registries only over HTTPS \
             (its CLI configuration has no plain-HTTP, insecure or CA option), so tofu init cannot install from it; \
             serve the registry over TLS (with a private CA, run tofu with SSL_CERT_FILE=/path/to/ca.pem) and run \
             this again",
            reg.host
        )
    );
    assert_eq!(reg.blob_uploads(), 4);
    assert_eq!(registry_tags(&reg, REPO), Some(vec!["0.1.0".to_owned()]));
    let (index_bytes, tag_digest) = registry_manifest(&reg, "0.1.0");
    assert_eq!(tag_digest, index);
    let index_json: Value = serde_json::from_slice(&index_bytes).unwrap();
    assert_eq!(index_json["mediaType"], INDEX);
    assert_eq!(
        index_json["artifactType"],
        "application/vnd.opentofu.provider"
    );

    let verified = tofu(home.path(), &["verify", "--no-sboms", &target], None).expect_code(0);
    assert!(
        verified
            .out()
            .ends_with("verified: OpenTofu would install every platform\n"),
        "{}",
        verified.out()
    );
    let verified = tofu(
        home.path(),
        &["verify", "--no-sboms", &target, "--json"],
        None,
    )
    .expect_code(0);
    assert_eq!(verified.json()["ok"], true);
    assert_eq!(verified.json()["findings"], json!([]));

    // The same release into an OCI layout: the same digests, the same bytes.
    let layout = home.path().join("layout");
    let layout_target = format!("oci-layout:{}", layout.display());
    let res = tofu(
        home.path(),
        &["push", &sample(), &layout_target, "--json"],
        None,
    )
    .expect_code(0);
    let in_layout = res.json();
    assert_eq!(in_layout["indexDigest"], index.as_str());
    assert_eq!(in_layout["platforms"], pushed["platforms"]);
    assert_eq!(layout_blob(&layout, &index), index_bytes);
    for (platform, p) in pushed["platforms"].as_object().unwrap() {
        let digest = p["manifestDigest"].as_str().unwrap();
        let (bytes, got) = registry_manifest(&reg, digest);
        assert_eq!(got, digest);
        assert_eq!(layout_blob(&layout, digest), bytes, "{platform}");
        let zip = sample_release_dir().join(format!("{SAMPLE}_{platform}.zip"));
        assert_eq!(
            layout_blob(&layout, p["layerDigest"].as_str().unwrap()),
            std::fs::read(zip).unwrap(),
            "{platform}: the layer is the release ZIP, byte for byte"
        );
    }
    let verified =
        tofu(home.path(), &["verify", "--no-sboms", &layout_target], None).expect_code(0);
    assert!(
        verified
            .out()
            .ends_with("verified: OpenTofu would install every platform\n")
    );
    // `push` attaches no SBOMs: the default verify (which also checks the SBOM referrers `publish` attaches) fails
    // with one finding per missing SBOM, exit 1.
    let without = tofu(home.path(), &["verify", &layout_target], None).expect_code(1);
    let text = without.out();
    let findings: Vec<&str> = text.lines().filter(|l| l.starts_with("error ")).collect();
    assert_eq!(
        findings.len(),
        2 * (1 + PLATFORMS_IN_SAMPLE),
        "{}",
        without.out()
    );
    assert!(findings.contains(
        &"error [0.1.0]: index: no application/vnd.cyclonedx+json SBOM referrer is attached"
    ));
    assert!(findings.contains(
        &"error [0.1.0] [linux_amd64]: linux_amd64: no application/spdx+json SBOM referrer is attached"
    ));
    assert!(without.out().ends_with("verification failed\n"));
    // The two verdicts (issue 12): OpenTofu would install it; only the SBOM policy fails.
    let at = text
        .lines()
        .position(|l| l == "OpenTofu would install: yes")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        text.lines().nth(at + 1),
        Some("SBOM policy: failed"),
        "{text}"
    );
    let v = tofu(home.path(), &["verify", &layout_target, "--json"], None)
        .expect_code(1)
        .json();
    assert_eq!(
        (&v["ok"], &v["opentofuWouldInstall"], &v["sbomPolicy"]),
        (
            &serde_json::json!(false),
            &serde_json::json!(true),
            &serde_json::json!("failed")
        )
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["verdict"] == "sbom_policy"),
        "{v:#}"
    );

    // Re-push: every blob found by HEAD, none uploaded, nothing changes.
    let before = reg.upload_requests();
    let res = tofu(home.path(), &["push", &sample(), &target, "--json"], None).expect_code(0);
    let again = res.json();
    assert_eq!(reg.upload_requests(), before, "a re-push sent blob bytes");
    assert_eq!(again["indexDigest"], index.as_str());
    assert_eq!(again["platforms"], pushed["platforms"]);
    assert_eq!(again["uploadedBlobs"], 0);
    assert_eq!(again["uploadedBytes"], 0);
    assert_eq!(again["skippedBlobs"], 4);
    let text = tofu(home.path(), &["push", &sample(), &target], None).expect_code(0);
    assert!(
        text.out()
            .contains("blobs     0 uploaded (0 bytes), 4 already present\n"),
        "{}",
        text.out()
    );
    assert_eq!(reg.upload_requests(), before);
}

/// `--dry-run` prints what would be uploaded and tagged and writes nothing: no upload, manifest or tag on the
/// registry; no new layout directory; an existing layout unchanged.
#[test]
fn dry_run_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/{REPO}", reg.host);
    let res = tofu(
        home.path(),
        &["push", &sample(), &target, "--dry-run", "--json"],
        None,
    )
    .expect_code(0);
    let plan = res.json();
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["uploadedBlobs"], 0);
    assert_eq!(plan["tags"], json!(["0.1.0"]));
    let blobs = plan["plan"]["blobs"].as_array().unwrap();
    assert_eq!(blobs.len(), 4);
    assert!(blobs.iter().all(|b| b["exists"] == false), "{blobs:?}");
    let writes: Vec<_> = reg
        .access_log()
        .into_iter()
        .filter(|e| !matches!(e.method.as_str(), "GET" | "HEAD"))
        .collect();
    assert_eq!(writes, [], "a dry run wrote to the registry");
    assert_eq!(registry_tags(&reg, REPO), None);

    let text = tofu(
        home.path(),
        &["push", &sample(), &target, "--dry-run"],
        None,
    )
    .expect_code(0);
    let out = text.out();
    assert!(
        out.starts_with(&format!("would push {target}@sha256:")),
        "{out}"
    );
    assert!(out.contains("tags      0.1.0\n"), "{out}");
    assert!(
        out.contains("blobs     4 to upload (2210690 bytes), 0 already present\n"),
        "{out}"
    );

    // A layout that does not exist yet is not created.
    let new = home.path().join("new/layout");
    let res = tofu(
        home.path(),
        &[
            "push",
            &sample(),
            &format!("oci-layout:{}", new.display()),
            "--dry-run",
        ],
        None,
    )
    .expect_code(0);
    assert!(
        res.out().starts_with("would push oci-layout:"),
        "{}",
        res.out()
    );
    assert!(!home.path().join("new").exists());

    // An existing (empty) layout is left exactly as it was.
    let empty = home.path().join("empty");
    std::fs::create_dir_all(empty.join("blobs/sha256")).unwrap();
    std::fs::write(
        empty.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        empty.join("index.json"),
        r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
    )
    .unwrap();
    let before = tree(&empty);
    tofu(
        home.path(),
        &[
            "push",
            &sample(),
            &format!("oci-layout:{}", empty.display()),
            "--dry-run",
        ],
        None,
    )
    .expect_code(0);
    assert!(tree(&empty) == before, "a dry run changed the layout");
}

/// Basic auth with `--username` + `--password-stdin`: the right password pushes (exit 0); a wrong one stops at the
/// 401 with exit 2 and a clear message, nothing tagged; the password appears in no output.
#[test]
fn password_stdin_against_an_htpasswd_registry() {
    let home = tempfile::tempdir().unwrap();
    let password = "s3cret-Pa55-w0rd";
    let wrong = "wr0ng-Pa55-w0rd";
    let reg = Registry::start(RegistryOpts::htpasswd("alice", password));
    let target = format!("{}/{REPO}", reg.host);

    let denied = tofu(
        home.path(),
        &[
            "push",
            &sample(),
            &target,
            "--username",
            "alice",
            "--password-stdin",
        ],
        Some(&format!("{wrong}\n")),
    )
    .expect_code(2);
    let host = &reg.host;
    assert_eq!(
        denied.stderr,
        format!(
            "tofu-sbom: info: {host}: credentials from --username/--password-stdin\n\
             tofu-sbom: error: authentication to {host} failed (credentials from --username/--password-stdin): \
             HTTP 401 on HEAD /v2/{REPO}/blobs/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a: \
             (empty body) — check the username and password or token from --username/--password-stdin\n"
        )
    );
    assert_eq!(denied.stdout, b"");
    assert_eq!(registry_tags(&reg, REPO), None);
    assert_eq!(reg.upload_requests(), 0);

    let ok = tofu(
        home.path(),
        &[
            "push",
            &sample(),
            &target,
            "--username",
            "alice",
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    )
    .expect_code(0);
    assert_eq!(registry_tags(&reg, REPO), Some(vec!["0.1.0".to_owned()]));
    let verified = tofu(
        home.path(),
        &[
            "verify",
            "--no-sboms",
            &target,
            "--username",
            "alice",
            "--password-stdin",
        ],
        Some(password),
    )
    .expect_code(0);
    // Anonymous verify is refused by this registry.
    let anonymous = tofu(home.path(), &["verify", "--no-sboms", &target], None).expect_code(2);
    let h = home.path().display();
    assert_eq!(
        anonymous.stderr,
        format!(
            "tofu-sbom: error: {host} requires authentication and no credentials were found (looked at: \
             --username/--password-stdin, environment TOFU_SBOM_REGISTRY_USERNAME/TOFU_SBOM_REGISTRY_PASSWORD, \
             docker config {h}/.docker/config.json, containers auth file {h}/run/containers/auth.json, containers \
             auth file {h}/.config/containers/auth.json)\n"
        )
    );

    for run in [&denied, &ok, &verified, &anonymous] {
        for secret in [password, wrong] {
            assert!(!run.out().contains(secret), "password on stdout");
            assert!(!run.stderr.contains(secret), "password on stderr");
        }
    }
}

/// A tag OpenTofu would not resolve (not the version, or `v`-prefixed) is refused with the reason before anything is
/// written — no upload, no tag, no layout directory; `--extra-tag latest` adds an informational tag.
#[test]
fn tag_other_than_the_version_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::start(RegistryOpts::anonymous());
    let layout = home.path().join("layout");
    for tag in ["latest", "v0.1.0", "0.1.1"] {
        for (target, info) in [
            (
                format!("{}/{REPO}:{tag}", reg.host),
                format!(
                    "tofu-sbom: info: {}: credentials from anonymous\n",
                    reg.host
                ),
            ),
            (
                format!("oci-layout:{}:{tag}", layout.display()),
                String::new(),
            ),
        ] {
            let res = tofu(home.path(), &["push", &sample(), &target], None).expect_code(2);
            assert_eq!(
                res.stderr,
                format!(
                    "{info}tofu-sbom: error: tag \"{tag}\" refused: OpenTofu looks version 0.1.0 up under tag \
                     \"0.1.0\" only; omit the tag or use it, and add informational tags with --extra-tag\n"
                ),
                "{target}"
            );
            assert_eq!(res.stdout, b"");
        }
    }
    assert_eq!(reg.upload_requests(), 0);
    assert_eq!(registry_tags(&reg, REPO), None);
    assert!(
        !layout.exists(),
        "a refused push created {}",
        layout.display()
    );

    let target = format!("{}/{REPO}:0.1.0", reg.host);
    let res = tofu(
        home.path(),
        &[
            "push",
            &sample(),
            &target,
            "--extra-tag",
            "latest",
            "--json",
        ],
        None,
    )
    .expect_code(0);
    assert_eq!(res.json()["tags"], json!(["0.1.0", "latest"]));
    let mut tags = registry_tags(&reg, REPO).unwrap();
    tags.sort();
    assert_eq!(tags, ["0.1.0", "latest"]);
}

/// A tampered ZIP: exit 2 naming the file, and the registry sees no request at all (the release is verified first).
#[test]
fn tampered_release_pushes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let rel = home.path().join("rel");
    copy_dir(&sample_release_dir(), &rel);
    let zip = rel.join(format!("{SAMPLE}_darwin_arm64.zip"));
    let mut bytes = std::fs::read(&zip).unwrap();
    let last = bytes.len() - 30;
    bytes[last] ^= 0x01;
    std::fs::write(&zip, &bytes).unwrap();
    let sums = rel.join(format!("{SAMPLE}_SHA256SUMS"));
    let listed = read_sha256sums(&sums)
        .into_iter()
        .find(|(n, _)| n.ends_with("darwin_arm64.zip"))
        .unwrap()
        .1;
    let expected = format!(
        "tofu-sbom: error: {}: SHA-256 {} does not match {listed} listed in {}\n",
        zip.display(),
        cli_support::sha256sum(&zip),
        sums.display()
    );

    let reg = Registry::start(RegistryOpts::anonymous());
    let started = reg.access_log(); // the harness's own readiness probe
    let layout: PathBuf = home.path().join("layout");
    for target in [
        format!("{}/{REPO}", reg.host),
        format!("oci-layout:{}", layout.display()),
    ] {
        let rel = rel.display().to_string();
        let res = tofu(home.path(), &["push", &rel, &target], None).expect_code(2);
        assert_eq!(res.stderr, expected, "{target}");
    }
    assert_eq!(reg.access_log(), started, "the registry was contacted");
    assert_eq!(registry_tags(&reg, REPO), None);
    assert!(!layout.exists());
}
