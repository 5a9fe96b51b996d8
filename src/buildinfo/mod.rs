//! Go build info: the `\xff Go buildinf:` blob the Go linker embeds in every binary, and the `runtime/debug`
//! modinfo text inside it. Results match Go's `debug/buildinfo` and `go version -m` exactly.
//!
//! # Reading
//!
//! [`read`] works over any [`ReadAt`] — a plain file ([`read_path`]) or a forward-only ZIP entry stream — and never
//! holds a whole binary in memory: it reads the first 8 KiB (headers), the header tables it needs, then searches the
//! data region for the blob. A typical file read costs well under 100 KiB; a stream is read once, to the end of the
//! section tables, and gives the very same answer (see [`search`] for how).
//!
//! 1. `exe`: detect ELF / PE / Mach-O (thin or fat: first arch) / XCOFF from the first bytes; decode just the header
//!    tables (with the `object` crate's plain-old-data structs; counts capped by [`Limits`]) into an address map and
//!    the regions to search.
//! 2. [`search`]: find the 16-byte-aligned magic, decode the 32-byte header and the version and modinfo strings —
//!    inline (Go ≥ 1.18) or through pointers (Go 1.13–1.17). The blob layout is documented there.
//! 3. [`modinfo`]: parse the modinfo text like `runtime/debug.ParseBuildInfo`.
//!
//! # Outcomes
//!
//! A Go binary built without module information (`go build hello.go`, or GOPATH mode) is a **success**: `main` is
//! `None` and `deps`/`settings` are empty, as `go version -m` prints it. Everything else that is not build info is an
//! [`Error`]: not an executable, an executable that is not Go, a packed (UPX) executable, damaged build info (naming
//! the field and file offset), a truncated file, a modinfo syntax error, a [`Limits`] overrun, or an I/O error.
//!
//! # Differences from Go 1.27's `debug/buildinfo`
//!
//! - ELF without section headers (and Mach-O without `__go_buildinfo`) are read through the writable data segments,
//!   as older Go did; Go 1.27 only looks at the named section.
//! - XCOFF binaries stripped with `-ldflags=-s` are read (Go's XCOFF reader insists on a symbol table).
//! - Damage Go reports as "not a Go executable" is reported with its field and offset, and Go < 1.18 binaries whose
//!   modinfo pointer is broken are an error instead of "no module info".
//! - Text is UTF-8: bytes that are not (never written by `cmd/go`) are replaced by U+FFFD.

pub mod error;
pub(crate) mod exe;
pub mod goversion;
pub mod json;
pub mod modinfo;
pub mod search;
mod strconv;
mod text;

pub use error::{DamagedField, Error, ExeFormat, Result};
pub use goversion::GoVersion;
pub use json::BuildInfoJson;
pub use modinfo::parse_modinfo;
pub use search::{BlobLayout, RawBuildInfo};

use crate::limits::Limits;
use crate::read_at::{FileSource, ReadAt};
use std::path::Path;

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

impl BuildInfo {
    /// The Go version split into version, semver, experiments and vendor.
    pub fn go_version_info(&self) -> GoVersion {
        GoVersion::parse(&self.go_version)
    }

    /// The value of the first build setting named `key`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.value.as_str())
    }

    /// Dependencies (`path@version`) that carry no go.sum hash (`h1:`), leaving out local-path replacements (which
    /// never have one). Typical of `go mod vendor` builds, whose versions come from `vendor/modules.txt` and can be
    /// wrong (goreleaser#2597): worth a warning, since scanners trust these versions.
    pub fn deps_without_sum(&self) -> Vec<String> {
        self.deps
            .iter()
            .filter(|d| {
                let (path, version, sum) = match &d.replace {
                    Some(r) => (&r.path, &r.version, &r.sum),
                    None => (&d.path, &d.version, &d.sum),
                };
                let local = path.starts_with('.') || path.starts_with('/') || version.is_empty();
                sum.is_empty() && !local
            })
            .map(|d| format!("{}@{}", d.path, d.version))
            .collect()
    }

    /// This build info in the stable `--json` schema.
    pub fn to_json(&self) -> BuildInfoJson {
        BuildInfoJson::from(self)
    }
}

/// Reads the build info of the binary in `src` (Go's `debug/buildinfo.Read`).
pub fn read(src: &mut dyn ReadAt, limits: &Limits) -> Result<BuildInfo> {
    let raw = read_raw(src, limits)?;
    let mut bi = parse_modinfo(&raw.modinfo)?;
    bi.go_version = String::from_utf8_lossy(&raw.go_version).into_owned();
    Ok(bi)
}

/// Reads the undecoded version and modinfo strings and where they were found.
pub fn read_raw(src: &mut dyn ReadAt, limits: &Limits) -> Result<RawBuildInfo> {
    let mut src = exe::Src::new(src)?;
    let image = exe::parse(&mut src, limits)?;
    search::read_raw(&mut src, &image, limits)
}

/// Reads the build info of the binary at `path` with positioned reads (Go's `debug/buildinfo.ReadFile`).
pub fn read_path(path: &Path, limits: &Limits) -> Result<BuildInfo> {
    let mut file = FileSource::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read(&mut file, limits)
}

#[cfg(test)]
mod tests {
    use super::modinfo::parse_modinfo;

    #[test]
    fn deps_without_sum_skip_local_replacements() {
        let bi = parse_modinfo(
            b"path\texample.com/p\n\
              mod\texample.com/p\t(devel)\t\n\
              dep\tgithub.com/a/b\tv1.2.3\th1:abc=\n\
              dep\tgithub.com/vendored/c\tv0.4.0\t\n\
              dep\tgithub.com/d/e\tv1.0.0\t\n\
              =>\tgithub.com/fork/e\tv1.0.1\th1:def=\n\
              dep\tgithub.com/f/g\tv2.0.0\th1:ghi=\n\
              =>\tgithub.com/fork/g\tv2.0.1\t\n\
              dep\tgithub.com/local/h\tv0.0.0\t\n\
              =>\t../h\t\t\n",
        )
        .unwrap();
        assert_eq!(
            bi.deps_without_sum(),
            ["github.com/vendored/c@v0.4.0", "github.com/f/g@v2.0.0"]
        );
    }
}
