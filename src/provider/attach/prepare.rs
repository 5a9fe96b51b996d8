//! Building referrer manifests (pure: inputs → exact manifest bytes and digest), for SBOM files and provenance files.
//! Nothing here reads or writes a store.

use std::collections::BTreeMap;

use super::{AttachOptions, ProvenanceFile, ReferrerKind, SbomFile, SbomKind};
use crate::limits::Limits;
use crate::provider::error::{ProviderError, Result};
use crate::provider::media_types::ANNOTATION_TOOL;
use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    ANNOTATION_CREATED, ANNOTATION_TITLE, Descriptor, ImageManifest, MEDIA_TYPE_MANIFEST,
    to_canonical_bytes,
};
use crate::sbom;

/// A referrer manifest built from one SBOM file (pure; nothing written yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedReferrer {
    /// The title (file name).
    pub title: String,
    /// The `artifactType` (= layer media type).
    pub artifact_type: String,
    /// The detected document kind (an SBOM kind, or the provenance kind given).
    pub kind: ReferrerKind,
    /// `org.opencontainers.image.created` (the SBOM's timestamp), when it has one.
    pub created: Option<String>,
    /// The SBOM bytes.
    pub sbom: Vec<u8>,
    /// Their digest (the layer digest).
    pub sbom_digest: Digest,
    /// The exact manifest bytes.
    pub manifest: Vec<u8>,
    /// The manifest digest.
    pub manifest_digest: Digest,
    /// The manifest's annotations (copied into the fallback index entry).
    pub annotations: BTreeMap<String, String>,
}

impl PreparedReferrer {
    /// The descriptor of the referrer manifest as a referrers list records it (artifactType and annotations).
    pub fn descriptor(&self) -> Descriptor {
        let mut d = Descriptor::new(
            MEDIA_TYPE_MANIFEST,
            self.manifest_digest.clone(),
            self.manifest.len() as u64,
        );
        d.artifact_type = self.artifact_type.clone();
        d.annotations = self.annotations.clone();
        d
    }
}

/// RFC 6838 `type/subtype` without parameters (the image spec's `artifactType` grammar).
fn is_media_type(s: &str) -> bool {
    let restricted = |p: &str| {
        !p.is_empty()
            && p.len() <= 127
            && p.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    s.split_once('/')
        .is_some_and(|(t, st)| restricted(t) && restricted(st))
}

/// Builds the referrer manifest of `file` for `subject` (see the module docs). Refuses anything that is not a
/// CycloneDX or SPDX JSON document.
pub fn prepare_referrer(
    subject: &Descriptor,
    file: &SbomFile,
    opts: &AttachOptions,
    limits: &Limits,
) -> Result<PreparedReferrer> {
    let refuse = |reason: String| ProviderError::NotAnSbom {
        name: file.name.clone(),
        reason,
    };
    if file.name.is_empty() || file.name.contains('/') || file.name.contains('\\') {
        return Err(refuse(format!(
            "the title {:?} must be a plain file name",
            file.name
        )));
    }
    let summary = sbom::read(&file.bytes, limits).map_err(|e| refuse(e.to_string()))?;
    let kind = summary.kind;
    let artifact_type = match &opts.artifact_type {
        None => kind.artifact_type().to_owned(),
        Some(t) => {
            if !is_media_type(t) {
                return Err(RegistryError::InvalidOption {
                    option: "artifact type",
                    value: t.clone(),
                    expected: "a media type type/subtype without parameters".into(),
                }
                .into());
            }
            if let Some(k) = SbomKind::from_artifact_type(t)
                && k != kind
            {
                return Err(refuse(format!(
                    "it is a {kind} document, but the artifact type {t} says {k}"
                )));
            }
            t.clone()
        }
    };
    let created = summary.timestamp.map(sbom::format_timestamp);
    Ok(build_referrer(
        subject,
        &file.name,
        &file.bytes,
        artifact_type,
        ReferrerKind::Sbom(kind),
        created,
        opts,
    ))
}

/// Builds the referrer manifest of a provenance file for `subject` (see the module docs): the artifact type is the
/// kind's, the bytes must have the kind's shape, there is no `created` annotation.
pub fn prepare_provenance(
    subject: &Descriptor,
    file: &ProvenanceFile,
    opts: &AttachOptions,
    limits: &Limits,
) -> Result<PreparedReferrer> {
    let refuse = |reason: String| {
        ProviderError::from(RegistryError::InvalidOption {
            option: "provenance file",
            value: file.name.clone(),
            expected: format!("a {} file: {reason}", file.kind),
        })
    };
    if file.name.is_empty() || file.name.contains('/') || file.name.contains('\\') {
        return Err(refuse("the title must be a plain file name".into()));
    }
    if file.bytes.len() as u64 > limits.max_sbom_bytes {
        return Err(RegistryError::TooLarge {
            what: file.name.clone(),
            limit: limits.max_sbom_bytes,
        }
        .into());
    }
    file.kind.check(&file.bytes).map_err(refuse)?;
    Ok(build_referrer(
        subject,
        &file.name,
        &file.bytes,
        file.kind.artifact_type().to_owned(),
        ReferrerKind::Provenance(file.kind),
        None,
        opts,
    ))
}

/// The referrer manifest of one file (pure).
fn build_referrer(
    subject: &Descriptor,
    name: &str,
    bytes: &[u8],
    artifact_type: String,
    kind: ReferrerKind,
    created: Option<String>,
    opts: &AttachOptions,
) -> PreparedReferrer {
    let sbom_digest = Digest::sha256_of(bytes);
    let mut layer = Descriptor::new(&artifact_type, sbom_digest.clone(), bytes.len() as u64);
    layer
        .annotations
        .insert(ANNOTATION_TITLE.to_owned(), name.to_owned());
    let mut annotations = BTreeMap::new();
    annotations.insert(ANNOTATION_TITLE.to_owned(), name.to_owned());
    if let Some(c) = &created {
        annotations.insert(ANNOTATION_CREATED.to_owned(), c.clone());
    }
    if !opts.tool.is_empty() {
        annotations.insert(ANNOTATION_TOOL.to_owned(), opts.tool.clone());
    }
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: MEDIA_TYPE_MANIFEST.to_owned(),
        artifact_type: artifact_type.clone(),
        config: Descriptor::empty_config(),
        layers: vec![layer],
        subject: Some(Descriptor::new(
            &subject.media_type,
            subject.digest.clone(),
            subject.size,
        )),
        annotations: annotations.clone(),
    };
    let (manifest_bytes, manifest_digest) = to_canonical_bytes(&manifest);
    PreparedReferrer {
        title: name.to_owned(),
        artifact_type,
        kind,
        created,
        sbom: bytes.to_vec(),
        sbom_digest,
        manifest: manifest_bytes,
        manifest_digest,
        annotations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::attach::ProvenanceKind;
    use crate::registry::manifest::MEDIA_TYPE_INDEX;
    use crate::registry::referrers::{ARTIFACT_TYPE_CYCLONEDX, ARTIFACT_TYPE_SPDX};

    const CDX: &[u8] = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"timestamp":"2024-03-04T06:06:07+01:00"}}"#;
    const SPDX: &[u8] = br#"{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3","creationInfo":{"created":"2024-03-04T05:06:07Z"}}"#;

    fn subject() -> Descriptor {
        Descriptor::new(MEDIA_TYPE_INDEX, Digest::sha256_of(b"index"), 5)
    }

    fn opts() -> AttachOptions {
        AttachOptions {
            tool: "tofu-sbom/9.9.9".into(),
            ..AttachOptions::default()
        }
    }

    #[test]
    fn referrer_manifest_has_the_exact_shape() {
        let f = SbomFile::from_bytes("x.cdx.json", CDX.to_vec());
        let p = prepare_referrer(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.kind, ReferrerKind::Sbom(SbomKind::CycloneDx));
        assert_eq!(p.created.as_deref(), Some("2024-03-04T05:06:07Z"));
        assert_eq!(
            String::from_utf8(p.manifest.clone()).unwrap(),
            format!(
                concat!(
                    r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#,
                    r#""artifactType":"application/vnd.cyclonedx+json","#,
                    r#""config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"#,
                    r#""layers":[{{"mediaType":"application/vnd.cyclonedx+json","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.title":"x.cdx.json"}}}}],"#,
                    r#""subject":{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{}","size":5}},"#,
                    r#""annotations":{{"dev.tofu-sbom.tool":"tofu-sbom/9.9.9","org.opencontainers.image.created":"2024-03-04T05:06:07Z","org.opencontainers.image.title":"x.cdx.json"}}}}"#
                ),
                Digest::sha256_of(CDX),
                CDX.len(),
                Digest::sha256_of(b"index")
            )
        );
        assert_eq!(p.manifest_digest, Digest::sha256_of(&p.manifest));
        let d = p.descriptor();
        assert_eq!(d.artifact_type, ARTIFACT_TYPE_CYCLONEDX);
        assert_eq!(d.annotations, p.annotations);
        // Deterministic: the same file gives the same digest.
        let again = prepare_referrer(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(again.manifest_digest, p.manifest_digest);
    }

    #[test]
    fn spdx_and_overrides() {
        let f = SbomFile::from_bytes("x.spdx.json", SPDX.to_vec());
        let p = prepare_referrer(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.artifact_type, ARTIFACT_TYPE_SPDX);
        let o = AttachOptions {
            artifact_type: Some("application/vnd.cyclonedx+json".into()),
            ..opts()
        };
        assert_eq!(
            prepare_referrer(&subject(), &f, &o, &Limits::default())
                .unwrap_err()
                .to_string(),
            "x.spdx.json is not an SBOM that can be attached: it is a spdx document, but the artifact type \
             application/vnd.cyclonedx+json says cyclonedx"
        );
        let o = AttachOptions {
            artifact_type: Some("application/vnd.example.sbom+json".into()),
            ..opts()
        };
        let p = prepare_referrer(&subject(), &f, &o, &Limits::default()).unwrap();
        assert_eq!(p.artifact_type, "application/vnd.example.sbom+json");
        let o = AttachOptions {
            artifact_type: Some("application/spdx+json; version=2.3".into()),
            ..opts()
        };
        assert_eq!(
            prepare_referrer(&subject(), &f, &o, &Limits::default())
                .unwrap_err()
                .to_string(),
            "invalid artifact type \"application/spdx+json; version=2.3\": expected a media type type/subtype \
             without parameters"
        );
    }

    #[test]
    fn non_sboms_are_refused() {
        let l = Limits::default();
        let e = |name: &str, bytes: &[u8]| {
            prepare_referrer(
                &subject(),
                &SbomFile::from_bytes(name, bytes.to_vec()),
                &opts(),
                &l,
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            e("notes.json", br#"{"hello":"world"}"#),
            "notes.json is not an SBOM that can be attached: not a CycloneDX JSON (top-level \"bomFormat\": \
             \"CycloneDX\"), SPDX JSON (top-level \"SPDXID\": \"SPDXRef-DOCUMENT\") or SPDX 3 JSON-LD (top-level \
             \"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\" and \"@graph\") document"
        );
        assert!(
            e("bin", b"\x7fELF\x02").starts_with(
                "bin is not an SBOM that can be attached: SBOM document is not valid JSON of the expected shape: "
            )
        );
        assert_eq!(
            e("../x.json", CDX),
            "../x.json is not an SBOM that can be attached: the title \"../x.json\" must be a plain file name"
        );
    }

    #[test]
    fn provenance_referrers_have_their_types_and_no_created_annotation() {
        let sums =
            b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  a.zip\n".to_vec();
        let f = ProvenanceFile::new(
            ProvenanceKind::Checksums,
            "p_1.0.0_SHA256SUMS",
            sums.clone(),
        );
        let p = prepare_provenance(&subject(), &f, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.kind, ReferrerKind::Provenance(ProvenanceKind::Checksums));
        assert_eq!(
            String::from_utf8(p.manifest.clone()).unwrap(),
            format!(
                concat!(
                    r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#,
                    r#""artifactType":"text/plain","#,
                    r#""config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"#,
                    r#""layers":[{{"mediaType":"text/plain","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.title":"p_1.0.0_SHA256SUMS"}}}}],"#,
                    r#""subject":{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{}","size":5}},"#,
                    r#""annotations":{{"dev.tofu-sbom.tool":"tofu-sbom/9.9.9","org.opencontainers.image.title":"p_1.0.0_SHA256SUMS"}}}}"#
                ),
                Digest::sha256_of(&sums),
                sums.len(),
                Digest::sha256_of(b"index")
            )
        );
        let sig = ProvenanceFile::new(ProvenanceKind::Signature, "x.sig", vec![0x88, 0x75, 0x04]);
        let p = prepare_provenance(&subject(), &sig, &opts(), &Limits::default()).unwrap();
        assert_eq!(p.artifact_type, "application/pgp-signature");
        assert_eq!(p.created, None);
        let e = |kind, bytes: &[u8]| {
            prepare_provenance(
                &subject(),
                &ProvenanceFile::new(kind, "f", bytes.to_vec()),
                &opts(),
                &Limits::default(),
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            e(ProvenanceKind::Checksums, b"not a checksum line\n"),
            "invalid provenance file \"f\": expected a checksums file: line 1 is not `<sha256 hex>  <file name>`"
        );
        assert_eq!(
            e(ProvenanceKind::Checksums, b"\n"),
            "invalid provenance file \"f\": expected a checksums file: it lists no checksums"
        );
        assert_eq!(
            e(ProvenanceKind::Signature, br#"{"bomFormat":"CycloneDX"}"#),
            "invalid provenance file \"f\": expected a signature file: it is neither an OpenPGP packet nor an \
             ASCII-armored signature"
        );
        // The SBOM path still refuses a checksums file.
        assert!(
            prepare_referrer(
                &subject(),
                &SbomFile::from_bytes("s", sums),
                &opts(),
                &Limits::default()
            )
            .unwrap_err()
            .to_string()
            .starts_with("s is not an SBOM that can be attached: ")
        );
        assert_eq!(
            ProvenanceKind::from_artifact_type("text/plain"),
            Some(ProvenanceKind::Checksums)
        );
        assert_eq!(SbomKind::from_artifact_type("text/plain"), None);
    }

    #[test]
    fn an_sbom_without_timestamp_gets_no_created_annotation() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#;
        let p = prepare_referrer(
            &subject(),
            &SbomFile::from_bytes("a.cdx.json", doc.to_vec()),
            &AttachOptions {
                tool: String::new(),
                ..opts()
            },
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(p.created, None);
        assert_eq!(
            p.annotations,
            BTreeMap::from([(ANNOTATION_TITLE.to_owned(), "a.cdx.json".to_owned())])
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(
            "cyclonedx".parse::<SbomKind>().unwrap(),
            SbomKind::CycloneDx
        );
        assert_eq!(
            "application/spdx+json".parse::<SbomKind>().unwrap(),
            SbomKind::Spdx
        );
        assert_eq!(
            "xml".parse::<SbomKind>().unwrap_err().to_string(),
            "invalid SBOM kind \"xml\": expected cyclonedx, spdx or spdx3"
        );
        assert!(is_media_type("application/vnd.cyclonedx+json"));
        assert!(!is_media_type("application/"));
        assert!(!is_media_type("text"));
    }
}
