//! Go build info: the `\xff Go buildinf:` blob the Go linker embeds in every binary, and the `runtime/debug`
//! modinfo text inside it. Output matches Go's `debug/buildinfo` and `go version -m` exactly.
//!
//! (Being written: see issue 2. The public types below are the contract other stages build on.)

/// What Go's `debug/buildinfo.Read` returns, plus the parsed Go version.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct BuildInfo {
    /// The raw toolchain version string, e.g. `go1.22.5`, `go1.22.3 X:boringcrypto`, `go1.26.0-X:nodwarf5`.
    pub go_version: String,
    /// The main package path (`path` line), e.g. `github.com/org/terraform-provider-x` or `command-line-arguments`.
    pub path: String,
    /// The main module (`mod` line); `None` when the binary was built without module information.
    pub main: Option<Module>,
    /// Dependencies (`dep` lines), in the order the binary lists them.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines), in order.
    pub settings: Vec<BuildSetting>,
}

/// A module as in `runtime/debug.Module`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Module version; `(devel)` for the main module without VCS stamping and for local-path replacements.
    pub version: String,
    /// go.sum checksum (`h1:…`); empty when absent.
    pub sum: String,
    /// The `=>` replacement, when the module was replaced.
    pub replace: Option<Box<Self>>,
}

/// One `build` line: a key/value pair as in `runtime/debug.BuildSetting`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BuildSetting {
    /// Setting key, e.g. `-trimpath`, `GOOS`, `vcs.revision`.
    pub key: String,
    /// Setting value.
    pub value: String,
}
