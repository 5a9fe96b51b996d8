//! Verification of a pushed provider: [`artifact`] replays `tofu`'s selection and validation rules (SPEC §1.3) and
//! checks the SBOM referrers; [`release`] re-derives the SBOMs from a release directory and compares them with the
//! stored ones.

pub mod artifact;
pub mod release;
pub mod sbom_hashes;
