//! The OCI referrers API (`GET /v2/<name>/referrers/<digest>`): whether the registry serves it (only a 200 with the
//! OCI index content type counts), and following its `Link: rel="next"` pages under
//! [`Limits::max_referrers_pages`](crate::limits::Limits::max_referrers_pages), refusing a page loop (a link back to any
//! page read, the first included) and bounding the bytes and entries across pages (`max_listing_bytes`,
//! `max_listing_entries`).
//!
//! Must not know what the referrers are (SBOMs, signatures) nor the fallback tag.

use super::location;
use crate::registry::client::{ReferrersResponse, RegistryClient};
use crate::registry::digest::Digest;
use crate::registry::manifest::{ImageIndex, MEDIA_TYPE_INDEX, decode};
use crate::registry::paging::Paging;
use crate::registry::{RegistryError, Result};

/// A referrers API answer is one only when it is a 200 with exactly the OCI index content type.
fn is_api_answer(r: &ReferrersResponse) -> bool {
    r.status == 200 && r.content_type.as_deref() == Some(MEDIA_TYPE_INDEX)
}

/// Probes the referrers API: `Ok(Some(index))` when the registry serves it, `Ok(None)` otherwise.
pub(crate) async fn probe_api(
    client: &RegistryClient,
    repo: &str,
    subject: &Digest,
    artifact_type: Option<&str>,
) -> Result<std::result::Result<ImageIndex, String>> {
    let first = client.get_referrers(repo, subject, artifact_type).await?;
    if !is_api_answer(&first) {
        return Ok(Err(format!(
            "GET /v2/{repo}/referrers/{subject} answered HTTP {} with Content-Type {}",
            first.status,
            first.content_type.as_deref().unwrap_or("(none)")
        )));
    }
    let what = format!("referrers of {subject} in {}", location(client, repo));
    // The URLs read so far (the first page's included, at most `limit` of them): a next link to one of them is a
    // loop; bytes and entries are bounded across pages (`max_listing_bytes`, `max_listing_entries`).
    let limits = client.limits();
    // One more than the page limit: `ReferrersTooManyPages` below reports it.
    let mut budget = Paging::new(
        &what,
        limits,
        u64::from(limits.max_referrers_pages) + 1,
        "max_referrers_pages",
    );
    budget.read(&first.url)?;
    budget.add_bytes(first.body.len() as u64)?;
    let mut index: ImageIndex = decode(&first.body, &what)?;
    budget.add_entries(index.manifests.len() as u64)?;
    let mut next = first.next;
    let mut pages: usize = 1;
    let limit = client.limits().max_referrers_pages;
    while let Some(url) = next {
        if budget.was_read(&url) {
            return Err(RegistryError::ReferrersPageLoop {
                subject: subject.to_string(),
                location: location(client, repo),
                page: pages,
                url,
            });
        }
        if pages >= usize::try_from(limit).unwrap_or(usize::MAX) {
            return Err(RegistryError::ReferrersTooManyPages {
                subject: subject.to_string(),
                location: location(client, repo),
                limit,
            });
        }
        budget.read(&url)?;
        let page = client.get_referrers_page(repo, &url).await?;
        budget.add_bytes(page.body.len() as u64)?;
        if !is_api_answer(&page) {
            return Err(RegistryError::Registry {
                registry: client.registry().to_owned(),
                operation: format!("GET /v2/{repo}/referrers/{subject} (page {})", pages + 1),
                status: page.status,
                code: None,
                message: "a referrers page is not an OCI index".into(),
            });
        }
        let more: ImageIndex = decode(&page.body, &what)?;
        budget.add_entries(more.manifests.len() as u64)?;
        index.manifests.extend(more.manifests);
        next = page.next;
        pages += 1;
    }
    Ok(Ok(index))
}
