//! Issue 15 finding 5: `publish` makes the version tag visible only after every SBOM referrer is attached. When the
//! attach fails, the run exits 2 ("no tag was written or moved"), the version tag does not exist in the real registry
//! (`GET /v2/…/manifests/TAG` → 404) or in the OCI layout, and stdout and `--github-output` stay empty. When a later
//! tag fails after the version tag is live, the run exits 3 and names exactly what is live.
//!
//! The registry is the real distribution binary on 127.0.0.1 (`tests/it/support`); the attach failure is injected by
//! the in-test fault proxy in front of it (tests/it/support/oci/fault_proxy.rs), which refuses the `sha256-<hex>`
//! referrers fallback-tag PUT that only the attach step makes (distribution 2.8 has no referrers API). For a layout,
//! the attach failure is a pre-existing damaged referrer blob that the attach step's referrers listing refuses.

use crate::support;
use crate::support::cli as cli_support;

use std::path::Path;

use cli_support::{Run, isolate_credentials, run, tofu_sbom};
use support::oci::fault_proxy::{Action, FaultProxy, Rule};
use support::{Registry, RegistryOpts, sample_release_dir};

const REPO: &str = "acme/sample";
const VERSION: &str = "0.1.0";

fn tofu(home: &Path, args: &[&str]) -> Run {
    run(isolate_credentials(&mut tofu_sbom(), home)
        .env("TMPDIR", home)
        .args(args))
}

/// `GET /v2/REPO/manifests/REFERENCE` status on the real registry (no proxy in between).
fn manifest_status(reg: &Registry, reference: &str) -> u16 {
    reg.request(
        "GET",
        &format!("/v2/{REPO}/manifests/{reference}"),
        &[
            "-H",
            "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json",
        ],
    )
    .status
}

fn publish_args<'a>(target: &'a str, gha: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let release = Box::leak(sample_release_dir().display().to_string().into_boxed_str());
    let mut args = vec![
        "publish",
        release,
        target,
        "--provider",
        "example/sample",
        "--json",
        "--github-output",
        gha,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn attach_failure_leaves_no_version_tag_in_the_registry() {
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::start(RegistryOpts::anonymous());
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "PUT",
            path_contains: "/manifests/sha256-",
            action: Action::Status(403, None, "DENIED"),
            times: usize::MAX,
        }],
    );
    let target = format!("{}/{REPO}", proxy.host());
    let gha = home.path().join("gha.txt");
    let res = tofu(
        home.path(),
        &publish_args(&target, gha.to_str().unwrap(), &["--extra-tag", "latest"]),
    );
    assert_eq!(res.code, 2, "stderr: {}", res.stderr);
    assert!(proxy.fired(0) >= 1, "the attach reached the fallback tag");
    assert_eq!(
        manifest_status(&reg, VERSION),
        404,
        "the version tag is not live"
    );
    assert_eq!(manifest_status(&reg, "latest"), 404, "no extra tag either");
    assert_eq!(res.out(), "");
    assert_eq!(std::fs::read(&gha).unwrap_or_default(), b"");
    assert!(
        res.stderr.contains("no tag was written"),
        "stderr: {}",
        res.stderr
    );

    // The same run against the registry directly succeeds, and the tag appears.
    let direct = format!("{}/{REPO}", reg.host);
    let ok = tofu(
        home.path(),
        &publish_args(&direct, gha.to_str().unwrap(), &[]),
    );
    assert_eq!(ok.code, 0, "stderr: {}", ok.stderr);
    assert_eq!(manifest_status(&reg, VERSION), 200);
}

#[test]
fn failing_extra_tag_after_the_version_tag_exits_3_naming_what_is_live() {
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::start(RegistryOpts::anonymous());
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "PUT",
            path_contains: "/manifests/latest",
            action: Action::Status(403, None, "DENIED"),
            times: usize::MAX,
        }],
    );
    let target = format!("{}/{REPO}", proxy.host());
    let gha = home.path().join("gha.txt");
    let res = tofu(
        home.path(),
        &publish_args(&target, gha.to_str().unwrap(), &["--extra-tag", "latest"]),
    );
    assert_eq!(res.code, 3, "stderr: {}", res.stderr);
    assert_eq!(
        manifest_status(&reg, VERSION),
        200,
        "the version tag is live"
    );
    assert_eq!(manifest_status(&reg, "latest"), 404);
    assert!(
        res.stderr.contains(&format!(
            "partially published: tag {VERSION} is live at sha256:"
        )),
        "stderr: {}",
        res.stderr
    );
    assert!(
        res.stderr.contains("not written: latest"),
        "stderr: {}",
        res.stderr
    );
}

#[test]
fn attach_failure_leaves_no_version_tag_in_an_oci_layout() {
    let home = tempfile::tempdir().unwrap();
    let layout = home.path().join("layout");
    // A layout whose index.json lists an untagged manifest whose blob does not hash to its digest: the attach step
    // (which reads every untagged manifest to find referrers) refuses it; the push step never reads it.
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let hex = "ab".repeat(32);
    std::fs::write(layout.join("blobs/sha256").join(&hex), b"{}").unwrap();
    std::fs::write(
        layout.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{hex}","size":2}}]}}"#
        ),
    )
    .unwrap();
    let target = format!("oci-layout:{}", layout.display());
    let gha = home.path().join("gha.txt");
    let res = tofu(
        home.path(),
        &publish_args(&target, gha.to_str().unwrap(), &[]),
    );
    assert_eq!(res.code, 2, "stderr: {}", res.stderr);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let tags: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .collect();
    assert_eq!(
        tags,
        Vec::<&str>::new(),
        "the version tag is not in index.json"
    );
    assert_eq!(res.out(), "");
    assert_eq!(std::fs::read(&gha).unwrap_or_default(), b"");
}

/// `mirror` of a release directory attaches the release's `SHA256SUMS` and signature to the index too; that attach
/// also comes before the tags, so a failure there (a `.sig` beside the sums that is not an OpenPGP signature, refused
/// when the provenance referrers are prepared — after every SBOM is attached) leaves no version tag either.
#[test]
fn mirror_provenance_failure_leaves_no_version_tag() {
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::start(RegistryOpts::anonymous());
    let dist = home.path().join("dist");
    cli_support::copy_dir(&sample_release_dir(), &dist);
    std::fs::write(
        dist.join("terraform-provider-sample_0.1.0_SHA256SUMS.sig"),
        b"not a signature",
    )
    .unwrap();
    let work = home.path().join("work");
    let res = tofu(
        home.path(),
        &[
            "mirror",
            dist.to_str().unwrap(),
            &format!("{}/{REPO}", reg.host),
            "--provider",
            "example.com/acme/sample",
            "--work-dir",
            work.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(res.code, 2, "stderr: {}", res.stderr);
    assert!(
        res.stderr
            .contains("it is neither an OpenPGP packet nor an ASCII-armored signature"),
        "{}",
        res.stderr
    );
    assert_eq!(
        manifest_status(&reg, VERSION),
        404,
        "the version tag is not live"
    );
    assert_eq!(res.out(), "");
}
