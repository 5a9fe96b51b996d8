//! Builders of OCI artifact shapes for the tests that compare tofu-sbom with the real consumers (`oras_*`,
//! `verdict_matrix*`): the real ORAS CLI ([`Oras`], run hermetically: a fresh `HOME`, no credentials, `--plain-http`
//! or `--ca-file`), which is how users attach, copy and push artifacts by hand; and [`Shape`], a provider artifact in
//! memory built as `tofu-sbom push` builds it, for a test to break one rule of and push with the registry client.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tofu_sbom::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_PKG, ARTIFACT_TYPE_PROVIDER_TARGET,
    MEDIA_TYPE_ZIP_LAYER,
};
use tofu_sbom::registry::client::{BlobSource, RegistryClient};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::manifest::{
    ANNOTATION_TITLE, Descriptor, EMPTY_JSON, ImageIndex, ImageManifest, MEDIA_TYPE_INDEX,
    MEDIA_TYPE_MANIFEST, Platform, to_canonical_bytes,
};

use super::cli::{Run, run};
use super::consumers;
use super::oci::make_zip;

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

    /// ORAS on OCI image layouts on disk (`--oci-layout` on every command: references are `DIR:TAG` or `DIR@DIGEST`).
    pub(crate) fn oci_layout() -> Self {
        Self::with_transport(vec!["--oci-layout".to_owned()])
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
        let mut all: Vec<&str> = subcommand.to_vec();
        all.extend(self.transport.iter().map(String::as_str));
        all.extend_from_slice(args);
        self.command_in(cwd, &all)
    }

    /// `oras ARGS...` in `cwd`, hermetic, run to completion.
    fn command_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(consumers::oras());
        cmd.args(args)
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

    /// `oras cp ARGS... FROM TO` between two repositories of this ORAS's registry (its transport flags given as
    /// `--from-…` and `--to-…`); panics unless exit 0.
    pub(crate) fn cp(&self, args: &[&str], from: &str, to: &str) -> Run {
        let mut all: Vec<String> = Vec::new();
        let mut flags = self.transport.iter();
        while let Some(flag) = flags.next() {
            let name = flag.trim_start_matches("--");
            match name {
                "ca-file" => {
                    let value = flags.next().expect("--ca-file takes a value");
                    for side in ["from", "to"] {
                        all.push(format!("--{side}-{name}"));
                        all.push(value.clone());
                    }
                }
                _ => all.extend(["from", "to"].map(|side| format!("--{side}-{name}"))),
            }
        }
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all.push(from.to_owned());
        all.push(to.to_owned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let mut cmd_args = vec!["cp"];
        cmd_args.extend(all);
        self.run_plain(&cmd_args).expect_code(0)
    }

    /// OpenTofu's documented ORAS recipe (`website/docs/cli/oci_registries/provider-mirror.mdx` of OpenTofu 1.12):
    /// per platform `oras push --artifact-type application/vnd.opentofu.provider-target --artifact-platform OS/ARCH
    /// --oci-layout LAYOUT:OS_ARCH ZIP:archive/zip`, then `oras manifest index create
    /// --artifact-type=application/vnd.opentofu.provider --oci-layout LAYOUT:VERSION OS_ARCH...`, then `oras cp
    /// --from-oci-layout LAYOUT:VERSION TARGET`. The ZIPs are built like [`Shape::zip`]'s, named as a release names
    /// them. `target` is `HOST/REPO:VERSION` on this ORAS's registry.
    pub(crate) fn opentofu_recipe(
        &self,
        provider_type: &str,
        version: &str,
        platforms: &[(&str, &str)],
        target: &str,
    ) {
        let work = tempfile::tempdir().expect("temp dir for the ORAS recipe");
        let mut tags = Vec::new();
        for (seed, (os, arch)) in platforms.iter().enumerate() {
            let zip = format!("terraform-provider-{provider_type}_{version}_{os}_{arch}.zip");
            make_zip(
                &work.path().join(&zip),
                provider_type,
                version,
                seed as u64 + 1,
                4096,
            );
            let tag = format!("{os}_{arch}");
            self.command_in(
                work.path(),
                &[
                    "push",
                    "--artifact-type",
                    ARTIFACT_TYPE_PROVIDER_TARGET,
                    "--artifact-platform",
                    &format!("{os}/{arch}"),
                    "--oci-layout",
                    &format!("tmp-layout:{tag}"),
                    &format!("{zip}:archive/zip"),
                ],
            )
            .expect_code(0);
            tags.push(tag);
        }
        let artifact_type = format!("--artifact-type={ARTIFACT_TYPE_PROVIDER}");
        let layout = format!("tmp-layout:{version}");
        let mut args = vec![
            "manifest",
            "index",
            "create",
            &artifact_type,
            "--oci-layout",
            &layout,
        ];
        args.extend(tags.iter().map(String::as_str));
        self.command_in(work.path(), &args).expect_code(0);
        let from = work.path().join("tmp-layout").display().to_string();
        let mut cp = vec!["cp".to_owned(), "--from-oci-layout".to_owned()];
        cp.push(format!("{from}:{version}"));
        cp.push(target.to_owned());
        let mut flags = self.transport.iter();
        while let Some(flag) = flags.next() {
            cp.push(flag.replacen("--", "--to-", 1));
            if flag == "--ca-file" {
                cp.push(flags.next().expect("--ca-file takes a value").clone());
            }
        }
        let cp: Vec<&str> = cp.iter().map(String::as_str).collect();
        self.command_in(work.path(), &cp).expect_code(0);
    }

    /// `oras ARGS...` without the transport flags (local OCI layouts, `cp`), in the private home directory.
    pub(crate) fn run_plain(&self, args: &[&str]) -> Run {
        self.command_in(self.home.path(), args)
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

    /// `oras discover --format json --artifact-type TYPE REF`: the parsed answer; panics unless exit 0.
    pub(crate) fn discover_filtered(
        &self,
        reference: &str,
        artifact_type: &str,
    ) -> serde_json::Value {
        self.run(
            &["discover"],
            &[
                "--format",
                "json",
                "--artifact-type",
                artifact_type,
                reference,
            ],
        )
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

/// An artifact in memory, pushed as a registry client would: blobs, then manifests by digest (children first), then
/// the tagged manifest. [`Shape::platform`] and [`Shape::index`] build what `tofu-sbom push` builds (provider ZIPs named
/// `terraform-provider-TYPE_vVERSION` inside, layer `artifactType` and title, empty config); a test then breaks one
/// rule by editing the structs before storing them.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The provider type: the executable in every ZIP is `terraform-provider-TYPE_vVERSION`.
    pub provider_type: String,
    /// The version the ZIPs are built for.
    pub version: String,
    blobs: Vec<Vec<u8>>,
    manifests: Vec<(String, Vec<u8>)>,
    tagged: Option<(String, Vec<u8>)>,
}

impl Shape {
    /// An empty shape (the empty config blob is always stored).
    pub(crate) fn new(provider_type: &str, version: &str) -> Self {
        Self {
            provider_type: provider_type.to_owned(),
            version: version.to_owned(),
            blobs: vec![EMPTY_JSON.to_vec()],
            manifests: Vec::new(),
            tagged: None,
        }
    }

    /// Stores a blob; its digest.
    pub(crate) fn blob(&mut self, bytes: Vec<u8>) -> Digest {
        let digest = Digest::sha256_of(&bytes);
        self.blobs.push(bytes);
        digest
    }

    /// A provider ZIP for `os_arch` (`seed` varies the executable's bytes) stored as a blob: its layer descriptor as
    /// `tofu-sbom push` writes it (`archive/zip`, `artifactType` provider package, the file name as title).
    pub(crate) fn zip(&mut self, seed: u64, os: &str, arch: &str) -> Descriptor {
        let dir = tempfile::tempdir().expect("temp dir for a ZIP");
        let file_name = format!(
            "terraform-provider-{}_{}_{os}_{arch}.zip",
            self.provider_type, self.version
        );
        let path = dir.path().join(&file_name);
        make_zip(&path, &self.provider_type, &self.version, seed, 4096);
        let bytes = std::fs::read(&path).expect("read the ZIP");
        let size = bytes.len() as u64;
        let digest = self.blob(bytes);
        let mut layer = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, digest, size);
        layer.artifact_type = ARTIFACT_TYPE_PROVIDER_PKG.into();
        layer.annotations.insert(ANNOTATION_TITLE.into(), file_name);
        layer
    }

    /// A platform manifest as `tofu-sbom push` writes it, holding `layers`.
    pub(crate) fn target_manifest(layers: Vec<Descriptor>) -> ImageManifest {
        ImageManifest {
            schema_version: 2,
            media_type: MEDIA_TYPE_MANIFEST.into(),
            artifact_type: ARTIFACT_TYPE_PROVIDER_TARGET.into(),
            config: Descriptor::empty_config(),
            layers,
            subject: None,
            annotations: BTreeMap::new(),
        }
    }

    /// Stores an image manifest (pushed by digest); its descriptor.
    pub(crate) fn manifest(&mut self, m: &ImageManifest) -> Descriptor {
        let (bytes, digest) = to_canonical_bytes(m);
        let size = bytes.len() as u64;
        self.manifests.push((MEDIA_TYPE_MANIFEST.to_owned(), bytes));
        Descriptor::new(MEDIA_TYPE_MANIFEST, digest, size)
    }

    /// An index entry for a stored manifest: `platform` and `artifactType` as `tofu-sbom push` writes them.
    pub(crate) fn entry(manifest: &Descriptor, os: &str, arch: &str) -> Descriptor {
        let mut e = manifest.clone();
        e.platform = Some(Platform::new(os, arch));
        e.artifact_type = ARTIFACT_TYPE_PROVIDER_TARGET.into();
        e
    }

    /// One platform as `tofu-sbom push` writes it: ZIP, manifest, index entry.
    pub(crate) fn platform(&mut self, seed: u64, os: &str, arch: &str) -> Descriptor {
        let layer = self.zip(seed, os, arch);
        let m = self.manifest(&Self::target_manifest(vec![layer]));
        Self::entry(&m, os, arch)
    }

    /// A provider index as `tofu-sbom push` writes it.
    pub(crate) fn index(entries: Vec<Descriptor>) -> ImageIndex {
        ImageIndex {
            schema_version: 2,
            media_type: MEDIA_TYPE_INDEX.into(),
            artifact_type: ARTIFACT_TYPE_PROVIDER.into(),
            manifests: entries,
            subject: None,
            annotations: BTreeMap::new(),
        }
    }

    /// The index the tag will name.
    pub(crate) fn tag_index(&mut self, index: &ImageIndex) {
        self.tagged = Some((MEDIA_TYPE_INDEX.to_owned(), to_canonical_bytes(index).0));
    }

    /// Pushes it to `repository` on `client`'s registry: blobs, manifests by digest, then the tagged one as `tag`.
    pub(crate) async fn push(&self, client: &RegistryClient, repository: &str, tag: &str) {
        let mut seen = std::collections::BTreeSet::new();
        for blob in &self.blobs {
            let digest = Digest::sha256_of(blob);
            if seen.insert(digest.clone()) {
                client
                    .upload_blob(
                        repository,
                        &digest,
                        blob.len() as u64,
                        &BlobSource::Bytes(blob.clone()),
                        None,
                    )
                    .await
                    .unwrap_or_else(|e| panic!("upload {digest}: {e}"));
            }
        }
        for (media_type, bytes) in &self.manifests {
            let digest = Digest::sha256_of(bytes);
            client
                .put_manifest(repository, &digest.to_string(), media_type, bytes)
                .await
                .unwrap_or_else(|e| panic!("put manifest {digest}: {e}"));
        }
        let (media_type, bytes) = self.tagged.as_ref().expect("a tagged manifest");
        client
            .put_manifest(repository, tag, media_type, bytes)
            .await
            .unwrap_or_else(|e| panic!("put {repository}:{tag}: {e}"));
    }
}
