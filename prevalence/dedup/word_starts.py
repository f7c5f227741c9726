"""Where the words of single-spaced texts start, in one compiled pass over their UTF-8 bytes: what the
numpy path of `minhash.spaced_words` finds with a byte mask, a `flatnonzero` and an insert of the text
starts. Branch-free: every byte's next position is written, and kept when the byte is a space. Without
numba (`prevalence.compiled`) `word_starts` returns None and the numpy path runs; the tests hold the two
equal.
"""

from __future__ import annotations

import numpy as np

from prevalence.compiled import kernel

_SPACE = np.zeros(256, np.int64)
_SPACE[32] = 1


def _word_starts(data, offsets, first, counts, space):  # pragma: no cover - compiled
    """first[:k] = the byte offset of every word (a text's start, and each byte after a space inside the
    text but its last), counts[i] = words of text i; returns k."""
    k = 0
    for i in range(offsets.shape[0] - 1):
        low, high = offsets[i], offsets[i + 1]
        k0 = k
        first[k] = low
        k += np.int64(high > low)
        for j in range(low, high - 1):
            first[k] = j + 1
            k += space[data[j]]
        counts[i] = k - k0
    return k


_compiled = kernel(_word_starts)


def word_starts(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(int32 word offsets into `data`, then the end of the last text; int64 words per text) of texts
    given as their bytes and int64 offsets [n + 1]; None without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    n = len(offsets) - 1
    # At most one word per byte and one per text, whatever the spacing: the buffer can never overflow.
    first = np.empty(int(offsets[-1] - offsets[0]) + n + 1, np.int32)
    counts = np.empty(n, np.int64)
    k = run(data, offsets, first, counts, _SPACE)
    first[k] = offsets[-1]
    return first[: k + 1], counts


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    word_starts(np.frombuffer(b"a bc", np.uint8), np.array([0, 1, 4]))
    return ["word_starts.word_starts"]
