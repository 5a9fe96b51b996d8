//! `--licenses` on the real test providers (`support::providers`: tsbfw on terraform-plugin-framework, tsbsdk on
//! terraform-plugin-sdk/v2, 9 platforms each), against real sources and a real consumer:
//!
//! - `modcache`: the Go module cache the provider build populated (`consumers/go/modcache` of the test cache, see
//!   `scripts/lib/common.sh` `tsb_consumer_go`); `goproxy`: the real `https://proxy.golang.org` with an empty module
//!   cache and a fresh licence cache (every ZIP downloaded and verified against its `h1:`). Both give the same licence
//!   and the same ZIP digests for every module; coverage (modules with a valid SPDX expression) is asserted; a re-run
//!   of `goproxy` from the warm licence cache with `GOPROXY=off` gives the same bytes, and so does a second
//!   `modcache` run.
//! - Syft 1.57.2 with its remote licence search (`SYFT_GOLANG_SEARCH_REMOTE_LICENSES=true`, `GOPROXY` the real proxy)
//!   on the same binaries: agreement on the modules both name, the exact disagreements asserted (explained in
//!   docs/licenses.md).
//! - A tampered module ZIP in a `file://` proxy is refused by its `h1:` (exact warning); `GOPROXY=off` with an empty
//!   cache: `NOASSERTION` and exactly one warning, exit 0.

use crate::support::cache_dir;
use crate::support::cli::{run, tofu_sbom, unzip};
use crate::support::consumers;
use crate::support::providers::{PROVIDER_PLATFORMS, TestProvider};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The module cache the test providers were built with.
fn provider_modcache() -> PathBuf {
    cache_dir().join("consumers/go/modcache")
}

/// `tofu-sbom generate RELEASE -o OUT --format cyclonedx-json,spdx-json,spdx-json@3.0.1 --json` + `args`, with a
/// clean Go environment plus `env`; asserts exit 0 and returns the `--json` result.
fn generate(
    release: &Path,
    out: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
    goproxy: &str,
) -> Value {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tofu_sbom();
    for v in crate::support::GO_MODULE_SETTINGS
        .iter()
        .chain(&["TOFU_SBOM_LICENSE_CACHE", "XDG_CACHE_HOME"])
    {
        cmd.env_remove(v);
    }
    cmd.env("HOME", home.path()).env("GOPROXY", goproxy);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.arg("generate")
        .arg(release)
        .arg("-o")
        .arg(out)
        .args([
            "--format",
            "cyclonedx-json,spdx-json,spdx-json@3.0.1",
            "--json",
            "--timestamp",
            "0",
        ])
        .args(args);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()
}

/// `name@version` → the licence (expression or id or LicenseRef name) of every Go module in a CycloneDX document
/// (the main module and stdlib aside), `None` when it has none.
fn licences(cdx: &Path, main_module: &str) -> BTreeMap<String, Option<String>> {
    let doc: Value = serde_json::from_slice(&std::fs::read(cdx).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for c in doc["components"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        if c["type"] != "library" || name == "stdlib" || name == main_module {
            continue;
        }
        let l = c["licenses"].as_array().map(|list| {
            assert_eq!(list.len(), 1, "{name}: {list:?}");
            let e = &list[0];
            e["expression"]
                .as_str()
                .or(e["license"]["id"].as_str())
                .or(e["license"]["name"].as_str())
                .unwrap()
                .to_owned()
        });
        out.insert(format!("{name}@{}", c["version"].as_str().unwrap()), l);
    }
    out
}

/// `name@version` → the SHA-256 of the module ZIP recorded as its distribution.
fn zip_digests(cdx: &Path) -> BTreeMap<String, String> {
    let doc: Value = serde_json::from_slice(&std::fs::read(cdx).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for c in doc["components"].as_array().unwrap() {
        for r in c["externalReferences"].as_array().into_iter().flatten() {
            if r["url"].as_str().unwrap().ends_with(".zip") && r["hashes"].is_array() {
                out.insert(
                    format!(
                        "{}@{}",
                        c["name"].as_str().unwrap(),
                        c["version"].as_str().unwrap()
                    ),
                    r["hashes"][0]["content"].as_str().unwrap().to_owned(),
                );
            }
        }
    }
    out
}

fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn release_cdx(p: TestProvider, dir: &Path) -> PathBuf {
    dir.join(format!("terraform-provider-{}_0.3.1.cdx.json", p.name()))
}

/// Licences from the module cache and from the real proxy agree, cover the modules, and are reproducible.
#[test]
fn modcache_and_goproxy_agree_and_cover_the_real_providers() {
    let mut coverage = Vec::new();
    for p in TestProvider::ALL {
        let tmp = tempfile::tempdir().unwrap();
        let (out_mc, out_mc2, out_gp, out_warm) = (
            tmp.path().join("modcache"),
            tmp.path().join("modcache2"),
            tmp.path().join("goproxy"),
            tmp.path().join("warm"),
        );
        let (cache_mc, cache_gp, empty_modcache) = (
            tmp.path().join("cache-mc"),
            tmp.path().join("cache-gp"),
            tmp.path().join("empty-modcache"),
        );
        let modcache = provider_modcache();
        let mc_args = |cache: &Path| {
            vec![
                "--licenses".to_owned(),
                "modcache".to_owned(),
                "--license-cache".to_owned(),
                cache.display().to_string(),
            ]
        };
        let a = mc_args(&cache_mc);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let j = generate(
            &p.release_dir(),
            &out_mc,
            &a,
            &[("GOMODCACHE", &modcache)],
            "off",
        );
        assert!(j.get("licenseWarnings").is_none(), "{j}");
        // A second modcache run without the cache: the same bytes.
        generate(
            &p.release_dir(),
            &out_mc2,
            &["--licenses", "modcache", "--license-cache", "off"],
            &[("GOMODCACHE", &modcache)],
            "off",
        );
        assert_eq!(all_files(&out_mc), all_files(&out_mc2), "{}", p.name());

        let gp_cache = cache_gp.display().to_string();
        let j = generate(
            &p.release_dir(),
            &out_gp,
            &["--licenses", "goproxy", "--license-cache", &gp_cache],
            &[("GOMODCACHE", &empty_modcache)],
            "https://proxy.golang.org",
        );
        assert!(j.get("licenseWarnings").is_none(), "{j}");
        // The warm licence cache answers everything with the proxy off: the same bytes.
        generate(
            &p.release_dir(),
            &out_warm,
            &["--licenses", "goproxy", "--license-cache", &gp_cache],
            &[("GOMODCACHE", &empty_modcache)],
            "off",
        );
        assert_eq!(all_files(&out_gp), all_files(&out_warm), "{}", p.name());

        let main = p.main_module();
        let from_mc = licences(&release_cdx(p, &out_mc), &main);
        let from_gp = licences(&release_cdx(p, &out_gp), &main);
        assert_eq!(from_mc, from_gp, "{}", p.name());
        assert_eq!(
            zip_digests(&release_cdx(p, &out_mc)),
            zip_digests(&release_cdx(p, &out_gp))
        );
        assert_eq!(zip_digests(&release_cdx(p, &out_mc)).len(), from_mc.len());
        let valid = from_mc
            .values()
            .filter(|l| {
                l.as_deref()
                    .is_some_and(|e| spdx::Expression::parse(e).is_ok())
            })
            .count();
        coverage.push((p.name(), valid, from_mc.len()));
    }
    // Every dependency module of both providers has a valid SPDX expression (≥ 95 % is the bar).
    assert_eq!(coverage, [("tsbfw", 23, 23), ("tsbsdk", 36, 36)]);
}

/// Runs Syft with its remote licence search on the binaries of every platform; `name@version` → its licence values.
fn syft_licences(p: TestProvider) -> BTreeMap<String, Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    for platform in PROVIDER_PLATFORMS {
        unzip(&p.zip(platform), &dir.path().join(platform));
    }
    let doc = consumers::syft_scan_json(
        dir.path(),
        &[
            ("SYFT_GOLANG_SEARCH_REMOTE_LICENSES", "true"),
            ("GOPROXY", "https://proxy.golang.org"),
        ],
        600,
    );
    let mut map = BTreeMap::new();
    for a in doc["artifacts"].as_array().unwrap() {
        if a["type"] != "go-module" {
            continue;
        }
        let mut l: Vec<String> = a["licenses"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                l["spdxExpression"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .or(l["value"].as_str())
                    .unwrap()
                    .to_owned()
            })
            .collect();
        l.sort();
        l.dedup();
        map.insert(
            format!(
                "{}@{}",
                a["name"].as_str().unwrap(),
                a["version"].as_str().unwrap()
            ),
            l,
        );
    }
    map
}

/// Syft 1.57.2 (remote licence search) agrees on ≥ 95 % of the modules both name; the exact disagreements.
#[test]
fn syft_with_remote_licences_agrees() {
    let mut agree = 0;
    let mut both = 0;
    let mut disagreements: BTreeMap<String, (Option<String>, Vec<String>)> = BTreeMap::new();
    for p in TestProvider::ALL {
        let tmp = tempfile::tempdir().unwrap();
        let modcache = provider_modcache();
        generate(
            &p.release_dir(),
            tmp.path(),
            &["--licenses", "modcache", "--license-cache", "off"],
            &[("GOMODCACHE", &modcache)],
            "off",
        );
        let ours = licences(&release_cdx(p, tmp.path()), &p.main_module());
        let syft = syft_licences(p);
        for (module, l) in &ours {
            let Some(s) = syft.get(module) else { continue };
            both += 1;
            // Ours is one expression of ids joined with AND; Syft lists the ids.
            let ours_ids: Vec<String> = l
                .as_deref()
                .map(|e| {
                    let mut v: Vec<String> = e.split(" AND ").map(str::to_owned).collect();
                    v.sort();
                    v
                })
                .unwrap_or_default();
            if &ours_ids == s {
                agree += 1;
            } else {
                disagreements.insert(module.clone(), (l.clone(), s.clone()));
            }
        }
    }
    let expected: BTreeMap<String, (Option<String>, Vec<String>)> = [(
        "github.com/agext/levenshtein@v1.2.2",
        (
            Some("Apache-2.0"),
            vec![
                "Apache-2.0",
                "sha256:5f8cebc9aab3ce69ade921efb14caec472c34f22566e015df9512111dcacae06",
            ],
        ),
    )]
    .into_iter()
    .map(|(m, (o, s))| {
        (
            m.to_owned(),
            (
                o.map(str::to_owned),
                s.into_iter().map(str::to_owned).collect(),
            ),
        )
    })
    .collect();
    assert_eq!(disagreements, expected);
    assert!(agree * 100 >= both * 95, "{agree}/{both}");
    assert_eq!((agree, both), (58, 59));
}

/// A module ZIP in a `file://` proxy whose content differs from the `h1:` the binary records is refused: an exact
/// warning, no licence and no ZIP digests for that module; the others are not in that proxy (one not-found warning).
#[test]
fn tampered_module_zip_is_refused_by_its_h1() {
    let tmp = tempfile::tempdir().unwrap();
    let proxy = tmp.path().join("proxy");
    let module = "github.com/oklog/run";
    let dir = proxy.join(module).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    let original = provider_modcache().join("cache/download/github.com/oklog/run/@v/v1.1.0.zip");
    // Re-write the ZIP with one byte of LICENSE changed.
    let mut zin = zip::ZipArchive::new(std::fs::File::open(&original).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dir.join("v1.1.0.zip")).unwrap());
    for i in 0..zin.len() {
        let mut e = zin.by_index(i).unwrap();
        let name = e.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
        if name.ends_with("/LICENSE") {
            bytes[0] ^= 0x20;
        }
        zout.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zout, &bytes).unwrap();
    }
    zout.finish().unwrap();
    let out = tmp.path().join("out");
    let goproxy = format!("file://{}", proxy.display());
    let cache = tmp.path().join("cache").display().to_string();
    let j = generate(
        &TestProvider::Framework.zip("linux_amd64"),
        &out,
        &["--licenses", "goproxy", "--license-cache", &cache],
        &[("GOMODCACHE", &tmp.path().join("empty"))],
        &goproxy,
    );
    let warnings = j["licenseWarnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0]["kind"], "h1-mismatch");
    assert_eq!(
        warnings[0]["modules"],
        serde_json::json!(["github.com/oklog/run@v1.1.0"])
    );
    let msg = warnings[0]["message"].as_str().unwrap();
    let expected_prefix = format!(
        "github.com/oklog/run@v1.1.0: the module ZIP from {goproxy}/github.com/oklog/run/@v/v1.1.0.zip has h1:"
    );
    assert!(msg.starts_with(&expected_prefix), "{msg}");
    assert!(
        msg.ends_with(", the binary records h1:GEenZ1cK0+q0+wsJew9qUg/DyD8k3JzYsZAi5gYi2mA=: not used, licence NOASSERTION"),
        "{msg}"
    );
    assert_eq!(warnings[1]["kind"], "not-found");
    assert_eq!(warnings[1]["modules"].as_array().unwrap().len(), 22);
    let doc = &out.join("terraform-provider-tsbfw_0.3.1_linux_amd64.cdx.json");
    let l = licences(doc, &TestProvider::Framework.main_module());
    assert_eq!(l["github.com/oklog/run@v1.1.0"], None);
    assert!(zip_digests(doc).is_empty());
    // Nothing was cached for the refused ZIP.
    assert!(!tmp.path().join("cache/v1/github.com/oklog").exists());
}

/// `GOPROXY=off`, an empty module cache and an empty licence cache: exit 0, every module `NOASSERTION` in SPDX 2.3,
/// exactly one warning; stdlib keeps Go's licence, the main module `--license`.
#[test]
fn goproxy_off_with_empty_cache_is_noassertion_and_one_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cache = tmp.path().join("cache").display().to_string();
    let j = generate(
        &TestProvider::Framework.zip("linux_amd64"),
        &out,
        &[
            "--licenses",
            "goproxy",
            "--license-cache",
            &cache,
            "--license",
            "MPL-2.0",
        ],
        &[("GOMODCACHE", &tmp.path().join("empty"))],
        "off",
    );
    let warnings = j["licenseWarnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["kind"], "not-found");
    assert_eq!(warnings[0]["modules"].as_array().unwrap().len(), 23);
    assert!(
        warnings[0]["message"].as_str().unwrap().starts_with(
            "no module ZIP found in GOPROXY=off for 23 module(s) (github.com/fatih/color@v1.18.0, "
        ),
        "{warnings:?}"
    );
    let doc: Value = serde_json::from_slice(
        &std::fs::read(out.join("terraform-provider-tsbfw_0.3.1_linux_amd64.spdx.json")).unwrap(),
    )
    .unwrap();
    let mut by_licence: BTreeMap<String, usize> = BTreeMap::new();
    for p in doc["packages"].as_array().unwrap() {
        assert_eq!(p["licenseDeclared"], p["licenseConcluded"]);
        *by_licence
            .entry(p["licenseDeclared"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    // 23 modules: NOASSERTION; stdlib: BSD-3-Clause; provider, its binary (BSI's distribution licence of the
    // executable) and main module: MPL-2.0.
    let expected: BTreeMap<String, usize> =
        [("BSD-3-Clause", 1), ("MPL-2.0", 3), ("NOASSERTION", 23)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    assert_eq!(by_licence, expected);
}

/// `verify --release` re-derives the licences from the source the stored SBOMs record (`modcache`, and the
/// provider's `--license`): identical bytes with the same module cache; without it, every module's licence differs.
#[test]
fn verify_release_rederives_licences_from_the_recorded_source() {
    publish_then_verify(false);
}

/// The same after `mirror RELEASE-DIR oci-layout:…` with `--licenses modcache`.
#[test]
fn mirror_with_licences_verifies_against_the_release() {
    publish_then_verify(true);
}

fn publish_then_verify(mirror: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let target = format!("oci-layout:{}", tmp.path().join("layout").display());
    let release = TestProvider::Framework.release_dir();
    let modcache = provider_modcache();
    let empty = tmp.path().join("empty");
    let tofu = |args: &[&str], gomodcache: &Path, cache: &str| {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = tofu_sbom();
        for v in [
            "GOPROXY",
            "GONOPROXY",
            "GOPRIVATE",
            "GOPATH",
            "XDG_CACHE_HOME",
        ] {
            cmd.env_remove(v);
        }
        cmd.env("HOME", home.path())
            .env("GOPROXY", "off")
            .env("GOMODCACHE", gomodcache)
            .env("TOFU_SBOM_LICENSE_CACHE", tmp.path().join(cache))
            .args(args);
        run(&mut cmd)
    };
    // `mirror` of a release directory renders (and resolves licences) per release, like `publish`.
    let (cmd, source_args): (&str, Vec<&str>) = if mirror {
        (
            "mirror",
            vec![
                release.to_str().unwrap(),
                &target,
                "--platform",
                "linux_amd64",
            ],
        )
    } else {
        (
            "publish",
            vec![
                release.to_str().unwrap(),
                &target,
                "--platform",
                "linux_amd64",
            ],
        )
    };
    let mut args = vec![cmd];
    args.extend(source_args);
    args.extend([
        "--format",
        "cyclonedx-json,spdx-json,spdx-json@3.0.1",
        "--licenses",
        "modcache",
        "--license",
        "MPL-2.0",
        "-q",
    ]);
    let r = tofu(&args, &modcache, "cache-publish");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let verify = |gomodcache: &Path, cache: &str| {
        tofu(
            &[
                "verify",
                &target,
                "--release",
                release.to_str().unwrap(),
                "--platform",
                "linux_amd64",
                "--json",
                "-q",
            ],
            gomodcache,
            cache,
        )
    };
    let ok = verify(&modcache, "cache-verify");
    assert_eq!(ok.code, 0, "{}", String::from_utf8_lossy(&ok.stdout));
    let v = ok.json();
    assert_eq!(v["release"]["settings"]["licenses"], "modcache");
    let checks = v["release"]["subjects"]["linux_amd64"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    assert!(
        checks
            .iter()
            .all(|c| c["comparison"] == "identical" && c["ok"] == true),
        "{checks:?}"
    );
    // Without the module cache (and a fresh licence cache) the modules have no licence: every document differs.
    let bad = verify(&empty, "cache-empty");
    assert_eq!(bad.code, 1);
    let v = bad.json();
    let checks = v["release"]["subjects"]["linux_amd64"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["ok"] == false), "{checks:?}");
}
