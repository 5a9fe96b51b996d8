//! Verifying a provider's `SHA256SUMS` against its detached OpenPGP signature with the keys the registry publishes
//! (`signing_keys.gpg_public_keys[].ascii_armor`), as OpenTofu's `signatureAuthentication` does:
//!
//! - every published key must parse (an unparsable key is an error, not skipped — OpenTofu: "error decoding signing
//!   key");
//! - the key whose primary key or subkey issued the signature (matched by the signature's issuer key id or issuer
//!   fingerprint) must verify it; a failure is terminal ([`MirrorError::BadSignature`]), it does not fall through to
//!   other keys;
//! - a signature issued by none of the published keys is refused ([`MirrorError::UnknownSigningKey`]);
//! - a subkey counts only if its binding to the primary key verifies (including the back-signature) and certifies
//!   it for signing, so a foreign subkey packet appended to a published key, or an encryption subkey, cannot sign.
//!
//! Signatures are accepted binary (what GoReleaser writes and registries serve) or ASCII-armored.
//! Not checked, like OpenTofu since 1.7 (which only warns): key and signature expiry.
//!
//! # Why `pgp` and not `sequoia-openpgp`
//!
//! `pgp` (rPGP) is pure Rust and builds with `rust-version = "1.88"` (0.21 declares exactly that MSRV), so
//! `cargo install` and CI need no C toolchain. `sequoia-openpgp`'s default backend is Nettle, which needs
//! `nettle-dev`, `pkg-config` and libclang (bindgen) on every build machine; its pure-Rust backend is marked
//! experimental. We only verify detached signatures over a small file, which rPGP does fully (RSA, DSA, ECDSA,
//! EdDSA, v4 and v6 keys).
//!
//! Knows nothing of HTTP or of where the files come from: bytes and the protocol's [`PublishedKey`]s in, a
//! [`SignatureCheck`] out. Depends on [`super::registry_protocol`] only for that wire type, never the reverse.

use pgp::composed::{Deserializable as _, DetachedSignature, SignedPublicKey};
use pgp::types::KeyDetails as _;
use serde::Serialize;

use super::error::{MirrorError, Result};
// The wire type of the keys (declared by the protocol that carries them), re-exported under its old path.
pub use super::registry_protocol::PublishedKey;

/// Which key verified a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// Index of the verifying key in the published list.
    pub key_index: usize,
    /// Primary key id of the verifying key (16 uppercase hex digits).
    pub key_id: String,
    /// Primary key fingerprint (uppercase hex).
    pub fingerprint: String,
    /// Key id of the (sub)key that made the signature (equal to `key_id` when the primary key signed).
    pub signer_key_id: String,
}

/// Context for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The provider address.
    pub provider: &'a str,
    /// The version.
    pub version: &'a str,
    /// The checksums file name.
    pub checksums: &'a str,
    /// The signature file name.
    pub signature: &'a str,
}

fn upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Parses every published key (all must parse).
fn parse_keys(keys: &[PublishedKey], cx: Context<'_>) -> Result<Vec<SignedPublicKey>> {
    keys.iter()
        .map(|k| {
            SignedPublicKey::from_string(&k.ascii_armor)
                .map(|(key, _headers)| key)
                .map_err(|e| MirrorError::InvalidSigningKey {
                    provider: cx.provider.to_owned(),
                    version: cx.version.to_owned(),
                    key_id: k.key_id.clone(),
                    reason: format!("not an ASCII-armored OpenPGP public key: {e}"),
                })
        })
        .collect()
}

fn parse_signature(bytes: &[u8], cx: Context<'_>) -> Result<DetachedSignature> {
    let malformed = |reason: String| MirrorError::MalformedSignature {
        provider: cx.provider.to_owned(),
        version: cx.version.to_owned(),
        signature: cx.signature.to_owned(),
        reason,
    };
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &bytes[i..]);
    let parsed = if trimmed.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
        let text = std::str::from_utf8(trimmed).map_err(|e| malformed(e.to_string()))?;
        DetachedSignature::from_string(text).map(|(s, _)| s)
    } else {
        DetachedSignature::from_bytes(bytes)
    };
    parsed.map_err(|e| malformed(e.to_string()))
}

/// Verifies `document` (the `SHA256SUMS` bytes) against `signature` with one of `keys`. See the module docs for the
/// rules. `keys` must not be empty (the caller decides what an unsigned provider means).
pub fn verify_detached(
    document: &[u8],
    signature: &[u8],
    keys: &[PublishedKey],
    cx: Context<'_>,
) -> Result<SignatureCheck> {
    let parsed_keys = parse_keys(keys, cx)?;
    let sig = parse_signature(signature, cx)?;
    let issuer_ids: Vec<Vec<u8>> = sig
        .signature
        .issuer_key_id()
        .into_iter()
        .map(|k| k.as_ref().to_vec())
        .collect();
    let issuer_fps: Vec<Vec<u8>> = sig
        .signature
        .issuer_fingerprint()
        .into_iter()
        .map(|f| f.as_bytes().to_vec())
        .collect();
    let no_issuer = issuer_ids.is_empty() && issuer_fps.is_empty();
    let names = |id: &[u8], fp: &[u8]| {
        no_issuer || issuer_ids.iter().any(|i| i == id) || issuer_fps.iter().any(|f| f == fp)
    };
    let bad = |key: &SignedPublicKey, reason: String| MirrorError::BadSignature {
        provider: cx.provider.to_owned(),
        version: cx.version.to_owned(),
        checksums: cx.checksums.to_owned(),
        key_id: upper_hex(key.legacy_key_id().as_ref()),
        reason,
    };
    for (index, key) in parsed_keys.iter().enumerate() {
        let primary_id = key.legacy_key_id();
        let primary_fp = key.fingerprint();
        let check = |signer: &[u8]| SignatureCheck {
            key_index: index,
            key_id: upper_hex(primary_id.as_ref()),
            fingerprint: upper_hex(primary_fp.as_bytes()),
            signer_key_id: upper_hex(signer),
        };
        if names(primary_id.as_ref(), primary_fp.as_bytes()) {
            match sig.verify(key, document) {
                Ok(()) => return Ok(check(primary_id.as_ref())),
                Err(e) if !no_issuer => return Err(bad(key, e.to_string())),
                Err(_) => {}
            }
        }
        for sub in &key.public_subkeys {
            let sub_id = sub.legacy_key_id();
            let sub_fp = sub.fingerprint();
            if !names(sub_id.as_ref(), sub_fp.as_bytes()) {
                continue;
            }
            if let Err(e) = sub.verify_bindings(&key.primary_key) {
                if no_issuer {
                    continue;
                }
                return Err(MirrorError::InvalidSigningKey {
                    provider: cx.provider.to_owned(),
                    version: cx.version.to_owned(),
                    key_id: keys[index].key_id.clone(),
                    reason: format!(
                        "subkey {} is not validly bound to the primary key: {e}",
                        upper_hex(sub_id.as_ref())
                    ),
                });
            }
            if !sub.signatures.iter().any(|b| b.key_flags().sign()) {
                if no_issuer {
                    continue;
                }
                return Err(MirrorError::InvalidSigningKey {
                    provider: cx.provider.to_owned(),
                    version: cx.version.to_owned(),
                    key_id: keys[index].key_id.clone(),
                    reason: format!(
                        "subkey {} is not certified for signing",
                        upper_hex(sub_id.as_ref())
                    ),
                });
            }
            match sig.verify(sub, document) {
                Ok(()) => return Ok(check(sub_id.as_ref())),
                Err(e) if !no_issuer => return Err(bad(key, e.to_string())),
                Err(_) => {}
            }
        }
    }
    let mut issuer: Vec<String> = issuer_fps.iter().map(|f| upper_hex(f)).collect();
    issuer.extend(issuer_ids.iter().map(|i| upper_hex(i)));
    Err(MirrorError::UnknownSigningKey {
        provider: cx.provider.to_owned(),
        version: cx.version.to_owned(),
        checksums: cx.checksums.to_owned(),
        issuer: if issuer.is_empty() {
            "unknown (the signature names no issuer and no published key verifies it)".to_owned()
        } else {
            issuer.join("/")
        },
        published: parsed_keys
            .iter()
            .map(|k| upper_hex(k.legacy_key_id().as_ref()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context<'static> {
        Context {
            provider: "example.com/acme/demo",
            version: "1.0.0",
            checksums: "terraform-provider-demo_1.0.0_SHA256SUMS",
            signature: "terraform-provider-demo_1.0.0_SHA256SUMS.sig",
        }
    }

    #[test]
    fn garbage_keys_and_signatures_are_typed_errors() {
        let key = PublishedKey {
            key_id: "ABCD".into(),
            ascii_armor: "not a key".into(),
            trust_signature: String::new(),
            source: String::new(),
            source_url: String::new(),
        };
        let e = verify_detached(b"x", b"y", &[key], cx()).unwrap_err();
        assert!(
            matches!(&e, MirrorError::InvalidSigningKey { key_id, .. } if key_id == "ABCD"),
            "{e}"
        );
        let e = parse_signature(b"\x00\x01garbage", cx()).unwrap_err();
        assert!(matches!(e, MirrorError::MalformedSignature { .. }), "{e}");
        let e = parse_signature(
            b"-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n",
            cx(),
        )
        .unwrap_err();
        assert!(matches!(e, MirrorError::MalformedSignature { .. }), "{e}");
    }
}
