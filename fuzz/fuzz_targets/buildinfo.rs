//! Fuzzes the whole build-info reader (format detection, header tables, magic search, blob decoding, modinfo) over
//! arbitrary bytes, as a positioned source and as a forward-only stream that restarts like a ZIP entry stream.
//!
//! Properties:
//! - On success the text form parses back to the same build info.
//! - **Random access and stream mode agree** (issue 15, finding 1: an SBOM must describe the binary `inspect FILE`
//!   and Go describe, never a decoy). The stream behaves like `archive::EntryReader`: a read behind its position
//!   starts a new pass, and a read that would need more than `Limits::max_stream_passes` passes fails. Then:
//!   - stream success ⇒ random-access success with the identical `BuildInfo` (never another answer);
//!   - random-access success ⇒ stream success (the same, above) or a *refusal*: the pass limit, or a limit on the
//!     work done (`LimitExceeded`, `TooMany` — the stream scans the data segments ahead of knowing which one
//!     counts, so it can meet `MAX_MAGICS` first);
//!   - both fail ⇒ the same error text, unless the stream refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io;
use tofu_sbom::buildinfo::{self, BuildInfo, Error};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::ReadAt;

/// The message of the simulated pass-limit error.
const TOO_MANY_PASSES: &str = "the stream needs more inflation passes than max_stream_passes";

/// A forward-only view of the input with `EntryReader`'s pass accounting.
struct Stream<'a> {
    data: &'a [u8],
    pos: u64,
    passes: u32,
    max_passes: u32,
}

impl ReadAt for Stream<'_> {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.data.len() as u64) {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if self.passes == 0 || offset < self.pos {
            if self.passes >= self.max_passes {
                return Err(io::Error::other(TOO_MANY_PASSES));
            }
            self.passes += 1;
        }
        let mut inner = self.data;
        inner.read_exact_at(offset, buf)?;
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

/// What `String()` keeps: Go prints no sum for a module that has a replacement (`formatMod`), so the parsed sum of
/// a replaced module does not survive a round trip — by Go's design.
fn printable(mut bi: BuildInfo) -> BuildInfo {
    for m in bi.main.iter_mut().chain(bi.deps.iter_mut()) {
        if m.replace.is_some() {
            m.sum.clear();
        }
    }
    bi
}

fn check_round_trip(bi: &BuildInfo) {
    let text = BuildInfo {
        go_version: String::new(),
        ..bi.clone()
    }
    .to_go_string();
    let mut back = buildinfo::parse_modinfo(text.as_bytes()).expect("String() output parses");
    back.go_version = bi.go_version.clone();
    assert_eq!(back, printable(bi.clone()), "round trip of {text:?}");
    let _ = bi.go_version_m("fuzz");
    let _ = serde_json::to_string(&bi.to_json());
}

/// A stream-only failure that is an acceptable refusal rather than a different answer.
fn is_refusal(e: &Error) -> bool {
    match e {
        Error::Io { source, .. } => source.to_string() == TOO_MANY_PASSES,
        Error::LimitExceeded { .. } | Error::TooMany { .. } => true,
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_buildinfo_string: 1 << 20,
        ..Limits::default()
    };
    let mut src = data;
    let file = buildinfo::read(&mut src, &limits);
    if let Ok(bi) = &file {
        check_round_trip(bi);
    }
    let mut stream = Stream {
        data,
        pos: 0,
        passes: 0,
        max_passes: limits.max_stream_passes,
    };
    let streamed = buildinfo::read(&mut stream, &limits);
    match (&file, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "stream and random access disagree"),
        (Err(a), Ok(b)) => panic!("the stream read {b:?} where random access failed: {a}"),
        (Ok(_), Err(e)) => assert!(is_refusal(e), "the stream failed where random access did not: {e}"),
        (Err(a), Err(b)) => {
            if !is_refusal(b) {
                assert_eq!(a.to_string(), b.to_string(), "different errors");
            }
        }
    }
});
