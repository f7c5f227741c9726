"""Occurrences of many literal keys in a text at once: the candidate finder of the mention tagger
(whole words of lowercase keys, `candidates`) and of the assistant-phrase scorer (`occurrences`).

Two engines give the same candidates (tests/unit/test_matcher.py compares them):
- `HyperscanMatcher`: Intel Hyperscan (the `hyperscan` wheel, x86-64 Linux, macOS and Windows)
  scans the UTF-8 bytes for every key at once; the whole-word test is then one numpy pass over the
  match offsets. Python runs only for matches next to a non-ASCII character. `candidates_arrow` and
  `occurrences_arrow` scan the texts of an Arrow string array straight from its buffer, with no
  Python string made.
- `AhoCorasickMatcher`: a pyahocorasick automaton with the whole-word test per match in Python; the
  fallback where no hyperscan wheel exists (Linux on ARM).
A key matches as a whole word when the characters around it are not letters, digits or `_`
(`str.isalnum`).
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ENGINES = ("hyperscan", "aho-corasick")

# ASCII bytes that are word characters; bytes >= 0x80 belong to non-ASCII characters, checked in Python.
_ASCII_WORD = np.zeros(256, dtype=bool)
for _c in range(128):
    _ASCII_WORD[_c] = chr(_c).isalnum() or _c == ord("_")
_HIGH = np.arange(256) >= 0x80


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


def build_matcher(keys: list[str], engine: str | None = None, whole_words: bool = False, literals: tuple[str, ...] = ()):
    """A matcher over `keys` (lowercase); engine None picks hyperscan when it is installed. A
    `whole_words` matcher serves only `candidates*`, faster. `literals`: more keys that a hyperscan
    matcher finds in the same scan, anywhere (`scan_candidates`); the other engine ignores them."""
    if engine is None:
        engine = "hyperscan" if hyperscan_available() else "aho-corasick"
    if engine == "hyperscan":
        return HyperscanMatcher(keys, whole_words, literals)
    if engine == "aho-corasick":
        return AhoCorasickMatcher(keys, whole_words)
    raise ValueError(f"unknown matcher engine {engine!r}; expected one of {', '.join(ENGINES)}")


class AhoCorasickMatcher:
    """Whole-word key occurrences with one pyahocorasick automaton."""

    engine = "aho-corasick"

    def __init__(self, keys: list[str], whole_words: bool = False):
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

    def candidates_arrow(self, lows: pa.Array) -> list[list[tuple[int, int, int]]]:
        """`candidates` of each text of a string array (null: none)."""
        return [self.candidates(low or "") for low in lows.to_pylist()]

    def occurrences_arrow(self, texts: pa.Array) -> list[list[tuple[int, int, int]]]:
        """`occurrences` of each text of a string array (null: none)."""
        return [self.occurrences(text or "") for text in texts.to_pylist()]


class HyperscanMatcher:
    """Key occurrences with one Hyperscan database, compiled where it is built or unpickled (in tens
    of milliseconds).

    Every key is a literal. With `whole_words`, the short keys (`SHORT_KEY` bytes or fewer, starting and
    ending with an ASCII word character) are compiled as `\\bkey\\b`: they occur inside many words
    (`eve` in `every`), and Hyperscan drops those matches without calling Python. Its `\\b` reads only
    ASCII letters, digits and `_` as word characters, which is where the word test below starts, so
    the candidates are unchanged. `occurrences` (whole word or not) needs `whole_words` off."""

    engine = "hyperscan"

    def __init__(self, keys: list[str], whole_words: bool = False, literals: tuple[str, ...] = ()):
        import hyperscan

        self.size = len(keys)
        self._keys = list(keys)
        self.whole_words = whole_words
        # Literals found in the same scan, anywhere (`scan_candidates`): ids after the keys'.
        self.literals = tuple(literals)
        encoded = [k.encode("utf-8", "surrogatepass") for k in (*keys, *self.literals)]
        self._lengths = np.array([len(k) for k in encoded], dtype=np.int64)
        self._db = None
        if encoded:
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            ids = list(range(len(encoded)))
            if whole_words:
                patterns = [_bounded(k) if i < self.size and _is_short(k) else _escaped(k) for i, k in enumerate(encoded)]
                self._db.compile(expressions=patterns, ids=ids, elements=len(encoded), flags=0)
            else:
                self._db.compile(expressions=encoded, ids=ids, elements=len(encoded), flags=0, literal=True)
            self._scratch = hyperscan.Scratch(self._db)

    def __reduce__(self):  # the database is rebuilt where it is unpickled
        return (HyperscanMatcher, (self._keys, self.whole_words, self.literals))

    def _scan(self, lows: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The occurrences in each text, straight from the Arrow buffer: (the buffer's bytes, each text's
        first byte and end [n], and per occurrence: start and end byte offsets in the buffer, key index,
        text index), grouped by text; None when there are none. A `whole_words` matcher scans each text
        alone (its `\\b` reads the byte past a match), the other the whole buffer at once."""
        if isinstance(lows, pa.ChunkedArray):
            lows = lows.combine_chunks()
        n = len(lows)
        if self._db is None or n == 0:
            return None
        offsets = _offsets(lows)
        data_buffer = lows.buffers()[2]
        data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
        found: list[int] = []
        append = found.append
        cuts = [0] * (n + 1)
        size = len(self._lengths)  # keys and literals
        span = int(offsets[-1]) + 1  # each match as one int, (first byte of its text + end) * size + key: no tuple per match
        if span * size >= 2**62:
            raise ValueError("a batch of texts too large to scan at once")
        db, scratch = self._db, self._scratch
        buf = np.frombuffer(data, dtype=np.uint8)
        if not self.whole_words:
            # Literals alone read no byte past a match: one scan of the whole buffer finds in each text what
            # a scan of that text finds (a call per text costs more than scanning short texts), and the
            # matches that run from one text into the next are dropped.
            first, last = int(offsets[0]), int(offsets[-1])
            if last > first:
                db.scan(data[first:last], match_event_handler=lambda key, _from, to, _flags, _context: append((first + to) * size + key),
                        scratch=scratch)
            if not found:
                return None
            ends, ids = np.divmod(np.array(found, dtype=np.int64), size)
            starts = ends - self._lengths[ids]
            doc = np.searchsorted(offsets, ends - 1, side="right") - 1  # the text of each match's last byte
            inside = starts >= offsets[doc]
            if not inside.any():
                return None
            return buf, offsets, starts[inside], ends[inside], ids[inside], doc[inside]
        bounds = offsets.tolist()
        for i in range(n):
            first, end = bounds[i], bounds[i + 1]
            if end > first:
                db.scan(data[first:end], match_event_handler=lambda key, _from, to, _flags, first: append((first + to) * size + key),
                        context=first, scratch=scratch)
            cuts[i + 1] = len(found)
        if not found:
            return None
        ends, ids = np.divmod(np.array(found, dtype=np.int64), size)
        doc = np.repeat(np.arange(n), np.diff(np.array(cuts, dtype=np.int64)))
        return buf, offsets, ends - self._lengths[ids], ends, ids, doc

    @staticmethod
    def char_offsets(buf: np.ndarray, offsets: np.ndarray, doc: np.ndarray, starts: np.ndarray,
                      ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Byte offsets of occurrences (each inside text `doc`) as character offsets within their text."""
        first = offsets[doc]
        texts = np.unique(doc)
        sizes = offsets[texts + 1] - offsets[texts]
        if 2 * int(sizes.sum()) < int(offsets[-1] - offsets[0]):  # few texts hold occurrences: read only theirs
            continuation = np.concatenate([np.zeros(0, np.int64)] + [np.flatnonzero(buf[a:z].view(np.int8) < -64) + a
                                                                      for a, z in zip(offsets[texts].tolist(), offsets[texts + 1].tolist())])
        else:
            region = buf[int(offsets[0]) : int(offsets[-1])].view(np.int8)
            continuation = np.flatnonzero(region < -64) + int(offsets[0])  # bytes 0x80-0xBF
        if not len(continuation):  # ASCII only: a byte is a character
            return starts - first, ends - first
        before_first = np.searchsorted(continuation, first)
        return ((starts - first) - (np.searchsorted(continuation, starts) - before_first),
                (ends - first) - (np.searchsorted(continuation, ends) - before_first))

    @classmethod
    def in_characters(cls, n: int, buf: np.ndarray, offsets: np.ndarray, doc: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                      *columns: np.ndarray) -> list[list[tuple]]:
        """Occurrences in bytes (grouped by text) as one list per text of (start, end, *columns), in
        character offsets within their text."""
        starts_c, ends_c = cls.char_offsets(buf, offsets, doc, starts, ends)
        return per_text(n, doc, list(zip(starts_c.tolist(), ends_c.tolist(), *(c.tolist() for c in columns))))

    def occurrences_arrow(self, texts: pa.Array) -> list[list[tuple[int, int, int]]]:
        """`occurrences` of each text of a string array, one scan per text from the Arrow buffer."""
        if self.whole_words:
            raise ValueError("a whole-word matcher drops occurrences inside words; build it with whole_words=False")
        scanned = self._scan(texts)
        if scanned is None:
            return [[] for _ in range(len(texts))]
        buf, offsets, starts, ends, ids, doc = scanned
        return self.in_characters(len(texts), buf, offsets, doc, starts, ends, ids)

    def occurrences(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every occurrence, whole word or not, in character offsets."""
        return self.occurrences_arrow(as_arrow([text]))[0]

    def candidates(self, low: str) -> list[tuple[int, int, int]]:
        """(start, end, key index) of every whole-word occurrence, in character offsets."""
        return self.candidates_arrow(as_arrow([low]))[0]

    def candidates_arrow(self, lows: pa.Array) -> list[list[tuple[int, int, int]]]:
        """`candidates` of each text of a string array, one scan per text from the Arrow buffer; only
        matches next to a non-ASCII character are checked in Python."""
        found = self.candidate_bytes(lows)
        if found is None:
            return [[] for _ in range(len(lows))]
        buf, offsets, doc, starts, ends, ids = found
        return self.in_characters(len(lows), buf, offsets, doc, starts, ends, ids)

    def candidate_bytes(self, lows: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The whole-word candidates of `candidates_arrow` in bytes: (the buffer's bytes, each text's first
        byte and end [n], and per candidate: its text, start and end byte offsets in the buffer, key
        index), grouped by text; None when there are none."""
        return self.scan_candidates(lows)[0]

    def scan_candidates(self, lows: pa.Array) -> tuple[tuple[np.ndarray, ...] | None, tuple[np.ndarray, np.ndarray]]:
        """`candidate_bytes`, and the occurrences of `literals` from the same scan, whole word or not, as
        (text, literal index) arrays."""
        scanned = self._scan(lows)
        none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        if scanned is None:
            return None, none
        buf, offsets, starts, ends, ids, doc = scanned
        literals = none
        if self.literals:
            literal = ids >= self.size
            literals = (doc[literal], ids[literal] - self.size)
            starts, ends, ids, doc = starts[~literal], ends[~literal], ids[~literal], doc[~literal]
            if not len(doc):
                return None, literals
        first, last = offsets[doc], offsets[doc + 1]
        before = np.where(starts > first, buf[np.maximum(starts - 1, 0)], 0x20)
        after = np.where(ends < last, buf[np.minimum(ends, len(buf) - 1)], 0x20)
        keep = ~(_ASCII_WORD[before] | _ASCII_WORD[after])
        unsure = (_HIGH[before] | _HIGH[after])[keep]
        starts, ends, ids, doc = starts[keep], ends[keep], ids[keep], doc[keep]
        if unsure.any():  # a non-ASCII neighbour: is it a word character? (str.isalnum, in Python)
            kept = np.ones(len(starts), dtype=bool)
            for j in np.flatnonzero(unsure).tolist():
                s, e, d = int(starts[j]), int(ends[j]), int(doc[j])
                kept[j] = not ((s > offsets[d] and is_word_char(_char_ending_at(buf, s)))
                               or (e < offsets[d + 1] and is_word_char(_char_starting_at(buf, e))))
            starts, ends, ids, doc = starts[kept], ends[kept], ids[kept], doc[kept]
        return (buf, offsets, doc, starts, ends, ids), literals


SHORT_KEY = 4


def _is_short(key: bytes) -> bool:
    """A key that `\\b` can bound: at most SHORT_KEY bytes, ASCII word characters at both ends."""
    return len(key) <= SHORT_KEY and bool(_ASCII_WORD[key[0]]) and bool(_ASCII_WORD[key[-1]])


def _escaped(key: bytes) -> bytes:
    """A regular expression matching exactly the bytes of `key`."""
    return b"".join(b"\\x%02x" % b for b in key)


def _bounded(key: bytes) -> bytes:
    return b"\\b" + _escaped(key) + b"\\b"


def _char_ending_at(buf: np.ndarray, end: int) -> str:
    """The UTF-8 character whose last byte is buf[end - 1]."""
    start = end - 1
    while start > 0 and end - start < 4 and 0x80 <= buf[start] < 0xC0:
        start -= 1
    return bytes(buf[start:end]).decode("utf-8", "surrogatepass")


def _char_starting_at(buf: np.ndarray, start: int) -> str:
    """The UTF-8 character whose first byte is buf[start]."""
    lead = int(buf[start])
    width = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return bytes(buf[start : start + width]).decode("utf-8", "surrogatepass")


def as_arrow(texts: list[str]) -> pa.Array:
    """Python strings as a large string array of their UTF-8 bytes (lone surrogates kept, as `surrogatepass`
    writes them), for the `*_arrow` methods."""
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def rows_containing(texts: pa.Array, chars: str) -> np.ndarray:
    """Per text of a string array, True when it holds one of `chars` (null: False): `rows_matching` of their
    class (a character cannot straddle two valid UTF-8 texts, so nothing is rechecked)."""
    if not chars:
        return np.zeros(len(texts), dtype=bool)
    from prevalence.tagging.words import re2_class

    return rows_matching(texts, re2_class(chars))


# Anchors and word boundaries in a pattern (once `[^` class openers and escaped `^` and `$` are removed).
_BOUNDARY = re.compile(r"\^|\$|\\[bBAzZ]")


@functools.cache
def _regex_database(pattern: str):
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[pattern.encode("utf-8")], ids=[0], elements=1, flags=[hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SOM_LEFTMOST])
    return db, hyperscan.Scratch(db)


def rows_matching(texts: pa.Array, pattern: str) -> np.ndarray:
    """Per text of a string array, True when the regular expression `pattern` (in the syntax RE2 and
    Hyperscan share; no empty match) matches in it (null: False). One Hyperscan scan of the whole buffer:
    a match counts for the text it starts and ends in, and a text where a match runs in from the texts
    before is scanned alone. Without hyperscan, one RE2 pass: the same answer. The scan reads the batch
    as one buffer, where a text's first character is no line start: a pattern with an anchor or a word
    boundary (`^`, `$`, `\\b`, `\\A`, `\\z`) is refused."""
    if _BOUNDARY.search(pattern.replace("[^", "[").replace("\\^", "").replace("\\$", "")):
        raise ValueError(f"rows_matching scans a batch as one buffer and cannot read anchors or word boundaries: {pattern[:60]!r}")
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    n = len(texts)
    if n == 0:
        return np.zeros(n, dtype=bool)
    if not hyperscan_available():
        return pc.fill_null(pc.match_substring_regex(texts, pattern), False).to_numpy(zero_copy_only=False)
    offsets = _offsets(texts)
    out = np.zeros(n, dtype=bool)
    data = texts.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return out
    db, scratch = _regex_database(pattern)
    view = memoryview(data)
    found: list[int] = []
    db.scan(view[int(offsets[0]) : int(offsets[-1])], match_event_handler=lambda _k, start, end, _f, _c: found.extend((start, end)),
            scratch=scratch)
    if not found:
        return out
    spans = np.array(found, dtype=np.int64).reshape(-1, 2) + offsets[0]
    last = np.searchsorted(offsets, spans[:, 1] - 1, side="right") - 1  # the text of each match's last byte
    first = np.searchsorted(offsets, spans[:, 0], side="right") - 1
    out[last[first == last]] = True
    for text in sorted(set(last[first != last].tolist()) - set(np.flatnonzero(out).tolist())):
        alone: list[int] = []
        db.scan(view[int(offsets[text]) : int(offsets[text + 1])], match_event_handler=lambda *_a: alone.append(1), scratch=scratch)
        out[text] = bool(alone)
    if texts.null_count:
        out &= texts.is_valid().to_numpy(zero_copy_only=False)
    return out


def _offsets(texts: pa.Array) -> np.ndarray:
    """The byte offsets [n + 1] of a (large) string array's texts in its data buffer."""
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    return np.frombuffer(texts.buffers()[1], dtype=width, count=len(texts) + 1,
                         offset=texts.offset * np.dtype(width).itemsize).astype(np.int64)


def per_text(n: int, doc: np.ndarray, rows: list[tuple]) -> list[list[tuple]]:
    """Rows (grouped by text, `doc` their text index) as one list per text."""
    cuts = np.searchsorted(doc, np.arange(n + 1)).tolist()
    return [rows[cuts[i] : cuts[i + 1]] for i in range(n)]
