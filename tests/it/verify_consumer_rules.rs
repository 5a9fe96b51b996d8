//! `verify` against the rules the real consumers apply where issue 12 found ours different: the versions OpenTofu's
//! parser (go-versions) accepts as tags, and the headers oras-go (OpenTofu's registry client) requires of a tag `HEAD`
//! and a manifest `GET`. The artifacts live in the real distribution 2.8 registry; the header faults come from the
//! in-test fault proxy in front of it (no real registry omits those headers on demand).

use crate::support;
use crate::support::cli::tofu_sbom_run;
use crate::support::oci as oci_support;

use oci_support::{make_release, test_options};
use serde_json::json;
use support::{Registry, RegistryOpts};
use tofu_sbom::provider::push::{PushOptions, push};
use tofu_sbom::registry::client::{Protocol, RegistryClient};
use tofu_sbom::registry::manifest::MEDIA_TYPE_INDEX;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;

/// Pushes a one-platform release of `version` to `HOST/acme/demo` (no SBOMs) and returns the index bytes.
async fn push_demo(reg: &Registry, version: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", version, &[("linux", "amd64")], 2000);
    let target = Target::parse(&format!("{}/acme/demo", reg.host)).unwrap();
    let store = Store::open(&target, test_options(), true).unwrap();
    push(&pkg, &store, &target, &PushOptions::default())
        .await
        .unwrap_or_else(|e| panic!("push {version}: {e}"));
    tofu_sbom::provider::artifact::build_artifact(&pkg)
        .unwrap()
        .index
        .bytes
}

/// `1.2.3-01`: go-versions (OpenTofu 1.12's tag parser) accepts a pre-release with leading zeros and prints it back
/// unchanged, so `tofu init` resolves the very tag: we publish and verify it like any version. `01.2.3` is parsed as
/// 1.2.3 and looked up under tag `1.2.3`: an error finding.
#[tokio::test]
async fn a_pre_release_with_leading_zeros_is_a_version_and_a_core_with_one_is_not() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let index = push_demo(&reg, "1.2.3-01").await;
    let run = tofu_sbom_run([
        "verify",
        &format!("{}/acme/demo:1.2.3-01", reg.host),
        "--no-sboms",
        "--json",
        "-q",
    ])
    .expect_code(0);
    assert_eq!(run.json()["findings"], json!([]), "{}", run.out());

    // The same index under tag `01.2.3`.
    let client = RegistryClient::new(
        &reg.host,
        "acme/demo",
        tofu_sbom::registry::client::ClientOptions {
            protocol: Protocol::PlainHttp,
            ..test_options()
        },
    )
    .unwrap();
    client
        .put_manifest("acme/demo", "01.2.3", MEDIA_TYPE_INDEX, &index)
        .await
        .unwrap();
    let run = tofu_sbom_run([
        "verify",
        &format!("{}/acme/demo:01.2.3", reg.host),
        "--no-sboms",
        "--json",
        "-q",
    ])
    .expect_code(1);
    let findings = &run.json()["findings"];
    assert_eq!(findings.as_array().unwrap().len(), 1, "{findings}");
    assert_eq!(findings[0]["kind"], "tag_not_a_version");
    assert_eq!(findings[0]["tag"], "01.2.3");
    assert_eq!(
        findings[0]["reason"],
        "numbers must not have leading zeros; OpenTofu would not find it under its tag"
    );
}

/// The real `oras` CLI (1.3.6, on oras-go — the registry client OpenTofu 1.12 uses) run with `args` and a throw-away
/// `HOME` (no credentials); returns its exit code and standard error.
fn oras(args: &[&str]) -> (i32, String) {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(support::consumers::oras())
        .args(args)
        .env("HOME", home.path())
        .env("DOCKER_CONFIG", home.path().join(".docker"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `tofu-sbom verify --no-sboms --json` of `reference`: exit code and findings.
fn verify_json(reference: &str) -> (i32, serde_json::Value) {
    let run = tofu_sbom_run(["verify", reference, "--no-sboms", "--json", "-q"]);
    let code = run.code;
    (code, run.json()["findings"].clone())
}

/// A tag `HEAD` answered without `Docker-Content-Digest`, or without `Content-Length`: oras-go (`manifestStore.Resolve`
/// → `generateDescriptor`) fails and does not fall back to `GET`, so `tofu init` fails to resolve the version; verify
/// says so (it used to fall back to `GET` and pass). The real `oras resolve` over the same proxy gives the same
/// verdict.
#[tokio::test]
async fn a_tag_head_without_digest_or_length_fails_as_in_oras() {
    use oci_support::fault_proxy::{Action, FaultProxy, Rule};
    let reg = Registry::start(RegistryOpts::anonymous());
    push_demo(&reg, "1.2.3").await;
    for (header, oras_says) in [
        (
            "Docker-Content-Digest",
            "HTTP HEAD request missing required header \"Docker-Content-Digest\"",
        ),
        ("Content-Length", "unknown response Content-Length"),
    ] {
        let proxy = FaultProxy::start(
            reg.addr.port(),
            vec![Rule {
                method: "HEAD",
                path_contains: "/manifests/1.2.3",
                action: Action::ForwardReplacingHeader(header, None),
                times: usize::MAX,
            }],
        );
        let reference = format!("{}/acme/demo:1.2.3", proxy.host());
        let (code, findings) = verify_json(&reference);
        assert_eq!(
            findings,
            json!([{
                "severity": "error",
                "tag": "1.2.3",
                "platform": null,
                "verdict": "opentofu",
                "kind": "tag_head_incomplete",
                "header": header,
                "message": format!(
                    "resolving tag \"1.2.3\": {oras_says} (the registry's HEAD answer has no {header} header; \
                     OpenTofu's registry client, oras-go, resolves tags by HEAD alone and does not fall back to GET)"
                ),
            }]),
            "{header}"
        );
        assert_eq!(code, 1, "{header}");
        let (code, stderr) = oras(&["resolve", "--plain-http", &reference]);
        assert_eq!(code, 1, "oras resolve without {header}: {stderr}");
        assert!(stderr.contains(oras_says), "{header}: {stderr}");
        assert!(proxy.fired(0) > 0);
    }
    // Unfaulted, both pass.
    let reference = format!("{}/acme/demo:1.2.3", reg.host);
    assert_eq!(verify_json(&reference), (0, json!([])));
    let (code, stderr) = oras(&["resolve", "--plain-http", &reference]);
    assert_eq!(code, 0, "{stderr}");
}

/// A platform manifest served with a `Content-Type` other than its descriptor's media type: oras-go's
/// `manifestStore.Fetch` (how OpenTofu fetches every manifest) refuses it; so does verify now (it used to ignore the
/// header), and so does the real `oras cp` of the same tag, which fetches each manifest the same way.
#[tokio::test]
async fn a_manifest_get_with_another_content_type_fails_as_in_oras() {
    use oci_support::fault_proxy::{Action, FaultProxy, Rule};
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.2.3", &[("linux", "amd64")], 2000);
    let artifact = tofu_sbom::provider::artifact::build_artifact(&pkg).unwrap();
    push_demo(&reg, "1.2.3").await;
    let platform = &artifact.platforms[0].manifest.digest;
    let path: &'static str = Box::leak(format!("/manifests/{platform}").into_boxed_str());
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "GET",
            path_contains: path,
            action: Action::ForwardReplacingHeader("Content-Type", Some(MEDIA_TYPE_INDEX)),
            times: usize::MAX,
        }],
    );
    let reference = format!("{}/acme/demo:1.2.3", proxy.host());
    let (code, findings) = verify_json(&reference);
    assert_eq!(
        findings,
        json!([{
            "severity": "error",
            "tag": "1.2.3",
            "platform": "linux_amd64",
            "verdict": "opentofu",
            "kind": "manifest_content_type",
            "what": "linux_amd64",
            "found": MEDIA_TYPE_INDEX,
            "expected": "application/vnd.oci.image.manifest.v1+json",
            "message": "linux_amd64: mismatch response Content-Type \"application/vnd.oci.image.index.v1+json\": \
                        expect \"application/vnd.oci.image.manifest.v1+json\" (the registry's GET answer; OpenTofu's \
                        registry client, oras-go, refuses it)",
        }])
    );
    assert_eq!(code, 1);
    let out = tempfile::tempdir().unwrap();
    let layout = format!("{}:1.2.3", out.path().join("l").display());
    let (code, stderr) = oras(&[
        "cp",
        "--from-plain-http",
        &reference,
        "--to-oci-layout",
        &layout,
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "mismatch response Content-Type \"application/vnd.oci.image.index.v1+json\": expect \
             \"application/vnd.oci.image.manifest.v1+json\""
        ),
        "{stderr}"
    );
    assert!(proxy.fired(0) > 0);
}

/// The same verdicts from the real OpenTofu 1.12.6: a TLS registry (our CA given to tofu as `SSL_CERT_FILE`) holding a
/// provider pushed as `1.2.3-01` — `tofu init` with `version = "1.2.3-01"` installs it — and, in another repository,
/// the same index also tagged `01.2.3` — tofu lists that tag as 1.2.3, looks up tag `1.2.3` for `version = "1.2.3"`
/// and fails. verify: exit 0 and exit 1 (`tag_not_a_version`).
#[tokio::test]
async fn tofu_init_agrees_on_leading_zeros() {
    use crate::support::tofu::{TofuWorkspace, required_provider_tf};
    use tofu_sbom::provider::artifact::{ProviderAddress, tofurc_snippet};
    use tofu_sbom::registry::reference::Reference;
    let reg = Registry::start(RegistryOpts::tls());
    let ca = reg.ca_cert.clone().unwrap();
    let opts = tofu_sbom::registry::client::ClientOptions {
        protocol: Protocol::Https,
        ca_files: vec![ca.clone()],
        ..test_options()
    };
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.2.3-01", &[("linux", "amd64")], 2000);
    for repo in ["acme/demo", "acme/zeros"] {
        let target = Target::parse(&format!("{}/{repo}", reg.host)).unwrap();
        let store = Store::open(&target, opts.clone(), true).unwrap();
        push(&pkg, &store, &target, &PushOptions::default())
            .await
            .unwrap();
    }
    // acme/zeros: the same index also tagged `01.2.3`.
    let index = tofu_sbom::provider::artifact::build_artifact(&pkg)
        .unwrap()
        .index;
    let client = RegistryClient::new(&reg.host, "acme/zeros", opts.clone()).unwrap();
    client
        .put_manifest("acme/zeros", "01.2.3", MEDIA_TYPE_INDEX, &index.bytes)
        .await
        .unwrap();
    let provider = ProviderAddress::parse("example/demo").unwrap();
    let ca_arg = ca.display().to_string();

    let verify = |reference: String| {
        tofu_sbom_run([
            "verify",
            &reference,
            "--no-sboms",
            "--json",
            "-q",
            "--ca-file",
            &ca_arg,
        ])
    };
    let ok = verify(format!("{}/acme/demo:1.2.3-01", reg.host)).expect_code(0);
    assert_eq!(ok.json()["findings"], json!([]));
    let mut ws = TofuWorkspace::new();
    ws.trust_ca(&ca);
    let repo = Reference::parse(&format!("{}/acme/demo", reg.host)).unwrap();
    ws.write_cli_config(&tofurc_snippet(&repo, &provider));
    ws.write_main_tf(&required_provider_tf(
        "demo",
        "registry.opentofu.org/example/demo",
        "1.2.3-01",
    ));
    let init = ws.init().expect_code(0);
    assert!(
        init.stdout_lines()
            .contains(&"- Installed example/demo v1.2.3-01 (verified checksum)"),
        "{}",
        init.stdout
    );

    let bad = verify(format!("{}/acme/zeros:01.2.3", reg.host)).expect_code(1);
    assert_eq!(bad.json()["findings"][0]["kind"], "tag_not_a_version");
    let mut ws = TofuWorkspace::new();
    ws.trust_ca(&ca);
    let repo = Reference::parse(&format!("{}/acme/zeros", reg.host)).unwrap();
    ws.write_cli_config(&tofurc_snippet(&repo, &provider));
    ws.write_main_tf(&required_provider_tf(
        "demo",
        "registry.opentofu.org/example/demo",
        "1.2.3",
    ));
    let failed = ws.init().expect_code(1);
    let stderr = failed.stderr_unwrapped();
    assert!(
        stderr.contains(&format!(
            "Error: Failed to install provider Error while installing example/demo v1.2.3: resolving tag \"1.2.3\": \
             {}/acme/zeros:1.2.3: not found",
            reg.host
        )),
        "{stderr}"
    );
}
