"""Poisson bootstrap with replicate weights drawn from a stable hash of each document id.

Replicate r gives document d the weight Poisson(1) drawn from splitmix64(xxh3(doc_id), r): the same
weights on any machine and in any partition, so every replicate is summed in the pass that counts
the data, with no extra pass per replicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import exp, factorial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.stats.sampling import uniform_from_hash

_POISSON1_CDF = np.cumsum([exp(-1) / factorial(k) for k in range(20)])
_REPLICATE_STEP = np.uint64(0xD1B54A32D192ED03)


def replicate_weights(hashes: np.ndarray, replicates: int) -> np.ndarray:
    """uint8 [n_docs, replicates] Poisson(1) weights, a pure function of each document's hash."""
    keys = hashes[:, None] + np.arange(replicates, dtype=np.uint64)[None, :] * _REPLICATE_STEP
    return np.searchsorted(_POISSON1_CDF, uniform_from_hash(keys), side="right").astype(np.uint8)


def percentile_interval(replicates: np.ndarray, level: float = 0.95, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) percentile interval of bootstrap replicates, ignoring NaN replicates."""
    tail = (1 - level) / 2 * 100
    with np.errstate(all="ignore"):
        return (np.nanpercentile(replicates, tail, axis=axis), np.nanpercentile(replicates, 100 - tail, axis=axis))


REPLICATE_SCHEMA = pa.schema(
    [("persona_id", pa.string()), ("role", pa.string()), ("replicate", pa.int32()),
     ("docs", pa.float64()), ("count", pa.float64()), ("tokens", pa.float64())]
)


def partial_replicate_sums(batches: Iterator[pa.RecordBatch], replicates: int) -> Iterator[pa.RecordBatch]:
    """Weighted sums per (persona_id, role, replicate) of one partition's rows.

    Input rows: doc_hash, persona_id, role, count, tokens (one document's hit; persona_id `*` for the
    corpus totals). Output: REPLICATE_SCHEMA rows to be summed over partitions by a shuffle.
    """
    for batch in batches:
        if batch.num_rows == 0:
            continue
        keys = pc.binary_join_element_wise(batch.column("persona_id"), batch.column("role"), "\x1f")
        encoded = pc.dictionary_encode(keys)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        order = np.argsort(codes, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
        present = codes[order][starts]
        # Weights are drawn once per distinct document (or cluster) hash: a document has several hit rows.
        distinct, row_of = np.unique(batch.column("doc_hash").to_numpy(zero_copy_only=False).view(np.uint64), return_inverse=True)
        weights = replicate_weights(distinct, replicates)[row_of[order]].astype(np.float64)
        sums = {"docs": np.add.reduceat(weights, starts, axis=0).reshape(-1)}
        for column in ("count", "tokens"):
            values = pc.fill_null(batch.column(column).cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
            sums[column] = np.add.reduceat(weights * values[order, None], starts, axis=0).reshape(-1)
        names = encoded.dictionary.to_pylist()
        persona, role = zip(*(names[c].split("\x1f") for c in present))
        n_keys = len(present)
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(np.repeat(persona, replicates)),
                pa.array(np.repeat(role, replicates)),
                pa.array(np.tile(np.arange(replicates, dtype=np.int32), n_keys)),
                pa.array(sums["docs"]), pa.array(sums["count"]), pa.array(sums["tokens"]),
            ],
            schema=REPLICATE_SCHEMA,
        )
