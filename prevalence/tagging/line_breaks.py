"""Which documents break lines with anything but `\n`: one compiled pass over a string array's bytes.

`str.splitlines` also breaks at `\r`, `\x0b`, `\x0c`, `\x1c`, `\x1d`, `\x1e`, U+0085, U+2028 and
U+2029. A document with none of them splits into the same lines at `\n` alone, which Arrow's literal
split does six times faster than the RE2 pattern of all the breaks. Without numba (see
`prevalence.compiled`) `other_line_breaks` returns None and callers split every document with RE2.
`any_line_matches` reads the lines of documents split that way, all at once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.compiled import aligned_words, kernel, printable8, read64, utf8_buffers


# Per byte: 1 for a one-byte break other than `\n`, 2 for a byte that may lead one of U+0085, U+2028 and
# U+2029 (C2 85, E2 80 A8, E2 80 A9; 0xC2 and 0xE2 only ever lead a character), 0 for the rest.
_BYTE_KINDS = np.zeros(256, np.uint8)
_BYTE_KINDS[[0x0D, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E]] = 1
_BYTE_KINDS[[0xC2, 0xE2]] = 2


def _other_breaks(data, words64, offsets, kinds, out):  # pragma: no cover - compiled
    """out[i] = True when string i holds a line break of str.splitlines other than `\n`. Eight bytes at
    a time: a block of printable ASCII (no byte below 0x20 or above 0x7F, most of prose) holds none, and
    only the other blocks are read byte by byte."""
    for i in range(offsets.shape[0] - 1):
        j, end = offsets[i], offsets[i + 1]
        while j < end:
            width = 1
            if j + 8 <= end:
                if printable8(read64(data, words64, j)):
                    j += 8
                    continue
                width = 8
            found = False
            for q in range(j, j + width):
                kind = kinds[data[q]]
                if kind == 0:
                    continue
                if kind == 1 or (data[q] == 0xC2 and q + 1 < end and data[q + 1] == 0x85) or (
                        data[q] == 0xE2 and q + 2 < end and data[q + 1] == 0x80 and (data[q + 2] == 0xA8 or data[q + 2] == 0xA9)):
                    found = True
                    break
            if found:
                out[i] = True
                break
            j += width


_compiled = kernel(_other_breaks, helpers=(read64, printable8))


def other_line_breaks(texts: pa.Array) -> np.ndarray | None:
    """Per string, whether it holds a line break of str.splitlines other than `\\n` (False for nulls);
    None without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    texts, offsets, data = utf8_buffers(texts)
    out = np.zeros(len(texts), np.bool_)
    run(data, aligned_words(data), offsets, _BYTE_KINDS, out)
    if texts.null_count:
        out &= texts.is_valid().to_numpy(zero_copy_only=False)
    return out


def any_line_matches(lines: pa.Array, pattern: str) -> np.ndarray:
    """Per list of a list array of lines, whether one of its lines matches the RE2 `pattern` (one pass over
    all the lines)."""
    found = pc.match_substring_regex(pc.list_flatten(lines), pattern).to_numpy(zero_copy_only=False)
    return np.bincount(pc.list_parent_indices(lines).to_numpy(), weights=found, minlength=len(lines)) > 0


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    other_line_breaks(pa.array(["a\nb", "a\u2028b", None]))
    return ["line_breaks.other_line_breaks"]
