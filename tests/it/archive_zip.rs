//! Provider ZIPs: the hostile fixtures of `testdata/hostile/zip` (made by `make.py` there), each with its exact
//! error, and the streaming reader over real content.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tofu_sbom::archive::{ArchiveError, BinarySelector, Digests, Observe, ProviderZip};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::ReadAt;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/hostile/zip")
        .join(name)
}

fn open(
    name: &str,
    selector: &BinarySelector,
    limits: &Limits,
) -> Result<ProviderZip, ArchiveError> {
    ProviderZip::open(&fixture(name), selector, limits)
}

fn ty(t: &str) -> BinarySelector {
    BinarySelector::ProviderType(t.into())
}

/// Opens and scans (every entry inflated and verified), returning the error message.
fn error_of(name: &str, selector: &BinarySelector, limits: &Limits) -> (ArchiveError, String) {
    let result = open(name, selector, limits).and_then(|zip| zip.scan(|_| ()).map(|_| ()));
    let err = result.expect_err("the fixture must be refused");
    let path = fixture(name).display().to_string();
    let msg = err.to_string().replace(&path, "ZIP");
    (err, msg)
}

fn binary_content(zip: &ProviderZip) -> Vec<u8> {
    let mut reader = zip.binary_reader(Observe::Nothing);
    let mut buf = vec![0u8; usize::try_from(reader.len()).unwrap()];
    reader.read_exact_at(0, &mut buf).unwrap();
    reader.finish().unwrap();
    buf
}

#[test]
fn zip_bomb_is_refused_by_the_ratio_limit_before_inflating() {
    let start = Instant::now();
    let (err, msg) = error_of("bomb.zip", &ty("x"), &Limits::default());
    // 20387 = zipfile.ZipFile("bomb.zip").infolist()[0].compress_size
    assert!(matches!(err, ArchiveError::RatioTooHigh { .. }));
    assert_eq!(
        msg,
        "ZIP: entry \"terraform-provider-x\" inflates 20387 bytes to 20971520 bytes, a ratio above the limit of 200:1"
    );
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn zip_bomb_over_the_entry_size_limit() {
    let limits = Limits {
        max_entry_size: 1 << 20,
        ..Limits::default()
    };
    let (_, msg) = error_of("bomb.zip", &ty("x"), &limits);
    assert_eq!(
        msg,
        "ZIP: entry \"terraform-provider-x\" inflates to 20971520 bytes, more than the limit of 1048576"
    );
    let limits = Limits {
        max_total_inflated: 1 << 20,
        max_compression_ratio: 10_000,
        ..Limits::default()
    };
    let (_, msg) = error_of("bomb.zip", &ty("x"), &limits);
    assert_eq!(
        msg,
        "ZIP: entries inflate to 20971520 bytes in all, more than the limit of 1048576"
    );
}

#[test]
fn zip_bomb_lying_about_its_size_stops_right_after_the_declared_size() {
    let start = Instant::now();
    let (err, msg) = error_of("bomb_lying_size.zip", &ty("x"), &Limits::default());
    assert!(matches!(
        err,
        ArchiveError::EntryOverlong { declared: 1000, .. }
    ));
    assert_eq!(
        msg,
        "ZIP: entry \"terraform-provider-x\": data is longer than the 1000 bytes the central directory declares"
    );
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn unsafe_names_are_refused() {
    let cases = [
        (
            "traversal.zip",
            "ZIP: entry \"../evil\": unsafe name: \"..\" path component",
        ),
        (
            "absolute.zip",
            "ZIP: entry \"/etc/evil\": unsafe name: absolute path",
        ),
        (
            "backslash.zip",
            "ZIP: entry \"..\\\\evil\": unsafe name: backslash in name",
        ),
    ];
    for (name, want) in cases {
        let (err, msg) = error_of(name, &ty("x"), &Limits::default());
        assert!(matches!(err, ArchiveError::UnsafeName { .. }), "{name}");
        assert_eq!(msg, want, "{name}");
    }
}

#[test]
fn local_headers_that_disagree_with_the_central_directory_are_not_trusted() {
    let zip = open("local_header_mismatch.zip", &ty("x"), &Limits::default()).unwrap();
    assert_eq!(zip.entries().len(), 1);
    assert_eq!(zip.binary().name, "terraform-provider-x");
    assert_eq!(zip.binary().size, 1054);
    let want = std::fs::read(fixture("binary.bin")).unwrap();
    assert_eq!(binary_content(&zip), want);
    let scan = zip.scan(|_| ()).unwrap();
    assert_eq!(scan.binary_digests, Digests::of(&want));
}

/// Issue 15 finding 14: a ZIP whose local headers disagree with the central directory (a decoy local header before
/// the listed entry, whose own local header names another file with other sizes) is *read*, the way Go's
/// `archive/zip` — what OpenTofu unpacks providers with — reads it: names, sizes and data from the central directory.
/// The oracle is the real Go toolchain: a ten-line program prints each entry's name, size and SHA-256 as Go sees
/// them, and ours must print the same, in stream mode (`generate`'s path: `scan`) too.
#[test]
fn local_header_disagreements_are_read_as_go_archive_zip_reads_them() {
    use sha2::Digest as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("go.mod"), "module oracle\n\ngo 1.21\n").unwrap();
    std::fs::write(
        dir.path().join("main.go"),
        r#"package main

import (
	"archive/zip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

func main() {
	r, err := zip.OpenReader(os.Args[1])
	if err != nil {
		panic(err)
	}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			panic(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s %d %x\n", f.Name, n, h.Sum(nil))
	}
}
"#,
    )
    .unwrap();
    let path = fixture("local_header_mismatch.zip");
    let out = crate::support::go_command()
        .current_dir(dir.path())
        .args(["run", "."])
        .arg(&path)
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let go = String::from_utf8(out.stdout).unwrap();

    let zip = open("local_header_mismatch.zip", &ty("x"), &Limits::default()).unwrap();
    let bytes = binary_content(&zip);
    let ours: String = zip
        .entries()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}\n",
                e.name,
                bytes.len(),
                hex::encode(sha2::Sha256::digest(&bytes))
            )
        })
        .collect();
    assert_eq!(ours, go);
    assert_eq!(
        go,
        format!(
            "terraform-provider-x 1054 {}\n",
            hex::encode(sha2::Sha256::digest(
                std::fs::read(fixture("binary.bin")).unwrap()
            ))
        )
    );
    // Stream mode (what generate reads) agrees.
    let scan = zip.scan(|_| ()).unwrap();
    assert_eq!(scan.binary_digests, Digests::of(&bytes));
}

#[test]
fn truncated_and_corrupt_archives() {
    let (err, msg) = error_of("truncated.zip", &ty("x"), &Limits::default());
    assert!(matches!(err, ArchiveError::Malformed { .. }));
    assert_eq!(
        msg,
        "ZIP: not a readable ZIP archive: invalid Zip archive: Could not find EOCD"
    );

    let (err, msg) = error_of("corrupt_deflate.zip", &ty("x"), &Limits::default());
    assert!(matches!(err, ArchiveError::CorruptData { offset: 0, .. }));
    assert_eq!(
        msg,
        "ZIP: entry \"terraform-provider-x\": corrupt compressed data after 0 inflated bytes: corrupt deflate stream"
    );

    let (err, msg) = error_of("crc_mismatch.zip", &ty("x"), &Limits::default());
    // actual = zlib.crc32(binary.bin), checked with Python
    assert!(matches!(
        err,
        ArchiveError::ChecksumMismatch {
            declared: 0xdead_beef,
            actual: 0x5115_6ec0,
            ..
        }
    ));
    assert_eq!(
        msg,
        "ZIP: entry \"terraform-provider-x\": CRC-32 mismatch: central directory says deadbeef, data has 51156ec0"
    );

    let (err, msg) = error_of("size_too_small_data.zip", &ty("x"), &Limits::default());
    assert!(matches!(
        err,
        ArchiveError::EntryTruncated {
            declared: 1055,
            actual: 1054,
            ..
        }
    ));
    assert_eq!(
        msg,
        "ZIP: entry \"terraform-provider-x\": data ends after 1054 bytes, the central directory declares 1055"
    );
}

#[test]
fn too_many_entries() {
    let limits = Limits {
        max_zip_entries: 5,
        ..Limits::default()
    };
    let (err, msg) = error_of("many_entries.zip", &ty("x"), &limits);
    assert!(matches!(
        err,
        ArchiveError::TooManyEntries {
            count: 6,
            limit: 5,
            ..
        }
    ));
    assert_eq!(msg, "ZIP: 6 entries, more than the limit of 5");
    let limits = Limits {
        max_zip_entries: 6,
        ..Limits::default()
    };
    assert_eq!(
        open("many_entries.zip", &ty("x"), &limits)
            .unwrap()
            .entries()
            .len(),
        6
    );
    // The end record says 1, the directory walk finds a second header: counted, not trusted.
    let limits = Limits {
        max_zip_entries: 1,
        ..Limits::default()
    };
    let (_, msg) = error_of("hidden_central_header.zip", &ty("x"), &limits);
    assert_eq!(msg, "ZIP: 2 entries, more than the limit of 1");
}

#[test]
fn provider_binary_selection() {
    let (err, msg) = error_of("no_binary.zip", &ty("x"), &Limits::default());
    assert!(matches!(err, ArchiveError::NoProviderBinary { .. }));
    assert_eq!(
        msg,
        "ZIP: no provider binary: no top-level file named terraform-provider-x*"
    );
    let (_, msg) = error_of("no_binary.zip", &BinarySelector::Any, &Limits::default());
    assert_eq!(
        msg,
        "ZIP: no provider binary: no top-level file named terraform-provider-*"
    );

    let (err, msg) = error_of("two_binaries.zip", &BinarySelector::Any, &Limits::default());
    assert!(matches!(err, ArchiveError::AmbiguousBinary { .. }));
    assert_eq!(
        msg,
        "ZIP: several candidate provider binaries: terraform-provider-a_v1, terraform-provider-b"
    );
    // With the type known there is no ambiguity: only one name matches.
    let zip = open("two_binaries.zip", &ty("b"), &Limits::default()).unwrap();
    assert_eq!(zip.binary().name, "terraform-provider-b");

    // OpenTofu takes the first match in name order, not archive order.
    let zip = open("two_versions.zip", &ty("two"), &Limits::default()).unwrap();
    assert_eq!(zip.binary().name, "terraform-provider-two_v1");
    assert_eq!(zip.ignored_candidates(), ["terraform-provider-two_v2"]);
    assert_eq!(&binary_content(&zip)[..2], b"v1");
}

#[test]
fn refused_entry_kinds() {
    let cases: [(&str, &str); 6] = [
        (
            "duplicate.zip",
            "ZIP: duplicate entry \"terraform-provider-x\" (also listed as \"terraform-provider-x\")",
        ),
        (
            "case_duplicate.zip",
            "ZIP: duplicate entry \"readme.MD\" (also listed as \"README.md\")",
        ),
        (
            "encrypted.zip",
            "ZIP: entry \"terraform-provider-x\" is encrypted",
        ),
        (
            "bzip2.zip",
            "ZIP: entry \"terraform-provider-x\" uses unsupported compression method 12",
        ),
        (
            "symlink.zip",
            "ZIP: entry \"terraform-provider-x\" is a symbolic link, not a regular file",
        ),
        (
            "unicode_path.zip",
            "ZIP: ambiguous ZIP layout: entry \"README.md\" is renamed to \"terraform-provider-y\" by a Unicode Path extra field",
        ),
    ];
    for (name, want) in cases {
        let (_, msg) = error_of(name, &ty("x"), &Limits::default());
        assert_eq!(msg, want, "{name}");
    }
}

#[test]
fn layouts_go_and_the_zip_crate_could_read_differently_are_refused() {
    let cases = [
        (
            "prepended.zip",
            "ZIP: ambiguous ZIP layout: 64 bytes of data before the first entry",
        ),
        (
            "trailing.zip",
            "ZIP: ambiguous ZIP layout: data after the end-of-central-directory record",
        ),
        (
            "comment_end_signature.zip",
            "ZIP: ambiguous ZIP layout: a second end-of-central-directory signature after the end record",
        ),
        (
            "hidden_central_header.zip",
            "ZIP: ambiguous ZIP layout: the end record declares 1 entries, the central directory holds 2",
        ),
    ];
    for (name, want) in cases {
        let (err, msg) = error_of(name, &ty("x"), &Limits::default());
        assert!(matches!(err, ArchiveError::Ambiguous { .. }), "{name}");
        assert_eq!(msg, want, "{name}");
    }
}

#[test]
fn zips_and_entry_readers_can_move_to_other_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}
    assert_send_sync::<ProviderZip>();
    assert_send::<tofu_sbom::archive::EntryReader>();
}

#[test]
fn good_zip_entries_and_hashes() {
    let mut zip = open("good.zip", &ty("x"), &Limits::default()).unwrap();
    let names: Vec<(&str, bool, u64)> = zip
        .entries()
        .iter()
        .map(|e| (e.name.as_str(), e.is_dir, e.size))
        .collect();
    assert_eq!(
        names,
        [
            ("terraform-provider-x_v1.0.0", false, 1054),
            ("README.md", false, 23),
            ("docs/", true, 0),
            ("docs/LICENSE", false, 8)
        ]
    );
    // 1980-01-01T00:00:00Z, the MS-DOS epoch written by make.py
    assert_eq!(zip.newest_modification(), Some(315_532_800));
    let bytes = std::fs::read(fixture("good.zip")).unwrap();
    assert_eq!(zip.file_digests().unwrap(), Digests::of(&bytes));
    let scan = zip.scan(|_| ()).unwrap();
    let files: Vec<&str> = scan.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        files,
        ["README.md", "docs/LICENSE", "terraform-provider-x_v1.0.0"]
    );
    assert_eq!(scan.binary_passes, 1);
    // h1: as scripts/h1.py computes it (Python zipfile + a file-system walk; the directory entry is not hashed)
    let out = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/h1.py"))
        .arg(fixture("good.zip"))
        .output()
        .unwrap();
    assert_eq!(scan.h1(), String::from_utf8(out.stdout).unwrap().trim());
    assert_eq!(scan.h1(), "h1:3nBwU7/BecXwnqEocEw7fbUGYIsHiKXZygVyDDbcNWU=");
}
