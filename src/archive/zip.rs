//! [`ProviderZip`]: a provider package opened through its central directory, as OpenTofu's Go `archive/zip` opens it.
//!
//! # What is trusted
//! Go's `archive/zip` (which `tofu` uses to unpack providers) takes every entry's name, sizes, CRC-32, method and
//! local-header offset from the **central directory**; from the local header it only takes the name and extra-field
//! *lengths*, to find where the data starts. The `zip` crate does the same, and we use it for the central directory,
//! ZIP64 resolution and the local-header offset arithmetic. A ZIP whose local headers disagree with the central
//! directory (another name, another size, other data) is therefore read the way `tofu` reads it.
//!
//! # What is refused
//! Where the crate and Go could read the same bytes differently, the archive is refused rather than guessed at
//! ([`ArchiveError::Ambiguous`]), so the SBOM can never describe another binary than `tofu` installs:
//! - data before the first local header (the crate detects an "archive offset", Go computes its own base offset);
//! - bytes after the end-of-central-directory record, or an end-record signature inside the archive comment
//!   (Go picks the *last* signature that fits, the crate may fall back to an earlier one);
//! - central-directory headers the crate did not parse (Go reads headers until a bad one, the crate reads the
//!   count from the end record), found by walking the directory ourselves: it must be exactly the parsed headers,
//!   back to back, up to the end record;
//! - a name rewritten by an Info-ZIP Unicode Path extra field (the crate applies it, Go ignores it), and sizes or
//!   offsets that differ from the header's 32-bit fields when those are not ZIP64 placeholders;
//! - entry data overlapping the central directory.
//!
//! Entry names are the raw bytes of the central directory and must be UTF-8 (Go never decodes CP437); unsafe
//! names, duplicates (ignoring ASCII case; on a darwin or windows ZIP also the names that are one file there, see
//! `entry_names`), encrypted entries, methods other than stored/deflate, and symbolic links
//! or special files are refused with [`ArchiveError`] variants naming the ZIP and the entry.
//!
//! The directory walk re-reads the 46-byte fixed part of each central header the crate already parsed; that small
//! duplication is what lets us compare the crate's view with Go's instead of trusting either.
//! That walk lives in `central.rs`; this file opens the ZIP, checks each entry and selects the binary.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::{Date, Month, PrimitiveDateTime, Time};
use zip::ZipArchive;
use zip::extra_fields::ExtraField;

use super::bytes::{Cursor, FileBytes, ZipBytes, read_exact_at};
use super::central::{
    RawHeader, ambiguous, declared_entry_count, file_kind, walk_central_directory, zip_error,
};
use super::digest::{Digests, DigestsHasher, FileHash, hash1};
use super::entry_names::{
    BinarySelector, TargetOs, collision_key, os_collision, unsafe_name_reason,
};
use super::error::ArchiveError;
use super::stream::{EntryData, EntryReader, Method, Observe};
use crate::limits::Limits;

/// Entries smaller than this are exempt from the compression-ratio limit: small text files of repeated content
/// (license headers, padding) legitimately compress far better than 200:1, and 1 MiB cannot hurt.
pub const RATIO_EXEMPT_BYTES: u64 = 1 << 20;

/// One entry of a provider ZIP, as the central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// The name, `/`-separated, exactly as in the central directory.
    pub name: String,
    /// A directory (trailing `/`, or a directory mode, as Go's `FileInfo().IsDir()` decides).
    pub is_dir: bool,
    /// Declared inflated size (the stream checks the actual size against it).
    pub size: u64,
    /// Compressed size.
    pub compressed_size: u64,
    /// Declared CRC-32.
    pub crc32: u32,
    /// Modification time in Unix seconds (UTC): the extended-timestamp extra field when present, else the MS-DOS
    /// date and time read as UTC (as Go's `archive/zip` does); `None` when the MS-DOS date is invalid.
    pub modified: Option<i64>,
    data_start: u64,
    method: Method,
}

/// A provider ZIP opened through its central directory (see the module docs).
#[derive(Debug)]
pub struct ProviderZip {
    path: PathBuf,
    src: Arc<dyn ZipBytes>,
    entries: Vec<EntryInfo>,
    binary: usize,
    other_candidates: Vec<String>,
    limits: Limits,
    file_digests: Option<Digests>,
}

/// Everything one pass over a provider ZIP yields (see [`ProviderZip::scan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipScan<T> {
    /// What the binary callback returned (e.g. the build-info reader's result).
    pub binary: T,
    /// The binary's entry name.
    pub binary_name: String,
    /// SHA-256, SHA-512 and gitoid of the inflated binary.
    pub binary_digests: Digests,
    /// Inflation passes over the binary (1, or 2 when the callback read backwards).
    pub binary_passes: u32,
    /// Every file entry (directories excluded), sorted by name: the input of `h1:`.
    pub files: Vec<FileHash>,
}

impl<T> ZipScan<T> {
    /// The `h1:` lock-file hash of the package (Go `dirhash.Hash1` over the unpacked files).
    pub fn h1(&self) -> String {
        hash1(&self.files)
    }
}

impl ProviderZip {
    /// Opens the ZIP at `path` and finds the provider binary.
    pub fn open(
        path: &Path,
        selector: &BinarySelector,
        limits: &Limits,
    ) -> Result<Self, ArchiveError> {
        let src = open_file(path)?;
        Self::from_source(path, src, selector, limits, None)
    }

    /// Reads a ZIP held in memory (tests, fuzzing); `path` is only used in messages.
    pub fn from_bytes(
        path: &Path,
        bytes: Vec<u8>,
        selector: &BinarySelector,
        limits: &Limits,
    ) -> Result<Self, ArchiveError> {
        Self::from_source(path, Arc::new(bytes), selector, limits, None)
    }

    pub(crate) fn from_source(
        path: &Path,
        src: Arc<dyn ZipBytes>,
        selector: &BinarySelector,
        limits: &Limits,
        file_digests: Option<Digests>,
    ) -> Result<Self, ArchiveError> {
        let zip = path.to_path_buf();
        // Refuse an oversized directory before the crate parses (and allocates for) every entry.
        if let Some(count) = declared_entry_count(&zip, src.as_ref())?
            && count > limits.max_zip_entries
        {
            return Err(ArchiveError::TooManyEntries {
                zip,
                count,
                limit: limits.max_zip_entries,
            });
        }
        let mut archive =
            ZipArchive::new(Cursor::new(Arc::clone(&src))).map_err(|e| zip_error(&zip, e))?;
        let headers = walk_central_directory(&zip, src.as_ref(), &archive, limits)?;
        let mut entries = Vec::with_capacity(headers.len());
        let mut seen = std::collections::HashMap::<String, String>::new();
        let mut total: u64 = 0;
        let cd_start = archive.central_directory_start();
        for (index, header) in headers.iter().enumerate() {
            let entry = read_entry(&zip, &mut archive, index, header, cd_start, limits)?;
            if let Some(other) = seen.insert(collision_key(&entry.name), entry.name.clone()) {
                return Err(ArchiveError::DuplicateName {
                    zip,
                    entry: entry.name,
                    other,
                });
            }
            if !entry.is_dir {
                total = total.saturating_add(entry.size);
                if total > limits.max_total_inflated {
                    return Err(ArchiveError::TotalTooLarge {
                        zip,
                        total,
                        limit: limits.max_total_inflated,
                    });
                }
            }
            entries.push(entry);
        }
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        if let Some((entry, other, rule)) = os_collision(TargetOs::of_zip(&zip), &names) {
            return Err(ArchiveError::NameCollision {
                zip,
                entry,
                other,
                rule,
            });
        }
        let (binary, other_candidates) = select_binary(&zip, &entries, selector)?;
        Ok(Self {
            path: zip,
            src,
            entries,
            binary,
            other_candidates,
            limits: *limits,
            file_digests,
        })
    }

    /// The ZIP's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All entries, in central-directory order.
    pub fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// The provider binary's entry.
    pub fn binary(&self) -> &EntryInfo {
        &self.entries[self.binary]
    }

    /// Further top-level files matching the provider type, which OpenTofu ignores because the binary's name sorts
    /// first (a degenerate package worth a warning).
    pub fn ignored_candidates(&self) -> &[String] {
        &self.other_candidates
    }

    /// The newest entry modification time (Unix seconds, UTC), for reproducible SBOM timestamps.
    pub fn newest_modification(&self) -> Option<i64> {
        self.entries.iter().filter_map(|e| e.modified).max()
    }

    /// SHA-256, SHA-512 and gitoid of the ZIP file itself (its `zh:` hash), from one sequential read (cached).
    pub fn file_digests(&mut self) -> Result<Digests, ArchiveError> {
        if let Some(d) = self.file_digests {
            return Ok(d);
        }
        let d = hash_source(&self.path, self.src.as_ref())?;
        self.file_digests = Some(d);
        Ok(d)
    }

    /// A streaming reader over the provider binary.
    pub fn binary_reader(&self, observe: Observe) -> EntryReader {
        self.reader(self.binary, observe)
    }

    /// A streaming reader over entry `index` (of [`Self::entries`]); `None` when out of range.
    pub fn entry_reader(&self, index: usize, observe: Observe) -> Option<EntryReader> {
        (index < self.entries.len()).then(|| self.reader(index, observe))
    }

    fn reader(&self, index: usize, observe: Observe) -> EntryReader {
        let e = &self.entries[index];
        EntryReader::new(
            Arc::clone(&self.src),
            EntryData {
                zip: self.path.clone(),
                name: e.name.clone(),
                data_start: e.data_start,
                compressed_size: e.compressed_size,
                size: e.size,
                crc32: e.crc32,
                method: e.method,
            },
            observe,
            self.limits.max_stream_passes,
        )
    }

    /// Inflates every file entry once, in archive order, verifying sizes and CRC-32s, and hashing each with
    /// SHA-256 (for `h1:`) — the binary with SHA-256, SHA-512 and its gitoid while `read_binary` reads it through the
    /// [`EntryReader`] it is given (e.g. the build-info reader). The binary is inflated once, plus a partial second
    /// pass only if `read_binary` reads backwards.
    ///
    /// Any error in the archive data fails the whole scan, whatever `read_binary` returned.
    pub fn scan<T>(
        &self,
        read_binary: impl FnOnce(&mut EntryReader) -> T,
    ) -> Result<ZipScan<T>, ArchiveError> {
        let mut read_binary = Some(read_binary);
        let mut binary = None;
        let mut files = Vec::with_capacity(self.entries.len());
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.is_dir {
                continue;
            }
            if index == self.binary {
                let mut reader = self.reader(index, Observe::Sha256AndSha512);
                let result = read_binary.take().map(|f| f(&mut reader));
                let outcome = reader.finish()?;
                let digests = outcome
                    .digests
                    .both()
                    .expect("a verified pass with Observe::Sha256AndSha512 has every digest");
                binary = result.map(|r| (r, digests, outcome.passes));
                files.push(FileHash {
                    name: entry.name.clone(),
                    size: outcome.size,
                    sha256: digests.sha256,
                });
            } else {
                let outcome = self.reader(index, Observe::Sha256).finish()?;
                files.push(FileHash {
                    name: entry.name.clone(),
                    size: outcome.size,
                    sha256: outcome.digests.sha256.unwrap_or_default(),
                });
            }
        }
        files.sort();
        let (result, binary_digests, binary_passes) =
            binary.expect("the binary is a file entry, scanned above");
        Ok(ZipScan {
            binary: result,
            binary_name: self.binary().name.clone(),
            binary_digests,
            binary_passes,
            files,
        })
    }
}

pub(crate) fn open_file(path: &Path) -> Result<Arc<dyn ZipBytes>, ArchiveError> {
    let io_err = |source| ArchiveError::Io {
        zip: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    Ok(Arc::new(FileBytes::new(file).map_err(io_err)?))
}

/// SHA-256 + SHA-512 + gitoid of a whole source, read sequentially in 1 MiB blocks.
pub(crate) fn hash_source(path: &Path, src: &dyn ZipBytes) -> Result<Digests, ArchiveError> {
    let len = src.len();
    let mut hasher = DigestsHasher::new(len);
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0;
    while pos < len {
        let want = usize::try_from(len - pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        read_exact_at(src, pos, &mut buf[..want]).map_err(|source| ArchiveError::Io {
            zip: path.to_path_buf(),
            source,
        })?;
        hasher.update(&buf[..want]);
        pos += want as u64;
    }
    Ok(hasher.finish())
}

fn read_entry(
    zip: &Path,
    archive: &mut ZipArchive<Cursor>,
    index: usize,
    h: &RawHeader,
    cd_start: u64,
    limits: &Limits,
) -> Result<EntryInfo, ArchiveError> {
    let zip_buf = zip.to_path_buf();
    let Ok(name) = String::from_utf8(h.name.clone()) else {
        return Err(ArchiveError::UnsafeName {
            zip: zip_buf,
            entry: String::from_utf8_lossy(&h.name).into_owned(),
            reason: "name is not UTF-8",
        });
    };
    if let Some(reason) = unsafe_name_reason(&name) {
        return Err(ArchiveError::UnsafeName {
            zip: zip_buf,
            entry: name,
            reason,
        });
    }
    if h.flags & 0x0001 != 0 || h.flags & 0x0040 != 0 {
        return Err(ArchiveError::Encrypted {
            zip: zip_buf,
            entry: name,
        });
    }
    let method = match h.method {
        0 => Method::Stored,
        8 => Method::Deflated,
        other => {
            return Err(ArchiveError::UnsupportedMethod {
                zip: zip_buf,
                entry: name,
                method: other,
            });
        }
    };
    let (is_dir, refused) = file_kind(h);
    if let Some(kind) = refused {
        return Err(ArchiveError::NotRegularFile {
            zip: zip_buf,
            entry: name,
            kind,
        });
    }

    let file = archive
        .by_index_raw(index)
        .map_err(|e| ArchiveError::LocalHeader {
            zip: zip_buf.clone(),
            entry: name.clone(),
            offset: u64::from(h.local_offset),
            reason: e.to_string(),
        })?;
    if file.name_raw() != h.name.as_slice() {
        return Err(ambiguous(
            zip,
            format!(
                "entry {name:?} is renamed to {:?} by a Unicode Path extra field",
                String::from_utf8_lossy(file.name_raw())
            ),
        ));
    }
    let compressed_size = file.compressed_size();
    let size = file.size();
    let header_start = file.header_start();
    let disagrees = |field: u32, parsed: u64| field != u32::MAX && u64::from(field) != parsed;
    if disagrees(h.compressed_size, compressed_size)
        || disagrees(h.size, size)
        || disagrees(h.local_offset, header_start)
        || file.crc32() != h.crc32
    {
        return Err(ambiguous(
            zip,
            format!("entry {name:?}: ZIP64 extra field contradicts the central directory header"),
        ));
    }
    let Some(data_start) = file.data_start() else {
        return Err(ArchiveError::LocalHeader {
            zip: zip_buf,
            entry: name,
            offset: header_start,
            reason: "data offset unknown".into(),
        });
    };
    if data_start
        .checked_add(compressed_size)
        .is_none_or(|end| end > cd_start)
    {
        return Err(ambiguous(
            zip,
            format!("data of entry {name:?} overlaps the central directory"),
        ));
    }
    let modified = file
        .extra_data_fields()
        .find_map(|f| match f {
            ExtraField::ExtendedTimestamp(t) => t.mod_time().map(i64::from),
            _ => None,
        })
        .or_else(|| file.last_modified().and_then(dos_to_unix));
    drop(file);

    if !is_dir {
        if size > limits.max_entry_size {
            return Err(ArchiveError::EntryTooLarge {
                zip: zip_buf,
                entry: name,
                size,
                limit: limits.max_entry_size,
            });
        }
        if size > RATIO_EXEMPT_BYTES
            && size > compressed_size.saturating_mul(limits.max_compression_ratio)
        {
            return Err(ArchiveError::RatioTooHigh {
                zip: zip_buf,
                entry: name,
                compressed: compressed_size,
                size,
                limit: limits.max_compression_ratio,
            });
        }
    }
    Ok(EntryInfo {
        name,
        is_dir,
        size,
        compressed_size,
        crc32: h.crc32,
        modified,
        data_start,
        method,
    })
}

/// MS-DOS date/time fields read as UTC (Go: `msDosTimeToTime`, location UTC).
fn dos_to_unix(dt: zip::DateTime) -> Option<i64> {
    let month = Month::try_from(dt.month()).ok()?;
    let date = Date::from_calendar_date(i32::from(dt.year()), month, dt.day()).ok()?;
    let time = Time::from_hms(dt.hour(), dt.minute(), dt.second()).ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

fn select_binary(
    zip: &Path,
    entries: &[EntryInfo],
    selector: &BinarySelector,
) -> Result<(usize, Vec<String>), ArchiveError> {
    let mut candidates: Vec<(usize, &str)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.is_dir && !e.name.contains('/') && selector.matches(&e.name))
        .map(|(i, e)| (i, e.name.as_str()))
        .collect();
    // Go's os.ReadDir sorts by name (byte order); OpenTofu takes the first match.
    candidates.sort_by(|a, b| a.1.cmp(b.1));
    let Some(&(first, _)) = candidates.first() else {
        return Err(ArchiveError::NoProviderBinary {
            zip: zip.to_path_buf(),
            expected: selector.prefix(),
        });
    };
    let others: Vec<String> = candidates[1..]
        .iter()
        .map(|(_, n)| (*n).to_owned())
        .collect();
    if matches!(selector, BinarySelector::Any) && !others.is_empty() {
        return Err(ArchiveError::AmbiguousBinary {
            zip: zip.to_path_buf(),
            candidates: candidates.iter().map(|(_, n)| (*n).to_owned()).collect(),
        });
    }
    Ok((first, others))
}
