#!/usr/bin/env python3
"""Independent re-implementation of OpenTofu's `h1:` provider hash, for tests.

    python3 scripts/h1.py PROVIDER.zip      # prints h1:<base64>

What OpenTofu records in `.terraform.lock.hcl` for an installed provider is Go's
`dirhash.HashDir(dir, "", dirhash.Hash1)` over the *unpacked* package directory (golang.org/x/mod/sumdb/dirhash):

  1. list every regular file under the directory (directories themselves are not listed), as paths relative to it
     with `/` separators;
  2. sort the names (Go `sort.Strings`: byte order);
  3. summary = concatenation of "%x  %s\\n" % (sha256(file content), name) — lowercase hex, TWO spaces;
  4. h1 = "h1:" + standard base64 (with padding) of sha256(summary).

This script does exactly that after unpacking the ZIP into a temporary directory with Python's `zipfile`
(a different ZIP reader and a real file-system walk), so it shares no code with the Rust implementation.
"""

import base64
import hashlib
import os
import sys
import tempfile
import zipfile


def hash_dir(root):
    names = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for f in filenames:
            full = os.path.join(dirpath, f)
            names.append(os.path.relpath(full, root).replace(os.sep, "/"))
    summary = hashlib.sha256()
    for name in sorted(names, key=lambda n: n.encode()):
        with open(os.path.join(root, *name.split("/")), "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        summary.update(f"{digest}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: h1.py PROVIDER.zip")
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(sys.argv[1]) as z:
            z.extractall(tmp)
        print(hash_dir(tmp))


if __name__ == "__main__":
    main()
