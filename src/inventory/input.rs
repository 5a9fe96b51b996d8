//! The input of the inventory stage: [`ReleaseInput`] (one provider release as the release reader found it, one
//! [`PlatformInput`] per ZIP), how a mirrored release was authenticated ([`ReleaseSignature`]), and the validation
//! every input passes before an inventory is built ([`InventoryError`]).
//!
//! Plain data filled by `generate` from the archive and build-info stages; it must not know how the inventory is
//! assembled nor any SBOM format.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::props::{PROP_RELEASE_SIGNATURE, PROP_RELEASE_SIGNING_KEY, prop};
use super::{Author, Property, ProviderAddress, ReleaseLicenses, ToolInfo};
use crate::buildinfo::BuildInfo;

/// A whole provider release, as read from its ZIPs: the input of `Inventory::for_platform` and
/// `Inventory::for_release`.
#[derive(Debug, Clone)]
pub struct ReleaseInput {
    /// Provider type (`TYPE` in `terraform-provider-TYPE`).
    pub provider_type: String,
    /// Release version without `v` (`1.2.3`, `1.2.3-beta.1`), from the ZIP names.
    pub version: String,
    /// Full provider address, when known.
    pub address: Option<ProviderAddress>,
    /// Supplier of the provider (`--supplier`); defaults to the address namespace.
    pub supplier: Option<String>,
    /// SBOM authors (`--author`). When empty, the supplier is recorded as the authoring organisation.
    pub authors: Vec<Author>,
    /// The generating tool.
    pub tool: ToolInfo,
    /// Document timestamp; rendered in UTC, truncated to whole seconds.
    pub timestamp: OffsetDateTime,
    /// One entry per platform ZIP.
    pub platforms: Vec<PlatformInput>,
    /// How the release was authenticated when it was mirrored (`tofu-sbom mirror`), recorded on the root component
    /// of every document ([`PROP_RELEASE_SIGNATURE`], [`PROP_RELEASE_SIGNING_KEY`]); `None`: nothing is recorded.
    pub release_signature: Option<ReleaseSignature>,
    /// Licence facts (`--licenses` other than `off`); `None`: no licence data in the documents.
    pub licenses: Option<ReleaseLicenses>,
}

/// How a mirrored release's `SHA256SUMS` was authenticated. A closed set rather than free-form root properties, so
/// that `verify --release` can read it back and re-derive it exactly, and report anything else it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseSignature {
    /// The signature verified with a key the provider registry published.
    Verified {
        /// The key's fingerprint (uppercase hex).
        fingerprint: String,
    },
    /// No key was published; mirrored with `--allow-unsigned`.
    Unverified,
}

impl ReleaseSignature {
    /// The value of [`PROP_RELEASE_SIGNATURE`] for a verified release.
    pub const VERIFIED: &'static str = "verified";
    /// The value of [`PROP_RELEASE_SIGNATURE`] for an unverified release.
    pub const UNVERIFIED: &'static str = "unverified";

    /// The root-component properties recording it, sorted by name.
    pub fn properties(&self) -> Vec<Property> {
        match self {
            Self::Verified { fingerprint } => vec![
                prop(PROP_RELEASE_SIGNATURE, Self::VERIFIED),
                prop(PROP_RELEASE_SIGNING_KEY, fingerprint),
            ],
            Self::Unverified => vec![prop(PROP_RELEASE_SIGNATURE, Self::UNVERIFIED)],
        }
    }

    /// Reads it back from the values of [`PROP_RELEASE_SIGNATURE`] and [`PROP_RELEASE_SIGNING_KEY`] (`None`, `None`:
    /// nothing recorded). Any other combination than the ones [`Self::properties`] writes is an error naming it.
    pub fn from_properties(
        signature: Option<&str>,
        signing_key: Option<&str>,
    ) -> Result<Option<Self>, ReleaseSignatureError> {
        match (signature, signing_key) {
            (None, None) => Ok(None),
            (Some(Self::VERIFIED), Some(k)) if !k.is_empty() => Ok(Some(Self::Verified {
                fingerprint: k.to_owned(),
            })),
            (Some(Self::UNVERIFIED), None) => Ok(Some(Self::Unverified)),
            (Some(Self::VERIFIED), None) => Err(ReleaseSignatureError::VerifiedWithoutKey),
            (Some(s @ (Self::VERIFIED | Self::UNVERIFIED)), Some(k)) => {
                Err(ReleaseSignatureError::UnexpectedKey {
                    signature: s.to_owned(),
                    signing_key: k.to_owned(),
                })
            }
            (Some(s), _) => Err(ReleaseSignatureError::UnknownValue {
                signature: s.to_owned(),
            }),
            (None, Some(k)) => Err(ReleaseSignatureError::KeyWithoutSignature {
                signing_key: k.to_owned(),
            }),
        }
    }
}

/// Why the recorded release-signature properties cannot be read back ([`ReleaseSignature::from_properties`]).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReleaseSignatureError {
    /// `verified` without the signing key.
    #[error("{PROP_RELEASE_SIGNATURE} = \"verified\" without {PROP_RELEASE_SIGNING_KEY}")]
    VerifiedWithoutKey,
    /// A signing key beside a value that takes none (`unverified`, or `verified` with an empty key).
    #[error(
        "{PROP_RELEASE_SIGNATURE} = {signature:?} with {PROP_RELEASE_SIGNING_KEY} = {signing_key:?}"
    )]
    UnexpectedKey {
        /// The recorded signature value.
        signature: String,
        /// The recorded signing key.
        signing_key: String,
    },
    /// A value other than `verified` or `unverified`.
    #[error("{PROP_RELEASE_SIGNATURE} = {signature:?} (expected \"verified\" or \"unverified\")")]
    UnknownValue {
        /// The recorded signature value.
        signature: String,
    },
    /// A signing key without the signature property.
    #[error("{PROP_RELEASE_SIGNING_KEY} = {signing_key:?} without {PROP_RELEASE_SIGNATURE}")]
    KeyWithoutSignature {
        /// The recorded signing key.
        signing_key: String,
    },
}

/// One platform ZIP of a release and the provider binary inside it. Digests are lowercase hex strings.
#[derive(Debug, Clone)]
pub struct PlatformInput {
    /// GOOS, e.g. `linux`.
    pub os: String,
    /// GOARCH, e.g. `amd64`.
    pub arch: String,
    /// ZIP file name, e.g. `terraform-provider-x_1.2.3_linux_amd64.zip`.
    pub zip_name: String,
    /// SHA-256 of the ZIP file.
    pub zip_sha256: String,
    /// SHA-512 of the ZIP file.
    pub zip_sha512: String,
    /// The ZIP file's OmniBOR Artifact ID: SHA-256 of its git blob object (rendered `gitoid:blob:sha256:<hex>`,
    /// `archive::Digests::gitoid`).
    pub zip_gitoid: String,
    /// Size of the ZIP file in bytes.
    pub zip_size: u64,
    /// File name of the provider executable inside the ZIP, e.g. `terraform-provider-x_v1.2.3`.
    pub binary_name: String,
    /// SHA-256 of the executable.
    pub binary_sha256: String,
    /// SHA-512 of the executable.
    pub binary_sha512: String,
    /// The executable's OmniBOR Artifact ID: SHA-256 of its git blob object (rendered `gitoid:blob:sha256:<hex>`).
    pub binary_gitoid: String,
    /// The executable's Go build info.
    pub buildinfo: BuildInfo,
    /// Lock-file `zh:` hash (`zh:<hex>`).
    pub zh: String,
    /// Lock-file `h1:` hash (`h1:<base64>`).
    pub h1: String,
    /// Where the provider version came from, e.g. `release-filename`.
    pub version_source: String,
    /// The signature file accompanying the release, when present.
    pub signature_file: Option<String>,
}

impl PlatformInput {
    /// `os_arch`, as in the ZIP name.
    pub fn platform(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }
}

/// Errors building an `Inventory` from a `ReleaseInput`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum InventoryError {
    /// The release has no platform at all.
    #[error("the release has no platform ZIP")]
    NoPlatforms,
    /// `for_platform` was asked for an index past the end of `platforms`.
    #[error("platform index {index} out of range (the release has {count} platforms)")]
    PlatformIndex {
        /// The requested index.
        index: usize,
        /// The number of platforms.
        count: usize,
    },
    /// The provider type is empty.
    #[error("the provider type is empty")]
    EmptyProviderType,
    /// The release version is empty, `v`-prefixed, or `(devel)`.
    #[error("invalid release version {version:?}: expected a bare semantic version such as 1.2.3")]
    InvalidVersion {
        /// The offending version.
        version: String,
    },
    /// Two platforms share the same `os_arch`.
    #[error("platform {platform} appears twice ({first} and {second})")]
    DuplicatePlatform {
        /// `os_arch`.
        platform: String,
        /// The first ZIP.
        first: String,
        /// The second ZIP.
        second: String,
    },
    /// A digest is not lowercase hex of the expected length.
    #[error("{zip}: {field} is not a lowercase hex {algorithm} digest: {value:?}")]
    BadDigest {
        /// The ZIP the platform came from.
        zip: String,
        /// Which input field.
        field: &'static str,
        /// `SHA-256` or `SHA-512`.
        algorithm: &'static str,
        /// The offending value.
        value: String,
    },
}

fn check_hex(
    zip: &str,
    field: &'static str,
    value: &str,
    len: usize,
) -> Result<(), InventoryError> {
    let ok = value.len() == len
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InventoryError::BadDigest {
            zip: zip.to_owned(),
            field,
            algorithm: if len == 64 { "SHA-256" } else { "SHA-512" },
            value: value.to_owned(),
        })
    }
}

pub(super) fn validate(input: &ReleaseInput) -> Result<(), InventoryError> {
    if input.provider_type.is_empty() {
        return Err(InventoryError::EmptyProviderType);
    }
    let v = &input.version;
    if v.is_empty() || v.starts_with('v') || v.starts_with('V') || v == "(devel)" {
        return Err(InventoryError::InvalidVersion { version: v.clone() });
    }
    if input.platforms.is_empty() {
        return Err(InventoryError::NoPlatforms);
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for p in &input.platforms {
        check_hex(&p.zip_name, "zip_sha256", &p.zip_sha256, 64)?;
        check_hex(&p.zip_name, "zip_sha512", &p.zip_sha512, 128)?;
        check_hex(&p.zip_name, "binary_sha256", &p.binary_sha256, 64)?;
        check_hex(&p.zip_name, "binary_sha512", &p.binary_sha512, 128)?;
        check_hex(&p.zip_name, "zip_gitoid", &p.zip_gitoid, 64)?;
        check_hex(&p.zip_name, "binary_gitoid", &p.binary_gitoid, 64)?;
        if let Some(first) = seen.insert(p.platform(), &p.zip_name) {
            return Err(InventoryError::DuplicatePlatform {
                platform: p.platform(),
                first: first.to_owned(),
                second: p.zip_name.clone(),
            });
        }
    }
    Ok(())
}
