//! The rustls configuration of every HTTP client: the `ring` provider, the platform verifier (system roots) plus the
//! `--ca-file` roots, HTTP/1.1 ALPN.
//!
//! Must not know who the client talks to (OCI registry, provider registry).

use std::path::PathBuf;
use std::sync::Arc;

use super::error::{HttpError, Result};

/// rustls with the `ring` provider, the platform verifier (system roots) plus the `--ca-file` roots.
pub(super) fn rustls_config(ca_files: &[PathBuf]) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra = Vec::new();
    for path in ca_files {
        let before = extra.len();
        let pem = std::fs::read(path).map_err(|e| HttpError::Io {
            action: "reading CA file",
            path: path.clone(),
            source: e,
        })?;
        for item in rustls_pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert: rustls_pki_types::CertificateDer<'static> =
                item.map_err(|e| HttpError::ClientSetup {
                    reason: format!("{} is not a PEM certificate bundle: {e}", path.display()),
                })?;
            extra.push(cert);
        }
        if extra.len() == before {
            return Err(HttpError::ClientSetup {
                reason: format!("{} contains no PEM certificate", path.display()),
            });
        }
    }
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone()).map_err(
            |e| HttpError::ClientSetup {
                reason: format!("TLS verifier: {e}"),
            },
        )?;
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HttpError::ClientSetup {
            reason: format!("TLS versions: {e}"),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}
