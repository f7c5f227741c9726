"""The tagging stage: raw documents in, per-document persona hits out (Arrow batch to Arrow batch)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.dedup.signer import Signer
from prevalence.stats.sampling import doc_hashes, in_sample
from prevalence.tagging.archetypes import ArchetypeTagger
from prevalence.tagging.authors import AuthorTagger
from prevalence.tagging.mentions import METHOD, MentionTagger
from prevalence.tagging.speakers import SpeakerTagger

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
        # Deduplication inputs (null without dedup, and for rejects; bands null without shingles).
        pa.field("text_key", pa.string()),
        pa.field("bands", pa.list_(pa.int64())),
        pa.field("signature", pa.binary()),
        # xxh3 of doc_id: the key of deterministic sampling and bootstrap weights.
        pa.field("doc_hash", pa.int64(), nullable=False),
        # False for documents outside the sample (--sample): counted, not tagged.
        pa.field("sampled", pa.bool_(), nullable=False),
        pa.field("reject_reason", pa.string()),
        pa.field("excerpt", pa.string()),
    ]
)


def tag_batch(
    batch: pa.RecordBatch,
    mentions: MentionTagger,
    signer: Signer | None = None,
    speakers: SpeakerTagger | None = None,
    sample_fraction: float = 1.0,
    authors: AuthorTagger | None = None,
    archetypes: ArchetypeTagger | None = None,
) -> pa.RecordBatch:
    """Measure and tag the documents of a RAW_SCHEMA batch; reject rows pass through untagged.

    One `str.split()` per document gives both the token count and the whitespace-normalised text the
    automaton reads (a multi-word alias then matches across line breaks and runs of spaces). The
    speaker and author taggers read the raw text (scripts and signatures are line-based) and the
    mention evidence; the archetype classifier takes the whole batch in one call.
    """
    hashes = doc_hashes(batch.column("doc_id").to_pylist())
    sampled = in_sample(hashes, sample_fraction) | batch.column("reject_reason").is_valid().to_numpy(zero_copy_only=False)
    texts = batch.column("text")
    if not sampled.all():
        texts = pc.if_else(pa.array(sampled), texts, pa.scalar(None, pa.string()))
    n_tokens: list[int | None] = []
    hits: list[list[dict] | None] = []
    rows = zip(texts.to_pylist(), batch.column("source").to_pylist(), batch.column("speaker").to_pylist(), batch.column("author").to_pylist())
    for text, source, speaker, author in rows:
        if text is None:
            n_tokens.append(None)
            hits.append(None)
            continue
        words = text.split()
        n_tokens.append(len(words))
        counts, evidence = mentions.analyse(" ".join(words))
        doc_hits = [
            {"persona_id": pid, "role": mentions.role, "count": c, "tokens": None, "score": 1.0, "method": METHOD}
            for pid, c in counts.items()
        ]
        if speakers is not None:
            doc_hits += [
                {"persona_id": pid, "role": speakers.role, "count": turns, "tokens": spoken, "score": 1.0, "method": method}
                for pid, (turns, spoken, method) in speakers.tag(text, evidence, source, speaker).items()
            ]
        if authors is not None:
            doc_hits += [
                {"persona_id": pid, "role": authors.role, "count": c, "tokens": written, "score": 1.0, "method": method}
                for pid, (c, written, method) in authors.tag(text, evidence, source, len(words), author).items()
            ]
        hits.append(doc_hits)
    if archetypes is not None:
        for doc_hits, extra in zip(hits, archetypes.tag(texts, n_tokens)):
            if doc_hits is not None:
                doc_hits += extra
    n = batch.num_rows
    if signer is not None:
        text_key, bands, signature = signer.sign(texts)
    else:
        text_key, bands, signature = pa.nulls(n, pa.string()), pa.nulls(n, pa.list_(pa.int64())), pa.nulls(n, pa.binary())
    return pa.RecordBatch.from_arrays(
        [
            batch.column("shard"),
            batch.column("position"),
            batch.column("doc_id"),
            batch.column("source"),
            pc.utf8_length(texts).cast(pa.int64()),
            pa.array(n_tokens, pa.int64()),
            pa.array(hits, pa.list_(HIT_TYPE)),
            text_key,
            bands,
            signature,
            pa.array(hashes.view(np.int64)),
            pa.array(sampled),
            batch.column("reject_reason"),
            batch.column("excerpt"),
        ],
        schema=TAGGED_SCHEMA,
    )
