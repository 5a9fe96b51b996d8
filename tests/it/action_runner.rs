//! The composite action (`action.yml`) run as a GitHub runner would run it (`tests/it/support/action.rs`: steps, `env:`
//! evaluated from the file itself, `bash -eo pipefail`, per-step `GITHUB_OUTPUT`/`GITHUB_STEP_SUMMARY`), with
//! `install: path` and the freshly built `tofu-sbom`, against a real registry (Debian's `docker-registry`) and the
//! real terraform-plugin-framework provider built like GoReleaser builds providers (9 platforms), and into an OCI layout. The outputs are checked against what the registry itself
//! serves (raw manifests through curl) and what `tofu-sbom referrers` / `verify` / `inspect` / `generate` report.

use crate::support;
use crate::support::action as action_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use action_support::{ActionRun, Runner, load_yaml, mapping, scalar};
use pretty_assertions::assert_eq;
use support::providers::{PROVIDER_PLATFORMS, PROVIDER_VERSION, TestProvider};
use support::{Registry, RegistryOpts};

const OUTPUTS: [&str; 6] = [
    "image-ref",
    "index-digest",
    "lockfile",
    "manifest-digests",
    "sbom-digests",
    "tofurc",
];
const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf()
}

fn github() -> BTreeMap<String, String> {
    [
        ("server_url", "https://github.com"),
        ("repository", "acme/terraform-provider-tsbfw"),
        ("token", "ghs_test-token-must-not-be-used"),
        ("actor", "octocat"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A runner with `install: path` semantics: the built binary's directory first on PATH.
fn runner() -> Runner {
    let mut r = Runner::new();
    r.path_prepend.push(bin_dir());
    r
}

/// `tofu-sbom ARGS` with an isolated credential environment; panics unless it exits 0; stdout.
fn tofu_sbom(home: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("TOFU_SBOM_REGISTRY_USERNAME")
        .env_remove("TOFU_SBOM_REGISTRY_PASSWORD")
        .env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("CI", "true")
        .output()
        .expect("run tofu-sbom");
    assert_eq!(
        out.status.code(),
        Some(0),
        "tofu-sbom {args:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("JSON")
}

fn expect_ok(run: &ActionRun) -> BTreeMap<String, String> {
    assert!(run.ok(), "the action failed:\n{}", run.log());
    let outputs = run.outputs.clone().expect("outputs");
    assert_eq!(
        outputs.keys().map(String::as_str).collect::<Vec<_>>(),
        OUTPUTS
    );
    outputs
}

/// GET a manifest from the registry: (digest header, parsed body).
fn manifest(
    reg: &Registry,
    repo: &str,
    reference: &str,
    accept: &str,
) -> (String, serde_json::Value) {
    let r = reg.request(
        "GET",
        &format!("/v2/{repo}/manifests/{reference}"),
        &["-H", &format!("Accept: {accept}")],
    );
    assert_eq!(r.status, 200, "{reference}: {}", r.text());
    (
        r.header("Docker-Content-Digest")
            .expect("Docker-Content-Digest")
            .to_owned(),
        serde_json::from_slice(&r.body).expect("manifest JSON"),
    )
}

/// The referrers of `digest` as the registry stores them (the `sha256-<hex>` fallback tag index): title → digest.
fn fallback_referrers(reg: &Registry, repo: &str, digest: &str) -> BTreeMap<String, String> {
    let (_, index) = manifest(reg, repo, &digest.replace(':', "-"), INDEX_TYPE);
    index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            (
                m["annotations"]["org.opencontainers.image.title"]
                    .as_str()
                    .expect("title")
                    .to_owned(),
                m["digest"].as_str().expect("digest").to_owned(),
            )
        })
        .collect()
}

#[test]
fn action_publishes_the_framework_provider_and_every_output_matches_the_registry() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let repo = "mirror/example/tsbfw";
    let repository = format!("{}/{repo}", reg.host);
    let r = runner();
    let run = r.run_action(
        &[
            ("install", "path"),
            (
                "release-dir",
                TestProvider::Framework.release_dir().to_str().unwrap(),
            ),
            ("repository", &repository),
            ("provider", "example/tsbfw"),
        ],
        &github(),
    );
    let outputs = expect_ok(&run);

    // The install step found the built binary, by absolute path.
    assert_eq!(
        run.step("install").outputs["bin"],
        env!("CARGO_BIN_EXE_tofu-sbom")
    );
    // The ghcr.io-only token fallback stayed off for this host.
    assert!(
        !run.step("publish").stdout.contains("GITHUB_TOKEN"),
        "{}",
        run.log()
    );

    // index-digest and image-ref: what the version tag resolves to in the registry.
    let (index_digest, index) = manifest(&reg, repo, PROVIDER_VERSION, INDEX_TYPE);
    assert_eq!(outputs["index-digest"], index_digest);
    assert_eq!(outputs["image-ref"], format!("{repository}@{index_digest}"));

    // manifest-digests: the index's own entries, keyed os_arch.
    let from_index: BTreeMap<String, String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                format!(
                    "{}_{}",
                    m["platform"]["os"].as_str().unwrap(),
                    m["platform"]["architecture"].as_str().unwrap()
                ),
                m["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        from_index.keys().map(String::as_str).collect::<Vec<_>>(),
        PROVIDER_PLATFORMS
    );
    let manifests: BTreeMap<String, String> =
        serde_json::from_str(&outputs["manifest-digests"]).expect("manifest-digests is JSON");
    assert_eq!(manifests, from_index);

    // sbom-digests: per subject, the fallback index entries in the registry, and `tofu-sbom referrers` agrees.
    let sboms: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(&outputs["sbom-digests"]).expect("sbom-digests is JSON");
    let mut subjects: Vec<(String, String)> = from_index.clone().into_iter().collect();
    subjects.push(("index".into(), index_digest.clone()));
    assert_eq!(sboms.len(), subjects.len());
    let home = r.root.path().join("home");
    for (key, digest) in &subjects {
        let stored = fallback_referrers(&reg, repo, digest);
        let stem = if key == "index" {
            format!("terraform-provider-tsbfw_{PROVIDER_VERSION}")
        } else {
            format!("terraform-provider-tsbfw_{PROVIDER_VERSION}_{key}")
        };
        assert_eq!(
            stored.keys().cloned().collect::<Vec<_>>(),
            [format!("{stem}.cdx.json"), format!("{stem}.spdx.json")],
            "{key}"
        );
        assert_eq!(sboms[key], stored, "{key}");
        let listed = json(&tofu_sbom(
            &home,
            &["referrers", "--json", &format!("{repository}@{digest}")],
        ));
        let listed: BTreeMap<String, String> = listed["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["title"].as_str().unwrap().to_owned(),
                    e["digest"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(listed, stored, "{key}");
    }

    // The verify step ran and passed; `verify --json` agrees.
    assert!(
        run.step("verify")
            .stdout
            .contains("verified: OpenTofu would install every platform"),
        "{}",
        run.log()
    );
    let verified = json(&tofu_sbom(
        &home,
        &[
            "verify",
            "--json",
            &format!("{repository}:{PROVIDER_VERSION}"),
        ],
    ));
    assert_eq!(verified["ok"], true);

    // tofurc: empty — the loopback registry speaks plain HTTP, which OpenTofu never does (issue 12); the summary
    // says why instead.
    assert_eq!(outputs["tofurc"], "");
    // lockfile: exactly what `generate --lockfile` writes for the same release.
    let lock = r.root.path().join("lock.hcl");
    let gen_dir = r.root.path().join("gen");
    tofu_sbom(
        &home,
        &[
            "generate",
            TestProvider::Framework.release_dir().to_str().unwrap(),
            "--provider",
            "example/tsbfw",
            "-o",
            gen_dir.to_str().unwrap(),
            "--lockfile",
            lock.to_str().unwrap(),
            // The action's default licence source.
            "--licenses",
            "goproxy",
        ],
    );
    assert_eq!(outputs["lockfile"], std::fs::read_to_string(&lock).unwrap());
    assert!(
        outputs["lockfile"].contains("zh:"),
        "{}",
        outputs["lockfile"]
    );

    // The summary: one row per platform with its digest, Go version, module count and referrer digests.
    let summary = &run.summary;
    for platform in PROVIDER_PLATFORMS {
        let zip = TestProvider::Framework.release_dir().join(format!(
            "terraform-provider-tsbfw_{PROVIDER_VERSION}_{platform}.zip"
        ));
        let inspected = json(&tofu_sbom(
            &home,
            &["inspect", "--json", zip.to_str().unwrap()],
        ));
        let bi = &inspected["inputs"][0]["buildInfo"];
        let row = summary
            .lines()
            .find(|l| l.starts_with(&format!("| `{platform}` |")))
            .unwrap_or_else(|| panic!("no summary row for {platform}:\n{summary}"));
        let refs = &sboms[platform];
        assert_eq!(
            row,
            format!(
                "| `{platform}` | `{}` | {} | {} | {} |",
                from_index[platform],
                bi["goVersion"].as_str().unwrap(),
                bi["deps"].as_array().unwrap().len(),
                refs.iter()
                    .map(|(t, d)| format!("`{t}`: `{d}`"))
                    .collect::<Vec<_>>()
                    .join("<br>")
            )
        );
    }
    assert!(
        summary.contains(&format!(
            "\n### `.tofurc`\n\nNo `.tofurc` block: {} was reached over plain HTTP, and OpenTofu reaches OCI \
             registries only over HTTPS (its CLI configuration has no plain-HTTP, insecure or CA option), so tofu init \
             cannot install from it; serve the registry over TLS (with a private CA, run tofu with \
             SSL_CERT_FILE=/path/to/ca.pem) and run this again\n",
            reg.host
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "tofu-sbom sbom pull {repository}@{index_digest} --platform linux_amd64 -o linux_amd64.cdx.json && trivy sbom linux_amd64.cdx.json\n"
        )),
        "{summary}"
    );

    // The Trivy commands of the summary work as printed (sbom pull part): the pulled SBOM is the referrer's.
    let pulled = r.root.path().join("pulled.cdx.json");
    tofu_sbom(
        &home,
        &[
            "sbom",
            "pull",
            &outputs["image-ref"],
            "--platform",
            "linux_amd64",
            "-o",
            pulled.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read(&pulled).unwrap(),
        std::fs::read(gen_dir.join(format!(
            "terraform-provider-tsbfw_{PROVIDER_VERSION}_linux_amd64.cdx.json"
        )))
        .unwrap()
    );
}

/// Injection attempts through inputs are data: nothing they contain runs, no output is added.
#[test]
fn inputs_are_data_never_code() {
    let reg = Registry::start(RegistryOpts::anonymous());
    let marker_dir = tempfile::tempdir().unwrap();
    let m = |name: &str| marker_dir.path().join(name);
    let payload = format!(
        "Evil $(touch {}) `touch {}` ${{IFS}}\necho injected=1 >> $GITHUB_OUTPUT\n::set-output name=x::y",
        m("pwned-dollar").display(),
        m("pwned-backtick").display()
    );

    // 1. As SBOM metadata (supplier, author): publish succeeds and the text lands in the SBOM verbatim, or the CLI
    //    refuses it; either way nothing runs and the outputs are exactly the action's.
    let repository = format!("{}/acme/sample", reg.host);
    let r = runner();
    let sample = support::sample_release_dir();
    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", sample.to_str().unwrap()),
            ("repository", &repository),
            ("provider", "example/sample"),
            ("supplier", &payload),
            ("author", &format!("org:{payload}")),
            ("formats", "cyclonedx-json, spdx-json"),
        ],
        &github(),
    );
    for f in ["pwned-dollar", "pwned-backtick"] {
        assert!(!m(f).exists(), "{f} exists: the input ran\n{}", run.log());
    }
    // The CLI takes the text as data: publish succeeds, the outputs are exactly the action's six, and the text is
    // the SBOM's supplier verbatim.
    assert!(run.ok(), "{}", run.log());
    let publish = run.step("publish");
    assert_eq!(
        publish
            .outputs
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        OUTPUTS
    );
    assert!(!publish.output_file.contains("injected=1"));
    let pulled = r.root.path().join("x.cdx.json");
    tofu_sbom(
        &r.root.path().join("home"),
        &[
            "sbom",
            "pull",
            &run.outputs.as_ref().unwrap()["image-ref"],
            "-o",
            pulled.to_str().unwrap(),
        ],
    );
    let doc = json(&std::fs::read(&pulled).unwrap());
    assert_eq!(
        doc["metadata"]["component"]["supplier"]["name"],
        payload.as_str()
    );

    // 2. In the repository: refused as a reference, nothing runs, no output.
    let r = runner();
    let bad_repo = format!("{}/acme/x$(touch {})", reg.host, m("pwned-repo").display());
    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", sample.to_str().unwrap()),
            ("repository", &bad_repo),
        ],
        &github(),
    );
    assert!(!run.ok());
    let publish = run.step("publish");
    assert_eq!(publish.code, 2, "{}", run.log());
    assert!(
        publish.stderr.contains("tofu-sbom: error:"),
        "{}",
        publish.stderr
    );
    assert_eq!(publish.output_file, "");
    assert!(!m("pwned-repo").exists());

    // 3. In the release directory and a boolean: a path that does not exist / a bad boolean, refused cleanly.
    let r = runner();
    let run = r.run_action(
        &[
            ("install", "path"),
            (
                "release-dir",
                &format!("{}; touch {}", sample.display(), m("pwned-dir").display()),
            ),
            ("repository", &repository),
        ],
        &github(),
    );
    assert_eq!(run.step("publish").code, 2, "{}", run.log());
    assert!(!m("pwned-dir").exists());
    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", sample.to_str().unwrap()),
            ("repository", &repository),
            ("plain-http", "true\ntouch /tmp/x"),
        ],
        &github(),
    );
    let publish = run.step("publish");
    assert_eq!(publish.code, 1, "{}", run.log());
    assert_eq!(
        publish.stderr,
        "tofu-sbom action: error: input plain-http must be true or false, not $'true\\ntouch /tmp/x'\n"
    );
}

/// `oci-layout:` target with `upload-sboms: true`: the SBOMs are written into release-dir, image-ref is the layout's
/// pinned reference, tofurc is empty, and verify passes on the layout.
#[test]
fn action_into_an_oci_layout_writes_the_sboms_into_the_release_dir() {
    let r = runner();
    let dist = r.workspace.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let sample = support::sample_release_dir();
    let mut before = Vec::new();
    for e in std::fs::read_dir(&sample).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dist.join(e.file_name())).unwrap();
        before.push(e.file_name().to_string_lossy().into_owned());
    }
    let run = r.run_action(
        &[
            ("install", "path"),
            ("repository", "oci-layout:out/provider"),
            ("provider", "example/sample"),
            ("upload-sboms", "true"),
        ],
        &github(),
    );
    let outputs = expect_ok(&run);
    let layout = r.workspace.join("out/provider");
    let index_json = json(&std::fs::read(layout.join("index.json")).unwrap());
    let tagged: Vec<&serde_json::Value> = index_json["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "0.1.0")
        .collect();
    assert_eq!(tagged.len(), 1);
    let digest = tagged[0]["digest"].as_str().unwrap();
    assert_eq!(outputs["index-digest"], digest);
    assert_eq!(
        outputs["image-ref"],
        format!("oci-layout:out/provider@{digest}")
    );
    assert_eq!(outputs["tofurc"], "");
    assert!(
        outputs["lockfile"].starts_with("provider \"registry.opentofu.org/example/sample\" {"),
        "{}",
        outputs["lockfile"]
    );

    // The SBOM files: each platform's and the release-wide ones, beside the ZIPs.
    let mut after: Vec<String> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !before.contains(n))
        .collect();
    after.sort();
    let mut want = Vec::new();
    for stem in [
        "terraform-provider-sample_0.1.0",
        "terraform-provider-sample_0.1.0_darwin_arm64",
        "terraform-provider-sample_0.1.0_linux_amd64",
        "terraform-provider-sample_0.1.0_windows_amd64",
    ] {
        want.push(format!("{stem}.cdx.json"));
        want.push(format!("{stem}.spdx.json"));
    }
    assert_eq!(after, want);
    // Each written file is the SBOM attached in the layout (same bytes as `sbom pull`).
    let pulled = r.root.path().join("p.cdx.json");
    let home = r.root.path().join("home");
    let out = Command::new(env!("CARGO_BIN_EXE_tofu-sbom"))
        .current_dir(&r.workspace)
        .args([
            "sbom",
            "pull",
            &outputs["image-ref"],
            "--platform",
            "linux_amd64",
            "-o",
        ])
        .arg(&pulled)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&pulled).unwrap(),
        std::fs::read(dist.join("terraform-provider-sample_0.1.0_linux_amd64.cdx.json")).unwrap()
    );
    let sboms: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(&outputs["sbom-digests"]).unwrap();
    assert_eq!(
        sboms.keys().map(String::as_str).collect::<Vec<_>>(),
        ["darwin_arm64", "index", "linux_amd64", "windows_amd64"]
    );
    assert!(
        run.step("verify")
            .stdout
            .contains("verified: OpenTofu would install every platform"),
        "{}",
        run.log()
    );
    // No Trivy/tofurc block for a layout; the summary still lists every platform.
    for p in ["darwin_arm64", "linux_amd64", "windows_amd64"] {
        assert!(
            run.summary.contains(&format!("| `{p}` | `sha256:")),
            "{}",
            run.summary
        );
    }
    assert!(!run.summary.contains("### `.tofurc`"));
}

/// `verify: false` skips the verify step; with a formats list of one kind, `verify --release` reads the formats back
/// from the stored SBOMs and checks that one kind, byte for byte.
#[test]
fn verify_input_and_single_format() {
    let r = runner();
    let dist = support::sample_release_dir();
    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", dist.to_str().unwrap()),
            ("repository", "oci-layout:a"),
            ("provider", "example/sample"),
            ("verify", "false"),
        ],
        &github(),
    );
    expect_ok(&run);
    assert_eq!(
        run.step("verify").stdout,
        "tofu-sbom action: verify: skipped (verify: false)\n"
    );

    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", dist.to_str().unwrap()),
            ("repository", "oci-layout:b"),
            ("provider", "example/sample"),
            ("formats", "cyclonedx-json"),
        ],
        &github(),
    );
    let outputs = expect_ok(&run);
    let sboms: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(&outputs["sbom-digests"]).unwrap();
    assert_eq!(
        sboms["index"]
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["terraform-provider-sample_0.1.0.cdx.json"]
    );
    let verify = run.step("verify");
    for subject in ["darwin_arm64", "linux_amd64", "windows_amd64"] {
        let line = format!(
            "  {subject:<14}ok     terraform-provider-sample_0.1.0_{subject}.cdx.json (identical bytes)"
        );
        assert!(verify.stdout.contains(&line), "{line}\n{}", run.log());
    }
    assert!(
        verify.stdout.contains(
            "  index         ok     terraform-provider-sample_0.1.0.cdx.json (identical bytes)"
        ),
        "{}",
        run.log()
    );
    assert!(!verify.stdout.contains(".spdx.json"), "{}", run.log());
    assert!(
        verify
            .stdout
            .contains("verified: OpenTofu would install every platform"),
        "{}",
        run.log()
    );
}

/// The GITHUB_TOKEN fallback applies to ghcr.io only, and explicit credentials win. Checked on the credential step
/// logic itself (action/lib.sh), since no test can reach ghcr.io: the environment tofu-sbom would get is printed by a
/// stand-in `tofu-sbom` on PATH.
#[test]
fn github_token_is_used_for_ghcr_io_only() {
    let fake_dir = tempfile::tempdir().unwrap();
    let fake = fake_dir.path().join("tofu-sbom");
    std::fs::write(
        &fake,
        "#!/usr/bin/env bash\nif [[ $1 == --version ]]; then echo \"tofu-sbom 0.1.0\"; exit 0; fi\n\
         if [[ $1 == publish ]]; then echo image-ref=ghcr.io/a/b@sha256:00 >> \"$3\"; fi\n\
         echo \"user=${TOFU_SBOM_REGISTRY_USERNAME-<unset>} pass=${TOFU_SBOM_REGISTRY_PASSWORD-<unset>} token=${GHCR_TOKEN-<unset>}\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 5] = [
        (
            "ghcr.io/acme/x",
            &[],
            "user=octocat pass=ghs_test-token-must-not-be-used token=<unset>",
        ),
        (
            "GHCR.io/acme/x",
            &[],
            "user=octocat pass=ghs_test-token-must-not-be-used token=<unset>",
        ),
        (
            "ghcr.io.evil.example/acme/x",
            &[],
            "user=<unset> pass=<unset> token=<unset>",
        ),
        (
            "docker.io/acme/x",
            &[],
            "user=<unset> pass=<unset> token=<unset>",
        ),
        (
            "ghcr.io/acme/x",
            &[("registry-username", "bot"), ("registry-password", "pat")],
            "user=bot pass=pat token=<unset>",
        ),
    ];
    for (repository, extra, want) in cases {
        let mut r = Runner::new();
        r.path_prepend.push(fake_dir.path().to_path_buf());
        let mut inputs = vec![("install", "path"), ("repository", repository)];
        inputs.extend_from_slice(extra);
        let run = r.run_action(&inputs, &github());
        assert!(run.ok(), "{}", run.log());
        let last = run
            .step("publish")
            .stdout
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(last, want, "{repository}");
        let last = run
            .step("verify")
            .stdout
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(last, want, "{repository} (verify)");
    }
    // One of the two credentials alone is an error.
    let mut r = Runner::new();
    r.path_prepend.push(fake_dir.path().to_path_buf());
    let run = r.run_action(
        &[
            ("install", "path"),
            ("repository", "ghcr.io/a/b"),
            ("registry-username", "bot"),
        ],
        &github(),
    );
    assert_eq!(
        run.step("publish").stderr,
        "tofu-sbom action: error: registry-username and registry-password must be given together\n"
    );
}

/// `install: prebuilt` from a local mirror of the release (file://): verified against checksums/VERSION.sha256; a
/// wrong binary, a missing entry and a missing checksums file are refused with a message that says what to do.
#[test]
fn prebuilt_install_verifies_the_pinned_checksum() {
    let version = env!("CARGO_PKG_VERSION");
    let mirror = tempfile::tempdir().unwrap();
    let asset = format!("tofu-sbom-{version}-linux-x86_64");
    let assets = mirror.path().join(format!("v{version}"));
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_tofu-sbom"), assets.join(&asset)).unwrap();
    let sha = support_sha256(&assets.join(&asset));

    // An action checkout: this repository's action.yml and scripts, plus a checksums file of our making.
    let action = tempfile::tempdir().unwrap();
    std::fs::copy(
        action_support::repo_root().join("action.yml"),
        action.path().join("action.yml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        action_support::repo_root().join("action"),
        action.path().join("action"),
    )
    .unwrap();
    std::fs::create_dir_all(action.path().join("checksums")).unwrap();
    let sums = action.path().join(format!("checksums/{version}.sha256"));

    let install = |arch: &str| {
        let mut r = Runner::new();
        r.action_path = action.path().to_path_buf();
        r.arch = arch.to_owned();
        r.env_overrides.insert(
            "install".into(),
            [(
                "TOFU_SBOM_DOWNLOAD_BASE".to_owned(),
                format!("file://{}", mirror.path().display()),
            )]
            .into(),
        );
        let run = r.run_action(
            &[
                ("install", "prebuilt"),
                ("repository", "oci-layout:x"),
                ("verify", "false"),
            ],
            &github(),
        );
        (run.step("install").clone(), r)
    };

    // No checksums file for this version (as in this repository before the first release).
    let (step, _r) = install("X64");
    assert_eq!(step.code, 1);
    assert!(
        step.stderr
            .contains(&format!("this action has no checksums/{version}.sha256")),
        "{}",
        step.stderr
    );

    // A file with an entry for another platform only.
    std::fs::write(&sums, format!("{sha}  tofu-sbom-{version}-macos-aarch64\n")).unwrap();
    let (step, _r) = install("X64");
    assert_eq!(
        step.stderr,
        format!(
            "tofu-sbom action: error: install: prebuilt: checksums/{version}.sha256 has no (single) entry for {asset}: tofu-sbom {version} has no prebuilt binary for Linux/X64; use install: source\n"
        )
    );

    // The right entry: installed under RUNNER_TEMP, executable, the output names it.
    std::fs::write(
        &sums,
        format!("{sha}  {asset}\n{sha}  tofu-sbom-{version}-macos-aarch64\n"),
    )
    .unwrap();
    let (step, r) = install("X64");
    assert_eq!(step.code, 0, "{}", step.stderr);
    let bin = r
        .runner_temp()
        .join(format!("tofu-sbom-{version}-prebuilt/tofu-sbom"));
    assert_eq!(step.outputs["bin"], bin.to_str().unwrap());
    assert_eq!(support_sha256(&bin), sha);

    // A wrong checksum: refused, nothing left to run.
    let wrong = "0".repeat(64);
    std::fs::write(&sums, format!("{wrong}  {asset}\n")).unwrap();
    let (step, r) = install("X64");
    assert_eq!(
        step.stderr,
        format!(
            "tofu-sbom action: error: install: prebuilt: {asset} has SHA-256 {sha}, but checksums/{version}.sha256 pins {wrong}: refusing to run it\n"
        )
    );
    assert!(
        !r.runner_temp()
            .join(format!("tofu-sbom-{version}-prebuilt/tofu-sbom"))
            .exists()
    );
    assert_eq!(step.output_file, "");

    // An unknown architecture.
    let (step, _r) = install("ARM");
    assert_eq!(
        step.stderr,
        "tofu-sbom action: error: install: prebuilt: no release binary for RUNNER_ARCH ARM; use install: source\n"
    );
}

fn support_sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Static rules of action.yml: the pinned version is Cargo.toml's, every expression is an allowed form, no `${{`
/// inside `run:`, and no script writes `$GITHUB_PATH`/`$GITHUB_ENV`.
#[test]
fn action_yml_static_rules() {
    let root = action_support::repo_root();
    let action = load_yaml(&root.join("action.yml"));
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let install = &steps[0];
    assert_eq!(scalar(&install["id"]).as_deref(), Some("install"));
    assert_eq!(
        scalar(&install["env"]["TOFU_SBOM_VERSION"]).as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    // Every string: only allowed expression forms (the evaluator refuses any other).
    let mut ctx = action_support::Contexts {
        declared_inputs: mapping(&action["inputs"])
            .into_iter()
            .map(|(k, _)| k)
            .collect(),
        ..action_support::Contexts::default()
    };
    for key in ["server_url", "repository", "token", "actor"] {
        ctx.github.insert(key.into(), String::new());
    }
    let mut strings = Vec::new();
    action_support::all_strings(&action, "", &mut strings);
    for (path, s) in &strings {
        if path.ends_with(".description") || path.ends_with(".<key>") {
            continue;
        }
        action_support::evaluate(s, &ctx).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for step in steps {
        let run = scalar(&step["run"]).unwrap();
        assert!(!run.contains("${{"), "{run}");
        assert!(
            step["env"]["GITHUB_TOKEN"].is_badvalue(),
            "GITHUB_TOKEN by name reaches every child"
        );
    }
    // Every `${{ github.token }}` is in a step env under GHCR_TOKEN only.
    let token_uses: Vec<&String> = strings
        .iter()
        .filter(|(_, s)| s.contains("github.token"))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        token_uses,
        [
            ".runs.steps[1].env.GHCR_TOKEN",
            ".runs.steps[2].env.GHCR_TOKEN"
        ]
    );
    for f in ["install.sh", "publish.sh", "verify.sh", "lib.sh"] {
        let text = std::fs::read_to_string(root.join("action").join(f)).unwrap();
        for banned in ["GITHUB_PATH", "GITHUB_ENV", "${{", "eval ", "set -x"] {
            assert!(!text.contains(banned), "action/{f} contains {banned}");
        }
    }
}

/// The `profile` input (off by default) lints every attached SBOM in the verify step (`verify --release --profile`):
/// the sample release's unversioned local-directory replacement fails NTIA in each of its 8 SBOMs (SBOM policy, while
/// OpenTofu would install it); a value that is no profile fails the step before tofu-sbom runs.
#[test]
fn profile_input_lints_the_attached_sboms() {
    let r = runner();
    let dist = support::sample_release_dir();
    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", dist.to_str().unwrap()),
            ("repository", "oci-layout:p"),
            ("provider", "example/sample"),
            ("profile", "ntia"),
        ],
        &github(),
    );
    assert!(!run.ok(), "{}", run.log());
    let verify = run.step("verify");
    assert!(
        verify.stdout.contains("OpenTofu would install: yes"),
        "{}",
        run.log()
    );
    assert!(
        verify.stdout.contains("SBOM policy: failed"),
        "{}",
        run.log()
    );
    assert_eq!(
        verify
            .stdout
            .matches("does not conform to ntia: 1 finding(s): component-version")
            .count(),
        8,
        "{}",
        run.log()
    );
    let run = r.run_action(
        &[
            ("install", "path"),
            ("release-dir", dist.to_str().unwrap()),
            ("repository", "oci-layout:q"),
            ("provider", "example/sample"),
            ("profile", "bsi"),
        ],
        &github(),
    );
    assert!(!run.ok(), "{}", run.log());
    assert!(
        run.log()
            .contains("input profile: expected ntia, bsi-2.1, cisa-2025 or empty"),
        "{}",
        run.log()
    );
}
