//! PE/COFF (Windows): the section table gives both the address map and the search region.
//!
//! ```text
//! 0x00  "MZ"                           DOS header; e_lfanew (u32 LE at 0x3c) → "PE\0\0" signature
//! +4    IMAGE_FILE_HEADER (20 bytes)   NumberOfSections, SizeOfOptionalHeader
//! +24   optional header                Magic 0x10b (PE32: ImageBase u32 at +28) / 0x20b (PE32+: ImageBase u64 at +24)
//! +24+SizeOfOptionalHeader             NumberOfSections × IMAGE_SECTION_HEADER (40 bytes)
//! ```
//!
//! Go has no named build-info section on Windows: it searches the first section with `VirtualAddress != 0`,
//! `SizeOfRawData != 0` and `Characteristics &^ IMAGE_SCN_ALIGN_32BYTES == INITIALIZED_DATA|MEM_READ|MEM_WRITE`
//! (normally `.data`), from `VirtualAddress + ImageBase` for `VirtualSize` bytes. Addresses map through
//! `[VirtualAddress + ImageBase, + SizeOfRawData)` → `PointerToRawData` (pointer-format binaries store absolute
//! addresses that include `ImageBase`).

use super::{AddrMap, Image, Mapping, Region, Src, check_count, cstr, table_len};
use crate::buildinfo::error::{Error, ExeFormat, Result};
use crate::limits::Limits;
use object::pe::{
    IMAGE_NT_OPTIONAL_HDR32_MAGIC, IMAGE_NT_OPTIONAL_HDR64_MAGIC, ImageDosHeader, ImageFileHeader,
    ImageOptionalHeader32, ImageOptionalHeader64, ImageSectionHeader,
};

const IMAGE_SCN_CNT_INITIALIZED_DATA: u32 = 0x0000_0040;
const IMAGE_SCN_MEM_READ: u32 = 0x4000_0000;
const IMAGE_SCN_MEM_WRITE: u32 = 0x8000_0000;
const IMAGE_SCN_ALIGN_32BYTES: u32 = 0x0060_0000;

fn malformed(reason: impl Into<String>, offset: u64) -> Error {
    Error::Malformed {
        format: ExeFormat::Pe,
        reason: reason.into(),
        offset,
    }
}

pub(crate) fn parse(src: &mut Src<'_>, limits: &Limits) -> Result<Image> {
    let dos: ImageDosHeader = src.read_pod(0, "DOS header")?;
    let sig_off = u64::from(dos.e_lfanew.get(object::LittleEndian));
    let mut sig = [0u8; 4];
    src.read(sig_off, &mut sig, "PE signature")?;
    if &sig != b"PE\0\0" {
        // An MZ file without a PE header (plain DOS executable): not something Go builds.
        return Err(malformed(
            format!(
                "invalid PE signature {} (expected 50450000)",
                hex::encode(sig)
            ),
            sig_off,
        ));
    }
    let fh_off = sig_off + 4;
    let fh: ImageFileHeader = src.read_pod(fh_off, "COFF file header")?;
    let le = object::LittleEndian;
    let nsect = u64::from(fh.number_of_sections.get(le));
    let opt_size = u64::from(fh.size_of_optional_header.get(le));
    let opt_off = fh_off + size_of::<ImageFileHeader>() as u64;
    let image_base = read_image_base(src, opt_off, opt_size)?;

    check_count(nsect, "PE sections", "max_sections", limits.max_sections)?;
    let sect_off = opt_off + opt_size;
    let len = table_len(
        nsect,
        size_of::<ImageSectionHeader>() as u64,
        "PE section table",
        limits,
    )?;
    let table = src.read_vec(sect_off, len, "PE section table")?;
    let mut maps = Vec::new();
    let mut region = None;
    let mut packer = None;
    for (i, entry) in table
        .chunks_exact(size_of::<ImageSectionHeader>())
        .enumerate()
    {
        let s = object::pod::from_bytes::<ImageSectionHeader>(entry)
            .map(|(s, _)| *s)
            .map_err(|()| malformed("short section header", sect_off))?;
        let va = u64::from(s.virtual_address.get(le));
        let raw_size = u64::from(s.size_of_raw_data.get(le));
        let chars = s.characteristics.get(le).0;
        if cstr(&s.name).starts_with(b"UPX") && packer.is_none() {
            packer = Some((
                "UPX",
                sect_off + (i * size_of::<ImageSectionHeader>()) as u64,
            ));
        }
        let Some(vaddr) = va.checked_add(image_base) else {
            continue;
        };
        if raw_size > 0 {
            maps.push(Mapping {
                vaddr,
                size: raw_size,
                offset: u64::from(s.pointer_to_raw_data.get(le)),
            });
        }
        if region.is_none()
            && va != 0
            && raw_size != 0
            && chars & !IMAGE_SCN_ALIGN_32BYTES
                == IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE
        {
            region = Some(Region {
                vaddr,
                size: u64::from(s.virtual_size.get(le)),
                what: "first writable data section",
                named: false,
            });
        }
    }
    Ok(Image {
        format: ExeFormat::Pe,
        maps: AddrMap::new(maps),
        regions: region.into_iter().collect(),
        searched: "first writable data section",
        packer,
    })
}

/// Reads `ImageBase` from the optional header (0 when there is none, as in Go's `debug/pe`).
fn read_image_base(src: &mut Src<'_>, opt_off: u64, opt_size: u64) -> Result<u64> {
    if opt_size == 0 {
        return Ok(0);
    }
    let le = object::LittleEndian;
    let mut magic = [0u8; 2];
    src.read(opt_off, &mut magic, "PE optional header")?;
    let (need, base) = match u16::from_le_bytes(magic) {
        IMAGE_NT_OPTIONAL_HDR32_MAGIC => {
            let need = size_of::<ImageOptionalHeader32>() as u64;
            if opt_size < need {
                (need, None)
            } else {
                let h: ImageOptionalHeader32 = src.read_pod(opt_off, "PE optional header")?;
                (need, Some(u64::from(h.image_base.get(le))))
            }
        }
        IMAGE_NT_OPTIONAL_HDR64_MAGIC => {
            let need = size_of::<ImageOptionalHeader64>() as u64;
            if opt_size < need {
                (need, None)
            } else {
                let h: ImageOptionalHeader64 = src.read_pod(opt_off, "PE optional header")?;
                (need, Some(h.image_base.get(le)))
            }
        }
        other => {
            return Err(malformed(
                format!("unknown optional header magic {other:#x}"),
                opt_off,
            ));
        }
    };
    base.ok_or_else(|| {
        malformed(
            format!("optional header of {opt_size} bytes is shorter than {need}"),
            opt_off,
        )
    })
}
