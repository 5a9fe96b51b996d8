//! Fuzzes the modinfo parser (with Go's quoting rules) and the Go version splitter. Whatever parses must print and
//! parse back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tofu_sbom::buildinfo::{self, BuildInfo, GoVersion};

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

fuzz_target!(|data: &[u8]| {
    if let Ok(bi) = buildinfo::parse_modinfo(data) {
        let text = bi.to_go_string();
        let back: BuildInfo =
            buildinfo::parse_modinfo(text.as_bytes()).expect("String() output parses");
        assert_eq!(back, printable(bi.clone()), "round trip of {text:?}");
        let _ = bi.go_version_m("fuzz");
    }
    let v = GoVersion::parse(&String::from_utf8_lossy(data));
    if let Some(semver) = &v.semver {
        assert!(
            !semver.is_empty() && semver.as_bytes()[0].is_ascii_digit(),
            "{semver:?}"
        );
    }
});
