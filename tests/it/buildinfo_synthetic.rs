//! Every parser branch on synthetic minimal executables built here byte by byte: ELF (32/64-bit, both byte orders,
//! with and without section headers), PE32/PE32+, Mach-O (thin 32/64, fat), XCOFF (32/64); inline and pointer blobs;
//! and each damage the reader names. All expectations are exact values or exact error variants.

use tofu_sbom::buildinfo::{self, BlobLayout, BuildInfo, DamagedField, Error, ExeFormat};
use tofu_sbom::limits::Limits;

use crate::support::exe::*;

fn read(bytes: &[u8]) -> Result<BuildInfo, Error> {
    buildinfo::read(&mut &bytes[..], &Limits::default())
}

fn read_with(bytes: &[u8], limits: &Limits) -> Result<BuildInfo, Error> {
    buildinfo::read(&mut &bytes[..], limits)
}

fn raw(bytes: &[u8]) -> buildinfo::RawBuildInfo {
    buildinfo::read_raw(&mut &bytes[..], &Limits::default()).expect("raw build info")
}

/// A Go 1.13–1.17 data segment starting at `vaddr`: the blob at +0, the two string headers at +0x40, the version at
/// +0x80, the modinfo at +0x100.
fn pointer_data(vaddr: u64, ptr_size: u8, big: bool, version: &[u8], modinfo: &[u8]) -> Vec<u8> {
    let is64 = ptr_size == 8;
    let mut w = W::new(big);
    w.bytes(MAGIC).u8(ptr_size).u8(u8::from(big));
    w.addr(is64, vaddr + 0x40);
    w.addr(is64, vaddr + 0x40 + 2 * u64::from(ptr_size));
    w.pad_to(0x40);
    w.addr(is64, vaddr + 0x80).addr(is64, version.len() as u64);
    w.addr(is64, vaddr + 0x100).addr(is64, modinfo.len() as u64);
    w.pad_to(0x80)
        .bytes(version)
        .pad_to(0x100)
        .bytes(modinfo)
        .align(16);
    w.b
}

// ------------------------------------------------------------------------------------------------------------ ELF

const ELF_DATA_OFF: u64 = 0x1000;
const ELF_DATA_VADDR: u64 = 0x50_1000;

#[derive(Clone)]
struct Elf {
    is64: bool,
    big: bool,
    sections: bool,
    data: Vec<u8>,
    /// p_flags of the data segment.
    data_flags: u32,
    /// p_memsz - p_filesz of the data segment (.bss).
    bss: u64,
    /// Name and size of the section covering the data.
    section_name: &'static str,
    section_size: Option<u64>,
    /// Overrides e_shoff (after layout).
    shoff: Option<u64>,
}

impl Elf {
    fn new(data: Vec<u8>) -> Self {
        Self {
            is64: true,
            big: false,
            sections: true,
            data,
            data_flags: 6,
            bss: 0,
            section_name: ".go.buildinfo",
            section_size: None,
            shoff: None,
        }
    }

    fn build(&self) -> Vec<u8> {
        let (is64, big) = (self.is64, self.big);
        let (ehsize, phentsize, shentsize) = if is64 { (64, 56, 64) } else { (52, 32, 40) };
        let mut w = W::new(big);
        w.bytes(b"\x7fELF")
            .u8(if is64 { 2 } else { 1 })
            .u8(if big { 2 } else { 1 })
            .u8(1)
            .pad_to(16);
        w.u16(2).u16(if is64 { 62 } else { 3 }).u32(1);
        w.addr(is64, 0).addr(is64, ehsize as u64);
        let shoff_at = w.b.len();
        w.addr(is64, 0).u32(0).u16(ehsize).u16(phentsize).u16(2);
        let shnum_at = w.b.len() + 2;
        w.u16(shentsize).u16(0).u16(0);
        assert_eq!(w.b.len(), usize::from(ehsize));
        let progs = [
            (1u32, 5u32, 0u64, 0x40_0000u64, 0x1000u64, 0x1000u64),
            (
                1,
                self.data_flags,
                ELF_DATA_OFF,
                ELF_DATA_VADDR,
                self.data.len() as u64,
                self.data.len() as u64 + self.bss,
            ),
        ];
        for (p_type, flags, off, vaddr, filesz, memsz) in progs {
            if is64 {
                w.u32(p_type).u32(flags).u64(off).u64(vaddr).u64(vaddr);
                w.u64(filesz).u64(memsz).u64(0x1000);
            } else {
                w.u32(p_type)
                    .u32(off as u32)
                    .u32(vaddr as u32)
                    .u32(vaddr as u32);
                w.u32(filesz as u32)
                    .u32(memsz as u32)
                    .u32(flags)
                    .u32(0x1000);
            }
        }
        w.pad_to(ELF_DATA_OFF as usize).bytes(&self.data);
        if self.sections {
            let strtab_off = w.b.len() as u64;
            let names = format!("\0{}\0.shstrtab\0", self.section_name);
            w.bytes(names.as_bytes()).align(8);
            let shoff = w.b.len() as u64;
            let sect = |w: &mut W, name: u32, ty: u32, addr: u64, off: u64, size: u64| {
                if is64 {
                    w.u32(name).u32(ty).u64(3).u64(addr).u64(off).u64(size);
                    w.u32(0).u32(0).u64(16).u64(0);
                } else {
                    w.u32(name).u32(ty).u32(3).u32(addr as u32).u32(off as u32);
                    w.u32(size as u32).u32(0).u32(0).u32(16).u32(0);
                }
            };
            sect(&mut w, 0, 0, 0, 0, 0);
            let size = self.section_size.unwrap_or(self.data.len() as u64);
            sect(&mut w, 1, 1, ELF_DATA_VADDR, ELF_DATA_OFF, size);
            let strtab_name = 2 + self.section_name.len() as u32;
            sect(&mut w, strtab_name, 3, 0, strtab_off, names.len() as u64);
            let mut hdr = W::new(big);
            hdr.addr(is64, self.shoff.unwrap_or(shoff));
            w.b[shoff_at..shoff_at + hdr.b.len()].copy_from_slice(&hdr.b);
            let mut counts = W::new(big);
            counts.u16(3).u16(2);
            w.b[shnum_at..shnum_at + 4].copy_from_slice(&counts.b);
        }
        w.b
    }
}

#[test]
fn elf64_le_inline_with_section() {
    let bytes = Elf::new(default_blob()).build();
    assert_eq!(read(&bytes).unwrap(), expected());
    let r = raw(&bytes);
    assert_eq!(
        (r.format, r.blob_offset, r.layout),
        (ExeFormat::Elf, ELF_DATA_OFF, BlobLayout::Inline)
    );
    assert_eq!(r.go_version, VERSION.as_bytes());
    assert_eq!(r.modinfo, MODINFO.as_bytes());
}

#[test]
fn elf32_be_pointer_format() {
    let data = pointer_data(ELF_DATA_VADDR, 4, true, b"go1.16.15", &framed(MODINFO));
    let mut elf = Elf::new(data);
    (elf.is64, elf.big) = (false, true);
    let bytes = elf.build();
    let bi = read(&bytes).unwrap();
    assert_eq!(
        bi,
        BuildInfo {
            go_version: "go1.16.15".into(),
            ..expected()
        }
    );
    assert_eq!(
        raw(&bytes).layout,
        BlobLayout::Pointer {
            ptr_size: 4,
            big_endian: true
        }
    );
}

#[test]
fn elf64_be_and_elf32_le_inline() {
    for (is64, big) in [(true, true), (false, false)] {
        let mut elf = Elf::new(default_blob());
        (elf.is64, elf.big) = (is64, big);
        assert_eq!(
            read(&elf.build()).unwrap(),
            expected(),
            "is64={is64} big={big}"
        );
    }
}

#[test]
fn elf_without_section_headers_reads_through_program_headers() {
    let mut elf = Elf::new(default_blob());
    elf.sections = false;
    assert_eq!(read(&elf.build()).unwrap(), expected());
}

#[test]
fn elf_with_other_sections_only_falls_back_to_writable_segments() {
    let mut elf = Elf::new(default_blob());
    elf.section_name = ".data";
    assert_eq!(read(&elf.build()).unwrap(), expected());
}

#[test]
fn elf_executable_data_segment_is_not_searched() {
    let mut elf = Elf::new(default_blob());
    (elf.sections, elf.data_flags) = (false, 7); // RWX
    assert!(matches!(
        read(&elf.build()),
        Err(Error::NotGo {
            format: ExeFormat::Elf,
            region: "executable: it has no writable data region"
        })
    ));
}

#[test]
fn elf_pointer_format_pointing_into_bss_is_damaged() {
    // The version's string header points past p_filesz (into .bss): not file-backed.
    let mut data = pointer_data(
        ELF_DATA_VADDR,
        8,
        false,
        VERSION.as_bytes(),
        &framed(MODINFO),
    );
    let bogus = ELF_DATA_VADDR + 0x10_0000;
    data[16..24].copy_from_slice(&bogus.to_le_bytes());
    let mut elf = Elf::new(data);
    elf.bss = 0x20_0000;
    let err = read(&elf.build()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                field: DamagedField::VersionPointer,
                offset,
                ..
            } if offset == ELF_DATA_OFF + 16
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad Go version pointer at file offset 4112: \
         the string header address 0x601000 is not in file-backed data"
    );
}

#[test]
fn elf_modinfo_pointer_to_unmapped_data_is_damaged() {
    let mut data = pointer_data(
        ELF_DATA_VADDR,
        8,
        false,
        VERSION.as_bytes(),
        &framed(MODINFO),
    );
    // modinfo string header: {data, len} at +0x50; make data point nowhere.
    data[0x50..0x58].copy_from_slice(&0xdead_0000u64.to_le_bytes());
    let err = read(&Elf::new(data).build()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                field: DamagedField::ModinfoPointer,
                offset,
                ..
            } if offset == ELF_DATA_OFF + 24
        ),
        "{err:?}"
    );
}

#[test]
fn empty_modinfo_pointer_string_means_no_module_info() {
    let data = pointer_data(ELF_DATA_VADDR, 8, false, b"go1.13", b"");
    assert_eq!(
        read(&Elf::new(data).build()).unwrap(),
        BuildInfo {
            go_version: "go1.13".into(),
            ..BuildInfo::default()
        }
    );
}

#[test]
fn pointer_size_other_than_4_or_8_is_damaged() {
    let mut data = pointer_data(
        ELF_DATA_VADDR,
        8,
        false,
        VERSION.as_bytes(),
        &framed(MODINFO),
    );
    data[14] = 5;
    let err = read(&Elf::new(data).build()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad pointer size at file offset 4110: pointer size 5 is neither 4 nor 8"
    );
}

#[test]
fn damaged_magic_in_named_section() {
    let mut blob = default_blob();
    blob[1] = b'X';
    let err = read(&Elf::new(blob.clone()).build()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                field: DamagedField::Magic,
                offset: ELF_DATA_OFF,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "damaged Go build info: bad build-info magic at file offset 4096: the {}-byte .go.buildinfo section \
             holds no 16-byte-aligned \"\\xff Go buildinf:\" magic",
            blob.len()
        )
    );
    // Without the named section it is simply not Go.
    let mut elf = Elf::new(blob);
    elf.sections = false;
    assert!(matches!(
        read(&elf.build()),
        Err(Error::NotGo {
            format: ExeFormat::Elf,
            region: "writable PT_LOAD segments"
        })
    ));
}

#[test]
fn misaligned_magic_is_skipped() {
    // A misaligned copy first, then the real blob at the next aligned position after it.
    let mut data = vec![0u8; 8];
    data.extend_from_slice(MAGIC);
    data.resize(32, 0);
    data.extend(default_blob());
    let bytes = Elf::new(data).build();
    assert_eq!(read(&bytes).unwrap(), expected());
    assert_eq!(raw(&bytes).blob_offset, ELF_DATA_OFF + 32);
    // Only a misaligned copy: not found.
    let mut data = vec![0u8; 8];
    data.extend_from_slice(&default_blob());
    let mut elf = Elf::new(data);
    elf.sections = false;
    assert!(matches!(read(&elf.build()), Err(Error::NotGo { .. })));
}

#[test]
fn magic_too_close_to_the_end_of_the_region() {
    // The section ends 16 bytes after the magic: the 32-byte header cannot fit.
    let mut data = vec![0u8; 64];
    data.extend_from_slice(&default_blob());
    let mut elf = Elf::new(data);
    elf.section_size = Some(64 + 16);
    let err = read(&elf.build()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad build-info header at file offset 4160: \
         magic found, but only 16 of the 32 header bytes are left in the .go.buildinfo section"
    );
}

#[test]
fn magic_found_in_a_later_chunk() {
    // 5000 bytes of zeros: the magic is past the first 4 KiB chunk.
    let mut data = vec![0u8; 5008];
    data.extend(default_blob());
    let bytes = Elf::new(data).build();
    assert_eq!(read(&bytes).unwrap(), expected());
    assert_eq!(raw(&bytes).blob_offset, ELF_DATA_OFF + 5008);
}

#[test]
fn huge_version_length_is_damaged() {
    // Go's own test damages the length with a 16 TB varint.
    let mut blob = MAGIC.to_vec();
    blob.extend_from_slice(&[8, 2]);
    blob.resize(32, 0);
    blob.extend(uvarint(1 << 44));
    blob.resize(64, 0);
    let err = read(&Elf::new(blob).build()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                field: DamagedField::VersionLength,
                offset: 4128,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad Go version length at file offset 4128: \
         length 17592186044416 exceeds the 25 bytes left in the segment"
    );
}

#[test]
fn overflowing_varint_is_damaged() {
    let mut blob = MAGIC.to_vec();
    blob.extend_from_slice(&[8, 2]);
    blob.resize(32, 0);
    blob.extend([0x80; 11]);
    blob.resize(64, 0);
    let err = read(&Elf::new(blob).build()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad Go version length at file offset 4128: the varint length overflows 64 bits"
    );
}

#[test]
fn varint_cut_by_the_end_of_the_segment() {
    let mut blob = MAGIC.to_vec();
    blob.extend_from_slice(&[8, 2]);
    blob.resize(32, 0);
    blob.extend([0x80, 0x80]); // segment ends inside the varint
    let err = read(&Elf::new(blob).build()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad Go version length at file offset 4128: \
         the varint length runs past the end of the data (2 bytes left)"
    );
}

#[test]
fn damaged_modinfo_length() {
    let mut blob = MAGIC.to_vec();
    blob.extend_from_slice(&[8, 2]);
    blob.resize(32, 0);
    blob.extend(uvarint(8));
    blob.extend_from_slice(b"go1.22.5");
    blob.extend(uvarint(1000));
    blob.resize(64, 0);
    let err = read(&Elf::new(blob).build()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged Go build info: bad modinfo length at file offset 4137: \
         length 1000 exceeds the 21 bytes left in the segment"
    );
}

#[test]
fn empty_version_is_damaged() {
    let blob = inline_blob(b"", &framed(MODINFO));
    let err = read(&Elf::new(blob).build()).unwrap_err();
    assert!(matches!(
        err,
        Error::Damaged {
            field: DamagedField::Version,
            offset: ELF_DATA_OFF,
            ..
        }
    ));
}

#[test]
fn modinfo_without_framing_is_no_module_info() {
    let blob = inline_blob(b"go1.27.3", MODINFO.as_bytes());
    assert_eq!(
        read(&Elf::new(blob).build()).unwrap(),
        BuildInfo {
            go_version: "go1.27.3".into(),
            ..BuildInfo::default()
        }
    );
}

#[test]
fn modinfo_syntax_error_is_reported_with_line() {
    let blob = inline_blob(b"go1.27.3", &framed("path\tp\ndep\tonly-one-column\n"));
    let err = read(&Elf::new(blob).build()).unwrap_err();
    assert!(matches!(err, Error::Modinfo { line: 2, .. }));
    assert_eq!(
        err.to_string(),
        "could not parse Go build info: line 2: expected 2 or 3 columns; got 1"
    );
}

#[test]
fn limits_are_enforced() {
    let bytes = Elf::new(default_blob()).build();
    let small = Limits {
        max_buildinfo_string: 100,
        ..Limits::default()
    };
    let err = read_with(&bytes, &small).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "limit exceeded: modinfo string is {} bytes, more than the limit max_buildinfo_string = 100",
            MODINFO.len() + 32
        )
    );
    let tiny_headers = Limits {
        max_header_bytes: 64,
        ..Limits::default()
    };
    let err = read_with(&bytes, &tiny_headers).unwrap_err();
    assert_eq!(
        err.to_string(),
        "limit exceeded: ELF program header table is 112 bytes, more than the limit max_header_bytes = 64"
    );
}

#[test]
fn truncated_elf_files() {
    let bytes = Elf::new(default_blob()).build();
    // Cut inside the section header table (which sits at the end).
    let cut = &bytes[..bytes.len() - 10];
    let err = read(cut).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Truncated {
                what: "ELF section header table",
                ..
            }
        ),
        "{err:?}"
    );
    // Cut inside the data segment, no section headers: the segment runs past the end of the file.
    let mut elf = Elf::new(vec![0u8; 0x3000]);
    elf.sections = false;
    let bytes = elf.build();
    let err = read(&bytes[..0x2000]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "truncated file: the writable PT_LOAD segment at file offset 4096 (12288 bytes) extends past the end of \
         the file (8192 bytes)"
    );
    // Shorter than the file header.
    let err = read(&bytes[..40]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Truncated {
                what: "ELF file header",
                offset: 0,
                len: 64,
                file_len: 40
            }
        ),
        "{err:?}"
    );
}

#[test]
fn section_table_offset_past_the_end_is_truncated() {
    let mut elf = Elf::new(default_blob());
    elf.shoff = Some(1 << 40);
    let err = read(&elf.build()).unwrap_err();
    assert!(matches!(
        err,
        Error::Truncated {
            what: "ELF section header table",
            offset: 1099511627776,
            ..
        }
    ));
}

#[test]
fn malformed_elf_identification() {
    let mut bytes = Elf::new(default_blob()).build();
    bytes[4] = 9;
    assert_eq!(
        read(&bytes).unwrap_err().to_string(),
        "malformed ELF executable: invalid class 9 in e_ident (at file offset 4)"
    );
    bytes[4] = 2;
    bytes[5] = 0;
    assert_eq!(
        read(&bytes).unwrap_err().to_string(),
        "malformed ELF executable: invalid data encoding 0 in e_ident (at file offset 5)"
    );
}

#[test]
fn upx_marker_makes_a_packed_error() {
    let mut elf = Elf::new(vec![0u8; 64]);
    elf.sections = false;
    let mut bytes = elf.build();
    bytes[0xe8..0xec].copy_from_slice(b"UPX!");
    let err = read(&bytes).unwrap_err();
    assert!(matches!(
        err,
        Error::Packed {
            format: ExeFormat::Elf,
            packer: "UPX",
            offset: 0xe8
        }
    ));
    assert!(err.is_not_go());
    // A readable Go binary that happens to contain the marker is still read.
    let mut bytes = Elf::new(default_blob()).build();
    bytes[0xe8..0xec].copy_from_slice(b"UPX!");
    assert_eq!(read(&bytes).unwrap(), expected());
}

#[test]
fn pie_layout_blob_in_the_second_writable_segment() {
    // Two RW segments without section headers: RELRO first, then the data segment with the blob.
    let mut elf = Elf::new(default_blob());
    elf.sections = false;
    let mut bytes = elf.build();
    // Turn the R-X text segment into a RW segment without the blob (like .data.rel.ro).
    let flags_at = 64 + 4;
    bytes[flags_at..flags_at + 4].copy_from_slice(&6u32.to_le_bytes());
    assert_eq!(read(&bytes).unwrap(), expected());
}

// ------------------------------------------------------------------------------------------------------------ PE

const PE_DATA_OFF: u32 = 0x600;
const PE_DATA_RVA: u32 = 0x2000;

struct Pe {
    pe32plus: bool,
    image_base: u64,
    data: Vec<u8>,
    data_chars: u32,
    data_name: &'static str,
}

impl Pe {
    fn new(data: Vec<u8>) -> Self {
        Self {
            pe32plus: true,
            image_base: 0x1_4000_0000,
            data,
            data_chars: 0xc000_0040,
            data_name: ".data",
        }
    }

    fn build(&self) -> Vec<u8> {
        let mut w = W::new(false);
        w.bytes(b"MZ").pad_to(0x3c).u32(0x80).pad_to(0x80);
        w.bytes(b"PE\0\0");
        let opt_size: u16 = if self.pe32plus { 240 } else { 224 };
        let machine: u16 = if self.pe32plus { 0x8664 } else { 0x14c };
        w.u16(machine)
            .u16(2)
            .u32(0)
            .u32(0)
            .u32(0)
            .u16(opt_size)
            .u16(0x22);
        let opt = w.b.len();
        if self.pe32plus {
            w.u16(0x20b).pad_to(opt + 24).u64(self.image_base);
        } else {
            w.u16(0x10b).pad_to(opt + 28).u32(self.image_base as u32);
        }
        w.pad_to(opt + usize::from(opt_size));
        let raw = (self.data.len() as u32).next_multiple_of(0x200);
        w.name(".text", 8)
            .u32(0x100)
            .u32(0x1000)
            .u32(0x200)
            .u32(0x400);
        w.u32(0).u32(0).u16(0).u16(0).u32(0x6000_0020);
        w.name(self.data_name, 8)
            .u32(self.data.len() as u32)
            .u32(PE_DATA_RVA)
            .u32(raw);
        w.u32(PE_DATA_OFF)
            .u32(0)
            .u32(0)
            .u16(0)
            .u16(0)
            .u32(self.data_chars);
        w.pad_to(PE_DATA_OFF as usize).bytes(&self.data);
        w.pad_to((PE_DATA_OFF + raw) as usize);
        w.b
    }
}

#[test]
fn pe32plus_inline() {
    let bytes = Pe::new(default_blob()).build();
    assert_eq!(read(&bytes).unwrap(), expected());
    let r = raw(&bytes);
    assert_eq!(
        (r.format, r.blob_offset),
        (ExeFormat::Pe, u64::from(PE_DATA_OFF))
    );
}

#[test]
fn pe32_pointer_format_addresses_include_image_base() {
    let base = 0x40_0000u64;
    let data = pointer_data(
        base + u64::from(PE_DATA_RVA),
        4,
        false,
        b"go1.17.2",
        &framed(MODINFO),
    );
    let mut pe = Pe::new(data);
    (pe.pe32plus, pe.image_base) = (false, base);
    assert_eq!(
        read(&pe.build()).unwrap(),
        BuildInfo {
            go_version: "go1.17.2".into(),
            ..expected()
        }
    );
}

#[test]
fn pe_data_section_rule_ignores_only_the_32_byte_alignment_bits() {
    let mut pe = Pe::new(default_blob());
    pe.data_chars = 0xc060_0040; // + IMAGE_SCN_ALIGN_32BYTES
    assert_eq!(read(&pe.build()).unwrap(), expected());
    pe.data_chars = 0xc000_0060; // + CNT_CODE: not a data section
    assert!(matches!(
        read(&pe.build()),
        Err(Error::NotGo {
            format: ExeFormat::Pe,
            ..
        })
    ));
}

#[test]
fn pe_upx_sections_are_packed() {
    let mut pe = Pe::new(vec![0u8; 16]);
    pe.data_name = "UPX1";
    let err = read(&pe.build()).unwrap_err();
    // .text is section 0 at 0x80+4+20+240 = 0x188; UPX1 is section 1.
    assert!(
        matches!(
            err,
            Error::Packed {
                format: ExeFormat::Pe,
                packer: "UPX",
                offset: 0x1b0
            }
        ),
        "{err:?}"
    );
}

#[test]
fn pe_without_pe_signature_is_malformed() {
    let mut bytes = Pe::new(default_blob()).build();
    bytes[0x80] = b'N';
    assert_eq!(
        read(&bytes).unwrap_err().to_string(),
        "malformed PE executable: invalid PE signature 4e450000 (expected 50450000) (at file offset 128)"
    );
    // e_lfanew pointing past the end.
    let mut bytes = Pe::new(default_blob()).build();
    bytes[0x3c..0x40].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert!(matches!(
        read(&bytes),
        Err(Error::Truncated {
            what: "PE signature",
            offset: 0xffff_fff0,
            ..
        })
    ));
}

// --------------------------------------------------------------------------------------------------------- Mach-O

#[test]
fn macho64_le_with_go_buildinfo_section() {
    let bytes = MachO::new(default_blob()).build();
    assert_eq!(read(&bytes).unwrap(), expected());
    assert_eq!(raw(&bytes).format, ExeFormat::MachO);
}

#[test]
fn macho32_be_falls_back_to_the_rw_segment() {
    let mut m = MachO::new(default_blob());
    (m.is64, m.big, m.section) = (false, true, false);
    assert_eq!(read(&m.build()).unwrap(), expected());
}

#[test]
fn macho_pagezero_is_never_a_mapping() {
    let mut m = MachO::new(default_blob());
    (m.is64, m.pagezero_filesize) = (false, 0x1000 + 0x10_0000);
    assert_eq!(read(&m.build()).unwrap(), expected());
}

#[test]
fn macho_fat_reads_the_first_arch() {
    let thin = MachO::new(default_blob()).build();
    let mut w = W::new(true);
    w.u32(0xcafe_babe).u32(2);
    w.u32(0x0100_0007)
        .u32(3)
        .u32(0x1000)
        .u32(thin.len() as u32)
        .u32(12);
    w.u32(0x0100_000c)
        .u32(0)
        .u32(0x1000)
        .u32(thin.len() as u32)
        .u32(12);
    w.pad_to(0x1000).bytes(&thin);
    let bytes = w.b;
    assert_eq!(read(&bytes).unwrap(), expected());
    assert_eq!(raw(&bytes).blob_offset, 0x1000 + MACHO_DATA_OFF);
    // 64-bit fat header.
    let mut w = W::new(true);
    w.u32(0xcafe_babf).u32(1);
    w.u32(0x0100_0007)
        .u32(3)
        .u64(0x1000)
        .u64(thin.len() as u64)
        .u32(12)
        .u32(0);
    w.pad_to(0x1000).bytes(&thin);
    assert_eq!(read(&w.b).unwrap(), expected());
}

#[test]
fn java_class_file_is_not_an_executable() {
    // CAFEBABE, minor 0, major 52 (Java 8), then a constant pool.
    let mut bytes = vec![
        0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52, 0, 0x1d, 0x0a, 0, 6, 0, 0x0f, 9,
    ];
    bytes.resize(256, 0x07);
    assert_eq!(
        read(&bytes).unwrap_err().to_string(),
        "unrecognized file format: not an ELF, PE, Mach-O or XCOFF executable (first bytes cafebabe)"
    );
}

#[test]
fn macho_invalid_load_command_size_is_malformed() {
    let mut bytes = MachO::new(default_blob()).build();
    bytes[32 + 4..32 + 8].copy_from_slice(&4u32.to_le_bytes()); // cmdsize of the first command
    assert_eq!(
        read(&bytes).unwrap_err().to_string(),
        "malformed Mach-O executable: load command 0 has invalid size 4 (at file offset 32)"
    );
}

// ---------------------------------------------------------------------------------------------------------- XCOFF

fn xcoff(is64: bool, data: &[u8], data_flags: u32) -> Vec<u8> {
    let mut w = W::new(true);
    let opthdr = 8u16; // an auxiliary header to skip
    if is64 {
        w.u16(0x01f7)
            .u16(2)
            .u32(0)
            .u64(0)
            .u16(opthdr)
            .u16(0x1002)
            .u32(0);
    } else {
        w.u16(0x01df)
            .u16(2)
            .u32(0)
            .u32(0)
            .u32(0)
            .u16(opthdr)
            .u16(0x1002);
    }
    w.bytes(&[0xaa; 8]);
    let data_off = 0x200u64;
    let data_vaddr = 0x1_1000_0000u64;
    let sect = |w: &mut W, name: &str, vaddr: u64, size: u64, off: u64, flags: u32| {
        w.name(name, 8);
        if is64 {
            w.u64(vaddr).u64(vaddr).u64(size).u64(off).u64(0).u64(0);
            w.u32(0).u32(0).u32(flags).u32(0);
        } else {
            w.u32(vaddr as u32)
                .u32(vaddr as u32)
                .u32(size as u32)
                .u32(off as u32);
            w.u32(0).u32(0).u16(0).u16(0).u32(flags);
        }
    };
    let vaddr = if is64 { data_vaddr } else { 0x2000_0000 };
    sect(&mut w, ".text", 0x1000_0000, 0x10, 0x100, 0x20);
    sect(
        &mut w,
        ".data",
        vaddr,
        data.len() as u64,
        data_off,
        data_flags,
    );
    w.pad_to(data_off as usize).bytes(data);
    w.b
}

#[test]
fn xcoff_64_and_32_bit() {
    for is64 in [true, false] {
        let bytes = xcoff(is64, &default_blob(), 0x40);
        assert_eq!(read(&bytes).unwrap(), expected(), "is64={is64}");
        let r = raw(&bytes);
        assert_eq!((r.format, r.blob_offset), (ExeFormat::Xcoff, 0x200));
    }
}

#[test]
fn xcoff_without_styp_data_is_not_go() {
    let bytes = xcoff(true, &default_blob(), 0x80);
    assert!(matches!(
        read(&bytes),
        Err(Error::NotGo {
            format: ExeFormat::Xcoff,
            region: "executable: it has no writable data region"
        })
    ));
}

// ------------------------------------------------------------------------------------------------ not executables

#[test]
fn short_and_unknown_files_are_not_executables() {
    for bytes in [
        &b""[..],
        b"\x7fELF",
        b"#!/bin/sh\necho hello world\n",
        b"PK\x03\x04 not a binary....",
    ] {
        let err = read(bytes).unwrap_err();
        assert!(matches!(err, Error::NotExecutable { .. }), "{err:?}");
        assert!(err.is_not_go());
    }
    assert_eq!(
        read(b"#!/bin/sh\necho hello world\n")
            .unwrap_err()
            .to_string(),
        "unrecognized file format: not an ELF, PE, Mach-O or XCOFF executable (first bytes 23212f62)"
    );
}
