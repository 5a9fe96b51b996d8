//! Checks the installed test infrastructure itself (`scripts/deps`, `scripts/fixtures`,
//! `tests/it/support`): pinned tool versions, the Go fixture matrix against the `go version -m`
//! oracle, both Trivy versions on a fixture, the sample and buf releases against their
//! `SHA256SUMS`, and one real registry of each kind with exact statuses and headers.

use crate::support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use support::{Registry, RegistryOpts, TokenGrant};

/// The fixture's dependency lines as `go version -m` prints them, derived from its go.sum (the
/// `h1:` sums of the modules the committed file proxy serves).
fn expected_fixture_deps() -> String {
    let sum = support::read_text(&support::repo_root().join("testdata/gofixture/go.sum"));
    let h1 = |module: &str, version: &str| -> String {
        sum.lines()
            .find_map(|l| {
                let mut f = l.split(' ');
                (f.next() == Some(module) && f.next() == Some(version))
                    .then(|| f.next().unwrap_or_default().to_owned())
            })
            .unwrap_or_else(|| panic!("{module} {version} not in go.sum"))
    };
    format!(
        "\tdep\texample.com/colors\tv0.3.0\n\
         \t=>\texample.com/colors-fork\tv0.3.1\t{}\n\
         \t\n\
         \tdep\texample.com/greeting\tv1.2.3\t{}\n\
         \tdep\texample.com/localmod\tv0.0.0-00010101000000-000000000000\n\
         \t=>\t./localmod\t(devel)\t\n\
         \t\n\
         \tdep\texample.com/units\tv1.0.0\t{}\n",
        h1("example.com/colors-fork", "v0.3.1"),
        h1("example.com/greeting", "v1.2.3"),
        h1("example.com/units", "v1.0.0"),
    )
}

#[test]
fn go_toolchain_is_the_pinned_version() {
    let out = support::go_command()
        .arg("version")
        .output()
        .expect("run go version");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("go version go{} linux/amd64\n", support::GO_VERSION)
    );
}

/// Every package pinned in `scripts/requirements/tools.txt` and `tools.lock` is installed at
/// exactly that version in the tools venv, and the console scripts the tests call exist.
#[test]
fn python_tools_match_the_pins() {
    let req = support::repo_root().join("scripts/requirements");
    let mut pins = Vec::new();
    for file in ["tools.txt", "tools.lock"] {
        for line in support::read_text(&req.join(file)).lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, version) = line.split_once("==").expect("NAME==VERSION pin");
            let name = name.split('[').next().unwrap_or(name);
            pins.push((name.to_owned(), version.to_owned()));
        }
    }
    assert!(pins.len() > 6, "pins read: {pins:?}");
    let script = "import sys\nfrom importlib.metadata import version\n\
                  for n in sys.argv[1:]: print(n, version(n))";
    let out = Command::new(support::python_tools_bin("python"))
        .args(["-c", script])
        .args(pins.iter().map(|(n, _)| n))
        .output()
        .expect("run the tools venv's python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: String = pins.iter().map(|(n, v)| format!("{n} {v}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    for bin in ["pyspdxtools", "ntia-checker", "check-jsonschema", "zizmor"] {
        support::python_tools_bin(bin);
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyReport {
    #[serde(default)]
    results: Vec<TrivyResult>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyResult {
    target: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(default)]
    packages: Vec<TrivyPackage>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyPackage {
    name: String,
    #[serde(default)]
    version: String,
}

/// Runs a Trivy command that writes a JSON report to stdout; returns (target, type, sorted
/// "name@version") of each result.
fn trivy_packages(cmd: &mut Command) -> Vec<(String, String, Vec<String>)> {
    let out = cmd.output().expect("run trivy");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: TrivyReport = serde_json::from_slice(&out.stdout).expect("Trivy JSON report");
    report
        .results
        .into_iter()
        .map(|r| {
            let pkgs: BTreeSet<String> = r
                .packages
                .iter()
                .map(|p| format!("{}@{}", p.name, p.version))
                .collect();
            (r.target, r.kind, pkgs.into_iter().collect())
        })
        .collect()
}

/// A directory holding only the linux/amd64 fixture binary, for `trivy rootfs`.
fn rootfs_with_fixture(tmp: &Path) -> std::path::PathBuf {
    let dir = tmp.join("rootfs");
    fs::create_dir_all(&dir).expect("mkdir rootfs");
    fs::copy(
        support::go_fixture("linux_amd64/gofixture"),
        dir.join("gofixture"),
    )
    .expect("copy the fixture");
    dir
}

#[test]
fn current_trivy_reads_the_go_fixture() {
    let version = Command::new(support::trivy())
        .arg("--version")
        .output()
        .expect("trivy");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).lines().next(),
        Some("Version: 0.76.0")
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let mut rootfs = support::trivy_command(support::trivy(), &tmp.path().join("cache"));
    rootfs
        .args([
            "rootfs",
            "--scanners",
            "license",
            "--list-all-pkgs",
            "--format",
            "json",
            "-q",
        ])
        .arg(rootfs_with_fixture(tmp.path()));
    // Trivy names a local-path replacement by its path and leaves (devel) versions blank.
    assert_eq!(
        trivy_packages(&mut rootfs),
        vec![(
            "gofixture".to_owned(),
            "gobinary".to_owned(),
            vec![
                "./localmod@".to_owned(),
                "example.com/colors-fork@v0.3.1".to_owned(),
                "example.com/gofixture@".to_owned(),
                "example.com/greeting@v1.2.3".to_owned(),
                "example.com/units@v1.0.0".to_owned(),
                format!("stdlib@v{}", support::GO_VERSION),
            ]
        )]
    );
}

#[test]
fn trivy_0_44_1_reads_the_go_fixture_with_the_stub_db() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = support::trivy_old_cache(&tmp.path().join("cache"));
    let mut rootfs = support::trivy_command(support::trivy_old(), &cache);
    rootfs
        .args([
            "rootfs",
            "--scanners",
            "vuln",
            "--skip-db-update",
            "--offline-scan",
        ])
        .args(["--list-all-pkgs", "--format", "json", "-q"])
        .arg(rootfs_with_fixture(tmp.path()));
    // 0.44.1 lists neither stdlib nor the main module, and keeps "(devel)".
    assert_eq!(
        trivy_packages(&mut rootfs),
        vec![(
            "gofixture".to_owned(),
            "gobinary".to_owned(),
            vec![
                "./localmod@(devel)".to_owned(),
                "example.com/colors-fork@v0.3.1".to_owned(),
                "example.com/greeting@v1.2.3".to_owned(),
                "example.com/units@v1.0.0".to_owned(),
            ]
        )]
    );
}

/// Every binary of the matrix is what its MANIFEST line says, checked with `go version -m`.
#[test]
fn go_fixture_matrix_matches_go_version_m() {
    let manifest = support::go_fixture_manifest();
    let paths: Vec<&str> = manifest.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "linux_amd64/gofixture",
            "linux_386/gofixture",
            "linux_arm/gofixture",
            "linux_arm64/gofixture",
            "linux_s390x/gofixture",
            "darwin_amd64/gofixture",
            "darwin_arm64/gofixture",
            "windows_amd64/gofixture.exe",
            "windows_386/gofixture.exe",
            "freebsd_amd64/gofixture",
            "aix_ppc64/gofixture",
            "linux_amd64_stripped/gofixture",
            "linux_386_stripped/gofixture",
            "linux_arm_stripped/gofixture",
            "linux_arm64_stripped/gofixture",
            "linux_s390x_stripped/gofixture",
            "darwin_amd64_stripped/gofixture",
            "darwin_arm64_stripped/gofixture",
            "windows_amd64_stripped/gofixture.exe",
            "windows_386_stripped/gofixture.exe",
            "freebsd_amd64_stripped/gofixture",
            "aix_ppc64_stripped/gofixture",
            "linux_amd64_pie/gofixture",
            "linux_amd64_goexperiment/gofixture",
            "linux_amd64_vendor/gofixture",
            "linux_amd64_nomod/hello",
            "linux_amd64_vcs/gofixture",
        ]
    );
    let deps = expected_fixture_deps();
    for entry in &manifest {
        let path = support::go_fixture(&entry.path);
        let out = support::go_version_m(&path);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let dir = entry.path.split('/').next().unwrap_or_default();
        let mut parts = dir.splitn(3, '_');
        let (goos, goarch) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let variant = parts.next().unwrap_or("");

        if variant == "stripped" && goos == "aix" {
            // Go cannot read build info from -s-stripped XCOFF: exact message, exit 1.
            assert_eq!(out.status.code(), Some(1), "{}", entry.path);
            assert_eq!(stdout, "");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!(
                    "{p}: could not read Go build info from {p}: unrecognized file format\n",
                    p = path.display()
                )
            );
            continue;
        }
        assert!(
            out.status.success(),
            "{}: {}",
            entry.path,
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines = stdout.lines();
        let go = if variant == "goexperiment" {
            format!("go{}-X:heapminimum512kib,nogreenteagc", support::GO_VERSION)
        } else {
            format!("go{}", support::GO_VERSION)
        };
        assert_eq!(
            lines.next(),
            Some(format!("{}: {go}", path.display()).as_str())
        );
        let settings: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("\tbuild\t"))
            .collect();
        let buildmode = if variant == "pie" {
            "-buildmode=pie"
        } else {
            "-buildmode=exe"
        };
        for want in [
            buildmode.to_owned(),
            "-trimpath=true".to_owned(),
            "CGO_ENABLED=0".to_owned(),
            format!("GOOS={goos}"),
            format!("GOARCH={goarch}"),
        ] {
            assert!(
                settings.contains(&want.as_str()),
                "{}: no {want} in {settings:?}",
                entry.path
            );
        }
        if variant == "nomod" {
            assert_eq!(lines.next(), Some("\tpath\tcommand-line-arguments"));
            assert!(
                !stdout.contains("\tmod\t") && !stdout.contains("\tdep\t"),
                "{stdout}"
            );
            continue;
        }
        assert_eq!(lines.next(), Some("\tpath\texample.com/gofixture"));
        let main_version = if variant == "vcs" {
            "v1.2.3"
        } else {
            "(devel)"
        };
        assert_eq!(
            lines.next(),
            Some(format!("\tmod\texample.com/gofixture\t{main_version}\t").as_str())
        );
        let dep_block: String = stdout
            .lines()
            .skip(3)
            .take_while(|l| !l.starts_with("\tbuild\t"))
            .map(|l| format!("{l}\n"))
            .collect();
        if variant == "vendor" {
            // -mod=vendor: no h1: sums, and Go prints a blank `\t` line after each replacement.
            assert_eq!(
                dep_block,
                "\tdep\texample.com/colors\tv0.3.0\n\
                 \t=>\texample.com/colors-fork\tv0.3.1\t\n\
                 \t\n\
                 \tdep\texample.com/greeting\tv1.2.3\t\n\
                 \tdep\texample.com/localmod\tv0.0.0-00010101000000-000000000000\n\
                 \t=>\t./localmod\t(devel)\t\n\
                 \t\n\
                 \tdep\texample.com/units\tv1.0.0\t\n",
                "{}",
                entry.path
            );
        } else {
            assert_eq!(dep_block, deps, "{}", entry.path);
        }
        let vcs: Vec<&&str> = settings.iter().filter(|s| s.starts_with("vcs")).collect();
        if variant == "vcs" {
            assert_eq!(vcs.len(), 4, "{vcs:?}");
            assert_eq!(*vcs[0], "vcs=git");
            let rev = vcs[1].strip_prefix("vcs.revision=").expect("vcs.revision");
            assert!(
                rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
                "{rev}"
            );
            assert_eq!(*vcs[2], "vcs.time=2024-01-02T03:04:05Z");
            assert_eq!(*vcs[3], "vcs.modified=false");
        } else {
            assert!(vcs.is_empty(), "{}: {vcs:?}", entry.path);
        }
    }
}

/// `SHA256SUMS` lists exactly `names`, sorted by name as GoReleaser writes it, and each digest
/// is the file's.
fn assert_sums(dir: &Path, sums: &str, names: &[String]) {
    let entries = support::read_sha256sums(&dir.join(sums));
    let listed: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    assert_eq!(listed, sorted);
    for (name, digest) in &entries {
        assert_eq!(&support::sha256_file(&dir.join(name)), digest, "{name}");
    }
}

/// The entry names of a ZIP, in central-directory order.
fn zip_names(path: &Path) -> Vec<String> {
    let file = fs::File::open(path).expect("open zip");
    let mut archive = zip::ZipArchive::new(file).expect("read zip");
    (0..archive.len())
        .map(|i| {
            archive
                .by_index(i)
                .expect("entry")
                .name()
                .expect("utf-8 name")
                .into_owned()
        })
        .collect()
}

#[test]
fn committed_sample_release_matches_its_sums_and_build_info() {
    let dir = support::sample_release_dir();
    let platforms = ["darwin_arm64", "linux_amd64", "windows_amd64"];
    let mut names: Vec<String> = platforms
        .iter()
        .map(|p| format!("terraform-provider-sample_0.1.0_{p}.zip"))
        .collect();
    names.push("terraform-provider-sample_0.1.0_manifest.json".to_owned());
    assert_sums(&dir, "terraform-provider-sample_0.1.0_SHA256SUMS", &names);
    let mut on_disk: Vec<String> = fs::read_dir(&dir)
        .expect("read sample-release")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected = names.clone();
    expected.push("terraform-provider-sample_0.1.0_SHA256SUMS".to_owned());
    expected.sort();
    assert_eq!(on_disk, expected);

    for p in platforms {
        let exe = if p.starts_with("windows") { ".exe" } else { "" };
        let zip_path = dir.join(format!("terraform-provider-sample_0.1.0_{p}.zip"));
        assert_eq!(
            zip_names(&zip_path),
            [
                format!("terraform-provider-sample_v0.1.0{exe}"),
                "README.md".to_owned()
            ]
        );
        // The oracle on the extracted binary: GoReleaser-style module, version and VCS stamp.
        let tmp = tempfile::tempdir().expect("tmp");
        let mut archive =
            zip::ZipArchive::new(fs::File::open(&zip_path).expect("open")).expect("zip");
        let bin = tmp.path().join("provider");
        std::io::copy(
            &mut archive.by_index(0).expect("binary entry"),
            &mut fs::File::create(&bin).expect("create"),
        )
        .expect("extract");
        let out = support::go_version_m(&bin);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<&str> = text.lines().take(3).collect();
        assert_eq!(
            lines,
            [
                format!("{}: go{}", bin.display(), support::GO_VERSION).as_str(),
                "\tpath\tgithub.com/example/terraform-provider-sample",
                "\tmod\tgithub.com/example/terraform-provider-sample\tv0.1.0\t",
            ]
        );
        assert!(
            text.contains("\tbuild\tvcs.time=2025-03-04T05:06:07Z\n"),
            "{text}"
        );
        assert!(text.contains("\tbuild\tvcs.modified=false\n"), "{text}");
    }
}

#[test]
fn buf_release_has_seven_platforms_and_matching_sums() {
    let dir = support::buf_release_dir();
    let v = support::BUF_VERSION;
    let mut names: Vec<String> = support::BUF_PLATFORMS
        .iter()
        .map(|p| format!("terraform-provider-buf_{v}_{p}.zip"))
        .collect();
    names.push(format!("terraform-provider-buf_{v}_manifest.json"));
    assert_sums(
        &dir,
        &format!("terraform-provider-buf_{v}_SHA256SUMS"),
        &names,
    );
    for p in support::BUF_PLATFORMS {
        let exe = if p.starts_with("windows") { ".exe" } else { "" };
        assert_eq!(
            zip_names(&dir.join(format!("terraform-provider-buf_{v}_{p}.zip"))),
            [
                format!("terraform-provider-buf_v{v}{exe}"),
                "README.md".to_owned()
            ]
        );
    }
}

/// Every npm package pinned in `scripts/requirements/npm.txt` is extracted at its version.
#[test]
fn npm_packages_are_extracted() {
    let list = support::read_text(&support::repo_root().join("scripts/requirements/npm.txt"));
    let specs: Vec<&str> = list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(specs.len(), 17, "{specs:?}");
    for spec in specs {
        let (name, version) = spec.rsplit_once('@').expect("NAME@VERSION");
        let meta = support::read_text(&support::npm_package(spec).join("package.json"));
        let meta: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&meta).expect("package.json");
        assert_eq!(
            meta.get("name").and_then(|v| v.as_str()),
            Some(name),
            "{spec}"
        );
        assert_eq!(
            meta.get("version").and_then(|v| v.as_str()),
            Some(version),
            "{spec}"
        );
    }
}

#[test]
fn anonymous_registry_serves_v2_and_counts_uploads() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let base = reg.request("GET", "/v2/", &[]);
    assert_eq!(base.status, 200);
    assert_eq!(
        base.header("Docker-Distribution-Api-Version"),
        Some("registry/2.0")
    );
    assert_eq!(base.text(), "{}");
    assert_eq!(reg.blob_uploads(), 0);

    let digest = reg.upload_blob("acme/buf", b"tofu-sbom");
    // printf tofu-sbom | sha256sum
    assert_eq!(
        digest,
        "sha256:e1233b4c71ae66170a9377be8fe0e3ab8fbe4ebe169daae412ffdc9fe6102411"
    );
    let head = reg.request("HEAD", &format!("/v2/acme/buf/blobs/{digest}"), &["-I"]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Length"), Some("9"));
    assert_eq!(head.header("Docker-Content-Digest"), Some(digest.as_str()));
    assert_eq!(reg.blob_uploads(), 1);
    assert_eq!(
        reg.upload_requests(),
        2,
        "POST + PUT: {:?}",
        reg.access_log()
    );

    // distribution 2.8 has no referrers API: a text/plain 404 (TESTING.md).
    let referrers = reg.request("GET", &format!("/v2/acme/buf/referrers/{digest}"), &[]);
    assert_eq!(referrers.status, 404);
    assert_eq!(
        referrers.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(referrers.text(), "404 page not found\n");
}

#[test]
fn htpasswd_registry_challenges_basic_auth() {
    let reg = Registry::start(RegistryOpts::htpasswd("alice", "s3cret"));
    let anonymous = reg.request("GET", "/v2/", &[]);
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header("Www-Authenticate"),
        Some("Basic realm=\"basic-realm\"")
    );
    let wrong = reg.request("GET", "/v2/", &["-u", "alice:wrong"]);
    assert_eq!(wrong.status, 401);
    let right = reg.request("GET", "/v2/", &["-u", "alice:s3cret"]);
    assert_eq!(right.status, 200);
    reg.upload_blob("acme/buf", b"layer");
    assert_eq!(reg.blob_uploads(), 1);
}

#[test]
fn tls_registry_is_trusted_only_with_its_ca() {
    let reg = Registry::start(RegistryOpts::tls());
    assert!(reg.url.starts_with("https://127.0.0.1:"), "{}", reg.url);
    let ok = reg.request("GET", "/v2/", &[]);
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.header("Docker-Distribution-Api-Version"),
        Some("registry/2.0")
    );
    // Without the CA: curl's "peer certificate cannot be authenticated" (exit 60).
    let untrusted = support::try_curl("GET", &format!("{}/v2/", reg.url), &[]);
    assert_eq!(untrusted.map_err(|f| f.code), Err(60));
    // Plain HTTP to the TLS port: Go's answer to a non-TLS client.
    let plain = support::curl("GET", &format!("http://{}/v2/", reg.host), &[]);
    assert_eq!(plain.status, 400);
    assert_eq!(
        plain.text(),
        "Client sent an HTTP request to an HTTPS server.\n"
    );
}

#[test]
fn token_registry_accepts_the_minted_bearer_token_for_its_grants_only() {
    let reg = Registry::start(RegistryOpts::token(vec![TokenGrant::new(
        "acme/buf",
        &["pull", "push"],
    )]));
    let realm = reg.realm.clone().expect("realm");
    let challenge = reg.request("GET", "/v2/", &[]);
    assert_eq!(challenge.status, 401);
    assert_eq!(
        challenge.header("Www-Authenticate"),
        Some(
            format!(
                "Bearer realm=\"{realm}\",service=\"{}\"",
                support::TOKEN_SERVICE
            )
            .as_str()
        )
    );
    // The realm hands out the pre-minted token, whatever the scope asked.
    let served = support::curl(
        "GET",
        &format!(
            "{realm}?service={}&scope=repository:acme/buf:push,pull",
            support::TOKEN_SERVICE
        ),
        &[],
    );
    assert_eq!(served.status, 200);
    let token = reg.token.clone().expect("token");
    assert_eq!(served.text(), format!("{{\"token\":\"{token}\"}}"));

    let bearer = format!("Authorization: Bearer {token}");
    assert_eq!(reg.request("GET", "/v2/", &["-H", &bearer]).status, 200);
    reg.upload_blob("acme/buf", b"granted");
    let denied = reg.request("POST", "/v2/acme/other/blobs/uploads/", &["-H", &bearer]);
    assert_eq!(denied.status, 401);
    // distribution lists the missing actions in map order: either order is its answer.
    let challenge_for = |actions: &str| {
        format!(
            "Bearer realm=\"{realm}\",service=\"{}\",scope=\"repository:acme/other:{actions}\",error=\"insufficient_scope\"",
            support::TOKEN_SERVICE
        )
    };
    let got = denied.header("Www-Authenticate").unwrap_or_default();
    assert!(
        got == challenge_for("push,pull") || got == challenge_for("pull,push"),
        "{got}"
    );
    // A pull-only token minted later cannot start an upload in the granted repository.
    let pull_only = reg.mint_token(&[TokenGrant::new("acme/buf", &["pull"])]);
    let pull_bearer = format!("Authorization: Bearer {pull_only}");
    assert_eq!(
        reg.request("POST", "/v2/acme/buf/blobs/uploads/", &["-H", &pull_bearer])
            .status,
        401
    );
    assert_eq!(reg.blob_uploads(), 1);
}
