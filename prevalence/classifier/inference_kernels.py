"""The compiled loops of `classifier.inference`: fastText's reading of a line and its prediction.

Two readers give the words of a line to one scorer (`_predict` runs one of them, then `_score`):
- `_line_words` reads prepared lines (`text.fasttext_line_array`) as fastText's `Dictionary::getLine`
  does: words are the runs of bytes between space, tab, CR, VT, FF and NUL, and the line's end adds `</s>`;
- `_text_words` reads lowercased texts and finds the same words the prepared lines would give, with
  no line made: the first `max_chars` characters (`utf8_slice_codeunits`), the layout tokens of
  `classifier.layout` (a run of ASCII word characters is a word; any other character but a separator is a
  word of its own; a line feed is `__nl__`, a paragraph break `__p__`), and `utf8_trim_whitespace` (space
  characters, `str.isspace`, at either end are no words, and a text of nothing else gives no prediction).

Per word: a word starting with the label prefix is none; its id comes from the vocabulary table; an
unknown word adds no row but its hash still makes word n-grams. The scorer sums the rows in order in
float32, scales by float32(1 / rows), scores each label by a float32 dot product through fastText's
sigmoid table, and keeps the best k at or above the threshold with libstdc++'s heap algorithms.
"""

from __future__ import annotations

import numpy as np

from prevalence.compiled import kernel

SIGMOID_TABLE_SIZE = 512
MAX_SIGMOID = 8
NGRAM_PRIME = 116049371
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
# Bytes counted at a time where a text is cut at `max_chars` code points.
CUT_BLOCK = 64
# Rows of the input matrix asked for this many rows ahead of the sum (their loads overlap).
PREFETCH_AHEAD = 16


def _prefetch(matrix, row):  # the Python stand-in of `compiled`'s prefetch_row: nothing to do
    pass


def _hash(data, start, end):  # pragma: no cover - compiled
    """fastText's FNV-1a of data[start:end], bytes as signed chars (numba widens unsigned products: the mask)."""
    h = np.uint64(FNV_OFFSET)
    for j in range(start, end):
        b = np.uint64(data[j])
        if b >= 128:
            b = b | np.uint64(0xFFFFFF00)
        h = ((h ^ b) * np.uint64(FNV_PRIME)) & np.uint64(0xFFFFFFFF)
    return h


def _mod(g, divisor, inverse):  # pragma: no cover - compiled
    """g % divisor (g uint64, 0 < divisor < 2**32) with no division: a quotient from float64 (within one
    of the true one once the divisor passes 2**13), then the remainder set right. A 64-bit division
    takes tens of cycles, and every word n-gram needs one."""
    if divisor < 8192:
        return np.int64(g % np.uint64(divisor))
    q = np.uint64(np.float64(g) * inverse)
    r = np.int64(g - q * np.uint64(divisor))  # the true g - q * divisor is in [-divisor, 2 * divisor)
    while r < 0:
        r += divisor
    while r >= divisor:
        r -= divisor
    return r


def _starts_with(data, start, end, prefix):  # pragma: no cover - compiled
    if end - start < prefix.shape[0]:
        return False
    for q in range(prefix.shape[0]):
        if data[start + q] != prefix[q]:
            return False
    return True


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


LINE_END, LINE_BREAK, PARAGRAPH_BREAK = -1, -2, -3  # words a reader marks, not in the text: `</s>`, `__nl__`, `__p__`


def _line_words(data, start, end, separator, eos, starts, ends, hashes):  # pragma: no cover - compiled
    """The words of a prepared line as fastText reads them, into starts/ends (byte ranges; LINE_END for
    the line's end) and their `_hash` into hashes; their number. A literal `</s>` ends the line there, as in `Dictionary::getLine`."""
    n = 0
    j = start
    while True:
        while j < end and separator[data[j]]:
            j += 1
        if j == end:
            break
        a = j
        h = np.uint64(FNV_OFFSET)  # `_hash`, as the word is read
        while j < end and not separator[data[j]]:
            b = np.uint64(data[j])
            if b >= 128:
                b = b | np.uint64(0xFFFFFF00)
            h = ((h ^ b) * np.uint64(FNV_PRIME)) & np.uint64(0xFFFFFFFF)
            j += 1
        starts[n] = a
        ends[n] = j
        hashes[n] = h
        n += 1
        if j - a == eos.shape[0] and _starts_with(data, a, j, eos):
            return n
    starts[n] = LINE_END
    n += 1
    return n


def _text_words(data, start, stop, max_chars, classes, word_char, blank, space, is_space, starts, ends, hashes):  # pragma: no cover - compiled
    """The words of the prepared line of a lowercased text (see the module's description), into
    starts/ends/hashes as `_line_words` gives them; their number, 0 where the line would be empty.

    `classes` and the paragraph tables are `classifier.layout`'s; `word_char` marks [0-9A-Za-z_];
    `is_space` marks the code points below its length that `str.isspace` holds for. A space character
    that is a word of its own counts once a character that is no space follows it (trim)."""
    end = stop
    if stop - start > max_chars:  # the first max_chars code points
        count = 0
        p = start
        while p + CUT_BLOCK <= stop:  # whole blocks first: the lead bytes of a block counted without a branch
            leads = 0
            for q in range(p, p + CUT_BLOCK):
                leads += (data[q] & 0xC0) != 0x80
            if count + leads > max_chars:
                break
            count += leads
            p += CUT_BLOCK
        while p < stop:
            if (data[p] & 0xC0) != 0x80:
                if count == max_chars:
                    break
                count += 1
            p += 1
        end = p
    n = 0  # words so far
    kept = 0  # words up to the last character that is no space: what the trim keeps
    seen = False  # a character that is no space yet (before it, the trim takes every space)
    j = start
    while j < end:
        b = data[j]
        c = classes[b]
        if c == 1:
            if not word_char[b]:  # space, tab, CR, FF: fastText separates words there
                j += 1
                continue
            a = j
            h = np.uint64(FNV_OFFSET)  # `_hash`, as the word is read (ASCII: no sign to extend)
            while j < end and word_char[data[j]]:
                h = ((h ^ np.uint64(data[j])) * np.uint64(FNV_PRIME)) & np.uint64(0xFFFFFFFF)
                j += 1
            starts[n] = a
            ends[n] = j
            hashes[n] = h
            n += 1
            kept, seen = n, True
            continue
        if c == 2:  # a line feed: `__p__` for a paragraph break and the spaces after it, else `__nl__`
            q = j + 1
            while q < end and blank[data[q]]:
                q += 1
            if q < end and data[q] == 10:
                q += 1
                while q < end and space[data[q]]:
                    q += 1
                starts[n] = PARAGRAPH_BREAK
                j = q
            else:
                starts[n] = LINE_BREAK
                j += 1
            n += 1
            kept, seen = n, True
            continue
        width = 1 if c == 0 else c - 1  # one set-apart byte, or a whole character of 2-4 bytes
        if j + width > end:
            width = end - j
        if c == 0:
            cp = np.int64(b) if b < 128 else np.int64(0x10000)  # (a stray continuation byte is no space)
        elif width == 2:
            cp = (np.int64(b & 0x1F) << 6) | np.int64(data[j + 1] & 0x3F)
        elif width == 3:
            cp = (np.int64(b & 0x0F) << 12) | (np.int64(data[j + 1] & 0x3F) << 6) | np.int64(data[j + 2] & 0x3F)
        else:
            cp = np.int64(0x10000)
        if cp < is_space.shape[0] and is_space[cp]:
            if seen and b != 11:  # a word of its own unless the trim takes it (VT: fastText separates there)
                starts[n] = j
                ends[n] = j + width
                hashes[n] = _hash(data, j, j + width)
                n += 1
        elif b == 0:  # NUL: no space, so the trim stops there, but fastText separates words at it
            kept, seen = n, True
        else:
            starts[n] = j
            ends[n] = j + width
            hashes[n] = _hash(data, j, j + width)
            n += 1
            kept, seen = n, True
        j += width
    if not seen:
        return 0
    starts[kept] = LINE_END
    return kept + 1


def _work(model, k):  # pragma: no cover - compiled
    """The scorer's buffers, made here so that the compiler knows they alias no matrix: (hidden vector,
    heap of log scores, heap of labels, score code per label)."""
    w_in, w_out = model[3], model[4]
    return (np.empty(w_in.shape[1], np.float32), np.empty(k + 1, np.float32), np.empty(k + 1, np.int32),
            np.empty(w_out.shape[0], np.int32))


def _score(i, rows, nrows, hashes, nh, model, k, threshold, work, out_count, out_label, out_code):  # pragma: no cover - compiled
    """Line i's prediction from its word rows and hashes: out_count[i] labels, their label ids and score
    codes (an index into the sigmoid table, 513 for 0 and 514 for 1) from out_*[i * k]. False where a
    score is not a number (fastText raises there)."""
    nwords, bucket, word_ngrams, w_in, w_out, sigmoid, log_score = model
    hidden, heap_p, heap_l, heap_c = work
    inverse = 1.0 / bucket
    for a in range(nh):  # word n-grams (`Dictionary::addWordNgrams`), int32 hashes widened with their sign
        g = np.uint64(np.int64(hashes[a]))
        b = a + 1
        while b < nh and b < a + word_ngrams:
            g = g * np.uint64(NGRAM_PRIME) + np.uint64(np.int64(hashes[b]))
            rows[nrows] = nwords + _mod(g, bucket, inverse)
            nrows += 1
            b += 1
    out_count[i] = 0
    if nrows == 0:
        return True
    dim = w_in.shape[1]
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
    for lab in range(w_out.shape[0]):
        x = np.float32(0.0)
        for d in range(dim):
            x = x + w_out[lab, d] * hidden[d]
        if np.isnan(x):
            return False
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
    return True


def _predict(data, offsets, from_texts, max_chars, separator, eos, classes, word_char, blank, space, is_space,
             slots, slot_hash, word_data, word_offsets, label_prefix, marked_word, marked_id, marked_hash, model, k,
             threshold, starts, ends, word_hashes, rows, hashes, out_count, out_label, out_code):  # pragma: no cover - compiled
    """Every text's prediction (`_score`), its words read as prepared lines (`_line_words`) or, where
    `from_texts`, as lowercased texts (`_text_words`); -1, or the first text whose scores are not
    numbers. An empty line gives none (fastText's Python `predict` is never handed one). The marked
    words (`</s>`, `__nl__`, `__p__`): whether each is a word, its id and its int32 hash."""
    work = _work(model, k)
    for i in range(offsets.shape[0] - 1):
        out_count[i] = 0
        start, end = offsets[i], offsets[i + 1]
        if from_texts:
            n = _text_words(data, start, end, max_chars, classes, word_char, blank, space, is_space, starts, ends, word_hashes)
        else:
            n = _line_words(data, start, end, separator, eos, starts, ends, word_hashes) if end > start else 0
        if n == 0:
            continue
        nrows = 0
        nh = 0
        for t in range(n):
            a = starts[t]
            if a < 0:
                m = -a - 1
                if marked_word[m]:
                    if marked_id[m] >= 0:
                        rows[nrows] = marked_id[m]
                        nrows += 1
                    hashes[nh] = marked_hash[m]
                    nh += 1
                continue
            b = ends[t]
            if _starts_with(data, a, b, label_prefix):  # a label, not a word
                continue
            h = word_hashes[t]
            wid = _lookup(data, a, b, h, slots, slot_hash, word_data, word_offsets)
            if wid >= 0:
                rows[nrows] = wid
                nrows += 1
            hashes[nh] = np.int32(h)  # fastText keeps the hash as int32 (a truncating cast)
            nh += 1
        if not _score(i, rows, nrows, hashes, nh, model, k, threshold, work, out_count, out_label, out_code):
            return i
    return -1


PREDICT = kernel(_predict, helpers=(_mod, _hash, _starts_with, _lookup, _push, _adjust, _pop, _line_words, _text_words, _work, _score),
                 intrinsics={"_prefetch": "prefetch_row"})


def _fill_table(data, offsets, slots, slot_hash):  # pragma: no cover - compiled
    """Put word i = data[offsets[i]:offsets[i + 1]] into the empty table `slots` (-1) at its `_hash`,
    probing linearly; slot_hash keeps the hash of each filled slot."""
    mask = slots.shape[0] - 1
    for wid in range(offsets.shape[0] - 1):
        h = _hash(data, offsets[wid], offsets[wid + 1])
        s = np.int64(h) & mask
        while slots[s] >= 0:
            s = (s + 1) & mask
        slots[s] = wid
        slot_hash[s] = h


TABLE = kernel(_fill_table, helpers=(_hash,))
