//! Reading one Go module ZIP (untrusted: any proxy may serve it) from a file, never whole in memory: one sequential
//! read for the SHA-256 and SHA-512 of the ZIP bytes, then one pass over its entries for Go's `dirhash.Hash1` over its files (the `h1:` that `go.sum` and the build info record:
//! SHA-256 of each file, lines `<hex>  <name>\n` sorted by name, names as in the ZIP, `path@version/…`; the same
//! [`crate::archive::hash1`] the provider ZIPs use), and the root-level licence files (pkg.go.dev's list, below).
//!
//! Limits ([`ModuleZipLimits`], documented defaults from Go's `golang.org/x/mod/zip` and pkgsite): a ZIP above
//! 500 MiB, more than 100 000 entries, more than 500 MiB inflated, or an entry inflating past its declared size is
//! refused; a licence file larger than 10 MB (pkgsite `maxLicenseSize`) is treated as unreadable (unknown licence).

use std::fs::File;
use std::io::{Read, Seek as _, SeekFrom};
use std::path::Path;

use sha2::{Digest as _, Sha256, Sha512};

use crate::archive::{FileHash, hash1};

/// pkg.go.dev's licence file names (golang/pkgsite `internal/licenses/licenses.go`, `FileNames`), compared without
/// regard to case; only files directly in the module root count (pkgsite `RootFiles`, the module's licence).
pub const LICENSE_FILE_NAMES: &[&str] = &[
    "COPYING",
    "COPYING.md",
    "COPYING.markdown",
    "COPYING.txt",
    "LICENCE",
    "LICENCE.md",
    "LICENCE.markdown",
    "LICENCE.txt",
    "LICENSE",
    "LICENSE.md",
    "LICENSE.markdown",
    "LICENSE.txt",
    "LICENSE-2.0.txt",
    "LICENCE-2.0.txt",
    "LICENSE-APACHE",
    "LICENCE-APACHE",
    "LICENSE-APACHE-2.0.txt",
    "LICENCE-APACHE-2.0.txt",
    "LICENSE-MIT",
    "LICENCE-MIT",
    "LICENSE.MIT",
    "LICENCE.MIT",
    "LICENSE.code",
    "LICENCE.code",
    "LICENSE.docs",
    "LICENCE.docs",
    "LICENSE.rst",
    "LICENCE.rst",
    "MIT-LICENSE",
    "MIT-LICENCE",
    "MIT-LICENSE.md",
    "MIT-LICENCE.md",
    "MIT-LICENSE.markdown",
    "MIT-LICENCE.markdown",
    "MIT-LICENSE.txt",
    "MIT-LICENCE.txt",
    "MIT_LICENSE",
    "MIT_LICENCE",
    "UNLICENSE",
    "UNLICENCE",
];

/// Limits for reading a module ZIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleZipLimits {
    /// Maximum ZIP size in bytes (Go `modzip.MaxZipFile`, 500 MiB).
    pub max_zip_size: u64,
    /// Maximum number of entries.
    pub max_entries: u64,
    /// Maximum total inflated size in bytes (Go limits the module's files to 500 MiB as well).
    pub max_total_inflated: u64,
    /// Maximum size of one licence file read, in bytes (pkgsite `maxLicenseSize`, 10 MB).
    pub max_license_file: u64,
}

impl Default for ModuleZipLimits {
    fn default() -> Self {
        Self {
            max_zip_size: 500 << 20,
            max_entries: 100_000,
            max_total_inflated: 500 << 20,
            max_license_file: 10_000_000,
        }
    }
}

/// What one pass over a module ZIP found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipFacts {
    /// SHA-256 of the ZIP bytes, hex.
    pub sha256: String,
    /// SHA-512 of the ZIP bytes, hex.
    pub sha512: String,
    /// `h1:` over its files.
    pub h1: String,
    /// Root licence files: (file name as in the module, text), sorted by name; a file too large to read has `None`.
    pub license_files: Vec<(String, Option<String>)>,
}

/// Hashes the whole file (SHA-256, SHA-512) in one streaming read.
fn file_digests(file: &mut File, limit: u64) -> std::io::Result<(String, String, u64)> {
    let mut s256 = Sha256::new();
    let mut s512 = Sha512::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(std::io::Error::other(format!(
                "larger than the limit of {limit} bytes"
            )));
        }
        s256.update(&buf[..n]);
        s512.update(&buf[..n]);
    }
    Ok((
        hex::encode(s256.finalize()),
        hex::encode(s512.finalize()),
        total,
    ))
}

/// Reads the ZIP at `path`, which must hold `module@version/…`. The error is a sentence without the path.
pub fn read(
    path: &Path,
    module: &str,
    version: &str,
    limits: &ModuleZipLimits,
) -> Result<ZipFacts, String> {
    let mut file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let (sha256, sha512, _) =
        file_digests(&mut file, limits.max_zip_size).map_err(|e| format!("cannot read: {e}"))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("not a ZIP: {e}"))?;
    if zip.len() as u64 > limits.max_entries {
        return Err(format!(
            "{} entries, more than the limit of {}",
            zip.len(),
            limits.max_entries
        ));
    }
    let root = format!("{module}@{version}/");
    let mut files = Vec::with_capacity(zip.len());
    let mut license_files = Vec::new();
    let mut inflated = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| format!("entry {i}: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| format!("entry {i}: name: {e}"))?
            .into_owned();
        if name.contains('\n') {
            return Err(format!("entry name {name:?} contains a newline"));
        }
        let declared = entry.size();
        inflated = inflated.saturating_add(declared);
        if inflated > limits.max_total_inflated {
            return Err(format!(
                "inflates to more than the limit of {} bytes",
                limits.max_total_inflated
            ));
        }
        let is_license = name.strip_prefix(&root).is_some_and(|rest| {
            !rest.contains('/')
                && LICENSE_FILE_NAMES
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(rest))
        });
        let keep = is_license && declared <= limits.max_license_file;
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        let mut read = 0u64;
        let mut reader = (&mut entry).take(declared.saturating_add(1));
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| format!("entry {name}: {e}"))?;
            if n == 0 {
                break;
            }
            read += n as u64;
            if read > declared {
                return Err(format!(
                    "entry {name} inflates past its declared size of {declared} bytes"
                ));
            }
            hasher.update(&buf[..n]);
            if keep {
                kept.extend_from_slice(&buf[..n]);
            }
        }
        files.push(FileHash {
            name: name.clone(),
            size: read,
            sha256: hasher.finalize().into(),
        });
        if is_license {
            let rel = name[root.len()..].to_owned();
            license_files.push((
                rel,
                keep.then(|| String::from_utf8_lossy(&kept).into_owned()),
            ));
        }
    }
    license_files.sort();
    Ok(ZipFacts {
        sha256,
        sha512,
        h1: hash1(&files),
        license_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zip_file(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut w = zip::ZipWriter::new(f.reopen().unwrap());
        for (name, bytes) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
        f
    }

    #[test]
    fn root_licence_files_only_and_go_h1() {
        let f = zip_file(&[
            ("example.com/m@v1.0.0/go.mod", b"module example.com/m\n"),
            ("example.com/m@v1.0.0/License.txt", b"MIT text"),
            ("example.com/m@v1.0.0/sub/LICENSE", b"not the module's"),
            ("example.com/m@v1.0.0/NOTICE", b"not a licence file"),
        ]);
        let facts = read(
            f.path(),
            "example.com/m",
            "v1.0.0",
            &ModuleZipLimits::default(),
        )
        .unwrap();
        assert_eq!(
            facts.license_files,
            vec![("License.txt".to_owned(), Some("MIT text".to_owned()))]
        );
        // Hash1 by hand: sha256 of each file, "<hex>  <name>\n" sorted by name, sha256 of that, base64.
        let mut lines: Vec<String> = [
            (
                "example.com/m@v1.0.0/go.mod",
                &b"module example.com/m\n"[..],
            ),
            ("example.com/m@v1.0.0/License.txt", b"MIT text"),
            ("example.com/m@v1.0.0/sub/LICENSE", b"not the module's"),
            ("example.com/m@v1.0.0/NOTICE", b"not a licence file"),
        ]
        .iter()
        .map(|(n, b)| format!("{}  {n}\n", hex::encode(Sha256::digest(b))))
        .collect();
        lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
        use base64::Engine as _;
        let want = format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(lines.concat()))
        );
        assert_eq!(facts.h1, want);
        assert_eq!(
            facts.sha256,
            hex::encode(Sha256::digest(std::fs::read(f.path()).unwrap()))
        );
    }

    #[test]
    fn limits_refuse_large_zips_and_skip_large_licence_files() {
        let f = zip_file(&[
            ("example.com/m@v1.0.0/LICENSE", &[b'x'; 100]),
            ("example.com/m@v1.0.0/a.go", b"package m"),
        ]);
        let small = ModuleZipLimits {
            max_license_file: 99,
            ..ModuleZipLimits::default()
        };
        let facts = read(f.path(), "example.com/m", "v1.0.0", &small).unwrap();
        assert_eq!(facts.license_files, vec![("LICENSE".to_owned(), None)]);
        let one_entry = ModuleZipLimits {
            max_entries: 1,
            ..ModuleZipLimits::default()
        };
        assert_eq!(
            read(f.path(), "example.com/m", "v1.0.0", &one_entry).unwrap_err(),
            "2 entries, more than the limit of 1"
        );
        let tiny = ModuleZipLimits {
            max_zip_size: 10,
            ..ModuleZipLimits::default()
        };
        assert_eq!(
            read(f.path(), "example.com/m", "v1.0.0", &tiny).unwrap_err(),
            "cannot read: larger than the limit of 10 bytes"
        );
    }
}
