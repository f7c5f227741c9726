"""Exact duplicates: a key of the normalised text (lowercase, whitespace runs as one space)."""

from __future__ import annotations

import pyarrow as pa
import xxhash


def text_keys(texts: pa.Array) -> pa.Array:
    """xxh3-128 hex of each normalised text; null for null texts."""
    return pa.array(
        [None if t is None else xxhash.xxh3_128_hexdigest(" ".join(t.lower().split()).encode("utf-8")) for t in texts.to_pylist()],
        pa.string(),
    )
