"""The lines the authors tagger reads of a document: its first and last nonblank lines, the lines that
hold a dash (attributions), and what comes right before such a line. Each line comes stripped, with a
key that names it (`key` order is text order).

- `SplitLines` splits the whole text with `str.splitlines` (the key is the line's index).
- `NewlineLines` is for a text whose only line break is `\\n` (`line_breaks.other_line_breaks`, one
  compiled pass over the batch): it finds the lines it is asked for with `str.find` and `str.rfind`,
  and never splits the rest (the key is the line's first character). Most documents hold a dash
  somewhere but on few of their lines: 5,795 of 137,038 lines on the bench slice.
Both give the same lines (tests/unit/test_author_lines.py, on real and generated text).
"""

from __future__ import annotations

from collections.abc import Iterator

DASH_MARKS = ("--", "—", "–", "―", "~")  # a line without one has no attribution
ASCII_DASHES = tuple(d for d in DASH_MARKS if d.isascii())
WIDE_DASHES = tuple(d for d in DASH_MARKS if not d.isascii())


def has_dash(line: str) -> bool:
    """One of DASH_MARKS is in the line (substring tests: three times faster than a regex search)."""
    for d in ASCII_DASHES:
        if d in line:
            return True
    if line.isascii():
        return False
    for d in WIDE_DASHES:
        if d in line:
            return True
    return False


class SplitLines:
    """The lines of any text, from `str.splitlines`."""

    def __init__(self, text: str):
        self.text = text
        self.lines = [line.strip() for line in text.splitlines()]
        self.nonblank = [i for i, line in enumerate(self.lines) if line]

    def head(self, n: int) -> list[tuple[int, str]]:
        """The first n nonblank lines."""
        return [(i, self.lines[i]) for i in self.nonblank[:n]]

    def last_lines(self, n: int) -> Iterator[tuple[int, str]]:
        """The last n nonblank lines, the last first (read as they are asked for)."""
        for i in reversed(self.nonblank[-n:] if n > 0 else []):
            yield i, self.lines[i]

    def dash_lines(self) -> list[tuple[int, str]]:
        """The lines that hold one of DASH_MARKS, in text order."""
        if not any(d in self.text for d in DASH_MARKS):  # most texts: no line is read
            return []
        return [(i, self.lines[i]) for i in self.nonblank if has_dash(self.lines[i])]

    def line_before(self, key: int) -> str:
        """The line right before the line `key` ('' for the first line)."""
        return self.lines[key - 1] if key > 0 else ""

    def words_before(self, key: int) -> int:
        """Words from the start of the paragraph (the lines after the last blank one) that ends right
        before the line `key`."""
        start = key - 1
        while start > 0 and self.lines[start - 1]:
            start -= 1
        return sum(len(self.lines[j].split()) for j in range(start, key))


class NewlineLines:
    """The lines of a text whose only line break is `\\n`, each found where it is asked for."""

    def __init__(self, text: str):
        self.text = text

    def _line_at(self, start: int) -> str:
        end = self.text.find("\n", start)
        return (self.text[start:] if end < 0 else self.text[start:end]).strip()

    def head(self, n: int) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        text, pos, size = self.text, 0, len(self.text)
        while pos < size and len(out) < n:  # (past a final `\n` is one more blank line, or none)
            end = text.find("\n", pos)
            end = size if end < 0 else end
            line = text[pos:end].strip()
            if line:
                out.append((pos, line))
            pos = end + 1
        return out

    def last_lines(self, n: int) -> Iterator[tuple[int, str]]:
        text, end, found = self.text, len(self.text), 0
        while found < n:
            start = text.rfind("\n", 0, end) + 1
            line = text[start:end].strip()
            if line:
                found += 1
                yield start, line
            if start == 0:
                return
            end = start - 1

    def dash_lines(self) -> list[tuple[int, str]]:
        text = self.text
        starts: set[int] = set()
        for mark in ASCII_DASHES if text.isascii() else DASH_MARKS:
            at = text.find(mark)
            while at >= 0:
                starts.add(text.rfind("\n", 0, at) + 1)
                end = text.find("\n", at)
                at = text.find(mark, end) if end >= 0 else -1  # the line's other dashes are skipped
        return [(start, self._line_at(start)) for start in sorted(starts)]

    def line_before(self, key: int) -> str:
        if key == 0:
            return ""
        return self.text[self.text.rfind("\n", 0, key - 1) + 1 : key - 1].strip()

    def words_before(self, key: int) -> int:
        text = self.text
        start = text.rfind("\n", 0, key - 1) + 1 if key > 0 else 0  # the line before `key`
        while start > 0:
            previous = text.rfind("\n", 0, start - 1) + 1
            if not text[previous : start - 1].strip():
                break
            start = previous
        return len(text[start:key].split())
