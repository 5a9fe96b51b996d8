//! `tofu-sbom publish` end to end against a real distribution 2.8 registry (Debian's `docker-registry`: no referrers
//! API, so the `sha256-<hex>` fallback tag path): on the real terraform-plugin-framework provider built like
//! GoReleaser builds providers (9 platforms, `support::providers`) push, attach, list, pull, verify and a no-op
//! re-publish; on the 7-platform buf release (a large real Go binary) both Trivy versions reading what was published.

use crate::support;
use crate::support::sbom as sbom_support;

use std::path::Path;
use std::process::{Command, Output};

use sbom_support::{Expectation, diff, trivy_old_rootfs, trivy_rootfs, trivy_sbom};
use support::providers::{PROVIDER_PLATFORMS, PROVIDER_VERSION, TestProvider};
use support::{Registry, RegistryOpts, buf_release_dir};
use tofu_sbom::archive::release::Release;
use tofu_sbom::buildinfo;
use tofu_sbom::generate;
use tofu_sbom::limits::Limits;

/// The buf release (the Trivy test).
const VERSION: &str = "1.74.0";
const CDX: &str = "application/vnd.cyclonedx+json";
const SPDX: &str = "application/spdx+json";

fn tofu_sbom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("DOCKER_CONFIG", "/nonexistent-docker-config")
        .env("CI", "true")
        .output()
        .expect("run tofu-sbom")
}

fn ok_json(args: &[&str]) -> serde_json::Value {
    let out = tofu_sbom(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "tofu-sbom {args:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The framework provider's type (the realistic fixture of the publish test).
const FW: &str = "tsbfw";

fn sums() -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(TestProvider::Framework.release_dir().join(format!(
        "terraform-provider-{FW}_{PROVIDER_VERSION}_SHA256SUMS"
    )))
    .unwrap();
    text.lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, n)| (n.to_owned(), h.to_owned()))
        .collect()
}

/// The published graph: index and platform digests, and the referrer digests per subject and file.
fn publish(target: &str, extra: &[&str]) -> serde_json::Value {
    let release = TestProvider::Framework.release_dir();
    let mut args = vec![
        "publish",
        release.to_str().unwrap(),
        target,
        "--provider",
        "example/tsbfw",
        "--json",
    ];
    args.extend_from_slice(extra);
    ok_json(&args)
}

#[test]
fn publish_framework_provider_lists_pulls_verifies_and_republishes_as_a_no_op() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let target = format!("{}/acme/{FW}", reg.host);
    let first = publish(&target, &[]);
    let push = &first["push"];
    let index = push["indexDigest"].as_str().unwrap().to_owned();
    let platforms = push["platforms"].as_object().unwrap();
    assert_eq!(
        platforms.keys().map(String::as_str).collect::<Vec<_>>(),
        PROVIDER_PLATFORMS
    );
    let sums = sums();
    for (key, p) in platforms {
        let zip = format!("terraform-provider-{FW}_{PROVIDER_VERSION}_{key}.zip");
        assert_eq!(p["layerDigest"], format!("sha256:{}", sums[&zip]), "{key}");
    }
    assert_eq!(push["tags"], serde_json::json!([PROVIDER_VERSION]));
    let uploads_after_first = reg.blob_uploads();
    // 9 ZIPs + the empty config + 2 SBOM blobs per subject (9 platforms + the index).
    assert_eq!(uploads_after_first, 9 + 1 + 2 * 10);
    // The blob HEADs of a cold publish: one per ZIP (before it is uploaded) and one for the empty config every
    // manifest names. A blob the registry confirmed is not asked for again in the run, and a new referrer's file is
    // uploaded without asking.
    let heads: Vec<String> = reg
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("HEAD ") && r.contains("/blobs/"))
        .collect();
    let distinct: std::collections::BTreeSet<&String> = heads.iter().collect();
    assert_eq!((heads.len(), distinct.len()), (9 + 1, 9 + 1), "{heads:#?}");
    let empty_config = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    assert_eq!(
        heads.iter().filter(|r| r.ends_with(empty_config)).count(),
        1,
        "{heads:#?}"
    );

    // Every subject carries exactly its CycloneDX and SPDX referrer, CycloneDX first, titled with the document name.
    let referrers = first["referrers"].as_object().unwrap();
    let mut subjects: Vec<(String, String, String)> = PROVIDER_PLATFORMS
        .iter()
        .map(|p| {
            (
                (*p).to_owned(),
                platforms[*p]["manifestDigest"].as_str().unwrap().to_owned(),
                format!("terraform-provider-{FW}_{PROVIDER_VERSION}_{p}"),
            )
        })
        .collect();
    subjects.push((
        "index".into(),
        index.clone(),
        format!("terraform-provider-{FW}_{PROVIDER_VERSION}"),
    ));
    for (key, digest, stem) in &subjects {
        let listed = ok_json(&["referrers", &format!("{target}@{digest}"), "--json"]);
        assert_eq!(listed["source"], "fallback_tag", "{key}");
        let entries = listed["entries"].as_array().unwrap();
        let got: Vec<(String, String, String)> = entries
            .iter()
            .map(|e| {
                (
                    e["artifactType"].as_str().unwrap().to_owned(),
                    e["title"].as_str().unwrap().to_owned(),
                    e["digest"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let cdx = format!("{stem}.cdx.json");
        let spdx = format!("{stem}.spdx.json");
        assert_eq!(
            got,
            vec![
                (
                    CDX.to_owned(),
                    cdx.clone(),
                    referrers[key][&cdx].as_str().unwrap().to_owned()
                ),
                (
                    SPDX.to_owned(),
                    spdx.clone(),
                    referrers[key][&spdx].as_str().unwrap().to_owned()
                ),
            ],
            "{key}"
        );
    }

    // The pulled SBOM is byte-identical to what `generate` writes for the same release.
    let work = tempfile::tempdir().unwrap();
    let gen_dir = work.path().join("gen");
    let gen_out = tofu_sbom(&[
        "generate",
        TestProvider::Framework.release_dir().to_str().unwrap(),
        "-o",
        gen_dir.to_str().unwrap(),
        "--provider",
        "example/tsbfw",
    ]);
    assert_eq!(
        gen_out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&gen_out.stderr)
    );
    for (platform, kind, file) in [
        (
            Some("linux_amd64"),
            "cyclonedx",
            format!("terraform-provider-{FW}_{PROVIDER_VERSION}_linux_amd64.cdx.json"),
        ),
        (
            Some("windows_arm64"),
            "spdx",
            format!("terraform-provider-{FW}_{PROVIDER_VERSION}_windows_arm64.spdx.json"),
        ),
        (
            None,
            "cyclonedx",
            format!("terraform-provider-{FW}_{PROVIDER_VERSION}.cdx.json"),
        ),
    ] {
        let out = work.path().join(format!("pulled-{file}"));
        let mut args = vec![
            "sbom",
            "pull",
            "--format",
            kind,
            "-o",
            out.to_str().unwrap(),
        ];
        if let Some(p) = platform {
            args.extend(["--platform", p]);
        }
        let reference = format!("{target}:{PROVIDER_VERSION}");
        args.push(&reference);
        let o = tofu_sbom(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(gen_dir.join(&file)).unwrap(),
            "{file}"
        );
    }

    // OpenTofu's rules and the SBOM checks pass.
    let verified = ok_json(&["verify", &format!("{target}:{PROVIDER_VERSION}"), "--json"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["findings"], serde_json::json!([]));

    // Re-publishing changes nothing: same digests, no blob upload, fallback indexes byte-identical.
    let fallback = |digest: &str| {
        reg.request(
            "GET",
            &format!("/v2/acme/{FW}/manifests/{}", digest.replace(':', "-")),
            &["-H", "Accept: application/vnd.oci.image.index.v1+json"],
        )
        .body
    };
    let before: Vec<Vec<u8>> = subjects.iter().map(|(_, d, _)| fallback(d)).collect();
    let second = publish(&target, &[]);
    assert_eq!(second["push"]["indexDigest"], first["push"]["indexDigest"]);
    assert_eq!(second["push"]["platforms"], first["push"]["platforms"]);
    assert_eq!(second["referrers"], first["referrers"]);
    assert_eq!(second["push"]["uploadedBlobs"], 0);
    assert_eq!(reg.blob_uploads(), uploads_after_first);
    let after: Vec<Vec<u8>> = subjects.iter().map(|(_, d, _)| fallback(d)).collect();
    assert_eq!(before, after);
}

/// The linux/amd64 binary of the buf release, extracted into `dir` (test-only extraction, for `trivy rootfs`).
fn extract_linux_amd64(dir: &Path) -> buildinfo::BuildInfo {
    let zip = buf_release_dir().join(format!("terraform-provider-buf_{VERSION}_linux_amd64.zip"));
    let status = Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&zip)
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(dir.join("README.md")).ok();
    let binary = dir.join(format!("terraform-provider-buf_v{VERSION}"));
    // Trivy's rootfs scan only looks at executables; Python's extractall does not restore the mode.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    buildinfo::read_path(&binary, &Limits::default()).unwrap()
}

#[test]
fn trivy_reads_what_publish_attached_old_through_the_registry_current_through_sbom_pull() {
    let reg = Registry::start(RegistryOpts::htpasswd("ci", "s3cret-pass"));
    let target = format!("{}/acme/buf", reg.host);
    let release = buf_release_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .args([
            "publish",
            release.to_str().unwrap(),
            &target,
            "--provider",
            "example/buf",
            "--format",
            "cyclonedx-json@1.5",
            "--format",
            "spdx-json",
            "--username",
            "ci",
            "--password-stdin",
            "--json",
        ])
        .env("DOCKER_CONFIG", "/nonexistent-docker-config")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"s3cret-pass\n")
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret-pass"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret-pass"));
    let published: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let linux = published["push"]["platforms"]["linux_amd64"]["manifestDigest"]
        .as_str()
        .unwrap()
        .to_owned();

    let work = tempfile::tempdir().unwrap();
    let rootfs = work.path().join("rootfs");
    std::fs::create_dir_all(&rootfs).unwrap();
    let bi = extract_linux_amd64(&rootfs);
    let expectation = Expectation::from_buildinfo(&bi, VERSION);

    // Trivy 0.44.1 finds the CycloneDX 1.5 referrer of the platform manifest through the fallback tag, with basic
    // auth, and lists its rootfs set plus stdlib and the main module.
    let old = sbom_support::trivy_old_image(
        &format!("{target}@{linux}"),
        Some(("ci", "s3cret-pass")),
        work.path(),
    );
    let expected_old = expectation.old(&trivy_old_rootfs(&rootfs, work.path()));
    assert_eq!(
        old,
        expected_old,
        "Trivy 0.44.1 image --sbom-sources oci:\n{}",
        diff(&expected_old, &old)
    );
    // On the tag (the index, the release-wide SBOM) it finds the union over all platforms: the linux set checked
    // above plus the modules only other platforms link (e.g. go-winio on Windows).
    let mut release = Release::from_dir(&buf_release_dir(), &Limits::default()).unwrap();
    let scanned = generate::scan(&mut release, &Limits::default()).unwrap();
    let mut expected_index = expected_old.clone();
    for p in &scanned.platforms {
        for dep in &p.buildinfo.deps {
            let m = dep.replace.as_deref().unwrap_or(dep);
            expected_index.insert((m.path.clone(), m.version.clone()));
        }
    }
    assert!(
        expected_index.len() > expected_old.len(),
        "other platforms add modules"
    );
    let old_index = sbom_support::trivy_old_image(
        &format!("{target}:{VERSION}"),
        Some(("ci", "s3cret-pass")),
        work.path(),
    );
    assert_eq!(
        old_index,
        expected_index,
        "{}",
        diff(&expected_index, &old_index)
    );

    // Current Trivy cannot `trivy image` provider artifacts; `sbom pull` + `trivy sbom` lists exactly `trivy rootfs`.
    let expected = expectation.current(&trivy_rootfs(&rootfs, work.path()));
    let pulled = work.path().join("linux.spdx.json");
    let pull = Command::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .args([
            "sbom",
            "pull",
            "--platform",
            "linux/amd64",
            "--format",
            "spdx",
            "-o",
        ])
        .arg(&pulled)
        .arg(format!("{target}:{VERSION}"))
        .env("DOCKER_CONFIG", "/nonexistent-docker-config")
        .env("TOFU_SBOM_REGISTRY_USERNAME", "ci")
        .env("TOFU_SBOM_REGISTRY_PASSWORD", "s3cret-pass")
        .output()
        .unwrap();
    assert_eq!(
        pull.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    let got = trivy_sbom(&pulled, work.path());
    assert_eq!(got, expected, "{}", diff(&expected, &got));
}

/// `sbom pull --format` speaks the generate/publish vocabulary: with a CycloneDX 1.6 *and* a 1.5 document attached
/// to the same subjects (same tool, same `created`), `cyclonedx-json` pulls the 1.6 one, `cyclonedx-json@1.5` the
/// 1.5 one, the default `cyclonedx` the newest specVersion, and `--referrer` one exactly by digest. Asking for a
/// specVersion that is not attached names the ones that are.
#[test]
fn sbom_pull_tells_cyclonedx_spec_versions_apart() {
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    let sboms = work.path().join("sboms");
    let target = format!("oci-layout:{}", layout.display());
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample-release");
    let published = ok_json(&[
        "publish",
        release.to_str().unwrap(),
        &target,
        "--provider",
        "example/sample",
        "--format",
        "cyclonedx-json,cyclonedx-json@1.5,spdx-json",
        "--sbom-dir",
        sboms.to_str().unwrap(),
        "--json",
    ]);
    let index_refs = &published["referrers"]["index"];
    let cdx16 = "terraform-provider-sample_0.1.0.cdx.json";
    let cdx15 = "terraform-provider-sample_0.1.0.cdx15.json";
    let linux15 = "terraform-provider-sample_0.1.0_linux_amd64.cdx15.json";
    let linux16 = "terraform-provider-sample_0.1.0_linux_amd64.cdx.json";
    let spdx = "terraform-provider-sample_0.1.0.spdx.json";
    assert!(
        index_refs[cdx16].is_string() && index_refs[cdx15].is_string(),
        "{published:#}"
    );
    let reference = format!("{target}:0.1.0");
    let pull = |extra: &[&str]| -> (Vec<u8>, serde_json::Value) {
        let out = work.path().join("pulled.json");
        let mut args = vec![
            "sbom",
            "pull",
            reference.as_str(),
            "-o",
            out.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let result = ok_json(&args);
        (std::fs::read(&out).unwrap(), result)
    };
    let expect = |name: &str| std::fs::read(sboms.join(name)).unwrap();
    for (extra, file, referrer) in [
        (&[][..], cdx16, &index_refs[cdx16]),
        (&["--format", "cyclonedx"][..], cdx16, &index_refs[cdx16]),
        (
            &["--format", "cyclonedx-json"][..],
            cdx16,
            &index_refs[cdx16],
        ),
        (
            &["--format", "cyclonedx-json@1.5"][..],
            cdx15,
            &index_refs[cdx15],
        ),
        (&["--format", "spdx-json"][..], spdx, &index_refs[spdx]),
        (&["--format", "spdx"][..], spdx, &index_refs[spdx]),
    ] {
        let (bytes, result) = pull(extra);
        assert!(
            bytes == expect(file),
            "{extra:?} pulled something other than {file}"
        );
        assert_eq!(&result["referrer"]["digest"], referrer, "{extra:?}");
    }
    let linux_refs = &published["referrers"]["linux_amd64"];
    let (bytes, _) = pull(&[
        "--platform",
        "linux/amd64",
        "--format",
        "cyclonedx-json@1.5",
    ]);
    assert!(bytes == expect(linux15));
    let (bytes, _) = pull(&["--platform", "linux_amd64"]);
    assert!(bytes == expect(linux16));
    let by_digest = linux_refs[linux15].as_str().unwrap();
    let (bytes, result) = pull(&["--platform", "linux_amd64", "--referrer", by_digest]);
    assert!(bytes == expect(linux15));
    assert_eq!(result["referrer"]["digest"], by_digest);

    // Only 1.5 attached: asking for 1.6 fails and says what is there; the default still finds the 1.5 one.
    let only15 = work.path().join("only15");
    let target15 = format!("oci-layout:{}", only15.display());
    ok_json(&[
        "publish",
        release.to_str().unwrap(),
        &target15,
        "--provider",
        "example/sample",
        "--format",
        "cyclonedx-json@1.5",
        "--json",
    ]);
    let ref15 = format!("{target15}:0.1.0");
    let out = work.path().join("x.json");
    let failed = tofu_sbom(&[
        "sbom",
        "pull",
        &ref15,
        "--format",
        "cyclonedx-json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("application/vnd.cyclonedx+json (specVersion 1.6; attached: 1.5)"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written on failure");
    let ok = tofu_sbom(&["sbom", "pull", &ref15, "-o", out.to_str().unwrap()]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(std::fs::read(&out).unwrap() == expect(cdx15));
    let bad = tofu_sbom(&[
        "sbom",
        "pull",
        &ref15,
        "--referrer",
        "sha256:xyz",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("--referrer sha256:xyz: expected sha256:<64 hex digits>"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
