//! Stage 1: provider release archives.
//!
//! - [`release`]: a provider release (GoReleaser `dist/` or explicit ZIPs) — file names parsed into type, version
//!   and platforms, every ZIP verified against `SHA256SUMS` before anything is read from it.
//! - [`names`]: release file names (`terraform-provider-TYPE_VERSION_OS_ARCH.zip`, `…_SHA256SUMS`), parsed and
//!   formatted in one place; [`checksums`]: the one `SHA256SUMS` parser.
//! - [`ProviderZip`]: one provider ZIP opened through its central directory exactly as OpenTofu's Go
//!   `archive/zip` opens it (see [`zip`] for what is trusted and what is refused), the provider binary found by
//!   OpenTofu's `ExecutableFile` rule, and every entry streamed through an [`EntryReader`] — a forward-only
//!   [`crate::read_at::ReadAt`] that inflates on the fly. Nothing is extracted to disk; memory stays bounded.
//! - [`digest`]: SHA-256/SHA-512, the OmniBOR Artifact ID (`gitoid:blob:sha256:`) and the lock-file hashes `zh:` and
//!   `h1:`; [`lockfile`] renders
//!   `.terraform.lock.hcl` blocks; [`address`] parses provider addresses.
//!
//! One provider ZIP, one pass:
//! ```no_run
//! use tofu_sbom::archive::{BinarySelector, ProviderZip};
//! use tofu_sbom::limits::Limits;
//! use tofu_sbom::read_at::ReadAt;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let limits = Limits::default();
//! let selector = BinarySelector::ProviderType("tls".into());
//! let mut zip = ProviderZip::open("terraform-provider-tls_4.0.6_linux_amd64.zip".as_ref(), &selector, &limits)?;
//! let zh = zip.file_digests()?.zh(); // one sequential read of the ZIP file
//! let scan = zip.scan(|binary| {
//!     // e.g. the build-info reader; here: the first 4 bytes
//!     let mut magic = [0u8; 4];
//!     binary.read_exact_at(0, &mut magic).map(|()| magic)
//! })?; // every entry inflated once; CRC-32 and sizes verified
//! println!("{zh} {} {} {:?}", scan.h1(), scan.binary_digests.sha512_hex(), scan.binary?);
//! # Ok(()) }
//! ```

pub mod address;
mod bytes;
mod central;
pub mod checksums;
pub mod digest;
mod entry_names;
mod error;
pub mod lockfile;
pub mod names;
pub mod release;
mod stream;
pub mod zip;

pub use address::ProviderAddress;
pub use digest::{Digests, FileHash, GITOID_BLOB_SHA256, hash1};
pub use entry_names::BinarySelector;
pub use error::{AddressError, ArchiveError, ReleaseError};
pub use stream::{EntryDigests, EntryOutcome, EntryReader, Observe};
pub use zip::{EntryInfo, ProviderZip, ZipScan};
