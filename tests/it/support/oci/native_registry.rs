//! A small in-memory registry on loopback that implements the distribution-spec v1.1 **referrers API**:
//! `GET /v2/<name>/referrers/<digest>` (200, `application/vnd.oci.image.index.v1+json`, `?artifactType=` filtering
//! with `OCI-Filters-Applied`) and the `OCI-Subject` header on the PUT of a manifest that has a `subject`.
//!
//! It exists because no installable registry here implements the referrers API (Debian's distribution 2.8 has none;
//! nothing on apt, crates.io, npm or PyPI does). It follows the spec for exactly the endpoints tofu-sbom uses:
//! ping, blob HEAD/GET and monolithic upload (POST + PUT `?digest=`), manifest PUT/GET/HEAD/DELETE by tag or digest,
//! tag list, referrers. Anonymous, plain HTTP, one request per connection, at most `MAX_CONNECTIONS` connections;
//! stops when dropped.
//!
//! The referrers answer can be paged ([`Paging`]): the spec lets a registry split it, linking the next page with a
//! `Link: <URL>; rel="next"` header (RFC 5988) as distribution does for the tag list — relative or absolute. For the
//! hostile-server tests the chain can also loop back ([`Hostile::Cycle`]) or never end ([`Hostile::Endless`]).

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use sha2::Digest as _;

use crate::support::http_server;

const MAX_CONNECTIONS: usize = 5000;
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

#[derive(Default)]
struct Repo {
    blobs: BTreeMap<String, Vec<u8>>,
    /// digest → (media type, bytes)
    manifests: BTreeMap<String, (String, Vec<u8>)>,
    tags: BTreeMap<String, String>,
}

/// How a hostile registry pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hostile {
    /// Every page links to `?page=0`, a page already served.
    Cycle,
    /// Every page links to the next one, forever (empty pages past the end).
    Endless,
}

/// How the referrers answer is paged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Paging {
    /// Entries per page; 0: one unpaged answer.
    pub page_size: usize,
    /// `Link` with an absolute `http://127.0.0.1:PORT/v2/…` URL instead of a path.
    pub absolute: bool,
    /// Misbehave.
    pub hostile: Option<Hostile>,
}

#[derive(Default)]
struct State {
    paging: Paging,
    host: String,
    repos: BTreeMap<String, Repo>,
    uploads: BTreeMap<String, Vec<u8>>,
    next_upload: u64,
    log: Vec<String>,
}

pub(crate) struct NativeRegistry {
    pub port: u16,
    _listener: http_server::Listener,
    state: Arc<Mutex<State>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Probe {
    media_type: String,
    artifact_type: String,
    config: Option<ProbeConfig>,
    subject: Option<ProbeSubject>,
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ProbeConfig {
    media_type: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProbeSubject {
    digest: String,
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

impl NativeRegistry {
    pub(crate) fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = http_server::Listener::start(MAX_CONNECTIONS, move |sock| {
            let _ = handle(sock, &shared);
        });
        state.lock().unwrap().host = listener.host();
        Self {
            port: listener.port,
            _listener: listener,
            state,
        }
    }

    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `METHOD PATH` of every request so far.
    pub(crate) fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    /// Pages the referrers answers from now on.
    pub(crate) fn set_paging(&self, paging: Paging) {
        self.state.lock().unwrap().paging = paging;
    }

    /// Every tag of `repo`.
    pub(crate) fn tags(&self, repo: &str) -> Vec<String> {
        let st = self.state.lock().unwrap();
        st.repos
            .get(repo)
            .map(|r| r.tags.keys().cloned().collect())
            .unwrap_or_default()
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.to_owned(), v.into()));
        self
    }
    fn body(mut self, b: Vec<u8>) -> Self {
        self.body = b;
        self
    }
    fn error(status: u16, code: &str) -> Self {
        Self::new(status)
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"errors":[{{"code":"{code}","message":"{code}"}}]}}"#).into_bytes())
    }
}

/// `(name, kind, rest)` of `/v2/<name>/<kind>/<rest>`, where kind is the last of blobs/manifests/referrers/tags.
fn split_path(path: &str) -> Option<(String, String, String)> {
    let p = path.strip_prefix("/v2/")?;
    for kind in [
        "/blobs/uploads/",
        "/blobs/",
        "/manifests/",
        "/referrers/",
        "/tags/",
    ] {
        if let Some(i) = p.rfind(kind) {
            return Some((
                p[..i].to_owned(),
                kind.trim_matches('/').to_owned(),
                p[i + kind.len()..].to_owned(),
            ));
        }
    }
    None
}

fn route(
    st: &mut State,
    method: &str,
    target: &str,
    headers: &BTreeMap<String, String>,
    body: Vec<u8>,
) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let q: BTreeMap<String, String> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%2B", "+").replace("%2b", "+")))
        .collect();
    if path == "/v2/" || path == "/v2" {
        return Response::new(200)
            .header("Content-Type", "application/json")
            .body(b"{}".to_vec());
    }
    let Some((name, kind, rest)) = split_path(path) else {
        return Response::error(404, "NAME_UNKNOWN");
    };
    match (method, kind.as_str()) {
        ("POST", "blobs/uploads") => {
            st.next_upload += 1;
            let id = format!("u{}", st.next_upload);
            st.uploads.insert(id.clone(), Vec::new());
            Response::new(202).header("Location", format!("/v2/{name}/blobs/uploads/{id}"))
        }
        ("PATCH", "blobs/uploads") => {
            st.uploads
                .entry(rest.clone())
                .or_default()
                .extend_from_slice(&body);
            Response::new(202).header("Location", format!("/v2/{name}/blobs/uploads/{rest}"))
        }
        ("PUT", "blobs/uploads") => {
            let Some(mut data) = st.uploads.remove(&rest) else {
                return Response::error(404, "BLOB_UPLOAD_UNKNOWN");
            };
            data.extend_from_slice(&body);
            let digest = q.get("digest").cloned().unwrap_or_default();
            if sha256(&data) != digest {
                return Response::error(400, "DIGEST_INVALID");
            }
            st.repos
                .entry(name.clone())
                .or_default()
                .blobs
                .insert(digest.clone(), data);
            Response::new(201)
                .header("Location", format!("/v2/{name}/blobs/{digest}"))
                .header("Docker-Content-Digest", digest)
        }
        ("HEAD" | "GET", "blobs") => match st.repos.get(&name).and_then(|r| r.blobs.get(&rest)) {
            Some(b) => {
                let r = Response::new(200)
                    .header("Content-Type", "application/octet-stream")
                    .header("Docker-Content-Digest", rest.clone());
                if method == "GET" {
                    r.body(b.clone())
                } else {
                    r.header("Content-Length", b.len().to_string())
                }
            }
            None => Response::error(404, "BLOB_UNKNOWN"),
        },
        ("PUT", "manifests") => {
            let media_type = headers.get("content-type").cloned().unwrap_or_default();
            let digest = sha256(&body);
            let probe: Probe = match serde_json::from_slice(&body) {
                Ok(p) => p,
                Err(_) => return Response::error(400, "MANIFEST_INVALID"),
            };
            if !probe.media_type.is_empty() && probe.media_type != media_type {
                return Response::error(400, "MANIFEST_INVALID");
            }
            if rest.starts_with("sha256:") && rest != digest {
                return Response::error(400, "DIGEST_INVALID");
            }
            let repo = st.repos.entry(name.clone()).or_default();
            repo.manifests.insert(digest.clone(), (media_type, body));
            if !rest.starts_with("sha256:") {
                repo.tags.insert(rest.clone(), digest.clone());
            }
            let mut r = Response::new(201)
                .header("Location", format!("/v2/{name}/manifests/{digest}"))
                .header("Docker-Content-Digest", digest);
            if let Some(s) = probe.subject {
                r = r.header("OCI-Subject", s.digest);
            }
            r
        }
        ("GET" | "HEAD", "manifests") => {
            let repo = st.repos.get(&name);
            let digest = if rest.starts_with("sha256:") {
                Some(rest.clone())
            } else {
                repo.and_then(|r| r.tags.get(&rest).cloned())
            };
            match digest.and_then(|d| {
                repo.and_then(|r| r.manifests.get(&d))
                    .map(|m| (d, m.clone()))
            }) {
                Some((d, (mt, bytes))) => {
                    let r = Response::new(200)
                        .header("Content-Type", mt)
                        .header("Docker-Content-Digest", d);
                    if method == "GET" {
                        r.body(bytes)
                    } else {
                        r.header("Content-Length", bytes.len().to_string())
                    }
                }
                None => Response::error(404, "MANIFEST_UNKNOWN"),
            }
        }
        ("DELETE", "manifests") => {
            let Some(repo) = st.repos.get_mut(&name) else {
                return Response::error(404, "NAME_UNKNOWN");
            };
            if repo.manifests.remove(&rest).is_none() {
                return Response::error(404, "MANIFEST_UNKNOWN");
            }
            repo.tags.retain(|_, d| *d != rest);
            Response::new(202)
        }
        ("GET", "referrers") => {
            let filter = q.get("artifactType").cloned();
            let mut manifests = Vec::new();
            if let Some(repo) = st.repos.get(&name) {
                for (digest, (mt, bytes)) in &repo.manifests {
                    let Ok(p) = serde_json::from_slice::<Probe>(bytes) else {
                        continue;
                    };
                    if p.subject.as_ref().map(|s| s.digest.as_str()) != Some(rest.as_str()) {
                        continue;
                    }
                    let artifact_type = if p.artifact_type.is_empty() {
                        p.config.map(|c| c.media_type).unwrap_or_default()
                    } else {
                        p.artifact_type
                    };
                    if filter.as_ref().is_some_and(|f| *f != artifact_type) {
                        continue;
                    }
                    let mut d = serde_json::Map::new();
                    d.insert("mediaType".into(), mt.clone().into());
                    d.insert("digest".into(), digest.clone().into());
                    d.insert("size".into(), bytes.len().into());
                    if !artifact_type.is_empty() {
                        d.insert("artifactType".into(), artifact_type.into());
                    }
                    if !p.annotations.is_empty() {
                        d.insert(
                            "annotations".into(),
                            serde_json::to_value(&p.annotations).unwrap(),
                        );
                    }
                    manifests.push(serde_json::Value::Object(d));
                }
            }
            let paging = st.paging;
            let mut link = None;
            if paging.page_size > 0 {
                let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
                let start = page.saturating_mul(paging.page_size).min(manifests.len());
                let end = start.saturating_add(paging.page_size).min(manifests.len());
                let more = end < manifests.len();
                manifests = manifests[start..end].to_vec();
                let next = match paging.hostile {
                    Some(Hostile::Cycle) => Some(0),
                    Some(Hostile::Endless) => Some(page + 1),
                    None => more.then_some(page + 1),
                };
                if let Some(n) = next {
                    let mut query = format!("page={n}");
                    if let Some(f) = &filter {
                        query.push_str(&format!("&artifactType={}", f.replace('+', "%2B")));
                    }
                    let path = format!("/v2/{name}/referrers/{rest}?{query}");
                    let url = if paging.absolute {
                        format!("http://{}{path}", st.host)
                    } else {
                        path
                    };
                    link = Some(format!("<{url}>; rel=\"next\""));
                }
            }
            let mut index = serde_json::Map::new();
            index.insert("schemaVersion".into(), 2.into());
            index.insert("mediaType".into(), INDEX.into());
            index.insert("manifests".into(), manifests.into());
            let mut r = Response::new(200)
                .header("Content-Type", INDEX)
                .body(serde_json::to_vec(&index).unwrap());
            if let Some(l) = link {
                r = r.header("Link", l);
            }
            if filter.is_some() {
                r = r.header("OCI-Filters-Applied", "artifactType");
            }
            r
        }
        ("GET", "tags") => {
            let tags: Vec<String> = st
                .repos
                .get(&name)
                .map(|r| r.tags.keys().cloned().collect())
                .unwrap_or_default();
            let mut m = serde_json::Map::new();
            m.insert("name".into(), name.into());
            m.insert("tags".into(), tags.into());
            Response::new(200)
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(&m).unwrap())
        }
        _ => Response::error(405, "UNSUPPORTED"),
    }
}

fn handle(sock: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(sock.try_clone()?);
    let Some(head) = http_server::read_head(&mut reader)? else {
        return Ok(());
    };
    let len = head.content_length();
    let method = head.line.method;
    let target = head.line.target;
    // Lower-case names; values without parameters (`application/json; charset=…` → `application/json`).
    let headers: BTreeMap<String, String> = head
        .headers
        .into_iter()
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                v.split(';').next().unwrap_or("").trim().to_owned(),
            )
        })
        .collect();
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    let resp = {
        let mut st = state.lock().unwrap();
        let logged = if target.contains("/referrers/") {
            target.as_str()
        } else {
            target.split('?').next().unwrap_or("")
        };
        st.log.push(format!("{method} {logged}"));
        route(&mut st, &method, &target, &headers, body)
    };
    let mut head = format!("HTTP/1.1 {} X\r\n", resp.status);
    let mut has_len = false;
    for (k, v) in &resp.headers {
        has_len |= k.eq_ignore_ascii_case("content-length");
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_len {
        head.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut s = sock;
    s.write_all(head.as_bytes())?;
    if method != "HEAD" {
        s.write_all(&resp.body)?;
    }
    let _ = s.shutdown(Shutdown::Write);
    Ok(())
}
