"""`" ".join(t.split())` and `len(t.split())` for a whole string array in one compiled pass over its
UTF-8 bytes: what `words.normalise_whitespace`'s RE2 pass and word count give, byte for byte.

A character is whitespace when `str.isspace()` holds for it (`words.WHITESPACE`): 1-byte ones by a
table, the few 2- and 3-byte ones (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
U+205F, U+3000) by their encodings. Without numba (see `prevalence.compiled`) the RE2 pass runs; the
tests hold the two equal.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from prevalence.compiled import aligned_words, kernel, printable8, read64, utf8_buffers


@functools.cache
def _tables(whitespace: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(per byte: 1 for 1-byte whitespace, 2 for a byte that leads a 2- or 3-byte one, else 0; 2-byte
    encodings as b0 << 8 | b1; 3-byte ones as b0 << 16 | b1 << 8 | b2)."""
    kinds, two, three = np.zeros(256, np.uint8), [], []
    for c in whitespace:
        b = c.encode("utf-8")
        if len(b) == 1:
            kinds[b[0]] = 1
        elif len(b) == 2:
            two.append(b[0] << 8 | b[1])
            kinds[b[0]] = 2
        elif len(b) == 3:
            three.append(b[0] << 16 | b[1] << 8 | b[2])
            kinds[b[0]] = 2
        else:  # pragma: no cover - str.isspace() holds for no 4-byte character
            raise ValueError(f"4-byte whitespace {c!r}")
    if any(code >> 8 != 0xC2 for code in two):  # pragma: no cover - true of Unicode today
        raise ValueError("2-byte whitespace outside U+0080-U+00BF")
    return kinds, np.array(sorted(two), np.int64), np.array(sorted(three), np.int64)


_SPACES = np.uint64(0x2020202020202020)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_ONES = np.uint64(0x0101010101010101)


def _zero_bytes(y):  # pragma: no cover - compiled
    """The high bit of each byte of y that is zero, and no other bit (exact, no borrow between bytes)."""
    return ~(((y & _LOW7) + _LOW7) | y | _LOW7)


def _single_space(data, words64, offsets, valid, out, out_offsets, words, kinds, two, three):  # pragma: no cover - compiled
    """Write each valid string with its whitespace runs as one space and its ends trimmed; count words.

    Eight bytes at a time where single spacing leaves them as they are: ASCII with no control character,
    spaces alone (not two together, not the eighth byte, not the first after whitespace). They are
    copied, and the words they start counted, with no test per byte. Elsewhere, byte by byte:

    branch-free for ASCII: every byte is written and kept or not by arithmetic, and a space is written
    before each word but a text's first (a branch per byte costs three times as much on prose, where
    one byte in six is a space). Only bytes that may lead a 2- or 3-byte whitespace character branch."""
    pos = 0
    for i in range(offsets.shape[0] - 1):
        out_offsets[i] = pos
        if not valid[i]:
            continue
        j, end = offsets[i], offsets[i + 1]
        n = 0
        after_space = 1  # the byte before was whitespace, or the text starts here
        while j < end:
            if j + 8 <= end:  # 8 bytes that single spacing leaves as they are, at once
                x = np.uint64(read64(data, words64, j))  # (a no-op compiled; run as Python, the helper returns an int)
                spaces = _zero_bytes(x ^ _SPACES)
                if (printable8(x) and (spaces & (spaces >> np.uint64(8))) == 0 and (spaces >> np.uint64(63)) == 0
                        and (after_space == 0 or (spaces & np.uint64(0x80)) == 0)):
                    if after_space and n:
                        out[pos] = 32
                        pos += 1
                    for k in range(8):
                        out[pos + k] = np.uint8((x >> np.uint64(8 * k)) & np.uint64(0xFF))
                    pos += 8
                    n += after_space + np.int64(((spaces >> np.uint64(7)) * _ONES) >> np.uint64(56))
                    after_space = 0
                    j += 8
                    continue
            b = data[j]
            kind = kinds[b]
            w = 1  # bytes of the character at j that this step reads
            if kind == 2:
                space = 0
                if b == 0xC2:
                    if j + 1 < end:
                        code = (np.int64(b) << 8) | np.int64(data[j + 1])
                        for k in range(two.shape[0]):
                            if two[k] == code:
                                w = 2
                                space = 1
                elif j + 2 < end:
                    code = (np.int64(b) << 16) | (np.int64(data[j + 1]) << 8) | np.int64(data[j + 2])
                    for k in range(three.shape[0]):
                        if three[k] == code:
                            w = 3
                            space = 1
            else:
                space = np.int64(kind)  # 1 for 1-byte whitespace, else 0
            kept = 1 - space
            begins = kept & after_space  # a word starts at this byte
            out[pos] = 32  # the space before a word, kept when a word was written before it
            pos += begins & (1 if n else 0)
            out[pos] = b
            pos += kept
            n += begins
            after_space = space
            j += w
        words[i] = n
    out_offsets[offsets.shape[0] - 1] = pos


_compiled = kernel(_single_space, helpers=(read64, printable8, _zero_bytes))


def single_spaced(texts: pa.Array, whitespace: str) -> tuple[pa.Array, np.ndarray] | None:
    """(single-spaced texts, words per text as int64, 0 for nulls) of a string array, nulls kept; None
    without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    texts, offsets, data = utf8_buffers(texts)
    n = len(texts)
    valid = texts.is_valid().to_numpy(zero_copy_only=False)
    out = np.empty(max(int(offsets[-1] - offsets[0]), 0), np.uint8)  # never longer than the input
    out_offsets = np.empty(n + 1, np.int64)
    words = np.zeros(n, np.int64)
    run(data, aligned_words(data), offsets, valid, out, out_offsets, words, *_tables(whitespace))
    mask = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    result = pa.StringArray.from_buffers(n, pa.py_buffer(out_offsets.astype(np.int32)), pa.py_buffer(out[: out_offsets[-1]]), mask)
    return result, words


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    single_spaced(pa.array([" a\u3000b\u00a0 c ", None]), " \u3000\u00a0")
    return ["spacing.single_spaced"]
