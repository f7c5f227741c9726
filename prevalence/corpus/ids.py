"""Stable identifiers: the same input gives the same ids on any machine and in any process."""

from __future__ import annotations

import xxhash


def stable_doc_id(shard_name: str, position: int) -> str:
    """A document id for corpora without one: 128-bit xxh3 of shard name and position, as hex."""
    return xxhash.xxh3_128_hexdigest(f"{shard_name}\n{position}".encode("utf-8"))
