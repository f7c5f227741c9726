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
CLASSES = np.zeros(256, dtype=np.uint8)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_\t\f\r ":
    CLASSES[_c] = 1
CLASSES[ord("\n")] = 2
CLASSES[0xC0:0xE0], CLASSES[0xE0:0xF0], CLASSES[0xF0:0x100] = 3, 4, 5
BLANK_BEFORE_BREAK = np.zeros(256, dtype=np.bool_)  # [ \t\r\f\v] of the paragraph pattern
BLANK_BEFORE_BREAK[[32, 9, 13, 12, 11]] = True
SPACE_AFTER_BREAK = np.zeros(256, dtype=np.bool_)  # RE2's \s
SPACE_AFTER_BREAK[[9, 10, 12, 13, 32]] = True


# Output bytes per input byte at most: a line feed becomes ` __nl__ ` (8 bytes); a set-apart byte 3.
MAX_GROWTH = _LINE.shape[0]


def _layout(data, offsets, out, out_offsets, classes, blank, space, paragraph, line):  # pragma: no cover - compiled
    """Write every string's layout into `out` (at least MAX_GROWTH bytes per input byte, plus 2),
    its offsets into `out_offsets`; the bytes written. Branch-free for ASCII bytes: each is written
    with a space on both sides, and the spaces are kept by arithmetic only where it is set apart."""
    pos = 0
    for i in range(offsets.shape[0] - 1):
        out_offsets[i] = pos
        j, end = offsets[i], offsets[i + 1]
        while j < end:
            b = data[j]
            c = classes[b]
            if c <= 1:  # ASCII: copied (1) or set apart (0)
                apart = 1 - np.int64(c)
                out[pos + 2] = 32
                out[pos] = 32
                out[pos + apart] = b
                pos += 1 + 2 * apart
                j += 1
            elif c == 2:
                k = j + 1
                while k < end and blank[data[k]]:
                    k += 1
                if k < end and data[k] == 10:  # a paragraph break, and the RE2 spaces after it
                    k += 1
                    while k < end and space[data[k]]:
                        k += 1
                    out[pos:pos + paragraph.shape[0]] = paragraph
                    pos += paragraph.shape[0]
                    j = k
                else:
                    out[pos:pos + line.shape[0]] = line
                    pos += line.shape[0]
                    j += 1
            else:
                width = c - 1
                if j + width > end:
                    width = end - j
                out[pos] = 32
                out[pos + 1:pos + 1 + width] = data[j:j + width]
                out[pos + 1 + width] = 32
                pos += width + 2
                j += width
    out_offsets[offsets.shape[0] - 1] = pos
    return pos


_compiled = kernel(_layout)


def layout_tokens(texts: pa.Array) -> pa.Array | None:
    """The three passes above over a string array without nulls, or None when the kernel is not
    available or the output would pass the 2 GiB a string array can address."""
    run = _compiled.compiled()
    if run is None:
        return None
    texts, offsets, data = utf8_buffers(texts)
    n = len(texts)
    out = np.empty(MAX_GROWTH * int(offsets[-1] - offsets[0]) + 2, np.uint8)  # untouched pages cost no memory
    out_offsets = np.empty(n + 1, np.int64)
    size = run(data, offsets, out, out_offsets, CLASSES, BLANK_BEFORE_BREAK, SPACE_AFTER_BREAK, _PARAGRAPH, _LINE)
    if size >= 2**31:
        return None
    return pa.StringArray.from_buffers(n, pa.py_buffer(out_offsets.astype(np.int32)), pa.py_buffer(out[:size].copy()))


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    layout_tokens(pa.array(["a\n\nb\nc, d é"]))
    return ["layout.layout_tokens"]
