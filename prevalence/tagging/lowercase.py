"""Lowercase a batch of texts with Arrow, giving exactly what Python's `str.lower()` gives.

Arrow's `utf8_lower` maps each code point to one code point, from its own Unicode tables. It differs
from `str.lower()` in three ways:
- `İ` (U+0130), which `str.lower()` turns into two characters, `i` and a combining dot;
- the final sigma: `str.lower()` writes `Σ` at the end of a word as `ς`, Arrow always as `σ`;
- letters whose case one library's Unicode version knows and the other's does not (with pyarrow 26 and
  Python 3.11: 75 letters that Unicode added after 14.0).
The third set depends on the installed versions, so it is measured once per process over all of
Unicode (about 0.06 s). A text holding any of these characters is lowered in Python; every other text
by Arrow, with no Python string made. tests/unit/test_lowercase.py checks both against `str.lower()`
over every code point.
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.matcher import rows_containing

# Characters whose `str.lower()` depends on more than the character itself, or is not one character.
_CONTEXTUAL = "\u03a3\u0130"  # Σ (final sigma), İ


def lower_same_length(text: str) -> str:
    """`text.lower()`, keeping one character per character so that offsets stay aligned: a character
    whose lowercase is longer (only `İ`) stays as written, and beside one each character is lowered
    alone (no sigma is final there)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@functools.cache
def arrow_differs() -> str:
    """Every character where Arrow's `utf8_lower` and `str.lower()` differ, with the installed pyarrow
    and Python, plus those of `_CONTEXTUAL`: the characters that send a text to Python."""
    points = np.concatenate([np.arange(0xD800, dtype=np.uint32), np.arange(0xE000, 0x110000, dtype=np.uint32)])
    points = points[np.isin(points, [ord(c) for c in _CONTEXTUAL], invert=True)]
    every = points.tobytes().decode("utf-32-le")
    data = every.encode("utf-8")
    array = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(data)], np.int64)), pa.py_buffer(data)])
    arrow = pc.utf8_lower(array)[0].as_py()
    python = every.lower()  # one code point each: Σ and İ are left out, and no other lowercase is contextual
    differ = np.frombuffer(arrow.encode("utf-32-le"), np.uint32) != np.frombuffer(python.encode("utf-32-le"), np.uint32)
    return _CONTEXTUAL + points[differ].tobytes().decode("utf-32-le")


def odd_rows(texts: pa.Array) -> np.ndarray:
    """Per text, whether it holds a character of `arrow_differs` (lowered in Python). The same for a text
    and its whitespace normalised (no space character has a case), so one answer serves both."""
    return rows_containing(texts, arrow_differs())


def _lower(texts: pa.Array, python_lower: Callable[[str], str], arrow_lowered: pa.Array | None,
           odd: np.ndarray | None) -> pa.Array:
    low = pc.utf8_lower(texts) if arrow_lowered is None else arrow_lowered
    odd = odd_rows(texts) if odd is None else odd
    if not odd.any():
        return low
    rows = np.flatnonzero(odd)
    fixed = pa.array([python_lower(texts[int(i)].as_py()) for i in rows], low.type)
    return pc.replace_with_mask(low, pa.array(odd), fixed)


def lower_array(texts: pa.Array, arrow_lowered: pa.Array | None = None, odd: np.ndarray | None = None) -> pa.Array:
    """`str.lower()` of every text of a string array, as a string array of the same type.
    `arrow_lowered`: `pc.utf8_lower(texts)`, and `odd`: `odd_rows(texts)`, when the caller has them."""
    return _lower(texts, str.lower, arrow_lowered, odd)


def lower_array_same_length(texts: pa.Array, arrow_lowered: pa.Array | None = None, odd: np.ndarray | None = None) -> pa.Array:
    """`lower_same_length` of every text of a string array: one code point for each code point.
    `arrow_lowered`: `pc.utf8_lower(texts)`, and `odd`: `odd_rows(texts)`, when the caller has them."""
    return _lower(texts, lower_same_length, arrow_lowered, odd)
