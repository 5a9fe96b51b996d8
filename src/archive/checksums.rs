//! The one `SHA256SUMS` parser: `<64 hex>  <name>` lines as `sha256sum` (and GoReleaser) writes them.
//!
//! Two readings of the same file, because two callers have different duties:
//! * [`parse`] — strict, for a release read from disk (`archive::release`): every non-blank line must be a
//!   `sha256sum` line naming a plain file, and a name listed twice must carry the same digest. Anything else is a
//!   [`ChecksumsError`] naming the 1-based line.
//! * [`parse_like_opentofu`] — lenient, for a release mirrored from a provider registry: read exactly as OpenTofu's
//!   `MatchingChecksumAuthentication` reads it (whitespace-separated fields, first the hex digest then the name, a `*`
//!   binary-mode marker dropped, other lines skipped, the first listing of a name wins), so that the mirror accepts
//!   and refuses what `tofu init` would.
//!
//! Knows nothing of where the file came from (disk, HTTP) nor of its signature; callers attach the file name to errors.

use std::collections::BTreeMap;

/// Why a `SHA256SUMS` file is refused by [`parse`]. The caller adds the file's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChecksumsError {
    /// A non-blank line is not `<64 hex>  <name>` or `<64 hex> *<name>` with a plain file name.
    #[error("line {line} is not \"<sha256 hex>  <file name>\"")]
    Malformed {
        /// 1-based line number.
        line: usize,
    },
    /// A name is listed twice with different digests.
    #[error("line {line} lists {name:?} again with a different digest")]
    Conflicting {
        /// 1-based line number of the second listing.
        line: usize,
        /// The file name listed twice.
        name: String,
    },
}

/// Parses a whole `SHA256SUMS` text strictly (see the module docs): file name → SHA-256, for every line (ZIPs and
/// others). Blank lines are skipped; a `\r` before each `\n` is accepted.
pub fn parse(text: &str) -> Result<BTreeMap<String, [u8; 32]>, ChecksumsError> {
    let mut entries = BTreeMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let (digest, name) = parse_line(line).ok_or(ChecksumsError::Malformed { line: i + 1 })?;
        if let Some(previous) = entries.insert(name.to_owned(), digest)
            && previous != digest
        {
            return Err(ChecksumsError::Conflicting {
                line: i + 1,
                name: name.to_owned(),
            });
        }
    }
    Ok(entries)
}

/// One strict line: `<64 hex>  <name>` (text mode) or `<64 hex> *<name>` (binary mode), as `sha256sum` writes; the
/// name must be non-empty, without `/` or control characters. `None` when the line is anything else.
pub fn parse_line(line: &str) -> Option<([u8; 32], &str)> {
    let hex_part = line.get(..64)?;
    let rest = line.get(64..)?;
    let name = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))?;
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return None;
    }
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut digest).ok()?;
    Some((digest, name))
}

/// `name → SHA-256` from a checksums file, read as OpenTofu's `MatchingChecksumAuthentication` reads it (see the
/// module docs). Never fails: a file that is not UTF-8 lists nothing.
pub fn parse_like_opentofu(bytes: &[u8]) -> BTreeMap<&str, [u8; 32]> {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        if let (Some(hash), Some(name)) = (fields.next(), fields.next())
            && hash.len() == 64
            && let Ok(digest) = hex_digest(hash)
        {
            out.entry(name.strip_prefix('*').unwrap_or(name))
                .or_insert(digest);
        }
    }
    out
}

/// 64 hex digits, either case, as 32 bytes.
fn hex_digest(hash: &str) -> Result<[u8; 32], hex::FromHexError> {
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hash, &mut digest).map(|()| digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_lines() {
        let d = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            parse_line(&format!("{d}  a.zip")).map(|x| x.1),
            Some("a.zip")
        );
        assert_eq!(
            parse_line(&format!("{d} *a.zip")).map(|x| x.1),
            Some("a.zip")
        );
        assert_eq!(parse_line(&format!("{d} a.zip")), None);
        assert_eq!(parse_line(&format!("{d}  ")), None);
        assert_eq!(parse_line(&format!("{d}  dir/a.zip")), None);
        assert_eq!(parse_line("zz  a.zip"), None);
    }

    #[test]
    fn strict_file_names_the_line() {
        let d = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let e = "a".repeat(64);
        let ok = parse(&format!("{d}  a.zip\r\n\n{d} *a.zip\n")).unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(
            parse(&format!("{d}  a.zip\nbad\n")),
            Err(ChecksumsError::Malformed { line: 2 })
        );
        assert_eq!(
            parse(&format!("{d}  a.zip\n{e}  a.zip\n")),
            Err(ChecksumsError::Conflicting {
                line: 2,
                name: "a.zip".into()
            })
        );
    }

    #[test]
    fn sums_parse_like_opentofu() {
        let h = "a".repeat(64);
        let text = format!(
            "{h}  a.zip\n{h} *b.zip\nbad line\n{}  c.zip\n",
            "A".repeat(64)
        );
        let m = parse_like_opentofu(text.as_bytes());
        assert_eq!(m.get("a.zip"), Some(&[0xaa; 32]));
        assert_eq!(m.get("b.zip"), Some(&[0xaa; 32]));
        assert_eq!(m.get("c.zip"), Some(&[0xaa; 32]));
        assert_eq!(m.len(), 3);
    }
}
