//! Not a test: the provider-registry side of `scripts/bench-catalogue` (issue 14's catalogue benchmark), run by the
//! script as an ignored test so that it serves the same in-test provider registries the catalogue tests use
//! (`support::mirror`: the provider registry protocol, which nothing installable serves, with GoReleaser-shaped
//! `SHA256SUMS` signed by real `gpg` keys).
//!
//! With `TOFU_SBOM_BENCH_CATALOGUE_DIR=DIR` it builds `TOFU_SBOM_BENCH_PROVIDERS` providers (default 20) ×
//! `TOFU_SBOM_BENCH_VERSIONS` versions (default 3) × 4 platforms of small real Go binaries (the fixture matrix's
//! `gofixture` for darwin_arm64, linux_amd64, linux_arm64 and windows_amd64), each provider on its own server with
//! its own signing key, and writes into DIR:
//! * `catalogue.txt`: one `HOST/bench/TYPE` line per provider (the `mirror --from-file` grammar);
//! * `zips.tsv`: `URL<TAB>sha256<TAB>size` of every ZIP (the script's curl floor downloads each once);
//! * `ready`, last.
//!
//! Then it serves until `DIR/stop` exists. Without the variable it returns at once.

use std::path::Path;
use std::time::Duration;

use crate::support;
use crate::support::mirror::ProviderFixture;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
        })
        .unwrap_or(default)
}

#[test]
#[ignore = "benchmark harness of scripts/bench-catalogue: serves until DIR/stop exists"]
fn catalogue_bench_server() {
    let Some(dir) = std::env::var_os("TOFU_SBOM_BENCH_CATALOGUE_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let providers = env_count("TOFU_SBOM_BENCH_PROVIDERS", 20);
    let versions: Vec<String> = (0..env_count("TOFU_SBOM_BENCH_VERSIONS", 3))
        .map(|i| format!("1.{i}.0"))
        .collect();
    let versions: Vec<&str> = versions.iter().map(String::as_str).collect();
    let bases = support::mirror::gofixture_bases();
    let served: Vec<ProviderFixture> = (0..providers)
        .map(|i| {
            ProviderFixture::with_binaries_versions("bench", &format!("p{i:02}"), &versions, &bases)
        })
        .collect();
    let mut catalogue = String::from("# scripts/bench-catalogue\n");
    let mut zips = String::new();
    for fx in &served {
        catalogue.push_str(&fx.address());
        catalogue.push('\n');
        for v in &fx.versions {
            for p in &v.packages {
                zips.push_str(&format!(
                    "{}{}\t{}\t{}\n",
                    fx.server.base(),
                    fx.files_path(&v.version, &p.file_name),
                    p.sha256,
                    p.bytes.len()
                ));
            }
        }
    }
    std::fs::write(dir.join("catalogue.txt"), catalogue).unwrap();
    std::fs::write(dir.join("zips.tsv"), zips).unwrap();
    std::fs::write(dir.join("ready"), b"").unwrap();
    while !dir.join("stop").exists() {
        std::thread::sleep(Duration::from_millis(100));
    }
}
