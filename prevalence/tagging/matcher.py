"""Occurrences of many literal keys in a text at once: the candidate finder of the mention tagger
(whole words of lowercase keys, `candidates`) and of the assistant-phrase scorer (`occurrences`).

Two engines give the same candidates (tests/unit/test_matcher.py compares them):
- `HyperscanMatcher`: Intel Hyperscan (the `hyperscan` wheel, x86-64 Linux, macOS and Windows)
  scans the UTF-8 bytes for every key at once; the whole-word test is then one numpy pass over the
  match offsets. Python runs only for matches next to a non-ASCII character.
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

    def _scan(self, text: str) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray] | None:
        """(UTF-8 bytes, start and end byte offsets, key indexes) of every occurrence; None for none."""
        if self._db is None:
            return None
        data = text.encode("utf-8", "surrogatepass")
        found: list[tuple[int, int]] = []
        append = found.append
        self._db.scan(data, match_event_handler=lambda key, _from, to, _flags, _ctx: append((to, key)), scratch=self._scratch)
        if not found:
            return None
        hits = np.array(found, dtype=np.int64)
        ends, ids = hits[:, 0], hits[:, 1]
        return data, ends - self._lengths[ids], ends, ids

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every occurrence, whole word or not, in character offsets."""
        scanned = self._scan(text)
        if scanned is None:
            return []
        data, starts, ends, ids = scanned
        if len(data) != len(text):
            char_of = _char_index(np.frombuffer(data, dtype=np.uint8))
            starts, ends = char_of[starts], char_of[ends - 1] + 1
        return list(zip(starts.tolist(), ends.tolist(), ids.tolist()))

    def candidates(self, low: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every whole-word occurrence, in character offsets."""
        scanned = self._scan(low)
        if scanned is None:
            return []
        data, starts, ends, ids = scanned
        buf = np.frombuffer(data, dtype=np.uint8)
        n = len(buf)
        before = np.where(starts > 0, buf[np.maximum(starts - 1, 0)], 0x20)
        after = np.where(ends < n, buf[np.minimum(ends, n - 1)], 0x20)
        keep = ~(_ASCII_WORD[before] | _ASCII_WORD[after])
        ascii_text = n == len(low)
        if ascii_text:
            starts, ends, ids = starts[keep], ends[keep], ids[keep]
            return list(zip(starts.tolist(), ends.tolist(), ids.tolist()))
        char_of = _char_index(buf)
        unsure = keep & (_HIGH[before] | _HIGH[after])
        starts_c = char_of[starts]
        ends_c = char_of[ends - 1] + 1
        out = []
        for s, e, k, check in zip(starts_c[keep].tolist(), ends_c[keep].tolist(), ids[keep].tolist(), unsure[keep].tolist()):
            if check and ((s > 0 and is_word_char(low[s - 1])) or (e < len(low) and is_word_char(low[e]))):
                continue
            out.append((s, e, k))
        return out
