//! OmniBOR Artifact IDs (issue 13, CISA 2025 software identifier): the `gitoid:blob:sha256:` of the provider ZIP and of
//! its executable, computed in the one hashing pass of `generate`, equal what the real git answers
//! (`git hash-object` in a `git init --object-format=sha256` repository), and are written where each format puts them:
//! CycloneDX 1.6 `omniborId`, SPDX 3.0.1 `externalIdentifier` of type `gitoid`, SPDX 2.3 `externalRefs`
//! `PERSISTENT-ID`/`gitoid`; CycloneDX 1.5 has no such field.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use tofu_sbom::archive::release::{Release, parse_platforms};
use tofu_sbom::generate;
use tofu_sbom::limits::Limits;

use crate::support::cli::{generate_every_format, tofu_sbom};
use crate::support::providers::TestProvider;

/// `gitoid:blob:sha256:<what git hash-object prints for FILE>`, in a fresh SHA-256 repository.
fn git_gitoid(file: &Path) -> String {
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", repo.path())
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q", "--object-format=sha256"]);
    let hex = git(&["hash-object", file.to_str().unwrap()]);
    assert_eq!(hex.len(), 64, "a SHA-256 object id: {hex}");
    format!("gitoid:blob:sha256:{hex}")
}

#[test]
fn the_one_pass_gitoids_of_zip_and_executable_equal_gits() {
    let provider = TestProvider::Framework;
    let limits = Limits::default();
    let mut release = Release::from_dir(&provider.release_dir(), &limits).unwrap();
    // A Linux ELF and a Windows PE (`.exe`): two ZIPs, two executables.
    release
        .select_platforms(&parse_platforms("linux_amd64,windows_amd64").unwrap())
        .unwrap();
    let scanned = generate::scan(&mut release, &limits).unwrap();
    assert_eq!(scanned.platforms.len(), 2);
    for p in &scanned.platforms {
        let platform = format!("{}_{}", p.platform.os, p.platform.arch);
        let dir = tempfile::tempdir().unwrap();
        let binary = provider.extract_binary(&platform, dir.path());
        assert_eq!(p.zip_digests.gitoid(), git_gitoid(&provider.zip(&platform)));
        assert_eq!(p.binary_digests.gitoid(), git_gitoid(&binary));
        // Not the plain SHA-256: git hashes the `blob <len>\0` header too.
        assert_ne!(p.binary_digests.gitoid_hex(), p.binary_digests.sha256_hex());
    }
}

/// The values of `omniborId` of every component of a CycloneDX document, `metadata.component` first, by name.
fn cyclonedx_ids(doc: &Value) -> Vec<(String, Value)> {
    std::iter::once(&doc["metadata"]["component"])
        .chain(doc["components"].as_array().unwrap())
        .filter(|c| c.get("omniborId").is_some())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["omniborId"].clone(),
            )
        })
        .collect()
}

/// `(name, [entries of list_key whose type_key is gitoid])` of each SPDX package that has any.
fn named_gitoids(packages: &[&Value], list_key: &str, type_key: &str) -> Vec<(String, Value)> {
    packages
        .iter()
        .filter_map(|p| {
            let ids: Vec<&Value> = p[list_key]
                .as_array()?
                .iter()
                .filter(|e| e[type_key] == "gitoid")
                .collect();
            (!ids.is_empty()).then(|| (p["name"].as_str().unwrap().to_owned(), json!(ids)))
        })
        .collect()
}

#[test]
fn every_format_writes_the_ids_where_its_spec_puts_them() {
    let provider = TestProvider::Framework;
    let platform = "linux_amd64";
    let out = tempfile::tempdir().unwrap();
    generate_every_format(&provider.zip(platform), out.path(), &[]);
    let extracted = tempfile::tempdir().unwrap();
    let zip_id = git_gitoid(&provider.zip(platform));
    let binary_id = git_gitoid(&provider.extract_binary(platform, extracted.path()));
    let binary_name = provider.binary_name(platform);
    let read = |suffix: &str| -> Value {
        let path = out
            .path()
            .join(format!("terraform-provider-tsbfw_0.3.1_{platform}{suffix}"));
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    };

    assert_eq!(
        cyclonedx_ids(&read(".cdx.json")),
        vec![
            ("terraform-provider-tsbfw".to_owned(), json!([zip_id])),
            (binary_name.clone(), json!([binary_id])),
        ]
    );
    assert_eq!(cyclonedx_ids(&read(".cdx15.json")), vec![]);

    let spdx3 = read(".spdx3.json");
    let packages: Vec<&Value> = spdx3["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "software_Package")
        .collect();
    let gitoids = named_gitoids(&packages, "externalIdentifier", "externalIdentifierType");
    let identifier = |id: &str| json!([{"type": "ExternalIdentifier", "externalIdentifierType": "gitoid", "identifier": id}]);
    assert_eq!(
        gitoids,
        vec![
            ("terraform-provider-tsbfw".to_owned(), identifier(&zip_id)),
            (binary_name.clone(), identifier(&binary_id)),
        ]
    );

    let spdx = read(".spdx.json");
    let packages: Vec<&Value> = spdx["packages"].as_array().unwrap().iter().collect();
    let refs = named_gitoids(&packages, "externalRefs", "referenceType");
    let persistent = |id: &str| json!([{"referenceCategory": "PERSISTENT-ID", "referenceType": "gitoid", "referenceLocator": id}]);
    assert_eq!(
        refs,
        vec![
            ("terraform-provider-tsbfw".to_owned(), persistent(&zip_id)),
            (binary_name, persistent(&binary_id)),
        ]
    );
}

/// The release-wide document's root is the provider deployed as several ZIPs: it carries one OmniBOR id per ZIP (in
/// platform order), each equal to git's, so `lint --profile cisa-2025` finds its software identifier.
#[test]
fn the_release_wide_root_carries_the_id_of_every_zip() {
    let provider = TestProvider::Framework;
    let out = tempfile::tempdir().unwrap();
    let run = tofu_sbom()
        .arg("generate")
        .arg(provider.release_dir())
        .args(["-q", "--platform", "windows_amd64,linux_amd64", "-o"])
        .arg(out.path())
        .args(["--format", "cyclonedx-json", "--format", "spdx-json@3.0.1"])
        .output()
        .expect("run generate");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids: Vec<String> = ["linux_amd64", "windows_amd64"]
        .iter()
        .map(|p| git_gitoid(&provider.zip(p)))
        .collect();
    let cdx_path = out.path().join("terraform-provider-tsbfw_0.3.1.cdx.json");
    let cdx: Value = serde_json::from_slice(&std::fs::read(&cdx_path).unwrap()).unwrap();
    assert_eq!(cdx["metadata"]["component"]["omniborId"], json!(ids));
    let spdx3_path = out.path().join("terraform-provider-tsbfw_0.3.1.spdx3.json");
    let spdx3: Value = serde_json::from_slice(&std::fs::read(&spdx3_path).unwrap()).unwrap();
    let root = spdx3["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "software_Package" && n["name"] == "terraform-provider-tsbfw")
        .unwrap();
    let gitoids: Vec<&Value> = root["externalIdentifier"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["externalIdentifierType"] == "gitoid")
        .map(|e| &e["identifier"])
        .collect();
    assert_eq!(gitoids, vec![&json!(ids[0]), &json!(ids[1])]);
    for doc in [&cdx_path, &spdx3_path] {
        let lint = tofu_sbom()
            .arg("lint")
            .arg(doc)
            .args(["--profile", "cisa-2025", "--json"])
            .output()
            .expect("run lint");
        let report: Value = serde_json::from_slice(&lint.stdout).unwrap();
        let text = report.to_string();
        assert!(
            !text.contains("component-identifier"),
            "{}: {text}",
            doc.display()
        );
    }
}
