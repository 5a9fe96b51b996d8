//! Unit tests of the rules on small hand-written documents (the corpus against real tools is tests/it/lint_profiles.rs).

use serde_json::json;

use super::*;

fn codes(doc: serde_json::Value, profile: Profile) -> Vec<(String, String)> {
    lint(
        &serde_json::to_vec(&doc).unwrap(),
        profile,
        &Limits::default(),
    )
    .unwrap()
    .findings
    .into_iter()
    .map(|f| (f.code.as_str().to_owned(), f.path))
    .collect()
}

fn s(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

#[test]
fn profiles_parse_and_print() {
    for p in Profile::ALL {
        assert_eq!(p.name().parse::<Profile>().unwrap(), p);
    }
    assert_eq!(
        "bsi".parse::<Profile>().unwrap_err().to_string(),
        "unknown SBOM profile \"bsi\": expected ntia, bsi-2.1 or cisa-2025"
    );
}

#[test]
fn pointers_escape_tokens() {
    assert_eq!(pointer("/a", &["b/c", "d~e"]), "/a/b~1c/d~0e");
}

#[test]
fn cyclonedx_bsi_flags_and_filename() {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "metadata": {"timestamp": "2024-01-02T03:04:05Z", "authors": [{"name": "J", "email": "j@example.com"}],
            "component": {"bom-ref": "r", "name": "root", "version": "1",
                "manufacturer": {"name": "A", "url": ["https://a.example"]},
                "hashes": [{"alg": "SHA-512", "content": "00"}],
                "licenses": [{"license": {"id": "MIT"}}],
                "properties": [
                    {"name": "bsi:component:executable", "value": "yes"},
                    {"name": "bsi:component:archive", "value": "archive"},
                    {"name": "bsi:component:archive", "value": "archive"},
                    {"name": "bsi:component:filename", "value": "dir/root.zip"}]}},
        "dependencies": [{"ref": "r", "dependsOn": []}],
        "compositions": [{"aggregate": "complete"}]
    });
    assert_eq!(
        codes(doc, Profile::Bsi21),
        vec![
            s(
                "component-filename",
                "/metadata/component/properties/3/value"
            ),
            s(
                "component-executable",
                "/metadata/component/properties/0/value"
            ),
            s("component-archive", "/metadata/component/properties/2"),
            s("component-structured", "/metadata/component/properties"),
        ]
    );
}

#[test]
fn cyclonedx_completeness_names_the_uncovered_dependency() {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "r", "name": "root"}},
        "dependencies": [{"ref": "r", "dependsOn": ["x"]}, {"ref": "x", "dependsOn": ["y"]}],
        "compositions": [{"aggregate": "complete", "dependencies": ["r"]}]
    });
    let f = codes(doc, Profile::Bsi21);
    assert!(
        f.contains(&s("dependency-completeness", "/dependencies/1")),
        "{f:?}"
    );
}

#[test]
fn unreadable_documents_are_errors() {
    let l = Limits::default();
    assert!(matches!(
        lint(b"[", Profile::Ntia, &l),
        Err(LintError::Json { .. })
    ));
    assert!(matches!(
        lint(b"{}", Profile::Ntia, &l),
        Err(LintError::UnknownFormat)
    ));
    let small = Limits {
        max_sbom_bytes: 1,
        ..Limits::default()
    };
    assert!(matches!(
        lint(b"{}", Profile::Ntia, &small),
        Err(LintError::TooLarge { size: 2, limit: 1 })
    ));
}

#[test]
fn spdx3_without_document_or_root() {
    let doc = json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []});
    let f = codes(doc, Profile::Ntia);
    assert_eq!(f[0], s("spdx-document", "/@graph"));
    assert!(f.contains(&s("no-root", "/@graph/rootElement")), "{f:?}");
}
