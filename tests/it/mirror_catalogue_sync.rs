//! A daily catalogue sync at scale (issue 14's test list): many providers × versions × 4 platforms of small real Go
//! binaries (the fixture matrix's `gofixture`), GPG-signed `SHA256SUMS`, served by in-test provider registries (the
//! provider registry protocol, which nothing installable here serves: `support::mirror::server`), mirrored with
//! `mirror --from-file` into one real distribution 2.8 registry (no referrers API: every SBOM goes through a
//! fallback tag). What is asserted comes from the registry's access log and the provider servers' request counts:
//!
//! * the first sync mirrors everything but the one tampered version, which fails its entry alone (exit 2) and is
//!   never tagged, while the entry's intact version lands and is reported;
//! * the next sync, after upstream fixed that version and published a new one elsewhere, downloads and uploads the
//!   blobs of exactly those two versions;
//! * a third sync uploads nothing;
//! * three shards run at once against one registry cover every provider exactly once;
//! * a single `mirror --all-matching` with one tampered version mirrors the others and reports all of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::mirror_catalogue::{entries_with, tofu};
use crate::support::mirror::{ProviderFixture, gofixture_bases};
use crate::support::{Registry, RegistryOpts};

/// `cat/p0` … `cat/p{n-1}`, each at `versions`, each on its own server with its own signing key.
fn catalogue(n: usize, versions: &[&str]) -> Vec<ProviderFixture> {
    let bases = gofixture_bases();
    (0..n)
        .map(|i| ProviderFixture::with_binaries_versions("cat", &format!("p{i}"), versions, &bases))
        .collect()
}

/// The catalogue file: every provider, every version (`--all-matching`).
fn write_catalogue(dir: &Path, fixtures: &[ProviderFixture]) -> String {
    let file = dir.join("providers.txt");
    let mut text = String::from("# the providers our modules use\n");
    for fx in fixtures {
        text.push_str(&format!("{}@>= 1.0.0\n", fx.address()));
    }
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_owned()
}

/// `(repository, digest)` of every blob upload completed in `requests` (the `PUT …/blobs/uploads/…?digest=`).
fn uploaded_blobs(requests: &[String]) -> BTreeSet<(String, String)> {
    requests
        .iter()
        .filter(|r| r.starts_with("PUT /v2/") && r.contains("/blobs/uploads/"))
        .map(|r| {
            let repo = r["PUT /v2/".len()..r.find("/blobs/uploads/").unwrap()].to_owned();
            let digest = r
                .split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("digest="))
                .unwrap_or_else(|| panic!("no digest in {r}"))
                .replace("%3A", ":")
                .replace("%3a", ":");
            (repo, digest)
        })
        .collect()
}

/// The version tags of `repo` (fallback tags `sha256-…` left out), sorted.
fn version_tags(reg: &Registry, repo: &str) -> Vec<String> {
    let r = reg.request("GET", &format!("/v2/{repo}/tags/list"), &[]);
    let v: Value = serde_json::from_str(&r.text()).unwrap_or_else(|e| panic!("{e}: {}", r.text()));
    let mut tags: Vec<String> = v["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str())
                .filter(|t| !t.starts_with("sha256-"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags
}

/// `(version, alreadyPresent)` of each version an entry reports.
type Versions = Vec<(String, bool)>;

/// `(line, status, versions)` of every entry.
fn entry_results(out: &Value) -> Vec<(u64, String, Versions)> {
    entries_with(out, |e| {
        e["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_str().unwrap().to_owned(),
                    v["alreadyPresent"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    })
}

/// How many times each ZIP of each version of `fixtures` was downloaded.
fn zip_downloads(fixtures: &[ProviderFixture]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for fx in fixtures {
        for v in &fx.versions {
            for p in &v.packages {
                out.insert(
                    (fx.provider_type.clone(), p.file_name.clone()),
                    fx.server.count(&fx.files_path(&v.version, &p.file_name)),
                );
            }
        }
    }
    out
}

#[test]
fn a_catalogue_syncs_incrementally_and_a_tampered_version_fails_its_entry_alone() {
    let mut fixtures = catalogue(8, &["1.0.0", "1.1.0"]);
    // Upstream serves a corrupted linux_amd64 ZIP of p3 1.1.0 (its signed SHA256SUMS still lists the real one).
    let good = fixtures[3].version("1.1.0").packages[1].bytes.clone();
    {
        let p = &mut fixtures[3].version_mut("1.1.0").packages[1];
        assert_eq!(p.file_name, "terraform-provider-p3_1.1.0_linux_amd64.zip");
        let mid = p.bytes.len() / 2;
        p.bytes[mid] ^= 0xff;
    }
    fixtures[3].publish();
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let file = write_catalogue(home.path(), &fixtures);
    let target = format!("{}/mirror/${{namespace}}/${{type}}", reg.host);
    let sync = |work: &str| {
        let work = home.path().join(work);
        tofu(
            home.path(),
            &[
                "mirror",
                "--from-file",
                &file,
                &target,
                "--all-matching",
                "--jobs",
                "3",
                "--work-dir",
                work.to_str().unwrap(),
                "--json",
                "-q",
            ],
        )
    };
    let both = |present: bool| vec![("1.0.0".to_owned(), present), ("1.1.0".to_owned(), present)];

    // 1. First sync: every entry but p3 mirrored in full; p3 fails on its tampered ZIP, and its 1.1.0 is not tagged
    // (its intact 1.0.0, a version of its own, lands).
    let first = sync("work1").expect_code(2).json();
    let results = entry_results(&first);
    for (i, (line, status, versions)) in results.iter().enumerate() {
        assert_eq!(*line, i as u64 + 2, "{first}");
        if i == 3 {
            // The entry fails; the version that did land is reported with it.
            let landed = vec![("1.0.0".to_owned(), false)];
            assert_eq!((status.as_str(), versions), ("failed", &landed), "{first}");
        } else {
            assert_eq!(
                (status.as_str(), versions),
                ("mirrored", &both(false)),
                "{first}"
            );
        }
    }
    let error = first["entries"][3]["error"].as_str().unwrap();
    assert!(
        error.contains("terraform-provider-p3_1.1.0_linux_amd64.zip downloaded from")
            && error.contains("but the signed terraform-provider-p3_1.1.0_SHA256SUMS lists"),
        "{error}"
    );
    assert_eq!(
        first["entries"][3]["failedVersions"],
        json!([{"version": "1.1.0", "error": error}])
    );
    assert_eq!(
        first["entries"][3]["counts"],
        json!({"found": 2, "mirrored": 1, "present": 0, "failed": 1})
    );
    assert_eq!(
        first["entries"][0]["counts"],
        json!({"found": 2, "mirrored": 2, "present": 0, "failed": 0})
    );
    assert_eq!(first["entries"][0].get("failedVersions"), None);
    assert_eq!(version_tags(&reg, "mirror/cat/p3"), vec!["1.0.0"]);
    for i in [0, 7] {
        assert_eq!(
            version_tags(&reg, &format!("mirror/cat/p{i}")),
            vec!["1.0.0", "1.1.0"]
        );
        let tagged = format!("{}/mirror/cat/p{i}:1.1.0", reg.host);
        tofu(home.path(), &["verify", &tagged, "-q"]).expect_code(0);
    }

    // 2. Upstream fixes p3 1.1.0 and publishes p1 1.2.0; the next sync (a fresh runner: empty work directory)
    // downloads and uploads exactly the blobs of those two versions.
    fixtures[3].version_mut("1.1.0").packages[1].bytes = good;
    fixtures[3].publish();
    let bases = gofixture_bases();
    fixtures[1].add_version_from_bases("1.2.0", &bases);
    fixtures[1].publish();
    let downloads_before = zip_downloads(&fixtures);
    let mark = reg.requests().len();
    let second = sync("work2").expect_code(0).json();
    let results = entry_results(&second);
    for (i, (_, status, versions)) in results.iter().enumerate() {
        let expected = match i {
            1 => vec![
                ("1.0.0".to_owned(), true),
                ("1.1.0".to_owned(), true),
                ("1.2.0".to_owned(), false),
            ],
            3 => vec![("1.0.0".to_owned(), true), ("1.1.0".to_owned(), false)],
            _ => both(true),
        };
        assert_eq!(
            (status.as_str(), versions),
            ("mirrored", &expected),
            "{second}"
        );
    }
    assert_eq!(
        second["entries"][1]["counts"],
        json!({"found": 3, "mirrored": 1, "present": 2, "failed": 0})
    );
    let downloads = zip_downloads(&fixtures);
    for (key, n) in &downloads {
        let new = key.1.contains("p1_1.2.0_") || key.1.contains("p3_1.1.0_");
        let before = downloads_before.get(key).copied().unwrap_or(0);
        assert_eq!(*n, before + usize::from(new), "{key:?}");
    }
    let uploads = uploaded_blobs(&reg.requests()[mark..]);
    let repos: BTreeSet<&str> = uploads.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(repos, BTreeSet::from(["mirror/cat/p1", "mirror/cat/p3"]));
    for (fx, repo, version) in [
        (&fixtures[1], "mirror/cat/p1", "1.2.0"),
        (&fixtures[3], "mirror/cat/p3", "1.1.0"),
    ] {
        // Of all the ZIPs this provider has, exactly the new version's four were uploaded.
        let all_zips: BTreeMap<String, &str> = fx
            .versions
            .iter()
            .flat_map(|v| {
                v.packages
                    .iter()
                    .map(|p| (format!("sha256:{}", p.sha256), v.version.as_str()))
            })
            .collect();
        let zips_sent: Vec<&str> = uploads
            .iter()
            .filter(|(r, _)| r == repo)
            .filter_map(|(_, d)| all_zips.get(d).copied())
            .collect();
        assert_eq!(zips_sent, vec![version; 4], "{repo}");
        assert_eq!(
            version_tags(&reg, repo).last().map(String::as_str),
            Some(version)
        );
    }
    let tagged = format!("{}/mirror/cat/p1:1.2.0", reg.host);
    tofu(home.path(), &["verify", &tagged, "-q"]).expect_code(0);

    // 3. Nothing new upstream: no ZIP downloaded, no blob uploaded, every version reported present.
    let downloads_before = zip_downloads(&fixtures);
    let mark = reg.requests().len();
    let third = sync("work3").expect_code(0).json();
    assert!(
        entry_results(&third)
            .iter()
            .all(|(_, s, v)| s == "mirrored" && v.iter().all(|(_, present)| *present)),
        "{third}"
    );
    assert_eq!(third["summary"]["bytes"], 0);
    assert_eq!(zip_downloads(&fixtures), downloads_before);
    let uploads: Vec<String> = reg.requests()[mark..]
        .iter()
        .filter(|r| r.contains("/blobs/uploads/"))
        .cloned()
        .collect();
    assert_eq!(uploads, Vec::<String>::new());
}

#[test]
fn three_shards_at_once_against_one_registry_cover_every_provider_exactly_once() {
    let fixtures = catalogue(9, &["1.0.0"]);
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let file = write_catalogue(home.path(), &fixtures);
    let target = format!("{}/mirror/${{namespace}}/${{type}}", reg.host);
    // Three CI matrix jobs: separate runners (work directories), started together, one registry.
    let outs: Vec<Value> = std::thread::scope(|s| {
        let jobs: Vec<_> = (1..=3)
            .map(|i| {
                let (home, file, target) = (home.path(), &file, &target);
                s.spawn(move || {
                    let work = home.join(format!("runner{i}"));
                    tofu(
                        home,
                        &[
                            "mirror",
                            "--from-file",
                            file,
                            target,
                            "--shard",
                            &format!("{i}/3"),
                            "--work-dir",
                            work.to_str().unwrap(),
                            "--json",
                            "-q",
                        ],
                    )
                    .expect_code(0)
                    .json()
                })
            })
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    let mut mirrored_by: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, out) in outs.iter().enumerate() {
        assert_eq!(out["shard"], format!("{}/3", i + 1));
        for (line, status, versions) in entry_results(out) {
            match status.as_str() {
                "mirrored" => {
                    assert_eq!(versions, vec![("1.0.0".to_owned(), false)], "{out}");
                    *mirrored_by.entry(line).or_default() += 1;
                }
                "skipped" => assert!(versions.is_empty(), "{out}"),
                other => panic!("line {line}: {other}: {out}"),
            }
        }
    }
    // Every line (2 to 10) mirrored by exactly one shard.
    assert_eq!(mirrored_by, (2..=10).map(|l| (l, 1)).collect());
    // Each repository got its version tag written once, and every copy verifies (SBOMs on every subject).
    let requests = reg.requests();
    for fx in &fixtures {
        let repo = format!("mirror/cat/{}", fx.provider_type);
        let tag_puts = requests
            .iter()
            .filter(|r| *r == &format!("PUT /v2/{repo}/manifests/1.0.0"))
            .count();
        assert_eq!(tag_puts, 1, "{repo}");
        let tagged = format!("{}/{repo}:1.0.0", reg.host);
        tofu(home.path(), &["verify", &tagged, "-q"]).expect_code(0);
    }
}

#[test]
fn one_mirror_of_every_matching_version_keeps_the_good_ones_and_reports_the_tampered_one() {
    let mut fixtures = catalogue(1, &["1.0.0", "1.1.0", "1.2.0"]);
    let fx = &mut fixtures[0];
    {
        let p = &mut fx.version_mut("1.1.0").packages[3];
        assert_eq!(p.file_name, "terraform-provider-p0_1.1.0_windows_amd64.zip");
        let mid = p.bytes.len() / 2;
        p.bytes[mid] ^= 0xff;
    }
    fx.publish();
    let reg = Registry::start(RegistryOpts::anonymous());
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    let run = tofu(
        home.path(),
        &[
            "mirror",
            &format!("{}@>= 1.0.0", fx.address()),
            &format!("{}/mirror/p0", reg.host),
            "--all-matching",
            "--work-dir",
            work.to_str().unwrap(),
            "--json",
            "-q",
        ],
    )
    .expect_code(2);
    let out = run.json();
    let landed: Vec<&str> = out["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(landed, ["1.0.0", "1.2.0"], "{out}");
    let failed = out["failedVersions"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{out}");
    assert_eq!(failed[0]["version"], "1.1.0");
    let error = failed[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("terraform-provider-p0_1.1.0_windows_amd64.zip downloaded from"),
        "{error}"
    );
    assert!(
        run.stderr.contains(&format!(
            "tofu-sbom: error: version 1.1.0 failed (the 2 version(s) reported above were mirrored): {error}"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(version_tags(&reg, "mirror/p0"), ["1.0.0", "1.2.0"]);
}
