"""normalise_whitespace equals `" ".join(t.split())` and `len(t.split())` on every input."""

from __future__ import annotations

import random
import sys

import pyarrow as pa

from prevalence.tagging.words import WHITESPACE, normalise_whitespace


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
