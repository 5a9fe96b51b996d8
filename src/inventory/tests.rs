//! Tests of the whole inventory: shapes per platform and release-wide, edge cases, input errors.

use std::collections::BTreeSet;

use super::*;
use crate::buildinfo::{BuildInfo, BuildSetting, Module};

fn module(path: &str, version: &str, sum: &str) -> Module {
    Module {
        path: path.into(),
        version: version.into(),
        sum: sum.into(),
        replace: None,
    }
}

fn sample_input() -> ReleaseInput {
    let bi = |goos: &str, extra: Option<Module>| BuildInfo {
        go_version: "go1.22.3 X:boringcrypto".into(),
        path: "github.com/acme/terraform-provider-demo".into(),
        main: Some(module(
            "github.com/acme/terraform-provider-demo",
            "(devel)",
            "",
        )),
        deps: [
            Some(module(
                "github.com/hashicorp/go-plugin",
                "v1.6.0",
                "h1:plugin=",
            )),
            Some(Module {
                replace: Some(Box::new(module(
                    "github.com/fork/yaml",
                    "v1.1.0",
                    "h1:fork=",
                ))),
                ..module("gopkg.in/yaml.v2", "v2.4.0", "h1:orig=")
            }),
            Some(Module {
                replace: Some(Box::new(module("../local", "(devel)", ""))),
                ..module("example.com/Local", "v0.1.0", "h1:local=")
            }),
            extra,
        ]
        .into_iter()
        .flatten()
        .collect(),
        settings: vec![
            BuildSetting {
                key: "-trimpath".into(),
                value: "true".into(),
            },
            BuildSetting {
                key: "GOOS".into(),
                value: goos.into(),
            },
        ],
    };
    let platform = |os: &str, arch: &str, c: char, extra| PlatformInput {
        os: os.into(),
        arch: arch.into(),
        zip_name: format!("terraform-provider-demo_1.2.3_{os}_{arch}.zip"),
        zip_sha256: c.to_string().repeat(64),
        zip_sha512: c.to_string().repeat(128),
        zip_gitoid: "9".repeat(64),
        zip_size: 1234,
        binary_name: "terraform-provider-demo_v1.2.3".into(),
        binary_sha256: "b".repeat(64),
        binary_sha512: "b".repeat(128),
        binary_gitoid: "8".repeat(64),
        buildinfo: bi(os, extra),
        zh: format!("zh:{}", c.to_string().repeat(64)),
        h1: "h1:abc=".into(),
        version_source: "release-filename".into(),
        signature_file: None,
    };
    ReleaseInput {
        provider_type: "demo".into(),
        version: "1.2.3".into(),
        address: Some(ProviderAddress {
            host: "registry.opentofu.org".into(),
            namespace: "acme".into(),
            provider_type: "demo".into(),
        }),
        supplier: None,
        authors: vec![],
        tool: ToolInfo {
            name: "tofu-sbom".into(),
            version: "0.0.0-test".into(),
        },
        timestamp: time::macros::datetime!(2024-01-02 03:04:05.678 +02:00),
        platforms: vec![
            platform("linux", "amd64", 'a', None),
            platform(
                "darwin",
                "arm64",
                'c',
                Some(module("golang.org/x/sys", "v0.20.0", "h1:sys=")),
            ),
        ],
        release_signature: None,
        licenses: None,
    }
}

#[test]
fn platform_inventory_shape() {
    let inv = Inventory::for_platform(&sample_input(), 0).unwrap();
    assert_eq!(inv.name, "terraform-provider-demo_1.2.3_linux_amd64");
    assert_eq!(
        inv.timestamp,
        time::macros::datetime!(2024-01-02 01:04:05 UTC)
    );
    assert_eq!(inv.root.name, "terraform-provider-demo");
    assert_eq!(inv.root.purl, None);
    assert_eq!(inv.root.supplier.as_deref(), Some("acme"));
    assert_eq!(
        inv.authors,
        vec![Author {
            kind: AuthorKind::Organization,
            name: "acme".into(),
            email: None
        }]
    );
    let refs: Vec<&str> = inv.components.iter().map(|c| c.bom_ref.as_str()).collect();
    assert_eq!(
        refs,
        [
            "pkg:golang/example.com/local",
            "pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3",
            "pkg:golang/github.com/fork/yaml@v1.1.0",
            "pkg:golang/github.com/hashicorp/go-plugin@v1.6.0",
            "pkg:golang/stdlib@v1.22.3",
            "tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3",
        ]
    );
    let local = &inv.components[0];
    assert_eq!(
        (local.name.as_str(), local.version.as_deref()),
        ("example.com/Local", None)
    );
    assert_eq!(local.download_location, None);
    assert!(
        local
            .properties
            .contains(&prop(PROP_GO_UNVERSIONED_LOCAL, "true"))
    );
    assert!(!local.properties.iter().any(|p| p.name == PROP_GO_MODULE_H1));
    let fork = &inv.components[2];
    assert_eq!(
        fork.ancestors,
        vec![Ancestor {
            name: "gopkg.in/yaml.v2".into(),
            version: Some("v2.4.0".into()),
            purl: "pkg:golang/gopkg.in/yaml.v2@v2.4.0".into()
        }]
    );
    assert_eq!(
        fork.properties,
        vec![
            prop(PROP_GO_MODULE_H1, "h1:fork="),
            prop(PROP_GO_REPLACED, "gopkg.in/yaml.v2@v2.4.0")
        ]
    );
    let stdlib = &inv.components[4];
    assert_eq!(
        stdlib.cpe.as_deref(),
        Some("cpe:2.3:a:golang:go:1.22.3:-:*:*:*:*:*:*")
    );
    assert_eq!(stdlib.version.as_deref(), Some("v1.22.3"));
    assert!(
        inv.root
            .properties
            .contains(&prop(PROP_GO_EXPERIMENTS, "boringcrypto"))
    );
    assert!(
        inv.root
            .properties
            .contains(&prop("tofu-sbom:go:build:-trimpath", "true"))
    );
    assert_eq!(
        inv.dependencies,
        vec![
            Dependency {
                from: "pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3".into(),
                to: vec![
                    "pkg:golang/example.com/local".into(),
                    "pkg:golang/github.com/fork/yaml@v1.1.0".into(),
                    "pkg:golang/github.com/hashicorp/go-plugin@v1.6.0".into(),
                    "pkg:golang/stdlib@v1.22.3".into(),
                ]
            },
            Dependency {
                from: "tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3".into(),
                to: vec!["pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3".into()]
            },
            Dependency {
                from: "tofu-sbom:provider:registry.opentofu.org/acme/demo@1.2.3".into(),
                to: vec!["tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3".into()]
            },
        ]
    );
}

#[test]
fn release_inventory_unions_platforms() {
    let inv = Inventory::for_release(&sample_input()).unwrap();
    assert_eq!(inv.name, "terraform-provider-demo_1.2.3");
    assert_eq!(inv.root.hashes, vec![]);
    assert_eq!(
        inv.root
            .distributions
            .iter()
            .map(|d| d.file_name.as_str())
            .collect::<Vec<_>>(),
        [
            "terraform-provider-demo_1.2.3_darwin_arm64.zip",
            "terraform-provider-demo_1.2.3_linux_amd64.zip"
        ]
    );
    let sys = inv
        .components
        .iter()
        .find(|c| c.name == "golang.org/x/sys")
        .unwrap();
    assert!(
        sys.properties
            .contains(&prop(PROP_PLATFORMS, "darwin_arm64"))
    );
    let plugin = inv
        .components
        .iter()
        .find(|c| c.name == "github.com/hashicorp/go-plugin")
        .unwrap();
    assert!(
        plugin
            .properties
            .contains(&prop(PROP_PLATFORMS, "darwin_arm64,linux_amd64"))
    );
    // `contains` is exact per platform: only the darwin binary links golang.org/x/sys.
    let linked = |platform: &str| -> Vec<&str> {
        let from = format!("tofu-sbom:binary:{platform}:terraform-provider-demo_v1.2.3");
        inv.contains
            .iter()
            .find(|d| d.from == from)
            .map(|d| d.to.iter().map(String::as_str).collect())
            .unwrap_or_default()
    };
    assert_eq!(linked("darwin_arm64").len(), 6);
    assert!(linked("darwin_arm64").contains(&"pkg:golang/golang.org/x/sys@v0.20.0"));
    assert_eq!(
        linked("linux_amd64"),
        [
            "pkg:golang/example.com/local",
            "pkg:golang/github.com/acme/terraform-provider-demo@v1.2.3",
            "pkg:golang/github.com/fork/yaml@v1.1.0",
            "pkg:golang/github.com/hashicorp/go-plugin@v1.6.0",
            "pkg:golang/stdlib@v1.22.3",
        ]
    );
    let binaries = inv
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Binary)
        .count();
    assert_eq!(binaries, 2);
    // Every component is reachable from the root.
    let mut reached = BTreeSet::from([inv.root.bom_ref.clone()]);
    let mut frontier = vec![inv.root.bom_ref.clone()];
    while let Some(r) = frontier.pop() {
        for d in inv.dependencies.iter().filter(|d| d.from == r) {
            for t in &d.to {
                if reached.insert(t.clone()) {
                    frontier.push(t.clone());
                }
            }
        }
    }
    for c in &inv.components {
        assert!(reached.contains(&c.bom_ref), "{} not connected", c.bom_ref);
    }
    let unique: BTreeSet<&str> = inv.components.iter().map(|c| c.bom_ref.as_str()).collect();
    assert_eq!(unique.len(), inv.components.len());
}

#[test]
fn binary_without_main_module_links_deps_directly() {
    let mut input = sample_input();
    input.platforms.truncate(1);
    let bi = &mut input.platforms[0].buildinfo;
    bi.main = None;
    bi.path = "command-line-arguments".into();
    let inv = Inventory::for_platform(&input, 0).unwrap();
    assert!(
        inv.components
            .iter()
            .all(|c| c.kind != ComponentKind::MainModule)
    );
    let binary = "tofu-sbom:binary:linux_amd64:terraform-provider-demo_v1.2.3";
    let deps = inv.dependencies.iter().find(|d| d.from == binary).unwrap();
    assert_eq!(deps.to.len(), 4);
    assert!(deps.to.contains(&"pkg:golang/stdlib@v1.22.3".to_owned()));
    // Without an address or a supplier, the supplier falls back to nothing derivable: no main module.
    input.address = None;
    let inv = Inventory::for_platform(&input, 0).unwrap();
    assert_eq!(inv.root.supplier, None);
    assert_eq!(inv.authors, vec![]);
    assert_eq!(
        inv.root.bom_ref,
        "tofu-sbom:provider:terraform-provider-demo@1.2.3"
    );
}

#[test]
fn modules_differing_only_in_case_keep_distinct_refs() {
    let mut input = sample_input();
    input.platforms.truncate(1);
    let deps = &mut input.platforms[0].buildinfo.deps;
    deps.push(module("github.com/Foo/bar", "v1.0.0", ""));
    deps.push(module("github.com/foo/bar", "v1.0.0", ""));
    let inv = Inventory::for_platform(&input, 0).unwrap();
    let refs: Vec<(&str, &str)> = inv
        .components
        .iter()
        .filter(|c| c.name.eq_ignore_ascii_case("github.com/foo/bar"))
        .map(|c| (c.name.as_str(), c.bom_ref.as_str()))
        .collect();
    assert_eq!(
        refs,
        [
            ("github.com/Foo/bar", "pkg:golang/github.com/foo/bar@v1.0.0"),
            (
                "github.com/foo/bar",
                "pkg:golang/github.com/foo/bar@v1.0.0|github.com/foo/bar"
            ),
        ]
    );
}

#[test]
fn input_errors() {
    let mut input = sample_input();
    input.version = "v1.2.3".into();
    assert_eq!(
        Inventory::for_release(&input).unwrap_err(),
        InventoryError::InvalidVersion {
            version: "v1.2.3".into()
        }
    );
    let mut input = sample_input();
    input.platforms[1].os = "linux".into();
    input.platforms[1].arch = "amd64".into();
    assert_eq!(
        Inventory::for_release(&input).unwrap_err().to_string(),
        "platform linux_amd64 appears twice (terraform-provider-demo_1.2.3_linux_amd64.zip and \
         terraform-provider-demo_1.2.3_darwin_arm64.zip)"
    );
    let mut input = sample_input();
    input.platforms[0].binary_sha512 = "B".repeat(128);
    assert!(matches!(
        Inventory::for_platform(&input, 0).unwrap_err(),
        InventoryError::BadDigest {
            field: "binary_sha512",
            ..
        }
    ));
    // The gitoid input is the hex alone; the `gitoid:blob:sha256:` prefix is the inventory's to add.
    let mut input = sample_input();
    let full = format!("gitoid:blob:sha256:{}", "9".repeat(64));
    input.platforms[1].zip_gitoid = full.clone();
    assert_eq!(
        Inventory::for_release(&input).unwrap_err(),
        InventoryError::BadDigest {
            zip: "terraform-provider-demo_1.2.3_darwin_arm64.zip".into(),
            field: "zip_gitoid",
            algorithm: "SHA-256",
            value: full,
        }
    );
    assert_eq!(
        Inventory::for_platform(&sample_input(), 5).unwrap_err(),
        InventoryError::PlatformIndex { index: 5, count: 2 }
    );
}

#[test]
fn the_zip_and_each_executable_carry_their_omnibor_id() {
    let mut input = sample_input();
    input.platforms[1].zip_gitoid = "7".repeat(64);
    let inv = Inventory::for_platform(&input, 0).unwrap();
    let zip0 = format!("gitoid:blob:sha256:{}", "9".repeat(64));
    let zip1 = format!("gitoid:blob:sha256:{}", "7".repeat(64));
    assert_eq!(inv.root.omnibor_ids, vec![zip0.clone()]);
    let ids: Vec<(ComponentKind, Vec<String>)> = inv
        .components
        .iter()
        .filter(|c| !c.omnibor_ids.is_empty())
        .map(|c| (c.kind, c.omnibor_ids.clone()))
        .collect();
    let binary = format!("gitoid:blob:sha256:{}", "8".repeat(64));
    assert_eq!(ids, vec![(ComponentKind::Binary, vec![binary.clone()])]);
    // Release-wide, the root is deployed as several ZIPs: one id per ZIP, in platform order; each platform's
    // executable keeps its own.
    let inv = Inventory::for_release(&input).unwrap();
    let mut platforms: Vec<(String, String)> = input
        .platforms
        .iter()
        .map(|p| (p.platform(), p.zip_gitoid.clone()))
        .collect();
    platforms.sort();
    let want: Vec<String> = platforms
        .iter()
        .map(|(_, g)| format!("gitoid:blob:sha256:{g}"))
        .collect();
    assert_eq!(want.len(), 2);
    assert!(want.contains(&zip0) && want.contains(&zip1));
    assert_eq!(inv.root.omnibor_ids, want);
    let binaries: Vec<Vec<String>> = inv
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Binary)
        .map(|c| c.omnibor_ids.clone())
        .collect();
    assert_eq!(binaries, vec![vec![binary.clone()], vec![binary]]);
}
