#!/usr/bin/env python3
"""The MSRV claim, checked without the old toolchain: every package in Cargo.lock that declares a `rust-version`
must declare one ≤ ours (cargo would refuse to build it on our MSRV otherwise). Clippy's `incompatible_msrv` lint
(on by default, -D warnings in scripts/lib/cargo.sh) covers our own use of newer std APIs; the GitHub workflow's
`msrv` job builds with the declared toolchain itself. Usage: cargo metadata --format-version 1 --locked | msrv_check.py"""
import json, sys

def parse(v):
    return tuple(int(x) for x in (v.split('.') + ['0', '0'])[:3])

meta = json.load(sys.stdin)
root = next(p for p in meta['packages'] if p['id'] in meta['workspace_members'])
ours = parse(root['rust_version'])
resolved = {n['id'] for n in meta['resolve']['nodes']}
late = sorted(f"{p['name']} {p['version']} needs Rust {p['rust_version']}" for p in meta['packages']
              if p['id'] in resolved and p.get('rust_version') and parse(p['rust_version']) > ours)
if late:
    print(f"rust-version {root['rust_version']} is not true for the locked dependencies:", *late, sep='\n  ')
    sys.exit(1)
print(f"rust-version {root['rust_version']}: every locked dependency declares an equal or older MSRV")
