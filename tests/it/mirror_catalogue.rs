//! `mirror --from-file FILE TARGET` (issue 14): a catalogue of providers from in-test provider registries (the
//! provider registry protocol, which nothing installable here serves: `support::mirror::server`) into the real
//! distribution 2.8 registry and an OCI layout, through a target template with OpenTofu's `${namespace}`/`${type}`
//! placeholders. Exact per-entry outcomes, a failing entry that does not stop the others (exit 2), a re-run that uploads
//! nothing, shards that split the catalogue disjointly and completely, and the Markdown summary.

use crate::support;
use crate::support::cli::{Run, isolate_credentials, run, tofu_sbom};
use crate::support::mirror::ProviderFixture;

use std::path::Path;

use serde_json::{Value, json};
use support::{Registry, RegistryOpts};

/// Runs tofu-sbom in `home` with credentials isolated there.
pub(crate) fn tofu(home: &Path, args: &[&str]) -> Run {
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home);
    cmd.current_dir(home).args(args);
    run(&mut cmd)
}

/// `(line, status, what `rest` reads)` of every entry of a catalogue's `--json` output.
pub(crate) fn entries_with<T>(out: &Value, rest: impl Fn(&Value) -> T) -> Vec<(u64, String, T)> {
    out["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["status"].as_str().unwrap().to_owned(),
                rest(e),
            )
        })
        .collect()
}

/// (line, status, target) of every entry.
fn statuses(out: &Value) -> Vec<(u64, String, String)> {
    entries_with(out, |e| e["target"].as_str().unwrap().to_owned())
}

#[test]
fn a_catalogue_mirrors_every_provider_into_its_templated_repository_and_reruns_as_a_no_op() {
    let alpha =
        ProviderFixture::with_sample_binaries_versions("acme", "alpha", &["1.0.0", "1.1.0"]);
    let beta = ProviderFixture::with_sample_binaries("other", "beta", "0.3.0");
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    let file = home.path().join("providers.txt");
    std::fs::write(
        &file,
        format!(
            "# the providers our modules use\n{}@~> 1.0   # newest 1.x\n\n{}\n{}/acme/missing\n",
            alpha.address(),
            beta.address(),
            alpha.server.host()
        ),
    )
    .unwrap();
    let target = format!("{}/mirror/${{namespace}}/${{type}}", reg.host);
    let summary = home.path().join("summary.md");
    let args = [
        "mirror",
        "--from-file",
        file.to_str().unwrap(),
        &target,
        "--work-dir",
        work.to_str().unwrap(),
        "--summary-md",
        summary.to_str().unwrap(),
        "--json",
        "-q",
    ];
    // One client per target repository for the whole run (client pool): each repository is pinged once, however
    // many stores the mirror of a version opens (presence check, push, attach, provenance) — 2 repositories here
    // (the failing entry fails at its source, before its target is opened).
    let pings = |reg: &Registry| reg.requests().iter().filter(|r| *r == "GET /v2/").count();
    let started_pings = pings(&reg);
    let first = tofu(home.path(), &args).expect_code(2).json();
    assert_eq!(pings(&reg) - started_pings, 2);
    assert_eq!(
        statuses(&first),
        vec![
            (
                2,
                "mirrored".into(),
                format!("{}/mirror/acme/alpha", reg.host)
            ),
            (
                4,
                "mirrored".into(),
                format!("{}/mirror/other/beta", reg.host)
            ),
            (
                5,
                "failed".into(),
                format!("{}/mirror/acme/missing", reg.host)
            ),
        ]
    );
    assert_eq!(
        first["summary"],
        json!({"entries": 3, "mirrored": 2, "failed": 1, "skipped": 0, "versions": 2,
               "bytes": first["summary"]["bytes"]})
    );
    assert!(first["summary"]["bytes"].as_u64().unwrap() > 0, "{first}");
    assert_eq!(first["entries"][0]["versions"][0]["version"], "1.1.0");
    assert_eq!(first["entries"][1]["versions"][0]["version"], "0.3.0");
    let error = first["entries"][2]["error"].as_str().unwrap();
    assert!(error.contains("acme/missing"), "{error}");
    // Each provider is in its own repository, tagged with its version, and verifies.
    for (repo, version) in [
        ("mirror/acme/alpha", "1.1.0"),
        ("mirror/other/beta", "0.3.0"),
    ] {
        let v = tofu(
            home.path(),
            &[
                "verify",
                &format!("{}/{repo}:{version}", reg.host),
                "--json",
                "-q",
            ],
        );
        assert_eq!(v.code, 0, "{repo}: {}", v.out());
    }
    let verified_pings = pings(&reg);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| line | source | target | status | versions | bytes | seconds |"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| 2 | `{}@~> 1.0` | `{}/mirror/acme/alpha` | mirrored | 1.1.0 |",
            alpha.address(),
            reg.host
        )),
        "{md}"
    );
    assert!(md.contains("| 5 | `"), "{md}");
    assert!(md.contains("| **failed**: "), "{md}");

    // A re-run on a fresh runner (empty work dir) finds both versions complete in the target: no ZIP is downloaded
    // again, nothing is uploaded.
    let zip_gets = |fx: &ProviderFixture, v: &str| -> usize {
        ["darwin_arm64", "linux_amd64", "windows_amd64"]
            .iter()
            .map(|p| fx.server.count(&fx.zip_path(v, p)))
            .sum()
    };
    let before = (zip_gets(&alpha, "1.1.0"), zip_gets(&beta, "0.3.0"));
    assert_eq!(before, (3, 3));
    let fresh = home.path().join("fresh-work");
    let mut rerun = args.to_vec();
    rerun[5] = fresh.to_str().unwrap();
    let again = tofu(home.path(), &rerun).expect_code(2).json();
    for i in 0..2 {
        let v = &again["entries"][i]["versions"][0];
        assert_eq!(v["alreadyPresent"], true, "{v}");
        assert_eq!(v.get("download"), None, "{v}");
        assert_eq!(
            v["copied"],
            json!({"blobs": 0, "bytes": 0, "referrers": 0}),
            "{v}"
        );
        assert_eq!(v["index_digest"], Value::Null, "camelCase only: {v}");
        assert_eq!(
            v["indexDigest"], first["entries"][i]["versions"][0]["indexDigest"],
            "{v}"
        );
    }
    assert_eq!(again["summary"]["bytes"], 0);
    assert_eq!(
        (zip_gets(&alpha, "1.1.0"), zip_gets(&beta, "0.3.0")),
        before
    );
    let rerun_pings = pings(&reg) - verified_pings;
    assert_eq!(rerun_pings, 2);
}

#[test]
fn shards_split_a_catalogue_disjointly_and_completely_into_a_layout_template() {
    let fixtures: Vec<ProviderFixture> = ["p1", "p2", "p3", "p4"]
        .iter()
        .map(|t| ProviderFixture::with_sample_binaries("acme", t, "1.0.0"))
        .collect();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("providers.txt");
    let lines: Vec<String> = fixtures.iter().map(ProviderFixture::address).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let usb = home.path().join("usb");
    let target = format!("oci-layout:{}/${{namespace}}/${{type}}", usb.display());
    let mut mirrored_by: Vec<Vec<u64>> = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = tofu(
            home.path(),
            &[
                "mirror",
                "--from-file",
                file.to_str().unwrap(),
                &target,
                "--shard",
                shard,
                "--work-dir",
                home.path().join("work").to_str().unwrap(),
                "--jobs",
                "2",
                "--json",
                "-q",
            ],
        )
        .expect_code(0)
        .json();
        assert_eq!(out["shard"], shard);
        mirrored_by.push(
            statuses(&out)
                .into_iter()
                .filter(|(_, s, _)| s == "mirrored")
                .map(|(l, _, _)| l)
                .collect(),
        );
        assert_eq!(
            out["summary"]["mirrored"].as_u64().unwrap()
                + out["summary"]["skipped"].as_u64().unwrap(),
            4
        );
    }
    let mut all: Vec<u64> = mirrored_by.concat();
    all.sort_unstable();
    assert_eq!(all, vec![1, 2, 3, 4], "{mirrored_by:?}");
    for t in ["p1", "p2", "p3", "p4"] {
        let tagged = format!("oci-layout:{}:1.0.0", usb.join("acme").join(t).display());
        tofu(home.path(), &["verify", &tagged, "--no-sboms", "-q"]).expect_code(0);
    }
}

#[test]
fn catalogue_usage_errors_name_the_line_and_the_fix() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("providers.txt");
    std::fs::write(&file, "hashicorp/aws\nhashicorp/tls@\n").unwrap();
    let out = tofu(
        home.path(),
        &[
            "mirror",
            "--from-file",
            file.to_str().unwrap(),
            "oci-layout:x/${type}",
        ],
    )
    .expect_code(2);
    assert!(
        out.stderr.contains(&format!(
            "{} line 2: invalid provider source \"hashicorp/tls@\"",
            file.display()
        )),
        "{}",
        out.stderr
    );
    std::fs::write(&file, "hashicorp/aws\nhashicorp/tls\n").unwrap();
    let out = tofu(
        home.path(),
        &[
            "mirror",
            "--from-file",
            file.to_str().unwrap(),
            "oci-layout:x/${namespace}",
        ],
    )
    .expect_code(2);
    assert!(
        out.stderr
            .contains("2 sources would all land in one repository; put ${type}"),
        "{}",
        out.stderr
    );
    let out = tofu(
        home.path(),
        &[
            "mirror",
            "--from-file",
            file.to_str().unwrap(),
            "oci-layout:x/${type}",
            "--shard",
            "3/2",
        ],
    )
    .expect_code(2);
    assert!(
        out.stderr
            .contains("invalid --shard \"3/2\": expected 1 ≤ I ≤ N"),
        "{}",
        out.stderr
    );
}

/// `--from-config DIR`: the three providers an OpenTofu configuration requires (two root files' `required_providers`
/// and a local module's, constraints combined) mirrored into a layout template, each at the newest version its
/// constraints allow.
#[test]
fn from_config_mirrors_what_the_configuration_requires() {
    let alpha = ProviderFixture::with_sample_binaries_versions(
        "acme",
        "alpha",
        &["1.0.0", "1.1.0", "2.0.0"],
    );
    let beta = ProviderFixture::with_sample_binaries("other", "beta", "0.3.0");
    let gamma = ProviderFixture::with_sample_binaries_versions(
        "infra",
        "dns",
        &["4.0.0", "4.1.0", "4.2.0", "5.0.0"],
    );
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::create_dir_all(config.join("modules/net")).unwrap();
    // A second root file, a local name that is not the type, and a pessimistic constraint.
    std::fs::write(
        config.join("dns.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    resolver = {{\n      source  = \"{}\"\n      version = \"~> 4.1\"\n    }}\n  }}\n}}\n",
            gamma.address()
        ),
    )
    .unwrap();
    std::fs::write(
        config.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    alpha = {{\n      source  = \"{}\"\n      version = \">= 1.0\"\n    }}\n  }}\n}}\nmodule \"net\" {{\n  source = \"./modules/net\"\n}}\n",
            alpha.address()
        ),
    )
    .unwrap();
    std::fs::write(
        config.join("modules/net/versions.tofu"),
        format!(
            "terraform {{\n  required_providers {{\n    alpha = {{ source = \"{}\", version = \"< 2.0\" }}\n    beta  = {{ source = \"{}\" }}\n  }}\n}}\n",
            alpha.address(),
            beta.address()
        ),
    )
    .unwrap();
    let usb = home.path().join("usb");
    let target = format!("oci-layout:{}/${{namespace}}/${{type}}", usb.display());
    let out = tofu(
        home.path(),
        &[
            "mirror",
            "--from-config",
            config.to_str().unwrap(),
            &target,
            "--work-dir",
            home.path().join("work").to_str().unwrap(),
            "--json",
            "-q",
        ],
    )
    .expect_code(0)
    .json();
    let sources: Vec<&str> = out["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    let alpha_source = format!("{}@< 2.0, >= 1.0", alpha.address());
    let beta_source = beta.address();
    let gamma_source = format!("{}@~> 4.1", gamma.address());
    let mut want = vec![
        alpha_source.as_str(),
        beta_source.as_str(),
        gamma_source.as_str(),
    ];
    want.sort_unstable();
    assert_eq!(sources, want, "{out}");
    let versions: Vec<(&str, &str)> = out["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap(),
                e["versions"][0]["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        versions.contains(&(
            format!("oci-layout:{}/acme/alpha", usb.display()).as_str(),
            "1.1.0"
        )),
        "{versions:?}"
    );
    assert!(
        versions.contains(&(
            format!("oci-layout:{}/other/beta", usb.display()).as_str(),
            "0.3.0"
        )),
        "{versions:?}"
    );
    assert!(
        versions.contains(&(
            format!("oci-layout:{}/infra/dns", usb.display()).as_str(),
            "4.2.0"
        )),
        "{versions:?}"
    );
    assert_eq!(versions.len(), 3, "{versions:?}");
}

/// The catalogue's progress display is for terminals only: with stderr not a terminal (here, a pipe) a run without
/// `-q` or `--json` draws nothing — stderr holds no bar, no carriage return, no escape sequence — and stdout is the
/// plain text report, ending with the exact totals line. (The events the display draws from are unit-tested in
/// `mirror::catalogue`.)
#[test]
fn no_progress_is_drawn_when_stderr_is_not_a_terminal() {
    let fx = ProviderFixture::with_sample_binaries("acme", "gamma", "2.0.0");
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("providers.txt");
    std::fs::write(&file, format!("{}\n", fx.address())).unwrap();
    let usb = home.path().join("usb");
    let target = format!("oci-layout:{}/${{namespace}}/${{type}}", usb.display());
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home.path());
    cmd.current_dir(home.path()).env_remove("CI").args([
        "mirror",
        "--from-file",
        file.to_str().unwrap(),
        &target,
        "--work-dir",
        home.path().join("work").to_str().unwrap(),
    ]);
    let r = run(&mut cmd).expect_code(0);
    for drawn in ["entries", "\r", "\u{1b}["] {
        assert!(
            !r.stderr.contains(drawn),
            "{drawn:?} in stderr: {}",
            r.stderr
        );
    }
    let out = r.out();
    let last = out.lines().last().unwrap();
    let bytes: u64 = last
        .rsplit_once(", ")
        .and_then(|(_, t)| t.strip_suffix(" bytes written)"))
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    assert!(bytes > 0, "{out}");
    assert_eq!(
        last,
        format!(
            "catalogue {}: 1 mirrored, 0 failed, 0 in other shards (1 versions, {bytes} bytes written)",
            file.display()
        )
    );
    assert!(
        out.starts_with(&format!(
            "== line 1: {} → oci-layout:{}\n",
            fx.address(),
            usb.join("acme").join("gamma").display()
        )),
        "{out}"
    );
}
