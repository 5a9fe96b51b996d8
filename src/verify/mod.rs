//! Verification of a pushed provider, in layers whose imports point down:
//!
//! * [`report`] — the report and findings (bottom: every check fills it, it knows none of them);
//! * [`sboms`] — the SBOM referrer checks (kinds expected, readability, ZIP hashes recorded);
//! * [`artifact`] — replays `tofu`'s selection and validation rules (SPEC §1.3) and runs the SBOM checks;
//! * [`release`] — `verify --release`: re-derives the SBOMs from a release directory and compares them with the
//!   stored ones, on top of [`artifact`].
//!
//! SBOMs are read only through `crate::sbom::read`. The registry is reached through `crate::registry::store`
//! and the provider helpers ([`crate::provider`]); nothing here writes.

pub mod artifact;
pub mod release;
pub mod report;
pub mod sboms;

pub use artifact::{VerifyOptions, verify};
pub use release::{ReleaseVerifyOptions, VerifyReleaseError, verify_release};
pub use report::{Finding, FindingKind, Severity, VerifyReport};
