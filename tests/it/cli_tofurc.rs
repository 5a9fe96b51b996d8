//! The `.tofurc` block as `push`/`mirror` print it for a registry OpenTofu cannot reach (issue 12): reached over plain
//! HTTP (`--plain-http`, or a loopback host after TLS failed), there is no block but the reason and what to do —
//! and the real `tofu init` confirms that the block we used to print fails against such a registry.

use crate::support::cli::{isolate_credentials, run, tofu_sbom};
use crate::support::tofu::{TofuWorkspace, required_provider_tf};
use crate::support::{Registry, RegistryOpts, sample_release_dir};

fn unusable(host: &str) -> String {
    format!(
        "no .tofurc block: {host} was reached over plain HTTP, and OpenTofu reaches OCI registries only over HTTPS \
         (its CLI configuration has no plain-HTTP, insecure or CA option), so tofu init cannot install from it; serve \
         the registry over TLS (with a private CA, run tofu with SSL_CERT_FILE=/path/to/ca.pem) and run this again"
    )
}

#[test]
fn a_plain_http_registry_gets_the_reason_instead_of_a_block_and_tofu_agrees() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let target = format!("{}/acme/sample", reg.host);
    let push = |extra: &[&str]| {
        let mut cmd = tofu_sbom();
        isolate_credentials(&mut cmd, home.path())
            .arg("push")
            .arg(sample_release_dir())
            .args([target.as_str(), "--provider", "example/sample"])
            .args(extra);
        run(&mut cmd).expect_code(0)
    };
    // The loopback fallback after TLS failed, and --plain-http: the same text ending and JSON fields.
    for flags in [&[][..], &["--plain-http"][..]] {
        let text = push(flags).out();
        assert!(
            text.ends_with(&format!("\n\n# .tofurc: {}\n", unusable(&reg.host))),
            "{flags:?}: {text}"
        );
        assert!(!text.contains("provider_installation"), "{text}");
        let mut json_flags = flags.to_vec();
        json_flags.push("--json");
        let v = push(&json_flags).json();
        assert_eq!(v["tofurc"], serde_json::Value::Null);
        assert_eq!(v["tofurcUnusable"], unusable(&reg.host).as_str());
    }

    // What we used to print, given to the real tofu: it speaks HTTPS to the plain-HTTP registry and fails.
    let ws = TofuWorkspace::new();
    ws.write_cli_config(&format!(
        "provider_installation {{\n  oci_mirror {{\n    repository_template = \"{target}\"\n    include             = [\"registry.opentofu.org/example/sample\"]\n  }}\n  direct {{\n    exclude = [\"registry.opentofu.org/example/sample\"]\n  }}\n}}\n"
    ));
    ws.write_main_tf(&required_provider_tf(
        "sample",
        "registry.opentofu.org/example/sample",
        "0.1.0",
    ));
    let failed = ws.init().expect_code(1);
    let stderr = failed.stderr_unwrapped();
    assert!(
        stderr.contains(&format!(
            "failed to contact OCI registry at \"{host}\": Get \"https://{host}/v2/\": http: server gave HTTP response \
             to HTTPS client",
            host = reg.host
        )),
        "{stderr}"
    );
}

/// A registry served over TLS under a private CA (`--ca-file`): the block, then how tofu gets that CA.
#[test]
fn a_tls_registry_under_a_private_ca_gets_the_block_and_the_ssl_cert_file_hint() {
    let reg = Registry::start(RegistryOpts::tls());
    let ca = reg.ca_cert.clone().unwrap();
    let home = tempfile::tempdir().unwrap();
    let target = format!("{}/acme/sample", reg.host);
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home.path())
        .arg("push")
        .arg(sample_release_dir())
        .args([target.as_str(), "--provider", "example/sample", "--ca-file"])
        .arg(&ca);
    let text = run(&mut cmd).expect_code(0).out();
    assert!(
        text.ends_with(&format!(
            "\n# .tofurc\nprovider_installation {{\n  oci_mirror {{\n    repository_template = \"{target}\"\n    \
             include             = [\"registry.opentofu.org/example/sample\"]\n  }}\n  direct {{\n    \
             exclude = [\"registry.opentofu.org/example/sample\"]\n  }}\n}}\n\n\
             # tofu has no CA setting: if the registry's certificate needs --ca-file, run tofu with SSL_CERT_FILE={}\n",
            ca.display()
        )),
        "{text}"
    );
}
