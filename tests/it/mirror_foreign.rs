//! `mirror` of provider artifacts that other tools made (issue 16): OpenTofu's documented ORAS recipe built with the
//! real `oras`, layouts in the shape of OpenTofu's own e2e fixtures (empty config, `platform` on the zip layer, no
//! title annotation) holding placeholder ZIPs, and real Go ZIPs without title annotations. The provider's identity
//! comes from the artifact, never from the target's name; content without Go build info skips its SBOMs with a
//! warning and exit 0; referrers of other tools (a cosign-style signature, an in-toto attestation) are copied byte
//! for byte and listed; `verify --no-sboms` is clean on source and copy, which share the index digest.

use crate::support;
use crate::support::cli as cli_support;
use crate::support::consumers;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::{Registry, RegistryOpts};
use tofu_sbom::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_PKG, ARTIFACT_TYPE_PROVIDER_TARGET,
    MEDIA_TYPE_ZIP_LAYER,
};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::layout::LayoutStore;
use tofu_sbom::registry::manifest::{
    Descriptor, EMPTY_JSON, ImageIndex, ImageManifest, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST,
    Platform, to_canonical_bytes,
};

/// The sample release's platforms (`testdata/sample-release`: a real Go provider binary per platform).
const SAMPLE: [&str; 3] = ["darwin_arm64", "linux_amd64", "windows_amd64"];

fn sample_zip(os_arch: &str) -> PathBuf {
    support::sample_release_dir().join(format!("terraform-provider-sample_0.1.0_{os_arch}.zip"))
}

/// Runs the real `oras` in `cwd` (HOME there too, so no credentials or config leak in) and returns stdout.
fn oras(cwd: &Path, args: &[&str]) -> String {
    let out = Command::new(consumers::oras())
        .current_dir(cwd)
        .env("HOME", cwd)
        .args(args)
        .output()
        .expect("run oras");
    assert!(
        out.status.success(),
        "oras {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// OpenTofu's documented ORAS recipe (`provider-mirror.mdx`), into the OCI layout `dir/src`, tag `0.1.0`: one
/// `oras push --artifact-platform OS/ARCH --artifact-type application/vnd.opentofu.provider-target ZIP:archive/zip`
/// per platform, then `oras manifest index create --artifact-type application/vnd.opentofu.provider`. Returns the
/// index digest.
fn oras_recipe(dir: &Path) -> String {
    for p in SAMPLE {
        let zip = dir.join(sample_zip(p).file_name().unwrap());
        std::fs::copy(sample_zip(p), &zip).unwrap();
        oras(
            dir,
            &[
                "push",
                "--oci-layout",
                &format!("src:{p}"),
                "--artifact-platform",
                &p.replace('_', "/"),
                "--artifact-type",
                ARTIFACT_TYPE_PROVIDER_TARGET,
                &format!("{}:archive/zip", zip.file_name().unwrap().to_string_lossy()),
            ],
        );
    }
    let mut args = vec![
        "manifest",
        "index",
        "create",
        "--oci-layout",
        "src:0.1.0",
        "--artifact-type",
        ARTIFACT_TYPE_PROVIDER,
    ];
    args.extend(SAMPLE);
    oras(dir, &args);
    oras(dir, &["resolve", "--oci-layout", "src:0.1.0"])
        .trim()
        .to_owned()
}

/// A provider artifact in the shape of OpenTofu's e2e fixtures (`internal/command/e2etest/testdata/oci-provider-mirror`,
/// written here from SPEC §1.4, not copied): empty config, the zip layer with `platform` and the `providerpkg`
/// artifactType and **no** title annotation; the index tagged `tag` in the layout at `dir`. `zips` are
/// (`os_arch`, ZIP bytes). Returns the index digest.
fn e2e_shaped_layout(dir: &Path, tag: &str, zips: &[(&str, Vec<u8>)]) -> Digest {
    let store = LayoutStore::open_or_create(dir).unwrap();
    store
        .put_blob_bytes(&Descriptor::empty_config().digest, EMPTY_JSON)
        .unwrap();
    let mut entries = Vec::new();
    for (os_arch, bytes) in zips {
        let (os, arch) = os_arch.split_once('_').unwrap();
        let digest = Digest::sha256_of(bytes);
        store.put_blob_bytes(&digest, bytes).unwrap();
        let mut layer = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, digest, bytes.len() as u64);
        layer.artifact_type = ARTIFACT_TYPE_PROVIDER_PKG.into();
        layer.platform = Some(Platform::new(os, arch));
        let m = ImageManifest {
            schema_version: 2,
            media_type: MEDIA_TYPE_MANIFEST.into(),
            artifact_type: ARTIFACT_TYPE_PROVIDER_TARGET.into(),
            config: Descriptor::empty_config(),
            layers: vec![layer],
            subject: None,
            annotations: BTreeMap::new(),
        };
        let (bytes, digest) = to_canonical_bytes(&m);
        store.put_blob_bytes(&digest, &bytes).unwrap();
        let mut entry = Descriptor::new(MEDIA_TYPE_MANIFEST, digest, bytes.len() as u64);
        entry.platform = Some(Platform::new(os, arch));
        entry.artifact_type = ARTIFACT_TYPE_PROVIDER_TARGET.into();
        entries.push(entry);
    }
    let index = ImageIndex {
        schema_version: 2,
        media_type: MEDIA_TYPE_INDEX.into(),
        artifact_type: ARTIFACT_TYPE_PROVIDER.into(),
        manifests: entries,
        subject: None,
        annotations: BTreeMap::new(),
    };
    let (bytes, digest) = to_canonical_bytes(&index);
    store.put_blob_bytes(&digest, &bytes).unwrap();
    let d = Descriptor::new(MEDIA_TYPE_INDEX, digest.clone(), bytes.len() as u64);
    store.set_tag(tag, &d, 1 << 20).unwrap();
    digest
}

/// A placeholder provider ZIP as OpenTofu's e2e fixtures hold: `terraform-provider-TYPE` that is a shell script, not a
/// Go binary.
fn placeholder_zip(provider_type: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    w.start_file(format!("terraform-provider-{provider_type}"), opts)
        .unwrap();
    w.write_all(b"#!/bin/sh\necho 'placeholder provider'\n")
        .unwrap();
    w.finish().unwrap().into_inner()
}

/// `tofu-sbom verify --no-sboms TARGET --json`: asserts exit 0 and no findings.
fn assert_verify_clean(target: &str) {
    let run =
        cli_support::tofu_sbom_run(["verify", target, "--no-sboms", "--json", "-q"]).expect_code(0);
    assert_eq!(run.json()["findings"], json!([]), "{target}: {}", run.out());
}

/// The one version of a `mirror --json` run.
fn version(run: &cli_support::Run) -> Value {
    let j = run.json();
    assert_eq!(
        j["versions"].as_array().map(Vec::len),
        Some(1),
        "{}",
        run.out()
    );
    j["versions"][0].clone()
}

/// OpenTofu's ORAS recipe, with a cosign-style signature on the index and an in-toto attestation on one platform,
/// mirrored into a registry repository whose name says nothing about the provider: the type comes from the layer
/// titles (the SBOMs are named `terraform-provider-sample_…`), every subject gets SBOMs, the foreign referrers arrive
/// byte for byte, and source and copy verify clean with one index digest.
#[test]
fn the_oras_recipe_mirrors_to_an_unrelated_repository_with_sboms_and_foreign_referrers_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let index = oras_recipe(tmp.path());
    std::fs::write(
        tmp.path().join("sig.json"),
        br#"{"critical":{"type":"cosign container image signature"}}"#,
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("att.json"),
        br#"{"_type":"https://in-toto.io/Statement/v1"}"#,
    )
    .unwrap();
    let attach = |subject: &str, artifact_type: &str, file: &str| -> String {
        let out = oras(
            tmp.path(),
            &[
                "attach",
                "--oci-layout",
                &format!("src@{subject}"),
                "--artifact-type",
                artifact_type,
                file,
                "--format",
                "go-template={{.digest}}",
            ],
        );
        out.trim().to_owned()
    };
    let sig = attach(
        &index,
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        "sig.json:application/vnd.dev.cosign.simplesigning.v1+json",
    );
    let linux = oras(tmp.path(), &["resolve", "--oci-layout", "src:linux_amd64"])
        .trim()
        .to_owned();
    let att = attach(
        &linux,
        "application/vnd.in-toto+json",
        "att.json:application/vnd.in-toto+json",
    );

    let reg = Registry::start(RegistryOpts::anonymous());
    let src = format!("oci-layout:{}:0.1.0", tmp.path().join("src").display());
    let dst = format!("{}/unrelated/thing", reg.host);
    let run = cli_support::tofu_sbom_run(["mirror", &src, &dst, "--plain-http", "--json", "-q"])
        .expect_code(0);
    let v = version(&run);
    assert_eq!(v["indexDigest"], json!(index));
    assert_eq!(
        v["addedSboms"],
        json!(["darwin_arm64", "linux_amd64", "windows_amd64", "index"]),
        "{}",
        run.out()
    );
    assert_eq!(v.get("sbomsSkipped"), None, "{}", run.out());
    assert_eq!(v.get("warnings"), None, "{}", run.out());
    let titles = |subject: &str| -> Vec<String> {
        v["referrers"][subject]
            .as_object()
            .unwrap_or_else(|| panic!("no referrers for {subject}: {}", run.out()))
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        titles("index"),
        vec![
            "application/vnd.dev.cosign.artifact.sig.v1+json",
            "terraform-provider-sample_0.1.0.cdx.json",
            "terraform-provider-sample_0.1.0.spdx.json",
        ]
    );
    assert_eq!(
        v["referrers"]["index"]["application/vnd.dev.cosign.artifact.sig.v1+json"],
        json!(sig)
    );
    assert_eq!(
        titles("linux_amd64"),
        vec![
            "application/vnd.in-toto+json",
            "terraform-provider-sample_0.1.0_linux_amd64.cdx.json",
            "terraform-provider-sample_0.1.0_linux_amd64.spdx.json",
        ]
    );
    assert_eq!(
        v["referrers"]["linux_amd64"]["application/vnd.in-toto+json"],
        json!(att)
    );
    // Byte for byte: the signature manifest on the target is the source's, by digest.
    let copied_sig = oras(
        tmp.path(),
        &["manifest", "fetch", "--plain-http", &format!("{dst}@{sig}")],
    );
    let source_sig = oras(
        tmp.path(),
        &["manifest", "fetch", "--oci-layout", &format!("src@{sig}")],
    );
    assert_eq!(copied_sig, source_sig);

    assert_verify_clean(&src);
    let run = cli_support::tofu_sbom_run([
        "verify",
        &format!("{dst}:0.1.0"),
        "--plain-http",
        "--no-sboms",
        "--json",
        "-q",
    ])
    .expect_code(0);
    assert_eq!(run.json()["findings"], json!([]), "{}", run.out());
}

/// A layout in the shape of OpenTofu's e2e fixtures with placeholder ZIPs (shell scripts, no Go build info), mirrored
/// into a layout named `usb`: the copy is complete (same index digest, `verify --no-sboms` clean), exit 0, and every
/// subject is reported in `sbomsSkipped` with its reason and one warning each — the provider type `foo` came from the
/// executables, never from `usb`.
#[test]
fn placeholder_zips_in_opentofus_e2e_shape_are_copied_and_their_sboms_skipped_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let src_dir = tmp.path().join("fake-registry/foo");
    let index = e2e_shaped_layout(
        &src_dir,
        "1.0.0",
        &[
            ("linux_amd64", placeholder_zip("foo")),
            ("darwin_arm64", placeholder_zip("foo")),
        ],
    );
    let src = format!("oci-layout:{}:1.0.0", src_dir.display());
    let dst_dir = tmp.path().join("usb");
    let dst = format!("oci-layout:{}", dst_dir.display());
    let run = cli_support::tofu_sbom_run(["mirror", &src, &dst, "--json", "-q"]).expect_code(0);
    let v = version(&run);
    assert_eq!(v["indexDigest"], json!(index.to_string()));
    assert_eq!(v.get("addedSboms"), None, "{}", run.out());
    let reason = "terraform-provider-foo: unrecognized file format: not an ELF, PE, Mach-O or XCOFF executable \
                  (first bytes 23212f62)";
    assert_eq!(
        v["sbomsSkipped"],
        json!([
            {"subject": "darwin_arm64", "reason": reason},
            {"subject": "linux_amd64", "reason": reason},
            {"subject": "index", "reason": "no platform ZIP holds a provider binary with readable Go build info"},
        ]),
        "{}",
        run.out()
    );
    assert_eq!(
        v["warnings"],
        json!([
            format!("no SBOM added to darwin_arm64: {reason} (the copy itself is complete)"),
            format!("no SBOM added to linux_amd64: {reason} (the copy itself is complete)"),
            "no SBOM added to index: no platform ZIP holds a provider binary with readable Go build info (the copy \
             itself is complete)",
        ])
    );
    assert_verify_clean(&src);
    assert_verify_clean(&format!("{dst}:1.0.0"));

    // The text output says the same, and the exit code is still 0.
    let run = cli_support::tofu_sbom_run([
        "mirror",
        &src,
        &format!("oci-layout:{}", tmp.path().join("usb2").display()),
    ])
    .expect_code(0);
    assert!(
        run.out()
            .contains(&format!("warning   no SBOM added to linux_amd64: {reason}")),
        "{}",
        run.out()
    );
}

/// Real Go provider ZIPs without title annotations, in a layout whose directory is not named after the provider: the
/// type `sample` comes from the executable inside the ZIPs and every subject gets SBOMs named for it; with a
/// `--provider` that names another type, the disagreement is a warning and the SBOMs are skipped (OpenTofu would not
/// find a `terraform-provider-other` executable either), still exit 0.
#[test]
fn untitled_go_zips_take_the_provider_type_from_the_executable() {
    let tmp = tempfile::tempdir().unwrap();
    let zips: Vec<(&str, Vec<u8>)> = SAMPLE
        .iter()
        .map(|p| (*p, std::fs::read(sample_zip(p)).unwrap()))
        .collect();
    let src_dir = tmp.path().join("whatever");
    e2e_shaped_layout(&src_dir, "0.1.0", &zips);
    let src = format!("oci-layout:{}:0.1.0", src_dir.display());

    let dst = format!("oci-layout:{}", tmp.path().join("copy").display());
    let run = cli_support::tofu_sbom_run(["mirror", &src, &dst, "--json", "-q"]).expect_code(0);
    let v = version(&run);
    assert_eq!(
        v["addedSboms"],
        json!(["darwin_arm64", "linux_amd64", "windows_amd64", "index"]),
        "{}",
        run.out()
    );
    assert_eq!(v.get("warnings"), None, "{}", run.out());
    let names: Vec<&String> = v["referrers"]["windows_amd64"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        names,
        vec![
            "terraform-provider-sample_0.1.0_windows_amd64.cdx.json",
            "terraform-provider-sample_0.1.0_windows_amd64.spdx.json"
        ]
    );

    let dst = format!("oci-layout:{}", tmp.path().join("other").display());
    let run = cli_support::tofu_sbom_run([
        "mirror",
        &src,
        &dst,
        "--provider",
        "registry.example/acme/other",
        "--json",
        "-q",
    ])
    .expect_code(0);
    let v = version(&run);
    assert_eq!(v.get("addedSboms"), None, "{}", run.out());
    let warnings: Vec<String> = serde_json::from_value(v["warnings"].clone()).unwrap();
    assert_eq!(
        warnings[0],
        "the provider type is `other` (from --provider), but the executables inside the ZIPs name `sample`; give \
         --provider HOST/NAMESPACE/TYPE if `other` is wrong"
    );
    let skipped: Vec<&str> = v["sbomsSkipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        vec!["darwin_arm64", "linux_amd64", "windows_amd64", "index"]
    );
    // One line for the identity, four SBOM skips, and three platforms whose h1: lock hash cannot be read either (no
    // terraform-provider-other executable: OpenTofu could not install them under that address).
    assert_eq!(warnings.len(), 8, "{warnings:?}");
    assert!(
        warnings[5..]
            .iter()
            .all(|w| w.starts_with("no h1: lock hash for ")
                && w.contains("terraform-provider-other*")),
        "{warnings:?}"
    );
}
