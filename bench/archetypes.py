"""Archetype classifier: leave-one-source-out rates, the abstention calibration, and before/after.

    .venv/bin/python bench/archetypes.py [--write-evaluation] [--before COMMIT] [--out bench/archetypes.md]

1. Every passage of the shipped corpus (prevalence/classifier/data/archetypes.jsonl.gz) is scored by a
   model trained without its whole source (leave-one-source-out, LOSO): about 30 trainings.
2. The abstention threshold is the one that best balances LOSO archetype accuracy against abstention
   on the `unclassified` sources (text of kinds no archetype covers), each also scored LOSO.
3. At that threshold: the LOSO report (per-label precision, recall, false-positive rate, confusion)
   and, beside it, the same-source held-out report (unseen works of sources seen in training).
4. The default model is tested on collections of kinds no label or calibration source was trained on:
   the Debian fortunes (tests/data/quotes/fortunes.jsonl.gz, by fortune file).
5. `--before COMMIT`: the model of an earlier commit's corpus and options on the same collections.

`--write-evaluation` writes prevalence/classifier/data/archetypes.evaluation.json, the rates the default
model's runs correct with; the unit tests check it matches the shipped corpus and options.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, replace

import pyarrow as pa

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, REPO)

from prevalence.classifier.default import CORPUS, EVALUATION, READ, corpus_sha256  # noqa: E402
from prevalence.classifier.fit import TrainOptions  # noqa: E402
from prevalence.classifier.labelled import read_labelled  # noqa: E402
from prevalence.classifier.loso import calibrate, loso_report, loso_scores  # noqa: E402
from prevalence.classifier.model import UNCLASSIFIED, ArchetypeModel, decided  # noqa: E402
from prevalence.classifier.text import fasttext_lines  # noqa: E402
from prevalence.classifier.train import train_classifier  # noqa: E402

FORTUNES = os.path.join(REPO, "tests", "data", "quotes", "fortunes.jsonl.gz")


def collections() -> dict[str, list[str]]:
    """Text of kinds no archetype was trained or calibrated on: the fortunes, by file."""
    out: dict[str, list[str]] = {}
    for line in gzip.open(FORTUNES, "rt", encoding="utf-8"):
        r = json.loads(line)
        out.setdefault(f"fortunes/{r['collection']}", []).append(r["text"])
    out["fortunes (all)"] = [t for k in sorted(out) for t in out[k]]
    return out


def shares(model: ArchetypeModel, texts: list[str], threshold: float) -> Counter:
    return Counter(decided(model.best(texts), threshold))


def before(commit: str, texts: dict[str, list[str]], work: str) -> dict:
    """The model of an earlier commit (its corpus, its options as they were: softmax, threshold 0.5)."""
    corpus = os.path.join(work, "before.jsonl.gz")
    with open(corpus, "wb") as f:
        f.write(subprocess.run(["git", "-C", REPO, "show", f"{commit}:prevalence/classifier/data/archetypes.jsonl.gz"],
                               check=True, capture_output=True).stdout)
    opts = replace(TrainOptions(), loss="softmax", threshold=0.5)
    report = train_classifier([corpus], os.path.join(work, "before"), READ, opts)
    model = ArchetypeModel.load(os.path.join(work, "before"))
    return {"commit": commit, "labels": model.labels, "held_out": report["held_out"],
            "collections": {k: shares(model, v, 0.5) for k, v in texts.items()}}


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "n/a"


def f3(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def markdown(ev: dict, same: dict, after: dict, old: dict | None, seconds: float, command: str) -> str:
    loso = ev["loso"]
    labels = sorted(loso["per_label"])
    lines = [
        "# Archetype classifier: leave-one-source-out rates, abstention, before and after",
        "",
        f"Measured by `{command}` on {time.strftime('%Y-%m-%d')} ({seconds:.0f} s, one core for fastText).",
        f"Corpus: `prevalence/classifier/data/archetypes.jsonl.gz`, {sum(s['documents'] for s in loso['per_source'].values())} passages "
        f"from {len(loso['per_source'])} sources (sha256 `{ev['corpus_sha256'][:16]}`); options {json.dumps(ev['options'])}.",
        "",
        "## Sources per label",
        "",
        "| label | sources (passages) |",
        "| --- | --- |",
    ]
    for label, sources in loso["sources"].items():
        lines.append(f"| {label} | " + ", ".join(f"{s} ({loso['per_source'][s]['documents']})" for s in sources) + " |")
    lines += [
        "",
        "## Abstention threshold",
        "",
        "Each threshold's archetype accuracy (LOSO, passages of the six archetypes) and abstention on the `unclassified` "
        "sources (LOSO: each scored by a model that never saw that source); the chosen threshold maximises their mean.",
        "",
        "| threshold | archetype accuracy | archetype passages abstaining | outside passages abstaining | mean |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in loso["calibration"]:
        mark = " **chosen**" if r["threshold"] == loso["threshold"] else ""
        lines.append(f"| {r['threshold']}{mark} | {r['archetype_accuracy']:.3f} | {r['archetype_abstained']:.3f} | "
                     f"{r['outside_abstained']:.3f} | {r['balanced']:.3f} |")
    lines += [
        "",
        f"## Per label at threshold {loso['threshold']}: leave-one-source-out against same-source held-out",
        "",
        f"LOSO macro F1 over the six archetypes: **{loso['macro_f1']:.3f}**; same-source held-out (20% of each "
        f"label's works, sources seen in training): {sum(same['per_label'][l]['f1'] for l in labels if l != UNCLASSIFIED) / (len(labels) - 1):.3f}. "
        "The run corrects shares with the LOSO rates.",
        "",
        "| label | LOSO precision | LOSO recall | LOSO F1 | LOSO false-positive rate | same-source precision | same-source recall | same-source F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label in labels:
        m, s = loso["per_label"][label], same["per_label"][label]
        lines.append(f"| {label} | {f3(m['precision'])} | {f3(m['recall'])} | {f3(m['f1'])} | {f3(m['fpr'])} | "
                     f"{f3(s['precision'])} | {f3(s['recall'])} | {f3(s['f1'])} |")
    columns = loso["confusion"]["rows_true_columns_predicted"][:-1]
    lines += ["", "LOSO confusion matrix (rows: true label, columns: given; `unclassified` includes abstention):", "",
              "| true \\ given | " + " | ".join(columns) + " |", "| --- |" + " ---: |" * len(columns)]
    for label, row in loso["confusion"]["matrix"].items():
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row[:-1]) + " |")
    lines += ["", "## Per source (LOSO: the source left out of training)", "",
              "| source | label | passages | labelled right | abstained | labels given |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for source, r in sorted(loso["per_source"].items(), key=lambda kv: (kv[1]["label"], kv[0])):
        given = ", ".join(f"{k} {v}" for k, v in sorted(r["given"].items(), key=lambda kv: -kv[1]))
        lines.append(f"| {source} | {r['label']} | {r['documents']} | {r['recall']:.2f} | {r['abstention_rate']:.2f} | {given} |")
    lines += ["", "## Collections of a kind no label was trained on", "",
              "The shipped default model (all sources, calibrated threshold) on the Debian fortunes (quotations and jokes; "
              "never used in training or calibration). Done when no archetype takes more than 25% and most documents abstain.", ""]
    header = "| collection | documents | unclassified | largest archetype |"
    lines += [header, "| --- | ---: | ---: | --- |"]
    for name, counts in after.items():
        n = sum(counts.values())
        top = max(((k, v) for k, v in counts.items() if k != UNCLASSIFIED), key=lambda kv: kv[1], default=("none", 0))
        lines.append(f"| {name} | {n} | {pct(counts[UNCLASSIFIED], n)} | {top[0]} {pct(top[1], n)} |")
    if old:
        lines += ["", f"## Before: the model of commit {old['commit'][:7]} (one source per label, softmax, threshold 0.5)", "",
                  f"Same-source held-out accuracy {old['held_out']['accuracy']:.3f}, macro F1 {old['held_out']['macro_f1']:.3f} "
                  "(what the old report claimed); it could not be tested leave-one-source-out, having one source per label.", "",
                  "| collection | documents | no label | shares given |", "| --- | ---: | ---: | --- |"]
        for name, counts in old["collections"].items():
            n = sum(counts.values())
            given = ", ".join(f"{k} {pct(v, n)}" for k, v in counts.most_common() if k != UNCLASSIFIED)
            lines.append(f"| {name} | {n} | {pct(counts[UNCLASSIFIED], n)} | {given} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-evaluation", action="store_true", help=f"write {os.path.relpath(EVALUATION, REPO)}")
    parser.add_argument("--before", help="an earlier commit whose archetype corpus to compare with")
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "archetypes.md"))
    args = parser.parse_args()
    start = time.time()
    corpus = read_labelled([CORPUS], READ)
    opts = TrainOptions()
    lines = fasttext_lines(pa.array(corpus.texts, pa.string()), opts.max_chars)
    scores = loso_scores(corpus, lines, opts, lambda m: print(m, file=sys.stderr, flush=True))
    threshold, table = calibrate(corpus.labels, scores)
    opts = replace(opts, threshold=threshold)
    loso = {**loso_report(corpus, scores, threshold), "calibration": table}
    ev = {"corpus_sha256": corpus_sha256(), "options": asdict(opts), "loso": loso}
    texts = collections()
    with tempfile.TemporaryDirectory() as work:
        report = train_classifier([CORPUS], os.path.join(work, "after"), READ, opts, known_loso=loso)
        model = ArchetypeModel.load(os.path.join(work, "after"))
        after = {k: shares(model, v, threshold) for k, v in texts.items()}
        old = before(args.before, texts, work) if args.before else None
    if args.write_evaluation:
        with open(EVALUATION, "w", encoding="utf-8") as f:
            json.dump(ev, f, indent=1, sort_keys=True)
            f.write("\n")
    command = "python bench/archetypes.py" + (" --write-evaluation" if args.write_evaluation else "") + (f" --before {args.before}" if args.before else "")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(markdown(ev, report["held_out"], after, old, time.time() - start, command))
    print(f"threshold {threshold}; LOSO macro F1 {loso['macro_f1']:.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
