//! Inputs the cargo-fuzz targets (`fuzz/fuzz_targets/{buildinfo,modinfo}.rs`) found, kept as named regression tests.
//! The inputs live in `testdata/fuzz-regressions/<target>/` under the names libFuzzer gave them.

use std::path::Path;
use tofu_sbom::buildinfo::{self, Error, ExeFormat};
use tofu_sbom::limits::Limits;

fn input(target: &str, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz-regressions")
        .join(target)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn read(bytes: &[u8]) -> Result<buildinfo::BuildInfo, Error> {
    buildinfo::read(&mut &bytes[..], &Limits::default())
}

/// A Mach-O `__PAGEZERO` segment with `fileoff` near `u64::MAX`: translating an address through it overflowed
/// (`attempt to add with overflow` in `Image::resolve`). Such a mapping now maps nothing.
#[test]
fn crash_261716b6_macho_segment_file_offset_overflow() {
    let bytes = input(
        "buildinfo",
        "crash-261716b6ae6bb2013e47817ef928d6965d8058e3",
    );
    let e = read(&bytes).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Malformed {
                format: ExeFormat::MachO,
                offset: 0,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "malformed Mach-O executable: the __go_buildinfo section at address 0x100002000 lies outside every \
         file-backed segment (at file offset 0)"
    );
}
