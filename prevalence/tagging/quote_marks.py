"""How many quotations of each style a text may hold: the counts from which `dialogue` picks the quote
style of a text, in one compiled pass over the bytes of the texts of a batch.

Per text: `“` (curly double), pairs of `"` (straight double), `‘` (curly single), and `'` where a
quotation may open (after a space, a line feed or `(`, or as the first character). `style_counts` is
the Python reading of one text; `style_counts_arrow` gives the same numbers for chosen texts of a
string array, or None without numba (see `prevalence.compiled`), where callers read each text in
Python. The tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prevalence.compiled import kernel, utf8_buffers

STYLES = ("curly_double", "straight_double", "curly_single", "straight_single")


def style_counts(text: str) -> tuple[int, int, int, int]:
    """The counts of STYLES for one text."""
    ascii_only = text.isascii()  # (known without reading the text): no curly mark to count
    return (0 if ascii_only else text.count("“"), text.count('"') // 2, 0 if ascii_only else text.count("‘"),
            text.count(" '") + text.count("\n'") + text.count("('") + (1 if text.startswith("'") else 0))


# Per byte: 1 for `"`, 2 for `'`, 3 for 0xE2 (which leads `“`, E2 80 9C, and `‘`, E2 80 98), else 0.
_KINDS = np.zeros(256, np.uint8)
_KINDS[ord('"')] = 1
_KINDS[ord("'")] = 2
_KINDS[0xE2] = 3
# Per byte: whether a `'` after it may open a quotation.
_OPENS_AFTER = np.zeros(256, np.bool_)
_OPENS_AFTER[[ord(" "), ord("\n"), ord("(")]] = True


def _count(data, offsets, rows, kinds, opens_after, out):  # pragma: no cover - compiled
    """out[k] = the counts of STYLES of text rows[k] (straight double quotes not yet halved)."""
    for k in range(rows.shape[0]):
        start, end = offsets[rows[k]], offsets[rows[k] + 1]
        curly_double = straight_double = curly_single = straight_single = 0
        for j in range(start, end):
            kind = kinds[data[j]]
            if kind == 0:
                continue
            if kind == 1:
                straight_double += 1
            elif kind == 2:
                if j == start or opens_after[data[j - 1]]:
                    straight_single += 1
            elif j + 2 < end and data[j + 1] == 0x80:
                if data[j + 2] == 0x9C:
                    curly_double += 1
                elif data[j + 2] == 0x98:
                    curly_single += 1
        out[k, 0] = curly_double
        out[k, 1] = straight_double
        out[k, 2] = curly_single
        out[k, 3] = straight_single


_compiled = kernel(_count)


def style_counts_arrow(texts: pa.Array, rows: np.ndarray) -> np.ndarray | None:
    """`style_counts` of the texts `rows` of a string array (none null), as int64 [len(rows), 4]; None
    without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    _, offsets, data = utf8_buffers(texts)
    out = np.zeros((len(rows), len(STYLES)), np.int64)
    run(data, offsets, np.ascontiguousarray(rows, dtype=np.int64), _KINDS, _OPENS_AFTER, out)
    out[:, 1] //= 2
    return out


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    style_counts_arrow(pa.array(["'a' “b” ‘c’ \"d\""]), np.array([0]))
    return ["quote_marks.style_counts"]
