"""Build tests/data/quotes/fortunes.jsonl.gz: real attributed quotations with their attribution as truth.

    python scripts/build_quote_fixtures.py [--fortunes DIR]

Source: Debian's package `fortunes` (fortune-mod 1.99.1 data, BSD licence; see tests/data/SOURCES.md),
files `humorists`, `literature` and `people`. A fortune is a block between `%` lines; its attribution,
when it has one, is its last line, indented and starting with `--` (`\t\t-- James Thurber, "The Fairly
Intelligent Fly"`). Each record keeps the fortune's text unchanged (the attribution line included)
and, as truth, the attribution line's text and the name before its first comma, quote or bracket,
parsed here and never by the project's taggers.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import re
import subprocess
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "quotes", "fortunes.jsonl.gz")
FILES = ("humorists", "literature", "people")
ATTRIBUTION = re.compile(r"^\s+--\s*(?P<line>\S.*)$")


def fetch_fortunes() -> str:
    """Download Debian's `fortunes` package and unpack it; the folder of its fortune files."""
    tmp = tempfile.mkdtemp(prefix="fortunes-")
    subprocess.run(["apt-get", "download", "fortunes"], cwd=tmp, check=True, capture_output=True)
    deb = glob.glob(os.path.join(tmp, "fortunes_*.deb"))[0]
    subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "x")], check=True)
    return os.path.join(tmp, "x", "usr", "share", "games", "fortunes")


def records(folder: str) -> list[dict]:
    out = []
    for name in FILES:
        with open(os.path.join(folder, name), encoding="latin-1") as f:
            blocks = f.read().split("\n%\n")
        for k, block in enumerate(blocks):
            text = block.strip("\n%")
            if not text.strip():
                continue
            lines = text.rstrip().splitlines()
            m = ATTRIBUTION.match(lines[-1]) if lines else None
            line = m.group("line").strip() if m else None
            person = re.split(r",|\s\(|\s\"|\s\[|\s--", line, maxsplit=1)[0].strip(" .") if line else None
            out.append({"id": f"{name}-{k:04d}", "text": text, "collection": name, "attribution": line, "attributed_to": person})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fortunes", help="folder of the fortune files (default: download Debian's `fortunes`)")
    args = parser.parse_args()
    rows = records(args.fortunes or fetch_fortunes())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    attributed = sum(1 for r in rows if r["attribution"])
    print(f"{len(rows)} fortunes, {attributed} with an attribution line -> {OUT}")


if __name__ == "__main__":
    main()
