//! Property names (part of the output format: each documented on its constant) and the one way a property is
//! made. A leaf: knows neither the input, the Go rules, how the graph is assembled nor any SBOM format.

use super::Property;

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
/// or `unverified` (mirrored with `--allow-unsigned`). Written from `ReleaseInput::release_signature` only.
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
/// Root property (only when licences were resolved): the configured licence source of the Go modules, `goproxy`,
/// `modcache` or `dir` (`--licenses`); `verify --release` reads it back to re-derive the document.
pub const PROP_LICENSES_SOURCE: &str = "tofu-sbom:licenses:source";
/// Root property (only with `--license`): the provider's own licence expression, which the root and the main module
/// carry as their licence; `verify --release` reads it back.
pub const PROP_LICENSES_PROVIDER: &str = "tofu-sbom:licenses:provider";
/// Trivy property: application type; `gobinary` makes Trivy collect the modules below the binary.
pub const PROP_TRIVY_TYPE: &str = "aquasecurity:trivy:Type";
/// Trivy property: application class, `lang-pkgs`.
pub const PROP_TRIVY_CLASS: &str = "aquasecurity:trivy:Class";

pub(super) fn prop(name: impl Into<String>, value: impl Into<String>) -> Property {
    Property {
        name: name.into(),
        value: value.into(),
    }
}

/// BSI's CycloneDX property taxonomy (v0.1.2, for TR-03183-2 v2.1.0): whether the component is executable
/// (`executable` / `non-executable`); exactly once per component.
pub const BSI_EXECUTABLE: &str = "bsi:component:executable";
/// BSI taxonomy: whether the component is an archive (`archive` / `no archive`); exactly once per component.
pub const BSI_ARCHIVE: &str = "bsi:component:archive";
/// BSI taxonomy: whether metadata of the component's contents is present (`structured` / `unstructured`); exactly
/// once per component.
pub const BSI_STRUCTURED: &str = "bsi:component:structured";
/// BSI taxonomy: the component's actual file name (not a path); at most once per component.
pub const BSI_FILENAME: &str = "bsi:component:filename";
