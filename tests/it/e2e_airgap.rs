//! End to end with the real OpenTofu (issue 12, "End-to-end tests" 2): the README's air-gapped flow
//! with a real provider. Outside, `tofu-sbom mirror` downloads the framework provider (`tsbfw`
//! 0.3.1, the 9 GoReleaser-built ZIPs) from a provider registry — the in-test provider-registry
//! server of `support::mirror` (no installable package implements that protocol), its
//! `SHA256SUMS` signed by a gpg key — into `oci-layout:DIR`; inside, `tofu-sbom mirror
//! oci-layout:DIR:0.3.1 REGISTRY/… --provider registry.opentofu.org/…` copies it into an internal
//! HTTPS distribution 2.8 with htpasswd auth; `tofu init` + `tofu apply`, configured with exactly
//! the `.tofurc` block that last step printed, install and run it from the internal registry. The
//! copy's lock block carries the `h1:` of every ZIP layer, or a warning per layer it cannot read.

use crate::support::cli::{isolate_credentials, run, tofu_sbom};
use crate::support::mirror::gpg::Gpg;
use crate::support::mirror::server::RegistryServer;
use crate::support::mirror::{Package, ProviderFixture, sha256_hex};
use crate::support::providers::{PROVIDER_PLATFORMS, PROVIDER_VERSION, TestProvider};
use crate::support::tofu::{TofuWorkspace, required_provider_tf};
use crate::support::{Registry, RegistryAuth, RegistryOpts};

use std::path::Path;

/// The h1: hash of a provider ZIP by `scripts/h1.py` (an independent Python implementation of
/// OpenTofu's `dirhash` over the unpacked package).
fn h1_of(zip: &Path) -> String {
    let out = std::process::Command::new("python3")
        .arg(crate::support::repo_root().join("scripts/h1.py"))
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

const USER: &str = "internal";
const PASS: &str = "air-gap-pw-7";

/// The in-test provider registry serving `tofu-sbom/tsbfw` 0.3.1: the release's 9 ZIPs byte for
/// byte, a GoReleaser-shaped `SHA256SUMS` signed by a fresh ed25519 key.
fn tsbfw_registry() -> ProviderFixture {
    let provider = TestProvider::Framework;
    let gpg = Gpg::new();
    let key = gpg.gen_key("tsbfw Signer <signer@example.com>", "ed25519");
    let mut fx = ProviderFixture {
        server: RegistryServer::start(),
        gpg,
        key,
        namespace: "tofu-sbom".into(),
        provider_type: provider.name().into(),
        versions: Vec::new(),
        junk_versions: Vec::new(),
        dir: tempfile::tempdir().expect("tmp"),
    };
    let packages = PROVIDER_PLATFORMS
        .iter()
        .map(|platform| {
            let (os, arch) = platform.split_once('_').expect("os_arch");
            let zip = provider.zip(platform);
            let bytes = std::fs::read(&zip).expect("read a release ZIP");
            Package {
                os: os.into(),
                arch: arch.into(),
                file_name: zip
                    .file_name()
                    .expect("a file name")
                    .to_string_lossy()
                    .into_owned(),
                sha256: sha256_hex(&bytes),
                bytes,
            }
        })
        .collect();
    fx.add_signed_version(PROVIDER_VERSION, packages);
    fx.publish();
    fx
}

/// `tofu-sbom ARGS... --json` in `cwd` with `HOME`=`home` (its `.docker/config.json` is the only
/// credential source), exit 0, its JSON.
fn tofu_sbom_json(home: &Path, cwd: &Path, args: &[&str]) -> serde_json::Value {
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home);
    cmd.env_remove("DOCKER_CONFIG")
        .current_dir(cwd)
        .args(args)
        .arg("--json");
    run(&mut cmd).expect_code(0).json()
}

/// The air-gapped flow: provider registry → `oci-layout:` → internal HTTPS registry → `tofu init
/// -lockfile=readonly` installs `tofu-sbom/tsbfw` v0.3.1 from the internal registry, with the lock
/// block the copy printed (the `h1:` and `zh:` of every platform) committed first and left
/// byte-identical, and `tofu apply` runs it. The index digest is the same in the layout, in the
/// copy's output and behind the internal registry's `0.3.1` tag.
///
/// Before the OCI copy computed `h1:` hashes its block held only `zh:`: `init -lockfile=readonly`
/// passed with a "Provider lock file not updated" warning and `tofu apply` then failed ("the cached
/// package for registry.opentofu.org/tofu-sbom/tsbfw 0.3.1 (in .terraform/providers) does not match
/// any of the checksums recorded in the dependency lock file"); without `readonly`, init rewrote
/// the committed file.
#[test]
fn air_gapped_mirror_through_an_oci_layout_is_installed_and_run_by_tofu() {
    let provider = TestProvider::Framework;
    let fx = tsbfw_registry();
    let reg = Registry::start(RegistryOpts {
        auth: RegistryAuth::Htpasswd {
            user: USER.to_owned(),
            pass: PASS.to_owned(),
        },
        tls: true,
    });
    let ca = reg.ca_cert.clone().expect("the registry's CA");
    let mut ws = TofuWorkspace::new();
    ws.write_docker_auth(&reg.host, USER, PASS);
    ws.trust_ca(&ca);
    let outside = tempfile::tempdir().expect("tmp");
    let usb = outside.path().join("usb");
    let layout = format!("oci-layout:{}", usb.display());

    // Outside: provider registry → OCI layout, the signature checked against the published key.
    let out = tofu_sbom_json(
        &ws.home(),
        outside.path(),
        &[
            "mirror",
            &format!("{}@{PROVIDER_VERSION}", fx.address()),
            &layout,
            "--work-dir",
            "downloads",
        ],
    );
    let first = &out["versions"][0];
    assert_eq!(out["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["version"], PROVIDER_VERSION);
    assert_eq!(first["download"]["downloaded"], 9);
    assert_eq!(first["signature"]["status"], "verified");
    assert_eq!(first["tofurc"], serde_json::Value::Null);
    let index = first["indexDigest"]
        .as_str()
        .expect("indexDigest")
        .to_owned();
    for platform in PROVIDER_PLATFORMS {
        assert_eq!(
            first["platforms"][platform]["zipDigest"],
            format!(
                "sha256:{}",
                crate::support::sha256_file(&provider.zip(platform))
            ),
            "{platform}"
        );
    }

    // Inside: OCI layout → the internal HTTPS registry, named as the public provider.
    let address = format!("registry.opentofu.org/tofu-sbom/{}", provider.name());
    let repo = format!("opentofu-providers/tofu-sbom/{}", provider.name());
    let out = tofu_sbom_json(
        &ws.home(),
        outside.path(),
        &[
            "mirror",
            &format!("{layout}:{PROVIDER_VERSION}"),
            &format!("{}/{repo}", reg.host),
            "--provider",
            &address,
            "--ca-file",
            ca.to_str().expect("UTF-8 path"),
        ],
    );
    let second = &out["versions"][0];
    assert_eq!(second["indexDigest"], index.as_str());
    assert_eq!(second["platforms"], first["platforms"]);
    assert_eq!(second["referrers"], first["referrers"]);
    let tofurc = second["tofurc"].as_str().expect("tofurc");
    assert_eq!(
        tofurc,
        format!(
            "provider_installation {{\n  oci_mirror {{\n    repository_template = \"{}/opentofu-providers/${{namespace}}/${{type}}\"\n    include             = [\"{address}\"]\n  }}\n  direct {{\n    exclude = [\"{address}\"]\n  }}\n}}\n",
            reg.host
        )
    );
    let auth = reg.auth_args();
    let auth: Vec<&str> = auth.iter().map(String::as_str).collect();
    let head = reg.request(
        "HEAD",
        &format!("/v2/{repo}/manifests/{PROVIDER_VERSION}"),
        &[
            &auth[..],
            &[
                "-I",
                "-H",
                "Accept: application/vnd.oci.image.index.v1+json",
            ],
        ]
        .concat(),
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Docker-Content-Digest"), Some(index.as_str()));

    // The lock block: `h1:` and `zh:` of every platform (h1: by scripts/h1.py), as publish prints.
    let lock = second["lockfile"].as_str().expect("lockfile").to_owned();
    let mut hashes: Vec<String> = PROVIDER_PLATFORMS
        .iter()
        .flat_map(|pl| {
            let zip = provider.zip(pl);
            [
                h1_of(&zip),
                format!("zh:{}", crate::support::sha256_file(&zip)),
            ]
        })
        .collect();
    hashes.sort();
    let hashes: String = hashes.iter().map(|h| format!("    \"{h}\",\n")).collect();
    assert_eq!(
        lock,
        format!(
            "provider \"{address}\" {{\n  version = \"{PROVIDER_VERSION}\"\n  hashes = [\n{hashes}  ]\n}}\n"
        )
    );

    // tofu, with exactly that block, our lock block committed first and read-only (as CI runs it).
    ws.write_cli_config(tofurc);
    ws.write_file(".terraform.lock.hcl", &lock);
    ws.write_main_tf(&format!(
        "{}\n{}",
        required_provider_tf(provider.name(), &address, PROVIDER_VERSION),
        provider.echo_tf("air gap")
    ));
    let init = ws
        .run(&["init", "-input=false", "-no-color", "-lockfile=readonly"])
        .expect_code(0);
    let installed = format!("- Installed tofu-sbom/tsbfw v{PROVIDER_VERSION} (verified checksum)");
    assert!(
        init.stdout_lines().contains(&installed.as_str()),
        "no {installed:?} in:\n{}",
        init.stdout
    );
    assert!(!init.stdout.contains("Warning"), "{}", init.stdout);
    assert_eq!(ws.lock_file().as_deref(), Some(lock.as_str()));
    ws.apply().expect_code(0);
    assert_eq!(
        ws.output_json()["echo"]["value"],
        serde_json::json!({
            "input": "air gap",
            "sha256": sha256_hex(b"air gap"),
            "version": PROVIDER_VERSION,
            "platform": "linux_amd64",
        })
    );
}

/// An OCI copy named as a provider whose binary its ZIPs do not hold (`--provider …/other` for the
/// tsbfw artifact): the copy succeeds, its lock block has only the `zh:` hashes, and each platform
/// gets a warning naming its layer and why there is no `h1:` (OpenTofu, looking for
/// `terraform-provider-other`, could not install it either).
#[test]
fn an_oci_copy_under_another_provider_type_warns_per_platform_and_locks_only_zh() {
    let provider = TestProvider::Framework;
    let home = tempfile::tempdir().expect("tmp");
    let src = format!("oci-layout:{}", home.path().join("src").display());
    let dst = format!("oci-layout:{}", home.path().join("dst").display());
    tofu_sbom_json(
        home.path(),
        home.path(),
        &[
            "publish",
            provider.release_dir().to_str().expect("UTF-8 path"),
            &src,
            "--provider",
            "registry.opentofu.org/tofu-sbom/tsbfw",
        ],
    );
    let out = tofu_sbom_json(
        home.path(),
        home.path(),
        &[
            "mirror",
            &format!("{src}:{PROVIDER_VERSION}"),
            &dst,
            "--provider",
            "example.com/acme/other",
        ],
    );
    let v = &out["versions"][0];
    let mut zh: Vec<String> = PROVIDER_PLATFORMS
        .iter()
        .map(|p| format!("zh:{}", crate::support::sha256_file(&provider.zip(p))))
        .collect();
    zh.sort();
    let hashes: String = zh.iter().map(|h| format!("    \"{h}\",\n")).collect();
    assert_eq!(
        v["lockfile"],
        format!(
            "provider \"example.com/acme/other\" {{\n  version = \"{PROVIDER_VERSION}\"\n  hashes = [\n{hashes}  ]\n}}\n"
        )
    );
    let want: Vec<String> = PROVIDER_PLATFORMS
        .iter()
        .map(|p| {
            format!(
                "no h1: lock hash for {p}: layer sha256:{}: no provider binary: no top-level file named terraform-provider-other* (OpenTofu could not install it either; is the provider type right?)",
                crate::support::sha256_file(&provider.zip(p))
            )
        })
        .collect();
    assert_eq!(v["warnings"], serde_json::json!(want));
}
