//! End to end with the real OpenTofu (issue 12, "End-to-end tests" 1): `tofu-sbom publish` to a real
//! distribution 2.8 over HTTPS (our own CA, given to tofu as `SSL_CERT_FILE`) with htpasswd auth,
//! tofu configured with exactly the `.tofurc` block `publish --json` printed and the credentials in
//! `HOME/.docker/config.json` `auths`; `tofu init` installs the provider (tofu's exact "Installed"
//! line), `tofu apply` runs it (its output value), and the lock file tofu writes holds only hashes
//! our `lockfile` output has; with our lock block committed first, init leaves it unchanged, and
//! with a wrong `zh:` it fails. The real providers are `support::providers` (framework and SDKv2);
//! the buf release is installed only (its binary is no provider).

use crate::support::cli::{isolate_credentials, run, tofu_sbom};
use crate::support::providers::{PROVIDER_PLATFORMS, PROVIDER_VERSION, TestProvider};
use crate::support::tofu::{TofuWorkspace, parse_lock_file, required_provider_tf};
use crate::support::{
    BUF_VERSION, Registry, RegistryAuth, RegistryOpts, buf_release_dir, repo_root, sha256_file,
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

/// The h1: hash of a provider ZIP by `scripts/h1.py` (an independent Python implementation of
/// OpenTofu's `dirhash` over the unpacked package).
fn h1_of(zip: &Path) -> String {
    let out = std::process::Command::new("python3")
        .arg(repo_root().join("scripts/h1.py"))
        .arg(zip)
        .output()
        .expect("run scripts/h1.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// A real provider published over HTTPS + htpasswd as `registry.opentofu.org/tofu-sbom/NAME` into
/// `HOST/tofu-sbom/NAME`, and a tofu workspace configured with exactly the printed `.tofurc`, the
/// credentials in `HOME/.docker/config.json`, the CA, and a `main.tf` reading `NAME_echo`.
struct Published {
    reg: Registry,
    ws: TofuWorkspace,
    json: serde_json::Value,
    address: String,
}

fn publish_real_provider(provider: TestProvider) -> Published {
    let reg = tls_htpasswd_registry();
    let mut ws = TofuWorkspace::new();
    ws.write_docker_auth(&reg.host, USER, PASS);
    ws.trust_ca(reg.ca_cert.as_ref().expect("the registry's CA"));
    let name = provider.name();
    let address = format!("registry.opentofu.org/tofu-sbom/{name}");
    let target = format!("{}/tofu-sbom/{name}", reg.host);
    let json = publish_json(&provider.release_dir(), &target, &address, &reg, &ws.home());
    let tofurc = json["tofurc"].as_str().expect("tofurc is a string");
    assert_eq!(
        tofurc,
        format!(
            "provider_installation {{\n  oci_mirror {{\n    repository_template = \"{}/${{namespace}}/${{type}}\"\n    include             = [\"{address}\"]\n  }}\n  direct {{\n    exclude = [\"{address}\"]\n  }}\n}}\n",
            reg.host
        )
    );
    ws.write_cli_config(tofurc);
    ws.write_main_tf(&format!(
        "{}\n{}",
        required_provider_tf(name, &address, PROVIDER_VERSION),
        provider.echo_tf(ECHO_INPUT)
    ));
    Published {
        reg,
        ws,
        json,
        address,
    }
}

const ECHO_INPUT: &str = "tofu-sbom e2e";

/// What `NAME_echo` returns for [`ECHO_INPUT`] from the linux_amd64 binary: the input, its SHA-256,
/// the linked version and the platform (plus `id` = the SHA-256 for SDKv2, which needs one).
fn expected_echo(provider: TestProvider) -> serde_json::Value {
    use sha2::Digest as _;
    let sha = hex::encode(sha2::Sha256::digest(ECHO_INPUT.as_bytes()));
    let mut v = serde_json::json!({
        "input": ECHO_INPUT,
        "sha256": sha,
        "version": PROVIDER_VERSION,
        "platform": "linux_amd64",
    });
    if provider == TestProvider::SdkV2 {
        v["id"] = serde_json::Value::String(sha);
    }
    v
}

/// `tofu-sbom verify` accepts the published provider (exit 0) and `tofu init` installs it (exact
/// "Installed" line), `tofu apply` runs it and `tofu output -json` shows what only that binary
/// computes.
fn init_and_apply(p: &Published, provider: TestProvider) {
    // Our verdict first: `tofu-sbom verify` (OpenTofu's rules and the SBOMs) accepts it, exit 0.
    let ca = p.reg.ca_cert.as_ref().expect("a TLS registry");
    let mut verify = tofu_sbom();
    isolate_credentials(&mut verify, &p.ws.home());
    verify
        .env_remove("DOCKER_CONFIG")
        .arg("verify")
        .arg(format!(
            "{}/tofu-sbom/{}:{PROVIDER_VERSION}",
            p.reg.host,
            provider.name()
        ))
        .arg("--ca-file")
        .arg(ca);
    run(&mut verify).expect_code(0);
    // …and tofu's: init installs it.
    let init = p.ws.init().expect_code(0);
    let installed = format!(
        "- Installed tofu-sbom/{} v{PROVIDER_VERSION} (verified checksum)",
        provider.name()
    );
    assert!(
        init.stdout_lines().contains(&installed.as_str()),
        "no {installed:?} in:\n{}",
        init.stdout
    );
    // Installed without a lock file, from an oci_mirror: tofu can record only the local platform.
    assert!(
        init.stdout
            .contains("Warning: Incomplete lock file information for providers"),
        "{}",
        init.stdout
    );
    p.ws.apply().expect_code(0);
    let out = p.ws.output_json();
    assert_eq!(out["echo"]["value"], expected_echo(provider), "{out}");
}

/// The framework provider end to end: publish over HTTPS with htpasswd, `tofu init` with exactly the
/// printed `.tofurc` installs `tofu-sbom/tsbfw` v0.3.1, `tofu apply` runs it (the output value only
/// the linux_amd64 binary computes). The lock file tofu writes pins 0.3.1 with exactly the `h1:`
/// (scripts/h1.py) and `zh:` (SHA-256) of the linux_amd64 ZIP, both in our `lockfile` output. Then,
/// with our lock block committed before init, `tofu init` succeeds without the "Incomplete lock
/// file information" warning of the first init and leaves it byte-identical;
/// with the linux_amd64 `zh:` altered it fails with tofu's checksum mismatch error (although the
/// matching `h1:` is still listed), while an altered `zh:` of another platform is not checked (tofu
/// keeps it).
#[test]
fn framework_provider_published_over_tls_is_installed_applied_and_locked_by_tofu() {
    let provider = TestProvider::Framework;
    let p = publish_real_provider(provider);
    init_and_apply(&p, provider);

    let ours_text = p.json["lockfile"]
        .as_str()
        .expect("lockfile is a string")
        .to_owned();
    let ours = parse_lock_file(&ours_text);
    let ours = &ours[&p.address];
    assert_eq!(ours.version, PROVIDER_VERSION);
    assert_eq!(ours.constraints, None);
    let mut want: Vec<String> = PROVIDER_PLATFORMS
        .iter()
        .map(|pl| h1_of(&provider.zip(pl)))
        .chain(
            PROVIDER_PLATFORMS
                .iter()
                .map(|pl| format!("zh:{}", sha256_file(&provider.zip(pl)))),
        )
        .collect();
    want.sort();
    assert_eq!(
        ours.hashes, want,
        "our lockfile: every platform's h1: and zh:, sorted"
    );

    let written = p.ws.lock_file().expect("tofu wrote .terraform.lock.hcl");
    let theirs = parse_lock_file(&written);
    assert_eq!(theirs.keys().collect::<Vec<_>>(), [&p.address]);
    let theirs = &theirs[&p.address];
    assert_eq!(theirs.version, PROVIDER_VERSION);
    assert_eq!(theirs.constraints.as_deref(), Some(PROVIDER_VERSION));
    let linux = provider.zip("linux_amd64");
    assert_eq!(
        theirs.hashes,
        [h1_of(&linux), format!("zh:{}", sha256_file(&linux))]
    );
    for hash in &theirs.hashes {
        assert!(
            ours.hashes.contains(hash),
            "tofu's {hash} is not in our lockfile output"
        );
    }

    // Our lock block committed first: init succeeds and leaves it byte for byte.
    let fresh = |lock: &str| {
        std::fs::remove_dir_all(p.ws.dir().join(".terraform")).expect("remove .terraform");
        p.ws.write_file(".terraform.lock.hcl", lock);
        p.ws.init()
    };
    let init = fresh(&ours_text).expect_code(0);
    assert!(
        init.stdout_lines().contains(
            &"- Reusing previous version of tofu-sbom/tsbfw from the dependency lock file"
        ),
        "{}",
        init.stdout
    );
    assert!(!init.stdout.contains("Warning"), "{}", init.stdout);
    assert_eq!(p.ws.lock_file().as_deref(), Some(ours_text.as_str()));
    p.ws.apply().expect_code(0);
    assert_eq!(p.ws.output_json()["echo"]["value"], expected_echo(provider));

    // One wrong zh: — the installed platform's — and init refuses the package.
    let linux_zh = format!("zh:{}", sha256_file(&linux));
    let wrong = flip_first_hex(&linux_zh);
    let init = fresh(&ours_text.replace(&linux_zh, &wrong)).expect_code(1);
    assert!(
        init.stderr_unwrapped().contains(&format!(
            "Error while installing tofu-sbom/tsbfw v{PROVIDER_VERSION}: the current package for {} {PROVIDER_VERSION} doesn't match any of the checksums previously recorded in the dependency lock file",
            p.address
        )),
        "{}",
        init.stderr
    );
    // Another platform's zh: altered: tofu does not check it. It keeps the wrong hash, rewriting
    // the file in its own form (header, `constraints`, hashes sorted again).
    let darwin_zh = format!("zh:{}", sha256_file(&provider.zip("darwin_arm64")));
    let darwin_wrong = flip_first_hex(&darwin_zh);
    let altered = ours_text.replace(&darwin_zh, &darwin_wrong);
    fresh(&altered).expect_code(0);
    let kept = parse_lock_file(&p.ws.lock_file().expect("the lock file"));
    let mut want_kept: Vec<String> = ours
        .hashes
        .iter()
        .map(|h| {
            if *h == darwin_zh {
                darwin_wrong.clone()
            } else {
                h.clone()
            }
        })
        .collect();
    want_kept.sort();
    assert_eq!(kept[&p.address].hashes, want_kept);
    assert_eq!(
        kept[&p.address].constraints.as_deref(),
        Some(PROVIDER_VERSION)
    );
    drop(p.reg);
}

/// `zh:HEX` with its first hex digit changed (`0`↔`1`, else → `0`).
fn flip_first_hex(zh: &str) -> String {
    let (prefix, hex) = zh.split_at(3);
    let first = match hex.as_bytes()[0] {
        b'0' => '1',
        _ => '0',
    };
    format!("{prefix}{first}{}", &hex[1..])
}

/// The SDKv2 provider end to end: the same publish, `tofu init` installs `tofu-sbom/tsbsdk` v0.3.1
/// and `tofu apply` runs it (protocol 5; the output carries SDKv2's `id`).
#[test]
fn sdkv2_provider_published_over_tls_is_installed_and_applied_by_tofu() {
    let provider = TestProvider::SdkV2;
    let p = publish_real_provider(provider);
    init_and_apply(&p, provider);
    let theirs = parse_lock_file(&p.ws.lock_file().expect("tofu wrote .terraform.lock.hcl"));
    let ours = parse_lock_file(p.json["lockfile"].as_str().expect("lockfile"));
    let linux = provider.zip("linux_amd64");
    assert_eq!(
        theirs[&p.address].hashes,
        [h1_of(&linux), format!("zh:{}", sha256_file(&linux))]
    );
    for hash in &theirs[&p.address].hashes {
        assert!(ours[&p.address].hashes.contains(hash), "{hash}");
    }
}
