//! Licence identification of one licence file's text, with the `spdx` crate's `detection` module (Embark Studios'
//! maintained inlining of askalono: n-gram matching against the SPDX licence list texts it ships in its inline cache;
//! also what cargo-deny and cargo-about use). Rules follow pkg.go.dev (golang/pkgsite `internal/licenses`): an id
//! counts when it matches with a confidence ≥ 90 % (`classifyThreshold`), and the identified texts must cover ≥ 75 %
//! of the file (`coverageThreshold`); otherwise the text is unknown and gets a `LicenseRef-tofu-sbom-<16 hex>` id
//! (the start of the SHA-256 of the text) with the text kept, so no invalid SPDX id is ever written.

use std::sync::OnceLock;

use sha2::{Digest as _, Sha256};
use spdx::detection::scan::{ScanMode, Scanner};
use spdx::detection::{Store, TextData};

use crate::inventory::{License, LicenseText};

/// Minimum match confidence (pkgsite `classifyThreshold` = 90 %).
const CONFIDENCE: f32 = 0.9;
/// Minimum share of the file's lines covered by identified licences (pkgsite `coverageThreshold` = 75 %).
const COVERAGE: f32 = 0.75;

fn store() -> Option<&'static Store> {
    static STORE: OnceLock<Option<Store>> = OnceLock::new();
    STORE.get_or_init(|| Store::load_inline().ok()).as_ref()
}

/// What one licence file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileLicense {
    /// SPDX licence list ids (sorted, unique).
    Ids(Vec<String>),
    /// Not identified: a `LicenseRef-…` with the text.
    Unknown(LicenseText),
}

/// The `LicenseRef-…` of an unidentified text.
pub fn license_ref(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("LicenseRef-tofu-sbom-{}", &hex::encode(digest)[..16])
}

/// Identifies the licence(s) in `text` (the content of the file `file_name`).
pub fn identify(file_name: &str, text: &str) -> FileLicense {
    let unknown = || {
        FileLicense::Unknown(LicenseText {
            id: license_ref(text),
            name: file_name.to_owned(),
            text: text.to_owned(),
        })
    };
    let Some(store) = store() else {
        return unknown();
    };
    let data = TextData::new(text);
    let (start, end) = data.lines_view();
    let total = end.saturating_sub(start).max(1);
    let scanner = Scanner::new(store)
        .confidence_threshold(CONFIDENCE)
        .optimize(true);
    let result = scanner.scan(&data);
    let mut ids: Vec<String> = Vec::new();
    let mut covered = 0usize;
    if let Some(l) = &result.license {
        ids.push(l.name.to_owned());
        covered = total;
    }
    for c in &result.containing {
        ids.push(c.license.name.to_owned());
        covered += c.line_range.1.saturating_sub(c.line_range.0);
    }
    // A file that is not one licence text as a whole: also a top-down scan (askalono's mode "for text files
    // containing multiple licenses"), which finds short licence notices next to full texts that elimination misses
    // (e.g. the Apache-2.0 notice in go-textseg's MIT + Unicode LICENSE, which pkg.go.dev's licensecheck finds).
    if result.license.is_none() && !result.containing.is_empty() {
        let top_down = Scanner::with_scan_mode(store, ScanMode::top_down())
            .confidence_threshold(CONFIDENCE)
            .optimize(true);
        ids.extend(
            top_down
                .scan(&data)
                .containing
                .iter()
                .map(|c| c.license.name.to_owned()),
        );
    }
    ids.retain(|id| spdx::license_id(id).is_some());
    ids.sort();
    ids.dedup();
    if ids.is_empty() || (covered as f32) < COVERAGE * total as f32 {
        return unknown();
    }
    FileLicense::Ids(ids)
}

/// Combines the licence files of a module root as pkgsite does (every file applies: `AND`), ids sorted and unique,
/// `LicenseRef-…`s after them. `None` when there are none.
pub fn combine(files: Vec<FileLicense>) -> Option<License> {
    let mut ids: Vec<String> = Vec::new();
    let mut texts: Vec<LicenseText> = Vec::new();
    for f in files {
        match f {
            FileLicense::Ids(list) => ids.extend(list),
            FileLicense::Unknown(t) => texts.push(t),
        }
    }
    ids.sort();
    ids.dedup();
    texts.sort();
    texts.dedup_by(|a, b| a.id == b.id);
    let mut terms = ids;
    terms.extend(texts.iter().map(|t| t.id.clone()));
    if terms.is_empty() {
        return None;
    }
    Some(License {
        expression: terms.join(" AND "),
        texts,
    })
}

/// Validates an SPDX expression given by the user (`--license`): strict SPDX syntax, licence list ids or
/// `LicenseRef-…`.
pub fn validate_expression(expression: &str) -> Result<String, String> {
    spdx::Expression::parse(expression)
        .map(|_| expression.trim().to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIT: &str = "MIT License\n\nCopyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software and associated documentation files (the \"Software\"), to deal\nin the Software without restriction, including without limitation the rights\nto use, copy, modify, merge, publish, distribute, sublicense, and/or sell\ncopies of the Software, and to permit persons to whom the Software is\nfurnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all\ncopies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\nIMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\nFITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\nAUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\nLIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\nOUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\nSOFTWARE.\n";

    #[test]
    fn identifies_mit_and_refuses_unknown_text() {
        assert_eq!(
            identify("LICENSE", MIT),
            FileLicense::Ids(vec!["MIT".into()])
        );
        let odd = "You may use this only on Tuesdays.\n";
        assert_eq!(
            identify("LICENSE", odd),
            FileLicense::Unknown(LicenseText {
                id: license_ref(odd),
                name: "LICENSE".into(),
                text: odd.into()
            })
        );
        assert!(license_ref(odd).starts_with("LicenseRef-tofu-sbom-"));
        assert_eq!(license_ref(odd).len(), "LicenseRef-tofu-sbom-".len() + 16);
    }

    #[test]
    fn several_files_combine_with_and() {
        let l = combine(vec![
            FileLicense::Ids(vec!["MIT".into()]),
            FileLicense::Ids(vec!["Apache-2.0".into()]),
        ])
        .unwrap();
        assert_eq!(l.expression, "Apache-2.0 AND MIT");
        assert!(combine(Vec::new()).is_none());
        assert!(validate_expression("MPL-2.0 OR (MIT AND Apache-2.0)").is_ok());
        assert!(validate_expression("Not a licence").is_err());
    }
}
