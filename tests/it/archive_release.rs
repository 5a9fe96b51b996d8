//! Provider releases: file-name parsing, `SHA256SUMS` verification, platform selection.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use tofu_sbom::archive::release::{Platform, Release, parse_platforms};
use tofu_sbom::archive::{Digests, ReleaseError};
use tofu_sbom::limits::Limits;

/// A small provider ZIP written with the `zip` crate's writer (deflate).
fn provider_zip(path: &Path, provider_type: &str, version: &str, payload: &str) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    w.start_file(
        format!("terraform-provider-{provider_type}_v{version}"),
        opts,
    )
    .unwrap();
    w.write_all(format!("binary for {payload}\n").as_bytes())
        .unwrap();
    w.start_file("README.md", opts).unwrap();
    w.write_all(b"# readme\n").unwrap();
    w.finish().unwrap();
}

fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

const PLATFORMS: [(&str, &str); 3] = [("linux", "amd64"), ("darwin", "arm64"), ("windows", "386")];

/// A GoReleaser-like `dist/`: three ZIPs, SHA256SUMS (also listing the registry manifest), its signature, and
/// unrelated files.
fn dist(version: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dist");
    std::fs::create_dir(&dir).unwrap();
    let mut sums = String::new();
    for (os, arch) in PLATFORMS {
        let name = format!("terraform-provider-demo_{version}_{os}_{arch}.zip");
        let path = dir.join(&name);
        provider_zip(&path, "demo", version, &format!("{os}/{arch}"));
        sums.push_str(&format!("{}  {name}\n", sha256sum(&path)));
    }
    let manifest = format!("terraform-provider-demo_{version}_manifest.json");
    std::fs::write(dir.join(&manifest), "{\"version\":1}\n").unwrap();
    sums.push_str(&format!(
        "{}  {manifest}\n",
        sha256sum(&dir.join(&manifest))
    ));
    let sums_path = dir.join(format!("terraform-provider-demo_{version}_SHA256SUMS"));
    std::fs::write(&sums_path, sums).unwrap();
    std::fs::write(
        dir.join(format!("terraform-provider-demo_{version}_SHA256SUMS.sig")),
        b"sig",
    )
    .unwrap();
    std::fs::write(dir.join("metadata.json"), "{}").unwrap();
    std::fs::write(dir.join("config.yaml"), "x: 1").unwrap();
    std::fs::create_dir(dir.join("terraform-provider-demo_linux_amd64_v1")).unwrap();
    (tmp, dir)
}

fn platforms(r: &Release) -> Vec<String> {
    r.platforms.iter().map(|p| p.platform.to_string()).collect()
}

fn msg(err: &ReleaseError, dir: &Path) -> String {
    err.to_string().replace(&dir.display().to_string(), "DIR")
}

#[test]
fn a_goreleaser_dist_directory() {
    let (_tmp, dir) = dist("1.2.3");
    let mut release = Release::from_dir(&dir, &Limits::default()).unwrap();
    assert_eq!(release.provider_type, "demo");
    assert_eq!(release.version, "1.2.3");
    assert_eq!(release.name(), "terraform-provider-demo_1.2.3");
    assert_eq!(
        platforms(&release),
        ["darwin_arm64", "linux_amd64", "windows_386"]
    );
    assert_eq!(release.checksums.len(), 1);
    assert_eq!(
        release.checksums[0].path,
        dir.join("terraform-provider-demo_1.2.3_SHA256SUMS")
    );
    // The manifest line is parsed but not a platform.
    assert_eq!(release.checksums[0].entries.len(), 4);
    assert_eq!(
        release.signature(),
        Some(
            dir.join("terraform-provider-demo_1.2.3_SHA256SUMS.sig")
                .as_path()
        )
    );
    assert_eq!(release.unverified().count(), 0);
    release.verify_all().unwrap();
    for (i, p) in release.platforms.iter().enumerate() {
        let bytes = std::fs::read(&p.path).unwrap();
        assert_eq!(p.digests(), Some(Digests::of(&bytes)));
        assert_eq!(p.digests().unwrap().sha256_hex(), sha256sum(&p.path));
        let zip = release.open(i, &Limits::default()).unwrap();
        assert_eq!(zip.binary().name, "terraform-provider-demo_v1.2.3");
    }
}

#[test]
fn pre_release_and_build_versions() {
    for version in ["1.2.3-rc.1", "1.2.3+build.7", "0.1.0-alpha-2+20260101"] {
        let (_tmp, dir) = dist(version);
        let release = Release::from_dir(&dir, &Limits::default()).unwrap();
        assert_eq!(release.version, version);
        assert_eq!(platforms(&release).len(), 3);
    }
}

#[test]
fn bad_file_names_are_rejected_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "terraform-provider-demo_v1.2.3_linux_amd64.zip",
            "DIR/terraform-provider-demo_v1.2.3_linux_amd64.zip: version \"v1.2.3\" has a \"v\" prefix; release files must use the bare version (1.2.3)",
        ),
        (
            "terraform-provider-demo_1.2.3_linux_amd65.zip",
            "DIR/terraform-provider-demo_1.2.3_linux_amd65.zip: unknown architecture \"amd65\" (not a Go GOARCH)",
        ),
        (
            "terraform-provider-demo_1.2.3_macos_arm64.zip",
            "DIR/terraform-provider-demo_1.2.3_macos_arm64.zip: unknown operating system \"macos\" (not a Go GOOS)",
        ),
        (
            "terraform-provider-demo_1.2_linux_amd64.zip",
            "DIR/terraform-provider-demo_1.2_linux_amd64.zip: version \"1.2\" is not a semantic version X.Y.Z[-pre][+build]: the core must be three numbers MAJOR.MINOR.PATCH",
        ),
        (
            "terraform-provider-demo_1.2.3_linux.zip",
            "DIR/terraform-provider-demo_1.2.3_linux.zip: bad release file name: expected terraform-provider-TYPE_VERSION_OS_ARCH.zip",
        ),
        (
            "demo_1.2.3_linux_amd64.zip",
            "DIR/demo_1.2.3_linux_amd64.zip: bad release file name: expected terraform-provider-TYPE_VERSION_OS_ARCH.zip",
        ),
        (
            "terraform-provider-Demo_1.2.3_linux_amd64.zip",
            "DIR/terraform-provider-Demo_1.2.3_linux_amd64.zip: bad release file name: provider type \"Demo\" must be lowercase letters, digits and dashes",
        ),
    ];
    for (name, want) in cases {
        let path = tmp.path().join(name);
        provider_zip(&path, "demo", "1.2.3", "x");
        let err = Release::from_zips(std::slice::from_ref(&path), &Limits::default()).unwrap_err();
        assert_eq!(msg(&err, tmp.path()), want, "{name}");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn mixed_versions_and_types_are_rejected() {
    let (_tmp, dir) = dist("1.2.3");
    let stray = dir.join("terraform-provider-demo_1.2.4_linux_arm64.zip");
    provider_zip(&stray, "demo", "1.2.4", "x");
    let err = Release::from_dir(&dir, &Limits::default()).unwrap_err();
    assert!(matches!(err, ReleaseError::MixedRelease { .. }));
    assert_eq!(
        msg(&err, &dir),
        "DIR/terraform-provider-demo_1.2.4_linux_arm64.zip: belongs to demo 1.2.4, but the release is demo 1.2.3 (from DIR/terraform-provider-demo_1.2.3_darwin_arm64.zip)"
    );
    std::fs::remove_file(&stray).unwrap();

    let other = dir.join("terraform-provider-other_1.2.3_linux_arm64.zip");
    provider_zip(&other, "other", "1.2.3", "x");
    let zips = [
        dir.join("terraform-provider-demo_1.2.3_linux_amd64.zip"),
        other,
    ];
    let err = Release::from_zips(&zips, &Limits::default()).unwrap_err();
    assert_eq!(
        msg(&err, &dir),
        "DIR/terraform-provider-other_1.2.3_linux_arm64.zip: belongs to other 1.2.3, but the release is demo 1.2.3 (from DIR/terraform-provider-demo_1.2.3_linux_amd64.zip)"
    );
}

#[test]
fn a_tampered_zip_fails_verification_naming_the_file() {
    let (_tmp, dir) = dist("1.2.3");
    let victim = dir.join("terraform-provider-demo_1.2.3_linux_amd64.zip");
    let listed = sha256sum(&victim);
    provider_zip(&victim, "demo", "1.2.3", "something else");
    let actual = sha256sum(&victim);
    let mut release = Release::from_dir(&dir, &Limits::default()).unwrap();
    let err = release.verify_all().unwrap_err();
    assert!(matches!(err, ReleaseError::ChecksumMismatch { .. }));
    assert_eq!(
        msg(&err, &dir),
        format!(
            "DIR/terraform-provider-demo_1.2.3_linux_amd64.zip: SHA-256 {actual} does not match {listed} listed in DIR/terraform-provider-demo_1.2.3_SHA256SUMS"
        )
    );
    // `open` verifies too when `verify_all` was not called.
    let release = Release::from_dir(&dir, &Limits::default()).unwrap();
    let index = release
        .platforms
        .iter()
        .position(|p| p.path == victim)
        .unwrap();
    assert!(matches!(
        release.open(index, &Limits::default()).unwrap_err(),
        ReleaseError::ChecksumMismatch { .. }
    ));
}

#[test]
fn a_zip_missing_from_sha256sums_is_an_error() {
    let (_tmp, dir) = dist("1.2.3");
    let extra = dir.join("terraform-provider-demo_1.2.3_freebsd_arm.zip");
    provider_zip(&extra, "demo", "1.2.3", "x");
    let err = Release::from_dir(&dir, &Limits::default()).unwrap_err();
    assert_eq!(
        msg(&err, &dir),
        "DIR/terraform-provider-demo_1.2.3_freebsd_arm.zip: not listed in DIR/terraform-provider-demo_1.2.3_SHA256SUMS"
    );
    // Given explicitly, the SHA256SUMS beside it is still used.
    let err = Release::from_zips(std::slice::from_ref(&extra), &Limits::default()).unwrap_err();
    assert!(matches!(err, ReleaseError::NotInChecksums { .. }));
}

#[test]
fn a_single_zip_without_sums_is_read_unverified() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp
        .path()
        .join("terraform-provider-demo_2.0.0_linux_arm64.zip");
    provider_zip(&path, "demo", "2.0.0", "x");
    let mut release = Release::from_zips(std::slice::from_ref(&path), &Limits::default()).unwrap();
    assert!(release.checksums.is_empty());
    let unverified: Vec<&Path> = release.unverified().map(|p| p.path.as_path()).collect();
    assert_eq!(unverified, [path.as_path()]);
    release.verify_all().unwrap();
    let mut zip = release.open(0, &Limits::default()).unwrap();
    assert_eq!(zip.file_digests().unwrap().sha256_hex(), sha256sum(&path));
    // The same through from_paths with a file path.
    let release = Release::from_paths(std::slice::from_ref(&path), &Limits::default()).unwrap();
    assert_eq!(platforms(&release), ["linux_arm64"]);
}

#[test]
fn explicit_zips_are_verified_against_the_sums_beside_them() {
    let (_tmp, dir) = dist("1.2.3");
    let zips = [
        dir.join("terraform-provider-demo_1.2.3_windows_386.zip"),
        dir.join("terraform-provider-demo_1.2.3_linux_amd64.zip"),
    ];
    let mut release = Release::from_zips(&zips, &Limits::default()).unwrap();
    assert_eq!(platforms(&release), ["linux_amd64", "windows_386"]);
    assert_eq!(release.unverified().count(), 0);
    assert!(release.signature().is_some());
    release.verify_all().unwrap();
}

#[test]
fn duplicate_platforms_are_rejected() {
    let (_tmp, dir) = dist("1.2.3");
    let other_dir = dir.parent().unwrap().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let copy = other_dir.join("terraform-provider-demo_1.2.3_linux_amd64.zip");
    std::fs::copy(
        dir.join("terraform-provider-demo_1.2.3_linux_amd64.zip"),
        &copy,
    )
    .unwrap();
    let zips = [
        dir.join("terraform-provider-demo_1.2.3_linux_amd64.zip"),
        copy,
    ];
    let err = Release::from_zips(&zips, &Limits::default()).unwrap_err();
    let root = dir.parent().unwrap();
    assert_eq!(
        msg(&err, root),
        "DIR/other/terraform-provider-demo_1.2.3_linux_amd64.zip: second ZIP for platform linux_amd64 (first: DIR/dist/terraform-provider-demo_1.2.3_linux_amd64.zip)"
    );
}

#[test]
fn platform_filter() {
    let (_tmp, dir) = dist("1.2.3");
    let mut release = Release::from_dir(&dir, &Limits::default()).unwrap();
    release
        .select_platforms(&parse_platforms("linux_amd64,darwin/arm64").unwrap())
        .unwrap();
    assert_eq!(platforms(&release), ["darwin_arm64", "linux_amd64"]);
    let err = release
        .select_platforms(&[Platform::parse("windows/386").unwrap()])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the release has no ZIP for platform windows_386 (it has: darwin_arm64, linux_amd64)"
    );
}

#[test]
fn malformed_and_oversized_checksum_files() {
    let (_tmp, dir) = dist("1.2.3");
    let sums = dir.join("terraform-provider-demo_1.2.3_SHA256SUMS");
    let mut text = std::fs::read_to_string(&sums).unwrap();
    text.push_str("not a checksum line\n");
    std::fs::write(&sums, &text).unwrap();
    let err = Release::from_dir(&dir, &Limits::default()).unwrap_err();
    assert_eq!(
        msg(&err, &dir),
        "DIR/terraform-provider-demo_1.2.3_SHA256SUMS:5: malformed checksum line"
    );
    let limits = Limits {
        max_checksums_file: 100,
        ..Limits::default()
    };
    let err = Release::from_dir(&dir, &limits).unwrap_err();
    assert_eq!(
        msg(&err, &dir),
        format!(
            "DIR/terraform-provider-demo_1.2.3_SHA256SUMS: {} bytes, more than the limit of 100 for a checksums file",
            text.len()
        )
    );
}

#[test]
fn an_empty_directory_has_no_release() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Release::from_dir(tmp.path(), &Limits::default()).unwrap_err();
    assert_eq!(
        msg(&err, tmp.path()),
        "DIR: no terraform-provider-TYPE_VERSION_OS_ARCH.zip files found"
    );
}
