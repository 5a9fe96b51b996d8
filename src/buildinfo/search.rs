//! Finding and decoding the build-info blob (Go's `debug/buildinfo.readRawBuildInfo`).
//!
//! # Blob layout
//!
//! The linker (`cmd/link/internal/ld/data.go`, `(*Link).buildinfo`) writes a 16-byte-aligned blob:
//!
//! ```text
//! offset size  field
//! 0      14    magic "\xff Go buildinf:"
//! 14     1     ptrSize: 4 or 8 (meaningful in the pointer format only)
//! 15     1     flags: bit 0 (0x1) = big-endian pointers, bit 1 (0x2) = inline strings (Go >= 1.18)
//! 16     ptr   versPtr   } pointer format (Go 1.13-1.17) only: virtual addresses of the Go string headers
//! 16+ptr ptr   modPtr    } {data *byte, len int} of runtime.buildVersion and runtime.modinfo
//! 32     ...   inline format: uvarint(len) + bytes of the Go version, then uvarint(len) + bytes of modinfo,
//!              padded to a multiple of 16
//! ```
//!
//! The modinfo string is framed by two 16-byte sentinels (`cmd/go/internal/modload`: `infoStart`
//! `3077af0c9274080241e1c107e6d618e6`, `infoEnd` `f932433186182072008242104116d8f2`). They are stripped exactly as Go
//! does: only if `len >= 33 && mod[len-17] == '\n'`; otherwise the modinfo is treated as empty (a build without
//! module information, which is not an error).
//!
//! # Search
//!
//! Each region (the build-info section, or the writable data segments, in header order) is searched in chunks for
//! the magic at a 16-byte-aligned address (misaligned hits are ignored); a hit with fewer than 32 bytes left in the
//! region is a damaged header. Go reads 1 MiB chunks; we ask about 4 KiB, then 64 KiB, then 1 MiB chunks — the blob
//! normally sits at the very start of its region. A chunk is answered by the magic index of `exe/source.rs`: the
//! file is scanned in 16 KiB blocks, each at most once, so segments mapping the same bytes at many addresses cost
//! one scan; the bytes asked about count against
//! [`Limits::max_buildinfo_search_bytes`](crate::limits::Limits::max_buildinfo_search_bytes), and at most
//! [`MAX_MAGICS`] occurrences are recorded. Addresses resolve in `O(log n)` (`exe/map.rs`).
//!
//! # Passes over a forward-only stream
//!
//! A stream (a ZIP entry) must give exactly the answer of a file (issue 15): same regions, same order, same index.
//! Before searching, the file ranges the search will ask about are scanned in ascending order (ELF: the writable
//! segments, before the section table at the end of the file decides which region counts), and the bytes after
//! each occurrence are captured — the blob header and inline strings (Go ≥ 1.18), or the two string headers a
//! pointer-format blob points to. So a Go ≥ 1.18 binary costs one pass. Pre-1.18 (pointer format): the string
//! bytes lie in `.rodata`, *before* the blob in file order; the stream restarts once for them (read in ascending
//! file order, so one extra pass suffices). Hostile layouts that need more are refused by
//! [`Limits::max_stream_passes`](crate::limits::Limits::max_stream_passes) — never answered differently.

use super::error::{DamagedField, Error, ExeFormat, Result};
use super::exe::{Image, Region, Src};
use crate::limits::Limits;

/// The 14-byte magic that starts the build-info blob.
pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The most occurrences of the magic recorded while searching one binary (a [`Error::TooMany`] beyond): real
/// binaries hold one, or a few when they embed other Go binaries.
pub const MAX_MAGICS: u64 = super::exe::MAX_MAGICS;
/// The blob's alignment.
const ALIGN: u64 = 16;
/// The size of the fixed header.
const HEADER_SIZE: u64 = 32;
const PTR_SIZE_OFFSET: usize = 14;
const FLAGS_OFFSET: usize = 15;
const VERS_PTR_OFFSET: usize = 16;
const FLAG_BIG_ENDIAN: u8 = 0x1;
const FLAG_INLINE: u8 = 0x2;
/// Chunk sizes for the magic search: a small first read, then up to Go's 1 MiB. All multiples of [`ALIGN`].
const CHUNKS: [u64; 3] = [4 << 10, 64 << 10, 1 << 20];
/// `binary.MaxVarintLen64`.
const MAX_VARINT_LEN: u64 = 10;

/// How the strings are stored in the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobLayout {
    /// Go ≥ 1.18: varint-prefixed strings right after the header.
    Inline,
    /// Go 1.13–1.17: pointers to Go string headers.
    Pointer {
        /// 4 or 8.
        ptr_size: u8,
        /// Pointer byte order.
        big_endian: bool,
    },
}

/// The undecoded build info of a binary: what Go's `readRawBuildInfo` returns, plus where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBuildInfo {
    /// The container format.
    pub format: ExeFormat,
    /// File offset of the magic.
    pub blob_offset: u64,
    /// How the strings are stored.
    pub layout: BlobLayout,
    /// The Go version string bytes (`runtime.buildVersion`), never empty.
    pub go_version: Vec<u8>,
    /// The modinfo text with its sentinels stripped; empty for a build without module information.
    pub modinfo: Vec<u8>,
}

/// Finds and decodes the blob of an already parsed executable.
pub(crate) fn read_raw(src: &mut Src<'_>, img: &Image, limits: &Limits) -> Result<RawBuildInfo> {
    if src.is_forward_only() {
        let mut budget = limits.max_buildinfo_search_bytes;
        let ranges: Vec<(u64, u64)> = img
            .regions
            .iter()
            .flat_map(|r| region_ranges(img, r, src.len(), &mut budget))
            .collect();
        src.prefetch(&ranges, &img.maps);
    }
    let mut found = None;
    for region in &img.regions {
        if let Some(addr) = search(src, img, region, limits)? {
            found = Some(addr);
            break;
        }
    }
    let Some(addr) = found else {
        return Err(not_found(img));
    };
    let (blob_off, _) = img.resolve(addr).unwrap_or((0, 0));
    let hdr = read_va(src, img, addr, HEADER_SIZE).ok_or_else(|| Error::Damaged {
        field: DamagedField::Header,
        offset: blob_off,
        detail: "the 32-byte header crosses the end of its segment".into(),
    })??;
    let flags = hdr[FLAGS_OFFSET];
    let (layout, go_version, modinfo) = if flags & FLAG_INLINE != 0 {
        let at = |a: u64| blob_off.saturating_add(a - addr);
        let (vers, next) = decode_string(
            src,
            img,
            addr + HEADER_SIZE,
            at(addr + HEADER_SIZE),
            DamagedField::VersionLength,
            "Go version string",
            limits,
        )?;
        let (modinfo, _) = decode_string(
            src,
            img,
            next,
            at(next),
            DamagedField::ModinfoLength,
            "modinfo string",
            limits,
        )?;
        (BlobLayout::Inline, vers, modinfo)
    } else {
        let ptr_size = hdr[PTR_SIZE_OFFSET];
        if ptr_size != 4 && ptr_size != 8 {
            return Err(Error::Damaged {
                field: DamagedField::PointerSize,
                offset: blob_off + PTR_SIZE_OFFSET as u64,
                detail: format!("pointer size {ptr_size} is neither 4 nor 8"),
            });
        }
        let big_endian = flags & FLAG_BIG_ENDIAN != 0;
        let ptrs = Ptrs {
            size: usize::from(ptr_size),
            big_endian,
        };
        let vers_ptr = ptrs.read(&hdr[VERS_PTR_OFFSET..]);
        let mod_ptr = ptrs.read(&hdr[VERS_PTR_OFFSET + ptrs.size..]);
        let (vers, modinfo) =
            read_pointer_strings(src, img, &ptrs, [vers_ptr, mod_ptr], blob_off, limits)?;
        (
            BlobLayout::Pointer {
                ptr_size,
                big_endian,
            },
            vers,
            modinfo,
        )
    };
    if go_version.is_empty() {
        return Err(Error::Damaged {
            field: DamagedField::Version,
            offset: blob_off,
            detail: "the Go version string is empty".into(),
        });
    }
    Ok(RawBuildInfo {
        format: img.format,
        blob_offset: blob_off,
        layout,
        go_version,
        modinfo: strip_sentinels(modinfo),
    })
}

/// The file ranges [`search`] asks about for `region` (no I/O), at most `budget` bytes (decremented): what a stream
/// prefetches before the regions are searched.
fn region_ranges(img: &Image, region: &Region, file_len: u64, budget: &mut u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (Some(end), Some(mut start)) = (
        region.vaddr.checked_add(region.size),
        region.vaddr.checked_next_multiple_of(ALIGN),
    ) else {
        return out;
    };
    let mut step = 0;
    while start < end && *budget > 0 {
        let want = CHUNKS[step.min(CHUNKS.len() - 1)].min(end - start);
        step += 1;
        let Some((off, avail)) = img.resolve(start) else {
            break;
        };
        let mapped = want.min(avail);
        let n = mapped.min(file_len.saturating_sub(off));
        if n == 0 {
            break;
        }
        out.push((off, off + n));
        *budget = budget.saturating_sub(n);
        if n < mapped {
            break;
        }
        start += want;
    }
    out
}

/// The outcome when no region holds the magic.
fn not_found(img: &Image) -> Error {
    if let Some((packer, offset)) = img.packer {
        return Error::Packed {
            format: img.format,
            packer,
            offset,
        };
    }
    if let Some(r) = img.regions.iter().find(|r| r.named) {
        return match img.resolve(r.vaddr) {
            Some((offset, _)) => Error::Damaged {
                field: DamagedField::Magic,
                offset,
                detail: format!(
                    "the {}-byte {} holds no 16-byte-aligned \"\\xff Go buildinf:\" magic",
                    r.size, r.what
                ),
            },
            None => Error::Malformed {
                format: img.format,
                reason: format!(
                    "the {} at address {:#x} lies outside every file-backed segment",
                    r.what, r.vaddr
                ),
                offset: 0,
            },
        };
    }
    Error::NotGo {
        format: img.format,
        region: if img.regions.is_empty() {
            "executable: it has no writable data region"
        } else {
            img.searched
        },
    }
}

/// Scans `region` for the first 16-byte-aligned magic and returns its virtual address.
fn search(src: &mut Src<'_>, img: &Image, region: &Region, limits: &Limits) -> Result<Option<u64>> {
    let Some(end) = region.vaddr.checked_add(region.size) else {
        return Err(Error::Malformed {
            format: img.format,
            reason: format!(
                "{} at {:#x} of size {:#x} wraps around the address space",
                region.what, region.vaddr, region.size
            ),
            offset: 0,
        });
    };
    let Some(mut start) = region.vaddr.checked_next_multiple_of(ALIGN) else {
        return Ok(None);
    };
    // For error messages: the file-backed extent of the region.
    let (region_off, region_len) = img
        .resolve(region.vaddr)
        .map_or((0, 0), |(off, avail)| (off, avail.min(region.size)));
    let file_len = src.len();
    let truncated = || Error::Truncated {
        what: region.what,
        offset: region_off,
        len: region_len,
        file_len,
    };
    let mut step = 0;
    while start < end {
        let remaining = end - start;
        let want = CHUNKS[step.min(CHUNKS.len() - 1)].min(remaining);
        step += 1;
        // Past the file-backed part of the region (e.g. .bss): the magic is not there.
        let Some((off, avail)) = img.resolve(start) else {
            return Ok(None);
        };
        let mapped = want.min(avail);
        let in_file = src.len().saturating_sub(off);
        let n = mapped.min(in_file);
        if n == 0 {
            return Err(truncated());
        }
        if let Some(at) = src.find_magic(off, n, limits)? {
            let i = at - off;
            let left = remaining - i;
            if left < HEADER_SIZE {
                return Err(Error::Damaged {
                    field: DamagedField::Header,
                    offset: at,
                    detail: format!(
                        "magic found, but only {left} of the 32 header bytes are left in the {}",
                        region.what
                    ),
                });
            }
            return Ok(Some(start + i));
        }
        if n < mapped {
            return Err(truncated());
        }
        start += want;
    }
    Ok(None)
}

/// Reads `len` bytes at virtual address `addr` if they lie in one mapping (`None` otherwise).
fn read_va(src: &mut Src<'_>, img: &Image, addr: u64, len: u64) -> Option<Result<Vec<u8>>> {
    let (off, avail) = img.resolve(addr)?;
    if avail < len {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    Some(src.read_vec(off, len, "build-info data"))
}

/// Decodes a varint-prefixed string at `addr` (inline format); returns it and the address after it.
fn decode_string(
    src: &mut Src<'_>,
    img: &Image,
    addr: u64,
    expected_off: u64,
    field: DamagedField,
    what: &'static str,
    limits: &Limits,
) -> Result<(Vec<u8>, u64)> {
    let damaged = |offset: u64, detail: String| Error::Damaged {
        field,
        offset,
        detail,
    };
    let Some((off, avail)) = img.resolve(addr) else {
        return Err(damaged(
            expected_off,
            "the length lies past the end of the file-backed data".into(),
        ));
    };
    let head_len = avail.min(MAX_VARINT_LEN).min(src.len().saturating_sub(off));
    // head_len <= 10.
    let head = src.read_vec(off, head_len as usize, what)?;
    let (len, n) = match uvarint(&head) {
        Varint::Value(len, n) => (len, n as u64),
        Varint::Short if head_len < MAX_VARINT_LEN => {
            return Err(damaged(
                off,
                format!("the varint length runs past the end of the data ({head_len} bytes left)"),
            ));
        }
        Varint::Short | Varint::Overflow => {
            return Err(damaged(off, "the varint length overflows 64 bits".into()));
        }
    };
    let left = avail - n;
    if len > left {
        return Err(damaged(
            off,
            format!("length {len} exceeds the {left} bytes left in the segment"),
        ));
    }
    if len > limits.max_buildinfo_string {
        return Err(Error::LimitExceeded {
            what,
            value: len,
            limit_name: "max_buildinfo_string",
            max: limits.max_buildinfo_string,
        });
    }
    // len <= max_buildinfo_string, an in-memory size.
    let data = src.read_vec(off + n, len as usize, what)?;
    Ok((data, addr.saturating_add(n + len)))
}

/// The outcome of decoding a uvarint (Go's `binary.Uvarint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Varint {
    /// The value and the number of bytes it took.
    Value(u64, usize),
    /// The buffer ended first.
    Short,
    /// More than 64 bits.
    Overflow,
}

/// Decodes an unsigned LEB128 varint with Go's `binary.Uvarint` rules (at most 10 bytes, the 10th at most 1).
fn uvarint(buf: &[u8]) -> Varint {
    let mut x: u64 = 0;
    for (i, &b) in buf.iter().enumerate() {
        if i as u64 == MAX_VARINT_LEN {
            return Varint::Overflow;
        }
        if b < 0x80 {
            if i as u64 == MAX_VARINT_LEN - 1 && b > 1 {
                return Varint::Overflow;
            }
            return Varint::Value(x | u64::from(b) << (7 * i), i + 1);
        }
        x |= u64::from(b & 0x7f) << (7 * i);
    }
    Varint::Short
}

/// Pointer decoding for the pre-1.18 format.
struct Ptrs {
    size: usize,
    big_endian: bool,
}

impl Ptrs {
    /// Decodes one pointer from the front of `b` (which holds at least `size` bytes).
    fn read(&self, b: &[u8]) -> u64 {
        let mut v = [0u8; 8];
        let b = &b[..self.size];
        if self.big_endian {
            v[8 - self.size..].copy_from_slice(b);
            u64::from_be_bytes(v)
        } else {
            v[..self.size].copy_from_slice(b);
            u64::from_le_bytes(v)
        }
    }
}

/// Resolves the two Go string headers `{data, len}` at `ptrs` (version, modinfo) and reads both strings.
///
/// Both headers are read first (they lie in `.data`, after the blob), then both strings in ascending file order
/// (they lie in `.rodata`, before the blob): at most one extra pass over a stream.
fn read_pointer_strings(
    src: &mut Src<'_>,
    img: &Image,
    ptrs: &Ptrs,
    addrs: [u64; 2],
    blob_off: u64,
    limits: &Limits,
) -> Result<(Vec<u8>, Vec<u8>)> {
    const FIELDS: [DamagedField; 2] = [DamagedField::VersionPointer, DamagedField::ModinfoPointer];
    const WHAT: [&str; 2] = ["Go version string", "modinfo string"];
    let hdr_len = 2 * ptrs.size as u64;
    // Where each pointer sits in the blob header, for error messages.
    let ptr_off = |i: usize| blob_off + (VERS_PTR_OFFSET + i * ptrs.size) as u64;

    let mut order = [0usize, 1];
    let hdr_offs = addrs.map(|a| img.resolve(a).map(|(off, _)| off));
    order.sort_by_key(|&i| hdr_offs[i]);
    let mut headers = [(0u64, 0u64); 2];
    for i in order {
        let bytes = read_va(src, img, addrs[i], hdr_len).ok_or_else(|| Error::Damaged {
            field: FIELDS[i],
            offset: ptr_off(i),
            detail: format!(
                "the string header address {:#x} is not in file-backed data",
                addrs[i]
            ),
        })??;
        headers[i] = (ptrs.read(&bytes), ptrs.read(&bytes[ptrs.size..]));
    }

    let mut spans = [(0u64, 0u64); 2]; // (file offset, len)
    for i in 0..2 {
        let (data, len) = headers[i];
        if len == 0 {
            continue;
        }
        if len > limits.max_buildinfo_string {
            return Err(Error::LimitExceeded {
                what: WHAT[i],
                value: len,
                limit_name: "max_buildinfo_string",
                max: limits.max_buildinfo_string,
            });
        }
        match img.resolve(data) {
            Some((off, avail)) if avail >= len => spans[i] = (off, len),
            _ => {
                return Err(Error::Damaged {
                    field: FIELDS[i],
                    offset: ptr_off(i),
                    detail: format!(
                        "the {len}-byte string at address {data:#x} is not in file-backed data"
                    ),
                });
            }
        }
    }
    let mut out: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut order = [0usize, 1];
    order.sort_by_key(|&i| spans[i].0);
    for i in order {
        let (off, len) = spans[i];
        if len > 0 {
            // len <= max_buildinfo_string.
            out[i] = src.read_vec(off, len as usize, WHAT[i])?;
        }
    }
    let [vers, modinfo] = out;
    Ok((vers, modinfo))
}

/// Strips the 16-byte modinfo sentinels exactly as Go does, or returns empty when the framing is absent.
fn strip_sentinels(mut m: Vec<u8>) -> Vec<u8> {
    let n = m.len();
    if n >= 33 && m[n - 17] == b'\n' {
        m.truncate(n - 16);
        m.drain(..16);
        m
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uvarint_follows_go_rules() {
        assert_eq!(uvarint(&[0x05]), Varint::Value(5, 1));
        assert_eq!(uvarint(&[0x80, 0x01]), Varint::Value(128, 2));
        assert_eq!(uvarint(&[0xff, 0xff, 0x03]), Varint::Value(65535, 3));
        assert_eq!(uvarint(&[]), Varint::Short);
        assert_eq!(uvarint(&[0x80, 0x80]), Varint::Short);
        // u64::MAX is 9 bytes of 0xff and a final 0x01.
        let mut max = [0xffu8; 10];
        max[9] = 0x01;
        assert_eq!(uvarint(&max), Varint::Value(u64::MAX, 10));
        max[9] = 0x02;
        assert_eq!(uvarint(&max), Varint::Overflow);
        assert_eq!(uvarint(&[0x80; 11]), Varint::Overflow);
    }

    #[test]
    fn sentinels_are_stripped_only_with_the_newline_framing() {
        let body = b"path\tx\n";
        let mut framed = vec![0xaa; 16];
        framed.extend_from_slice(body);
        framed.extend_from_slice(&[0xbb; 16]);
        assert_eq!(strip_sentinels(framed.clone()), body.to_vec());
        // 32 bytes of framing plus a 1-byte body that is not a newline: no module info.
        let mut short = vec![0xaa; 16];
        short.push(b'x');
        short.extend_from_slice(&[0xbb; 16]);
        assert_eq!(strip_sentinels(short), Vec::<u8>::new());
        // Exactly 33 bytes with the newline in place is the smallest framed modinfo.
        let mut min = vec![0xaa; 16];
        min.push(b'\n');
        min.extend_from_slice(&[0xbb; 16]);
        assert_eq!(strip_sentinels(min), b"\n".to_vec());
        assert_eq!(strip_sentinels(vec![b'\n'; 32]), Vec::<u8>::new());
    }

    #[test]
    fn pointers_decode_in_both_byte_orders() {
        let le = Ptrs {
            size: 4,
            big_endian: false,
        };
        let be = Ptrs {
            size: 8,
            big_endian: true,
        };
        assert_eq!(le.read(&[0x78, 0x56, 0x34, 0x12, 0xff]), 0x1234_5678);
        assert_eq!(be.read(&[0, 0, 0, 0, 0, 0x10, 0x20, 0x30]), 0x10_2030);
    }
}
