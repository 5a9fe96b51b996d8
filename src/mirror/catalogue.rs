//! Mirroring a catalogue: many SOURCEs, one TARGET template (`mirror --from-file FILE TARGET`).
//!
//! - **The file** lists one SOURCE per line in exactly the grammar of `mirror` ([`MirrorSource::parse`]); `#` starts a
//!   comment (whole line or after the source), blank lines are skipped. Errors name the line.
//! - **The target** may contain `${hostname}`, `${namespace}` and `${type}` — the placeholders of OpenTofu's
//!   `oci_mirror` `repository_template` — filled from each provider's address ([`TargetTemplate`]). With more than one
//!   entry the target must contain `${type}` (else every provider would land in one repository). An entry whose
//!   address is unknown (an OCI or release source) needs a target without placeholders, or `--provider` is of no
//!   help: it fails with that reason.
//! - **Sharding** ([`Shard`]): `I/N` keeps the entries whose key — the provider address `HOST/NAMESPACE/TYPE`, else the
//!   source text — hashes (SHA-256, first 8 bytes, big-endian, mod N) to `I-1`: stable across runs and machines,
//!   disjoint, and together covering the catalogue once, so a CI matrix of N jobs mirrors each provider exactly once.
//! - **Running** ([`mirror_catalogue`]): `jobs` versions downloaded and scanned at once (of up to
//!   [`ENTRIES_PER_JOB`] × `jobs` entries in flight; a version being published holds no job) on one runtime, sharing
//!   one client pool ([`crate::registry::client::pool`]: one ping, credentials lookup, token cache and connection pool per target
//!   repository for the whole run); a failing entry never stops the others; each entry gets its [`EntryOutcome`].
//!
//! Knows nothing of the command line.

use std::time::Instant;

use futures_util::stream::{self, StreamExt as _};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::error::{MirrorError, Result};
use super::run::{
    FailedVersionOutcome, RunOptions, VersionOutcome, check_target, mirror_source_versions,
};
use super::source::MirrorSource;
use crate::archive::address::ProviderAddress;
use crate::registry::reference::Target;

/// Entries in flight per `--jobs` slot: an entry whose versions are all being published (waiting on the registry)
/// holds no slot, so the next entries' versions are downloaded and scanned meanwhile.
pub const ENTRIES_PER_JOB: usize = 2;

/// The placeholders a target template may use, as OpenTofu's `repository_template` names them.
pub const PLACEHOLDERS: [&str; 3] = ["${hostname}", "${namespace}", "${type}"];

/// One line of a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// 1-based line number in the file.
    pub line: usize,
    /// The SOURCE as written (comment and surrounding blanks removed).
    pub text: String,
    /// Its reading.
    pub source: MirrorSource,
}

impl CatalogueEntry {
    /// The provider address, when the source names one.
    pub fn address(&self) -> Option<&ProviderAddress> {
        match &self.source {
            MirrorSource::Provider(p) => Some(&p.address),
            _ => None,
        }
    }

    /// The sharding key: `HOST/NAMESPACE/TYPE`, else the source text.
    pub fn shard_key(&self) -> String {
        self.address()
            .map_or_else(|| self.text.clone(), ToString::to_string)
    }
}

/// Parses a catalogue file's text (module docs). `file` names it in errors.
pub fn parse_catalogue(text: &str, file: &str) -> Result<Vec<CatalogueEntry>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split_once('#').map_or(raw, |(b, _)| b).trim();
        if body.is_empty() {
            continue;
        }
        let source = MirrorSource::parse(body).map_err(|e| MirrorError::Catalogue {
            file: file.to_owned(),
            line,
            reason: e.to_string(),
        })?;
        out.push(CatalogueEntry {
            line,
            text: body.to_owned(),
            source,
        });
    }
    if out.is_empty() {
        return Err(MirrorError::Catalogue {
            file: file.to_owned(),
            line: 0,
            reason: "it lists no source (only blank lines and # comments)".into(),
        });
    }
    Ok(out)
}

/// A TARGET with OpenTofu's `repository_template` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetTemplate {
    text: String,
}

impl TargetTemplate {
    /// Takes `text` as a template; any `${…}` other than the three placeholders is refused.
    pub fn parse(text: &str) -> Result<Self> {
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            let tail = &rest[i..];
            match PLACEHOLDERS.iter().find(|p| tail.starts_with(**p)) {
                Some(p) => rest = &tail[p.len()..],
                None => {
                    return Err(MirrorError::BadTargetTemplate {
                        target: text.to_owned(),
                        reason: format!(
                            "unknown placeholder at {:?}; the placeholders are {}",
                            tail.chars().take(16).collect::<String>(),
                            PLACEHOLDERS.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(Self {
            text: text.to_owned(),
        })
    }

    /// The template as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it has any placeholder.
    pub fn has_placeholders(&self) -> bool {
        PLACEHOLDERS.iter().any(|p| self.text.contains(p))
    }

    /// The target of one entry: the placeholders filled from its address (a `hostname` with a port is refused: a
    /// repository path cannot hold `:`).
    pub fn target_for(&self, entry: &CatalogueEntry) -> Result<Target> {
        let text = if self.has_placeholders() {
            let Some(a) = entry.address() else {
                return Err(MirrorError::BadTargetTemplate {
                    target: self.text.clone(),
                    reason: format!(
                        "line {}: {} names no provider address to fill the placeholders from; mirror it with its own \
                         `mirror SOURCE TARGET` (and --provider)",
                        entry.line, entry.text
                    ),
                });
            };
            if self.text.contains("${hostname}") && a.host.contains(':') {
                return Err(MirrorError::BadTargetTemplate {
                    target: self.text.clone(),
                    reason: format!(
                        "line {}: the hostname {:?} has a port, which cannot be part of a repository path; use a \
                         template without ${{hostname}}",
                        entry.line, a.host
                    ),
                });
            }
            self.text
                .replace("${hostname}", &a.host)
                .replace("${namespace}", &a.namespace)
                .replace("${type}", &a.provider_type)
        } else {
            self.text.clone()
        };
        let target = Target::parse(&text).map_err(|e| MirrorError::BadTargetTemplate {
            target: self.text.clone(),
            reason: format!("line {}: {text}: {e}", entry.line),
        })?;
        check_target(&target, &text)?;
        Ok(target)
    }
}

/// `--shard I/N`: the `I`-th of `N` disjoint parts of a catalogue (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: u32,
    /// The number of shards, ≥ 1.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with 1 ≤ I ≤ N.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| MirrorError::BadShard {
            given: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| bad("expected I/N, e.g. 2/4"))?;
        let index: u32 = i.trim().parse().map_err(|_| bad("I is not a number"))?;
        let count: u32 = n.trim().parse().map_err(|_| bad("N is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(bad("expected 1 ≤ I ≤ N"));
        }
        Ok(Self { index, count })
    }

    /// Whether `key` falls in this shard (module docs).
    pub fn contains(&self, key: &str) -> bool {
        let digest = Sha256::digest(key.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// How one catalogue entry went.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryOutcome {
    /// Line in the file.
    pub line: usize,
    /// The source as written.
    pub source: String,
    /// The target it went to (empty when it could not be formed).
    pub target: String,
    /// `mirrored`, `failed` or `skipped` (another shard's).
    pub status: EntryStatus,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many versions it selected, mirrored, found already present, and failed.
    pub counts: VersionCounts,
    /// The outcome of each version that landed (a failed entry lists those that did beside the failure).
    pub versions: Vec<VersionOutcome>,
    /// Each version that failed while the others went on (provider sources), with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_versions: Vec<FailedVersionOutcome>,
    /// Bytes written (blobs uploaded or copied) over every version.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// [`EntryOutcome::counts`]: `found` = `mirrored` + `present` + `failed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VersionCounts {
    /// Versions the source selected (0 when the entry failed before selecting any).
    pub found: usize,
    /// Versions written in this run (in a dry run: that would be).
    pub mirrored: usize,
    /// Versions the target already held complete (nothing transferred).
    pub present: usize,
    /// Versions that failed.
    pub failed: usize,
}

/// [`EntryOutcome::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// Every version it selected is in the target.
    Mirrored,
    /// An error stopped it (the others went on).
    Failed,
    /// It belongs to another shard.
    Skipped,
}

/// Mirrors every entry of `entries` in `shard` into `template` (module docs), `jobs` versions downloaded and scanned at
/// a time; the outcomes come in file order. `opts.target` is ignored (each entry's target comes from the template).
pub async fn mirror_catalogue(
    entries: &[CatalogueEntry],
    template: &TargetTemplate,
    opts: &RunOptions,
    shard: Option<Shard>,
    jobs: usize,
) -> Vec<EntryOutcome> {
    mirror_catalogue_with_progress(entries, template, opts, shard, jobs, None).await
}

/// What [`mirror_catalogue_with_progress`] reports while it runs (a terminal display draws from these).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogueEvent {
    /// The entries this run mirrors (this shard's), before any starts.
    Planned {
        /// How many.
        entries: usize,
    },
    /// An entry starts.
    Started {
        /// Its line.
        line: usize,
        /// The source as written.
        source: String,
    },
    /// An entry is done (mirrored or failed).
    Finished {
        /// Its line.
        line: usize,
        /// The source as written.
        source: String,
        /// How it went.
        status: EntryStatus,
        /// Bytes it wrote.
        bytes: u64,
    },
}

/// Receives [`CatalogueEvent`]s.
pub type CatalogueEventFn = std::sync::Arc<dyn Fn(&CatalogueEvent) + Send + Sync>;

/// [`mirror_catalogue`], reporting each entry's start and end to `events` (other shards' entries are not reported).
pub async fn mirror_catalogue_with_progress(
    entries: &[CatalogueEntry],
    template: &TargetTemplate,
    opts: &RunOptions,
    shard: Option<Shard>,
    jobs: usize,
    events: Option<CatalogueEventFn>,
) -> Vec<EntryOutcome> {
    let emit = |e: CatalogueEvent| {
        if let Some(f) = &events {
            f(&e);
        }
    };
    emit(CatalogueEvent::Planned {
        entries: entries
            .iter()
            .filter(|e| shard.is_none_or(|s| s.contains(&e.shard_key())))
            .count(),
    });
    let emit = &emit;
    // Every entry's stores share one client per registry host and repository (pings, credentials, tokens) and one
    // connection pool per host, unless the caller brought a pool of its own.
    let mut shared = opts.clone();
    shared.client.pool.get_or_insert_with(Default::default);
    // `jobs` versions are downloaded and scanned at once across the whole run; a version being published (uploads,
    // fallback-tag settle delays) holds no slot, so more entries than slots are in flight ([`ENTRIES_PER_JOB`]) and
    // the slots stay busy while earlier versions wait on the registry.
    let jobs = jobs.max(1);
    shared
        .version_slots
        .get_or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(jobs)));
    let opts = &shared;
    let run_one = |entry: &CatalogueEntry| {
        let entry = entry.clone();
        async move {
            let started = Instant::now();
            let mut out = EntryOutcome {
                line: entry.line,
                source: entry.text.clone(),
                target: String::new(),
                status: EntryStatus::Skipped,
                error: None,
                counts: VersionCounts::default(),
                versions: Vec::new(),
                failed_versions: Vec::new(),
                bytes: 0,
                seconds: 0.0,
            };
            if shard.is_some_and(|s| !s.contains(&entry.shard_key())) {
                return out;
            }
            emit(CatalogueEvent::Started {
                line: entry.line,
                source: entry.text.clone(),
            });
            let result = async {
                let target = template.target_for(&entry)?;
                Ok::<_, MirrorError>(target)
            }
            .await;
            let result = match result {
                Ok(target) => {
                    out.target = target.to_string();
                    let mut entry_opts = opts.clone();
                    entry_opts.target = target;
                    if entry_opts.provider.is_none() {
                        entry_opts.provider = entry.address().cloned();
                    }
                    mirror_source_versions(&entry.source, &entry_opts).await
                }
                Err(e) => Err(e),
            };
            // The versions that landed are reported even when another version of the entry failed.
            let (versions, failed, whole) = match result {
                Ok((v, f)) => (v, f, None),
                Err(e) => (Vec::new(), Vec::new(), Some(e)),
            };
            out.bytes = versions.iter().map(|v| v.copied.bytes).sum();
            let present = versions.iter().filter(|v| v.already_present).count();
            out.counts = VersionCounts {
                found: versions.len() + failed.len(),
                mirrored: versions.len() - present,
                present,
                failed: failed.len(),
            };
            out.versions = versions;
            out.failed_versions = failed.iter().map(FailedVersionOutcome::from).collect();
            // The entry's error: what stopped it as a whole, else its first failed version's.
            match whole.or_else(|| failed.into_iter().next().map(|f| f.error)) {
                None => out.status = EntryStatus::Mirrored,
                Some(e) => {
                    out.status = EntryStatus::Failed;
                    out.error = Some(e.to_string());
                }
            }
            out.seconds = started.elapsed().as_secs_f64();
            emit(CatalogueEvent::Finished {
                line: out.line,
                source: out.source.clone(),
                status: out.status,
                bytes: out.bytes,
            });
            out
        }
    };
    let mut outcomes: Vec<EntryOutcome> = stream::iter(entries.iter().map(run_one))
        .buffer_unordered(jobs.saturating_mul(ENTRIES_PER_JOB))
        .collect()
        .await;
    outcomes.sort_by_key(|o| o.line);
    outcomes
}

/// Checks up front what makes a whole catalogue run pointless: more than one entry into a target without `${type}`.
pub fn check_catalogue(entries: &[CatalogueEntry], template: &TargetTemplate) -> Result<()> {
    if entries.len() > 1 && !template.as_str().contains("${type}") {
        return Err(MirrorError::BadTargetTemplate {
            target: template.as_str().to_owned(),
            reason: format!(
                "{} sources would all land in one repository; put ${{type}} (and ${{namespace}}) in the target, as in \
                 registry.internal/providers/${{namespace}}/${{type}}",
                entries.len()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_grammar_is_mirrors_with_comments_and_line_numbers() {
        let text = "# providers we run\n\nhashicorp/aws@~> 5.0   # pinned major\n  registry.example/acme/dns\n\
                    oci:registry.example/mirror/tls\n";
        let e = parse_catalogue(text, "cat.txt").unwrap();
        assert_eq!(
            e.iter()
                .map(|e| (e.line, e.text.as_str(), e.shard_key()))
                .collect::<Vec<_>>(),
            vec![
                (
                    3,
                    "hashicorp/aws@~> 5.0",
                    "registry.opentofu.org/hashicorp/aws".to_owned()
                ),
                (
                    4,
                    "registry.example/acme/dns",
                    "registry.example/acme/dns".to_owned()
                ),
                (
                    5,
                    "oci:registry.example/mirror/tls",
                    "oci:registry.example/mirror/tls".to_owned()
                ),
            ]
        );
        assert_eq!(
            parse_catalogue("ok/one\nhashicorp/aws@\n", "cat.txt")
                .unwrap_err()
                .to_string(),
            "cat.txt line 2: invalid provider source \"hashicorp/aws@\": nothing after '@' (expected a version or a \
             constraint such as \"~> 5.0\")"
        );
        assert_eq!(
            parse_catalogue("# nothing\n\n", "cat.txt")
                .unwrap_err()
                .to_string(),
            "cat.txt: it lists no source (only blank lines and # comments)"
        );
    }

    #[test]
    fn templates_fill_opentofus_placeholders() {
        let e = parse_catalogue("hashicorp/aws\noci:localhost:5000/x/y\n", "f").unwrap();
        let t = TargetTemplate::parse("registry.internal/p/${namespace}/${type}").unwrap();
        assert_eq!(
            t.target_for(&e[0]).unwrap().to_string(),
            "registry.internal/p/hashicorp/aws"
        );
        assert_eq!(
            t.target_for(&e[1]).unwrap_err().to_string(),
            "invalid target template \"registry.internal/p/${namespace}/${type}\": line 2: oci:localhost:5000/x/y \
             names no provider address to fill the placeholders from; mirror it with its own `mirror SOURCE TARGET` \
             (and --provider)"
        );
        let t = TargetTemplate::parse("oci-layout:/usb/${hostname}/${namespace}/${type}").unwrap();
        assert_eq!(
            t.target_for(&e[0]).unwrap().to_string(),
            "oci-layout:/usb/registry.opentofu.org/hashicorp/aws"
        );
        assert_eq!(
            TargetTemplate::parse("r/${name}").unwrap_err().to_string(),
            "invalid target template \"r/${name}\": unknown placeholder at \"${name}\"; the placeholders are \
             ${hostname}, ${namespace}, ${type}"
        );
        assert!(check_catalogue(&e, &TargetTemplate::parse("r/${namespace}").unwrap()).is_err());
        assert!(check_catalogue(&e[..1], &TargetTemplate::parse("r/x").unwrap()).is_ok());
    }

    #[test]
    fn shards_are_disjoint_stable_and_cover_everything() {
        let keys: Vec<String> = (0..200)
            .map(|i| format!("registry.example/ns{i}/t{i}"))
            .collect();
        let n = 4;
        let mut counts = vec![0; n as usize];
        for k in &keys {
            let owners: Vec<u32> = (1..=n)
                .filter(|i| {
                    Shard {
                        index: *i,
                        count: n,
                    }
                    .contains(k)
                })
                .collect();
            assert_eq!(owners.len(), 1, "{k}");
            counts[(owners[0] - 1) as usize] += 1;
        }
        assert!(counts.iter().all(|c| *c > 20), "{counts:?}");
        // Stable: a fixed key always lands in the same shard (this value is part of the documented recipe).
        assert!(Shard { index: 1, count: 1 }.contains("anything"));
        let aws = "registry.opentofu.org/hashicorp/aws";
        let owner = (1..=4)
            .find(|i| {
                Shard {
                    index: *i,
                    count: 4,
                }
                .contains(aws)
            })
            .unwrap();
        let digest = Sha256::digest(aws.as_bytes());
        let expected = u64::from_be_bytes(digest[..8].try_into().unwrap()) % 4 + 1;
        assert_eq!(u64::from(owner), expected);
        assert_eq!(
            Shard::parse("0/4").unwrap_err().to_string(),
            "invalid --shard \"0/4\": expected 1 ≤ I ≤ N"
        );
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
    }

    /// What a terminal display draws from: the shard's entry count first, then a start and an end per entry of the
    /// shard (other shards' entries are not reported), each end with the entry's status and bytes as its outcome
    /// has them. The entries fail before any network access (a source without a provider address into a template
    /// with placeholders).
    #[test]
    fn progress_events_report_the_shard_entries_in_order() {
        use crate::generate::{SbomOptions, TimestampPolicy};
        use crate::inventory::ToolInfo;
        use std::sync::{Arc, Mutex};

        let text: String = (1..=6)
            .map(|i| format!("oci:registry.example/mirror/tls{i}\n"))
            .collect();
        let entries = parse_catalogue(&text, "cat.txt").unwrap();
        let shard = Shard::parse("1/2").unwrap();
        let mine: Vec<usize> = entries
            .iter()
            .filter(|e| shard.contains(&e.shard_key()))
            .map(|e| e.line)
            .collect();
        assert!(!mine.is_empty() && mine.len() < 6, "{mine:?}");
        let template = TargetTemplate::parse("oci-layout:/nonexistent/${type}").unwrap();
        let work = tempfile::tempdir().unwrap();
        let opts = RunOptions {
            target: Target::parse("oci-layout:/nonexistent").unwrap(),
            client: crate::registry::client::ClientOptions::default(),
            limits: crate::limits::Limits::default(),
            formats: Vec::new(),
            sbom: SbomOptions {
                address: None,
                supplier: None,
                authors: Vec::new(),
                timestamp: TimestampPolicy::NewestZipEntry,
                tool: ToolInfo::default(),
                release_signature: None,
                licenses: None,
                license_config: None,
            },
            provider: None,
            referrers_mode: crate::registry::referrers::ReferrersMode::Auto,
            dry_run: true,
            platforms: Vec::new(),
            all_matching: false,
            allow_unsigned: false,
            add_sboms: false,
            work_dir: work.path().to_owned(),
            progress: super::super::run::RunProgress::default(),
            version_slots: None,
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let events: CatalogueEventFn = Arc::new(move |e: &CatalogueEvent| {
            sink.lock().unwrap().push(e.clone());
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcomes = rt.block_on(mirror_catalogue_with_progress(
            &entries,
            &template,
            &opts,
            Some(shard),
            1,
            Some(events),
        ));
        let mut want = vec![CatalogueEvent::Planned {
            entries: mine.len(),
        }];
        for line in &mine {
            let source = format!("oci:registry.example/mirror/tls{line}");
            let o = outcomes.iter().find(|o| o.line == *line).unwrap();
            assert_eq!((o.status, o.bytes), (EntryStatus::Failed, 0), "{o:?}");
            want.push(CatalogueEvent::Started {
                line: *line,
                source: source.clone(),
            });
            want.push(CatalogueEvent::Finished {
                line: *line,
                source,
                status: EntryStatus::Failed,
                bytes: 0,
            });
        }
        assert_eq!(*seen.lock().unwrap(), want);
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| o.status == EntryStatus::Skipped)
                .count(),
            6 - mine.len()
        );
    }
}
