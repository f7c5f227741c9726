"""Arrow lowering gives exactly what str.lower() gives, for every code point and in context."""

import random

import pyarrow as pa
import pytest

from prevalence.tagging.lowercase import arrow_differs, lower_array, lower_array_same_length, lower_same_length

EVERY_CHARACTER = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]


@pytest.fixture(scope="module")
def every_character():
    return pa.array(EVERY_CHARACTER, pa.string())


def test_every_character_lowers_as_python_lowers_it(every_character):
    assert lower_array(every_character).to_pylist() == [c.lower() for c in EVERY_CHARACTER]


def test_every_character_keeps_its_length_where_offsets_must_stay(every_character):
    low = lower_array_same_length(every_character).to_pylist()
    assert low == [lower_same_length(c) for c in EVERY_CHARACTER]
    assert all(len(c) == 1 for c in low)


def test_the_characters_sent_to_python_include_the_contextual_ones():
    differs = arrow_differs()
    assert "Σ" in differs and "İ" in differs
    assert len(set(differs)) == len(differs)
    assert all(ord(c) > 0x7F for c in differs)  # ASCII text never leaves Arrow


@pytest.mark.parametrize("text,low", [
    ("ΟΔΟΣ ΣΑΣ", "οδος σας"),  # the final sigma, which only the context decides
    ("ΣΑΣ. Σ", "σας. σ"),
    ("İstanbul and ISTANBUL", "i̇stanbul and istanbul"),
    ("Plain ASCII, Mixed Case", "plain ascii, mixed case"),
])
def test_words_in_context_lower_as_python_lowers_them(text, low):
    assert text.lower() == low
    assert lower_array(pa.array([text])).to_pylist() == [low]
    assert lower_array_same_length(pa.array([text])).to_pylist() == [lower_same_length(text)]


def test_same_length_lowering_leaves_dotted_capital_i_as_written():
    assert lower_same_length("İstanbul") == "İstanbul"
    # Beside an İ every character is lowered alone, so no sigma is final there.
    assert lower_same_length("İstanbul ΟΔΟΣ") == "İstanbul οδοσ"
    assert lower_same_length("Istanbul ΟΔΟΣ") == "istanbul οδος"


def test_random_texts_of_awkward_characters_lower_as_in_python():
    pieces = ["Σ", "İ", "A", "b", " ", ".", "Ω", "ǅ", "\ua7cb", "\U00016ea0", "ẞ", "ﬁ", "K", "é", "\u0301", "ΑΣ "]
    rng = random.Random(5)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(3000)] + [None]
    for array in (pa.array(texts, pa.string()), pa.array(texts, pa.large_string()).slice(7),
                  pa.chunked_array([pa.array(texts[:100]), pa.array(texts[100:])])):
        expected = [t if t is None else t.lower() for t in array.to_pylist()]
        assert lower_array(array).to_pylist() == expected
        same = [t if t is None else lower_same_length(t) for t in array.to_pylist()]
        assert lower_array_same_length(array).to_pylist() == same
