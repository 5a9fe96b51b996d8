//! OpenTofu's provider artifact in OCI: the media types and the artifact builder, pushing a release, attaching its
//! SBOMs as referrers, pulling them back, and the whole publish pipeline (generate → package → push → attach).
//!
//! | module | what it does |
//! |---|---|
//! | [`media_types`] | OpenTofu's artifact and media types (`application/vnd.opentofu.provider`, …) |
//! | [`artifact`] | the OpenTofu provider artifact builder (pure: inputs → exact manifest bytes) |
//! | [`push`] | blobs → platform manifests → index → tags, with skip-existing, bounded concurrency, dry-run |
//! | [`attach`] | SBOM files → referrer manifests pushed by digest (no-op when present), opt-in pruning of our older ones |
//! | [`sbom_pull`] | fetch the SBOM referrer of a provider (index or one platform), digest-verified |
//! | [`publish`] | the whole pipeline in one call ([`publish::publish_release`]: render the SBOMs, package, push, attach — platforms' SBOMs to their manifests, the release-wide ones to the index) |
//! | [`tofu_credentials`] | whether OpenTofu finds the registry credentials we used, and the `.tofurc` lines that make it |
//! | [`error`] | [`ProviderError`]: OpenTofu- and SBOM-specific failures, with every [`crate::registry::RegistryError`] passed through unchanged |
//!
//! Imports point down: this module uses `registry/` (generic OCI), `generate`/`sbom` (the documents) and `archive`;
//! it knows nothing of verification, mirroring or the command line.

pub mod artifact;
pub mod attach;
pub mod error;
pub mod media_types;
pub mod publish;
pub mod push;
pub mod sbom_pull;
pub mod tofu_credentials;

pub use error::ProviderError;
