//! Referrers in an OCI image layout, recorded the way oras-go's OCI store records them: manifests listed in
//! `index.json` without a ref name, found by reading their `subject` (see the [module docs](super)).
//!
//! Must not write anything: listing only.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ReferrerEntry, UnreadableEntry};
use crate::limits::Limits;
use crate::registry::digest::Digest;
use crate::registry::layout::LayoutStore;
use crate::registry::manifest::{
    ANNOTATION_REF_NAME, Descriptor, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST, decode,
};
use crate::registry::{RegistryError, Result};

/// Minimal view of a manifest (image manifest or index) for finding referrers in a layout.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferrerProbe {
    #[serde(default)]
    artifact_type: String,
    #[serde(default)]
    config: Option<ConfigProbe>,
    #[serde(default)]
    subject: Option<Descriptor>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigProbe {
    #[serde(default)]
    media_type: String,
}

/// The referrers of `subject` recorded in a layout's `index.json` (module docs), and the entries whose manifest blob
/// is missing (which may or may not be referrers of `subject`: their `subject` cannot be read; each is listed once,
/// in `index.json` order). A blob that does not hash to its digest, exceeds [`Limits::max_manifest_size`] or is not a
/// JSON manifest is an error naming it: the layout is damaged, not merely incomplete.
pub(crate) fn layout_referrers(
    layout: &LayoutStore,
    limits: &Limits,
    subject: &Digest,
) -> Result<(Vec<ReferrerEntry>, Vec<UnreadableEntry>)> {
    let index = layout.read_index(limits.max_registry_response)?;
    let mut out: Vec<ReferrerEntry> = Vec::new();
    let mut unreadable: Vec<UnreadableEntry> = Vec::new();
    let mut seen: std::collections::BTreeSet<&Digest> = std::collections::BTreeSet::new();
    for d in &index.manifests {
        if d.media_type != MEDIA_TYPE_MANIFEST && d.media_type != MEDIA_TYPE_INDEX {
            continue;
        }
        if !seen.insert(&d.digest) {
            continue;
        }
        let bytes = match layout.read_blob(&d.digest, limits.max_manifest_size) {
            Ok(b) => b,
            Err(e @ RegistryError::NotFound { .. }) => {
                unreadable.push(UnreadableEntry {
                    digest: d.digest.clone(),
                    media_type: d.media_type.clone(),
                    artifact_type: d.artifact_type.clone(),
                    ref_name: d.annotations.get(ANNOTATION_REF_NAME).cloned(),
                    reason: e.to_string(),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let probe: ReferrerProbe = decode(&bytes, &format!("manifest {}", d.digest))?;
        if probe.subject.as_ref().map(|s| &s.digest) != Some(subject) {
            continue;
        }
        let artifact_type = if probe.artifact_type.is_empty() {
            probe.config.map(|c| c.media_type).unwrap_or_default()
        } else {
            probe.artifact_type
        };
        let mut desc = Descriptor::new(&d.media_type, d.digest.clone(), bytes.len() as u64);
        desc.artifact_type = artifact_type;
        desc.annotations = probe.annotations;
        out.push(ReferrerEntry::from_descriptor(&desc));
    }
    Ok((out, unreadable))
}
