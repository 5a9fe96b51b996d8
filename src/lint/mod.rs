//! `lint`: does an SBOM carry what a minimum-elements profile asks for? Any CycloneDX (1.4–1.6) or SPDX (2.2/2.3 JSON,
//! 3.0.1 JSON-LD) document — this tool's or anyone's — is read into one format-neutral view ([`view`]: the document
//! fields and, per component, what it records), and the profile's rules (`rules.rs`) turn the view into [`Finding`]s:
//! a stable [`Code`], the JSON path of the missing or invalid element and a message naming the component.
//!
//! Paths are **RFC 6901 JSON Pointers** into the document as given (`/components/3/version`,
//! `/packages/0/supplier`, `/@graph/12/software_packageVersion`): they name the member that is missing or wrong, or,
//! when the element is not a member of one JSON object (an SPDX 3 relationship that should exist, a CycloneDX
//! property), the object that should carry it.
//!
//! Profiles ([`Profile`]; the per-field mapping is docs/compliance.md):
//! * `ntia` — NTIA 2021 minimum elements, read the way the official ntia-conformance-checker 6.0.0 reads SPDX (only
//!   components reachable from the document's root through composition and dependency relationships count; SPDX
//!   identifiers are the unique identifiers). For SPDX our verdict agrees with that checker's on the test corpus
//!   except that we do not re-run spdx-tools' full schema validation (which the checker also counts).
//! * `bsi-2.1` — BSI TR-03183-2 v2.1.0 required fields (§5.2.1/§5.2.2): CycloneDX ≥ 1.6 or SPDX ≥ 3.0.1 only (an
//!   SPDX 2 document gets the format finding and nothing else: the TR's fields have no SPDX 2 home), creator with an
//!   e-mail or URL, timestamp, SBOM-URI, per component creator, name, version, filename, distribution licence,
//!   SHA-512 of the deployable form, the executable/archive/structured properties (BSI's CycloneDX property
//!   taxonomy; SPDX 3 `software_additionalPurpose`), dependencies with their completeness, and no vulnerability
//!   data. SPDX 3 is read as ntia-conformance-checker's `--comply bsi` reads it, with one deliberate difference: a
//!   `contains`/`dependsOn` relationship without `completeness` is a finding here (the TR asks for completeness; the
//!   checker only rejects invalid values).
//! * `cisa-2025` — CISA's 2025 Minimum Elements (draft of 2025-08-22): NTIA's elements with "software producer" for
//!   supplier, plus at least one software identifier (purl, CPE, SWID, OmniBOR, SWHID) per component, a component
//!   hash, a licence, the tool name and the generation context (CycloneDX `metadata.lifecycles`, SPDX 3
//!   `software_sbomType`; SPDX 2 has no field for it).
//!
//! Input is untrusted: its size is capped by [`Limits::max_sbom_bytes`] and serde_json bounds nesting depth (128).

mod cyclonedx;
mod rules;
mod spdx2;
mod spdx3;
mod view;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::limits::Limits;
use crate::sbom::SbomKind;

pub use cyclonedx::{BSI_ARCHIVE, BSI_EXECUTABLE, BSI_FILENAME, BSI_STRUCTURED};
pub use rules::findings;
pub use view::{ComponentView, DocumentView, Flag};

/// A minimum-elements profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Profile {
    /// NTIA 2021 minimum elements (`ntia`).
    #[serde(rename = "ntia")]
    Ntia,
    /// BSI TR-03183-2 v2.1.0 (`bsi-2.1`).
    #[serde(rename = "bsi-2.1")]
    Bsi21,
    /// CISA 2025 minimum elements, draft of 2025-08-22 (`cisa-2025`).
    #[serde(rename = "cisa-2025")]
    Cisa2025,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Self; 3] = [Self::Ntia, Self::Bsi21, Self::Cisa2025];

    /// `ntia`, `bsi-2.1` or `cisa-2025`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ntia => "ntia",
            Self::Bsi21 => "bsi-2.1",
            Self::Cisa2025 => "cisa-2025",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value that names no profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SBOM profile {given:?}: expected ntia, bsi-2.1 or cisa-2025")]
pub struct UnknownProfile {
    /// The value given.
    pub given: String,
}

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile {
                given: s.to_owned(),
            })
    }
}

/// What is missing or wrong. The string forms ([`Code::as_str`]) are stable: scripts may match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Code {
    /// The format or its version is not one the profile accepts (BSI: CycloneDX ≥ 1.6, SPDX ≥ 3.0.1).
    FormatVersion,
    /// SPDX 3: not exactly one `SpdxDocument`, or one with elements but no `rootElement`.
    SpdxDocument,
    /// No author / creator of the SBOM data.
    SbomAuthor,
    /// The SBOM creator has neither an e-mail address nor a URL (BSI).
    SbomCreatorContact,
    /// No creation timestamp, or one that is not RFC 3339.
    Timestamp,
    /// No SBOM URI (CycloneDX `serialNumber` URN, SPDX 3 root element id).
    SbomUri,
    /// No name of the tool that generated the SBOM (CISA).
    ToolName,
    /// No generation context (CISA: lifecycle phase / SBOM type).
    GenerationContext,
    /// No dependency relationships.
    Dependencies,
    /// Dependencies without a statement of their completeness (BSI).
    DependencyCompleteness,
    /// No component is reachable from the document's root (nothing is described).
    NoRoot,
    /// The document carries vulnerability data, which BSI TR-03183-2 forbids in an SBOM.
    Vulnerabilities,
    /// A component without a name.
    ComponentName,
    /// A component without a version.
    ComponentVersion,
    /// A component without a supplier / software producer.
    ComponentSupplier,
    /// A component without a unique identifier (NTIA: document-unique; CISA: purl, CPE, SWID, OmniBOR, SWHID).
    ComponentIdentifier,
    /// A component whose creator has neither an e-mail address nor a URL (BSI).
    ComponentCreator,
    /// A component without its file name (BSI).
    ComponentFilename,
    /// A component without a licence (BSI: distribution / concluded licence; CISA: any licence).
    ComponentLicence,
    /// A component without a hash (CISA).
    ComponentHash,
    /// A component without the SHA-512 of its deployable form (BSI).
    ComponentSha512,
    /// A component without a valid `executable` property (BSI).
    ComponentExecutable,
    /// A component without a valid `archive` property (BSI).
    ComponentArchive,
    /// A component without a valid `structured` property (BSI).
    ComponentStructured,
}

impl Code {
    /// The stable kebab-case name (`component-version`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FormatVersion => "format-version",
            Self::SpdxDocument => "spdx-document",
            Self::SbomAuthor => "sbom-author",
            Self::SbomCreatorContact => "sbom-creator-contact",
            Self::Timestamp => "timestamp",
            Self::SbomUri => "sbom-uri",
            Self::ToolName => "tool-name",
            Self::GenerationContext => "generation-context",
            Self::Dependencies => "dependencies",
            Self::DependencyCompleteness => "dependency-completeness",
            Self::NoRoot => "no-root",
            Self::Vulnerabilities => "vulnerabilities",
            Self::ComponentName => "component-name",
            Self::ComponentVersion => "component-version",
            Self::ComponentSupplier => "component-supplier",
            Self::ComponentIdentifier => "component-identifier",
            Self::ComponentCreator => "component-creator",
            Self::ComponentFilename => "component-filename",
            Self::ComponentLicence => "component-licence",
            Self::ComponentHash => "component-hash",
            Self::ComponentSha512 => "component-sha512",
            Self::ComponentExecutable => "component-executable",
            Self::ComponentArchive => "component-archive",
            Self::ComponentStructured => "component-structured",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One missing or invalid element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// What is wrong.
    pub code: Code,
    /// RFC 6901 JSON Pointer of the element (module docs).
    pub path: String,
    /// A sentence naming the component and the expected field.
    pub message: String,
}

/// The result of linting one document against one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintReport {
    /// The profile applied.
    pub profile: Profile,
    /// The document family.
    pub kind: SbomKind,
    /// CycloneDX `specVersion`, SPDX `spdxVersion` or SPDX 3 `specVersion` (empty when absent).
    pub spec_version: String,
    /// How many components were checked.
    pub components: usize,
    /// The findings, in document order per rule (empty: the document conforms).
    pub findings: Vec<Finding>,
}

impl LintReport {
    /// No findings.
    pub fn conforms(&self) -> bool {
        self.findings.is_empty()
    }
}

/// A document that cannot be linted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    /// Larger than [`Limits::max_sbom_bytes`].
    #[error("the document is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Document size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not JSON.
    #[error("the document is not JSON: {source}")]
    Json {
        /// The parse error (line and column).
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but no CycloneDX, SPDX 2 or SPDX 3 document.
    #[error(
        "not a CycloneDX JSON (\"bomFormat\": \"CycloneDX\"), SPDX 2 JSON (\"SPDXID\": \"SPDXRef-DOCUMENT\") or SPDX 3 JSON-LD (an SPDX 3 \"@context\" and \"@graph\") document"
    )]
    UnknownFormat,
}

/// Reads `bytes` into the format-neutral view (module docs).
pub fn view(bytes: &[u8], limits: &Limits) -> Result<DocumentView, LintError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_sbom_bytes {
        return Err(LintError::TooLarge {
            size,
            limit: limits.max_sbom_bytes,
        });
    }
    let doc: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|source| LintError::Json { source })?;
    if doc.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        Ok(cyclonedx::view(&doc))
    } else if doc.get("SPDXID").and_then(|v| v.as_str()) == Some("SPDXRef-DOCUMENT") {
        Ok(spdx2::view(&doc))
    } else if doc.get("@graph").is_some_and(|g| g.is_array())
        && doc.get("@context").is_some_and(spdx3::is_spdx3_context)
    {
        Ok(spdx3::view(&doc))
    } else {
        Err(LintError::UnknownFormat)
    }
}

/// Lints `bytes` against `profile`.
pub fn lint(bytes: &[u8], profile: Profile, limits: &Limits) -> Result<LintReport, LintError> {
    let v = view(bytes, limits)?;
    Ok(LintReport {
        profile,
        kind: v.kind,
        spec_version: v.spec_version.clone(),
        components: v.components.len(),
        findings: findings(&v, profile),
    })
}

/// Appends RFC 6901 reference tokens to a pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn pointer(base: &str, tokens: &[&str]) -> String {
    let mut out = base.to_owned();
    for t in tokens {
        out.push('/');
        out.push_str(&t.replace('~', "~0").replace('/', "~1"));
    }
    out
}

#[cfg(test)]
mod tests;
