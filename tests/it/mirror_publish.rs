//! The SBOMs of a mirrored release come from the one generate pipeline: `SbomOptions::release_signature` yields,
//! byte for byte, what `mirror` wrote before it had that field — the inventories of `generate::documents` with the
//! signature properties appended to the root component, sorted and deduplicated (the removed
//! `mirror::publish::documents_with_properties`, kept here as the oracle).

use std::path::PathBuf;

use tofu_sbom::archive::ProviderAddress;
use tofu_sbom::archive::release::Release;
use tofu_sbom::generate::{self, SbomOptions, TimestampPolicy};
use tofu_sbom::inventory::{
    Inventory, PROP_RELEASE_SIGNATURE, PROP_RELEASE_SIGNING_KEY, Property, ReleaseInput,
    ReleaseSignature, ToolInfo,
};
use tofu_sbom::limits::Limits;
use tofu_sbom::sbom::{self, Format};

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sample-release")
}

fn options(signature: Option<ReleaseSignature>) -> SbomOptions {
    SbomOptions {
        address: Some(ProviderAddress::parse("registry.example/acme/sample").unwrap()),
        supplier: None,
        authors: Vec::new(),
        timestamp: TimestampPolicy::NewestZipEntry,
        tool: ToolInfo::default(),
        release_signature: signature,
        licenses: None,
        license_config: None,
    }
}

/// The former mirror-side copy: every inventory with `extra` added to the root's properties, then sorted and
/// deduplicated; rendered per platform, then release-wide, in `formats` order.
fn oracle(input: &ReleaseInput, formats: &[Format], extra: &[Property]) -> Vec<Vec<u8>> {
    let decorate = |mut inv: Inventory| {
        inv.root.properties.extend(extra.iter().cloned());
        inv.root.properties.sort();
        inv.root.properties.dedup();
        inv
    };
    let mut out = Vec::new();
    for i in 0..input.platforms.len() {
        let inv = decorate(Inventory::for_platform(input, i).unwrap());
        for &f in formats {
            out.push(sbom::render(&inv, f).unwrap());
        }
    }
    let inv = decorate(Inventory::for_release(input).unwrap());
    for &f in formats {
        out.push(sbom::render(&inv, f).unwrap());
    }
    out
}

#[test]
fn the_release_signature_field_renders_what_the_mirror_copy_rendered() {
    let limits = Limits::default();
    let mut release = Release::from_dir(&sample_dir(), &limits).unwrap();
    let scanned = generate::scan(&mut release, &limits).unwrap();
    let formats = Format::ALL;
    let fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    let cases = [
        (
            ReleaseSignature::Verified {
                fingerprint: fingerprint.into(),
            },
            vec![
                Property {
                    name: PROP_RELEASE_SIGNATURE.into(),
                    value: "verified".into(),
                },
                Property {
                    name: PROP_RELEASE_SIGNING_KEY.into(),
                    value: fingerprint.into(),
                },
            ],
        ),
        (
            ReleaseSignature::Unverified,
            vec![Property {
                name: PROP_RELEASE_SIGNATURE.into(),
                value: "unverified".into(),
            }],
        ),
    ];
    for (signature, extra) in cases {
        assert_eq!(signature.properties(), extra);
        let input = generate::release_input(&scanned, &options(Some(signature.clone())));
        let docs = generate::documents(&input, &formats).unwrap();
        // 3 platforms + release-wide, every format each.
        assert_eq!(docs.len(), 4 * Format::ALL.len());
        let plain = generate::release_input(&scanned, &options(None));
        let expected = oracle(&plain, &formats, &extra);
        for (d, e) in docs.iter().zip(&expected) {
            assert!(
                d.bytes == *e,
                "{signature:?}: {} differs from the former mirror rendering",
                d.file_name
            );
        }
        // The properties are really there (CycloneDX property, SPDX annotation of the root package).
        let cdx = String::from_utf8(docs[0].bytes.clone()).unwrap();
        let spdx = String::from_utf8(docs[2].bytes.clone()).unwrap();
        assert_eq!(docs[2].format, Format::Spdx23);
        for p in &extra {
            assert!(
                cdx.contains(&format!(
                    "\"name\": \"{}\",\n          \"value\": \"{}\"",
                    p.name, p.value
                )),
                "{cdx}"
            );
            assert!(
                spdx.contains(&format!("\"comment\": \"{}: {}\"", p.name, p.value)),
                "{spdx}"
            );
        }
    }
    // Without a signature nothing is recorded: generate/publish output is unchanged.
    let input = generate::release_input(&scanned, &options(None));
    for d in generate::documents(&input, &formats).unwrap() {
        let text = String::from_utf8(d.bytes).unwrap();
        assert!(!text.contains("tofu-sbom:release:signature\""), "{text}");
        assert!(!text.contains("tofu-sbom:release:signing-key"), "{text}");
    }
}

#[test]
fn a_release_signature_reads_back_only_in_the_forms_written() {
    let ok = |s: Option<&str>, k: Option<&str>| {
        ReleaseSignature::from_properties(s, k).map_err(|e| e.to_string())
    };
    assert_eq!(ok(None, None), Ok(None));
    assert_eq!(
        ok(Some("verified"), Some("ABCD")),
        Ok(Some(ReleaseSignature::Verified {
            fingerprint: "ABCD".into()
        }))
    );
    assert_eq!(
        ok(Some("unverified"), None),
        Ok(Some(ReleaseSignature::Unverified))
    );
    assert_eq!(
        ok(Some("verified"), None),
        Err(
            "tofu-sbom:release:signature = \"verified\" without tofu-sbom:release:signing-key"
                .into()
        )
    );
    assert_eq!(
        ok(Some("unverified"), Some("ABCD")),
        Err(
            "tofu-sbom:release:signature = \"unverified\" with tofu-sbom:release:signing-key = \"ABCD\""
                .into()
        )
    );
    assert_eq!(
        ok(Some("maybe"), None),
        Err(
            "tofu-sbom:release:signature = \"maybe\" (expected \"verified\" or \"unverified\")"
                .into()
        )
    );
    assert_eq!(
        ok(None, Some("ABCD")),
        Err("tofu-sbom:release:signing-key = \"ABCD\" without tofu-sbom:release:signature".into())
    );
}
