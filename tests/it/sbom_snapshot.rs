//! Exact-bytes snapshots of every document of the fixed sample release (two platforms + the release-wide one, in
//! CycloneDX 1.6, CycloneDX 1.5, SPDX 2.3 and SPDX 3.0.1), and reproducibility.
//!
//! The golden documents are insta snapshots, `tests/snapshots/<document>.snap` (the document after insta's
//! `---` header), so a difference prints a line diff. Beside each, `tests/snapshots/<document>` holds the same
//! document as plain bytes (the exact-bytes check here, including the trailing newline insta ignores; unit tests in
//! `src/verify` read these files).
//!
//! After an intended output change:
//! 1. `INSTA_UPDATE=always cargo test --test it sbom_snapshot::` rewrites the `.snap` files (or, with `cargo-insta`
//!    installed, `cargo insta test --review -- sbom_snapshot::` to accept them one by one; without `INSTA_UPDATE`,
//!    insta writes `.snap.new` files beside them for `cargo insta review`), then
//! 2. `TOFU_SBOM_UPDATE_SNAPSHOTS=1 cargo test --test it sbom_snapshot::` rewrites the plain documents, and
//! 3. review `git diff tests/snapshots/`.
//!
//! Under `CI=true` insta writes nothing and a difference fails the test (insta's default).

use crate::support::sbom as sbom_support;

use std::path::PathBuf;
use std::process::Command;

use sbom_support::{render_all, sample_release};
use tofu_sbom::inventory::Inventory;
use tofu_sbom::sbom::{self, Format};

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

#[test]
fn snapshot_files_match() {
    let update = std::env::var_os("TOFU_SBOM_UPDATE_SNAPSHOTS").is_some();
    let docs = render_all(&sample_release(), &Format::ALL);
    assert_eq!(docs.len(), 12);
    let mut mismatched = Vec::new();
    for (name, bytes) in &docs {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::with_settings!({
            snapshot_path => snapshot_dir(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name.as_str(), text);
        });
        let path = snapshot_dir().join(name);
        if update {
            std::fs::write(&path, bytes).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if &expected != bytes {
            mismatched.push(name.clone());
        }
    }
    assert!(
        mismatched.is_empty(),
        "rendered documents differ from tests/snapshots/ (TOFU_SBOM_UPDATE_SNAPSHOTS=1 to regenerate): {mismatched:?}"
    );
}

#[test]
fn rendering_twice_is_byte_identical() {
    let first = render_all(&sample_release(), &Format::ALL);
    let second = render_all(&sample_release(), &Format::ALL);
    assert_eq!(first, second);
    for (name, bytes) in &first {
        assert!(
            bytes.ends_with(b"}\n") && !bytes.ends_with(b"\n\n"),
            "{name}: one trailing newline"
        );
    }
}

#[test]
fn the_same_instant_in_another_offset_renders_identically() {
    let mut shifted = sample_release();
    shifted.timestamp = shifted.timestamp.to_offset(time::macros::offset!(+05:45));
    assert_eq!(
        render_all(&sample_release(), &Format::ALL),
        render_all(&shifted, &Format::ALL)
    );
}

/// Runs the snapshot test again in a child process with unusual `TZ` values: the committed snapshots must still
/// match, so the local time zone cannot influence the output.
#[test]
fn time_zone_is_irrelevant() {
    let exe = std::env::current_exe().expect("current exe");
    for tz in ["Pacific/Chatham", "America/St_Johns", "UTC"] {
        let out = Command::new(&exe)
            .args([
                "--exact",
                "sbom_snapshot::snapshot_files_match",
                "--test-threads=1",
            ])
            .env("TZ", tz)
            .env_remove("TOFU_SBOM_UPDATE_SNAPSHOTS")
            .env("INSTA_UPDATE", "no")
            .output()
            .expect("run self");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "TZ={tz}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("1 passed"), "TZ={tz}: {stdout}");
    }
}

#[test]
fn content_changes_change_the_serial_and_namespace() {
    let input = sample_release();
    let inv = Inventory::for_platform(&input, 0).unwrap();
    let mut other_input = sample_release();
    other_input.platforms[0].zip_sha512 = "0".repeat(128);
    let other = Inventory::for_platform(&other_input, 0).unwrap();
    for format in Format::ALL {
        let a = sbom::read(&sbom::render(&inv, format).unwrap(), &Default::default()).unwrap();
        let b = sbom::read(&sbom::render(&other, format).unwrap(), &Default::default()).unwrap();
        assert_eq!(a.packages, b.packages, "{format}");
    }
    let serial = |bytes: &[u8]| -> String {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        // SPDX 3: the namespace is the part of the document's spdxId before `#`.
        let spdx3 = v["@graph"]
            .as_array()
            .and_then(|g| g.iter().find(|n| n["type"] == "SpdxDocument"))
            .map(|d| &d["spdxId"]);
        v.get("serialNumber")
            .or_else(|| v.get("documentNamespace"))
            .or(spdx3)
            .unwrap()
            .as_str()
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .to_owned()
    };
    for format in Format::ALL {
        let a = serial(&sbom::render(&inv, format).unwrap());
        let b = serial(&sbom::render(&other, format).unwrap());
        assert_ne!(a, b, "{format}");
    }
}
