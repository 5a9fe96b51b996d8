//! Mach-O (macOS), thin or fat/universal (first architecture only, as Go's `debug/buildinfo`).
//!
//! ```text
//! magic  FEEDFACE / FEEDFACF (big-endian file) or CEFAEDFE / CFFAEDFE (little-endian file): 32/64-bit header
//! header ncmds, sizeofcmds; load commands follow the 28- (32-bit) or 32-byte (64-bit) header
//! LC_SEGMENT (0x1) / LC_SEGMENT_64 (0x19): segname, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects,
//!        then nsects section headers (sectname[16], segname[16], addr, size, offset, …)
//! fat    CAFEBABE (FatArch32, 20 bytes each) / CAFEBABF (FatArch64, 32 bytes each), big-endian;
//!        the first arch's Mach-O image starts at its `offset` and all its file offsets are relative to that
//! ```
//!
//! Go searches the `__go_buildinfo` section; older Go fell back to the first segment with `vmaddr != 0`,
//! `filesize != 0` and `initprot == maxprot == rw-` — we keep that fallback (over every such segment, in order) for
//! binaries without the section. Addresses map through the segments, skipping `__PAGEZERO`.

use super::{AddrMap, Image, Mapping, Region, Src, check_count, cstr, not_executable, table_len};
use crate::buildinfo::error::{Error, ExeFormat, Result};
use crate::limits::Limits;
use object::macho::{
    self, FatArch32, FatArch64, FatHeader, LoadCommand, MachHeader32, MachHeader64, Section32,
    Section64, SegmentCommand32, SegmentCommand64,
};
use object::{BigEndian, Endianness};

/// `VM_PROT_READ | VM_PROT_WRITE`.
const PROT_RW: u32 = 3;

fn malformed(reason: impl Into<String>, offset: u64) -> Error {
    Error::Malformed {
        format: ExeFormat::MachO,
        reason: reason.into(),
        offset,
    }
}

/// Parses a fat/universal file: the first architecture's image.
pub(crate) fn parse_fat(src: &mut Src<'_>, limits: &Limits) -> Result<Image> {
    let fat: FatHeader = src.read_pod(0, "fat header")?;
    let magic = fat.magic.get(BigEndian);
    let nfat = fat.nfat_arch.get(BigEndian);
    if nfat == 0 {
        return Err(not_executable(src.head_bytes(4)));
    }
    let hdr_len = size_of::<FatHeader>() as u64;
    let offset = if magic == macho::FAT_MAGIC_64 {
        let a: FatArch64 = src.read_pod(hdr_len, "fat arch")?;
        a.offset.get(BigEndian)
    } else {
        let a: FatArch32 = src.read_pod(hdr_len, "fat arch")?;
        u64::from(a.offset.get(BigEndian))
    };
    // `CAFEBABE` is also the magic of Java class files; a first "arch" that is not Mach-O means this is not one.
    // The slice's header and load commands are kept, so that a stream reads them once (issue 15, finding 12).
    if offset != 0 && offset < src.len() {
        src.cache_head_at(offset)?;
    }
    let mut m = [0u8; 4];
    if offset == 0 || src.read(offset, &mut m, "fat arch image").is_err() || !is_macho_magic(&m) {
        return Err(not_executable(src.head_bytes(4)));
    }
    parse(src, offset, limits)
}

fn is_macho_magic(m: &[u8; 4]) -> bool {
    m[..3] == *b"\xfe\xed\xfa" || m[1..] == *b"\xfa\xed\xfe"
}

/// Parses a thin Mach-O image starting at file offset `base`.
pub(crate) fn parse(src: &mut Src<'_>, base: u64, limits: &Limits) -> Result<Image> {
    let mut m = [0u8; 4];
    src.read(base, &mut m, "Mach-O header")?;
    let magic = u32::from_be_bytes(m);
    let (endian, is64) = match magic {
        macho::MH_MAGIC => (Endianness::Big, false),
        macho::MH_CIGAM => (Endianness::Little, false),
        macho::MH_MAGIC_64 => (Endianness::Big, true),
        macho::MH_CIGAM_64 => (Endianness::Little, true),
        other => {
            return Err(malformed(
                format!("unknown Mach-O magic {other:#010x}"),
                base,
            ));
        }
    };
    let (ncmds, sizeofcmds, cmds_off) = if is64 {
        let h: MachHeader64<Endianness> = src.read_pod(base, "Mach-O header")?;
        let off = base + size_of::<MachHeader64<Endianness>>() as u64;
        (h.ncmds.get(endian), h.sizeofcmds.get(endian), off)
    } else {
        let h: MachHeader32<Endianness> = src.read_pod(base, "Mach-O header")?;
        let off = base + size_of::<MachHeader32<Endianness>>() as u64;
        (h.ncmds.get(endian), h.sizeofcmds.get(endian), off)
    };
    check_count(
        u64::from(ncmds),
        "Mach-O load commands",
        "max_load_commands",
        limits.max_load_commands,
    )?;
    let len = table_len(u64::from(sizeofcmds), 1, "Mach-O load commands", limits)?;
    let cmds = src.read_vec(cmds_off, len, "Mach-O load commands")?;

    let mut maps = Vec::new();
    let mut named = None;
    let mut fallback = Vec::new();
    let mut rest: &[u8] = &cmds;
    for i in 0..ncmds {
        let at = cmds_off + (cmds.len() - rest.len()) as u64;
        let lc: LoadCommand<Endianness> = object::pod::from_bytes(rest)
            .map(|(v, _)| *v)
            .map_err(|()| malformed(format!("load command {i} runs past sizeofcmds"), at))?;
        let cmdsize = lc.cmdsize.get(endian) as usize;
        if cmdsize < size_of::<LoadCommand<Endianness>>() || cmdsize > rest.len() {
            return Err(malformed(
                format!("load command {i} has invalid size {cmdsize}"),
                at,
            ));
        }
        let (cmd, tail) = rest.split_at(cmdsize);
        rest = tail;
        let seg = match lc.cmd.get(endian).0 {
            c if c == macho::LC_SEGMENT_64.0 => segment64(cmd, endian, at, limits)?,
            c if c == macho::LC_SEGMENT.0 => segment32(cmd, endian, at, limits)?,
            _ => continue,
        };
        if cstr(&seg.name) != b"__PAGEZERO" && seg.filesize > 0 {
            maps.push(Mapping {
                vaddr: seg.vmaddr,
                size: seg.filesize,
                offset: base.saturating_add(seg.fileoff),
            });
        }
        if named.is_none()
            && let Some((addr, size)) = seg.buildinfo
        {
            named = Some(Region {
                vaddr: addr,
                size,
                what: "__go_buildinfo section",
                named: true,
            });
        }
        if seg.vmaddr != 0 && seg.filesize != 0 && seg.initprot == PROT_RW && seg.maxprot == PROT_RW
        {
            fallback.push(Region {
                vaddr: seg.vmaddr,
                size: seg.vmsize,
                what: "writable data segment",
                named: false,
            });
        }
    }
    let (regions, searched) = match named {
        Some(r) => (vec![r], "__go_buildinfo section"),
        None => (fallback, "writable (rw-) data segments"),
    };
    Ok(Image {
        format: ExeFormat::MachO,
        maps: AddrMap::new(maps),
        regions,
        searched,
        packer: None,
    })
}

/// The fields we use from a segment command and its sections.
struct Segment {
    name: [u8; 16],
    vmaddr: u64,
    vmsize: u64,
    fileoff: u64,
    filesize: u64,
    maxprot: u32,
    initprot: u32,
    /// `(addr, size)` of its `__go_buildinfo` section.
    buildinfo: Option<(u64, u64)>,
}

const GO_BUILDINFO: &[u8] = b"__go_buildinfo";

fn segment64(cmd: &[u8], e: Endianness, at: u64, limits: &Limits) -> Result<Segment> {
    let (s, mut sects) = object::pod::from_bytes::<SegmentCommand64<Endianness>>(cmd)
        .map_err(|()| malformed("short LC_SEGMENT_64 command", at))?;
    let mut buildinfo = None;
    let nsects = u64::from(s.nsects.get(e));
    check_count(
        nsects,
        "Mach-O sections in one segment",
        "max_load_commands",
        limits.max_load_commands,
    )?;
    for _ in 0..nsects {
        let (sect, tail) = object::pod::from_bytes::<Section64<Endianness>>(sects)
            .map_err(|()| malformed("LC_SEGMENT_64 section headers run past the command", at))?;
        sects = tail;
        if buildinfo.is_none() && cstr(&sect.sectname) == GO_BUILDINFO {
            buildinfo = Some((sect.addr.get(e), sect.size.get(e)));
        }
    }
    Ok(Segment {
        name: s.segname,
        vmaddr: s.vmaddr.get(e),
        vmsize: s.vmsize.get(e),
        fileoff: s.fileoff.get(e),
        filesize: s.filesize.get(e),
        maxprot: s.maxprot.get(e).0,
        initprot: s.initprot.get(e).0,
        buildinfo,
    })
}

fn segment32(cmd: &[u8], e: Endianness, at: u64, limits: &Limits) -> Result<Segment> {
    let (s, mut sects) = object::pod::from_bytes::<SegmentCommand32<Endianness>>(cmd)
        .map_err(|()| malformed("short LC_SEGMENT command", at))?;
    let mut buildinfo = None;
    let nsects = u64::from(s.nsects.get(e));
    check_count(
        nsects,
        "Mach-O sections in one segment",
        "max_load_commands",
        limits.max_load_commands,
    )?;
    for _ in 0..nsects {
        let (sect, tail) = object::pod::from_bytes::<Section32<Endianness>>(sects)
            .map_err(|()| malformed("LC_SEGMENT section headers run past the command", at))?;
        sects = tail;
        if buildinfo.is_none() && cstr(&sect.sectname) == GO_BUILDINFO {
            buildinfo = Some((u64::from(sect.addr.get(e)), u64::from(sect.size.get(e))));
        }
    }
    Ok(Segment {
        name: s.segname,
        vmaddr: u64::from(s.vmaddr.get(e)),
        vmsize: u64::from(s.vmsize.get(e)),
        fileoff: u64::from(s.fileoff.get(e)),
        filesize: u64::from(s.filesize.get(e)),
        maxprot: s.maxprot.get(e).0,
        initprot: s.initprot.get(e).0,
        buildinfo,
    })
}
