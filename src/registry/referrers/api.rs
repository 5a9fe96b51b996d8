//! The OCI referrers API (`GET /v2/<name>/referrers/<digest>`): whether the registry serves it (only a 200 whose
//! `Content-Type` header is exactly the OCI index media type counts: oras-go's `referrersPageByAPI` and
//! `pingReferrers`, go-containerregistry's `Referrers` (Trivy) compare the whole header, so a `; charset=utf-8`
//! parameter makes them read the fallback tag instead), and following its `Link: rel="next"` pages under
//! [`Limits::max_referrers_pages`](crate::limits::Limits::max_referrers_pages), refusing a page loop (a link back to any
//! page read, the first included) and bounding the bytes and entries across pages (`max_listing_bytes`,
//! `max_listing_entries`).
//!
//! Must not know what the referrers are (SBOMs, signatures) nor the fallback tag.

use super::location;
use crate::registry::client::RegistryClient;
use crate::registry::digest::Digest;
use crate::registry::manifest::{ImageIndex, MEDIA_TYPE_INDEX, decode};
use crate::registry::paging::Paging;
use crate::registry::{RegistryError, Result};

/// A referrers API answer is one only when it is a 200 whose raw `Content-Type` header is exactly the OCI index media
/// type (no parameters, no other spelling): the rule of oras-go and go-containerregistry, the consumers that read
/// what we attach. Anything else sends them to the `sha256-<hex>` tag.
pub(crate) fn is_api_answer(status: u16, content_type: Option<&str>) -> bool {
    status == 200 && content_type == Some(MEDIA_TYPE_INDEX)
}

/// A 200 that *is* an OCI index once its parameters are dropped (`…index.v1+json; charset=utf-8`) but that the
/// consumers refuse as an API answer: the registry probably keeps a referrers list (and may answer `OCI-Subject`),
/// yet oras-go and Trivy read only the fallback tag, so it must be written anyway.
pub(crate) fn is_refused_index(status: u16, content_type: Option<&str>) -> bool {
    status == 200
        && !is_api_answer(status, content_type)
        && content_type.is_some_and(|c| {
            c.split(';')
                .next()
                .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(MEDIA_TYPE_INDEX))
        })
}

/// Why a probe is not a referrers API answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotApi {
    /// `GET … answered HTTP <status> with Content-Type <header>`.
    pub detail: String,
    /// The answer was an OCI index with a `Content-Type` the consumers refuse ([`is_refused_index`]).
    pub refused_index: bool,
}

/// Probes the referrers API: `Ok(Ok(index))` when the registry serves it as the consumers accept it,
/// `Ok(Err(why))` otherwise.
pub(crate) async fn probe_api(
    client: &RegistryClient,
    repo: &str,
    subject: &Digest,
    artifact_type: Option<&str>,
) -> Result<std::result::Result<ImageIndex, NotApi>> {
    let first = client.get_referrers(repo, subject, artifact_type).await?;
    if !is_api_answer(first.status, first.content_type.as_deref()) {
        return Ok(Err(NotApi {
            detail: format!(
                "GET /v2/{repo}/referrers/{subject} answered HTTP {} with Content-Type {}",
                first.status,
                first.content_type.as_deref().unwrap_or("(none)")
            ),
            refused_index: is_refused_index(first.status, first.content_type.as_deref()),
        }));
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
    let limit = limits.max_referrers_pages;
    while let Some(url) = next {
        // The pages read so far (the first included); the page about to be read is the next one.
        let pages = budget.pages();
        if budget.was_read(&url) {
            return Err(RegistryError::ReferrersPageLoop {
                subject: subject.to_string(),
                location: location(client, repo),
                page: usize::try_from(pages).unwrap_or(usize::MAX),
                url,
            });
        }
        if pages >= u64::from(limit) {
            return Err(RegistryError::ReferrersTooManyPages {
                subject: subject.to_string(),
                location: location(client, repo),
                limit,
            });
        }
        budget.read(&url)?;
        let page = client.get_referrers_page(repo, &url).await?;
        budget.add_bytes(page.body.len() as u64)?;
        if !is_api_answer(page.status, page.content_type.as_deref()) {
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
    }
    Ok(Ok(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_index_content_type_is_the_api_as_oras_go_and_trivy_decide() {
        let cases: [(u16, Option<&str>, bool, bool); 9] = [
            (200, Some(MEDIA_TYPE_INDEX), true, false),
            (
                200,
                Some("application/vnd.oci.image.index.v1+json; charset=utf-8"),
                false,
                true,
            ),
            (
                200,
                Some("application/vnd.oci.image.index.v1+json;charset=utf-8"),
                false,
                true,
            ),
            (
                200,
                Some("Application/VND.oci.image.index.v1+json"),
                false,
                true,
            ),
            (200, Some("application/json"), false, false),
            (200, None, false, false),
            (404, Some(MEDIA_TYPE_INDEX), false, false),
            (404, Some("text/plain; charset=utf-8"), false, false),
            (
                206,
                Some("application/vnd.oci.image.index.v1+json; charset=utf-8"),
                false,
                false,
            ),
        ];
        for (status, ct, api, refused) in cases {
            assert_eq!(
                (is_api_answer(status, ct), is_refused_index(status, ct)),
                (api, refused),
                "{status} {ct:?}"
            );
        }
    }
}
