"""The tagging stage: raw documents in, per-document persona hits out (Arrow batch to Arrow batch)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.mentions import METHOD, MentionTagger, normalise_whitespace

HIT_TYPE = pa.struct(
    [
        pa.field("persona_id", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("tokens", pa.int64()),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
    ]
)

TAGGED_SCHEMA = pa.schema(
    [
        pa.field("shard", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("n_chars", pa.int64()),
        pa.field("n_tokens", pa.int64()),
        pa.field("hits", pa.list_(HIT_TYPE)),
        pa.field("reject_reason", pa.string()),
        pa.field("excerpt", pa.string()),
    ]
)


def tag_batch(batch: pa.RecordBatch, mentions: MentionTagger) -> pa.RecordBatch:
    """Measure and tag the documents of a RAW_SCHEMA batch; reject rows pass through untagged."""
    texts = batch.column("text")
    n_chars = pc.utf8_length(texts).cast(pa.int64())
    n_tokens = pc.count_substring_regex(texts, r"\S+").cast(pa.int64())
    hits = []
    for text in normalise_whitespace(texts).to_pylist():
        if text is None:
            hits.append(None)
            continue
        counts = mentions.count(text)
        hits.append([
            {"persona_id": pid, "role": mentions.role, "count": c, "tokens": None, "score": 1.0, "method": METHOD}
            for pid, c in counts.items()
        ])
    return pa.RecordBatch.from_arrays(
        [
            batch.column("shard"),
            batch.column("position"),
            batch.column("doc_id"),
            batch.column("source"),
            n_chars,
            n_tokens,
            pa.array(hits, pa.list_(HIT_TYPE)),
            batch.column("reject_reason"),
            batch.column("excerpt"),
        ],
        schema=TAGGED_SCHEMA,
    )
