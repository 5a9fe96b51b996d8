//! Mirroring providers into private and air-gapped places.
//!
//! Three sources (a provider registry, an OCI artifact, a release directory), one library; the CLI `tofu-sbom mirror`
//! only maps its arguments to [`run::RunOptions`] and prints [`run::VersionOutcome`]s.
//!
//! | module | what it does |
//! |---|---|
//! | [`source`] | what a `mirror` SOURCE names: provider address, OCI reference or release directory |
//! | [`constraints`] | OpenTofu's version constraints (`~> 5.0`, `>= 1.2, < 2.0`, `= 1.2.3`, `!=`), newest match |
//! | [`selection`] | which versions a run takes: constraint matches of a provider, version tags of an OCI repository |
//! | [`registry_protocol`] | the provider registry protocol: service discovery, versions, package metadata, downloads, wire types |
//! | [`signature`] | `SHA256SUMS` against its detached OpenPGP signature with the published keys (`pgp`, pure Rust) |
//! | [`download`] | selected versions → verified release directories in GoReleaser's `dist/` shape (what `publish` reads) |
//! | [`provenance`] | a mirrored release → the provider publish stage, its authentication on the SBOMs, `SHA256SUMS` and signature as referrers |
//! | [`oci_sboms`] | a copied provider artifact read back: platforms, ZIP layers, referrers per subject |
//! | [`identity`] | which provider a copied artifact holds, from its own layer titles and executables |
//! | [`add_sboms`] | SBOMs added where a subject has none; content that gives none is skipped with a warning, never an error |
//! | [`lock_hashes`] | the `h1:` lock hashes of a copied artifact's ZIP layers (the OCI copy's lock block) |
//! | [`run`] | one library call per kind of source: typed options in, one typed outcome per version out |
//! | [`catalogue`] | many sources into one target template (`--from-file`), sharded and concurrent, one outcome per entry |
//! | [`tf_config`] | the catalogue an OpenTofu configuration requires (`--from-config`: `required_providers`, local modules) |
//!
//! Imports point down: `mirror` uses `provider`, `registry`, `verify`, `archive` and `generate`, never the CLI.
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

pub mod add_sboms;
pub mod catalogue;
pub mod constraints;
pub mod download;
mod error;
pub mod identity;
pub mod lock_hashes;
pub mod oci_sboms;
pub mod provenance;
pub mod registry_protocol;
pub mod run;
pub mod selection;
pub mod signature;
pub mod source;
pub mod tf_config;

pub use error::{MirrorError, Result};
