"""From per-persona aggregates to the `prevalence` table: shares, intervals, ranks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from prevalence.catalog import UNNAMED_KINDS, Catalog
from prevalence.stats.bootstrap import row_percentile_intervals
from prevalence.stats.correction import jeffreys_adjusted
from prevalence.stats.intervals import share_interval, wilson_interval, z_value

__all__ = ["COUNTS_SCHEMA", "PREVALENCE_SCHEMA", "prevalence_table", "wilson_interval", "z_value"]

# Below this many documents a token-share interval is flagged `low_support`: the percentile bootstrap
# covers 0.53 at 1 document and 0.86 at 10 (bench/INTERVALS.md), so no verdict rests on it.
LOW_SUPPORT = 10
# Rows of replicate ratios whose intervals are computed together: 4,096 x 1,000 float64 is 33 MB.
INTERVAL_ROWS = 4096


COUNTS_SCHEMA = pa.schema(
    [("persona_id", pa.string()), ("role", pa.string()), ("docs", pa.int64()), ("unique_docs", pa.int64()),
     ("count", pa.int64()), ("tokens", pa.int64())]
)

PREVALENCE_SCHEMA = pa.schema(
    [
        pa.field("persona_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("docs", pa.int64(), nullable=False),
        pa.field("unique_docs", pa.int64()),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("tokens", pa.int64()),
        pa.field("doc_share", pa.float64()),
        pa.field("token_share", pa.float64()),
        pa.field("ci_low", pa.float64()),
        pa.field("ci_high", pa.float64()),
        pa.field("token_ci_low", pa.float64()),
        pa.field("token_ci_high", pa.float64()),
        # Documents behind the token-share interval, and how it was made: `bootstrap`, or `low_support`
        # below LOW_SUPPORT documents, where the percentile bootstrap undercovers (a flag: no verdict).
        pa.field("support", pa.int64(), nullable=False),
        pa.field("token_ci_method", pa.string()),
        pa.field("ci_method", pa.string(), nullable=False),
        pa.field("ci_level", pa.float64(), nullable=False),
        pa.field("unique_doc_share", pa.float64()),
        pa.field("unique_ci_low", pa.float64()),
        pa.field("unique_ci_high", pa.float64()),
        pa.field("adjusted_share", pa.float64()),
        pa.field("adjusted_ci_low", pa.float64()),
        pa.field("adjusted_ci_high", pa.float64()),
        pa.field("adjustment", pa.string()),
        pa.field("rank", pa.int64()),
        pa.field("unique_rank", pa.int64()),
        pa.field("total_docs", pa.int64(), nullable=False),
        pa.field("total_unique_docs", pa.int64()),
        pa.field("total_tokens", pa.int64(), nullable=False),
        pa.field("sample_fraction", pa.float64(), nullable=False),
        pa.field("est_docs", pa.float64(), nullable=False),
        pa.field("est_count", pa.float64(), nullable=False),
        pa.field("est_tokens", pa.float64()),
        pa.field("est_total_docs", pa.float64(), nullable=False),
    ]
)


def prevalence_table(
    counts: pa.Table,
    total_docs: int,
    total_tokens: int,
    catalog: Catalog,
    roles: tuple[str, ...],
    level: float = 0.95,
    total_unique_docs: int | None = None,
    replicates: pa.Table | None = None,
    sample_fraction: float = 1.0,
    audits: dict | None = None,
    population_docs: int | None = None,
) -> pa.Table:
    """One row per (persona, role) for every catalog persona taggable in that role, zeros included.

    `counts` has COUNTS_SCHEMA (sums over documents; unique_docs = near-duplicate clusters with a hit,
    null without deduplication). doc_share is docs over all kept documents, unique_doc_share is
    unique_docs over all clusters, each with an exact Clopper-Pearson interval at 3 documents or fewer
    and a Wilson interval above (`ci_method`). rank (by docs) and unique_rank (by
    unique_docs) order within a role, ties broken by count then id, and are null for personas never
    seen. token_share stays null for mentions.

    With `replicates` (REPLICATE_SCHEMA, `*`/`*` rows for corpus totals) token shares get percentile
    bootstrap intervals (`token_ci_method` `low_support` below LOW_SUPPORT documents), and personas
    with an audit entry (`audits`, keyed (persona_id or `*`, role)) get an adjusted share corrected for
    tagger error, with Jeffreys draws of the share and of the audit's rates (`stats.correction`).
    est_* columns extrapolate sample counts by 1 / sample_fraction; est_total_docs is
    `population_docs` (documents kept plus not sampled) when given. Under sampling (fraction < 1),
    unique shares are null: clusters formed within a sample are biased (docs/estimator.md).
    """
    found = {(r["persona_id"], r["role"]): r for r in counts.to_pylist()}
    rows = []
    for role in roles:
        for p in (p for p in catalog.personas if _measured_in(p.kind, role)):
            r = found.get((p.id, role), {})
            rows.append({"persona_id": p.id, "name": p.name, "kind": p.kind, "role": role,
                         "docs": int(r.get("docs") or 0), "count": int(r.get("count") or 0), "tokens": r.get("tokens"),
                         "unique_docs": None if total_unique_docs is None else int(r.get("unique_docs") or 0)})
    docs = np.array([r["docs"] for r in rows], dtype=np.int64)
    low, high, methods = share_interval(docs, total_docs, level)
    if sample_fraction < 1:
        total_unique_docs = None
    share = docs / total_docs if total_docs else np.full(len(rows), np.nan)
    ranks = _ranks(rows, "docs")
    n = len(rows)
    if total_unique_docs is None:
        unique = pa.nulls(n, pa.int64())
        u_share = u_low = u_high = pa.nulls(n, pa.float64())
        u_ranks = pa.nulls(n, pa.int64())
    else:
        u = np.array([r["unique_docs"] for r in rows], dtype=np.int64)
        unique = pa.array(u, pa.int64())
        lo, hi, _ = share_interval(u, total_unique_docs, level)
        u_share = pa.array(u / total_unique_docs if total_unique_docs else np.full(n, np.nan), pa.float64(), from_pandas=True)
        u_low, u_high = pa.array(lo, pa.float64(), from_pandas=True), pa.array(hi, pa.float64(), from_pandas=True)
        u_ranks = pa.array(_ranks(rows, "unique_docs"), pa.int64())
    token_share = [None if r["tokens"] is None or not total_tokens else r["tokens"] / total_tokens for r in rows]
    token_low, token_high, adjusted = _bootstrap_columns(rows, replicates, audits or {}, total_docs, level)
    scale = 1.0 / sample_fraction
    return pa.table(
        {
            "persona_id": [r["persona_id"] for r in rows],
            "name": [r["name"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "role": [r["role"] for r in rows],
            "docs": docs,
            "unique_docs": unique,
            "count": [r["count"] for r in rows],
            "tokens": pa.array([r["tokens"] for r in rows], pa.int64()),
            "doc_share": pa.array(share, pa.float64(), from_pandas=True),
            "token_share": pa.array(token_share, pa.float64()),
            "ci_low": pa.array(low, pa.float64(), from_pandas=True),
            "ci_high": pa.array(high, pa.float64(), from_pandas=True),
            "token_ci_low": pa.array(token_low, pa.float64()),
            "token_ci_high": pa.array(token_high, pa.float64()),
            "support": docs,
            "token_ci_method": pa.array([None if r["tokens"] is None else ("bootstrap" if r["docs"] >= LOW_SUPPORT else "low_support")
                                         for r in rows], pa.string()),
            "ci_method": methods.tolist() if n else [],
            "ci_level": [level] * n,
            "unique_doc_share": u_share,
            "unique_ci_low": u_low,
            "unique_ci_high": u_high,
            "adjusted_share": pa.array([a[0] for a in adjusted], pa.float64()),
            "adjusted_ci_low": pa.array([a[1] for a in adjusted], pa.float64()),
            "adjusted_ci_high": pa.array([a[2] for a in adjusted], pa.float64()),
            "adjustment": pa.array([a[3] for a in adjusted], pa.string()),
            "rank": pa.array(ranks, pa.int64()),
            "unique_rank": u_ranks,
            "total_docs": [total_docs] * n,
            "total_unique_docs": pa.array([total_unique_docs] * n, pa.int64()),
            "total_tokens": [total_tokens] * n,
            "sample_fraction": [sample_fraction] * n,
            "est_docs": docs * scale,
            "est_count": [r["count"] * scale for r in rows],
            "est_tokens": pa.array([None if r["tokens"] is None else r["tokens"] * scale for r in rows], pa.float64()),
            "est_total_docs": [float(population_docs) if population_docs is not None else total_docs * scale] * n,
        },
        schema=PREVALENCE_SCHEMA,
    )


def _measured_in(kind: str, role: str) -> bool:
    """Whether a persona kind is measured in a role: mentions and speakers are found by name, so
    archetypes (unnamed) are authors only; ad-hoc speakers and authors exist only in their role."""
    if kind == "ad_hoc_speaker":
        return role == "speaker"
    if kind == "ad_hoc_author":
        return role == "author"
    return kind not in UNNAMED_KINDS or role == "author"


def _bootstrap_columns(rows, replicates, audits, total_docs, level):
    """(token_ci_low, token_ci_high, [(adjusted, low, high, method)]) per row; None where not available."""
    n = len(rows)
    none4 = (None, None, None, None)
    if replicates is None or replicates.num_rows == 0:
        return [None] * n, [None] * n, [_adjusted(r, audits, total_docs, level) or none4 for r in rows]
    reps = _replicates_by_key(replicates)
    totals = reps[("*", "*")]["tokens"]
    zeros = np.zeros_like(totals)
    token_low: list[float | None] = [None] * n
    token_high: list[float | None] = [None] * n
    with_tokens = [i for i, r in enumerate(rows) if r["tokens"] is not None]
    for first in range(0, len(with_tokens), INTERVAL_ROWS):  # [rows x replicates] a block at a time
        block = with_tokens[first : first + INTERVAL_ROWS]
        own = np.stack([reps[key]["tokens"] if (key := (rows[i]["persona_id"], rows[i]["role"])) in reps else zeros for i in block])
        with np.errstate(divide="ignore", invalid="ignore"):
            low, high = row_percentile_intervals(own / totals, level)
        for i, lo, hi in zip(block, low.tolist(), high.tolist()):
            token_low[i], token_high[i] = lo, hi
    return token_low, token_high, [_adjusted(r, audits, total_docs, level) or none4 for r in rows]


def _replicates_by_key(replicates: pa.Table) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """{(persona_id, role): {"docs": [R], "tokens": [R]}} from REPLICATE_SCHEMA rows, vectorised: every
    key has one row per replicate, so the columns reshape to [keys x R] once the rows are grouped by key in
    replicate order: as `replicate_rows` writes them (checked), else after a sort."""
    r = int(pc.max(replicates.column("replicate")).as_py()) + 1
    t, keys = replicates, _run_keys(replicates, r)
    if keys is None:
        t = replicates.sort_by([("persona_id", "ascending"), ("role", "ascending"), ("replicate", "ascending")])
        keys = _run_keys(t, r)  # sorted, every key's run must hold each replicate once
        if keys is None:
            raise ValueError("replicates table does not hold every replicate of every persona exactly once")
    docs = t.column("docs").to_numpy().reshape(-1, r)
    tokens = t.column("tokens").to_numpy().reshape(-1, r)
    return {key: {"docs": docs[i], "tokens": tokens[i]} for i, key in enumerate(keys)}


def _first_keys(t: pa.Table, r: int) -> list[tuple[str, str]]:
    """(persona_id, role) of the first row of each run of `r` rows."""
    firsts = pa.array(np.arange(0, t.num_rows, r))
    return list(zip(t.column("persona_id").take(firsts).to_pylist(), t.column("role").take(firsts).to_pylist()))


def _run_keys(t: pa.Table, r: int) -> list[tuple[str, str]] | None:
    """The key of each run of `r` rows when each run holds replicates 0..r-1 of one key and no key has two
    runs; else None."""
    if t.num_rows % r or not np.array_equal(t.column("replicate").to_numpy(), np.tile(np.arange(r, dtype=np.int32), t.num_rows // r)):
        return None
    n = t.num_rows
    inside = np.ones(max(n - 1, 0), dtype=bool)
    inside[r - 1 :: r] = False  # row i and row i + 1 in one run
    for c in ("persona_id", "role"):
        column = t.column(c)
        same = pc.fill_null(pc.equal(column.slice(1), column.slice(0, n - 1)), False).to_numpy(zero_copy_only=False)
        if not same[inside].all():
            return None
    keys = _first_keys(t, r)
    return keys if len(set(keys)) == len(keys) else None


def _adjusted(r: dict, audits: dict, total_docs: int, level: float) -> tuple | None:
    """(adjusted share, low, high, method) of a row with an audit, else None."""
    audit = audits.get((r["persona_id"], r["role"])) or audits.get(("*", r["role"]))
    if audit is None or not total_docs:
        return None
    seed = xxhash.xxh3_64_intdigest(f"{r['persona_id']}\n{r['role']}".encode())
    point, low, high = jeffreys_adjusted(r["docs"], total_docs, audit, level, seed)
    return point, low, high, "acc_jeffreys"


def _ranks(rows: list[dict], by: str) -> list[int | None]:
    ranks: list[int | None] = [None] * len(rows)
    by_role: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r[by]:
            by_role.setdefault(r["role"], []).append(i)
    for indices in by_role.values():
        indices.sort(key=lambda i: (-rows[i][by], -rows[i]["count"], rows[i]["persona_id"]))
        for rank, i in enumerate(indices, start=1):
            ranks[i] = rank
    return ranks
