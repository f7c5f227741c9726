"""A play's own cast list, and speech tags resolved through it (`Ham.` -> `HAMLET`).

A cast list is a heading line (`Dramatis Personae`, `Persons Represented`, `Persons of the Play`,
`Characters`, `The Persons`, `Cast`) followed by one entry per line up to two blank lines or an act,
scene heading. An entry's name is what precedes its first comma or dash
(`CLAUDIUS, King of Denmark.` -> `CLAUDIUS`).

A tag resolves to the cast name it abbreviates, by the first of these rules that gives exactly one:
1. the tag is the name (ignoring case, periods and spacing);
2. the tag's words are prefixes of the name's words from the first on (`Ham` -> `HAMLET`,
   `K. Hen` -> `KING HENRY`, `1. Cit` -> `FIRST CITIZEN`);
3. the tag's words are prefixes of consecutive words anywhere in the name (`Pol` -> `LORD POLONIUS`).
A tag that fits no rule, or several names equally, stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.line_breaks import any_line_matches
from prevalence.tagging.scripts import split_lines
from prevalence.tagging.words import RE2_SPACE, re2_caseless

HEADINGS = re.compile(
    r"^\s*(?:the\s+)?(?:dramatis\s+person(?:ae|æ)|persons\s+represented|persons\s+of\s+the\s+(?:play|drama)|"
    r"characters(?:\s+(?:in|of)\s+the\s+(?:play|drama))?|cast(?:\s+of\s+characters)?|persons|names\s+of\s+the\s+actors)"
    r"\s*[.:]?\s*$",
    re.IGNORECASE,
)
# An act or scene heading ends the list (`PROLOGUE` and `CHORUS` can be characters of the list).
END = re.compile(r"^\s*(?:act|scene)\s+(?:[ivxlc]+|\d+|the\s+\w+)\b", re.IGNORECASE)
MAX_ENTRIES = 150
# What a heading line starts with after its leading whitespace (`\s*`, what str.lstrip() strips): the
# first letter of one of HEADINGS' words, in either case; no other character matches them under
# re.IGNORECASE. A line that starts otherwise is not tried against HEADINGS, so a heading word added to
# HEADINGS with another first letter must add that letter here (and to the test's generated headings).
HEADING_FIRSTS = frozenset("tdpcnTDPCN")
# RE2, at the start of a line: what every match of HEADINGS starts with (its `\s` is str.isspace(), its
# letters as re.IGNORECASE reads them), a superset read over the lines of a whole batch.
_SPACE = RE2_SPACE
_HEADING_START = (rf"^{_SPACE}*(?:{re2_caseless('the')}{_SPACE}+)?(?:"
                  + "|".join(re2_caseless(w) for w in ("dramatis", "persons", "characters", "cast", "names")) + ")")
_DIGITS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth", "6": "sixth"}


@dataclass(frozen=True)
class Cast:
    """The names of a cast list and the lines it spans (start, end), to be read as no speech."""

    names: tuple[str, ...] = ()
    lines: tuple[int, int] = (0, 0)

    def resolve(self, tag: str) -> str:
        """The cast name a speech tag stands for, else the tag as written."""
        if not self.names:
            return tag
        words = _words(tag)
        if not words:
            return tag
        keyed = [(name, _words(name)) for name in self.names]
        for rule in (_exact, _from_first, _anywhere):
            found = {name for name, name_words in keyed if rule(words, name_words)}
            if len(found) == 1:
                return found.pop()
            if found:
                return tag
        return tag


def _words(name: str) -> list[str]:
    return [_DIGITS.get(w, w) for w in re.findall(r"[\w'’-]+", name.lower())]


def _exact(tag: list[str], name: list[str]) -> bool:
    return tag == name


def _from_first(tag: list[str], name: list[str]) -> bool:
    return len(tag) <= len(name) and all(n.startswith(t) for t, n in zip(tag, name))


def _anywhere(tag: list[str], name: list[str]) -> bool:
    return any(_from_first(tag, name[i:]) for i in range(1, len(name)))


def cast_list(lines: list[str]) -> Cast:
    """The first cast list among a text's lines (Cast() when there is none)."""
    for i, line in enumerate(lines[:2000]):
        if line.lstrip()[:1] in HEADING_FIRSTS and HEADINGS.match(line):
            names: list[str] = []
            j, blanks = i + 1, 0
            while j < len(lines) and len(names) < MAX_ENTRIES:
                entry = lines[j].strip()
                if not entry:
                    blanks += 1
                    if blanks >= 2 and names:
                        break
                elif END.match(entry):
                    break
                else:
                    blanks = 0
                    name = re.split(r",|\s[-—–]\s|\s{2,}|;", entry, maxsplit=1)[0].strip(" .:")
                    if name and len(name.split()) <= 6:
                        names.append(name)
                j += 1
            if names:
                return Cast(tuple(dict.fromkeys(names)), (i, j))
    return Cast()


def may_have_cast(texts: pa.Array, other: np.ndarray | None, lines: pa.Array | None, documents: np.ndarray) -> np.ndarray:
    """Per document, False when `cast_list` of its lines (str.splitlines) must be Cast(): no line starts the
    way a heading does. Read only for the `documents` (a mask: the others are False); `other` and `lines`
    as `scripts.split_lines` takes them."""
    out = np.zeros(len(documents), dtype=bool)
    for group, split in split_lines(pc.fill_null(texts, ""), other, lines, np.flatnonzero(documents)):
        out[group] = any_line_matches(split, _HEADING_START)
    return out
