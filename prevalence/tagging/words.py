"""Words as `str.split()` reads them, for whole Arrow arrays: whitespace normalised by one RE2 pass.

`str.split()` splits on the characters for which `str.isspace()` holds. The pattern below is built from
exactly that set, so `normalise_whitespace` gives `" ".join(text.split())` and its word count for
every text, at Arrow speed (tests/unit/test_words.py walks all of Unicode).
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.dedup.minhash import spaced_words
from prevalence.tagging.spacing import single_spaced

# Every whitespace character of str.isspace() lies below U+3001 (the test checks all of Unicode).
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


# The characters outside ASCII that Python's re.IGNORECASE matches to an ASCII letter: `İ` and `ı` to
# `i`, the Kelvin sign to `k`, `ſ` to `s` (the test walks all of Unicode).
RE_CASELESS_EXTRA = "\u0130\u0131\u212a\u017f"


def re2_caseless(word: str) -> str:
    """An RE2 pattern of `word` (ASCII) in any case as Python's re.IGNORECASE reads it: each character as a
    class of itself, its capital and the characters of RE_CASELESS_EXTRA that re reads as it."""
    return "".join("[" + ch + ch.upper() + "".join(c for c in RE_CASELESS_EXTRA if re.fullmatch(re.escape(ch), c, re.IGNORECASE)) + "]"
                   for ch in word)


def re2_class(chars: str, negated: bool = False) -> str:
    """An RE2 character class of exactly `chars` (or, negated, of every other character)."""
    return ("[^" if negated else "[") + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


# Python's `\s` (str.isspace()) as an RE2 class: RE2's own `\s` is ASCII only.
RE2_SPACE = re2_class(WHITESPACE)
# Runs of whitespace that are not a lone space: replacing these by one space, then trimming the ends,
# equals `" ".join(text.split())`; lone spaces, most of a text's whitespace, are left in place.
_RUNS = f"{RE2_SPACE}{{2,}}|{re2_class(WHITESPACE.replace(' ', ''))}"


def normalise_whitespace(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(`" ".join(t.split())`, `len(t.split())` as int64) for each text; nulls stay null. One compiled
    pass (`tagging.spacing`) where numba imports, else the RE2 pass below."""
    compiled = single_spaced(texts, WHITESPACE)
    if compiled is not None:
        single, n_words = compiled
        return single, pa.array(n_words, pa.int64(), mask=single.is_null().to_numpy(zero_copy_only=False))
    return re2_normalise_whitespace(texts)


def re2_normalise_whitespace(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """`normalise_whitespace` as one RE2 replacement and the word starts of `spaced_words`."""
    single = pc.utf8_trim(pc.replace_substring_regex(texts, _RUNS, " "), " ")
    if isinstance(single, pa.ChunkedArray):
        single = single.combine_chunks()
    n_words = spaced_words(single)[1]  # the words MinHash reads from the same text (nulls count 0, masked below)
    return single, pa.array(n_words, pa.int64(), mask=single.is_null().to_numpy(zero_copy_only=False))
