//! Unit tests of the reader: detection, package lists, ZIP claims (on this tool's snapshot documents).

use super::*;

fn pkg(name: &str, version: Option<&str>, purl: Option<&str>) -> PackageId {
    PackageId {
        name: name.into(),
        version: version.map(Into::into),
        purl: purl.map(Into::into),
    }
}

#[test]
fn reads_cyclonedx_with_nested_components() {
    let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"timestamp":"2024-01-02T03:04:05Z",
        "component":{"type":"application","name":"root"}},
        "components":[{"type":"library","name":"a","version":"v1","purl":"pkg:golang/a@v1",
          "components":[{"type":"library","name":"b"}]}]}"#;
    let s = read(doc, &Limits::default()).unwrap();
    assert_eq!(s.kind, SbomKind::CycloneDx);
    assert_eq!(s.spec_version, "1.5");
    assert_eq!(s.format(), Some(Format::CycloneDx15));
    assert_eq!(
        s.timestamp,
        Some(time::macros::datetime!(2024-01-02 03:04:05 UTC))
    );
    assert_eq!(
        s.packages,
        BTreeSet::from([
            pkg("root", None, None),
            pkg("a", Some("v1"), Some("pkg:golang/a@v1")),
            pkg("b", None, None)
        ])
    );
}

#[test]
fn reads_spdx_purl_from_package_manager_ref_only() {
    let doc = br#"{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3","creationInfo":{"created":"2024-01-02T03:04:05Z"},
        "packages":[{"name":"x","versionInfo":"1","externalRefs":[
          {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:x"},
          {"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:golang/x@1"}]}]}"#;
    let s = read(doc, &Limits::default()).unwrap();
    assert_eq!(s.kind, SbomKind::Spdx);
    assert_eq!(s.spec_version, "SPDX-2.3");
    assert_eq!(s.describe(), "SPDX-2.3");
    assert_eq!(
        s.packages,
        BTreeSet::from([pkg("x", Some("1"), Some("pkg:golang/x@1"))])
    );
}

#[test]
fn rejects_other_documents() {
    let limits = Limits::default();
    assert!(matches!(
        read(br#"{"bomFormat":"cyclonedx"}"#, &limits),
        Err(ReadError::UnknownFormat)
    ));
    assert!(matches!(
        read(br#"{"SPDXID":"SPDXRef-X"}"#, &limits),
        Err(ReadError::UnknownFormat)
    ));
    assert!(matches!(
        read(b"[1,2]", &limits),
        Err(ReadError::Json { .. })
    ));
    let err = read(
        br#"{"bomFormat":"CycloneDX","metadata":{"timestamp":"yesterday"}}"#,
        &limits,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "SBOM timestamp \"yesterday\" is not an RFC 3339 date-time"
    );
    let small = Limits {
        max_sbom_bytes: 4,
        ..Limits::default()
    };
    // Exactly at the limit: read (and found to be neither format).
    assert_eq!(
        read(b"{ } ", &small).unwrap_err().to_string(),
        "not a CycloneDX JSON (top-level \"bomFormat\": \"CycloneDX\"), SPDX JSON (top-level \"SPDXID\": \
         \"SPDXRef-DOCUMENT\") or SPDX 3 JSON-LD (top-level \"@context\": \
         \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\" and \"@graph\") document"
    );
    assert_eq!(
        read(b"{  } ", &small).unwrap_err().to_string(),
        "SBOM document is 5 bytes, over the limit of 4 bytes"
    );
}

fn snapshot(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/snapshots/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const LINUX: &str = "6f8388c0b3f46ae2324babcaa3bfa4af106ff91fe1d1c6d5e363b49dcb427343";
const WINDOWS: &str = "23aee9ac77254f204bfc053845f45dbdda0b1dc495acc2e1e0c0c5df4a7b9b06";

#[test]
fn per_platform_documents() {
    let mut h1s = Vec::new();
    for (file, kind) in [
        (
            "terraform-provider-demo_1.2.3_linux_amd64.cdx.json",
            SbomKind::CycloneDx,
        ),
        (
            "terraform-provider-demo_1.2.3_linux_amd64.spdx.json",
            SbomKind::Spdx,
        ),
        (
            "terraform-provider-demo_1.2.3_linux_amd64.spdx3.json",
            SbomKind::Spdx3,
        ),
    ] {
        let c = zip_claims(&snapshot(file), kind).unwrap();
        assert_eq!(c.root_sha256, vec![LINUX.to_owned()], "{file}");
        assert_eq!(
            c.lock_zh.as_deref(),
            Some(format!("zh:{LINUX}").as_str()),
            "{file}"
        );
        assert!(
            c.lock_h1
                .as_deref()
                .is_some_and(|h| h.starts_with("h1:") && h.len() == 47),
            "{file}: {:?}",
            c.lock_h1
        );
        h1s.push(c.lock_h1.clone());
        assert_eq!(
            c.distributions,
            vec![ZipClaim {
                file_name: "terraform-provider-demo_1.2.3_linux_amd64.zip".into(),
                sha256: LINUX.into()
            }],
            "{file}"
        );
    }
    h1s.dedup();
    assert_eq!(h1s.len(), 1, "every format records the same h1: {h1s:?}");
}

#[test]
fn release_documents() {
    for (file, kind) in [
        (
            "terraform-provider-demo_1.2.3.cdx.json",
            SbomKind::CycloneDx,
        ),
        ("terraform-provider-demo_1.2.3.spdx.json", SbomKind::Spdx),
        ("terraform-provider-demo_1.2.3.spdx3.json", SbomKind::Spdx3),
    ] {
        let c = zip_claims(&snapshot(file), kind).unwrap();
        assert_eq!(c.root_sha256, Vec::<String>::new(), "{file}");
        assert_eq!(c.lock_zh, None);
        let mut d: Vec<(String, String)> = c
            .distributions
            .into_iter()
            .map(|z| (z.file_name, z.sha256))
            .collect();
        d.sort();
        assert_eq!(
            d,
            vec![
                (
                    "terraform-provider-demo_1.2.3_linux_amd64.zip".into(),
                    LINUX.into()
                ),
                (
                    "terraform-provider-demo_1.2.3_windows_arm64.zip".into(),
                    WINDOWS.into()
                )
            ],
            "{file}"
        );
    }
}

#[test]
fn foreign_and_broken_documents() {
    assert_eq!(
        zip_claims(br#"{"bomFormat":"CycloneDX"}"#, SbomKind::CycloneDx).unwrap(),
        ZipClaims::default()
    );
    assert_eq!(
        zip_claims(
            br#"{"SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"x"}]}"#,
            SbomKind::Spdx
        )
        .unwrap(),
        ZipClaims::default()
    );
    assert_eq!(
        zip_claims(
            br#"{"metadata":{"component":{"hashes":3}}}"#,
            SbomKind::CycloneDx
        )
        .unwrap_err()
        .to_string(),
        "SBOM document is not valid JSON of the expected shape: invalid type: integer `3`, expected a sequence at \
         line 1 column 36"
    );
}

#[test]
fn spdx_roots_by_relationship_then_document_describes() {
    let doc = Document::parse(
        br#"{"SPDXID":"SPDXRef-DOCUMENT","documentDescribes":["SPDXRef-b"],
            "relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-a"}],
            "packages":[{"SPDXID":"SPDXRef-b","name":"b"},{"SPDXID":"SPDXRef-a","name":"a"}]}"#,
    )
    .unwrap();
    assert_eq!(doc.spdx_roots(), vec!["SPDXRef-a", "SPDXRef-b"]);
    assert_eq!(doc.spdx_root_package().map(|(i, _)| i), Some(1));
}

#[test]
fn reads_spdx3_documents_like_their_spdx2_twins() {
    for stem in [
        "terraform-provider-demo_1.2.3_linux_amd64",
        "terraform-provider-demo_1.2.3",
    ] {
        let three = read(&snapshot(&format!("{stem}.spdx3.json")), &Limits::default()).unwrap();
        let two = read(&snapshot(&format!("{stem}.spdx.json")), &Limits::default()).unwrap();
        assert_eq!(three.kind, SbomKind::Spdx3);
        assert_eq!(three.spec_version, "3.0.1");
        assert_eq!(three.format(), Some(Format::Spdx301));
        assert_eq!(three.describe(), "SPDX 3.0.1");
        assert_eq!(three.timestamp, two.timestamp, "{stem}");
        assert_eq!(three.packages, two.packages, "{stem}");
        let doc = Document::parse(&snapshot(&format!("{stem}.spdx3.json"))).unwrap();
        assert_eq!(
            doc.spdx3_tool("tofu-sbom"),
            Document::parse(&snapshot(&format!("{stem}.spdx.json")))
                .unwrap()
                .spdx_tool("tofu-sbom"),
            "{stem}"
        );
    }
}

#[test]
fn spdx3_detection_and_lenient_shapes() {
    // Another tool's SPDX 3: an inline creationInfo, a single `to` instead of a list, a context list.
    let doc = br#"{"@context":["https://spdx.org/rdf/3.0.1/spdx-context.jsonld"],"@graph":[
        {"type":"SpdxDocument","spdxId":"urn:d","creationInfo":{"type":"CreationInfo","specVersion":"3.0.1",
          "created":"2024-01-02T03:04:05Z","createdBy":"urn:a"},"rootElement":"urn:p"},
        {"type":"software_Package","spdxId":"urn:p","name":"p","software_packageVersion":"1",
          "verifiedUsing":[{"type":"Hash","algorithm":"sha256","hashValue":"AB"}]},
        {"type":"software_File","spdxId":"urn:f","name":"p.zip",
          "verifiedUsing":[{"type":"Hash","algorithm":"sha256","hashValue":"cd"}]},
        {"type":"Relationship","spdxId":"urn:r","from":"urn:p","relationshipType":"hasDistributionArtifact","to":"urn:f"}]}"#;
    let s = read(doc, &Limits::default()).unwrap();
    assert_eq!(
        (s.kind, s.spec_version.as_str()),
        (SbomKind::Spdx3, "3.0.1")
    );
    assert_eq!(s.packages, BTreeSet::from([pkg("p", Some("1"), None)]));
    assert_eq!(
        zip_claims(doc, SbomKind::Spdx3).unwrap(),
        ZipClaims {
            root_sha256: vec!["ab".into()],
            lock_zh: None,
            lock_h1: None,
            distributions: vec![ZipClaim {
                file_name: "p.zip".into(),
                sha256: "cd".into()
            }],
        }
    );
    // An SPDX 2 context or no graph is not SPDX 3.
    assert!(matches!(
        read(
            br#"{"@context":"https://spdx.org/rdf/2.3/x.jsonld","@graph":[]}"#,
            &Limits::default()
        ),
        Err(ReadError::UnknownFormat)
    ));
    assert!(matches!(
        read(
            br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#,
            &Limits::default()
        ),
        Err(ReadError::UnknownFormat)
    ));
}
