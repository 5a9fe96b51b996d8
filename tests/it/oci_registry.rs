//! Push / read back / verify / re-push against a real registry (Debian's distribution 2.8), the OCI layout target,
//! credentials sources and basic auth, and fault injection through an in-test proxy.

use crate::support;
use crate::support::oci as oci_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use oci_support::fault_proxy::{Action, FaultProxy, Rule};
use oci_support::{make_release, skopeo_raw, skopeo_tags, test_options};
use serde_json::Value;
use support::{Registry, RegistryAuth, RegistryOpts};
use tofu_sbom::provider::ProviderError;
use tofu_sbom::provider::artifact::{ProviderAddress, ProviderPackage, build_artifact};
use tofu_sbom::provider::push::{PushOptions, PushOutcome, push};
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{ClientOptions, Protocol, RegistryClient};
use tofu_sbom::registry::credentials::{CredentialEnv, CredentialSource};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::store::Store;
use tofu_sbom::verify::artifact::{VerifyOptions, verify};

const PLATFORMS: &[(&str, &str)] = &[
    ("windows", "386"),
    ("linux", "amd64"),
    ("darwin", "arm64"),
    ("linux", "arm"),
];

async fn push_to(
    target: &str,
    pkg: &ProviderPackage,
    opts: ClientOptions,
    push_opts: &PushOptions,
) -> Result<PushOutcome, ProviderError> {
    let t = Target::parse(target)?;
    let store = Store::open(&t, opts, true)?;
    push(pkg, &store, &t, push_opts).await
}

async fn verify_target(
    target: &str,
    opts: ClientOptions,
) -> tofu_sbom::verify::artifact::VerifyReport {
    let t = Target::parse(target).unwrap();
    let store = Store::open(&t, opts, false).unwrap();
    verify(&store, &t, &VerifyOptions::default()).await.unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[tokio::test]
async fn push_read_back_verify_and_repush() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.2.3", PLATFORMS, 300_000);
    let target = format!("{}/acme/demo", reg.host);
    let provider = ProviderAddress::parse("example/demo").unwrap();
    let push_opts = PushOptions {
        provider: Some(provider),
        ..PushOptions::default()
    };

    // Auto protocol: the loopback registry speaks plain HTTP, so the TLS attempt falls back (Docker's rule).
    let out = push_to(&target, &pkg, test_options(), &push_opts)
        .await
        .unwrap();
    let expected = build_artifact(&pkg).unwrap();
    assert_eq!(out.index_digest, expected.index.digest);
    assert_eq!(out.tags, vec!["1.2.3"]);
    assert_eq!((out.uploaded_blobs, out.skipped_blobs), (5, 0));
    assert_eq!(
        out.uploaded_bytes,
        2 + pkg.platforms.iter().map(|p| p.size).sum::<u64>()
    );
    assert_eq!(
        out.pinned_reference,
        format!("{target}@{}", expected.index.digest)
    );
    assert_eq!(
        out.platforms.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["darwin_arm64", "linux_amd64", "linux_arm", "windows_386"]
    );
    // Reached over plain HTTP (the loopback fallback): OpenTofu could not use a block, so none (issue 12).
    assert_eq!(out.tofurc, None);
    assert!(
        out.tofurc_unusable
            .as_deref()
            .unwrap()
            .starts_with(&format!(
                "no .tofurc block: {} was reached over plain HTTP",
                reg.host
            ))
    );

    // Read everything back raw: our client and skopeo (an independent reader) see exactly our bytes.
    let client = RegistryClient::new(&reg.host, "acme/demo", test_options()).unwrap();
    assert_eq!(client.scheme().await.unwrap(), "http");
    let idx = client.get_manifest("acme/demo", "1.2.3").await.unwrap();
    assert_eq!(idx.media_type, "application/vnd.oci.image.index.v1+json");
    assert_eq!(idx.bytes, expected.index.bytes);
    assert_eq!(
        skopeo_raw(&format!("{target}:1.2.3"), None),
        expected.index.bytes
    );
    let v = json(&idx.bytes);
    assert_eq!(v["schemaVersion"], 2);
    assert_eq!(v["mediaType"], "application/vnd.oci.image.index.v1+json");
    assert_eq!(v["artifactType"], "application/vnd.opentofu.provider");
    let annotations: BTreeMap<String, String> =
        serde_json::from_value(v["annotations"].clone()).unwrap();
    assert_eq!(
        annotations,
        BTreeMap::from([
            (
                "org.opencontainers.image.created".to_owned(),
                "2026-01-02T03:04:05Z".to_owned()
            ),
            (
                "org.opencontainers.image.revision".to_owned(),
                "0123456789abcdef0123456789abcdef01234567".to_owned()
            ),
            (
                "org.opencontainers.image.source".to_owned(),
                "https://github.com/example/terraform-provider-demo".to_owned()
            ),
            (
                "org.opencontainers.image.version".to_owned(),
                "1.2.3".to_owned()
            ),
        ])
    );
    let entries = v["manifests"].as_array().unwrap();
    let order: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["platform"]["os"].as_str().unwrap().to_owned(),
                e["platform"]["architecture"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("darwin".into(), "arm64".into()),
            ("linux".into(), "amd64".into()),
            ("linux".into(), "arm".into()),
            ("windows".into(), "386".into())
        ]
    );
    for e in entries {
        assert_eq!(e["mediaType"], "application/vnd.oci.image.manifest.v1+json");
        assert_eq!(
            e["artifactType"],
            "application/vnd.opentofu.provider-target"
        );
        // Exactly os + architecture: no variant, no os.version.
        assert_eq!(e["platform"].as_object().unwrap().len(), 2);
        let os_arch = format!(
            "{}_{}",
            e["platform"]["os"].as_str().unwrap(),
            e["platform"]["architecture"].as_str().unwrap()
        );
        let digest = e["digest"].as_str().unwrap();
        assert_eq!(digest, out.platforms[&os_arch].manifest_digest.as_str());
        let m = client.get_manifest("acme/demo", digest).await.unwrap();
        assert_eq!(m.media_type, "application/vnd.oci.image.manifest.v1+json");
        assert_eq!(e["size"].as_u64().unwrap(), m.bytes.len() as u64);
        assert_eq!(skopeo_raw(&format!("{target}@{digest}"), None), m.bytes);
        let mv = json(&m.bytes);
        assert_eq!(mv["schemaVersion"], 2);
        assert_eq!(
            mv["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        assert_eq!(
            mv["artifactType"],
            "application/vnd.opentofu.provider-target"
        );
        assert_eq!(
            mv["config"].to_string(),
            r#"{"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","mediaType":"application/vnd.oci.empty.v1+json","size":2}"#
        );
        let layers = mv["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1);
        let zip = pkg
            .platforms
            .iter()
            .find(|p| format!("{}_{}", p.os, p.arch) == os_arch)
            .unwrap();
        assert_eq!(layers[0]["mediaType"], "archive/zip");
        assert_eq!(
            layers[0]["artifactType"],
            "application/vnd.opentofu.providerpkg"
        );
        assert_eq!(
            layers[0]["digest"].as_str().unwrap(),
            format!("sha256:{}", zip.sha256)
        );
        assert_eq!(layers[0]["size"].as_u64().unwrap(), zip.size);
        assert_eq!(
            layers[0]["annotations"]["org.opencontainers.image.title"]
                .as_str()
                .unwrap(),
            zip.file_name
        );
        // The blob is the byte-identical release ZIP.
        let mut blob = Vec::new();
        let layer_digest: Digest = format!("sha256:{}", zip.sha256).parse().unwrap();
        client
            .fetch_blob("acme/demo", &layer_digest, 1 << 30, &mut blob)
            .await
            .unwrap();
        assert_eq!(blob, std::fs::read(&zip.path).unwrap());
    }

    let report = verify_target(&format!("{target}:1.2.3"), test_options()).await;
    assert_eq!(report.findings, vec![], "{:#?}", report.findings);
    assert!(report.ok());
    let tr = &report.tags[0];
    assert_eq!(tr.index_digest.as_ref(), Some(&expected.index.digest));
    assert_eq!(tr.platforms.len(), 4);
    for z in &pkg.platforms {
        let p = &tr.platforms[&format!("{}_{}", z.os, z.arch)];
        assert!(p.ok);
        assert_eq!(p.zip_size, Some(z.size));
        assert_eq!(
            p.layer_digest.as_ref().map(Digest::encoded),
            Some(z.sha256.as_str())
        );
    }
    // Verifying the bare repository verifies every version tag.
    let all = verify_target(&target, test_options()).await;
    assert_eq!((all.tags.len(), all.findings.len()), (1, 0));

    // Re-push, adding an informational tag: 0 blob uploads (per the registry's own access log), same digests.
    let uploads_before = reg.blob_upload_requests().len();
    assert_eq!(
        uploads_before,
        5 * 2,
        "POST + PUT per blob: {:?}",
        reg.blob_upload_requests()
    );
    let again = push_to(
        &target,
        &pkg,
        test_options(),
        &PushOptions {
            extra_tags: vec!["latest".into()],
            ..PushOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(reg.blob_upload_requests().len(), uploads_before);
    assert_eq!(
        (
            again.uploaded_blobs,
            again.uploaded_bytes,
            again.skipped_blobs
        ),
        (0, 0, 5)
    );
    assert_eq!(again.index_digest, out.index_digest);
    assert_eq!(again.platforms, out.platforms);
    let mut tags = skopeo_tags(&target);
    tags.sort();
    assert_eq!(tags, vec!["1.2.3", "latest"]);
    assert_eq!(client.list_tags("acme/demo").await.unwrap().len(), 2);

    // A tag that OpenTofu would not resolve is refused before anything happens.
    let e = push_to(
        &format!("{target}:v1.2.3"),
        &pkg,
        test_options(),
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "tag \"v1.2.3\" refused: OpenTofu looks version 1.2.3 up under tag \"1.2.3\" only; omit the tag or use it, and add informational tags with --extra-tag"
    );

    // Dry run on a fresh repository: a plan, no writes.
    let fresh = format!("{}/acme/fresh", reg.host);
    let plan = push_to(
        &fresh,
        &pkg,
        test_options(),
        &PushOptions {
            dry_run: true,
            ..PushOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(plan.dry_run);
    assert_eq!(plan.plan.blobs.len(), 5);
    assert!(plan.plan.blobs.iter().all(|b| !b.exists));
    assert_eq!(plan.plan.blobs[0].title, "config");
    assert_eq!(plan.plan.manifests.last().unwrap().what, "index");
    assert_eq!(plan.index_digest, out.index_digest);
    assert_eq!(reg.blob_upload_requests().len(), uploads_before);
    assert!(skopeo_tags(&fresh).is_empty());
}

fn walk_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[tokio::test]
async fn oci_layout_is_valid_and_identical_to_the_registry_push() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "2.0.0-rc.1+build.7", PLATFORMS, 50_000);
    let layout_dir = dir.path().join("layout");
    let layout = format!("oci-layout:{}", layout_dir.display());
    let out_layout = push_to(&layout, &pkg, test_options(), &PushOptions::default())
        .await
        .unwrap();
    let target = format!("{}/acme/demo", reg.host);
    let out_reg = push_to(&target, &pkg, test_options(), &PushOptions::default())
        .await
        .unwrap();
    assert_eq!(out_layout.index_digest, out_reg.index_digest);
    assert_eq!(out_layout.tags, vec!["2.0.0-rc.1_build.7"]);
    assert_eq!(
        out_layout.pinned_reference,
        format!("{layout}@{}", out_layout.index_digest)
    );

    // A valid layout: oci-layout, index.json with the ref.name annotation, every blob re-hashes to its name.
    assert_eq!(
        std::fs::read_to_string(layout_dir.join("oci-layout")).unwrap(),
        r#"{"imageLayoutVersion":"1.0.0"}"#
    );
    let index_json = json(&std::fs::read(layout_dir.join("index.json")).unwrap());
    assert_eq!(index_json["schemaVersion"], 2);
    assert_eq!(
        index_json["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = index_json["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(
        entries[0]["artifactType"],
        "application/vnd.opentofu.provider"
    );
    assert_eq!(
        entries[0]["digest"].as_str().unwrap(),
        out_layout.index_digest.as_str()
    );
    assert_eq!(
        entries[0]["annotations"]["org.opencontainers.image.ref.name"],
        "2.0.0-rc.1_build.7"
    );
    let mut files = Vec::new();
    walk_files(&layout_dir.join("blobs"), &mut files);
    assert_eq!(
        files.len(),
        1 + 4 + 4 + 1,
        "config, 4 zips, 4 manifests, index: {files:?}"
    );
    for f in &files {
        assert_eq!(f.parent().unwrap().file_name().unwrap(), "sha256");
        let name = f.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            Digest::sha256_of(&std::fs::read(f).unwrap()).encoded(),
            name,
            "{}",
            f.display()
        );
    }
    // Byte-identical manifests to what the registry serves.
    let client = RegistryClient::new(&reg.host, "acme/demo", test_options()).unwrap();
    for d in out_reg
        .platforms
        .values()
        .map(|p| &p.manifest_digest)
        .chain([&out_reg.index_digest])
    {
        let from_reg = client
            .get_manifest("acme/demo", d.as_str())
            .await
            .unwrap()
            .bytes;
        assert_eq!(
            std::fs::read(layout_dir.join("blobs/sha256").join(d.encoded())).unwrap(),
            from_reg
        );
    }
    let report = verify_target(&format!("{layout}:2.0.0-rc.1_build.7"), test_options()).await;
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.tags[0].platforms.len(), 4);

    // Re-push changes nothing on disk; a byte-for-byte copy verifies too.
    let before = std::fs::read(layout_dir.join("index.json")).unwrap();
    let again = push_to(&layout, &pkg, test_options(), &PushOptions::default())
        .await
        .unwrap();
    assert_eq!((again.uploaded_blobs, again.skipped_blobs), (0, 5));
    assert_eq!(
        std::fs::read(layout_dir.join("index.json")).unwrap(),
        before
    );
    let mut files_after = Vec::new();
    walk_files(&layout_dir, &mut files_after);
    assert_eq!(
        files_after.len(),
        files.len() + 2,
        "no temporary files left: {files_after:?}"
    );
    let copy = dir.path().join("copy");
    copy_dir(&layout_dir, &copy);
    let report = verify_target(&format!("oci-layout:{}", copy.display()), test_options()).await;
    assert!(
        report.ok() && report.findings.is_empty(),
        "{:#?}",
        report.findings
    );
}

#[tokio::test]
async fn chunked_uploads_and_cross_repository_mount() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(
        dir.path(),
        "big",
        "0.1.0",
        &[("linux", "amd64"), ("linux", "arm64")],
        200_000,
    );
    let opts = ClientOptions {
        chunked_threshold: 64 << 10,
        chunk_size: 64 << 10,
        protocol: Protocol::PlainHttp,
        ..test_options()
    };
    let target = format!("{}/acme/big", reg.host);
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let ev2 = events.clone();
    let progress: tofu_sbom::provider::push::ProgressFn =
        Arc::new(move |e| ev2.lock().unwrap().push(format!("{e:?}")));
    let out = push_to(
        &target,
        &pkg,
        opts.clone(),
        &PushOptions {
            progress: Some(progress),
            concurrency: 2,
            ..PushOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(out.uploaded_blobs, 3);
    // 200 000-byte ZIPs (plus ZIP headers) in 64 KiB chunks: 4 PATCHes each.
    let patches = reg
        .requests()
        .iter()
        .filter(|r| r.starts_with("PATCH "))
        .count();
    assert_eq!(patches, 8, "{:?}", reg.requests());
    let evs = events.lock().unwrap().clone();
    assert!(
        evs.iter().any(|e| e.starts_with("BlobDone"))
            && evs.iter().any(|e| e.starts_with("Tagged { tag: \"0.1.0\"")),
        "{evs:?}"
    );
    assert!(
        verify_target(&format!("{target}:0.1.0"), opts.clone())
            .await
            .ok()
    );

    let client = RegistryClient::new(&reg.host, "acme/other", opts).unwrap();
    let layer = &out.platforms["linux_amd64"].layer_digest;
    assert_eq!(
        client
            .blob_exists(
                "acme/other",
                layer,
                &tofu_sbom::registry::client::Scope::pull("acme/other")
            )
            .await
            .unwrap(),
        None
    );
    assert!(
        client
            .mount_blob("acme/other", layer, "acme/big")
            .await
            .unwrap()
    );
    assert_eq!(
        client
            .blob_exists(
                "acme/other",
                layer,
                &tofu_sbom::registry::client::Scope::pull("acme/other")
            )
            .await
            .unwrap(),
        Some(pkg.platforms[0].size)
    );
}

// ------------------------------------------------------------------------------------------------------------------
// Authentication and credential sources

fn creds_env(home: &Path) -> CredentialEnv {
    CredentialEnv {
        home: Some(home.to_owned()),
        ..CredentialEnv::isolated()
    }
}

fn basic_b64(u: &str, p: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
}

#[tokio::test]
async fn basic_auth_and_every_credential_source() {
    let reg = Registry::start(RegistryOpts::htpasswd("alice", "s3cret-pw"));
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.0.0", &[("linux", "amd64")], 10_000);
    let target = format!("{}/acme/demo", reg.host);
    let with = |credentials: CredentialEnv| ClientOptions {
        credentials,
        protocol: Protocol::PlainHttp,
        ..test_options()
    };

    // Right credentials (explicit, as from --username + --password-stdin): works.
    let explicit = CredentialEnv {
        explicit: Some(("alice".into(), "s3cret-pw".into())),
        ..CredentialEnv::isolated()
    };
    push_to(
        &target,
        &pkg,
        with(explicit.clone()),
        &PushOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        skopeo_raw(&format!("{target}:1.0.0"), Some(("alice", "s3cret-pw"))),
        build_artifact(&pkg).unwrap().index.bytes
    );
    let report = verify_target(&format!("{target}:1.0.0"), with(explicit)).await;
    assert!(report.ok(), "{:#?}", report.findings);

    // Wrong password: a clear 401 naming the source, never the secret.
    let wrong = CredentialEnv {
        explicit: Some(("alice".into(), "WRONG-pw-123".into())),
        ..CredentialEnv::isolated()
    };
    let e = push_to(&target, &pkg, with(wrong), &PushOptions::default())
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            ProviderError::Registry(RegistryError::Unauthorized { .. })
        ),
        "{e:?}"
    );
    assert!(
        msg.starts_with(&format!(
            "authentication to {} failed (credentials from --username/--password-stdin): HTTP 401",
            reg.host
        )),
        "{msg}"
    );
    assert!(
        msg.ends_with("check the username and password or token from --username/--password-stdin"),
        "{msg}"
    );
    assert!(!msg.contains("WRONG-pw-123") && !format!("{e:?}").contains("WRONG-pw-123"));

    // No credentials at all.
    let e = push_to(
        &target,
        &pkg,
        with(CredentialEnv::isolated()),
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} requires authentication and no credentials were found (looked at: --username/--password-stdin, environment TOFU_SBOM_REGISTRY_USERNAME/TOFU_SBOM_REGISTRY_PASSWORD)",
            reg.host
        )
    );

    // Each source, checked by an authenticated tag listing.
    async fn source_of(
        host: &str,
        env: CredentialEnv,
    ) -> (CredentialSource, Result<Vec<String>, RegistryError>) {
        let c = RegistryClient::new(
            host,
            "acme/demo",
            ClientOptions {
                credentials: env,
                protocol: Protocol::PlainHttp,
                ..test_options()
            },
        )
        .unwrap();
        let tags = c.list_tags("acme/demo").await;
        (c.credential_source().await.unwrap(), tags)
    }
    let ok_tags = vec!["1.0.0".to_owned()];

    // Environment.
    let env = CredentialEnv {
        env_username: Some("alice".into()),
        env_password: Some("s3cret-pw".into()),
        ..CredentialEnv::isolated()
    };
    let (src, tags) = source_of(&reg.host, env).await;
    assert_eq!(
        (src, tags.unwrap()),
        (CredentialSource::Environment, ok_tags.clone())
    );

    // Docker config `auths` with an https:// key, via $DOCKER_CONFIG.
    let dc = dir.path().join("dockercfg");
    std::fs::create_dir_all(&dc).unwrap();
    let key = format!("https://{}", reg.host);
    std::fs::write(
        dc.join("config.json"),
        format!(
            r#"{{"auths":{{"{key}":{{"auth":"{}"}}}}}}"#,
            basic_b64("alice", "s3cret-pw")
        ),
    )
    .unwrap();
    let env = CredentialEnv {
        docker_config_dir: Some(dc.clone()),
        ..CredentialEnv::isolated()
    };
    let (src, tags) = source_of(&reg.host, env).await;
    assert_eq!(
        src,
        CredentialSource::DockerConfig {
            path: dc.join("config.json"),
            key
        }
    );
    assert_eq!(tags.unwrap(), ok_tags);

    // The environment wins over a docker config with a wrong password.
    std::fs::write(
        dc.join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            reg.host,
            basic_b64("alice", "nope")
        ),
    )
    .unwrap();
    let env = CredentialEnv {
        docker_config_dir: Some(dc.clone()),
        env_username: Some("alice".into()),
        env_password: Some("s3cret-pw".into()),
        ..CredentialEnv::isolated()
    };
    assert_eq!(source_of(&reg.host, env).await.1.unwrap(), ok_tags);

    // A credential helper script on PATH: credHelpers, then credsStore.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-test");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread -r server\nif [ \"$server\" = \"{}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret-pw\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            reg.host
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::ffi::OsString::from(format!("{}:/usr/bin:/bin", bin.display()));
    std::fs::write(
        dc.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"test"}}}}"#, reg.host),
    )
    .unwrap();
    let env = CredentialEnv {
        docker_config_dir: Some(dc.clone()),
        path: Some(path.clone()),
        ..CredentialEnv::isolated()
    };
    let (src, tags) = source_of(&reg.host, env).await;
    assert_eq!(
        (src, tags.unwrap()),
        (
            CredentialSource::CredHelper {
                helper: "test".into()
            },
            ok_tags.clone()
        )
    );
    std::fs::write(
        dc.join("config.json"),
        r#"{"credsStore":"test","auths":{"other.example.com":{}}}"#,
    )
    .unwrap();
    let env = CredentialEnv {
        docker_config_dir: Some(dc.clone()),
        path: Some(path.clone()),
        ..CredentialEnv::isolated()
    };
    let (src, tags) = source_of(&reg.host, env).await;
    assert_eq!(
        (src, tags.unwrap()),
        (
            CredentialSource::CredsStore {
                helper: "test".into()
            },
            ok_tags.clone()
        )
    );
    // A helper that does not know the registry: the chain goes on (here to anonymous).
    let env = CredentialEnv {
        docker_config_dir: Some(dc.clone()),
        path: Some(path),
        ..CredentialEnv::isolated()
    };
    let resolved = tofu_sbom::registry::credentials::resolve(&env, "127.0.0.1:1", "x")
        .await
        .unwrap();
    assert_eq!(
        (resolved.credential, resolved.source),
        (None, CredentialSource::Anonymous)
    );
    // A configured helper that is not installed is an error, not a silent fallback.
    let env = CredentialEnv {
        docker_config_dir: Some(dc.clone()),
        path: Some(dir.path().join("empty-bin").into()),
        ..CredentialEnv::isolated()
    };
    let e = tofu_sbom::registry::credentials::resolve(&env, &reg.host, "acme/demo")
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "credentials from docker-credential-test: docker-credential-test is not on PATH (configured in the docker config)"
    );

    // containers auth.json under $XDG_RUNTIME_DIR.
    let run = dir.path().join("run");
    std::fs::create_dir_all(run.join("containers")).unwrap();
    std::fs::write(
        run.join("containers/auth.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            reg.host,
            basic_b64("alice", "s3cret-pw")
        ),
    )
    .unwrap();
    let env = CredentialEnv {
        xdg_runtime_dir: Some(run.clone()),
        ..creds_env(&dir.path().join("nohome"))
    };
    let (src, tags) = source_of(&reg.host, env).await;
    assert_eq!(
        src,
        CredentialSource::ContainersAuth {
            path: run.join("containers/auth.json"),
            key: reg.host.clone()
        }
    );
    assert_eq!(tags.unwrap(), ok_tags);

    // ~/.config/containers/auth.json with XDG_RUNTIME_DIR unset, repository-scoped key (most specific wins).
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/containers")).unwrap();
    std::fs::write(
        home.join(".config/containers/auth.json"),
        format!(
            r#"{{"auths":{{"{h}":{{"auth":"{bad}"}},"{h}/acme":{{"auth":"{good}"}}}}}}"#,
            h = reg.host,
            bad = basic_b64("alice", "nope"),
            good = basic_b64("alice", "s3cret-pw")
        ),
    )
    .unwrap();
    let (src, tags) = source_of(&reg.host, creds_env(&home)).await;
    assert_eq!(
        src,
        CredentialSource::ContainersAuth {
            path: home.join(".config/containers/auth.json"),
            key: format!("{}/acme", reg.host)
        }
    );
    assert_eq!(tags.unwrap(), ok_tags);
}

// ------------------------------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn transient_faults_are_retried_and_the_push_converges() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let rules = vec![
        Rule {
            method: "PUT",
            path_contains: "/blobs/uploads/",
            action: Action::ResetAfterBodyBytes(4096),
            times: 1,
        },
        Rule {
            method: "PUT",
            path_contains: "/manifests/",
            action: Action::Status(503, None, ""),
            times: 1,
        },
        Rule {
            method: "HEAD",
            path_contains: "/blobs/",
            action: Action::Status(429, Some(1), ""),
            times: 1,
        },
        Rule {
            method: "PUT",
            path_contains: "/manifests/1.0.0",
            // Distribution 2.8's exact answer to a manifest whose blob another writer is committing at that moment
            // (seen in `mirror --from-file`): DIGEST_INVALID first, then the MANIFEST_BLOB_UNKNOWN that says what
            // to do — re-check the blobs and retry.
            action: Action::Status(
                400,
                None,
                r#"{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"},{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]}"#,
            ),
            times: 1,
        },
    ];
    let proxy = FaultProxy::start(reg.addr.port(), rules);
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(
        dir.path(),
        "demo",
        "1.0.0",
        &[
            ("linux", "amd64"),
            ("darwin", "arm64"),
            ("windows", "amd64"),
        ],
        100_000,
    );
    let opts = ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    };
    let target = format!("{}/acme/demo", proxy.host());
    let started = std::time::Instant::now();
    let out = push_to(&target, &pkg, opts.clone(), &PushOptions::default())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(
        (
            proxy.fired(0),
            proxy.fired(1),
            proxy.fired(2),
            proxy.fired(3)
        ),
        (1, 1, 1, 1),
        "{:#?}",
        proxy.log()
    );
    assert_eq!(out.index_digest, build_artifact(&pkg).unwrap().index.digest);
    // Straight at the registry: complete and valid.
    let report = verify_target(&format!("{}/acme/demo:1.0.0", reg.host), opts).await;
    assert!(
        report.ok() && report.findings.is_empty(),
        "{:#?}",
        report.findings
    );
}

#[tokio::test]
async fn permanent_denial_stops_at_once_and_nothing_is_tagged() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let body = r#"{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}"#;
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "PUT",
            path_contains: "/manifests/",
            action: Action::Status(403, None, body),
            times: usize::MAX,
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let pkg = make_release(dir.path(), "demo", "1.0.0", &[("linux", "amd64")], 10_000);
    let opts = ClientOptions {
        protocol: Protocol::PlainHttp,
        ..test_options()
    };
    let e = push_to(
        &format!("{}/acme/demo", proxy.host()),
        &pkg,
        opts,
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(proxy.fired(0), 1, "a permanent error is not retried");
    let expected_digest = build_artifact(&pkg).unwrap().platforms[0]
        .manifest
        .digest
        .clone();
    assert_eq!(
        e.to_string(),
        format!(
            "{} denied PUT /v2/acme/demo/manifests/{expected_digest} on acme/demo: DENIED: permission_denied: write_package — GitHub Packages: give the workflow `permissions: packages: write`; if the package already exists, add this repository under the package's \"Manage Actions access\" settings (or link it with the org.opencontainers.image.source annotation)",
            proxy.host()
        )
    );
    assert!(
        skopeo_tags(&format!("{}/acme/demo", reg.host)).is_empty(),
        "nothing tagged"
    );
}

#[tokio::test]
async fn a_tampered_zip_pushes_nothing() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let dir = tempfile::tempdir().unwrap();
    let mut pkg = make_release(
        dir.path(),
        "demo",
        "1.0.0",
        &[("linux", "amd64"), ("linux", "arm64")],
        10_000,
    );
    let victim = pkg.platforms[1].path.clone();
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&victim, &bytes).unwrap();
    let e = push_to(
        &format!("{}/acme/demo", reg.host),
        &pkg,
        test_options(),
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} has sha256 {}, but the release declares sha256:{}; nothing was pushed",
            victim.display(),
            Digest::sha256_of(&bytes),
            pkg.platforms[1].sha256
        )
    );
    assert!(
        reg.requests().iter().all(|r| !r.contains("/acme/")),
        "{:?}",
        reg.requests()
    );
    // A platform named the non-Go way is refused before anything is read.
    pkg.platforms[0].arch = "x86_64".into();
    let e = push_to(
        &format!("{}/acme/demo", reg.host),
        &pkg,
        test_options(),
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("architecture \"x86_64\" is not a Go GOARCH name"),
        "{e}"
    );
}

// ------------------------------------------------------------------------------------------------------------------
// Bearer tokens

#[tokio::test]
async fn bearer_token_auth() {
    use oci_support::token_realm::{TokenRealm, mint};
    let dir = tempfile::tempdir().unwrap();
    let material = mint(dir.path(), "acme/demo");
    let realm = TokenRealm::start(material.jwt.clone(), "alice", "s3cret-pw");
    let reg = Registry::start(RegistryOpts {
        auth: RegistryAuth::ExternalToken {
            realm: format!("http://127.0.0.1:{}/token", realm.port),
            rootcertbundle: material.cert_pem.clone(),
        },
        tls: false,
    });
    let pkg = make_release(
        dir.path(),
        "demo",
        "1.0.0",
        &[("linux", "amd64"), ("darwin", "arm64")],
        20_000,
    );
    let creds = |p: &str| CredentialEnv {
        explicit: Some(("alice".into(), p.into())),
        ..CredentialEnv::isolated()
    };
    let opts = |p: &str| ClientOptions {
        credentials: creds(p),
        protocol: Protocol::PlainHttp,
        ..test_options()
    };

    let out = push_to(
        &format!("{}/acme/demo", reg.host),
        &pkg,
        opts("s3cret-pw"),
        &PushOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(out.index_digest, build_artifact(&pkg).unwrap().index.digest);
    let report = verify_target(&format!("{}/acme/demo:1.0.0", reg.host), opts("s3cret-pw")).await;
    assert!(
        report.ok() && report.findings.is_empty(),
        "{:#?}",
        report.findings
    );
    let queries = realm.queries.lock().unwrap().clone();
    assert!(
        queries
            .iter()
            .any(|q| q
                == "service=tofu-sbom-test-registry&scope=repository%3Aacme%2Fdemo%3Apull%2Cpush"),
        "{queries:?}"
    );
    // One token per scope is cached: far fewer token requests than registry requests.
    assert!(queries.len() <= 4, "{queries:?}");

    // The token grants acme/demo only: another repository is refused with a clear 401.
    let e = push_to(
        &format!("{}/acme/other", reg.host),
        &pkg,
        opts("s3cret-pw"),
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::Registry(RegistryError::Unauthorized { .. })
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("(credentials from --username/--password-stdin): HTTP 401"),
        "{e}"
    );

    // A wrong password is refused by the token endpoint; the secret never appears.
    let e = push_to(
        &format!("{}/acme/demo", reg.host),
        &pkg,
        opts("WRONG-pw-123"),
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "authentication to {} failed (credentials from --username/--password-stdin): token endpoint answered HTTP 401: UNAUTHORIZED: bad credentials — check the username and password or token from --username/--password-stdin",
            reg.host
        )
    );
    assert!(!format!("{e:?}").contains("WRONG-pw-123"));
}

// ------------------------------------------------------------------------------------------------------------------
// TLS with a private CA (--ca-file)

#[tokio::test]
async fn tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    // A private CA and a server certificate for IP 127.0.0.1 signed by it.
    let reg = Registry::start(RegistryOpts::tls());
    let ca = reg.ca_cert.clone().expect("the registry's CA");
    let pkg = make_release(dir.path(), "demo", "1.0.0", &[("linux", "amd64")], 5_000);
    let target = format!("{}/acme/demo", reg.host);

    let with_ca = ClientOptions {
        ca_files: vec![ca.clone()],
        protocol: Protocol::Https,
        ..test_options()
    };
    let out = push_to(&target, &pkg, with_ca.clone(), &PushOptions::default())
        .await
        .unwrap();
    let client = RegistryClient::new(&reg.host, "acme/demo", with_ca.clone()).unwrap();
    assert_eq!(client.scheme().await.unwrap(), "https");
    assert_eq!(
        client
            .get_manifest("acme/demo", "1.0.0")
            .await
            .unwrap()
            .digest,
        out.index_digest
    );
    assert!(
        verify_target(&format!("{target}:1.0.0"), with_ca)
            .await
            .ok()
    );

    // Without the CA the certificate is refused; not retried, and no silent downgrade to HTTP works either.
    let e = push_to(
        &target,
        &pkg,
        ClientOptions {
            protocol: Protocol::Https,
            ..test_options()
        },
        &PushOptions::default(),
    )
    .await
    .unwrap_err();
    match &e {
        ProviderError::Registry(RegistryError::Transport {
            transient: false,
            message,
            ..
        }) => assert!(
            message.to_ascii_lowercase().contains("certificate"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let e = push_to(&target, &pkg, test_options(), &PushOptions::default())
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("plain HTTP fallback for a loopback registry failed too"),
        "{e}"
    );
    // A CA file that is not PEM is a setup error naming the file.
    let bogus = dir.path().join("bogus.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let e = RegistryClient::new(
        &reg.host,
        "acme/demo",
        ClientOptions {
            ca_files: vec![bogus.clone()],
            ..test_options()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot set up the registry client: {} contains no PEM certificate",
            bogus.display()
        )
    );
}
