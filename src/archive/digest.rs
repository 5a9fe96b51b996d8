//! Digests: SHA-256/SHA-512 and the OmniBOR Artifact ID of ZIP files and binaries, and the two lock-file hash schemes.
//!
//! - OmniBOR Artifact ID (`gitoid:blob:sha256:<hex>`, IANA URI scheme `gitoid`): the id git gives the file as a blob
//!   in a SHA-256 repository (`git hash-object` after `git init --object-format=sha256`), i.e.
//!   `sha256("blob " + decimal byte length + "\0" + content)` — [`Digests::gitoid`]. The CISA 2025 software identifier
//!   of the provider ZIP and of its executable, which have no purl (SPEC §4.4). The length is part of the hashed
//!   prefix, so it is computed in the same pass as the other digests only because every caller knows the length up
//!   front (the ZIP's file size; an entry's declared size, which the stream checks).
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

/// SHA-256, SHA-512 and the OmniBOR Artifact ID of one byte stream (a ZIP file, or a binary inside one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// SHA-256.
    pub sha256: [u8; 32],
    /// SHA-512.
    pub sha512: [u8; 64],
    /// SHA-256 of the git blob object (`"blob <len>\0"` + content): the hex part of [`Self::gitoid`].
    pub gitoid_sha256: [u8; 32],
}

impl Digests {
    /// Computes every digest of an in-memory buffer.
    pub fn of(bytes: &[u8]) -> Self {
        let mut h = DigestsHasher::new(bytes.len() as u64);
        h.update(bytes);
        h.finish()
    }

    /// Lowercase hex of the git blob object's SHA-256 (`git hash-object` in a SHA-256 repository).
    pub fn gitoid_hex(&self) -> String {
        hex::encode(self.gitoid_sha256)
    }

    /// The OmniBOR Artifact ID: `gitoid:blob:sha256:<hex>`.
    pub fn gitoid(&self) -> String {
        format!("{GITOID_BLOB_SHA256}{}", self.gitoid_hex())
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

/// The prefix of an OmniBOR Artifact ID of a file (a git blob) in SHA-256.
pub const GITOID_BLOB_SHA256: &str = "gitoid:blob:sha256:";

/// Incremental SHA-256 + SHA-512 + gitoid of a stream whose length is known up front: each buffer is fed once to
/// each state (three hash updates, no second read; `sha2` uses the CPU's SHA extensions where it has them).
#[derive(Debug, Clone)]
pub(crate) struct DigestsHasher {
    sha256: Sha256,
    sha512: Sha512,
    gitoid: Sha256,
    len: u64,
    fed: u64,
}

impl DigestsHasher {
    /// A hasher for a stream of exactly `len` bytes (the gitoid hashes the length before the content).
    pub(crate) fn new(len: u64) -> Self {
        let mut gitoid = Sha256::new();
        gitoid.update(format!("blob {len}\0").as_bytes());
        Self {
            sha256: Sha256::new(),
            sha512: Sha512::new(),
            gitoid,
            len,
            fed: 0,
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha512.update(bytes);
        self.gitoid.update(bytes);
        self.fed += bytes.len() as u64;
    }

    /// The digests. Panics when the bytes fed differ from the length given to [`Self::new`]: every caller feeds a
    /// stream whose length it has checked (a file read to its size, an entry whose inflated size was verified), so
    /// a mismatch is a bug here, and the gitoid would silently name another file.
    pub(crate) fn finish(self) -> Digests {
        assert_eq!(
            self.fed, self.len,
            "DigestsHasher fed {} bytes, announced {}",
            self.fed, self.len
        );
        Digests {
            sha256: self.sha256.finalize().into(),
            sha512: self.sha512.finalize().into(),
            gitoid_sha256: self.gitoid.finalize().into(),
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
        // git's empty blob in a SHA-256 repository (`git hash-object --stdin </dev/null`, the well-known
        // `EMPTY_BLOB_SHA256` of git's hash.h).
        assert_eq!(
            d.gitoid(),
            "gitoid:blob:sha256:473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"
        );
    }

    #[test]
    fn the_gitoid_hashes_the_length_announced_up_front_in_one_pass() {
        let mut h = DigestsHasher::new(11);
        h.update(b"hello ");
        h.update(b"world");
        // `printf 'hello world' | git hash-object --stdin` in a `git init --object-format=sha256` repository.
        assert_eq!(
            h.finish().gitoid_hex(),
            "fee53a18d32820613c0527aa79be5cb30173c823a9b448fa4817767cc84c6f03"
        );
    }

    #[test]
    #[should_panic(expected = "DigestsHasher fed 3 bytes, announced 4")]
    fn a_stream_shorter_than_announced_is_a_bug_not_a_wrong_id() {
        let mut h = DigestsHasher::new(4);
        h.update(b"abc");
        let _ = h.finish();
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
