//! Reading and scanning a release, shared by `generate`, `push` and `publish`.

use std::path::PathBuf;

use anyhow::Context as _;
use tofu_sbom::archive::ProviderAddress;
use tofu_sbom::archive::release::{Release, parse_platforms};
use tofu_sbom::generate::{self, ScannedRelease};
use tofu_sbom::limits::Limits;

use super::{GlobalArgs, ReleaseArgs};

/// Reads, verifies and scans the release at `paths`, keeping only the requested platforms.
pub(crate) fn scan(
    global: &GlobalArgs,
    paths: &[PathBuf],
    args: &ReleaseArgs,
    limits: &Limits,
) -> anyhow::Result<ScannedRelease> {
    let mut release = Release::from_paths(paths, limits)?;
    if !args.platforms.is_empty() {
        let wanted = parse_platforms(&args.platforms.join(","))?;
        release.select_platforms(&wanted)?;
    }
    let scanned = generate::scan(&mut release, limits)?;
    if !global.quiet {
        for name in &scanned.unverified {
            eprintln!("tofu-sbom: info: {name}: no SHA256SUMS beside it; read unverified");
        }
        for p in &scanned.platforms {
            if !p.ignored_candidates.is_empty() {
                eprintln!(
                    "tofu-sbom: warning: {}: OpenTofu runs {} and ignores {}",
                    p.zip_name,
                    p.binary_name,
                    p.ignored_candidates.join(", ")
                );
            }
            let bi = &p.buildinfo;
            let unsummed = bi.deps_without_sum();
            if !unsummed.is_empty() {
                eprintln!(
                    "tofu-sbom: warning: {}: {} of {} dependencies carry no go.sum hash (h1:), e.g. {}; typical of a \
                     `go mod vendor` build, whose module versions can be wrong — build with the module proxy for \
                     reliable versions",
                    p.zip_name,
                    unsummed.len(),
                    bi.deps.len(),
                    unsummed[0]
                );
            }
            if let Some(main) = &bi.main {
                let v = main.version.trim_start_matches('v');
                if main.version != "(devel)"
                    && !v.is_empty()
                    && v.split('+').next() != Some(scanned.version.as_str())
                {
                    eprintln!(
                        "tofu-sbom: warning: {}: the binary says main module version {}, the release is {}; the SBOMs use {}",
                        p.zip_name, main.version, scanned.version, scanned.version
                    );
                }
            }
        }
    }
    Ok(scanned)
}

/// The `--provider` address, parsed.
pub(crate) fn explicit_address(args: &ReleaseArgs) -> anyhow::Result<Option<ProviderAddress>> {
    args.provider
        .as_deref()
        .map(|s| ProviderAddress::parse(s).with_context(|| format!("--provider {s}")))
        .transpose()
}

/// Checks that an explicit `--provider` names the release's provider type.
pub(crate) fn check_address_type(
    address: Option<&ProviderAddress>,
    release: &ScannedRelease,
) -> anyhow::Result<()> {
    if let Some(a) = address
        && a.provider_type != release.provider_type
    {
        anyhow::bail!(
            "--provider {a} names type {:?}, but the release is terraform-provider-{}",
            a.provider_type,
            release.provider_type
        );
    }
    Ok(())
}
