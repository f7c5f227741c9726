"""Words as `str.split()` reads them, for whole Arrow arrays: whitespace normalised by one RE2 pass.

`str.split()` splits on the characters for which `str.isspace()` holds. The pattern below is built from
exactly that set, so `normalise_whitespace` gives `" ".join(text.split())` and its word count for
every text, at Arrow speed (tests/unit/test_words.py walks all of Unicode).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Every whitespace character of str.isspace() lies below U+3001 (the test checks all of Unicode).
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def _re2_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


# Runs of whitespace that are not a lone space: replacing these by one space, then trimming the ends,
# equals `" ".join(text.split())`; lone spaces, most of a text's whitespace, are left in place.
_RUNS = f"{_re2_class(WHITESPACE)}{{2,}}|{_re2_class(WHITESPACE.replace(' ', ''))}"


def normalise_whitespace(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(`" ".join(t.split())`, `len(t.split())` as int64) for each text; nulls stay null."""
    single = pc.utf8_trim(pc.replace_substring_regex(texts, _RUNS, " "), " ")
    if isinstance(single, pa.ChunkedArray):
        single = single.combine_chunks()
    # Words of a single-spaced text: its spaces, plus one unless it is empty. Spaces are counted per text
    # from their positions in the data buffer (numpy; Arrow's count_substring is 4x slower).
    offsets = np.frombuffer(single.buffers()[1], dtype=np.int64 if pa.types.is_large_string(single.type) else np.int32)
    offsets = offsets[single.offset : single.offset + len(single) + 1].astype(np.int64)
    data = single.buffers()[2]
    buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    spaces = np.flatnonzero(buf[offsets[0] : offsets[-1]] == 0x20) + offsets[0]
    n_words = np.diff(np.searchsorted(spaces, offsets)) + (np.diff(offsets) > 0)
    return single, pa.array(n_words, pa.int64(), mask=single.is_null().to_numpy(zero_copy_only=False))
