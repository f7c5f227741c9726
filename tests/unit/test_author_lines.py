"""The two line readers of the authors tagger (tagging/author_lines.py) read the same lines, and the
tagger finds the same names with either, on the sample corpus and on generated documents made of
bylines, quotations, attribution and signature lines, blank and indented lines."""

import random

import numpy as np
import pytest

from prevalence.catalog import load_catalog
from prevalence.tagging.author_lines import NewlineLines, SplitLines
from prevalence.tagging.authors import AuthorTagger
from tests.unit.test_compiled_kernels import sample_texts  # noqa: F401 - a fixture

OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
LINES = ['"To be, or not to be, that is the question."', "— Mark Twain", "-- Abraham Lincoln", "—Voltaire",
         '"A saying that is long enough to quote," — Oscar Wilde', "“Curly quotes close here.”", "  ― Anonymous",
         "Yours truly,", "A. LINCOLN", "DWIGHT D. EISENHOWER", "By Jane Smith", "Written by J. R. R. Tolkien",
         "From: jane@host (Jane Smith)", "", "", "   ", "\t", "Prose with an en dash, 1990–1995, and more prose.",
         "~", "--", "Jim Lippard      lippard@arizona.edu", "Washington, D.C.", "January 1, 1863", "plain words here",
         "  an indented line -- with a dash", "’", "The end.", "x" * 90]


def generated(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["\n".join(rng.choice(LINES) for _ in range(rng.randint(0, 14))) + rng.choice(["", "\n", "\n\n"]) for _ in range(n)]
    return texts + ["", "\n", "\n\n", "a", "— Mark Twain", '"Quoted."\n— Mark Twain', "\n— Mark Twain\n"]


def only_newlines(texts):
    return [t for t in texts if not any(b in t for b in OTHER_BREAKS)]


@pytest.fixture(scope="module")
def texts(sample_texts):  # noqa: F811
    picked = only_newlines(sample_texts + generated(7, 3000))
    assert len(picked) > 2500
    return picked


def test_both_readers_read_the_same_lines(texts):
    for text in texts:
        split, found = SplitLines(text), NewlineLines(text)
        for n in (0, 1, 6, 50):
            assert [line for _, line in split.head(n)] == [line for _, line in found.head(n)], (text[:200], n)
            assert [line for _, line in split.last_lines(n)] == [line for _, line in found.last_lines(n)], (text[-200:], n)
        dashes_split, dashes_found = split.dash_lines(), found.dash_lines()
        assert [line for _, line in dashes_split] == [line for _, line in dashes_found]
        for (a, _), (b, _) in zip(dashes_split, dashes_found):
            assert split.line_before(a) == found.line_before(b)
            if split.line_before(a):
                assert split.words_before(a) == found.words_before(b)


def test_keys_name_the_same_lines_in_head_tail_and_dash_lines(texts):
    """The signature reader skips last lines that are attributions by key: a line's key is one key."""
    for text in texts[:500]:
        for lines in (SplitLines(text), NewlineLines(text)):
            by_key = dict(lines.head(10**6))
            assert all(by_key[k] == line for k, line in [*lines.last_lines(6), *lines.dash_lines()])


def test_the_tagger_finds_the_same_names_with_either_reader(texts):
    tagger = AuthorTagger(load_catalog())
    found = 0
    for text in texts:
        names = tagger.found_names(text)
        assert tagger.found_names(text, newlines_only=True) == names, text[:300]
        found += bool(names[0] or names[2])
    assert found > 500  # the documents do hold bylines, signatures and attributions


def _with_every_break(texts: list[str], rng: random.Random) -> list[str]:
    """The texts with their line breaks swapped for any of str.splitlines's, and spaces for Unicode ones."""
    return [t.replace("\n", rng.choice(("\n", "\r\n", *OTHER_BREAKS))).replace(" ", rng.choice((" ", " ", "\u2003", "\xa0")))
            for t in texts]


def test_the_attribution_gate_never_hides_an_attribution(sample_texts, monkeypatch):  # noqa: F811
    """Where MAY_ATTRIBUTE does not match, the tagger finds no attribution (on real and generated texts,
    with every line break and Unicode spaces); the gate turns most real texts away, and the tagger gives
    the same hits with the gate and with every text let through."""
    import pyarrow as pa

    from prevalence.tagging import authors
    from prevalence.tagging.base import Documents
    from prevalence.tagging.matcher import rows_matching

    rng = random.Random(11)
    made = generated(12, 3000)
    texts = sample_texts + made + _with_every_break(made, rng)
    gate = rows_matching(pa.array(texts), authors.MAY_ATTRIBUTE)
    tagger = AuthorTagger(load_catalog())
    attributed = 0
    for text, passed in zip(texts, gate):
        for newlines_only in ((False, True) if text.count("\n") == len(text.splitlines()) else (False,)):
            found = tagger.found_names(text, newlines_only=newlines_only)[2]
            assert passed or not found, text[:300]
        attributed += bool(found)
    assert attributed > 1000 and (~gate[: len(sample_texts)]).sum() > 0.8 * len(sample_texts)
    docs = Documents.of(texts).with_evidence([{}] * len(texts))
    gated = tagger.tag(docs)
    monkeypatch.setattr(authors, "rows_matching", lambda array, _pattern: np.ones(len(array), dtype=bool))
    assert tagger.tag(docs).equals(gated)
    assert gated.num_rows > 1000
