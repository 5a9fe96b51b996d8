//! A bearer-token setup for distribution 2.8 (`auth.token`), following TESTING.md's pre-minted-JWT recipe: an ES256
//! key and a self-signed certificate made with the `openssl` CLI, one JWT minted here (header `x5c` = the
//! certificate) granting `pull,push` on one repository, and an in-test token realm on loopback that serves it — but
//! only to the right Basic credentials, so the credentials → token path is exercised (a static file server could not
//! refuse a wrong password). It logs each request's query string and stops when dropped (bounded connection count).

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;

use crate::support::http_server;

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// DER ECDSA signature → JWS raw `r || s` (32 bytes each).
fn der_to_raw(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30);
    let mut i = 2;
    if der[1] & 0x80 != 0 {
        i = 2 + (der[1] & 0x7f) as usize;
    }
    let mut out = Vec::new();
    for _ in 0..2 {
        assert_eq!(der[i], 0x02);
        let len = der[i + 1] as usize;
        let mut int = &der[i + 2..i + 2 + len];
        while int.len() > 32 && int[0] == 0 {
            int = &int[1..];
        }
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        i += 2 + len;
    }
    out
}

/// Key, certificate and a JWT granting `actions` on `repository`.
pub struct TokenMaterial {
    pub cert_pem: PathBuf,
    pub jwt: String,
}

pub fn mint(dir: &Path, service: &str, issuer: &str, repository: &str) -> TokenMaterial {
    let key = dir.join("token-key.pem");
    let cert = dir.join("token-cert.pem");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-days",
        "2",
        "-subj",
        "/CN=tofu-sbom-test-issuer",
    ]);
    let der = openssl(&["x509", "-in", cert.to_str().unwrap(), "-outform", "DER"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = format!(
        r#"{{"alg":"ES256","typ":"JWT","x5c":["{}"]}}"#,
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    let claims = format!(
        r#"{{"iss":"{issuer}","sub":"alice","aud":"{service}","exp":{},"nbf":{},"iat":{},"jti":"tofu-sbom-test-1","access":[{{"type":"repository","name":"{repository}","actions":["pull","push"]}}]}}"#,
        now + 3600,
        now - 60,
        now - 60
    );
    let signing_input = format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(claims.as_bytes())
    );
    let input_file = dir.join("jwt-input");
    std::fs::write(&input_file, &signing_input).unwrap();
    let sig_der = openssl(&[
        "dgst",
        "-sha256",
        "-sign",
        key.to_str().unwrap(),
        input_file.to_str().unwrap(),
    ]);
    let jwt = format!("{signing_input}.{}", b64url(&der_to_raw(&sig_der)));
    TokenMaterial {
        cert_pem: cert,
        jwt,
    }
}

/// The token realm server.
pub struct TokenRealm {
    pub port: u16,
    _listener: http_server::Listener,
    pub queries: Arc<Mutex<Vec<String>>>,
}

impl TokenRealm {
    pub fn start(jwt: String, basic_user: &str, basic_pass: &str) -> Self {
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
