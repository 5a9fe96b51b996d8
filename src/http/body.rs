//! Bounded response bodies and their display: [`read_limited`] reads a body under a byte budget; [`error_text`] turns
//! an error body into one short, truncated line for messages.
//!
//! Must not know what the body is (an OCI manifest, a provider document): the caller names it in `what`.

use serde::Deserialize;

use super::deadline::Budget;
use super::error::{HttpError, Result};
use super::error_chain;

/// Reads a response body under `max` bytes.
pub async fn read_limited(mut resp: reqwest::Response, max: u64, what: &str) -> Result<Vec<u8>> {
    if let Some(len) = resp.content_length()
        && len > max
    {
        return Err(HttpError::TooLarge {
            what: what.to_owned(),
            limit: max,
        });
    }
    let mut buf = Vec::new();
    let budget = Budget::of(&resp);
    loop {
        let chunk = resp.chunk().await.map_err(|e| {
            let host = super::origin::host_port(resp.url());
            let operation = format!("reading {what}");
            budget
                .and_then(|b| b.classify(&e, &host, &operation))
                .unwrap_or_else(|| HttpError::Transport {
                    host,
                    operation,
                    message: error_chain(&e),
                    transient: true,
                })
        })?;
        let Some(chunk) = chunk else { break };
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(HttpError::TooLarge {
                what: what.to_owned(),
                limit: max,
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

#[derive(Deserialize)]
struct ErrorsBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The first `{"errors":[{"code":…,"message":…}]}` entry of a JSON error body, if it has that common shape.
pub fn parse_errors(body: &[u8]) -> Option<(String, String)> {
    parse_errors_preferring(body, &[])
}

/// Like [`parse_errors`], but the first entry whose code is in `preferred` wins over earlier ones: a registry may list
/// several errors, and the one a caller can act on need not come first (distribution 2.8 answers a manifest whose
/// blob is mid-commit with `DIGEST_INVALID` and then `MANIFEST_BLOB_UNKNOWN`; the second says "upload and retry").
pub fn parse_errors_preferring(body: &[u8], preferred: &[&str]) -> Option<(String, String)> {
    let parsed: ErrorsBody = serde_json::from_slice(body).ok()?;
    let pick = parsed
        .errors
        .iter()
        .position(|e| preferred.contains(&e.code.as_str()))
        .unwrap_or(0);
    let chosen = parsed.errors.into_iter().nth(pick)?;
    Some((chosen.code, chosen.message))
}

/// A displayable, truncated version of an error body.
pub fn error_text(body: &[u8]) -> String {
    if let Some((code, message)) = parse_errors(body) {
        return truncate_for_display(&format!("{code}: {message}"));
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(1024)]);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        "(empty body)".to_owned()
    } else {
        truncate_for_display(&one_line)
    }
}

/// Shortens untrusted text for an error message (at most 200 characters, never a panic on a char boundary).
pub fn truncate_for_display(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preferred_error_code_wins_over_the_first() {
        let body = br#"{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"},{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:44"}]}"#;
        assert_eq!(
            parse_errors(body),
            Some((
                "DIGEST_INVALID".into(),
                "provided digest did not match uploaded content".into()
            ))
        );
        assert_eq!(
            parse_errors_preferring(body, &["MANIFEST_BLOB_UNKNOWN"]),
            Some((
                "MANIFEST_BLOB_UNKNOWN".into(),
                "blob unknown to registry".into()
            ))
        );
        assert_eq!(
            parse_errors_preferring(
                br#"{"errors":[{"code":"NAME_UNKNOWN","message":"x"}]}"#,
                &["MANIFEST_BLOB_UNKNOWN"]
            ),
            Some(("NAME_UNKNOWN".into(), "x".into()))
        );
        assert_eq!(parse_errors_preferring(br#"{"errors":[]}"#, &["X"]), None);
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            error_text(br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#),
            "DENIED: requested access to the resource is denied"
        );
        assert_eq!(error_text(b"404 page not found\n"), "404 page not found");
        assert_eq!(error_text(b""), "(empty body)");
    }
}
