"""Deduplication inputs of a batch: exact-text keys, MinHash signatures and LSH band keys."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prevalence.dedup.lsh import band_keys
from prevalence.dedup.minhash import MinHasher


class Signer:
    """Signs documents for deduplication: exact-text key, MinHash signature, LSH band keys."""

    def __init__(self, hasher: MinHasher, bands: int, rows: int):
        self.hasher, self.bands, self.rows = hasher, bands, rows

    def sign(self, texts: pa.Array, normalised: pa.Array | None = None,
             lowered: pa.Array | None = None) -> tuple[pa.Array, pa.Array, pa.Array]:
        """(text_key, bands, signature) arrays aligned with `texts`; `normalised`, when given, is
        `" ".join(t.split())` of each text, and `lowered` Arrow's `utf8_lower` of it
        (`MinHasher.signatures_and_keys`)."""
        sig, has, text_key = self.hasher.signatures_and_keys(texts, normalised, lowered=lowered)
        keys = band_keys(sig, self.bands, self.rows)
        n = len(texts)
        offsets = pa.array(np.arange(n + 1, dtype=np.int32) * self.bands)
        bands = pa.ListArray.from_arrays(offsets, pa.array(keys.reshape(-1)), mask=pa.array(~has))
        width = sig.shape[1] * 4
        blob = pa.py_buffer(np.ascontiguousarray(sig).tobytes())
        signature = pa.Array.from_buffers(pa.binary(), n, [pa.py_buffer(np.packbits(has, bitorder="little").tobytes()),
                                                          pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes()), blob])
        return text_key, bands, signature
