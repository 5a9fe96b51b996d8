//! Trivy interop on real Go binaries, with both Trivy versions (tools located as described in
//! `tests/it/support/sbom.rs`): current Trivy reads exactly its own `rootfs` package set from our CycloneDX 1.6 and
//! SPDX (the main module carrying the release version), Trivy 0.44.1 reads its `rootfs` set plus stdlib and the main
//! module from our CycloneDX 1.5.

use crate::support::sbom as sbom_support;

use sbom_support::{
    Expectation, PkgSet, assert_trivy_interop, buf_dir, build_go_fixture, diff, go_version_m,
    platform_from_binary, release_of, trivy_old_rootfs, trivy_old_sbom, trivy_rootfs, trivy_sbom,
};
use tofu_sbom::inventory::Inventory;
use tofu_sbom::sbom::{self, Format};

/// (path, version, replacement (path, version)).
type DepLine<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);

/// A self-built binary with a module replacement, a local-directory replacement and an uppercase module path.
#[test]
fn trivy_reads_our_sboms_of_a_self_built_binary() {
    let binary = build_go_fixture("linux", "amd64");
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

/// The release-wide document of a two-platform release (the windows binary has one more module): current Trivy
/// reads from our CycloneDX 1.6 and SPDX exactly the union of what it reads from the two binaries, and so does
/// Trivy 0.44.1 from our CycloneDX 1.5.
#[test]
fn trivy_reads_the_release_wide_sbom_as_the_union_of_platforms() {
    let work = tempfile::tempdir().unwrap();
    let version = "0.3.0";
    let mut expected = PkgSet::new();
    let mut expected_old = PkgSet::new();
    let mut platforms = Vec::new();
    for (os, arch) in [("linux", "amd64"), ("windows", "arm64")] {
        let binary = build_go_fixture(os, arch);
        let dir = work.path().join(format!("rootfs-{os}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&binary, dir.join("gofix")).unwrap();
        let platform = platform_from_binary("gofix", version, os, arch, &binary, work.path());
        let expectation = Expectation::from_buildinfo(&platform.buildinfo, version);
        expected.extend(expectation.current(&trivy_rootfs(&dir, work.path())));
        expected_old.extend(expectation.old(&trivy_old_rootfs(&dir, work.path())));
        platforms.push(platform);
    }
    assert!(expected.contains(&("example.com/winonly".to_owned(), "v0.1.0".to_owned())));
    assert_eq!(expected.len(), 7, "{expected:?}");
    let inv = Inventory::for_release(&release_of("gofix", version, platforms)).unwrap();
    for format in [Format::CycloneDx16, Format::Spdx23] {
        let path = work.path().join(format!("release{}", format.extension()));
        std::fs::write(&path, sbom::render(&inv, format).unwrap()).unwrap();
        let got = trivy_sbom(&path, work.path());
        assert_eq!(got, expected, "{format}:\n{}", diff(&expected, &got));
    }
    assert_eq!(expected_old, expected);
    let path = work.path().join("release.cdx15.json");
    std::fs::write(&path, sbom::render(&inv, Format::CycloneDx15).unwrap()).unwrap();
    let got = trivy_old_sbom(&path, work.path());
    assert_eq!(
        got,
        expected_old,
        "Trivy 0.44.1:\n{}",
        diff(&expected_old, &got)
    );
}
