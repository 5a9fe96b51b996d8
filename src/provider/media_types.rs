//! OpenTofu's media and artifact types of a provider artifact in OCI (the values OpenTofu's `getproviders` package
//! looks for). The generic OCI types (image manifest, index, empty config) are [`crate::registry::manifest`]'s.
//!
//! Owns only constants (and the one accessor of [`ANNOTATION_TOOL`]); must not know how an artifact is built or
//! checked.

/// `artifactType` of a provider's index manifest (OpenTofu `ociIndexManifestArtifactType`).
pub const ARTIFACT_TYPE_PROVIDER: &str = "application/vnd.opentofu.provider";
/// `artifactType` of a provider's per-platform image manifest (OpenTofu `ociPackageManifestArtifactType`).
pub const ARTIFACT_TYPE_PROVIDER_TARGET: &str = "application/vnd.opentofu.provider-target";
/// `artifactType` of the ZIP layer: we write it, but no OpenTofu release reads it (the check existed only between two
/// commits in March 2025 and was never released), so `verify` does not require it of others.
pub const ARTIFACT_TYPE_PROVIDER_PKG: &str = "application/vnd.opentofu.providerpkg";
/// `artifactType` of an OpenTofu module package (a different kind of artifact; named in diagnostics).
pub const ARTIFACT_TYPE_MODULE_PKG: &str = "application/vnd.opentofu.modulepkg";
/// Media type of the provider ZIP layer (the bare string, OpenTofu `ociPackageMediaType`).
pub const MEDIA_TYPE_ZIP_LAYER: &str = "archive/zip";

/// Manifest annotation marking a referrer this tool created, value `NAME/VERSION` (e.g. `tofu-sbom/0.1.0`). Only
/// referrers carrying it are ever pruned. Reverse-domain key as the image spec asks for (`tofu-sbom.dev`).
pub const ANNOTATION_TOOL: &str = "dev.tofu-sbom.tool";

/// The value of [`ANNOTATION_TOOL`] on a listed referrer: set when this tool created it.
pub trait ToolAnnotation {
    /// The value of [`ANNOTATION_TOOL`], if annotated.
    fn tool(&self) -> Option<&str>;
}

impl ToolAnnotation for crate::registry::referrers::ReferrerEntry {
    fn tool(&self) -> Option<&str> {
        self.annotations.get(ANNOTATION_TOOL).map(String::as_str)
    }
}
