//! The one integration-test crate: one module per area (formerly one test binary each, so one link instead of
//! thirty-one), and [`support`], the shared helpers (real tools and registries, in-test servers, fixtures).
//!
//! Run one area with `cargo test --test it AREA::` (e.g. `cargo test --test it cli_push::`), one test with
//! `cargo test --test it cli_push::NAME`; `eval "$(./scripts/env)"` first exports the paths of the test cache.

mod support;

mod action_lint;
mod action_runner;
mod archive_release;
mod archive_stream;
mod archive_zip;
mod bench_catalogue;
mod buildinfo_fuzz_regressions;
mod buildinfo_hostile;
mod buildinfo_oracle;
mod buildinfo_real;
mod buildinfo_stream;
mod buildinfo_synthetic;
mod cli_attach_concurrency;
mod cli_generate;
mod cli_inspect;
mod cli_mirror;
mod cli_missing_platforms;
mod cli_name_collisions;
mod cli_publish;
mod cli_publish_atomic;
mod cli_push;
mod cli_registry_flags;
mod cli_tofurc;
mod cli_verify;
mod credential_helpers;
mod e2e_airgap;
mod e2e_publish;
mod e2e_tofu_credentials;
mod infra_smoke;
mod infra_smoke_consumers;
mod infra_smoke_providers;
mod layout_concurrency;
mod layout_temp_files;
mod licenses_goenv;
mod licenses_providers;
mod lint_profiles;
mod mirror_catalogue;
mod mirror_catalogue_sync;
mod mirror_foreign;
mod mirror_licences;
mod mirror_oci_copy;
mod mirror_publish;
mod mirror_registry;
mod oci_registry;
mod oci_verify;
mod oras_interop;
mod referrers_concurrency;
mod referrers_consumers;
mod referrers_paging;
mod referrers_registry;
mod referrers_trivy;
mod registry_hostile;
mod sbom_licenses;
mod sbom_omnibor;
mod sbom_snapshot;
mod sbom_spdx3;
mod sbom_trivy;
mod sbom_validate;
mod syft_providers;
mod verdict_matrix;
mod verify_consumer_rules;
mod verify_release;
