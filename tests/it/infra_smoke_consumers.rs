//! Checks the real consumers that `./scripts/deps` builds from the Go module proxy
//! (`support::consumers`): the exact versions `tofu`, `oras` and `syft` print, and that the
//! native-referrers registry (go-containerregistry's `pkg/registry`) answers the ping and the
//! referrers API with an OCI index. Part of the infrastructure smoke tests
//! (`cargo test --test it infra_smoke` runs both files).

use crate::support::consumers;

use std::path::Path;
use std::process::{Command, Stdio};

/// Runs a consumer binary with `args` (no update checks, an empty CLI config, a fresh HOME) and returns its stdout,
/// panicking with stderr unless it exits 0.
fn consumer_stdout(bin: &Path, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().expect("tmp");
    // An empty CLI config: a missing one makes tofu print a warning before anything else.
    let tofurc = tmp.path().join("empty.tofurc");
    std::fs::write(&tofurc, "").expect("write the empty .tofurc");
    let out = Command::new(bin)
        .args(args)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", &tofurc)
        .env("HOME", tmp.path())
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `tofu version`: the pinned OpenTofu release, linked as OpenTofu's release builds are (no `-dev`).
#[test]
fn tofu_is_the_pinned_release() {
    assert_eq!(
        consumer_stdout(&consumers::tofu(), &["version"]),
        format!("OpenTofu v{}\non linux_amd64\n", consumers::TOFU_VERSION)
    );
}

/// `oras version`: the pinned ORAS CLI (built by `go install`, so no git commit line).
#[test]
fn oras_is_the_pinned_version() {
    let out = consumer_stdout(&consumers::oras(), &["version"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], format!("Version:    {}", consumers::ORAS_VERSION));
    assert!(lines[1].starts_with("Go version: go1."), "{out}");
    assert_eq!(lines[2], "OS/Arch:    linux/amd64");
}

/// `syft version`: the pinned Syft, its version linked in as Syft's release builds do.
#[test]
fn syft_is_the_pinned_version() {
    let out = consumer_stdout(&consumers::syft(), &["version"]);
    let fields: Vec<(&str, &str)> = out
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k, v.trim()))
        .filter(|(k, _)| !["GoVersion", "SchemaVersion"].contains(k))
        .collect();
    let version = consumers::SYFT_VERSION;
    let description = format!("v{version}");
    assert_eq!(
        fields,
        [
            ("Application", "syft"),
            ("Version", version),
            ("BuildDate", "[not provided]"),
            ("GitCommit", "[not provided]"),
            ("GitDescription", description.as_str()),
            ("Platform", "linux/amd64"),
            ("Compiler", "gc"),
        ]
    );
}

/// `sha256:<hex>` of `bytes`.
fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// The native-referrers registry (go-containerregistry's `pkg/registry`, referrers on): its banner
/// names the pinned go-containerregistry, `GET /v2/` answers 200, and after an image and an SBOM
/// manifest whose `subject` is that image are pushed, `GET /v2/<repo>/referrers/<digest>` answers
/// 200 with exactly the OCI index listing the SBOM manifest. It takes the descriptor's
/// `artifactType` from the referrer's config media type (here the empty config), not from the
/// manifest's own `artifactType`, and sends no `OCI-Subject` on the PUT.
#[test]
fn referrers_registry_answers_ping_and_the_referrers_api() {
    const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    const INDEX: &str = "application/vnd.oci.image.index.v1+json";
    const EMPTY: &str = "application/vnd.oci.empty.v1+json";
    let reg = consumers::ReferrersRegistry::start();
    assert_eq!(
        reg.banner,
        format!(
            "referrers-registry go-containerregistry {} listening on {}",
            consumers::GGCR_VERSION,
            reg.host
        )
    );
    let ping = reg.request("GET", "/v2/", &[]);
    assert_eq!(ping.status, 200, "{}", reg.registry_log());

    let empty_digest = sha256_digest(b"{}");
    let upload = reg.request(
        "POST",
        &format!("/v2/acme/prov/blobs/uploads/?digest={empty_digest}"),
        &["--data-binary", "{}"],
    );
    assert_eq!(upload.status, 201, "{}", upload.text());

    let empty_config = serde_json::json!({"mediaType": EMPTY, "digest": empty_digest, "size": 2});
    let subject = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": MANIFEST, "config": empty_config, "layers": [],
    }))
    .expect("serialise the subject");
    let subject_digest = sha256_digest(&subject);
    let content_type = format!("Content-Type: {MANIFEST}");
    let subject_body = String::from_utf8(subject.clone()).expect("utf-8 JSON");
    let put = reg.request(
        "PUT",
        "/v2/acme/prov/manifests/1.0.0",
        &["-H", &content_type, "--data-binary", &subject_body],
    );
    assert_eq!(put.status, 201, "{}", put.text());
    assert_eq!(
        put.header("Docker-Content-Digest"),
        Some(subject_digest.as_str())
    );

    let sbom = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "artifactType": "application/vnd.cyclonedx+json",
        "config": empty_config, "layers": [empty_config],
        "subject": {"mediaType": MANIFEST, "digest": subject_digest, "size": subject.len()},
    }))
    .expect("serialise the SBOM manifest");
    let sbom_digest = sha256_digest(&sbom);
    let sbom_body = String::from_utf8(sbom.clone()).expect("utf-8 JSON");
    let put = reg.request(
        "PUT",
        &format!("/v2/acme/prov/manifests/{sbom_digest}"),
        &["-H", &content_type, "--data-binary", &sbom_body],
    );
    assert_eq!(put.status, 201, "{}", put.text());
    assert_eq!(put.header("OCI-Subject"), None);

    let referrers = reg.request(
        "GET",
        &format!("/v2/acme/prov/referrers/{subject_digest}"),
        &[],
    );
    assert_eq!(referrers.status, 200, "{}", referrers.text());
    assert_eq!(referrers.header("Content-Type"), Some(INDEX));
    let index: serde_json::Value =
        serde_json::from_slice(&referrers.body).expect("referrers answer is JSON");
    assert_eq!(
        index,
        serde_json::json!({
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": [{
                "mediaType": MANIFEST,
                "size": sbom.len(),
                "digest": sbom_digest,
                "artifactType": EMPTY,
            }],
        })
    );

    // A digest nothing refers to: an empty index, not a 404.
    let none = reg.request(
        "GET",
        &format!("/v2/acme/prov/referrers/{sbom_digest}"),
        &[],
    );
    assert_eq!(none.status, 200);
    assert_eq!(none.header("Content-Type"), Some(INDEX));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&none.body).expect("JSON"),
        serde_json::json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": []})
    );
}
