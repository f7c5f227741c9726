"""The compiled prediction (`classifier.inference`) gives fastText's labels and probabilities, bit for bit."""

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from prevalence import compiled
from prevalence.classifier.default import default_model
from prevalence.classifier.inference import EOS, CompiledPredictor, fnv1a, vocabulary_table
from prevalence.classifier.model import ArchetypeModel
from prevalence.classifier.text import MAX_CHARS, fasttext_line_array
from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.tagging.words import WHITESPACE
from tests.conftest import SAMPLE

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba is not importable here (or PREVALENCE_COMPILED=off): fastText predicts")

# Word separators of fastText and their neighbours, labels and `</s>` written out, non-ASCII bytes
# (signed chars in fastText's hash), Unicode spaces that are not separators.
PIECES = ["the", "of", "and", "hamlet", "__nl__", "__p__", "é", "漢字", "😀", " ", "  ", "\t", "\r", "\f", "\v", "\x00",
          "\u00a0", "\u2003", ".", ",", ":", "__label__playwright", "__label__nothing", "__label__", "</s>", "<", "/s>",
          "ä", "zzqx", "chatbot", "theorem", "whereas"]


@pytest.fixture(scope="module")
def model() -> ArchetypeModel:
    return default_model()


@pytest.fixture(scope="module")
def lines(model) -> pa.Array:
    """The prediction lines of every sample document, and of generated ones."""
    shards, _ = list_shards([str(SAMPLE)])
    texts = [t for s in shards for b in read_shard(s, ReadOptions()) for t in b.column("text").to_pylist()]
    real = fasttext_line_array(pa.array(texts, pa.string()), model.max_chars, collapse_whitespace=False).to_pylist()
    rng = random.Random(17)
    made = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 300))).strip("\n") for _ in range(1500)]
    made += ["", " ", "\x00", "</s>", "</s> the of", "the </s> of", "__label__x", "__label__x the", "of " * 5000]
    return pa.array(real + made, pa.string())


# Raw text: every space character of str.isspace, line and paragraph breaks of every shape, controls,
# set-apart punctuation, characters of 1 to 4 bytes (the cut of max_chars falls inside runs of them).
RAW_PIECES = ["The", "of", "AND", "Hamlet", "x", "_", "9", "__nl__", "__p__", "__label__playwright", "</s>", "é", "İ", "ẞ",
              "漢字", "😀", "\n", "\n\n", "\n \n", "\n\v\n", "\n\t\n  \n", "\r\n", "\r", "\x00", "\x01", "\x7f", ".", ",",
              "“", "—", "HAMLET:", " ", "  ", *WHITESPACE]


@pytest.fixture(scope="module")
def raw_texts() -> pa.Array:
    """The sample corpus and generated texts, as the archetype tagger reads them (nulls included)."""
    shards, _ = list_shards([str(SAMPLE)])
    texts = [t for s in shards for b in read_shard(s, ReadOptions()) for t in b.column("text").to_pylist()]
    rng = random.Random(29)
    made = ["".join(rng.choice(RAW_PIECES) for _ in range(rng.randint(0, 200))) for _ in range(2000)]
    made += [None, "", " ", "\x00", "\x1c", " \x00 ", "\u00a0", "\u00a0x\u00a0", "\x1cx\x1c\x1d", "\x00\u00a0\x00", "\n", "\v",
             "\n\n", "x\u2028", "\u3000\u3000x\u3000\u3000y\u3000", "é" * 9000, "😀" * 9000]
    return pa.array(texts + made, pa.string())


@pytest.mark.parametrize("max_chars", [MAX_CHARS, 100, 40, 3, 1])
def test_reading_lowered_texts_equals_reading_their_prepared_lines(model, raw_texts, max_chars):
    """`predict_texts` finds the words `fasttext_line_array` would write: cut, layout and trim included."""
    from prevalence.classifier.inference import _IS_SPACE

    assert np.flatnonzero(_IS_SPACE).tolist() == [ord(c) for c in WHITESPACE]  # every space character, and no other
    predictor = CompiledPredictor.load(ArchetypeModel.load(model.path).model)
    lowered = pc.utf8_lower(raw_texts)
    lines = fasttext_line_array(raw_texts, max_chars, collapse_whitespace=False, lowered=lowered)
    for k, threshold in ((1, 0.2), (3, 0.0)):
        got = predictor.predict_texts(lowered, max_chars, k, threshold)
        assert got == predictor.predict_lines(lines, k, threshold)
    assert any(not p for p in got) and (max_chars < 40 or sum(not p for p in got) < len(got) / 4)  # some give none: null, empty, spaces


def test_reading_lowered_texts_equals_fasttext(model, raw_texts):
    ft = ArchetypeModel.load(model.path).model
    predictor = CompiledPredictor.load(ft)
    lowered = pc.utf8_lower(raw_texts)
    lines = fasttext_line_array(raw_texts, MAX_CHARS, collapse_whitespace=False).to_pylist()
    assert predictor.predict_texts(lowered, MAX_CHARS, 2, 0.1) == fasttext_predictions(ft, lines, 2, 0.1)


def fasttext_predictions(ft, lines: list[str], k: int, threshold: float) -> list[list[tuple[str, float]]]:
    """fastText's own `predict`, as the model's fallback path calls it (no empty lines)."""
    rows = [i for i, line in enumerate(lines) if line]
    out = [[] for _ in lines]
    labels, probs = ft.predict([lines[i] for i in rows], k=k, threshold=threshold)
    for i, ls, ps in zip(rows, labels, probs):
        out[i] = [(label, float(p)) for label, p in zip(ls, np.asarray(ps))]
    return out


@pytest.mark.parametrize("k, threshold", [(1, 0.2), (1, 0.0), (3, 0.0), (2, 0.5), (-1, 0.0), (7, 0.05)])
def test_compiled_prediction_equals_fasttext(model, lines, k, threshold):
    """Every sample document and 1,500 generated lines: the same labels in the same order, the same
    float32 probabilities."""
    ft = ArchetypeModel.load(model.path).model
    predictor = CompiledPredictor.load(ft)
    assert predictor is not None
    got = predictor.predict_lines(lines, k, threshold)
    want = fasttext_predictions(ft, lines.to_pylist(), k, threshold)
    assert got == want
    assert sum(len(p) for p in got) >= len(lines) * 0.5  # labels were given, not only empty lists
    assert any(len(p) > 1 for p in got) or k == 1


def test_ties_between_labels_come_out_in_fasttexts_order(model, lines):
    """Labels with the same output row score alike: fastText's heap decides their order and which of them
    the top k keep; the compiled heap does the same."""
    ft = ArchetypeModel.load(model.path).model
    output = ft.get_output_matrix().copy()
    output[3] = output[1]
    output[5] = output[1]
    output[6] = output[2]
    ft.set_matrices(ft.get_input_matrix(), output)
    predictor = CompiledPredictor.load(ft)
    some = lines.slice(0, 600)
    for k in (1, 2, 3, 4, -1):
        assert predictor.predict_lines(some, k, 0.0) == fasttext_predictions(ft, some.to_pylist(), k, 0.0)


def test_archetype_model_gives_the_same_with_and_without_the_compiled_path(model):
    texts = pa.array([t for t in (["HAMLET. To be, or not to be.\n\nOPHELIA. My lord?"] * 2 + ["", None, "x" * (MAX_CHARS + 50)])], pa.string())
    fast = ArchetypeModel.load(model.path)
    slow = ArchetypeModel.load(model.path)
    slow._predictor = False
    assert fast.predictor is not None and slow.predictor is None
    assert fast.predict(texts, pc.utf8_lower(texts)) == slow.predict(texts) != [[]] * 5


def test_models_it_does_not_cover_go_to_fasttext(tmp_path):
    """Character n-grams, another loss or a quantized model: `load` gives None (fastText predicts); a
    model with word trigrams is covered."""
    import fasttext

    from prevalence.classifier.fit import _fit_in_child

    import gzip
    import json

    from prevalence.classifier.default import CORPUS

    records = [json.loads(line) for line in gzip.open(CORPUS, "rt", encoding="utf-8")][::8]  # real passages, every label
    lines = fasttext_line_array(pa.array([r["text"] for r in records], pa.string())).to_pylist()
    train = tmp_path / "train.txt"
    train.write_text("".join(f"__label__{r['label']} {line}\n" for r, line in zip(records, lines)), encoding="utf-8")
    # (fastText's training gives NaN on this little text with smaller buckets)
    base = dict(input=str(train), epoch=2, dim=8, lr=0.1, verbose=0, thread=1, seed=1, loss="ova", wordNgrams=2, bucket=100_000)
    cases = [({"maxn": 3, "minn": 2}, False, False), ({"loss": "softmax"}, False, False), ({"loss": "hs"}, False, False),
             ({}, True, False), ({"wordNgrams": 3}, False, True)]
    texts = lines[:200] + ["", "__label__playwright the", "the of and zzqx", "é the </s> of"]
    for i, (options, quantize, covered) in enumerate(cases):
        path = str(tmp_path / f"model{i}.ftz")
        _fit_in_child(base | options, quantize, path)
        ft = fasttext.load_model(path)
        predictor = CompiledPredictor.load(ft)
        assert (predictor is not None) == covered, options
    assert predictor.predict_lines(pa.array(texts), 3, 0.0) == fasttext_predictions(ft, texts, 3, 0.0)


def test_hash_and_vocabulary_table():
    """fastText's FNV-1a reads bytes as signed chars; every word is found again in the table."""
    assert fnv1a(b"") == 2166136261
    assert fnv1a(b"a") == ((2166136261 ^ 0x61) * 16777619) % 2**32
    assert fnv1a("é".encode()) == (((2166136261 ^ 0xFFFFFFC3) * 16777619 % 2**32 ^ 0xFFFFFFA9) * 16777619) % 2**32
    words = [EOS] + [f"w{i}".encode() for i in range(300)] + ["é".encode() * 3, b"x" * 300]
    offsets = np.cumsum([0] + [len(w) for w in words])
    slots, slot_hash = vocabulary_table(np.frombuffer(b"".join(words), np.uint8), offsets)
    assert len(slots) >= 2 * len(words) and sorted(slots[slots >= 0].tolist()) == list(range(len(words)))
    assert all(slot_hash[s] == fnv1a(words[w]) for s, w in enumerate(slots.tolist()) if w >= 0)


def test_remainder_without_division_equals_the_remainder():
    """The word n-gram bucket: `_mod` against `%` at the ends of uint64 and of the divisors it serves."""
    import numba

    from prevalence.classifier import inference_kernels

    mod = inference_kernels._mod  # compiled already where a kernel that calls it ran
    mod = mod if hasattr(mod, "py_func") else numba.njit(mod)
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.integers(0, 2**64 - 1, 20_000, dtype=np.uint64, endpoint=True),
                             np.array([0, 1, 2**32 - 1, 2**32, 2**53 - 1, 2**53 + 1, 2**63, 2**64 - 2, 2**64 - 1], dtype=np.uint64)])
    for divisor in (1, 7, 8191, 8192, 100_000, 2_000_000, 2**31 - 1, 2**32 - 1):
        inverse = 1.0 / divisor
        assert [mod(v, divisor, inverse) for v in values[:3000]] + [mod(v, divisor, inverse) for v in values[-9:]] == \
            [int(v) % divisor for v in values[:3000]] + [int(v) % divisor for v in values[-9:]]


def test_kernels_that_do_not_compile_leave_fasttext_predicting(model, monkeypatch):
    """A numba the kernels do not build with (its intrinsics API changed, say) costs speed, not the run."""
    from prevalence.classifier import inference_kernels

    class Broken:
        def compiled(self):
            raise RuntimeError("numba cannot lower this")

    monkeypatch.setattr(inference_kernels, "PREDICT", Broken())
    slow = ArchetypeModel.load(model.path)
    with pytest.warns(RuntimeWarning, match="numba cannot lower this.*fastText predicts"):
        assert slow.predictor is None
    texts = pa.array(["HAMLET. To be, or not to be.", "Whereas the parties agree"], pa.string())
    assert slow.predict(texts) == [[(label[len("__label__"):], p) for label, p in ls]
                                   for ls in fasttext_predictions(ArchetypeModel.load(model.path).model,
                                                                  fasttext_line_array(texts, MAX_CHARS, collapse_whitespace=False).to_pylist(),
                                                                  slow.top_k, slow.threshold)]
