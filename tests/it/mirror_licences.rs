//! `mirror --licenses` surfaces the licence warnings `generate` and `publish` print (issue 13): one stderr line per
//! warning (none with `-q`) and the `licenseWarnings` array of each version in `--json`, for a single SOURCE and for a
//! `--from-file` catalogue, and for an OCI source whose SBOMs `--add-sboms` makes. The release is the real framework
//! provider; its modules come from a `file://` GOPROXY that lacks exactly one of them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tofu_sbom::archive::release::{Release, parse_platforms};
use tofu_sbom::limits::Limits;

use crate::support::cache_dir;
use crate::support::cli::{Run, run, tofu_sbom};
use crate::support::providers::TestProvider;

/// The module left out of the proxy.
const MISSING: &str = "github.com/oklog/run@v1.1.0";

/// A `file://` proxy under `dir` with the ZIP of every module linked into the framework provider's linux_amd64
/// binary (copied from the module cache it was built with) except [`MISSING`]; returns the GOPROXY value.
fn proxy_without_one(dir: &Path) -> String {
    let limits = Limits::default();
    let mut release = Release::from_dir(&TestProvider::Framework.release_dir(), &limits).unwrap();
    release
        .select_platforms(&parse_platforms("linux_amd64").unwrap())
        .unwrap();
    let scanned = tofu_sbom::generate::scan(&mut release, &limits).unwrap();
    let modules = tofu_sbom::licenses::modules_of(scanned.build_infos());
    assert_eq!(modules.len(), 23);
    let download = cache_dir().join("consumers/go/modcache/cache/download");
    let proxy = dir.join("proxy");
    for m in modules.iter().filter(|m| m.key() != MISSING) {
        let rel = PathBuf::from(tofu_sbom::purl::escape_module_case(&m.path))
            .join("@v")
            .join(format!(
                "{}.zip",
                tofu_sbom::purl::escape_module_case(&m.version)
            ));
        std::fs::create_dir_all(proxy.join(&rel).parent().unwrap()).unwrap();
        std::fs::copy(download.join(&rel), proxy.join(&rel)).unwrap();
    }
    format!("file://{}", proxy.display())
}

/// `tofu-sbom mirror ARGS --licenses goproxy` into `dir` with only `goproxy` to find module ZIPs (no module cache, a
/// fresh licence cache per run).
fn mirror(dir: &Path, goproxy: &str, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let licence_cache = tempfile::tempdir_in(dir).unwrap();
    let mut cmd = tofu_sbom();
    for v in ["GONOPROXY", "GOPRIVATE", "GOPATH", "XDG_CACHE_HOME"] {
        cmd.env_remove(v);
    }
    cmd.env("HOME", home.path())
        .env("GOPROXY", goproxy)
        .env("GOMODCACHE", dir.join("empty-modcache"))
        .env("TOFU_SBOM_LICENSE_CACHE", licence_cache.path())
        .arg("mirror")
        .args(args)
        .args(["--platform", "linux_amd64", "--licenses", "goproxy"]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// The stderr lines that are licence warnings.
fn licence_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("tofu-sbom: warning: licences:"))
        .collect()
}

#[test]
fn mirror_prints_and_reports_the_licence_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let goproxy = proxy_without_one(tmp.path());
    let release = TestProvider::Framework.release_dir();
    let source = release.display().to_string();
    let message = format!(
        "no module ZIP found in GOPROXY={goproxy} for 1 module(s) ({MISSING}): licence NOASSERTION"
    );
    let warning = json!([{"kind": "not-found", "modules": [MISSING], "message": message}]);
    let line = format!("tofu-sbom: warning: licences: {source}: {message}");
    let layout = |name: &str| format!("oci-layout:{}", tmp.path().join(name).display());

    // One SOURCE, --json: the version's licenseWarnings, and the line on stderr.
    let r = mirror(tmp.path(), &goproxy, &[&source, &layout("a"), "--json"]);
    let j: Value = r.json();
    let versions = j["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["licenseWarnings"], warning);
    assert_eq!(licence_lines(&r.stderr), vec![line.as_str()]);

    // Text output: the same line; -q: none.
    let r = mirror(tmp.path(), &goproxy, &[&source, &layout("b")]);
    assert_eq!(licence_lines(&r.stderr), vec![line.as_str()]);
    let r = mirror(tmp.path(), &goproxy, &[&source, &layout("c"), "-q"]);
    assert_eq!(licence_lines(&r.stderr), Vec::<&str>::new());

    // A --from-file catalogue: per entry, per version.
    let catalogue = tmp.path().join("catalogue.txt");
    std::fs::write(&catalogue, format!("# one release\n{source}\n")).unwrap();
    let r = mirror(
        tmp.path(),
        &goproxy,
        &[
            &layout("d"),
            "--from-file",
            catalogue.to_str().unwrap(),
            "--json",
        ],
    );
    let j: Value = r.json();
    assert_eq!(j["entries"][0]["versions"][0]["licenseWarnings"], warning);
    assert_eq!(licence_lines(&r.stderr), vec![line.as_str()]);

    // An OCI source without SBOMs (`push` attaches none): `--add-sboms` renders them, with the same warning.
    let pushed = layout("pushed");
    let r = run(tofu_sbom().args(["push", &source, &pushed, "--platform", "linux_amd64", "-q"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = mirror(
        tmp.path(),
        &goproxy,
        &[&format!("{pushed}:0.3.1"), &layout("f"), "--json"],
    );
    let j: Value = r.json();
    let v = &j["versions"][0];
    assert_eq!(v["addedSboms"], json!(["linux_amd64", "index"]));
    assert_eq!(v["licenseWarnings"], warning);
    let oci_line = format!(
        "tofu-sbom: warning: licences: {}: {message}",
        v["source"].as_str().unwrap()
    );
    assert_eq!(licence_lines(&r.stderr), vec![oci_line.as_str()]);

    // Every module in the proxy: no warning, no `licenseWarnings` key.
    let full = tempfile::tempdir().unwrap();
    let all = format!(
        "file://{}",
        cache_dir()
            .join("consumers/go/modcache/cache/download")
            .display()
    );
    let r = mirror(full.path(), &all, &[&source, &layout("e"), "--json"]);
    assert_eq!(r.json()["versions"][0].get("licenseWarnings"), None);
    assert_eq!(licence_lines(&r.stderr), Vec::<&str>::new());
}
