"""Poisson bootstrap with replicate weights drawn from a stable hash of each document id.

Replicate r gives document d the weight Poisson(1) drawn from splitmix64(xxh3(doc_id), r): the same
weights on any machine and in any partition, so every replicate is summed in the pass that counts
the data, with no extra pass per replicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import ceil, exp, factorial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.stats.replicate_sums import replicate_sums
from prevalence.stats.sampling import UNIFORM_BITS, uniform_bits

_POISSON1_CDF = np.cumsum([exp(-1) / factorial(k) for k in range(20)])
# The weight is the number of CDF values at or below the uniform u = m / 2**53: m >= ceil(c * 2**53)
# exactly when u >= c (both products are exact), so the draw needs no floats.
_POISSON1_STEPS = np.array([ceil(c * 2.0**UNIFORM_BITS) for c in _POISSON1_CDF], dtype=np.uint64)
_REPLICATE_STEP = np.uint64(0xD1B54A32D192ED03)


def replicate_weights(hashes: np.ndarray, replicates: int) -> np.ndarray:
    """uint8 [n_docs, replicates] Poisson(1) weights, a pure function of each document's hash: the
    inverse CDF of a uniform from `stats.sampling.uniform_from_hash`, as integer comparisons."""
    keys = hashes[:, None] + np.arange(replicates, dtype=np.uint64)[None, :] * _REPLICATE_STEP
    bits = uniform_bits(keys)
    weights = np.zeros(bits.shape, dtype=np.uint8)
    for step in _POISSON1_STEPS:  # rising: once no draw reaches one, none reaches the next
        reached = bits >= step
        if not reached.any():
            break
        weights += reached
    return weights


def percentile_interval(replicates: np.ndarray, level: float = 0.95, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) percentile interval of bootstrap replicates, ignoring NaN replicates."""
    tail = (1 - level) / 2 * 100
    with np.errstate(all="ignore"):
        return (np.nanpercentile(replicates, tail, axis=axis), np.nanpercentile(replicates, 100 - tail, axis=axis))


def row_percentile_intervals(replicates: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """`percentile_interval` of each row of a [rows x replicates] matrix, the same values: one np.percentile
    over the rows without NaN (NaN-free, nanpercentile computes just that), nanpercentile row by row for the
    others (1,783 rows of 1,000 replicates: 0.32 -> 0.03 s)."""
    tail = (1 - level) / 2 * 100
    low, high = np.empty(len(replicates)), np.empty(len(replicates))
    with_nan = np.isnan(replicates).any(axis=1)
    if not with_nan.all():
        with np.errstate(all="ignore"):
            low[~with_nan], high[~with_nan] = np.percentile(replicates[~with_nan], [tail, 100 - tail], axis=1)
    for i in np.flatnonzero(with_nan).tolist():
        low[i], high[i] = percentile_interval(replicates[i], level)
    return low, high


REPLICATE_SCHEMA = pa.schema(
    [("persona_id", pa.string()), ("role", pa.string()), ("replicate", pa.int32()),
     ("docs", pa.float64()), ("count", pa.float64()), ("tokens", pa.float64())]
)


# Replicate sums on their way through the shuffle: one row per key (persona, role) and partition, the sums
# a float64 [3 (docs, count, tokens), replicates] matrix in row-major bytes. Sent as rows of REPLICATE_SCHEMA
# they were 1,000 rows per key (1.4 M rows through the shuffle for 780 keys on 200 MB).
REPLICATE_VECTORS_SCHEMA = pa.schema([("persona_id", pa.string()), ("role", pa.string()), ("sums", pa.binary())])

# Keys (persona, role) whose replicate sums one partition holds before it emits them: a partition's
# batches are summed together (each batch emitting its own keys x replicates rows sent 6.8 M partial
# rows through the shuffle for 0.8 M sums on 200 MB), within about 250 MB of float64 at 1,000 replicates.
MAX_HELD_KEYS = 10_000


def partial_replicate_sums(batches: Iterator[pa.RecordBatch], replicates: int) -> Iterator[pa.RecordBatch]:
    """Weighted sums per (persona_id, role, replicate) of one partition's rows.

    Input rows: doc_hash, persona_id, role, count, tokens (one document's hit; persona_id `*` for the
    corpus totals). Output: REPLICATE_VECTORS_SCHEMA rows to be summed over partitions
    (`sum_replicate_vectors`); the partition's batches are summed together, up to MAX_HELD_KEYS keys at
    a time.
    """
    held: dict[tuple[str, str], np.ndarray] = {}  # (persona, role) -> float64 [3 (docs, count, tokens), replicates]
    for batch in batches:
        if batch.num_rows == 0:
            continue
        keys = pc.binary_join_element_wise(batch.column("persona_id"), batch.column("role"), "\x1f")
        encoded = pc.dictionary_encode(keys)
        present, key_of_row = np.unique(encoded.indices.to_numpy(zero_copy_only=False), return_inverse=True)
        # Weights are drawn once per distinct document (or cluster) hash: a document has several hit rows.
        distinct, doc_of_row = np.unique(batch.column("doc_hash").to_numpy(zero_copy_only=False).view(np.uint64), return_inverse=True)
        values = np.stack([np.ones(batch.num_rows), *(pc.fill_null(batch.column(c).cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
                                                      for c in ("count", "tokens"))])
        stacked = replicate_sums(distinct, doc_of_row, key_of_row, values, len(present), replicates, _POISSON1_STEPS, _REPLICATE_STEP,
                                 UNIFORM_BITS)
        if stacked is None:
            stacked = _sparse_sums(distinct, doc_of_row, key_of_row, values, len(present), replicates)  # [keys, 3, replicates]
        names = encoded.dictionary.to_pylist()
        for k, code in enumerate(present.tolist()):
            persona, role = names[code].split("\x1f")
            _add_vector(held, (persona, role), stacked[k])
        if len(held) >= MAX_HELD_KEYS:
            yield _vector_batch(held)
            held = {}
    if held:
        yield _vector_batch(held)


def _sparse_sums(distinct: np.ndarray, doc_of_row: np.ndarray, key_of_row: np.ndarray, values: np.ndarray, n_keys: int,
                 replicates: int) -> np.ndarray:
    """`stats.replicate_sums` in numpy: a [documents, replicates] weight matrix, and per value a sparse
    (key x document) matrix of the rows' values times it."""
    from scipy.sparse import csr_matrix  # here, not at import: a tagging worker never needs scipy (0.25 s)

    weights = replicate_weights(distinct, replicates).astype(np.float64)
    sums = [csr_matrix((v, (key_of_row, doc_of_row)), shape=(n_keys, len(distinct))) @ weights for v in values]
    return np.stack(sums, axis=1)


def _add_vector(held: dict[tuple[str, str], np.ndarray], key: tuple[str, str], sums: np.ndarray) -> None:
    """Adds a key's sums into the held ones (a copy the first time: `sums` may be a view)."""
    if key in held:
        held[key] += sums
    else:
        held[key] = sums.copy()


def _vector_batch(held: dict[tuple[str, str], np.ndarray]) -> pa.RecordBatch:
    persona, role = zip(*held)
    return pa.RecordBatch.from_arrays([pa.array(persona, pa.string()), pa.array(role, pa.string()),
                                       pa.array([v.tobytes() for v in held.values()], pa.binary())], schema=REPLICATE_VECTORS_SCHEMA)


def sum_replicate_vectors(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """One REPLICATE_VECTORS_SCHEMA row per key of a partition that holds every partial row of its keys:
    the sums added up (integers in float64: exact in any order)."""
    held: dict[tuple[str, str], np.ndarray] = {}
    for batch in batches:
        for persona, role, sums in zip(*(batch.column(c).to_pylist() for c in ("persona_id", "role", "sums"))):
            _add_vector(held, (persona, role), np.frombuffer(sums, dtype=np.float64))
    if held:
        yield _vector_batch(held)


def replicate_rows(vectors: pa.Table, replicates: int) -> pa.Table:
    """REPLICATE_SCHEMA rows, ordered by role, persona and replicate, from one vector row per key."""
    vectors = vectors.sort_by([("role", "ascending"), ("persona_id", "ascending")])
    n = vectors.num_rows
    values = np.frombuffer(b"".join(vectors.column("sums").to_pylist()), dtype=np.float64).reshape(n, 3, replicates)
    per_key = np.repeat(np.arange(n), replicates)
    return pa.Table.from_arrays(
        [vectors.column("persona_id").take(per_key), vectors.column("role").take(per_key),
         pa.array(np.tile(np.arange(replicates, dtype=np.int32), n)),
         pa.array(values[:, 0].reshape(-1)), pa.array(values[:, 1].reshape(-1)), pa.array(values[:, 2].reshape(-1))],
        schema=REPLICATE_SCHEMA,
    )


def hit_rows_of_documents(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """partial_replicate_sums' input rows from document rows (doc_hash, n_tokens, and hits: a list of
    persona_id, role, count, tokens): one row per hit, then one `*`/`*` row per document (count 1, its
    tokens). A document's rows stay in one batch, so its weights are drawn once."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        hits = batch.column("hits")
        flat = pc.list_flatten(hits)
        parent = pc.list_parent_indices(hits)
        n = batch.num_rows
        yield pa.RecordBatch.from_pydict({
            "doc_hash": pa.concat_arrays([batch.column("doc_hash").take(parent), batch.column("doc_hash")]),
            "persona_id": pa.concat_arrays([flat.field("persona_id"), pa.array(["*"] * n, pa.string())]),
            "role": pa.concat_arrays([flat.field("role"), pa.array(["*"] * n, pa.string())]),
            "count": pa.concat_arrays([flat.field("count").cast(pa.int64()), pa.array(np.ones(n, dtype=np.int64))]),
            "tokens": pa.concat_arrays([flat.field("tokens").cast(pa.int64()), batch.column("n_tokens").cast(pa.int64())]),
        })
