"""fastText's prediction for a supervised model, compiled over the UTF-8 bytes of an Arrow string array.

It gives, bit for bit, the labels and probabilities of fastText's own `predict(lines, k, threshold)` for
the models this project trains (not quantized, no character n-grams, one-vs-all loss), and reads the text
where Arrow holds it: no Python string per line, no C++ stream. It follows fastText 0.9/0.10
(`Dictionary::getLine`, `Model::predict`, `Loss::findKBest`):

- words as fastText reads them, the line's end adding `</s>` (`inference_kernels`); `predict_texts` reads
  them straight from lowercased texts, with no prepared line made;
- a word's id from the vocabulary; a word starting with the label prefix is none; an unknown word adds no
  row but its hash still makes word n-grams (`h * 116049371 + next`, mod the bucket count, over fastText's
  32-bit FNV-1a hash of each word with its bytes as signed chars);
- the hidden vector is the float32 sum of the rows in that order times float32(1 / rows);
- each label's score is the float32 dot product, through fastText's 512-step sigmoid table;
- labels below the threshold are dropped, the best k kept by fastText's heap (libstdc++'s heap
  algorithms, so ties come out in the same order), each as exp(log(score + 1e-5)) in float32.

The sum asks the CPU for the rows it will add a few rows ahead (`compiled`'s `prefetch_row`): the word
n-gram rows are scattered over the bucket part of the matrix, and their loads then overlap. That
changes no value.

The tables of the sigmoid, its log and the final probability are computed once with the platform's
C maths library (`expf`, `log`), as fastText computes them. `CompiledPredictor.load` returns None for a
model it does not cover, or where numba or the C maths library is missing; the caller then uses
fastText. The tests hold the two equal on real text.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import warnings
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.classifier import inference_kernels as kernels
from prevalence.classifier.layout import BLANK_BEFORE_BREAK, CLASSES, SPACE_AFTER_BREAK
from prevalence.compiled import available, utf8_buffers

EOS = b"</s>"
LINE = b"__nl__"
PARAGRAPH = b"__p__"
# fastText's word separators (`Dictionary::readWord`); lines hold no line feed (fastText refuses those).
_SEPARATOR = np.zeros(256, dtype=np.bool_)
_SEPARATOR[[32, 10, 13, 9, 11, 12, 0]] = True
_EOS = np.frombuffer(EOS, dtype=np.uint8)
_WORD_CHAR = np.zeros(256, dtype=np.bool_)  # RE2's \w: what layout copies as a run
_WORD_CHAR[list(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")] = True
# str.isspace, as utf8_trim_whitespace reads it (no space character lies past U+3000).
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)


def fnv1a(word: bytes) -> int:
    """fastText's word hash: 32-bit FNV-1a over the bytes read as signed chars."""
    h = kernels.FNV_OFFSET
    for b in word:
        h = ((h ^ (b if b < 128 else b | 0xFFFFFF00)) * kernels.FNV_PRIME) & 0xFFFFFFFF
    return h


def _signed32(h: int) -> int:
    return h - (1 << 32) if h >= 1 << 31 else h


@functools.cache
def _c_maths():
    """The C maths library's `expf` and `log` (what fastText calls), or None; looked up once per process
    (`load` asks first, then the predictor's score tables, and `warm`)."""
    name = ctypes.util.find_library("m")
    try:
        libm = ctypes.CDLL(name) if name else None
    except OSError:
        libm = None
    if libm is None:
        return None
    expf, log = libm.expf, libm.log
    expf.restype, expf.argtypes = ctypes.c_float, [ctypes.c_float]
    log.restype, log.argtypes = ctypes.c_double, [ctypes.c_double]
    return expf, log


def score_tables(expf, log) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """fastText's possible scores (its sigmoid table, then 0 and 1), their `std_log` (float32 of
    log(score + 1e-5)) and the probability it reports (expf of that)."""
    size, top = kernels.SIGMOID_TABLE_SIZE, kernels.MAX_SIGMOID
    sigmoid = []
    for i in range(size + 1):
        x = np.float32(np.float32(i * 2 * top) / np.float32(size) - np.float32(top))
        sigmoid.append(np.float32(1.0 / (1.0 + float(expf(float(-x))))))
    sigmoid += [np.float32(0.0), np.float32(1.0)]
    scores = np.array(sigmoid, dtype=np.float32)
    logs = np.array([np.float32(log(float(s) + 1e-5)) for s in scores], dtype=np.float32)
    probs = np.array([np.float32(expf(float(p))) for p in logs], dtype=np.float32)
    return scores, logs, probs


def vocabulary_table(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An open-addressing table of the words data[offsets[i]:offsets[i + 1]] (ids in order): per slot the
    word id (-1 empty) and its `fnv1a`; a power of two at least twice the words, probed linearly from
    the hash (filled by `inference_kernels.TABLE`)."""
    size = 1 << max(3, (2 * (len(offsets) - 1) - 1).bit_length())
    slots = np.full(size, -1, dtype=np.int32)
    slot_hash = np.zeros(size, dtype=np.uint32)
    kernels.TABLE.compiled()(data, offsets, slots, slot_hash)
    return slots, slot_hash


@dataclass
class CompiledPredictor:
    """A supervised fastText model's vocabulary, matrices and score tables, for `predict_lines` and
    `predict_texts`."""

    labels: list[str]
    words: list[bytes]
    label_prefix: bytes
    bucket: int
    word_ngrams: int
    w_in: np.ndarray
    w_out: np.ndarray

    def __post_init__(self) -> None:
        offsets = np.zeros(len(self.words) + 1, dtype=np.int64)
        np.cumsum([len(w) for w in self.words], out=offsets[1:])
        data = np.frombuffer(b"".join(self.words), dtype=np.uint8).copy()
        slots, slot_hash = vocabulary_table(data, offsets)
        self._vocabulary = (slots, slot_hash, data, offsets, np.frombuffer(self.label_prefix, dtype=np.uint8).copy())
        ids = {w: i for i, w in enumerate(self.words)}
        marked = (EOS, LINE, PARAGRAPH)  # in the order of the kernel's marks: the line's end, a line break, a paragraph break
        self._marked = (np.array([not w.startswith(self.label_prefix) for w in marked], dtype=np.bool_),
                        np.array([ids.get(w, -1) for w in marked], dtype=np.int64),
                        np.array([_signed32(fnv1a(w)) for w in marked], dtype=np.int32))
        self.scores, self.log_scores, self.probs = score_tables(*_c_maths())
        self._model = (len(self.words), self.bucket, self.word_ngrams, self.w_in, self.w_out, self.scores, self.log_scores)

    @classmethod
    def load(cls, model) -> "CompiledPredictor | None":
        """The predictor of a loaded `fasttext` model, or None where it does not give fastText's
        results: numba or the C maths library missing, a quantized model, character n-grams, or
        another loss than one-vs-all."""
        if _c_maths() is None or not available():
            return None
        f = model.f
        args = f.getArgs()
        if (f.isQuant() or args.maxn > 0 or str(args.loss) != "loss_name.ova" or str(args.model) != "model_name.supervised"
                or (args.wordNgrams > 1 and args.bucket <= 0)):
            return None
        try:
            words = [w.encode("utf-8") for w in model.get_words(on_unicode_error="strict")]
        except UnicodeDecodeError:
            return None
        try:  # the kernels compile (or load from numba's cache) here: a numba they do not build with keeps fastText
            predictor = cls(labels=list(model.get_labels()), words=words, label_prefix=args.label.encode("utf-8"),
                            bucket=int(args.bucket), word_ngrams=int(args.wordNgrams),
                            w_in=np.ascontiguousarray(model.get_input_matrix(), dtype=np.float32),
                            w_out=np.ascontiguousarray(model.get_output_matrix(), dtype=np.float32))
            predictor.predict_lines(pa.array(["a"], pa.string()), 1, 0.0)
        except Exception as error:  # noqa: BLE001 - any failure to compile means: predict with fastText
            warnings.warn(f"the compiled archetype prediction does not build here ({type(error).__name__}: {error}); "
                          "fastText predicts (slower, the same results)", RuntimeWarning, stacklevel=2)
            return None
        return predictor

    def predict_lines(self, lines: pa.Array, k: int, threshold: float) -> list[list[tuple[str, float]]]:
        """[(label, probability)] per line, best first, as fastText's `predict(lines, k, threshold)`
        gives them; an empty line gives []. Lines hold no line feed."""
        lines, offsets, data = utf8_buffers(lines)
        longest = int(np.max(np.diff(offsets))) if len(lines) else 0
        return self._run(data, offsets, False, 0, longest // 2 + 2, k, threshold)

    def predict_texts(self, lowered: pa.Array, max_chars: int, k: int, threshold: float) -> list[list[tuple[str, float]]]:
        """`predict_lines` of `text.fasttext_line_array(texts, max_chars, lowered=lowered)`, read straight
        from the lowercased texts (nulls give [])."""
        if lowered.null_count:  # (a null's range of bytes need not be empty)
            lowered = pc.fill_null(lowered, "")
        texts, offsets, data = utf8_buffers(lowered)
        longest = int(min(np.max(np.diff(offsets)), 4 * max_chars)) if len(texts) else 0
        return self._run(data, offsets, True, max_chars, longest + 2, k, threshold)

    def _run(self, data: np.ndarray, offsets: np.ndarray, from_texts: bool, max_chars: int, words: int, k: int,
             threshold: float) -> list[list[tuple[str, float]]]:
        """The kernel over texts of at most `words` words each; the labels and probabilities it keeps."""
        k = len(self.labels) if k == -1 else k
        if k <= 0:
            raise ValueError(f"k needs to be 1 or more: {k}")
        n = len(offsets) - 1
        starts, ends, word_hashes = np.empty(words, dtype=np.int64), np.empty(words, dtype=np.int64), np.empty(words, dtype=np.uint64)
        rows = np.empty(words * max(1, self.word_ngrams), dtype=np.int64)  # words and their n-grams
        hashes = np.empty(words, dtype=np.int32)
        count = np.zeros(n, dtype=np.int64)
        label = np.zeros(n * k, dtype=np.int32)
        code = np.zeros(n * k, dtype=np.int64)
        failed = kernels.PREDICT.compiled()(
            data, offsets, from_texts, max_chars, _SEPARATOR, _EOS, CLASSES, _WORD_CHAR, BLANK_BEFORE_BREAK, SPACE_AFTER_BREAK,
            _IS_SPACE, *self._vocabulary, *self._marked, self._model, k, np.float32(threshold), starts, ends, word_hashes, rows, hashes,
            count, label, code)
        if failed >= 0:
            raise ValueError(f"the model's scores are not numbers for text {failed}")
        probs = self.probs[code].tolist()
        names = self.labels
        labels = label.tolist()
        return [[(names[labels[i * k + q]], probs[i * k + q]) for q in range(c)] for i, c in enumerate(count.tolist())]


def warm() -> list[str]:
    """Compile or load the kernels (`prevalence.build_kernels`), with a two-word model of the real types."""
    if _c_maths() is None:
        return []
    predictor = CompiledPredictor(labels=["__label__x"], words=[EOS, b"a"], label_prefix=b"__label__", bucket=4, word_ngrams=2,
                                  w_in=np.ones((6, 4), dtype=np.float32), w_out=np.ones((1, 4), dtype=np.float32))
    predictor.predict_lines(pa.array(["a b"], pa.string()), 1, 0.0)
    predictor.predict_texts(pa.array(["a b\n\nc"], pa.string()), 8000, 1, 0.0)
    return ["classifier.predict"]
