"""The audit loop: sample a persona's hits and likely misses to label, then correct its share with the labels.

1. `draw_sample(run, persona, role, n, scan, seed)`: up to `n` documents tagged with the persona (each
   with the context of one occurrence) and, among `scan` untagged documents drawn at random, those
   that contain one of its names or aliases (likely misses). Documents are re-read from the run's
   corpus and re-tagged on the driver: only the sampled ones.
2. A person fills the `label` column: `yes` (the document is about the persona / says it) or `no`.
3. `load_labels(path)` turns the labels into counts; `adjust_share` estimates the persona's documents
   as precision x tagged + (share of likely misses that are real) x (likely misses in the corpus),
   D = pi T + phi r U, with T tagged documents, U untagged ones, r the rate of likely misses among
   the scanned untagged documents. Its interval draws pi, phi, r and the tagged share T / N from their
   Jeffreys posteriors (Beta(k + 1/2, n - k + 1/2)): the audit's uncertainty and the corpus's, as the
   raw share's own interval has it, and a zero cell never makes the uncertainty vanish. Under
   --sample, N is the sample's documents (the share is the sample's).
A persona's precision comes with its exact Clopper-Pearson interval.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import xxhash

from prevalence.errors import PrevalenceError

LABEL_YES = {"yes", "y", "1", "true", "t"}
LABEL_NO = {"no", "n", "0", "false", "f"}
COLUMNS = ("sample", "persona_id", "persona", "role", "doc_id", "shard", "position", "context", "label",
           "tagged_docs", "untagged_docs", "scanned_docs", "candidate_docs")
WINDOW = 120
DRAWS = 4000


def _key(seed: int, *parts) -> int:
    return xxhash.xxh3_64_intdigest("\x1f".join(map(str, (seed, *parts))).encode())


def draw_sample(run, persona: str, role: str = "mention", n: int = 100, scan: int = 2000, seed: int = 1) -> list[dict]:
    """Rows to label (COLUMNS): sampled hits, then likely misses."""
    from prevalence.catalog import Catalog
    from prevalence.config import from_parameters
    from prevalence.tagging.mentions import MentionTagger

    p = run.persona(persona)
    run._check_role(role)
    hits = run.con.execute(
        "SELECT h.doc_id, d.shard, d.position FROM persona_hits h JOIN documents d USING (doc_id) WHERE h.persona_id = ? AND h.role = ?",
        [p.id, role]).fetchall()
    untagged = run.con.execute(
        "SELECT d.doc_id, d.shard, d.position FROM documents d WHERE d.doc_id NOT IN "
        "(SELECT doc_id FROM persona_hits WHERE persona_id = ? AND role = ?)", [p.id, role]).fetchall()
    chosen_hits = sorted(hits, key=lambda r: _key(seed, r[0]))[:n]
    scanned = sorted(untagged, key=lambda r: _key(seed, "scan", r[0]))[:scan]
    config = from_parameters(run.manifest["parameters"], corpus=tuple(run.manifest["corpus"]["paths"]), out=run.path)
    texts = _read_documents(config, {(s, pos) for _, s, pos in chosen_hits + scanned})
    names = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in sorted(p.names, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE) \
        if p.names else None
    # Re-tag with the catalog the run tagged with: without the ad-hoc personas the run added to it.
    tagged_with = Catalog(tuple(q for q in run.catalog.personas if not q.kind.startswith("ad_hoc")), run.catalog.origin)
    tagger = MentionTagger(tagged_with) if role == "mention" else None
    stats = {"tagged_docs": len(hits), "untagged_docs": len(untagged), "scanned_docs": len(scanned)}
    rows = []
    for doc_id, shard, position in chosen_hits:
        text = " ".join(texts[(shard, position)].split())
        offsets = []
        if tagger is not None:
            located: list[tuple[int, str]] = []
            tagger.analyse(text, located)
            offsets = [o for o, pid in located if pid == p.id]
        elif names is not None:
            offsets = [m.start() for m in names.finditer(text)]
        at = offsets[_key(seed, doc_id) % len(offsets)] if offsets else 0
        rows.append(_row("hit", p, role, doc_id, shard, position, _context(text, at)))
    candidates = []
    for doc_id, shard, position in scanned:
        text = " ".join(texts[(shard, position)].split())
        m = names.search(text) if names is not None else None
        if m:
            candidates.append(_row("miss", p, role, doc_id, shard, position, _context(text, m.start())))
    stats["candidate_docs"] = len(candidates)
    rows += candidates[:n]
    return [{**r, **stats} for r in rows]


def _row(sample: str, p, role: str, doc_id: str, shard: str, position: int, context: str) -> dict:
    return {"sample": sample, "persona_id": p.id, "persona": p.name, "role": role, "doc_id": doc_id, "shard": shard,
            "position": position, "context": context, "label": ""}


def _context(text: str, at: int) -> str:
    start = max(0, at - WINDOW)
    return ("…" if start else "") + text[start:at] + "[[" + text[at:at + WINDOW] + ("…" if at + WINDOW < len(text) else "")


def _read_documents(config, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The texts of (shard, position) documents, reading only the shards that hold them."""
    from prevalence.corpus import list_shards, read_shard

    shards, _ = list_shards(config.corpus, config.read.format)
    needed = {s for s, _ in wanted}
    out = {}
    for shard in shards:
        if shard.name not in needed:
            continue
        for batch in read_shard(shard, config.read):
            for position, text in zip(batch.column("position").to_pylist(), batch.column("text").to_pylist()):
                if (shard.name, position) in wanted and text is not None:
                    out[(shard.name, position)] = text
    missing = wanted - set(out)
    if missing:
        raise PrevalenceError(f"cannot re-read {len(missing)} sampled document(s) from the run's corpus "
                              f"(first: {sorted(missing)[0][0]}); has the corpus moved or changed since the run?")
    return out


def write_sample(rows: list[dict], path: str) -> None:
    """The sample as CSV with an empty `label` column."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@dataclass(frozen=True)
class LabelCounts:
    """One persona's labels and the corpus counts its sample was drawn from."""

    persona_id: str
    role: str
    hits_yes: int
    hits_no: int
    misses_yes: int
    misses_no: int
    tagged_docs: int
    untagged_docs: int
    scanned_docs: int
    candidate_docs: int
    unlabelled: int

    @property
    def precision(self) -> float:
        n = self.hits_yes + self.hits_no
        return self.hits_yes / n if n else float("nan")

    def precision_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Exact (Clopper-Pearson) interval of the precision."""
        from prevalence.stats.exact import clopper_pearson

        low, high = clopper_pearson(self.hits_yes, self.hits_yes + self.hits_no, level)
        return float(low), float(high)


def load_labels(path: str) -> dict[tuple[str, str], LabelCounts]:
    """Label counts per (persona, role) from a filled sample CSV; PrevalenceError on a bad file."""
    if not os.path.isfile(path):
        raise PrevalenceError(f"labels file not found: {path}")
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise PrevalenceError(f"labels file {path}: missing column(s) {', '.join(sorted(missing))}; "
                                  "draw it with `prevalence audit RUN --persona NAME --out FILE`")
        tally: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(int))
        for line, row in enumerate(reader, start=2):
            label = row["label"].strip().lower()
            key = (row["persona_id"], row["role"])
            t = tally[key]
            for c in ("tagged_docs", "untagged_docs", "scanned_docs", "candidate_docs"):
                try:
                    t[c] = int(row[c])
                except ValueError:
                    raise PrevalenceError(f"labels file {path}, line {line}: {c} must be a whole number") from None
            if not label:
                t["unlabelled"] += 1
                continue
            if label not in LABEL_YES | LABEL_NO or row["sample"] not in ("hit", "miss"):
                raise PrevalenceError(f"labels file {path}, line {line}: label must be yes or no, got {row['label']!r}")
            t[f"{'hits' if row['sample'] == 'hit' else 'misses'}_{'yes' if label in LABEL_YES else 'no'}"] += 1
    counts = {}
    for (pid, role), t in tally.items():
        c = LabelCounts(pid, role, t["hits_yes"], t["hits_no"], t["misses_yes"], t["misses_no"], t["tagged_docs"],
                        t["untagged_docs"], t["scanned_docs"], t["candidate_docs"], t["unlabelled"])
        if c.hits_yes + c.hits_no == 0:
            raise PrevalenceError(f"labels file {path}: no labelled hit for {pid} ({role}); label some rows yes or no")
        counts[(pid, role)] = c
    return counts


def adjust_share(c: LabelCounts, total_docs: int, level: float = 0.95, seed: int = 0) -> tuple[float, float, float, float]:
    """(documents D, share D / total, low, high): D = pi T + phi r U, the interval from Jeffreys draws."""
    rng = np.random.default_rng(seed)
    n_h = c.hits_yes + c.hits_no
    n_m = c.misses_yes + c.misses_no
    pi = rng.beta(c.hits_yes + 0.5, c.hits_no + 0.5, DRAWS)
    phi = rng.beta(c.misses_yes + 0.5, c.misses_no + 0.5, DRAWS) if n_m else np.zeros(DRAWS)
    r = rng.beta(c.candidate_docs + 0.5, c.scanned_docs - c.candidate_docs + 0.5, DRAWS) if c.scanned_docs else np.zeros(DRAWS)
    total = c.tagged_docs + c.untagged_docs
    tagged = rng.beta(c.tagged_docs + 0.5, c.untagged_docs + 0.5, DRAWS) * total
    docs = pi * tagged + phi * r * (total - tagged)
    point_r = c.candidate_docs / c.scanned_docs if c.scanned_docs else 0.0
    point = c.hits_yes / n_h * c.tagged_docs + (c.misses_yes / n_m if n_m else 0.0) * point_r * c.untagged_docs
    tail = (1 - level) / 2
    low, high = np.quantile(docs, [tail, 1 - tail]) / total_docs
    return point, point / total_docs, float(low), float(high)
