//! ELF: program headers give the address map; the `.go.buildinfo` section (when section headers are present and
//! cheap to reach) or else the writable data segments give the search regions.
//!
//! ```text
//! e_ident[0..4]  "\x7fELF"      e_ident[4] class: 1 = 32-bit, 2 = 64-bit      e_ident[5] data: 1 = LE, 2 = BE
//! e_phoff/e_phentsize/e_phnum   program header table (right after the file header in practice)
//! e_shoff/e_shentsize/e_shnum   section header table (at the END of the file in practice)
//! e_shstrndx                    index of the section-name string table
//! PT_LOAD p_vaddr/p_filesz/p_offset   file-backed address ranges; p_flags PF_X = 1, PF_W = 2
//! ```
//!
//! Go (`debug/buildinfo`) searches the `.go.buildinfo` section; before Go 1.22-ish it fell back to the first
//! `PT_LOAD` with `p_flags & (PF_X|PF_W) == PF_W`. Addresses are read through the program headers only, so
//! section-header-stripped binaries stay readable. Our fallback searches *every* writable, non-executable
//! `PT_LOAD` in order: in `-buildmode=pie` binaries the first one is the RELRO segment (`.data.rel.ro`) and
//! `.go.buildinfo` starts the second.
//!
//! On a forward-only source (a ZIP entry stream) the answer must be the same, and the section table — or at least
//! its name table — sits at the end of the file, after the blob. So the writable segments are scanned for the magic
//! on the way there (each occurrence and the bytes after it captured, see `source.rs`), the section table is read,
//! and the search then runs over the `.go.buildinfo` section exactly as with positioned reads, served from the
//! scan: one pass for a real binary, whatever decoys a hostile one plants in other segments (issue 15, finding 1).
//! A section that lies outside the scanned segments costs a second pass (or the pass limit's error).

use super::{AddrMap, Image, Mapping, Region, Src, check_count, cstr, table_len};
use crate::buildinfo::error::{Error, ExeFormat, Result};
use crate::limits::Limits;
use object::Endianness;
use object::elf::{self, FileHeader32, FileHeader64, ProgramHeader32, ProgramHeader64};
use object::elf::{SectionHeader32, SectionHeader64};

/// The fields we use from a file header of either class.
#[derive(Debug, Clone, Copy)]
struct Header {
    is64: bool,
    endian: Endianness,
    phoff: u64,
    phentsize: u64,
    phnum: u64,
    shoff: u64,
    shentsize: u64,
    shnum: u64,
    shstrndx: u64,
}

/// The fields we use from a program header.
#[derive(Debug, Clone, Copy)]
struct Prog {
    p_type: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

/// The fields we use from a section header.
#[derive(Debug, Clone, Copy)]
struct Sect {
    name: u32,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
}

fn malformed(reason: impl Into<String>, offset: u64) -> Error {
    Error::Malformed {
        format: ExeFormat::Elf,
        reason: reason.into(),
        offset,
    }
}

pub(crate) fn parse(src: &mut Src<'_>, limits: &Limits) -> Result<Image> {
    let hdr = read_header(src)?;
    // Section 0 holds the real counts when they overflow the 16-bit header fields.
    let needs_sect0 = hdr.phnum == u64::from(elf::PN_XNUM)
        || (hdr.shnum == 0 && hdr.shoff != 0)
        || hdr.shstrndx == u64::from(elf::SHN_XINDEX.0);
    let sect0 = if needs_sect0 && hdr.shoff != 0 {
        Some(read_sect(src, &hdr, hdr.shoff)?)
    } else {
        None
    };
    let phnum = match (hdr.phnum == u64::from(elf::PN_XNUM), sect0) {
        (true, Some(s)) => u64::from(s.info),
        (true, None) => return Err(malformed("e_phnum is PN_XNUM but there is no section 0", 0)),
        (false, _) => hdr.phnum,
    };
    check_count(
        phnum,
        "ELF program headers",
        "max_program_headers",
        limits.max_program_headers,
    )?;

    let progs = read_progs(src, &hdr, phnum, limits)?;
    let maps: Vec<Mapping> = progs
        .iter()
        .filter(|p| p.p_type == elf::PT_LOAD.0 && p.filesz > 0)
        .map(|p| Mapping {
            vaddr: p.vaddr,
            size: p.filesz,
            offset: p.offset,
        })
        .collect();
    let maps = AddrMap::new(maps);
    let writable = |p: &&Prog| {
        p.p_type == elf::PT_LOAD.0 && p.flags & (elf::PF_X.0 | elf::PF_W.0) == elf::PF_W.0
    };

    // A stream reaches the section table, or at least its name table, only at the end of the file, after the data:
    // scan the writable segments for the magic on the way, capturing what follows each occurrence, so that the blob
    // the section names is at hand once the tables have been read. Tables that lie before the data are read first.
    let mut plan = Plan {
        ranges: if src.is_forward_only() {
            progs
                .iter()
                .filter(writable)
                .map(|p| (p.offset, p.offset.saturating_add(p.filesz)))
                .collect()
        } else {
            Vec::new()
        },
        maps: &maps,
    };
    let section = find_buildinfo_section(src, &hdr, sect0, &mut plan, limits)?;
    plan.run(src);
    if let Some(region) = section {
        return Ok(Image {
            format: ExeFormat::Elf,
            maps,
            regions: vec![region],
            searched: ".go.buildinfo section",
            packer: None,
        });
    }

    let regions = progs
        .iter()
        .filter(|p| writable(p) && p.memsz > 0)
        .map(|p| Region {
            vaddr: p.vaddr,
            size: p.memsz,
            what: "writable PT_LOAD segment",
            named: false,
        })
        .collect();
    Ok(Image {
        format: ExeFormat::Elf,
        maps,
        regions,
        searched: "writable PT_LOAD segments",
        packer: None,
    })
}

fn read_header(src: &mut Src<'_>) -> Result<Header> {
    // e_ident: magic[4], class, data, version, os_abi, abi_version, padding[7] (see `object::elf::Ident`).
    let ident = src.head_bytes(16);
    let (class, data) = (elf::FileClass(ident[4]), elf::DataEncoding(ident[5]));
    let endian = match data {
        elf::ELFDATA2LSB => Endianness::Little,
        elf::ELFDATA2MSB => Endianness::Big,
        other => {
            return Err(malformed(
                format!("invalid data encoding {} in e_ident", other.0),
                5,
            ));
        }
    };
    match class {
        elf::ELFCLASS64 => {
            let h: FileHeader64<Endianness> = src.read_pod(0, "ELF file header")?;
            Ok(Header {
                is64: true,
                endian,
                phoff: h.e_phoff.get(endian),
                phentsize: u64::from(h.e_phentsize.get(endian)),
                phnum: u64::from(h.e_phnum.get(endian)),
                shoff: h.e_shoff.get(endian),
                shentsize: u64::from(h.e_shentsize.get(endian)),
                shnum: u64::from(h.e_shnum.get(endian)),
                shstrndx: u64::from(h.e_shstrndx.get(endian).0),
            })
        }
        elf::ELFCLASS32 => {
            let h: FileHeader32<Endianness> = src.read_pod(0, "ELF file header")?;
            Ok(Header {
                is64: false,
                endian,
                phoff: u64::from(h.e_phoff.get(endian)),
                phentsize: u64::from(h.e_phentsize.get(endian)),
                phnum: u64::from(h.e_phnum.get(endian)),
                shoff: u64::from(h.e_shoff.get(endian)),
                shentsize: u64::from(h.e_shentsize.get(endian)),
                shnum: u64::from(h.e_shnum.get(endian)),
                shstrndx: u64::from(h.e_shstrndx.get(endian).0),
            })
        }
        other => Err(malformed(
            format!("invalid class {} in e_ident", other.0),
            4,
        )),
    }
}

fn read_progs(src: &mut Src<'_>, hdr: &Header, phnum: u64, limits: &Limits) -> Result<Vec<Prog>> {
    if phnum == 0 {
        return Ok(Vec::new());
    }
    let min = if hdr.is64 {
        size_of::<ProgramHeader64<Endianness>>()
    } else {
        size_of::<ProgramHeader32<Endianness>>()
    } as u64;
    if hdr.phentsize < min {
        return Err(malformed(
            format!(
                "program header entry size {} is smaller than {min}",
                hdr.phentsize
            ),
            hdr.phoff,
        ));
    }
    let len = table_len(phnum, hdr.phentsize, "ELF program header table", limits)?;
    let table = src.read_vec(hdr.phoff, len, "ELF program header table")?;
    let e = hdr.endian;
    let progs = table
        .chunks_exact(hdr.phentsize as usize)
        .map(|entry| {
            Ok(if hdr.is64 {
                let p = decode::<ProgramHeader64<Endianness>>(entry)?;
                Prog {
                    p_type: p.p_type.get(e).0,
                    flags: p.p_flags.get(e).0,
                    offset: p.p_offset.get(e),
                    vaddr: p.p_vaddr.get(e),
                    filesz: p.p_filesz.get(e),
                    memsz: p.p_memsz.get(e),
                }
            } else {
                let p = decode::<ProgramHeader32<Endianness>>(entry)?;
                Prog {
                    p_type: p.p_type.get(e).0,
                    flags: p.p_flags.get(e).0,
                    offset: u64::from(p.p_offset.get(e)),
                    vaddr: u64::from(p.p_vaddr.get(e)),
                    filesz: u64::from(p.p_filesz.get(e)),
                    memsz: u64::from(p.p_memsz.get(e)),
                }
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(progs)
}

/// Decodes a table entry (entries were checked to be at least as large as the struct).
fn decode<T: object::pod::Pod>(entry: &[u8]) -> Result<T> {
    object::pod::from_bytes::<T>(entry)
        .map(|(v, _)| *v)
        .map_err(|()| malformed("table entry shorter than its header struct", 0))
}

fn sect_min(hdr: &Header) -> u64 {
    if hdr.is64 {
        size_of::<SectionHeader64<Endianness>>() as u64
    } else {
        size_of::<SectionHeader32<Endianness>>() as u64
    }
}

fn read_sect(src: &mut Src<'_>, hdr: &Header, offset: u64) -> Result<Sect> {
    let e = hdr.endian;
    if hdr.is64 {
        let s: SectionHeader64<Endianness> = src.read_pod(offset, "ELF section header")?;
        Ok(Sect {
            name: s.sh_name.get(e),
            addr: s.sh_addr.get(e),
            offset: s.sh_offset.get(e),
            size: s.sh_size.get(e),
            link: s.sh_link.get(e),
            info: s.sh_info.get(e),
        })
    } else {
        let s: SectionHeader32<Endianness> = src.read_pod(offset, "ELF section header")?;
        Ok(Sect {
            name: s.sh_name.get(e),
            addr: u64::from(s.sh_addr.get(e)),
            offset: u64::from(s.sh_offset.get(e)),
            size: u64::from(s.sh_size.get(e)),
            link: s.sh_link.get(e),
            info: s.sh_info.get(e),
        })
    }
}

fn decode_sect(hdr: &Header, entry: &[u8]) -> Result<Sect> {
    let e = hdr.endian;
    Ok(if hdr.is64 {
        let s = decode::<SectionHeader64<Endianness>>(entry)?;
        Sect {
            name: s.sh_name.get(e),
            addr: s.sh_addr.get(e),
            offset: s.sh_offset.get(e),
            size: s.sh_size.get(e),
            link: s.sh_link.get(e),
            info: s.sh_info.get(e),
        }
    } else {
        let s = decode::<SectionHeader32<Endianness>>(entry)?;
        Sect {
            name: s.sh_name.get(e),
            addr: u64::from(s.sh_addr.get(e)),
            offset: u64::from(s.sh_offset.get(e)),
            size: u64::from(s.sh_size.get(e)),
            link: s.sh_link.get(e),
            info: s.sh_info.get(e),
        }
    })
}

/// Finds the `.go.buildinfo` section through the section table, if there is one.
fn find_buildinfo_section(
    src: &mut Src<'_>,
    hdr: &Header,
    sect0: Option<Sect>,
    plan: &mut Plan<'_>,
    limits: &Limits,
) -> Result<Option<Region>> {
    if hdr.shoff == 0 {
        return Ok(None); // section headers stripped
    }
    let shnum = match (hdr.shnum, sect0) {
        (0, Some(s)) => s.size,
        (n, _) => n,
    };
    if shnum == 0 {
        return Ok(None);
    }
    let min = sect_min(hdr);
    if hdr.shentsize < min {
        return Err(malformed(
            format!(
                "section header entry size {} is smaller than {min}",
                hdr.shentsize
            ),
            hdr.shoff,
        ));
    }
    check_count(shnum, "ELF sections", "max_sections", limits.max_sections)?;
    let shstrndx = match (hdr.shstrndx == u64::from(elf::SHN_XINDEX.0), sect0) {
        (true, Some(s)) => u64::from(s.link),
        _ => hdr.shstrndx,
    };
    if shstrndx >= shnum {
        return Err(malformed(
            format!("section name table index {shstrndx} is out of range (e_shnum {shnum})"),
            hdr.shoff,
        ));
    }
    let len = table_len(shnum, hdr.shentsize, "ELF section header table", limits)?;
    plan.before(src, hdr.shoff, len as u64);
    let table = src.read_vec(hdr.shoff, len, "ELF section header table")?;
    let entsize = hdr.shentsize as usize;
    let strtab_hdr = decode_sect(hdr, &table[shstrndx as usize * entsize..])?;
    let strtab_len = table_len(strtab_hdr.size, 1, "ELF section name table", limits)?;
    plan.before(src, strtab_hdr.offset, strtab_len as u64);
    let strtab = src.read_vec(strtab_hdr.offset, strtab_len, "ELF section name table")?;
    const NAME: &[u8] = b".go.buildinfo";
    for entry in table.chunks_exact(entsize) {
        let s = decode_sect(hdr, entry)?;
        let name = usize::try_from(s.name)
            .ok()
            .and_then(|i| strtab.get(i..))
            .map(cstr);
        if name == Some(NAME) {
            return Ok(Some(Region {
                vaddr: s.addr,
                size: s.size,
                what: ".go.buildinfo section",
                named: true,
            }));
        }
    }
    Ok(None)
}

/// Stream mode: the writable segments to scan before the first read that lies past their start.
struct Plan<'m> {
    /// File ranges still to scan (empty once scanned, and always with positioned reads).
    ranges: Vec<(u64, u64)>,
    maps: &'m AddrMap,
}

impl Plan<'_> {
    /// Scans the ranges now if a read of `len` bytes at `offset` would pass their start.
    fn before(&mut self, src: &mut Src<'_>, offset: u64, len: u64) {
        let first = self.ranges.iter().map(|r| r.0).min().unwrap_or(u64::MAX);
        if offset.saturating_add(len) > first {
            self.run(src);
        }
    }

    /// Scans the ranges (once).
    fn run(&mut self, src: &mut Src<'_>) {
        let ranges = std::mem::take(&mut self.ranges);
        if !ranges.is_empty() {
            src.prefetch(&ranges, self.maps);
        }
    }
}
