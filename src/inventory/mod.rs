//! The format-neutral inventory of a provider release: what every SBOM format renders.
//!
//! Input is a plain [`ReleaseInput`] (filled by the release reader from the ZIP names, digests and the build info of
//! each provider binary); [`Inventory::for_platform`] and [`Inventory::for_release`] turn it into an [`Inventory`]:
//! one root component (the provider), the other components sorted by `bom_ref`, and the dependency graph
//!
//! ```text
//! provider ─▶ binary (one per platform) ─▶ main module ─▶ every dependency module + stdlib
//! ```
//!
//! Content rules (issue 3, SPEC §4.4/§6):
//! * **root** = the provider: name `terraform-provider-TYPE`, version from the release (never `(devel)`), supplier from
//!   `supplier`, else the provider namespace, else derived from the main module path; SHA-256 and SHA-512 of the ZIP
//!   (per-platform documents) and a `distribution` reference per ZIP; the platform properties (below) in
//!   per-platform documents. **No purl**: current Trivy would list a `pkg:golang` purl on the root as a package; its
//!   software identifier is the OmniBOR Artifact ID (`gitoid:blob:sha256:…`) of its ZIP (per-platform documents) or of
//!   each of its ZIPs (the release-wide document).
//! * **binary** (`kind = Binary`): one per platform, name = the executable's file name inside the ZIP, SHA-256 and
//!   SHA-512, the executable's OmniBOR Artifact ID, `aquasecurity:trivy:Type=gobinary` and `aquasecurity:trivy:Class=lang-pkgs` so that Trivy groups the
//!   modules under it; in the release-wide document it also carries that platform's properties.
//! * **main module**: `pkg:golang/<main module>@v<release version>` (the release version with `v` added; the
//!   build-info version, often `(devel)`, is kept as a property).
//! * **modules**: one per `dep` line, `name` = full module path (no group). A replaced module is reported as its
//!   replacement (path and version), the original kept as a pedigree ancestor and a property; a local-directory
//!   replacement keeps the original path and has no version, no `h1:` and a flag property. The go.sum `h1:` hash is a
//!   property ([`PROP_GO_MODULE_H1`]), never a `hashes` entry: it is a hash over a file tree, not of any artifact.
//!   Supplier = the owner derived from the module path ([`supplier_from_module_path`]).
//! * **stdlib**: name `stdlib`, version and purl version `v1.X.Y` (experiments and vendor suffixes stripped), a CPE
//!   `cpe:2.3:a:golang:go:1.X.Y:-:*:*:*:*:*:*` (the only CPE in the document).
//!
//! Property names (all prefixed `tofu-sbom:` except Trivy's two; see the `PROP_*` constants) are part of the output
//! format and documented on each constant.
//!
//! Files: `input.rs` (what the release reader hands in, and its validation), `props.rs` (the property names),
//! `licenses.rs` (the licence facts a resolver hands in and how components carry them),
//! `go.rs` (the Go rules: toolchain version, stdlib CPE, module components, suppliers), `build.rs` (assembling the
//! graph per platform and release-wide, with the platform properties), [`purl`] (package URLs). This stage knows the
//! build info and the archive's provider address; it knows nothing of SBOM formats (`sbom/` renders it) nor of
//! registries.

use time::OffsetDateTime;

mod build;
mod go;
mod input;
mod licenses;
mod props;
pub mod purl;
#[cfg(test)]
mod tests;

pub use go::{
    GO_CREATOR_URL, GO_SUPPLIER, creator_url_from_module_path, supplier_from_module_path,
};
pub use input::{
    InventoryError, PlatformInput, ReleaseInput, ReleaseSignature, ReleaseSignatureError,
};
pub use licenses::{
    GO_LICENSE, License, LicenseText, Licensing, ModuleLicense, ModuleZip, ReleaseLicenses,
};
pub use props::*;

/// An OpenTofu/Terraform provider address, `HOST/NAMESPACE/TYPE` (the archive stage parses it).
pub use crate::archive::ProviderAddress;

/// Whether an SBOM author is a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthorKind {
    /// A natural person (SPDX `Person:`).
    Person,
    /// An organisation (SPDX `Organization:`).
    Organization,
}

/// The author of the SBOM data (NTIA "author"), distinct from the tool that generated it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Author {
    /// Person or organisation.
    pub kind: AuthorKind,
    /// Display name.
    pub name: String,
    /// Optional e-mail address.
    pub email: Option<String>,
}

/// The tool that generated the SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInfo {
    /// Tool name, e.g. `tofu-sbom`.
    pub name: String,
    /// Tool version, e.g. `0.1.0`.
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        Self {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// What an inventory covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One platform ZIP.
    Platform {
        /// GOOS.
        os: String,
        /// GOARCH.
        arch: String,
    },
    /// The whole release (every platform).
    Release,
}

/// The role of a component in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentKind {
    /// The provider (the root).
    Provider,
    /// A provider executable (one per platform).
    Binary,
    /// The Go main module the executable was built from.
    MainModule,
    /// A Go module dependency.
    Module,
    /// The Go standard library.
    Stdlib,
}

/// A hash algorithm used in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

/// A digest of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash {
    /// Algorithm.
    pub algorithm: HashAlgorithm,
    /// Lowercase hex digest.
    pub hex: String,
}

/// A name/value property.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Property {
    /// Property name (see the `PROP_*` constants).
    pub name: String,
    /// Property value.
    pub value: String,
}

/// A file the component is distributed as (a release ZIP), with its digests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Distribution {
    /// File name (a relative URI reference).
    pub file_name: String,
    /// Digests of the file.
    pub hashes: Vec<Hash>,
}

/// The module a replaced module originally was (CycloneDX pedigree ancestor).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ancestor {
    /// Original module path.
    pub name: String,
    /// Original version, when there was one.
    pub version: Option<String>,
    /// Purl of the original module.
    pub purl: String,
}

/// One component of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Document-unique reference (CycloneDX `bom-ref`; the SPDX id is derived from it).
    pub bom_ref: String,
    /// Role in the graph.
    pub kind: ComponentKind,
    /// Name (full module path for Go modules, case preserved).
    pub name: String,
    /// Version, when known.
    pub version: Option<String>,
    /// Package URL, when the component has one.
    pub purl: Option<String>,
    /// OmniBOR Artifact IDs (`gitoid:blob:sha256:<hex>`) of the files the component is deployed as: the release ZIP
    /// (root of a per-platform document), every release ZIP (root of the release-wide document), the executable
    /// (binary) — their CISA 2025 software identifier, as they have no purl.
    pub omnibor_ids: Vec<String>,
    /// CPE 2.3 name (stdlib only).
    pub cpe: Option<String>,
    /// Supplier (organisation) name.
    pub supplier: Option<String>,
    /// File name of the artifact the component is (root: the ZIP; binary: the executable).
    pub file_name: Option<String>,
    /// Where the source can be downloaded (Go proxy URL for modules).
    pub download_location: Option<String>,
    /// Digests of the artifact.
    pub hashes: Vec<Hash>,
    /// Distribution files (release ZIPs) with their digests.
    pub distributions: Vec<Distribution>,
    /// Pedigree ancestors (the original of a replaced module).
    pub ancestors: Vec<Ancestor>,
    /// Properties, sorted by name then value.
    pub properties: Vec<Property>,
    /// Licence facts; `None` when licences were not resolved (`--licenses off`): nothing is rendered then.
    pub licensing: Option<Licensing>,
    /// URL of the entity that created and maintains the component (BSI TR-03183-2 "creator of the component"),
    /// derived from the Go module path ([`creator_url_from_module_path`]; the provider, its binary and its main
    /// module: from the main module path).
    pub creator_url: Option<String>,
    /// The executables this component is statically linked into, with their digests: its deployable form when it has
    /// no file of its own (the main module, the stdlib, and modules whose ZIP was not verified). Set for Go modules
    /// only; rendered as the BSI file name and SHA-512 in CycloneDX and SPDX 3 (docs/compliance.md).
    pub linked_into: Vec<Distribution>,
}

/// What a component is as a file, in BSI TR-03183-2 v2.1's terms (its executable, archive and structured
/// properties; the reasoning per kind is in docs/compliance.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileTraits {
    /// Can be executed (a program, not a library or an archive).
    pub executable: bool,
    /// Is an archive (a ZIP).
    pub archive: bool,
    /// Metadata about its contents is still present (a ZIP's central directory, an executable's headers and Go
    /// build info) — BSI "structured".
    pub structured: bool,
}

impl ComponentKind {
    /// The BSI file traits of a component of this kind:
    /// * the provider — its deployable form is the release ZIP: an archive, not executable, structured;
    /// * the binary — an ELF/Mach-O/PE/XCOFF executable with section headers and Go build info: executable, not an
    ///   archive, structured;
    /// * Go modules, the main module and the stdlib — compiled and statically linked into the executable, never
    ///   shipped as files of their own: not executable, not archives, structured (the executable's build info still
    ///   names each module with its version and `h1:`).
    pub fn traits(self) -> FileTraits {
        match self {
            Self::Provider => FileTraits {
                executable: false,
                archive: true,
                structured: true,
            },
            Self::Binary => FileTraits {
                executable: true,
                archive: false,
                structured: true,
            },
            Self::MainModule | Self::Module | Self::Stdlib => FileTraits {
                executable: false,
                archive: false,
                structured: true,
            },
        }
    }
}

/// A dependency edge list: `from` depends on every `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// bom-ref of the dependent component.
    pub from: String,
    /// bom-refs it depends on, sorted.
    pub to: Vec<String>,
}

/// A release ZIP the document is about: its digests seed the document's serial number / namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// ZIP file name.
    pub zip_name: String,
    /// SHA-256 hex.
    pub sha256: String,
    /// SHA-512 hex.
    pub sha512: String,
}

/// The format-neutral SBOM content of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// Document name: the ZIP name without `.zip` (per platform) or `terraform-provider-TYPE_VERSION` (release).
    pub name: String,
    /// What the document covers.
    pub scope: Scope,
    /// Timestamp, UTC, whole seconds.
    pub timestamp: OffsetDateTime,
    /// The generating tool.
    pub tool: ToolInfo,
    /// SBOM authors (never empty when a supplier is known).
    pub authors: Vec<Author>,
    /// The provider.
    pub root: Component,
    /// Every other component, sorted by `bom_ref`.
    pub components: Vec<Component>,
    /// Dependency edges, sorted by `from`; leaves (whose dependencies are unknown) have no entry.
    pub dependencies: Vec<Dependency>,
    /// Per binary, every component linked into it (its main module, modules and stdlib), sorted by `from`. In a
    /// release-wide document this is exact per platform, whereas the shared main module depends on the union.
    pub contains: Vec<Dependency>,
    /// The ZIPs covered, sorted by name.
    pub subjects: Vec<Subject>,
}

fn empty_component(bom_ref: String, kind: ComponentKind, name: String) -> Component {
    Component {
        bom_ref,
        kind,
        name,
        version: None,
        purl: None,
        omnibor_ids: Vec::new(),
        cpe: None,
        supplier: None,
        file_name: None,
        download_location: None,
        hashes: Vec::new(),
        distributions: Vec::new(),
        ancestors: Vec::new(),
        properties: Vec::new(),
        licensing: None,
        creator_url: None,
        linked_into: Vec::new(),
    }
}
