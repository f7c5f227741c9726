"""fastText's layout tokens in one compiled pass over the UTF-8 bytes of a string array.

`layout_tokens` gives, byte for byte, what these three Arrow passes of `text.fasttext_lines` give:

    replace_substring_regex(t, r"\\n[ \\t\\r\\f\\v]*\\n\\s*", " __p__ ")   # paragraph breaks
    replace_substring(t, "\\n", " __nl__ ")                           # line breaks
    replace_substring_regex(t, r"([^\\w\\s])", r" \\1 ")               # punctuation as tokens

RE2's `\\w` is [0-9A-Za-z_] and its `\\s` is [\\t\\n\\f\\r ] (no \\v), so every other character, non-ASCII
ones whole, is set apart by spaces. The replacements' own output holds only word characters and
spaces, which no later pass changes, so one left-to-right scan does all three. Without numba (see
`prevalence.compiled`) the Arrow passes run; the tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prevalence.compiled import kernel, utf8_buffers

_PARAGRAPH = np.frombuffer(b" __p__ ", dtype=np.uint8)
_LINE = np.frombuffer(b" __nl__ ", dtype=np.uint8)
# Byte classes: 0 set apart (punctuation, control), 1 copied (RE2 word and space characters but
# the line feed), 2 the line feed, 3-5 lead bytes of 2-4 byte characters (set apart whole).
_CLASS = np.zeros(256, dtype=np.uint8)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_\t\f\r ":
    _CLASS[_c] = 1
_CLASS[ord("\n")] = 2
_CLASS[0xC0:0xE0], _CLASS[0xE0:0xF0], _CLASS[0xF0:0x100] = 3, 4, 5
_BLANK_BEFORE_BREAK = np.zeros(256, dtype=np.bool_)  # [ \t\r\f\v] of the paragraph pattern
_BLANK_BEFORE_BREAK[[32, 9, 13, 12, 11]] = True
_SPACE_AFTER_BREAK = np.zeros(256, dtype=np.bool_)  # RE2's \s
_SPACE_AFTER_BREAK[[9, 10, 12, 13, 32]] = True


def _layout(data, offsets, out, out_offsets, write, classes, blank, space, paragraph, line):  # pragma: no cover - compiled
    """Sizes (write False: out_offsets[i + 1] = output length of string i) or bytes (write True, with
    out_offsets cumulative) of every string's layout."""
    for i in range(offsets.shape[0] - 1):
        pos = out_offsets[i] if write else 0
        j, end = offsets[i], offsets[i + 1]
        while j < end:
            c = classes[data[j]]
            if c == 1:
                if write:
                    out[pos] = data[j]
                pos += 1
                j += 1
            elif c == 2:
                k = j + 1
                while k < end and blank[data[k]]:
                    k += 1
                if k < end and data[k] == 10:  # a paragraph break, and the RE2 spaces after it
                    k += 1
                    while k < end and space[data[k]]:
                        k += 1
                    if write:
                        out[pos:pos + paragraph.shape[0]] = paragraph
                    pos += paragraph.shape[0]
                    j = k
                else:
                    if write:
                        out[pos:pos + line.shape[0]] = line
                    pos += line.shape[0]
                    j += 1
            else:
                width = 1 if c == 0 else c - 1
                if j + width > end:
                    width = end - j
                if write:
                    out[pos] = 32
                    out[pos + 1:pos + 1 + width] = data[j:j + width]
                    out[pos + 1 + width] = 32
                pos += width + 2
                j += width
        if not write:
            out_offsets[i + 1] = pos


_compiled = kernel(_layout)


def layout_tokens(texts: pa.Array) -> pa.Array | None:
    """The three passes above over a string array without nulls, or None when the kernel is not
    available or the output would pass the 2 GiB a string array can address."""
    run = _compiled.compiled()
    if run is None:
        return None
    texts, offsets, data = utf8_buffers(texts)
    n = len(texts)
    sizes = np.zeros(n + 1, np.int64)
    args = (_CLASS, _BLANK_BEFORE_BREAK, _SPACE_AFTER_BREAK, _PARAGRAPH, _LINE)
    run(data, offsets, np.zeros(0, np.uint8), sizes, False, *args)
    out_offsets = np.cumsum(sizes)
    if out_offsets[-1] >= 2**31:
        return None
    out = np.empty(out_offsets[-1], np.uint8)
    run(data, offsets, out, out_offsets, True, *args)
    return pa.StringArray.from_buffers(n, pa.py_buffer(out_offsets.astype(np.int32)), pa.py_buffer(out))


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    layout_tokens(pa.array(["a\n\nb\nc, d é"]))
    return ["layout.layout_tokens"]
