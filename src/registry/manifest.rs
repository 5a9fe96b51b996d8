//! Typed OCI documents (image-spec v1.1): [`ImageManifest`], [`ImageIndex`], [`Descriptor`], [`Platform`].
//!
//! Field order and omission follow the Go structs of `opencontainers/image-spec` (`specs-go/v1`), which is what
//! OpenTofu, ORAS and ggcr emit, so our bytes look like everyone else's: `mediaType` on a descriptor is always present,
//! every other optional field is omitted when empty. Serialization is compact JSON without a trailing newline and is
//! fully deterministic (annotations are a sorted map); the digest of a document is the sha256 of exactly those bytes.
//!
//! The same structs decode documents leniently, like Go's `encoding/json` (missing fields take their zero value,
//! unknown fields are ignored), so [`crate::verify::artifact`] can report each problem precisely.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::registry::digest::Digest;
use crate::registry::{RegistryError, Result};

/// `application/vnd.oci.image.index.v1+json`
pub const MEDIA_TYPE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.oci.image.manifest.v1+json`
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// `application/vnd.oci.descriptor.v1+json`
pub const MEDIA_TYPE_DESCRIPTOR: &str = "application/vnd.oci.descriptor.v1+json";
/// `application/vnd.oci.empty.v1+json` — the empty config (`{}`).
pub const MEDIA_TYPE_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// Docker's manifest list type (accepted on GET for diagnostics only).
pub const MEDIA_TYPE_DOCKER_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker's image manifest type (accepted on GET for diagnostics only).
pub const MEDIA_TYPE_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The bytes of the empty JSON blob.
pub const EMPTY_JSON: &[u8] = b"{}";
/// The digest of [`EMPTY_JSON`].
pub const EMPTY_JSON_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

/// Annotation: human-readable title (file name).
pub const ANNOTATION_TITLE: &str = "org.opencontainers.image.title";
/// Annotation: source repository URL.
pub const ANNOTATION_SOURCE: &str = "org.opencontainers.image.source";
/// Annotation: version of the packaged software.
pub const ANNOTATION_VERSION: &str = "org.opencontainers.image.version";
/// Annotation: source revision (VCS commit).
pub const ANNOTATION_REVISION: &str = "org.opencontainers.image.revision";
/// Annotation: creation time (RFC 3339).
pub const ANNOTATION_CREATED: &str = "org.opencontainers.image.created";
/// Annotation in an OCI layout `index.json`: the tag name.
pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The target platform of a manifest (image-index.md "platform").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Platform {
    /// CPU architecture, a Go `GOARCH` value (REQUIRED by the spec).
    pub architecture: String,
    /// Operating system, a Go `GOOS` value (REQUIRED by the spec).
    pub os: String,
    /// OS version; OpenTofu ignores every entry that sets it.
    #[serde(rename = "os.version", skip_serializing_if = "String::is_empty")]
    pub os_version: String,
    /// Required OS features.
    #[serde(rename = "os.features", skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant; never emitted by us (ggcr/containerd treat it as a constraint, OpenTofu ignores it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

impl Platform {
    /// A platform from Go `GOOS`/`GOARCH` names.
    pub fn new(os: &str, architecture: &str) -> Self {
        Self {
            architecture: architecture.to_owned(),
            os: os.to_owned(),
            ..Self::default()
        }
    }

    /// `os_arch`, OpenTofu's platform notation.
    pub fn os_arch(&self) -> String {
        format!("{}_{}", self.os, self.architecture)
    }
}

/// A content descriptor (descriptor.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    #[serde(default)]
    pub media_type: String,
    /// Digest of the referenced content.
    pub digest: Digest,
    /// Size of the referenced content in bytes.
    #[serde(default)]
    pub size: u64,
    /// Alternate download locations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Embedded content, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Platform of the referenced manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Artifact type of the referenced content.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
}

impl Descriptor {
    /// A plain descriptor.
    pub fn new(media_type: &str, digest: Digest, size: u64) -> Self {
        Self {
            media_type: media_type.to_owned(),
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            data: None,
            platform: None,
            artifact_type: String::new(),
        }
    }

    /// The empty config descriptor (`application/vnd.oci.empty.v1+json`, `{}`, size 2).
    pub fn empty_config() -> Self {
        Self::new(
            MEDIA_TYPE_EMPTY,
            Digest::sha256_of(EMPTY_JSON),
            EMPTY_JSON.len() as u64,
        )
    }
}

/// An image manifest (manifest.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    #[serde(default)]
    pub schema_version: u32,
    /// `application/vnd.oci.image.manifest.v1+json` (OpenTofu requires it in the body).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    /// Artifact type; MUST be set when the config is the empty descriptor.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// The config descriptor.
    pub config: Descriptor,
    /// The layers (always serialized, possibly empty).
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image index (image-index.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    #[serde(default)]
    pub schema_version: u32,
    /// `application/vnd.oci.image.index.v1+json` (OpenTofu requires it in the body).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    /// Artifact type of the index.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// The manifests (always serialized, possibly empty).
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// The manifest this one refers to (referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ImageIndex {
    /// An empty OCI index with `mediaType` set.
    pub fn empty() -> Self {
        Self {
            schema_version: 2,
            media_type: MEDIA_TYPE_INDEX.to_owned(),
            artifact_type: String::new(),
            manifests: Vec::new(),
            subject: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// Serializes a document to its canonical bytes (compact JSON, struct field order) and returns them with their digest.
pub fn to_canonical_bytes<T: Serialize>(doc: &T) -> (Vec<u8>, Digest) {
    // Serializing these plain structs (strings, integers, maps with string keys) cannot fail.
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let digest = Digest::sha256_of(&bytes);
    (bytes, digest)
}

/// Decodes a JSON document, naming it in the error.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| RegistryError::Json {
        what: what.to_owned(),
        message: e.to_string(),
    })
}

/// The `mediaType` field of a JSON document, whatever its shape (for diagnostics).
pub fn sniff_media_type(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Sniff {
        #[serde(default)]
        media_type: String,
    }
    serde_json::from_slice::<Sniff>(bytes)
        .ok()
        .map(|s| s.media_type)
        .filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_field_order_matches_go_structs() {
        let mut d = Descriptor::new(MEDIA_TYPE_MANIFEST, Digest::sha256_of(b"x"), 1);
        d.platform = Some(Platform::new("linux", "amd64"));
        d.artifact_type = "application/vnd.opentofu.provider-target".to_owned();
        d.annotations.insert("b".into(), "2".into());
        d.annotations.insert("a".into(), "1".into());
        let (bytes, _) = to_canonical_bytes(&d);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","size":1,"annotations":{"a":"1","b":"2"},"platform":{"architecture":"amd64","os":"linux"},"artifactType":"application/vnd.opentofu.provider-target"}"#
        );
    }

    #[test]
    fn lenient_decode_like_go() {
        let idx: ImageIndex = decode(br#"{"manifests":[{"digest":"sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","x":1}],"unknown":true}"#, "index").unwrap();
        assert_eq!(idx.schema_version, 0);
        assert_eq!(idx.media_type, "");
        assert_eq!(idx.manifests[0].media_type, "");
        assert_eq!(idx.manifests[0].size, 0);
        let err = decode::<ImageIndex>(b"{\"manifests\":3}", "index").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "index is not valid JSON of the expected shape: invalid type: integer `3`"
            ),
            "{err}"
        );
    }
}
