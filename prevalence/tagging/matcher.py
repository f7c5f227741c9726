"""Occurrences of many literal keys in a text at once: the candidate finder of the mention tagger
(whole words of lowercase keys, `candidates`) and of the assistant-phrase scorer (`occurrences`).

Two engines give the same candidates (tests/unit/test_matcher.py compares them):
- `HyperscanMatcher`: Intel Hyperscan (the `hyperscan` wheel, x86-64 Linux, macOS and Windows)
  scans the UTF-8 bytes for every key at once; the whole-word test is then one numpy pass over the
  match offsets. Python runs only for matches next to a non-ASCII character. `candidates_many` scans
  a whole batch of texts in one call and splits the matches per text.
- `AhoCorasickMatcher`: a pyahocorasick automaton with the whole-word test per match in Python; the
  fallback where no hyperscan wheel exists (Linux on ARM).
A key matches as a whole word when the characters around it are not letters, digits or `_`
(`str.isalnum`).
"""

from __future__ import annotations

import numpy as np

ENGINES = ("hyperscan", "aho-corasick")

# ASCII bytes that are word characters; bytes >= 0x80 belong to non-ASCII characters, checked in Python.
_ASCII_WORD = np.zeros(256, dtype=bool)
for _c in range(128):
    _ASCII_WORD[_c] = chr(_c).isalnum() or _c == ord("_")
_HIGH = np.arange(256) >= 0x80


def _char_index(utf8: np.ndarray) -> np.ndarray:
    """The character index of every byte of UTF-8 text: count the bytes that start a character."""
    return np.cumsum((utf8 & 0xC0) != 0x80) - 1


def is_word_char(ch: str) -> bool:
    """A letter, digit or `_`: what a whole-word match may not touch."""
    return ch.isalnum() or ch == "_"


def hyperscan_available() -> bool:
    """True when the hyperscan wheel imports on this machine."""
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def build_matcher(keys: list[str], engine: str | None = None):
    """A matcher over `keys` (lowercase); engine None picks hyperscan when it is installed."""
    if engine is None:
        engine = "hyperscan" if hyperscan_available() else "aho-corasick"
    if engine == "hyperscan":
        return HyperscanMatcher(keys)
    if engine == "aho-corasick":
        return AhoCorasickMatcher(keys)
    raise ValueError(f"unknown matcher engine {engine!r}; expected one of {', '.join(ENGINES)}")


class AhoCorasickMatcher:
    """Whole-word key occurrences with one pyahocorasick automaton."""

    engine = "aho-corasick"

    def __init__(self, keys: list[str]):
        import ahocorasick

        self.size = len(keys)
        self._automaton = ahocorasick.Automaton()
        for index, key in enumerate(keys):
            self._automaton.add_word(key, (index, len(key)))
        if keys:
            self._automaton.make_automaton()

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every occurrence, whole word or not, in character offsets."""
        if not self.size:
            return []
        return [(last - length + 1, last + 1, index) for last, (index, length) in self._automaton.iter(text)]

    def candidates(self, low: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every whole-word occurrence, in character offsets."""
        if not self.size:
            return []
        out = []
        n = len(low)
        for last, (index, length) in self._automaton.iter(low):
            start = last - length + 1
            if (start > 0 and is_word_char(low[start - 1])) or (last + 1 < n and is_word_char(low[last + 1])):
                continue
            out.append((start, last + 1, index))
        return out

    def candidates_many(self, lows: list[str]) -> list[list[tuple[int, int, int]]]:
        """`candidates` of each text."""
        return [self.candidates(low) for low in lows]


class HyperscanMatcher:
    """Whole-word key occurrences with one Hyperscan literal database (compiled in milliseconds; the
    word test is done on the match offsets, since `\\b` patterns take seconds to compile)."""

    engine = "hyperscan"

    def __init__(self, keys: list[str]):
        import hyperscan

        self.size = len(keys)
        self._keys = list(keys)
        encoded = [k.encode("utf-8", "surrogatepass") for k in keys]
        self._lengths = np.array([len(k) for k in encoded], dtype=np.int64)
        self._db = None
        if keys:
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._db.compile(expressions=encoded, ids=list(range(len(keys))), elements=len(keys), flags=0, literal=True)
            self._scratch = hyperscan.Scratch(self._db)

    def __reduce__(self):
        return (HyperscanMatcher, (self._keys,))  # the database is rebuilt where it is unpickled

    def _matches(self, data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(start and end byte offsets, key indexes) of every occurrence in `data`; None for none."""
        if self._db is None:
            return None
        found: list[int] = []
        append = found.append
        size = self.size  # each match as one int, end * size + key: no tuple per match
        self._db.scan(data, match_event_handler=lambda key, _from, to, _flags, _ctx: append(to * size + key), scratch=self._scratch)
        if not found:
            return None
        ends, ids = np.divmod(np.array(found, dtype=np.int64), size)
        return ends - self._lengths[ids], ends, ids

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every occurrence, whole word or not, in character offsets."""
        data = text.encode("utf-8", "surrogatepass")
        matched = self._matches(data)
        if matched is None:
            return []
        starts, ends, ids = matched
        if len(data) != len(text):
            char_of = _char_index(np.frombuffer(data, dtype=np.uint8))
            starts, ends = char_of[starts], char_of[ends - 1] + 1
        return list(zip(starts.tolist(), ends.tolist(), ids.tolist()))

    def candidates(self, low: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every whole-word occurrence, in character offsets."""
        return self.candidates_many([low])[0]

    def _scan_many(self, texts: list[str]) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """One scan of the texts' UTF-8 bytes laid end to end: (bytes, byte bounds of the texts [n + 1],
        and per occurrence inside one text: start and end byte offsets, key index, text index), the
        occurrences grouped by text in the order Hyperscan reports them; None for none."""
        if self._db is None or not texts:
            return None
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        bounds = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=bounds[1:])
        data = b"".join(encoded)
        matched = self._matches(data)
        if matched is None:
            return None
        starts, ends, ids = matched
        doc = np.searchsorted(bounds, ends - 1, side="right") - 1  # the text that holds the last byte
        inside = starts >= bounds[doc]  # a key laid across the seam of two texts is in neither
        order = np.argsort(doc[inside], kind="stable")
        return data, bounds, starts[inside][order], ends[inside][order], ids[inside][order], doc[inside][order]

    @staticmethod
    def _per_text(n: int, doc: np.ndarray, rows: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
        """Rows (grouped by text, `doc` their text index) as one list per text."""
        cuts = np.searchsorted(doc, np.arange(n + 1)).tolist()
        return [rows[cuts[i] : cuts[i + 1]] for i in range(n)]

    @staticmethod
    def _char_offsets(data: bytes, bounds: np.ndarray, texts: list[str], doc: np.ndarray, starts: np.ndarray,
                      ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Byte offsets of occurrences (each inside text `doc`) as character offsets within their text."""
        first = bounds[doc]
        if int(bounds[-1]) == sum(map(len, texts)):  # ASCII only: a byte is a character
            return starts - first, ends - first
        # Continuation bytes before an offset, found by bisecting their (few) positions.
        continuation = np.flatnonzero(np.frombuffer(data, dtype=np.int8) < -64)  # bytes 0x80-0xBF
        before_first = np.searchsorted(continuation, first)
        return ((starts - first) - (np.searchsorted(continuation, starts) - before_first),
                (ends - first) - (np.searchsorted(continuation, ends) - before_first))

    def candidates_many(self, lows: list[str]) -> list[list[tuple[int, int, int]]]:
        """`candidates` of each text, from one scan of the whole batch."""
        scanned = self._scan_many(lows)
        if scanned is None:
            return [[] for _ in lows]
        data, bounds, starts, ends, ids, doc = scanned
        buf = np.frombuffer(data, dtype=np.uint8)
        first, last = bounds[doc], bounds[doc + 1]
        before = np.where(starts > first, buf[np.maximum(starts - 1, 0)], 0x20)
        after = np.where(ends < last, buf[np.minimum(ends, len(buf) - 1)], 0x20)
        keep = ~(_ASCII_WORD[before] | _ASCII_WORD[after])
        unsure = (_HIGH[before] | _HIGH[after])[keep]
        starts, ends, ids, doc = starts[keep], ends[keep], ids[keep], doc[keep]
        starts_c, ends_c = self._char_offsets(data, bounds, lows, doc, starts, ends)
        rows = list(zip(starts_c.tolist(), ends_c.tolist(), ids.tolist()))
        if unsure.any():  # a non-ASCII neighbour: is it a word character? (str.isalnum, in Python)
            kept = np.ones(len(rows), dtype=bool)
            for j in np.flatnonzero(unsure).tolist():
                s, e, _k = rows[j]
                low = lows[int(doc[j])]
                kept[j] = not ((s > 0 and is_word_char(low[s - 1])) or (e < len(low) and is_word_char(low[e])))
            if not kept.all():
                rows = [r for r, k in zip(rows, kept.tolist()) if k]
                doc = doc[kept]
        return self._per_text(len(lows), doc, rows)
