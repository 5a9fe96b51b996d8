//! Issue 15 finding 9: ZIP entry names that are different bytes but the same file on the target OS's file system —
//! `terraform-provider-ſample_v0.1.0` (U+017F folds to `s` on APFS) beside the darwin binary, `TERRAF~1.EXE` (an 8.3
//! short name) or `….exe.` (Win32 drops trailing dots) beside the windows binary — would overwrite the binary the SBOM
//! describes when unpacked there. `generate` refuses them (exit 2), naming both entries; the same names in a linux
//! ZIP are distinct files and pass.

use crate::support;
use crate::support::cli as cli_support;

use std::io::{Read as _, Write as _};
use std::path::Path;

use cli_support::{Run, isolate_credentials, run, tofu_sbom};
use support::sample_release_dir;

const SAMPLE: &str = "terraform-provider-sample_0.1.0";

fn tofu(home: &Path, args: &[&str]) -> Run {
    run(isolate_credentials(&mut tofu_sbom(), home)
        .env("TMPDIR", home)
        .args(args))
}

/// A copy of the sample release's `platform` ZIP, with `extra` (a decoy) added after its entries, alone in `dir`
/// (no SHA256SUMS: read unverified).
fn zip_with_decoy(dir: &Path, platform: &str, extra: &str) -> String {
    use zip::write::SimpleFileOptions;
    std::fs::create_dir_all(dir).unwrap();
    let name = format!("{SAMPLE}_{platform}.zip");
    let src = std::fs::File::open(sample_release_dir().join(&name)).unwrap();
    let mut src = zip::ZipArchive::new(src).unwrap();
    let out = std::fs::File::create(dir.join(&name)).unwrap();
    let mut w = zip::ZipWriter::new(out);
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        let entry = f.name().unwrap().into_owned();
        w.start_file(entry, opts).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.start_file(extra, opts).unwrap();
    w.write_all(b"#!/bin/sh\necho decoy\n").unwrap();
    w.finish().unwrap();
    dir.display().to_string()
}

#[test]
fn generate_refuses_names_that_collide_on_the_target_file_system() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "darwin_arm64",
            "terraform-provider-\u{17f}ample_v0.1.0",
            "terraform-provider-sample_v0.1.0",
            "darwin (Unicode case folding and NFD normalisation, as APFS and HFS+ compare names)",
        ),
        (
            "windows_amd64",
            "TERRAF~1.EXE",
            "terraform-provider-sample_v0.1.0.exe",
            "windows (8.3 short name)",
        ),
        (
            "windows_amd64",
            "terraform-provider-sample_v0.1.0.exe.",
            "terraform-provider-sample_v0.1.0.exe",
            "windows (case folding; trailing dots and spaces dropped)",
        ),
    ];
    for (i, (platform, decoy, binary, rule)) in cases.into_iter().enumerate() {
        let dir = zip_with_decoy(&home.path().join(format!("case-{i}")), platform, decoy);
        let out = home.path().join(format!("out-{i}"));
        let res = tofu(
            home.path(),
            &["generate", &dir, "-o", out.to_str().unwrap()],
        );
        let zip = format!("{dir}/{SAMPLE}_{platform}.zip");
        assert_eq!(
            (res.code, res.stderr.as_str()),
            (
                2,
                format!(
                    "tofu-sbom: error: {zip}: entries {decoy:?} and {binary:?} are the same file on {rule}: unpacking \
                     there would overwrite one with the other\n"
                )
                .as_str()
            ),
            "{platform} {decoy}"
        );
        assert!(!out.exists());
    }

    // On linux they are distinct files: the ſ name passes (a file OpenTofu does not run, no warning).
    let dir = zip_with_decoy(
        &home.path().join("linux"),
        "linux_amd64",
        "terraform-provider-\u{17f}ample_v0.1.0",
    );
    let res = tofu(
        home.path(),
        &["generate", &dir, "-o", &format!("{dir}/out"), "-q"],
    );
    assert_eq!((res.code, res.stderr.as_str()), (0, ""));
}
