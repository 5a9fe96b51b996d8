//! Real SBOMs for the referrers tests: a [`ReleaseInput`] whose ZIP digests are those of the deterministic ZIPs of
//! [`super::make_release`] (so `verify` can match them against the pushed layers), with a fixed, small build info,
//! rendered by the crate's own renderers.

use std::collections::BTreeMap;

use sha2::Digest as _;
use tofu_sbom::buildinfo::{BuildInfo, BuildSetting, Module};
use tofu_sbom::inventory::{Inventory, PlatformInput, ProviderAddress, ReleaseInput, ToolInfo};
use tofu_sbom::provider::artifact::ProviderPackage;
use tofu_sbom::provider::attach::SbomFile;
use tofu_sbom::sbom::{self, Format};

/// The modules every platform binary lists: `(path, version)`.
pub(crate) const MODULES: &[(&str, &str)] = &[
    ("github.com/hashicorp/go-plugin", "v1.6.0"),
    ("github.com/hashicorp/terraform-plugin-go", "v0.23.0"),
    ("golang.org/x/text", "v0.14.0"),
];
/// The Go toolchain of every binary (Trivy reports stdlib as `v1.22.5`).
pub(crate) const GO_VERSION: &str = "go1.22.5";
/// The main module.
pub(crate) const MAIN_MODULE: &str = "github.com/example/terraform-provider-demo";

fn module(path: &str, version: &str) -> Module {
    Module {
        path: path.into(),
        version: version.into(),
        sum: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        replace: None,
    }
}

/// The release input of `pkg` (tool version `tool_version`, which ends up in the documents).
pub(crate) fn release_input(pkg: &ProviderPackage, name: &str, tool_version: &str) -> ReleaseInput {
    let platforms = pkg
        .platforms
        .iter()
        .map(|z| {
            let bytes = std::fs::read(&z.path).unwrap();
            let binary = format!("binary of {}", z.file_name);
            PlatformInput {
                os: z.os.clone(),
                arch: z.arch.clone(),
                zip_name: z.file_name.clone(),
                zip_sha256: z.sha256.clone(),
                zip_sha512: hex::encode(sha2::Sha512::digest(&bytes)),
                zip_gitoid: crate::support::sbom::hex_gitoid(&bytes),
                zip_size: z.size,
                binary_name: format!("terraform-provider-{name}_v{}", pkg.version),
                binary_sha256: hex::encode(sha2::Sha256::digest(binary.as_bytes())),
                binary_sha512: hex::encode(sha2::Sha512::digest(binary.as_bytes())),
                binary_gitoid: crate::support::sbom::hex_gitoid(binary.as_bytes()),
                buildinfo: BuildInfo {
                    go_version: GO_VERSION.into(),
                    path: MAIN_MODULE.into(),
                    main: Some(Module {
                        path: MAIN_MODULE.into(),
                        version: "(devel)".into(),
                        sum: String::new(),
                        replace: None,
                    }),
                    deps: MODULES.iter().map(|(p, v)| module(p, v)).collect(),
                    settings: vec![
                        BuildSetting {
                            key: "GOOS".into(),
                            value: z.os.clone(),
                        },
                        BuildSetting {
                            key: "GOARCH".into(),
                            value: z.arch.clone(),
                        },
                    ],
                },
                zh: format!("zh:{}", z.sha256),
                h1: "h1:7hQhBe0Z3nbsVVSdFIx7ZH8Pk5qX+dMqo3yMNv2qcKQ=".into(),
                version_source: "release-filename".into(),
                signature_file: None,
            }
        })
        .collect();
    ReleaseInput {
        provider_type: name.into(),
        version: pkg.version.clone(),
        address: Some(ProviderAddress {
            host: "registry.opentofu.org".into(),
            namespace: "example".into(),
            provider_type: name.into(),
        }),
        supplier: None,
        authors: Vec::new(),
        tool: ToolInfo {
            name: "tofu-sbom".into(),
            version: tool_version.into(),
        },
        timestamp: time::macros::datetime!(2026-01-02 03:04:05 UTC),
        platforms,
        release_signature: None,
        licenses: None,
    }
}

/// Every SBOM of a release: per platform (`os_arch` → files) and release-wide.
pub(crate) struct ReleaseSboms {
    pub platforms: BTreeMap<String, Vec<SbomFile>>,
    pub index: Vec<SbomFile>,
}

fn render(inv: &Inventory, formats: &[Format]) -> Vec<SbomFile> {
    formats
        .iter()
        .map(|f| {
            SbomFile::from_bytes(
                format!("{}{}", inv.name, f.extension()),
                sbom::render(inv, *f).unwrap(),
            )
        })
        .collect()
}

/// Renders every document of `input` in `formats`.
pub(crate) fn render_release(input: &ReleaseInput, formats: &[Format]) -> ReleaseSboms {
    let mut platforms = BTreeMap::new();
    for (i, p) in input.platforms.iter().enumerate() {
        let inv = Inventory::for_platform(input, i).unwrap();
        platforms.insert(p.platform(), render(&inv, formats));
    }
    let index = render(&Inventory::for_release(input).unwrap(), formats);
    ReleaseSboms { platforms, index }
}
