//! A generic OCI distribution client and content stores: a registry repository over HTTP or an OCI image layout on
//! disk, manifests, digests, references and the referrers API with its tag-schema fallback. Nothing here knows about
//! OpenTofu providers or SBOMs: what a manifest *means* is decided by the callers ([`crate::provider`], [`crate::verify`],
//! [`crate::mirror`]).
//!
//! | module | what it does |
//! |---|---|
//! | [`reference`](mod@reference) | `HOST[:PORT]/REPO[:TAG\|@DIGEST]` and `oci-layout:DIR[:TAG\|@DIGEST]` |
//! | [`digest`] | `sha256:<hex>` digests |
//! | [`manifest`] | typed, spec-shaped OCI image manifest / index / descriptor structs (exact bytes) |
//! | [`client`] | the registry client: requests and auth, blobs, manifests, tags, the raw referrers endpoint (transport in [`crate::http`]) |
//! | [`auth`] | `WWW-Authenticate` parsing, bearer token fetch and cache (= [`client::auth`]) |
//! | [`credentials`] | the credentials chain (explicit, env, docker config, credential helpers, containers `auth.json`; = [`client::credentials`]) |
//! | [`retry`] | backoff policy and transient/permanent fault classification (re-exported from [`crate::http::retry`]) |
//! | [`layout`] | an OCI image layout store on disk |
//! | [`store`] | one enum over "a registry repository" and "an OCI layout", used by push and verify |
//! | [`referrers`] | referrers listing, API detection, the `sha256-<hex>` fallback index (and its concurrency rules) |
//! | [`copy`] | the byte-for-byte graph copy between stores (used by the mirror), with a referrers extension point |
//! | [`lock`] | per-subject serialisation: in-process keyed mutex + advisory lock file (= [`referrers::writer_lock`]) |
//! | [`lock_file`] | advisory lock files in the per-user lock directory, with the holder's PID (used by [`lock`] and [`layout`]) |
//!
//! # Why our own registry client and not `oci-client`
//!
//! `oci-client` 0.18 was evaluated and rejected (SPEC.md §7): it returns no response headers (we need `OCI-Subject`,
//! `Location`, `Docker-Content-Digest`), re-serialises manifests in `push_manifest` (our digests are computed from our
//! exact bytes), has no retry or `Retry-After` handling, keeps its auth token cache private (our own requests could not
//! reuse it), has no conditional requests, and its referrers fallback turns 401/DENIED into "no referrers" and
//! mis-handles index subjects — ours are indexes. The HTTP surface we need is small (a dozen endpoints of the
//! distribution spec), so it lives here on top of `reqwest`, behind this one module boundary.
//!
//! # Why our own typed OCI structs and not `oci-spec`
//!
//! `oci-spec` 0.10 can express `artifactType` and `subject`, but (1) we must control the exact serialised bytes
//! (field order and omission) because digests are computed from them and must be reproducible and match OpenTofu's
//! fixtures; (2) `verify` must decode hostile documents as leniently as OpenTofu's Go decoder does (missing fields
//! are zero values, unknown fields ignored) so that it can *report* each problem instead of failing to deserialize;
//! (3) its builder/enum indirection (`Os`, `Arch`, `MediaType::Other`) adds nothing for the dozen fields we use.

pub mod client;
pub mod copy;
pub mod digest;
mod error;
pub mod layout;
pub mod lock_file;
pub mod manifest;
pub(crate) mod paging;
pub mod reference;
pub mod referrers;
pub mod store;

pub use crate::http::retry;
pub use client::{auth, credentials};
pub use error::{RegistryError, Result};
pub use referrers::writer_lock as lock;
