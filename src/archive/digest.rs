//! Digests: SHA-256/SHA-512 of ZIP files and binaries, and the two lock-file hash schemes.
//!
//! - `zh:` (OpenTofu `HashSchemeZip`): lowercase hex SHA-256 of the `.zip` file bytes — [`Digests::zh`].
//! - `h1:` (OpenTofu `HashScheme1`): Go's `golang.org/x/mod/sumdb/dirhash.Hash1` over the unpacked *files* of the
//!   package, as `dirhash.HashDir(dir, "", Hash1)` computes it after `tofu` unpacked the ZIP — [`hash1`]:
//!
//!   ```text
//!   summary = for each file name, sorted (byte order):  "%x  %s\n" % (sha256(content), name)   (two spaces)
//!   h1      = "h1:" + base64.StdEncoding(sha256(summary))
//!   ```
//!
//!   HashDir walks files only, so ZIP directory entries (`dir/`) are not part of it, unlike `dirhash.HashZip`.
//!
//! `sha2` 0.11 digests have no `{:x}` formatting: [`hex`] encodes them.

use base64::Engine as _;
use sha2::{Digest as _, Sha256, Sha512};

/// SHA-256 and SHA-512 of one byte stream (a ZIP file, or a binary inside one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// SHA-256.
    pub sha256: [u8; 32],
    /// SHA-512.
    pub sha512: [u8; 64],
}

impl Digests {
    /// Computes both digests of an in-memory buffer.
    pub fn of(bytes: &[u8]) -> Self {
        let mut h = DigestsHasher::new();
        h.update(bytes);
        h.finish()
    }

    /// Lowercase hex SHA-256.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    /// Lowercase hex SHA-512.
    pub fn sha512_hex(&self) -> String {
        hex::encode(self.sha512)
    }

    /// The `zh:` lock-file hash, meaningful when these are the digests of a provider `.zip` file.
    pub fn zh(&self) -> String {
        format!("zh:{}", self.sha256_hex())
    }
}

/// Incremental SHA-256 + SHA-512: each buffer is fed once to each algorithm.
#[derive(Debug, Clone, Default)]
pub(crate) struct DigestsHasher {
    sha256: Sha256,
    sha512: Sha512,
}

impl DigestsHasher {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha512.update(bytes);
    }

    pub(crate) fn finish(self) -> Digests {
        Digests {
            sha256: self.sha256.finalize().into(),
            sha512: self.sha512.finalize().into(),
        }
    }
}

/// One file of an unpacked provider package: the input of [`hash1`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileHash {
    /// The path as in the ZIP (`/`-separated, relative).
    pub name: String,
    /// Inflated size in bytes.
    pub size: u64,
    /// SHA-256 of the inflated content.
    pub sha256: [u8; 32],
}

/// Go's `dirhash.Hash1` over `files` (see the module docs); returns `h1:<base64>`.
///
/// `files` need not be sorted. Names containing a newline cannot occur: the ZIP reader refuses them, as `Hash1` does.
pub fn hash1(files: &[FileHash]) -> String {
    let mut sorted: Vec<&FileHash> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut summary = Sha256::new();
    for f in sorted {
        summary.update(hex::encode(f.sha256).as_bytes());
        summary.update(b"  ");
        summary.update(f.name.as_bytes());
        summary.update(b"\n");
    }
    let digest: [u8; 32] = summary.finalize().into();
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_of_empty_input_are_the_well_known_values() {
        let d = Digests::of(b"");
        assert_eq!(
            d.sha256_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            d.sha512_hex(),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        );
        assert_eq!(
            d.zh(),
            "zh:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    /// The value below was computed by hand from the Hash1 definition with coreutils:
    /// `printf '%s  %s\n%s  %s\n' $(printf 'b' | sha256sum | cut -c1-64) a.txt $(printf 'a' | sha256sum | cut -c1-64) b.txt | sha256sum | xxd -r -p | base64`.
    #[test]
    fn hash1_sorts_names_and_uses_two_spaces() {
        let files = [
            FileHash {
                name: "b.txt".into(),
                size: 1,
                sha256: Digests::of(b"a").sha256,
            },
            FileHash {
                name: "a.txt".into(),
                size: 1,
                sha256: Digests::of(b"b").sha256,
            },
        ];
        assert_eq!(
            hash1(&files),
            "h1:p2WfNM6Ys2v9CW4TuHal7y94EiiJ5nZGJE0rJ3x4ABY="
        );
    }
}
