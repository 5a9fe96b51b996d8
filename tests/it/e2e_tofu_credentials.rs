//! Credentials `tofu init` would not read (issue 12): `tofu-sbom publish` finds its registry credentials through
//! `DOCKER_CONFIG`, which OpenTofu 1.12 ignores, says so on stderr and prints the `.tofurc` lines that point tofu at the
//! same file. The real `tofu init` against the TLS + htpasswd distribution 2.8 registry installs the provider with
//! exactly those lines added to the printed `.tofurc` block, and fails without them ("basic credential not found":
//! oras-go's answer to the registry's 401 basic challenge).

use crate::support::cli::{isolate_credentials, run, tofu_sbom};
use crate::support::tofu::{TofuWorkspace, required_provider_tf};
use crate::support::{Registry, RegistryAuth, RegistryOpts, sample_release_dir};

use base64::Engine as _;

const USER: &str = "ci-bot";
const PASS: &str = "tofu-cred-pw-7";

#[test]
fn credentials_from_docker_config_get_the_tofurc_lines_that_make_tofu_init_work() {
    let reg = Registry::start(RegistryOpts {
        auth: RegistryAuth::Htpasswd {
            user: USER.to_owned(),
            pass: PASS.to_owned(),
        },
        tls: true,
    });
    let ca = reg.ca_cert.clone().expect("a TLS registry");
    // The credentials live only in a DOCKER_CONFIG directory (as CI systems set it), not in HOME/.docker.
    let tmp = tempfile::tempdir().unwrap();
    let docker_config = tmp.path().join("ci-docker");
    std::fs::create_dir_all(&docker_config).unwrap();
    let config_json = docker_config.join("config.json");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
    std::fs::write(
        &config_json,
        serde_json::json!({"auths": {&reg.host: {"auth": auth}}}).to_string(),
    )
    .unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let target = format!("{}/acme/sample", reg.host);
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, &home)
        .env("DOCKER_CONFIG", &docker_config)
        .arg("publish")
        .arg(sample_release_dir())
        .args([
            &target,
            "--provider",
            "example/sample",
            "--json",
            "--ca-file",
        ])
        .arg(&ca);
    let published = run(&mut cmd).expect_code(0);
    let tofurc = published.json()["tofurc"]
        .as_str()
        .expect("a .tofurc block for a TLS registry")
        .to_owned();
    // The warning and the lines, exactly (no secret anywhere).
    let lines: Vec<&str> = published.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("tofu-sbom: warning: tofu init would not find"))
        .unwrap_or_else(|| panic!("no warning in:\n{}", published.stderr));
    assert_eq!(
        lines[at],
        format!(
            "tofu-sbom: warning: tofu init would not find the credentials used for {}: {} is not among the files \
             OpenTofu searches (it ignores DOCKER_CONFIG); point tofu at it (this replaces its search list); add to \
             the .tofurc:",
            reg.host,
            config_json.display()
        )
    );
    let added = format!(
        "oci_default_credentials {{\n  docker_style_config_files = [\"{}\"]\n}}\n",
        config_json.display()
    );
    assert_eq!(
        lines[at + 1..].join("\n") + "\n",
        added,
        "{}",
        published.stderr
    );
    assert!(!published.stderr.contains(PASS) && !published.out().contains(PASS));

    // verify says the same (and -q silences it); its verdicts are unaffected.
    for (quiet, warned) in [(false, true), (true, false)] {
        let mut cmd = tofu_sbom();
        isolate_credentials(&mut cmd, &home)
            .env("DOCKER_CONFIG", &docker_config)
            .args(["verify", &format!("{target}:0.1.0"), "--json", "--ca-file"])
            .arg(&ca);
        if quiet {
            cmd.arg("-q");
        }
        let verified = run(&mut cmd).expect_code(0);
        assert_eq!(verified.json()["opentofuWouldInstall"], true);
        assert_eq!(
            verified.stderr.contains(&format!("{}\n{added}", lines[at])),
            warned,
            "{}",
            verified.stderr
        );
    }

    let main_tf = required_provider_tf("sample", "registry.opentofu.org/example/sample", "0.1.0");
    // Without the added lines: tofu looks in its own files only, finds nothing, and the registry refuses it.
    let mut without = TofuWorkspace::new();
    without.trust_ca(&ca);
    without.write_cli_config(&tofurc);
    without.write_main_tf(&main_tf);
    let failed = without.init().expect_code(1);
    let stderr = failed.stderr_unwrapped();
    // oras-go's answer to the registry's 401 basic challenge when tofu's credentials callback has nothing.
    assert!(
        stderr.contains(&format!(
            "Error: Failed to resolve provider packages Could not resolve provider example/sample: accessing OCI \
             registry at {host}: failed to contact OCI registry at \"{host}\": GET \"https://{host}/v2/\": basic \
             credential not found",
            host = reg.host
        )),
        "{stderr}"
    );

    // With exactly the printed lines added: installed.
    let mut with = TofuWorkspace::new();
    with.trust_ca(&ca);
    with.write_cli_config(&format!("{tofurc}\n{added}"));
    with.write_main_tf(&main_tf);
    let init = with.init().expect_code(0);
    assert!(
        init.stdout_lines()
            .contains(&"- Installed example/sample v0.1.0 (verified checksum)"),
        "{}",
        init.stdout
    );
}
