//! Mirroring from a provider registry (an in-test server, see `support/mirror/server.rs`) with real ZIPs and GnuPG
//! signatures: verification, constraint resolution, the release directory shape, resume, faults, and publishing the
//! mirrored release into an OCI layout and a real registry (Debian's `docker-registry`).

use crate::support;
use crate::support::mirror as mirror_support;
use crate::support::oci as oci_support;

use std::path::Path;

use mirror_support::server::Fault;
use mirror_support::{ProviderFixture, list_tree, mirror_options, sha256_hex};
use tofu_sbom::archive::release::{Platform, Release};
use tofu_sbom::limits::Limits;
use tofu_sbom::mirror::MirrorError;
use tofu_sbom::mirror::constraints::Constraints;
use tofu_sbom::mirror::download::{
    Authentication, FileStatus, MirrorOptions, MirroredVersion, ProviderSource, mirror, release_dir,
};

const PLATFORMS: &[(&str, &str)] = &[
    ("darwin", "arm64"),
    ("linux", "amd64"),
    ("windows", "amd64"),
];

async fn run(
    fx: &ProviderFixture,
    spec: &str,
    root: &Path,
    opts: &MirrorOptions,
) -> Result<Vec<MirroredVersion>, MirrorError> {
    let source = ProviderSource::parse(&format!("{}{spec}", fx.address())).unwrap();
    mirror(&source.address, &[source.constraint], root, opts).await
}

fn dir_of(fx: &ProviderFixture, root: &Path, version: &str) -> std::path::PathBuf {
    let source = ProviderSource::parse(&fx.address()).unwrap();
    release_dir(root, &source.address, version)
}

fn names(v: &str) -> Vec<String> {
    let mut n = vec![
        format!("terraform-provider-demo_{v}_SHA256SUMS"),
        format!("terraform-provider-demo_{v}_SHA256SUMS.sig"),
        format!("terraform-provider-demo_{v}_darwin_arm64.zip"),
        format!("terraform-provider-demo_{v}_linux_amd64.zip"),
        format!("terraform-provider-demo_{v}_signing-key.asc"),
        format!("terraform-provider-demo_{v}_windows_amd64.zip"),
    ];
    n.sort();
    n
}

#[tokio::test]
async fn constraint_picks_the_newest_match_and_the_release_directory_verifies() {
    let fx = ProviderFixture::new(
        &["1.0.0", "1.1.0", "1.2.0", "2.0.0", "2.1.0-beta1"],
        PLATFORMS,
    );
    let root = tempfile::tempdir().unwrap();
    let out = run(&fx, "@~> 1.0", root.path(), &mirror_options())
        .await
        .unwrap();
    assert_eq!(out.len(), 1);
    let v = &out[0];
    assert_eq!(v.version, "1.2.0");
    assert_eq!(v.provider, format!("{}/acme/demo", fx.server.host()));
    let dir = dir_of(&fx, root.path(), "1.2.0");
    assert_eq!(v.dir, dir);
    assert_eq!(
        dir,
        root.path().join(fx.server.host()).join("acme/demo/1.2.0")
    );
    // Exactly the GoReleaser dist/ shape, nothing else anywhere under the root (no staging left).
    let rel = |n: &str| format!("{}/acme/demo/1.2.0/{n}", fx.server.host());
    assert_eq!(
        list_tree(root.path()),
        names("1.2.0").iter().map(|n| rel(n)).collect::<Vec<_>>()
    );
    // Byte-identical files.
    let served = fx.version("1.2.0");
    for p in &served.packages {
        assert_eq!(std::fs::read(dir.join(&p.file_name)).unwrap(), p.bytes);
    }
    assert_eq!(
        std::fs::read(dir.join("terraform-provider-demo_1.2.0_SHA256SUMS")).unwrap(),
        served.sums
    );
    assert_eq!(
        std::fs::read(dir.join("terraform-provider-demo_1.2.0_SHA256SUMS.sig")).unwrap(),
        served.sig.clone().unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("terraform-provider-demo_1.2.0_signing-key.asc")).unwrap(),
        fx.key.armor
    );
    // gpg itself accepts the mirrored signature over the mirrored checksums.
    assert!(fx.gpg.verifies(
        &std::fs::read(dir.join("terraform-provider-demo_1.2.0_SHA256SUMS.sig")).unwrap(),
        &dir.join("terraform-provider-demo_1.2.0_SHA256SUMS")
    ));
    // The result.
    match &v.authentication {
        Authentication::Signed {
            check,
            published_key_id,
        } => {
            assert_eq!(check.key_id, fx.key.key_id);
            assert_eq!(check.fingerprint, fx.key.fingerprint);
            assert_eq!(check.signer_key_id, fx.key.key_id);
            assert_eq!(check.key_index, 0);
            assert_eq!(published_key_id, &fx.key.key_id);
        }
        other => panic!("{other:?}"),
    }
    assert!(!v.authentication.unsigned_allowed());
    assert_eq!((v.downloaded, v.skipped, v.unchanged), (3, 0, false));
    assert_eq!(
        v.downloaded_bytes,
        served
            .packages
            .iter()
            .map(|p| p.bytes.len() as u64)
            .sum::<u64>()
    );
    assert_eq!(
        v.zips
            .iter()
            .map(|z| (z.platform.as_str(), z.sha256.as_str(), z.status))
            .collect::<Vec<_>>(),
        served
            .packages
            .iter()
            .map(|p| (
                if p.os == "darwin" {
                    "darwin_arm64"
                } else if p.os == "linux" {
                    "linux_amd64"
                } else {
                    "windows_amd64"
                },
                p.sha256.as_str(),
                FileStatus::Downloaded
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(v.protocols, vec!["5.0"]);
    assert_eq!(v.checksums_file, "terraform-provider-demo_1.2.0_SHA256SUMS");
    assert_eq!(
        v.signature_file.as_deref(),
        Some("terraform-provider-demo_1.2.0_SHA256SUMS.sig")
    );
    // The archive reader (what publish uses) reads and verifies it.
    let mut release = Release::from_dir(&dir, &Limits::default()).unwrap();
    release.verify_all().unwrap();
    assert_eq!(release.provider_type, "demo");
    assert_eq!(release.version, "1.2.0");
    assert_eq!(
        release
            .platforms
            .iter()
            .map(|p| p.platform.to_string())
            .collect::<Vec<_>>(),
        ["darwin_arm64", "linux_amd64", "windows_amd64"]
    );
    assert_eq!(release.unverified().count(), 0);
    assert_eq!(
        release.signature(),
        Some(
            dir.join("terraform-provider-demo_1.2.0_SHA256SUMS.sig")
                .as_path()
        )
    );
    // Each ZIP was fetched once; only the selected version's metadata was asked for.
    for p in &served.packages {
        assert_eq!(fx.server.count(&fx.files_path("1.2.0", &p.file_name)), 1);
    }
    assert_eq!(
        fx.server
            .log()
            .iter()
            .filter(|l| l.contains("/download/"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            "GET /v1/providers/acme/demo/1.2.0/download/darwin/arm64",
            "GET /v1/providers/acme/demo/1.2.0/download/linux/amd64",
            "GET /v1/providers/acme/demo/1.2.0/download/windows/amd64",
        ]
    );

    // A re-run finds everything in place: no ZIP is downloaded, nothing is rewritten.
    fx.server.clear_log();
    let mtime = std::fs::metadata(dir.join("terraform-provider-demo_1.2.0_linux_amd64.zip"))
        .unwrap()
        .modified()
        .unwrap();
    let again = run(&fx, "@~> 1.0", root.path(), &mirror_options())
        .await
        .unwrap();
    assert_eq!(
        (again[0].downloaded, again[0].skipped, again[0].unchanged),
        (0, 3, true)
    );
    assert!(
        again[0]
            .zips
            .iter()
            .all(|z| z.status == FileStatus::Skipped)
    );
    assert!(
        !fx.server.log().iter().any(|l| l.ends_with(".zip")),
        "{:?}",
        fx.server.log()
    );
    assert_eq!(
        std::fs::metadata(dir.join("terraform-provider-demo_1.2.0_linux_amd64.zip"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );
}

#[tokio::test]
async fn several_versions_per_run_prereleases_only_when_named_and_platform_filter() {
    let fx = ProviderFixture::new(&["1.0.0", "1.1.0", "2.0.0", "2.1.0-beta1"], PLATFORMS);
    let root = tempfile::tempdir().unwrap();
    let source = ProviderSource::parse(&fx.address()).unwrap();
    let mut opts = mirror_options();
    opts.platforms = vec![Platform::parse("linux_amd64").unwrap()];
    let out = mirror(
        &source.address,
        &[
            Some(Constraints::parse(">= 1.0, < 2.0").unwrap()),
            None,
            Some(Constraints::parse("= 2.1.0-beta1").unwrap()),
            Some(Constraints::parse(">= 2.0.0").unwrap()),
        ],
        root.path(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(
        out.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(),
        ["1.1.0", "2.0.0", "2.1.0-beta1"]
    );
    for v in &out {
        assert_eq!(
            v.zips
                .iter()
                .map(|z| z.file_name.clone())
                .collect::<Vec<_>>(),
            [format!(
                "terraform-provider-demo_{}_linux_amd64.zip",
                v.version
            )]
        );
        let mut release = Release::from_dir(&v.dir, &Limits::default()).unwrap();
        release.verify_all().unwrap();
        assert_eq!(release.platforms.len(), 1);
    }
    assert!(
        !fx.server
            .log()
            .iter()
            .any(|l| l.contains("darwin") || l.contains("windows"))
    );

    // No match: the error lists what exists, newest first.
    let e = run(&fx, "@~> 3.0", root.path(), &mirror_options())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "no version of {}/acme/demo matches \"~> 3.0\" (pre-releases are only selected when named exactly); available: 2.1.0-beta1, 2.0.0, 1.1.0, 1.0.0",
            fx.server.host()
        )
    );
}

/// Runs a mirror that must fail; asserts that nothing at all was written under the root.
async fn fails_writing_nothing(
    fx: &ProviderFixture,
    spec: &str,
    opts: &MirrorOptions,
) -> MirrorError {
    let root = tempfile::tempdir().unwrap();
    let e = run(fx, spec, root.path(), opts).await.unwrap_err();
    assert_eq!(list_tree(root.path()), Vec::<String>::new(), "{e}");
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        0,
        "no directory either: {e}"
    );
    e
}

#[tokio::test]
async fn verification_failures_are_distinct_errors_and_write_nothing() {
    let mut fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    let host = fx.server.host();
    let prov = format!("{host}/acme/demo");
    let sums = "terraform-provider-demo_1.0.0_SHA256SUMS";

    // Tampered ZIP: the served bytes differ from the signed checksum.
    let linux = fx.version("1.0.0").packages[1].clone();
    let mut tampered = linux.bytes.clone();
    let last = tampered.len() - 30;
    tampered[last] ^= 0x55;
    fx.server.route(
        &fx.zip_path("1.0.0", "linux_amd64"),
        mirror_support::server::Response::bytes(tampered.clone()),
    );
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert!(matches!(e, MirrorError::ChecksumMismatch { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{} downloaded from {}{} has sha256 {}, but the signed {sums} lists {}: the package was tampered with or corrupted; nothing was written",
            linux.file_name,
            fx.server.base(),
            fx.zip_path("1.0.0", "linux_amd64"),
            sha256_hex(&tampered),
            linux.sha256
        )
    );
    assert!(e.is_verification_failure());
    fx.publish();

    // The registry reports a shasum the signed checksums do not list.
    fx.version_mut("1.0.0")
        .reported_shasum
        .insert("windows_amd64".into(), "ab".repeat(32));
    fx.publish();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert_eq!(
        e.to_string(),
        format!(
            "{sums} lists sha256 {} for terraform-provider-demo_1.0.0_windows_amd64.zip, but the registry reports sha256 {}; nothing was written",
            fx.version("1.0.0").packages[2].sha256,
            "ab".repeat(32)
        )
    );
    fx.version_mut("1.0.0").reported_shasum.clear();

    // Bad signature: the checksums were altered after signing.
    let good_sums = fx.version("1.0.0").sums.clone();
    let mut altered = good_sums.clone();
    altered.extend_from_slice(format!("{}  evil.zip\n", "0".repeat(64)).as_bytes());
    fx.version_mut("1.0.0").sums = altered;
    fx.publish();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    match &e {
        MirrorError::BadSignature {
            key_id, checksums, ..
        } => {
            assert_eq!(key_id, &fx.key.key_id);
            assert_eq!(checksums, sums);
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string().starts_with(&format!(
            "{prov} 1.0.0: the signature of {sums} by key {} does not verify (",
            fx.key.key_id
        )),
        "{e}"
    );
    assert!(
        e.to_string()
            .ends_with("): the checksums or the signature were altered; nothing was written")
    );
    fx.version_mut("1.0.0").sums = good_sums.clone();

    // Unknown key: signed by a key the registry does not publish.
    let other = fx.gpg.gen_key("Someone Else <else@example.com>", "rsa2048");
    let foreign_sig = fx.sign_bytes(&other.fingerprint, &good_sums);
    fx.version_mut("1.0.0").sig = Some(foreign_sig);
    fx.publish();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert!(matches!(e, MirrorError::UnknownSigningKey { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{prov} 1.0.0: {sums} is signed by key {}/{}, which is not among the keys the registry publishes ({}); nothing was written",
            other.fingerprint, other.key_id, fx.key.key_id
        )
    );
    // ... and accepted once the registry publishes that key too (second in the list, RSA).
    fx.version_mut("1.0.0")
        .keys
        .push((other.key_id.clone(), other.armor.clone()));
    fx.publish();
    let root = tempfile::tempdir().unwrap();
    let ok = run(&fx, "@1.0.0", root.path(), &mirror_options())
        .await
        .unwrap();
    match &ok[0].authentication {
        Authentication::Signed {
            check,
            published_key_id,
        } => {
            assert_eq!(
                (check.key_index, check.key_id.as_str()),
                (1, other.key_id.as_str())
            );
            assert_eq!(published_key_id, &other.key_id);
        }
        a => panic!("{a:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(
            ok[0]
                .dir
                .join("terraform-provider-demo_1.0.0_signing-key.asc")
        )
        .unwrap(),
        other.armor
    );
    let key = fx.key.clone();
    let v = fx.version_mut("1.0.0");
    v.keys = vec![(key.key_id.clone(), key.armor.clone())];

    // No published key: refused by default ...
    let good_sig = fx.sign_bytes(&key.fingerprint, &good_sums);
    let v = fx.version_mut("1.0.0");
    v.sig = Some(good_sig.clone());
    v.keys.clear();
    fx.publish();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert_eq!(
        e.to_string(),
        format!(
            "{prov} 1.0.0: the registry publishes no signing key, so {sums} cannot be authenticated; refusing to mirror an unsigned provider (allow it explicitly with --allow-unsigned); nothing was written"
        )
    );
    // ... allowed and recorded with allow_unsigned (no signature or key file is written).
    let mut opts = mirror_options();
    opts.allow_unsigned = true;
    let root = tempfile::tempdir().unwrap();
    let ok = run(&fx, "@1.0.0", root.path(), &opts).await.unwrap();
    assert_eq!(ok[0].authentication, Authentication::UnsignedAllowed);
    assert!(ok[0].authentication.unsigned_allowed());
    assert_eq!(ok[0].signature_file, None);
    assert_eq!(ok[0].signing_key_file, None);
    let mut files = names("1.0.0");
    files.retain(|n| !n.ends_with(".sig") && !n.ends_with(".asc"));
    assert_eq!(list_tree(&ok[0].dir), files);
    Release::from_dir(&ok[0].dir, &Limits::default())
        .unwrap()
        .verify_all()
        .unwrap();

    // A published key that is not a key.
    fx.version_mut("1.0.0").keys = vec![(
        "DEADBEEF".into(),
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnope\n-----END PGP PUBLIC KEY BLOCK-----\n".into(),
    )];
    fx.publish();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert!(
        e.to_string().starts_with(&format!(
            "{prov} 1.0.0: published signing key \"DEADBEEF\" is unusable: not an ASCII-armored OpenPGP public key: "
        )),
        "{e}"
    );

    // A signature file that is not a signature.
    fx.version_mut("1.0.0").keys = vec![(key.key_id.clone(), key.armor.clone())];
    fx.version_mut("1.0.0").sig = Some(b"this is not a signature".to_vec());
    fx.publish();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert!(matches!(e, MirrorError::MalformedSignature { .. }), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "{prov} 1.0.0: {sums}.sig is not a readable OpenPGP signature: "
        )),
        "{e}"
    );
}

#[tokio::test]
async fn missing_platform_is_refused_before_anything_is_downloaded() {
    let mut fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    let prov = format!("{}/acme/demo", fx.server.host());
    // Asked for a platform the version does not offer.
    let mut opts = mirror_options();
    opts.platforms = vec![
        Platform::parse("linux_amd64").unwrap(),
        Platform::parse("linux_arm64").unwrap(),
    ];
    let e = fails_writing_nothing(&fx, "@1.0.0", &opts).await;
    assert!(matches!(e, MirrorError::PlatformNotAvailable { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{prov} 1.0.0 is not available for linux_arm64; available platforms: darwin_arm64, linux_amd64, windows_amd64; nothing was written"
        )
    );
    assert!(
        !fx.server
            .log()
            .iter()
            .any(|l| l.ends_with(".zip") || l.contains("SHA256SUMS"))
    );
    // Listed, but the download endpoint answers 404.
    fx.version_mut("1.0.0").no_download = vec!["windows_amd64".into()];
    fx.publish();
    fx.server.clear_log();
    let e = fails_writing_nothing(&fx, "@1.0.0", &mirror_options()).await;
    assert_eq!(
        e.to_string(),
        format!(
            "{prov} 1.0.0 is not available for windows_amd64; available platforms: darwin_arm64, linux_amd64, windows_amd64; nothing was written"
        )
    );
    assert!(!fx.server.log().iter().any(|l| l.ends_with(".zip")));
}

#[tokio::test]
async fn a_signing_subkey_and_an_armored_signature_verify() {
    let mut fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    let with_sub = fx.gpg.add_signing_subkey(&fx.key);
    let (sub_fpr, sub_id) = with_sub.signing_subkey.clone().unwrap();
    let sums = fx.version("1.0.0").sums.clone();
    let p = fx.dir.path().join("sums-for-armored");
    std::fs::write(&p, &sums).unwrap();
    let armored = fx.gpg.sign_armored(&format!("{sub_fpr}!"), &p);
    assert!(armored.starts_with(b"-----BEGIN PGP SIGNATURE-----"));
    let v = fx.version_mut("1.0.0");
    v.sig = Some(armored);
    v.keys = vec![(with_sub.key_id.clone(), with_sub.armor.clone())];
    fx.publish();
    let root = tempfile::tempdir().unwrap();
    let out = run(&fx, "@1.0.0", root.path(), &mirror_options())
        .await
        .unwrap();
    match &out[0].authentication {
        Authentication::Signed { check, .. } => {
            assert_eq!(check.key_id, fx.key.key_id);
            assert_eq!(check.signer_key_id, sub_id);
            assert_ne!(check.signer_key_id, check.key_id);
        }
        a => panic!("{a:?}"),
    }
}

#[tokio::test]
async fn a_connection_reset_during_a_download_is_retried_and_converges() {
    let fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    let zip = fx.zip_path("1.0.0", "darwin_arm64");
    fx.server.fault(&zip, Fault::ResetAfterBodyBytes(700), 1);
    fx.server
        .fault("/v1/providers/acme/demo/versions", Fault::Status(503), 1);
    let root = tempfile::tempdir().unwrap();
    let out = run(&fx, "@1.0.0", root.path(), &mirror_options())
        .await
        .unwrap();
    assert_eq!((out[0].downloaded, out[0].skipped), (3, 0));
    assert_eq!(fx.server.count(&zip), 2);
    assert_eq!(fx.server.count("/v1/providers/acme/demo/versions"), 2);
    let mut release = Release::from_dir(&out[0].dir, &Limits::default()).unwrap();
    release.verify_all().unwrap();
    assert_eq!(
        list_tree(root.path()).len(),
        6,
        "{:?}",
        list_tree(root.path())
    );
}

#[tokio::test]
async fn an_interrupted_run_resumes_without_downloading_verified_zips_again() {
    let fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    let windows = fx.zip_path("1.0.0", "windows_amd64");
    // The last ZIP keeps failing: retries are exhausted, the run stops.
    fx.server.fault(&windows, Fault::Status(502), usize::MAX);
    let root = tempfile::tempdir().unwrap();
    let e = run(&fx, "@1.0.0", root.path(), &mirror_options())
        .await
        .unwrap_err();
    assert!(
        e.is_transient() || matches!(e, MirrorError::Transport(_)),
        "{e}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "downloading {}{windows}: giving up after 5 attempts: GET {windows} on {}: HTTP 502 (transient)",
            fx.server.base(),
            fx.server.host()
        )),
        "{e}"
    );
    // The target does not exist; the verified ZIPs wait in the staging directory.
    let dir = dir_of(&fx, root.path(), "1.0.0");
    assert!(!dir.exists());
    let staging = dir.parent().unwrap().join(".1.0.0.tofu-sbom-partial");
    assert_eq!(
        list_tree(&staging),
        [
            "terraform-provider-demo_1.0.0_darwin_arm64.zip",
            "terraform-provider-demo_1.0.0_linux_amd64.zip"
        ]
    );
    // Fixed: the re-run downloads only the missing ZIP.
    fx.server.fault(&windows, Fault::Status(502), 0);
    fx.server.clear_log();
    let out = run(&fx, "@1.0.0", root.path(), &mirror_options())
        .await
        .unwrap();
    assert_eq!((out[0].downloaded, out[0].skipped), (1, 2));
    assert_eq!(
        fx.server
            .log()
            .iter()
            .filter(|l| l.ends_with(".zip"))
            .cloned()
            .collect::<Vec<_>>(),
        [format!("GET {windows}")]
    );
    assert!(!staging.exists());
    assert_eq!(list_tree(&dir), names("1.0.0"));

    // A second platform set later: present ZIPs are reused from the target, the directory holds exactly the new set.
    let mut opts = mirror_options();
    opts.platforms = vec![
        Platform::parse("linux_amd64").unwrap(),
        Platform::parse("windows_amd64").unwrap(),
    ];
    fx.server.clear_log();
    let out = run(&fx, "@1.0.0", root.path(), &opts).await.unwrap();
    assert_eq!(
        (out[0].downloaded, out[0].skipped, out[0].unchanged),
        (0, 2, false)
    );
    assert!(!fx.server.log().iter().any(|l| l.ends_with(".zip")));
    let mut expected = names("1.0.0");
    expected.retain(|n| !n.contains("darwin"));
    assert_eq!(list_tree(&dir), expected);
    assert_eq!(
        list_tree(dir.parent().unwrap()).len(),
        5,
        "no staging or old directory is left"
    );
}

#[tokio::test]
async fn the_mirrored_release_publishes_into_a_layout_and_a_registry_and_verifies() {
    use tofu_sbom::provider::push::{PushOptions, push};
    use tofu_sbom::registry::reference::Target;
    use tofu_sbom::registry::store::Store;
    use tofu_sbom::verify::artifact::{VerifyOptions, verify};

    let fx = ProviderFixture::new(&["1.0.0", "1.3.1"], PLATFORMS);
    let root = tempfile::tempdir().unwrap();
    let out = run(&fx, "@~> 1.0", root.path(), &mirror_options())
        .await
        .unwrap();
    assert_eq!(out[0].version, "1.3.1");
    let pkg = out[0].provider_package();
    assert_eq!(pkg.platforms.len(), 3);

    let registry = support::Registry::start(support::RegistryOpts::anonymous());
    let layout_dir = tempfile::tempdir().unwrap();
    let mut index_digests = Vec::new();
    for target in [
        format!("oci-layout:{}", layout_dir.path().join("oci").display()),
        format!("{}/mirror/acme/demo", registry.host),
    ] {
        let t = Target::parse(&target).unwrap();
        let store = Store::open(&t, oci_support::test_options(), true).unwrap();
        let pushed = push(&pkg, &store, &t, &PushOptions::default())
            .await
            .unwrap();
        assert_eq!(pushed.tags, ["1.3.1"]);
        index_digests.push(pushed.index_digest.clone());
        // Every layer is the byte-identical signed ZIP: its digest is the signed sha256 (the zh: lock hash).
        for z in &out[0].zips {
            assert_eq!(
                pushed.platforms[&z.platform].layer_digest.to_string(),
                format!("sha256:{}", z.sha256)
            );
            assert_eq!(
                z.sha256,
                sha256_hex(&std::fs::read(out[0].dir.join(&z.file_name)).unwrap())
            );
        }
        let tagged = Target::parse(&format!("{target}:1.3.1")).unwrap();
        let store = Store::open(&tagged, oci_support::test_options(), false).unwrap();
        let report = verify(&store, &tagged, &VerifyOptions::default())
            .await
            .unwrap();
        assert!(
            report.ok(),
            "{target}: {:?}",
            report.errors().collect::<Vec<_>>()
        );
    }
    // Same release, same bytes: the layout and the registry hold the same index.
    assert_eq!(index_digests[0], index_digests[1]);

    // The air-gapped leg: the layout (the "USB stick") copied into an internal registry, byte for byte.
    let internal = format!("{}/internal/acme/demo", registry.host);
    let copied = tofu_sbom::registry::copy::copy(
        &Target::parse(&format!(
            "oci-layout:{}:1.3.1",
            layout_dir.path().join("oci").display()
        ))
        .unwrap(),
        &Target::parse(&internal).unwrap(),
        oci_support::test_options(),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(copied.root.digest, index_digests[0]);
    assert_eq!(copied.tag.as_deref(), Some("1.3.1"));
    let tagged = Target::parse(&format!("{internal}:1.3.1")).unwrap();
    let store = Store::open(&tagged, oci_support::test_options(), false).unwrap();
    let report = verify(&store, &tagged, &VerifyOptions::default())
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors().collect::<Vec<_>>());
}

#[tokio::test]
async fn responses_and_downloads_are_read_under_limits_and_junk_versions_are_reported() {
    let mut fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    fx.junk_versions = vec!["latest".into(), "v2.0.0".into()];
    fx.publish();
    let zip_size = fx.version("1.0.0").packages[0].bytes.len() as u64;

    let mut opts = mirror_options();
    opts.client.limits.max_provider_zip = zip_size - 1;
    let e = fails_writing_nothing(&fx, "@1.0.0", &opts).await;
    assert_eq!(
        e.to_string(),
        format!(
            "download {}{} exceeds the limit of {} bytes",
            fx.server.base(),
            fx.zip_path("1.0.0", "darwin_arm64"),
            zip_size - 1
        )
    );

    let mut opts = mirror_options();
    opts.client.limits.max_provider_registry_response = 64;
    let e = fails_writing_nothing(&fx, "@1.0.0", &opts).await;
    assert_eq!(
        e.to_string(),
        format!(
            "version list {}/v1/providers/acme/demo/versions exceeds the limit of 64 bytes",
            fx.server.base()
        )
    );

    let mut opts = mirror_options();
    opts.client.limits.max_signature_file = 16;
    let e = fails_writing_nothing(&fx, "@1.0.0", &opts).await;
    assert_eq!(
        e.to_string(),
        format!(
            "published signing key {:?} exceeds the limit of 16 bytes",
            fx.key.key_id
        )
    );

    let root = tempfile::tempdir().unwrap();
    let out = run(&fx, "", root.path(), &mirror_options()).await.unwrap();
    assert_eq!(out[0].version, "1.0.0");
    assert_eq!(
        out[0].warnings,
        [
            "the registry lists \"latest\", which is not a semantic version; ignored",
            "the registry lists \"v2.0.0\", which is not a semantic version; ignored",
        ]
    );
}

#[tokio::test]
async fn protocol_errors_name_the_problem() {
    use mirror_support::server::Response;
    let fx = ProviderFixture::new(&["1.0.0"], PLATFORMS);
    let host = fx.server.host();
    let base = fx.server.base();
    let root = tempfile::tempdir().unwrap();
    let run_source = |s: String| {
        let root = root.path().to_path_buf();
        async move {
            let source = ProviderSource::parse(&s).unwrap();
            mirror(
                &source.address,
                &[source.constraint],
                &root,
                &mirror_options(),
            )
            .await
        }
    };

    // Unknown provider: the versions endpoint answers 404.
    let e = run_source(format!("{host}/acme/nothere"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "provider {host}/acme/nothere is not known to its registry (404 from {base}/v1/providers/acme/nothere/versions)"
        )
    );

    // A download response for the wrong platform.
    fx.server.route(
        "/v1/providers/acme/demo/1.0.0/download/linux/amd64",
        Response::json(
            br#"{"os":"linux","arch":"arm64","filename":"terraform-provider-demo_1.0.0_linux_arm64.zip","download_url":"/x","shasums_url":"/y","shasum":"00"}"#.to_vec(),
        ),
    );
    let e = run_source(format!("{host}/acme/demo@1.0.0"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "package metadata {base}/v1/providers/acme/demo/1.0.0/download/linux/amd64: the response to a request for the linux_amd64 package names platform \"linux_arm64\""
        )
    );
    // A download URL to a non-loopback host over plain HTTP.
    let good = fx.version("1.0.0").packages[1].clone();
    fx.server.route(
        "/v1/providers/acme/demo/1.0.0/download/linux/amd64",
        Response::json(
            format!(
                r#"{{"os":"linux","arch":"amd64","filename":"{}","download_url":"http://example.com/x.zip","shasums_url":"/y","shasum":"{}"}}"#,
                good.file_name, good.sha256
            )
            .into_bytes(),
        ),
    );
    let e = run_source(format!("{host}/acme/demo@1.0.0"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "refusing plain HTTP for http://example.com/x.zip: only loopback hosts may be reached without TLS (or use the plain-HTTP protocol option)"
    );

    // A host without the provider registry protocol.
    fx.server.route(
        "/.well-known/terraform.json",
        Response::json(br#"{"modules.v1":"/v1/modules/"}"#.to_vec()),
    );
    let e = run_source(format!("{host}/acme/demo")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{host} does not offer the provider registry protocol: {base}/.well-known/terraform.json has no \"providers.v1\" entry"
        )
    );
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);

    // HTTPS required: a plain-HTTP registry is not silently used.
    let mut opts = mirror_options();
    opts.client.protocol = tofu_sbom::registry::client::Protocol::Https;
    let source = ProviderSource::parse(&format!("{host}/acme/demo")).unwrap();
    let e = mirror(&source.address, &[None], root.path(), &opts)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("GET /.well-known/terraform.json on {host}: ")),
        "{e}"
    );
    assert!(!e.is_transient());
}
