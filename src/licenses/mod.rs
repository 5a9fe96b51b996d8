//! Licences of the Go modules linked into a provider (issue 13, `--licenses off|modcache|goproxy|DIR`): find each
//! module's ZIP, **verify it against the `h1:` the binary's build info records** (a ZIP that does not match is
//! reported and never read further), read its root licence files the way pkg.go.dev does ([`modzip`]), identify SPDX
//! ids ([`detect`]) and hand the facts to the inventory ([`crate::inventory::ReleaseLicenses`]).
//!
//! Sources ([`LicenseSource`]):
//! * `modcache`: `$GOMODCACHE/cache/download/<escaped path>/@v/<escaped version>.zip` (`GOMODCACHE`, else
//!   `$GOPATH/pkg/mod`, else `$HOME/go/pkg/mod`) — what a machine that just built the provider has;
//! * `goproxy`: the Go module proxy protocol, `GOPROXY` honoured as the go command does ([`goenv`]: `,` and `|`
//!   lists, `direct` and a `GONOPROXY`/`GOPRIVATE` match = skipped, `off`, `file://` proxies); at most
//!   [`LicenseConfig::concurrency`] downloads at once, each streamed to a temporary file;
//! * `DIR`: a directory of module ZIPs, proxy-shaped (`DIR/<escaped path>/@v/<escaped version>.zip`, e.g. a copy of
//!   `$GOMODCACHE/cache/download`) or flat (`DIR/<escaped path>@<escaped version>.zip`, with the path's `/` kept as
//!   directories) — for air-gapped runs.
//!
//! Results are cached on disk ([`cache`]) by module, version and `h1:` — the hash of the ZIP's content, known before
//! any ZIP is fetched — so a re-run (air-gapped, or `GOPROXY=off`) needs no ZIP at all, and gives the same bytes.
//! A module whose ZIP is not found has no licence (`NOASSERTION`): the run goes on with one aggregated warning.

pub mod cache;
pub mod detect;
mod fetch;
pub mod goenv;
pub mod modzip;

use std::collections::BTreeMap;
use std::path::PathBuf;

use futures_util::StreamExt as _;

use crate::buildinfo::BuildInfo;
use crate::inventory::purl::{escape_module_case, is_local_replacement};
use crate::inventory::{License, ModuleLicense, ModuleZip, ReleaseLicenses};
pub use goenv::GoEnv;
pub use modzip::ModuleZipLimits;

/// Where module ZIPs come from (`--licenses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenseSource {
    /// No licences (the CLI default: output never depends on the machine).
    Off,
    /// The Go module cache.
    ModCache,
    /// The Go module proxy (`GOPROXY`).
    GoProxy,
    /// A directory of module ZIPs.
    Dir(PathBuf),
}

impl LicenseSource {
    /// Parses `off`, `modcache`, `goproxy`, else a directory path.
    pub fn parse(s: &str) -> Self {
        match s {
            "off" => Self::Off,
            "modcache" => Self::ModCache,
            "goproxy" => Self::GoProxy,
            dir => Self::Dir(PathBuf::from(dir)),
        }
    }

    /// The value recorded in documents (`tofu-sbom:licenses:source`): `modcache`, `goproxy` or `dir` (a path would
    /// make the document depend on the machine). `None` for `off`.
    pub fn recorded(&self) -> Option<&'static str> {
        match self {
            Self::Off => None,
            Self::ModCache => Some("modcache"),
            Self::GoProxy => Some("goproxy"),
            Self::Dir(_) => Some("dir"),
        }
    }
}

/// Everything the resolver needs.
#[derive(Debug, Clone)]
pub struct LicenseConfig {
    /// Where ZIPs come from.
    pub source: LicenseSource,
    /// `--license`: the provider's own licence (SPDX expression), given to the main module.
    pub main_license: Option<String>,
    /// The result cache directory; `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// The Go settings (`GOPROXY`, `GONOPROXY`, `GOMODCACHE`).
    pub env: GoEnv,
    /// Downloads in flight at most (default 8).
    pub concurrency: usize,
    /// Limits for reading a ZIP.
    pub limits: ModuleZipLimits,
}

impl LicenseConfig {
    /// A configuration for `source` with the process's Go environment, the default cache directory
    /// ([`cache::default_dir`]), 8 downloads at once and the default limits.
    pub fn new(source: LicenseSource) -> Self {
        Self {
            source,
            main_license: None,
            cache_dir: cache::default_dir(),
            env: GoEnv::from_process(),
            concurrency: 8,
            limits: ModuleZipLimits::default(),
        }
    }
}

/// A module version to resolve, with the `h1:` its ZIP must have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ModuleRef {
    /// Module path.
    pub path: String,
    /// Version.
    pub version: String,
    /// `h1:` from the build info.
    pub h1: String,
}

impl ModuleRef {
    /// `path@version`.
    pub fn key(&self) -> String {
        ReleaseLicenses::key(&self.path, &self.version)
    }
}

/// Every module (the replacement, for a replaced one) linked into any platform's binary that has a version and an
/// `h1:`, sorted and unique. Local-directory replacements have neither and are left out. Takes the build infos (for
/// a scanned release: `release.build_infos()`) so that this stage does not depend on `generate`, which depends on it.
pub fn modules_of<'a>(build_infos: impl IntoIterator<Item = &'a BuildInfo>) -> Vec<ModuleRef> {
    let mut out = Vec::new();
    for info in build_infos {
        for dep in &info.deps {
            let m = match dep.replace.as_deref() {
                Some(r) if is_local_replacement(&r.path) => continue,
                Some(r) => r,
                None => dep,
            };
            if m.sum.is_empty() || m.version.is_empty() || m.version == "(devel)" {
                continue;
            }
            out.push(ModuleRef {
                path: m.path.clone(),
                version: m.version.clone(),
                h1: m.sum.clone(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The kind of a [`LicenseWarning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A ZIP's `h1:` differs from the build info's: the ZIP was not used.
    H1Mismatch,
    /// No ZIP was found for these modules (one warning for all of them).
    NotFound,
    /// Skipped: `GOPROXY` `direct`, or `GONOPROXY`/`GOPRIVATE` (we clone nothing; one warning for all of them).
    Skipped,
    /// The ZIP could not be fetched or read.
    Failed,
    /// The result cache could not be written (the results are still used).
    Cache,
}

/// A problem that leaves some modules without licence (never a failure of the command).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LicenseWarning {
    /// What happened.
    pub kind: WarningKind,
    /// The modules concerned (`path@version`), sorted.
    pub modules: Vec<String>,
    /// A sentence for people.
    pub message: String,
}

impl std::fmt::Display for LicenseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What [`resolve`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The facts for the inventory.
    pub licenses: ReleaseLicenses,
    /// Warnings, sorted by kind then modules.
    pub warnings: Vec<LicenseWarning>,
    /// How many modules were answered from the cache.
    pub cached: usize,
}

/// Why licences could not be resolved at all (bad configuration; a missing ZIP is only a warning).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LicensesError {
    /// `--license` is not a valid SPDX expression.
    #[error("--license {expression:?} is not a valid SPDX licence expression: {reason}")]
    InvalidLicense {
        /// The expression.
        expression: String,
        /// The parser's complaint.
        reason: String,
    },
    /// `GOPROXY` cannot be used.
    #[error("GOPROXY={goproxy:?}: {reason}")]
    InvalidGoproxy {
        /// The value.
        goproxy: String,
        /// Why.
        reason: String,
    },
    /// `--licenses DIR` is not a directory.
    #[error("--licenses {}: not a directory (expected off, modcache, goproxy or a directory of module ZIPs)", .0.display())]
    NotADirectory(PathBuf),
    /// `--licenses modcache` without a module cache location.
    #[error(
        "--licenses modcache: cannot locate the Go module cache (set GOMODCACHE, GOPATH or HOME)"
    )]
    NoModCache,
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
}

/// One module's outcome.
enum Outcome {
    Found(ModuleLicense),
    Cached(ModuleLicense),
    NotFound,
    Skipped,
    Mismatch { got: String, from: String },
    Failed(String),
}

/// Resolves the licences of `modules` (see the module docs). `Ok(None)` for [`LicenseSource::Off`].
pub async fn resolve(
    modules: &[ModuleRef],
    cfg: &LicenseConfig,
) -> Result<Option<Resolution>, LicensesError> {
    let Some(recorded) = cfg.source.recorded() else {
        return Ok(None);
    };
    let main_module = match &cfg.main_license {
        Some(e) => Some(License::spdx(detect::validate_expression(e).map_err(
            |reason| LicensesError::InvalidLicense {
                expression: e.clone(),
                reason,
            },
        )?)),
        None => None,
    };
    let locator = fetch::Locator::new(cfg)?;
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut cache_warnings = Vec::new();
    let results: Vec<(String, Outcome, Option<String>)> = futures_util::stream::iter(modules)
        .map(|m| one(m, cfg, &locator))
        .buffer_unordered(cfg.concurrency.max(1))
        .collect()
        .await;
    for (key, outcome, cache_error) in results {
        if let Some(e) = cache_error {
            cache_warnings.push((key.clone(), e));
        }
        outcomes.insert(key, outcome);
    }

    let mut licenses = ReleaseLicenses {
        source: recorded.to_owned(),
        main_module,
        modules: BTreeMap::new(),
    };
    let mut warnings = Vec::new();
    let mut not_found = Vec::new();
    let mut skipped = Vec::new();
    let mut cached = 0;
    for (key, outcome) in outcomes {
        match outcome {
            Outcome::Found(l) => {
                licenses.modules.insert(key, l);
            }
            Outcome::Cached(l) => {
                cached += 1;
                licenses.modules.insert(key, l);
            }
            Outcome::NotFound => not_found.push(key),
            Outcome::Skipped => skipped.push(key),
            Outcome::Mismatch { got, from } => {
                let want = modules
                    .iter()
                    .find(|m| m.key() == key)
                    .map(|m| m.h1.clone())
                    .unwrap_or_default();
                warnings.push(LicenseWarning {
                    kind: WarningKind::H1Mismatch,
                    message: format!(
                        "{key}: the module ZIP from {from} has {got}, the binary records {want}: not used, licence NOASSERTION"
                    ),
                    modules: vec![key],
                });
            }
            Outcome::Failed(reason) => warnings.push(LicenseWarning {
                kind: WarningKind::Failed,
                message: format!("{key}: {reason}: licence NOASSERTION"),
                modules: vec![key],
            }),
        }
    }
    if !not_found.is_empty() {
        warnings.push(LicenseWarning {
            kind: WarningKind::NotFound,
            message: format!(
                "no module ZIP found in {} for {} module(s) ({}): licence NOASSERTION",
                locator.describe(),
                not_found.len(),
                abbreviate(&not_found)
            ),
            modules: not_found,
        });
    }
    if !skipped.is_empty() {
        warnings.push(LicenseWarning {
            kind: WarningKind::Skipped,
            message: format!(
                "{} module(s) are to be fetched directly (GOPROXY direct, GONOPROXY/GOPRIVATE), which tofu-sbom does not do ({}): licence NOASSERTION",
                skipped.len(),
                abbreviate(&skipped)
            ),
            modules: skipped,
        });
    }
    if !cache_warnings.is_empty() {
        let (modules, reasons): (Vec<String>, Vec<String>) = cache_warnings.into_iter().unzip();
        warnings.push(LicenseWarning {
            kind: WarningKind::Cache,
            message: format!(
                "the licence cache could not be written for {} module(s): {}",
                modules.len(),
                reasons[0]
            ),
            modules,
        });
    }
    warnings.sort_by(|a, b| (a.kind, &a.modules).cmp(&(b.kind, &b.modules)));
    Ok(Some(Resolution {
        licenses,
        warnings,
        cached,
    }))
}

fn abbreviate(keys: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = keys
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        s.push_str(&format!(", and {} more", keys.len() - SHOWN));
    }
    s
}

/// [`resolve`] on a thread of its own with its own runtime: callable from synchronous code, also from inside an
/// async runtime (where `block_on` would panic), e.g. `mirror`'s per-release rendering. Warnings are dropped; the
/// affected modules are `NOASSERTION`.
pub fn resolve_blocking(
    modules: &[ModuleRef],
    cfg: &LicenseConfig,
) -> Result<Option<Resolution>, LicensesError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    LicensesError::Http(crate::http::HttpError::ClientSetup {
                        reason: format!("cannot start the async runtime: {e}"),
                    })
                })?;
            rt.block_on(resolve(modules, cfg))
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Resolves one module: the cache, else the ZIP (verified), then stores the result.
async fn one(
    m: &ModuleRef,
    cfg: &LicenseConfig,
    locator: &fetch::Locator,
) -> (String, Outcome, Option<String>) {
    let key = m.key();
    if let Some(dir) = &cfg.cache_dir
        && let Some(hit) = cache::load(dir, m)
    {
        return (key, Outcome::Cached(hit), None);
    }
    let zip = match locator.locate(m).await {
        fetch::Located::File { path, from, _temp } => {
            let (path2, m2, limits) = (path.clone(), m.clone(), cfg.limits);
            let read = tokio::task::spawn_blocking(move || {
                modzip::read(&path2, &m2.path, &m2.version, &limits)
            })
            .await
            .unwrap_or_else(|e| Err(format!("reader task failed: {e}")));
            drop(_temp);
            match read {
                Ok(facts) => (facts, from),
                Err(e) => {
                    return (
                        key,
                        Outcome::Failed(format!("module ZIP from {from}: {e}")),
                        None,
                    );
                }
            }
        }
        fetch::Located::NotFound => return (key, Outcome::NotFound, None),
        fetch::Located::Skipped => return (key, Outcome::Skipped, None),
        fetch::Located::Failed(e) => return (key, Outcome::Failed(e), None),
    };
    let (facts, from) = zip;
    if facts.h1 != m.h1 {
        return (
            key,
            Outcome::Mismatch {
                got: facts.h1,
                from,
            },
            None,
        );
    }
    let files = facts
        .license_files
        .iter()
        .map(|(name, text)| match text {
            Some(t) => detect::identify(name, t),
            None => {
                let text = format!(
                    "({name}: larger than {} bytes, not read)",
                    cfg.limits.max_license_file
                );
                detect::FileLicense::Unknown(crate::inventory::LicenseText {
                    id: detect::license_ref(&text),
                    name: name.clone(),
                    text,
                })
            }
        })
        .collect();
    let result = ModuleLicense {
        license: detect::combine(files),
        zip: Some(ModuleZip {
            file_name: format!(
                "{}@{}.zip",
                escape_module_case(&m.path),
                escape_module_case(&m.version)
            ),
            sha256: facts.sha256,
            sha512: facts.sha512,
        }),
    };
    let cache_error = match &cfg.cache_dir {
        Some(dir) => cache::store(dir, m, &result).err(),
        None => None,
    };
    (key, Outcome::Found(result), cache_error)
}
