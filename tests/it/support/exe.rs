//! Synthetic executables for the build-info tests, built byte by byte: a byte writer with a byte order ([`W`]),
//! Go's build-info blob ([`inline_blob`]), thin Mach-O images ([`MachO`]), fat wrappers ([`fat`]), generic 64-bit ELF
//! layouts ([`Elf64`]: any program headers, sections and bytes, `PN_XNUM`), and deflated provider ZIPs
//! ([`zip_deflated`]).

use std::io::Write as _;
use std::path::Path;
use tofu_sbom::buildinfo::{BuildInfo, BuildSetting, Module};

pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// `cmd/go/internal/modload` `infoStart` / `infoEnd`.
pub(crate) const INFO_START: [u8; 16] = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
pub(crate) const INFO_END: [u8; 16] = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];
pub(crate) const VERSION: &str = "go1.22.5";
pub(crate) const MODINFO: &str = "path\texample.com/hello\n\
                       mod\texample.com/hello\t(devel)\t\n\
                       dep\tgolang.org/x/text\tv0.14.0\th1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n\
                       build\tGOOS=linux\n";

pub(crate) fn framed(text: &str) -> Vec<u8> {
    let mut v = INFO_START.to_vec();
    v.extend_from_slice(text.as_bytes());
    v.extend_from_slice(&INFO_END);
    v
}

pub(crate) fn expected() -> BuildInfo {
    BuildInfo {
        go_version: VERSION.into(),
        path: "example.com/hello".into(),
        main: Some(Module {
            path: "example.com/hello".into(),
            version: "(devel)".into(),
            sum: String::new(),
            replace: None,
        }),
        deps: vec![Module {
            path: "golang.org/x/text".into(),
            version: "v0.14.0".into(),
            sum: "h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=".into(),
            replace: None,
        }],
        settings: vec![BuildSetting {
            key: "GOOS".into(),
            value: "linux".into(),
        }],
    }
}

/// A byte writer with a byte order.
pub(crate) struct W {
    pub(crate) big: bool,
    pub(crate) b: Vec<u8>,
}

impl W {
    pub(crate) fn new(big: bool) -> Self {
        Self { big, b: Vec::new() }
    }
    pub(crate) fn u8(&mut self, x: u8) -> &mut Self {
        self.b.push(x);
        self
    }
    pub(crate) fn u16(&mut self, x: u16) -> &mut Self {
        let bytes = if self.big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        };
        self.b.extend_from_slice(&bytes);
        self
    }
    pub(crate) fn u32(&mut self, x: u32) -> &mut Self {
        let bytes = if self.big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        };
        self.b.extend_from_slice(&bytes);
        self
    }
    pub(crate) fn u64(&mut self, x: u64) -> &mut Self {
        let bytes = if self.big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        };
        self.b.extend_from_slice(&bytes);
        self
    }
    /// A 4- or 8-byte address.
    pub(crate) fn addr(&mut self, is64: bool, x: u64) -> &mut Self {
        if is64 {
            self.u64(x)
        } else {
            self.u32(x as u32)
        }
    }
    pub(crate) fn bytes(&mut self, x: &[u8]) -> &mut Self {
        self.b.extend_from_slice(x);
        self
    }
    /// A NUL-padded fixed-size name.
    pub(crate) fn name(&mut self, x: &str, size: usize) -> &mut Self {
        let mut n = x.as_bytes().to_vec();
        n.resize(size, 0);
        self.bytes(&n)
    }
    pub(crate) fn pad_to(&mut self, len: usize) -> &mut Self {
        assert!(
            self.b.len() <= len,
            "layout overlap: {} > {len}",
            self.b.len()
        );
        self.b.resize(len, 0);
        self
    }
    pub(crate) fn align(&mut self, n: usize) -> &mut Self {
        let len = self.b.len().next_multiple_of(n);
        self.pad_to(len)
    }
}

pub(crate) fn uvarint(mut n: u64) -> Vec<u8> {
    let mut v = Vec::new();
    while n >= 0x80 {
        v.push((n as u8) | 0x80);
        n >>= 7;
    }
    v.push(n as u8);
    v
}

/// A Go ≥ 1.18 blob: header (ptrSize 8, flags 0x2) then varint-prefixed strings, padded to 16.
pub(crate) fn inline_blob(version: &[u8], modinfo: &[u8]) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&[8, 0x2]);
    b.resize(32, 0);
    b.extend(uvarint(version.len() as u64));
    b.extend_from_slice(version);
    b.extend(uvarint(modinfo.len() as u64));
    b.extend_from_slice(modinfo);
    b.resize(b.len().next_multiple_of(16), 0);
    b
}

pub(crate) fn default_blob() -> Vec<u8> {
    inline_blob(VERSION.as_bytes(), &framed(MODINFO))
}

pub(crate) const MACHO_DATA_OFF: u64 = 0x1000;
pub(crate) const MACHO_DATA_VADDR: u64 = 0x1_0000_2000;

pub(crate) struct MachO {
    pub(crate) is64: bool,
    pub(crate) big: bool,
    pub(crate) data: Vec<u8>,
    pub(crate) section: bool,
    /// A bogus file size for __PAGEZERO so that it overlaps the data addresses (it must be skipped).
    pub(crate) pagezero_filesize: u64,
}

impl MachO {
    pub(crate) fn new(data: Vec<u8>) -> Self {
        Self {
            is64: true,
            big: false,
            data,
            section: true,
            pagezero_filesize: 0,
        }
    }

    /// The image, with file offsets relative to its own start.
    pub(crate) fn build(&self) -> Vec<u8> {
        let (is64, big) = (self.is64, self.big);
        let vaddr = if is64 { MACHO_DATA_VADDR } else { 0x2000 };
        let mut w = W::new(big);
        let magic: u32 = if is64 { 0xfeed_facf } else { 0xfeed_face };
        w.u32(magic)
            .u32(if is64 { 0x0100_0007 } else { 7 })
            .u32(3)
            .u32(2);
        let nsects = u32::from(self.section);
        let (seg_size, sect_size) = if is64 { (72, 80) } else { (56, 68) };
        w.u32(2).u32(seg_size * 2 + sect_size * nsects).u32(0);
        if is64 {
            w.u32(0);
        }
        let seg = |w: &mut W, name: &str, vm: (u64, u64), file: (u64, u64), prot: u32, n: u32| {
            w.u32(if is64 { 0x19 } else { 0x1 });
            w.u32(seg_size + sect_size * n).name(name, 16);
            w.addr(is64, vm.0)
                .addr(is64, vm.1)
                .addr(is64, file.0)
                .addr(is64, file.1);
            w.u32(prot).u32(prot).u32(n).u32(0);
        };
        let pagezero_vmsize = if is64 {
            0x1_0000_0000
        } else {
            0x1000 + 0x10_0000
        };
        seg(
            &mut w,
            "__PAGEZERO",
            (0, pagezero_vmsize),
            (0, self.pagezero_filesize),
            0,
            0,
        );
        let data_len = self.data.len() as u64;
        seg(
            &mut w,
            "__DATA",
            (vaddr, data_len),
            (MACHO_DATA_OFF, data_len),
            3,
            nsects,
        );
        if self.section {
            w.name("__go_buildinfo", 16).name("__DATA", 16);
            w.addr(is64, vaddr).addr(is64, data_len);
            w.u32(MACHO_DATA_OFF as u32)
                .u32(4)
                .u32(0)
                .u32(0)
                .u32(0)
                .u32(0)
                .u32(0);
            if is64 {
                w.u32(0);
            }
        }
        w.pad_to(MACHO_DATA_OFF as usize).bytes(&self.data);
        w.b
    }
}

/// A fat (universal) Mach-O with one architecture whose image (`thin`) starts at `offset`.
pub(crate) fn fat(thin: &[u8], offset: u32) -> Vec<u8> {
    let mut w = W::new(true);
    w.u32(0xcafe_babe).u32(1);
    w.u32(0x0100_0007)
        .u32(3)
        .u32(offset)
        .u32(thin.len() as u32)
        .u32(14);
    w.pad_to(offset as usize).bytes(thin);
    w.b
}

/// One ELF program header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Phdr {
    pub(crate) p_type: u32,
    pub(crate) flags: u32,
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) filesz: u64,
    pub(crate) memsz: u64,
}

/// `PT_LOAD` with `PF_R | PF_W` (6), `PF_R | PF_X` (5) or `PF_R` (4).
pub(crate) fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64) -> Phdr {
    Phdr {
        p_type: 1,
        flags,
        offset,
        vaddr,
        filesz,
        memsz: filesz,
    }
}

/// A 64-bit little-endian ELF executable: the file header, the program headers right after it, `body` bytes at their
/// file offsets, then (when `sections` is not empty) the section-name table and the section headers at the end of
/// the file — where an externally linked binary keeps them. `xnum` writes `e_phnum = PN_XNUM` with the real count
/// in section 0's `sh_info`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Elf64 {
    pub(crate) phdrs: Vec<Phdr>,
    /// `(name, sh_addr, sh_offset, sh_size)`; section 0 (NULL) and `.shstrtab` are added.
    pub(crate) sections: Vec<(&'static str, u64, u64, u64)>,
    pub(crate) body: Vec<(u64, Vec<u8>)>,
    /// The file is at least this long.
    pub(crate) min_len: u64,
    pub(crate) xnum: bool,
}

impl Elf64 {
    pub(crate) fn build(&self) -> Vec<u8> {
        let mut w = W::new(false);
        w.bytes(b"\x7fELF").u8(2).u8(1).u8(1).pad_to(16);
        w.u16(2).u16(62).u32(1).u64(0x40_1000).u64(64);
        let shoff_at = w.b.len();
        let phnum = if self.xnum {
            0xffff
        } else {
            self.phdrs.len() as u16
        };
        w.u64(0).u32(0).u16(64).u16(56).u16(phnum);
        let shnum_at = w.b.len() + 2;
        w.u16(64).u16(0).u16(0);
        for p in &self.phdrs {
            w.u32(p.p_type)
                .u32(p.flags)
                .u64(p.offset)
                .u64(p.vaddr)
                .u64(p.vaddr);
            w.u64(p.filesz).u64(p.memsz).u64(0x1000);
        }
        let mut body = self.body.clone();
        body.sort_by_key(|(off, _)| *off);
        for (off, bytes) in &body {
            w.pad_to(*off as usize).bytes(bytes);
        }
        let len = (w.b.len() as u64).max(self.min_len);
        w.pad_to(len as usize);
        if self.sections.is_empty() && !self.xnum {
            return w.b;
        }
        let mut names = vec![0u8];
        let mut name_offs = Vec::new();
        for (name, ..) in &self.sections {
            name_offs.push(names.len() as u32);
            names.extend_from_slice(name.as_bytes());
            names.push(0);
        }
        let shstrtab_name = names.len() as u32;
        names.extend_from_slice(b".shstrtab\0");
        let strtab_off = w.b.len() as u64;
        w.bytes(&names).align(8);
        let shoff = w.b.len() as u64;
        let sect = |w: &mut W, name: u32, ty: u32, flags: u64, s: (u64, u64, u64), info: u32| {
            w.u32(name).u32(ty).u64(flags).u64(s.0).u64(s.1).u64(s.2);
            w.u32(0).u32(info).u64(16).u64(0);
        };
        let info = if self.xnum {
            self.phdrs.len() as u32
        } else {
            0
        };
        sect(&mut w, 0, 0, 0, (0, 0, 0), info);
        for (i, (_, addr, off, size)) in self.sections.iter().enumerate() {
            sect(&mut w, name_offs[i], 1, 3, (*addr, *off, *size), 0);
        }
        let n = self.sections.len() as u16;
        sect(
            &mut w,
            shstrtab_name,
            3,
            0,
            (0, strtab_off, names.len() as u64),
            0,
        );
        w.b[shoff_at..shoff_at + 8].copy_from_slice(&shoff.to_le_bytes());
        w.b[shnum_at..shnum_at + 2].copy_from_slice(&(n + 2).to_le_bytes());
        w.b[shnum_at + 2..shnum_at + 4].copy_from_slice(&(n + 1).to_le_bytes());
        w.b
    }
}

/// A provider ZIP holding `binary` as `entry`, deflated (as GoReleaser writes them).
pub(crate) fn zip_deflated(entry: &str, binary: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2024, 1, 2, 3, 4, 6).expect("date"))
        .unix_permissions(0o755);
    w.start_file(entry, options).expect("start_file");
    w.write_all(binary).expect("write");
    w.finish().expect("finish").into_inner()
}

/// Writes `binary` to `dir/NAME` and a one-platform release ZIP of it (`terraform-provider-hostile_1.0.0_OS_ARCH.zip`,
/// entry `terraform-provider-hostile_v1.0.0`, no `SHA256SUMS`: read unverified); returns `(binary, zip)` paths.
pub(crate) fn write_release(
    dir: &Path,
    platform: &str,
    binary: &[u8],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let bin = dir.join(format!("bin_{platform}"));
    std::fs::write(&bin, binary).unwrap();
    let zip = dir.join(format!("terraform-provider-hostile_1.0.0_{platform}.zip"));
    let entry = if platform.starts_with("windows") {
        "terraform-provider-hostile_v1.0.0.exe"
    } else {
        "terraform-provider-hostile_v1.0.0"
    };
    std::fs::write(&zip, zip_deflated(entry, binary)).unwrap();
    (bin, zip)
}
