"""fastText's prediction for a supervised model, compiled over the UTF-8 bytes of an Arrow string array.

It gives, bit for bit, the labels and probabilities of fastText's own `predict(lines, k, threshold)` for
the models this project trains (not quantized, no character n-grams, one-vs-all loss), and reads the
lines where Arrow holds them: no Python string per line, no C++ stream. For each line it follows
fastText 0.9/0.10 (`Dictionary::getLine`, `Model::predict`, `Loss::findKBest`):

- words are the runs of bytes between space, tab, CR, VT, FF and NUL; the line's end adds `</s>`;
- a word's id comes from the vocabulary; a word starting with the label prefix is not a word; an unknown
  word adds no row but its hash still makes word n-grams (`h * 116049371 + next`, mod the bucket count,
  over fastText's 32-bit FNV-1a hash of each word with its bytes as signed chars);
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
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from prevalence.compiled import available, kernel, utf8_buffers

EOS = b"</s>"
SIGMOID_TABLE_SIZE = 512
MAX_SIGMOID = 8
NGRAM_PRIME = 116049371
# Rows of the input matrix asked for this many rows ahead of the sum (their loads overlap).
PREFETCH_AHEAD = 16
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
# fastText's word separators (`Dictionary::readWord`); lines hold no line feed (fastText refuses those).
_SEPARATOR = np.zeros(256, dtype=np.bool_)
_SEPARATOR[[32, 10, 13, 9, 11, 12, 0]] = True
_EOS = np.frombuffer(EOS, dtype=np.uint8)


def _signed32(h: int) -> int:
    return h - (1 << 32) if h >= 1 << 31 else h


def fnv1a(word: bytes) -> int:
    """fastText's word hash: 32-bit FNV-1a over the bytes read as signed chars."""
    h = FNV_OFFSET
    for b in word:
        h = ((h ^ (b if b < 128 else b | 0xFFFFFF00)) * FNV_PRIME) & 0xFFFFFFFF
    return h


def _lookup(data, start, end, h, slots, slot_hash, word_data, word_offsets):  # pragma: no cover - compiled
    """The vocabulary id of data[start:end], whose hash is h, or -1 (open addressing, linear probing)."""
    mask = slots.shape[0] - 1
    s = np.int64(h) & mask
    while True:
        wid = slots[s]
        if wid < 0:
            return -1
        if slot_hash[s] == h and word_offsets[wid + 1] - word_offsets[wid] == end - start:
            a = word_offsets[wid]
            same = True
            for j in range(end - start):
                if word_data[a + j] != data[start + j]:
                    same = False
                    break
            if same:
                return wid
        s = (s + 1) & mask


def _prefetch(matrix, row):  # the Python stand-in of `compiled.prefetch`: nothing to do
    pass


def _starts_with(data, start, end, prefix):  # pragma: no cover - compiled
    if end - start < prefix.shape[0]:
        return False
    for q in range(prefix.shape[0]):
        if data[start + q] != prefix[q]:
            return False
    return True


def _push(heap_p, heap_l, hole, top, p, lab):  # pragma: no cover - compiled
    """libstdc++'s __push_heap with fastText's comparison (a before b when a's log score is greater)."""
    parent = (hole - 1) // 2
    while hole > top and heap_p[parent] > p:
        heap_p[hole] = heap_p[parent]
        heap_l[hole] = heap_l[parent]
        hole = parent
        parent = (hole - 1) // 2
    heap_p[hole] = p
    heap_l[hole] = lab


def _adjust(heap_p, heap_l, hole, n, p, lab):  # pragma: no cover - compiled
    """libstdc++'s __adjust_heap."""
    top = hole
    second = hole
    while second < (n - 1) // 2:
        second = 2 * (second + 1)
        if heap_p[second] > heap_p[second - 1]:
            second -= 1
        heap_p[hole] = heap_p[second]
        heap_l[hole] = heap_l[second]
        hole = second
    if (n & 1) == 0 and second == (n - 2) // 2:
        second = 2 * (second + 1)
        heap_p[hole] = heap_p[second - 1]
        heap_l[hole] = heap_l[second - 1]
        hole = second - 1
    _push(heap_p, heap_l, hole, top, p, lab)


def _pop(heap_p, heap_l, n):  # pragma: no cover - compiled
    """libstdc++'s pop_heap over heap[0:n]: the front moves to n - 1."""
    if n > 1:
        p, lab = heap_p[n - 1], heap_l[n - 1]
        heap_p[n - 1] = heap_p[0]
        heap_l[n - 1] = heap_l[0]
        _adjust(heap_p, heap_l, 0, n - 1, p, lab)


def _predict(data, offsets, separator, slots, slot_hash, word_data, word_offsets, label_prefix,
             eos, eos_id, eos_hash, nwords, bucket, word_ngrams, w_in, w_out, sigmoid, log_score, k, threshold,
             out_count, out_label, out_code, rows, hashes):  # pragma: no cover - compiled
    """Per line: the number of labels kept (out_count), and their label ids and score codes (k per line).
    A score code is an index into `sigmoid` (0..512), 513 for 0 and 514 for 1. Returns -1, or the first
    line whose hidden vector gave a NaN score (fastText raises there)."""
    dim = w_in.shape[1]
    nlabels = w_out.shape[0]
    hidden = np.empty(dim, dtype=np.float32)
    heap_p = np.empty(k + 1, dtype=np.float32)
    heap_l = np.empty(k + 1, dtype=np.int32)
    heap_c = np.empty(nlabels, dtype=np.int32)
    for i in range(offsets.shape[0] - 1):
        out_count[i] = 0
        start, end = offsets[i], offsets[i + 1]
        if end == start:  # an empty line: no prediction (the caller's rule: fastText reads nothing)
            continue
        nrows = 0
        nh = 0
        j = start
        ended = False
        while True:
            while j < end and separator[data[j]]:
                j += 1
            if j == end:
                break
            a = j
            h = np.uint64(FNV_OFFSET)  # `fnv1a`, as the word is read (numba widens unsigned products: the mask)
            while j < end and not separator[data[j]]:
                b = np.uint64(data[j])
                if b >= 128:
                    b = b | np.uint64(0xFFFFFF00)
                h = ((h ^ b) * np.uint64(FNV_PRIME)) & np.uint64(0xFFFFFFFF)
                j += 1
            if _starts_with(data, a, j, label_prefix):  # a label, not a word
                continue
            wid = _lookup(data, a, j, h, slots, slot_hash, word_data, word_offsets)
            if wid >= 0:
                rows[nrows] = wid
                nrows += 1
            hashes[nh] = np.int32(h)  # fastText keeps the hash as int32 (a truncating cast)
            nh += 1
            if j - a == eos.shape[0] and _starts_with(data, a, j, eos):  # a literal `</s>` ends fastText's line
                ended = True
                break
        if not ended:  # the line's end reads as `</s>`
            if eos_id >= 0:
                rows[nrows] = eos_id
                nrows += 1
            hashes[nh] = eos_hash
            nh += 1
        for a in range(nh):
            g = np.uint64(np.int64(hashes[a]))
            b = a + 1
            while b < nh and b < a + word_ngrams:
                g = g * np.uint64(NGRAM_PRIME) + np.uint64(np.int64(hashes[b]))
                rows[nrows] = nwords + np.int64(g % np.uint64(bucket))
                nrows += 1
                b += 1
        if nrows == 0:
            continue
        for q in range(min(nrows, PREFETCH_AHEAD)):
            _prefetch(w_in, rows[q])
        r = rows[0]
        for d in range(dim):
            hidden[d] = w_in[r, d]
        for q in range(1, nrows):
            if q + PREFETCH_AHEAD < nrows:
                _prefetch(w_in, rows[q + PREFETCH_AHEAD])
            r = rows[q]
            for d in range(dim):
                hidden[d] = hidden[d] + w_in[r, d]
        scale = np.float32(1.0 / nrows)
        for d in range(dim):
            hidden[d] = hidden[d] * scale
        n = 0
        for lab in range(nlabels):
            x = np.float32(0.0)
            for d in range(dim):
                x = x + w_out[lab, d] * hidden[d]
            if np.isnan(x):
                return i
            if x < np.float32(-MAX_SIGMOID):
                code = SIGMOID_TABLE_SIZE + 1
            elif x > np.float32(MAX_SIGMOID):
                code = SIGMOID_TABLE_SIZE + 2
            else:
                code = np.int64((x + np.float32(MAX_SIGMOID)) * np.float32(SIGMOID_TABLE_SIZE)
                                / np.float32(MAX_SIGMOID) / np.float32(2))
            heap_c[lab] = code
            if sigmoid[code] < threshold:
                continue
            p = log_score[code]
            if n == k and p < heap_p[0]:
                continue
            _push(heap_p, heap_l, n, 0, p, lab)
            n += 1
            if n > k:
                _pop(heap_p, heap_l, n)
                n -= 1
        m = n
        while m > 1:  # sort_heap
            _pop(heap_p, heap_l, m)
            m -= 1
        out_count[i] = n
        for q in range(n):
            out_label[i * k + q] = heap_l[q]
            out_code[i * k + q] = heap_c[heap_l[q]]
    return -1


_KERNEL = kernel(_predict, helpers=(_lookup, _starts_with, _push, _adjust, _pop), intrinsics={"_prefetch": "prefetch_row"})


def _c_maths():
    """The C maths library's `expf` and `log` (what fastText calls), or None."""
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
    sigmoid = []
    for i in range(SIGMOID_TABLE_SIZE + 1):
        x = np.float32(np.float32(i * 2 * MAX_SIGMOID) / np.float32(SIGMOID_TABLE_SIZE) - np.float32(MAX_SIGMOID))
        sigmoid.append(np.float32(1.0 / (1.0 + float(expf(float(-x))))))
    sigmoid += [np.float32(0.0), np.float32(1.0)]
    scores = np.array(sigmoid, dtype=np.float32)
    logs = np.array([np.float32(log(float(s) + 1e-5)) for s in scores], dtype=np.float32)
    probs = np.array([np.float32(expf(float(p))) for p in logs], dtype=np.float32)
    return scores, logs, probs


def vocabulary_table(words: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """An open-addressing table of the words (ids in order): per slot the word id (-1 empty) and its
    `fnv1a`; a power of two at least twice the words, probed linearly from the hash."""
    size = 1 << max(3, (2 * len(words) - 1).bit_length())
    slots = np.full(size, -1, dtype=np.int32)
    slot_hash = np.zeros(size, dtype=np.uint32)
    for wid, word in enumerate(words):
        h = fnv1a(word)
        s = h & (size - 1)
        while slots[s] >= 0:
            s = (s + 1) & (size - 1)
        slots[s], slot_hash[s] = wid, h
    return slots, slot_hash


@dataclass
class CompiledPredictor:
    """A supervised fastText model's vocabulary, matrices and score tables, for `predict`."""

    labels: list[str]
    slots: np.ndarray
    slot_hash: np.ndarray
    word_data: np.ndarray
    word_offsets: np.ndarray
    label_prefix: np.ndarray
    eos_id: int
    nwords: int
    bucket: int
    word_ngrams: int
    w_in: np.ndarray
    w_out: np.ndarray
    scores: np.ndarray
    log_scores: np.ndarray
    probs: np.ndarray

    @classmethod
    def load(cls, model) -> "CompiledPredictor | None":
        """The predictor of a loaded `fasttext` model, or None where it does not give fastText's
        results: numba or the C maths library missing, a quantized model, character n-grams, or
        another loss than one-vs-all."""
        maths = _c_maths()
        if maths is None or not available():
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
        scores, log_scores, probs = score_tables(*maths)
        slots, slot_hash = vocabulary_table(words)
        lengths = np.array([len(w) for w in words], dtype=np.int64)
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        eos = words.index(EOS) if EOS in words else -1
        return cls(labels=list(model.get_labels()), slots=slots, slot_hash=slot_hash,
                   word_data=np.frombuffer(b"".join(words), dtype=np.uint8).copy(), word_offsets=offsets,
                   label_prefix=np.frombuffer(args.label.encode("utf-8"), dtype=np.uint8).copy(), eos_id=eos,
                   nwords=len(words), bucket=int(args.bucket), word_ngrams=int(args.wordNgrams),
                   w_in=np.ascontiguousarray(model.get_input_matrix(), dtype=np.float32),
                   w_out=np.ascontiguousarray(model.get_output_matrix(), dtype=np.float32),
                   scores=scores, log_scores=log_scores, probs=probs)

    def predict(self, lines: pa.Array, k: int, threshold: float) -> list[list[tuple[str, float]]]:
        """[(label, probability)] per line, best first, as fastText's `predict(lines, k, threshold)`
        gives them; an empty line gives []. Lines hold no line feed."""
        k = len(self.labels) if k == -1 else k
        if k <= 0:
            raise ValueError(f"k needs to be 1 or more: {k}")
        lines, offsets, data = utf8_buffers(lines)
        n = len(lines)
        longest = int(np.max(np.diff(offsets))) if n else 0
        # Words of a line: at most one per two bytes, plus `</s>`; rows: words and their n-grams.
        words = longest // 2 + 2
        rows = np.empty(words * max(1, self.word_ngrams), dtype=np.int64)
        hashes = np.empty(words, dtype=np.int32)
        count = np.empty(n, dtype=np.int64)
        label = np.zeros(n * k, dtype=np.int32)
        code = np.zeros(n * k, dtype=np.int64)
        failed = _KERNEL.compiled()(data, offsets, _SEPARATOR, self.slots, self.slot_hash,
                                    self.word_data, self.word_offsets, self.label_prefix, _EOS, self.eos_id,
                                    _signed32(fnv1a(EOS)), self.nwords, self.bucket, self.word_ngrams, self.w_in, self.w_out,
                                    self.scores, self.log_scores, k, np.float32(threshold), count, label, code,
                                    rows, hashes)
        if failed >= 0:
            raise ValueError(f"the model's scores are not numbers for line {failed}")
        probs = self.probs[code].tolist()
        names = self.labels
        label_list = label.tolist()
        out: list[list[tuple[str, float]]] = []
        for i, c in enumerate(count.tolist()):
            base = i * k
            out.append([(names[label_list[base + q]], probs[base + q]) for q in range(c)])
        return out


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`), with a two-word model of the real types."""
    maths = _c_maths()
    if maths is None:
        return []
    words = [EOS, b"a"]
    slots, slot_hash = vocabulary_table(words)
    scores, log_scores, probs = score_tables(*maths)
    predictor = CompiledPredictor(
        labels=["__label__x"], slots=slots, slot_hash=slot_hash,
        word_data=np.frombuffer(b"".join(words), dtype=np.uint8).copy(), word_offsets=np.array([0, 4, 5], dtype=np.int64),
        label_prefix=np.frombuffer(b"__label__", dtype=np.uint8).copy(), eos_id=0, nwords=2, bucket=4, word_ngrams=2,
        w_in=np.ones((6, 4), dtype=np.float32), w_out=np.ones((1, 4), dtype=np.float32),
        scores=scores, log_scores=log_scores, probs=probs)
    predictor.predict(pa.array(["a b"], pa.string()), 1, 0.0)
    return ["classifier.predict"]
