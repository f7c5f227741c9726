"""Draw the mention occurrences that tests/data/mention_labels.csv labels (run once; labels added by hand).

    .venv/bin/python scripts/draw_mention_sample.py > tests/data/mention_labels.csv
    .venv/bin/python scripts/draw_mention_sample.py --held-out > tests/data/mention_labels_heldout.csv

Occurrences come from the mention tagger *without* its context rules (`tagging.context`), which is
what the tagger counted before them, over the bundled sample corpus (data/sample): every document is
tagged, each counted occurrence is a candidate, and a seeded draw takes, per source, a fixed number
(Wikipedia 150, State of the Union 90, the Bible 50, Shakespeare 30). Each row has the occurrence's
context (100 characters either side, the alias in [[ ]]) and an empty `label`, filled by reading:
`yes` (the persona), or the class of a false mention: `other_person`, `named_thing`, `work_title`,
`epithet`, `other`. `--held-out` draws 100 occurrences from the Debian fortunes of tests/data/quotes
instead: text that the context rules were not developed on, labelled after the rules were frozen.
"""

from __future__ import annotations

import csv
import os
import sys
from unittest import mock

import xxhash

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, REPO)

from prevalence.catalog import load_catalog  # noqa: E402
from prevalence.config import ReadOptions  # noqa: E402
from prevalence.corpus import list_shards, read_shard  # noqa: E402
from prevalence.tagging import mentions  # noqa: E402

PER_SOURCE = {"wikitext2": 150, "sotu": 90, "bible_kjv_akjv": 50, "shakespeare": 30}
HELD_OUT = {"fortunes": 100}
WINDOW = 100


def source_of(shard_name: str) -> str:
    return shard_name.split("/", 1)[0].split(".", 1)[0]


def main() -> None:
    held_out = "--held-out" in sys.argv
    per_source = HELD_OUT if held_out else PER_SOURCE
    corpus = os.path.join("tests", "data", "quotes") if held_out else os.path.join("data", "sample")
    catalog = load_catalog()
    with mock.patch.object(mentions, "rejection", lambda *a: None):
        tagger = mentions.MentionTagger(catalog)
        candidates: dict[str, list[tuple]] = {s: [] for s in per_source}
        shards, _ = list_shards([os.path.join(REPO, corpus)])
        for shard in shards:
            for batch in read_shard(shard, ReadOptions()):
                for position, text in zip(batch.column("position").to_pylist(), batch.column("text").to_pylist()):
                    if text is None:
                        continue
                    flat = " ".join(text.split())
                    located: list[tuple[int, str]] = []
                    tagger.analyse(flat, located)
                    for offset, pid in located:
                        key = f"{shard.name}|{position}|{offset}|{pid}"
                        candidates[source_of(shard.name)].append((xxhash.xxh3_64_intdigest(key.encode()), shard.name, position, offset, pid, flat))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["corpus", "source", "shard", "position", "offset", "persona_id", "context", "label"])
    for source, n in per_source.items():
        for _, shard, position, offset, pid, flat in sorted(candidates[source])[:n]:
            end = offset + next(len(a) for a in sorted((x for p in catalog.personas if p.id == pid for x in p.names), key=len, reverse=True)
                                if flat[offset:offset + len(a)].lower() == a.lower())
            context = f"{flat[max(0, offset - WINDOW):offset]}[[{flat[offset:end]}]]{flat[end:end + WINDOW]}"
            writer.writerow([corpus, source, shard, position, offset, pid, context, ""])


if __name__ == "__main__":
    main()
