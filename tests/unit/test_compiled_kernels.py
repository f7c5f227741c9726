"""The compiled kernels (numba) give what their numpy and Arrow paths give, on real and generated text."""

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from prevalence import compiled
from prevalence.classifier.layout import layout_tokens
from prevalence.classifier.text import arrow_layout_tokens, fasttext_lines
from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.dedup.minhash import MinHasher
from prevalence.tagging.words import WHITESPACE, normalise_whitespace
from tests.conftest import SAMPLE

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba is not importable here (or PREVALENCE_COMPILED=off): the numpy and Arrow paths run")

PIECES = ["a", "Z", "_", "9", "word", "Über", "İ", "ß", "漢字", "😀", " ", "  ", "\t", "\r", "\f", "\v", "\n", "\n\n", "\n \n",
          "\n\v\n", "\r\n", ",", ".", "'", "“", "—", "-", "\u2028", "\u00a0", "\x00", "\x7f", "__nl__", "HAMLET:", *WHITESPACE]


def generated(seed: int, n: int, longest: int) -> list[str | None]:
    rng = random.Random(seed)
    texts: list[str | None] = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, longest))) for _ in range(n)]
    return texts + [None, "", " ", "one", "a b c d", "a b c d e", "a b c d e f"]


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    shards, _ = list_shards([str(SAMPLE)])
    return [t for s in shards for b in read_shard(s, ReadOptions()) for t in b.column("text").to_pylist()]


@pytest.mark.parametrize("num_perm, shingle_size, seed", [(128, 5, 1), (64, 3, 42), (32, 1, 7), (16, 9, 3)])
def test_compiled_signatures_equal_the_numpy_path(sample_texts, num_perm, shingle_size, seed):
    """Every document of the sample corpus and thousands of generated ones (short documents of fewer
    words than a shingle, empty and null ones, Unicode whitespace): same signatures, flags and keys."""
    hasher = MinHasher(num_perm, shingle_size, seed)
    raw = pa.array(sample_texts[::3] + generated(seed, 2000, 40), pa.string())
    normalised = normalise_whitespace(raw)[0]
    for texts, norm in ((raw, normalised), (raw.slice(5, 700), normalised.slice(5, 700)), (raw, None)):
        fast = hasher.signatures_and_keys(texts, norm, compiled=True)
        slow = hasher.signatures_and_keys(texts, norm, compiled=False)
        assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1]) and fast[2].equals(slow[2])
    assert fast[1].sum() > 1000 and not fast[1].all()


def test_compiled_signatures_of_a_batch_without_words():
    fast = MinHasher().signatures_and_keys(pa.array(["", None, " \n"], pa.string()), compiled=True)
    assert not fast[1].any() and (fast[0] == np.uint32(0xFFFFFFFF)).all() and fast[0].shape == (3, 128)


def test_compiled_xxh3_equals_the_xxhash_wheel(sample_texts):
    """Every length from 0 to 400 bytes (each branch of the algorithm, and the long ranges handed to the
    wheel), random bytes, and the words of the sample corpus with and without their trailing space."""
    import xxhash

    from prevalence.dedup.xxh3 import xxh3_64_ranges

    rng = random.Random(8)
    offsets = np.r_[0, np.cumsum(np.repeat(np.arange(401), 4))]
    raw = bytes(rng.randrange(256) for _ in range(int(offsets[-1])))
    got = xxh3_64_ranges(np.frombuffer(raw, np.uint8), offsets)
    assert got.tolist() == [xxhash.xxh3_64_intdigest(raw[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]
    shifted = np.frombuffer(b"x" + raw, np.uint8)[1:]  # a buffer that starts off the 8-byte grid: read bytewise
    assert shifted.ctypes.data % 8 and xxh3_64_ranges(shifted, offsets).tolist() == got.tolist()
    spaced = " ".join(" ".join(t.lower().split()) for t in sample_texts[:300]).encode()
    starts = [0] + [i + 1 for i, byte in enumerate(spaced) if byte == 32]
    offsets = np.array(starts + [len(spaced)])
    data = np.frombuffer(spaced, np.uint8)
    for strip in (True, False):
        words = [spaced[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
        want = [xxhash.xxh3_64_intdigest(w[:-1] if strip and w.endswith(b" ") else w) for w in words]
        assert xxh3_64_ranges(data, offsets, strip).tolist() == want
    assert len(xxh3_64_ranges(np.zeros(0, np.uint8), np.array([0]))) == 0


def test_layout_pass_equals_the_three_arrow_passes(sample_texts):
    """Byte for byte, on the sample corpus (lowercased, as fasttext_lines hands it over) and on generated
    text full of line breaks, blank lines with \\v in them, control characters and non-ASCII."""
    real = pc.utf8_lower(pa.array(sample_texts, pa.string()))
    made = pa.array([t or "" for t in generated(11, 20000, 50)], pa.string())
    for texts in (real, made, made.slice(13, 999), pa.array([], pa.string()), pa.array([""], pa.string())):
        assert layout_tokens(texts).equals(arrow_layout_tokens(texts))


def test_fasttext_lines_are_the_same_without_the_kernel(monkeypatch, sample_texts):
    from prevalence.classifier import text

    texts = pa.array(sample_texts[:200] + generated(2, 300, 30), pa.string())
    lines = fasttext_lines(texts), fasttext_lines(texts, collapse_whitespace=False)
    monkeypatch.setattr(text, "layout_tokens", lambda _t: None)
    assert (fasttext_lines(texts), fasttext_lines(texts, collapse_whitespace=False)) == lines


def test_build_kernels_names_every_kernel():
    from prevalence.build_kernels import build

    assert build() == ["minhash.sign_tokens", "xxh3.xxh3_64_ranges", "word_starts.word_starts", "layout.layout_tokens", "classifier.predict", "spacing.single_spaced", "line_breaks.other_line_breaks",
                       "quote_marks.style_counts", "context_clear.clear_occurrences", "replicate_sums.replicate_sums"]


def test_single_spacing_equals_the_re2_pass(sample_texts):
    """`normalise_whitespace` (compiled) and its RE2 pass: same texts, nulls and word counts, on the sample
    corpus and on generated text made of every whitespace character of str.isspace() and its neighbours
    in the UTF-8 tables (U+0085, U+00A0, U+1680, U+2000-U+202F, U+205F, U+3000 against U+00A1, U+180E,
    U+200B, U+2030, U+3001)."""
    from prevalence.tagging.words import normalise_whitespace, re2_normalise_whitespace

    neighbours = ["\u00a1", "\u0084", "\u180e", "\u200b", "\u2027", "\u2030", "\u205e", "\u3001", "\u1681"]
    rng = random.Random(4)
    made = ["".join(rng.choice(PIECES + neighbours) for _ in range(rng.randint(0, 60))) for _ in range(20000)] + [None, "", None]
    for texts in (pa.array(sample_texts, pa.string()), pa.array(made, pa.string()), pa.array(made, pa.string()).slice(9, 3000)):
        fast, slow = normalise_whitespace(texts), re2_normalise_whitespace(texts)
        assert fast[0].equals(slow[0]) and fast[1].equals(slow[1])


def test_branch_free_kernels_stay_inside_their_buffers():
    """The layout and single-spacing kernels write ahead of what they keep (a byte they may drop, the
    spaces around one they may set apart). Run as plain Python over numpy arrays, where a write past
    the end raises, with the smallest buffers their callers allocate: same output as compiled."""
    from prevalence.classifier import layout
    from prevalence.compiled import aligned_words, utf8_buffers
    from prevalence.tagging import spacing

    rng = random.Random(21)
    made = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12))) for _ in range(300)] + [",", "a", "\n", "é", " "]
    texts, offsets, data = utf8_buffers(pa.array(made, pa.string()))
    n = int(offsets[-1] - offsets[0])
    tables = (layout.CLASSES, layout.BLANK_BEFORE_BREAK, layout.SPACE_AFTER_BREAK, layout._PARAGRAPH, layout._LINE)
    out, out_offsets = np.zeros(layout.MAX_GROWTH * n + 2, np.uint8), np.zeros(len(made) + 1, np.int64)
    size = layout._layout(data, offsets, out, out_offsets, *tables)
    want = layout_tokens(texts)
    assert bytes(out[:size]) == want.buffers()[2].to_pybytes()[: size] and out_offsets.tolist() == np.frombuffer(want.buffers()[1], np.int32).tolist()
    valid = np.ones(len(made), np.bool_)
    out, out_offsets, words = np.zeros(n, np.uint8), np.zeros(len(made) + 1, np.int64), np.zeros(len(made), np.int64)
    with np.errstate(over="ignore"):  # (uint64 arithmetic wraps, as compiled)
        spacing._single_space(data, aligned_words(data), offsets, valid, out, out_offsets, words, *spacing._tables(WHITESPACE))
    single, counts = spacing.single_spaced(texts, WHITESPACE)
    assert bytes(out[: out_offsets[-1]]) == single.buffers()[2].to_pybytes()[: out_offsets[-1]] and words.tolist() == counts.tolist()
    assert words.sum() > 300 and size > n


def test_compiled_word_starts_equal_the_numpy_path(sample_texts):
    """`spaced_words` from the compiled pass and from the numpy mask: the same words, over the same bytes,
    and the same counts, on the sample corpus and generated text, whole and sliced."""
    from prevalence.dedup.minhash import spaced_words

    single = normalise_whitespace(pa.array(sample_texts + generated(5, 3000, 40), pa.string()))[0]
    for texts in (single, single.slice(17, 2000), single.slice(0, 0), pa.array(["", None], pa.string())):
        fast, slow = spaced_words(texts, compiled=True), spaced_words(texts, compiled=False)
        assert fast[0].equals(slow[0]) and fast[1].tolist() == slow[1].tolist()
    assert spaced_words(single)[1].sum() > 100000


def test_compiled_quote_mark_counts_equal_python(sample_texts):
    """`quote_marks.style_counts_arrow` and `style_counts` per text: the same four counts, on the sample
    corpus, real plays and quotations, and generated text dense with every quotation mark and the
    characters a `'` may open after (whole arrays, slices, chosen rows in any order)."""
    from prevalence.tagging.quote_marks import style_counts, style_counts_arrow
    from tests.unit.test_speakers import _texts_to_check

    rng = random.Random(12)
    marks = ["'", '"', "“", "”", "‘", "’", "(", " ", "\n", "\u2019", "\u201a", "\u2018\u2018", "a", "é", "\u2028"]
    made = ["".join(rng.choice(marks + PIECES) for _ in range(rng.randint(0, 30))) for _ in range(5000)] + ["'", "", "“", "\u2018"]
    for texts in (sample_texts, _texts_to_check(), made):
        array = pa.array(texts, pa.string())
        for part, rows in ((array, np.arange(len(texts))), (array.slice(3), np.arange(len(texts) - 3)[::-1])):
            got = style_counts_arrow(part, rows)
            assert got.tolist() == [list(style_counts(part[int(r)].as_py())) for r in rows]
    assert got.sum(axis=0).min() > 100


@pytest.mark.parametrize("replicates", [1, 7, 1000])
def test_compiled_replicate_sums_equal_the_sparse_product(replicates):
    """The bootstrap's sums per key from the compiled loop and from the weight matrix and sparse product:
    equal to the last bit, with documents of several rows, rows out of document order, keys that
    share documents, a hash of 0 and of 2**64-1, and tokens in the millions."""
    from prevalence.stats import bootstrap
    from prevalence.stats.replicate_sums import replicate_sums

    rng = np.random.default_rng(replicates)
    hashes = np.unique(np.r_[rng.integers(0, 2**63, 300, dtype=np.uint64) * np.uint64(2), np.uint64(0), np.uint64(2**64 - 1)])
    doc_of_row = rng.permutation(np.r_[np.arange(len(hashes)), rng.integers(0, len(hashes), 900)])
    key_of_row = rng.integers(0, 40, len(doc_of_row))
    values = np.stack([np.ones(len(doc_of_row)), rng.integers(0, 9, len(doc_of_row)).astype(float),
                       rng.integers(0, 5_000_000, len(doc_of_row)).astype(float)])
    fast = replicate_sums(hashes, doc_of_row, key_of_row, values, 40, replicates, bootstrap._POISSON1_STEPS,
                          bootstrap._REPLICATE_STEP, bootstrap.UNIFORM_BITS)
    slow = bootstrap._sparse_sums(hashes, doc_of_row, key_of_row, values, 40, replicates)
    assert fast.shape == slow.shape == (40, 3, replicates) and np.array_equal(fast, slow)
    if replicates == 1000:  # Poisson(1) weights: about one per row and replicate
        assert abs(fast[:, 0].sum() / (len(doc_of_row) * replicates) - 1) < 0.02
