#!/usr/bin/env python3
"""Vendor GraphiQL's browser files into app/static/graphiql/, so that the explorer at
GET /graphql loads nothing from a CDN.

    .venv/bin/python tools/vendor_graphiql.py           # download, verify, extract, write
    .venv/bin/python tools/vendor_graphiql.py --check   # verify what is there (no network)

The pins are the versions Strawberry's bundled GraphiQL page loads from its CDN (graphiql 3,
the last line with UMD builds; React 18). Each npm tarball is checked against the registry's
`dist.integrity` (SHA-512) pinned below before anything is extracted, and each extracted file
against the SHA-384 that Strawberry's page pins as its subresource integrity, so the files
are byte for byte the ones that page would have loaded. The output (the files, the package
licences, VERSIONS.json and README.md) is committed: installs and clones never download it.

To upgrade: change a pin (`npm view NAME@VERSION dist.integrity`), set the new file digests
(`openssl dgst -sha384 -binary FILE | base64`), run this script, and commit.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "app" / "static" / "graphiql"
MANIFEST = "VERSIONS.json"
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")


@dataclass(frozen=True)
class File:
    source: str  # path inside the tarball
    name: str  # file name under the package's directory
    sri: str  # "sha384-..." of the file; "" for licence texts (not loaded by the page)
    role: str = ""  # "script" or "style": loaded by the page, in the order listed here


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity for the tarball
    license: str
    files: tuple[File, ...]

    @property
    def directory(self) -> str:
        """'@graphiql/plugin-explorer' 1.0.2 -> 'graphiql-plugin-explorer-1.0.2'."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"


PACKAGES = (
    Package("react", "18.2.0",
            "sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==",
            "MIT", (
                File("package/umd/react.production.min.js", "react.production.min.js",
                     "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
                     "script"),
                File("package/LICENSE", "LICENSE", ""),
            )),
    Package("react-dom", "18.2.0",
            "sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==",
            "MIT", (
                File("package/umd/react-dom.production.min.js", "react-dom.production.min.js",
                     "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
                     "script"),
                File("package/LICENSE", "LICENSE", ""),
            )),
    Package("graphiql", "3.8.3",
            "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
            "MIT", (
                File("package/graphiql.min.css", "graphiql.min.css",
                     "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
                     "style"),
                File("package/graphiql.min.js", "graphiql.min.js",
                     "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
                     "script"),
                File("package/LICENSE", "LICENSE", ""),
            )),
    # The tarball has no LICENSE file; package.json says MIT. It bundles OneGraph's
    # graphiql-explorer (MIT).
    Package("@graphiql/plugin-explorer", "1.0.2",
            "sha512-9j+kg2UjtLZD5EBmGjeWHkoVVxtbShYg2DzbUVebibnZYZM/iMBEF4vaccXJIAm5KaomIPLx0aoNs4LbODyc3Q==",
            "MIT", (
                File("package/dist/style.css", "style.css",
                     "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
                     "style"),
                File("package/dist/index.umd.js", "index.umd.js",
                     "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
                     "script"),
                File("package/package.json", "package.json", ""),
            )),
)


def sri(data: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def download(package: Package) -> bytes:
    print(f"fetching {package.tarball}", file=sys.stderr)
    if not package.tarball.startswith(("https://", "http://")):
        raise SystemExit(f"the registry must be an http(s) URL, not {REGISTRY}")
    request = urllib.request.Request(package.tarball,  # noqa: S310 (checked just above)
                                     headers={"User-Agent": "casp-vendor"})
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        data: bytes = response.read()
    got = sri(data, "sha512")
    if got != package.integrity:
        raise SystemExit(f"{package.name}@{package.version}: tarball integrity {got}, "
                         f"pinned {package.integrity}")
    return data


def extract(package: Package, tarball: bytes) -> dict[str, bytes]:
    """The listed files only, read as bytes: nothing else of the archive touches the disk."""
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for file in package.files:
            member = archive.getmember(file.source)
            reader = archive.extractfile(member) if member.isfile() else None
            if reader is None:
                raise SystemExit(f"{package.name}: {file.source} is not a regular file")
            data = reader.read()
            if file.sri and sri(data) != file.sri:
                raise SystemExit(f"{package.name}: {file.source} is {sri(data)}, "
                                 f"pinned {file.sri}")
            out[file.name] = data
    return out


def manifest() -> dict[str, object]:
    packages = [{
        "name": p.name, "version": p.version, "license": p.license,
        "tarball": p.tarball.replace(REGISTRY, "https://registry.npmjs.org"),
        "integrity": p.integrity,
        "files": {f"{p.directory}/{f.name}": {"from": f.source, "sri": f.sri or None}
                  for f in p.files},
    } for p in PACKAGES]
    ordered = [(f.role, f"{p.directory}/{f.name}") for p in PACKAGES for f in p.files]
    return {
        "comment": "Written by tools/vendor_graphiql.py; do not edit by hand.",
        "packages": packages,
        "styles": [path for role, path in ordered if role == "style"],
        "scripts": [path for role, path in ordered if role == "script"],
    }


README = """\
# Vendored GraphiQL

The browser files of the GraphQL explorer (GET /graphql), served by casp itself from
/static/graphiql/ so that the explorer works with no internet access. Written by
`tools/vendor_graphiql.py` (do not edit by hand); `VERSIONS.json` lists every file with its
SHA-384, and `tools/vendor_graphiql.py --check` verifies them.

| package | version | licence | npm tarball integrity (SHA-512) |
| --- | --- | --- | --- |
{rows}

Each package's licence text is in its directory (`@graphiql/plugin-explorer` ships none in
its tarball: its package.json, kept here, says MIT). The GraphiQL bundle includes its own
dependencies (CodeMirror 5, graphql-js, markdown-it and others, all under MIT or similar
permissive licences, with their notices inline). `explorer.js` and `explorer.css` are casp's
own (MIT, like casp).
"""


def write() -> None:
    blobs = {p: extract(p, download(p)) for p in PACKAGES}
    DEST.mkdir(parents=True, exist_ok=True)
    old = DEST / MANIFEST
    stale = set()
    if old.exists():
        stale = {path.split("/", 1)[0]
                 for entry in json.loads(old.read_text())["packages"]
                 for path in entry["files"]}
    for directory in stale | {p.directory for p in PACKAGES}:
        if "/" not in directory and directory not in ("", ".", ".."):
            shutil.rmtree(DEST / directory, ignore_errors=True)
    for package, files in blobs.items():
        (DEST / package.directory).mkdir()
        for name, data in files.items():
            (DEST / package.directory / name).write_bytes(data)
    (DEST / MANIFEST).write_text(json.dumps(manifest(), indent=2) + "\n")
    rows = "\n".join(f"| `{p.name}` | {p.version} | {p.license} | `{p.integrity}` |"
                     for p in PACKAGES)
    (DEST / "README.md").write_text(README.replace("{rows}", rows))
    total = sum(len(d) for files in blobs.values() for d in files.values())
    print(f"wrote {DEST.relative_to(ROOT)} ({total} bytes of vendored files)", file=sys.stderr)


def check() -> list[str]:
    """What differs between the pins, the manifest and the files on disk (nothing: [])."""
    problems = []
    path = DEST / MANIFEST
    if not path.exists():
        return [f"{path} is missing: run tools/vendor_graphiql.py"]
    if json.loads(path.read_text()) != json.loads(json.dumps(manifest())):
        problems.append(f"{path} does not match the pins: run tools/vendor_graphiql.py")
    for package in PACKAGES:
        for file in package.files:
            target = DEST / package.directory / file.name
            if not target.is_file():
                problems.append(f"{target} is missing")
            elif file.sri and sri(target.read_bytes()) != file.sri:
                problems.append(f"{target} does not match {file.sri}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="verify the vendored files against the pins; no network")
    if parser.parse_args().check:
        problems = check()
        print("\n".join(problems) or "vendored GraphiQL files match the pins", file=sys.stderr)
        raise SystemExit(1 if problems else 0)
    write()


if __name__ == "__main__":
    main()
