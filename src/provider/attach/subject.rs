//! What a referrer is attached to: the subject descriptor of a manifest digest, or of a tag resolved first.

use crate::provider::error::{ProviderError, Result};
use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    Descriptor, MEDIA_TYPE_DOCKER_LIST, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_INDEX,
    MEDIA_TYPE_MANIFEST, sniff_media_type,
};
use crate::registry::reference::Target;
use crate::registry::store::Store;

/// The descriptor of the manifest `digest` in `store` (media type, digest, size), for use as a subject. A missing
/// manifest is [`ProviderError::SubjectNotFound`] naming `reference`.
pub async fn subject_descriptor(store: &Store, digest: &Digest) -> Result<Descriptor> {
    let reference = match store {
        Store::Registry { client, repository } => {
            format!("{}/{repository}@{digest}", client.registry())
        }
        Store::Layout { .. } => format!("{}@{digest}", store.describe()),
    };
    let fetched = match store.fetch_manifest(digest).await {
        Ok(m) => m,
        Err(RegistryError::NotFound { .. }) => {
            return Err(ProviderError::SubjectNotFound {
                reference,
                reason: "no manifest with this digest exists".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let media_type = if fetched.media_type.is_empty() {
        sniff_media_type(&fetched.bytes).unwrap_or_default()
    } else {
        fetched.media_type
    };
    if ![
        MEDIA_TYPE_INDEX,
        MEDIA_TYPE_MANIFEST,
        MEDIA_TYPE_DOCKER_LIST,
        MEDIA_TYPE_DOCKER_MANIFEST,
    ]
    .contains(&media_type.as_str())
    {
        return Err(ProviderError::SubjectNotFound {
            reference,
            reason: format!("it is not an image manifest or index (media type {media_type:?})"),
        });
    }
    Ok(Descriptor::new(
        &media_type,
        fetched.digest,
        fetched.bytes.len() as u64,
    ))
}

/// Resolves an attach subject: `HOST/REPO@DIGEST`, `HOST/REPO:TAG` (the tag is resolved to its digest first) or
/// `oci-layout:DIR[:TAG|@DIGEST]`.
pub async fn resolve_subject(store: &Store, target: &Target) -> Result<Descriptor> {
    if let Some(d) = target.digest() {
        return subject_descriptor(store, d).await.map_err(|e| match e {
            ProviderError::SubjectNotFound { reason, .. } => ProviderError::SubjectNotFound {
                reference: target.to_string(),
                reason,
            },
            other => other,
        });
    }
    let Some(tag) = target.tag() else {
        return Err(RegistryError::InvalidReference {
            input: target.to_string(),
            reason: "a subject needs a tag or a digest".into(),
        }
        .into());
    };
    let resolved = match store.resolve_tag(tag).await {
        Ok(r) => r,
        Err(RegistryError::NotFound { .. }) => {
            return Err(ProviderError::SubjectNotFound {
                reference: target.to_string(),
                reason: format!("tag {tag} does not exist"),
            });
        }
        Err(e) => return Err(e.into()),
    };
    subject_descriptor(store, &resolved.digest)
        .await
        .map_err(|e| match e {
            ProviderError::SubjectNotFound { reason, .. } => ProviderError::SubjectNotFound {
                reference: target.to_string(),
                reason,
            },
            other => other,
        })
}
