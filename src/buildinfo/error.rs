//! The typed outcomes of reading build info, each with a message a user can act on.
//!
//! Go's `debug/buildinfo` has two sentinel errors (`unrecognized file format`, `not a Go executable`); we split them
//! further so callers can tell "not a binary" from "a binary, but not Go" from "Go, but packed or damaged".
//! A Go binary built without module information is **not** an error (see [`super::BuildInfo::main`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The executable container format of a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ExeFormat {
    /// ELF (Linux, FreeBSD, …).
    Elf,
    /// PE/COFF (Windows).
    Pe,
    /// Mach-O (macOS), including the first architecture of a fat/universal file.
    MachO,
    /// XCOFF (AIX).
    Xcoff,
}

impl fmt::Display for ExeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Elf => "ELF",
            Self::Pe => "PE",
            Self::MachO => "Mach-O",
            Self::Xcoff => "XCOFF",
        })
    }
}

/// Which part of the build-info blob is damaged (see the layout in [`super`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DamagedField {
    /// The build-info section exists (`.go.buildinfo`, `__go_buildinfo`) but holds no 16-byte-aligned magic.
    Magic,
    /// The magic was found, but fewer than the 32 header bytes remain in the data region.
    Header,
    /// The pointer-size byte (offset 14) is neither 4 nor 8 (pre-Go 1.18 pointer format only).
    PointerSize,
    /// The varint length of the Go version string is malformed or runs past the mapped data.
    VersionLength,
    /// The varint length of the modinfo string is malformed or runs past the mapped data.
    ModinfoLength,
    /// The pointer to the Go version string (pre-Go 1.18) does not resolve to mapped file data.
    VersionPointer,
    /// The pointer to the modinfo string (pre-Go 1.18) does not resolve to mapped file data.
    ModinfoPointer,
    /// The Go version string is empty.
    Version,
}

impl fmt::Display for DamagedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Magic => "build-info magic",
            Self::Header => "build-info header",
            Self::PointerSize => "pointer size",
            Self::VersionLength => "Go version length",
            Self::ModinfoLength => "modinfo length",
            Self::VersionPointer => "Go version pointer",
            Self::ModinfoPointer => "modinfo pointer",
            Self::Version => "Go version",
        })
    }
}

/// Why build info could not be read from a binary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file is not an ELF, PE, Mach-O or XCOFF executable (Go: `unrecognized file format`).
    #[error(
        "unrecognized file format: not an ELF, PE, Mach-O or XCOFF executable (first bytes {magic})"
    )]
    NotExecutable {
        /// The first bytes of the file, hex-encoded (at most 4).
        magic: String,
    },
    /// The executable headers are inconsistent (a table points outside the file, an impossible count, …).
    #[error("malformed {format} executable: {reason} (at file offset {offset})")]
    Malformed {
        /// The container format.
        format: ExeFormat,
        /// What is wrong.
        reason: String,
        /// The file offset of the offending structure.
        offset: u64,
    },
    /// The file ends before a structure its headers point to.
    #[error(
        "truncated file: the {what} at file offset {offset} ({len} bytes) extends past the end of the file ({file_len} bytes)"
    )]
    Truncated {
        /// The structure that was cut off.
        what: &'static str,
        /// Its file offset.
        offset: u64,
        /// Its length in bytes.
        len: u64,
        /// The length of the file.
        file_len: u64,
    },
    /// A valid executable without Go build info (Go: `not a Go executable`).
    #[error("not a Go executable: this {format} file has no Go build info (searched the {region})")]
    NotGo {
        /// The container format.
        format: ExeFormat,
        /// Which region was searched for the build-info magic.
        region: &'static str,
    },
    /// An executable packed with an executable packer; its build info is compressed and unreadable until unpacked.
    #[error(
        "packed executable: this {format} file is compressed by {packer} (marker at file offset {offset}); \
         its Go build info cannot be read until it is unpacked (e.g. `upx -d FILE`)"
    )]
    Packed {
        /// The container format.
        format: ExeFormat,
        /// The packer, e.g. `UPX`.
        packer: &'static str,
        /// File offset of the packer's marker.
        offset: u64,
    },
    /// A Go executable whose build-info blob is damaged (Go reports these as `not a Go executable`).
    #[error("damaged Go build info: bad {field} at file offset {offset}: {detail}")]
    Damaged {
        /// The damaged field.
        field: DamagedField,
        /// File offset of the field.
        offset: u64,
        /// What exactly is wrong with it.
        detail: String,
    },
    /// The embedded modinfo text does not parse (the message is Go's `runtime/debug.ParseBuildInfo` error).
    #[error("could not parse Go build info: line {line}: {reason}")]
    Modinfo {
        /// 1-based line number in the modinfo text.
        line: usize,
        /// Go's reason text, e.g. `expected 2 or 3 columns; got 4`.
        reason: String,
    },
    /// A value exceeded one of the [`crate::limits::Limits`].
    #[error("limit exceeded: {what} is {value} bytes, more than the limit {limit_name} = {max}")]
    LimitExceeded {
        /// What was too large.
        what: &'static str,
        /// Its size.
        value: u64,
        /// The name of the `Limits` field.
        limit_name: &'static str,
        /// The limit.
        max: u64,
    },
    /// A count (program headers, sections, load commands, build-info magics) exceeded a limit: a
    /// [`crate::limits::Limits`] field, or the documented constant [`crate::buildinfo::search::MAX_MAGICS`].
    #[error("limit exceeded: {count} {what}, more than the limit {limit_name} = {max}")]
    TooMany {
        /// What there are too many of, e.g. `ELF program headers`.
        what: &'static str,
        /// How many the input declares (or holds).
        count: u64,
        /// The name of the limit.
        limit_name: &'static str,
        /// The limit.
        max: u64,
    },
    /// The file could not be opened.
    #[error("could not open {}: {source}", path.display())]
    Open {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A read from the source failed.
    #[error("I/O error reading {len} bytes at file offset {offset}: {source}")]
    Io {
        /// File offset of the read.
        offset: u64,
        /// Length of the read.
        len: u64,
        /// The underlying error.
        source: io::Error,
    },
}

impl Error {
    /// True for the outcomes that mean "this is not (readable as) a Go binary" rather than a failure of the
    /// machinery: [`Error::NotExecutable`], [`Error::NotGo`], [`Error::Packed`].
    pub fn is_not_go(&self) -> bool {
        matches!(
            self,
            Self::NotExecutable { .. } | Self::NotGo { .. } | Self::Packed { .. }
        )
    }
}

/// The result type of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;
