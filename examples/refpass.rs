//! The reference pass of `scripts/bench` (issue 3, performance): the unavoidable work of `tofu-sbom generate` on a
//! provider release and nothing else, as fast as the same crates (zip, flate2, sha2, rayon) allow.
//!
//! For every ZIP given (or every `*.zip` in a directory given): read the file once into memory, compute its
//! SHA-256 and SHA-512, and — at the same time, on another core — inflate every entry through the `zip` crate
//! (CRC-checked) and compute SHA-256 and SHA-512 of each entry's bytes. Every buffer is fed once to each
//! algorithm. ZIPs run in parallel on all cores (rayon).
//!
//! It prints one line per ZIP (entries, inflated bytes, the ZIP's SHA-256) so the work cannot be optimised away and
//! can be checked against `sha256sum`. Not a test and not part of the library: `cargo run --release --example
//! refpass -- DIR_OR_ZIPS...`.

use std::io::{Cursor, Read as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use sha2::{Digest as _, Sha256, Sha512};

/// What the pass computed for one ZIP.
struct ZipResult {
    path: PathBuf,
    sha256: [u8; 32],
    entries: usize,
    inflated: u64,
    /// XOR of the first bytes of every entry digest: depends on every digest computed.
    fold: u8,
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        eprintln!("usage: refpass DIR|ZIP...");
        return ExitCode::from(2);
    }
    let mut zips = Vec::new();
    for a in &args {
        if a.is_dir() {
            match list_zips(a) {
                Ok(mut z) => zips.append(&mut z),
                Err(e) => {
                    eprintln!("refpass: {}: {e}", a.display());
                    return ExitCode::from(2);
                }
            }
        } else {
            zips.push(a.clone());
        }
    }
    let results: Result<Vec<ZipResult>, String> = zips.par_iter().map(|p| pass(p)).collect();
    match results {
        Ok(results) => {
            for r in results {
                println!(
                    "{}  {} entries, {} bytes inflated, fold {:02x}  {}",
                    hex::encode(r.sha256),
                    r.entries,
                    r.inflated,
                    r.fold,
                    r.path.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("refpass: {e}");
            ExitCode::from(2)
        }
    }
}

fn list_zips(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "zip") && p.is_file() {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// One ZIP: one read, then the file digests and the entries' inflate+digests in parallel.
fn pass(path: &Path) -> Result<ZipResult, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (file, entries) = rayon::join(
        || {
            let mut h256 = Sha256::new();
            let mut h512 = Sha512::new();
            h256.update(&bytes);
            h512.update(&bytes);
            (h256.finalize(), h512.finalize())
        },
        || inflate_all(&bytes),
    );
    let (entries, inflated, fold) = entries.map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(ZipResult {
        path: path.to_path_buf(),
        sha256: file.0.into(),
        entries,
        inflated,
        fold: fold ^ file.1[0],
    })
}

/// Inflates every entry once, hashing the bytes with SHA-256 and SHA-512 as they come.
fn inflate_all(bytes: &[u8]) -> Result<(usize, u64, u8), zip::result::ZipError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut inflated = 0u64;
    let mut fold = 0u8;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let mut h256 = Sha256::new();
        let mut h512 = Sha512::new();
        loop {
            let n = entry.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h256.update(&buf[..n]);
            h512.update(&buf[..n]);
            inflated += n as u64;
        }
        fold ^= h256.finalize()[0] ^ h512.finalize()[0];
    }
    Ok((archive.len(), inflated, fold))
}
