//! The `h1:` lock-file hashes of a stored provider artifact's ZIP layers, for the `.terraform.lock.hcl` block that
//! `mirror` prints for an OCI copy (a release has them from its scan; a copy reads them from the layers).
//!
//! Knows nothing of provider registries or the CLI.

use super::error::{MirrorError, Result};
use super::oci_sboms::StoredProvider;
use crate::archive::{BinarySelector, ProviderZip};
use crate::limits::Limits;
use crate::provider::media_types::MEDIA_TYPE_ZIP_LAYER;
use crate::registry::copy::copy_blob;
use crate::registry::layout::LayoutStore;
use crate::registry::manifest::Descriptor;
use crate::registry::store::Store;

/// The `h1:` lock-file hash of every platform ZIP of `artifact` (Go's `dirhash` over the unpacked files, what
/// OpenTofu checks an installed or cached package against), sorted, and a warning for each platform whose layer is
/// not a provider ZIP we can read (its `h1:` is left out; OpenTofu could not install it either). Each ZIP layer is
/// copied from `store` into a temporary layout (verified against its digest on the way) and read through its
/// central directory, the way `publish` reads a release. Without them a lock block holds only `zh:` hashes, with
/// which OpenTofu installs but cannot verify its unpacked package afterwards (`tofu init -lockfile=readonly`, then
/// a failing `tofu apply`). Registry errors (the blob cannot be read) fail the call.
pub async fn h1_hashes(
    store: &Store,
    artifact: &StoredProvider,
    provider_type: Option<&str>,
    limits: &Limits,
) -> Result<(Vec<String>, Vec<String>)> {
    let work = tempfile::Builder::new()
        .prefix("tofu-sbom-h1")
        .tempdir()
        .map_err(|e| MirrorError::io("creating a temporary directory for", "h1 hashes", e))?;
    let blobs = LayoutStore::open_or_create(work.path())?;
    let tmp = Store::Layout {
        layout: blobs.clone(),
        limits: *limits,
    };
    let selector = match provider_type {
        Some(t) => BinarySelector::ProviderType(t.to_owned()),
        None => BinarySelector::Any,
    };
    let mut hashes = Vec::with_capacity(artifact.platforms.len());
    let mut warnings = Vec::new();
    for (os_arch, p) in &artifact.platforms {
        let desc = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, p.zip_digest.clone(), p.zip_size);
        copy_blob(store, &tmp, &desc, None).await?;
        let path = blobs.blob_path(&p.zip_digest);
        match ProviderZip::open(&path, &selector, limits).and_then(|z| z.scan(|_| ())) {
            Ok(scan) => hashes.push(scan.h1()),
            Err(e) => {
                // The error names the temporary file: name the layer instead.
                let text = e.to_string();
                let prefix = format!("{}: ", path.display());
                let reason = text.strip_prefix(&prefix).unwrap_or(&text);
                warnings.push(format!(
                    "no h1: lock hash for {os_arch}: layer {}: {reason} (OpenTofu could not install it either; is the provider type right?)",
                    p.zip_digest
                ));
            }
        }
        std::fs::remove_file(&path).map_err(|e| MirrorError::io("removing", &path, e))?;
    }
    hashes.sort();
    hashes.dedup();
    Ok((hashes, warnings))
}
