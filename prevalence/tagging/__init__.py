"""Taggers: each finds personas in one role (mention, speaker, author) over Arrow batches."""

from prevalence.tagging.mentions import MentionTagger
from prevalence.tagging.stage import TAGGED_SCHEMA, tag_batch

__all__ = ["MentionTagger", "TAGGED_SCHEMA", "tag_batch"]
