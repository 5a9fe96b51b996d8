//! `tofu-sbom mirror --from-file FILE TARGET`: a whole catalogue of providers into one target template
//! ([`tofu_sbom::mirror::catalogue`] does the work). Prints one block per entry (text), or one JSON document with
//! every entry's outcome and a summary; appends a Markdown table to `--summary-md`; exits 2 when any entry failed.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use tofu_sbom::mirror::catalogue::{
    self, CatalogueEvent, CatalogueEventFn, EntryOutcome, EntryStatus, Shard, TargetTemplate,
    mirror_catalogue_with_progress,
};

use super::mirror::{MirrorArgs, print_license_warnings, print_version, run_options};
use super::runtime::runtime;
use super::{GlobalArgs, Status, output};

/// The `--json` result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CatalogueJson<'a> {
    from_file: String,
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<String>,
    dry_run: bool,
    summary: Summary,
    entries: &'a [EntryOutcome],
}

/// Counts over the entries.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    entries: usize,
    mirrored: usize,
    failed: usize,
    skipped: usize,
    versions: usize,
    bytes: u64,
}

fn summary(entries: &[EntryOutcome]) -> Summary {
    let mut s = Summary {
        entries: entries.len(),
        ..Summary::default()
    };
    for e in entries {
        match e.status {
            EntryStatus::Mirrored => s.mirrored += 1,
            EntryStatus::Failed => s.failed += 1,
            EntryStatus::Skipped => s.skipped += 1,
        }
        s.versions += e.versions.len();
        s.bytes += e.bytes;
    }
    s
}

/// `file` is the `--from-file` catalogue, or with `config` the `--from-config` directory.
pub(crate) fn run(
    global: &GlobalArgs,
    args: &MirrorArgs,
    file: &Path,
    config: bool,
) -> anyhow::Result<Status> {
    anyhow::ensure!(
        args.target.is_none(),
        "with --from-file or --from-config, give only the TARGET (the sources come from {})",
        file.display()
    );
    let entries = if config {
        tofu_sbom::mirror::tf_config::catalogue_from_config(file)?
    } else {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the catalogue {}", file.display()))?;
        catalogue::parse_catalogue(&text, &file.display().to_string())?
    };
    let template = TargetTemplate::parse(&args.source)?;
    catalogue::check_catalogue(&entries, &template)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    // The run options of the first entry; each entry gets its own target and source.
    let first_target = template.target_for(&entries[0]).or_else(|_| {
        tofu_sbom::registry::reference::Target::parse("oci-layout:.").map_err(anyhow::Error::from)
    })?;
    let mut opts = run_options(global, args, first_target, &entries[0].source)?;
    let events = catalogue_progress(global, args.json);
    if events.is_some() {
        // One display for the whole catalogue instead of one bar per version of every entry in flight.
        opts.progress.download = None;
        opts.progress.copy = None;
        opts.progress.push = None;
    }
    let rt = runtime()?;
    let outcomes = rt.block_on(mirror_catalogue_with_progress(
        &entries,
        &template,
        &opts,
        shard,
        usize::from(args.jobs),
        events,
    ));
    let totals = summary(&outcomes);
    for v in outcomes.iter().flat_map(|e| &e.versions) {
        print_license_warnings(global, v);
    }
    if args.json {
        output::print_json(&CatalogueJson {
            from_file: file.display().to_string(),
            target: template.as_str(),
            shard: args.shard.clone(),
            dry_run: args.dry_run,
            summary: totals,
            entries: &outcomes,
        })?;
    } else {
        for e in &outcomes {
            print_entry(e, &opts.client.ca_files);
        }
        println!(
            "catalogue {}: {} mirrored, {} failed, {} in other shards ({} versions, {} bytes written)",
            file.display(),
            totals.mirrored,
            totals.failed,
            totals.skipped,
            totals.versions,
            totals.bytes
        );
    }
    if let Some(md) = &args.summary_md {
        append_markdown(md, file, template.as_str(), &outcomes)?;
    }
    Ok(
        if outcomes.iter().any(|e| e.status == EntryStatus::Failed) {
            Status::Error
        } else {
            Status::Success
        },
    )
}

/// The catalogue's progress display on a terminal: entries done of this run's total, bytes written by the finished
/// entries, failures, and the entries in flight. Nothing with `-q`, `--json`, in CI or when stderr is not a terminal
/// (the printed output is the same either way: the display is drawn on stderr and cleared at the end).
fn catalogue_progress(global: &GlobalArgs, json: bool) -> Option<CatalogueEventFn> {
    if json || !output::show_progress(global) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} entries {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let state = std::sync::Mutex::new(ProgressState::default());
    Some(std::sync::Arc::new(move |e: &CatalogueEvent| {
        let mut st = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match e {
            CatalogueEvent::Planned { entries } => bar.set_length(*entries as u64),
            CatalogueEvent::Started { source, .. } => st.running.push(source.clone()),
            CatalogueEvent::Finished {
                source,
                status,
                bytes,
                ..
            } => {
                if let Some(i) = st.running.iter().position(|r| r == source) {
                    st.running.remove(i);
                }
                st.bytes += bytes;
                st.failed += usize::from(*status == EntryStatus::Failed);
                bar.inc(1);
            }
            _ => {}
        }
        bar.set_message(st.message());
        if bar.length() == Some(bar.position()) {
            bar.finish_and_clear();
        }
    }))
}

/// What the catalogue display shows besides the counts.
#[derive(Default)]
struct ProgressState {
    running: Vec<String>,
    bytes: u64,
    failed: usize,
}

impl ProgressState {
    fn message(&self) -> String {
        let failed = if self.failed > 0 {
            format!(", {} failed", self.failed)
        } else {
            String::new()
        };
        format!(
            "· {}{failed} · now: {}",
            indicatif::HumanBytes(self.bytes),
            self.running.join(", ")
        )
    }
}

fn print_entry(e: &EntryOutcome, ca_files: &[std::path::PathBuf]) {
    match e.status {
        EntryStatus::Skipped => println!("== line {}: {} (another shard's)", e.line, e.source),
        EntryStatus::Failed => {
            println!(
                "== line {}: {} → {} FAILED: {}",
                e.line,
                e.source,
                if e.target.is_empty() { "?" } else { &e.target },
                e.error.as_deref().unwrap_or("")
            );
            // Its other failed versions (the first is the error above), then the versions that did land.
            for f in e.failed_versions.iter().skip(1) {
                println!("   also failed: {}: {}", f.version, f.error);
            }
            for v in &e.versions {
                print_version(v, ca_files);
            }
        }
        EntryStatus::Mirrored => {
            println!("== line {}: {} → {}", e.line, e.source, e.target);
            for v in &e.versions {
                print_version(v, ca_files);
            }
        }
    }
}

/// Appends the run as a Markdown table (one row per entry) to `path`.
fn append_markdown(
    path: &Path,
    file: &Path,
    template: &str,
    outcomes: &[EntryOutcome],
) -> anyhow::Result<()> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut md = format!(
        "### tofu-sbom mirror --from-file `{}` → `{}`\n\n| line | source | target | status | versions | bytes | seconds |\n|---|---|---|---|---|---|---|\n",
        cell(&file.display().to_string()),
        cell(template)
    );
    for e in outcomes {
        let status = match e.status {
            EntryStatus::Mirrored => "mirrored".to_owned(),
            EntryStatus::Skipped => "other shard".to_owned(),
            EntryStatus::Failed => {
                format!("**failed**: {}", cell(e.error.as_deref().unwrap_or("")))
            }
        };
        // Each version that landed (`(present)`: already there), then each that failed.
        let versions: Vec<String> = e
            .versions
            .iter()
            .map(|v| {
                if v.already_present {
                    format!("{} (present)", v.version)
                } else {
                    v.version.clone()
                }
            })
            .chain(
                e.failed_versions
                    .iter()
                    .map(|f| format!("**{} failed**", f.version)),
            )
            .collect();
        md.push_str(&format!(
            "| {} | `{}` | `{}` | {status} | {} | {} | {:.1} |\n",
            e.line,
            cell(&e.source),
            cell(&e.target),
            versions.join(", "),
            e.bytes,
            e.seconds
        ));
    }
    md.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {} (--summary-md)", path.display()))?;
    f.write_all(md.as_bytes())
        .with_context(|| format!("writing {} (--summary-md)", path.display()))
}
