//! The text results of the commands on stdout (info lines go to stderr, only where `-q` is not given).
//!
//! Printing only: each function takes a library result and writes it; the wording is pinned by the CLI tests.

use std::path::PathBuf;

use tofu_sbom::generate::ScannedRelease;
use tofu_sbom::provider::attach::{AttachOutcome, AttachStatus};
use tofu_sbom::provider::push::PushOutcome;
use tofu_sbom::registry::referrers::ReferrersListing;
use tofu_sbom::verify::artifact::{SbomPolicy, Verdict, VerifyReport};
use tofu_sbom::verify::release::Comparison;

use crate::cli::GlobalArgs;

/// The text result of a push.
pub(crate) fn print_push(o: &PushOutcome, ca_files: &[PathBuf]) {
    let verb = if o.dry_run { "would push" } else { "pushed" };
    println!("{verb} {}", o.pinned_reference);
    println!("index     {}", o.index_digest);
    for (platform, p) in &o.platforms {
        println!(
            "{platform:<14}{} (zip {})",
            p.manifest_digest, p.layer_digest
        );
    }
    println!("tags      {}", o.tags.join(", "));
    if o.dry_run {
        // Nothing was uploaded: say what would be, from the plan.
        let new: Vec<_> = o.plan.blobs.iter().filter(|b| !b.exists).collect();
        println!(
            "blobs     {} to upload ({} bytes), {} already present",
            new.len(),
            new.iter().map(|b| b.size).sum::<u64>(),
            o.plan.blobs.len() - new.len()
        );
    } else {
        println!(
            "blobs     {} uploaded ({} bytes), {} already present",
            o.uploaded_blobs, o.uploaded_bytes, o.skipped_blobs
        );
    }
    print_tofurc(o.tofurc.as_deref(), o.tofurc_unusable.as_deref(), ca_files);
}

/// The `.tofurc` part of a push or mirror result: the block, or (a registry OpenTofu cannot reach) why there is none
/// and what to do. With `--ca-file` the block is followed by a comment saying how tofu gets that CA (its CLI
/// configuration has no CA option; Go's TLS reads `SSL_CERT_FILE`).
pub(crate) fn print_tofurc(block: Option<&str>, unusable: Option<&str>, ca_files: &[PathBuf]) {
    if let Some(t) = block {
        println!("\n# .tofurc\n{t}");
        if let Some(ca) = ca_files.first() {
            println!(
                "# tofu has no CA setting: if the registry's certificate needs --ca-file, run tofu with \
                 SSL_CERT_FILE={}",
                ca.display()
            );
        }
    } else if let Some(why) = unusable {
        println!("\n# .tofurc: {why}");
    }
}

/// The text result of one attach.
pub(crate) fn print_attach(global: &GlobalArgs, o: &AttachOutcome) {
    for r in &o.referrers {
        let what = match r.status {
            AttachStatus::Added => "attached",
            AttachStatus::AlreadyPresent => "present ",
        };
        println!(
            "{what} {} {} {} → {}",
            r.digest, r.artifact_type, r.title, o.subject.digest
        );
    }
    if !global.quiet {
        for p in &o.pruned {
            eprintln!(
                "tofu-sbom: info: pruned {} ({})",
                p.referrer.digest, p.referrer.artifact_type
            );
        }
    }
}

/// The summary table: platform, Go version, modules, binary SHA-256.
pub(crate) fn print_table(release: &ScannedRelease) {
    let rows: Vec<[String; 4]> = release
        .platforms
        .iter()
        .map(|p| {
            [
                p.platform.to_string(),
                p.buildinfo.go_version.clone(),
                p.buildinfo.deps.len().to_string(),
                p.binary_digests.sha256_hex(),
            ]
        })
        .collect();
    let header = ["PLATFORM", "GO", "MODULES", "BINARY SHA-256"];
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: [&str; 4]| {
        format!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        )
    };
    println!("{}", line(header));
    for r in &rows {
        println!("{}", line([&r[0], &r[1], &r[2], &r[3]]));
    }
}

/// The text report of `verify`.
pub(crate) fn print_verify(report: &VerifyReport) {
    for t in &report.tags {
        let name = t.tag.as_deref().unwrap_or("(digest)");
        match &t.index_digest {
            Some(d) => println!("{}:{name} → index {d}", report.target),
            None => println!("{}:{name}", report.target),
        }
        for (platform, p) in &t.platforms {
            let mark = if p.ok { "ok" } else { "FAILED" };
            println!("  {platform:<14}{mark:<7}{}", p.manifest_digest);
        }
    }
    if let Some(r) = &report.release {
        println!("release {}", r.release);
        for (subject, checks) in &r.subjects {
            for c in checks {
                let mark = if c.ok { "ok" } else { "FAILED" };
                let how = match c.comparison {
                    Comparison::Identical => "identical bytes",
                    Comparison::Sets => "same components and hashes",
                    Comparison::Missing => "not stored",
                };
                println!("  {subject:<14}{mark:<7}{} ({how})", c.file);
            }
        }
    }
    // The two verdicts, each followed by its findings.
    let install = if report.opentofu_would_install() {
        "yes"
    } else {
        "no"
    };
    println!("OpenTofu would install: {install}");
    for f in report
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Opentofu)
    {
        println!("{f}");
    }
    let policy = match report.sbom_policy() {
        SbomPolicy::Ok => "ok",
        SbomPolicy::Failed => "failed",
        SbomPolicy::Skipped if !report.sboms_checked => "skipped (--no-sboms)",
        SbomPolicy::Skipped => "skipped (not every subject could be read)",
    };
    println!("SBOM policy: {policy}");
    for f in report
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::SbomPolicy)
    {
        println!("{f}");
    }
    println!(
        "{}",
        if report.ok() {
            "verified: OpenTofu would install every platform"
        } else {
            "verification failed"
        }
    );
}

/// The table of `referrers`.
pub(crate) fn print_referrers(listing: &ReferrersListing) {
    println!(
        "ARTIFACT TYPE                    DIGEST                                                                   SIZE  TITLE  CREATED"
    );
    for e in &listing.entries {
        println!(
            "{:<32} {} {:>5}  {}  {}",
            e.artifact_type,
            e.digest,
            e.size,
            e.title.as_deref().unwrap_or("-"),
            e.created.as_deref().unwrap_or("-")
        );
    }
}
