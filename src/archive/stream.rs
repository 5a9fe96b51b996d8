//! [`EntryReader`]: one ZIP entry as a [`ReadAt`] source over a forward-only inflating stream.
//!
//! Why not the `zip` crate's entry reader: `ZipArchive::by_index` returns a `ZipFile<'_, R>` that mutably borrows
//! the archive, so it cannot be stored next to the archive, handed out as an owned `ReadAt`, restarted, or moved to
//! another thread. The archive is parsed once by the crate (see [`super::zip`]); each entry's data offset,
//! compressed size, method, CRC-32 and declared size are copied out, and this module inflates the byte range itself
//! with `flate2` (raw deflate, the same decoder the crate uses) over positioned reads. That makes the reader owned,
//! `Send`, and restartable at will.
//!
//! Reads ahead of the current position inflate forward and discard; a read *behind* it starts a new pass from the
//! start of the entry (counted, at most [`crate::limits::Limits::max_stream_passes`]). The **first pass always runs to
//! the end** — before a restart, or in [`EntryReader::finish`] — and that pass carries the checks and observers:
//! the inflated size must equal the declared size (checked as bytes arrive: inflating past it stops at once), the
//! CRC-32 must match the central directory, and the SHA-256/SHA-512/gitoid observers see every byte exactly once (the
//! gitoid hashes the length first: the declared size, which the pass enforces). So a
//! Go ≥ 1.18 binary is inflated exactly once, and a pre-1.18 one (strings before the blob) once plus a partial
//! second pass. Memory is bounded: a 64 KiB read buffer, the inflater's 32 KiB window, a 64 KiB discard buffer.

use std::io::{self, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use flate2::bufread::DeflateDecoder;
use sha2::{Digest as _, Sha256};

use super::bytes::{Section, ZipBytes};
use super::digest::{Digests, DigestsHasher};
use super::error::ArchiveError;
use crate::read_at::ReadAt;

const READ_BUFFER: usize = 64 << 10;
const DISCARD_BUFFER: usize = 64 << 10;

/// Compression methods Go's `archive/zip` reads by default (and so the only ones `tofu` installs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// 0: stored.
    Stored,
    /// 8: raw deflate.
    Deflated,
}

/// Where an entry's data lies and what it must inflate to (from the central directory).
#[derive(Debug, Clone)]
pub(crate) struct EntryData {
    pub(crate) zip: PathBuf,
    pub(crate) name: String,
    pub(crate) data_start: u64,
    pub(crate) compressed_size: u64,
    pub(crate) size: u64,
    pub(crate) crc32: u32,
    pub(crate) method: Method,
}

/// Which digests the first pass computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observe {
    /// None: the caller only reads (e.g. `inspect`).
    Nothing,
    /// SHA-256 (for `h1:`).
    Sha256,
    /// SHA-256, SHA-512 and the OmniBOR gitoid (the provider binary in an SBOM).
    Sha256AndSha512,
}

#[derive(Debug)]
enum Observers {
    Nothing,
    Sha256(Sha256),
    Both(Box<DigestsHasher>),
}

impl Observers {
    /// Observers of an entry of `size` bytes (the declared size, which the first pass enforces).
    fn new(observe: Observe, size: u64) -> Self {
        match observe {
            Observe::Nothing => Self::Nothing,
            Observe::Sha256 => Self::Sha256(Sha256::new()),
            Observe::Sha256AndSha512 => Self::Both(Box::new(DigestsHasher::new(size))),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Nothing => {}
            Self::Sha256(h) => h.update(bytes),
            Self::Both(h) => h.update(bytes),
        }
    }

    fn finish(self) -> EntryDigests {
        match self {
            Self::Nothing => EntryDigests::default(),
            Self::Sha256(h) => EntryDigests {
                sha256: Some(h.finalize().into()),
                sha512: None,
                gitoid_sha256: None,
            },
            Self::Both(h) => {
                let d = h.finish();
                EntryDigests {
                    sha256: Some(d.sha256),
                    sha512: Some(d.sha512),
                    gitoid_sha256: Some(d.gitoid_sha256),
                }
            }
        }
    }
}

/// Digests computed by an entry's first pass, as requested with [`Observe`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryDigests {
    /// SHA-256 of the inflated data (with [`Observe::Sha256`] or [`Observe::Sha256AndSha512`]).
    pub sha256: Option<[u8; 32]>,
    /// SHA-512 of the inflated data (with [`Observe::Sha256AndSha512`]).
    pub sha512: Option<[u8; 64]>,
    /// SHA-256 of the git blob object of the inflated data (with [`Observe::Sha256AndSha512`]).
    pub gitoid_sha256: Option<[u8; 32]>,
}

impl EntryDigests {
    /// Every digest, when all were computed ([`Observe::Sha256AndSha512`]).
    pub fn both(&self) -> Option<Digests> {
        Some(Digests {
            sha256: self.sha256?,
            sha512: self.sha512?,
            gitoid_sha256: self.gitoid_sha256?,
        })
    }
}

/// What [`EntryReader::finish`] reports about a fully verified entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryOutcome {
    /// Inflated size (equal to the declared size).
    pub size: u64,
    /// Inflation passes started (1 unless reads went backwards).
    pub passes: u32,
    /// Digests of the inflated data.
    pub digests: EntryDigests,
}

enum Inflater {
    Stored(BufReader<Section>),
    Deflated(DeflateDecoder<BufReader<Section>>),
}

impl Read for Inflater {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Stored(r) => r.read(buf),
            Self::Deflated(r) => r.read(buf),
        }
    }
}

struct Pass {
    inflater: Inflater,
    pos: u64,
    crc: crc32fast::Hasher,
    done: bool,
}

impl std::fmt::Debug for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pass")
            .field("pos", &self.pos)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// One ZIP entry as a forward-only [`ReadAt`] source (see the module docs).
///
/// Errors in the archive data (corrupt deflate data, wrong size or CRC-32, too many passes) are sticky: every later
/// read fails, and [`EntryReader::finish`] returns the typed [`ArchiveError`].
#[derive(Debug)]
pub struct EntryReader {
    src: Arc<dyn ZipBytes>,
    data: EntryData,
    max_passes: u32,
    passes: u32,
    pass: Option<Pass>,
    verified: bool,
    observers: Option<Observers>,
    digests: EntryDigests,
    failure: Option<ArchiveError>,
    discard: Vec<u8>,
}

impl EntryReader {
    pub(crate) fn new(
        src: Arc<dyn ZipBytes>,
        data: EntryData,
        observe: Observe,
        max_passes: u32,
    ) -> Self {
        let observers = Some(Observers::new(observe, data.size));
        Self {
            src,
            data,
            max_passes,
            passes: 0,
            pass: None,
            verified: false,
            observers,
            digests: EntryDigests::default(),
            failure: None,
            discard: Vec::new(),
        }
    }

    /// The entry name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// Inflation passes started so far.
    pub fn passes(&self) -> u32 {
        self.passes
    }

    /// Completes the first pass if no pass has reached the end yet (verifying size and CRC-32, finishing the
    /// digests), and reports the outcome — or the first error met while reading.
    pub fn finish(mut self) -> Result<EntryOutcome, ArchiveError> {
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        if !self.verified {
            if self.pass.is_none() {
                self.start_pass()?;
            }
            self.drain()?;
        }
        Ok(EntryOutcome {
            size: self.data.size,
            passes: self.passes,
            digests: self.digests,
        })
    }

    fn start_pass(&mut self) -> Result<(), ArchiveError> {
        if self.passes >= self.max_passes {
            return Err(ArchiveError::TooManyPasses {
                zip: self.data.zip.clone(),
                entry: self.data.name.clone(),
                limit: self.max_passes,
            });
        }
        let section = Section::new(
            Arc::clone(&self.src),
            self.data.data_start,
            self.data.compressed_size,
        );
        let buffered = BufReader::with_capacity(READ_BUFFER, section);
        let inflater = match self.data.method {
            Method::Stored => Inflater::Stored(buffered),
            Method::Deflated => Inflater::Deflated(DeflateDecoder::new(buffered)),
        };
        self.passes += 1;
        self.pass = Some(Pass {
            inflater,
            pos: 0,
            crc: crc32fast::Hasher::new(),
            done: false,
        });
        Ok(())
    }

    /// Inflates into `dst` (at most the bytes left before the declared size); at the declared end, verifies it.
    fn advance(&mut self, dst: &mut [u8]) -> Result<usize, ArchiveError> {
        let first = !self.verified;
        let Some(pass) = self.pass.as_mut() else {
            return Ok(0);
        };
        let left = self.data.size - pass.pos;
        let want = dst.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = loop {
            match pass.inflater.read(&mut dst[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(inflate_error(&self.data, pass.pos, e)),
            }
        };
        if n == 0 {
            return Err(ArchiveError::EntryTruncated {
                zip: self.data.zip.clone(),
                entry: self.data.name.clone(),
                declared: self.data.size,
                actual: pass.pos,
            });
        }
        let chunk = &dst[..n];
        if first {
            pass.crc.update(chunk);
            if let Some(o) = self.observers.as_mut() {
                o.update(chunk);
            }
        }
        pass.pos += n as u64;
        if pass.pos == self.data.size {
            self.verify_end()?;
        }
        Ok(n)
    }

    /// At the declared end: no more data may follow, and (first pass) the CRC-32 must match.
    fn verify_end(&mut self) -> Result<(), ArchiveError> {
        let Some(pass) = self.pass.as_mut() else {
            return Ok(());
        };
        let mut probe = [0u8; 1];
        let extra = loop {
            match pass.inflater.read(&mut probe) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(inflate_error(&self.data, pass.pos, e)),
            }
        };
        if extra != 0 {
            return Err(ArchiveError::EntryOverlong {
                zip: self.data.zip.clone(),
                entry: self.data.name.clone(),
                declared: self.data.size,
            });
        }
        pass.done = true;
        if !self.verified {
            let actual = std::mem::take(&mut pass.crc).finalize();
            if actual != self.data.crc32 {
                return Err(ArchiveError::ChecksumMismatch {
                    zip: self.data.zip.clone(),
                    entry: self.data.name.clone(),
                    declared: self.data.crc32,
                    actual,
                });
            }
            if let Some(o) = self.observers.take() {
                self.digests = o.finish();
            }
            self.verified = true;
        }
        Ok(())
    }

    /// Inflates the current pass to its end (for an empty entry, just verifies the end).
    fn drain(&mut self) -> Result<(), ArchiveError> {
        let mut discard = std::mem::take(&mut self.discard);
        discard.resize(DISCARD_BUFFER, 0);
        let result = loop {
            match &self.pass {
                Some(p) if !p.done && p.pos < self.data.size => {}
                Some(p) if !p.done => break self.verify_end(),
                _ => break Ok(()),
            }
            if let Err(e) = self.advance(&mut discard) {
                break Err(e);
            }
        };
        self.discard = discard;
        result
    }

    fn read_inner(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ArchiveError> {
        let behind = self.pass.as_ref().is_none_or(|p| offset < p.pos);
        if behind {
            if self.pass.is_some() && !self.verified {
                self.drain()?;
            }
            self.start_pass()?;
        }
        // Skip forward to `offset`, discarding.
        let mut discard = std::mem::take(&mut self.discard);
        let skipped = (|| {
            loop {
                let pos = self.pass.as_ref().map_or(offset, |p| p.pos);
                if pos >= offset {
                    return Ok(());
                }
                let gap = usize::try_from(offset - pos).unwrap_or(usize::MAX);
                let chunk = gap.min(DISCARD_BUFFER);
                if discard.len() < chunk {
                    discard.resize(DISCARD_BUFFER, 0);
                }
                self.advance(&mut discard[..chunk])?;
            }
        })();
        self.discard = discard;
        skipped?;
        let mut filled = 0;
        while filled < buf.len() {
            filled += self.advance(&mut buf[filled..])?;
        }
        Ok(())
    }
}

impl ReadAt for EntryReader {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if let Some(e) = &self.failure {
            return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
        }
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.data.size) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "read of {} bytes at offset {offset} past the end of entry {:?} ({} bytes)",
                    buf.len(),
                    self.data.name,
                    self.data.size
                ),
            ));
        }
        if buf.is_empty() {
            return Ok(());
        }
        match self.read_inner(offset, buf) {
            Ok(()) => Ok(()),
            Err(e) => {
                let kind = match &e {
                    ArchiveError::Io { source, .. } => source.kind(),
                    _ => io::ErrorKind::InvalidData,
                };
                let err = io::Error::new(kind, e.to_string());
                self.failure = Some(e);
                Err(err)
            }
        }
    }

    fn len(&self) -> u64 {
        self.data.size
    }

    fn is_forward_only(&self) -> bool {
        true
    }
}

/// Maps a read error of the inflater: the decoder reports bad data as `InvalidInput`/`InvalidData`; anything else
/// came from reading the ZIP file itself.
fn inflate_error(data: &EntryData, offset: u64, e: io::Error) -> ArchiveError {
    match e.kind() {
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => ArchiveError::CorruptData {
            zip: data.zip.clone(),
            entry: data.name.clone(),
            offset,
            reason: e.to_string(),
        },
        _ => ArchiveError::Io {
            zip: data.zip.clone(),
            source: e,
        },
    }
}
