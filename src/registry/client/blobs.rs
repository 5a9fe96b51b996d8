//! Blob endpoints of the [`RegistryClient`](super::RegistryClient): existence (`HEAD`), cross-repository mount, upload
//! (monolithic `POST`+`PUT`, or chunked `PATCH`es above the threshold, restarted from a new session on a transient
//! fault) and the streamed, hashed, size-bounded download into a [`BlobSink`](super::BlobSink).
//!
//! Must not know what a blob holds (a provider ZIP, an SBOM): only its digest and size.

use reqwest::{Method, StatusCode};

use super::request::{Req, ReqBody, location_of};
use super::{
    BlobSink, BlobSource, ByteProgress, RegistryClient, Scope, header_content_length, header_digest,
};
use crate::http::deadline::Budget;
use crate::http::error_chain;
use crate::http::retry::with_retries;
use crate::registry::digest::{Digest, Sha256Counter};
use crate::registry::{RegistryError, Result};

impl RegistryClient {
    /// `HEAD /v2/<repo>/blobs/<digest>`: `Some(size)` when the blob exists. A blob the registry already confirmed in
    /// this run (a `HEAD` or an accepted upload) is answered without asking again, until
    /// [`RegistryClient::forget_blob`].
    pub async fn blob_exists(
        &self,
        repo: &str,
        digest: &Digest,
        scope: &Scope,
    ) -> Result<Option<u64>> {
        if let Some(size) = self.known_blob(repo, digest) {
            return Ok(Some(size));
        }
        let base = self.ready().await?.base.clone();
        let req = Req::new(
            Method::HEAD,
            self.url(&base, &format!("{repo}/blobs/{digest}")),
        );
        let resp = self.send(req, scope, &[200, 404], repo).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let size = header_content_length(resp.headers()).unwrap_or(0);
        self.remember_blob(repo, digest, size);
        Ok(Some(size))
    }

    /// Cross-repository mount (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`). `Ok(true)` when mounted; `Ok(false)`
    /// when the registry started a regular upload instead (the caller then uploads).
    pub async fn mount_blob(&self, repo: &str, digest: &Digest, from: &str) -> Result<bool> {
        let base = self.ready().await?.base.clone();
        let scope = Scope::push(repo).and_pull(from);
        let url = self.url(
            &base,
            &format!("{repo}/blobs/uploads/?mount={digest}&from={from}"),
        );
        let resp = self
            .send(Req::new(Method::POST, url), &scope, &[201, 202], repo)
            .await?;
        Ok(resp.status() == StatusCode::CREATED)
    }

    /// Uploads a blob (monolithic `POST`+`PUT` up to `ClientOptions::chunked_threshold`, chunked `PATCH`es above),
    /// restarting from a fresh upload session on a transient fault.
    ///
    /// Uploads of one blob to one repository through this client run one at a time: a second one waits for the
    /// first and then sends nothing if the blob is there (several versions of a provider published at once all
    /// push the same empty config). That also narrows a distribution 2.8 race: it commits a blob by rewriting its
    /// files in place, so a manifest naming a blob mid-commit is refused (`DIGEST_INVALID` +
    /// `MANIFEST_BLOB_UNKNOWN`); commits by other repositories or processes can still cause it, and the manifest
    /// PUT's re-check and retry on `MANIFEST_BLOB_UNKNOWN` handles those.
    pub async fn upload_blob(
        &self,
        repo: &str,
        digest: &Digest,
        size: u64,
        source: &BlobSource,
        progress: Option<ByteProgress>,
    ) -> Result<()> {
        let op = format!("uploading blob {digest} to {}/{repo}", self.registry);
        let scope = Scope::push(repo);
        let mut turn = self.blob_upload_turn(repo, digest);
        if turn.take().await && self.blob_exists(repo, digest, &scope).await? == Some(size) {
            return Ok(());
        }
        with_retries(&self.opts.retry, &op, |_| {
            self.upload_attempt(repo, digest, size, source, progress.clone(), &scope)
        })
        .await?;
        self.remember_blob(repo, digest, size);
        Ok(())
    }

    async fn upload_attempt(
        &self,
        repo: &str,
        digest: &Digest,
        size: u64,
        source: &BlobSource,
        progress: Option<ByteProgress>,
        scope: &Scope,
    ) -> Result<()> {
        let ready = self.ready().await?;
        let base = ready.base.clone();
        let start = Req::new(
            Method::POST,
            self.url(&base, &format!("{repo}/blobs/uploads/")),
        );
        let resp = self.send_once(&start, scope).await?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(self.status_error(resp, repo, &start.operation()).await);
        }
        let mut location = location_of(&resp, &base, &start)?;
        drop(resp);
        let body_for = |offset: u64, len: u64| match source {
            BlobSource::File(path) => ReqBody::File {
                path: path.clone(),
                offset,
                len,
                progress: progress.clone(),
            },
            BlobSource::Bytes(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let end = usize::try_from(offset + len)
                    .unwrap_or(usize::MAX)
                    .min(b.len());
                ReqBody::Bytes(b[start..end].to_vec())
            }
        };
        let put_url = |loc: &str| {
            format!(
                "{loc}{}digest={digest}",
                if loc.contains('?') { '&' } else { '?' }
            )
        };
        let chunked = size > self.opts.chunked_threshold && self.opts.chunk_size > 0;
        let final_put = if chunked {
            let mut offset = 0;
            while offset < size {
                let len = self.opts.chunk_size.min(size - offset);
                let patch = Req::new(Method::PATCH, location.clone())
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", format!("{offset}-{}", offset + len - 1))
                    .body(body_for(offset, len));
                let resp = self.send_once(&patch, scope).await?;
                if resp.status() != StatusCode::ACCEPTED {
                    return Err(self.status_error(resp, repo, &patch.operation()).await);
                }
                location = location_of(&resp, &base, &patch)?;
                offset += len;
                if let Some(p) = &progress {
                    p(offset);
                }
            }
            Req::new(Method::PUT, put_url(&location))
        } else {
            Req::new(Method::PUT, put_url(&location))
                .header("Content-Type", "application/octet-stream")
                .body(body_for(0, size))
        };
        let resp = self.send_once(&final_put, scope).await?;
        if resp.status() != StatusCode::CREATED {
            return Err(self.status_error(resp, repo, &final_put.operation()).await);
        }
        if let Some(d) = header_digest(resp.headers(), "docker-content-digest") {
            digest.verify(&d, || format!("blob upload to {}/{repo}", self.registry))?;
        }
        Ok(())
    }

    /// Streams a blob, hashing it; fails unless it hashes to `digest` and stays within `max_size` bytes. Returns the
    /// size. `sink` receives every chunk (it may be called again from the start if a transient fault restarts the
    /// download: `restart` is called first).
    pub async fn fetch_blob<S>(
        &self,
        repo: &str,
        digest: &Digest,
        max_size: u64,
        sink: &mut S,
    ) -> Result<u64>
    where
        S: BlobSink + ?Sized,
    {
        let base = self.ready().await?.base.clone();
        let scope = Scope::pull(repo);
        let req = Req::new(
            Method::GET,
            self.url(&base, &format!("{repo}/blobs/{digest}")),
        );
        let op = format!("{} on {}", req.operation(), self.registry);
        let mut attempt_no = 0;
        let policy = self.opts.retry;
        let start = std::time::Instant::now();
        loop {
            attempt_no += 1;
            sink.restart()?;
            let result = async {
                let resp = self.send_once(&req, &scope).await?;
                if resp.status() != StatusCode::OK {
                    return Err(self.status_error(resp, repo, &req.operation()).await);
                }
                self.stream_verified(resp, digest, max_size, sink, &req)
                    .await
            }
            .await;
            match result {
                Ok(n) => return Ok(n),
                Err(e)
                    if e.is_transient()
                        && attempt_no < policy.max_attempts
                        && start.elapsed() < policy.max_total =>
                {
                    tokio::time::sleep(policy.backoff(attempt_no)).await;
                }
                Err(e) if e.is_transient() => {
                    return Err(RegistryError::RetriesExhausted {
                        operation: op,
                        attempts: attempt_no,
                        last: Box::new(e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn stream_verified<S: BlobSink + ?Sized>(
        &self,
        mut resp: reqwest::Response,
        digest: &Digest,
        max_size: u64,
        sink: &mut S,
        req: &Req,
    ) -> Result<u64> {
        let what = format!("blob {digest}");
        if resp.content_length().is_some_and(|l| l > max_size) {
            return Err(RegistryError::TooLarge {
                what,
                limit: max_size,
            });
        }
        let mut hasher = Sha256Counter::new();
        let budget = Budget::of(&resp);
        loop {
            let chunk = resp.chunk().await.map_err(|e| {
                budget
                    .and_then(|b| b.classify(&e, &self.registry, &req.operation()))
                    .map_or_else(
                        || RegistryError::Transport {
                            registry: self.registry.clone(),
                            operation: req.operation(),
                            message: error_chain(&e),
                            transient: true,
                        },
                        RegistryError::from,
                    )
            })?;
            let Some(chunk) = chunk else { break };
            if hasher.len() + chunk.len() as u64 > max_size {
                return Err(RegistryError::TooLarge {
                    what,
                    limit: max_size,
                });
            }
            hasher.update(&chunk);
            sink.write(&chunk)?;
        }
        let n = hasher.len();
        digest.verify(&hasher.finish(), || what)?;
        Ok(n)
    }
}
