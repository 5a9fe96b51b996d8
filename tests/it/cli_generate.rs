//! `tofu-sbom generate` as users run it (issue 3): the real binary on the committed sample release and on the
//! 7-platform buf release. Exact file sets, byte-identical reruns, timestamps, lock-file hashes against independent
//! computations (`sha256sum`, `scripts/h1.py`), the official validators, both Trivy versions on every buf platform,
//! GoReleaser's `sboms` step emulated as its source runs it, and bad releases that must leave nothing behind.
//!
//! Needs the test cache (`./scripts/test`, or `./scripts/deps && ./scripts/fixtures`).

use crate::support;
use crate::support::cli as cli_support;
use crate::support::sbom as sbom_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{
    Run, copy_dir, dir_names, provider_entry, run, sha256sum, tofu_sbom, tofu_sbom_run, tree, unzip,
};
use sbom_support::{Expectation, PkgSet, diff, trivy_old_sbom, trivy_rootfs, trivy_sbom};
use serde_json::{Value, json};
use support::{
    BUF_PLATFORMS, BUF_VERSION, buf_release_dir, repo_root, sample_release_dir, trivy_old,
    trivy_old_cache,
};

const SAMPLE: &str = "terraform-provider-sample_0.1.0";
const SAMPLE_PLATFORMS: [&str; 3] = ["darwin_arm64", "linux_amd64", "windows_amd64"];
/// The newest entry time of the sample ZIPs (their extended-timestamp field): the default SBOM timestamp.
const SAMPLE_TIME: &str = "2025-03-04T05:06:07Z";

fn sample_zip(platform: &str) -> PathBuf {
    sample_release_dir().join(format!("{SAMPLE}_{platform}.zip"))
}

/// `python3 scripts/h1.py ZIP`: an independent re-implementation of OpenTofu's `h1:` (HashDir over the unpacked files).
fn h1_py(zip: &Path) -> String {
    let out = Command::new("python3")
        .arg(repo_root().join("scripts/h1.py"))
        .arg(zip)
        .output()
        .expect("run python3 scripts/h1.py");
    assert!(
        out.status.success(),
        "h1.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `tofu-sbom generate ARGS...` with `env` set.
fn generate(args: &[&Path], env: &[(&str, &str)]) -> Run {
    let mut cmd = tofu_sbom();
    cmd.arg("generate").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

/// The document file names of the sample release for `exts`: per platform (in platform order), then release-wide.
fn sample_docs(platforms: &[&str], exts: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for pl in platforms {
        for ext in exts {
            names.push(format!("{SAMPLE}_{pl}{ext}"));
        }
    }
    for ext in exts {
        names.push(format!("{SAMPLE}{ext}"));
    }
    names
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The sample release with `--lockfile` and `--json`: the exact files, the exact lock block (`zh:` = `sha256sum`,
/// `h1:` = `scripts/h1.py`) and the exact JSON summary, every digest computed independently.
#[test]
fn sample_release_files_lockfile_and_json() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let lock = out.join("lock.hcl");
    let res = generate(
        &[
            &sample_release_dir(),
            p("-o"),
            &out,
            p("--lockfile"),
            &lock,
            p("--json"),
        ],
        &[],
    )
    .expect_code(0);
    assert_eq!(res.stderr, "");
    let docs = sample_docs(&SAMPLE_PLATFORMS, &[".cdx.json", ".spdx.json"]);
    let mut files = docs.clone();
    files.push("lock.hcl".into());
    assert_eq!(dir_names(&out), sorted(files));

    let extracted = work.path().join("unzipped");
    let mut platforms = Vec::new();
    let mut hashes = Vec::new();
    for pl in SAMPLE_PLATFORMS {
        let zip = sample_zip(pl);
        let entry = provider_entry(&zip);
        unzip(&zip, &extracted.join(pl));
        let zip_sha = sha256sum(&zip);
        let h1 = h1_py(&zip);
        hashes.push(format!("zh:{zip_sha}"));
        hashes.push(h1.clone());
        platforms.push(json!({
            "platform": pl,
            "zip": format!("{SAMPLE}_{pl}.zip"),
            "zipSha256": zip_sha,
            "binary": entry,
            "binarySha256": sha256sum(&extracted.join(pl).join(&entry)),
            "goVersion": format!("go{}", support::GO_VERSION),
            "modules": 4,
            "zh": format!("zh:{zip_sha}"),
            "h1": h1,
        }));
    }
    hashes.sort();
    let expected_lock = format!(
        "provider \"registry.opentofu.org/example/sample\" {{\n  version = \"0.1.0\"\n  hashes = [\n{}  ]\n}}\n",
        hashes
            .iter()
            .map(|h| format!("    \"{h}\",\n"))
            .collect::<String>()
    );
    assert_eq!(support::read_text(&lock), expected_lock);

    let documents: Vec<Value> = docs
        .iter()
        .map(|name| {
            let path = out.join(name);
            let subject = SAMPLE_PLATFORMS
                .iter()
                .find(|pl| name.contains(&format!("_{pl}.")))
                .map_or("release", |pl| pl);
            let format = if name.ends_with(".cdx.json") {
                "cyclonedx-json@1.6"
            } else {
                "spdx-json@2.3"
            };
            json!({
                "file": path.display().to_string(),
                "format": format,
                "subject": subject,
                "sha256": sha256sum(&path),
            })
        })
        .collect();
    pretty_assertions::assert_eq!(
        res.json(),
        json!({
            "providerType": "sample",
            "version": "0.1.0",
            "provider": "registry.opentofu.org/example/sample",
            "timestamp": SAMPLE_TIME,
            "platforms": platforms,
            "documents": documents,
            "lockfile": lock.display().to_string(),
        })
    );

    // Without --json: the summary table on stdout, one line per written file on stderr.
    let again = work.path().join("again");
    let res = generate(&[&sample_release_dir(), p("-o"), &again], &[]).expect_code(0);
    let sha = |pl: &str| platforms_field(&platforms, pl, "binarySha256");
    assert_eq!(
        res.out(),
        format!(
            "PLATFORM       GO        MODULES  BINARY SHA-256\n\
             darwin_arm64   go1.27.3        4  {}\n\
             linux_amd64    go1.27.3        4  {}\n\
             windows_amd64  go1.27.3        4  {}\n",
            sha("darwin_arm64"),
            sha("linux_amd64"),
            sha("windows_amd64")
        )
    );
    assert_eq!(
        res.stderr,
        docs.iter()
            .map(|d| format!("tofu-sbom: wrote {}\n", again.join(d).display()))
            .collect::<String>()
    );
}

fn platforms_field(platforms: &[Value], platform: &str, field: &str) -> String {
    platforms
        .iter()
        .find(|p| p["platform"] == platform)
        .and_then(|p| p[field].as_str())
        .expect("field")
        .to_owned()
}

/// Two runs give byte-identical files, and so does a run under another time zone.
#[test]
fn reproducible_across_runs_and_time_zones() {
    let work = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for (name, tz) in [("a", None), ("b", None), ("c", Some("Asia/Kolkata"))] {
        let out = work.path().join(name);
        let lock = out.join("lock.hcl");
        let env: Vec<(&str, &str)> = tz.map(|tz| ("TZ", tz)).into_iter().collect();
        generate(
            &[&sample_release_dir(), p("-o"), &out, p("--lockfile"), &lock],
            &env,
        )
        .expect_code(0);
        trees.push(tree(&out));
    }
    assert_eq!(trees[0].len(), 9);
    assert!(trees[0] == trees[1], "two runs differ");
    assert!(trees[0] == trees[2], "TZ=Asia/Kolkata changed the output");
}

/// The document with its own timestamps (CycloneDX `metadata.timestamp`, SPDX `creationInfo.created` and every
/// `annotationDate`) equal to `time` replaced by `<T>`, and its serial number / namespace (derived from the content,
/// timestamp included) removed. Other values equal to `time` (e.g. a `vcs.time` build setting) stay.
fn without_time(bytes: &[u8], time: &str) -> Value {
    fn walk(v: &mut Value, time: &str) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if matches!(k.as_str(), "timestamp" | "created" | "annotationDate")
                        && *child == time
                    {
                        *child = Value::from("<T>");
                    } else {
                        walk(child, time);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|c| walk(c, time)),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    walk(&mut v, time);
    let obj = v.as_object_mut().unwrap();
    obj.remove("serialNumber");
    obj.remove("documentNamespace");
    v
}

/// The document's own timestamp: CycloneDX `metadata.timestamp`, SPDX `creationInfo.created`.
fn doc_time(bytes: &[u8]) -> String {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    v["metadata"]["timestamp"]
        .as_str()
        .or_else(|| v["creationInfo"]["created"].as_str())
        .expect("a document timestamp")
        .to_owned()
}

/// `SOURCE_DATE_EPOCH` sets the timestamp (and only what derives from it); `--timestamp now` takes the clock.
#[test]
fn source_date_epoch_and_timestamp_now() {
    let work = tempfile::tempdir().unwrap();
    let out = |n: &str| work.path().join(n);
    generate(&[&sample_release_dir(), p("-o"), &out("default")], &[]).expect_code(0);
    for n in ["sde", "sde2"] {
        generate(
            &[&sample_release_dir(), p("-o"), &out(n)],
            &[("SOURCE_DATE_EPOCH", "1700000000")],
        )
        .expect_code(0);
    }
    let default = tree(&out("default"));
    let sde = tree(&out("sde"));
    assert!(sde == tree(&out("sde2")), "SOURCE_DATE_EPOCH runs differ");
    assert_eq!(default.len(), 8);
    assert_eq!(
        default.keys().collect::<Vec<_>>(),
        sde.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &default {
        let other = &sde[name];
        assert_eq!(doc_time(bytes), SAMPLE_TIME, "{}", name.display());
        assert_eq!(
            doc_time(other),
            "2023-11-14T22:13:20Z",
            "{}",
            name.display()
        );
        assert_ne!(bytes, other);
        pretty_assertions::assert_eq!(
            without_time(bytes, SAMPLE_TIME),
            without_time(other, "2023-11-14T22:13:20Z"),
            "{}",
            name.display()
        );
    }

    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    generate(
        &[
            &sample_release_dir(),
            p("-o"),
            &out("now"),
            p("--timestamp"),
            p("now"),
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    )
    .expect_code(0);
    let after = time::OffsetDateTime::now_utc().unix_timestamp();
    for (name, bytes) in tree(&out("now")) {
        let t = time::OffsetDateTime::parse(
            &doc_time(&bytes),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
        .unix_timestamp();
        assert!(
            (before..=after).contains(&t),
            "{}: {t} not in {before}..={after}",
            name.display()
        );
        assert_ne!(bytes, default[&name]);
    }
}

/// `--platform` selects one platform (its documents plus a release-wide one of it alone); `--format` selects formats,
/// CycloneDX 1.5 beside 1.6 is written as `.cdx15.json`; every document validates (CycloneDX 1.6/1.5 schema, SPDX
/// with pyspdxtools and the NTIA checker).
#[test]
fn platform_and_format_selection_and_validation() {
    let work = tempfile::tempdir().unwrap();
    let one = work.path().join("one");
    let res = generate(
        &[
            &sample_release_dir(),
            p("-o"),
            &one,
            p("--platform"),
            p("linux_amd64"),
            p("--json"),
        ],
        &[],
    )
    .expect_code(0);
    assert_eq!(
        dir_names(&one),
        sorted(sample_docs(&["linux_amd64"], &[".cdx.json", ".spdx.json"]))
    );
    let summary = res.json();
    let platforms: Vec<&str> = summary["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["linux_amd64"]);
    let release_doc = support::read_text(&one.join(format!("{SAMPLE}.cdx.json")));
    assert!(release_doc.contains(&format!("{SAMPLE}_linux_amd64.zip")));
    for other in ["darwin_arm64", "windows_amd64"] {
        assert!(!release_doc.contains(other), "{other} in the release doc");
    }

    let cdx15 = work.path().join("cdx15");
    generate(
        &[
            &sample_release_dir(),
            p("-o"),
            &cdx15,
            p("--format"),
            p("cyclonedx-json@1.5"),
        ],
        &[],
    )
    .expect_code(0);
    let names = sample_docs(&SAMPLE_PLATFORMS, &[".cdx.json"]);
    assert_eq!(dir_names(&cdx15), sorted(names.clone()));
    for n in &names {
        let v: Value = serde_json::from_str(&support::read_text(&cdx15.join(n))).unwrap();
        assert_eq!(v["specVersion"], "1.5", "{n}");
    }

    let all = work.path().join("all");
    generate(
        &[
            &sample_release_dir(),
            p("-o"),
            &all,
            p("--format"),
            p("cyclonedx-json,cyclonedx-json@1.5,spdx-json"),
        ],
        &[],
    )
    .expect_code(0);
    let names = sample_docs(
        &SAMPLE_PLATFORMS,
        &[".cdx.json", ".cdx15.json", ".spdx.json"],
    );
    assert_eq!(dir_names(&all), sorted(names.clone()));
    for n in &names {
        let v: Value = serde_json::from_str(&support::read_text(&all.join(n))).unwrap();
        let want = if n.ends_with(".cdx.json") {
            json!("1.6")
        } else if n.ends_with(".cdx15.json") {
            json!("1.5")
        } else {
            Value::Null
        };
        assert_eq!(v["specVersion"], want, "{n}");
    }
    // The 1.5 documents beside 1.6 are the same as when written alone.
    for pl in SAMPLE_PLATFORMS {
        assert_eq!(
            std::fs::read(all.join(format!("{SAMPLE}_{pl}.cdx15.json"))).unwrap(),
            std::fs::read(cdx15.join(format!("{SAMPLE}_{pl}.cdx.json"))).unwrap()
        );
    }
    let files: Vec<PathBuf> = names.iter().map(|n| all.join(n)).collect();
    // The sample binaries replace a module by a local directory, which has no version: NTIA's "all component versions"
    // is the one check that must fail (tests/sbom_validate.rs); the buf release passes it (see the buf test).
    let report = sbom_support::validate(&files, false);
    assert_eq!(report.matches("OK ").count(), 12, "{report}");
    for f in files
        .iter()
        .filter(|f| f.to_string_lossy().ends_with(".spdx.json"))
    {
        assert_eq!(
            ntia_failures(f),
            ["All component versions provided?"],
            "{}",
            f.display()
        );
    }
}

/// The requirements `ntia-checker --comply ntia` reports as not met.
fn ntia_failures(file: &Path) -> Vec<String> {
    let out = Command::new(support::python_tools_bin("ntia-checker"))
        .args(["--comply", "ntia"])
        .arg(file)
        .output()
        .expect("run ntia-checker");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.trim_end().ends_with("| False"))
        .map(|l| l.split('|').next().unwrap_or_default().trim().to_owned())
        .collect()
}

/// Trivy 0.44.1 `rootfs` once over a directory holding one subdirectory per platform: the package set per
/// subdirectory (its results' `Target` starts with `SUBDIR/`).
fn trivy_old_rootfs_by_platform(dir: &Path, work: &Path) -> BTreeMap<String, PkgSet> {
    let out = support::trivy_command(
        trivy_old(),
        &trivy_old_cache(&work.join("trivy-old-rootfs-cache")),
    )
    .args([
        "rootfs",
        "--scanners",
        "vuln",
        "--skip-db-update",
        "--offline-scan",
        "--list-all-pkgs",
        "--format",
        "json",
        "-q",
    ])
    .arg(dir)
    .output()
    .expect("run Trivy 0.44.1");
    assert!(
        out.status.success(),
        "Trivy 0.44.1 rootfs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("Trivy JSON");
    let mut sets = BTreeMap::new();
    for result in v["Results"].as_array().into_iter().flatten() {
        let target = result["Target"].as_str().expect("Target");
        let platform = target.split('/').next().expect("subdir").to_owned();
        let set: &mut PkgSet = sets.entry(platform).or_default();
        for p in result["Packages"].as_array().into_iter().flatten() {
            set.insert((
                p["Name"].as_str().unwrap_or_default().to_owned(),
                p["Version"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    sets
}

/// The real 7-platform buf release, every platform: current Trivy `sbom` on our CycloneDX 1.6 and on our SPDX lists
/// exactly what current Trivy `rootfs` lists for the extracted binary, except that the main module carries the
/// release version; Trivy 0.44.1 on our CycloneDX 1.5 lists its own `rootfs` set plus stdlib and the main module.
#[test]
fn buf_release_every_platform_reads_back_in_both_trivy_versions() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("sboms");
    generate(
        &[
            &buf_release_dir(),
            p("-o"),
            &out,
            p("--format"),
            p("cyclonedx-json,cyclonedx-json@1.5,spdx-json"),
            p("-q"),
        ],
        &[],
    )
    .expect_code(0);
    let stem = |pl: &str| format!("terraform-provider-buf_{BUF_VERSION}_{pl}");
    let mut expected_files: Vec<String> = BUF_PLATFORMS
        .iter()
        .flat_map(|pl| {
            [".cdx.json", ".cdx15.json", ".spdx.json"].map(|e| format!("{}{e}", stem(pl)))
        })
        .collect();
    for e in [".cdx.json", ".cdx15.json", ".spdx.json"] {
        expected_files.push(format!("terraform-provider-buf_{BUF_VERSION}{e}"));
    }
    assert_eq!(dir_names(&out), sorted(expected_files.clone()));
    // Every SPDX document validates with the NTIA minimum elements too (buf replaces no module locally), and so do
    // the release-wide CycloneDX 1.6 and 1.5 documents, which hold every platform's components (the strict
    // CycloneDX schema validation takes seconds per document of this size; the sample release's documents are all
    // validated in `platform_and_format_selection_and_validation`).
    let files: Vec<PathBuf> = expected_files
        .iter()
        .filter(|n| {
            n.ends_with(".spdx.json")
                || !n.contains("_darwin_") && !n.contains("_linux_") && !n.contains("_windows_")
        })
        .map(|n| out.join(n))
        .collect();
    let report = sbom_support::validate(&files, true);
    assert_eq!(
        report.matches("(pyspdxtools + ntia-checker)").count(),
        8,
        "{report}"
    );
    assert_eq!(
        report.matches("JsonStrictValidator)").count(),
        2,
        "{report}"
    );

    let rootfs = work.path().join("rootfs");
    let mut expectations = BTreeMap::new();
    for pl in BUF_PLATFORMS {
        let zip = buf_release_dir().join(format!("{}.zip", stem(pl)));
        let dir = rootfs.join(pl);
        unzip(&zip, &dir);
        let bi = sbom_support::go_version_m(&dir.join(provider_entry(&zip)));
        let exp = Expectation::from_buildinfo(&bi, BUF_VERSION);
        assert_eq!(exp.main_module, "github.com/bufbuild/buf");

        let trivy_work = work.path().join(format!("trivy-{pl}"));
        let current = trivy_rootfs(&dir, &trivy_work);
        let want = exp.current(&current);
        assert!(want.len() > 80, "{pl}: {}", want.len());
        for ext in [".cdx.json", ".spdx.json"] {
            let got = trivy_sbom(&out.join(format!("{}{ext}", stem(pl))), &trivy_work);
            assert_eq!(got, want, "{pl}{ext}:\n{}", diff(&want, &got));
        }
        expectations.insert(pl.to_owned(), exp);
    }

    // Trivy 0.44.1 (UPX-packed, seconds per run): one rootfs run over all platforms, then one sbom run per platform,
    // two at a time.
    let old_rootfs = trivy_old_rootfs_by_platform(&rootfs, work.path());
    assert_eq!(
        old_rootfs.keys().collect::<Vec<_>>(),
        BUF_PLATFORMS.iter().collect::<Vec<_>>()
    );
    let results: Vec<(String, PkgSet, PkgSet)> = std::thread::scope(|s| {
        let handles: Vec<_> = BUF_PLATFORMS
            .chunks(4)
            .map(|chunk| {
                let (out, work, old_rootfs, expectations) =
                    (&out, work.path(), &old_rootfs, &expectations);
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|pl| {
                            let want = expectations[*pl].old(&old_rootfs[*pl]);
                            let got = trivy_old_sbom(
                                &out.join(format!("{}.cdx15.json", stem(pl))),
                                &work.join(format!("trivy-old-{pl}")),
                            );
                            ((*pl).to_owned(), want, got)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("Trivy thread"))
            .collect()
    });
    assert_eq!(results.len(), 7);
    for (pl, want, got) in results {
        assert!(
            want.iter()
                .any(|(n, v)| n == "stdlib" && v.starts_with("v1.")),
            "{pl}"
        );
        assert_eq!(
            got,
            want,
            "Trivy 0.44.1 on {pl}.cdx15.json:\n{}",
            diff(&want, &got)
        );
    }
}

/// GoReleaser's `sboms` step (`internal/pipe/sbom`), emulated for the recipe in `docs/goreleaser.md`: per archive and
/// per `sboms` entry it runs `cmd` with the working directory `dist`, an environment holding only its pass-through
/// variables (`HOME`, `USER`, `TMPDIR`, `PATH`, …) plus `artifact`, `artifactID`, `document`, `document0` and the
/// entry's `env`, and `args` with `$artifact` expanded to the archive path relative to `dist` and `$document0` to the
/// document path relative to `dist`. It runs before the checksums exist. Then it expects the document files.
#[test]
fn goreleaser_sboms_step_writes_exactly_the_documents() {
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let artifact = format!("{SAMPLE}_linux_amd64.zip");
    std::fs::copy(sample_zip("linux_amd64"), dist.join(&artifact)).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .parent()
        .unwrap()
        .to_path_buf();
    // The recipe is read from docs/goreleaser.md itself (and the README's copy must be the same block), so the
    // documented YAML is what runs here: per entry its `documents[0]` template, `args` and `env`.
    for entry in goreleaser_recipe() {
        assert_eq!(entry.artifacts, "archive");
        assert_eq!(entry.cmd, "tofu-sbom");
        let ext = entry
            .document
            .strip_prefix("{{ trimsuffix .ArtifactName \".zip\" }}")
            .unwrap_or_else(|| panic!("unexpected documents template {:?}", entry.document));
        let id = entry.id.as_str();
        let document0 = format!("{}{ext}", artifact.trim_end_matches(".zip"));
        let expanded: Vec<String> = entry
            .args
            .iter()
            .map(|a| {
                a.replace("$artifact", &artifact)
                    .replace("$document0", &document0)
            })
            .collect();
        assert_eq!(
            entry.env,
            ["SOURCE_DATE_EPOCH={{ .CommitTimestamp }}"],
            "sboms id {id}"
        );
        let res = run(Command::new("tofu-sbom")
            .args(&expanded)
            .current_dir(&dist)
            .env_clear()
            .env("HOME", work.path())
            .env("TMPDIR", work.path())
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("artifact", &artifact)
            .env("artifactID", "default")
            .env("document", &document0)
            .env("document0", &document0)
            .env("SOURCE_DATE_EPOCH", "1741064767"))
        .expect_code(0);
        assert_eq!(
            res.stderr,
            format!(
                "tofu-sbom: info: {artifact}: no SHA256SUMS beside it; read unverified\n\
                 tofu-sbom: wrote {document0}\n"
            ),
            "sboms id {id}"
        );
    }
    assert_eq!(
        dir_names(&dist),
        [
            format!("{SAMPLE}_linux_amd64.cdx.json"),
            format!("{SAMPLE}_linux_amd64.spdx.json"),
            artifact.clone(),
        ]
    );
    // SOURCE_DATE_EPOCH 1741064767 is the sample's newest entry time: the documents equal those of the verified
    // release-wide run.
    let full = work.path().join("full");
    generate(&[&sample_release_dir(), p("-o"), &full], &[]).expect_code(0);
    for ext in [".cdx.json", ".spdx.json"] {
        let name = format!("{SAMPLE}_linux_amd64{ext}");
        assert!(
            std::fs::read(dist.join(&name)).unwrap() == std::fs::read(full.join(&name)).unwrap(),
            "{name} differs from the release-wide run"
        );
    }
    let files = [
        dist.join(format!("{SAMPLE}_linux_amd64.cdx.json")),
        dist.join(format!("{SAMPLE}_linux_amd64.spdx.json")),
    ];
    sbom_support::validate(&files, false);

    // --output-file is for one platform only.
    let res = tofu_sbom_run([
        p("generate"),
        &sample_release_dir(),
        p("--output-file"),
        &work.path().join("x.spdx.json"),
    ]);
    assert_eq!(res.code, 2);
    let res = generate(
        &[
            &sample_release_dir(),
            p("--output-file"),
            p("spdx-json=x.json"),
        ],
        &[],
    )
    .expect_code(2);
    assert_eq!(
        res.stderr,
        "tofu-sbom: error: --output-file needs a release of exactly one platform, this one has 3 \
         (darwin_arm64, linux_amd64, windows_amd64); use -o DIR or --platform\n"
    );
}

/// Runs `generate` on a broken release copy: exit 2, exactly `message` on stderr, and neither the release directory
/// nor the output directory gains a file.
fn assert_refused(release: &Path, extra: &[&str], message: &str) {
    let dir = if release.is_dir() {
        release.to_path_buf()
    } else {
        release.parent().unwrap().to_path_buf()
    };
    let before = tree(&dir);
    let out = dir.parent().unwrap().join("out");
    let lock = dir.join("lock.hcl");
    // Next to the ZIPs (the default) and into -o.
    for with_out in [false, true] {
        let mut cmd = tofu_sbom();
        cmd.arg("generate")
            .arg(release)
            .arg("--lockfile")
            .arg(&lock)
            .args(extra);
        if with_out {
            cmd.arg("-o").arg(&out);
        }
        let res = run(&mut cmd).expect_code(2);
        assert_eq!(res.stderr, format!("tofu-sbom: error: {message}\n"));
        assert_eq!(res.stdout, b"");
        assert!(tree(&dir) == before, "{} changed", dir.display());
        assert!(!out.exists(), "{} was created", out.display());
    }
}

#[test]
fn tampered_zip_is_refused_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let rel = work.path().join("rel");
    copy_dir(&sample_release_dir(), &rel);
    let zip = rel.join(format!("{SAMPLE}_linux_amd64.zip"));
    let mut bytes = std::fs::read(&zip).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&zip, &bytes).unwrap();
    let actual = sha256sum(&zip);
    let listed = sha256sum(&sample_zip("linux_amd64"));
    assert_refused(
        &rel,
        &[],
        &format!(
            "{}: SHA-256 {actual} does not match {listed} listed in {}",
            zip.display(),
            rel.join(format!("{SAMPLE}_SHA256SUMS")).display()
        ),
    );
}

#[test]
fn zip_missing_from_sha256sums_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let rel = work.path().join("rel");
    copy_dir(&sample_release_dir(), &rel);
    let sums = rel.join(format!("{SAMPLE}_SHA256SUMS"));
    let kept: String = support::read_text(&sums)
        .lines()
        .filter(|l| !l.contains("windows_amd64"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&sums, kept).unwrap();
    let zip = rel.join(format!("{SAMPLE}_windows_amd64.zip"));
    let message = format!("{}: not listed in {}", zip.display(), sums.display());
    assert_refused(&rel, &[], &message);
    // Also when the ZIP is named alone (its SHA256SUMS lies beside it).
    assert_refused(&zip, &[], &message);
}

#[test]
fn v_prefixed_names_are_refused() {
    let work = tempfile::tempdir().unwrap();
    let rel = work.path().join("rel");
    std::fs::create_dir_all(&rel).unwrap();
    let zip = rel.join("terraform-provider-sample_v0.1.0_linux_amd64.zip");
    std::fs::copy(sample_zip("linux_amd64"), &zip).unwrap();
    let message = format!(
        "{}: version \"v0.1.0\" has a \"v\" prefix; release files must use the bare version (0.1.0)",
        zip.display()
    );
    assert_refused(&rel, &[], &message);
    assert_refused(&zip, &[], &message);
}

#[test]
fn zip_whose_binary_is_not_go_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let rel = work.path().join("rel");
    std::fs::create_dir_all(&rel).unwrap();
    let zip = rel.join(format!("{SAMPLE}_linux_amd64.zip"));
    let not_go = std::fs::read(repo_root().join("testdata/hostile/bin/not-go.elf")).unwrap();
    std::fs::write(
        &zip,
        sbom_support::zip_one("terraform-provider-sample_v0.1.0", &not_go),
    )
    .unwrap();
    assert_refused(
        &zip,
        &["-q"],
        &format!(
            "{}!terraform-provider-sample_v0.1.0: not a Go executable: this ELF file has no Go build info \
             (searched the writable PT_LOAD segments)",
            zip.display()
        ),
    );
}

/// `--lockfile` needs the provider address: buf's main module does not name one, so without `--provider` nothing is
/// written and the error says what to pass.
#[test]
fn lockfile_without_a_derivable_address_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let rel = work.path().join("rel");
    std::fs::create_dir_all(&rel).unwrap();
    let zip = rel.join(format!(
        "terraform-provider-buf_{BUF_VERSION}_linux_arm64.zip"
    ));
    std::fs::copy(buf_release_dir().join(zip.file_name().unwrap()), &zip).unwrap();
    assert_refused(
        &zip,
        &["-q"],
        "the provider address is needed for --lockfile: pass --provider HOST/NAMESPACE/TYPE \
         (the namespace could not be derived from the main module path \"github.com/bufbuild/buf\")",
    );
    let out = work.path().join("ok");
    let lock = out.join("lock.hcl");
    generate(
        &[
            &zip,
            p("-q"),
            p("-o"),
            &out,
            p("--lockfile"),
            &lock,
            p("--provider"),
            p("bufbuild/buf"),
        ],
        &[],
    )
    .expect_code(0);
    let text = support::read_text(&lock);
    assert!(text.starts_with(
        "provider \"registry.opentofu.org/bufbuild/buf\" {\n  version = \"1.74.0\"\n"
    ));
    assert!(
        text.contains(&format!("\"zh:{}\"", sha256sum(&zip))),
        "{text}"
    );
    assert!(text.contains(&format!("\"{}\"", h1_py(&zip))), "{text}");
}

/// A `go mod vendor` build records no `h1:` sums for its dependencies (real binary, built with `-mod=vendor` by
/// scripts/fixtures): generate still writes the SBOMs, and warns once per ZIP with the count (3 of 4: the local-path
/// replacement never has a sum and is not counted) and the first such module — scanners trust these versions.
#[test]
fn vendored_build_without_sums_is_warned_about() {
    let work = tempfile::tempdir().unwrap();
    let rel = work.path().join("rel");
    std::fs::create_dir_all(&rel).unwrap();
    let zip = rel.join("terraform-provider-vend_1.0.0_linux_amd64.zip");
    let binary = std::fs::read(support::go_fixture("linux_amd64_vendor/gofixture")).unwrap();
    std::fs::write(
        &zip,
        sbom_support::zip_one("terraform-provider-vend_v1.0.0", &binary),
    )
    .unwrap();
    let out_dir = work.path().join("out");
    let r = tofu_sbom_run([
        "generate".as_ref(),
        zip.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
    ])
    .expect_code(0);
    let stderr = r.stderr;
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("tofu-sbom: warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "tofu-sbom: warning: terraform-provider-vend_1.0.0_linux_amd64.zip: 3 of 4 dependencies carry no go.sum \
             hash (h1:), e.g. example.com/colors@v0.3.0; typical of a `go mod vendor` build, whose module versions \
             can be wrong — build with the module proxy for reliable versions"
        ],
        "{stderr}"
    );
    assert_eq!(
        dir_names(&out_dir),
        [
            "terraform-provider-vend_1.0.0.cdx.json",
            "terraform-provider-vend_1.0.0.spdx.json",
            "terraform-provider-vend_1.0.0_linux_amd64.cdx.json",
            "terraform-provider-vend_1.0.0_linux_amd64.spdx.json",
        ]
    );
    // -q silences warnings too.
    let quiet = tofu_sbom_run([
        "generate".as_ref(),
        zip.as_os_str(),
        "-o".as_ref(),
        work.path().join("out2").as_os_str(),
        "-q".as_ref(),
    ])
    .expect_code(0);
    assert_eq!(quiet.stderr, "");
}

/// One `sboms` entry of the documented GoReleaser recipe.
struct SbomsEntry {
    id: String,
    artifacts: String,
    cmd: String,
    document: String,
    args: Vec<String>,
    env: Vec<String>,
}

/// The ```yaml block holding `sboms:` in a Markdown file.
fn sboms_block(markdown: &str) -> String {
    let start = markdown
        .find("```yaml\nsboms:\n")
        .expect("a ```yaml block starting with sboms:")
        + "```yaml\n".len();
    let len = markdown[start..].find("```").expect("the block ends");
    markdown[start..start + len].to_owned()
}

/// The recipe of docs/goreleaser.md, parsed; the README shows the same block.
fn goreleaser_recipe() -> Vec<SbomsEntry> {
    use yaml_rust2::YamlLoader;
    let docs =
        sboms_block(&std::fs::read_to_string(repo_root().join("docs/goreleaser.md")).unwrap());
    let readme = sboms_block(&std::fs::read_to_string(repo_root().join("README.md")).unwrap());
    assert_eq!(
        readme, docs,
        "README.md and docs/goreleaser.md show different sboms recipes"
    );
    let yaml = YamlLoader::load_from_str(&docs).expect("the recipe is YAML");
    let text = |y: &yaml_rust2::Yaml| y.as_str().expect("a string").to_owned();
    let list = |y: &yaml_rust2::Yaml| -> Vec<String> {
        y.as_vec().expect("a list").iter().map(text).collect()
    };
    let entries: Vec<SbomsEntry> = yaml[0]["sboms"]
        .as_vec()
        .expect("sboms is a list")
        .iter()
        .map(|e| {
            let documents = list(&e["documents"]);
            assert_eq!(
                documents.len(),
                1,
                "artifacts: archive allows one document per entry"
            );
            SbomsEntry {
                id: text(&e["id"]),
                artifacts: text(&e["artifacts"]),
                cmd: text(&e["cmd"]),
                document: documents[0].clone(),
                args: list(&e["args"]),
                env: list(&e["env"]),
            }
        })
        .collect();
    assert_eq!(
        entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["cyclonedx", "spdx"]
    );
    entries
}
