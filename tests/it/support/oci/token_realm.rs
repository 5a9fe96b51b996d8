//! A bearer-token setup for distribution 2.8 (`auth.token`), following TESTING.md's pre-minted-JWT recipe: an ES256
//! key and a self-signed certificate made with the `openssl` CLI, one JWT minted by `support` (header `x5c` = the
//! certificate) granting `pull,push` on one repository, and an in-test token realm on loopback that serves it — but
//! only to the right Basic credentials, so the credentials → token path is exercised (a static file server could not
//! refuse a wrong password). It logs each request's query string and stops when dropped (bounded connection count).

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;

use crate::support::{self, TokenGrant, http_server};

/// The signing key's certificate (the registry's `rootcertbundle`) and a JWT granting it.
pub(crate) struct TokenMaterial {
    pub cert_pem: PathBuf,
    pub jwt: String,
}

/// Makes the key and certificate under `dir` and mints a JWT granting `pull,push` on `repository`, for
/// `support::TOKEN_SERVICE` and `support::TOKEN_ISSUER` (`support::mint_token_key_and_jwt`).
pub(crate) fn mint(dir: &Path, repository: &str) -> TokenMaterial {
    let (cert_pem, jwt) =
        support::mint_token_key_and_jwt(dir, &[TokenGrant::new(repository, &["pull", "push"])]);
    TokenMaterial { cert_pem, jwt }
}

/// The token realm server.
pub(crate) struct TokenRealm {
    pub port: u16,
    _listener: http_server::Listener,
    pub queries: Arc<Mutex<Vec<String>>>,
}

impl TokenRealm {
    pub(crate) fn start(jwt: String, basic_user: &str, basic_pass: &str) -> Self {
        let queries = Arc::new(Mutex::new(Vec::new()));
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{basic_user}:{basic_pass}"))
        );
        let logged = queries.clone();
        let listener = http_server::Listener::start(500, move |mut sock| {
            sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
            let head = http_server::read_head(&mut BufReader::new(&sock))
                .ok()
                .flatten();
            let auth = head
                .as_ref()
                .and_then(|h| h.header("authorization"))
                .unwrap_or_default();
            logged.lock().unwrap().push(
                head.as_ref()
                    .map(|h| h.line.query().to_owned())
                    .unwrap_or_default(),
            );
            let (status, body) = if auth == expected {
                ("200 OK", format!(r#"{{"token":"{jwt}","expires_in":300}}"#))
            } else {
                (
                    "401 Unauthorized",
                    r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#
                        .to_owned(),
                )
            };
            let _ = sock.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
                    .as_bytes(),
            );
        });
        Self {
            port: listener.port,
            _listener: listener,
            queries,
        }
    }
}
