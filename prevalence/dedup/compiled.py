"""MinHash signatures from word hashes in one compiled loop (numba, from its wheel; no toolchain).

`sign_tokens` does what `MinHasher`'s numpy path does in array passes: per document, each run of
`shingle_size` word hashes is combined into a shingle hash (`minhash._combine`), put through
MurmurHash3's 32-bit finalizer and every affine32 permutation, and the minimum kept, with no
intermediate (shingles x permutations) array. `prevalence.compiled` says when it is used.
"""

from __future__ import annotations

import numpy as np

from prevalence.compiled import kernel

_U32 = np.uint64(0xFFFFFFFF)
_S64A, _S64B = np.uint64(33), np.uint64(32)
_M64A, _M64B = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S32A, _S32B = np.uint64(16), np.uint64(13)
_M32A, _M32B = np.uint64(0x85EBCA6B), np.uint64(0xC2B2AE35)


def _sign_tokens(token_hashes, offsets, shingle_size, seed, a, b, out):  # pragma: no cover - compiled
    """Fill `out` [n_docs, num_perm] (preset to 2**32-1) with each document's MinHash signature."""
    n_perm = a.shape[0]
    pre = np.empty(0, np.uint32)  # one document's fmix32'd shingle hashes
    acc = np.empty(0, np.uint64)  # and their running hashes
    for d in range(offsets.shape[0] - 1):
        low, high = offsets[d], offsets[d + 1]
        n = high - low
        if n == 0:
            continue
        width = shingle_size if n >= shingle_size else n  # a short document is one shingle of all its words
        m = n - width + 1
        if pre.shape[0] < m:
            pre = np.empty(m, np.uint32)
            acc = np.empty(m, np.uint64)
        for s in range(m):
            acc[s] = seed
        # minhash._combine, word by word for every shingle at once: fmix64 of the running hash xor each
        # word. The shingles are independent, so the CPU overlaps their multiply chains.
        for j in range(width):
            for s in range(m):
                h = acc[s] ^ token_hashes[low + s + j]
                h ^= h >> _S64A
                h *= _M64A
                h ^= h >> _S64A
                h *= _M64B
                h ^= h >> _S64A
                acc[s] = h
        for s in range(m):
            h = acc[s]
            # 32-bit arithmetic done in uint64 and masked: numba widens uint32 operands to 64 bits.
            x = (h >> _S64B) ^ (h & _U32)
            x ^= x >> _S32A  # fmix32, as datasketch's affine32 scheme applies to every input hash
            x = (x * _M32A) & _U32
            x ^= x >> _S32B
            x = (x * _M32B) & _U32
            x ^= x >> _S32A
            pre[s] = np.uint32(x)
        # Permutation-major, so the minimum over the shingles is one vectorised reduction per permutation.
        for p in range(n_perm):
            ap, bp = a[p], b[p]
            best = np.uint32(0xFFFFFFFF)
            for s in range(m):
                v = np.uint32(ap * pre[s] + bp)  # the truncation is affine32's mod 2**32
                if v < best:
                    best = v
            out[d, p] = best


_compiled = kernel(_sign_tokens)


def sign_tokens(token_hashes: np.ndarray, offsets: np.ndarray, shingle_size: int, seed: np.uint64,
                a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Signatures uint32 [n_docs, num_perm] of documents given as word hashes (uint64) and token
    offsets per document (int64, n_docs + 1), a document without words keeping 2**32-1 everywhere;
    None without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    out = np.full((len(offsets) - 1, len(a)), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if len(token_hashes):
        run(np.ascontiguousarray(token_hashes, dtype=np.uint64), np.ascontiguousarray(offsets, dtype=np.int64), np.int64(shingle_size),
            np.uint64(seed), np.ascontiguousarray(a, dtype=np.uint32), np.ascontiguousarray(b, dtype=np.uint32), out)
    return out


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    sign_tokens(np.arange(6, dtype=np.uint64), np.array([0, 2, 6]), 5, np.uint64(1), np.ones(4, np.uint32), np.ones(4, np.uint32))
    return ["minhash.sign_tokens"]
