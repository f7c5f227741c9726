"""Taggers: each finds personas in one role (mention, speaker, author) over Arrow batches, behind one
interface (`tagging.base.Tagger`) and found by name (`tagging.registry`)."""

from prevalence.tagging.base import HIT_ROWS_SCHEMA, Documents, Tagger, TaggerContext
from prevalence.tagging.mentions import MentionTagger

__all__ = ["HIT_ROWS_SCHEMA", "Documents", "MentionTagger", "Tagger", "TaggerContext"]
