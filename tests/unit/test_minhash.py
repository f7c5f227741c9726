"""MinHash signatures, LSH band keys and exact-text keys, without Spark."""

import gzip
import json

import numpy as np
import pyarrow as pa
import pytest
from datasketch import MinHash, MinHashLSH

from prevalence.dedup.exact import text_keys
from prevalence.dedup.lsh import band_keys, estimated_jaccard, lsh_params
from prevalence.dedup.minhash import MinHasher, shingle_hash, shingles, to_datasketch
from prevalence.dedup.signer import Signer
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def articles():
    with gzip.open(SAMPLE / "wikitext2.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f][:15]


def datasketch_signature(text, hasher):
    m = MinHash(num_perm=hasher.num_perm, seed=hasher.seed, hashfunc=shingle_hash)
    for s in shingles(text or "", hasher.shingle_size):
        m.update(s)
    return m.hashvalues


@pytest.mark.parametrize("num_perm, shingle_size, seed", [(128, 5, 1), (64, 3, 42)])
def test_signatures_equal_datasketch_minhash_on_real_text(articles, num_perm, shingle_size, seed):
    hasher = MinHasher(num_perm, shingle_size, seed)
    texts = articles + ["One.", "Two words", "  Leading and trailing  ", "a b c d e f g"]
    sig, has = hasher.signatures(pa.array(texts))
    assert has.all()
    for i, text in enumerate(texts):
        assert np.array_equal(sig[i], datasketch_signature(text, hasher)), i


def test_permutations_are_datasketchs():
    hasher = MinHasher(128, 5, 7)
    a, b = hasher.permutations()
    reference = MinHash(num_perm=128, seed=7).permutations
    assert np.array_equal(a, reference[0]) and np.array_equal(b, reference[1])


def test_documents_without_words_have_no_signature_and_do_not_crash():
    sig, has = MinHasher().signatures(pa.array([None, "", "   \n ", "word"]))
    assert has.tolist() == [False, False, False, True]
    assert (sig[:3] == np.uint32(0xFFFFFFFF)).all()


def test_a_batch_of_nothing_but_empty_documents():
    sig, has = MinHasher().signatures(pa.array(["", None], pa.string()))
    assert not has.any() and sig.shape == (2, 128)


def test_signatures_load_into_datasketch(articles):
    hasher = MinHasher()
    sig, _ = hasher.signatures(pa.array(articles[:2]))
    a, b = to_datasketch(sig[0]), to_datasketch(sig[1])
    assert a.jaccard(b) == pytest.approx(estimated_jaccard(sig[:1], sig[1:2])[0])
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    lsh.insert("a", a)
    assert lsh.query(a) == ["a"]


def test_lsh_parameters_are_datasketchs():
    for threshold in (0.5, 0.8, 0.9):
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        assert lsh_params(threshold, 128) == (lsh.b, lsh.r)


def test_band_keys_change_only_in_the_band_that_changed():
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, (2, 128), dtype=np.uint64).astype(np.uint32)
    sig[1] = sig[0]
    sig[1, 20] += 1  # row 20 lies in band 1 when rows = 13
    keys = band_keys(sig, 9, 13)
    assert keys.shape == (2, 9) and keys.dtype == np.int64
    assert (keys[0] != keys[1]).tolist() == [False, True] + [False] * 7


def test_equal_rows_in_different_bands_give_different_keys():
    keys = band_keys(np.zeros((1, 128), dtype=np.uint32), 9, 13)
    assert len(set(keys[0].tolist())) == 9


def test_exact_keys_ignore_case_and_whitespace_only():
    keys = text_keys(pa.array(["To be, or not to be", "to  BE, or\nnot to be", "To be or not to be", None])).to_pylist()
    assert keys[0] == keys[1] != keys[2] and keys[3] is None


def test_signer_output_decodes_to_the_signature(articles):
    signer = Signer(MinHasher(), *lsh_params(0.8, 128))
    keys, bands, signature = signer.sign(pa.array([articles[0], None]))
    decoded = np.frombuffer(signature[0].as_py(), dtype=np.uint32)
    assert np.array_equal(decoded, datasketch_signature(articles[0], MinHasher()))
    assert signature[1].as_py() is None and bands[1].as_py() is None and len(bands[0].as_py()) == 9


def test_exact_keys_from_the_minhash_pass_group_texts_like_text_keys():
    texts = ["To be, or not to be", "to  BE, or\nnot to be", "To be or not to be", None, "x", "X ", "a b c d e f g", "a b c d e f"]
    _, _, keys = MinHasher().signatures_and_keys(pa.array(texts))
    fast = keys.to_pylist()
    slow = text_keys(pa.array(texts)).to_pylist()
    assert fast[3] is None
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert (fast[i] == fast[j]) == (slow[i] == slow[j]), (texts[i], texts[j])


def test_signatures_from_normalised_text_equal_those_from_raw_text(articles):
    """The Sign stage hands the hasher Tokenise's single-spaced text: same signatures, flags and keys."""
    import random

    from prevalence.tagging.words import WHITESPACE, normalise_whitespace

    rng = random.Random(2)
    pieces = ["Word", "ÜBER", "İstanbul", "x", "", "-", "漢字", *WHITESPACE, "  ", "\r\n"]
    texts = list(articles) + [None, "", " ", "\n\t", "one", "  two words ", "a b c d", "a b c d e", "a b c d e f"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    raw = pa.array(texts, pa.string())
    hasher = MinHasher()
    sig, has, keys = hasher.signatures_and_keys(raw)
    normalised = normalise_whitespace(raw)[0]
    sig2, has2, keys2 = hasher.signatures_and_keys(raw, normalised)
    assert np.array_equal(sig, sig2) and np.array_equal(has, has2) and keys.equals(keys2)
    assert has.sum() > 400 and not has.all()
    # ... and the same once more when the tagger's lowered copy of that text is handed over
    import pyarrow.compute as pc

    sig3, has3, keys3 = hasher.signatures_and_keys(raw, normalised, lowered=pc.utf8_lower(normalised))
    assert np.array_equal(sig, sig3) and np.array_equal(has, has3) and keys.equals(keys3)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("cut", [(0, None), (3, 9), (7, 8), (5, 5)])
def test_spaced_words_are_the_words_of_each_single_spaced_text(cut, compiled):
    """Words over the texts' own bytes (a sliced array included), each text's words in order once a
    trailing space is stripped; nulls and empty texts have none."""
    import pyarrow.compute as pc

    from prevalence.dedup.minhash import spaced_words
    from prevalence.tagging.words import normalise_whitespace

    texts = ["one", None, "", "  two  words ", "İstanbul ÜBER\u3000漢字", "a\u2028b c", "", "x y z w v u", None, "last one here"]
    array = normalise_whitespace(pa.array(texts, pa.string()))[0].slice(cut[0], None if cut[1] is None else cut[1] - cut[0])
    expected = [(t or "").split() for t in texts[cut[0]:cut[1]]]
    words, counts = spaced_words(array, compiled=compiled)
    assert counts.tolist() == [len(w) for w in expected]
    stripped = pc.utf8_rtrim(words, " ").to_pylist()
    assert stripped == [w for ws in expected for w in ws]
    assert all(w.count(" ") <= 1 for w in words.to_pylist())
