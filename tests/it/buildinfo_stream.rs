//! Issue 15, findings 1, 2 and 12: the build-info reader gives the same answer whether it reads a binary with
//! positioned reads (`inspect FILE`) or streams it out of a ZIP (`generate`, `publish`, `verify --release`, `inspect
//! ZIP`) — and the answer is Go's. Hostile binaries are built here byte by byte (`support::exe`), plus a real Go
//! binary from the fixture cache with a decoy planted in it (checked against `go version -m`).
//!
//! - decoys: a second blob in a segment whose program header was flipped to writable, before the real one in file
//!   order; the section table (at the end of the file) names the real one;
//! - CPU bombs: ~300,000 writable `PT_LOAD`s through `PN_XNUM` (refused by `max_program_headers`), a thousand
//!   segments mapping the same 16 MiB (searched once; `max_buildinfo_search_bytes` bounds the total);
//! - a universal Mach-O whose slice starts at 0x4000;
//! - segment orders where header order and file order differ.

use crate::support;
use crate::support::cli::{run, tofu_sbom, tofu_sbom_run};
use crate::support::exe::*;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use tofu_sbom::archive::{BinarySelector, ProviderZip};
use tofu_sbom::buildinfo::{self, BuildInfo, Error, ExeFormat};
use tofu_sbom::limits::Limits;

/// "Answers in well under a second": a generous bound for debug builds on a busy 2-core machine.
const QUICK: Duration = Duration::from_secs(5);

fn file_read(bytes: &[u8], limits: &Limits) -> Result<BuildInfo, Error> {
    buildinfo::read(&mut &bytes[..], limits)
}

/// The binary streamed out of a deflated ZIP exactly as `generate` reads it (`ProviderZip::scan`); returns the
/// result and the number of inflation passes.
fn zip_read(bytes: &[u8], limits: &Limits) -> (Result<BuildInfo, Error>, u32) {
    let (r, passes, _) = zip_read_timed(bytes, limits);
    (r, passes)
}

/// [`zip_read`], also returning how long the scan took (writing the ZIP not included).
fn zip_read_timed(bytes: &[u8], limits: &Limits) -> (Result<BuildInfo, Error>, u32, Duration) {
    let zip = zip_deflated("terraform-provider-hostile_v1.0.0", bytes);
    let start = Instant::now();
    let pz = ProviderZip::from_bytes(
        Path::new("hostile.zip"),
        zip,
        &BinarySelector::ProviderType("hostile".into()),
        limits,
    )
    .expect("open the ZIP");
    let scan = pz
        .scan(|r| buildinfo::read(r, limits))
        .expect("the ZIP data is sound");
    (scan.binary, scan.binary_passes, start.elapsed())
}

/// [`file_read`] and how long it took.
fn file_read_timed(bytes: &[u8], limits: &Limits) -> (Result<BuildInfo, Error>, Duration) {
    let start = Instant::now();
    let r = file_read(bytes, limits);
    (r, start.elapsed())
}

fn decoy_blob() -> Vec<u8> {
    inline_blob(
        b"go1.99.9-decoy",
        &framed("path\texample.com/decoy\nmod\texample.com/decoy\tv6.6.6\t\n"),
    )
}

/// `tofu-sbom inspect --json PATH` → the input's `buildInfo` (or `error`) object.
fn inspect_json(path: &Path) -> Value {
    let out = tofu_sbom_run(["inspect".as_ref(), "--json".as_ref(), path.as_os_str()]);
    let doc = out.json();
    let input = &doc["inputs"][0];
    if input["error"].is_null() {
        input["buildInfo"].clone()
    } else {
        serde_json::json!({ "error": input["error"]["kind"] })
    }
}

/// `tofu-sbom generate ZIP -o OUT -q`: the run and the platform's CycloneDX document (when written).
fn generate(zip: &Path, out: &Path) -> (crate::support::cli::Run, Option<Value>) {
    let run = run(tofu_sbom()
        .arg("generate")
        .arg(zip)
        .arg("-o")
        .arg(out)
        .args(["-q", "--format", "cyclonedx-json"]));
    let name = zip.file_name().unwrap().to_str().unwrap();
    let cdx = out.join(name.replace(".zip", ".cdx.json"));
    let doc = std::fs::read(&cdx)
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap());
    (run, doc)
}

/// The `pkg:golang` purls in a CycloneDX document, sorted.
fn golang_purls(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| {
            let mut all = vec![c.clone()];
            all.extend(c["components"].as_array().into_iter().flatten().cloned());
            all
        })
        .filter_map(|c| c["purl"].as_str().map(str::to_owned))
        .filter(|p| p.starts_with("pkg:golang/"))
        .collect();
    v.sort();
    v
}

// ------------------------------------------------------------------------------------------------ finding 1: decoys

/// Text at 0x1000 (r-x), "rodata" at 0x2000 flipped to rw- with a decoy in its page padding, data at 0x3000 (rw-)
/// whose first section `.go.buildinfo` holds the real blob; the section table sits at the end of the file.
fn decoy_elf() -> Vec<u8> {
    Elf64 {
        phdrs: vec![
            load(5, 0, 0x40_0000, 0x2000),
            load(6, 0x2000, 0x40_2000, 0x1000),
            load(6, 0x3000, 0x40_3000, 0x1000),
        ],
        sections: vec![(".go.buildinfo", 0x40_3000, 0x3000, 0x200)],
        body: vec![(0x2800, decoy_blob()), (0x3000, default_blob())],
        min_len: 0x4000,
        xnum: false,
    }
    .build()
}

#[test]
fn a_decoy_blob_in_a_flipped_writable_segment_loses_to_the_go_buildinfo_section_in_stream_mode() {
    let bytes = decoy_elf();
    let limits = Limits::default();
    assert_eq!(file_read(&bytes, &limits).unwrap(), expected());
    let (streamed, passes) = zip_read(&bytes, &limits);
    assert_eq!(streamed.unwrap(), expected());
    assert_eq!(
        passes, 1,
        "the section table is read on the way, no second pass"
    );

    // What users run: inspect on the file and on the ZIP, and generate on the ZIP.
    let dir = tempfile::tempdir().unwrap();
    let (bin, zip) = write_release(dir.path(), "linux_amd64", &bytes);
    let from_file = inspect_json(&bin);
    assert_eq!(from_file["goVersion"], "go1.22.5");
    assert_eq!(inspect_json(&zip), from_file);
    let (run, doc) = generate(&zip, &dir.path().join("out"));
    let run = run.expect_code(0);
    assert!(!run.stderr.contains("decoy"), "{}", run.stderr);
    let doc = doc.expect("the CycloneDX document is written");
    assert_eq!(
        golang_purls(&doc),
        [
            "pkg:golang/example.com/hello@v1.0.0",
            "pkg:golang/golang.org/x/text@v0.14.0",
            "pkg:golang/stdlib@v1.22.5",
        ]
        .map(str::to_owned),
        "{doc:#}"
    );
}

/// A real Go binary (the fixture matrix's linux/amd64 build) with its read-only segment flipped to rw- and
/// stretched over the page padding before the data segment, where a decoy blob is planted: it still runs the
/// same, and `go version -m` still prints the real build info; so must `inspect` on the file and on its ZIP.
#[test]
fn a_decoy_planted_in_a_real_go_binary_is_ignored_as_go_version_m_ignores_it() {
    let mut bytes = std::fs::read(support::go_fixture("linux_amd64/gofixture")).unwrap();
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let phoff = u64_at(&bytes, 0x20) as usize;
    let phnum = usize::from(u16::from_le_bytes([bytes[0x38], bytes[0x39]]));
    let ph = |i: usize| phoff + 56 * i;
    let loads: Vec<usize> = (0..phnum)
        .map(ph)
        .filter(|&at| bytes[at..at + 4] == [1, 0, 0, 0])
        .collect();
    let rw = *loads
        .iter()
        .find(|&&at| bytes[at + 4] & 3 == 2)
        .expect("rw- PT_LOAD");
    let ro = *loads
        .iter()
        .rev()
        .find(|&&at| u64_at(&bytes, at + 8) < u64_at(&bytes, rw + 8) && bytes[at + 4] & 1 == 0)
        .expect("r-- PT_LOAD before it");
    let (ro_off, ro_filesz) = (u64_at(&bytes, ro + 8), u64_at(&bytes, ro + 32));
    let rw_off = u64_at(&bytes, rw + 8);
    let decoy_at = (ro_off + ro_filesz).next_multiple_of(16);
    let decoy = decoy_blob();
    assert!(
        decoy_at + decoy.len() as u64 <= rw_off,
        "the page padding holds the decoy"
    );
    bytes[decoy_at as usize..decoy_at as usize + decoy.len()].copy_from_slice(&decoy);
    let new_size = rw_off - ro_off;
    bytes[ro + 4] = 6; // PF_R | PF_W
    bytes[ro + 32..ro + 40].copy_from_slice(&new_size.to_le_bytes());
    bytes[ro + 40..ro + 48].copy_from_slice(&new_size.to_le_bytes());

    let dir = tempfile::tempdir().unwrap();
    let (bin, zip) = write_release(dir.path(), "linux_amd64", &bytes);
    let go = support::go_version_m(&bin);
    assert!(go.status.success());
    let go = String::from_utf8(go.stdout).unwrap();
    assert!(!go.contains("decoy"), "{go}");
    let ours = tofu_sbom_run(["inspect".as_ref(), bin.as_os_str()]).expect_code(0);
    assert_eq!(ours.out(), go);
    let from_file = inspect_json(&bin);
    assert!(from_file["goVersion"].as_str().unwrap().starts_with("go1."));
    assert_eq!(inspect_json(&zip), from_file);
    let limits = Limits::default();
    assert_eq!(
        zip_read(&bytes, &limits).0.unwrap(),
        file_read(&bytes, &limits).unwrap()
    );
}

/// Without section headers (Go's fallback: writable segments), header order decides — the same in both modes, even
/// when the program headers list the segments out of file order.
#[test]
fn segments_listed_out_of_file_order_give_the_same_answer_in_both_modes() {
    let bytes = Elf64 {
        phdrs: vec![
            load(5, 0, 0x40_0000, 0x1000),
            load(6, 0x3000, 0x40_3000, 0x1000),
            load(6, 0x2000, 0x40_2000, 0x1000),
        ],
        body: vec![(0x2000, decoy_blob()), (0x3000, default_blob())],
        min_len: 0x4000,
        ..Elf64::default()
    }
    .build();
    let limits = Limits::default();
    assert_eq!(file_read(&bytes, &limits).unwrap(), expected());
    assert_eq!(zip_read(&bytes, &limits).0.unwrap(), expected());
}

// ------------------------------------------------------------------------------------------- finding 2: CPU bombs

/// 299,000 writable `PT_LOAD`s (`e_phnum = PN_XNUM`, the count in section 0): 16.7 MB of program headers that fit
/// `max_header_bytes`, in a ~0.5 MB ZIP. Refused at once by `max_program_headers`, in both modes and in `generate`.
#[test]
fn hundreds_of_thousands_of_program_headers_are_refused_by_max_program_headers() {
    const N: u64 = 299_000;
    let phdrs = (0..N)
        .map(|i| load(6, 0, 0x1000_0000 + i * 0x1000, 0x1000))
        .collect();
    let bytes = Elf64 {
        phdrs,
        xnum: true,
        ..Elf64::default()
    }
    .build();
    let limits = Limits::default();
    let refused = |r: Result<BuildInfo, Error>| match r {
        Err(Error::TooMany {
            limit_name, count, ..
        }) => (limit_name, count),
        other => panic!("expected max_program_headers, got {other:?}"),
    };
    let (file, file_time) = file_read_timed(&bytes, &limits);
    assert_eq!(refused(file), ("max_program_headers", N));
    let (zip, _, zip_time) = zip_read_timed(&bytes, &limits);
    assert_eq!(refused(zip), ("max_program_headers", N));
    for t in [file_time, zip_time] {
        assert!(t < QUICK, "{t:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let (_, zip) = write_release(dir.path(), "linux_amd64", &bytes);
    assert!(std::fs::metadata(&zip).unwrap().len() < 4 << 20);
    let start = Instant::now();
    let (run, doc) = generate(&zip, &dir.path().join("out"));
    assert!(start.elapsed() < QUICK, "{:?}", start.elapsed());
    let run = run.expect_code(2);
    assert!(doc.is_none());
    assert!(run.stderr.contains("max_program_headers"), "{}", run.stderr);
}

/// The other header counts have their limits too: sections (ELF, PE, XCOFF) and Mach-O load commands — refused
/// before their tables are read, in both modes.
#[test]
fn section_and_load_command_counts_are_capped() {
    let limits = Limits::default();
    let too_many = |r: Result<BuildInfo, Error>| match r {
        Err(Error::TooMany {
            limit_name, count, ..
        }) => (limit_name, count),
        other => panic!("expected a count limit, got {other:?}"),
    };
    let elf = Elf64 {
        phdrs: vec![load(6, 0x1000, 0x40_1000, 0x200)],
        sections: vec![(".data", 0x40_1000, 0x1000, 0x200); 4200],
        body: vec![(0x1000, default_blob())],
        ..Elf64::default()
    }
    .build();
    assert_eq!(too_many(file_read(&elf, &limits)), ("max_sections", 4202));
    assert_eq!(too_many(zip_read(&elf, &limits).0), ("max_sections", 4202));

    let mut macho = MachO::new(default_blob()).build();
    macho[16..20].copy_from_slice(&5000u32.to_le_bytes()); // ncmds
    assert_eq!(
        too_many(file_read(&macho, &limits)),
        ("max_load_commands", 5000)
    );
    assert_eq!(
        too_many(zip_read(&macho, &limits).0),
        ("max_load_commands", 5000)
    );
}

/// Deterministic bytes that never contain the magic (a xorshift stream with `0xff` bytes cleared).
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x as u8) & 0x7f
        })
        .collect()
}

/// A thousand writable segments that all map the same 16 MiB of file at different addresses (no magic anywhere):
/// 16 GB of address space to search. Every byte counts against `max_buildinfo_search_bytes` (1 GiB by default: a
/// quick refusal naming it), but each file byte is read and scanned only once — with a budget large enough for all
/// of it the search still answers "not Go" in well under a second, in both modes.
#[test]
fn segments_mapping_the_same_bytes_are_searched_once_and_the_total_is_bounded() {
    const SPAN: u64 = 16 << 20;
    let phdrs = (0..1000)
        .map(|i| load(6, 0x10_0000, 0x1_0000_0000 + i * SPAN, SPAN))
        .collect();
    let bytes = Elf64 {
        phdrs,
        body: vec![(0x10_0000, noise(SPAN as usize))],
        ..Elf64::default()
    }
    .build();
    let limits = Limits::default();
    let unbounded = Limits {
        max_buildinfo_search_bytes: u64::MAX,
        ..Limits::default()
    };
    let (file, file_time) = file_read_timed(&bytes, &limits);
    let (zip, _, zip_time) = zip_read_timed(&bytes, &limits);
    for r in [file, zip] {
        assert!(
            matches!(
                r,
                Err(Error::LimitExceeded {
                    limit_name: "max_buildinfo_search_bytes",
                    max: 0x4000_0000,
                    ..
                })
            ),
            "{r:?}"
        );
    }
    let (file_all, file_all_time) = file_read_timed(&bytes, &unbounded);
    let (zip_all, _, zip_all_time) = zip_read_timed(&bytes, &unbounded);
    for r in [file_all, zip_all] {
        assert!(
            matches!(
                r,
                Err(Error::NotGo {
                    format: ExeFormat::Elf,
                    region: "writable PT_LOAD segments"
                })
            ),
            "{r:?}"
        );
    }
    eprintln!(
        "budget refusal: file {file_time:?}, zip {zip_time:?}; whole search: file {file_all_time:?}, zip {zip_all_time:?}"
    );
    for t in [file_time, zip_time, file_all_time, zip_all_time] {
        assert!(t < QUICK, "{t:?}");
    }
}

// -------------------------------------------------------------------------------- finding 12: universal Mach-O

#[test]
fn a_universal_macho_with_its_slice_at_0x4000_reads_the_same_from_its_zip() {
    let bytes = fat(&MachO::new(default_blob()).build(), 0x4000);
    let limits = Limits::default();
    assert_eq!(file_read(&bytes, &limits).unwrap(), expected());
    let (streamed, passes) = zip_read(&bytes, &limits);
    assert_eq!(streamed.unwrap(), expected());
    assert_eq!(passes, 1);

    let dir = tempfile::tempdir().unwrap();
    let (bin, zip) = write_release(dir.path(), "darwin_arm64", &bytes);
    let from_file = inspect_json(&bin);
    assert_eq!(from_file["goVersion"], "go1.22.5");
    assert_eq!(inspect_json(&zip), from_file);
    let (run, doc) = generate(&zip, &dir.path().join("out"));
    run.expect_code(0);
    assert_eq!(
        golang_purls(&doc.expect("the CycloneDX document")),
        [
            "pkg:golang/example.com/hello@v1.0.0",
            "pkg:golang/golang.org/x/text@v0.14.0",
            "pkg:golang/stdlib@v1.22.5",
        ]
        .map(str::to_owned)
    );
}

// ------------------------------------------------------------------------- fuzz seeds and the agreement property

/// The in-memory twin of `archive::EntryReader`'s pass accounting (as in the fuzz target): a read behind the
/// position starts a new pass; more than `max_stream_passes` is an error.
struct PassStream<'a> {
    data: &'a [u8],
    pos: u64,
    passes: u32,
}

const TOO_MANY_PASSES: &str = "the stream needs more inflation passes than max_stream_passes";

impl tofu_sbom::read_at::ReadAt for PassStream<'_> {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if offset + buf.len() as u64 > self.data.len() as u64 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if self.passes == 0 || offset < self.pos {
            if self.passes >= Limits::default().max_stream_passes {
                return Err(std::io::Error::other(TOO_MANY_PASSES));
            }
            self.passes += 1;
        }
        let start = offset as usize;
        buf.copy_from_slice(&self.data[start..start + buf.len()]);
        self.pos = offset + buf.len() as u64;
        Ok(())
    }
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn is_forward_only(&self) -> bool {
        true
    }
}

/// The fuzz target's property on one input (see `fuzz/fuzz_targets/buildinfo.rs`): the stream gives the file's
/// answer, or refuses (pass limit, work limits); never another answer.
fn assert_modes_agree(name: &str, bytes: &[u8]) {
    let limits = Limits::default();
    let file = file_read(bytes, &limits);
    let mut stream = PassStream {
        data: bytes,
        pos: 0,
        passes: 0,
    };
    let streamed = buildinfo::read(&mut stream, &limits);
    let refusal = |e: &Error| match e {
        Error::Io { source, .. } => source.to_string() == TOO_MANY_PASSES,
        Error::LimitExceeded { .. } | Error::TooMany { .. } => true,
        _ => false,
    };
    match (&file, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
        (Err(a), Ok(b)) => panic!("{name}: the stream read {b:?} where the file gave {a}"),
        (Ok(_), Err(e)) => assert!(refusal(e), "{name}: {e}"),
        (Err(a), Err(b)) => {
            if !refusal(b) {
                assert_eq!(a.to_string(), b.to_string(), "{name}");
            }
        }
    }
}

/// The issue-15 shapes, small, as seeds of the `buildinfo` fuzz target.
fn fuzz_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let decoy = Elf64 {
        phdrs: vec![
            load(5, 0, 0x40_0000, 0x400),
            load(6, 0x400, 0x40_0400, 0x400),
            load(6, 0x800, 0x40_0800, 0x400),
        ],
        sections: vec![(".go.buildinfo", 0x40_0800, 0x800, 0x200)],
        body: vec![(0x500, decoy_blob()), (0x800, default_blob())],
        min_len: 0xc00,
        xnum: false,
    };
    let xnum_overlap = Elf64 {
        phdrs: (0..48)
            .map(|i| load(6, 0xc00, 0x60_0000 + i * 0x1000, 0x400))
            .collect(),
        body: vec![(0xc00 + 0x210, default_blob())],
        min_len: 0x1000,
        xnum: true,
        ..Elf64::default()
    };
    let out_of_order = Elf64 {
        phdrs: vec![
            load(5, 0, 0x40_0000, 0x200),
            load(6, 0x600, 0x40_0600, 0x300),
            load(6, 0x300, 0x40_0300, 0x300),
        ],
        body: vec![(0x300, decoy_blob()), (0x600, default_blob())],
        min_len: 0x900,
        ..Elf64::default()
    };
    vec![
        ("issue15-decoy-in-flipped-segment.elf", decoy.build()),
        (
            "issue15-pn-xnum-overlapping-segments.elf",
            xnum_overlap.build(),
        ),
        (
            "issue15-segments-out-of-file-order.elf",
            out_of_order.build(),
        ),
        (
            "issue15-fat-macho-slice-past-the-head.macho",
            fat(&MachO::new(default_blob()).build(), 0x2400),
        ),
    ]
}

/// The seeds under `fuzz/corpus/buildinfo/` are these shapes (regenerate with `TOFU_SBOM_WRITE_FUZZ_SEEDS=1`), and
/// both modes agree on each seed and on every hostile fixture — the fuzz property, checked without the fuzzer.
#[test]
fn fuzz_seeds_are_current_and_both_modes_agree_on_them() {
    let root = support::repo_root();
    let dir = root.join("fuzz/corpus/buildinfo");
    let write = std::env::var_os("TOFU_SBOM_WRITE_FUZZ_SEEDS").is_some();
    for (name, bytes) in fuzz_seeds() {
        let path = dir.join(name);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        assert!(bytes.len() < 16 << 10, "{name}: {} bytes", bytes.len());
        assert_eq!(
            std::fs::read(&path).unwrap_or_default(),
            bytes,
            "{} is stale: run with TOFU_SBOM_WRITE_FUZZ_SEEDS=1",
            path.display()
        );
        assert_modes_agree(name, &bytes);
    }
    for name in [
        "issue15-decoy-in-flipped-segment.elf",
        "issue15-segments-out-of-file-order.elf",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            file_read(&bytes, &Limits::default()).unwrap(),
            expected(),
            "{name}"
        );
    }
    for entry in std::fs::read_dir(root.join("testdata/hostile/bin")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.extension().is_some_and(|e| e == "elf") {
            assert_modes_agree(&path.display().to_string(), &std::fs::read(&path).unwrap());
        }
    }
}
