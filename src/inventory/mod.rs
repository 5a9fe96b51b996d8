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
//!   per-platform documents. **No purl**: current Trivy would list a `pkg:golang` purl on the root as a package.
//! * **binary** (`kind = Binary`): one per platform, name = the executable's file name inside the ZIP, SHA-256 and
//!   SHA-512, `aquasecurity:trivy:Type=gobinary` and `aquasecurity:trivy:Class=lang-pkgs` so that Trivy groups the
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

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use crate::buildinfo::{BuildInfo, Module};
use crate::purl;

/// Property: GOOS of the platform (`linux`, `darwin`, …).
pub const PROP_OS: &str = "tofu-sbom:platform:os";
/// Property: GOARCH of the platform (`amd64`, `arm64`, …).
pub const PROP_ARCH: &str = "tofu-sbom:platform:arch";
/// Property: the raw Go toolchain version from the build info, e.g. `go1.22.3 X:boringcrypto`.
pub const PROP_GO_VERSION: &str = "tofu-sbom:go:version";
/// Property: the GOEXPERIMENTs baked into the toolchain version, comma-separated (only when there are any).
pub const PROP_GO_EXPERIMENTS: &str = "tofu-sbom:go:experiments";
/// Property prefix: one property per Go build setting, `tofu-sbom:go:build:<key>` = value (e.g. `…:CGO_ENABLED` = `0`,
/// `…:-trimpath` = `true`, `…:vcs.revision`).
pub const PROP_GO_BUILD_PREFIX: &str = "tofu-sbom:go:build:";
/// Property: where the provider version came from (e.g. `release-filename`).
pub const PROP_VERSION_SOURCE: &str = "tofu-sbom:version-source";
/// Property: the OpenTofu lock-file `zh:` hash of the platform's ZIP (`zh:<sha256 hex>`).
pub const PROP_LOCK_ZH: &str = "tofu-sbom:lock:zh";
/// Property: the OpenTofu lock-file `h1:` hash of the platform's ZIP contents.
pub const PROP_LOCK_H1: &str = "tofu-sbom:lock:h1";
/// Property: the file name of the platform's release ZIP.
pub const PROP_ZIP_NAME: &str = "tofu-sbom:zip:name";
/// Property: the size of the platform's release ZIP in bytes.
pub const PROP_ZIP_SIZE: &str = "tofu-sbom:zip:size";
/// Property: the detached signature file that accompanies the release (e.g. `…_SHA256SUMS.sig`), when present.
pub const PROP_SIGNATURE_FILE: &str = "tofu-sbom:release:signature-file";
/// Root property: how the release's `SHA256SUMS` was authenticated when it was mirrored from a provider registry —
/// `verified` (its detached signature verified with a key the registry published, see [`PROP_RELEASE_SIGNING_KEY`])
/// or `unverified` (mirrored with `--allow-unsigned`). Written from [`ReleaseInput::release_signature`] only.
pub const PROP_RELEASE_SIGNATURE: &str = "tofu-sbom:release:signature";
/// Root property: the fingerprint (uppercase hex) of the key that verified the release's signature.
pub const PROP_RELEASE_SIGNING_KEY: &str = "tofu-sbom:release:signing-key";
/// Property: the provider address `HOST/NAMESPACE/TYPE`.
pub const PROP_PROVIDER_ADDRESS: &str = "tofu-sbom:provider:address";
/// Property: the platforms (`os_arch`, comma-separated, sorted) a component was found in (release-wide documents).
pub const PROP_PLATFORMS: &str = "tofu-sbom:platforms";
/// Property: the main package path of the binary (Go build info `path` line), on the main module.
pub const PROP_GO_MAIN_PACKAGE: &str = "tofu-sbom:go:main-package";
/// Property: the main module version as recorded in the build info (often `(devel)`), on the main module.
pub const PROP_GO_BUILDINFO_VERSION: &str = "tofu-sbom:go:buildinfo-version";
/// Property: the module's go.sum hash (`h1:<base64>`, Go dirhash Hash1). Never emitted as a `hashes` entry.
pub const PROP_GO_MODULE_H1: &str = "tofu-sbom:go:module:h1";
/// Property: the module a `=>` replacement replaced, as `path@version` (or `path` when it had no version).
pub const PROP_GO_REPLACED: &str = "tofu-sbom:go:replace:original";
/// Property: the local directory a module was replaced with (`=> ../dir`).
pub const PROP_GO_REPLACE_LOCAL_PATH: &str = "tofu-sbom:go:replace:local-path";
/// Property: `true` on a module replaced by a local directory: it has no version and no hash.
pub const PROP_GO_UNVERSIONED_LOCAL: &str = "tofu-sbom:go:replace:unversioned-local";
/// Trivy property: application type; `gobinary` makes Trivy collect the modules below the binary.
pub const PROP_TRIVY_TYPE: &str = "aquasecurity:trivy:Type";
/// Trivy property: application class, `lang-pkgs`.
pub const PROP_TRIVY_CLASS: &str = "aquasecurity:trivy:Class";

/// The supplier name used for the Go standard library.
pub const GO_SUPPLIER: &str = "golang";

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

/// A whole provider release, as read from its ZIPs: the input of [`Inventory::for_platform`] and
/// [`Inventory::for_release`].
#[derive(Debug, Clone)]
pub struct ReleaseInput {
    /// Provider type (`TYPE` in `terraform-provider-TYPE`).
    pub provider_type: String,
    /// Release version without `v` (`1.2.3`, `1.2.3-beta.1`), from the ZIP names.
    pub version: String,
    /// Full provider address, when known.
    pub address: Option<ProviderAddress>,
    /// Supplier of the provider (`--supplier`); defaults to the address namespace.
    pub supplier: Option<String>,
    /// SBOM authors (`--author`). When empty, the supplier is recorded as the authoring organisation.
    pub authors: Vec<Author>,
    /// The generating tool.
    pub tool: ToolInfo,
    /// Document timestamp; rendered in UTC, truncated to whole seconds.
    pub timestamp: OffsetDateTime,
    /// One entry per platform ZIP.
    pub platforms: Vec<PlatformInput>,
    /// How the release was authenticated when it was mirrored (`tofu-sbom mirror`), recorded on the root component
    /// of every document ([`PROP_RELEASE_SIGNATURE`], [`PROP_RELEASE_SIGNING_KEY`]); `None`: nothing is recorded.
    pub release_signature: Option<ReleaseSignature>,
}

/// How a mirrored release's `SHA256SUMS` was authenticated. A closed set rather than free-form root properties, so
/// that `verify --release` can read it back and re-derive it exactly, and report anything else it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseSignature {
    /// The signature verified with a key the provider registry published.
    Verified {
        /// The key's fingerprint (uppercase hex).
        fingerprint: String,
    },
    /// No key was published; mirrored with `--allow-unsigned`.
    Unverified,
}

impl ReleaseSignature {
    /// The value of [`PROP_RELEASE_SIGNATURE`] for a verified release.
    pub const VERIFIED: &'static str = "verified";
    /// The value of [`PROP_RELEASE_SIGNATURE`] for an unverified release.
    pub const UNVERIFIED: &'static str = "unverified";

    /// The root-component properties recording it, sorted by name.
    pub fn properties(&self) -> Vec<Property> {
        match self {
            Self::Verified { fingerprint } => vec![
                prop(PROP_RELEASE_SIGNATURE, Self::VERIFIED),
                prop(PROP_RELEASE_SIGNING_KEY, fingerprint),
            ],
            Self::Unverified => vec![prop(PROP_RELEASE_SIGNATURE, Self::UNVERIFIED)],
        }
    }

    /// Reads it back from the values of [`PROP_RELEASE_SIGNATURE`] and [`PROP_RELEASE_SIGNING_KEY`] (`None`, `None`:
    /// nothing recorded). Any other combination than the ones [`Self::properties`] writes is an error naming it.
    pub fn from_properties(
        signature: Option<&str>,
        signing_key: Option<&str>,
    ) -> Result<Option<Self>, String> {
        match (signature, signing_key) {
            (None, None) => Ok(None),
            (Some(Self::VERIFIED), Some(k)) if !k.is_empty() => Ok(Some(Self::Verified {
                fingerprint: k.to_owned(),
            })),
            (Some(Self::UNVERIFIED), None) => Ok(Some(Self::Unverified)),
            (Some(Self::VERIFIED), None) => Err(format!(
                "{PROP_RELEASE_SIGNATURE} = {:?} without {PROP_RELEASE_SIGNING_KEY}",
                Self::VERIFIED
            )),
            (Some(s @ (Self::VERIFIED | Self::UNVERIFIED)), Some(k)) => Err(format!(
                "{PROP_RELEASE_SIGNATURE} = {s:?} with {PROP_RELEASE_SIGNING_KEY} = {k:?}"
            )),
            (Some(s), _) => Err(format!(
                "{PROP_RELEASE_SIGNATURE} = {s:?} (expected {:?} or {:?})",
                Self::VERIFIED,
                Self::UNVERIFIED
            )),
            (None, Some(k)) => Err(format!(
                "{PROP_RELEASE_SIGNING_KEY} = {k:?} without {PROP_RELEASE_SIGNATURE}"
            )),
        }
    }
}

/// One platform ZIP of a release and the provider binary inside it. Digests are lowercase hex strings.
#[derive(Debug, Clone)]
pub struct PlatformInput {
    /// GOOS, e.g. `linux`.
    pub os: String,
    /// GOARCH, e.g. `amd64`.
    pub arch: String,
    /// ZIP file name, e.g. `terraform-provider-x_1.2.3_linux_amd64.zip`.
    pub zip_name: String,
    /// SHA-256 of the ZIP file.
    pub zip_sha256: String,
    /// SHA-512 of the ZIP file.
    pub zip_sha512: String,
    /// Size of the ZIP file in bytes.
    pub zip_size: u64,
    /// File name of the provider executable inside the ZIP, e.g. `terraform-provider-x_v1.2.3`.
    pub binary_name: String,
    /// SHA-256 of the executable.
    pub binary_sha256: String,
    /// SHA-512 of the executable.
    pub binary_sha512: String,
    /// The executable's Go build info.
    pub buildinfo: BuildInfo,
    /// Lock-file `zh:` hash (`zh:<hex>`).
    pub zh: String,
    /// Lock-file `h1:` hash (`h1:<base64>`).
    pub h1: String,
    /// Where the provider version came from, e.g. `release-filename`.
    pub version_source: String,
    /// The signature file accompanying the release, when present.
    pub signature_file: Option<String>,
}

impl PlatformInput {
    /// `os_arch`, as in the ZIP name.
    pub fn platform(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }
}

/// Errors building an [`Inventory`] from a [`ReleaseInput`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum InventoryError {
    /// The release has no platform at all.
    #[error("the release has no platform ZIP")]
    NoPlatforms,
    /// `for_platform` was asked for an index past the end of `platforms`.
    #[error("platform index {index} out of range (the release has {count} platforms)")]
    PlatformIndex {
        /// The requested index.
        index: usize,
        /// The number of platforms.
        count: usize,
    },
    /// The provider type is empty.
    #[error("the provider type is empty")]
    EmptyProviderType,
    /// The release version is empty, `v`-prefixed, or `(devel)`.
    #[error("invalid release version {version:?}: expected a bare semantic version such as 1.2.3")]
    InvalidVersion {
        /// The offending version.
        version: String,
    },
    /// Two platforms share the same `os_arch`.
    #[error("platform {platform} appears twice ({first} and {second})")]
    DuplicatePlatform {
        /// `os_arch`.
        platform: String,
        /// The first ZIP.
        first: String,
        /// The second ZIP.
        second: String,
    },
    /// A digest is not lowercase hex of the expected length.
    #[error("{zip}: {field} is not a lowercase hex {algorithm} digest: {value:?}")]
    BadDigest {
        /// The ZIP the platform came from.
        zip: String,
        /// Which input field.
        field: &'static str,
        /// `SHA-256` or `SHA-512`.
        algorithm: &'static str,
        /// The offending value.
        value: String,
    },
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

/// The Go toolchain version split into the stdlib version and experiments.
// TODO(merge): use buildinfo::GoVersion once the build-info reader lands; this private helper mirrors Trivy's
// `parseStdlibVersion`: strip `go`, cut at the first space (` X:…` experiments before Go 1.26, vendor suffixes such as
// ` (Red Hat 1.26.5-1.el9)`), cut at `-X:` (Go ≥ 1.26), add `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoToolchain {
    /// `v1.22.5`; `None` when the string is not a `go1…` release version (e.g. `devel go1.23-abc…`).
    stdlib_version: Option<String>,
    /// GOEXPERIMENT names, in order.
    experiments: Vec<String>,
}

fn split_go_version(raw: &str) -> GoToolchain {
    let raw = raw.trim();
    let Some(rest) = raw.strip_prefix("go") else {
        return GoToolchain {
            stdlib_version: None,
            experiments: Vec::new(),
        };
    };
    let (head, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let (version, dash_experiments) = head.split_once("-X:").unwrap_or((head, ""));
    let mut experiments: Vec<String> = Vec::new();
    let mut push_list = |list: &str| {
        experiments.extend(list.split(',').filter(|e| !e.is_empty()).map(str::to_owned));
    };
    push_list(dash_experiments);
    if let Some(space_experiments) = tail.strip_prefix("X:") {
        push_list(space_experiments.split(' ').next().unwrap_or(""));
    }
    let valid = version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.');
    GoToolchain {
        stdlib_version: valid.then(|| format!("v{version}")),
        experiments,
    }
}

/// The CPE 2.3 name of a Go toolchain version `v1.22.5` → `cpe:2.3:a:golang:go:1.22.5:-:*:*:*:*:*:*`; a pre-release
/// `v1.21rc2` → `cpe:2.3:a:golang:go:1.21.0:rc2:*:*:*:*:*:*` (NVD's spelling of Go release candidates).
fn stdlib_cpe(stdlib_version: &str) -> String {
    let v = stdlib_version.trim_start_matches('v');
    let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
    let (number, pre) = v.split_at(split);
    let (number, update) = if pre.is_empty() {
        (number.to_owned(), "-".to_owned())
    } else {
        let mut parts: Vec<&str> = number.split('.').collect();
        while parts.len() < 3 {
            parts.push("0");
        }
        (parts.join("."), pre.to_owned())
    };
    format!("cpe:2.3:a:golang:go:{number}:{update}:*:*:*:*:*:*")
}

/// The supplier (owner) of a Go module, derived from its path for the NTIA "supplier" element:
/// * code hosts `github.com`, `gitlab.com`, `bitbucket.org`, `codeberg.org`, `gitea.com`, `git.sr.ht`: the first path
///   element after the host (`github.com/hashicorp/go-getter` → `hashicorp`; `git.sr.ht/~user/x` → `user`);
/// * `gopkg.in/user/pkg.v1` → `user`, `gopkg.in/pkg.v3` → `go-pkg` (gopkg.in's own mapping to `github.com/go-pkg/pkg`);
/// * `golang.org/x/…` → `golang`; `google.golang.org/…` and `cloud.google.com/…` → `google`;
///   `k8s.io/…`, `sigs.k8s.io/…` → `kubernetes`;
/// * otherwise the host itself (`go.uber.org/zap` → `go.uber.org`): a vanity domain names its owner.
pub fn supplier_from_module_path(path: &str) -> Option<String> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let host = parts.next()?.to_ascii_lowercase();
    let second = parts.next();
    let third = parts.next();
    let owner = match host.as_str() {
        "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org" | "gitea.com"
        | "git.sr.ht" => second.map(|s| s.trim_start_matches('~').to_owned()),
        "gopkg.in" => match (second, third) {
            (Some(user), Some(_)) => Some(user.to_owned()),
            (Some(pkg), None) => pkg.split('.').next().map(|p| format!("go-{p}")),
            _ => None,
        },
        "golang.org" => Some(GO_SUPPLIER.to_owned()),
        "google.golang.org" | "cloud.google.com" => Some("google".to_owned()),
        "k8s.io" | "sigs.k8s.io" => Some("kubernetes".to_owned()),
        _ => None,
    };
    Some(owner.filter(|o| !o.is_empty()).unwrap_or(host))
}

fn prop(name: impl Into<String>, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        value: value.into(),
    }
}

fn sha256_512(sha256: &str, sha512: &str) -> Vec<Hash> {
    vec![
        Hash {
            algorithm: HashAlgorithm::Sha256,
            hex: sha256.to_owned(),
        },
        Hash {
            algorithm: HashAlgorithm::Sha512,
            hex: sha512.to_owned(),
        },
    ]
}

fn check_hex(
    zip: &str,
    field: &'static str,
    value: &str,
    len: usize,
) -> Result<(), InventoryError> {
    let ok = value.len() == len
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InventoryError::BadDigest {
            zip: zip.to_owned(),
            field,
            algorithm: if len == 64 { "SHA-256" } else { "SHA-512" },
            value: value.to_owned(),
        })
    }
}

fn validate(input: &ReleaseInput) -> Result<(), InventoryError> {
    if input.provider_type.is_empty() {
        return Err(InventoryError::EmptyProviderType);
    }
    let v = &input.version;
    if v.is_empty() || v.starts_with('v') || v.starts_with('V') || v == "(devel)" {
        return Err(InventoryError::InvalidVersion { version: v.clone() });
    }
    if input.platforms.is_empty() {
        return Err(InventoryError::NoPlatforms);
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for p in &input.platforms {
        check_hex(&p.zip_name, "zip_sha256", &p.zip_sha256, 64)?;
        check_hex(&p.zip_name, "zip_sha512", &p.zip_sha512, 128)?;
        check_hex(&p.zip_name, "binary_sha256", &p.binary_sha256, 64)?;
        check_hex(&p.zip_name, "binary_sha512", &p.binary_sha512, 128)?;
        if let Some(first) = seen.insert(p.platform(), &p.zip_name) {
            return Err(InventoryError::DuplicatePlatform {
                platform: p.platform(),
                first: first.to_owned(),
                second: p.zip_name.clone(),
            });
        }
    }
    Ok(())
}

/// The components one platform contributes below the root.
struct PlatformParts {
    binary: Component,
    main: Option<Component>,
    /// Modules and stdlib.
    deps: Vec<Component>,
}

/// Release-wide facts shared by every document.
struct ReleaseFacts {
    root_name: String,
    root_ref: String,
    supplier: Option<String>,
    authors: Vec<Author>,
}

fn release_facts(input: &ReleaseInput) -> ReleaseFacts {
    let root_name = format!("terraform-provider-{}", input.provider_type);
    let root_ref = match &input.address {
        Some(address) => format!("tofu-sbom:provider:{address}@{}", input.version),
        None => format!("tofu-sbom:provider:{root_name}@{}", input.version),
    };
    let supplier = input
        .supplier
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| input.address.as_ref().map(|a| a.namespace.clone()))
        .or_else(|| {
            input
                .platforms
                .iter()
                .find_map(|p| p.buildinfo.main.as_ref())
                .and_then(|m| supplier_from_module_path(&m.path))
        });
    let mut authors = input.authors.clone();
    if authors.is_empty()
        && let Some(s) = &supplier
    {
        authors.push(Author {
            kind: AuthorKind::Organization,
            name: s.clone(),
            email: None,
        });
    }
    ReleaseFacts {
        root_name,
        root_ref,
        supplier,
        authors,
    }
}

/// The properties describing one platform: os/arch, Go version, experiments, build settings, version source,
/// lock hashes, ZIP name/size, signature file.
fn platform_properties(p: &PlatformInput) -> Vec<Property> {
    let go = split_go_version(&p.buildinfo.go_version);
    let mut props = vec![
        prop(PROP_OS, &p.os),
        prop(PROP_ARCH, &p.arch),
        prop(PROP_GO_VERSION, &p.buildinfo.go_version),
        prop(PROP_VERSION_SOURCE, &p.version_source),
        prop(PROP_LOCK_ZH, &p.zh),
        prop(PROP_LOCK_H1, &p.h1),
        prop(PROP_ZIP_NAME, &p.zip_name),
        prop(PROP_ZIP_SIZE, p.zip_size.to_string()),
    ];
    if !go.experiments.is_empty() {
        props.push(prop(PROP_GO_EXPERIMENTS, go.experiments.join(",")));
    }
    for setting in &p.buildinfo.settings {
        props.push(prop(
            format!("{PROP_GO_BUILD_PREFIX}{}", setting.key),
            &setting.value,
        ));
    }
    if let Some(sig) = &p.signature_file {
        props.push(prop(PROP_SIGNATURE_FILE, sig));
    }
    props
}

fn empty_component(bom_ref: String, kind: ComponentKind, name: String) -> Component {
    Component {
        bom_ref,
        kind,
        name,
        version: None,
        purl: None,
        cpe: None,
        supplier: None,
        file_name: None,
        download_location: None,
        hashes: Vec::new(),
        distributions: Vec::new(),
        ancestors: Vec::new(),
        properties: Vec::new(),
    }
}

fn version_of(m: &Module) -> Option<&str> {
    Some(m.version.as_str()).filter(|v| !v.is_empty() && *v != "(devel)")
}

fn module_component(dep: &Module) -> Component {
    let original_label = match version_of(dep) {
        Some(v) => format!("{}@{v}", dep.path),
        None => dep.path.clone(),
    };
    let ancestor = || Ancestor {
        name: dep.path.clone(),
        version: version_of(dep).map(str::to_owned),
        purl: purl::golang(&dep.path, version_of(dep)),
    };
    let (name, version, sum, mut properties, ancestors) = match dep.replace.as_deref() {
        Some(repl) if purl::is_local_replacement(&repl.path) => (
            dep.path.clone(),
            None,
            "",
            vec![
                prop(PROP_GO_REPLACED, &original_label),
                prop(PROP_GO_REPLACE_LOCAL_PATH, &repl.path),
                prop(PROP_GO_UNVERSIONED_LOCAL, "true"),
            ],
            vec![ancestor()],
        ),
        Some(repl) => (
            repl.path.clone(),
            version_of(repl).map(str::to_owned),
            repl.sum.as_str(),
            vec![prop(PROP_GO_REPLACED, &original_label)],
            vec![ancestor()],
        ),
        None => (
            dep.path.clone(),
            version_of(dep).map(str::to_owned),
            dep.sum.as_str(),
            Vec::new(),
            Vec::new(),
        ),
    };
    if !sum.is_empty() {
        properties.push(prop(PROP_GO_MODULE_H1, sum));
    }
    let purl = purl::golang(&name, version.as_deref());
    let mut c = empty_component(purl.clone(), ComponentKind::Module, name.clone());
    c.download_location = version.as_deref().map(|v| purl::go_proxy_zip_url(&name, v));
    c.supplier = supplier_from_module_path(&name);
    c.version = version;
    c.purl = Some(purl);
    c.ancestors = ancestors;
    c.properties = properties;
    c
}

fn stdlib_component(go_version: &str) -> Component {
    let go = split_go_version(go_version);
    let purl = purl::stdlib(go.stdlib_version.as_deref());
    let mut c = empty_component(
        purl.clone(),
        ComponentKind::Stdlib,
        purl::STDLIB_NAME.to_owned(),
    );
    c.cpe = go.stdlib_version.as_deref().map(stdlib_cpe);
    c.download_location = go.stdlib_version.as_deref().map(|v| {
        format!(
            "https://go.dev/dl/go{}.src.tar.gz",
            v.trim_start_matches('v')
        )
    });
    c.version = go.stdlib_version;
    c.purl = Some(purl);
    c.supplier = Some(GO_SUPPLIER.to_owned());
    c
}

fn platform_parts(input: &ReleaseInput, facts: &ReleaseFacts, p: &PlatformInput) -> PlatformParts {
    let bi = &p.buildinfo;
    let mut binary = empty_component(
        format!("tofu-sbom:binary:{}:{}", p.platform(), p.binary_name),
        ComponentKind::Binary,
        p.binary_name.clone(),
    );
    binary.version = Some(input.version.clone());
    binary.supplier = facts.supplier.clone();
    binary.file_name = Some(p.binary_name.clone());
    binary.hashes = sha256_512(&p.binary_sha256, &p.binary_sha512);
    binary.properties = vec![
        prop(PROP_TRIVY_CLASS, "lang-pkgs"),
        prop(PROP_TRIVY_TYPE, "gobinary"),
    ];

    let main_path = bi
        .main
        .as_ref()
        .map(|m| m.path.as_str())
        .filter(|p| !p.is_empty());
    let main = main_path.map(|path| {
        let version = format!("v{}", input.version);
        let purl = purl::golang(path, Some(&version));
        let mut c = empty_component(purl.clone(), ComponentKind::MainModule, path.to_owned());
        c.download_location = Some(purl::go_proxy_zip_url(path, &version));
        c.version = Some(version);
        c.purl = Some(purl);
        c.supplier = facts.supplier.clone();
        c.properties.push(prop(PROP_GO_MAIN_PACKAGE, &bi.path));
        if let Some(m) = &bi.main {
            c.properties
                .push(prop(PROP_GO_BUILDINFO_VERSION, &m.version));
            if !m.sum.is_empty() {
                c.properties.push(prop(PROP_GO_MODULE_H1, &m.sum));
            }
        }
        c
    });

    // Dependencies keyed by purl; a second module landing on the same purl (two modules replaced by the same one)
    // merges into the first (ancestors and properties united).
    let mut deps: BTreeMap<String, Component> = BTreeMap::new();
    for dep in &bi.deps {
        if dep.path.is_empty() || Some(dep.path.as_str()) == main_path {
            continue; // Trivy and Syft skip these too (old Go lists an empty `(devel)` dep; the main module itself).
        }
        merge_into(&mut deps, module_component(dep));
    }
    merge_into(&mut deps, stdlib_component(&bi.go_version));
    PlatformParts {
        binary,
        main,
        deps: deps.into_values().collect(),
    }
}

/// Adds `c` to `map` keyed by purl (falling back to bom-ref) and returns its final bom-ref: a component with the
/// same purl and name is merged (ancestors and properties united); one with the same purl but a different name (purls
/// are lowercased, module paths are not) is kept with the distinct bom-ref `<purl>|<name>`.
fn merge_into(map: &mut BTreeMap<String, Component>, mut c: Component) -> String {
    let key = c.purl.clone().unwrap_or_else(|| c.bom_ref.clone());
    let key = match map.get(&key) {
        Some(existing) if existing.name != c.name => {
            let key = format!("{key}|{}", c.name);
            c.bom_ref = key.clone();
            key
        }
        _ => key,
    };
    match map.get_mut(&key) {
        Some(existing) => {
            union_sorted(&mut existing.ancestors, c.ancestors);
            union_sorted(&mut existing.properties, c.properties);
            existing.bom_ref.clone()
        }
        None => {
            let r = c.bom_ref.clone();
            map.insert(key, c);
            r
        }
    }
}

fn union_sorted<T: Ord>(into: &mut Vec<T>, more: Vec<T>) {
    let set: BTreeSet<T> = into.drain(..).chain(more).collect();
    into.extend(set);
}

fn finish(mut c: Component) -> Component {
    c.properties.sort();
    c.properties.dedup();
    c.ancestors.sort();
    c.ancestors.dedup();
    c
}

fn root_component(input: &ReleaseInput, facts: &ReleaseFacts) -> Component {
    let mut root = empty_component(
        facts.root_ref.clone(),
        ComponentKind::Provider,
        facts.root_name.clone(),
    );
    root.version = Some(input.version.clone());
    root.supplier = facts.supplier.clone();
    if let Some(address) = &input.address {
        root.properties
            .push(prop(PROP_PROVIDER_ADDRESS, address.to_string()));
    }
    // Sorted and deduplicated with the rest of the root's properties in `finish`.
    if let Some(s) = &input.release_signature {
        root.properties.extend(s.properties());
    }
    root
}

/// Everything [`assemble`] needs to build an [`Inventory`].
struct Assembly {
    name: String,
    scope: Scope,
    facts: ReleaseFacts,
    root: Component,
    components: Vec<Component>,
    edges: BTreeMap<String, BTreeSet<String>>,
    contains: BTreeMap<String, BTreeSet<String>>,
    subjects: Vec<Subject>,
}

fn assemble(input: &ReleaseInput, a: Assembly) -> Inventory {
    let Assembly {
        name,
        scope,
        facts,
        root,
        components,
        edges,
        contains,
        subjects,
    } = a;
    let mut components: Vec<Component> = components.into_iter().map(finish).collect();
    components.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
    let to_list = |edges: BTreeMap<String, BTreeSet<String>>| -> Vec<Dependency> {
        edges
            .into_iter()
            .filter(|(_, to)| !to.is_empty())
            .map(|(from, to)| Dependency {
                from,
                to: to.into_iter().collect(),
            })
            .collect()
    };
    let dependencies = to_list(edges);
    let contains = to_list(contains);
    let mut subjects = subjects;
    subjects.sort();
    Inventory {
        name,
        scope,
        timestamp: normalize_timestamp(input.timestamp),
        tool: input.tool.clone(),
        authors: facts.authors,
        root: finish(root),
        components,
        dependencies,
        contains,
        subjects,
    }
}

/// UTC, whole seconds.
fn normalize_timestamp(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

fn subject(p: &PlatformInput) -> Subject {
    Subject {
        zip_name: p.zip_name.clone(),
        sha256: p.zip_sha256.clone(),
        sha512: p.zip_sha512.clone(),
    }
}

fn distribution(p: &PlatformInput) -> Distribution {
    Distribution {
        file_name: p.zip_name.clone(),
        hashes: sha256_512(&p.zip_sha256, &p.zip_sha512),
    }
}

impl Inventory {
    /// The inventory of one platform ZIP (`input.platforms[index]`): root = the provider with that ZIP's digests and
    /// platform properties.
    pub fn for_platform(input: &ReleaseInput, index: usize) -> Result<Self, InventoryError> {
        validate(input)?;
        let p = input
            .platforms
            .get(index)
            .ok_or(InventoryError::PlatformIndex {
                index,
                count: input.platforms.len(),
            })?;
        let facts = release_facts(input);
        let mut root = root_component(input, &facts);
        root.file_name = Some(p.zip_name.clone());
        root.hashes = sha256_512(&p.zip_sha256, &p.zip_sha512);
        root.distributions = vec![distribution(p)];
        root.properties.extend(platform_properties(p));

        let parts = platform_parts(input, &facts, p);
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        edges
            .entry(root.bom_ref.clone())
            .or_default()
            .insert(parts.binary.bom_ref.clone());
        let dep_refs: BTreeSet<String> = parts.deps.iter().map(|d| d.bom_ref.clone()).collect();
        let mut contains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let linked = contains.entry(parts.binary.bom_ref.clone()).or_default();
        linked.extend(dep_refs.iter().cloned());
        linked.extend(parts.main.iter().map(|m| m.bom_ref.clone()));
        let mut components = vec![parts.binary.clone()];
        match parts.main {
            Some(main) => {
                edges
                    .entry(parts.binary.bom_ref.clone())
                    .or_default()
                    .insert(main.bom_ref.clone());
                edges
                    .entry(main.bom_ref.clone())
                    .or_default()
                    .extend(dep_refs);
                components.push(main);
            }
            None => {
                edges
                    .entry(parts.binary.bom_ref.clone())
                    .or_default()
                    .extend(dep_refs);
            }
        }
        components.extend(parts.deps);
        let name = p
            .zip_name
            .strip_suffix(".zip")
            .unwrap_or(&p.zip_name)
            .to_owned();
        let scope = Scope::Platform {
            os: p.os.clone(),
            arch: p.arch.clone(),
        };
        let subjects = vec![subject(p)];
        Ok(assemble(
            input,
            Assembly {
                name,
                scope,
                facts,
                root,
                components,
                edges,
                contains,
                subjects,
            },
        ))
    }

    /// The inventory of the whole release: one binary component per platform (carrying that platform's
    /// properties), modules and stdlib deduplicated by purl (each with a `tofu-sbom:platforms` property), and a
    /// `distribution` reference with digests per ZIP on the root.
    pub fn for_release(input: &ReleaseInput) -> Result<Self, InventoryError> {
        validate(input)?;
        let facts = release_facts(input);
        let mut root = root_component(input, &facts);
        let mut platforms: Vec<&PlatformInput> = input.platforms.iter().collect();
        platforms.sort_by_key(|p| p.platform());

        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut contains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut binaries = Vec::new();
        let mut shared: BTreeMap<String, Component> = BTreeMap::new();
        let mut found_in: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in &platforms {
            root.distributions.push(distribution(p));
            let parts = platform_parts(input, &facts, p);
            let mut binary = parts.binary;
            // Unique names: Trivy keys applications by name (its file path) and keeps only one of equal ones.
            binary.name = format!("{}/{}", p.platform(), p.binary_name);
            binary.properties.extend(platform_properties(p));
            edges
                .entry(root.bom_ref.clone())
                .or_default()
                .insert(binary.bom_ref.clone());

            let mut dep_refs = BTreeSet::new();
            for dep in parts.deps {
                let r = merge_into(&mut shared, dep);
                found_in.entry(r.clone()).or_default().insert(p.platform());
                dep_refs.insert(r);
            }
            match parts.main {
                Some(main) => {
                    let main_ref = merge_into(&mut shared, main);
                    found_in
                        .entry(main_ref.clone())
                        .or_default()
                        .insert(p.platform());
                    edges
                        .entry(binary.bom_ref.clone())
                        .or_default()
                        .insert(main_ref.clone());
                    let linked = contains.entry(binary.bom_ref.clone()).or_default();
                    linked.insert(main_ref.clone());
                    linked.extend(dep_refs.iter().cloned());
                    edges.entry(main_ref).or_default().extend(dep_refs);
                }
                None => {
                    contains
                        .entry(binary.bom_ref.clone())
                        .or_default()
                        .extend(dep_refs.iter().cloned());
                    edges
                        .entry(binary.bom_ref.clone())
                        .or_default()
                        .extend(dep_refs);
                }
            }
            binaries.push(binary);
        }
        let mut components = binaries;
        for (_, mut c) in shared {
            if let Some(found) = found_in.get(&c.bom_ref) {
                c.properties.push(prop(
                    PROP_PLATFORMS,
                    found.iter().cloned().collect::<Vec<_>>().join(","),
                ));
            }
            components.push(c);
        }
        let name = format!("{}_{}", facts.root_name, input.version);
        let subjects = platforms.iter().map(|p| subject(p)).collect();
        let scope = Scope::Release;
        Ok(assemble(
            input,
            Assembly {
                name,
                scope,
                facts,
                root,
                components,
                edges,
                contains,
                subjects,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buildinfo::BuildSetting;

    #[test]
    fn go_version_split_matches_trivy_rules() {
        let cases = [
            ("go1.22.5", Some("v1.22.5"), vec![]),
            (
                "go1.22.3 X:boringcrypto",
                Some("v1.22.3"),
                vec!["boringcrypto"],
            ),
            ("go1.26.0-X:nodwarf5", Some("v1.26.0"), vec!["nodwarf5"]),
            (
                "go1.26.0-X:nodwarf5,boringcrypto",
                Some("v1.26.0"),
                vec!["nodwarf5", "boringcrypto"],
            ),
            ("go1.26.5 (Red Hat 1.26.5-1.el9)", Some("v1.26.5"), vec![]),
            ("go1.21rc2", Some("v1.21rc2"), vec![]),
            ("devel go1.23-abcdef Tue Jan 1", None, vec![]),
            ("", None, vec![]),
        ];
        for (raw, version, experiments) in cases {
            let got = split_go_version(raw);
            assert_eq!(got.stdlib_version.as_deref(), version, "{raw}");
            assert_eq!(got.experiments, experiments, "{raw}");
        }
    }

    #[test]
    fn stdlib_cpes() {
        assert_eq!(
            stdlib_cpe("v1.22.5"),
            "cpe:2.3:a:golang:go:1.22.5:-:*:*:*:*:*:*"
        );
        assert_eq!(
            stdlib_cpe("v1.21rc2"),
            "cpe:2.3:a:golang:go:1.21.0:rc2:*:*:*:*:*:*"
        );
    }

    #[test]
    fn suppliers_from_module_paths() {
        let cases = [
            ("github.com/hashicorp/go-getter", "hashicorp"),
            ("github.com/hashicorp", "hashicorp"),
            ("github.com", "github.com"),
            ("gitlab.com/group/sub/project", "group"),
            ("git.sr.ht/~sircmpwn/getopt", "sircmpwn"),
            ("gopkg.in/yaml.v3", "go-yaml"),
            ("gopkg.in/src-d/go-git.v4", "src-d"),
            ("golang.org/x/net", "golang"),
            ("google.golang.org/grpc", "google"),
            ("cloud.google.com/go/storage", "google"),
            ("k8s.io/apimachinery", "kubernetes"),
            ("go.uber.org/zap", "go.uber.org"),
            ("buf.build/go/app", "buf.build"),
        ];
        for (path, supplier) in cases {
            assert_eq!(
                supplier_from_module_path(path).as_deref(),
                Some(supplier),
                "{path}"
            );
        }
        assert_eq!(supplier_from_module_path(""), None);
    }

    fn module(path: &str, version: &str, sum: &str) -> Module {
        Module {
            path: path.into(),
            version: version.into(),
            sum: sum.into(),
            replace: None,
        }
    }

    fn sample_input() -> ReleaseInput {
        let bi = |goos: &str, extra: Option<Module>| BuildInfo {
            go_version: "go1.22.3 X:boringcrypto".into(),
            path: "github.com/acme/terraform-provider-demo".into(),
            main: Some(module(
                "github.com/acme/terraform-provider-demo",
                "(devel)",
                "",
            )),
            deps: [
                Some(module(
                    "github.com/hashicorp/go-plugin",
                    "v1.6.0",
                    "h1:plugin=",
                )),
                Some(Module {
                    replace: Some(Box::new(module(
                        "github.com/fork/yaml",
                        "v1.1.0",
                        "h1:fork=",
                    ))),
                    ..module("gopkg.in/yaml.v2", "v2.4.0", "h1:orig=")
                }),
                Some(Module {
                    replace: Some(Box::new(module("../local", "(devel)", ""))),
                    ..module("example.com/Local", "v0.1.0", "h1:local=")
                }),
                extra,
            ]
            .into_iter()
            .flatten()
            .collect(),
            settings: vec![
                BuildSetting {
                    key: "-trimpath".into(),
                    value: "true".into(),
                },
                BuildSetting {
                    key: "GOOS".into(),
                    value: goos.into(),
                },
            ],
        };
        let platform = |os: &str, arch: &str, c: char, extra| PlatformInput {
            os: os.into(),
            arch: arch.into(),
            zip_name: format!("terraform-provider-demo_1.2.3_{os}_{arch}.zip"),
            zip_sha256: c.to_string().repeat(64),
            zip_sha512: c.to_string().repeat(128),
            zip_size: 1234,
            binary_name: "terraform-provider-demo_v1.2.3".into(),
            binary_sha256: "b".repeat(64),
            binary_sha512: "b".repeat(128),
            buildinfo: bi(os, extra),
            zh: format!("zh:{}", c.to_string().repeat(64)),
            h1: "h1:abc=".into(),
            version_source: "release-filename".into(),
            signature_file: None,
        };
        ReleaseInput {
            provider_type: "demo".into(),
            version: "1.2.3".into(),
            address: Some(ProviderAddress {
                host: "registry.opentofu.org".into(),
                namespace: "acme".into(),
                provider_type: "demo".into(),
            }),
            supplier: None,
            authors: vec![],
            tool: ToolInfo {
                name: "tofu-sbom".into(),
                version: "0.0.0-test".into(),
            },
            timestamp: time::macros::datetime!(2024-01-02 03:04:05.678 +02:00),
            platforms: vec![
                platform("linux", "amd64", 'a', None),
                platform(
                    "darwin",
                    "arm64",
                    'c',
                    Some(module("golang.org/x/sys", "v0.20.0", "h1:sys=")),
                ),
            ],
            release_signature: None,
        }
    }

    #[test]
    fn platform_inventory_shape() {
        let inv = Inventory::for_platform(&sample_input(), 0).unwrap();
        assert_eq!(inv.name, "terraform-provider-demo_1.2.3_linux_amd64");
        assert_eq!(
            inv.timestamp,
            time::macros::datetime!(2024-01-02 01:04:05 UTC)
        );
        assert_eq!(inv.root.name, "terraform-provider-demo");
        assert_eq!(inv.root.purl, None);
        assert_eq!(inv.root.supplier.as_deref(), Some("acme"));
        assert_eq!(
            inv.authors,
            vec![Author {
                kind: AuthorKind::Organization,
                name: "acme".into(),
                email: None
            }]
        );
        let refs: Vec<&str> = inv.components.iter().map(|c| c.bom_ref.as_str()).collect();
        assert_eq!(
            refs,
            [
                "pkg:golang/example.com/local",
                "pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3",
                "pkg:golang/github.com/fork/yaml@v1.1.0",
                "pkg:golang/github.com/hashicorp/go-plugin@v1.6.0",
                "pkg:golang/stdlib@v1.22.3",
                "tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3",
            ]
        );
        let local = &inv.components[0];
        assert_eq!(
            (local.name.as_str(), local.version.as_deref()),
            ("example.com/Local", None)
        );
        assert_eq!(local.download_location, None);
        assert!(
            local
                .properties
                .contains(&prop(PROP_GO_UNVERSIONED_LOCAL, "true"))
        );
        assert!(!local.properties.iter().any(|p| p.name == PROP_GO_MODULE_H1));
        let fork = &inv.components[2];
        assert_eq!(
            fork.ancestors,
            vec![Ancestor {
                name: "gopkg.in/yaml.v2".into(),
                version: Some("v2.4.0".into()),
                purl: "pkg:golang/gopkg.in/yaml.v2@v2.4.0".into()
            }]
        );
        assert_eq!(
            fork.properties,
            vec![
                prop(PROP_GO_MODULE_H1, "h1:fork="),
                prop(PROP_GO_REPLACED, "gopkg.in/yaml.v2@v2.4.0")
            ]
        );
        let stdlib = &inv.components[4];
        assert_eq!(
            stdlib.cpe.as_deref(),
            Some("cpe:2.3:a:golang:go:1.22.3:-:*:*:*:*:*:*")
        );
        assert_eq!(stdlib.version.as_deref(), Some("v1.22.3"));
        assert!(
            inv.root
                .properties
                .contains(&prop(PROP_GO_EXPERIMENTS, "boringcrypto"))
        );
        assert!(
            inv.root
                .properties
                .contains(&prop("tofu-sbom:go:build:-trimpath", "true"))
        );
        assert_eq!(
            inv.dependencies,
            vec![
                Dependency {
                    from: "pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3".into(),
                    to: vec![
                        "pkg:golang/example.com/local".into(),
                        "pkg:golang/github.com/fork/yaml@v1.1.0".into(),
                        "pkg:golang/github.com/hashicorp/go-plugin@v1.6.0".into(),
                        "pkg:golang/stdlib@v1.22.3".into(),
                    ]
                },
                Dependency {
                    from: "tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3".into(),
                    to: vec!["pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3".into()]
                },
                Dependency {
                    from: "tofu-sbom:provider:registry.opentofu.org/acme/demo@1.2.3".into(),
                    to: vec!["tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3".into()]
                },
            ]
        );
    }

    #[test]
    fn release_inventory_unions_platforms() {
        let inv = Inventory::for_release(&sample_input()).unwrap();
        assert_eq!(inv.name, "terraform-provider-demo_1.2.3");
        assert_eq!(inv.root.hashes, vec![]);
        assert_eq!(
            inv.root
                .distributions
                .iter()
                .map(|d| d.file_name.as_str())
                .collect::<Vec<_>>(),
            [
                "terraform-provider-demo_1.2.3_darwin_arm64.zip",
                "terraform-provider-demo_1.2.3_linux_amd64.zip"
            ]
        );
        let sys = inv
            .components
            .iter()
            .find(|c| c.name == "golang.org/x/sys")
            .unwrap();
        assert!(
            sys.properties
                .contains(&prop(PROP_PLATFORMS, "darwin_arm64"))
        );
        let plugin = inv
            .components
            .iter()
            .find(|c| c.name == "github.com/hashicorp/go-plugin")
            .unwrap();
        assert!(
            plugin
                .properties
                .contains(&prop(PROP_PLATFORMS, "darwin_arm64,linux_amd64"))
        );
        // `contains` is exact per platform: only the darwin binary links golang.org/x/sys.
        let linked = |platform: &str| -> Vec<&str> {
            let from = format!("tofu-sbom:binary:{platform}:terraform-provider-demo_v1.2.3");
            inv.contains
                .iter()
                .find(|d| d.from == from)
                .map(|d| d.to.iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        assert_eq!(linked("darwin_arm64").len(), 6);
        assert!(linked("darwin_arm64").contains(&"pkg:golang/golang.org/x/sys@v0.20.0"));
        assert_eq!(
            linked("linux_amd64"),
            [
                "pkg:golang/example.com/local",
                "pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3",
                "pkg:golang/github.com/fork/yaml@v1.1.0",
                "pkg:golang/github.com/hashicorp/go-plugin@v1.6.0",
                "pkg:golang/stdlib@v1.22.3",
            ]
        );
        let binaries = inv
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::Binary)
            .count();
        assert_eq!(binaries, 2);
        // Every component is reachable from the root.
        let mut reached = BTreeSet::from([inv.root.bom_ref.clone()]);
        let mut frontier = vec![inv.root.bom_ref.clone()];
        while let Some(r) = frontier.pop() {
            for d in inv.dependencies.iter().filter(|d| d.from == r) {
                for t in &d.to {
                    if reached.insert(t.clone()) {
                        frontier.push(t.clone());
                    }
                }
            }
        }
        for c in &inv.components {
            assert!(reached.contains(&c.bom_ref), "{} not connected", c.bom_ref);
        }
        let unique: BTreeSet<&str> = inv.components.iter().map(|c| c.bom_ref.as_str()).collect();
        assert_eq!(unique.len(), inv.components.len());
    }

    #[test]
    fn binary_without_main_module_links_deps_directly() {
        let mut input = sample_input();
        input.platforms.truncate(1);
        let bi = &mut input.platforms[0].buildinfo;
        bi.main = None;
        bi.path = "command-line-arguments".into();
        let inv = Inventory::for_platform(&input, 0).unwrap();
        assert!(
            inv.components
                .iter()
                .all(|c| c.kind != ComponentKind::MainModule)
        );
        let binary = "tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3";
        let deps = inv.dependencies.iter().find(|d| d.from == binary).unwrap();
        assert_eq!(deps.to.len(), 4);
        assert!(deps.to.contains(&"pkg:golang/stdlib@v1.22.3".to_owned()));
        // Without an address or a supplier, the supplier falls back to nothing derivable: no main module.
        input.address = None;
        let inv = Inventory::for_platform(&input, 0).unwrap();
        assert_eq!(inv.root.supplier, None);
        assert_eq!(inv.authors, vec![]);
        assert_eq!(
            inv.root.bom_ref,
            "tofu-sbom:provider:terraform-provider-demo@1.2.3"
        );
    }

    #[test]
    fn modules_differing_only_in_case_keep_distinct_refs() {
        let mut input = sample_input();
        input.platforms.truncate(1);
        let deps = &mut input.platforms[0].buildinfo.deps;
        deps.push(module("github.com/Foo/bar", "v1.0.0", ""));
        deps.push(module("github.com/foo/bar", "v1.0.0", ""));
        let inv = Inventory::for_platform(&input, 0).unwrap();
        let refs: Vec<(&str, &str)> = inv
            .components
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case("github.com/foo/bar"))
            .map(|c| (c.name.as_str(), c.bom_ref.as_str()))
            .collect();
        assert_eq!(
            refs,
            [
                ("github.com/Foo/bar", "pkg:golang/github.com/foo/bar@v1.0.0"),
                (
                    "github.com/foo/bar",
                    "pkg:golang/github.com/foo/bar@v1.0.0|github.com/foo/bar"
                ),
            ]
        );
    }

    #[test]
    fn input_errors() {
        let mut input = sample_input();
        input.version = "v1.2.3".into();
        assert_eq!(
            Inventory::for_release(&input).unwrap_err(),
            InventoryError::InvalidVersion {
                version: "v1.2.3".into()
            }
        );
        let mut input = sample_input();
        input.platforms[1].os = "linux".into();
        input.platforms[1].arch = "amd64".into();
        assert_eq!(
            Inventory::for_release(&input).unwrap_err().to_string(),
            "platform linux_amd64 appears twice (terraform-provider-demo_1.2.3_linux_amd64.zip and \
             terraform-provider-demo_1.2.3_darwin_arm64.zip)"
        );
        let mut input = sample_input();
        input.platforms[0].binary_sha512 = "B".repeat(128);
        assert!(matches!(
            Inventory::for_platform(&input, 0).unwrap_err(),
            InventoryError::BadDigest {
                field: "binary_sha512",
                ..
            }
        ));
        assert_eq!(
            Inventory::for_platform(&sample_input(), 5).unwrap_err(),
            InventoryError::PlatformIndex { index: 5, count: 2 }
        );
    }
}
