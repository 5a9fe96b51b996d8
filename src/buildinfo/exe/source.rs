//! [`Src`]: the byte source of the build-info reader, with what makes a forward-only stream read like a file.
//!
//! - **Caches**, so that no byte is fetched twice from a stream: the first [`HEAD_LEN`] bytes (headers), a fat
//!   Mach-O slice's first bytes, the last bulk read (the search window), and *captures*.
//! - **The magic index** ([`Src::find_magic`]): the file is scanned for `\xff Go buildinf:` in 16 KiB blocks, each
//!   block at most once, recording every occurrence (at any offset). A search over an address range asks the index
//!   for the first 16-byte-aligned occurrence in the file range the addresses map to, so segments that map the same
//!   bytes at many addresses cost one scan of those bytes, and the answer never depends on which mode (file or
//!   stream) filled the index. Every byte a search *asks* about counts against
//!   [`Limits::max_buildinfo_search_bytes`]; the index holds at most [`MAX_MAGICS`] occurrences.
//! - **Prefetch** ([`Src::prefetch`], stream mode only): scans the given file ranges in ascending order before the
//!   reader knows which one holds the blob (the ELF section table lies at the end of the file), and *captures* the
//!   [`CAPTURE_LEN`] bytes after each occurrence (the blob header and inline strings) and, for a pointer-format blob
//!   (Go 1.13–1.17), the two string headers it points to — so that deciding at the end of the file costs no second
//!   pass in real binaries.

use super::map::AddrMap;
use crate::buildinfo::error::{Error, Result};
use crate::limits::Limits;
use crate::read_at::ReadAt;
use std::collections::{BTreeSet, HashSet};
use std::io;

/// How many bytes of the start of the file are read (and kept) up front: the ELF/PE/Mach-O/XCOFF headers of real
/// binaries fit, and the UPX marker (`UPX!`) sits there too.
pub(crate) const HEAD_LEN: usize = 8 << 10;
/// The magic search scans the file in blocks of this size (plus the 13 bytes a magic starting at its end needs).
const BLOCK: u64 = 16 << 10;
const MAGIC: &[u8] = crate::buildinfo::search::MAGIC;
const MAGIC_TAIL: u64 = MAGIC.len() as u64 - 1;
/// A fat Mach-O slice starting within this many bytes extends the cached head to its own header.
const SLICE_HEAD_MAX: u64 = 1 << 20;
/// The most magic occurrences the index records (real binaries hold one, or a few when they embed Go binaries).
pub(crate) const MAX_MAGICS: u64 = 4096;
/// Bytes captured after each magic found by [`Src::prefetch`]: the header and inline strings of a real blob (the
/// modinfo of the largest providers is ~40 KiB).
const CAPTURE_LEN: u64 = 256 << 10;
/// At most this many captures are kept (4 MiB).
const MAX_CAPTURES: usize = 16;
/// Pointer-format blob header fields (see [`crate::buildinfo::search`]).
const PTR_SIZE_OFFSET: usize = 14;
const FLAGS_OFFSET: usize = 15;
const BLOB_HEADER: u64 = 32;

/// Bytes kept from `off` on; `want` is where the range should end (a capture fills up as the stream passes it).
#[derive(Debug)]
struct Cached {
    off: u64,
    bytes: Vec<u8>,
    want: u64,
}

impl Cached {
    fn next(&self) -> u64 {
        self.off + self.bytes.len() as u64
    }
}

/// The byte source (see the module docs).
pub(crate) struct Src<'a> {
    inner: &'a mut dyn ReadAt,
    len: u64,
    /// `blocks[0]` is the head; then a fat slice's head and the captures.
    blocks: Vec<Cached>,
    window_off: u64,
    window: Vec<u8>,
    /// Blocks of the file scanned for the magic, and the occurrences found in them.
    scanned: HashSet<u64>,
    hits: BTreeSet<u64>,
    /// Bytes the searches asked about so far.
    searched: u64,
    /// The end of the last read from `inner` (where a stream stands).
    pos: u64,
}

impl std::fmt::Debug for Src<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Src")
            .field("len", &self.len)
            .field("blocks", &self.blocks.len())
            .field("window_off", &self.window_off)
            .field("window", &self.window.len())
            .field("hits", &self.hits.len())
            .field("searched", &self.searched)
            .finish_non_exhaustive()
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
            blocks: vec![Cached {
                off: 0,
                want: head_len as u64,
                bytes: head,
            }],
            window_off: 0,
            window: Vec::new(),
            scanned: HashSet::new(),
            hits: BTreeSet::new(),
            searched: 0,
            pos: head_len as u64,
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
        let head = &self.blocks[0].bytes;
        &head[..n.min(head.len())]
    }

    /// Keeps up to [`HEAD_LEN`] bytes from `offset` (the head of a fat Mach-O's slice): by extending the head up to
    /// there when the slice starts within [`SLICE_HEAD_MAX`] (real universal binaries: 4–16 KiB), so that no byte
    /// before it has to be read again, else in a block of its own.
    pub(crate) fn cache_head_at(&mut self, offset: u64) -> Result<()> {
        let end = offset.saturating_add(HEAD_LEN as u64).min(self.len);
        let head_end = self.blocks[0].next();
        let from = if offset <= SLICE_HEAD_MAX {
            head_end
        } else {
            offset
        };
        if end <= from {
            return Ok(());
        }
        // end - from <= SLICE_HEAD_MAX + HEAD_LEN.
        let bytes = self.read_vec(from, (end - from) as usize, "Mach-O slice header")?;
        if from == head_end {
            let head = &mut self.blocks[0];
            head.bytes.extend_from_slice(&bytes);
            head.want = end;
        } else {
            self.blocks.push(Cached {
                off: from,
                want: end,
                bytes,
            });
        }
        Ok(())
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

    /// The cached bytes from `pos` on, if a cache holds `pos`.
    fn cached(&self, pos: u64) -> Option<&[u8]> {
        self.blocks
            .iter()
            .find_map(|c| cached_part(&c.bytes, c.off, pos))
            .or_else(|| cached_part(&self.window, self.window_off, pos))
    }

    /// Reads exactly `buf.len()` bytes at `offset`, serving what it can from the caches.
    pub(crate) fn read(&mut self, offset: u64, buf: &mut [u8], what: &'static str) -> Result<()> {
        self.check_range(offset, buf.len() as u64, what)?;
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            if let Some(part) = self.cached(pos) {
                let n = part.len().min(buf.len() - done);
                buf[done..done + n].copy_from_slice(&part[..n]);
                done += n;
                continue;
            }
            // Up to the next cached byte, so that a stream never reads what a cache holds.
            let next_cached = self
                .blocks
                .iter()
                .map(|c| c.off)
                .chain((!self.window.is_empty()).then_some(self.window_off))
                .filter(|&o| o > pos)
                .min()
                .unwrap_or(u64::MAX);
            let n = usize::try_from(next_cached - pos)
                .unwrap_or(usize::MAX)
                .min(buf.len() - done);
            let part = &mut buf[done..done + n];
            self.inner
                .read_exact_at(pos, part)
                .map_err(|e| io_error(e, pos, n as u64, self.len))?;
            feed(&mut self.blocks, pos, part);
            self.pos = pos + n as u64;
            done += n;
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
        super::pod(&buf, what, offset, self.len)
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

    /// Reads `len` bytes at `offset` into the search window (replacing it; the old window still serves this read)
    /// and returns them.
    fn read_window(&mut self, offset: u64, len: usize, what: &'static str) -> Result<&[u8]> {
        let buf = self.read_vec(offset, len, what)?;
        self.window = buf;
        self.window_off = offset;
        Ok(&self.window)
    }

    /// The first occurrence of the magic at `off + 16·k` whose 14 bytes lie inside `[off, off + len)`.
    pub(crate) fn find_magic(
        &mut self,
        off: u64,
        len: u64,
        limits: &Limits,
    ) -> Result<Option<u64>> {
        self.searched = self.searched.saturating_add(len);
        if self.searched > limits.max_buildinfo_search_bytes {
            return Err(Error::LimitExceeded {
                what: "the data searched for the build-info magic",
                value: self.searched,
                limit_name: "max_buildinfo_search_bytes",
                max: limits.max_buildinfo_search_bytes,
            });
        }
        let end = off.saturating_add(len).min(self.len);
        if end <= off {
            return Ok(None);
        }
        for block in off / BLOCK..=(end - 1) / BLOCK {
            self.scan_block(block)?;
        }
        Ok(self
            .hits
            .range(off..end)
            .copied()
            .find(|&h| (h - off).is_multiple_of(16) && h + MAGIC.len() as u64 <= end))
    }

    /// Scans one block for the magic (once), recording every occurrence that starts in it.
    fn scan_block(&mut self, block: u64) -> Result<Vec<u64>> {
        if self.scanned.contains(&block) {
            return Ok(Vec::new());
        }
        let start = block * BLOCK;
        let end = (start + BLOCK + MAGIC_TAIL).min(self.len);
        // end - start <= 64 KiB + 13.
        let buf = self.read_window(
            start,
            (end - start) as usize,
            "data searched for build info",
        )?;
        let found: Vec<u64> = memchr::memmem::find_iter(buf, MAGIC)
            .map(|i| start + i as u64)
            .filter(|&h| h < start + BLOCK)
            .collect();
        let count = self.hits.len() as u64 + found.len() as u64;
        if count > MAX_MAGICS {
            return Err(Error::TooMany {
                what: "build-info magics in the data searched",
                count,
                limit_name: "buildinfo::search::MAX_MAGICS",
                max: MAX_MAGICS,
            });
        }
        self.hits.extend(found.iter().copied());
        self.scanned.insert(block);
        Ok(found)
    }

    /// Stream mode: scans `ranges` (file offsets) for the magic in ascending order, capturing the bytes after each
    /// occurrence and the string headers a pointer-format blob points to (through `maps`). Stops quietly at the
    /// first error: whatever the prefetch missed is read again later, at the price of a pass.
    pub(crate) fn prefetch(&mut self, ranges: &[(u64, u64)], maps: &AddrMap) {
        // Merge the ranges first: many segments may map the same bytes.
        let mut ranges: Vec<(u64, u64)> = ranges
            .iter()
            .map(|&(a, b)| (a / BLOCK, b.min(self.len).div_ceil(BLOCK)))
            .filter(|&(a, b)| a < b)
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (a, b) in ranges {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for block in merged.into_iter().flat_map(|(a, b)| a..b) {
            let Ok(found) = self.scan_block(block) else {
                return;
            };
            for h in found {
                self.capture(h, CAPTURE_LEN);
            }
            self.capture_pointer_headers(maps);
        }
        // Complete the captures that run past the last block, in file order (skipping those the stream passed:
        // they are read later, at the price of a pass).
        for _ in 0..=MAX_CAPTURES {
            let next = self.blocks[1..]
                .iter()
                .filter(|c| c.next() < c.want && c.next() >= self.pos)
                .map(|c| (c.next(), c.want))
                .min();
            let Some((from, to)) = next else {
                return;
            };
            // to - from <= CAPTURE_LEN.
            if self
                .read_vec(from, (to - from) as usize, "build info")
                .is_err()
            {
                return;
            }
            self.capture_pointer_headers(maps);
        }
    }

    /// Starts a capture of `[at, at + len)` (clamped to the file), filled from the caches as far as they reach and
    /// then by the reads that pass it.
    fn capture(&mut self, at: u64, len: u64) {
        let captures = self.blocks.len() - 1;
        if captures >= MAX_CAPTURES || self.blocks.iter().any(|c| c.off == at) {
            return;
        }
        let want = at.saturating_add(len).min(self.len);
        let mut c = Cached {
            off: at,
            bytes: Vec::new(),
            want,
        };
        while c.next() < want {
            let Some(part) = self.cached(c.next()) else {
                break;
            };
            let n = part.len().min((want - c.next()) as usize);
            let part = part[..n].to_vec();
            c.bytes.extend_from_slice(&part);
        }
        self.blocks.push(c);
    }

    /// For each captured pointer-format blob header, captures the two string headers it points to.
    fn capture_pointer_headers(&mut self, maps: &AddrMap) {
        let mut wanted = Vec::new();
        for c in &self.blocks[1..] {
            let b = &c.bytes;
            if (b.len() as u64) < BLOB_HEADER || !b.starts_with(MAGIC) || b[FLAGS_OFFSET] & 2 != 0 {
                continue;
            }
            let size = usize::from(b[PTR_SIZE_OFFSET]);
            if size != 4 && size != 8 {
                continue;
            }
            for i in 0..2 {
                let field = &b[16 + i * size..16 + (i + 1) * size];
                let mut v = [0u8; 8];
                let addr = if b[FLAGS_OFFSET] & 1 != 0 {
                    v[8 - size..].copy_from_slice(field);
                    u64::from_be_bytes(v)
                } else {
                    v[..size].copy_from_slice(field);
                    u64::from_le_bytes(v)
                };
                if let Some((off, _)) = maps.resolve(addr) {
                    wanted.push((off, 2 * size as u64));
                }
            }
        }
        for (off, len) in wanted {
            self.capture(off, len);
        }
    }
}

/// Appends the bytes of a read of `part` at `pos` to every capture whose next byte it holds.
fn feed(blocks: &mut [Cached], pos: u64, part: &[u8]) {
    let end = pos + part.len() as u64;
    for c in blocks.iter_mut() {
        let next = c.next();
        if next < c.want && (pos..end).contains(&next) {
            let to = c.want.min(end);
            c.bytes
                .extend_from_slice(&part[(next - pos) as usize..(to - pos) as usize]);
        }
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
