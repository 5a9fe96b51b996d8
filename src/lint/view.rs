//! The format-neutral view of an SBOM that the profile rules read: what the document records, each fact with the
//! JSON Pointer where it is (or should be). Filled by `cyclonedx.rs`, `spdx2.rs` and `spdx3.rs`; judged by `rules.rs`.

use crate::sbom::SbomKind;

/// A fact and where it lives: `ok` says whether the document records it validly, `path` is the RFC 6901 pointer of
/// the member (or of the object that should carry it), `detail` an optional precision for the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fact {
    /// Present and valid.
    pub ok: bool,
    /// Where it is, or should be.
    pub path: String,
    /// Why it is not valid, when it is present but wrong.
    pub detail: Option<String>,
}

impl Fact {
    pub(crate) fn new(ok: bool, path: String) -> Self {
        Self {
            ok,
            path,
            detail: None,
        }
    }

    pub(crate) fn invalid(path: String, detail: String) -> Self {
        Self {
            ok: false,
            path,
            detail: Some(detail),
        }
    }
}

/// A BSI flag property (executable / archive / structured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// Recorded with an allowed value, or (SPDX 3) expressed by omission.
    Ok,
    /// Not recorded.
    Missing,
    /// Recorded with a value outside the allowed pair, or more than once.
    Invalid(String),
}

/// One component (CycloneDX `metadata.component` and `components`, nested ones included; SPDX packages reachable
/// from the document's root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentView {
    /// Pointer of the component object.
    pub path: String,
    /// Its name, for messages (`<unnamed>` when absent).
    pub label: String,
    /// Non-blank name.
    pub name: Fact,
    /// Non-blank version.
    pub version: Fact,
    /// Supplier / software producer (a name or a contact; not NOASSERTION).
    pub supplier: Fact,
    /// A document-unique identifier (bom-ref, SPDXID, spdxId) or a global one.
    pub identifier: Fact,
    /// A global software identifier: purl, CPE, SWID, OmniBOR, SWHID.
    pub global_identifier: Fact,
    /// Its creator with an e-mail address or URL.
    pub creator_contact: Fact,
    /// Its file name (not a path).
    pub filename: Fact,
    /// A distribution (concluded) licence.
    pub concluded_licence: Fact,
    /// Any licence (concluded or declared).
    pub any_licence: Fact,
    /// Any hash with its algorithm.
    pub any_hash: Fact,
    /// A SHA-512 of the deployable form.
    pub sha512: Fact,
    /// The BSI executable property and where it lives.
    pub executable: (Flag, String),
    /// The BSI archive property.
    pub archive: (Flag, String),
    /// The BSI structured property.
    pub structured: (Flag, String),
}

/// The format-neutral view of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentView {
    /// The format family.
    pub kind: SbomKind,
    /// CycloneDX `specVersion`, SPDX `spdxVersion`, SPDX 3 `specVersion`.
    pub spec_version: String,
    /// Where the spec version is.
    pub spec_version_path: String,
    /// SPDX 3 document structure (exactly one `SpdxDocument` with a root); always ok for the other formats.
    pub structure: Fact,
    /// An author / creator of the SBOM data.
    pub author: Fact,
    /// A creator with an e-mail address or URL.
    pub creator_contact: Fact,
    /// A valid RFC 3339 creation time.
    pub timestamp: Fact,
    /// A URI naming this SBOM.
    pub uri: Fact,
    /// The generating tool's name.
    pub tool: Fact,
    /// The generation context (lifecycle phase, SBOM type).
    pub generation_context: Fact,
    /// Dependency relationships exist.
    pub dependencies: Fact,
    /// Every dependency list states its completeness (the first one that does not, when some does not).
    pub completeness: Fact,
    /// A component is reachable from the document's root.
    pub root: Fact,
    /// Where vulnerability data is (empty: none).
    pub vulnerabilities: Vec<String>,
    /// The components checked.
    pub components: Vec<ComponentView>,
}
