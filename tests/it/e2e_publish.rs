//! End to end with the real OpenTofu (issue 12, "End-to-end tests" 1): `tofu-sbom publish` to a real
//! distribution 2.8 over HTTPS (our own CA, given to tofu as `SSL_CERT_FILE`) with htpasswd auth,
//! tofu configured with exactly the `.tofurc` block `publish --json` printed and the credentials in
//! `HOME/.docker/config.json` `auths`; `tofu init` installs the provider (tofu's exact "Installed"
//! line), and the lock file tofu writes holds only hashes our `lockfile` output has.

use crate::support::cli::{isolate_credentials, run, tofu_sbom};
use crate::support::tofu::{TofuWorkspace, parse_lock_file, required_provider_tf};
use crate::support::{
    BUF_VERSION, Registry, RegistryAuth, RegistryOpts, buf_release_dir, sha256_file,
};

use std::path::Path;

const USER: &str = "alice";
const PASS: &str = "tofu-e2e-pw-1";

/// A distribution 2.8 registry serving HTTPS under a throw-away CA, with htpasswd basic auth.
fn tls_htpasswd_registry() -> Registry {
    Registry::start(RegistryOpts {
        auth: RegistryAuth::Htpasswd {
            user: USER.to_owned(),
            pass: PASS.to_owned(),
        },
        tls: true,
    })
}

/// `tofu-sbom publish RELEASE TARGET --provider PROVIDER --ca-file CA --json` with `HOME`=`home` (so
/// it reads the same `HOME/.docker/config.json` tofu will) and no other credential source; panics
/// unless it exits 0; returns its JSON.
fn publish_json(
    release: &Path,
    target: &str,
    provider: &str,
    reg: &Registry,
    home: &Path,
) -> serde_json::Value {
    let ca = reg.ca_cert.as_ref().expect("a TLS registry");
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home);
    cmd.env_remove("DOCKER_CONFIG")
        .arg("publish")
        .arg(release)
        .args([target, "--provider", provider, "--json", "--ca-file"])
        .arg(ca);
    run(&mut cmd).expect_code(0).json()
}

/// The buf release (7 platforms), published over HTTPS with htpasswd: `tofu init` with exactly the
/// printed `.tofurc` block and the Docker config credentials installs `example/buf` v1.74.0 from the
/// registry ("Installed example/buf v1.74.0 (verified checksum)"), and the lock file it writes pins
/// that version with one `h1:` and one `zh:` hash (linux_amd64), both among the hashes of our
/// `lockfile` block. tofu only installs here (buf is not a real provider protocol server).
#[test]
fn buf_release_published_over_tls_with_htpasswd_is_installed_by_tofu_init() {
    let reg = tls_htpasswd_registry();
    let mut ws = TofuWorkspace::new();
    ws.write_docker_auth(&reg.host, USER, PASS);
    ws.trust_ca(reg.ca_cert.as_ref().expect("the registry's CA"));
    let target = format!("{}/acme/buf", reg.host);
    let published = publish_json(&buf_release_dir(), &target, "example/buf", &reg, &ws.home());
    let tofurc = published["tofurc"].as_str().expect("tofurc is a string");
    assert_eq!(
        tofurc,
        format!(
            "provider_installation {{\n  oci_mirror {{\n    repository_template = \"{target}\"\n    include             = [\"registry.opentofu.org/example/buf\"]\n  }}\n  direct {{\n    exclude = [\"registry.opentofu.org/example/buf\"]\n  }}\n}}\n"
        )
    );
    ws.write_cli_config(tofurc);
    ws.write_main_tf(&required_provider_tf(
        "buf",
        "registry.opentofu.org/example/buf",
        BUF_VERSION,
    ));

    let init = ws.init().expect_code(0);
    let installed = format!("- Installed example/buf v{BUF_VERSION} (verified checksum)");
    assert!(
        init.stdout_lines().contains(&installed.as_str()),
        "no {installed:?} in:\n{}",
        init.stdout
    );

    let ours = parse_lock_file(
        published["lockfile"]
            .as_str()
            .expect("lockfile is a string"),
    );
    let ours = &ours["registry.opentofu.org/example/buf"];
    assert_eq!(ours.version, BUF_VERSION);
    assert_eq!(ours.hashes.len(), 14, "7 h1: + 7 zh:");
    let written = ws.lock_file().expect("tofu wrote .terraform.lock.hcl");
    let theirs = parse_lock_file(&written);
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ["registry.opentofu.org/example/buf"]
    );
    let theirs = &theirs["registry.opentofu.org/example/buf"];
    assert_eq!(theirs.version, BUF_VERSION);
    assert_eq!(theirs.constraints.as_deref(), Some(BUF_VERSION));
    let kinds: Vec<&str> = theirs.hashes.iter().map(|h| &h[..3]).collect();
    assert_eq!(kinds, ["h1:", "zh:"], "{written}");
    let zip = buf_release_dir().join(format!(
        "terraform-provider-buf_{BUF_VERSION}_linux_amd64.zip"
    ));
    assert_eq!(theirs.hashes[1], format!("zh:{}", sha256_file(&zip)));
    for hash in &theirs.hashes {
        assert!(
            ours.hashes.contains(hash),
            "tofu's {hash} is not in our lockfile output"
        );
    }
}
