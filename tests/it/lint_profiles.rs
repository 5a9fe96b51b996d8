//! `lint` (issue 13): the NTIA verdict agrees with the official ntia-conformance-checker 6.0.0 on a corpus — our
//! SPDX 2.3 and SPDX 3.0.1 documents of the real framework provider, Trivy's and Syft's SPDX documents of its binary
//! (generated here with the installed tools), and hand-broken copies of ours (no supplier, no version, no timestamp,
//! no author, no dependencies) — with the exact findings (code + JSON Pointer) for each; BSI TR-03183-2 v2.1 catches
//! CycloneDX 1.5, SPDX 2.3, a root without SHA-512, components without licences and vulnerability data, and agrees
//! with the checker's `--comply bsi` on our SPDX 3; the CLI's exit codes 0/1/2 and `--json`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use tofu_sbom::inventory::{Inventory, License, ModuleLicense};
use tofu_sbom::limits::Limits;
use tofu_sbom::lint::{self, Profile};
use tofu_sbom::sbom::{self, Format};

use crate::support::cli::{generate_every_format, tofu_sbom};
use crate::support::consumers;
use crate::support::providers::TestProvider;
use crate::support::sbom::{python_tools, sample_release_with_licenses};
use crate::support::{trivy, trivy_command};

const PLATFORM: &str = "linux_amd64";

/// `(code, path)` of every finding of `profile` on the file.
fn findings(path: &Path, profile: Profile) -> Vec<(String, String)> {
    let bytes = std::fs::read(path).expect("read SBOM");
    lint::lint(&bytes, profile, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .findings
        .into_iter()
        .map(|f| (f.code.as_str().to_owned(), f.path))
        .collect()
}

/// The codes of the findings, counted: `[("component-supplier", 26), …]` sorted by code.
fn counted(list: &[(String, String)]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut codes: Vec<&str> = list.iter().map(|(c, _)| c.as_str()).collect();
    codes.sort_unstable();
    for c in codes {
        match out.last_mut() {
            Some((last, n)) if last == c => *n += 1,
            _ => out.push((c.to_owned(), 1)),
        }
    }
    out
}

/// Whether ntia-conformance-checker finds the document compliant with `comply` (`ntia`, `bsi`).
fn checker(path: &Path, comply: &str) -> bool {
    let mut cmd = Command::new(python_tools().join("ntia-checker"));
    if path.to_string_lossy().ends_with(".spdx3.json") {
        cmd.args(["--sbom-spec", "spdx3"]);
    }
    let out = cmd
        .args(["--comply", comply])
        .arg(path)
        .output()
        .expect("run ntia-checker");
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        other => panic!(
            "ntia-checker on {}: {other:?}\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Our per-platform documents of the framework provider in every format, written by the CLI into `dir`.
fn ours(dir: &Path) -> Vec<PathBuf> {
    let zip = TestProvider::Framework.zip(PLATFORM);
    generate_every_format(&zip, dir, &["--author", "Jane Doe <jane@example.com>"])
}

#[test]
fn ours_every_profile_and_the_checker_agrees_on_ntia() {
    let dir = tempfile::tempdir().unwrap();
    let files = ours(dir.path());
    let [cdx, cdx15, spdx, spdx3] = [&files[0], &files[1], &files[2], &files[3]];
    for f in &files {
        assert_eq!(findings(f, Profile::Ntia), vec![], "{}", f.display());
    }
    assert!(checker(spdx, "ntia") && checker(spdx3, "ntia"));
    // Licences are off by default: BSI's distribution licence is the only gap of the 27 components in 1.6 / 3.0.1.
    let licence_only = vec![("component-licence".to_owned(), 27)];
    assert_eq!(counted(&findings(cdx, Profile::Bsi21)), licence_only);
    assert_eq!(counted(&findings(spdx3, Profile::Bsi21)), licence_only);
    assert!(!checker(spdx3, "bsi"));
    assert_eq!(
        findings(spdx, Profile::Bsi21),
        vec![("format-version".to_owned(), "/spdxVersion".to_owned())]
    );
    let f15 = findings(cdx15, Profile::Bsi21);
    assert_eq!(
        f15[0],
        ("format-version".to_owned(), "/specVersion".to_owned())
    );
    // CISA 2025: the provider and its executable are identified by their OmniBOR ids (no purl: Trivy would list a
    // root purl as a package, SPEC §4.4); with licences off, the missing licences are the only findings.
    for f in [cdx, spdx3] {
        let list = findings(f, Profile::Cisa2025);
        assert_eq!(
            counted(&list),
            vec![("component-licence".to_owned(), 27)],
            "{}",
            f.display()
        );
    }
    assert_eq!(
        findings(cdx, Profile::Cisa2025)[0],
        (
            "component-licence".to_owned(),
            "/metadata/component/licenses".to_owned()
        )
    );
}

/// Every module of the sample release licensed (the two the sample leaves NOASSERTION get MIT here).
fn fully_licensed() -> tofu_sbom::inventory::ReleaseInput {
    let mut input = sample_release_with_licenses();
    let l = input.licenses.as_mut().unwrap();
    for key in [
        "github.com/docker/docker@v20.10.7+incompatible",
        "golang.org/x/sys@v0.20.0",
    ] {
        l.modules.insert(
            key.to_owned(),
            ModuleLicense {
                license: Some(License::spdx("MIT")),
                zip: None,
            },
        );
    }
    input
}

#[test]
fn ours_with_licences_conform_to_bsi_and_the_checker_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let inv = Inventory::for_platform(&fully_licensed(), 0).unwrap();
    let mut paths = Vec::new();
    for (format, name) in [
        (Format::CycloneDx16, "ours.cdx.json"),
        (Format::Spdx301, "ours.spdx3.json"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, sbom::render(&inv, format).unwrap()).unwrap();
        paths.push(p);
    }
    for p in &paths {
        let f = findings(p, Profile::Bsi21);
        // The sample's local-directory replacement has no version (Go records none), so no licence either.
        assert_eq!(
            counted(&f),
            vec![
                ("component-licence".to_owned(), 1),
                ("component-version".to_owned(), 1)
            ],
            "{}: {f:?}",
            p.display()
        );
    }
    assert!(
        !checker(&paths[1], "bsi"),
        "the checker also wants the local replacement's version and licence"
    );
    // Without that module the document conforms, for us and for the checker.
    let mut input = fully_licensed();
    for p in &mut input.platforms {
        p.buildinfo
            .deps
            .retain(|d| d.replace.as_ref().is_none_or(|r| !r.path.starts_with('.')));
    }
    let inv = Inventory::for_platform(&input, 0).unwrap();
    for (format, name) in [
        (Format::CycloneDx16, "clean.cdx.json"),
        (Format::Spdx301, "clean.spdx3.json"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, sbom::render(&inv, format).unwrap()).unwrap();
        assert_eq!(findings(&p, Profile::Bsi21), vec![], "{}", p.display());
        // CISA 2025 too: every component has a software identifier (purl, the stdlib's CPE, the OmniBOR id of the
        // ZIP and of the executable) and a licence.
        assert_eq!(findings(&p, Profile::Cisa2025), vec![], "{}", p.display());
        if format == Format::Spdx301 {
            assert!(checker(&p, "bsi"), "ntia-checker --comply bsi");
        }
    }
}

#[test]
fn hand_broken_documents_agree_with_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let files = ours(dir.path());
    let spdx: Value = serde_json::from_slice(&std::fs::read(&files[2]).unwrap()).unwrap();
    let spdx3: Value = serde_json::from_slice(&std::fs::read(&files[3]).unwrap()).unwrap();
    let pkg3 = spdx3["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .position(|n| n["type"] == "software_Package" && n["name"] == "github.com/fatih/color")
        .unwrap();
    assert_eq!(spdx["packages"][3]["name"], "github.com/hashicorp/go-hclog");
    assert_eq!(spdx3["@graph"][0]["type"], "CreationInfo");
    type Edit = fn(&mut Value, usize);
    type Case = (
        &'static str,
        Edit,
        Edit,
        (&'static str, String),
        (&'static str, String),
    );
    let cases: [Case; 5] = [
        (
            "no-supplier",
            |d, _| d["packages"][3]["supplier"] = json!("NOASSERTION"),
            |d, i| drop(d["@graph"][i].as_object_mut().unwrap().remove("suppliedBy")),
            ("component-supplier", "/packages/3/supplier".into()),
            ("component-supplier", format!("/@graph/{pkg3}/suppliedBy")),
        ),
        (
            "no-version",
            |d, _| {
                drop(
                    d["packages"][3]
                        .as_object_mut()
                        .unwrap()
                        .remove("versionInfo"),
                );
            },
            |d, i| {
                drop(
                    d["@graph"][i]
                        .as_object_mut()
                        .unwrap()
                        .remove("software_packageVersion"),
                );
            },
            ("component-version", "/packages/3/versionInfo".into()),
            (
                "component-version",
                format!("/@graph/{pkg3}/software_packageVersion"),
            ),
        ),
        (
            "no-timestamp",
            |d, _| drop(d["creationInfo"].as_object_mut().unwrap().remove("created")),
            |d, _| drop(d["@graph"][0].as_object_mut().unwrap().remove("created")),
            ("timestamp", "/creationInfo/created".into()),
            ("timestamp", "/@graph/0/created".into()),
        ),
        (
            "no-author",
            |d, _| d["creationInfo"]["creators"] = json!([]),
            |d, _| d["@graph"][0]["createdBy"] = json!([]),
            ("sbom-author", "/creationInfo/creators".into()),
            ("sbom-author", "/@graph/0/createdBy".into()),
        ),
        (
            "no-dependencies",
            |d, _| {
                d["relationships"] = json!([]);
                d.as_object_mut().unwrap().remove("documentDescribes");
            },
            |d, _| {
                d["@graph"].as_array_mut().unwrap().retain(|n| {
                    !(n["type"] == "Relationship"
                        && (n["relationshipType"] == "contains"
                            || n["relationshipType"] == "dependsOn"))
                });
            },
            ("dependencies", "/relationships".into()),
            ("dependencies", "/@graph".into()),
        ),
    ];
    for (name, edit2, edit3, want2, want3) in cases {
        let mut d2 = spdx.clone();
        edit2(&mut d2, 0);
        let p2 = dir.path().join(format!("{name}.spdx.json"));
        std::fs::write(&p2, serde_json::to_vec(&d2).unwrap()).unwrap();
        let mut d3 = spdx3.clone();
        edit3(&mut d3, pkg3);
        let p3 = dir.path().join(format!("{name}.spdx3.json"));
        std::fs::write(&p3, serde_json::to_vec(&d3).unwrap()).unwrap();
        let mut expect2 = vec![(want2.0.to_owned(), want2.1)];
        if name == "no-dependencies" {
            // Nothing is described any more: no package is reachable.
            expect2.push(("no-root".to_owned(), "/documentDescribes".to_owned()));
        }
        assert_eq!(findings(&p2, Profile::Ntia), expect2, "{name} SPDX 2.3");
        assert_eq!(
            findings(&p3, Profile::Ntia),
            vec![(want3.0.to_owned(), want3.1)],
            "{name} SPDX 3"
        );
        assert!(
            !checker(&p2, "ntia"),
            "{name}: the checker passes the SPDX 2.3 document"
        );
        assert!(
            !checker(&p3, "ntia"),
            "{name}: the checker passes the SPDX 3 document"
        );
    }
}

#[test]
fn trivy_and_syft_documents_agree_with_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    TestProvider::Framework.extract_binary(PLATFORM, &bin);
    let cache = dir.path().join("trivy-cache");
    let mut docs = Vec::new();
    for (format, name) in [
        ("spdx-json", "trivy.spdx.json"),
        ("cyclonedx", "trivy.cdx.json"),
    ] {
        let out_path = dir.path().join(name);
        let st = trivy_command(trivy(), &cache)
            .args([
                "rootfs",
                "--scanners",
                "license",
                "-q",
                "--format",
                format,
                "-o",
            ])
            .arg(&out_path)
            .arg(&bin)
            .status()
            .expect("run trivy");
        assert!(st.success());
        docs.push(out_path);
    }
    let home = tempfile::tempdir().unwrap();
    let syft_spdx = dir.path().join("syft.spdx.json");
    let syft_cdx = dir.path().join("syft.cdx.json");
    let st = Command::new(consumers::syft())
        .arg("scan")
        .arg(format!("dir:{}", bin.display()))
        .args(["-q", "-o"])
        .arg(format!("spdx-json={}", syft_spdx.display()))
        .arg("-o")
        .arg(format!("cyclonedx-json={}", syft_cdx.display()))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .status()
        .expect("run syft");
    assert!(st.success());
    docs.push(syft_spdx);
    docs.push(syft_cdx);
    let [trivy_spdx, trivy_cdx, syft_spdx, syft_cdx] = [&docs[0], &docs[1], &docs[2], &docs[3]];
    // Neither tool records suppliers of Go modules; Trivy gives the executable, the `(devel)` main module and the
    // scanned directory no version, Syft the directory.
    let trivy_expect = vec![
        ("component-supplier".to_owned(), 27),
        ("component-version".to_owned(), 3),
    ];
    assert_eq!(counted(&findings(trivy_spdx, Profile::Ntia)), trivy_expect);
    assert_eq!(
        findings(trivy_spdx, Profile::Ntia)[..2],
        [
            (
                "component-version".to_owned(),
                "/packages/0/versionInfo".to_owned()
            ),
            (
                "component-supplier".to_owned(),
                "/packages/0/supplier".to_owned()
            ),
        ]
    );
    assert_eq!(
        counted(&findings(syft_spdx, Profile::Ntia)),
        vec![
            ("component-supplier".to_owned(), 26),
            ("component-version".to_owned(), 1)
        ]
    );
    assert!(!checker(trivy_spdx, "ntia") && !checker(syft_spdx, "ntia"));
    // CycloneDX (no oracle): the scanned directory as the root, without version or supplier, then the same gaps.
    assert_eq!(
        counted(&findings(trivy_cdx, Profile::Ntia)),
        vec![
            ("component-supplier".to_owned(), 27),
            ("component-version".to_owned(), 3)
        ]
    );
    assert_eq!(
        counted(&findings(syft_cdx, Profile::Ntia)),
        vec![
            ("component-supplier".to_owned(), 27),
            ("component-version".to_owned(), 2)
        ]
    );
    // BSI: Syft's and Trivy's CycloneDX 1.6 lack every BSI field; SPDX 2.3 is refused by format.
    assert_eq!(
        findings(trivy_spdx, Profile::Bsi21),
        vec![("format-version".to_owned(), "/spdxVersion".to_owned())]
    );
}

#[test]
fn bsi_catches_missing_sha512_and_vulnerabilities() {
    let dir = tempfile::tempdir().unwrap();
    let inv = Inventory::for_platform(&fully_licensed(), 0).unwrap();
    let mut cdx: Value =
        serde_json::from_slice(&sbom::render(&inv, Format::CycloneDx16).unwrap()).unwrap();
    // A root without SHA-512: neither in its hashes nor on its distribution reference.
    let root = &mut cdx["metadata"]["component"];
    root["hashes"]
        .as_array_mut()
        .unwrap()
        .retain(|h| h["alg"] != "SHA-512");
    for r in root["externalReferences"].as_array_mut().unwrap() {
        if let Some(h) = r.get_mut("hashes") {
            h.as_array_mut().unwrap().retain(|h| h["alg"] != "SHA-512");
        }
    }
    cdx["vulnerabilities"] = json!([{"id": "CVE-2024-0001", "affects": [{"ref": "x"}]}]);
    let p = dir.path().join("broken.cdx.json");
    std::fs::write(&p, serde_json::to_vec(&cdx).unwrap()).unwrap();
    let f = findings(&p, Profile::Bsi21);
    assert!(
        f.contains(&("vulnerabilities".to_owned(), "/vulnerabilities".to_owned())),
        "{f:?}"
    );
    assert!(
        f.contains(&(
            "component-sha512".to_owned(),
            "/metadata/component/hashes".to_owned()
        )),
        "{f:?}"
    );

    let mut spdx3: Value =
        serde_json::from_slice(&sbom::render(&inv, Format::Spdx301).unwrap()).unwrap();
    let n = spdx3["@graph"].as_array().unwrap().len();
    let created = spdx3["@graph"][0]["@id"].clone();
    spdx3["@graph"].as_array_mut().unwrap().push(json!({
        "type": "security_Vulnerability",
        "spdxId": "https://example.com/vuln/CVE-2024-0001",
        "creationInfo": created,
        "name": "CVE-2024-0001"
    }));
    let p = dir.path().join("vuln.spdx3.json");
    std::fs::write(&p, serde_json::to_vec(&spdx3).unwrap()).unwrap();
    let f = findings(&p, Profile::Bsi21);
    assert!(
        f.contains(&("vulnerabilities".to_owned(), format!("/@graph/{n}"))),
        "{f:?}"
    );
}

#[test]
fn cli_exit_codes_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let files = ours(dir.path());
    let run = |args: &[&str], files: &[&Path]| {
        let out = tofu_sbom()
            .arg("lint")
            .args(args)
            .args(files)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = run(&["--profile", "ntia"], &[&files[0], &files[3]]);
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout, _) = run(&["--profile", "bsi-2.1", "--json"], &[&files[2]]);
    assert_eq!(code, Some(1));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["profile"], "bsi-2.1");
    assert_eq!(v["files"][0]["conforms"], false);
    assert_eq!(v["files"][0]["kind"], "spdx");
    assert_eq!(
        v["files"][0]["findings"],
        json!([{"code": "format-version", "path": "/spdxVersion",
                "message": "SPDX SPDX-2.3 is not accepted by BSI TR-03183-2 v2.1 (CycloneDX 1.6 or later, SPDX 3.0.1 or later)"}])
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"{\"hello\": 1}").unwrap();
    let (code, _, stderr) = run(&["--profile", "ntia"], &[&files[0], &junk]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("junk.json: not a CycloneDX JSON"),
        "{stderr}"
    );
}

/// The Partner Premier recipe of docs/goreleaser.md, run as GoReleaser's `sboms` step runs it (cwd `dist`, the
/// command through `sh -c` with `$artifact`/`$document0` set, `HOME`/`PATH` and the entry's env only): `generate …
/// --licenses modcache --license MPL-2.0 --author … && lint --profile bsi-2.1` on one ZIP of the real framework
/// provider, with the module cache its build populated and `GOPROXY=off`. Both documents conform — for us and for
/// ntia-conformance-checker's `--comply bsi` (SPDX 3) — and NTIA too.
#[test]
fn real_provider_with_licences_conforms_to_bsi_through_the_goreleaser_recipe() {
    let dist = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let zip_name = format!("terraform-provider-tsbfw_0.3.1_{PLATFORM}.zip");
    std::fs::copy(
        TestProvider::Framework.zip(PLATFORM),
        dist.path().join(&zip_name),
    )
    .unwrap();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_tofu-sbom"))
        .parent()
        .unwrap()
        .to_path_buf();
    let modcache = crate::support::cache_dir().join("consumers/go/modcache");
    for (format, suffix) in [
        ("cyclonedx-json", ".cdx.json"),
        ("spdx-json@3.0.1", ".spdx3.json"),
    ] {
        let document = format!("terraform-provider-tsbfw_0.3.1_{PLATFORM}{suffix}");
        let script = format!(
            "tofu-sbom generate \"$artifact\" --output-file \"{format}=$document0\" --licenses modcache \
             --license MPL-2.0 --author \"Acme Provider Team <providers@acme.example>\" && \
             tofu-sbom lint --profile bsi-2.1 \"$document0\""
        );
        let out = Command::new("sh")
            .args(["-c", &script])
            .current_dir(dist.path())
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", home.path())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env("GOMODCACHE", &modcache)
            .env("GOPROXY", "off")
            .env("artifact", &zip_name)
            .env("document0", &document)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{format}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // generate's platform table, then lint's verdict.
        assert_eq!(
            stdout.lines().last(),
            Some(format!("{document}: conforms to bsi-2.1 (27 components checked)").as_str()),
            "{format}: {stdout}"
        );
        let path = dist.path().join(&document);
        assert_eq!(findings(&path, Profile::Ntia), vec![]);
        // CISA 2025: licences on, and the ZIP and the executable identified by their OmniBOR ids.
        assert_eq!(findings(&path, Profile::Cisa2025), vec![], "{format}");
        if suffix == ".spdx3.json" {
            assert!(checker(&path, "bsi"), "ntia-checker --comply bsi");
            assert!(checker(&path, "ntia"), "ntia-checker --comply ntia");
        }
    }
}
