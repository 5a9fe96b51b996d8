//! `tofu-sbom verify --release` as a user runs it: publish the committed sample release into an OCI layout, verify
//! it against the release (exit 0, JSON summary), against the release with overridden settings and against a release
//! lacking a platform (exit 1, the findings), and the usage errors (exit 2).

use crate::support;
use crate::support::cli as cli_support;

use cli_support::tofu_sbom_run;
use serde_json::json;

fn published() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let target = format!("oci-layout:{}", dir.path().join("layout").display());
    let release = support::sample_release_dir();
    tofu_sbom_run([
        "publish",
        release.to_str().unwrap(),
        &target,
        "--provider",
        "example/sample",
        "--author",
        "org:Example Corp",
        "-q",
    ])
    .expect_code(0);
    (dir, target)
}

#[test]
fn verify_release_passes_on_what_publish_wrote() {
    let (_dir, target) = published();
    let release = support::sample_release_dir();
    let run = tofu_sbom_run([
        "verify",
        &target,
        "--release",
        release.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0);
    let v = run.json();
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["findings"], json!([]));
    assert_eq!(
        v["release"]["settings"],
        json!({
            "timestamp": "2025-03-04T05:06:07Z",
            "formats": ["cyclonedx-json@1.6", "spdx-json@2.3"],
            "provider": "registry.opentofu.org/example/sample",
            "supplier": "example",
            "authors": ["org:Example Corp"],
            "overridden": [],
        })
    );
    let subjects = v["release"]["subjects"].as_object().unwrap();
    assert_eq!(
        subjects.keys().map(String::as_str).collect::<Vec<_>>(),
        ["darwin_arm64", "index", "linux_amd64", "windows_amd64"]
    );
    for (key, checks) in subjects {
        let got: Vec<(String, String, bool)> = checks
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["file"].as_str().unwrap().to_owned(),
                    c["comparison"].as_str().unwrap().to_owned(),
                    c["ok"].as_bool().unwrap(),
                )
            })
            .collect();
        let stem = if key == "index" {
            "terraform-provider-sample_0.1.0".to_owned()
        } else {
            format!("terraform-provider-sample_0.1.0_{key}")
        };
        assert_eq!(
            got,
            vec![
                (format!("{stem}.cdx.json"), "identical".into(), true),
                (format!("{stem}.spdx.json"), "identical".into(), true)
            ]
        );
    }

    // Text output: one line per document, and the verdict.
    let text = tofu_sbom_run([
        "verify",
        &target,
        "--release",
        release.to_str().unwrap(),
        "-q",
    ])
    .expect_code(0)
    .out();
    assert!(
        text.contains(
            "  linux_amd64   ok     terraform-provider-sample_0.1.0_linux_amd64.spdx.json (identical bytes)\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("verified: OpenTofu would install every platform\n"),
        "{text}"
    );
}

#[test]
fn verify_release_reports_other_settings_and_a_missing_platform_with_exit_1() {
    let (dir, target) = published();
    let release = support::sample_release_dir();

    // Another timestamp given on the command line: every document differs at its timestamp, and (CycloneDX) at the
    // serial number derived from the content; further differences are listed by pointer, at most 9.
    let run = tofu_sbom_run([
        "verify",
        &target,
        "--release",
        release.to_str().unwrap(),
        "--timestamp",
        "2020-01-01T00:00:00Z",
        "-q",
    ])
    .expect_code(1);
    let out = run.out();
    assert!(
        out.contains(
            "/metadata/timestamp: stored \"2025-03-04T05:06:07Z\", derived \"2020-01-01T00:00:00Z\"; also at \
             /serialNumber\n"
        ),
        "{out}"
    );
    let spdx_index = out
        .lines()
        .find(|l| l.starts_with("error [0.1.0]: index: terraform-provider-sample_0.1.0.spdx.json"))
        .unwrap_or_else(|| panic!("{out}"));
    let also = spdx_index
        .split_once("; also at ")
        .map(|(_, rest)| rest.split(", ").collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(also.len(), 9, "{spdx_index}");
    assert_eq!(also[0], "/documentNamespace", "{spdx_index}");
    assert!(out.ends_with("verification failed\n"), "{out}");

    // A release without windows_amd64 (its ZIP copied away with a matching SHA256SUMS).
    let partial = dir.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    let mut sums = String::new();
    let all = std::fs::read_to_string(release.join("terraform-provider-sample_0.1.0_SHA256SUMS"))
        .unwrap();
    for line in all.lines().filter(|l| !l.contains("windows")) {
        let name = line.split_once("  ").unwrap().1;
        std::fs::copy(release.join(name), partial.join(name)).unwrap();
        sums.push_str(line);
        sums.push('\n');
    }
    std::fs::write(
        partial.join("terraform-provider-sample_0.1.0_SHA256SUMS"),
        sums,
    )
    .unwrap();
    let run = tofu_sbom_run([
        "verify",
        &target,
        "--release",
        partial.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(1);
    let v = run.json();
    assert_eq!(v["ok"], json!(false));
    let f = &v["findings"][0];
    assert_eq!(f["kind"], json!("stored_platform_not_in_release"));
    assert_eq!(f["platform"], json!("windows_amd64"));
    assert_eq!(
        f["message"],
        json!(format!(
            "windows_amd64: the index stores a ZIP ({}) for a platform the release does not have",
            f["storedDigest"].as_str().unwrap()
        ))
    );

    // Usage errors exit 2.
    let run = tofu_sbom_run(["verify", &target, "--supplier", "x"]).expect_code(2);
    assert!(
        run.stderr.contains(
            "--platform, --provider, --allow-missing-platforms, --supplier, --author and --timestamp apply only with --release"
        ),
        "{}",
        run.stderr
    );
}

/// Without `--release`, `--format` says which SBOM kinds each subject must carry: a provider published with only
/// CycloneDX 1.5 (for old Trivy) fails the default check (no SPDX on the index and the 3 platforms) and passes with
/// `--format cyclonedx-json@1.5`; `--release` reads the formats back and passes too.
#[test]
fn verify_format_names_the_expected_sbom_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let target = format!("oci-layout:{}", dir.path().join("layout").display());
    let release = support::sample_release_dir();
    tofu_sbom_run([
        "publish",
        release.to_str().unwrap(),
        &target,
        "--provider",
        "example/sample",
        "--format",
        "cyclonedx-json@1.5",
        "-q",
    ])
    .expect_code(0);
    let v = tofu_sbom_run(["verify", &target, "--json", "-q"])
        .expect_code(1)
        .json();
    let missing: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = ["darwin_arm64", "linux_amd64", "windows_amd64", "index"]
        .iter()
        .map(|s| ("sbom_missing".to_owned(), (*s).to_owned()))
        .collect();
    let mut got = missing.clone();
    got.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got, want_sorted, "{v:#}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["artifactType"] == json!("application/spdx+json")),
        "{v:#}"
    );
    let v = tofu_sbom_run([
        "verify",
        &target,
        "--format",
        "cyclonedx-json@1.5",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["findings"], json!([]));
    let v = tofu_sbom_run([
        "verify",
        &target,
        "--release",
        release.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["ok"], json!(true), "{v:#}");
    let run =
        tofu_sbom_run(["verify", &target, "--format", "spdx-json", "--no-sboms"]).expect_code(2);
    assert!(
        run.stderr
            .contains("--format names the SBOMs to expect; it cannot be combined with --no-sboms"),
        "{}",
        run.stderr
    );
}

/// `verify --profile`: every attached SBOM is linted; the findings are SBOM-policy errors (`sbom_profile`), OpenTofu's
/// verdict stays yes. Published with the default formats (CycloneDX 1.6 + SPDX 2.3): NTIA finds exactly the sample's
/// unversioned local-directory replacement in each of the 8 documents (as ntia-conformance-checker does,
/// `sbom_validate`); BSI refuses every SPDX 2.3 document by format and finds the CycloneDX 1.6 ones without licences
/// (licences are off by default) and the creator `org:Example Corp` without an e-mail address or URL.
#[test]
fn verify_profile_lints_the_attached_sboms_under_the_sbom_policy() {
    let (_dir, target) = published();
    let v = tofu_sbom_run(["verify", &target, "--profile", "ntia", "--json", "-q"])
        .expect_code(1)
        .json();
    assert_eq!(v["opentofuWouldInstall"], json!(true));
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 8, "{v:#}");
    for f in findings {
        assert_eq!(f["kind"], "sbom_profile");
        assert_eq!(f["count"], 1);
        let one = f["findings"][0].as_str().unwrap();
        assert!(
            one == "component-version /components/2/version"
                || one == "component-version /packages/3/versionInfo",
            "{f:#}"
        );
    }
    let v = tofu_sbom_run(["verify", &target, "--profile", "bsi-2.1", "--json", "-q"])
        .expect_code(1)
        .json();
    assert_eq!(v["opentofuWouldInstall"], json!(true));
    assert_eq!(v["sbomPolicy"], json!("failed"));
    let findings = v["findings"].as_array().unwrap();
    // index + 3 platforms, two SBOMs each.
    assert_eq!(findings.len(), 8, "{v:#}");
    for f in findings {
        assert_eq!(f["kind"], "sbom_profile");
        assert_eq!(f["verdict"], "sbom_policy");
        assert_eq!(f["profile"], "bsi-2.1");
    }
    let spdx: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["findings"] == json!(["format-version /spdxVersion"]))
        .collect();
    assert_eq!(spdx.len(), 4, "{v:#}");
    assert!(
        findings
            .iter()
            .filter(|f| f["findings"] != json!(["format-version /spdxVersion"]))
            .all(
                |f| f["findings"][0] == "sbom-creator-contact /metadata/manufacturer"
                    && f["findings"]
                        .as_array()
                        .unwrap()
                        .contains(&json!("component-licence /metadata/component/licenses"))
            ),
        "{v:#}"
    );
    tofu_sbom_run(["verify", &target, "--profile", "bsi-2.1", "--no-sboms"]).expect_code(2);
}
