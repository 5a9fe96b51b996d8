//! Lints of the GitHub files with the official tools, as part of `cargo test` (installed by `./scripts/deps` into the
//! Python tools venv, `$TOFU_SBOM_PYTHON_TOOLS`; shellcheck from Debian): `action.yml` against check-jsonschema's
//! vendored `vendor.github-actions` schema, every workflow (and every workflow in the README that uses this action)
//! against `vendor.github-workflows`, zizmor `--offline --persona pedantic` with no findings, and shellcheck on the
//! action's scripts. check-jsonschema's built-in schemas ship inside the package: no network.

use crate::support;
use crate::support::action as action_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use action_support::{readme_action_workflows, repo_root};

fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e} (./scripts/deps installs it)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn check_jsonschema(schema: &str, files: &[PathBuf]) {
    let (code, text) = run(Command::new(support::python_tools_bin("check-jsonschema"))
        .args(["--builtin-schema", schema])
        .args(files));
    assert_eq!(code, 0, "check-jsonschema {schema} {files:?}:\n{text}");
    assert!(text.contains("ok -- validation done"), "{text}");
}

/// zizmor, offline, pedantic persona (the strictest), with `config` when given.
fn zizmor(files: &[PathBuf], config: Option<&Path>) {
    let mut cmd = Command::new(support::python_tools_bin("zizmor"));
    cmd.args(["--offline", "--persona", "pedantic", "--no-progress"]);
    match config {
        Some(c) => cmd.arg("--config").arg(c),
        None => cmd.arg("--no-config"),
    };
    let (code, text) = run(cmd.args(files));
    assert_eq!(code, 0, "zizmor {files:?}:\n{text}");
    assert!(text.contains("No findings to report"), "{text}");
    assert!(!text.contains("suppressed"), "{text}");
}

fn workflows() -> Vec<PathBuf> {
    let dir = repo_root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect(".github/workflows")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn action_yml_matches_the_github_actions_schema() {
    check_jsonschema("vendor.github-actions", &[repo_root().join("action.yml")]);
}

#[test]
fn workflows_match_the_github_workflows_schema() {
    let files = workflows();
    assert_eq!(
        files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        ["ci.yml", "release.yml"]
    );
    check_jsonschema("vendor.github-workflows", &files);
}

#[test]
fn zizmor_finds_nothing_in_the_action_and_workflows() {
    let mut files = vec![repo_root().join("action.yml")];
    files.extend(workflows());
    zizmor(&files, None);
}

/// Third-party actions in the workflows are pinned to full commit SHAs with the tag in a comment.
#[test]
fn third_party_actions_are_pinned_by_sha() {
    for wf in workflows() {
        let text = std::fs::read_to_string(&wf).unwrap();
        for line in text.lines().filter(|l| l.contains("uses:")) {
            let spec = line.split("uses:").nth(1).unwrap().trim();
            let (action, rest) = spec.split_once('@').expect("uses: X@REF");
            let (sha, comment) = rest
                .split_once(" # v")
                .unwrap_or_else(|| panic!("{line}: no tag comment"));
            assert!(action.contains('/'), "{line}");
            assert!(
                sha.len() == 40
                    && sha
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{line}: not a full commit SHA"
            );
            assert!(
                comment.chars().next().is_some_and(|c| c.is_ascii_digit()),
                "{line}"
            );
        }
    }
}

#[test]
fn action_scripts_pass_shellcheck() {
    let dir = repo_root().join("action");
    let (code, text) = run(Command::new("shellcheck").current_dir(&dir).args([
        "--external-sources",
        "lib.sh",
        "install.sh",
        "publish.sh",
        "verify.sh",
    ]));
    assert_eq!(code, 0, "shellcheck:\n{text}");
}

/// The README's workflows that use this action lint clean like the repository's own. zizmor's config for them allows
/// exactly one thing: referencing this action by its major tag (`tofu-sbom/tofu-sbom@v1`), the documented way to use
/// it (the release process moves `v1` to a commit that pins the binaries' checksums, RELEASING.md); every other
/// action in them must be SHA-pinned.
#[test]
fn readme_workflows_lint_clean() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let blocks = readme_action_workflows(&readme);
    assert!(
        !blocks.is_empty(),
        "the README has no workflow using the action"
    );
    let dir = tempfile::tempdir().unwrap();
    let wf_dir = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf_dir).unwrap();
    let mut files = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        // Each block is a whole workflow file, not a fragment.
        let doc = action_support::load_yaml_str(block);
        assert!(
            !doc["jobs"].is_badvalue(),
            "README block {i} is not a whole workflow:\n{block}"
        );
        let f = wf_dir.join(format!("readme-{i}.yml"));
        std::fs::write(&f, block).unwrap();
        files.push(f);
    }
    check_jsonschema("vendor.github-workflows", &files);
    let config = dir.path().join("zizmor.yml");
    std::fs::write(
        &config,
        "rules:\n  unpinned-uses:\n    config:\n      policies:\n        \"tofu-sbom/tofu-sbom\": ref-pin\n        \"*\": hash-pin\n",
    )
    .unwrap();
    zizmor(&files, Some(&config));
}
