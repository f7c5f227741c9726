"""The tagging stage: raw documents in, per-document persona hits out (Arrow batch to Arrow batch)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.dedup.signer import Signer
from prevalence.stats.sampling import doc_hashes, in_sample
from prevalence.tagging.archetypes import ArchetypeTagger
from prevalence.tagging.assistant import METHOD as ASSISTANT_METHOD
from prevalence.tagging.assistant import PERSONA as ASSISTANT
from prevalence.tagging.assistant import AssistantStyle
from prevalence.tagging.authors import AuthorTagger
from prevalence.tagging.mentions import METHOD, MentionTagger
from prevalence.tagging.pairs import PairOptions, document_pairs, window_pairs, word_positions
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

PAIR_TYPE = pa.struct([pa.field("a", pa.string(), nullable=False), pa.field("b", pa.string(), nullable=False)])

TAGGED_SCHEMA = pa.schema(
    [
        pa.field("shard", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("n_chars", pa.int64()),
        pa.field("n_tokens", pa.int64()),
        pa.field("hits", pa.list_(HIT_TYPE)),
        # Persona pairs that co-occur in the document (tagging.pairs); null without co-occurrence.
        pa.field("pairs", pa.list_(PAIR_TYPE)),
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
    assistant: AssistantStyle | None = None,
    pairs: PairOptions | None = None,
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
    windowed = pairs is not None and pairs.enabled and pairs.window > 0
    mention_positions: list[list[tuple[int, str]] | None] = []
    rows = zip(texts.to_pylist(), batch.column("source").to_pylist(), batch.column("speaker").to_pylist(), batch.column("author").to_pylist())
    for text, source, speaker, author in rows:
        if text is None:
            n_tokens.append(None)
            hits.append(None)
            mention_positions.append(None)
            continue
        words = text.split()
        n_tokens.append(len(words))
        normalised = " ".join(words)
        located: list[tuple[int, str]] | None = [] if windowed else None
        counts, evidence = mentions.analyse(normalised, located)
        mention_positions.append(word_positions(normalised, located) if windowed else None)
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
        if assistant is not None and assistant.is_assistant(text) and not any(
            h["persona_id"] == ASSISTANT and h["role"] == "author" for h in doc_hits
        ):
            doc_hits.append({"persona_id": ASSISTANT, "role": "author", "count": 1, "tokens": len(words), "score": 1.0, "method": ASSISTANT_METHOD})
        hits.append(doc_hits)
    if archetypes is not None:
        for doc_hits, extra in zip(hits, archetypes.tag(texts, n_tokens)):
            if doc_hits is not None:
                # One hit per (persona, role): a label naming a persona already found by name is not added twice.
                have = {(h["persona_id"], h["role"]) for h in doc_hits}
                doc_hits += [h for h in extra if (h["persona_id"], h["role"]) not in have]
    doc_pairs: list[list[dict] | None] = [None] * len(hits)
    if pairs is not None and pairs.enabled:
        for i, doc_hits in enumerate(hits):
            if doc_hits is None:
                continue
            if windowed:
                found = window_pairs(mention_positions[i], pairs.window, pairs.max_personas)
            else:
                weights: dict[str, int] = {}
                for h in doc_hits:
                    weights[h["persona_id"]] = weights.get(h["persona_id"], 0) + h["count"]
                found = document_pairs(weights, pairs.max_personas)
            doc_pairs[i] = [{"a": a, "b": b} for a, b in found]
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
            pa.array(doc_pairs, pa.list_(PAIR_TYPE)),
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
