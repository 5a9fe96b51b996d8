//! Deterministic document identifiers: the CycloneDX `serialNumber`, the SPDX `documentNamespace`, and SPDX element
//! ids.
//!
//! ## Recipe (stable: changing it changes every published SBOM digest)
//! 1. Render the document exactly as it will be written, but with the CycloneDX `serialNumber` left out, or the SPDX
//!    `documentNamespace` set to the empty string: the *canonical bytes*.
//! 2. Hash, as the UUIDv5 *name*, the bytes
//!    ```text
//!    tofu-sbom document id v1\n
//!    format: <format name, e.g. cyclonedx-json@1.6>\n
//!    subject: <zip name> sha256:<hex> sha512:<hex>\n      (one line per ZIP, sorted by name)
//!    \n
//!    <canonical bytes>
//!    ```
//!    under the namespace [`DOCUMENT_ID_NAMESPACE`] = UUIDv5(`NAMESPACE_URL`,
//!    `https://github.com/tofu-sbom/tofu-sbom#sbom-document-id`) = `aa630202-2a46-5d33-ba8b-8016385392e5`.
//! 3. CycloneDX: `serialNumber` = `urn:uuid:<uuid>`. SPDX: `documentNamespace` =
//!    `https://github.com/tofu-sbom/tofu-sbom/spdxdocs/<document name>-<uuid>`.
//!
//! The same content therefore always gets the same id, and any change of content or of a ZIP digest a new one.

use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::inventory::Subject;

/// The UUIDv5 namespace of document ids: UUIDv5(`NAMESPACE_URL`, `https://github.com/tofu-sbom/tofu-sbom#sbom-document-id`).
pub const DOCUMENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0xaa630202_2a46_5d33_ba8b_8016385392e5);

/// The URL prefix of SPDX document namespaces.
pub const SPDX_NAMESPACE_PREFIX: &str = "https://github.com/tofu-sbom/tofu-sbom/spdxdocs/";

/// The UUIDv5 of a document (step 2 of the recipe in the module docs).
pub fn document_uuid(format_name: &str, subjects: &[Subject], canonical: &[u8]) -> Uuid {
    let mut sorted: Vec<&Subject> = subjects.iter().collect();
    sorted.sort();
    let mut name = format!("tofu-sbom document id v1\nformat: {format_name}\n").into_bytes();
    for s in sorted {
        name.extend_from_slice(
            format!(
                "subject: {} sha256:{} sha512:{}\n",
                s.zip_name, s.sha256, s.sha512
            )
            .as_bytes(),
        );
    }
    name.push(b'\n');
    name.extend_from_slice(canonical);
    Uuid::new_v5(&DOCUMENT_ID_NAMESPACE, &name)
}

/// Allocates SPDX element ids `SPDXRef-<Kind>-<16 hex>` from bom-refs: the hex is the start of the SHA-256 of the
/// bom-ref, so ids are stable across runs and independent of document order; a (theoretical) collision gets a
/// `-<n>` suffix.
#[derive(Debug, Default)]
pub(crate) struct SpdxIds {
    used: std::collections::BTreeSet<String>,
}

impl SpdxIds {
    /// The id for `bom_ref` with the given kind prefix (`Application`, `Package`, …).
    pub(crate) fn allocate(&mut self, kind: &str, bom_ref: &str) -> String {
        let digest = Sha256::digest(bom_ref.as_bytes());
        let base = format!("SPDXRef-{kind}-{}", &hex::encode(digest)[..16]);
        let mut id = base.clone();
        let mut n = 2u64;
        while !self.used.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_is_derived_as_documented() {
        assert_eq!(
            Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                b"https://github.com/tofu-sbom/tofu-sbom#sbom-document-id"
            ),
            DOCUMENT_ID_NAMESPACE
        );
    }

    #[test]
    fn uuid_depends_on_format_subjects_and_content_not_subject_order() {
        let a = Subject {
            zip_name: "a.zip".into(),
            sha256: "1".repeat(64),
            sha512: "2".repeat(128),
        };
        let b = Subject {
            zip_name: "b.zip".into(),
            sha256: "3".repeat(64),
            sha512: "4".repeat(128),
        };
        let base = document_uuid("spdx-json@2.3", &[a.clone(), b.clone()], b"{}");
        assert_eq!(
            base,
            document_uuid("spdx-json@2.3", &[b.clone(), a.clone()], b"{}")
        );
        assert_ne!(
            base,
            document_uuid("cyclonedx-json@1.6", &[a.clone(), b.clone()], b"{}")
        );
        assert_ne!(
            base,
            document_uuid("spdx-json@2.3", std::slice::from_ref(&a), b"{}")
        );
        assert_ne!(base, document_uuid("spdx-json@2.3", &[a, b], b"{ }"));
        assert_eq!(base.get_version_num(), 5);
    }

    #[test]
    fn spdx_ids_are_stable_and_unique() {
        let mut ids = SpdxIds::default();
        let first = ids.allocate("Package", "pkg:golang/x@v1");
        assert!(first.starts_with("SPDXRef-Package-"));
        assert_eq!(first.len(), "SPDXRef-Package-".len() + 16);
        assert_eq!(
            first,
            SpdxIds::default().allocate("Package", "pkg:golang/x@v1")
        );
        assert_eq!(
            ids.allocate("Package", "pkg:golang/x@v1"),
            format!("{first}-2")
        );
    }
}
