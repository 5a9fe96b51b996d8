//! The committed hostile fixtures (`testdata/hostile/bin/`, see its README.md): each gives its exact documented
//! error, read as a plain file and as a forward-only stream; the intact control matches `go version -m`.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;
use tofu_sbom::buildinfo::{self, DamagedField, Error, ExeFormat};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::ReadAt;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/hostile/bin")
        .join(name)
}

/// A forward-only source (like a ZIP entry stream): a read behind the position restarts from byte 0.
struct Stream {
    file: File,
    len: u64,
    pos: u64,
}

impl ReadAt for Stream {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if offset < self.pos {
            self.pos = 0;
        }
        if offset + buf.len() as u64 > self.len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.file.seek(SeekFrom::Start(offset))?;
        self.file.read_exact(buf)?;
        self.pos = offset + buf.len() as u64;
        Ok(())
    }
    fn len(&self) -> u64 {
        self.len
    }
    fn is_forward_only(&self) -> bool {
        true
    }
}

fn read_file(name: &str) -> Result<buildinfo::BuildInfo, Error> {
    buildinfo::read_path(&fixture(name), &Limits::default())
}

fn read_stream(name: &str) -> Result<buildinfo::BuildInfo, Error> {
    let file = File::open(fixture(name)).unwrap();
    let len = file.metadata().unwrap().len();
    let mut s = Stream { file, len, pos: 0 };
    buildinfo::read(&mut s, &Limits::default())
}

fn err_file(name: &str) -> Error {
    read_file(name).expect_err(name)
}

fn err_stream(name: &str) -> Error {
    read_stream(name).expect_err(name)
}

#[test]
fn control_fixture_matches_go_version_m() {
    let bi = read_file("go-valid.elf").unwrap();
    assert_eq!(read_stream("go-valid.elf").unwrap(), bi);
    assert_eq!(
        (bi.go_version.as_str(), bi.deps.len(), bi.settings.len()),
        ("go1.27.3", 1, 7)
    );
    let cache = std::env::var_os("TOFU_SBOM_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/tofu-sbom-test")
        });
    let go = cache.join("go/venv/lib/python3.11/site-packages/go/bin/go");
    assert!(go.is_file(), "{} missing: run ./scripts/test", go.display());
    let dir = fixture("");
    let out = Command::new(go)
        .current_dir(&dir)
        .env("GOTOOLCHAIN", "local")
        .args(["version", "-m", "go-valid.elf"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        bi.go_version_m("go-valid.elf"),
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn truncated() {
    let e = err_file("truncated.elf");
    assert!(matches!(
        e,
        Error::Truncated {
            what: "ELF section header table",
            offset: 4480,
            len: 192,
            file_len: 4239
        }
    ));
    assert_eq!(
        e.to_string(),
        "truncated file: the ELF section header table at file offset 4480 (192 bytes) extends past the end of the \
         file (4239 bytes)"
    );
    // A stream reads the section table too (issue 15, finding 1): the same answer as the file.
    assert_eq!(err_stream("truncated.elf").to_string(), e.to_string());
}

#[test]
fn damaged_magic() {
    let e = err_file("damaged-magic.elf");
    assert!(matches!(
        e,
        Error::Damaged {
            field: DamagedField::Magic,
            offset: 4096,
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "damaged Go build info: bad build-info magic at file offset 4096: the 352-byte .go.buildinfo section holds \
         no 16-byte-aligned \"\\xff Go buildinf:\" magic"
    );
    // A stream reads the section table too (issue 15, finding 1): the same answer as the file.
    assert_eq!(err_stream("damaged-magic.elf").to_string(), e.to_string());
}

#[test]
fn damaged_length() {
    for e in [
        err_file("damaged-length.elf"),
        err_stream("damaged-length.elf"),
    ] {
        assert!(matches!(
            e,
            Error::Damaged {
                field: DamagedField::ModinfoLength,
                offset: 4137,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "damaged Go build info: bad modinfo length at file offset 4137: length 32767 exceeds the 308 bytes left \
             in the segment"
        );
    }
}

#[test]
fn huge_varint() {
    for e in [err_file("huge-varint.elf"), err_stream("huge-varint.elf")] {
        assert!(matches!(
            e,
            Error::Damaged {
                field: DamagedField::VersionLength,
                offset: 4128,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "damaged Go build info: bad Go version length at file offset 4128: length 17592186044416 exceeds the 313 \
             bytes left in the segment"
        );
    }
}

#[test]
fn packed() {
    for e in [err_file("upx.elf"), err_stream("upx.elf")] {
        assert!(matches!(
            e,
            Error::Packed {
                format: ExeFormat::Elf,
                packer: "UPX",
                offset: 180
            }
        ));
        assert_eq!(
            e.to_string(),
            "packed executable: this ELF file is compressed by UPX (marker at file offset 180); its Go build info \
             cannot be read until it is unpacked (e.g. `upx -d FILE`)"
        );
    }
}

#[test]
fn not_go() {
    for e in [err_file("not-go.elf"), err_stream("not-go.elf")] {
        assert!(matches!(
            e,
            Error::NotGo {
                format: ExeFormat::Elf,
                region: "writable PT_LOAD segments"
            }
        ));
        assert_eq!(
            e.to_string(),
            "not a Go executable: this ELF file has no Go build info (searched the writable PT_LOAD segments)"
        );
    }
}

#[test]
fn missing_file_names_the_path() {
    let path = fixture("does-not-exist.elf");
    let e = buildinfo::read_path(&path, &Limits::default()).unwrap_err();
    assert!(matches!(&e, Error::Open { path: p, .. } if *p == path));
    assert_eq!(
        e.to_string(),
        format!(
            "could not open {}: No such file or directory (os error 2)",
            path.display()
        )
    );
}

/// A source whose reads past the headers fail with an I/O error (a disk error, a corrupt ZIP stream).
struct FailingAfter<'a> {
    data: &'a [u8],
    limit: u64,
}

impl ReadAt for FailingAfter<'_> {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if offset + buf.len() as u64 > self.limit {
            return Err(io::Error::other("inflate: invalid distance"));
        }
        let mut d = self.data;
        d.read_exact_at(offset, buf)
    }
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
}

#[test]
fn io_errors_carry_offset_and_length() {
    // 8592 bytes: the first 8 KiB are read up front, the section header table lies past them.
    let data = std::fs::read(fixture("not-go.elf")).unwrap();
    let mut src = FailingAfter {
        data: &data,
        limit: 8192,
    };
    let e = buildinfo::read(&mut src, &Limits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Io {
                offset: 8272,
                len: 320,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "I/O error reading 320 bytes at file offset 8272: inflate: invalid distance"
    );
}
