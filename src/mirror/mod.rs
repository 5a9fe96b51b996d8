//! Mirroring providers into private and air-gapped places.
//!
//! Two sources, one library (the CLI `tofu-sbom mirror` and its chaining into `publish` live elsewhere):
//!
//! | module | what it does |
//! |---|---|
//! | [`registry_protocol`] | the provider registry protocol: service discovery, versions, package metadata, downloads |
//! | [`constraints`] | OpenTofu's version constraints (`~> 5.0`, `>= 1.2, < 2.0`, `= 1.2.3`, `!=`), newest match |
//! | [`source`] | what a `mirror` SOURCE names: provider address, OCI reference or release directory |
//! | [`signature`] | `SHA256SUMS` against its detached OpenPGP signature with the published keys (`pgp`, pure Rust) |
//! | [`download`] | selected versions → verified release directories in GoReleaser's `dist/` shape (what `publish` reads) |
//! | [`oci_sboms`] | a copied provider artifact read back; SBOMs added where a subject has none |
//! | [`publish`] | a mirrored release → SBOMs (with its authentication recorded) → the target, `SHA256SUMS` and signature as referrers |
//!
//! ```no_run
//! use tofu_sbom::mirror::download::{MirrorOptions, ProviderSource, mirror};
//! # async fn run() -> Result<(), tofu_sbom::mirror::MirrorError> {
//! let source = ProviderSource::parse("hashicorp/tls@~> 4.0")?;
//! let versions = mirror(&source.address, &[source.constraint], "mirror".as_ref(), &MirrorOptions::default()).await?;
//! for v in &versions {
//!     println!("{} {}: {} downloaded, {} skipped", v.provider, v.version, v.downloaded, v.skipped);
//! }
//! # Ok(()) }
//! ```

pub mod constraints;
pub mod download;
mod error;
pub mod oci_sboms;
pub mod publish;
pub mod registry_protocol;
pub mod signature;
pub mod source;

pub use error::{MirrorError, Result};
