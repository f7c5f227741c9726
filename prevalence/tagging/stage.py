"""The tagging stage: raw documents in, per-document persona hits out (Arrow batch to Arrow batch)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.mentions import METHOD, MentionTagger

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
    """Measure and tag the documents of a RAW_SCHEMA batch; reject rows pass through untagged.

    One `str.split()` per document gives both the token count and the whitespace-normalised text the
    automaton reads (a multi-word alias then matches across line breaks and runs of spaces).
    """
    texts = batch.column("text")
    n_tokens: list[int | None] = []
    hits: list[list[dict] | None] = []
    for text in texts.to_pylist():
        if text is None:
            n_tokens.append(None)
            hits.append(None)
            continue
        words = text.split()
        n_tokens.append(len(words))
        counts = mentions.count(" ".join(words))
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
            pc.utf8_length(texts).cast(pa.int64()),
            pa.array(n_tokens, pa.int64()),
            pa.array(hits, pa.list_(HIT_TYPE)),
            batch.column("reject_reason"),
            batch.column("excerpt"),
        ],
        schema=TAGGED_SCHEMA,
    )
