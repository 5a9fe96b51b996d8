//! Trivy interop on real Go binaries, with both Trivy versions (tools located as described in
//! `tests/sbom_support/mod.rs`): current Trivy reads exactly its own `rootfs` package set from our CycloneDX 1.6 and
//! SPDX (the main module carrying the release version), Trivy 0.44.1 reads its `rootfs` set plus stdlib and the main
//! module from our CycloneDX 1.5.

mod sbom_support;

use sbom_support::{assert_trivy_interop, buf_dir, build_go_fixture, go_version_m};

/// (path, version, replacement (path, version)).
type DepLine<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);

/// A self-built binary with a module replacement, a local-directory replacement and an uppercase module path.
#[test]
fn trivy_reads_our_sboms_of_a_self_built_binary() {
    let binary = build_go_fixture();
    let bi = go_version_m(&binary);
    let deps: Vec<DepLine<'_>> = bi
        .deps
        .iter()
        .map(|d| {
            (
                d.path.as_str(),
                d.version.as_str(),
                d.replace
                    .as_deref()
                    .map(|r| (r.path.as_str(), r.version.as_str())),
            )
        })
        .collect();
    assert_eq!(
        deps,
        [
            ("example.com/Upper", "v1.0.0", None),
            ("example.com/alpha", "v1.2.3", None),
            ("example.com/local", "v0.1.0", Some(("./local", "(devel)"))),
            (
                "example.com/orig",
                "v1.0.0",
                Some(("example.com/fork", "v1.1.0"))
            ),
        ]
    );
    let rootfs = assert_trivy_interop(&binary, "linux", "amd64", "0.3.0");
    let names: Vec<&str> = rootfs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "./local",
            "example.com/Upper",
            "example.com/alpha",
            "example.com/fork",
            "github.com/acme/terraform-provider-gofix",
            "stdlib"
        ]
    );
}

/// The real buf 1.74.0 linux/amd64 binaries (not built by us): 85 and fewer deps each.
#[test]
fn trivy_reads_our_sboms_of_buf_linux_amd64() {
    let dir = buf_dir();
    let mut total = 0;
    for name in ["buf", "protoc-gen-buf-breaking", "protoc-gen-buf-lint"] {
        let rootfs = assert_trivy_interop(&dir.join(name), "linux", "amd64", "1.74.0");
        total += rootfs.len();
        if name == "buf" {
            assert_eq!(rootfs.len(), 87, "buf: 85 deps + stdlib + main module");
        }
    }
    assert!(total > 87 * 2, "{total}");
}
