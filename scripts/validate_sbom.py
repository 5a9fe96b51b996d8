#!/usr/bin/env python3
"""Validate SBOM files with the official validators.

Usage: validate_sbom.py [--no-ntia] FILE...

Run it with the Python of a venv that has the validators installed:
    python3 -m venv VENV
    VENV/bin/pip install 'cyclonedx-python-lib[json-validation]' spdx-tools ntia-conformance-checker
    VENV/bin/python scripts/validate_sbom.py out/*.cdx.json out/*.spdx.json

The format of each file is detected as Trivy does it: CycloneDX iff the top-level "bomFormat" is "CycloneDX", SPDX iff
the top-level "SPDXID" is "SPDXRef-DOCUMENT"; SPDX 3 iff the top-level "@context" is SPDX 3.0.1's.
* CycloneDX: cyclonedx-python-lib's JsonStrictValidator for the document's own specVersion.
* SPDX: `pyspdxtools -i FILE` (parse + full semantic validation) and, unless --no-ntia, `ntia-checker FILE`
  (NTIA minimum elements; exit status 0 only when compliant).
* SPDX 3: the official SPDX 3.0.1 Python bindings (spdx-python-model, v3_0_1): deserialize (types, vocabularies,
  unknown properties), serialize again (required properties and counts are checked there), and compare the two
  graphs object by object, blank-node names aside (a round trip that loses or changes anything fails); unless
  --no-ntia, `ntia-checker --sbom-spec spdx3 --comply ntia FILE` too.
The validator executables are taken from the directory of this Python interpreter (the venv's bin/).

Prints one line per file ("OK <file> (<what ran>)" or "FAIL <file>: <reason>") and exits 1 if any file failed.
"""

import json
import os
import subprocess
import sys


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def validate_cyclonedx(text, spec_version):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    version = SchemaVersion.from_version(spec_version)
    error = JsonStrictValidator(version).validate_str(text)
    if error is not None:
        return f"CycloneDX {spec_version} schema: {error}"
    return None


def validate_spdx(path, ntia):
    code, out = run([tool("pyspdxtools"), "-i", path])
    if code != 0:
        return f"pyspdxtools -i: exit {code}: {out}"
    if ntia:
        code, out = run([tool("ntia-checker"), "--comply", "ntia", path])
        if code != 0:
            return f"ntia-checker: exit {code}: {out}"
    return None


SPDX3_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"


def normalized_graph(doc):
    """The graph's objects as sorted canonical JSON, every blank-node name ("_:…") replaced by "_:"."""

    def norm(v):
        if isinstance(v, str):
            return "_:" if v.startswith("_:") else v
        if isinstance(v, list):
            return sorted((norm(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v

    return sorted(json.dumps(norm(n), sort_keys=True) for n in doc.get("@graph", []))


def validate_spdx3(path, doc, ntia):
    import io

    from spdx_python_model.bindings import v3_0_1 as model

    objects = model.SHACLObjectSet()
    try:
        with open(path, encoding="utf-8") as f:
            model.JSONLDDeserializer().read(f, objects)
        out = io.BytesIO()
        model.JSONLDSerializer().write(objects, out)
    except Exception as e:  # the bindings raise ValueError/TypeError/KeyError on bad input
        return f"spdx-python-model v3_0_1: {type(e).__name__}: {e}"
    again = json.loads(out.getvalue())
    if normalized_graph(again) != normalized_graph(doc):
        lost = set(normalized_graph(doc)) - set(normalized_graph(again))
        return f"spdx-python-model v3_0_1 round trip changed the graph, e.g. {sorted(lost)[:1]}"
    if ntia:
        code, out = run([tool("ntia-checker"), "--sbom-spec", "spdx3", "--comply", "ntia", path])
        if code != 0:
            return f"ntia-checker --sbom-spec spdx3: exit {code}: {out}"
    return None


def main(argv):
    ntia = True
    files = []
    for arg in argv:
        if arg == "--no-ntia":
            ntia = False
        elif arg.startswith("-"):
            print(f"unknown option {arg}", file=sys.stderr)
            return 2
        else:
            files.append(arg)
    if not files:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text)
        if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
            what = f"CycloneDX {doc.get('specVersion')} JsonStrictValidator"
            error = validate_cyclonedx(text, str(doc.get("specVersion")))
        elif isinstance(doc, dict) and doc.get("@context") == SPDX3_CONTEXT:
            what = "spdx-python-model v3_0_1 round trip" + (" + ntia-checker" if ntia else "")
            error = validate_spdx3(path, doc, ntia)
        elif isinstance(doc, dict) and doc.get("SPDXID") == "SPDXRef-DOCUMENT":
            what = "pyspdxtools" + (" + ntia-checker" if ntia else "")
            error = validate_spdx(path, ntia)
        else:
            what = ""
            error = "neither CycloneDX, SPDX JSON nor SPDX 3 JSON-LD"
        if error is None:
            print(f"OK {path} ({what})")
        else:
            failed += 1
            print(f"FAIL {path}: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
