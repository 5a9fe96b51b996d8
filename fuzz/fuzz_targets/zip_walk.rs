//! Fuzzes the provider-ZIP walker: central-directory parsing and cross-checks, name rules, binary selection, and
//! the streaming reader (forward reads, a backward read that restarts inflation, CRC-32 and size verification).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tofu_sbom::archive::{BinarySelector, ProviderZip};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::ReadAt;

fuzz_target!(|data: &[u8]| {
    // Small budgets keep each run fast; the limits themselves are part of what is exercised.
    let limits = Limits {
        max_zip_entries: 64,
        max_entry_size: 1 << 20,
        max_total_inflated: 4 << 20,
        ..Limits::default()
    };
    for selector in [
        BinarySelector::Any,
        BinarySelector::ProviderType("x".into()),
    ] {
        let Ok(zip) =
            ProviderZip::from_bytes(Path::new("fuzz.zip"), data.to_vec(), &selector, &limits)
        else {
            continue;
        };
        let _ = zip.scan(|binary| {
            let mut buf = [0u8; 32];
            let len = binary.len();
            let _ = binary.read_exact_at(len / 2, &mut buf[..len.min(32) as usize / 2]);
            let _ = binary.read_exact_at(0, &mut buf[..len.min(16) as usize]);
        });
    }
    // The target OS's name-collision rules (macOS folding + NFD; Windows folding, trailing dots/spaces, 8.3 names)
    // apply by the release file name.
    for name in [
        "terraform-provider-x_1.0.0_darwin_arm64.zip",
        "terraform-provider-x_1.0.0_windows_amd64.zip",
    ] {
        let _ = ProviderZip::from_bytes(
            Path::new(name),
            data.to_vec(),
            &BinarySelector::ProviderType("x".into()),
            &limits,
        );
    }
});
