"""Corpus totals of a run: documents kept, not sampled and rejected (by reason), and the kept
documents' tokens, characters and group speech, added up over partitions of the tagged rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

# One row per reject reason (null: not rejected) of a partition: rows, rows sampled, and the sampled
# rows' tokens, characters, and group turns and words.
CORPUS_TOTALS_SCHEMA = pa.schema([
    ("reject_reason", pa.string()), ("n", pa.int64()), ("sampled", pa.int64()), ("tokens", pa.int64()), ("chars", pa.int64()),
    ("group_turns", pa.int64()), ("group_words", pa.int64()),
])
_SUMMED = ("tokens", "chars", "group_turns", "group_words")
_COLUMNS = {"tokens": "n_tokens", "chars": "n_chars", "group_turns": "group_turns", "group_words": "group_words"}


def partial_corpus_totals(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """CORPUS_TOTALS_SCHEMA rows of tagged rows (reject_reason, sampled, n_tokens, n_chars, group_turns,
    group_words), one per reject reason of each batch."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        sampled = batch.column("sampled")
        rows = pa.table({"reject_reason": batch.column("reject_reason"), "sampled": sampled.cast(pa.int64()),
                         **{name: pc.if_else(sampled, batch.column(column).cast(pa.int64()), None) for name, column in _COLUMNS.items()}})
        summed = rows.group_by("reject_reason", use_threads=False).aggregate(
            [([], "count_all"), ("sampled", "sum"), *((name, "sum") for name in _SUMMED)])
        yield pa.RecordBatch.from_arrays(
            [summed.column("reject_reason").combine_chunks(), summed.column("count_all").combine_chunks(),
             *(summed.column(f"{name}_sum").combine_chunks() for name in ("sampled", *_SUMMED))], schema=CORPUS_TOTALS_SCHEMA)


def corpus_counts(rows: pa.Table) -> dict:
    """The run's corpus counts from every partition's CORPUS_TOTALS_SCHEMA rows."""
    total = {}
    for row in rows.to_pylist():  # a few rows per partition
        into = total.setdefault(row["reject_reason"], dict.fromkeys(("n", "sampled", *_SUMMED), 0))
        for name in into:
            into[name] += row[name] or 0
    by_reason = {reason: sums["n"] for reason, sums in total.items() if reason is not None}
    row = total.get(None, {})
    rejected = sum(by_reason.values())
    kept = row.get("sampled", 0)
    not_sampled = row.get("n", 0) - kept
    return {
        "documents_in": kept + rejected + not_sampled, "documents_kept": kept, "not_sampled": not_sampled, "rejected": rejected,
        "rejects_by_reason": dict(sorted(by_reason.items())), "tokens": row.get("tokens", 0), "chars": row.get("chars", 0),
        # Speech of groups (`All`, `Both`, `Citizens`), in no persona's count.
        "group_speech": {"turns": row.get("group_turns", 0), "words": row.get("group_words", 0)},
    }
