//! Fuzzes the modinfo parser (with Go's quoting rules) and the Go version splitter. Whatever parses must print and
//! parse back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tofu_sbom::buildinfo::{self, BuildInfo, GoVersion};

fuzz_target!(|data: &[u8]| {
    if let Ok(bi) = buildinfo::parse_modinfo(data) {
        let text = bi.to_go_string();
        let back: BuildInfo = buildinfo::parse_modinfo(text.as_bytes()).expect("String() output parses");
        assert_eq!(back, bi, "round trip of {text:?}");
        let _ = bi.go_version_m("fuzz");
    }
    let v = GoVersion::parse(&String::from_utf8_lossy(data));
    if let Some(semver) = &v.semver {
        assert!(!semver.is_empty() && semver.as_bytes()[0].is_ascii_digit(), "{semver:?}");
    }
});
