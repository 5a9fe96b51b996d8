#!/usr/bin/env python3
"""Regenerates the hostile build-info fixtures in this directory (run from anywhere: `python3 make.py`).

Every fixture except not-go.elf is a small synthetic ELF64 little-endian executable laid out like a Go 1.27 linux/amd64
binary: a read-only PT_LOAD for the headers, a writable PT_LOAD whose first section is `.go.buildinfo`, and the section
header table at the end of the file. `go-valid.elf` is the intact control; each other file damages one thing.
not-go.elf is a real (tiny, static, stripped) gcc build of not-go.c. See README.md for the error each one must give.
Output is deterministic; only not-go.elf depends on the local gcc (Debian 12.2.0 was used).
"""
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = b"\xff Go buildinf:"
INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")
VERSION = b"go1.27.3"
MODINFO = (
    b"path\texample.com/hello\n"
    b"mod\texample.com/hello\t(devel)\t\n"
    b"dep\tgolang.org/x/text\tv0.14.0\th1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n"
    b"build\t-buildmode=exe\n"
    b"build\t-compiler=gc\n"
    b"build\t-trimpath=true\n"
    b"build\tCGO_ENABLED=0\n"
    b"build\tGOARCH=amd64\n"
    b"build\tGOOS=linux\n"
    b"build\tGOAMD64=v1\n"
)
DATA_OFF = 0x1000
DATA_VADDR = 0x566000


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def blob(version=VERSION, modinfo=INFO_START + MODINFO + INFO_END, vers_len=None, mod_len=None):
    b = bytearray(MAGIC + bytes([8, 2]) + bytes(16))
    b += uvarint(len(version) if vers_len is None else vers_len) + version
    b += uvarint(len(modinfo) if mod_len is None else mod_len) + modinfo
    b += bytes(-len(b) % 16)
    return bytes(b)


def elf(data, head_extra=b""):
    """ELF64 LE: header, 2 program headers, `head_extra` after them, data at 0x1000, names, section headers."""
    names = b"\0.go.buildinfo\0.shstrtab\0"
    strtab_off = DATA_OFF + len(data)
    shoff = (strtab_off + len(names) + 7) & ~7
    hdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, 64, shoff, 0, 64, 56, 2, 64, 3, 2)
    phdrs = struct.pack("<IIQQQQQQ", 1, 4, 0, 0x400000, 0x400000, 0x1000, 0x1000, 0x1000)
    phdrs += struct.pack("<IIQQQQQQ", 1, 6, DATA_OFF, DATA_VADDR, DATA_VADDR, len(data), len(data) + 0x100, 0x1000)
    out = bytearray(hdr + phdrs + head_extra)
    out += bytes(DATA_OFF - len(out))
    out += data + names
    out += bytes(shoff - len(out))
    shdr = lambda name, typ, flags, addr, off, size: struct.pack("<IIQQQQIIQQ", name, typ, flags, addr, off, size, 0, 0, 16, 0)
    out += shdr(0, 0, 0, 0, 0, 0)
    out += shdr(1, 1, 3, DATA_VADDR, DATA_OFF, len(data))
    out += shdr(15, 3, 0, 0, strtab_off, len(names))
    return bytes(out)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def main():
    valid = elf(blob())
    write("go-valid.elf", valid)
    # Cut in the middle of the modinfo string: the section table at the end is gone too.
    write("truncated.elf", valid[: DATA_OFF + 32 + 1 + len(VERSION) + 2 + 100])
    damaged = bytearray(elf(blob()))
    damaged[DATA_OFF + 1] = ord("X")  # "\xffXGo buildinf:"
    write("damaged-magic.elf", bytes(damaged))
    write("damaged-length.elf", elf(blob(mod_len=0x7FFF)))
    write("huge-varint.elf", elf(blob(vers_len=1 << 44)))
    # UPX leaves no sections and puts its l_info block ("UPX!") right after the program headers.
    upx = bytearray(elf(bytes(64), head_extra=b"\0\0\0\0UPX!\x0d\x16\x08\x0d"))
    upx[0x28:0x30] = bytes(8)  # e_shoff = 0
    upx[0x3C:0x40] = bytes(4)  # e_shnum = e_shstrndx = 0
    write("upx.elf", bytes(upx))
    subprocess.run(
        [
            "gcc", "-Os", "-s", "-static", "-nostdlib", "-fno-asynchronous-unwind-tables",
            "-Wl,--build-id=none", "-Wl,-z,max-page-size=0x1000", "-Wl,-z,norelro",
            "-o", os.path.join(HERE, "not-go.elf"), os.path.join(HERE, "not-go.c"),
        ],
        check=True,
    )
    print("not-go.elf:", os.path.getsize(os.path.join(HERE, "not-go.elf")), "bytes")


if __name__ == "__main__":
    main()
