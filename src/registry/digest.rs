//! Content digests (`sha256:<64 lowercase hex>`).
//!
//! OpenTofu requires `sha256` for the provider ZIP layer (its digest *is* the `zh:` lock hash), and every digest we
//! create is sha256. Digests read from registries in other algorithms are kept as [`Digest`] too (the grammar of the
//! image spec) so that `verify` can report them precisely instead of failing to parse.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

use crate::registry::RegistryError;

/// An OCI content digest `algorithm:encoded`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    /// The one digest check: `Ok` when `actual` is this (expected) digest, else
    /// [`RegistryError::DigestMismatch`] naming `what` (built only on a mismatch).
    pub fn verify(
        &self,
        actual: &Self,
        what: impl FnOnce() -> String,
    ) -> Result<(), RegistryError> {
        if actual == self {
            return Ok(());
        }
        Err(RegistryError::DigestMismatch {
            what: what(),
            expected: self.to_string(),
            actual: actual.to_string(),
        })
    }

    /// [`Digest::verify`] of the sha256 of `bytes`.
    pub fn verify_bytes(
        &self,
        bytes: &[u8],
        what: impl FnOnce() -> String,
    ) -> Result<(), RegistryError> {
        self.verify(&Self::sha256_of(bytes), what)
    }

    /// The sha256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Self::from_sha256_bytes(&Sha256::digest(bytes))
    }

    /// A sha256 digest from its 32 raw bytes.
    pub fn from_sha256_bytes(raw: &[u8]) -> Self {
        Self(format!("sha256:{}", hex::encode(raw)))
    }

    /// A sha256 digest from 64 lowercase hex characters (as found in `SHA256SUMS`).
    pub fn from_sha256_hex(hex_str: &str) -> Result<Self, RegistryError> {
        format!("sha256:{hex_str}").parse()
    }

    /// The algorithm part (`sha256`).
    pub fn algorithm(&self) -> &str {
        self.0.split_once(':').map_or("", |(a, _)| a)
    }

    /// The encoded part (hex for sha256).
    pub fn encoded(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, e)| e)
    }

    /// True for a well-formed `sha256:` digest (64 lowercase hex characters), the only kind OpenTofu accepts for a
    /// provider package.
    pub fn is_sha256(&self) -> bool {
        self.algorithm() == "sha256" && is_lower_hex(self.encoded(), 64)
    }

    /// The digest as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The referrers tag-schema tag for this digest (`sha256-<hex>`), distribution-spec "Referrers Tag Schema".
    pub fn referrers_tag(&self) -> String {
        let alg: String = self.algorithm().chars().take(32).collect();
        let enc: String = self.encoded().chars().take(64).collect();
        format!("{alg}-{enc}")
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FromStr for Digest {
    type Err = RegistryError;

    /// Parses the image-spec digest grammar: `algorithm ":" encoded` with
    /// `algorithm = [a-z0-9]+ ([+._-] [a-z0-9]+)*` and `encoded = [a-zA-Z0-9=_-]+`; a `sha256` digest must be 64
    /// lowercase hex characters.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| RegistryError::InvalidDigest {
            input: truncate_for_display(s),
            reason: reason.into(),
        };
        let (alg, enc) = s
            .split_once(':')
            .ok_or_else(|| invalid("missing ':' between algorithm and encoded part"))?;
        let alg_ok = !alg.is_empty()
            && alg.split(['+', '.', '_', '-']).all(|c| {
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !alg_ok {
            return Err(invalid("invalid algorithm"));
        }
        if enc.is_empty()
            || !enc
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b))
        {
            return Err(invalid("invalid encoded part"));
        }
        if alg == "sha256" && !is_lower_hex(enc, 64) {
            return Err(invalid(
                "a sha256 digest must be 64 lowercase hex characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// Shortens untrusted text for an error message (at most 200 characters, never a panic on a char boundary).
pub(crate) use crate::http::truncate_for_display;

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.0)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An incremental sha256 hasher that also counts bytes.
#[derive(Debug, Default, Clone)]
pub struct Sha256Counter {
    hasher: Sha256,
    len: u64,
}

impl Sha256Counter {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing has been fed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        Digest::from_sha256_bytes(&self.hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_json_digest_is_the_spec_constant() {
        assert_eq!(
            Digest::sha256_of(b"{}").as_str(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn parse_rules() {
        let d: Digest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
            .parse()
            .unwrap();
        assert!(d.is_sha256());
        assert_eq!(
            d.referrers_tag(),
            "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let e = "sha256:ABC".parse::<Digest>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid digest \"sha256:ABC\": a sha256 digest must be 64 lowercase hex characters"
        );
        let sha512: Digest = "sha512:abcd".parse().unwrap();
        assert!(!sha512.is_sha256());
        assert_eq!(
            "nocolon".parse::<Digest>().unwrap_err().to_string(),
            "invalid digest \"nocolon\": missing ':' between algorithm and encoded part"
        );
    }
}
