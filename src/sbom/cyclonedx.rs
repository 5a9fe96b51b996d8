//! CycloneDX 1.6 / 1.5 JSON: spec-shaped serde structs (`bom-1.6.schema.json` / `bom-1.5.schema.json`) and the
//! conversion from the inventory. The two versions differ in `$schema`, `specVersion`, the form of `metadata.tools`
//! (see [`Tools`]) and the fields 1.5 does not have, written in 1.6 only (`manufacturer`, `omniborId`, licence
//! `acknowledgement`, the BSI properties, `compositions`); every other field used exists with the same shape in 1.5
//! (`lifecycles`, `pedigree`, `externalReferences[].hashes`).
//!
//! Trivy-relevant choices (SPEC §4.3/§4.4): the provider is `metadata.component` without a purl (its software
//! identifier is its ZIP's OmniBOR Artifact ID in `omniborId`, as each binary's is the executable's); each binary is an
//! `application` with `aquasecurity:trivy:Type=gobinary`; the main module, modules and stdlib are `library`
//! components (Trivy 0.44 collects only libraries below an application) with `name` = the full module path, no
//! `group`, and the version in the purl; `dependencies` link provider → binary → main module → modules + stdlib.
//!
//! Licences (only when resolved, see [`inventory::Licensing`]): `licenses` as the schema allows — a single licence
//! list id as `license.id`, a `LicenseRef-…` as `license.name` with its text (`license.id` is an enum of list ids), a
//! compound expression as the one `expression` entry (`licenseChoice` allows exactly one expression, CycloneDX 1.6
//! and 1.5). In 1.6 each entry carries `acknowledgement` (`declared`, `concluded`): different declared and concluded
//! single licences get one entry each; the same licence — always so in our inventory, where the concluded licence is
//! the declared one when identified — is written once, as `concluded` (the licence BSI TR-03183-2 asks for), because
//! Trivy and Syft ignore `acknowledgement` and would list it twice; a compound one, which cannot be repeated, is
//! written once as `concluded` too. 1.5 has no `acknowledgement`: one entry. Trivy and Syft read `license.id`,
//! `license.name` and `expression`; the SPDX documents carry declared and concluded licences separately.

use serde::Serialize;

use super::{Format, SbomError, format_timestamp, ids, to_pretty_json};
use crate::inventory::{
    self, BSI_ARCHIVE, BSI_EXECUTABLE, BSI_FILENAME, BSI_STRUCTURED, ComponentKind, HashAlgorithm,
    Inventory,
};

/// `bomFormat`: always `CycloneDX`.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) enum BomFormat {
    /// The only value.
    CycloneDX,
}

/// `specVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum SpecVersion {
    /// 1.5.
    #[serde(rename = "1.5")]
    V1_5,
    /// 1.6.
    #[serde(rename = "1.6")]
    V1_6,
}

impl SpecVersion {
    fn schema(self) -> &'static str {
        match self {
            Self::V1_5 => "http://cyclonedx.org/schema/bom-1.5.schema.json",
            Self::V1_6 => "http://cyclonedx.org/schema/bom-1.6.schema.json",
        }
    }

    fn format(self) -> Format {
        match self {
            Self::V1_5 => Format::CycloneDx15,
            Self::V1_6 => Format::CycloneDx16,
        }
    }
}

/// The BOM document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: BomFormat,
    spec_version: SpecVersion,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    compositions: Vec<Composition>,
}

/// `metadata`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    timestamp: String,
    lifecycles: Vec<Lifecycle>,
    tools: Tools,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<OrganizationalContact>,
    component: Component,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<OrganizationalEntity>,
}

/// `metadata.lifecycles[]`.
#[derive(Debug, Serialize)]
struct Lifecycle {
    phase: LifecyclePhase,
}

/// Lifecycle phases we use.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "kebab-case")]
enum LifecyclePhase {
    /// The SBOM is generated from released build artifacts.
    PostBuild,
}

/// `metadata.tools`: the object form (`{"components": [...]}`, CycloneDX ≥ 1.5) in 1.6 documents; the legacy array
/// form (deprecated in 1.5 but valid in both schemas) in 1.5 documents, because Trivy 0.44 — the reason to emit 1.5 at
/// all — exits with status 1 and no message on the object form (its cyclonedx-go predates it; seen here).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Tools {
    /// `{"components": [...]}`.
    Components {
        /// The tools, as components.
        components: Vec<ToolComponent>,
    },
    /// `[{"name": ..., "version": ...}]`.
    Legacy(Vec<LegacyTool>),
}

/// A tool in the legacy array form.
#[derive(Debug, Serialize)]
struct LegacyTool {
    name: String,
    version: String,
}

/// A tool, as a component.
#[derive(Debug, Serialize)]
struct ToolComponent {
    #[serde(rename = "type")]
    component_type: ComponentType,
    name: String,
    version: String,
}

/// `organizationalContact`.
#[derive(Debug, Serialize)]
struct OrganizationalContact {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

/// `organizationalEntity`.
#[derive(Debug, Serialize)]
struct OrganizationalEntity {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    url: Vec<String>,
}

/// Component types we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "kebab-case")]
enum ComponentType {
    Application,
    Library,
}

/// A component.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Component {
    #[serde(rename = "type")]
    component_type: ComponentType,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<OrganizationalEntity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manufacturer: Option<OrganizationalEntity>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    /// CycloneDX 1.6 `omniborId` (array of `gitoid:` URIs); the field does not exist in 1.5.
    #[serde(rename = "omniborId", skip_serializing_if = "Vec::is_empty")]
    omnibor_id: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pedigree: Option<Pedigree>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

/// `hash`.
#[derive(Debug, Serialize)]
struct Hash {
    alg: HashAlg,
    content: String,
}

/// `hash-alg` values we emit.
#[derive(Debug, Clone, Copy, Serialize)]
enum HashAlg {
    #[serde(rename = "SHA-256")]
    Sha256,
    #[serde(rename = "SHA-512")]
    Sha512,
}

/// `licenseChoice[]`: a licence object or an expression.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    /// `{"license": {...}}`.
    License {
        /// The licence.
        license: License,
    },
    /// `{"expression": "...", "acknowledgement": ...}`.
    Expression {
        /// An SPDX licence expression.
        expression: String,
        /// 1.6 only.
        #[serde(skip_serializing_if = "Option::is_none")]
        acknowledgement: Option<Acknowledgement>,
    },
}

/// `license`: `id` (an SPDX licence list id) or `name` (+ `text`).
#[derive(Debug, Serialize)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Attachment>,
    /// 1.6 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    acknowledgement: Option<Acknowledgement>,
}

/// `attachment` (a licence text).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    content_type: &'static str,
    content: String,
}

/// `licenseAcknowledgementEnumeration` (CycloneDX 1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Acknowledgement {
    Declared,
    Concluded,
}

/// Whether an SPDX expression is a single id (no operator, no parenthesis).
fn is_single_id(expression: &str) -> bool {
    !expression.contains([' ', '(', ')'])
}

fn licenses(l: &inventory::Licensing, spec: SpecVersion) -> Vec<LicenseChoice> {
    let mut kinds: Vec<(Acknowledgement, &inventory::License)> = Vec::new();
    if let Some(d) = &l.declared {
        kinds.push((Acknowledgement::Declared, d));
    }
    if let Some(c) = &l.concluded {
        kinds.push((Acknowledgement::Concluded, c));
    }
    let compound = kinds.iter().any(|(_, l)| !is_single_id(&l.expression));
    let same = l.declared.is_some() && l.declared == l.concluded;
    if compound || same || spec == SpecVersion::V1_5 {
        // One entry: the concluded licence, else the declared one.
        let keep = kinds.pop();
        kinds.clear();
        kinds.extend(keep);
    }
    kinds
        .into_iter()
        .map(|(ack, l)| {
            let acknowledgement = (spec == SpecVersion::V1_6).then_some(ack);
            if !is_single_id(&l.expression) {
                return LicenseChoice::Expression {
                    expression: l.expression.clone(),
                    acknowledgement,
                };
            }
            let license = match l.texts.iter().find(|t| t.id == l.expression) {
                Some(t) => License {
                    id: None,
                    name: Some(t.id.clone()),
                    text: Some(Attachment {
                        content_type: "text/plain",
                        content: t.text.clone(),
                    }),
                    acknowledgement,
                },
                None => License {
                    id: Some(l.expression.clone()),
                    name: None,
                    text: None,
                    acknowledgement,
                },
            };
            LicenseChoice::License { license }
        })
        .collect()
}

/// `pedigree`: only `ancestors` (the module a replaced module replaced).
#[derive(Debug, Serialize)]
struct Pedigree {
    ancestors: Vec<Component>,
}

/// `externalReference`.
#[derive(Debug, Serialize)]
struct ExternalReference {
    url: String,
    #[serde(rename = "type")]
    reference_type: ExternalReferenceType,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
}

/// External reference types we emit.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "kebab-case")]
enum ExternalReferenceType {
    /// Where the component is distributed (release ZIP, Go proxy ZIP, Go source tarball).
    Distribution,
}

/// `property`.
#[derive(Debug, Serialize)]
struct Property {
    name: String,
    value: String,
}

/// `dependency`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    dependency_ref: String,
    depends_on: Vec<String>,
}

fn hashes(h: &[inventory::Hash]) -> Vec<Hash> {
    h.iter()
        .map(|h| Hash {
            alg: match h.algorithm {
                HashAlgorithm::Sha256 => HashAlg::Sha256,
                HashAlgorithm::Sha512 => HashAlg::Sha512,
            },
            content: h.hex.clone(),
        })
        .collect()
}

fn component(c: &inventory::Component, spec: SpecVersion) -> Component {
    let component_type = match c.kind {
        ComponentKind::Provider | ComponentKind::Binary => ComponentType::Application,
        ComponentKind::MainModule | ComponentKind::Module | ComponentKind::Stdlib => {
            ComponentType::Library
        }
    };
    let mut external_references: Vec<ExternalReference> = c
        .distributions
        .iter()
        .map(|d| ExternalReference {
            url: d.file_name.clone(),
            reference_type: ExternalReferenceType::Distribution,
            hashes: hashes(&d.hashes),
        })
        .collect();
    if spec == SpecVersion::V1_6 {
        // The executables the component is linked into: its deployable form, with their digests (BSI).
        external_references.extend(c.linked_into.iter().map(|d| ExternalReference {
            url: d.file_name.clone(),
            reference_type: ExternalReferenceType::Distribution,
            hashes: hashes(&d.hashes),
        }));
    }
    if let Some(url) = &c.download_location {
        external_references.push(ExternalReference {
            url: url.clone(),
            reference_type: ExternalReferenceType::Distribution,
            hashes: Vec::new(),
        });
    }
    let pedigree = (!c.ancestors.is_empty()).then(|| Pedigree {
        ancestors: c
            .ancestors
            .iter()
            .map(|a| Component {
                component_type: ComponentType::Library,
                bom_ref: None,
                supplier: None,
                manufacturer: None,
                name: a.name.clone(),
                version: a.version.clone(),
                hashes: Vec::new(),
                licenses: Vec::new(),
                cpe: None,
                purl: Some(a.purl.clone()),
                omnibor_id: Vec::new(),
                pedigree: None,
                external_references: Vec::new(),
                properties: Vec::new(),
            })
            .collect(),
    });
    Component {
        component_type,
        bom_ref: Some(c.bom_ref.clone()),
        supplier: c.supplier.clone().map(|name| OrganizationalEntity {
            name,
            url: Vec::new(),
        }),
        manufacturer: match spec {
            // The component's creator with a URL (BSI TR-03183-2 §5.2.2); `manufacturer` is new in CycloneDX 1.6.
            SpecVersion::V1_6 => c.creator_url.clone().map(|url| OrganizationalEntity {
                name: c.supplier.clone().unwrap_or_else(|| url.clone()),
                url: vec![url],
            }),
            SpecVersion::V1_5 => None,
        },
        name: c.name.clone(),
        version: c.version.clone(),
        hashes: hashes(&c.hashes),
        licenses: c
            .licensing
            .as_ref()
            .map(|l| licenses(l, spec))
            .unwrap_or_default(),
        cpe: c.cpe.clone(),
        purl: c.purl.clone(),
        omnibor_id: match spec {
            SpecVersion::V1_6 => c.omnibor_ids.clone(),
            SpecVersion::V1_5 => Vec::new(),
        },
        pedigree,
        external_references,
        properties: properties(c, spec),
    }
}

/// The component's properties, with BSI's taxonomy (`bsi:component:*`, TR-03183-2 v2.1.0) in CycloneDX 1.6: the
/// executable/archive/structured flags of its kind ([`ComponentKind::traits`]) and its file name — its own, else
/// the one file it is distributed as or linked into (none when there are several: a release-wide document's root).
fn properties(c: &inventory::Component, spec: SpecVersion) -> Vec<Property> {
    let mut out: Vec<Property> = c
        .properties
        .iter()
        .map(|p| Property {
            name: p.name.clone(),
            value: p.value.clone(),
        })
        .collect();
    if spec == SpecVersion::V1_6 {
        let t = c.kind.traits();
        let flag = |name: &str, on: bool, yes: &str, no: &str| Property {
            name: name.to_owned(),
            value: if on { yes } else { no }.to_owned(),
        };
        out.push(flag(
            BSI_EXECUTABLE,
            t.executable,
            "executable",
            "non-executable",
        ));
        out.push(flag(BSI_ARCHIVE, t.archive, "archive", "no archive"));
        out.push(flag(
            BSI_STRUCTURED,
            t.structured,
            "structured",
            "unstructured",
        ));
        let files: Vec<&str> = match &c.file_name {
            Some(f) => vec![f.as_str()],
            None => c
                .distributions
                .iter()
                .chain(&c.linked_into)
                .map(|d| d.file_name.as_str())
                .collect(),
        };
        // The file name, not a path: a module ZIP named `<escaped path>@<version>.zip` keeps its last segment.
        if let [one] = files.as_slice() {
            out.push(Property {
                name: BSI_FILENAME.to_owned(),
                value: one.rsplit('/').next().unwrap_or(one).to_owned(),
            });
        }
        out.sort_by(|a, b| (&a.name, &a.value).cmp(&(&b.name, &b.value)));
    }
    out
}

/// `composition`: how complete the listed dependencies are.
#[derive(Debug, Serialize)]
struct Composition {
    aggregate: Aggregate,
    dependencies: Vec<String>,
}

/// `aggregateType` values we write.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum Aggregate {
    /// Every dependency is listed.
    Complete,
    /// Nothing is known about the dependencies.
    Unknown,
}

/// CycloneDX 1.6 `compositions` (BSI "dependencies with completeness"): the provider → binary → main module →
/// modules edges come from the executables' build info, which lists every module linked in, so they are `complete`;
/// the components without a `dependencies` entry (modules, stdlib) are `unknown` — the build info is flat and does
/// not say which module imports which.
fn compositions(inv: &Inventory) -> Vec<Composition> {
    let complete: Vec<String> = inv.dependencies.iter().map(|d| d.from.clone()).collect();
    let unknown: Vec<String> = std::iter::once(&inv.root)
        .chain(&inv.components)
        .map(|c| c.bom_ref.clone())
        .filter(|r| !complete.contains(r))
        .collect();
    let mut out = vec![Composition {
        aggregate: Aggregate::Complete,
        dependencies: complete,
    }];
    if !unknown.is_empty() {
        out.push(Composition {
            aggregate: Aggregate::Unknown,
            dependencies: unknown,
        });
    }
    out
}

fn bom(inv: &Inventory, spec: SpecVersion) -> Bom {
    Bom {
        schema: spec.schema(),
        bom_format: BomFormat::CycloneDX,
        spec_version: spec,
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp: format_timestamp(inv.timestamp),
            lifecycles: vec![Lifecycle {
                phase: LifecyclePhase::PostBuild,
            }],
            tools: match spec {
                SpecVersion::V1_6 => Tools::Components {
                    components: vec![ToolComponent {
                        component_type: ComponentType::Application,
                        name: inv.tool.name.clone(),
                        version: inv.tool.version.clone(),
                    }],
                },
                SpecVersion::V1_5 => Tools::Legacy(vec![LegacyTool {
                    name: inv.tool.name.clone(),
                    version: inv.tool.version.clone(),
                }]),
            },
            authors: inv
                .authors
                .iter()
                .map(|a| OrganizationalContact {
                    name: a.name.clone(),
                    email: a.email.clone(),
                })
                .collect(),
            component: component(&inv.root, spec),
            supplier: inv.root.supplier.clone().map(|name| OrganizationalEntity {
                name,
                url: Vec::new(),
            }),
        },
        components: inv.components.iter().map(|c| component(c, spec)).collect(),
        dependencies: inv
            .dependencies
            .iter()
            .map(|d| Dependency {
                dependency_ref: d.from.clone(),
                depends_on: d.to.clone(),
            })
            .collect(),
        compositions: match spec {
            SpecVersion::V1_6 => compositions(inv),
            SpecVersion::V1_5 => Vec::new(),
        },
    }
}

/// Renders the inventory as CycloneDX JSON of the given spec version (see [`ids`] for the serial number).
pub(crate) fn render(inv: &Inventory, spec: SpecVersion) -> Result<Vec<u8>, SbomError> {
    let format = spec.format();
    let mut doc = bom(inv, spec);
    let canonical = to_pretty_json(&doc, format)?;
    let uuid = ids::document_uuid(format.name(), &inv.subjects, &canonical);
    doc.serial_number = Some(format!("urn:uuid:{uuid}"));
    to_pretty_json(&doc, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_declared_and_concluded_licences_get_one_entry_each_in_16() {
        let l = inventory::Licensing {
            declared: Some(inventory::License::spdx("MIT")),
            concluded: Some(inventory::License::spdx("Apache-2.0")),
        };
        let v = serde_json::to_value(licenses(&l, SpecVersion::V1_6)).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"license": {"id": "MIT", "acknowledgement": "declared"}},
                {"license": {"id": "Apache-2.0", "acknowledgement": "concluded"}}
            ])
        );
        let v = serde_json::to_value(licenses(&l, SpecVersion::V1_5)).unwrap();
        assert_eq!(v, serde_json::json!([{"license": {"id": "Apache-2.0"}}]));
    }
}
