//! XCOFF (AIX, `GOOS=aix GOARCH=ppc64`), always big-endian.
//!
//! ```text
//! 0x00  f_magic   0x01DF (32-bit, 20-byte file header) / 0x01F7 (64-bit, 24-byte file header)
//!       f_nscns   number of section headers; f_opthdr: size of the auxiliary header that follows the file header
//! hdr+f_opthdr    f_nscns × section header (40 bytes 32-bit / 72 bytes 64-bit):
//!                 s_name[8], s_paddr, s_vaddr, s_size, s_scnptr (file offset), …, s_flags
//! ```
//!
//! Go searches the first section whose `s_flags` equals `STYP_DATA` (0x40) and maps addresses through all
//! sections (`[s_vaddr, s_vaddr + s_size)` → `s_scnptr`). Go's `internal/xcoff` also insists on a symbol table
//! and so cannot read `-s`-stripped binaries ("unrecognized file format"); we never look at symbols, so those read
//! fine.

use super::{AddrMap, Image, Mapping, Region, Src, check_count, table_len};
use crate::buildinfo::error::{Error, ExeFormat, Result};
use crate::limits::Limits;
use object::BigEndian as BE;
use object::xcoff::{FileHeader32, FileHeader64, SectionHeader32, SectionHeader64};

/// `STYP_DATA`: the `.data` section type.
const STYP_DATA: u32 = 0x40;

fn malformed(reason: impl Into<String>, offset: u64) -> Error {
    Error::Malformed {
        format: ExeFormat::Xcoff,
        reason: reason.into(),
        offset,
    }
}

pub(crate) fn parse(src: &mut Src<'_>, limits: &Limits) -> Result<Image> {
    let is64 = src.head_bytes(2) == b"\x01\xf7";
    let (nscns, opthdr, hdr_len) = if is64 {
        let h: FileHeader64 = src.read_pod(0, "XCOFF file header")?;
        (
            h.f_nscns.get(BE),
            h.f_opthdr.get(BE),
            size_of::<FileHeader64>(),
        )
    } else {
        let h: FileHeader32 = src.read_pod(0, "XCOFF file header")?;
        (
            h.f_nscns.get(BE),
            h.f_opthdr.get(BE),
            size_of::<FileHeader32>(),
        )
    };
    let entsize = if is64 {
        size_of::<SectionHeader64>()
    } else {
        size_of::<SectionHeader32>()
    };
    let table_off = hdr_len as u64 + u64::from(opthdr);
    check_count(
        u64::from(nscns),
        "XCOFF sections",
        "max_sections",
        limits.max_sections,
    )?;
    let len = table_len(
        u64::from(nscns),
        entsize as u64,
        "XCOFF section table",
        limits,
    )?;
    let table = src.read_vec(table_off, len, "XCOFF section table")?;
    let mut maps = Vec::new();
    let mut region = None;
    for entry in table.chunks_exact(entsize) {
        let (vaddr, size, scnptr, flags) = if is64 {
            let s = object::pod::from_bytes::<SectionHeader64>(entry)
                .map(|(s, _)| *s)
                .map_err(|()| malformed("short section header", table_off))?;
            (
                s.s_vaddr.get(BE),
                s.s_size.get(BE),
                s.s_scnptr.get(BE),
                s.s_flags.get(BE).0,
            )
        } else {
            let s = object::pod::from_bytes::<SectionHeader32>(entry)
                .map(|(s, _)| *s)
                .map_err(|()| malformed("short section header", table_off))?;
            (
                u64::from(s.s_vaddr.get(BE)),
                u64::from(s.s_size.get(BE)),
                u64::from(s.s_scnptr.get(BE)),
                s.s_flags.get(BE).0,
            )
        };
        // s_scnptr == 0: no file data (.bss); Go reads zeros there, which never hold the magic.
        if size > 0 && scnptr != 0 {
            maps.push(Mapping {
                vaddr,
                size,
                offset: scnptr,
            });
        }
        if region.is_none() && flags == STYP_DATA {
            region = Some(Region {
                vaddr,
                size,
                what: "data section (STYP_DATA)",
                named: false,
            });
        }
    }
    Ok(Image {
        format: ExeFormat::Xcoff,
        maps: AddrMap::new(maps),
        regions: region.into_iter().collect(),
        searched: "data section (STYP_DATA)",
        packer: None,
    })
}
