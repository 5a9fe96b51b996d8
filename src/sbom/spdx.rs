//! SPDX 2.3 JSON: spec-shaped serde structs (`spdx-schema.json` of SPDX 2.3) and the conversion from the inventory.
//!
//! Trivy-relevant choices (SPEC §4.5): `SPDXRef-DOCUMENT DESCRIBES` the provider; binaries have SPDX ids starting
//! with `SPDXRef-Application-` (Trivy's type detection) and the annotation `Type: gobinary` (Trivy reads properties
//! from annotation comments `"Key: Value"`, with its `aquasecurity:trivy:` prefix stripped, as its own SPDX writer
//! does); purls go in `externalRefs` as `PACKAGE-MANAGER`/`purl`, the stdlib CPE as `SECURITY`/`cpe23Type`, the
//! OmniBOR Artifact ID of the provider's ZIP and of each executable as `PERSISTENT-ID`/`gitoid`. Edges:
//! provider `CONTAINS` binary (the ZIP holds the executable), binary `DEPENDS_ON` main module `DEPENDS_ON` modules +
//! stdlib, and additionally binary `CONTAINS` every module and stdlib below it (see `document`).
//!
//! Licences: `licenseConcluded` / `licenseDeclared` are the component's expressions when resolved
//! ([`inventory::Licensing`]), else `NOASSERTION` (always so with `--licenses off`, as before licences existed); the
//! text of every `LicenseRef-…` they use is in the document's `hasExtractedLicensingInfos` (once per id).

use serde::Serialize;

use super::{Format, SbomError, format_timestamp, ids, to_pretty_json};
use crate::inventory::{self, AuthorKind, ComponentKind, HashAlgorithm, Inventory};

const SPDX_VERSION: &str = "SPDX-2.3";
const DATA_LICENSE: &str = "CC0-1.0";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
const NOASSERTION: &str = "NOASSERTION";
/// Property names with this prefix are written without it (Trivy's SPDX convention).
const TRIVY_PREFIX: &str = "aquasecurity:trivy:";
/// Annotation comment key of a release ZIP with its digests (`<name> sha256:<hex> sha512:<hex>`).
const DISTRIBUTION_KEY: &str = "tofu-sbom:distribution";

/// The document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicensingInfo>,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
}

/// `hasExtractedLicensingInfos[]`: the text of a `LicenseRef-…`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicensingInfo {
    license_id: String,
    extracted_text: String,
    name: String,
}

/// `creationInfo`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    creators: Vec<String>,
    created: String,
}

/// A package.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_file_name: Option<String>,
    supplier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator: Option<String>,
    download_location: String,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    license_concluded: String,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: PackagePurpose,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

/// `checksums[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: ChecksumAlgorithm,
    checksum_value: String,
}

/// Checksum algorithms we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum ChecksumAlgorithm {
    Sha256,
    Sha512,
}

/// `externalRefs[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: ReferenceCategory,
    reference_type: ReferenceType,
    reference_locator: String,
}

/// Reference categories we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
enum ReferenceCategory {
    PackageManager,
    Security,
    /// Annex F.4 (SPDX 2.3): `swh` and `gitoid`.
    PersistentId,
}

/// Reference types we emit.
#[derive(Debug, Clone, Copy, Serialize)]
enum ReferenceType {
    #[serde(rename = "purl")]
    Purl,
    #[serde(rename = "cpe23Type")]
    Cpe23,
    /// The OmniBOR Artifact ID, `gitoid:blob:sha256:<hex>` (annex F.4).
    #[serde(rename = "gitoid")]
    Gitoid,
}

/// `primaryPackagePurpose` values we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum PackagePurpose {
    Application,
    Library,
}

/// `annotations[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    annotator: String,
    annotation_date: String,
    annotation_type: AnnotationType,
    comment: String,
}

/// Annotation types we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum AnnotationType {
    Other,
}

/// `relationships[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    related_spdx_element: String,
    relationship_type: RelationshipType,
}

/// Relationship types we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RelationshipType {
    Describes,
    Contains,
    DependsOn,
}

/// A licence expression of `c`, else `NOASSERTION`.
fn expression(
    c: &inventory::Component,
    pick: impl Fn(&inventory::Licensing) -> Option<&inventory::License>,
) -> String {
    c.licensing
        .as_ref()
        .and_then(pick)
        .map_or_else(|| NOASSERTION.to_owned(), |l| l.expression.clone())
}

/// The texts of every `LicenseRef-…` used in the inventory, once per id, sorted by id.
fn extracted_licensing_infos(inv: &Inventory) -> Vec<ExtractedLicensingInfo> {
    let mut texts = std::collections::BTreeMap::new();
    for c in std::iter::once(&inv.root).chain(&inv.components) {
        let Some(l) = &c.licensing else { continue };
        for t in l.declared.iter().chain(&l.concluded).flat_map(|l| &l.texts) {
            texts.entry(t.id.clone()).or_insert_with(|| t.clone());
        }
    }
    texts
        .into_values()
        .map(|t| ExtractedLicensingInfo {
            license_id: t.id,
            extracted_text: t.text,
            name: t.name,
        })
        .collect()
}

fn organization(name: &Option<String>) -> Option<String> {
    name.as_ref().map(|n| format!("Organization: {n}"))
}

fn creator(a: &inventory::Author) -> String {
    let kind = match a.kind {
        AuthorKind::Person => "Person",
        AuthorKind::Organization => "Organization",
    };
    match &a.email {
        Some(email) => format!("{kind}: {} ({email})", a.name),
        None => format!("{kind}: {}", a.name),
    }
}

struct Ctx {
    annotator: String,
    date: String,
    ids: ids::SpdxIds,
    by_ref: std::collections::BTreeMap<String, String>,
}

impl Ctx {
    fn annotation(&self, comment: String) -> Annotation {
        Annotation {
            annotator: self.annotator.clone(),
            annotation_date: self.date.clone(),
            annotation_type: AnnotationType::Other,
            comment,
        }
    }

    fn package(&mut self, c: &inventory::Component) -> Package {
        let kind = match c.kind {
            ComponentKind::Provider => "Provider",
            ComponentKind::Binary => "Application",
            ComponentKind::MainModule | ComponentKind::Module | ComponentKind::Stdlib => "Package",
        };
        let spdx_id = self.ids.allocate(kind, &c.bom_ref);
        self.by_ref.insert(c.bom_ref.clone(), spdx_id.clone());
        let mut external_refs = Vec::new();
        if let Some(purl) = &c.purl {
            external_refs.push(ExternalRef {
                reference_category: ReferenceCategory::PackageManager,
                reference_type: ReferenceType::Purl,
                reference_locator: purl.clone(),
            });
        }
        if let Some(cpe) = &c.cpe {
            external_refs.push(ExternalRef {
                reference_category: ReferenceCategory::Security,
                reference_type: ReferenceType::Cpe23,
                reference_locator: cpe.clone(),
            });
        }
        for id in &c.omnibor_ids {
            external_refs.push(ExternalRef {
                reference_category: ReferenceCategory::PersistentId,
                reference_type: ReferenceType::Gitoid,
                reference_locator: id.clone(),
            });
        }
        let mut annotations: Vec<Annotation> = c
            .properties
            .iter()
            .map(|p| {
                let key = p.name.strip_prefix(TRIVY_PREFIX).unwrap_or(&p.name);
                self.annotation(format!("{key}: {}", p.value))
            })
            .collect();
        for d in &c.distributions {
            let digests: Vec<String> = d
                .hashes
                .iter()
                .map(|h| match h.algorithm {
                    HashAlgorithm::Sha256 => format!("sha256:{}", h.hex),
                    HashAlgorithm::Sha512 => format!("sha512:{}", h.hex),
                })
                .collect();
            annotations.push(self.annotation(format!(
                "{DISTRIBUTION_KEY}: {} {}",
                d.file_name,
                digests.join(" ")
            )));
        }
        annotations.sort_by(|a, b| a.comment.cmp(&b.comment));
        let is_module = matches!(c.kind, ComponentKind::Module | ComponentKind::Stdlib);
        Package {
            name: c.name.clone(),
            spdx_id,
            version_info: c.version.clone(),
            package_file_name: c.file_name.clone(),
            supplier: organization(&c.supplier).unwrap_or_else(|| NOASSERTION.to_owned()),
            originator: if is_module {
                organization(&c.supplier)
            } else {
                None
            },
            download_location: c
                .download_location
                .clone()
                .unwrap_or_else(|| NOASSERTION.to_owned()),
            files_analyzed: false,
            checksums: c
                .hashes
                .iter()
                .map(|h| Checksum {
                    algorithm: match h.algorithm {
                        HashAlgorithm::Sha256 => ChecksumAlgorithm::Sha256,
                        HashAlgorithm::Sha512 => ChecksumAlgorithm::Sha512,
                    },
                    checksum_value: h.hex.clone(),
                })
                .collect(),
            license_concluded: expression(c, |l| l.concluded.as_ref()),
            license_declared: expression(c, |l| l.declared.as_ref()),
            copyright_text: NOASSERTION,
            external_refs,
            primary_package_purpose: match c.kind {
                ComponentKind::Provider | ComponentKind::Binary => PackagePurpose::Application,
                _ => PackagePurpose::Library,
            },
            annotations,
        }
    }
}

fn document(inv: &Inventory) -> Document {
    let tool = format!("Tool: {}-{}", inv.tool.name, inv.tool.version);
    let created = format_timestamp(inv.timestamp);
    let mut creators: Vec<String> = inv.authors.iter().map(creator).collect();
    creators.push(tool.clone());
    let mut ctx = Ctx {
        annotator: tool,
        date: created.clone(),
        ids: ids::SpdxIds::default(),
        by_ref: Default::default(),
    };
    let mut packages = vec![ctx.package(&inv.root)];
    packages.extend(inv.components.iter().map(|c| ctx.package(c)));

    let kinds: std::collections::BTreeMap<&str, ComponentKind> = std::iter::once(&inv.root)
        .chain(&inv.components)
        .map(|c| (c.bom_ref.as_str(), c.kind))
        .collect();
    let root_id = packages[0].spdx_id.clone();
    let mut relationships = vec![Relationship {
        spdx_element_id: DOCUMENT_ID.to_owned(),
        related_spdx_element: root_id,
        relationship_type: RelationshipType::Describes,
    }];
    for d in &inv.dependencies {
        let (Some(from), Some(from_kind)) = (ctx.by_ref.get(&d.from), kinds.get(d.from.as_str()))
        else {
            continue;
        };
        for to in &d.to {
            let (Some(to_id), Some(to_kind)) = (ctx.by_ref.get(to), kinds.get(to.as_str())) else {
                continue;
            };
            let relationship_type = match (from_kind, to_kind) {
                (ComponentKind::Provider, ComponentKind::Binary) => RelationshipType::Contains,
                _ => RelationshipType::DependsOn,
            };
            relationships.push(Relationship {
                spdx_element_id: from.clone(),
                related_spdx_element: to_id.clone(),
                relationship_type,
            });
        }
    }
    // The statically linked executable contains the code of every module linked into it. Stating it lets Trivy
    // ≤ 0.44, which only collects an application's direct children, see every module; newer Trivy walks the graph
    // and is unaffected. (In the release-wide document these edges are exact per platform, unlike the shared main
    // module's DEPENDS_ON edges.)
    for c in &inv.contains {
        let Some(from) = ctx.by_ref.get(&c.from) else {
            continue;
        };
        let direct = inv.dependencies.iter().find(|d| d.from == c.from);
        for to in &c.to {
            if direct.is_some_and(|d| d.to.contains(to)) {
                continue;
            }
            if let Some(to_id) = ctx.by_ref.get(to) {
                relationships.push(Relationship {
                    spdx_element_id: from.clone(),
                    related_spdx_element: to_id.clone(),
                    relationship_type: RelationshipType::Contains,
                });
            }
        }
    }

    Document {
        spdx_version: SPDX_VERSION,
        data_license: DATA_LICENSE,
        spdx_id: DOCUMENT_ID,
        name: inv.name.clone(),
        document_namespace: String::new(),
        creation_info: CreationInfo { creators, created },
        has_extracted_licensing_infos: extracted_licensing_infos(inv),
        packages,
        relationships,
    }
}

/// Renders the inventory as SPDX 2.3 JSON (see [`ids`] for the document namespace).
pub(crate) fn render(inv: &Inventory) -> Result<Vec<u8>, SbomError> {
    let format = Format::Spdx23;
    let mut doc = document(inv);
    let canonical = to_pretty_json(&doc, format)?;
    let uuid = ids::document_uuid(format.name(), &inv.subjects, &canonical);
    doc.document_namespace = format!("{}{}-{uuid}", ids::SPDX_NAMESPACE_PREFIX, inv.name);
    to_pretty_json(&doc, format)
}
