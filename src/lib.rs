//! # tofu-sbom
//!
//! A library and command-line tool for OpenTofu/Terraform provider authors and mirror operators.
//! It is laid out as the pipeline it implements, one module per stage:
//!
//! | stage | module | what it does |
//! |---|---|---|
//! | 1 | [`archive`] | verify each provider ZIP against `SHA256SUMS`, open it through its central directory, stream the provider binary out of it (never extracted to disk) |
//! | 2 | [`buildinfo`] | read Go build info (`\xff Go buildinf:`) from ELF, PE, Mach-O and XCOFF binaries, exactly as `go version -m` does |
//! | 3 | [`inventory`], [`sbom`] | render CycloneDX 1.6/1.5 and SPDX 2.3 JSON, reproducibly |
//! | – | [`lint`] | check any CycloneDX/SPDX document against NTIA 2021, BSI TR-03183-2 v2.1 or CISA 2025 minimum elements (findings with JSON Pointers) |
//! | 4 | [`http`] | the HTTPS transport of the registry clients: TLS roots, proxies, retries, bounded body reads (knows nothing of OCI) |
//! | 4 | [`registry`] | a generic OCI distribution client and OCI layout store: blobs, manifests, referrers API and tag fallback, graph copy |
//! | 4 | [`provider`] | OpenTofu's provider artifact: push, attach the SBOMs as referrers, pull them back, publish (3+4 in one run) |
//! | 4 | [`verify`] | replay OpenTofu's selection and validation rules on a pushed provider; re-derive its SBOMs from a release |
//! | 3 | [`licenses`] | licences of the Go modules (`--licenses`): module ZIPs from the module cache, a directory or `GOPROXY`, verified against the build info's `h1:`, licence files identified as SPDX ids, cached on disk |
//! | – | [`mirror`] | mirror providers from a provider registry (verified, signed) or copy OCI artifacts byte for byte |
//!
//! Untrusted input (ZIPs, binaries, registry responses) is always read under the explicit budget in [`limits::Limits`].
//! All byte access to binaries goes through [`read_at::ReadAt`]: positioned reads for plain files, a forward stream
//! for ZIP entries. No binary is ever held whole in memory.

pub mod archive;
pub mod buildinfo;
pub mod generate;
pub mod http;
pub mod inventory;
pub mod licenses;
pub mod limits;
pub mod lint;
pub mod mirror;
pub mod provider;
pub use inventory::purl;
pub mod read_at;
pub mod registry;
pub mod sbom;
pub mod verify;
