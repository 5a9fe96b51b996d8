//! `tofu-sbom mirror SOURCE TARGET`: a provider registry, an OCI artifact or a release directory → a registry
//! repository or an OCI layout, with SBOMs and provenance ([`tofu_sbom::mirror`] does the work).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use tofu_sbom::archive::ProviderAddress;
use tofu_sbom::archive::lockfile::{self, ProviderLock};
use tofu_sbom::archive::release::parse_platforms;
use tofu_sbom::generate::SbomOptions;
use tofu_sbom::limits::Limits;
use tofu_sbom::mirror::constraints::{Constraints, Version};
use tofu_sbom::mirror::download::{
    self, Authentication, MirrorOptions, MirrorProgress, MirroredVersion, ProviderSource,
};
use tofu_sbom::mirror::oci_sboms::{self, ProviderArtifact};
use tofu_sbom::mirror::publish::{self as mirror_publish, PreparedRelease, PublishedRelease};
use tofu_sbom::mirror::registry_protocol::{ProviderRegistryClient, token_from_env};
use tofu_sbom::mirror::source::MirrorSource;
use tofu_sbom::provider::artifact::tofurc_for_target;
use tofu_sbom::provider::attach::{AttachOptions, AttachOutcome};
use tofu_sbom::provider::publish::PublishOptions;
use tofu_sbom::provider::push::PushOptions;
use tofu_sbom::registry::client::ClientOptions;
use tofu_sbom::registry::copy::referrers::StoreReferrersCopier;
use tofu_sbom::registry::copy::{
    self, CopyOptions, CopyOutcome, CopyProgress, ReferrersOutcome, SkippedReferrer,
};
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::ReferrersMode;
use tofu_sbom::registry::store::Store;
use tofu_sbom::sbom::Format;

use super::args::{ReferrersArgs, RegistryArgs, SbomArgs};
use super::runtime::{progress, runtime};
use super::{GlobalArgs, Status, output};

// Paragraphs are single logical lines (`\` continuations) so that clap wraps them to the terminal width itself.
pub(crate) const MIRROR_AFTER_HELP: &str = "\
SOURCE is read by one rule, first match wins:\n\
\x20 1. a prefix forces the kind: provider:ADDRESS, oci:REFERENCE, oci-layout:DIR[:TAG|@DIGEST];\n\
\x20 2. an existing directory (or .zip file) is a release, mirrored as `publish` pushes it;\n\
\x20 3. REF@sha256:... is an OCI reference by digest;\n\
\x20 4. a ':' in the last path segment (HOST/REPO:TAG) is an OCI reference by tag — a provider address never has one \
there (a port belongs to the host: localhost:5000/ns/type);\n\
\x20 5. anything else is a provider address [HOST/]NAMESPACE/TYPE[@VERSION|@CONSTRAINT] (host registry.opentofu.org).\n\
So registry.example/ns/type is a provider, registry.example/ns/type:1.0.0 an OCI tag, and oci:registry.example/ns/type \
every version tag of that OCI repository.\n\
\n\
Versions: a constraint (@~> 5.0, @>= 1.2, < 2.0) mirrors its newest match, as `tofu init` would pick it; \
--all-matching mirrors every match. Without @, the newest release. An OCI source without a tag copies every version \
tag.\n\
\n\
TARGET is a repository (HOST/REPO) or a layout (oci-layout:DIR), without a tag: each version is tagged with itself.\n\
\n\
From a provider registry, every ZIP is checked against the signed SHA256SUMS and the signature against a key the \
registry publishes before anything is written; no published key is refused unless --allow-unsigned (then the output \
and the SBOMs say `tofu-sbom:release:signature = unverified`). SHA256SUMS and its .sig are attached to the index as \
referrers (text/plain, application/pgp-signature), beside the SBOMs. An OCI copy is byte for byte, referrers \
included; a referrer the source lists but no longer has (a dangling entry, e.g. after a registry cleanup job) is \
skipped with a warning and never listed in the target, while a referrer that does not match its digest is an error. \
Re-running skips what is present.\n\
\n\
Exit codes: 0 mirrored; 2 any error (nothing is tagged when a check fails).";

#[derive(Debug, Args)]
pub(crate) struct MirrorArgs {
    /// A provider address, an OCI reference or a release directory (see below).
    #[arg(value_name = "SOURCE")]
    source: String,
    /// `HOST[:PORT]/REPO` or `oci-layout:DIR`.
    #[arg(value_name = "TARGET")]
    target: String,
    /// Only these platforms (os_arch, comma-separated or repeated). Default: every platform of the version.
    #[arg(long = "platform", value_name = "OS_ARCH", value_delimiter = ',')]
    platforms: Vec<String>,
    /// Mirror every version matching the constraint, not only the newest.
    #[arg(long)]
    all_matching: bool,
    /// Mirror a provider whose registry publishes no signing key (recorded in the output and the SBOMs).
    #[arg(long)]
    allow_unsigned: bool,
    /// Generate and attach SBOMs for a copied OCI provider that lacks them (default).
    #[arg(long, overrides_with = "no_add_sboms")]
    add_sboms: bool,
    /// Copy OCI artifacts as they are, without adding SBOMs.
    #[arg(long, overrides_with = "add_sboms")]
    no_add_sboms: bool,
    /// The provider address `HOST/NAMESPACE/TYPE` of an OCI or release source (for the `.tofurc` and lock blocks).
    #[arg(long, value_name = "HOST/NAMESPACE/TYPE")]
    provider: Option<String>,
    /// Where provider downloads are kept (resumable). Default: $XDG_CACHE_HOME/tofu-sbom/mirror (~/.cache/…).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Print what would be mirrored; write nothing (versions are resolved, nothing is downloaded or verified).
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    sbom: SbomArgs,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print a JSON result.
    #[arg(long)]
    json: bool,
}

/// Counts of one kind of item.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    blobs: usize,
    bytes: u64,
    /// Manifests of the provider graph (OCI copies; a push reports blobs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    manifests: Option<usize>,
    referrers: usize,
}

/// The signature status of a version from a provider registry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SignatureJson {
    /// `verified` or `unverified`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

/// The download of a version from a provider registry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DownloadJson {
    dir: PathBuf,
    downloaded: usize,
    skipped: usize,
    downloaded_bytes: u64,
}

/// One platform of the result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformJson {
    manifest_digest: Digest,
    zip_digest: Digest,
}

/// The result for one version.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionJson {
    version: String,
    source: String,
    /// The pinned target reference (`HOST/REPO@sha256:…` or `oci-layout:DIR@sha256:…`); empty on a dry run.
    target: String,
    tag: String,
    dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<SignatureJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<DownloadJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index_digest: Option<Digest>,
    platforms: BTreeMap<String, PlatformJson>,
    copied: Counts,
    skipped: Counts,
    /// Referrer manifest digests on the target: subject (`index` or `os_arch`) → title → digest.
    referrers: BTreeMap<String, BTreeMap<String, Digest>>,
    /// SBOM subjects `--add-sboms` attached to (OCI sources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    added_sboms: Vec<String>,
    /// Referrers the OCI source lists but does not have (dangling entries): not copied, not listed in the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped_referrers: Vec<SkippedReferrer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tofurc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lockfile: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// The `--json` result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MirrorJson {
    source: String,
    source_kind: &'static str,
    target: String,
    dry_run: bool,
    versions: Vec<VersionJson>,
}

/// Everything the three paths share.
struct Ctx<'a> {
    global: &'a GlobalArgs,
    args: &'a MirrorArgs,
    target: Target,
    client: ClientOptions,
    limits: Limits,
    formats: Vec<Format>,
    sbom: SbomOptions,
    provider: Option<ProviderAddress>,
}

impl Ctx<'_> {
    fn attach_opts(&self) -> AttachOptions {
        AttachOptions {
            mode: self.args.referrers.referrers_mode,
            ..AttachOptions::default()
        }
    }

    fn info(&self, msg: &str) {
        if !self.global.quiet && !self.args.json {
            eprintln!("tofu-sbom: info: {msg}");
        }
    }
}

pub(crate) fn run(global: &GlobalArgs, args: &MirrorArgs) -> anyhow::Result<Status> {
    let source = MirrorSource::parse(&args.source)?;
    let target = Target::parse(&args.target)?;
    anyhow::ensure!(
        target.tag().is_none() && target.digest().is_none(),
        "TARGET {} names a tag or digest; name the repository (HOST/REPO) or the layout (oci-layout:DIR): each \
         version is tagged with itself",
        args.target
    );
    let provider = args
        .provider
        .as_deref()
        .map(|s| ProviderAddress::parse(s).with_context(|| format!("--provider {s}")))
        .transpose()?;
    let mut sbom = args.sbom.options(&super::ReleaseArgs {
        platforms: Vec::new(),
        provider: None,
    })?;
    sbom.address.clone_from(&provider);
    let ctx = Ctx {
        global,
        args,
        target,
        client: args.registry.client_options()?,
        limits: Limits::default(),
        formats: args.sbom.formats()?,
        sbom,
        provider,
    };
    let rt = runtime()?;
    let versions = match &source {
        MirrorSource::Provider(p) => rt.block_on(run_provider(&ctx, p))?,
        MirrorSource::Oci(t) => rt.block_on(run_oci(&ctx, t))?,
        MirrorSource::Release(dir) => rt.block_on(run_release(&ctx, dir))?,
    };
    if args.json {
        output::print_json(&MirrorJson {
            source: args.source.clone(),
            source_kind: source.kind(),
            target: ctx.target.to_string(),
            dry_run: args.dry_run,
            versions,
        })?;
    } else {
        for v in &versions {
            print_version(v);
        }
    }
    Ok(Status::Success)
}

/// The default work directory: `$XDG_CACHE_HOME/tofu-sbom/mirror`, else `~/.cache/tofu-sbom/mirror`, else the
/// temporary directory's `tofu-sbom-mirror`.
fn default_work_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("tofu-sbom").join("mirror");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(h)
            .join(".cache")
            .join("tofu-sbom")
            .join("mirror");
    }
    std::env::temp_dir().join("tofu-sbom-mirror")
}

/// A progress bar of download bytes on a terminal (nothing with `-q`, in CI or when stderr is not a terminal).
fn download_progress(global: &GlobalArgs) -> Option<download::MirrorProgressFn> {
    if !output::show_progress(global) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:50!} {bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    Some(Arc::new(move |e: &MirrorProgress| match e {
        MirrorProgress::Resolved { provider, versions } => {
            bar.println(format!("  {provider}: {}", versions.join(", ")));
        }
        MirrorProgress::SignatureVerified { version, key_id } => {
            bar.println(format!("  ✓ {version}: SHA256SUMS signed by {key_id}"));
        }
        MirrorProgress::DownloadStarted { file } => {
            bar.set_position(0);
            bar.set_message(format!("downloading {file}"));
        }
        MirrorProgress::DownloadProgress { bytes, .. } => bar.set_position(*bytes),
        MirrorProgress::Downloaded { file, .. } => bar.println(format!("  ✓ {file}")),
        MirrorProgress::Skipped { file } => bar.println(format!("  = {file} already present")),
        _ => {}
    }))
}

/// Progress lines of an OCI copy on a terminal (nothing with `-q`, in CI or when stderr is not a terminal).
fn copy_progress(global: &GlobalArgs) -> Option<copy::CopyProgressFn> {
    if !output::show_progress(global) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:60!} {bytes}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    Some(Arc::new(move |e: &CopyProgress| match e {
        CopyProgress::BlobCopied { digest, size } => {
            bar.inc(*size);
            bar.set_message(format!("copied {digest}"));
        }
        CopyProgress::BlobMounted { digest } => bar.println(format!("  ↗ mounted {digest}")),
        CopyProgress::BlobSkipped { digest } => bar.set_message(format!("present {digest}")),
        CopyProgress::ManifestCopied { digest } => bar.println(format!("  ✓ manifest {digest}")),
        CopyProgress::Tagged { tag, .. } => {
            bar.println(format!("  ✓ tagged {tag}"));
            bar.finish_and_clear();
        }
        _ => {}
    }))
}

async fn run_provider(ctx: &Ctx<'_>, source: &ProviderSource) -> anyhow::Result<Vec<VersionJson>> {
    let args = ctx.args;
    let platforms = if args.platforms.is_empty() {
        Vec::new()
    } else {
        parse_platforms(&args.platforms.join(","))?
    };
    let opts = MirrorOptions {
        client: ctx.client.clone(),
        token: token_from_env(&source.address.host),
        platforms,
        allow_unsigned: args.allow_unsigned,
        progress: download_progress(ctx.global),
    };
    // The versions to mirror: the newest match (or every match with --all-matching).
    let client =
        ProviderRegistryClient::new(&source.address.host, ctx.client.clone(), opts.token.clone())?;
    let listed = client.versions(&source.address).await?;
    let available: Vec<Version> = listed
        .versions
        .iter()
        .filter_map(|v| Version::parse(&v.version))
        .collect();
    let constraints: Vec<Option<Constraints>> = if args.all_matching {
        let c = source
            .constraint
            .clone()
            .context("--all-matching needs a constraint (SOURCE@CONSTRAINT)")?;
        let mut all: Vec<&Version> = available.iter().filter(|v| c.selects(v)).collect();
        all.sort_by(|a, b| a.cmp_precedence(b));
        anyhow::ensure!(
            !all.is_empty(),
            "no version of {} matches {c}",
            source.address
        );
        all.into_iter()
            .map(|v| Some(Constraints::exact(v)))
            .collect()
    } else {
        vec![source.constraint.clone()]
    };
    if args.dry_run {
        let selected =
            download::select_versions(&source.address.to_string(), &available, &constraints)?;
        return Ok(selected
            .iter()
            .map(|v| {
                let version = v.to_string();
                VersionJson {
                    source: format!("{}@{version}", source.address),
                    target: String::new(),
                    tag: tofu_sbom::provider::artifact::tag_spelling(&version),
                    version,
                    dry_run: true,
                    signature: None,
                    download: None,
                    index_digest: None,
                    platforms: BTreeMap::new(),
                    copied: Counts::default(),
                    skipped: Counts::default(),
                    referrers: BTreeMap::new(),
                    added_sboms: Vec::new(),
                    skipped_referrers: Vec::new(),
                    tofurc: tofurc_for_target(&ctx.target, &source.address),
                    lockfile: None,
                    warnings: Vec::new(),
                }
            })
            .collect());
    }
    let work = args.work_dir.clone().unwrap_or_else(default_work_dir);
    let mirrored = download::mirror_listed(
        &client,
        &source.address,
        &listed,
        &constraints,
        &work,
        &opts,
    )
    .await?;
    let mut sbom = ctx.sbom.clone();
    sbom.address = Some(source.address.clone());
    let mut out = Vec::new();
    for v in &mirrored {
        if v.authentication.unsigned_allowed() {
            eprintln!(
                "tofu-sbom: warning: {} {}: the registry publishes no signing key; mirrored UNVERIFIED because of \
                 --allow-unsigned (recorded in the SBOMs as tofu-sbom:release:signature = unverified)",
                v.provider, v.version
            );
        }
        let prepared = mirror_publish::prepare_mirrored(v, &ctx.formats, &sbom, &ctx.limits)?;
        let published = publish_prepared(ctx, &prepared).await?;
        out.push(version_result(
            format!("{}@{}", v.provider, v.version),
            &prepared,
            &published,
            Some(v),
        ));
    }
    Ok(out)
}

async fn run_release(ctx: &Ctx<'_>, dir: &Path) -> anyhow::Result<Vec<VersionJson>> {
    let platforms = if ctx.args.platforms.is_empty() {
        Vec::new()
    } else {
        parse_platforms(&ctx.args.platforms.join(","))?
    };
    let prepared = mirror_publish::prepare(
        dir,
        &platforms,
        None,
        &ctx.formats,
        &ctx.sbom,
        None,
        &ctx.limits,
    )?;
    let published = publish_prepared(ctx, &prepared).await?;
    Ok(vec![version_result(
        dir.display().to_string(),
        &prepared,
        &published,
        None,
    )])
}

async fn publish_prepared(
    ctx: &Ctx<'_>,
    prepared: &PreparedRelease,
) -> anyhow::Result<PublishedRelease> {
    let opts = PublishOptions {
        push: PushOptions {
            dry_run: ctx.args.dry_run,
            progress: progress(ctx.global),
            provider: prepared.address.clone(),
            ..PushOptions::default()
        },
        attach: ctx.attach_opts(),
    };
    // A dry run into a layout that does not exist yet plans against an empty one, created and removed again.
    let created = match &ctx.target {
        Target::Layout(l) if ctx.args.dry_run && !l.dir.exists() => Some(new_root(&l.dir)),
        _ => None,
    };
    let store = Store::open(
        &ctx.target,
        ctx.client.clone(),
        !ctx.args.dry_run || created.is_some(),
    );
    let result = match store {
        Ok(store) => mirror_publish::publish(prepared, &store, &ctx.target, &opts)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    if let Some(root) = created {
        let _ = std::fs::remove_dir_all(root);
    }
    result
}

/// The outermost directory that creating `dir` (which does not exist) would create.
fn new_root(dir: &Path) -> PathBuf {
    let mut root = dir;
    while let Some(parent) = root.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        root = parent;
    }
    root.to_path_buf()
}

fn version_result(
    source: String,
    prepared: &PreparedRelease,
    published: &PublishedRelease,
    mirrored: Option<&MirroredVersion>,
) -> VersionJson {
    let push = &published.outcome.push;
    let mut referrers = published.outcome.referrer_digests();
    let mut copied_refs = 0;
    let mut skipped_refs = 0;
    let mut count = |o: &AttachOutcome| {
        for r in &o.referrers {
            match r.status {
                tofu_sbom::provider::attach::AttachStatus::Added => copied_refs += 1,
                _ => skipped_refs += 1,
            }
        }
    };
    for s in &published.outcome.attached {
        count(&s.outcome);
    }
    if let Some(p) = &published.provenance {
        count(p);
        let m = referrers
            .entry(oci_sboms::INDEX_SUBJECT.to_owned())
            .or_default();
        for r in &p.referrers {
            m.insert(r.title.clone(), r.digest.clone());
        }
    }
    let signature = mirrored.map(|v| match &v.authentication {
        Authentication::Signed { check, .. } => SignatureJson {
            status: "verified",
            key_id: Some(check.key_id.clone()),
            fingerprint: Some(check.fingerprint.clone()),
        },
        _ => SignatureJson {
            status: "unverified",
            key_id: None,
            fingerprint: None,
        },
    });
    VersionJson {
        version: prepared.scanned.version.clone(),
        source,
        target: if push.dry_run {
            String::new()
        } else {
            push.pinned_reference.clone()
        },
        tag: push.tags.first().cloned().unwrap_or_default(),
        dry_run: push.dry_run,
        signature,
        download: mirrored.map(|v| DownloadJson {
            dir: v.dir.clone(),
            downloaded: v.downloaded,
            skipped: v.skipped,
            downloaded_bytes: v.downloaded_bytes,
        }),
        index_digest: Some(push.index_digest.clone()),
        platforms: push
            .platforms
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    PlatformJson {
                        manifest_digest: p.manifest_digest.clone(),
                        zip_digest: p.layer_digest.clone(),
                    },
                )
            })
            .collect(),
        copied: Counts {
            blobs: push.uploaded_blobs,
            bytes: push.uploaded_bytes,
            manifests: None,
            referrers: copied_refs,
        },
        skipped: Counts {
            blobs: push.skipped_blobs,
            bytes: 0,
            manifests: None,
            referrers: skipped_refs,
        },
        referrers,
        added_sboms: Vec::new(),
        skipped_referrers: Vec::new(),
        tofurc: push.tofurc.clone(),
        lockfile: prepared.lock.as_ref().map(lockfile::render_provider_block),
        warnings: mirrored.map(|v| v.warnings.clone()).unwrap_or_default(),
    }
}

async fn run_oci(ctx: &Ctx<'_>, source: &Target) -> anyhow::Result<Vec<VersionJson>> {
    let args = ctx.args;
    let src = Store::open(source, ctx.client.clone(), false)?;
    // The tags to copy: the one named, else every tag that is a version.
    let refs: Vec<Target> = if source.tag().is_some() || source.digest().is_some() {
        vec![source.clone()]
    } else {
        let mut tags: Vec<(Version, String)> = src
            .list_tags()
            .await?
            .into_iter()
            .filter_map(|t| {
                Version::parse(&tofu_sbom::provider::artifact::version_for_tag(&t)).map(|v| (v, t))
            })
            .collect();
        tags.sort_by(|a, b| a.0.cmp_precedence(&b.0));
        anyhow::ensure!(!tags.is_empty(), "{source} has no version tags");
        tags.into_iter()
            .map(|(_, t)| with_tag(source, &t))
            .collect::<anyhow::Result<_>>()?
    };
    let mut out = Vec::new();
    for r in &refs {
        let tag = r.tag().map(str::to_owned);
        if args.dry_run {
            let root = match (r.digest(), &tag) {
                (Some(d), _) => d.clone(),
                (None, Some(t)) => src.resolve_tag(t).await?.digest,
                _ => unreachable_ref(r)?,
            };
            out.push(VersionJson {
                version: tofu_sbom::provider::artifact::version_for_tag(
                    &tag.clone().unwrap_or_default(),
                ),
                source: r.to_string(),
                target: String::new(),
                tag: tag.unwrap_or_default(),
                dry_run: true,
                signature: None,
                download: None,
                index_digest: Some(root),
                platforms: BTreeMap::new(),
                copied: Counts::default(),
                skipped: Counts::default(),
                referrers: BTreeMap::new(),
                added_sboms: Vec::new(),
                skipped_referrers: Vec::new(),
                tofurc: ctx
                    .provider
                    .as_ref()
                    .and_then(|p| tofurc_for_target(&ctx.target, p)),
                lockfile: None,
                warnings: Vec::new(),
            });
            continue;
        }
        let copier = StoreReferrersCopier {
            source_mode: ReferrersMode::Auto,
            target_mode: args.referrers.referrers_mode,
            ..StoreReferrersCopier::default()
        };
        let opts = CopyOptions {
            referrers: Some(Arc::new(copier)),
            progress: copy_progress(ctx.global),
            ..CopyOptions::default()
        };
        let target = match &tag {
            Some(t) => with_tag(&ctx.target, t)?,
            None => ctx.target.clone(),
        };
        ctx.info(&format!("copying {r} → {target}"));
        let copied = copy::copy(r, &target, ctx.client.clone(), &opts).await?;
        if let ReferrersOutcome::Copied { skipped, .. } = &copied.referrers {
            for s in skipped {
                let of = match &s.subject {
                    Some(subject) => format!("of {subject}"),
                    None => "(subject unknown)".to_owned(),
                };
                eprintln!(
                    "tofu-sbom: warning: {r}: skipped referrer {} {of}: {}; it is neither copied nor listed in \
                     the target",
                    s.digest, s.reason
                );
            }
        }
        let dst = Store::open(&ctx.target, ctx.client.clone(), false)?;
        let artifact = oci_sboms::read_provider(&dst, &copied.root.digest).await?;
        let version =
            tofu_sbom::provider::artifact::version_for_tag(&tag.clone().unwrap_or_default());
        let mut added = Vec::new();
        if let Some(a) = &artifact
            && !args.no_add_sboms
            && !version.is_empty()
        {
            let provider_type = ctx
                .provider
                .as_ref()
                .map(|p| p.provider_type.clone())
                .unwrap_or_else(|| repo_type(&ctx.target));
            let attached = oci_sboms::add_missing_sboms(
                &dst,
                a,
                &version,
                &provider_type,
                &ctx.formats,
                &ctx.sbom,
                &ctx.attach_opts(),
                &ctx.limits,
            )
            .await?;
            added = attached
                .iter()
                .filter(|(_, o)| {
                    o.referrers
                        .iter()
                        .any(|r| r.status == tofu_sbom::provider::attach::AttachStatus::Added)
                })
                .map(|(k, _)| k.clone())
                .collect();
        }
        out.push(oci_result(ctx, r, &copied, artifact.as_ref(), &dst, version, added).await?);
    }
    Ok(out)
}

fn unreachable_ref(r: &Target) -> anyhow::Result<Digest> {
    anyhow::bail!("{r} names neither a tag nor a digest")
}

/// `t` with `tag` (a layout or a repository).
fn with_tag(t: &Target, tag: &str) -> anyhow::Result<Target> {
    let base = t.without_version().to_string();
    Ok(Target::parse(&format!("{base}:{tag}"))?)
}

/// The provider type a repository's last segment suggests (`…/terraform-provider-aws` or `…/aws`).
fn repo_type(t: &Target) -> String {
    let s = match t {
        Target::Registry(r) => r.repository.clone(),
        Target::Layout(l) => l
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let last = s.rsplit('/').next().unwrap_or(&s);
    last.strip_prefix("terraform-provider-")
        .unwrap_or(last)
        .to_owned()
}

async fn oci_result(
    ctx: &Ctx<'_>,
    source: &Target,
    c: &CopyOutcome,
    artifact: Option<&ProviderArtifact>,
    dst: &Store,
    version: String,
    added_sboms: Vec<String>,
) -> anyhow::Result<VersionJson> {
    let referrers = match artifact {
        Some(a) => oci_sboms::referrer_map(dst, a, ctx.args.referrers.referrers_mode).await?,
        None => BTreeMap::new(),
    };
    let (copied_refs, skipped_referrers) = match &c.referrers {
        ReferrersOutcome::Copied { count, skipped } => (*count, skipped.clone()),
        ReferrersOutcome::NotCopied => (0, Vec::new()),
    };
    let lock = match (artifact, &ctx.provider) {
        (Some(a), Some(p)) if !version.is_empty() => {
            Some(lockfile::render_provider_block(&ProviderLock {
                address: p.clone(),
                version: version.clone(),
                constraints: None,
                hashes: a.zh_hashes(),
            }))
        }
        _ => None,
    };
    Ok(VersionJson {
        version,
        source: source.to_string(),
        target: c.pinned_reference.clone(),
        tag: c.tag.clone().unwrap_or_default(),
        dry_run: false,
        signature: None,
        download: None,
        index_digest: Some(c.root.digest.clone()),
        platforms: artifact
            .map(|a| {
                a.platforms
                    .iter()
                    .map(|(k, p)| {
                        (
                            k.clone(),
                            PlatformJson {
                                manifest_digest: p.manifest_digest.clone(),
                                zip_digest: p.zip_digest.clone(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        copied: Counts {
            blobs: c.copied_blobs + c.mounted_blobs,
            bytes: c.copied_bytes,
            manifests: Some(c.copied_manifests),
            referrers: copied_refs,
        },
        skipped: Counts {
            blobs: c.skipped_blobs,
            bytes: 0,
            manifests: Some(c.skipped_manifests),
            referrers: 0,
        },
        referrers,
        added_sboms,
        skipped_referrers,
        tofurc: ctx
            .provider
            .as_ref()
            .and_then(|p| tofurc_for_target(&ctx.target, p)),
        lockfile: lock,
        warnings: Vec::new(),
    })
}

fn print_version(v: &VersionJson) {
    if v.dry_run {
        println!("would mirror {} → {}", v.source, v.tag);
        if let Some(d) = &v.index_digest {
            println!("index     {d}");
        }
        println!("nothing was written");
    } else {
        println!("mirrored {} → {}", v.source, v.target);
    }
    if let Some(s) = &v.signature {
        match &s.fingerprint {
            Some(f) => println!("signature verified (key {f})"),
            None => println!(
                "signature UNVERIFIED: the registry publishes no signing key (--allow-unsigned)"
            ),
        }
    }
    if let Some(d) = &v.download {
        println!(
            "download  {} ZIPs downloaded ({} bytes), {} already present, in {}",
            d.downloaded,
            d.downloaded_bytes,
            d.skipped,
            d.dir.display()
        );
    }
    if !v.dry_run {
        if let Some(d) = &v.index_digest {
            println!("index     {d}");
        }
        for (k, p) in &v.platforms {
            println!("{k:<14}{} (zip {})", p.manifest_digest, p.zip_digest);
        }
        println!("tag       {}", v.tag);
        let manifests =
            |m: Option<usize>| m.map(|m| format!(", {m} manifests")).unwrap_or_default();
        println!(
            "copied    {} blobs ({} bytes){}, {} referrers",
            v.copied.blobs,
            v.copied.bytes,
            manifests(v.copied.manifests),
            v.copied.referrers
        );
        println!(
            "skipped   {} blobs{}, {} referrers (already present)",
            v.skipped.blobs,
            manifests(v.skipped.manifests),
            v.skipped.referrers
        );
        for (subject, refs) in &v.referrers {
            for (title, d) in refs {
                println!("referrer  {subject:<14}{d} {title}");
            }
        }
        if !v.added_sboms.is_empty() {
            println!("added SBOMs to {}", v.added_sboms.join(", "));
        }
    }
    for w in &v.warnings {
        println!("warning   {w}");
    }
    if let Some(t) = &v.tofurc {
        println!("\n# .tofurc\n{t}");
    }
    if let Some(l) = &v.lockfile {
        println!("\n# .terraform.lock.hcl\n{l}");
    }
}
