"""Why a record was not kept. Every input record is either a document or a reject row."""

MALFORMED_JSON = "malformed_json"
NOT_AN_OBJECT = "not_an_object"
INVALID_UTF8 = "invalid_utf8"
MISSING_TEXT = "missing_text"
NON_STRING_TEXT = "non_string_text"
EMPTY_TEXT = "empty_text"
OVERSIZED = "oversized"
# A corpus id already used by an earlier record (by shard, then position).
DUPLICATE_ID = "duplicate_id"
# Shard-level failures: one row stands for the unreadable rest of the shard (its size is unknowable).
UNREADABLE_SHARD = "unreadable_shard"
TRUNCATED_SHARD = "truncated_shard"

REASONS = (
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    INVALID_UTF8,
    MISSING_TEXT,
    NON_STRING_TEXT,
    EMPTY_TEXT,
    OVERSIZED,
    DUPLICATE_ID,
    UNREADABLE_SHARD,
    TRUNCATED_SHARD,
)

EXCERPT_CHARS = 200


def excerpt(value: str | bytes | None) -> str:
    """The first characters of a rejected record, readable even when its bytes are not UTF-8."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    return value[:EXCERPT_CHARS]
