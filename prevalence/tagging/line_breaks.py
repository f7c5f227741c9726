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

from prevalence.compiled import kernel, utf8_buffers


# Per byte: 1 for a one-byte break other than `\n`, 2 for a byte that may lead one of U+0085, U+2028 and
# U+2029 (C2 85, E2 80 A8, E2 80 A9; 0xC2 and 0xE2 only ever lead a character), 0 for the rest.
_BYTE_KINDS = np.zeros(256, np.uint8)
_BYTE_KINDS[[0x0D, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E]] = 1
_BYTE_KINDS[[0xC2, 0xE2]] = 2


def _other_breaks(data, offsets, kinds, out):  # pragma: no cover - compiled
    """out[i] = True when string i holds a line break of str.splitlines other than `\n`."""
    for i in range(offsets.shape[0] - 1):
        end = offsets[i + 1]
        for j in range(offsets[i], end):
            kind = kinds[data[j]]
            if kind == 0:
                continue
            if kind == 1 or (data[j] == 0xC2 and j + 1 < end and data[j + 1] == 0x85) or (
                    data[j] == 0xE2 and j + 2 < end and data[j + 1] == 0x80 and (data[j + 2] == 0xA8 or data[j + 2] == 0xA9)):
                out[i] = True
                break


_compiled = kernel(_other_breaks)


def other_line_breaks(texts: pa.Array) -> np.ndarray | None:
    """Per string, whether it holds a line break of str.splitlines other than `\\n` (False for nulls);
    None without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    texts, offsets, data = utf8_buffers(texts)
    out = np.zeros(len(texts), np.bool_)
    run(data, offsets, _BYTE_KINDS, out)
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
