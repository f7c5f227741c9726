"""The bootstrap's weighted sums in one compiled loop (numba, `prevalence.compiled`): what
`bootstrap.partial_replicate_sums` computes with a [documents, replicates] weight matrix and a sparse
product, without either. Each document's Poisson(1) weights are drawn into one row of `replicates`
(the same splitmix64 bits and integer CDF steps as `bootstrap.replicate_weights`) and added, times
each of its rows' values, into the sums of the row's key. Every term is an integer held exactly in a
float64, so the sums equal the sparse product's in any order. Without numba `replicate_sums` returns
None and the numpy path runs; the tests hold the two equal.
"""

from __future__ import annotations

import numpy as np

from prevalence.compiled import kernel
from prevalence.stats.sampling import SPLITMIX_GAMMA as _GOLDEN
from prevalence.stats.sampling import SPLITMIX_M1 as _M1
from prevalence.stats.sampling import SPLITMIX_M2 as _M2

_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _sums(hashes, first_row, key_of_row, values, steps, step, shift, out, weights):  # pragma: no cover - compiled
    """out[key, v, r] += weight(document, r) * values[v, row] over every row; the rows of document d are
    first_row[d]:first_row[d + 1]."""
    n_steps = steps.shape[0]
    replicates = weights.shape[0]
    for d in range(hashes.shape[0]):
        h = hashes[d]
        for r in range(replicates):
            x = h + np.uint64(r) * step + _GOLDEN  # stats.sampling._splitmix64 of the replicate's key
            x = (x ^ (x >> _S30)) * _M1
            x = (x ^ (x >> _S27)) * _M2
            bits = (x ^ (x >> _S31)) >> shift
            w = 0
            while w < n_steps and bits >= steps[w]:  # the steps rise: the weight is how many are reached
                w += 1
            weights[r] = w
        for j in range(first_row[d], first_row[d + 1]):
            k = key_of_row[j]
            for v in range(values.shape[0]):
                value = values[v, j]
                for r in range(replicates):
                    out[k, v, r] += weights[r] * value


_compiled = kernel(_sums)


def replicate_sums(hashes: np.ndarray, doc_of_row: np.ndarray, key_of_row: np.ndarray, values: np.ndarray, n_keys: int,
                   replicates: int, steps: np.ndarray, step: np.uint64, bits: int) -> np.ndarray | None:
    """float64 [n_keys, len(values), replicates]: per key, the sums over rows of values[v, row] times the
    Poisson(1) weight of the row's document `hashes[doc_of_row[row]]` in each replicate; None without
    the kernel. `steps` are the weight's CDF steps over the top `bits` bits of splitmix64."""
    run = _compiled.compiled()
    if run is None:
        return None
    order = np.argsort(doc_of_row, kind="stable")
    first_row = np.searchsorted(doc_of_row[order], np.arange(len(hashes) + 1)).astype(np.int64)
    out = np.zeros((n_keys, len(values), replicates), np.float64)
    run(np.ascontiguousarray(hashes, np.uint64), first_row, np.ascontiguousarray(key_of_row[order], np.int64),
        np.ascontiguousarray(values[:, order], np.float64), np.ascontiguousarray(steps, np.uint64), np.uint64(step),
        np.uint64(64 - bits), out, np.zeros(replicates, np.float64))
    return out


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    replicate_sums(np.array([1, 2], np.uint64), np.array([0, 1, 1]), np.array([0, 0, 1]), np.ones((3, 3)), 2, 4,
                   np.array([1, 2], np.uint64), np.uint64(3), 53)
    return ["replicate_sums.replicate_sums"]
