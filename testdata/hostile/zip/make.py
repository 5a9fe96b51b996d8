#!/usr/bin/env python3
"""Regenerates the hostile provider ZIPs in this directory (committed; each a few hundred bytes to ~20 KiB).

    python3 testdata/hostile/zip/make.py [OUTDIR]      # default: the directory of this script

ZIPs are written byte by byte with `struct` (not `zipfile`) so that every field can lie: local headers that
disagree with the central directory, wrong CRC-32s and sizes, hidden central-directory headers, data before the
archive or after its end record. Timestamps are fixed (1980-01-01 00:00), so the output is deterministic for a given
zlib. `tests/it/archive_zip.rs` asserts the exact error each file produces; the expectations are listed in CASES below.
"""

import os
import struct
import sys
import zlib

LOCAL_SIG = 0x04034B50
CENTRAL_SIG = 0x02014B50
END_SIG = 0x06054B50
DOS_TIME = 0
DOS_DATE = 0x21  # 1980-01-01
UNIX_FILE = 0o100755 << 16
UNIX_LINK = 0o120777 << 16
MADE_BY_UNIX = (3 << 8) | 20


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class Entry:
    """One entry. Fields default to the truth; override any to make the archive lie."""

    def __init__(self, name, data=b"", method=8, **over):
        self.name = name.encode() if isinstance(name, str) else name
        self.data = data
        self.method = method
        if "payload" in over:
            payload = over.pop("payload")
        elif method == 8:
            payload = deflate(data)
        else:
            payload = data
        self.payload = payload
        self.crc = over.pop("crc", zlib.crc32(data))
        self.size = over.pop("size", len(data))
        self.csize = over.pop("csize", len(payload))
        self.flags = over.pop("flags", 0)
        self.attrs = over.pop("attrs", UNIX_FILE)
        self.made_by = over.pop("made_by", MADE_BY_UNIX)
        self.central_extra = over.pop("central_extra", b"")
        # What the local header says; by default the same as the central directory.
        self.local_name = over.pop("local_name", self.name)
        self.local_size = over.pop("local_size", self.size)
        self.local_csize = over.pop("local_csize", self.csize)
        self.local_crc = over.pop("local_crc", self.crc)
        assert not over, over


def local_header(e):
    return (
        struct.pack(
            "<IHHHHHIIIHH", LOCAL_SIG, 20, e.flags, e.method, DOS_TIME, DOS_DATE,
            e.local_crc, e.local_csize, e.local_size, len(e.local_name), 0,
        )
        + e.local_name
    )


def central_header(e, offset):
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII", CENTRAL_SIG, e.made_by, 20, e.flags, e.method, DOS_TIME, DOS_DATE,
            e.crc, e.csize, e.size, len(e.name), len(e.central_extra), 0, 0, 0, e.attrs, offset,
        )
        + e.name
        + e.central_extra
    )


def build(entries, prefix=b"", decoys=(), hidden=(), trailer=b"", comment=b"", truncate=None):
    """`decoys`: entries whose local header + data is written first but that no central header lists.
    `hidden`: entries listed by central headers *after* the counted ones (the end record does not count them)."""
    out = bytearray(prefix)
    for d in decoys:
        out += local_header(d) + d.payload
    offsets = []
    for e in list(entries) + list(hidden):
        offsets.append(len(out) - len(prefix))
        out += local_header(e) + e.payload
    cd_start = len(out) - len(prefix)
    cd = b"".join(central_header(e, o) for e, o in zip(list(entries) + list(hidden), offsets))
    out += cd
    count = len(entries)
    cd_size = len(cd)
    out += struct.pack("<IHHHHIIH", END_SIG, 0, 0, count, count, cd_size, cd_start, len(comment)) + comment
    out += trailer
    if truncate is not None:
        out = out[:truncate]
    return bytes(out)


BIN = b"\x7fELF" + b"real provider binary\n" * 50
README = b"# terraform-provider-x\n"


def unicode_path_extra(name, new_name):
    body = struct.pack("<BI", 1, zlib.crc32(name)) + new_name
    return struct.pack("<HH", 0x7075, len(body)) + body


CASES = {
    # zip bomb: 20 MiB of zeros deflated to ~20 KiB, sizes declared truthfully -> ratio limit
    "bomb.zip": lambda: build([Entry("terraform-provider-x", b"\0" * (20 << 20))]),
    # the same bomb declaring a 1000-byte entry (and the CRC of 1000 zeros): inflation stops past byte 1000
    "bomb_lying_size.zip": lambda: build(
        [Entry("terraform-provider-x", b"\0" * (20 << 20), size=1000, crc=zlib.crc32(b"\0" * 1000))]
    ),
    "traversal.zip": lambda: build([Entry("terraform-provider-x", BIN), Entry("../evil", b"x")]),
    "absolute.zip": lambda: build([Entry("terraform-provider-x", BIN), Entry("/etc/evil", b"x")]),
    "backslash.zip": lambda: build([Entry("terraform-provider-x", BIN), Entry("..\\evil", b"x")]),
    # local headers lie: a decoy local header first (never listed in the central directory, as a streaming
    # reader would see it), then the listed entry whose local header names another file and other sizes
    "local_header_mismatch.zip": lambda: build(
        [
            Entry(
                "terraform-provider-x",
                BIN,
                local_name=b"terraform-provider-evil",
                local_size=5,
                local_csize=5,
                local_crc=0,
            )
        ],
        decoys=[Entry("terraform-provider-x", b"EVIL binary", method=0)],
    ),
    # the first 60% of a valid archive: no end record
    "truncated.zip": lambda: (lambda z: z[: len(z) * 6 // 10])(
        build([Entry("terraform-provider-x", BIN), Entry("README.md", README)])
    ),
    # deflate block type 3 (reserved): invalid compressed data
    "corrupt_deflate.zip": lambda: build(
        [Entry("terraform-provider-x", BIN, payload=b"\x07" + b"\xa5" * 40)]
    ),
    "crc_mismatch.zip": lambda: build([Entry("terraform-provider-x", BIN, crc=0xDEADBEEF)]),
    # declared one byte longer than the data
    "size_too_small_data.zip": lambda: build(
        [Entry("terraform-provider-x", BIN, size=len(BIN) + 1)]
    ),
    "many_entries.zip": lambda: build(
        [Entry("terraform-provider-x", BIN)] + [Entry(f"doc{i}.txt", b"doc") for i in range(5)]
    ),
    "no_binary.zip": lambda: build([Entry("README.md", README), Entry("terraform-provider-x/", b"")]),
    "two_binaries.zip": lambda: build(
        [Entry("terraform-provider-b", BIN), Entry("terraform-provider-a_v1", BIN)]
    ),
    # two matches for type "two": OpenTofu takes the first by name (v1), not by archive order
    "two_versions.zip": lambda: build(
        [Entry("terraform-provider-two_v2", b"v2" + BIN), Entry("terraform-provider-two_v1", b"v1" + BIN)]
    ),
    "duplicate.zip": lambda: build(
        [Entry("terraform-provider-x", BIN), Entry("terraform-provider-x", b"other")]
    ),
    "case_duplicate.zip": lambda: build(
        [Entry("terraform-provider-x", BIN), Entry("README.md", README), Entry("readme.MD", README)]
    ),
    "encrypted.zip": lambda: build([Entry("terraform-provider-x", BIN, flags=1)]),
    "bzip2.zip": lambda: build([Entry("terraform-provider-x", BIN, method=12, payload=b"BZh9")]),
    "symlink.zip": lambda: build(
        [Entry("terraform-provider-x", b"/usr/bin/true", method=0, attrs=UNIX_LINK)]
    ),
    # Info-ZIP Unicode Path extra field renaming README.md to the binary's name (Go ignores it)
    "unicode_path.zip": lambda: build(
        [
            Entry("terraform-provider-x", BIN),
            Entry(
                "README.md",
                README,
                central_extra=unicode_path_extra(b"README.md", b"terraform-provider-y"),
            ),
        ]
    ),
    "prepended.zip": lambda: build([Entry("terraform-provider-x", BIN)], prefix=b"MZ" + b"\0" * 62),
    "trailing.zip": lambda: build([Entry("terraform-provider-x", BIN)], trailer=b"trailing garbage"),
    # a fake end record inside the archive comment, pointing outside the file: Go takes the last record that fits
    # and fails; a parser falling back to the earlier, real record would read the archive
    "comment_end_signature.zip": lambda: build(
        [Entry("terraform-provider-x", BIN)],
        comment=struct.pack("<IHHHHIIH", END_SIG, 0, 0, 1, 1, 46, 0x7FFFFFFF, 0),
    ),
    # a second central header after the one the end record counts (Go reads it, a count-based parser does not)
    "hidden_central_header.zip": lambda: build(
        [Entry("README.md", README)], hidden=[Entry("terraform-provider-x", BIN)]
    ),
    "good.zip": lambda: build(
        [
            Entry("terraform-provider-x_v1.0.0", BIN),
            Entry("README.md", README),
            Entry("docs/", b"", method=0),
            Entry("docs/LICENSE", b"MPL-2.0\n", method=0),
        ]
    ),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    for name, make in CASES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(make())
    # the plain binary inside good.zip / local_header_mismatch.zip, for byte comparisons
    with open(os.path.join(out, "binary.bin"), "wb") as f:
        f.write(BIN)


if __name__ == "__main__":
    main()
