"""normalise_whitespace equals `" ".join(t.split())` and `len(t.split())` on every input."""

from __future__ import annotations

import random
import sys

import pyarrow as pa

import re
import string

import numpy as np
import pyarrow.compute as pc

from prevalence.tagging.words import RE_CASELESS_EXTRA, WHITESPACE, normalise_whitespace, re2_caseless


def _check(texts: list[str | None]) -> None:
    single, n_words = normalise_whitespace(pa.array(texts, pa.string()))
    assert single.to_pylist() == [None if t is None else " ".join(t.split()) for t in texts]
    assert n_words.to_pylist() == [None if t is None else len(t.split()) for t in texts]


def test_whitespace_set_is_str_isspace_over_all_of_unicode():
    assert WHITESPACE == "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def test_every_character_between_and_around_words():
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]
    _check([f"a{c}b" for c in chars])
    _check([f"{c}a{c}{c}b{c}" for c in WHITESPACE + "x\u200b\ufeff"])


def test_edges_and_random_mixtures():
    _check(["", " ", "\n\n", "one", " one ", "a  b", "a \n\t b", None, "\u3000lead", "trail\u00a0", "é ß ² _ 漢字 🙂"])
    rng = random.Random(7)
    pieces = ["word", "Ünï", "x", "", "-", "漢", *WHITESPACE, "  ", "\r\n"]
    _check(["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(3000)])


def test_sliced_large_and_chunked_arrays():
    texts = ["a b", None, "  c  d e ", "", "x", "one two three"]
    expected = [None if t is None else len(t.split()) for t in texts]
    for array in (pa.array(["pad pad", *texts], pa.string()).slice(1), pa.array(texts, pa.large_string()),
                  pa.chunked_array([pa.array(texts[:3], pa.string()), pa.array(texts[3:], pa.string())])):
        single, n_words = normalise_whitespace(array)
        assert single.to_pylist() == [None if t is None else " ".join(t.split()) for t in texts]
        assert n_words.to_pylist() == expected


def test_re2_caseless_reads_each_letter_as_re_ignorecase_does():
    """Over all of Unicode, RE2 matches `re2_caseless(letter)` to exactly the characters Python's
    re.IGNORECASE matches to that letter, for every ASCII letter (so a gate written with it never misses
    what a Python pattern with re.IGNORECASE reads)."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    array = pa.array(chars)
    letters = re.compile("[a-z]", re.IGNORECASE)
    folded = [c for c in chars if letters.fullmatch(c)]  # what re matches to some letter: each letter's candidates
    extra = set()
    for letter in string.ascii_lowercase:
        in_re2 = pc.match_substring_regex(array, f"^{re2_caseless(letter)}$").to_numpy(zero_copy_only=False)
        in_re = {c for c in folded if re.fullmatch(letter, c, re.IGNORECASE)}
        assert {chars[i] for i in np.flatnonzero(in_re2)} == in_re, letter
        extra |= {c for c in in_re if not c.isascii()}
    assert extra == set(RE_CASELESS_EXTRA)
    assert re2_caseless("ai s") == "[aA][iI\u0130\u0131][  ][sS\u017f]"
