//! Executable containers: just enough of ELF, PE, Mach-O and XCOFF to find where the build-info blob lives and to
//! translate its virtual addresses into file offsets — the two operations of Go's `debug/buildinfo` `exe` interface
//! (`DataStart`, `DataReader`).
//!
//! Each format module decodes its headers from small bounded buffers with the `object` crate's plain-old-data
//! structs (never `object::File::parse`, which would read symbol tables and want the whole file) and returns an
//! [`Image`]: the file-backed address ranges ([`Mapping`]) and the ordered list of [`Region`]s to search for the magic.

pub(crate) mod elf;
pub(crate) mod macho;
pub(crate) mod map;
pub(crate) mod pe;
mod source;
pub(crate) mod xcoff;

pub(crate) use map::AddrMap;
pub(crate) use source::{HEAD_LEN, MAX_MAGICS, Src};

use super::error::{Error, ExeFormat, Result};
use crate::limits::Limits;

/// A file-backed range of the virtual address space: `[vaddr, vaddr + size)` is stored at `[offset, offset + size)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mapping {
    pub(crate) vaddr: u64,
    pub(crate) size: u64,
    pub(crate) offset: u64,
}

/// A virtual address range to search for the build-info magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) vaddr: u64,
    pub(crate) size: u64,
    /// Human-readable name of the region, used in error messages.
    pub(crate) what: &'static str,
    /// True when the region is the dedicated build-info section (`.go.buildinfo`, `__go_buildinfo`): a missing magic
    /// there means *damaged*, not *not Go*.
    pub(crate) named: bool,
}

/// The parsed headers of one executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Image {
    pub(crate) format: ExeFormat,
    /// File-backed address ranges, in header order; the first containing an address wins (as in Go).
    pub(crate) maps: AddrMap,
    /// Regions to search, in order; the first region holding an aligned magic wins.
    pub(crate) regions: Vec<Region>,
    /// Describes the searched regions when none holds the magic (for [`Error::NotGo`]).
    pub(crate) searched: &'static str,
    /// A packer's marker found in the headers: `(packer, file offset)`.
    pub(crate) packer: Option<(&'static str, u64)>,
}

impl Image {
    /// Translates `addr` into `(file offset, bytes left in its mapping)`, like Go's `DataReader` (`O(log n)`).
    pub(crate) fn resolve(&self, addr: u64) -> Option<(u64, u64)> {
        self.maps.resolve(addr)
    }
}

/// Detects the container format from the first bytes and parses its headers.
pub(crate) fn parse(src: &mut Src<'_>, limits: &Limits) -> Result<Image> {
    let ident = src.head_bytes(16);
    if ident.len() < 16 {
        return Err(not_executable(ident));
    }
    let mut image = if ident.starts_with(b"\x7fELF") {
        elf::parse(src, limits)?
    } else if ident.starts_with(b"MZ") {
        pe::parse(src, limits)?
    } else if ident.starts_with(b"\xfe\xed\xfa") || ident[1..].starts_with(b"\xfa\xed\xfe") {
        macho::parse(src, 0, limits)?
    } else if ident.starts_with(b"\xca\xfe\xba\xbe") || ident.starts_with(b"\xca\xfe\xba\xbf") {
        macho::parse_fat(src, limits)?
    } else if ident.starts_with(b"\x01\xdf") || ident.starts_with(b"\x01\xf7") {
        xcoff::parse(src, limits)?
    } else {
        return Err(not_executable(ident));
    };
    if image.packer.is_none() {
        image.packer = find_upx_marker(src.head_bytes(HEAD_LEN));
    }
    Ok(image)
}

pub(crate) fn not_executable(ident: &[u8]) -> Error {
    Error::NotExecutable {
        magic: hex::encode(&ident[..ident.len().min(4)]),
    }
}

/// UPX writes its `l_info` block, starting with the magic `UPX!`, right after the headers of every format it packs
/// (and the banner "This file is packed with the UPX executable packer" nearby).
fn find_upx_marker(head: &[u8]) -> Option<(&'static str, u64)> {
    head.windows(4)
        .position(|w| w == b"UPX!")
        .map(|i| ("UPX", i as u64))
}

/// Checks a header count (program headers, sections, load commands) against its `Limits` field.
pub(crate) fn check_count(
    count: u64,
    what: &'static str,
    limit_name: &'static str,
    max: u64,
) -> Result<()> {
    if count > max {
        return Err(Error::TooMany {
            what,
            count,
            limit_name,
            max,
        });
    }
    Ok(())
}

/// Checks that `count * entsize` bytes of a header table fit the budget and returns the byte length.
pub(crate) fn table_len(
    count: u64,
    entsize: u64,
    what: &'static str,
    limits: &Limits,
) -> Result<usize> {
    let len = count.saturating_mul(entsize);
    if len > limits.max_header_bytes {
        return Err(Error::LimitExceeded {
            what,
            value: len,
            limit_name: "max_header_bytes",
            max: limits.max_header_bytes,
        });
    }
    // Fits in usize: max_header_bytes is a sane in-memory size (checked above).
    usize::try_from(len).map_err(|_| Error::LimitExceeded {
        what,
        value: len,
        limit_name: "max_header_bytes",
        max: limits.max_header_bytes,
    })
}

/// Decodes a `Pod` header struct from the front of `bytes`, or reports a truncated structure.
pub(crate) fn pod<T: object::pod::Pod>(
    bytes: &[u8],
    what: &'static str,
    offset: u64,
    file_len: u64,
) -> Result<T> {
    object::pod::from_bytes::<T>(bytes)
        .map(|(v, _)| *v)
        .map_err(|()| Error::Truncated {
            what,
            offset,
            len: std::mem::size_of::<T>() as u64,
            file_len,
        })
}

/// A NUL-padded fixed-size name field as bytes without the padding.
pub(crate) fn cstr(name: &[u8]) -> &[u8] {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    &name[..end]
}
