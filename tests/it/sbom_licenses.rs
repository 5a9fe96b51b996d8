//! Licence facts in all four formats (issue 13) on the hand-built sample release: the exact licence fields each
//! format gets, the official validators accept every document, and current Trivy reads the CycloneDX licences.
//! Documents without licence facts are covered by the snapshots (`sbom_snapshot.rs`): unchanged.

use crate::support::sbom as sbom_support;

use std::path::PathBuf;

use sbom_support::{render_all, run_trivy, sample_release_with_licenses, validate};
use serde_json::{Value, json};
use tofu_sbom::inventory::Inventory;
use tofu_sbom::sbom::{self, Format};

fn release_doc(format: Format) -> Value {
    let inv = Inventory::for_release(&sample_release_with_licenses()).unwrap();
    serde_json::from_slice(&sbom::render(&inv, format).unwrap()).unwrap()
}

fn cdx_component<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name}"))
}

#[test]
fn cyclonedx_16_licenses_with_acknowledgement_concluded() {
    let doc = release_doc(Format::CycloneDx16);
    let lic = |name: &str| cdx_component(&doc, name)["licenses"].clone();
    assert_eq!(
        lic("github.com/Azure/go-autorest/autorest"),
        json!([{"license": {"id": "Apache-2.0", "acknowledgement": "concluded"}}])
    );
    assert_eq!(
        lic("github.com/hashicorp/terraform-plugin-go"),
        json!([{"expression": "BSD-3-Clause AND MPL-2.0", "acknowledgement": "concluded"}])
    );
    assert_eq!(
        lic("github.com/acme/yaml-fork"),
        json!([{"license": {"name": "LicenseRef-tofu-sbom-0123456789abcdef",
                "text": {"contentType": "text/plain", "content": "Acme internal licence.\nDo what you like.\n"},
                "acknowledgement": "concluded"}}])
    );
    assert_eq!(lic("github.com/docker/docker"), Value::Null);
    assert_eq!(
        lic("stdlib"),
        json!([{"license": {"id": "BSD-3-Clause", "acknowledgement": "concluded"}}])
    );
    assert_eq!(
        lic("github.com/acme/terraform-provider-demo"),
        json!([{"license": {"id": "MPL-2.0", "acknowledgement": "concluded"}}])
    );
    let fork = cdx_component(&doc, "github.com/acme/yaml-fork");
    let zip_ref = fork["externalReferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["url"] == "github.com/acme/yaml-fork@v1.1.0.zip")
        .expect("module ZIP reference");
    assert_eq!(zip_ref["type"], "distribution");
    assert_eq!(
        zip_ref["hashes"][0]["content"],
        sbom_support::hex_sha256(b"github.com/acme/yaml-fork@v1.1.0.zip")
    );
    assert_eq!(zip_ref["hashes"][1]["alg"], "SHA-512");
    // The provider (root) carries `--license` as well.
    assert_eq!(
        doc["metadata"]["component"]["licenses"],
        json!([{"license": {"id": "MPL-2.0", "acknowledgement": "concluded"}}])
    );
    let root_props = doc["metadata"]["component"]["properties"]
        .as_array()
        .unwrap();
    assert!(
        root_props.contains(&json!({"name": "tofu-sbom:licenses:source", "value": "goproxy"}))
            && root_props
                .contains(&json!({"name": "tofu-sbom:licenses:provider", "value": "MPL-2.0"})),
        "{root_props:?}"
    );
}

#[test]
fn cyclonedx_15_one_entry_without_acknowledgement() {
    let doc = release_doc(Format::CycloneDx15);
    let lic = |name: &str| cdx_component(&doc, name)["licenses"].clone();
    assert_eq!(
        lic("github.com/Azure/go-autorest/autorest"),
        json!([{"license": {"id": "Apache-2.0"}}])
    );
    assert_eq!(
        lic("github.com/hashicorp/terraform-plugin-go"),
        json!([{"expression": "BSD-3-Clause AND MPL-2.0"}])
    );
}

#[test]
fn spdx_23_declared_concluded_and_extracted_texts() {
    let doc = release_doc(Format::Spdx23);
    let pkg = |name: &str| {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    let pair = |name: &str| {
        let p = pkg(name);
        (
            p["licenseDeclared"].as_str().unwrap().to_owned(),
            p["licenseConcluded"].as_str().unwrap().to_owned(),
        )
    };
    let both = |s: &str| (s.to_owned(), s.to_owned());
    assert_eq!(
        pair("github.com/Azure/go-autorest/autorest"),
        both("Apache-2.0")
    );
    assert_eq!(
        pair("github.com/hashicorp/terraform-plugin-go"),
        both("BSD-3-Clause AND MPL-2.0")
    );
    assert_eq!(
        pair("github.com/acme/yaml-fork"),
        both("LicenseRef-tofu-sbom-0123456789abcdef")
    );
    assert_eq!(pair("github.com/docker/docker"), both("NOASSERTION"));
    assert_eq!(pair("stdlib"), both("BSD-3-Clause"));
    // The root: `--license`, like the main module.
    assert_eq!(pair("terraform-provider-demo"), both("MPL-2.0"));
    assert_eq!(
        doc["hasExtractedLicensingInfos"],
        json!([{"licenseId": "LicenseRef-tofu-sbom-0123456789abcdef",
                "extractedText": "Acme internal licence.\nDo what you like.\n", "name": "LICENSE"}])
    );
}

#[test]
fn spdx_301_license_relationships() {
    let doc = release_doc(Format::Spdx301);
    let graph = doc["@graph"].as_array().unwrap();
    let by_id = |id: &str| graph.iter().find(|n| n["spdxId"] == id).unwrap();
    let id_of = |name: &str| {
        graph
            .iter()
            .find(|n| n["type"] == "software_Package" && n["name"] == name)
            .unwrap()["spdxId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let licence = |name: &str, t: &str| -> Option<String> {
        let id = id_of(name);
        let rel = graph.iter().find(|n| {
            n["type"] == "Relationship" && n["from"] == id && n["relationshipType"] == t
        })?;
        let to = rel["to"].as_array().unwrap();
        assert_eq!(to.len(), 1);
        let e = by_id(to[0].as_str().unwrap());
        assert_eq!(e["type"], "simplelicensing_LicenseExpression");
        Some(
            e["simplelicensing_licenseExpression"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };
    for t in ["hasDeclaredLicense", "hasConcludedLicense"] {
        assert_eq!(
            licence("github.com/hashicorp/terraform-plugin-go", t).as_deref(),
            Some("BSD-3-Clause AND MPL-2.0")
        );
        assert_eq!(licence("stdlib", t).as_deref(), Some("BSD-3-Clause"));
        assert_eq!(licence("github.com/docker/docker", t), None);
    }
    // The LicenseRef maps to a SimpleLicensingText holding the text.
    let fork = id_of("github.com/acme/yaml-fork");
    let rel = graph
        .iter()
        .find(|n| n["from"] == fork.as_str() && n["relationshipType"] == "hasConcludedLicense")
        .unwrap();
    let e = by_id(rel["to"][0].as_str().unwrap());
    let entry = &e["simplelicensing_customIdToUri"][0];
    assert_eq!(entry["key"], "LicenseRef-tofu-sbom-0123456789abcdef");
    let text = by_id(entry["value"].as_str().unwrap());
    assert_eq!(text["type"], "simplelicensing_SimpleLicensingText");
    assert_eq!(
        text["simplelicensing_licenseText"],
        "Acme internal licence.\nDo what you like.\n"
    );
    // The module ZIP is a distribution artifact with both digests.
    let rel = graph
        .iter()
        .find(|n| n["from"] == fork.as_str() && n["relationshipType"] == "hasDistributionArtifact")
        .unwrap();
    let file = by_id(rel["to"][0].as_str().unwrap());
    assert_eq!(file["name"], "github.com/acme/yaml-fork@v1.1.0.zip");
    assert_eq!(file["verifiedUsing"].as_array().unwrap().len(), 2);
    let sbom_doc = graph.iter().find(|n| n["type"] == "SpdxDocument").unwrap();
    assert_eq!(
        sbom_doc["profileConformance"],
        json!(["core", "software", "simpleLicensing"])
    );
}

#[test]
fn documents_with_licenses_pass_validators() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = render_all(&sample_release_with_licenses(), &Format::ALL)
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    let report = validate(&files, false);
    assert_eq!(
        report.lines().filter(|l| l.starts_with("OK ")).count(),
        12,
        "{report}"
    );
}

/// Current Trivy reads the licences of our CycloneDX 1.6 (`Packages[].Licenses`).
#[test]
fn trivy_reads_cyclonedx_licenses() {
    let dir = tempfile::tempdir().unwrap();
    let inv = Inventory::for_platform(&sample_release_with_licenses(), 0).unwrap();
    let file = dir.path().join("sbom.cdx.json");
    std::fs::write(&file, sbom::render(&inv, Format::CycloneDx16).unwrap()).unwrap();
    let out = run_trivy(
        crate::support::trivy_command(crate::support::trivy(), &dir.path().join("trivy-cache"))
            .args([
                "sbom",
                "--scanners",
                "license",
                "--list-all-pkgs",
                "--format",
                "json",
                "-q",
            ])
            .arg(&file),
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    let mut got: Vec<(String, Vec<String>)> = Vec::new();
    for r in v["Results"].as_array().into_iter().flatten() {
        for p in r["Packages"].as_array().into_iter().flatten() {
            let lic: Vec<String> = p["Licenses"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| l.as_str().unwrap().to_owned())
                .collect();
            got.push((p["Name"].as_str().unwrap().to_owned(), lic));
        }
    }
    got.sort();
    let s = |n: &str, l: &[&str]| {
        (
            n.to_owned(),
            l.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        got,
        vec![
            // The local-directory replacement: no version, no ZIP, no licence.
            s("example.com/acme/tools", &[]),
            s("github.com/Azure/go-autorest/autorest", &["Apache-2.0"]),
            s("github.com/acme/terraform-provider-demo", &["MPL-2.0"]),
            s(
                "github.com/acme/yaml-fork",
                &["LicenseRef-tofu-sbom-0123456789abcdef"]
            ),
            s("github.com/docker/docker", &[]),
            s(
                "github.com/hashicorp/terraform-plugin-go",
                &["BSD-3-Clause AND MPL-2.0"]
            ),
            s("stdlib", &["BSD-3-Clause"]),
        ]
    );
}
