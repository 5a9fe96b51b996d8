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
//! | 4 | `oci` | push the provider in OpenTofu's OCI layout and attach the SBOMs as OCI referrers |
//! | 3+4 | [`publish`] | push a scanned release and attach its SBOMs (platforms' to their manifests, the release-wide ones to the index) |
//! | – | [`mirror`] | mirror providers from a provider registry (verified, signed) or copy OCI artifacts byte for byte |
//!
//! Untrusted input (ZIPs, binaries, registry responses) is always read under the explicit budget in [`limits::Limits`].
//! All byte access to binaries goes through [`source::ReadAt`]: positioned reads for plain files, a forward stream
//! for ZIP entries. No binary is ever held whole in memory.

pub mod archive;
pub mod buildinfo;
pub mod generate;
pub mod inventory;
pub mod limits;
pub mod mirror;
pub mod oci;
pub mod publish;
pub mod purl;
pub mod sbom;
pub mod source;
pub mod verify_release;
