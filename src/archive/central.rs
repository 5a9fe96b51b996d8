//! The central directory walked header by header, as Go's `archive/zip` walks it: the end records, the entry count
//! Go would read, each 46-byte fixed header compared with what the `zip` crate parsed, and Go's file-kind rule
//! (`FileHeader.Mode()`). Every disagreement is refused as [`ArchiveError::Ambiguous`] (see [`super::zip`]'s module
//! docs). Knows ZIP bytes only: nothing of entries' contents, provider binaries or releases.

use std::path::Path;

use zip::ZipArchive;
use zip::result::ZipError;

use super::bytes::{Cursor, ZipBytes, read_exact_at};
use super::error::ArchiveError;
use crate::limits::Limits;

const CENTRAL_HEADER_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const END_SIG_BYTES: [u8; 4] = END_SIG.to_le_bytes();
const ZIP64_END_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_HEADER_LEN: u64 = 46;
const END_LEN: u64 = 22;
const ZIP64_LOCATOR_LEN: u64 = 20;

/// The fixed fields of one central-directory header plus its raw name, read by our own walk.
#[derive(Debug)]
pub(super) struct RawHeader {
    pub(super) version_made_by: u16,
    pub(super) flags: u16,
    pub(super) method: u16,
    pub(super) crc32: u32,
    pub(super) compressed_size: u32,
    pub(super) size: u32,
    pub(super) external_attributes: u32,
    pub(super) local_offset: u32,
    pub(super) name: Vec<u8>,
}

pub(super) fn zip_error(zip: &Path, e: ZipError) -> ArchiveError {
    match e {
        ZipError::Io(source) if source.kind() != std::io::ErrorKind::UnexpectedEof => {
            ArchiveError::Io {
                zip: zip.to_path_buf(),
                source,
            }
        }
        other => ArchiveError::Malformed {
            zip: zip.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

pub(super) fn ambiguous(zip: &Path, reason: String) -> ArchiveError {
    ArchiveError::Ambiguous {
        zip: zip.to_path_buf(),
        reason,
    }
}

fn read_at(
    zip: &Path,
    src: &dyn ZipBytes,
    offset: u64,
    buf: &mut [u8],
) -> Result<(), ArchiveError> {
    read_exact_at(src, offset, buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            ArchiveError::Malformed {
                zip: zip.to_path_buf(),
                reason: format!("truncated at offset {offset}"),
            }
        } else {
            ArchiveError::Io {
                zip: zip.to_path_buf(),
                source: e,
            }
        }
    })
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// The entry count of the end record Go would pick (the last signature whose comment fits in the file), read
/// from the ZIP64 end record when there is one; `None` when there is no end record (the parser then says why).
pub(super) fn declared_entry_count(
    zip: &Path,
    src: &dyn ZipBytes,
) -> Result<Option<u64>, ArchiveError> {
    let len = src.len();
    let tail_len = len.min(END_LEN + u64::from(u16::MAX));
    let tail_start = len - tail_len;
    let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
    read_at(zip, src, tail_start, &mut tail)?;
    let end_len = END_LEN as usize;
    let Some(at) = (0..tail.len().saturating_sub(end_len - 1))
        .rev()
        .find(|&i| {
            tail[i..i + 4] == END_SIG_BYTES
                && i + end_len + usize::from(u16_at(&tail, i + 20)) <= tail.len()
        })
    else {
        return Ok(None);
    };
    let end_pos = tail_start + at as u64;
    if end_pos >= ZIP64_LOCATOR_LEN {
        let mut locator = [0u8; ZIP64_LOCATOR_LEN as usize];
        read_at(zip, src, end_pos - ZIP64_LOCATOR_LEN, &mut locator)?;
        if u32_at(&locator, 0) == ZIP64_LOCATOR_SIG {
            let mut z = [0u8; 56];
            if read_exact_at(src, u64_at(&locator, 8), &mut z).is_ok()
                && u32_at(&z, 0) == ZIP64_END_SIG
            {
                return Ok(Some(u64_at(&z, 32)));
            }
        }
    }
    Ok(Some(u64::from(u16_at(&tail, at + 10))))
}

/// Checks the end records and walks the central directory header by header (see the module docs).
pub(super) fn walk_central_directory(
    zip: &Path,
    src: &dyn ZipBytes,
    archive: &ZipArchive<Cursor>,
    limits: &Limits,
) -> Result<Vec<RawHeader>, ArchiveError> {
    if archive.offset() != 0 {
        return Err(ambiguous(
            zip,
            format!("{} bytes of data before the first entry", archive.offset()),
        ));
    }
    let file_len = src.len();
    let comment_len = archive.comment().len() as u64;
    let end_pos = file_len
        .checked_sub(END_LEN + comment_len)
        .ok_or_else(|| ambiguous(zip, "end record does not fit in the file".into()))?;
    let mut tail = vec![0u8; usize::try_from(END_LEN + comment_len).unwrap_or(0)];
    read_at(zip, src, end_pos, &mut tail)?;
    if u32_at(&tail, 0) != END_SIG || u64::from(u16_at(&tail, 20)) != comment_len {
        return Err(ambiguous(
            zip,
            "data after the end-of-central-directory record".into(),
        ));
    }
    if tail[1..].windows(4).any(|w| w == END_SIG_BYTES) {
        return Err(ambiguous(
            zip,
            "a second end-of-central-directory signature after the end record".into(),
        ));
    }
    let cd_start = archive.central_directory_start();
    // Where the headers must end, and what the end records say about the directory.
    let (cd_end, declared_offset, declared_count) = {
        let mut locator = [0u8; ZIP64_LOCATOR_LEN as usize];
        let zip64 = end_pos >= ZIP64_LOCATOR_LEN && {
            read_at(zip, src, end_pos - ZIP64_LOCATOR_LEN, &mut locator)?;
            u32_at(&locator, 0) == ZIP64_LOCATOR_SIG
        };
        if zip64 {
            let record = u64_at(&locator, 8);
            let mut z = [0u8; 56];
            read_at(zip, src, record, &mut z)?;
            if u32_at(&z, 0) != ZIP64_END_SIG {
                return Err(ambiguous(
                    zip,
                    "ZIP64 locator does not point at a ZIP64 end record".into(),
                ));
            }
            (record, u64_at(&z, 48), u64_at(&z, 32))
        } else {
            let offset = u32_at(&tail, 16);
            let count = u16_at(&tail, 10);
            (
                end_pos,
                if offset == u32::MAX {
                    cd_start
                } else {
                    u64::from(offset)
                },
                u64::from(count),
            )
        }
    };
    if declared_offset != cd_start {
        return Err(ambiguous(
            zip,
            format!(
                "the end record puts the central directory at {declared_offset}, the parser at {cd_start}"
            ),
        ));
    }
    let mut headers = Vec::new();
    let mut pos = cd_start;
    while pos < cd_end {
        if headers.len() as u64 >= limits.max_zip_entries {
            return Err(ArchiveError::TooManyEntries {
                zip: zip.to_path_buf(),
                count: declared_count.max(headers.len() as u64 + 1),
                limit: limits.max_zip_entries,
            });
        }
        let mut fixed = [0u8; CENTRAL_HEADER_LEN as usize];
        read_at(zip, src, pos, &mut fixed)?;
        if u32_at(&fixed, 0) != CENTRAL_HEADER_SIG {
            return Err(ambiguous(
                zip,
                format!("unparsed bytes in the central directory at offset {pos}"),
            ));
        }
        let name_len = u16_at(&fixed, 28);
        let extra_len = u16_at(&fixed, 30);
        let comment_len = u16_at(&fixed, 32);
        let mut name = vec![0u8; usize::from(name_len)];
        read_at(zip, src, pos + CENTRAL_HEADER_LEN, &mut name)?;
        headers.push(RawHeader {
            version_made_by: u16_at(&fixed, 4),
            flags: u16_at(&fixed, 8),
            method: u16_at(&fixed, 10),
            crc32: u32_at(&fixed, 16),
            compressed_size: u32_at(&fixed, 20),
            size: u32_at(&fixed, 24),
            external_attributes: u32_at(&fixed, 38),
            local_offset: u32_at(&fixed, 42),
            name,
        });
        pos += CENTRAL_HEADER_LEN
            + u64::from(name_len)
            + u64::from(extra_len)
            + u64::from(comment_len);
    }
    if pos != cd_end {
        return Err(ambiguous(
            zip,
            format!("the last central directory header overruns the end record (offset {pos})"),
        ));
    }
    let count = headers.len() as u64;
    // Go compares the count modulo 65536 (the end record's 16-bit field); we require equality.
    if count != declared_count && !(declared_count == 0xffff && count > 0xffff) {
        return Err(ambiguous(
            zip,
            format!(
                "the end record declares {declared_count} entries, the central directory holds {count}"
            ),
        ));
    }
    if count != archive.len() as u64 {
        // The crate keys entries by name: fewer entries means duplicate names.
        return Err(duplicate_in(zip, &headers));
    }
    Ok(headers)
}

fn duplicate_in(zip: &Path, headers: &[RawHeader]) -> ArchiveError {
    let mut seen = std::collections::HashSet::new();
    for h in headers {
        if !seen.insert(h.name.as_slice()) {
            let name = String::from_utf8_lossy(&h.name).into_owned();
            return ArchiveError::DuplicateName {
                zip: zip.to_path_buf(),
                entry: name.clone(),
                other: name,
            };
        }
    }
    ambiguous(zip, "the parser lost central directory entries".into())
}

const CREATOR_FAT: u16 = 0;
const CREATOR_UNIX: u16 = 3;
const CREATOR_NTFS: u16 = 11;
const CREATOR_VFAT: u16 = 14;
const CREATOR_MACOSX: u16 = 19;
const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFIFO: u32 = 0o010_000;
const S_IFSOCK: u32 = 0o140_000;
const MSDOS_DIR: u32 = 0x10;

/// Directory or not, and the refused file kind if any — Go's `FileHeader.Mode()` logic.
pub(super) fn file_kind(h: &RawHeader) -> (bool, Option<&'static str>) {
    let name_dir = h.name.last() == Some(&b'/');
    match h.version_made_by >> 8 {
        CREATOR_UNIX | CREATOR_MACOSX => {
            let mode = h.external_attributes >> 16;
            match mode & S_IFMT {
                0 | S_IFREG => (name_dir, None),
                S_IFDIR => (true, None),
                S_IFLNK => (name_dir, Some("symbolic link")),
                S_IFIFO => (name_dir, Some("named pipe")),
                S_IFSOCK => (name_dir, Some("socket")),
                _ => (name_dir, Some("device")),
            }
        }
        CREATOR_FAT | CREATOR_NTFS | CREATOR_VFAT => {
            (name_dir || h.external_attributes & MSDOS_DIR != 0, None)
        }
        _ => (name_dir, None),
    }
}
