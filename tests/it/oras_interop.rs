//! The ORAS CLI (`oras` 1.3.6, oras-go 2.6; `support::consumers`) reading what `tofu-sbom publish` wrote, and
//! tofu-sbom reading what `oras attach` wrote: on distribution 2.8 (no referrers API: the `sha256-<hex>` fallback tag)
//! and on go-containerregistry's registry with the native referrers API (`consumers::ReferrersRegistry`). The
//! 3-platform sample release (`testdata/sample-release`) is published by the real binary; every assertion is an exact
//! digest, artifact type, tag list or byte count.

use crate::support;
use crate::support::cli as cli_support;
use crate::support::consumers::ReferrersRegistry;
use crate::support::shapes::{AttachedByOras, ORAS_CREATED, Oras};

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use support::{Registry, RegistryOpts, sample_release_dir};

const CDX: &str = "application/vnd.cyclonedx+json";
const SPDX: &str = "application/spdx+json";
const EMPTY: &str = "application/vnd.oci.empty.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const SIGNATURE: &str = "application/vnd.example.signature";
const PLATFORMS: [&str; 3] = ["darwin_arm64", "linux_amd64", "windows_amd64"];
const STEM: &str = "terraform-provider-sample_0.1.0";

/// `tofu-sbom ARGS... --plain-http` with no credentials from this machine; panics unless it exits 0.
fn tofu_sbom_ok(home: &Path, args: &[&str]) -> cli_support::Run {
    cli_support::run(
        cli_support::isolate_credentials(&mut cli_support::tofu_sbom(), home)
            .args(args)
            .arg("--plain-http"),
    )
    .expect_code(0)
}

/// What one `publish --json` of the sample release wrote.
struct Published {
    index: String,
    /// Platform (`os_arch`) → manifest digest.
    platforms: BTreeMap<String, String>,
    /// Subject key (`index` or `os_arch`) → file name → referrer digest.
    referrers: BTreeMap<String, BTreeMap<String, String>>,
    /// SBOM file name → SHA-256 (hex) of the document we generated (`documents[].sha256`).
    documents: BTreeMap<String, String>,
}

impl Published {
    fn from_json(out: &Value) -> Self {
        let push = &out["push"];
        let strings = |v: &Value| -> BTreeMap<String, String> {
            v.as_object()
                .expect("object")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
                .collect()
        };
        Self {
            index: push["indexDigest"]
                .as_str()
                .expect("indexDigest")
                .to_owned(),
            platforms: push["platforms"]
                .as_object()
                .expect("platforms")
                .iter()
                .map(|(k, p)| (k.clone(), p["manifestDigest"].as_str().unwrap().to_owned()))
                .collect(),
            referrers: out["referrers"]
                .as_object()
                .expect("referrers")
                .iter()
                .map(|(k, v)| (k.clone(), strings(v)))
                .collect(),
            documents: out["documents"]
                .as_array()
                .expect("documents")
                .iter()
                .map(|d| {
                    // The path under `--sbom-dir` when given: keyed by the file name.
                    let file = Path::new(d["file"].as_str().unwrap());
                    (
                        file.file_name().unwrap().to_string_lossy().into_owned(),
                        d["sha256"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        }
    }

    /// (subject key, subject digest, SBOM file stem) for the index and every platform.
    fn subjects(&self) -> Vec<(String, String, String)> {
        let mut all = vec![("index".to_owned(), self.index.clone(), STEM.to_owned())];
        for (platform, digest) in &self.platforms {
            all.push((
                platform.clone(),
                digest.clone(),
                format!("{STEM}_{platform}"),
            ));
        }
        all
    }
}

/// `publish testdata/sample-release TARGET --provider example/sample --json EXTRA...`.
fn publish(home: &Path, target: &str, extra: &[&str]) -> Published {
    let release = sample_release_dir();
    let mut args = vec![
        "publish",
        release.to_str().unwrap(),
        target,
        "--provider",
        "example/sample",
        "--json",
    ];
    args.extend_from_slice(extra);
    Published::from_json(&tofu_sbom_ok(home, &args).json())
}

/// The annotations tofu-sbom writes on an SBOM referrer manifest.
fn our_annotations(file: &str) -> Value {
    json!({
        "dev.tofu-sbom.tool": format!("tofu-sbom/{}", env!("CARGO_PKG_VERSION")),
        "org.opencontainers.image.created": "2025-03-04T05:06:07Z",
        "org.opencontainers.image.title": file,
    })
}

/// `oras discover --format json` of one subject, reduced to its direct referrers as (artifactType, digest, size,
/// annotations), in ORAS's order; asserts the subject it names and that our referrers have no referrers themselves.
fn discovered(oras: &Oras, repo: &str, subject: &str) -> Vec<(String, String, u64, Value)> {
    let out = oras.discover(&format!("{repo}@{subject}"));
    assert_eq!(out["digest"], subject);
    out["referrers"]
        .as_array()
        .expect("referrers")
        .iter()
        .map(|r| {
            assert_eq!(r["mediaType"], MANIFEST);
            assert_eq!(r["referrers"], json!([]));
            (
                r["artifactType"].as_str().unwrap().to_owned(),
                r["digest"].as_str().unwrap().to_owned(),
                r["size"].as_u64().unwrap(),
                r["annotations"].clone(),
            )
        })
        .collect()
}

/// Our two SBOM referrers of one subject as ORAS should list them: CycloneDX first, `artifact_type` as listed (the
/// manifest's `artifactType`, or `listed_type` when the registry substitutes its own).
fn expected_sboms(
    published: &Published,
    key: &str,
    stem: &str,
    listed_type: Option<&str>,
) -> Vec<(String, String)> {
    [(CDX, "cdx"), (SPDX, "spdx")]
        .iter()
        .map(|(ty, ext)| {
            let file = format!("{stem}.{ext}.json");
            (
                listed_type.unwrap_or(ty).to_owned(),
                published.referrers[key][&file].clone(),
            )
        })
        .collect()
}

/// `oras pull` of every SBOM referrer of `published`: each gives one file, named by its title, whose SHA-256 is the
/// one `publish` reported for the document it generated, and whose bytes are the file `--sbom-dir` wrote.
fn assert_oras_pulls_our_bytes(oras: &Oras, repo: &str, published: &Published, sbom_dir: &Path) {
    let mut pulled = 0;
    for files in published.referrers.values() {
        for (file, referrer) in files {
            let dir = tempfile::tempdir().unwrap();
            oras.pull(&format!("{repo}@{referrer}"), dir.path());
            let names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, vec![file.clone()], "{referrer}");
            let bytes = std::fs::read(dir.path().join(file)).unwrap();
            assert_eq!(
                support::sbom::hex_sha256(&bytes),
                published.documents[file],
                "{file}"
            );
            assert_eq!(bytes, std::fs::read(sbom_dir.join(file)).unwrap(), "{file}");
            pulled += 1;
        }
    }
    assert_eq!(pulled, 8);
}

/// `tofu-sbom referrers REF --json`: (source, entries).
fn our_referrers(home: &Path, reference: &str) -> (String, Vec<Value>) {
    let out = tofu_sbom_ok(home, &["referrers", reference, "--json"]).json();
    (
        out["source"].as_str().unwrap().to_owned(),
        out["entries"].as_array().unwrap().clone(),
    )
}

/// The entry `tofu-sbom referrers --json` prints for a referrer `oras attach` wrote (title: none, ORAS puts it on the
/// layer only).
fn oras_entry(listed_type: &str, attached: &AttachedByOras) -> Value {
    json!({
        "artifactType": listed_type,
        "digest": attached.digest,
        "size": attached.size,
        "mediaType": MANIFEST,
        "title": null,
        "created": ORAS_CREATED,
        "annotations": {"org.opencontainers.image.created": ORAS_CREATED},
    })
}

/// Trivy 0.44.1 (`trivy image --image-src remote --sbom-sources oci`, the last line that scans provider artifacts by
/// reference) on `reference`: the lines of its log about SBOMs found through the referrers (exit 0 asserted).
fn trivy_0_44_referrer_log(reference: &str) -> Vec<String> {
    let cache = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(support::trivy_old())
        .arg("--cache-dir")
        .arg(cache.path())
        .args(["image", "--image-src", "remote", "--sbom-sources", "oci"])
        .args([
            "--scanners",
            "license",
            "--format",
            "cyclonedx",
            "--timeout",
            "2m",
        ])
        .arg(reference)
        .env_remove("TRIVY_USERNAME")
        .env_remove("TRIVY_PASSWORD")
        .env("DOCKER_CONFIG", cache.path().join("no-docker-config"))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "trivy image {reference}: {log}");
    log.lines()
        .filter(|l| l.contains("SBOM"))
        .map(str::to_owned)
        .collect()
}

/// Distribution 2.8 (fallback tag): ORAS discovers our SBOM referrers on the index and every platform manifest and
/// pulls our exact bytes; referrers `oras attach` adds (a signature on the index and on one platform, a third-party
/// CycloneDX SBOM on the index) are listed by `tofu-sbom referrers`, copied by `mirror` with the same digests, and
/// survive `publish --prune-own-referrers`, which removes only our older SBOMs.
#[test]
fn oras_reads_our_referrers_and_we_keep_what_oras_attached_on_distribution() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let sbom_dir = tempfile::tempdir().unwrap();
    let oras = Oras::plain_http();
    let repo = format!("{}/acme/sample", reg.host);
    let sbom_dir_arg = sbom_dir.path().display().to_string();
    let published = publish(home.path(), &repo, &["--sbom-dir", &sbom_dir_arg]);
    assert_eq!(
        published
            .platforms
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        PLATFORMS
    );

    // ORAS finds exactly our two SBOMs on every subject, through the fallback tag, with our annotations.
    let mut sizes_before: BTreeMap<String, u64> = BTreeMap::new();
    for (key, subject, stem) in published.subjects() {
        let got = discovered(&oras, &repo, &subject);
        sizes_before.extend(got.iter().map(|(_, d, size, _)| (d.clone(), *size)));
        let want = expected_sboms(&published, &key, &stem, None);
        assert_eq!(
            got.iter()
                .map(|(t, d, _, _)| (t.clone(), d.clone()))
                .collect::<Vec<_>>(),
            want,
            "{key}"
        );
        for ((_, _, _, annotations), ext) in got.iter().zip(["cdx", "spdx"]) {
            assert_eq!(
                *annotations,
                our_annotations(&format!("{stem}.{ext}.json")),
                "{key}"
            );
        }
    }
    // The version tag and one fallback tag per subject, nothing else.
    let mut tags: Vec<String> = published
        .subjects()
        .iter()
        .map(|(_, d, _)| format!("sha256-{}", d.trim_start_matches("sha256:")))
        .collect();
    tags.push("0.1.0".to_owned());
    tags.sort();
    let mut listed = oras.tags(&repo);
    listed.sort();
    assert_eq!(listed, tags);
    assert_oras_pulls_our_bytes(&oras, &repo, &published, sbom_dir.path());
    // Trivy 0.44.1 finds them through the fallback tag too (it cannot parse CycloneDX 1.6 and takes the SPDX one): the
    // control for the native-referrers registry below, where it finds none.
    let trivy = trivy_0_44_referrer_log(&format!("{repo}:0.1.0"));
    assert!(
        trivy
            .last()
            .is_some_and(|l| l.ends_with("Found SBOM (spdx) in the OCI referrers")),
        "{trivy:?}"
    );

    // Referrers ORAS attaches: a signature on the index and on linux_amd64, a third-party CycloneDX SBOM (no
    // dev.tofu-sbom.tool annotation) on the index.
    let index_ref = format!("{repo}@{}", published.index);
    let linux_ref = format!("{repo}@{}", published.platforms["linux_amd64"]);
    let signature = oras.attach(
        &index_ref,
        SIGNATURE,
        "provider.sig",
        "application/vnd.example.signature.v1",
        b"index signature\n",
    );
    let linux_signature = oras.attach(
        &linux_ref,
        SIGNATURE,
        "provider.sig",
        "application/vnd.example.signature.v1",
        b"linux_amd64 signature\n",
    );
    let foreign = oras.attach(
        &index_ref,
        CDX,
        "other.cdx.json",
        CDX,
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}"#,
    );
    assert_eq!(
        (
            signature.artifact_type.as_str(),
            foreign.artifact_type.as_str()
        ),
        (SIGNATURE, CDX)
    );

    // `tofu-sbom referrers` lists them after ours, exactly as ORAS reported them.
    let (source, entries) = our_referrers(home.path(), &index_ref);
    assert_eq!(source, "fallback_tag");
    assert_eq!(
        entries
            .iter()
            .map(|e| e["digest"].clone())
            .collect::<Vec<_>>(),
        vec![
            json!(published.referrers["index"][&format!("{STEM}.cdx.json")]),
            json!(published.referrers["index"][&format!("{STEM}.spdx.json")]),
            json!(signature.digest),
            json!(foreign.digest),
        ]
    );
    assert_eq!(entries[2], oras_entry(SIGNATURE, &signature));
    assert_eq!(entries[3], oras_entry(CDX, &foreign));
    let (_, linux_entries) = our_referrers(home.path(), &linux_ref);
    assert_eq!(linux_entries.len(), 3);
    assert_eq!(linux_entries[2], oras_entry(SIGNATURE, &linux_signature));

    // `mirror` copies them: the copy's index and linux_amd64 manifest carry the same referrers, same digests.
    let copy = format!("{}/acme/copy", reg.host);
    let mirrored = tofu_sbom_ok(
        home.path(),
        &["mirror", &format!("{repo}:0.1.0"), &copy, "--json"],
    )
    .json();
    let version = &mirrored["versions"][0];
    assert_eq!(version["indexDigest"], published.index.as_str());
    assert_eq!(version["copied"]["referrers"], 8 + 3);
    // No subject lacked an SBOM: nothing was added (the field is left out).
    assert_eq!(version.get("addedSboms"), None);
    let on_copy = |subject: &str| -> Vec<String> {
        discovered(&oras, &copy, subject)
            .into_iter()
            .map(|(_, d, _, _)| d)
            .collect()
    };
    // The copy's fallback index is written by us: CycloneDX entries first (Trivy takes the first it can parse), the
    // rest in the source's order.
    let copied_order = [0, 3, 1, 2].map(|i| entries[i].clone());
    assert_eq!(
        on_copy(&published.index),
        copied_order
            .iter()
            .map(|e| e["digest"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        on_copy(&published.platforms["linux_amd64"]),
        linux_entries
            .iter()
            .map(|e| e["digest"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    );
    let (_, copied_entries) = our_referrers(home.path(), &format!("{copy}@{}", published.index));
    assert_eq!(copied_entries, copied_order);

    // A re-publish with other SBOM bytes (a supplier) and `--prune-own-referrers`: our 8 older SBOM referrers are
    // pruned (and named on stderr), ORAS's three are kept.
    // The text output names each on stderr; `--json` lists them per subject under `pruned`.
    let release = sample_release_dir();
    let republish = |json: bool| {
        let mut cmd = cli_support::tofu_sbom();
        cli_support::isolate_credentials(&mut cmd, home.path())
            .args(["publish", release.to_str().unwrap(), &repo])
            .args(["--provider", "example/sample", "--plain-http"])
            .args(["--supplier", "Acme Corp", "--prune-own-referrers"]);
        if json {
            cmd.arg("--json");
        }
        cli_support::run(&mut cmd).expect_code(0)
    };
    let pruning = republish(true);
    let again = Published::from_json(&pruning.json());
    assert_eq!(again.index, published.index);
    assert_eq!(again.platforms, published.platforms);
    let mut want_pruned = serde_json::Map::new();
    for (key, _, _) in published.subjects() {
        let entries: Vec<Value> = [CDX, SPDX]
            .iter()
            .zip(published.referrers[&key].iter())
            .map(|(ty, (file, digest))| {
                json!({
                    "referrer": {
                        "artifactType": ty,
                        "digest": digest,
                        "size": sizes_before[digest],
                        "mediaType": MANIFEST,
                        "title": file,
                        "created": "2025-03-04T05:06:07Z",
                        "annotations": our_annotations(file),
                    },
                    "status": "deleted",
                })
            })
            .collect();
        want_pruned.insert(key, Value::Array(entries));
    }
    assert_eq!(pruning.json()["pruned"], Value::Object(want_pruned));
    // Nothing is left to prune: the text run says nothing about pruning, the JSON run lists no subject.
    let quiet = republish(false);
    assert!(!quiet.stderr.contains("pruned"), "{}", quiet.stderr);
    assert_eq!(republish(true).json()["pruned"], json!({}));
    let ours_before: Vec<&str> = published
        .referrers
        .values()
        .flat_map(|f| f.values().map(String::as_str))
        .collect();

    let (_, after) = our_referrers(home.path(), &index_ref);
    let mut after: Vec<String> = after
        .iter()
        .map(|e| e["digest"].as_str().unwrap().to_owned())
        .collect();
    after.sort();
    let mut want = vec![
        again.referrers["index"][&format!("{STEM}.cdx.json")].clone(),
        again.referrers["index"][&format!("{STEM}.spdx.json")].clone(),
        signature.digest.clone(),
        foreign.digest.clone(),
    ];
    want.sort();
    assert_eq!(after, want);
    let mut linux_after: Vec<String> =
        discovered(&oras, &repo, &published.platforms["linux_amd64"])
            .into_iter()
            .map(|(_, d, _, _)| d)
            .collect();
    linux_after.sort();
    let mut linux_want = vec![
        again.referrers["linux_amd64"][&format!("{STEM}_linux_amd64.cdx.json")].clone(),
        again.referrers["linux_amd64"][&format!("{STEM}_linux_amd64.spdx.json")].clone(),
        linux_signature.digest.clone(),
    ];
    linux_want.sort();
    assert_eq!(linux_after, linux_want);
    // The pruned manifests are gone from the registry, ORAS's are still there.
    for digest in &ours_before {
        let got = reg.request(
            "GET",
            &format!("/v2/acme/sample/manifests/{digest}"),
            &["-H", &format!("Accept: {MANIFEST}")],
        );
        assert_eq!(got.status, 404, "{digest}");
    }
    for digest in [&signature.digest, &foreign.digest, &linux_signature.digest] {
        let got = reg.request(
            "GET",
            &format!("/v2/acme/sample/manifests/{digest}"),
            &["-H", &format!("Accept: {MANIFEST}")],
        );
        assert_eq!(got.status, 200, "{digest}");
    }
}

/// go-containerregistry's registry with the native referrers API: `publish` in `auto` mode records the referrers
/// through the API and creates no `sha256-…` tag; ORAS discovers them on every subject and pulls our bytes; a
/// referrer `oras attach` writes is listed by `tofu-sbom referrers` and copied by `mirror`. This registry lists every
/// referrer with its **config** media type as `artifactType` (`application/vnd.oci.empty.v1+json` for ours and ORAS's:
/// `support::consumers::ReferrersRegistry`), and ORAS and `tofu-sbom referrers` both show what it lists; ORAS's
/// `--artifact-type` filter and Trivy 0.44.1 then find no SBOM, which `verify` reports (`sbom_type_not_listed`),
/// while `sbom pull`, a re-publish (all present) and `--prune-own-referrers` read the manifests for the real type.
#[test]
fn oras_reads_our_referrers_on_the_native_referrers_registry_and_publish_writes_no_fallback_tag() {
    let reg = ReferrersRegistry::start();
    let home = tempfile::tempdir().unwrap();
    let sbom_dir = tempfile::tempdir().unwrap();
    let oras = Oras::plain_http();
    let repo = format!("{}/acme/sample", reg.host);
    let sbom_dir_arg = sbom_dir.path().display().to_string();
    let published = publish(
        home.path(),
        &repo,
        &["--sbom-dir", &sbom_dir_arg, "--referrers-mode", "auto"],
    );
    assert_eq!(oras.tags(&repo), vec!["0.1.0".to_owned()]);
    let tags = reg.request("GET", "/v2/acme/sample/tags/list", &[]);
    assert_eq!(
        serde_json::from_slice::<Value>(&tags.body).unwrap(),
        json!({"name": "acme/sample", "tags": ["0.1.0"]}),
        "{}",
        reg.registry_log()
    );

    for (key, subject, stem) in published.subjects() {
        // The API lists in no fixed order: compare sorted by digest.
        let mut got: Vec<(String, String)> = discovered(&oras, &repo, &subject)
            .into_iter()
            .map(|(t, d, _, _)| (t, d))
            .collect();
        got.sort_by(|a, b| a.1.cmp(&b.1));
        let mut want = expected_sboms(&published, &key, &stem, Some(EMPTY));
        want.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(got, want, "{key}");
        let (source, mut entries) = our_referrers(home.path(), &format!("{repo}@{subject}"));
        assert_eq!(source, "api", "{key}");
        entries.sort_by(|a, b| a["digest"].as_str().cmp(&b["digest"].as_str()));
        assert_eq!(
            entries
                .iter()
                .map(|e| (
                    e["artifactType"].as_str().unwrap().to_owned(),
                    e["digest"].as_str().unwrap().to_owned()
                ))
                .collect::<Vec<_>>(),
            want,
            "{key}"
        );
    }
    assert_oras_pulls_our_bytes(&oras, &repo, &published, sbom_dir.path());

    // `oras discover --artifact-type` filters on the listed type, so it finds none of our SBOMs here; neither does
    // Trivy 0.44.1 (no "Detected SBOM format" / "Found SBOM … in the OCI referrers" line, as on distribution).
    // `verify` says why, naming each referrer and the type the registry lists.
    let filtered = oras.discover_filtered(&format!("{repo}@{}", published.index), CDX);
    assert_eq!(filtered["referrers"], json!([]));
    let trivy = trivy_0_44_referrer_log(&format!("{repo}:0.1.0"));
    assert_eq!(trivy, Vec::<String>::new());
    let verified = cli_support::run(
        cli_support::isolate_credentials(&mut cli_support::tofu_sbom(), home.path()).args([
            "verify",
            &format!("{repo}:0.1.0"),
            "--json",
            "--plain-http",
        ]),
    )
    .expect_code(1)
    .json();
    let mut want = Vec::new();
    for (key, _, stem) in published.subjects() {
        let platform = if key == "index" {
            Value::Null
        } else {
            json!(key)
        };
        for (ty, ext) in [(CDX, "cdx"), (SPDX, "spdx")] {
            let referrer = &published.referrers[&key][&format!("{stem}.{ext}.json")];
            want.push(json!({
                "severity": "error",
                "tag": "0.1.0",
                "platform": platform,
                "kind": "sbom_type_not_listed",
                "subject": key,
                "artifactType": ty,
                "referrer": referrer,
                "listed": EMPTY,
                "verdict": "sbom_policy",
                "message": format!(
                    "{key}: the {ty} SBOM referrer {referrer} is attached, but the registry's referrers API lists its \
                     artifactType as {EMPTY} (the config media type, as go-containerregistry's registry does): \
                     `oras discover --artifact-type {ty}` and Trivy do not find it"
                ),
            }));
        }
    }
    let key_of = |f: &Value| (f["platform"].to_string(), f["artifactType"].to_string());
    let mut got = verified["findings"].as_array().unwrap().clone();
    got.sort_by_key(key_of);
    want.sort_by_key(key_of);
    assert_eq!(got, want);

    // `sbom pull` still gets them: the manifest says what the listing does not (read for the config-typed entries).
    for (platform, file) in [
        (None, format!("{STEM}.cdx.json")),
        (Some("linux_amd64"), format!("{STEM}_linux_amd64.spdx.json")),
    ] {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("sbom.json");
        let mut args = vec![
            "sbom".to_owned(),
            "pull".to_owned(),
            format!("{repo}:0.1.0"),
            "-o".to_owned(),
            path.display().to_string(),
            "--format".to_owned(),
            if file.ends_with(".cdx.json") {
                "cyclonedx"
            } else {
                "spdx"
            }
            .to_owned(),
        ];
        if let Some(p) = platform {
            args.extend(["--platform".to_owned(), p.to_owned()]);
        }
        tofu_sbom_ok(
            home.path(),
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(sbom_dir.path().join(&file)).unwrap(),
            "{file}"
        );
    }

    let index_ref = format!("{repo}@{}", published.index);
    let signature = oras.attach(
        &index_ref,
        SIGNATURE,
        "provider.sig",
        "application/vnd.example.signature.v1",
        b"index signature\n",
    );
    let (_, entries) = our_referrers(home.path(), &index_ref);
    let listed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["digest"] == signature.digest.as_str())
        .collect();
    assert_eq!(listed, vec![&oras_entry(EMPTY, &signature)]);
    assert_eq!(entries.len(), 3);

    // A copy into another repository of the same registry keeps the ORAS referrer, writes no fallback tag either, and
    // (the manifests read for their type) finds every subject with its SBOMs: none added.
    let copy = format!("{}/acme/copy", reg.host);
    let mirrored = tofu_sbom_ok(
        home.path(),
        &["mirror", &format!("{repo}:0.1.0"), &copy, "--json"],
    )
    .json();
    let version = &mirrored["versions"][0];
    assert_eq!(version.get("addedSboms"), None, "{version}");
    assert_eq!(
        version["referrers"]["index"],
        json!({
            format!("{STEM}.cdx.json"): published.referrers["index"][&format!("{STEM}.cdx.json")],
            format!("{STEM}.spdx.json"): published.referrers["index"][&format!("{STEM}.spdx.json")],
            SIGNATURE: signature.digest,
        })
    );
    assert_eq!(oras.tags(&copy), vec!["0.1.0".to_owned()]);
    let mut copied: Vec<String> = discovered(&oras, &copy, &published.index)
        .into_iter()
        .map(|(_, d, _, _)| d)
        .collect();
    copied.sort();
    let mut want: Vec<String> = entries
        .iter()
        .map(|e| e["digest"].as_str().unwrap().to_owned())
        .collect();
    want.sort();
    assert_eq!(copied, want);

    // Our referrers are recognised by their manifests here too: the same publish again finds all 8 present (nothing
    // re-attached), and a re-publish with other SBOM bytes and `--prune-own-referrers` removes exactly our 8 older
    // SBOM referrers, keeping ORAS's signature.
    let release = sample_release_dir();
    let again = cli_support::run(
        cli_support::isolate_credentials(&mut cli_support::tofu_sbom(), home.path())
            .args(["publish", release.to_str().unwrap(), &repo])
            .args(["--provider", "example/sample", "--plain-http"]),
    )
    .expect_code(0);
    let again_out = again.out();
    let statuses: Vec<&str> = again_out
        .lines()
        .filter(|l| l.starts_with("attached ") || l.starts_with("present "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(statuses, vec!["present"; 8], "{}", again.out());
    let pruning = cli_support::run(
        cli_support::isolate_credentials(&mut cli_support::tofu_sbom(), home.path())
            .args(["publish", release.to_str().unwrap(), &repo])
            .args(["--provider", "example/sample", "--plain-http", "--json"])
            .args(["--supplier", "Acme Corp", "--prune-own-referrers"]),
    )
    .expect_code(0);
    let pruned = pruning.json()["pruned"].clone();
    let mut pruned_digests: Vec<String> = pruned
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap().clone())
        .map(|p| {
            assert_eq!(p["status"], "deleted");
            p["referrer"]["digest"].as_str().unwrap().to_owned()
        })
        .collect();
    pruned_digests.sort();
    let mut ours: Vec<String> = published
        .referrers
        .values()
        .flat_map(|f| f.values().cloned())
        .collect();
    ours.sort();
    assert_eq!(pruned_digests, ours);
    let republished = Published::from_json(&pruning.json());
    let mut left: Vec<String> = discovered(&oras, &repo, &published.index)
        .into_iter()
        .map(|(_, d, _, _)| d)
        .collect();
    left.sort();
    let mut want: Vec<String> = republished.referrers["index"]
        .values()
        .cloned()
        .chain([signature.digest.clone()])
        .collect();
    want.sort();
    assert_eq!(left, want);
}

/// An OCI image layout written by `publish` (`oci-layout:DIR`) is one ORAS reads and writes as its own: `oras discover
/// --oci-layout` lists our SBOM referrers on the index and every platform manifest, a referrer `oras attach
/// --oci-layout` adds is listed by `tofu-sbom referrers` exactly, and a re-publish with `--prune-own-referrers` removes
/// our older SBOMs from the layout and keeps it.
#[test]
fn oras_and_tofu_sbom_share_an_oci_layout() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let target = format!("oci-layout:{}", layout.display());
    let release = sample_release_dir();
    let run_publish = |extra: &[&str]| {
        let mut cmd = cli_support::tofu_sbom();
        cli_support::isolate_credentials(&mut cmd, home.path())
            .args(["publish", release.to_str().unwrap(), &target])
            .args(["--provider", "example/sample", "--json"])
            .args(extra);
        Published::from_json(&cli_support::run(&mut cmd).expect_code(0).json())
    };
    let published = run_publish(&[]);
    let oras = Oras::oci_layout();
    let at = |digest: &str| format!("{}@{digest}", layout.display());
    // ORAS lists a layout's referrers in no fixed order (its graph is a map): compare sorted by digest.
    let mut got: Vec<(String, String)> =
        discovered(&oras, &layout.display().to_string(), &published.index)
            .into_iter()
            .map(|(t, d, _, _)| (t, d))
            .collect();
    got.sort_by(|a, b| a.1.cmp(&b.1));
    let mut want = expected_sboms(&published, "index", STEM, None);
    want.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(got, want);
    // A platform manifest by digest is not one ORAS can discover from: oras-go resolves a digest in a layout through
    // index.json (where `oras push` lists every manifest it writes), and ours lists the tagged index and the referrers,
    // not the platform manifests. (`oras cp -r` from the tag still carries their referrers: it walks the index.)
    for (key, subject, _) in published.subjects().into_iter().skip(1) {
        let run = oras.run(&["discover"], &["--format", "json", &at(&subject)]);
        let size = published_size(&layout, &subject);
        assert_eq!(
            (run.code, run.stderr.trim_end().to_owned()),
            (
                1,
                format!(
                    "Error: the descriptor {{application/octet-stream {subject} {size} [] map[] [] <nil> }} is not a \
                     manifest: unsupported"
                )
            ),
            "{key}"
        );
    }

    let signature = oras.attach(
        &at(&published.index),
        SIGNATURE,
        "provider.sig",
        "application/vnd.example.signature.v1",
        b"index signature\n",
    );
    // In a layout the listing follows index.json, which ORAS rewrites in no fixed order: compare sorted by digest.
    let (source, mut entries) =
        our_referrers(home.path(), &format!("{target}@{}", published.index));
    assert_eq!(source, "layout");
    entries.sort_by(|a, b| a["digest"].as_str().cmp(&b["digest"].as_str()));
    let mut want = vec![
        json!(published.referrers["index"][&format!("{STEM}.cdx.json")]),
        json!(published.referrers["index"][&format!("{STEM}.spdx.json")]),
        json!(signature.digest),
    ];
    want.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(
        entries
            .iter()
            .map(|e| e["digest"].clone())
            .collect::<Vec<_>>(),
        want
    );
    let listed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["digest"] == signature.digest.as_str())
        .collect();
    assert_eq!(listed, vec![&oras_entry(SIGNATURE, &signature)]);

    let again = run_publish(&["--supplier", "Acme Corp", "--prune-own-referrers"]);
    assert_eq!(again.index, published.index);
    let mut after: Vec<String> = discovered(&oras, &layout.display().to_string(), &published.index)
        .into_iter()
        .map(|(_, d, _, _)| d)
        .collect();
    after.sort();
    let mut want = vec![
        again.referrers["index"][&format!("{STEM}.cdx.json")].clone(),
        again.referrers["index"][&format!("{STEM}.spdx.json")].clone(),
        signature.digest.clone(),
    ];
    want.sort();
    assert_eq!(after, want);
}

/// The size of blob `digest` in the OCI layout at `layout`.
fn published_size(layout: &Path, digest: &str) -> u64 {
    let hex = digest.trim_start_matches("sha256:");
    std::fs::metadata(layout.join("blobs/sha256").join(hex))
        .unwrap()
        .len()
}
