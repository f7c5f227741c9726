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


def test_arrow_lowering_keeps_one_code_point_per_code_point(every_character):
    """What lets a batch lowered once be cut afterwards (`classifier.text.fasttext_lines`) and its offsets
    be read as the original's: Arrow lowers every code point, `Σ` and `İ` included, to one code point."""
    import pyarrow.compute as pc

    assert pc.utf8_length(pc.utf8_lower(every_character)).to_pylist() == [1] * len(EVERY_CHARACTER)


def test_a_batch_lowered_once_gives_what_lowering_each_time_gives():
    """`Documents.lowered` handed to the lowering helpers equals their own Arrow pass, nulls, Σ and İ included."""
    from prevalence.tagging.base import Documents

    rng = random.Random(9)
    pieces = ["Σ", "İ", "A", "b", " ", "ΑΣ ", "\n", "Ω", "ẞ", "é"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(2000)]
    docs = Documents.of(texts)
    assert docs.lowered("text") is docs.lowered("text")
    # The taggers after the mention tagger read the documents with its evidence: the same lowered columns.
    with_evidence = docs.with_evidence([{} for _ in texts])
    assert with_evidence.lowered("text") is docs.lowered("text")
    assert with_evidence.lowered("normalised") is docs.lowered("normalised")
    assert with_evidence.column("source") is docs.column("source")
    for name in ("text", "normalised"):
        column = docs.batch.column(name)
        assert lower_array(column, docs.lowered(name)).equals(lower_array(column))
        assert lower_array_same_length(column, docs.lowered(name)).equals(lower_array_same_length(column))
