//! A small stand-in for a GitHub Actions runner, enough to run this repository's composite action (`action.yml`) the
//! way a runner does, without GitHub: parse `action.yml` (yaml-rust2), evaluate each step's `env:` mapping with an
//! evaluator of exactly the expression forms the action may use (`inputs.X`, `github.X`, `steps.ID.outputs.X`; any
//! other form is an error, so a future `${{ secrets.X }}` or `${{ inputs.x == 'y' }}` fails the tests), run the
//! step's `run:` script with `bash --noprofile --norc -eo pipefail FILE` (the runner's `shell: bash`), with a fresh
//! `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file per step, and feed the step outputs (parsed from `GITHUB_OUTPUT`,
//! heredocs included) forward. Nothing here duplicates the action: every step, env mapping and output comes from the
//! file itself.
//!
//! No installable program implements a GitHub runner (the real one needs GitHub), hence this harness.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use yaml_rust2::{Yaml, YamlLoader};

/// The repository root (`GITHUB_ACTION_PATH` of the action).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses a YAML file into its single document.
pub(crate) fn load_yaml(path: &Path) -> Yaml {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    load_yaml_str(&text)
}

/// Parses YAML text into its single document.
pub(crate) fn load_yaml_str(text: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("YAML: {e}"));
    assert_eq!(docs.len(), 1, "one YAML document");
    docs.remove(0)
}

/// A scalar as the runner sees it: a string (numbers and booleans in their YAML spelling).
pub(crate) fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The keys and values of a mapping, in file order (panics when `y` is not a mapping).
pub(crate) fn mapping(y: &Yaml) -> Vec<(String, &Yaml)> {
    match y {
        Yaml::Hash(h) => h
            .iter()
            .map(|(k, v)| (scalar(k).expect("a scalar key"), v))
            .collect(),
        other => panic!("expected a mapping, got {other:?}"),
    }
}

/// The contexts an expression can read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Contexts {
    /// Input values (given, else the evaluated defaults).
    pub inputs: BTreeMap<String, String>,
    /// The `github` context (only the properties the tests set; any other is an error).
    pub github: BTreeMap<String, String>,
    /// Outputs of the steps run so far, by step id.
    pub steps: BTreeMap<String, BTreeMap<String, String>>,
    /// The input names `action.yml` declares (an undeclared `inputs.X` is an error, as it would be empty on GitHub).
    pub declared_inputs: Vec<String>,
}

/// Evaluates every `${{ … }}` in `template`. Allowed: `inputs.NAME` (declared), `github.NAME`, `steps.ID.outputs.NAME`
/// (a step that has not run, or an output it did not write, gives `""` as on GitHub). Anything else is an error.
pub(crate) fn evaluate(template: &str, ctx: &Contexts) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unterminated expression in {template:?}"))?;
        let expr = after[..end].trim();
        out.push_str(&lookup(expr, ctx)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn lookup(expr: &str, ctx: &Contexts) -> Result<String, String> {
    let parts: Vec<&str> = expr.split('.').collect();
    if !parts.iter().all(|p| is_name(p)) {
        return Err(format!("expression form not allowed: ${{{{ {expr} }}}}"));
    }
    match parts.as_slice() {
        ["inputs", name] => {
            if !ctx.declared_inputs.iter().any(|d| d == name) {
                return Err(format!("undeclared input in ${{{{ {expr} }}}}"));
            }
            Ok(ctx.inputs.get(*name).cloned().unwrap_or_default())
        }
        ["github", name] => ctx
            .github
            .get(*name)
            .cloned()
            .ok_or_else(|| format!("github.{name} is not provided by this harness")),
        ["steps", id, "outputs", name] => Ok(ctx
            .steps
            .get(*id)
            .and_then(|o| o.get(*name))
            .cloned()
            .unwrap_or_default()),
        _ => Err(format!("expression form not allowed: ${{{{ {expr} }}}}")),
    }
}

/// Every string scalar anywhere in `y` (keys included), with its path.
pub(crate) fn all_strings(y: &Yaml, path: &str, out: &mut Vec<(String, String)>) {
    match y {
        Yaml::String(s) => out.push((path.to_owned(), s.clone())),
        Yaml::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                all_strings(v, &format!("{path}[{i}]"), out);
            }
        }
        Yaml::Hash(h) => {
            for (k, v) in h {
                let key = scalar(k).unwrap_or_default();
                all_strings(k, &format!("{path}.<key>"), out);
                all_strings(v, &format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

/// Parses a `$GITHUB_OUTPUT` file as the runner does: `NAME=VALUE` lines and `NAME<<DELIMITER` heredocs (the value is
/// the lines up to the line equal to the delimiter, joined with `\n`). Errors on anything else.
pub(crate) fn parse_github_output(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            if !is_name(name) || delim.is_empty() {
                return Err(format!("bad heredoc line {line:?}"));
            }
            let mut value: Vec<&str> = Vec::new();
            loop {
                match lines.next() {
                    Some(l) if l == delim => break,
                    Some(l) => value.push(l),
                    None => return Err(format!("heredoc of {name} is not terminated")),
                }
            }
            out.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            if !is_name(name) {
                return Err(format!("bad output line {line:?}"));
            }
            out.insert(name.to_owned(), value.to_owned());
        } else {
            return Err(format!("bad output line {line:?}"));
        }
    }
    Ok(out)
}

/// The runner environment of one action run.
#[derive(Debug)]
pub(crate) struct Runner {
    /// Temporary root: `RUNNER_TEMP`, `HOME`, the per-step output and summary files.
    pub root: tempfile::TempDir,
    /// The working directory of the steps (the job's workspace).
    pub workspace: PathBuf,
    /// `GITHUB_ACTION_PATH`.
    pub action_path: PathBuf,
    /// Directories put first on `PATH`.
    pub path_prepend: Vec<PathBuf>,
    /// `RUNNER_OS`, `RUNNER_ARCH`.
    pub os: String,
    /// `RUNNER_ARCH`.
    pub arch: String,
    /// Environment variables overriding a step's evaluated `env:` (by step id), for tests of the install step.
    pub env_overrides: BTreeMap<String, BTreeMap<String, String>>,
    /// Extra environment for every step (e.g. an isolated `DOCKER_CONFIG`).
    pub extra_env: BTreeMap<String, String>,
}

/// One step's run.
#[derive(Debug, Clone)]
pub(crate) struct StepRun {
    /// The step id.
    pub id: String,
    /// Exit code (-1 on a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The raw `GITHUB_OUTPUT` file.
    pub output_file: String,
    /// Parsed outputs.
    pub outputs: BTreeMap<String, String>,
    /// The step's `GITHUB_STEP_SUMMARY` text.
    pub summary: String,
}

/// The result of a whole action run.
#[derive(Debug, Clone)]
pub(crate) struct ActionRun {
    /// Steps run, in order (stops after the first failing one, as a runner does).
    pub steps: Vec<StepRun>,
    /// The action's outputs (`outputs.*.value` evaluated), when every step succeeded.
    pub outputs: Option<BTreeMap<String, String>>,
    /// Every step's summary, concatenated (what the job summary shows).
    pub summary: String,
}

impl ActionRun {
    /// True when every step exited 0.
    pub(crate) fn ok(&self) -> bool {
        self.outputs.is_some()
    }

    /// The step with this id (panics when it did not run).
    pub(crate) fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id} did not run"))
    }

    /// Everything the steps printed, for failure messages.
    pub(crate) fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| {
                format!(
                    "--- step {} (exit {})\nstdout:\n{}\nstderr:\n{}",
                    s.id, s.code, s.stdout, s.stderr
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Runner {
    /// A Linux X64 runner whose action path is this repository.
    pub(crate) fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("tofu-sbom-runner")
            .tempdir()
            .expect("runner temp dir");
        let workspace = root.path().join("workspace");
        std::fs::create_dir_all(&workspace).expect("workspace");
        std::fs::create_dir_all(root.path().join("temp")).expect("RUNNER_TEMP");
        std::fs::create_dir_all(root.path().join("home/.docker")).expect("HOME");
        Self {
            root,
            workspace,
            action_path: repo_root(),
            path_prepend: Vec::new(),
            os: "Linux".into(),
            arch: "X64".into(),
            env_overrides: BTreeMap::new(),
            extra_env: BTreeMap::new(),
        }
    }

    /// `RUNNER_TEMP`.
    pub(crate) fn runner_temp(&self) -> PathBuf {
        self.root.path().join("temp")
    }

    /// Runs the action at `self.action_path` with `inputs` (and the defaults of the others) and `github` context.
    pub(crate) fn run_action(
        &self,
        inputs: &[(&str, &str)],
        github: &BTreeMap<String, String>,
    ) -> ActionRun {
        let action = load_yaml(&self.action_path.join("action.yml"));
        assert_eq!(
            scalar(&action["runs"]["using"]).as_deref(),
            Some("composite")
        );
        let mut ctx = Contexts {
            github: github.clone(),
            ..Contexts::default()
        };
        let declared = mapping(&action["inputs"]);
        ctx.declared_inputs = declared.iter().map(|(k, _)| k.clone()).collect();
        for (name, _) in inputs {
            assert!(
                ctx.declared_inputs.iter().any(|d| d == name),
                "input {name} is not declared in action.yml"
            );
        }
        for (name, spec) in &declared {
            let given = inputs.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
            let value = match given {
                Some(v) => v.to_owned(),
                None => {
                    let required = matches!(spec["required"], Yaml::Boolean(true));
                    assert!(!required, "required input {name} not given");
                    let default = scalar(&spec["default"]).unwrap_or_default();
                    evaluate(&default, &ctx)
                        .unwrap_or_else(|e| panic!("default of input {name}: {e}"))
                }
            };
            ctx.inputs.insert(name.clone(), value);
        }

        let mut run = ActionRun {
            steps: Vec::new(),
            outputs: None,
            summary: String::new(),
        };
        let steps = action["runs"]["steps"]
            .as_vec()
            .expect("runs.steps is a list");
        for (i, step) in steps.iter().enumerate() {
            let keys: Vec<String> = mapping(step).into_iter().map(|(k, _)| k).collect();
            for k in &keys {
                assert!(
                    ["id", "name", "shell", "env", "run"].contains(&k.as_str()),
                    "step {i}: key {k} is not supported by this harness (and not used by the action)"
                );
            }
            let id = scalar(&step["id"]).unwrap_or_else(|| panic!("step {i} has no id"));
            assert_eq!(
                scalar(&step["shell"]).as_deref(),
                Some("bash"),
                "step {id}: shell"
            );
            let script = scalar(&step["run"]).unwrap_or_else(|| panic!("step {id}: no run"));
            assert!(
                !script.contains("${{"),
                "step {id}: an expression inside run:"
            );
            let mut env = BTreeMap::new();
            if !step["env"].is_badvalue() {
                for (k, v) in mapping(&step["env"]) {
                    let raw =
                        scalar(v).unwrap_or_else(|| panic!("step {id}: env {k} not a scalar"));
                    let value =
                        evaluate(&raw, &ctx).unwrap_or_else(|e| panic!("step {id}: env {k}: {e}"));
                    env.insert(k, value);
                }
            }
            if let Some(o) = self.env_overrides.get(&id) {
                env.extend(o.clone());
            }
            let result = self.run_step(&id, i, &script, &env);
            ctx.steps.insert(id.clone(), result.outputs.clone());
            run.summary.push_str(&result.summary);
            let failed = result.code != 0;
            run.steps.push(result);
            if failed {
                return run;
            }
        }
        let mut outputs = BTreeMap::new();
        for (name, spec) in mapping(&action["outputs"]) {
            let raw = scalar(&spec["value"]).unwrap_or_else(|| panic!("output {name}: no value"));
            let value = evaluate(&raw, &ctx).unwrap_or_else(|e| panic!("output {name}: {e}"));
            outputs.insert(name, value);
        }
        run.outputs = Some(outputs);
        run
    }

    fn run_step(
        &self,
        id: &str,
        index: usize,
        script: &str,
        env: &BTreeMap<String, String>,
    ) -> StepRun {
        let dir = self.root.path().join(format!("step-{index}-{id}"));
        std::fs::create_dir_all(&dir).expect("step dir");
        let script_path = dir.join("script.sh");
        std::fs::write(&script_path, script).expect("write the step script");
        let output_file = dir.join("github_output");
        let summary_file = dir.join("step_summary");
        std::fs::write(&output_file, "").expect("GITHUB_OUTPUT");
        std::fs::write(&summary_file, "").expect("GITHUB_STEP_SUMMARY");
        let mut path = self.path_prepend.clone();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(&self.workspace)
            .env_clear()
            .env("PATH", std::env::join_paths(path).expect("PATH"))
            .env("HOME", self.root.path().join("home"))
            .env("DOCKER_CONFIG", self.root.path().join("home/.docker"))
            .env("XDG_RUNTIME_DIR", self.root.path().join("home/run"))
            .env("XDG_CONFIG_HOME", self.root.path().join("home/.config"))
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("GITHUB_ACTION_PATH", &self.action_path)
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("RUNNER_OS", &self.os)
            .env("RUNNER_ARCH", &self.arch)
            .env("RUNNER_TEMP", self.runner_temp())
            .envs(&self.extra_env)
            .envs(env)
            .stdin(Stdio::null());
        // The cargo home and toolchain, for `install: source`.
        for var in ["CARGO_HOME", "RUSTUP_HOME"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        let out = cmd.output().expect("run bash");
        let raw = std::fs::read_to_string(&output_file).expect("read GITHUB_OUTPUT");
        let outputs = parse_github_output(&raw)
            .unwrap_or_else(|e| panic!("step {id}: GITHUB_OUTPUT unparsable ({e}):\n{raw}"));
        StepRun {
            id: id.to_owned(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            output_file: raw,
            outputs,
            summary: std::fs::read_to_string(&summary_file).expect("read the summary"),
        }
    }
}

/// The fenced ```yaml blocks of a Markdown text that contain `uses:` of this action (`…/tofu-sbom@…`).
pub(crate) fn readme_action_workflows(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml")
                || line.trim_start().starts_with("```yml") =>
            {
                current = Some(String::new());
            }
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
        .into_iter()
        .filter(|b| {
            b.lines().any(|l| {
                let l = l.trim_start().trim_start_matches("- ");
                l.starts_with("uses:") && l.contains("/tofu-sbom@")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluator_allows_exactly_three_forms() {
        let mut ctx = Contexts {
            declared_inputs: vec!["release-dir".into()],
            ..Contexts::default()
        };
        ctx.inputs.insert("release-dir".into(), "dist".into());
        ctx.github.insert("token".into(), "T".into());
        ctx.steps
            .entry("install".into())
            .or_default()
            .insert("bin".into(), "/x/tofu-sbom".into());
        assert_eq!(
            evaluate(
                "${{ inputs.release-dir }}:${{github.token}}:${{ steps.install.outputs.bin }}",
                &ctx
            )
            .unwrap(),
            "dist:T:/x/tofu-sbom"
        );
        assert_eq!(evaluate("${{ steps.nope.outputs.x }}", &ctx).unwrap(), "");
        for (bad, why) in [
            (
                "${{ secrets.X }}",
                "expression form not allowed: ${{ secrets.X }}",
            ),
            (
                "${{ inputs.undeclared }}",
                "undeclared input in ${{ inputs.undeclared }}",
            ),
            (
                "${{ inputs.release-dir == 'x' }}",
                "expression form not allowed: ${{ inputs.release-dir == 'x' }}",
            ),
            (
                "${{ format('{0}', inputs.release-dir) }}",
                "expression form not allowed: ${{ format('{0}', inputs.release-dir) }}",
            ),
            (
                "${{ env.HOME }}",
                "expression form not allowed: ${{ env.HOME }}",
            ),
            (
                "${{ github.event.issue.title }}",
                "expression form not allowed: ${{ github.event.issue.title }}",
            ),
            (
                "${{ github.head_ref }}",
                "github.head_ref is not provided by this harness",
            ),
            (
                "${{ inputs.release-dir",
                "unterminated expression in \"${{ inputs.release-dir\"",
            ),
            (
                "${{ toJSON(github) }}",
                "expression form not allowed: ${{ toJSON(github) }}",
            ),
        ] {
            assert_eq!(evaluate(bad, &ctx).unwrap_err(), why, "{bad}");
        }
    }

    #[test]
    fn github_output_parser() {
        let parsed = parse_github_output("a=1\nb<<EOF\nx\n\ny=2\nEOF\nc<<D\nD\n").unwrap();
        assert_eq!(parsed["a"], "1");
        assert_eq!(parsed["b"], "x\n\ny=2");
        assert_eq!(parsed["c"], "");
        assert_eq!(
            parse_github_output("b<<EOF\nx\n").unwrap_err(),
            "heredoc of b is not terminated"
        );
        assert_eq!(
            parse_github_output("just text\n").unwrap_err(),
            "bad output line \"just text\""
        );
    }
}
