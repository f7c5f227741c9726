"""Precision of mention hits on a labelled set of real occurrences, before and after the context rules.

    .venv/bin/python bench/mention_precision.py [--out bench/MENTION_PRECISION.md]

Two labelled sets, drawn by scripts/draw_mention_sample.py from the occurrences that the mention
tagger counted *before* its context rules (`tagging.context`), each labelled by reading its context:
`yes` (the persona) or the class of a false mention. The development set (tests/data/mention_labels.csv,
320 occurrences of the bundled sample corpus) guided the rules, so its "after" figure is in-sample;
the held-out set (tests/data/mention_labels_heldout.csv, 100 occurrences of the Debian fortunes) was
drawn and labelled after the rules were frozen.
"Before" is every labelled occurrence; "after" is those the tagger still counts now, found by tagging
each document again and checking that the occurrence's offset is still counted for the persona.
Since the rules only remove occurrences, the true occurrences they remove are the recall they cost;
full-name occurrences (an alias of two or more words) are reported on their own.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter, defaultdict

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, REPO)

from prevalence.catalog import load_catalog  # noqa: E402
from prevalence.config import ReadOptions  # noqa: E402
from prevalence.corpus import list_shards, read_shard  # noqa: E402
from prevalence.stats.exact import clopper_pearson  # noqa: E402
from prevalence.tagging.mentions import MentionTagger  # noqa: E402

SETS = {
    "development set (the rules were written with it)": os.path.join(REPO, "tests", "data", "mention_labels.csv"),
    "held-out set (labelled after the rules were frozen)": os.path.join(REPO, "tests", "data", "mention_labels_heldout.csv"),
}


def still_counted(rows: list[dict]) -> list[bool]:
    """For each labelled occurrence, whether the tagger counts it today."""
    catalog = load_catalog()
    tagger = MentionTagger(catalog)
    wanted = {(r["shard"], int(r["position"])) for r in rows}
    located: dict[tuple[str, int], set[tuple[int, str]]] = {}
    shards, _ = list_shards([os.path.join(REPO, r) for r in sorted({r["corpus"] for r in rows})])
    for shard in shards:
        if not any(s == shard.name for s, _ in wanted):
            continue
        for batch in read_shard(shard, ReadOptions()):
            for position, text in zip(batch.column("position").to_pylist(), batch.column("text").to_pylist()):
                if (shard.name, position) in wanted:
                    found: list[tuple[int, str]] = []
                    tagger.analyse(" ".join(text.split()), found)
                    located[(shard.name, position)] = set(found)
    return [(int(r["offset"]), r["persona_id"]) in located[(r["shard"], int(r["position"]))] for r in rows]


def table(title: str, groups: dict[str, list[tuple[dict, bool]]]) -> list[str]:
    out = [f"## {title}", "", "| group | labelled | precision before [95% CI] | kept | precision after [95% CI] | true hits lost |",
           "| --- | --- | --- | --- | --- | --- |"]
    for name, items in groups.items():
        n, yes = len(items), sum(r["label"] == "yes" for r, _ in items)
        kept = [(r, k) for r, k in items if k]
        kept_yes = sum(r["label"] == "yes" for r, _ in kept)
        lost = sum(r["label"] == "yes" and not k for r, k in items)
        lo, hi = (float(x) for x in clopper_pearson(yes, n))
        klo, khi = (float(x) for x in clopper_pearson(kept_yes, len(kept))) if kept else (float("nan"), float("nan"))
        after = f"{kept_yes / len(kept):.3f} [{klo:.3f}, {khi:.3f}]" if kept else "-"
        out.append(f"| {name} | {n} | {yes / n:.3f} [{lo:.3f}, {hi:.3f}] | {len(kept)} | {after} | {lost} |")
    return out + [""]


def report(title: str, rows: list[dict]) -> list[str]:
    kept = still_counted(rows)
    catalog = load_catalog()
    kinds = {p.id: p.kind for p in catalog.personas}
    pairs = list(zip(rows, kept))
    by_source, by_kind, by_alias = defaultdict(list), defaultdict(list), defaultdict(list)
    for r, k in pairs:
        by_source[r["source"]].append((r, k))
        by_kind[kinds.get(r["persona_id"], "?")].append((r, k))
        written = r["context"].split("[[", 1)[1].split("]]", 1)[0]
        by_alias["full name (2+ words)" if " " in written.strip() else "one-word alias"].append((r, k))
    classes = Counter(r["label"] for r in rows if r["label"] != "yes")
    removed = Counter(r["label"] for r, k in pairs if r["label"] != "yes" and not k)
    lines = [f"# {title}", "", *table("Overall", {"all": pairs}), *table("By source", dict(sorted(by_source.items()))),
             *table("By persona kind", dict(sorted(by_kind.items()))), *table("By alias length", dict(sorted(by_alias.items()))),
             "## False mentions by class", "", "| class | labelled | removed by the rules | left |", "| --- | --- | --- | --- |"]
    lines += [f"| {c} | {n} | {removed[c]} | {n - removed[c]} |" for c, n in classes.most_common()]
    lost = [(r["persona_id"], r["context"]) for r, k in pairs if r["label"] == "yes" and not k]
    left = [(r["label"], r["persona_id"], r["context"]) for r, k in pairs if r["label"] != "yes" and k]
    lines += ["", "## True mentions the rules remove", ""] + [f"- `{pid}`: …{_short(c)}…" for pid, c in lost] + (["- none"] if not lost else [])
    lines += ["", "## False mentions still counted", ""] + [f"- {label}, `{pid}`: …{_short(c)}…" for label, pid, c in left] + (["- none"] if not left else [])
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the Markdown report here (default: print it)")
    args = parser.parse_args()
    lines = ["# Mention precision on labelled real text", "",
             f"{time.strftime('%Y-%m-%d')}. Command: `.venv/bin/python bench/mention_precision.py`. Method: its docstring.", ""]
    for title, path in SETS.items():
        with open(path, encoding="utf-8") as f:
            lines += ["#" + line if line.startswith("#") else line for line in report(title.capitalize(), list(csv.DictReader(f)))]
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


def _short(context: str) -> str:
    k = context.index("[[")
    return context[max(0, k - 60): k + 70].replace("|", "/")


if __name__ == "__main__":
    main()
