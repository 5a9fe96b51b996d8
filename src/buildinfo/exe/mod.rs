//! Executable containers: just enough of ELF, PE, Mach-O and XCOFF to find where the build-info blob lives and to
//! translate its virtual addresses into file offsets — the two operations of Go's `debug/buildinfo` `exe` interface
//! (`DataStart`, `DataReader`).
//!
//! Each format module decodes its headers from small bounded buffers with the `object` crate's plain-old-data
//! structs (never `object::File::parse`, which would read symbol tables and want the whole file) and returns an
//! [`Image`]: the file-backed address ranges ([`Mapping`]) and the ordered list of [`Region`]s to search for the magic.

pub(crate) mod elf;
pub(crate) mod macho;
pub(crate) mod pe;
pub(crate) mod xcoff;

use super::error::{Error, ExeFormat, Result};
use crate::limits::Limits;
use crate::read_at::ReadAt;
use std::io;

/// How many bytes of the start of the file are read (and kept) up front: the ELF/PE/Mach-O/XCOFF headers of real
/// binaries fit, and the UPX marker (`UPX!`) sits there too.
const HEAD_LEN: usize = 8 << 10;

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
    pub(crate) maps: Vec<Mapping>,
    /// Regions to search, in order; the first region holding an aligned magic wins.
    pub(crate) regions: Vec<Region>,
    /// Describes the searched regions when none holds the magic (for [`Error::NotGo`]).
    pub(crate) searched: &'static str,
    /// A packer's marker found in the headers: `(packer, file offset)`.
    pub(crate) packer: Option<(&'static str, u64)>,
}

impl Image {
    /// Translates `addr` into `(file offset, bytes left in its mapping)`, like Go's `DataReader`.
    pub(crate) fn resolve(&self, addr: u64) -> Option<(u64, u64)> {
        self.maps.iter().find_map(|m| {
            let delta = addr.checked_sub(m.vaddr)?;
            // A mapping whose file range overflows u64 maps nothing (hostile headers).
            let off = m.offset.checked_add(delta)?;
            (delta < m.size).then(|| (off, m.size - delta))
        })
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

/// The byte source with two small caches so that no byte is fetched twice from a forward-only stream:
/// the first [`HEAD_LEN`] bytes (headers) and the last bulk read (the search window holding the blob).
pub(crate) struct Src<'a> {
    inner: &'a mut dyn ReadAt,
    len: u64,
    head: Vec<u8>,
    window_off: u64,
    window: Vec<u8>,
}

impl std::fmt::Debug for Src<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Src")
            .field("len", &self.len)
            .field("head", &self.head.len())
            .field("window_off", &self.window_off)
            .field("window", &self.window.len())
            .finish()
    }
}

impl<'a> Src<'a> {
    /// Wraps `inner` and reads its head.
    pub(crate) fn new(inner: &'a mut dyn ReadAt) -> Result<Self> {
        let len = inner.len();
        let head_len = usize::try_from(len.min(HEAD_LEN as u64)).unwrap_or(HEAD_LEN);
        let mut head = vec![0; head_len];
        inner
            .read_exact_at(0, &mut head)
            .map_err(|e| io_error(e, 0, head_len as u64, len))?;
        Ok(Self {
            inner,
            len,
            head,
            window_off: 0,
            window: Vec::new(),
        })
    }

    /// Length of the source.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// True when backward reads restart a stream.
    pub(crate) fn is_forward_only(&self) -> bool {
        self.inner.is_forward_only()
    }

    /// Up to `n` bytes of the head of the file.
    pub(crate) fn head_bytes(&self, n: usize) -> &[u8] {
        &self.head[..n.min(self.head.len())]
    }

    /// Checks that `[offset, offset + len)` lies inside the file.
    pub(crate) fn check_range(&self, offset: u64, len: u64, what: &'static str) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(Error::Truncated {
                what,
                offset,
                len,
                file_len: self.len,
            }),
        }
    }

    /// Reads exactly `buf.len()` bytes at `offset`, serving what it can from the caches.
    pub(crate) fn read(&mut self, offset: u64, buf: &mut [u8], what: &'static str) -> Result<()> {
        self.check_range(offset, buf.len() as u64, what)?;
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            let cached = cached_part(&self.head, 0, pos)
                .or_else(|| cached_part(&self.window, self.window_off, pos));
            match cached {
                Some(part) => {
                    let n = part.len().min(buf.len() - done);
                    buf[done..done + n].copy_from_slice(&part[..n]);
                    done += n;
                }
                None => {
                    let rest = &mut buf[done..];
                    self.inner
                        .read_exact_at(pos, rest)
                        .map_err(|e| io_error(e, pos, rest.len() as u64, self.len))?;
                    done = buf.len();
                }
            }
        }
        Ok(())
    }

    /// Reads a plain-old-data header struct at `offset`.
    pub(crate) fn read_pod<T: object::pod::Pod>(
        &mut self,
        offset: u64,
        what: &'static str,
    ) -> Result<T> {
        let mut buf = vec![0; std::mem::size_of::<T>()];
        self.read(offset, &mut buf, what)?;
        pod(&buf, what, offset, self.len)
    }

    /// Reads `len` bytes at `offset` into a new vector (the caller has bounded `len`).
    pub(crate) fn read_vec(
        &mut self,
        offset: u64,
        len: usize,
        what: &'static str,
    ) -> Result<Vec<u8>> {
        self.check_range(offset, len as u64, what)?;
        let mut v = vec![0; len];
        self.read(offset, &mut v, what)?;
        Ok(v)
    }

    /// Reads `len` bytes at `offset` into the search window (replacing it) and returns them.
    pub(crate) fn read_window(
        &mut self,
        offset: u64,
        len: usize,
        what: &'static str,
    ) -> Result<&[u8]> {
        self.check_range(offset, len as u64, what)?;
        let mut window = std::mem::take(&mut self.window);
        window.clear();
        window.resize(len, 0);
        self.window_off = 0;
        let res = self.read(offset, &mut window, what);
        self.window = window;
        self.window_off = offset;
        if res.is_err() {
            self.window.clear();
        }
        res?;
        Ok(&self.window)
    }
}

/// The cached bytes of `cache` (which starts at file offset `base`) from `pos` on, if `pos` is inside it.
fn cached_part(cache: &[u8], base: u64, pos: u64) -> Option<&[u8]> {
    let i = usize::try_from(pos.checked_sub(base)?).ok()?;
    cache.get(i..).filter(|p| !p.is_empty())
}

fn io_error(e: io::Error, offset: u64, len: u64, file_len: u64) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::Truncated {
            what: "data",
            offset,
            len,
            file_len,
        }
    } else {
        Error::Io {
            offset,
            len,
            source: e,
        }
    }
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
