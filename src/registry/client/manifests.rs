//! Manifest endpoints of the [`RegistryClient`](super::RegistryClient): `GET` (bytes verified against the requested
//! and announced digest), `HEAD`, `PUT` of exact bytes (refusing a registry that rewrites them), `DELETE`, the tag
//! list, and the raw `GET /v2/<name>/referrers/<digest>` answer (interpreted by [`crate::registry::referrers`]).
//!
//! Must not know what a manifest describes (a provider, an SBOM).

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::request::{Req, ReqBody};
use super::{
    FetchedManifest, ManifestHead, PutManifestResponse, ReferrersResponse, RegistryClient, Scope,
    content_type, header_content_length, header_digest, raw_content_type,
};
use crate::http::origin::same_origin;
use crate::http::read_limited;
use crate::registry::digest::Digest;
use crate::registry::manifest::MEDIA_TYPE_INDEX;
use crate::registry::paging::Paging;
use crate::registry::{RegistryError, Result};

impl RegistryClient {
    /// `GET /v2/<repo>/manifests/<reference>` with the OCI (and Docker) media types accepted. The bytes are read under
    /// `max_manifest_size` and verified against the requested digest and `Docker-Content-Digest`.
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Result<FetchedManifest> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::GET,
            self.url(&base, &format!("{repo}/manifests/{reference}")),
        )
        .header("Accept", ACCEPT_MANIFESTS);
        let resp = self
            .send(req, &Scope::pull(repo), &[200, 404], repo)
            .await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(RegistryError::NotFound {
                what: format!("manifest {reference}"),
                location: format!("{}/{repo}", self.registry),
            });
        }
        let media_type = content_type(resp.headers()).unwrap_or_default();
        let announced = header_digest(resp.headers(), "docker-content-digest");
        let what = format!("manifest {reference} in {}/{repo}", self.registry);
        let bytes = read_limited(resp, self.opts.limits.max_manifest_size, &what).await?;
        let digest = Digest::sha256_of(&bytes);
        let expected = reference
            .parse::<Digest>()
            .ok()
            .or(announced.filter(Digest::is_sha256));
        if let Some(exp) = expected
            && exp.is_sha256()
        {
            exp.verify(&digest, || what)?;
        }
        Ok(FetchedManifest {
            bytes,
            media_type,
            digest,
        })
    }

    /// `HEAD /v2/<repo>/manifests/<reference>`: `None` when absent.
    pub async fn head_manifest(&self, repo: &str, reference: &str) -> Result<Option<ManifestHead>> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::HEAD,
            self.url(&base, &format!("{repo}/manifests/{reference}")),
        )
        .header("Accept", ACCEPT_MANIFESTS);
        let resp = self
            .send(req, &Scope::pull(repo), &[200, 404], repo)
            .await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(ManifestHead {
            media_type: content_type(resp.headers()).unwrap_or_default(),
            digest: header_digest(resp.headers(), "docker-content-digest"),
            size: header_content_length(resp.headers()),
        }))
    }

    /// `PUT /v2/<repo>/manifests/<reference>` of exactly `bytes`. Returns the response headers; fails if the registry
    /// announces a digest other than the digest of our bytes (it rewrote the manifest).
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<PutManifestResponse> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::PUT,
            self.url(&base, &format!("{repo}/manifests/{reference}")),
        )
        .header("Content-Type", media_type)
        .body(ReqBody::Bytes(bytes.to_vec()));
        let resp = self
            .send(req, &Scope::push(repo), &[200, 201, 202], repo)
            .await?;
        let ours = Digest::sha256_of(bytes);
        let announced = header_digest(resp.headers(), "docker-content-digest");
        if let Some(d) = &announced
            && d.is_sha256()
        {
            ours.verify(d, || {
                format!(
                    "manifest PUT {reference} to {}/{repo} (the registry rewrote our bytes)",
                    self.registry
                )
            })?;
        }
        Ok(PutManifestResponse {
            location: resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            digest: announced,
            oci_subject: header_digest(resp.headers(), "oci-subject"),
        })
    }

    /// `DELETE /v2/<repo>/manifests/<digest>`.
    pub async fn delete_manifest(&self, repo: &str, digest: &Digest) -> Result<()> {
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::DELETE,
            self.url(&base, &format!("{repo}/manifests/{digest}")),
        );
        self.send(req, &Scope::push(repo).and_pull(repo), &[200, 202], repo)
            .await
            .map(drop)
    }

    /// All tags of `repo` (`GET /v2/<repo>/tags/list`, following `Link: <…>; rel="next"` on this registry's origin).
    /// Bounded across pages by [`Limits`](crate::limits::Limits) `max_tag_list_pages`, `max_listing_bytes` and
    /// `max_listing_entries`; a next-page URL already read is a [`RegistryError::PageLoop`].
    pub async fn list_tags(&self, repo: &str) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let base = self.ready().await?.base.clone();
        let limits = self.opts.limits;
        let what = format!("tag list of {}/{repo}", self.registry);
        let mut url = self.url(&base, &format!("{repo}/tags/list"));
        let mut pages = Paging::new(
            &what,
            &limits,
            u64::from(limits.max_tag_list_pages),
            "max_tag_list_pages",
        );
        let mut out = Vec::new();
        loop {
            pages.read(&url)?;
            let resp = self
                .send(
                    Req::new(Method::GET, url.clone()),
                    &Scope::pull(repo),
                    &[200, 404],
                    repo,
                )
                .await?;
            if resp.status() == StatusCode::NOT_FOUND {
                return Err(RegistryError::NotFound {
                    what: format!("repository {repo}"),
                    location: self.registry.clone(),
                });
            }
            let next = next_link(resp.headers()).or_else(|| {
                // Some registries send a bare `Link: <…>` without `rel`.
                resp.headers()
                    .get("link")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| l.split_once('<'))
                    .and_then(|(_, r)| r.split_once('>'))
                    .map(|(u, _)| u.trim().to_owned())
            });
            let max = limits.max_registry_response.min(pages.bytes_left());
            let body = read_limited(resp, max, "tag list page")
                .await
                .map_err(|e| pages.too_large(e))?;
            pages.add_bytes(body.len() as u64)?;
            let page: TagList = serde_json::from_slice(&body).map_err(|e| RegistryError::Json {
                what: what.clone(),
                message: e.to_string(),
            })?;
            let tags = page.tags.unwrap_or_default();
            pages.add_entries(tags.len() as u64)?;
            out.extend(tags);
            let Some(n) = next else { return Ok(out) };
            url = Self::resolve_location(&base, &n);
            if !same_origin(&url, &base) {
                return Err(RegistryError::PageLinkElsewhere {
                    what,
                    url: without_query(&url),
                });
            }
        }
    }

    /// `GET /v2/<repo>/referrers/<digest>[?artifactType=…]`, raw.
    pub async fn get_referrers(
        &self,
        repo: &str,
        digest: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<ReferrersResponse> {
        let base = self.ready().await?.base.clone();
        let mut url = self.url(&base, &format!("{repo}/referrers/{digest}"));
        if let Some(t) = artifact_type {
            url = format!("{url}?artifactType={}", t.replace('+', "%2B"));
        }
        self.referrers_request(repo, &base, url).await
    }

    /// A further page of a referrers answer (`next` of the previous [`ReferrersResponse`]); only URLs on this
    /// registry are followed.
    pub async fn get_referrers_page(&self, repo: &str, url: &str) -> Result<ReferrersResponse> {
        let base = self.ready().await?.base.clone();
        if !same_origin(url, &base) {
            return Err(RegistryError::PageLinkElsewhere {
                what: format!("referrers in {}/{repo}", self.registry),
                url: without_query(url),
            });
        }
        self.referrers_request(repo, &base, url.to_owned()).await
    }

    async fn referrers_request(
        &self,
        repo: &str,
        base: &str,
        url: String,
    ) -> Result<ReferrersResponse> {
        let req = Req::new(Method::GET, url.clone()).header("Accept", MEDIA_TYPE_INDEX);
        let resp = self
            .send(req, &Scope::pull(repo), &[200, 400, 404, 405, 406], repo)
            .await?;
        let status = resp.status().as_u16();
        let content_type = raw_content_type(resp.headers());
        let filters_applied = resp
            .headers()
            .get("oci-filters-applied")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let next = next_link(resp.headers()).map(|n| Self::resolve_location(base, &n));
        let body = read_limited(
            resp,
            self.opts.limits.max_registry_response,
            "referrers response",
        )
        .await?;
        Ok(ReferrersResponse {
            status,
            content_type,
            body,
            filters_applied,
            next,
            url,
        })
    }
}

/// A URL without its query string (for messages: page tokens and signatures live there).
pub(crate) fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

/// The target of a `Link: <URL>; rel="next"` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|l| l.contains("rel=\"next\"") || l.contains("rel=next"))
        .and_then(|l| {
            l.split_once('<')
                .and_then(|(_, r)| r.split_once('>'))
                .map(|(u, _)| u.trim().to_owned())
        })
}

/// The `Accept` header of manifest requests (kept in sync with the constants in `manifest` by a unit test).
const ACCEPT_MANIFESTS: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::client::request::Req;
    use crate::registry::manifest::{
        MEDIA_TYPE_DOCKER_LIST, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_MANIFEST,
    };

    #[test]
    fn accept_header_lists_every_manifest_type() {
        for t in [
            MEDIA_TYPE_INDEX,
            MEDIA_TYPE_MANIFEST,
            MEDIA_TYPE_DOCKER_LIST,
            MEDIA_TYPE_DOCKER_MANIFEST,
        ] {
            assert!(ACCEPT_MANIFESTS.split(", ").any(|a| a == t), "{t}");
        }
    }

    #[test]
    fn operation_strips_scheme_host_and_query() {
        let r = Req::new(
            Method::PUT,
            "http://127.0.0.1:5000/v2/a/blobs/uploads/uuid?_state=secretish&digest=sha256:x".into(),
        );
        assert_eq!(r.operation(), "PUT /v2/a/blobs/uploads/uuid");
    }

    #[test]
    fn next_links() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            r#"</v2/a/referrers/sha256:x?n=2&last=y>; rel="next""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/v2/a/referrers/sha256:x?n=2&last=y")
        );
        let mut h = HeaderMap::new();
        h.insert("link", r#"<https://x/prev>; rel="prev""#.parse().unwrap());
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}
