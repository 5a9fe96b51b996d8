//! Inputs the cargo-fuzz targets (`fuzz/fuzz_targets/{buildinfo,modinfo}.rs`) found, kept as named regression tests.
//! The inputs live in `testdata/hostile/bin/fuzz-regressions/<target>/` under the names libFuzzer gave them.

use std::path::Path;
use tofu_sbom::buildinfo::{self, Error, ExeFormat};
use tofu_sbom::limits::Limits;

fn input(target: &str, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/hostile/bin/fuzz-regressions")
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

/// A replaced dependency with its own sum (`dep\tpath\tv\tsum` then `=>`): the fuzz target's round-trip property
/// failed because Go's `BuildInfo.String()` prints no sum for a module that has a replacement. That is Go's own
/// behaviour (checked with Go 1.27.3: `ParseBuildInfo` keeps `h1:old=`, `String()` drops it), so the property was
/// narrowed and this pins the behaviour.
#[test]
fn crash_3a340838_sum_of_a_replaced_module_is_not_printed() {
    let bytes = input("modinfo", "crash-3a3408385bdb9eedcba3b3cf324e7cc2c9bbe254");
    let bi = buildinfo::parse_modinfo(&bytes).unwrap();
    assert_eq!(bi.deps[1].path, "example.com/old");
    assert_eq!(bi.deps[1].sum, "h1:old=");
    assert_eq!(
        bi.deps[1]
            .replace
            .as_deref()
            .map(|r| (r.path.as_str(), r.sum.as_str())),
        Some(("example.com/new", "h1:new="))
    );
    assert_eq!(
        bi.to_go_string(),
        "path\texample.com/cmd\nmod\texample.com\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.0\th1:abc=\n\
         dep\texample.com/old\tv1.0.0\n=>\texample.com/new\tv1.1.0\th1:new=\n\nbuild\t-buildmode=exe\n\
         build\t-ldflags=\"-s -w -X main.v=1\"\nbuild\tCGO_ENABLED=0\n"
    );
}

/// `mod` with empty fields: Go's `String()` skips a main module equal to `Module{}`, so it printed nothing and the
/// round trip lost `Some(Module::default())`. `parse_modinfo` now gives `main: None` for it, as for no `mod` line.
#[test]
fn crash_7cb06d2e_all_empty_main_module_is_no_main_module() {
    let bytes = input("modinfo", "crash-7cb06d2ece2e89b9b31cdd13c1430a1161bf202c");
    let bi = buildinfo::parse_modinfo(&bytes).unwrap();
    assert_eq!(bi, buildinfo::BuildInfo::default());
    assert_eq!(bi.to_go_string(), "");
    // With a replacement the main module is not empty and is kept.
    let bi = buildinfo::parse_modinfo(b"mod\t\t\n=>\tx\tv1\t\n").unwrap();
    assert_eq!(bi.to_go_string(), "mod\t\t\n=>\tx\tv1\t\n\n");
}
