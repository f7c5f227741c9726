"""Corpus access: shard listing, streaming readers, stable document ids, reject reasons."""

from prevalence.corpus.readers import RAW_SCHEMA, read_shard
from prevalence.corpus.shards import Shard, list_shards

__all__ = ["RAW_SCHEMA", "Shard", "list_shards", "read_shard"]
