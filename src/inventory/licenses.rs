//! Licence facts of the inventory (issue 13): what a licence resolver hands in ([`ReleaseLicenses`], on
//! [`super::ReleaseInput::licenses`]) and what a component carries ([`Licensing`], the module ZIP as a
//! [`super::Distribution`]). A leaf beside `build.rs`: knows neither how licences are found (`crate::licenses`) nor
//! any SBOM format (`crate::sbom` renders [`Licensing`] as each spec intends).
//!
//! Rules:
//! * **off** (`ReleaseInput::licenses` = `None`): nothing is added, so documents are byte-identical to those written
//!   before licences existed (SPDX 2.3 keeps its `NOASSERTION`s).
//! * **on**: the root records the source ([`PROP_LICENSES_SOURCE`]) so that `verify --release` can re-derive the
//!   document; every Go module gets a [`Licensing`] — declared = concluded = the expression read from its licence
//!   files when one was identified, else both `None` (= `NOASSERTION`) — and, when its ZIP was verified against the
//!   `h1:` of the build info, the ZIP as a distribution named `<escaped path>@<version>.zip` (the module cache's and
//!   the proxy's case escaping, so that the name is self-describing and unique in a flat directory) with its SHA-256
//!   and SHA-512; the stdlib gets Go's licence ([`GO_LICENSE`]); the root (the provider) and the main module the
//!   `--license` expression, if any, also recorded as [`PROP_LICENSES_PROVIDER`] on the root.
//!   Only the module list and the licence facts decide the output, never which cache or mirror served a ZIP, so a
//!   warm cache and the proxy give the same bytes.

use std::collections::BTreeMap;

use super::props::{PROP_LICENSES_PROVIDER, PROP_LICENSES_SOURCE, prop};
use super::{Component, ComponentKind, Distribution, Hash, HashAlgorithm};

/// The licence of the Go distribution (and so of the stdlib): <https://go.dev/LICENSE>.
pub const GO_LICENSE: &str = "BSD-3-Clause";

/// The text of a `LicenseRef-…` id used in an expression (SPDX 2.3 `hasExtractedLicensingInfos`, SPDX 3
/// `simplelicensing_SimpleLicensingText`, CycloneDX `license.text`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LicenseText {
    /// The id, `LicenseRef-…` (valid idstring: letters, digits, `.` and `-`).
    pub id: String,
    /// A human-readable name (the file it was read from, e.g. `LICENSE`).
    pub name: String,
    /// The licence text as read (UTF-8, lossy).
    pub text: String,
}

/// A licence: a valid SPDX expression and the texts of the `LicenseRef-…` ids it uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct License {
    /// SPDX licence expression (`MIT`, `Apache-2.0 AND BSD-3-Clause`, `LicenseRef-tofu-sbom-…`).
    pub expression: String,
    /// Texts of the `LicenseRef-…` ids used, sorted by id.
    pub texts: Vec<LicenseText>,
}

impl License {
    /// A licence list expression without `LicenseRef-` texts (the caller validated it).
    pub fn spdx(expression: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            texts: Vec::new(),
        }
    }
}

/// Licence facts of one component. `None` fields are "no assertion".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Licensing {
    /// Declared licence: what the component's own licence files (or `--license`) state.
    pub declared: Option<License>,
    /// Concluded licence: what the SBOM author concludes; the declared licence when it was identified.
    pub concluded: Option<License>,
}

impl Licensing {
    /// Declared = concluded = `license`; both absent for `None`.
    pub fn identified(license: Option<License>) -> Self {
        Self {
            declared: license.clone(),
            concluded: license,
        }
    }
}

/// A Go module ZIP (`$GOPROXY/<escaped path>/@v/<version>.zip`) verified against the build info's `h1:`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleZip {
    /// `<escaped path>@<version>.zip`.
    pub file_name: String,
    /// SHA-256 of the ZIP bytes, lowercase hex.
    pub sha256: String,
    /// SHA-512 of the ZIP bytes, lowercase hex.
    pub sha512: String,
}

/// What the resolver found for one module version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ModuleLicense {
    /// The licence read from the verified ZIP; `None`: no ZIP, or no licence file.
    pub license: Option<License>,
    /// The verified ZIP; `None` when none was found or it did not match its `h1:`.
    pub zip: Option<ModuleZip>,
}

/// The licence input of a release (`--licenses` other than `off`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseLicenses {
    /// The configured source (`goproxy`, `modcache`, `dir`), recorded on the root ([`PROP_LICENSES_SOURCE`]).
    pub source: String,
    /// The provider's own licence (`--license`), given to the root and the main module.
    pub main_module: Option<License>,
    /// Per module `path@version` (the replacement's, for a replaced module).
    pub modules: BTreeMap<String, ModuleLicense>,
}

impl ReleaseLicenses {
    /// The key of a module in [`Self::modules`].
    pub fn key(path: &str, version: &str) -> String {
        format!("{path}@{version}")
    }
}

/// Adds the licence facts to the root (the source property) and the components (module docs).
pub(super) fn apply(l: &ReleaseLicenses, root: &mut Component, components: &mut [Component]) {
    root.properties.push(prop(PROP_LICENSES_SOURCE, &l.source));
    if let Some(main) = &l.main_module {
        root.properties
            .push(prop(PROP_LICENSES_PROVIDER, &main.expression));
        root.licensing = Some(Licensing::identified(Some(main.clone())));
    }
    root.properties.sort();
    for c in components {
        match c.kind {
            ComponentKind::Stdlib => {
                c.licensing = Some(Licensing::identified(Some(License::spdx(GO_LICENSE))));
            }
            ComponentKind::MainModule => {
                c.licensing = Some(Licensing::identified(l.main_module.clone()));
            }
            ComponentKind::Module => {
                let found = c
                    .version
                    .as_deref()
                    .and_then(|v| l.modules.get(&ReleaseLicenses::key(&c.name, v)));
                c.licensing = Some(Licensing::identified(found.and_then(|m| m.license.clone())));
                if let Some(zip) = found.and_then(|m| m.zip.as_ref()) {
                    c.distributions.push(Distribution {
                        file_name: zip.file_name.clone(),
                        hashes: vec![
                            Hash {
                                algorithm: HashAlgorithm::Sha256,
                                hex: zip.sha256.clone(),
                            },
                            Hash {
                                algorithm: HashAlgorithm::Sha512,
                                hex: zip.sha512.clone(),
                            },
                        ],
                    });
                    c.distributions.sort();
                }
            }
            ComponentKind::Provider | ComponentKind::Binary => {}
        }
    }
}
