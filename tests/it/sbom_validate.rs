//! Every rendered document passes the official validators: CycloneDX 1.6 and 1.5 with cyclonedx-python-lib's
//! `JsonStrictValidator`, SPDX 2.3 with `pyspdxtools -i` and the NTIA minimum-elements check of
//! `ntia-conformance-checker` (via `scripts/validate_sbom.py`; tools located as described in
//! `tests/it/support/sbom.rs`).

use crate::support::sbom as sbom_support;

use std::path::PathBuf;
use std::process::Command;

use sbom_support::{python_tools, render_all, sample_release, validate};
use tofu_sbom::sbom::Format;

fn write_all(dir: &std::path::Path, docs: &[(String, Vec<u8>)]) -> Vec<PathBuf> {
    docs.iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write");
            path
        })
        .collect()
}

/// The sample release without its local-directory replacement: every element NTIA asks for is known.
fn sample_without_local_replace() -> tofu_sbom::inventory::ReleaseInput {
    let mut input = sample_release();
    for p in &mut input.platforms {
        p.buildinfo
            .deps
            .retain(|d| d.path != "example.com/acme/tools");
    }
    input
}

#[test]
fn all_documents_pass_schema_and_spdx_validation() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), &render_all(&sample_release(), &Format::ALL));
    let report = validate(&files, false);
    assert_eq!(
        report.lines().filter(|l| l.starts_with("OK ")).count(),
        12,
        "{report}"
    );
    assert_eq!(
        report
            .matches("(CycloneDX 1.6 JsonStrictValidator)")
            .count(),
        3,
        "{report}"
    );
    assert_eq!(
        report
            .matches("(CycloneDX 1.5 JsonStrictValidator)")
            .count(),
        3,
        "{report}"
    );
    assert_eq!(report.matches("(pyspdxtools)").count(), 3, "{report}");
    assert_eq!(
        report
            .matches("(spdx-python-model v3_0_1 round trip)")
            .count(),
        3,
        "{report}"
    );
}

#[test]
fn spdx_documents_meet_ntia_minimum_elements() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(
        dir.path(),
        &render_all(
            &sample_without_local_replace(),
            &[Format::Spdx23, Format::Spdx301],
        ),
    );
    let report = validate(&files, true);
    assert_eq!(
        report.matches("(pyspdxtools + ntia-checker)").count(),
        3,
        "{report}"
    );
    assert_eq!(
        report
            .matches("(spdx-python-model v3_0_1 round trip + ntia-checker)")
            .count(),
        3,
        "{report}"
    );
}

/// A module replaced by a local directory has no version, and the NTIA checker says so (and nothing else), in SPDX
/// 2.3 and in SPDX 3.0.1 (where it also finds the SBOM generation context it asks for: no conformance issue).
#[test]
fn ntia_reports_exactly_the_unversioned_local_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let docs = render_all(&sample_release(), &[Format::Spdx23, Format::Spdx301]);
    let files = write_all(dir.path(), &docs[..2]);
    for (file, spec) in files.iter().zip(["spdx2", "spdx3"]) {
        let out = Command::new(python_tools().join("ntia-checker"))
            .args(["--sbom-spec", spec, "--comply", "ntia", "-v"])
            .arg(file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{spec}: {text}");
        let failing: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_end().ends_with("| False"))
            .collect();
        assert_eq!(failing.len(), 1, "{spec}: {text}");
        assert!(
            failing[0].starts_with("All component versions provided?"),
            "{spec}: {text}"
        );
        assert!(
            text.contains("version (1): example.com/acme/tools"),
            "{spec}: {text}"
        );
        assert!(!text.contains("conformance issues"), "{spec}: {text}");
    }
}

#[test]
fn validator_script_rejects_a_broken_document() {
    let dir = tempfile::tempdir().unwrap();
    let docs = render_all(
        &sample_release(),
        &[Format::CycloneDx16, Format::Spdx23, Format::Spdx301],
    );
    let cdx = String::from_utf8(docs[0].1.clone())
        .unwrap()
        .replace("\"SHA-256\"", "\"SHA256\"");
    let spdx = String::from_utf8(docs[1].1.clone())
        .unwrap()
        .replace("\"SPDX-2.3\"", "\"SPDX-2.3\",\"bogus\":1")
        .replace(
            "\"created\": \"2024-03-04T05:06:07Z\"",
            "\"created\": \"2024-03-04 05:06:07\"",
        );
    // SPDX 3: a relationship type the vocabulary does not have, and a CreationInfo without `created`.
    let spdx3 = String::from_utf8(docs[2].1.clone()).unwrap().replacen(
        "\"relationshipType\": \"dependsOn\"",
        "\"relationshipType\": \"needs\"",
        1,
    );
    let spdx3_undated = String::from_utf8(docs[2].1.clone())
        .unwrap()
        .replace("\"created\": \"2024-03-04T05:06:07Z\",", "");
    let files = write_all(
        dir.path(),
        &[
            ("bad.cdx.json".into(), cdx.into_bytes()),
            ("bad.spdx.json".into(), spdx.into_bytes()),
            ("bad.spdx3.json".into(), spdx3.into_bytes()),
            ("undated.spdx3.json".into(), spdx3_undated.into_bytes()),
        ],
    );
    let python = python_tools().join("python");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/validate_sbom.py");
    let out = Command::new(python)
        .arg(script)
        .arg("--no-ntia")
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("FAIL ")).count(),
        4,
        "{text}"
    );
    assert!(
        text.contains(
            "bad.spdx3.json: spdx-python-model v3_0_1: ValueError: 'needs' is not a valid value."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "undated.spdx3.json: spdx-python-model v3_0_1: ValueError: Property 'created' in CreationInfo"
        ),
        "{text}"
    );
}
