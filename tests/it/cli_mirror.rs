//! `tofu-sbom mirror`, run as a user runs it: a provider served by the in-test provider registry
//! (`support/mirror/server.rs`; the public registry is unreachable here) whose ZIPs hold the real Go binaries of the
//! sample release and whose `SHA256SUMS` is signed by a key made with Debian's gnupg → the real registry (Debian's
//! `docker-registry`, `tests/it/support`) and OCI layouts; verification failures; a registry → layout → registry round
//! trip; transport faults; and the README's "Air-gapped mirror" quick start, run from the README itself.

use crate::support;
use crate::support::cli as cli_support;
use crate::support::mirror as mirror_support;
use crate::support::oci as oci_support;

use std::collections::BTreeMap;
use std::path::Path;

use cli_support::{Run, isolate_credentials, run, tofu_sbom};
use mirror_support::server::Fault;
use mirror_support::{ProviderFixture, sha256_hex};
use serde_json::Value;
use support::{Registry, RegistryOpts};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// `tofu-sbom ARGS` with isolated credentials (`home`), run in `cwd`.
fn tofu(home: &Path, cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = tofu_sbom();
    isolate_credentials(&mut cmd, home);
    cmd.current_dir(cwd).args(args);
    run(&mut cmd)
}

/// The fixture: `acme/sample` 0.1.0 for darwin_arm64, linux_amd64, windows_amd64.
fn fixture() -> ProviderFixture {
    ProviderFixture::with_sample_binaries("acme", "sample", "0.1.0")
}

fn accept() -> String {
    format!("Accept: {OCI_MANIFEST}, {OCI_INDEX}")
}

/// A manifest's exact bytes from the registry.
fn manifest(reg: &Registry, repo: &str, reference: &str) -> Vec<u8> {
    let r = reg.request(
        "GET",
        &format!("/v2/{repo}/manifests/{reference}"),
        &["-H", &accept()],
    );
    assert_eq!(
        r.status,
        200,
        "GET manifest {repo}:{reference}: {}",
        r.text()
    );
    r.body
}

fn blob(reg: &Registry, repo: &str, digest: &str) -> Vec<u8> {
    let r = reg.request("GET", &format!("/v2/{repo}/blobs/{digest}"), &["-L"]);
    assert_eq!(r.status, 200, "GET blob {digest}");
    r.body
}

/// The tags of `repo` (empty when the repository does not exist).
fn tags(reg: &Registry, repo: &str) -> Vec<String> {
    let r = reg.request("GET", &format!("/v2/{repo}/tags/list"), &[]);
    if r.status == 404 {
        return Vec::new();
    }
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    let mut t: Vec<String> = v["tags"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    t.sort();
    t
}

/// Subject → title → referrer digest, from the `--json` result of one version.
fn referrers_of(v: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    serde_json::from_value(v["referrers"].clone()).unwrap()
}

/// The expected referrer titles: per platform its two SBOMs; on the index the two release SBOMs and the provenance.
fn expected_titles(fx: &ProviderFixture) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for p in &fx.version("0.1.0").packages {
        let stem = p.file_name.strip_suffix(".zip").unwrap();
        out.insert(
            format!("{}_{}", p.os, p.arch),
            vec![format!("{stem}.cdx.json"), format!("{stem}.spdx.json")],
        );
    }
    out.insert(
        "index".into(),
        vec![
            "terraform-provider-sample_0.1.0.cdx.json".into(),
            "terraform-provider-sample_0.1.0.spdx.json".into(),
            "terraform-provider-sample_0.1.0_SHA256SUMS".into(),
            "terraform-provider-sample_0.1.0_SHA256SUMS.sig".into(),
        ],
    );
    out
}

fn titles(m: &BTreeMap<String, BTreeMap<String, String>>) -> BTreeMap<String, Vec<String>> {
    m.iter()
        .map(|(k, v)| (k.clone(), v.keys().cloned().collect()))
        .collect()
}

/// `tofu-sbom verify TARGET --release RELEASE --json`: exit 0, no finding, every stored SBOM of ours byte-identical
/// to the one re-derived from the release; returns the settings read back.
fn verify_release_passes(home: &Path, target: &str, release: &Path) -> Value {
    let r = tofu(
        home,
        home,
        &[
            "verify",
            target,
            "--release",
            release.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    let v = r.json();
    assert_eq!(v["findings"], serde_json::json!([]), "{v:#}");
    let subjects = v["release"]["subjects"].as_object().unwrap();
    assert_eq!(
        subjects.keys().map(String::as_str).collect::<Vec<_>>(),
        ["darwin_arm64", "index", "linux_amd64", "windows_amd64"]
    );
    for checks in subjects.values() {
        let got: Vec<(&str, bool)> = checks
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["comparison"].as_str().unwrap(),
                    c["ok"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, [("identical", true), ("identical", true)], "{v:#}");
    }
    v["release"]["settings"].clone()
}

/// The downloaded release directory of `acme/sample` `version` under the work directory `work` (GoReleaser shape,
/// `WORK/HOST/NAMESPACE/TYPE/VERSION`, as `mirror::download::release_dir` lays it out).
fn downloaded_release(fx: &ProviderFixture, work: &Path, version: &str) -> std::path::PathBuf {
    work.join(fx.server.host())
        .join("acme")
        .join("sample")
        .join(version)
}

/// Checks one mirrored version of the fixture in a registry repository: tag, index and platform digests, ZIP layers
/// byte-identical, referrers (types, layer bytes of the provenance files) and the recorded signature.
fn check_in_registry(fx: &ProviderFixture, reg: &Registry, repo: &str, v: &Value) {
    let fv = fx.version("0.1.0");
    let index_bytes = manifest(reg, repo, "0.1.0");
    let index_digest = format!("sha256:{}", sha256_hex(&index_bytes));
    // The version tag and the referrers fallback tags of the index and the three platform manifests, nothing else.
    let mut expected_tags = vec!["0.1.0".to_owned(), index_digest.replace(':', "-")];
    for p in v["platforms"].as_object().unwrap().values() {
        expected_tags.push(p["manifestDigest"].as_str().unwrap().replace(':', "-"));
    }
    expected_tags.sort();
    assert_eq!(tags(reg, repo), expected_tags);
    assert_eq!(v["indexDigest"], Value::String(index_digest.clone()));
    assert_eq!(
        v["target"],
        Value::String(format!("{}/{repo}@{index_digest}", reg.host))
    );
    let index: Value = serde_json::from_slice(&index_bytes).unwrap();
    assert_eq!(index["artifactType"], "application/vnd.opentofu.provider");
    for p in &fv.packages {
        let key = format!("{}_{}", p.os, p.arch);
        let entry = &v["platforms"][&key];
        assert_eq!(
            entry["zipDigest"],
            Value::String(format!("sha256:{}", p.sha256))
        );
        let m = manifest(reg, repo, entry["manifestDigest"].as_str().unwrap());
        let m: Value = serde_json::from_slice(&m).unwrap();
        assert_eq!(m["layers"][0]["mediaType"], "archive/zip");
        assert_eq!(m["layers"][0]["digest"], entry["zipDigest"]);
        assert_eq!(blob(reg, repo, &format!("sha256:{}", p.sha256)), p.bytes);
    }
    let refs = referrers_of(v);
    assert_eq!(titles(&refs), expected_titles(fx));
    // The provenance referrers: their types and their layers, byte for byte the served files.
    for (title, media, bytes) in [
        (
            "terraform-provider-sample_0.1.0_SHA256SUMS",
            "text/plain",
            fv.sums.clone(),
        ),
        (
            "terraform-provider-sample_0.1.0_SHA256SUMS.sig",
            "application/pgp-signature",
            fv.sig.clone().unwrap(),
        ),
    ] {
        let d = &refs["index"][title];
        let m: Value = serde_json::from_slice(&manifest(reg, repo, d)).unwrap();
        assert_eq!(m["artifactType"], media);
        assert_eq!(m["subject"]["digest"], Value::String(index_digest.clone()));
        assert_eq!(m["layers"][0]["mediaType"], media);
        assert_eq!(
            blob(reg, repo, m["layers"][0]["digest"].as_str().unwrap()),
            bytes
        );
    }
    // The fallback tag of the index lists every index referrer (distribution 2.8 has no referrers API).
    let fallback = manifest(reg, repo, &index_digest.replace(':', "-"));
    let fallback: Value = serde_json::from_slice(&fallback).unwrap();
    let mut listed: Vec<String> = fallback["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["artifactType"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "application/pgp-signature",
            "application/spdx+json",
            "application/vnd.cyclonedx+json",
            "text/plain"
        ]
    );
    assert_eq!(v["signature"]["status"], "verified");
    assert_eq!(
        v["signature"]["fingerprint"],
        Value::String(fx.key.fingerprint.clone())
    );
}

#[test]
fn a_provider_mirrors_into_a_registry_and_a_layout_with_sboms_and_provenance_and_verifies() {
    let fx = fixture();
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    let source = format!("{}@0.1.0", fx.address());
    let repo = "mirror/acme/sample";
    let target = format!("{}/{repo}", reg.host);
    let args = [
        "mirror",
        source.as_str(),
        target.as_str(),
        "--json",
        "--work-dir",
        work.to_str().unwrap(),
    ];
    let out = tofu(home.path(), home.path(), &args).expect_code(0).json();
    assert_eq!(out["sourceKind"], "provider");
    let v = &out["versions"][0];
    assert_eq!(out["versions"].as_array().unwrap().len(), 1);
    assert_eq!(v["version"], "0.1.0");
    assert_eq!(v["tag"], "0.1.0");
    assert_eq!(v["download"]["downloaded"], 3);
    assert_eq!(v["download"]["skipped"], 0);
    // Six platform SBOMs, two release-wide SBOMs, SHA256SUMS and its signature.
    assert_eq!(v["copied"]["referrers"], 10);
    check_in_registry(&fx, &reg, repo, v);
    // The registry was asked for the version list once (and discovered once).
    assert_eq!(fx.server.count("/v1/providers/acme/sample/versions"), 1);
    assert_eq!(fx.server.count("/.well-known/terraform.json"), 1);
    let lock = v["lockfile"].as_str().unwrap();
    assert!(lock.starts_with(&format!(
        "provider \"{}\" {{\n  version = \"0.1.0\"\n",
        fx.address()
    )));
    for p in &fx.version("0.1.0").packages {
        assert!(lock.contains(&format!("\"zh:{}\"", p.sha256)), "{lock}");
    }
    // The loopback registry speaks plain HTTP, which OpenTofu never does: no `.tofurc` block, but why (issue 12).
    assert_eq!(v["tofurc"], Value::Null);
    assert!(
        v["tofurcUnusable"].as_str().unwrap().starts_with(&format!(
            "no .tofurc block: {} was reached over plain HTTP",
            reg.host
        )),
        "{v:#}"
    );

    // `verify` (OpenTofu's rules and the SBOMs) passes on the mirrored tag.
    let verified = tofu(
        home.path(),
        home.path(),
        &["verify", &format!("{target}:0.1.0")],
    );
    assert_eq!(verified.code, 0, "{}\n{}", verified.out(), verified.stderr);
    assert!(
        verified
            .out()
            .ends_with("verified: OpenTofu would install every platform\n")
    );
    // `verify --release` against the downloaded release: the SBOMs re-derive byte for byte, with the signature
    // properties read back from them.
    let release = downloaded_release(&fx, &work, "0.1.0");
    let settings = verify_release_passes(home.path(), &format!("{target}:0.1.0"), &release);
    assert_eq!(settings["releaseSignature"], "verified");
    assert_eq!(
        settings["signingKey"],
        Value::String(fx.key.fingerprint.clone())
    );
    assert_eq!(settings["provider"], Value::String(fx.address()));
    assert_eq!(
        settings["formats"],
        serde_json::json!(["cyclonedx-json@1.6", "spdx-json@2.3"])
    );

    // A re-run finds the version complete in the target: it downloads nothing (not even a ZIP request to the
    // provider registry), uploads no blob and adds no referrer.
    let uploads = reg.blob_uploads();
    let zip_gets = |fx: &ProviderFixture| -> usize {
        fx.version("0.1.0")
            .packages
            .iter()
            .map(|p| {
                fx.server
                    .count(&fx.zip_path("0.1.0", &format!("{}_{}", p.os, p.arch)))
            })
            .sum()
    };
    let zips_before = zip_gets(&fx);
    let again = tofu(home.path(), home.path(), &args).expect_code(0).json();
    let v2 = &again["versions"][0];
    assert_eq!(v2["alreadyPresent"], true, "{v2}");
    assert_eq!(v2.get("download"), None, "{v2}");
    assert_eq!(zip_gets(&fx), zips_before);
    // The present path reads no ZIP: its lock block takes the h1: hashes our per-platform SBOMs record (checked
    // against each layer's zh:), so it is the same block as the first run's.
    assert_eq!(v2["lockfile"], v["lockfile"]);
    assert_eq!(v2["copied"]["blobs"], 0);
    assert_eq!(v2["copied"]["referrers"], 0);
    assert_eq!(v2["skipped"]["referrers"], 10);
    assert_eq!(v2["indexDigest"], v["indexDigest"]);
    assert_eq!(v2["referrers"], v["referrers"]);
    assert_eq!(reg.blob_uploads(), uploads);

    // The same provider into a layout: same digests, same referrers.
    let layout = home.path().join("usb");
    let lt = format!("oci-layout:{}", layout.display());
    let out = tofu(
        home.path(),
        home.path(),
        &[
            "mirror",
            &source,
            &lt,
            "--json",
            "--work-dir",
            work.to_str().unwrap(),
        ],
    )
    .expect_code(0)
    .json();
    let lv = &out["versions"][0];
    assert_eq!(lv["indexDigest"], v["indexDigest"]);
    assert_eq!(lv["platforms"], v["platforms"]);
    assert_eq!(lv["referrers"], v["referrers"]);
    assert_eq!(lv["tofurc"], Value::Null);
    let verified = tofu(
        home.path(),
        home.path(),
        &["verify", &format!("{lt}:0.1.0")],
    );
    assert_eq!(verified.code, 0, "{}\n{}", verified.out(), verified.stderr);
    let settings = verify_release_passes(home.path(), &format!("{lt}:0.1.0"), &release);
    assert_eq!(settings["releaseSignature"], "verified");

    // A doctored signature property: linux_amd64's CycloneDX SBOM replaced (its referrer taken out of the layout's
    // index.json, a copy claiming `unverified` attached instead) → reported at its JSON pointer, exit 1.
    let cdx_name = "terraform-provider-sample_0.1.0_linux_amd64.cdx.json";
    let original = lv["referrers"]["linux_amd64"][cdx_name]
        .as_str()
        .unwrap()
        .to_owned();
    let stored = tofu(
        home.path(),
        home.path(),
        &[
            "sbom",
            "pull",
            &format!("{lt}:0.1.0"),
            "--platform",
            "linux_amd64",
            "-o",
            "-",
        ],
    )
    .expect_code(0)
    .stdout;
    let stored = String::from_utf8(stored).unwrap();
    let doc: Value = serde_json::from_str(&stored).unwrap();
    let props = doc["metadata"]["component"]["properties"]
        .as_array()
        .unwrap();
    let at = props
        .iter()
        .position(|p| p["name"] == "tofu-sbom:release:signature")
        .unwrap();
    assert_eq!(props[at]["value"], "verified");
    assert_eq!(stored.matches("\"value\": \"verified\"").count(), 1);
    let doctored = stored.replace("\"value\": \"verified\"", "\"value\": \"unverified\"");
    let index_path = layout.join("index.json");
    let mut index: Value = serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let entries = index["manifests"].as_array_mut().unwrap();
    let before = entries.len();
    entries.retain(|e| e["digest"] != Value::String(original.clone()));
    assert_eq!(entries.len(), before - 1);
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let dir = home.path().join("doctored");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(cdx_name), &doctored).unwrap();
    let platform_digest = lv["platforms"]["linux_amd64"]["manifestDigest"]
        .as_str()
        .unwrap();
    let attached = tofu(
        home.path(),
        home.path(),
        &[
            "attach",
            &format!("{lt}@{platform_digest}"),
            dir.join(cdx_name).to_str().unwrap(),
            "--json",
        ],
    )
    .expect_code(0)
    .json();
    let referrer = attached["referrers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(referrer, original);
    let r = tofu(
        home.path(),
        home.path(),
        &[
            "verify",
            &format!("{lt}:0.1.0"),
            "--release",
            release.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.out(), r.stderr);
    let path = format!("/metadata/component/properties/{at}/value");
    assert_eq!(
        r.json()["findings"],
        serde_json::json!([{
            "severity": "error",
            "tag": "0.1.0",
            "platform": "linux_amd64",
            "verdict": "sbom_policy",
            "kind": "release_sbom_differs",
            "subject": "linux_amd64",
            "file": cdx_name,
            "format": "cyclonedx-json@1.6",
            "referrer": referrer,
            "path": path,
            "stored": "\"unverified\"",
            "derived": "\"verified\"",
            "message": format!(
                "linux_amd64: {cdx_name} (referrer {referrer}) differs from the SBOM derived from the release at \
                 {path}: stored \"unverified\", derived \"verified\""
            ),
        }])
    );
}

/// Runs a mirror of the fixture that must fail, and checks the exit code, the exact error and that nothing was tagged.
fn refused(fx: &ProviderFixture, reg: &Registry, extra: &[&str], expected: &str) {
    let home = tempfile::tempdir().unwrap();
    let source = format!("{}@0.1.0", fx.address());
    let target = format!("{}/refused/sample", reg.host);
    let work = home.path().join("work");
    let mut args = vec![
        "mirror",
        source.as_str(),
        target.as_str(),
        "--work-dir",
        work.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = tofu(home.path(), home.path(), &args);
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.out(), r.stderr);
    assert_eq!(r.stderr, format!("tofu-sbom: error: {expected}\n"));
    assert_eq!(r.out(), "");
    assert_eq!(tags(reg, "refused/sample"), Vec::<String>::new());
}

#[test]
fn verification_failures_tag_nothing() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let sums = "terraform-provider-sample_0.1.0_SHA256SUMS";

    // A tampered ZIP: the served bytes differ from the signed checksum.
    let fx = fixture();
    let p = fx.version("0.1.0").packages[1].clone();
    let mut bad = p.bytes.clone();
    let n = bad.len();
    bad[n / 2] ^= 0xff;
    fx.server.route(
        &fx.zip_path("0.1.0", "linux_amd64"),
        mirror_support::server::Response::bytes(bad.clone()),
    );
    refused(
        &fx,
        &reg,
        &[],
        &format!(
            "{} downloaded from {}{} has sha256 {}, but the signed {sums} lists {}: the package was tampered with or \
             corrupted; nothing was written",
            p.file_name,
            fx.server.base(),
            fx.zip_path("0.1.0", "linux_amd64"),
            sha256_hex(&bad),
            p.sha256
        ),
    );

    // A bad signature: the key's signature over other bytes.
    let mut fx = fixture();
    let other = fx.sign_bytes(&fx.key.fingerprint.clone(), b"something else\n");
    fx.version_mut("0.1.0").sig = Some(other);
    fx.publish();
    let key_id = fx.key.key_id.clone();
    let r = {
        let home = tempfile::tempdir().unwrap();
        let target = format!("{}/refused/sample", reg.host);
        tofu(
            home.path(),
            home.path(),
            &[
                "mirror",
                &format!("{}@0.1.0", fx.address()),
                &target,
                "--work-dir",
                home.path().join("w").to_str().unwrap(),
            ],
        )
    };
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!(
            "tofu-sbom: error: {}/acme/sample 0.1.0: the signature of {sums} by key {key_id} does not verify (",
            fx.server.host()
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("): the checksums or the signature were altered; nothing was written\n")
    );
    assert_eq!(tags(&reg, "refused/sample"), Vec::<String>::new());

    // A signature by a key the registry does not publish.
    let mut fx = fixture();
    let stranger = fx.gpg.gen_key("Stranger <x@example.com>", "ed25519");
    let sig = fx.sign_bytes(&stranger.fingerprint, &fx.version("0.1.0").sums.clone());
    fx.version_mut("0.1.0").sig = Some(sig);
    fx.publish();
    let r = {
        let home = tempfile::tempdir().unwrap();
        let target = format!("{}/refused/sample", reg.host);
        tofu(
            home.path(),
            home.path(),
            &[
                "mirror",
                &format!("{}@0.1.0", fx.address()),
                &target,
                "--work-dir",
                home.path().join("w").to_str().unwrap(),
            ],
        )
    };
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!(
            "tofu-sbom: error: {}/acme/sample 0.1.0: {sums} is signed by key ",
            fx.server.host()
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&stranger.key_id), "{}", r.stderr);
    assert!(r.stderr.ends_with(&format!(
        ", which is not among the keys the registry publishes ({}); nothing was written\n",
        fx.key.key_id
    )));
    assert_eq!(tags(&reg, "refused/sample"), Vec::<String>::new());

    // No published key: refused by default…
    let mut fx = fixture();
    fx.version_mut("0.1.0").keys.clear();
    fx.version_mut("0.1.0").sig = None;
    fx.publish();
    refused(
        &fx,
        &reg,
        &[],
        &format!(
            "{}/acme/sample 0.1.0: the registry publishes no signing key, so {sums} cannot be authenticated; refusing \
             to mirror an unsigned provider (allow it explicitly with --allow-unsigned); nothing was written",
            fx.server.host()
        ),
    );
    // …and mirrored with --allow-unsigned, which the output and the SBOMs record.
    let home = tempfile::tempdir().unwrap();
    let layout = home.path().join("unsigned");
    let lt = format!("oci-layout:{}", layout.display());
    let r = tofu(
        home.path(),
        home.path(),
        &[
            "mirror",
            &format!("{}@0.1.0", fx.address()),
            &lt,
            "--allow-unsigned",
            "--json",
            "--work-dir",
            home.path().join("w").to_str().unwrap(),
        ],
    )
    .expect_code(0);
    assert!(r.stderr.contains(&format!(
        "tofu-sbom: warning: {}/acme/sample 0.1.0: the registry publishes no signing key; mirrored UNVERIFIED \
         because of --allow-unsigned (recorded in the SBOMs as tofu-sbom:release:signature = unverified)\n",
        fx.server.host()
    )));
    let v = &r.json()["versions"][0];
    assert_eq!(v["signature"], serde_json::json!({"status": "unverified"}));
    // Only SHA256SUMS travels (there is no signature).
    let refs = referrers_of(v);
    assert_eq!(
        refs["index"].keys().cloned().collect::<Vec<_>>(),
        [
            "terraform-provider-sample_0.1.0.cdx.json",
            "terraform-provider-sample_0.1.0.spdx.json",
            "terraform-provider-sample_0.1.0_SHA256SUMS"
        ]
    );
    let cdx = tofu(
        home.path(),
        home.path(),
        &[
            "sbom",
            "pull",
            &format!("{lt}:0.1.0"),
            "--platform",
            "linux_amd64",
            "-o",
            "-",
        ],
    )
    .expect_code(0);
    let doc: Value = serde_json::from_slice(&cdx.stdout).unwrap();
    let props = doc["metadata"]["component"]["properties"]
        .as_array()
        .unwrap();
    assert!(props.contains(
        &serde_json::json!({"name": "tofu-sbom:release:signature", "value": "unverified"})
    ));
    let spdx = tofu(
        home.path(),
        home.path(),
        &[
            "sbom",
            "pull",
            &format!("{lt}:0.1.0"),
            "--format",
            "spdx",
            "-o",
            "-",
        ],
    )
    .expect_code(0);
    let spdx_text = String::from_utf8(spdx.stdout).unwrap();
    assert!(
        spdx_text.contains("tofu-sbom:release:signature: unverified"),
        "{spdx_text}"
    );
    // Both still validate (the validators tests/sbom_validate.rs uses).
    let dir = home.path().join("sboms");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("x.cdx.json"), &cdx.stdout).unwrap();
    std::fs::write(dir.join("x.spdx.json"), &spdx_text).unwrap();
    validate(&dir.join("x.cdx.json"), &dir.join("x.spdx.json"));
    // `verify --release` reads the `unverified` property back and re-derives every document byte for byte.
    let settings = verify_release_passes(
        home.path(),
        &format!("{lt}:0.1.0"),
        &downloaded_release(&fx, &home.path().join("w"), "0.1.0"),
    );
    assert_eq!(settings["releaseSignature"], "unverified");
    assert_eq!(settings.get("signingKey"), None);

    // A platform the version does not offer.
    let fx = fixture();
    refused(
        &fx,
        &reg,
        &["--platform", "linux_amd64,freebsd_arm64"],
        &format!(
            "{}/acme/sample 0.1.0 is not available for freebsd_arm64; available platforms: darwin_arm64, \
             linux_amd64, windows_amd64; nothing was written",
            fx.server.host()
        ),
    );
}

/// Validates a CycloneDX and an SPDX document with the official validators (as `tests/sbom_validate.rs` does).
fn validate(cdx: &Path, spdx: &Path) {
    let python = support::python_tools_bin("python");
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(
            "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\n\
             e = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
             sys.exit(1 if e else 0)",
        )
        .arg(cdx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "CycloneDX: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new(support::python_tools_bin("pyspdxtools"))
        .arg("-i")
        .arg(spdx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "SPDX: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mirror SOURCE TARGET --json` in a fresh home; the one version's result.
fn mirror_json(home: &Path, source: &str, target: &str, extra: &[&str]) -> Value {
    let work = home.join("work");
    let mut args = vec![
        "mirror",
        source,
        target,
        "--json",
        "--work-dir",
        work.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = tofu(home, home, &args).expect_code(0).json();
    assert_eq!(out["versions"].as_array().unwrap().len(), 1, "{out:#}");
    out["versions"][0].clone()
}

#[test]
fn registry_to_layout_to_a_second_registry_preserves_every_digest_and_referrer() {
    let fx = fixture();
    let a = Registry::start(RegistryOpts::anonymous());
    let b = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let first = mirror_json(
        h,
        &format!("{}@0.1.0", fx.address()),
        &format!("{}/a/sample", a.host),
        &[],
    );
    let layout = format!("oci-layout:{}", h.join("usb").display());
    let in_layout = mirror_json(h, &format!("{}/a/sample:0.1.0", a.host), &layout, &[]);
    let in_b = mirror_json(
        h,
        &format!("{layout}:0.1.0"),
        &format!("{}/b/sample", b.host),
        &[],
    );
    for v in [&in_layout, &in_b] {
        assert_eq!(v["indexDigest"], first["indexDigest"]);
        assert_eq!(v["platforms"], first["platforms"]);
        assert_eq!(v["referrers"], first["referrers"]);
        // Every referrer was copied, none regenerated.
        assert_eq!(v["copied"]["referrers"], 10);
        assert_eq!(v.get("addedSboms"), None);
        assert_eq!(v["copied"]["manifests"], 4);
    }
    assert_eq!(titles(&referrers_of(&in_b)), expected_titles(&fx));
    // Byte-identical documents in B: the referrer manifests and their layers.
    for refs in referrers_of(&first).values() {
        for d in refs.values() {
            assert_eq!(manifest(&b, "b/sample", d), manifest(&a, "a/sample", d));
        }
    }
    check_in_registry(&fx, &b, "b/sample", &{
        let mut v = in_b.clone();
        v["signature"] = first["signature"].clone();
        v
    });
    let verified = tofu(h, h, &["verify", &format!("{}/b/sample:0.1.0", b.host)]);
    assert_eq!(verified.code, 0, "{}\n{}", verified.out(), verified.stderr);

    // A re-run is a no-op: no blob upload, no manifest, no referrer.
    let uploads = b.blob_uploads();
    let again = mirror_json(
        h,
        &format!("{layout}:0.1.0"),
        &format!("{}/b/sample", b.host),
        &[],
    );
    assert_eq!(
        again["copied"],
        serde_json::json!({"blobs": 0, "bytes": 0, "manifests": 0, "referrers": 0})
    );
    assert_eq!(again["skipped"]["manifests"], 4);
    assert_eq!(b.blob_uploads(), uploads);
    let puts = b.access_log().iter().filter(|e| e.method == "PUT").count();
    mirror_json(
        h,
        &format!("{layout}:0.1.0"),
        &format!("{}/b/sample", b.host),
        &[],
    );
    assert_eq!(
        b.access_log().iter().filter(|e| e.method == "PUT").count(),
        puts
    );

    // Within one registry, blobs are mounted, not uploaded.
    let uploads = a.blob_uploads();
    let mounted = mirror_json(
        h,
        &format!("{}/a/sample:0.1.0", a.host),
        &format!("{}/c/sample", a.host),
        &[],
    );
    assert_eq!(mounted["referrers"], first["referrers"]);
    assert_eq!(a.blob_uploads(), uploads);
}

#[test]
fn sboms_are_added_to_a_copied_provider_that_has_none() {
    let a = Registry::start(RegistryOpts::anonymous());
    let b = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let sample = support::sample_release_dir();
    tofu(
        h,
        h,
        &[
            "push",
            sample.to_str().unwrap(),
            &format!("{}/x/sample", a.host),
        ],
    )
    .expect_code(0);
    let v = mirror_json(
        h,
        &format!("{}/x/sample:0.1.0", a.host),
        &format!("{}/y/sample", b.host),
        &["--provider", "example.com/acme/sample"],
    );
    assert_eq!(
        v["addedSboms"],
        serde_json::json!(["darwin_arm64", "linux_amd64", "windows_amd64", "index"])
    );
    assert_eq!(v["copied"]["referrers"], 0);
    let refs = referrers_of(&v);
    assert_eq!(
        refs["index"].keys().cloned().collect::<Vec<_>>(),
        [
            "terraform-provider-sample_0.1.0.cdx.json",
            "terraform-provider-sample_0.1.0.spdx.json"
        ]
    );
    assert_eq!(
        refs["linux_amd64"].keys().cloned().collect::<Vec<_>>(),
        [
            "terraform-provider-sample_0.1.0_linux_amd64.cdx.json",
            "terraform-provider-sample_0.1.0_linux_amd64.spdx.json"
        ]
    );
    let lock = v["lockfile"].as_str().unwrap();
    assert!(
        lock.starts_with("provider \"example.com/acme/sample\" {\n  version = \"0.1.0\"\n"),
        "{lock}"
    );
    let verified = tofu(h, h, &["verify", &format!("{}/y/sample:0.1.0", b.host)]);
    assert_eq!(verified.code, 0, "{}\n{}", verified.out(), verified.stderr);
    // The source is untouched, and --no-add-sboms copies as is.
    let none = mirror_json(
        h,
        &format!("{}/x/sample:0.1.0", a.host),
        &format!("{}/z/sample", b.host),
        &["--no-add-sboms"],
    );
    assert_eq!(none.get("addedSboms"), None);
    assert_eq!(referrers_of(&none)["index"].len(), 0);
    let unverified = tofu(h, h, &["verify", &format!("{}/z/sample:0.1.0", b.host)]);
    assert_eq!(unverified.code, 1);

    // A subject that already has an SBOM (here the index, with a CycloneDX one only) keeps it as it is; the
    // platforms get theirs.
    let sboms = h.join("sboms");
    tofu(
        h,
        h,
        &[
            "generate",
            sample.to_str().unwrap(),
            "-o",
            sboms.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let cdx = sboms.join("terraform-provider-sample_0.1.0.cdx.json");
    tofu(
        h,
        h,
        &[
            "attach",
            &format!("{}/x/sample:0.1.0", a.host),
            cdx.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let partial = mirror_json(
        h,
        &format!("{}/x/sample:0.1.0", a.host),
        &format!("{}/p/sample", b.host),
        &[],
    );
    assert_eq!(
        partial["addedSboms"],
        serde_json::json!(["darwin_arm64", "linux_amd64", "windows_amd64"])
    );
    assert_eq!(partial["copied"]["referrers"], 1);
    assert_eq!(
        referrers_of(&partial)["index"]
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        ["terraform-provider-sample_0.1.0.cdx.json"]
    );
}

#[test]
fn connection_resets_during_a_download_and_an_upload_are_retried_and_converge() {
    use oci_support::fault_proxy::{Action, FaultProxy, Rule};
    let fx = fixture();
    let reg = Registry::start(RegistryOpts::anonymous());
    let zip = fx.zip_path("0.1.0", "linux_amd64");
    fx.server.fault(&zip, Fault::ResetAfterBodyBytes(700), 1);
    let proxy = FaultProxy::start(
        reg.addr.port(),
        vec![Rule {
            method: "PUT",
            path_contains: "/blobs/uploads/",
            action: Action::ResetAfterBodyBytes(4096),
            times: 1,
        }],
    );
    let home = tempfile::tempdir().unwrap();
    let v = mirror_json(
        home.path(),
        &format!("{}@0.1.0", fx.address()),
        &format!("{}/faults/sample", proxy.host()),
        &[],
    );
    assert_eq!(fx.server.count(&zip), 2);
    assert_eq!(proxy.fired(0), 1);
    assert_eq!(v["download"]["downloaded"], 3);
    let mut direct = v.clone();
    direct["target"] = Value::String(
        v["target"]
            .as_str()
            .unwrap()
            .replace(&proxy.host(), &reg.host),
    );
    check_in_registry(&fx, &reg, "faults/sample", &direct);
    let verified = tofu(
        home.path(),
        home.path(),
        &["verify", &format!("{}/faults/sample:0.1.0", reg.host)],
    );
    assert_eq!(verified.code, 0, "{}\n{}", verified.out(), verified.stderr);
}

/// The command lines of the README's "Air-gapped mirror" section (every line of its `sh` blocks) and its `hcl` block.
fn readme_quick_start() -> (Vec<String>, String) {
    let readme = std::fs::read_to_string(support::repo_root().join("README.md")).unwrap();
    let start = readme
        .find("\n## Quick start: air-gapped mirror\n")
        .expect("README has an \"Air-gapped mirror\" section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut commands = Vec::new();
    let mut hcl = String::new();
    let mut block: Option<&str> = None;
    for line in section.lines() {
        match (block, line) {
            (None, l) if l.starts_with("```") => block = Some(&l[3..]),
            (Some(_), "```") => block = None,
            (Some("sh"), l) => commands.push(l.to_owned()),
            (Some("hcl"), l) => {
                hcl.push_str(l);
                hcl.push('\n');
            }
            _ => {}
        }
    }
    (commands, hcl)
}

/// The README's air-gapped quick start, followed literally: its command lines are read from README.md and run as they
/// are, except that the two registry hosts are replaced — `registry.opentofu.org` by the in-test provider registry
/// (serving `hashicorp/aws` 5.86.0 with the sample release's real Go binaries, signed with a gnupg key) and
/// `registry.internal` by a local `docker-registry` — and that the `trivy` line gets the flags that keep Trivy
/// offline (`--cache-dir`, `--scanners license --list-all-pkgs --format json -q`: no vulnerability DB download).
#[test]
fn the_readme_air_gapped_quick_start_works_as_written() {
    let fx = ProviderFixture::with_sample_binaries("hashicorp", "aws", "5.86.0");
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let cwd = home.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let (commands, hcl) = readme_quick_start();
    let subst = |s: &str| {
        s.replace("registry.opentofu.org", &fx.server.host())
            .replace("registry.internal", &reg.host)
    };
    assert_eq!(
        commands
            .iter()
            .map(|c| c.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        [
            "tofu-sbom mirror",
            "tofu-sbom verify",
            "tofu-sbom mirror",
            "tofu-sbom verify",
            "tofu-sbom sbom",
            "trivy sbom"
        ]
    );
    let mut outputs = Vec::new();
    for c in &commands {
        let line = subst(c);
        let words: Vec<&str> = line.split_whitespace().collect();
        if words[0] == "trivy" {
            let out = support::trivy_command(support::trivy(), &home.path().join("trivy-cache"))
                .current_dir(&cwd)
                .args(&words[1..2])
                .args([
                    "--scanners",
                    "license",
                    "--list-all-pkgs",
                    "--format",
                    "json",
                    "-q",
                ])
                .args(&words[2..])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{line}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            outputs.push(String::from_utf8(out.stdout).unwrap());
            continue;
        }
        let r = tofu(home.path(), &cwd, &words[1..]);
        assert_eq!(
            r.code,
            0,
            "{line}\nstdout:\n{}\nstderr:\n{}",
            r.out(),
            r.stderr
        );
        outputs.push(r.out());
    }
    // Outside: the layout holds the verified provider.
    assert!(
        outputs[0].starts_with(&format!(
            "mirrored {}/hashicorp/aws@5.86.0 → oci-layout:./usb@sha256:",
            fx.server.host()
        )),
        "{}",
        outputs[0]
    );
    assert!(outputs[0].contains(&format!(
        "signature verified (key {})\n",
        fx.key.fingerprint
    )));
    // Outside, before carrying it: every SBOM of the layout re-derives byte for byte from the downloaded release.
    for doc in [
        "terraform-provider-aws_5.86.0_linux_amd64.cdx.json",
        "terraform-provider-aws_5.86.0_linux_amd64.spdx.json",
        "terraform-provider-aws_5.86.0.cdx.json",
    ] {
        assert!(
            outputs[1].contains(&format!("ok     {doc} (identical bytes)\n")),
            "{}",
            outputs[1]
        );
    }
    assert!(
        outputs[1].ends_with("verified: OpenTofu would install every platform\n"),
        "{}",
        outputs[1]
    );
    // Inside: the copy prints the lock block and, since this test's internal registry speaks plain HTTP (which
    // OpenTofu never does), instead of the README's .tofurc block (checked against `tofurc_snippet` below) why there
    // is none.
    assert!(
        outputs[2].contains(&format!(
            "\n# .tofurc: no .tofurc block: {} was reached over plain HTTP",
            reg.host
        )),
        "{}",
        outputs[2]
    );
    {
        use tofu_sbom::provider::artifact::{ProviderAddress, tofurc_snippet};
        use tofu_sbom::registry::reference::Reference;
        let internal =
            Reference::parse("registry.internal/opentofu-providers/hashicorp/aws").unwrap();
        let aws = ProviderAddress::parse("registry.opentofu.org/hashicorp/aws").unwrap();
        assert_eq!(tofurc_snippet(&internal, &aws), hcl);
    }
    for p in &fx.version("5.86.0").packages {
        assert!(
            outputs[2].contains(&format!("\"zh:{}\"", p.sha256)),
            "{}",
            outputs[2]
        );
    }
    let repo = "opentofu-providers/hashicorp/aws";
    let all_tags = tags(&reg, repo);
    assert_eq!(
        all_tags
            .iter()
            .filter(|t| !t.starts_with("sha256-"))
            .collect::<Vec<_>>(),
        ["5.86.0"]
    );
    assert_eq!(all_tags.len(), 5, "{all_tags:?}");
    assert!(outputs[3].ends_with("verified: OpenTofu would install every platform\n"));
    // SHA256SUMS and its signature travelled: byte for byte the files the registry served.
    let listed = tofu(
        home.path(),
        &cwd,
        &[
            "referrers",
            &format!("{}/{repo}:5.86.0", reg.host),
            "--json",
        ],
    )
    .expect_code(0)
    .out();
    assert!(
        listed.contains("terraform-provider-aws_5.86.0_SHA256SUMS\""),
        "{listed}"
    );
    assert!(
        listed.contains("terraform-provider-aws_5.86.0_SHA256SUMS.sig\""),
        "{listed}"
    );
    // Trivy reads the pulled SBOM: the Go modules of the provider binary.
    let cdx: Value =
        serde_json::from_slice(&std::fs::read(cwd.join("aws.cdx.json")).unwrap()).unwrap();
    let trivy: Value = serde_json::from_str(&outputs[5]).unwrap();
    let mut got: Vec<String> = trivy["Results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["Packages"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            format!(
                "{}@{}",
                p["Name"].as_str().unwrap(),
                p["Version"].as_str().unwrap_or("")
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<String> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:golang/"))
        })
        .map(|c| {
            format!(
                "{}@{}",
                c["name"].as_str().unwrap(),
                c["version"].as_str().unwrap_or("")
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
    // The sample binary's main module (at the mirrored version), its three dependencies, a local replacement and the
    // Go standard library.
    assert_eq!(
        got,
        [
            "example.com/colors-fork@v0.3.1",
            "example.com/greeting@v1.2.3",
            "example.com/localmod@",
            "example.com/units@v1.0.0",
            "github.com/example/terraform-provider-sample@v5.86.0",
            "stdlib@v1.27.3"
        ]
    );
}

#[test]
fn constraints_pick_the_newest_match_or_every_match_and_a_dry_run_writes_nothing() {
    let fx = ProviderFixture::with_sample_binaries_versions(
        "acme",
        "sample",
        &["0.1.0", "0.1.1", "0.2.0"],
    );
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let layout = h.join("usb");
    let lt = format!("oci-layout:{}", layout.display());
    let source = format!("{}@~> 0.1.0", fx.address());
    let versions = |v: &Value| -> Vec<String> {
        v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["version"].as_str().unwrap().to_owned())
            .collect()
    };
    // A dry run resolves, downloads nothing and creates nothing.
    let dry = tofu(
        h,
        h,
        &[
            "mirror",
            &source,
            &lt,
            "--dry-run",
            "--json",
            "--work-dir",
            h.join("w").to_str().unwrap(),
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(versions(&dry), ["0.1.1"]);
    assert_eq!(dry["dryRun"], true);
    let dry_all = tofu(
        h,
        h,
        &[
            "mirror",
            &source,
            &lt,
            "--all-matching",
            "--dry-run",
            "--json",
            "--work-dir",
            h.join("w").to_str().unwrap(),
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(versions(&dry_all), ["0.1.0", "0.1.1"]);
    let text = tofu(
        h,
        h,
        &[
            "mirror",
            &source,
            &lt,
            "--dry-run",
            "--work-dir",
            h.join("w").to_str().unwrap(),
        ],
    )
    .expect_code(0)
    .out();
    assert_eq!(
        text,
        format!(
            "would mirror {}@0.1.1 → 0.1.1\nnothing was written\n",
            fx.address()
        )
    );
    assert!(!layout.exists());
    assert!(!h.join("w").exists());
    for v in ["0.1.0", "0.1.1", "0.2.0"] {
        let zip = fx.zip_path(v, "linux_amd64");
        assert_eq!(fx.server.count(&zip), 0);
    }
    // Every match, for real: both versions tagged, each with its own SBOMs and provenance.
    let all = tofu(
        h,
        h,
        &[
            "mirror",
            &source,
            &lt,
            "--all-matching",
            "--json",
            "--work-dir",
            h.join("w").to_str().unwrap(),
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(versions(&all), ["0.1.0", "0.1.1"]);
    for (i, v) in ["0.1.0", "0.1.1"].iter().enumerate() {
        let refs = referrers_of(&all["versions"][i]);
        assert_eq!(
            refs["index"].keys().cloned().collect::<Vec<_>>(),
            [
                format!("terraform-provider-sample_{v}.cdx.json"),
                format!("terraform-provider-sample_{v}.spdx.json"),
                format!("terraform-provider-sample_{v}_SHA256SUMS"),
                format!("terraform-provider-sample_{v}_SHA256SUMS.sig"),
            ]
        );
    }
    // An OCI layout without a tag copies every version tag.
    let second = h.join("second");
    let copied = tofu(
        h,
        h,
        &[
            "mirror",
            &lt,
            &format!("oci-layout:{}", second.display()),
            "--json",
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(versions(&copied), ["0.1.0", "0.1.1"]);
    assert_eq!(
        copied["versions"][1]["indexDigest"],
        all["versions"][1]["indexDigest"]
    );
    // A target naming a tag is a usage error.
    let r = tofu(h, h, &["mirror", &source, &format!("{lt}:0.1.1")]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "tofu-sbom: error: TARGET {lt}:0.1.1 names a tag or digest; name the repository (HOST/REPO) or the layout \
             (oci-layout:DIR): each version is tagged with itself\n"
        )
    );
}

#[test]
fn a_release_directory_mirrors_as_publish_pushes_it_plus_its_checksums() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let sample = support::sample_release_dir();
    let published = h.join("published");
    tofu(
        h,
        h,
        &[
            "publish",
            sample.to_str().unwrap(),
            &format!("oci-layout:{}", published.display()),
            "--provider",
            "example.com/acme/sample",
        ],
    )
    .expect_code(0);
    let mirrored = h.join("mirrored");
    let v = mirror_json(
        h,
        sample.to_str().unwrap(),
        &format!("oci-layout:{}", mirrored.display()),
        &["--provider", "example.com/acme/sample"],
    );
    let out = tofu(
        h,
        h,
        &[
            "referrers",
            &format!("oci-layout:{}:0.1.0", published.display()),
            "--json",
        ],
    )
    .expect_code(0)
    .json();
    // Same index digest as `publish`, same SBOM referrers, plus SHA256SUMS (the sample release has no signature).
    let refs = referrers_of(&v);
    assert_eq!(out["subject"], v["indexDigest"]);
    let listed: BTreeMap<String, String> = out["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["title"].as_str().unwrap().to_owned(),
                e["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected = listed.clone();
    expected.insert(
        "terraform-provider-sample_0.1.0_SHA256SUMS".into(),
        refs["index"]["terraform-provider-sample_0.1.0_SHA256SUMS"].clone(),
    );
    assert_eq!(refs["index"], expected);
    assert_eq!(listed.len(), 2);

    // A dry run into a layout that does not exist writes nothing, not even the directory.
    let none = h.join("none/deeper");
    let dry = tofu(
        h,
        h,
        &[
            "mirror",
            sample.to_str().unwrap(),
            &format!("oci-layout:{}", none.display()),
            "--dry-run",
            "--json",
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(dry["versions"][0]["indexDigest"], v["indexDigest"]);
    assert_eq!(dry["versions"][0]["target"], "");
    assert!(!h.join("none").exists());
}

#[test]
fn referrers_move_between_the_referrers_api_and_the_fallback_tag() {
    use oci_support::native_registry::NativeRegistry;
    let fx = fixture();
    let dist = Registry::start(RegistryOpts::anonymous());
    let native = NativeRegistry::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let first = mirror_json(
        h,
        &format!("{}@0.1.0", fx.address()),
        &format!("{}/d/sample", dist.host),
        &[],
    );
    // distribution (fallback tag) → a registry with the referrers API: no fallback tag is written there.
    let api = mirror_json(
        h,
        &format!("{}/d/sample:0.1.0", dist.host),
        &format!("{}/n/sample", native.host()),
        &[],
    );
    assert_eq!(api["referrers"], first["referrers"]);
    assert_eq!(api["copied"]["referrers"], 10);
    assert_eq!(native.tags("n/sample"), ["0.1.0"]);
    // … and back into distribution from the API: every referrer again.
    let back = mirror_json(
        h,
        &format!("{}/n/sample:0.1.0", native.host()),
        &format!("{}/e/sample", dist.host),
        &[],
    );
    assert_eq!(back["referrers"], first["referrers"]);
    assert_eq!(back["copied"]["referrers"], 10);
    // --referrers-mode tag records them in the fallback tag even where the API exists.
    let tagged = mirror_json(
        h,
        &format!("{}/d/sample:0.1.0", dist.host),
        &format!("{}/t/sample", native.host()),
        &["--referrers-mode", "tag"],
    );
    assert_eq!(tagged["referrers"], first["referrers"]);
    assert_eq!(
        native.tags("t/sample").len(),
        5,
        "{:?}",
        native.tags("t/sample")
    );
}

/// A referrer listed in the source's fallback index whose manifest was deleted (what a registry cleanup job that
/// deletes untagged manifests leaves behind — here deleted through distribution's own API, which keeps the fallback
/// index as it is): skipped with a warning and in `skippedReferrers`, never listed in the target, exit 0. A
/// referrer manifest that exists but does not hash to its digest is still refused.
#[test]
fn a_dangling_referrer_is_skipped_and_reported_and_a_corrupt_one_is_refused() {
    let fx = fixture();
    let a = Registry::start(RegistryOpts::anonymous());
    let b = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let first = mirror_json(
        h,
        &format!("{}@0.1.0", fx.address()),
        &format!("{}/a/sample", a.host),
        &[],
    );
    let index = first["indexDigest"].as_str().unwrap().to_owned();
    let gone = first["referrers"]["index"]["terraform-provider-sample_0.1.0.cdx.json"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = a.request("DELETE", &format!("/v2/a/sample/manifests/{gone}"), &[]);
    assert_eq!(deleted.status, 202, "{}", deleted.text());
    let fallback_tag = index.replace(':', "-");
    let listed = |reg: &Registry, repo: &str| -> Vec<String> {
        let v: Value = serde_json::from_slice(&manifest(reg, repo, &fallback_tag)).unwrap();
        let mut d: Vec<String> = v["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["digest"].as_str().unwrap().to_owned())
            .collect();
        d.sort();
        d
    };
    let in_a = listed(&a, "a/sample");
    assert!(in_a.contains(&gone), "{in_a:?}");
    let dangling_warning = || {
        format!(
            "tofu-sbom: warning: {}/a/sample:0.1.0: skipped referrer {gone} of {index}: manifest {gone} not found in \
             {}/a/sample (a dangling entry of the source's referrers list); it is neither copied nor listed in the \
             target\n",
            a.host, a.host
        )
    };

    // --json: exit 0, the skipped referrer in `skippedReferrers`, the nine others copied.
    let r = tofu(
        h,
        h,
        &[
            "mirror",
            &format!("{}/a/sample:0.1.0", a.host),
            &format!("{}/b/sample", b.host),
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    assert_eq!(r.stderr, dangling_warning());
    let v = r.json()["versions"][0].clone();
    assert_eq!(
        v["skippedReferrers"],
        serde_json::json!([{
            "digest": gone,
            "subject": index,
            "reason": format!(
                "manifest {gone} not found in {}/a/sample (a dangling entry of the source's referrers list)",
                a.host
            ),
        }])
    );
    assert_eq!(v["copied"]["referrers"], 9);
    assert_eq!(v["indexDigest"], Value::String(index.clone()));
    assert_eq!(v.get("addedSboms"), None);
    // The target's fallback index lists exactly the source's entries but the dangling one.
    let expected: Vec<String> = in_a.iter().filter(|d| **d != gone).cloned().collect();
    assert_eq!(listed(&b, "b/sample"), expected);
    assert_eq!(expected.len(), 3);
    assert_eq!(
        b.request(
            "GET",
            &format!("/v2/b/sample/manifests/{gone}"),
            &["-H", &accept()]
        )
        .status,
        404
    );

    // Text output: the same warning line, exit 0.
    let r = tofu(
        h,
        h,
        &[
            "mirror",
            &format!("{}/a/sample:0.1.0", a.host),
            &format!("{}/c/sample", b.host),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "tofu-sbom: info: copying {}/a/sample:0.1.0 → {}/c/sample:0.1.0\n{}",
            a.host,
            b.host,
            dangling_warning()
        )
    );
    assert!(
        r.out()
            .starts_with(&format!("mirrored {}/a/sample:0.1.0 → ", a.host)),
        "{}",
        r.out()
    );

    // A referrer manifest that does not hash to its digest (an OCI layout source with one manifest blob altered).
    let layout = h.join("usb");
    let lt = format!("oci-layout:{}", layout.display());
    let r = tofu(
        h,
        h,
        &["mirror", &format!("{}/b/sample:0.1.0", b.host), &lt],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let spdx = first["referrers"]["index"]["terraform-provider-sample_0.1.0.spdx.json"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob_path = layout
        .join("blobs/sha256")
        .join(spdx.strip_prefix("sha256:").unwrap());
    let mut bytes = std::fs::read(&blob_path).unwrap();
    bytes.push(b'\n');
    std::fs::write(&blob_path, &bytes).unwrap();
    let r = tofu(
        h,
        h,
        &[
            "mirror",
            &format!("{lt}:0.1.0"),
            &format!("{}/d/sample", b.host),
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.out(), r.stderr);
    let altered = format!("sha256:{}", sha256_hex(&bytes));
    assert_eq!(
        r.stderr,
        format!(
            "tofu-sbom: info: copying {lt}:0.1.0 → {}/d/sample:0.1.0\ntofu-sbom: error: {}: content has digest \
             {altered}, expected {spdx}\n",
            b.host,
            blob_path.display()
        )
    );
    assert!(!tags(&b, "d/sample").contains(&"0.1.0".to_owned()));
}

/// The digests an OCI layout's `index.json` lists, sorted, and its tags.
fn layout_index(dir: &Path) -> (Vec<String>, Vec<String>) {
    let v: Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let mut digests = Vec::new();
    let mut tags = Vec::new();
    for m in v["manifests"].as_array().unwrap() {
        digests.push(m["digest"].as_str().unwrap().to_owned());
        if let Some(t) = m["annotations"]["org.opencontainers.image.ref.name"].as_str() {
            tags.push(t.to_owned());
        }
    }
    digests.sort();
    (digests, tags)
}

/// An OCI layout source whose `index.json` lists a referrer manifest whose blob file was deleted (the layout
/// counterpart of a registry's dangling fallback-index entry): a layout records a referrer's subject only inside the
/// referrer manifest, so the entry cannot be attributed. `referrers` lists the readable ones and warns; `mirror` into
/// a second layout and into the real registry skips it once, subject unknown (warning, `skippedReferrers` with
/// `subject: null`), and never lists it in the target; `verify` reports it as a warning. A referrer blob that exists
/// but does not hash to its digest stays an error: exit 2, nothing tagged.
#[test]
fn a_layout_entry_whose_referrer_blob_is_missing_is_skipped_and_a_corrupt_one_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let reg = Registry::start(RegistryOpts::anonymous());
    let sample = support::sample_release_dir();
    let usb = h.join("usb");
    let lt = format!("oci-layout:{}", usb.display());
    let first = mirror_json(
        h,
        sample.to_str().unwrap(),
        &lt,
        &["--provider", "example.com/acme/sample"],
    );
    let index = first["indexDigest"].as_str().unwrap().to_owned();
    let sums_title = "terraform-provider-sample_0.1.0_SHA256SUMS";
    let gone = first["referrers"]["index"][sums_title]
        .as_str()
        .unwrap()
        .to_owned();
    let gone_path = usb
        .join("blobs/sha256")
        .join(gone.strip_prefix("sha256:").unwrap());
    std::fs::remove_file(&gone_path).unwrap();
    let (in_usb, usb_tags) = layout_index(&usb);
    assert!(in_usb.contains(&gone), "{in_usb:?}");
    assert_eq!(usb_tags, ["0.1.0"]);
    let missing = format!("blob {gone} not found in {lt}");

    // `referrers`: the two SBOMs of the index, a warning, the entry under `unreadable`.
    let r = tofu(h, h, &["referrers", &format!("{lt}:0.1.0"), "--json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "tofu-sbom: warning: {lt}:0.1.0: {missing}; this index.json entry may be a referrer of {index} and is \
             not listed\n"
        )
    );
    let listed = r.json();
    let titles: Vec<&str> = listed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "terraform-provider-sample_0.1.0.cdx.json",
            "terraform-provider-sample_0.1.0.spdx.json"
        ]
    );
    assert_eq!(
        listed["unreadable"],
        serde_json::json!([{
            "digest": gone,
            "mediaType": OCI_MANIFEST,
            "artifactType": "text/plain",
            "refName": null,
            "reason": missing,
        }])
    );

    // `mirror` into a second layout and into the registry: the entry is skipped once, subject unknown.
    let reason = format!(
        "{missing} (an index.json entry of the source whose manifest blob is missing; which subject it refers to \
         cannot be read)"
    );
    let warning = format!(
        "tofu-sbom: warning: {lt}:0.1.0: skipped referrer {gone} (subject unknown): {reason}; it is neither copied \
         nor listed in the target\n"
    );
    let second = h.join("second");
    let st = format!("oci-layout:{}", second.display());
    for (target, repo) in [
        (st.clone(), None),
        (format!("{}/m/sample", reg.host), Some("m/sample")),
    ] {
        let r = tofu(h, h, &["mirror", &format!("{lt}:0.1.0"), &target, "--json"]);
        assert_eq!(r.code, 0, "{target}: {}\n{}", r.out(), r.stderr);
        assert_eq!(r.stderr, warning, "{target}");
        let v = r.json()["versions"][0].clone();
        assert_eq!(
            v["skippedReferrers"],
            serde_json::json!([{ "digest": gone, "subject": null, "reason": reason }]),
            "{target}"
        );
        assert_eq!(v["indexDigest"], Value::String(index.clone()));
        let mut expected = first["referrers"].clone();
        expected["index"]
            .as_object_mut()
            .unwrap()
            .remove(sums_title);
        assert_eq!(v["referrers"], expected, "{target}");
        assert_eq!(
            v["copied"]["referrers"],
            referrers_of(&first)
                .values()
                .map(BTreeMap::len)
                .sum::<usize>()
                - 1,
            "{target}"
        );
        match repo {
            None => {
                let (in_second, second_tags) = layout_index(&second);
                let expected: Vec<String> =
                    in_usb.iter().filter(|d| **d != gone).cloned().collect();
                assert_eq!(in_second, expected);
                assert_eq!(second_tags, ["0.1.0"]);
            }
            Some(repo) => {
                // The version and one fallback tag per subject with referrers (index and three platforms).
                let in_repo = tags(&reg, repo);
                assert_eq!(in_repo.len(), 5, "{in_repo:?}");
                assert!(in_repo.contains(&"0.1.0".to_owned()), "{in_repo:?}");
                let fallback: Value =
                    serde_json::from_slice(&manifest(&reg, repo, &index.replace(':', "-")))
                        .unwrap();
                let in_fallback: Vec<&str> = fallback["manifests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["digest"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    in_fallback,
                    [
                        first["referrers"]["index"]["terraform-provider-sample_0.1.0.cdx.json"]
                            .as_str()
                            .unwrap(),
                        first["referrers"]["index"]["terraform-provider-sample_0.1.0.spdx.json"]
                            .as_str()
                            .unwrap()
                    ]
                );
            }
        }
    }

    // `verify` on the damaged layout: the entry is a warning; nothing else is wrong (exit 0).
    let r = tofu(h, h, &["verify", &format!("{lt}:0.1.0"), "--json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.out(), r.stderr);
    assert_eq!(
        r.json()["findings"],
        serde_json::json!([{
            "severity": "warning",
            "tag": "0.1.0",
            "platform": null,
            "verdict": "sbom_policy",
            "kind": "referrer_entry_unreadable",
            "digest": gone,
            "message": format!(
                "index.json lists {gone}, which cannot be read ({missing}); if it is a referrer of a manifest \
                 checked here (a dangling entry), it was not checked"
            ),
        }])
    );

    // A referrer blob that exists but does not hash to its digest: exit 2, nothing tagged in either target.
    let bad = h.join("bad");
    let bt = format!("oci-layout:{}", bad.display());
    mirror_json(
        h,
        sample.to_str().unwrap(),
        &bt,
        &["--provider", "example.com/acme/sample"],
    );
    let cdx = first["referrers"]["index"]["terraform-provider-sample_0.1.0.cdx.json"]
        .as_str()
        .unwrap()
        .to_owned();
    let cdx_path = bad
        .join("blobs/sha256")
        .join(cdx.strip_prefix("sha256:").unwrap());
    let mut bytes = std::fs::read(&cdx_path).unwrap();
    bytes.push(b'\n');
    std::fs::write(&cdx_path, &bytes).unwrap();
    let altered = format!("sha256:{}", sha256_hex(&bytes));
    let third = h.join("third");
    for target in [
        format!("oci-layout:{}", third.display()),
        format!("{}/x/sample", reg.host),
    ] {
        let r = tofu(h, h, &["mirror", &format!("{bt}:0.1.0"), &target]);
        assert_eq!(r.code, 2, "{target}: {}\n{}", r.out(), r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "tofu-sbom: info: copying {bt}:0.1.0 → {target}:0.1.0\ntofu-sbom: error: {}: content has digest \
                 {altered}, expected {cdx}\n",
                cdx_path.display()
            )
        );
    }
    assert_eq!(layout_index(&third).1, Vec::<String>::new());
    assert_eq!(tags(&reg, "x/sample"), Vec::<String>::new());
}
