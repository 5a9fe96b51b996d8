//! The on-disk result cache: one small JSON file per module version and `h1:`,
//! `DIR/v1/<escaped path>/@v/<escaped version>/<first 32 hex of SHA-256(h1)>.json`, holding the module ZIP's name and
//! digests and the licence found (expression and `LicenseRef-` texts). Keyed by the `h1:` because that is what the
//! binary records and what the ZIP was verified against: a cached answer is exactly as trustworthy as a fresh one,
//! and it is known before any ZIP is fetched (so a warm cache needs no network and no module cache).
//!
//! Default directory ([`default_dir`]): `$TOFU_SBOM_LICENSE_CACHE`, else `$XDG_CACHE_HOME/tofu-sbom/licenses`, else
//! `$HOME/.cache/tofu-sbom/licenses`. Files are written to a temporary name and renamed, so concurrent runs never
//! read half a file; an unreadable or malformed file is a miss.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::ModuleRef;
use crate::inventory::purl::escape_module_case as escape;
use crate::inventory::{License, LicenseText, ModuleLicense, ModuleZip};

/// The default cache directory (module docs); `None` when neither variable nor `HOME` is set.
pub fn default_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("TOFU_SBOM_LICENSE_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("tofu-sbom/licenses")))
        .or_else(|| var("HOME").map(|h| h.join(".cache/tofu-sbom/licenses")))
}

#[derive(Serialize, Deserialize)]
struct Entry {
    module: String,
    version: String,
    h1: String,
    zip: ZipEntry,
    license: Option<LicenseEntry>,
}

#[derive(Serialize, Deserialize)]
struct ZipEntry {
    file_name: String,
    sha256: String,
    sha512: String,
}

#[derive(Serialize, Deserialize)]
struct LicenseEntry {
    expression: String,
    texts: Vec<TextEntry>,
}

#[derive(Serialize, Deserialize)]
struct TextEntry {
    id: String,
    name: String,
    text: String,
}

fn path(dir: &Path, m: &ModuleRef) -> PathBuf {
    let h = hex::encode(Sha256::digest(m.h1.as_bytes()));
    dir.join("v1")
        .join(escape(&m.path))
        .join("@v")
        .join(escape(&m.version))
        .join(format!("{}.json", &h[..32]))
}

/// The cached result for `m`, if any.
pub fn load(dir: &Path, m: &ModuleRef) -> Option<ModuleLicense> {
    let bytes = std::fs::read(path(dir, m)).ok()?;
    let e: Entry = serde_json::from_slice(&bytes).ok()?;
    if e.module != m.path || e.version != m.version || e.h1 != m.h1 {
        return None;
    }
    Some(ModuleLicense {
        license: e.license.map(|l| License {
            expression: l.expression,
            texts: l
                .texts
                .into_iter()
                .map(|t| LicenseText {
                    id: t.id,
                    name: t.name,
                    text: t.text,
                })
                .collect(),
        }),
        zip: Some(ModuleZip {
            file_name: e.zip.file_name,
            sha256: e.zip.sha256,
            sha512: e.zip.sha512,
        }),
    })
}

/// Stores a verified result (one with its ZIP). The error is a sentence naming the file.
pub fn store(dir: &Path, m: &ModuleRef, r: &ModuleLicense) -> Result<(), String> {
    let Some(zip) = &r.zip else { return Ok(()) };
    let entry = Entry {
        module: m.path.clone(),
        version: m.version.clone(),
        h1: m.h1.clone(),
        zip: ZipEntry {
            file_name: zip.file_name.clone(),
            sha256: zip.sha256.clone(),
            sha512: zip.sha512.clone(),
        },
        license: r.license.as_ref().map(|l| LicenseEntry {
            expression: l.expression.clone(),
            texts: l
                .texts
                .iter()
                .map(|t| TextEntry {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    text: t.text.clone(),
                })
                .collect(),
        }),
    };
    let target = path(dir, m);
    let parent = target.parent().unwrap_or(dir);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(parent)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
        serde_json::to_writer(&mut tmp, &entry)?;
        tmp.persist(&target).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| format!("{}: {e}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keyed_by_h1() {
        let dir = tempfile::tempdir().unwrap();
        let m = ModuleRef {
            path: "github.com/BurntSushi/toml".into(),
            version: "v1.2.3".into(),
            h1: "h1:abc=".into(),
        };
        let r = ModuleLicense {
            license: Some(License {
                expression: "MIT AND LicenseRef-tofu-sbom-0011223344556677".into(),
                texts: vec![LicenseText {
                    id: "LicenseRef-tofu-sbom-0011223344556677".into(),
                    name: "COPYING".into(),
                    text: "odd".into(),
                }],
            }),
            zip: Some(ModuleZip {
                file_name: "github.com/!burnt!sushi/toml@v1.2.3.zip".into(),
                sha256: "aa".into(),
                sha512: "bb".into(),
            }),
        };
        assert_eq!(load(dir.path(), &m), None);
        store(dir.path(), &m, &r).unwrap();
        assert_eq!(load(dir.path(), &m), Some(r));
        assert!(
            dir.path()
                .join("v1/github.com/!burnt!sushi/toml/@v/v1.2.3")
                .is_dir()
        );
        let other = ModuleRef {
            h1: "h1:other=".into(),
            ..m
        };
        assert_eq!(load(dir.path(), &other), None);
    }
}
