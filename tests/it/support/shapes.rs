//! Builders of OCI artifact shapes for the tests that compare tofu-sbom with the real consumers (`oras_*`,
//! `verdict_matrix*`): the real ORAS CLI ([`Oras`], run hermetically: a fresh `HOME`, no credentials, `--plain-http`
//! or `--ca-file`), which is how users attach, copy and push artifacts by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::cli::{Run, run};
use super::consumers;

/// The ORAS CLI with a private `HOME` (no `~/.docker/config.json`, no credential store) and the transport flags of one
/// registry: `--plain-http`, or `--ca-file PEM` for a TLS registry under a throw-away CA.
#[derive(Debug)]
pub(crate) struct Oras {
    home: tempfile::TempDir,
    transport: Vec<String>,
}

impl Oras {
    /// ORAS for a plain-HTTP registry (`--plain-http` on every registry command).
    pub(crate) fn plain_http() -> Self {
        Self::with_transport(vec!["--plain-http".to_owned()])
    }

    /// ORAS for a TLS registry whose certificate `ca` issued (`--ca-file`).
    pub(crate) fn tls(ca: &Path) -> Self {
        Self::with_transport(vec!["--ca-file".to_owned(), ca.display().to_string()])
    }

    fn with_transport(transport: Vec<String>) -> Self {
        Self {
            home: tempfile::Builder::new()
                .prefix("tofu-sbom-oras-home")
                .tempdir()
                .expect("temp HOME for oras"),
            transport,
        }
    }

    /// `oras SUBCOMMAND [transport flags] ARGS...` in `cwd` (the working directory matters to `attach` and `push`,
    /// which record file paths relative to it as titles), run to completion.
    pub(crate) fn run_in(&self, cwd: &Path, subcommand: &[&str], args: &[&str]) -> Run {
        let mut cmd = Command::new(consumers::oras());
        cmd.args(subcommand)
            .args(&self.transport)
            .args(args)
            .current_dir(cwd)
            .env("HOME", self.home.path())
            .env("DOCKER_CONFIG", self.home.path().join(".docker"))
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"))
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("NO_COLOR", "1")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .stdin(Stdio::null());
        run(&mut cmd)
    }

    /// [`Oras::run_in`] in this ORAS's private home directory.
    pub(crate) fn run(&self, subcommand: &[&str], args: &[&str]) -> Run {
        self.run_in(self.home.path(), subcommand, args)
    }

    /// `oras discover --format json REF` (referrers of every depth): the parsed answer; panics unless exit 0.
    pub(crate) fn discover(&self, reference: &str) -> serde_json::Value {
        self.run(&["discover"], &["--format", "json", reference])
            .expect_code(0)
            .json()
    }

    /// `oras repo tags REPO`: the tags, one a line as ORAS prints them; panics unless exit 0.
    pub(crate) fn tags(&self, repository: &str) -> Vec<String> {
        self.run(&["repo", "tags"], &[repository])
            .expect_code(0)
            .out()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// `oras pull REF -o DIR`: the directory ORAS wrote the titled layers into; panics unless exit 0.
    pub(crate) fn pull(&self, reference: &str, dir: &Path) -> PathBuf {
        let out = dir.display().to_string();
        self.run(&["pull"], &[reference, "-o", &out]).expect_code(0);
        dir.to_path_buf()
    }

    /// `oras attach --artifact-type TYPE SUBJECT FILE:MEDIA_TYPE --format json`, with a fixed
    /// `org.opencontainers.image.created` (so the referrer's digest is reproducible): the manifest digest ORAS printed.
    /// `file` is written into a fresh directory (its name becomes the layer title) from `content`.
    pub(crate) fn attach(
        &self,
        subject: &str,
        artifact_type: &str,
        file: &str,
        media_type: &str,
        content: &[u8],
    ) -> AttachedByOras {
        let dir = tempfile::tempdir().expect("temp dir for the attached file");
        std::fs::write(dir.path().join(file), content).expect("write the attached file");
        let created = format!("org.opencontainers.image.created={ORAS_CREATED}");
        let layer = format!("{file}:{media_type}");
        let json = self
            .run_in(
                dir.path(),
                &["attach"],
                &[
                    "--artifact-type",
                    artifact_type,
                    "--annotation",
                    &created,
                    "--format",
                    "json",
                    subject,
                    &layer,
                ],
            )
            .expect_code(0)
            .json();
        AttachedByOras {
            digest: json["digest"].as_str().expect("digest").to_owned(),
            size: json["size"].as_u64().expect("size"),
            artifact_type: json["artifactType"]
                .as_str()
                .expect("artifactType")
                .to_owned(),
        }
    }
}

/// The `org.opencontainers.image.created` every [`Oras::attach`] sets.
pub(crate) const ORAS_CREATED: &str = "2026-01-02T03:04:05Z";

/// A referrer `oras attach` wrote, as it reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttachedByOras {
    /// The referrer manifest digest.
    pub digest: String,
    /// The referrer manifest size.
    pub size: u64,
    /// Its `artifactType`.
    pub artifact_type: String,
}
