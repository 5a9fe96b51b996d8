//! Steps 1 and 2 of mirroring a version: the package metadata of every wanted platform, then the `SHA256SUMS`, its
//! signature and the published key that verifies it. Nothing is written to disk here.
//!
//! Knows the registry protocol ([`crate::mirror::registry_protocol`]) and the signature check
//! ([`crate::mirror::signature`]); knows nothing of staging directories or of the files' layout on disk.

use super::{Authentication, MirrorOptions, MirrorProgress, ReleaseFiles};
use crate::archive::address::ProviderAddress;
use crate::limits::Limits;
use crate::mirror::registry_protocol::{
    PackageMeta, ProviderRegistryClient, PublishedKey, display_url,
};
use crate::mirror::signature;
use crate::mirror::{MirrorError, Result};

/// The platforms to mirror (`os_arch`, sorted): `opts.platforms`, else every platform of `listed_platforms`. A
/// wanted platform the version does not list is [`MirrorError::PlatformNotAvailable`].
fn wanted_platforms(
    provider_s: &str,
    version: &str,
    listed_platforms: &[String],
    opts: &MirrorOptions,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut available: Vec<String> = listed_platforms.to_vec();
    available.sort();
    available.dedup();
    let wanted: Vec<String> = if opts.platforms.is_empty() {
        available.clone()
    } else {
        let mut w: Vec<String> = opts.platforms.iter().map(ToString::to_string).collect();
        w.sort();
        w.dedup();
        w
    };
    if wanted.is_empty() {
        return Err(MirrorError::InvalidResponse {
            what: format!("version list of {provider_s}"),
            reason: format!("version {version} lists no platforms"),
        });
    }
    if let Some(missing) = wanted.iter().find(|w| !available.contains(w)) {
        return Err(not_available(provider_s, version, missing, &available));
    }
    Ok((wanted, available))
}

fn not_available(
    provider_s: &str,
    version: &str,
    platform: &str,
    available: &[String],
) -> MirrorError {
    MirrorError::PlatformNotAvailable {
        provider: provider_s.to_owned(),
        version: version.to_owned(),
        platform: platform.to_owned(),
        available: available.to_vec(),
    }
}

/// Step 1: the package metadata of every wanted platform (never empty); all must name the same `SHA256SUMS` and
/// signature URLs.
pub(super) async fn package_metas(
    client: &ProviderRegistryClient,
    provider: &ProviderAddress,
    version: &str,
    listed_platforms: &[String],
    opts: &MirrorOptions,
) -> Result<Vec<PackageMeta>> {
    let provider_s = provider.to_string();
    let (wanted, available) = wanted_platforms(&provider_s, version, listed_platforms, opts)?;
    let mut metas: Vec<PackageMeta> = Vec::with_capacity(wanted.len());
    for w in &wanted {
        let (os, arch) = w
            .split_once('_')
            .ok_or_else(|| MirrorError::InvalidPlatform {
                input: w.clone(),
                reason: "expected OS_ARCH".into(),
            })?;
        match client.package(provider, version, os, arch).await? {
            Some(m) => metas.push(m),
            None => return Err(not_available(&provider_s, version, w, &available)),
        }
    }
    let first = &metas[0];
    for m in &metas[1..] {
        if m.shasums_url != first.shasums_url
            || m.shasums_signature_url != first.shasums_signature_url
        {
            return Err(MirrorError::InvalidResponse {
                what: format!("package metadata of {provider_s} {version}"),
                reason: format!(
                    "platforms {} and {} name different SHA256SUMS or signature URLs",
                    first.platform, m.platform
                ),
            });
        }
    }
    Ok(metas)
}

/// What step 2 established: the checksums and how they were authenticated.
pub(super) struct Authenticated {
    /// The `SHA256SUMS` bytes.
    pub(super) sums: Vec<u8>,
    /// Signed (with the key) or unsigned and allowed.
    pub(super) authentication: Authentication,
    /// The detached signature (when signed).
    pub(super) sig_bytes: Option<Vec<u8>>,
    /// The armored key that verified it, newline-terminated (when signed).
    pub(super) key_armor: Option<String>,
}

/// Step 2: the `SHA256SUMS` named by `first`, and its signature verified with the keys the registry published.
pub(super) async fn authenticate(
    client: &ProviderRegistryClient,
    provider_s: &str,
    version: &str,
    first: &PackageMeta,
    names: &ReleaseFiles,
    opts: &MirrorOptions,
    limits: &Limits,
) -> Result<Authenticated> {
    let sums_name = &names.sums;
    let sig_name = &names.sig;
    let sums = client
        .fetch_file(
            &first.shasums_url,
            limits.max_checksums_file,
            &format!("{sums_name} ({})", display_url(&first.shasums_url)),
        )
        .await?;
    let keys: Vec<PublishedKey> = first
        .signing_keys
        .iter()
        .filter(|k| !k.ascii_armor.trim().is_empty())
        .cloned()
        .collect();
    for k in &keys {
        if k.ascii_armor.len() as u64 > limits.max_signature_file {
            return Err(MirrorError::TooLarge {
                what: format!("published signing key {:?}", k.key_id),
                limit: limits.max_signature_file,
            });
        }
    }
    if keys.is_empty() {
        if !opts.allow_unsigned {
            return Err(MirrorError::UnsignedRefused {
                provider: provider_s.to_owned(),
                version: version.to_owned(),
                checksums: sums_name.clone(),
            });
        }
        return Ok(Authenticated {
            sums,
            authentication: Authentication::UnsignedAllowed,
            sig_bytes: None,
            key_armor: None,
        });
    }
    let Some(sig_url) = &first.shasums_signature_url else {
        return Err(MirrorError::MalformedSignature {
            provider: provider_s.to_owned(),
            version: version.to_owned(),
            signature: sig_name.clone(),
            reason: "the registry publishes signing keys but no shasums_signature_url".into(),
        });
    };
    let sig = client
        .fetch_file(
            sig_url,
            limits.max_signature_file,
            &format!("{sig_name} ({})", display_url(sig_url)),
        )
        .await?;
    let check = signature::verify_detached(
        &sums,
        &sig,
        &keys,
        signature::Context {
            provider: provider_s,
            version,
            checksums: sums_name,
            signature: sig_name,
        },
    )?;
    if let Some(p) = &opts.progress {
        p(&MirrorProgress::SignatureVerified {
            version: version.to_owned(),
            key_id: check.key_id.clone(),
        });
    }
    let published = &keys[check.key_index];
    let mut armor = published.ascii_armor.clone();
    if !armor.ends_with('\n') {
        armor.push('\n');
    }
    Ok(Authenticated {
        sums,
        authentication: Authentication::Signed {
            published_key_id: published.key_id.clone(),
            check,
        },
        sig_bytes: Some(sig),
        key_armor: Some(armor),
    })
}
