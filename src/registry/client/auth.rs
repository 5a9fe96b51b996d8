//! Registry authentication: `WWW-Authenticate` challenges (RFC 7235), the distribution token protocol (Bearer), and a
//! token cache per (registry, scope).
//!
//! Basic challenges get `Authorization: Basic` on every request. Bearer challenges get a token from the realm:
//! `GET realm?service=…&scope=…` (with Basic credentials when we have them, anonymously otherwise), or, for an
//! identity (refresh) token, the OAuth2 `POST realm` with `grant_type=refresh_token`.
//!
//! Must not know the registry client: it uses the transport of [`crate::http`] directly, so `client` imports `auth`
//! and never the other way round.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::credentials::Credential;
use crate::registry::{RegistryError, Result};

/// One authentication challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="…"`.
    Basic,
    /// `Bearer realm="…",service="…",scope="…"`.
    Bearer {
        /// Token endpoint URL.
        realm: String,
        /// `service` parameter, if given.
        service: Option<String>,
        /// `scope` parameter, if given (the scope the registry wants for the failed request).
        scope: Option<String>,
        /// `error` parameter (`insufficient_scope`, `invalid_token`), if given.
        error: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header value and returns the first Bearer or Basic challenge (Bearer preferred when a
/// header lists several).
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let challenges = parse_challenges(header);
    let pick = challenges
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .or_else(|| {
            challenges
                .iter()
                .find(|(s, _)| s.eq_ignore_ascii_case("basic"))
        })?;
    if pick.0.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    let p = &pick.1;
    Some(Challenge::Bearer {
        realm: p.get("realm")?.clone(),
        service: p.get("service").cloned(),
        scope: p.get("scope").cloned(),
        error: p.get("error").cloned(),
    })
}

/// Splits a header into `(scheme, params)` challenges. Parameter names are lower-cased; quoted values unescaped.
fn parse_challenges(header: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut out: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let b = header.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || b[*i] == b',') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && !b" \t,=\"".contains(&b[*i]) {
            *i += 1;
        }
        header[s..*i].to_owned()
    };
    while i < b.len() {
        skip_ws(&mut i);
        let name = token(&mut i);
        if name.is_empty() {
            i += 1;
            continue;
        }
        // `name=` starts a parameter of the current challenge; a bare token starts a new challenge.
        let mut j = i;
        while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' && !out.is_empty() {
            i = j + 1;
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            let value = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut v = String::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    // Push whole UTF-8 characters.
                    let ch_len = header[i..].chars().next().map_or(1, char::len_utf8);
                    v.push_str(&header[i..i + ch_len]);
                    i += ch_len;
                }
                i += 1; // closing quote
                v
            } else {
                token(&mut i)
            };
            if let Some(last) = out.last_mut() {
                last.1.insert(name.to_ascii_lowercase(), value);
            }
        } else {
            out.push((name, BTreeMap::new()));
        }
    }
    out
}

/// A token endpoint response.
#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// A bearer token and when to stop using it.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) token: String,
    expires: Instant,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

/// Bearer tokens per scope set (one cache per registry client, so the key is the sorted scope list).
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    tokens: Mutex<HashMap<String, CachedToken>>,
}

impl TokenCache {
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        let map = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(key)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.token.clone())
    }

    pub(crate) fn put(&self, key: &str, token: String, lifetime: Duration) {
        let mut map = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(
            key.to_owned(),
            CachedToken {
                token,
                expires: Instant::now() + lifetime,
            },
        );
    }

    pub(crate) fn remove(&self, key: &str) {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

/// How a token request is sent: the client, its deadlines, and the size limit of the answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenTransport<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) deadlines: crate::http::deadline::Deadlines,
    pub(crate) max_bytes: u64,
}

/// Fetches a bearer token for `scopes` from the challenge's realm.
pub(crate) async fn fetch_token(
    transport: TokenTransport<'_>,
    registry: &str,
    realm: &str,
    service: Option<&str>,
    scopes: &[String],
    credential: Option<&Credential>,
) -> Result<(String, Duration)> {
    let TokenTransport {
        http,
        deadlines,
        max_bytes,
    } = transport;
    let proto = |message: String| RegistryError::AuthProtocol {
        registry: registry.to_owned(),
        message,
    };
    let realm_url = reqwest::Url::parse(realm)
        .map_err(|e| proto(format!("token realm {realm:?} is not a URL: {e}")))?;
    if !matches!(realm_url.scheme(), "https" | "http") {
        return Err(proto(format!("token realm {realm:?} is not http(s)")));
    }
    let request = match credential {
        Some(Credential::IdentityToken { token }) => {
            let mut form: Vec<(&str, String)> = vec![
                ("grant_type", "refresh_token".into()),
                ("client_id", "tofu-sbom".into()),
                ("refresh_token", token.clone()),
                ("scope", scopes.join(" ")),
            ];
            if let Some(s) = service {
                form.push(("service", s.to_owned()));
            }
            let body = form
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            http.post(realm_url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
        }
        other => {
            let mut url = realm_url;
            {
                let mut q = url.query_pairs_mut();
                if let Some(s) = service {
                    q.append_pair("service", s);
                }
                for s in scopes {
                    q.append_pair("scope", s);
                }
            }
            let mut rb = http.get(url);
            if let Some(h) = other.and_then(Credential::basic_header) {
                rb = rb.header("Authorization", h);
            }
            rb
        }
    };
    let budget = deadlines.budget(registry, "token request")?;
    let mut resp = budget.apply(request).send().await.map_err(|e| {
        budget.classify(&e, registry, "token request").map_or_else(
            || RegistryError::Transport {
                registry: registry.to_owned(),
                operation: "token request".into(),
                message: crate::http::error_chain(&e),
                transient: true,
            },
            RegistryError::from,
        )
    })?;
    budget.mark(&mut resp);
    let status = resp.status().as_u16();
    let body = crate::http::read_limited(resp, max_bytes, "token response").await?;
    if status == 401 || status == 403 {
        return Err(RegistryError::Unauthorized {
            registry: registry.to_owned(),
            credential_source: String::new(),
            message: format!(
                "token endpoint answered HTTP {status}: {}",
                crate::http::error_text(&body)
            ),
            remedy: None,
        });
    }
    if status == 429 || status >= 500 {
        return Err(RegistryError::Transient {
            registry: registry.to_owned(),
            operation: "token request".into(),
            status,
            retry_after: None,
        });
    }
    if status != 200 {
        return Err(proto(format!(
            "token endpoint answered HTTP {status}: {}",
            crate::http::error_text(&body)
        )));
    }
    let parsed: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| proto(format!("token response is not JSON: {e}")))?;
    let token = parsed
        .token
        .filter(|t| !t.is_empty())
        .or(parsed.access_token.filter(|t| !t.is_empty()))
        .ok_or_else(|| proto("token response has neither \"token\" nor \"access_token\"".into()))?;
    // The spec's default lifetime is 60 s; keep a safety margin and never cache for less than 10 s or more than 1 h.
    let secs = parsed.expires_in.unwrap_or(60).clamp(20, 3600) - 10;
    Ok((token, Duration::from_secs(secs)))
}

/// Percent-encodes a form value (RFC 3986 unreserved characters pass through).
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge("Basic realm=\"basic-realm\""),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:samalba/my-app:pull,push".into()),
                error: None,
            })
        );
        // Several challenges in one header; Bearer preferred; unquoted values; odd spacing.
        assert_eq!(
            parse_challenge(
                r#"Basic realm="x", Bearer realm=http://127.0.0.1:1/t , service = "svc", error="insufficient_scope""#
            ),
            Some(Challenge::Bearer {
                realm: "http://127.0.0.1:1/t".into(),
                service: Some("svc".into()),
                scope: None,
                error: Some("insufficient_scope".into()),
            })
        );
        assert_eq!(parse_challenge("Bearer service=\"x\""), None);
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(""), None);
        assert_eq!(
            parse_challenge("Bearer realm=\"unterminated"),
            Some(Challenge::Bearer {
                realm: "unterminated".into(),
                service: None,
                scope: None,
                error: None
            })
        );
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            urlencode("repository:a/b:pull,push x"),
            "repository%3Aa%2Fb%3Apull%2Cpush%20x"
        );
    }
}
