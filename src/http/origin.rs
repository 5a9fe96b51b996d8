//! Origins (RFC 6454: scheme, host, port) of URLs, compared exactly on parsed URLs. Every decision whether a request
//! may carry credentials (an upload `Location`, a `Link` page, a token realm) is made here, never by comparing URL
//! strings: `http://127.0.0.1:51060` is not on `http://127.0.0.1:5106`, `https://ghcr.io.evil.example` is not on
//! `https://ghcr.io`, and `http://host` is not `https://host`.
//!
//! Must not know what is sent (OCI scopes, provider tokens): callers decide that.

use reqwest::Url;

/// True when `a` and `b` parse as URLs with the same scheme, host and port (a default port written out or left
/// out is the same port; host names compare after the URL parser's normalisation, i.e. case-insensitively). A URL
/// that does not parse, or has no host, is on no origin.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => same_origin_url(&a, &b),
        _ => false,
    }
}

/// [`same_origin`] on parsed URLs.
pub fn same_origin_url(a: &Url, b: &Url) -> bool {
    a.host().is_some()
        && a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Resolves a `Location` or `Link` target against `base` (`scheme://host[:port]`): absolute URLs as they are,
/// `/path` on the base, `//host/path` on the base's scheme (RFC 3986), anything else relative to `base/`.
/// `None` when the result is not a URL.
pub fn resolve(base: &str, target: &str) -> Option<Url> {
    let base = Url::parse(&format!("{}/", base.trim_end_matches('/'))).ok()?;
    base.join(target.trim()).ok()
}

/// `host[:port]` of a URL as written in a registry reference (the port left out when it is the scheme's default).
pub fn host_port(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

/// `scheme://host[:port]/path` without userinfo, query or fragment (for messages: queries of signed URLs and upload
/// locations carry secrets or opaque state).
pub fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    let _ = u.set_username("");
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_exactly() {
        // Finding 3 of issue 15: string prefixes are not origins.
        assert!(!same_origin(
            "http://127.0.0.1:51060/v2/x",
            "http://127.0.0.1:5106"
        ));
        assert!(!same_origin(
            "https://ghcr.io.evil.example/v2/",
            "https://ghcr.io"
        ));
        assert!(!same_origin(
            "https://ghcr.io@evil.example/v2/",
            "https://ghcr.io"
        ));
        assert!(!same_origin("http://ghcr.io/v2/", "https://ghcr.io"));
        assert!(!same_origin("https://ghcr.io:8443/v2/", "https://ghcr.io"));
        assert!(!same_origin("not a url", "not a url"));
        assert!(same_origin("https://GHCR.io:443/v2/x?y", "https://ghcr.io"));
        assert!(same_origin(
            "http://127.0.0.1:5106/v2/",
            "http://127.0.0.1:5106"
        ));
        assert!(same_origin("http://[::1]:5000/v2/", "http://[::1]:5000"));
    }

    #[test]
    fn resolves_locations() {
        let b = "http://127.0.0.1:5000";
        let r = |t: &str| resolve(b, t).map(|u| u.to_string());
        assert_eq!(
            r("/v2/a/blobs/uploads/u?x=1").as_deref(),
            Some("http://127.0.0.1:5000/v2/a/blobs/uploads/u?x=1")
        );
        assert_eq!(r("v2/a").as_deref(), Some("http://127.0.0.1:5000/v2/a"));
        assert_eq!(
            r("//evil.example/x").as_deref(),
            Some("http://evil.example/x")
        );
        assert_eq!(
            r("https://s3.example/up?sig=1").as_deref(),
            Some("https://s3.example/up?sig=1")
        );
        assert_eq!(
            resolve(b, "http://127.0.0.1:51060/v2/")
                .map(|u| host_port(&u))
                .as_deref(),
            Some("127.0.0.1:51060")
        );
    }
}
