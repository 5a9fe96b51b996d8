//! GitHub Actions integration: `publish --github-output FILE` (step outputs) and `--summary-md FILE` (the job summary).
//!
//! The action (`action.yml`) passes `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`, so every value the action exposes is
//! written — and tested — here, not assembled in shell. Both files are appended to (the runner shares them between
//! the steps of a job), each in a single write.
//!
//! Outputs use the runner's multi-line form for every value:
//!
//! ```text
//! NAME<<DELIMITER
//! VALUE
//! DELIMITER
//! ```
//!
//! with a fresh, unguessable `ghadelimiter_<UUID v4>` per run (the form GitHub's own toolkit writes), and a value that
//! contains the delimiter is refused rather than written: data can never end a value early and add outputs of its own.
//! (No maintained crate writes this small format; it is a few lines.)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use tofu_sbom::generate::ScannedPlatform;
use tofu_sbom::provider::push::PushOutcome;
use tofu_sbom::registry::digest::Digest;

/// `--github-output` and `--summary-md`.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct GhaArgs {
    /// Append step outputs to FILE in GitHub Actions' format (`$GITHUB_OUTPUT`): index-digest, image-ref,
    /// manifest-digests, sbom-digests, tofurc, lockfile.
    #[arg(long, value_name = "FILE")]
    pub(crate) github_output: Option<PathBuf>,
    /// Append a Markdown summary to FILE (`$GITHUB_STEP_SUMMARY`): per platform the digest, Go version, module count
    /// and SBOM referrers, the `.tofurc` block and the Trivy scan commands.
    #[arg(long, value_name = "FILE")]
    pub(crate) summary_md: Option<PathBuf>,
}

/// A new `ghadelimiter_<UUID v4>` heredoc delimiter (122 random bits: not guessable by whoever controls a value).
pub(crate) fn new_delimiter() -> String {
    format!("ghadelimiter_{}", uuid::Uuid::new_v4())
}

/// Renders `outputs` in the `$GITHUB_OUTPUT` heredoc form with `delimiter`. Refuses an output name that is not
/// `[A-Za-z0-9_-]+` and a value that contains the delimiter.
pub(crate) fn render_outputs(outputs: &[(&str, &str)], delimiter: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        delimiter.len() >= 16 && !delimiter.contains(['\n', '\r']),
        "unusable output delimiter {delimiter:?}"
    );
    let mut text = String::new();
    for (name, value) in outputs {
        anyhow::ensure!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "invalid GitHub output name {name:?}"
        );
        anyhow::ensure!(
            !value.contains(delimiter),
            "the value of output {name} contains the output delimiter: refusing to write it"
        );
        let _ = write!(text, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
    }
    Ok(text)
}

/// Appends `text` to `path` (created when missing) in one write.
pub(crate) fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {} for appending", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.flush())
        .with_context(|| format!("appending to {}", path.display()))
}

/// One platform of a published release, for the summary.
#[derive(Debug, Clone)]
pub(crate) struct PlatformFacts {
    /// `os_arch`.
    pub(crate) platform: String,
    /// The provider binary's Go version string.
    pub(crate) go_version: String,
    /// Dependency modules in the build info.
    pub(crate) modules: usize,
}

impl PlatformFacts {
    /// The facts of one scanned platform.
    pub(crate) fn of(p: &ScannedPlatform) -> Self {
        Self {
            platform: p.platform.to_string(),
            go_version: p.buildinfo.go_version.clone(),
            modules: p.buildinfo.deps.len(),
        }
    }
}

/// What `publish` did, as the action reports it.
#[derive(Debug)]
pub(crate) struct PublishFacts<'a> {
    /// The push result.
    pub(crate) pushed: &'a PushOutcome,
    /// Referrer manifest digests by subject (`index` or `os_arch`), then document file name.
    pub(crate) referrers: &'a BTreeMap<String, BTreeMap<String, Digest>>,
    /// Build facts per platform.
    pub(crate) platforms: Vec<PlatformFacts>,
    /// The provider address, when known.
    pub(crate) provider: Option<String>,
    /// The release version.
    pub(crate) version: &'a str,
    /// The `.terraform.lock.hcl` provider block, when the provider address is known.
    pub(crate) lockfile: Option<&'a str>,
}

impl PublishFacts<'_> {
    /// The step outputs, in a fixed order. `image-ref` is the pinned reference of the index: `HOST/REPO@sha256:…`
    /// for a registry, `oci-layout:DIR@sha256:…` for an OCI layout (which `verify` and `sbom pull` accept).
    /// `tofurc` is empty for an OCI layout (OpenTofu installs from registries) and for a registry reached over plain
    /// HTTP (OpenTofu speaks HTTPS only: the summary says why), and `lockfile` without a provider address.
    pub(crate) fn outputs(&self) -> anyhow::Result<Vec<(&'static str, String)>> {
        let manifests: BTreeMap<&str, &str> = self
            .pushed
            .platforms
            .iter()
            .map(|(k, p)| (k.as_str(), p.manifest_digest.as_str()))
            .collect();
        Ok(vec![
            ("index-digest", self.pushed.index_digest.to_string()),
            ("image-ref", self.pushed.pinned_reference.clone()),
            ("manifest-digests", serde_json::to_string(&manifests)?),
            ("sbom-digests", serde_json::to_string(self.referrers)?),
            ("tofurc", self.pushed.tofurc.clone().unwrap_or_default()),
            ("lockfile", self.lockfile.unwrap_or_default().to_owned()),
        ])
    }

    /// The Markdown job summary.
    pub(crate) fn markdown(&self) -> String {
        let mut md = String::new();
        let what = self.provider.as_deref().unwrap_or("provider");
        let verb = if self.pushed.dry_run {
            "dry run of"
        } else {
            "published"
        };
        let _ = writeln!(
            md,
            "## tofu-sbom: {verb} {} {}\n",
            code(what),
            code(self.version)
        );
        let _ = writeln!(
            md,
            "Index {} — {}\n",
            code(self.pushed.index_digest.as_str()),
            code(&self.pushed.pinned_reference)
        );
        md.push_str("| platform | manifest digest | Go | modules | SBOM referrers |\n");
        md.push_str("|---|---|---|---|---|\n");
        let none = BTreeMap::new();
        for (platform, p) in &self.pushed.platforms {
            let facts = self.platforms.iter().find(|f| &f.platform == platform);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                code(platform),
                code(p.manifest_digest.as_str()),
                facts.map_or_else(String::new, |f| cell(&f.go_version)),
                facts.map_or_else(String::new, |f| f.modules.to_string()),
                referrer_cell(self.referrers.get(platform).unwrap_or(&none)),
            );
        }
        let _ = writeln!(
            md,
            "| index (release-wide) | {} | | | {} |",
            code(self.pushed.index_digest.as_str()),
            referrer_cell(self.referrers.get("index").unwrap_or(&none)),
        );
        if let Some(tofurc) = &self.pushed.tofurc {
            md.push_str("\n### `.tofurc`\n\n");
            fenced(&mut md, "hcl", tofurc);
        } else if let Some(why) = &self.pushed.tofurc_unusable {
            md.push_str("\n### `.tofurc`\n\n");
            let _ = writeln!(
                md,
                "{}",
                why.replacen("no .tofurc block", "No `.tofurc` block", 1)
            );
        }
        if let Some(lock) = self.lockfile {
            md.push_str("\n### `.terraform.lock.hcl`\n\n");
            fenced(&mut md, "hcl", lock);
        }
        if !self.pushed.dry_run {
            md.push_str("\n### Scan with Trivy\n\n");
            let reference = shell_quote(&self.pushed.pinned_reference);
            let mut commands = format!(
                "tofu-sbom sbom pull {reference} -o release.cdx.json && trivy sbom release.cdx.json\n"
            );
            for platform in self.pushed.platforms.keys() {
                let _ = writeln!(
                    commands,
                    "tofu-sbom sbom pull {reference} --platform {p} -o {p}.cdx.json && trivy sbom {p}.cdx.json",
                    p = shell_quote(platform)
                );
            }
            fenced(&mut md, "sh", &commands);
        }
        md
    }
}

/// Writes the outputs and the summary `args` asks for.
pub(crate) fn write_publish(args: &GhaArgs, facts: &PublishFacts<'_>) -> anyhow::Result<()> {
    if let Some(path) = &args.github_output {
        let outputs = facts.outputs()?;
        let pairs: Vec<(&str, &str)> = outputs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        append(path, &render_outputs(&pairs, &new_delimiter())?)?;
    }
    if let Some(path) = &args.summary_md {
        append(path, &facts.markdown())?;
    }
    Ok(())
}

/// The referrers of one subject, one `file: digest` per line of a table cell.
fn referrer_cell(referrers: &BTreeMap<String, Digest>) -> String {
    referrers
        .iter()
        .map(|(title, d)| format!("{}: {}", code(title), code(d.as_str())))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// `text` as an inline code span inside a table cell: a backtick fence longer than any backtick run in it, `|`
/// escaped (GFM tables split on it even inside code), line breaks as spaces.
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    // A span that starts or ends with a backtick needs a space inside the fence.
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Plain text (e.g. a Go version read from an untrusted binary) in a table cell: Markdown and HTML characters escaped.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Appends `body` as a fenced code block whose fence is longer than any backtick run in it.
fn fenced(md: &mut String, lang: &str, body: &str) {
    let fence = "`".repeat((longest_run(body, '`') + 1).max(3));
    let _ = write!(md, "{fence}{lang}\n{body}");
    if !body.ends_with('\n') {
        md.push('\n');
    }
    let _ = writeln!(md, "{fence}");
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for ch in text.chars() {
        cur = if ch == c { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

/// `word` as one POSIX shell word: unchanged when it holds only safe characters, else single-quoted.
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const DELIM: &str = "ghadelimiter_0123456789abcdef";

    #[test]
    fn outputs_use_the_heredoc_form_for_every_value() {
        let text = render_outputs(
            &[
                ("index-digest", "sha256:ab"),
                ("tofurc", "line 1\nline \"2\" $(x) `y`\n"),
                ("empty", ""),
            ],
            DELIM,
        )
        .unwrap();
        assert_eq!(
            text,
            "index-digest<<ghadelimiter_0123456789abcdef\nsha256:ab\nghadelimiter_0123456789abcdef\n\
             tofurc<<ghadelimiter_0123456789abcdef\nline 1\nline \"2\" $(x) `y`\n\n\
             ghadelimiter_0123456789abcdef\n\
             empty<<ghadelimiter_0123456789abcdef\n\nghadelimiter_0123456789abcdef\n"
        );
    }

    #[test]
    fn a_value_containing_the_delimiter_is_refused() {
        let err = render_outputs(
            &[(
                "tofurc",
                "x\nghadelimiter_0123456789abcdef\nevil<<EOF\npwned\nEOF",
            )],
            DELIM,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the value of output tofurc contains the output delimiter: refusing to write it"
        );
        // Anywhere in a line, too.
        assert_eq!(
            render_outputs(&[("a", "prefix ghadelimiter_0123456789abcdef")], DELIM)
                .unwrap_err()
                .to_string(),
            "the value of output a contains the output delimiter: refusing to write it"
        );
    }

    #[test]
    fn a_bad_name_or_delimiter_is_refused() {
        assert_eq!(
            render_outputs(&[("a\nb", "v")], DELIM)
                .unwrap_err()
                .to_string(),
            "invalid GitHub output name \"a\\nb\""
        );
        assert_eq!(
            render_outputs(&[("a=b", "v")], DELIM)
                .unwrap_err()
                .to_string(),
            "invalid GitHub output name \"a=b\""
        );
        assert_eq!(
            render_outputs(&[("a", "v")], "EOF")
                .unwrap_err()
                .to_string(),
            "unusable output delimiter \"EOF\""
        );
    }

    #[test]
    fn delimiters_are_fresh_uuid_v4s() {
        let a = new_delimiter();
        let b = new_delimiter();
        assert_ne!(a, b);
        let uuid = a.strip_prefix("ghadelimiter_").unwrap();
        let parsed = uuid::Uuid::parse_str(uuid).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.to_string(), uuid);
    }

    #[test]
    fn append_keeps_what_the_file_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, "earlier<<X\nv\nX\n").unwrap();
        append(&path, "later=1\n").unwrap();
        append(&path, "again=2\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "earlier<<X\nv\nX\nlater=1\nagain=2\n"
        );
        // A missing file is created.
        let fresh = dir.path().join("fresh");
        append(&fresh, "x").unwrap();
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "x");
        // A directory is an error naming the path.
        let err = append(dir.path(), "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("opening {} for appending", dir.path().display())
        );
    }

    #[test]
    fn markdown_escaping() {
        assert_eq!(code("sha256:ab"), "`sha256:ab`");
        assert_eq!(code("a`b|c\nd"), "``a`b\\|c d``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(
            cell("go1.22 <script>|*x*`\n"),
            "go1.22 &lt;script&gt;\\|\\*x\\*\\` "
        );
        let mut md = String::new();
        fenced(&mut md, "hcl", "a ``` b");
        assert_eq!(md, "````hcl\na ``` b\n````\n");
        assert_eq!(
            shell_quote("127.0.0.1:5000/acme/x@sha256:ab"),
            "127.0.0.1:5000/acme/x@sha256:ab"
        );
        assert_eq!(
            shell_quote("oci-layout:my dir@sha256:ab"),
            "'oci-layout:my dir@sha256:ab'"
        );
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
