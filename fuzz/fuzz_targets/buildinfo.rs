//! Fuzzes the whole build-info reader (format detection, header tables, magic search, blob decoding, modinfo) over
//! arbitrary bytes, as a positioned source and as a forward-only stream. On success the text form must parse back
//! to the same build info.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io;
use tofu_sbom::buildinfo::{self, BuildInfo};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::ReadAt;

/// A forward-only view of the input (takes the reader's stream paths: no section tables, regions in file order).
struct Stream<'a> {
    data: &'a [u8],
}

impl ReadAt for Stream<'_> {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut inner = self.data;
        inner.read_exact_at(offset, buf)
    }
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn is_forward_only(&self) -> bool {
        true
    }
}

/// What `String()` keeps: Go prints no sum for a module that has a replacement (`formatMod`), so the parsed sum of
/// a replaced module does not survive a round trip — by Go's design.
fn printable(mut bi: BuildInfo) -> BuildInfo {
    for m in bi.main.iter_mut().chain(bi.deps.iter_mut()) {
        if m.replace.is_some() {
            m.sum.clear();
        }
    }
    bi
}

fn check_round_trip(bi: &BuildInfo) {
    let text = BuildInfo {
        go_version: String::new(),
        ..bi.clone()
    }
    .to_go_string();
    let mut back = buildinfo::parse_modinfo(text.as_bytes()).expect("String() output parses");
    back.go_version = bi.go_version.clone();
    assert_eq!(back, printable(bi.clone()), "round trip of {text:?}");
    let _ = bi.go_version_m("fuzz");
    let _ = serde_json::to_string(&bi.to_json());
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_buildinfo_string: 1 << 20,
        ..Limits::default()
    };
    let mut src = data;
    let file = buildinfo::read(&mut src, &limits);
    if let Ok(bi) = &file {
        check_round_trip(bi);
    }
    if let Ok(bi) = buildinfo::read(&mut Stream { data }, &limits) {
        check_round_trip(&bi);
    }
});
