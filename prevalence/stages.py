"""The document stages of a run, applied in order to every batch a shard reader yields:

    sample -> tokenise -> tag -> pair -> sign

Each stage is a small picklable object with a `name` and one call, `stage(work)`, that reads and
fills fields of the batch's `Work`; `run_stages` applies a list of them and assembles the tagged
batch (TAGGED_SCHEMA) that the shard store keeps. Nothing here knows about Spark: the Spark wing ships
the list to its workers and calls `run_stages` on each batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.catalog import Catalog
from prevalence.config import DedupOptions, PairOptions, RunConfig
from prevalence.stats.sampling import doc_hashes, in_sample
from prevalence.tagging.base import DOCUMENT_SCHEMA, HIT_ROWS_SCHEMA, Documents, TaggerContext, hit_rows
from prevalence.tagging.pairs import document_pairs, window_pairs
from prevalence.tagging.registry import DEFAULT_TAGGERS, build_taggers
from prevalence.tagging.speakers import GROUP
from prevalence.tagging.words import normalise_whitespace

HIT_TYPE = pa.struct([HIT_ROWS_SCHEMA.field(n) for n in ("persona_id", "role", "count", "tokens", "score", "method")])
PAIR_TYPE = pa.struct([pa.field("a", pa.string(), nullable=False), pa.field("b", pa.string(), nullable=False)])
NAME_TYPE = pa.struct([pa.field("persona_id", pa.string(), nullable=False), pa.field("name", pa.string(), nullable=False)])

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
        # Names as written of the document's personas that the catalog lacks (their display names).
        pa.field("names", pa.list_(NAME_TYPE)),
        # Group speech (`All`, `Both`, `Citizens`): turns and words that belong to no persona.
        pa.field("group_turns", pa.int64()),
        pa.field("group_words", pa.int64()),
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


@dataclass
class Work:
    """One raw batch (corpus.RAW_SCHEMA) on its way through the stages."""

    raw: pa.RecordBatch
    doc_hash: np.ndarray | None = None
    # Rows to tag: sampled and readable (indexes into `raw`).
    live: np.ndarray | None = None
    sampled: np.ndarray | None = None
    texts: pa.Array | None = None  # raw text of live rows, null elsewhere
    normalised: pa.Array | None = None  # `texts` with runs of whitespace as one space, ends trimmed
    docs: Documents | None = None  # the live rows, as taggers read them
    hits: pa.Table = field(default_factory=HIT_ROWS_SCHEMA.empty_table)  # `row` indexes docs
    groups: pa.Table | None = None  # group-speech hit rows, kept out of `hits`
    pairs: list[list[tuple[str, str]]] | None = None  # per live row
    signature: tuple[pa.Array, pa.Array, pa.Array] | None = None  # text_key, bands, signature

    @property
    def every_row_live(self) -> bool:
        """Every raw row is a document (nothing rejected or sampled out): `docs` then holds the raw
        rows themselves, in order, and their columns are `texts` and `normalised` as they are."""
        return self.live is not None and len(self.live) == self.raw.num_rows


class Stage(Protocol):
    name: str

    def __call__(self, work: Work) -> None: ...


@dataclass(frozen=True)
class Sample:
    """Select documents by a stable hash of doc_id (rejects are always kept, to be counted)."""

    fraction: float = 1.0
    name: str = "sample"

    def __call__(self, work: Work) -> None:
        work.doc_hash = doc_hashes(work.raw.column("doc_id").to_pylist())
        rejected = work.raw.column("reject_reason").is_valid().to_numpy(zero_copy_only=False)
        work.sampled = in_sample(work.doc_hash, self.fraction) | rejected
        work.live = np.flatnonzero(work.sampled & ~rejected)


@dataclass(frozen=True)
class Tokenise:
    """Words per document, and the text with runs of whitespace as one space (a multi-word alias then
    matches across line breaks): `" ".join(text.split())` and its word count, in Arrow compute."""

    name: str = "tokenise"

    def __call__(self, work: Work) -> None:
        if work.live is None:
            Sample()(work)
        if work.every_row_live:  # most batches: nothing rejected, nothing sampled out
            work.texts = work.raw.column("text")
            take = lambda column: column  # noqa: E731
        else:
            live = pa.array(work.live, pa.int64())
            mask = np.zeros(work.raw.num_rows, dtype=bool)
            mask[work.live] = True
            work.texts = pc.if_else(pa.array(mask), work.raw.column("text"), pa.scalar(None, pa.string()))
            take = lambda column: column.take(live)  # noqa: E731
        work.normalised, n_tokens = normalise_whitespace(work.texts)
        columns = {"doc_id": take(work.raw.column("doc_id")), "text": take(work.raw.column("text")),
                   "normalised": take(work.normalised), "source": take(work.raw.column("source")),
                   "speaker": take(work.raw.column("speaker")), "author": take(work.raw.column("author")),
                   "n_tokens": take(n_tokens)}
        work.docs = Documents(pa.RecordBatch.from_pydict(columns, schema=DOCUMENT_SCHEMA))


# Taggers built in this process, by (catalog, tagger list, model): automata are built once per worker.
_built: dict[tuple, list] = {}


class ModelSource(Protocol):
    """Where a worker gets the run's archetype model: `key` names it, `load()` returns it."""

    key: str

    def load(self) -> Any: ...


@dataclass(frozen=True)
class Tag:
    """Run the registered taggers over the documents; where two give the same (document, persona,
    role), the earlier tagger's hit stands."""

    catalog: Catalog
    config: RunConfig | None = None
    taggers: tuple[str, ...] = DEFAULT_TAGGERS
    model: ModelSource | None = None
    name: str = "tag"

    def __post_init__(self) -> None:
        self._key  # computed where the stage is made, and pickled with it: not again in every Spark task (0.01 s)

    @cached_property
    def _key(self) -> tuple:
        # The whole config: a tagger may read any of it (a worker that served another run must not
        # reuse taggers built for that run's options or paths).
        return (self.catalog.fingerprint(), self.taggers, self.model.key if self.model else None, repr(self.config))

    def built(self) -> list:
        key = self._key
        if key not in _built:
            model = self.model.load() if self.model is not None else None
            _built[key] = build_taggers(self.taggers, TaggerContext(self.catalog, model, self.config))
        return _built[key]

    def __call__(self, work: Work) -> None:
        docs = work.docs
        outputs = []
        for tagger in self.built():
            if getattr(tagger, "provides_evidence", False) and docs.evidence is None:
                hits, evidence = tagger.scan(docs)
                docs = docs.with_evidence(evidence)
            else:
                hits = tagger.tag(docs)
            outputs.append(hit_rows(hits, tagger.name))
        work.docs = docs
        hits = first_hit_per_persona(outputs)
        is_group = pc.equal(hits.column("persona_id"), GROUP)
        work.groups = hits.filter(is_group)
        work.hits = hits.filter(pc.invert(is_group))


def first_hit_per_persona(outputs: list[pa.Table]) -> pa.Table:
    """The taggers' hit rows in order (by document, then tagger, then as given), keeping only the first
    hit of each (document, persona, role)."""
    if not outputs:
        return HIT_ROWS_SCHEMA.empty_table()
    hits = pa.concat_tables(outputs)
    hits = hits.append_column("_seq", pa.array(np.arange(hits.num_rows), pa.int64()))
    firsts = hits.group_by(["row", "persona_id", "role"], use_threads=False).aggregate([("_seq", "min")]).column("_seq_min")
    hits = hits.filter(pc.is_in(hits.column("_seq"), value_set=firsts))
    order = pc.sort_indices(hits, sort_keys=[("row", "ascending"), ("_seq", "ascending")])
    return hits.take(order).drop_columns(["_seq"])


@dataclass(frozen=True)
class Pair:
    """Persona pairs per document for the co-occurrence table: among the document's top personas by
    hits, or (window > 0) mentions within `window` words."""

    options: PairOptions = PairOptions()
    name: str = "pair"

    def __call__(self, work: Work) -> None:
        n = len(work.docs)
        rows = work.hits.column("row").to_pylist()
        pids = work.hits.column("persona_id").to_pylist()
        if self.options.window > 0:
            located: list[list[tuple[int, str]]] = [[] for _ in range(n)]
            positions = work.hits.column("positions").to_pylist()
            for row, pid, where in zip(rows, pids, positions):
                located[row].extend((w, pid) for w in where or ())
            work.pairs = [window_pairs(found, self.options.window, self.options.max_personas) for found in located]
            return
        weights: list[dict[str, int]] = [{} for _ in range(n)]
        for row, pid, count in zip(rows, pids, work.hits.column("count").to_pylist()):
            weights[row][pid] = weights[row].get(pid, 0) + count
        work.pairs = [document_pairs(w, self.options.max_personas) for w in weights]


_signers: dict[DedupOptions, Any] = {}


@dataclass(frozen=True)
class Sign:
    """MinHash signature, LSH band keys and exact-text key of each document (dedup inputs)."""

    options: DedupOptions = DedupOptions()
    name: str = "sign"
    # LSH (bands, rows), chosen where the stage is built (the driver) and pickled with it: a worker then
    # need not import datasketch (and scipy.integrate with it, about a second per Python worker).
    banding: tuple[int, int] = field(init=False)

    def __post_init__(self) -> None:
        from prevalence.dedup.lsh import lsh_params

        object.__setattr__(self, "banding", lsh_params(self.options.threshold, self.options.num_perm))

    def __call__(self, work: Work) -> None:
        if self.options not in _signers:
            from prevalence.dedup.minhash import MinHasher
            from prevalence.dedup.signer import Signer

            o = self.options
            _signers[o] = Signer(MinHasher(o.num_perm, o.shingle_size, o.seed), *self.banding)
        # Where every row is a document, the mention tagger has lowered these very texts already.
        lowered = work.docs.lowered("normalised") if work.docs is not None and work.every_row_live else None
        work.signature = _signers[self.options].sign(work.texts, work.normalised, lowered)


def document_stages(config: RunConfig, catalog: Catalog, model: ModelSource | None = None) -> list[Stage]:
    """The stages a run applies to every batch, built from its config."""
    stages: list[Stage] = [Sample(config.sample_fraction), Tokenise(),
                           Tag(catalog, config, DEFAULT_TAGGERS + config.taggers, model)]
    if config.pairs.enabled:
        stages.append(Pair(config.pairs))
    if config.dedup.enabled:
        stages.append(Sign(config.dedup))
    return stages


def run_stages(raw: pa.RecordBatch, stages: list[Stage]) -> pa.RecordBatch:
    """Apply the stages to one raw batch and assemble its TAGGED_SCHEMA batch; rejects pass through
    untagged, documents outside the sample are counted but not tagged."""
    work = Work(raw)
    for stage in stages:
        stage(work)
    return assemble(work)


def _lists(values: pa.Array, per_doc, live: np.ndarray, dead: np.ndarray, item: pa.DataType) -> pa.ListArray:
    """A list per raw row: for the row of document d (`live[d]`), the next `per_doc[d]` values; null where
    `dead`."""
    sizes = np.zeros(len(dead), dtype=np.int64)
    sizes[live] = per_doc
    offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, values, type=pa.list_(item), mask=pa.array(dead))


def assemble(work: Work) -> pa.RecordBatch:
    """The tagged batch of a worked raw batch: one row per raw row."""
    n = work.raw.num_rows
    if work.docs is None:
        Tokenise()(work)
    live = work.live
    dead = np.ones(n, dtype=bool)
    dead[live] = False
    values = pa.StructArray.from_arrays([work.hits.column(f.name).combine_chunks() for f in HIT_TYPE], fields=list(HIT_TYPE))
    hits = _lists(values, np.bincount(np.asarray(work.hits.column("row"), dtype=np.int64), minlength=len(live)), live, dead, HIT_TYPE)
    n_tokens = np.zeros(n, dtype=np.int64)
    n_tokens[live] = np.asarray(work.docs.batch.column("n_tokens"), dtype=np.int64)
    pairs = pa.nulls(n, pa.list_(PAIR_TYPE))
    if work.pairs is not None:
        flat = [pair for found in work.pairs for pair in found]
        values = pa.StructArray.from_arrays([pa.array([a for a, _ in flat], pa.string()), pa.array([b for _, b in flat], pa.string())],
                                            fields=list(PAIR_TYPE))
        pairs = _lists(values, [len(found) for found in work.pairs], live, dead, PAIR_TYPE)
    # The names hits were found under, in hit order: a list per document (empty when none), null for the rest.
    named = work.hits.filter(pc.is_valid(work.hits.column("name")))
    values = pa.StructArray.from_arrays([named.column("persona_id").combine_chunks(), named.column("name").combine_chunks()],
                                        fields=list(NAME_TYPE))
    names = _lists(values, np.bincount(np.asarray(named.column("row"), dtype=np.int64), minlength=len(live)), live, dead, NAME_TYPE)
    # Characters per text, from the Python strings the taggers read (len() is free; utf8_length reads every byte).
    texts = work.docs.column("text")
    lengths = np.zeros(n, dtype=np.int64)
    has_text = np.zeros(n, dtype=bool)
    lengths[live] = [len(t) if t is not None else 0 for t in texts]
    has_text[live] = [t is not None for t in texts]
    group_turns = np.zeros(n, dtype=np.int64)
    group_words = np.zeros(n, dtype=np.int64)
    if work.groups is not None and work.groups.num_rows:
        rows = live[np.asarray(work.groups.column("row"), dtype=np.int64)]
        np.add.at(group_turns, rows, np.asarray(work.groups.column("count"), dtype=np.int64))
        np.add.at(group_words, rows, np.asarray(pc.fill_null(work.groups.column("tokens"), 0), dtype=np.int64))
    text_key, bands, signature = work.signature or (pa.nulls(n, pa.string()), pa.nulls(n, pa.list_(pa.int64())), pa.nulls(n, pa.binary()))
    return pa.RecordBatch.from_arrays(
        [
            work.raw.column("shard"),
            work.raw.column("position"),
            work.raw.column("doc_id"),
            work.raw.column("source"),
            pa.array(lengths, pa.int64(), mask=~has_text),
            pa.array(n_tokens, pa.int64(), mask=dead),
            hits,
            pairs,
            names,
            pa.array(group_turns, pa.int64(), mask=dead),
            pa.array(group_words, pa.int64(), mask=dead),
            text_key,
            bands,
            signature,
            pa.array(work.doc_hash.view(np.int64)),
            pa.array(work.sampled),
            work.raw.column("reject_reason"),
            work.raw.column("excerpt"),
        ],
        schema=TAGGED_SCHEMA,
    )
