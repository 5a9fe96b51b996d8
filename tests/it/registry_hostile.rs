//! A hostile or broken registry against the OCI client (issue 15): credentials must not reach another origin (an
//! upload `Location` or a `Link` page whose URL merely starts like the registry's), a plain-HTTP token realm on a
//! non-loopback host is refused before any connection, `Link` loops and oversized paged answers stop with typed
//! errors, and a trickling answer hits the request deadline. The registry here is `oci_support::scripted`, an in-test
//! fault-injection server (nothing installable misbehaves on demand); every test talks to 127.0.0.1 only.

use crate::support::oci as oci_support;

use std::time::{Duration, Instant};

use oci_support::scripted::{Reply, Scripted, prefix_port_pair};
use oci_support::test_options;
use tofu_sbom::http::deadline::{CommandDeadline, DeadlineKind};
use tofu_sbom::limits::Limits;
use tofu_sbom::registry::RegistryError;
use tofu_sbom::registry::client::{
    BlobSource, ClientOptions, ClientWarning, Protocol, RegistryClient,
};
use tofu_sbom::registry::credentials::CredentialEnv;
use tofu_sbom::registry::digest::Digest;
use tofu_sbom::registry::reference::Target;
use tofu_sbom::registry::referrers::{ListOptions, list_referrers};
use tofu_sbom::registry::store::Store;
use tofu_sbom::verify::artifact::{FindingKind, VerifyOptions, verify};

const USER: &str = "ci-bot";
const SECRET: &str = "s3cret-token";

/// Plain HTTP, explicit Basic credentials, fast retries.
fn with_creds() -> ClientOptions {
    ClientOptions {
        protocol: Protocol::PlainHttp,
        credentials: CredentialEnv {
            explicit: Some((USER.into(), SECRET.into())),
            ..CredentialEnv::isolated()
        },
        ..test_options()
    }
}

/// `GET /v2/` without credentials is a Basic challenge, with them a 200.
fn basic_ping(head: &crate::support::http_server::RequestHead) -> Option<Reply> {
    (head.line.path() == "/v2/").then(|| {
        if head.header("authorization").is_some() {
            Reply::status(200)
        } else {
            Reply::with_headers(401, &[("WWW-Authenticate", "Basic realm=\"registry\"")])
        }
    })
}

/// Finding 3: an upload `Location` on `127.0.0.1:P·10+d` for a registry on `127.0.0.1:P` is another origin (a
/// string prefix is not a host); the upload is sent there without our `Authorization`.
#[tokio::test]
async fn upload_location_on_prefix_port_gets_no_credentials() {
    let (first, second) = prefix_port_pair();
    let other_port = second.local_addr().unwrap().port();
    let blob = b"hello".to_vec();
    let digest = Digest::sha256_of(&blob);
    let digest_text = digest.to_string();
    let other = Scripted::start_on(second, move |head| {
        if head.line.method == "PUT" && head.line.path() == "/upload/1" {
            Reply::with_headers(201, &[("Docker-Content-Digest", digest_text.as_str())])
        } else {
            Reply::status(404)
        }
    });
    let location = format!("http://127.0.0.1:{other_port}/upload/1");
    let reg = Scripted::start_on(first, move |head| {
        if let Some(r) = basic_ping(head) {
            return r;
        }
        if head.line.method == "POST" && head.line.path() == "/v2/acme/demo/blobs/uploads/" {
            return Reply::with_headers(202, &[("Location", location.as_str())]);
        }
        Reply::status(404)
    });
    assert!(other.port.to_string().starts_with(&reg.port.to_string()));
    let client = RegistryClient::new(&reg.host(), "acme/demo", with_creds()).unwrap();
    client
        .upload_blob("acme/demo", &digest, 5, &BlobSource::Bytes(blob), None)
        .await
        .unwrap();
    let post = reg
        .log()
        .into_iter()
        .find(|s| s.method == "POST")
        .expect("the upload was started");
    assert!(post.authorization.is_some_and(|a| a.starts_with("Basic ")));
    let seen = other.log();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(
        seen[0].authorization, None,
        "credentials leaked to another origin"
    );
}

/// Finding 3: a tag list whose `Link` names another origin is refused with a typed error before anything is sent
/// there (with or without credentials).
#[tokio::test]
async fn tag_list_link_to_another_origin_is_refused() {
    let (first, second) = prefix_port_pair();
    let other_port = second.local_addr().unwrap().port();
    let other = Scripted::start_on(second, |_| {
        Reply::json(
            200,
            "application/json",
            r#"{"name":"acme/demo","tags":["9.9.9"]}"#,
            &[],
        )
    });
    let link =
        format!("<http://127.0.0.1:{other_port}/v2/acme/demo/tags/list?last=1.0.0>; rel=\"next\"");
    let reg = Scripted::start_on(first, move |head| {
        if let Some(r) = basic_ping(head) {
            return r;
        }
        if head.line.path() == "/v2/acme/demo/tags/list" {
            return Reply::json(
                200,
                "application/json",
                r#"{"name":"acme/demo","tags":["1.0.0"]}"#,
                &[("Link", link.as_str())],
            );
        }
        Reply::status(404)
    });
    let client = RegistryClient::new(&reg.host(), "acme/demo", with_creds()).unwrap();
    let res = client.list_tags("acme/demo").await;
    assert_eq!(other.log(), Vec::new(), "the other origin was contacted");
    let err = res.unwrap_err();
    match &err {
        RegistryError::PageLinkElsewhere { url, .. } => {
            assert_eq!(
                url,
                &format!("http://127.0.0.1:{other_port}/v2/acme/demo/tags/list")
            );
        }
        other => panic!("expected PageLinkElsewhere, got {other:?}"),
    }
}

/// Finding 4: `Bearer realm="http://10.1.2.3/token"` would get the Basic credentials in clear text; it is refused
/// with a typed error naming the realm, before any connection (the connect timeout is 30 s, the refusal immediate).
#[tokio::test]
async fn plain_http_realm_on_remote_host_is_refused() {
    const CHALLENGE: &str = r#"Bearer realm="http://10.1.2.3/token",service="reg""#;
    let reg = Scripted::start(|_| Reply::with_headers(401, &[("WWW-Authenticate", CHALLENGE)]));
    let opts = ClientOptions {
        connect_timeout: Duration::from_secs(30),
        ..with_creds()
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", opts).unwrap();
    let started = Instant::now();
    let err = client.list_tags("acme/demo").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match &err {
        RegistryError::InsecureTokenRealm {
            registry, realm, ..
        } => {
            assert_eq!(registry, &reg.host());
            assert_eq!(realm, "http://10.1.2.3/token");
        }
        other => panic!("expected InsecureTokenRealm, got {other:?}"),
    }
    assert!(err.to_string().contains("https"), "{err}");
    // Only the ping reached the registry; no request carried credentials.
    assert_eq!(reg.count("/tags/list"), 0);
    assert!(reg.log().iter().all(|s| s.authorization.is_none()));
}

/// Finding 4: a plain-HTTP realm on a loopback host is allowed (Docker's rule for local registries); one on another
/// host than the registry (`localhost` for a registry on `127.0.0.1`) is reported once through the warnings sink.
#[tokio::test]
async fn loopback_realm_is_used_and_other_host_realm_warned() {
    let realm = Scripted::start(|head| {
        let expected = format!("Basic {}", base64_of(&format!("{USER}:{SECRET}")));
        if head.line.path() == "/token" && head.header("authorization") == Some(expected.as_str()) {
            Reply::json(
                200,
                "application/json",
                r#"{"token":"tok-1","expires_in":300}"#,
                &[],
            )
        } else {
            Reply::status(401)
        }
    });
    let challenge = format!(
        r#"Bearer realm="http://localhost:{}/token",service="reg""#,
        realm.port
    );
    let reg = Scripted::start(move |head| {
        if head.header("authorization") != Some("Bearer tok-1") {
            return Reply::with_headers(401, &[("WWW-Authenticate", challenge.as_str())]);
        }
        match head.line.path() {
            "/v2/" => Reply::status(200),
            "/v2/acme/demo/tags/list" => Reply::json(
                200,
                "application/json",
                r#"{"name":"acme/demo","tags":["1.0.0","1.1.0"]}"#,
                &[],
            ),
            _ => Reply::status(404),
        }
    });
    let warnings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = warnings.clone();
    let opts = ClientOptions {
        warnings: Some(std::sync::Arc::new(move |w: &ClientWarning| {
            sink.lock().unwrap().push(w.clone());
        })),
        ..with_creds()
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", opts).unwrap();
    assert_eq!(
        client.list_tags("acme/demo").await.unwrap(),
        vec!["1.0.0", "1.1.0"]
    );
    assert_eq!(
        client.list_tags("acme/demo").await.unwrap(),
        vec!["1.0.0", "1.1.0"]
    );
    assert_eq!(
        *warnings.lock().unwrap(),
        vec![ClientWarning::RealmOnOtherHost {
            registry: reg.host(),
            realm: format!("http://localhost:{}/token", realm.port),
        }]
    );
    assert_eq!(realm.count("/token"), 1);
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A tag list page of `n` tags named `p{page}-{i}`, linking to `?page={page+1}` (an endless chain of distinct pages).
fn endless_tag_page(head: &crate::support::http_server::RequestHead, n: usize) -> Reply {
    let page: usize = head
        .line
        .query()
        .strip_prefix("page=")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let tags: Vec<String> = (0..n).map(|i| format!("\"p{page}-{i}\"")).collect();
    let body = format!(r#"{{"name":"acme/demo","tags":[{}]}}"#, tags.join(","));
    let link = format!("</v2/acme/demo/tags/list?page={}>; rel=\"next\"", page + 1);
    Reply::json(200, "application/json", &body, &[("Link", link.as_str())])
}

fn anonymous(limits: Limits) -> ClientOptions {
    ClientOptions {
        protocol: Protocol::PlainHttp,
        limits,
        ..test_options()
    }
}

/// Finding 6: a tag list whose `Link` points back to itself is a loop, stopped at the first repeat with a typed
/// error (it drove `verify` to 2.6 GB before).
#[tokio::test]
async fn tag_list_link_loop_is_refused() {
    let reg = Scripted::start(|head| match head.line.path() {
        "/v2/" => Reply::status(200),
        "/v2/acme/demo/tags/list" => Reply::json(
            200,
            "application/json",
            r#"{"name":"acme/demo","tags":["1.0.0"]}"#,
            &[("Link", "</v2/acme/demo/tags/list>; rel=\"next\"")],
        ),
        _ => Reply::status(404),
    });
    let client =
        RegistryClient::new(&reg.host(), "acme/demo", anonymous(Limits::default())).unwrap();
    let err = client.list_tags("acme/demo").await.unwrap_err();
    match &err {
        RegistryError::PageLoop { what, page, url } => {
            assert_eq!(what, &format!("tag list of {}/acme/demo", reg.host()));
            assert_eq!(*page, 1);
            assert_eq!(
                url,
                &format!("http://{}/v2/acme/demo/tags/list", reg.host())
            );
        }
        other => panic!("expected PageLoop, got {other:?}"),
    }
    assert_eq!(reg.count("/tags/list"), 1);
}

/// Finding 6: an endless chain of distinct tag pages stops at `max_listing_entries` entries or `max_listing_bytes`
/// bytes across all pages, whichever comes first, with a typed error naming the limit.
#[tokio::test]
async fn tag_list_pages_are_bounded_in_entries_and_bytes() {
    let reg = Scripted::start(|head| match head.line.path() {
        "/v2/" => Reply::status(200),
        "/v2/acme/demo/tags/list" => endless_tag_page(head, 20),
        _ => Reply::status(404),
    });
    let entries = Limits {
        max_listing_entries: 50,
        ..Limits::default()
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", anonymous(entries)).unwrap();
    let err = client.list_tags("acme/demo").await.unwrap_err();
    assert!(
        matches!(
            &err,
            RegistryError::ListingTooLarge {
                limit_name: "max_listing_entries",
                limit: 50,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(reg.count("/tags/list"), 3);
    assert!(err.to_string().contains("max_listing_entries"), "{err}");

    let bytes = Limits {
        max_listing_bytes: 1000,
        ..Limits::default()
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", anonymous(bytes)).unwrap();
    let err = client.list_tags("acme/demo").await.unwrap_err();
    assert!(
        matches!(
            &err,
            RegistryError::ListingTooLarge {
                limit_name: "max_listing_bytes",
                limit: 1000,
                ..
            }
        ),
        "{err:?}"
    );
    // Each page is 179 bytes: five fit in 1000, the sixth is refused by its Content-Length before it is read.
    assert_eq!(reg.count("/tags/list"), 3 + 6);
}

const SUBJECT: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// A referrers page with `n` distinct descriptors, linking to `next` (if any).
fn referrers_page(page: usize, n: usize, next: Option<String>) -> Reply {
    let manifests: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{:064x}","size":500,"artifactType":"application/spdx+json"}}"#,
                page * 1000 + i
            )
        })
        .collect();
    let body = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        manifests.join(",")
    );
    let link = next.map(|n| format!("<{n}>; rel=\"next\""));
    let headers: Vec<(&str, &str)> = link.iter().map(|l| ("Link", l.as_str())).collect();
    Reply::json(
        200,
        "application/vnd.oci.image.index.v1+json",
        &body,
        &headers,
    )
}

/// Finding 6: referrers paging detects a page that links to itself at once, and bounds the bytes and entries across
/// pages (it reached 1 GB before its 100-page limit).
#[tokio::test]
async fn referrers_pages_loop_and_totals_are_bounded() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let path = format!("/v2/acme/demo/referrers/{SUBJECT}");
    let endless = std::sync::Arc::new(AtomicBool::new(false));
    let mode = endless.clone();
    let reg = Scripted::start(move |head| {
        if head.line.path() == "/v2/" {
            return Reply::status(200);
        }
        if head.line.path() != path {
            return Reply::status(404);
        }
        let page: usize = head
            .line
            .query()
            .strip_prefix("page=")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if mode.load(Ordering::SeqCst) {
            // Distinct pages of 30 entries, forever.
            referrers_page(page, 30, Some(format!("{path}?page={}", page + 1)))
        } else {
            // The first page links to itself.
            referrers_page(0, 3, Some(head.line.target.clone()))
        }
    });
    let subject: Digest = SUBJECT.parse().unwrap();
    let t = Target::parse(&format!("{}/acme/demo", reg.host())).unwrap();
    let store = Store::open(&t, anonymous(Limits::default()), false).unwrap();
    let err = list_referrers(&store, &subject, &ListOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::ReferrersPageLoop { page: 1, .. }),
        "{err:?}"
    );
    assert_eq!(reg.count("/referrers/"), 1);

    // Stopped at 100 entries (on the fourth page), long before 100 pages.
    endless.store(true, Ordering::SeqCst);
    let small = |limits| Store::open(&t, anonymous(limits), false).unwrap();
    let err = list_referrers(
        &small(Limits {
            max_listing_entries: 100,
            ..Limits::default()
        }),
        &subject,
        &ListOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            RegistryError::ListingTooLarge {
                limit_name: "max_listing_entries",
                limit: 100,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(reg.count("/referrers/"), 1 + 4);
    // And at 20,000 bytes (each page is ~5.7 KB: the fourth crosses it).
    let err = list_referrers(
        &small(Limits {
            max_listing_bytes: 20_000,
            ..Limits::default()
        }),
        &subject,
        &ListOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            RegistryError::ListingTooLarge {
                limit_name: "max_listing_bytes",
                limit: 20_000,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(reg.count("/referrers/"), 1 + 4 + 4);
}

/// Finding 6: `verify` of one tag reads that tag only; it never lists the repository's tags (a hostile tag list
/// cannot cost it memory).
#[tokio::test]
async fn verify_with_a_tag_does_not_list_tags() {
    let reg = Scripted::start(|head| match head.line.path() {
        "/v2/" => Reply::status(200),
        "/v2/acme/demo/tags/list" => endless_tag_page(head, 20),
        _ => Reply::status(404),
    });
    let t = Target::parse(&format!("{}/acme/demo:1.0.0", reg.host())).unwrap();
    let store = Store::open(&t, anonymous(Limits::default()), false).unwrap();
    let report = verify(&store, &t, &VerifyOptions::default()).await.unwrap();
    assert_eq!(reg.count("/tags/list"), 0, "{:?}", reg.log());
    assert!(reg.count("/manifests/1.0.0") >= 1);
    let kinds: Vec<&FindingKind> = report.findings.iter().map(|f| &f.kind).collect();
    assert!(
        matches!(kinds.as_slice(), [FindingKind::TagUnresolvable { tag, .. }] if tag == "1.0.0"),
        "{kinds:?}"
    );
}

/// A registry whose `/v2/` answers at once and whose every other answer trickles: 8 body bytes, one every 2 s (the
/// idle read timeout never fires; the server stops by itself after 16 s).
fn trickling_registry() -> Scripted {
    Scripted::start(|head| match head.line.path() {
        "/v2/" => Reply::status(200),
        _ => Reply::Trickle {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                "application/vnd.oci.image.index.v1+json".into(),
            )],
            bytes: 8,
            every: Duration::from_secs(2),
        },
    })
}

/// Finding 7: each request has a total deadline (`ClientOptions::request_timeout`), body included, besides the idle
/// read timeout: a body trickling one byte every 2 s stops at 3 s with a typed, permanent error (not retried).
#[tokio::test]
async fn a_trickling_answer_hits_the_request_deadline() {
    let reg = trickling_registry();
    let opts = ClientOptions {
        request_timeout: Duration::from_secs(3),
        ..anonymous(Limits::default())
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", opts).unwrap();
    let started = Instant::now();
    let err = client.get_manifest("acme/demo", "1.0.0").await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(2500) && took < Duration::from_secs(8),
        "{took:?}"
    );
    match &err {
        RegistryError::Deadline { kind, seconds, .. } => {
            assert_eq!((*kind, *seconds), (DeadlineKind::Request, 3.0));
        }
        other => panic!("expected Deadline, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "reading manifest 1.0.0 in {0}/acme/demo on {0}: no complete answer within the request deadline of 3 s \
             (request_timeout: --request-timeout or TOFU_SBOM_REQUEST_TIMEOUT; the server may be stalling on purpose)",
            reg.host()
        )
    );
    assert_eq!(reg.count("/manifests/"), 1, "a deadline is not retried");
}

/// Finding 7: the whole command has a deadline too (`ClientOptions::deadline`): it cuts a request short and no
/// request starts after it.
#[tokio::test]
async fn the_command_deadline_stops_requests() {
    let reg = trickling_registry();
    let opts = ClientOptions {
        deadline: Some(CommandDeadline::from_now(Duration::from_secs(2))),
        ..anonymous(Limits::default())
    };
    let client = RegistryClient::new(&reg.host(), "acme/demo", opts).unwrap();
    let started = Instant::now();
    let err = client.get_manifest("acme/demo", "1.0.0").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&err, RegistryError::Deadline { kind: DeadlineKind::Command, seconds, .. } if *seconds == 2.0),
        "{err:?}"
    );
    let err = client
        .head_manifest("acme/demo", "1.0.0")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RegistryError::Deadline {
                kind: DeadlineKind::Command,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(reg.count("/manifests/"), 1, "no request after the deadline");
}

/// Finding 3 (guard): a redirect to another origin (a blob served from a storage back end) does not carry our
/// `Authorization` either (`reqwest` drops it when scheme, host or port change).
#[tokio::test]
async fn blob_redirect_to_another_origin_gets_no_credentials() {
    let blob = b"provider bytes".to_vec();
    let digest = Digest::sha256_of(&blob);
    let served = blob.clone();
    let storage = Scripted::start(move |_| Reply::Full {
        status: 200,
        headers: Vec::new(),
        body: served.clone(),
    });
    let to = format!("http://{}/bucket/blob", storage.host());
    let reg = Scripted::start(move |head| {
        if let Some(r) = basic_ping(head) {
            return r;
        }
        if head.line.path().contains("/blobs/sha256:") {
            return Reply::with_headers(307, &[("Location", to.as_str())]);
        }
        Reply::status(404)
    });
    let client = RegistryClient::new(&reg.host(), "acme/demo", with_creds()).unwrap();
    let mut got = Vec::new();
    let n = client
        .fetch_blob("acme/demo", &digest, 1 << 20, &mut got)
        .await
        .unwrap();
    assert_eq!((n, got), (blob.len() as u64, blob));
    assert!(
        reg.log()
            .iter()
            .any(|s| s.method == "GET" && s.authorization.is_some())
    );
    assert_eq!(storage.log().len(), 1);
    assert_eq!(storage.log()[0].authorization, None);
}
