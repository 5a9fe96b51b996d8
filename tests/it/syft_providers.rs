//! Syft (issue 12 item 5), the real one (`consumers::syft()`, v1.57.2), against our SBOMs of the real
//! test providers (`support::providers`) and of the buf release (buf's own release binaries): on every
//! binary (18 of the providers, 9 platforms each, and buf's 7), Syft's
//! Go module set (name@version, the main module and stdlib aside) is exactly ours (the issue asks
//! for ⊆), their go.sum `h1:` hashes and the main module's build settings agree, and where Syft is
//! wrong and we are right the test asserts Syft's actual output:
//!
//! - the main module's version: the binaries carry `(devel)` (no VCS stamp) and `-X main.version`
//!   leaves no trace in the build info (Go drops `-ldflags` under `-trimpath`), so Syft says
//!   `UNKNOWN` with a versionless purl; ours is the release version (`v0.3.1`, buf `v1.74.0`);
//! - a replaced module: Syft reports only the replacement (`go-colorable v0.1.14`), nothing of the
//!   module it replaced (`v0.1.13`); ours keeps it as a pedigree ancestor and a property;
//! - Windows binaries: Syft's PE cataloger adds the binary itself as a package named after the file
//!   with version `UNKNOWN`; ours names it with the release version.
//!
//! Syft runs offline and hermetically: `HOME` a temporary directory, `SYFT_CHECK_FOR_APP_UPDATE=false`,
//! a loopback-only proxy, one `syft scan dir:` per release (only the binaries, unpacked one
//! directory per platform).

use crate::support::cli::{provider_entry, run, tofu_sbom, unzip};
use crate::support::consumers;
use crate::support::providers::{PROVIDER_PLATFORMS, PROVIDER_VERSION, TestProvider};
use crate::support::{BUF_PLATFORMS, BUF_VERSION, buf_release_dir};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Runs Syft offline (a loopback-only proxy) on `dir`; its JSON.
fn syft_json(dir: &Path) -> Value {
    consumers::syft_scan_json(
        dir,
        &[
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
            ("HTTP_PROXY", "http://127.0.0.1:9"),
        ],
        300,
    )
}

/// Syft's artifacts grouped by the platform directory of their one location (`/linux_amd64/…`).
fn syft_by_platform(doc: &Value) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for a in doc["artifacts"].as_array().expect("artifacts") {
        let locations = a["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1, "{a}");
        let path = locations[0]["path"].as_str().expect("a path");
        let platform = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .expect("a platform directory");
        out.entry(platform.to_owned()).or_default().push(a.clone());
    }
    out
}

/// One release Syft reads: its type, version, directory, platforms, main module, the module count
/// per platform and whether a module is replaced.
struct Release {
    name: &'static str,
    version: &'static str,
    dir: PathBuf,
    platforms: Vec<&'static str>,
    main: String,
    modules: fn(&str) -> usize,
    replaced: bool,
}

impl Release {
    fn provider(provider: TestProvider) -> Self {
        Self {
            name: provider.name(),
            version: PROVIDER_VERSION,
            dir: provider.release_dir(),
            platforms: PROVIDER_PLATFORMS.to_vec(),
            main: provider.main_module(),
            modules: match provider {
                TestProvider::Framework => |_| 23,
                TestProvider::SdkV2 => |_| 36,
            },
            replaced: provider == TestProvider::SdkV2,
        }
    }

    /// The buf release (buf's own release binaries, repackaged): 85 modules, 87 on Windows.
    fn buf() -> Self {
        Self {
            name: "buf",
            version: BUF_VERSION,
            dir: buf_release_dir(),
            platforms: BUF_PLATFORMS.to_vec(),
            main: "github.com/bufbuild/buf".to_owned(),
            modules: |p| if p.starts_with("windows_") { 87 } else { 85 },
            replaced: false,
        }
    }

    /// `terraform-provider-NAME_VERSION_PLATFORM.zip`.
    fn zip(&self, platform: &str) -> PathBuf {
        self.dir.join(format!(
            "terraform-provider-{}_{}_{platform}.zip",
            self.name, self.version
        ))
    }

    /// Our CycloneDX documents of the release, by platform (`tofu-sbom generate --format
    /// cyclonedx-json`).
    fn our_documents(&self, out: &Path) -> BTreeMap<String, Value> {
        let mut cmd = tofu_sbom();
        cmd.arg("generate").arg(&self.dir).arg("-o").arg(out).args([
            "--format",
            "cyclonedx-json",
            "-q",
        ]);
        run(&mut cmd).expect_code(0);
        self.platforms
            .iter()
            .map(|p| {
                let file = out.join(format!(
                    "terraform-provider-{}_{}_{p}.cdx.json",
                    self.name, self.version
                ));
                let text = std::fs::read(&file).expect("read our CycloneDX document");
                (
                    (*p).to_owned(),
                    serde_json::from_slice(&text).expect("CycloneDX JSON"),
                )
            })
            .collect()
    }
}

/// The value of property `name` of a CycloneDX component, if any.
fn property<'a>(component: &'a Value, name: &str) -> Option<&'a str> {
    component["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

/// The framework provider, every platform: Syft's Go modules (main module and stdlib aside) equal
/// ours, name@version; their `h1:` go.sum hashes agree; Syft's main-module build settings equal ours.
/// What Syft gets wrong (module doc) is asserted on its actual output.
#[test]
fn syft_on_the_framework_provider_finds_our_modules_and_misses_the_main_version() {
    check_release(&Release::provider(TestProvider::Framework));
}

/// The SDKv2 provider, every platform: as for the framework one, and Syft drops the replaced
/// module's original version that we keep.
#[test]
fn syft_on_the_sdkv2_provider_finds_our_modules_and_misses_the_replaced_version() {
    check_release(&Release::provider(TestProvider::SdkV2));
}

/// The buf release (buf's real release binaries, 7 platforms): the same agreement, and Syft reads
/// buf's main module as `UNKNOWN` too (ours: v1.74.0).
#[test]
fn syft_on_the_buf_release_finds_our_modules_and_misses_the_main_version() {
    check_release(&Release::buf());
}

/// Syft over every binary of `r`, compared with our documents (module doc).
fn check_release(r: &Release) {
    {
        let name = r.name;
        let main = r.main.clone();
        let tmp = tempfile::tempdir().expect("tmp");
        let bins = tmp.path().join("bins");
        for p in &r.platforms {
            let dir = bins.join(p);
            let entry = provider_entry(&r.zip(p));
            unzip(&r.zip(p), &dir);
            for f in crate::support::cli::dir_names(&dir) {
                if f != entry {
                    std::fs::remove_file(dir.join(f)).expect("remove a non-binary file");
                }
            }
        }
        let syft = syft_by_platform(&syft_json(&bins));
        assert_eq!(
            syft.keys().map(String::as_str).collect::<Vec<_>>(),
            r.platforms,
            "{name}"
        );
        let ours = r.our_documents(&tmp.path().join("sboms"));
        for p in r.platforms.iter().copied() {
            let what = format!("{name} {p}");
            let artifacts = &syft[p];
            let modules: Vec<&Value> = artifacts
                .iter()
                .filter(|a| a["type"] == "go-module")
                .collect();
            let components: Vec<&Value> = ours[p]["components"]
                .as_array()
                .expect("components")
                .iter()
                .filter(|c| {
                    c["purl"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("pkg:golang/"))
                })
                .collect();
            let set = |items: &[&Value]| -> BTreeSet<String> {
                items
                    .iter()
                    .filter(|a| a["name"] != "stdlib" && a["name"] != main.as_str())
                    .map(|a| {
                        format!(
                            "{}@{}",
                            a["name"].as_str().expect("name"),
                            a["version"].as_str().expect("version")
                        )
                    })
                    .collect()
            };
            let theirs = set(&modules);
            let our_set = set(&components);
            assert!(
                theirs.is_subset(&our_set),
                "{what}: Syft found {:?} that we do not list",
                theirs.difference(&our_set).collect::<Vec<_>>()
            );
            assert_eq!(theirs, our_set, "{what}: and we list no more than Syft");
            assert_eq!(our_set.len(), (r.modules)(p), "{what}");

            // go.sum h1: hashes: the same for every module.
            for m in modules
                .iter()
                .filter(|a| a["name"] != "stdlib" && a["name"] != main.as_str())
            {
                let c = components
                    .iter()
                    .find(|c| c["name"] == m["name"])
                    .expect("the module is ours");
                assert_eq!(
                    m["metadata"]["h1Digest"].as_str(),
                    property(c, "tofu-sbom:go:module:h1"),
                    "{what}: {}",
                    m["name"]
                );
            }

            // The main module: Syft says UNKNOWN with a versionless purl; ours is the release version.
            let syft_main: Vec<&&Value> = modules
                .iter()
                .filter(|a| a["name"] == main.as_str())
                .collect();
            assert_eq!(syft_main.len(), 1, "{what}");
            assert_eq!(syft_main[0]["version"], "UNKNOWN", "{what}");
            assert_eq!(syft_main[0]["purl"], format!("pkg:golang/{main}"), "{what}");
            let our_main = components
                .iter()
                .find(|c| c["name"] == main.as_str())
                .expect("our main module component");
            assert_eq!(our_main["version"], format!("v{}", r.version), "{what}");
            assert_eq!(
                our_main["purl"],
                format!("pkg:golang/{main}@v{}", r.version),
                "{what}"
            );
            assert_eq!(
                property(our_main, "tofu-sbom:go:buildinfo-version"),
                Some("(devel)")
            );

            // Build settings: Syft's main-module metadata and our properties agree.
            let syft_settings: BTreeSet<String> = syft_main[0]["metadata"]["goBuildSettings"]
                .as_array()
                .expect("goBuildSettings")
                .iter()
                .map(|s| {
                    format!(
                        "{}={}",
                        s["key"].as_str().unwrap_or_default(),
                        s["value"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            let our_settings: BTreeSet<String> = ours[p]["metadata"]["component"]["properties"]
                .as_array()
                .expect("properties")
                .iter()
                .filter_map(|q| {
                    let key = q["name"].as_str()?.strip_prefix("tofu-sbom:go:build:")?;
                    Some(format!("{key}={}", q["value"].as_str()?))
                })
                .collect();
            assert_eq!(syft_settings, our_settings, "{what}");
            assert!(
                syft_settings.contains("-trimpath=true") && syft_settings.contains("CGO_ENABLED=0")
            );

            // A replaced module: Syft reports the replacement only; we keep the original.
            if r.replaced {
                let colorable: Vec<&&Value> = modules
                    .iter()
                    .filter(|a| a["name"] == "github.com/mattn/go-colorable")
                    .collect();
                assert_eq!(colorable.len(), 1, "{what}");
                assert_eq!(colorable[0]["version"], "v0.1.14", "{what}");
                assert!(
                    !serde_json::to_string(&artifacts)
                        .expect("JSON")
                        .contains("v0.1.13"),
                    "{what}: Syft names the replaced version somewhere"
                );
                let ours_colorable = components
                    .iter()
                    .find(|c| c["name"] == "github.com/mattn/go-colorable")
                    .expect("ours");
                assert_eq!(ours_colorable["version"], "v0.1.14");
                assert_eq!(
                    ours_colorable["pedigree"]["ancestors"][0]["version"],
                    "v0.1.13"
                );
                assert_eq!(
                    property(ours_colorable, "tofu-sbom:go:replace:original"),
                    Some("github.com/mattn/go-colorable@v0.1.13")
                );
            }

            // What else Syft lists: stdlib, and on Windows the binary itself, versionless.
            let others: Vec<(String, String, String)> = artifacts
                .iter()
                .filter(|a| a["type"] != "go-module")
                .map(|a| {
                    (
                        a["type"].as_str().unwrap_or_default().to_owned(),
                        a["name"].as_str().unwrap_or_default().to_owned(),
                        a["version"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            let want: Vec<(String, String, String)> = if p.starts_with("windows_") {
                vec![(
                    "binary".to_owned(),
                    format!("terraform-provider-{name}_v{}", r.version),
                    "UNKNOWN".to_owned(),
                )]
            } else {
                Vec::new()
            };
            assert_eq!(others, want, "{what}");
            assert_eq!(
                modules.iter().filter(|a| a["name"] == "stdlib").count(),
                1,
                "{what}"
            );
        }
    }
}
