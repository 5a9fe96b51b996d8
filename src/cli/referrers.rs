//! `tofu-sbom referrers`: the referrers of a manifest or index, as a table or JSON.

use clap::Args;
use tofu_sbom::provider::attach;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::ListOptions;
use tofu_sbom::registry::store::Store;

use super::args::{ReferrersArgs, RegistryArgs};
use super::output::{self, text};
use super::runtime::runtime;
use super::{GlobalArgs, Status};

#[derive(Debug, Args)]
pub(crate) struct ReferrersListArgs {
    /// `HOST/REPO@sha256:…`, `HOST/REPO:TAG` or `oci-layout:DIR[:TAG|@DIGEST]`.
    #[arg(value_name = "REF")]
    reference: String,
    /// Only referrers of this artifactType.
    #[arg(long, value_name = "MEDIA_TYPE")]
    artifact_type: Option<String>,
    #[command(flatten)]
    referrers: ReferrersArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(_global: &GlobalArgs, args: &ReferrersListArgs) -> anyhow::Result<Status> {
    let target = Target::parse(&args.reference)?;
    let client = args.registry.client_options()?;
    let listing = runtime()?.block_on(async {
        let store = Store::open(&target, client, false)?;
        attach::list_subject_referrers(
            &store,
            &target,
            &ListOptions {
                mode: args.referrers.referrers_mode,
                artifact_type: args.artifact_type.clone(),
            },
        )
        .await
    })?;
    for u in &listing.unreadable {
        eprintln!(
            "tofu-sbom: warning: {}: {}; this index.json entry may be a referrer of {} and is not listed",
            args.reference, u.reason, listing.subject
        );
    }
    if let Some(answer) = &listing.api_refused {
        eprintln!(
            "tofu-sbom: warning: {}: {answer}; ORAS and Trivy accept only exactly application/vnd.oci.image.index.v1+json, \
             so they (and this listing) read the {} fallback tag instead",
            args.reference,
            listing.subject.referrers_tag()
        );
    }
    if args.json {
        output::print_json(&listing)?;
    } else {
        text::print_referrers(&listing);
    }
    Ok(Status::Success)
}
