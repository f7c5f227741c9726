"""Speaker turns in scripts, plays, transcripts and chat logs, found line by line.

Forms (each counts in a document only with at least three turns and speakers who come back, so
labelled sections such as `Energy: ...` `Trade: ...` are no transcript):
- heading:    `HAMLET:` or `First Citizen:` alone on a line, the speech on the following lines;
- inline:     `Name: speech` on one line (transcripts, chats);
- caps_period:`MARY. speech` (all-caps name and a full stop, as in many printed plays);
- bracket:    `[Ross] speech`;
- screenplay: an all-caps character cue alone on a line (`RICK`, `ILSA (V.O.)`) above dialogue;
- tag_line:   a speech tag alone on a line ending with a period (`Ham.`, `HAMLET.`, `First Citizen.`,
              `1. Cit.`) after a blank line, the speech on the following lines (Project Gutenberg's plays).
A turn runs until a blank line or the next turn. Scene headings (`INT. BAR - NIGHT`), transitions
(`CUT TO:`), act and scene titles and common labels (`Note:`, `Example:`) are not speakers; stage
directions inside a turn (`Enter Ghost.`, `[Aside]`, `(beat)`) are not words spoken.
"""

from __future__ import annotations

import functools
import re
from itertools import accumulate
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.line_breaks import other_line_breaks

_NAME = r"[A-Z][\w'’.-]*(?:[ \t]+(?:[A-Z0-9][\w'’.-]*|of|the|de|la|le|du|van|von|and|&)){0,5}"
# A name alone on a line before a colon is a strong cue: lowercase words and `, &C` are allowed.
HEADING = re.compile(r"^[ \t]*([A-Z][\w'’.,&-]*(?:[ \t]+[\w'’.,&-]+){0,5})[ \t]*:[ \t]*$")
INLINE = re.compile(rf"^[ \t]*({_NAME})[ \t]*:[ \t]+(\S.*)$")
CAPS_PERIOD = re.compile(r"^[ \t]*([A-Z][A-Z'’-]*(?:[ \t]+[A-Z][A-Z'’-]*){0,3})\.[ \t]+(\S.*)$")
BRACKET = re.compile(rf"^[ \t]*\[({_NAME})\][ \t]*(\S.*)$")
SCREEN_CUE = re.compile(r"^[ \t]*([A-Z][A-Z'’.-]*(?:[ \t]+[A-Z][A-Z'’.-]*){0,3})(?:[ \t]*\((?:V\.O\.|O\.S\.|O\.C\.|CONT'D|CONT’D|CONTD)\))?[ \t]*$")
# `Ham.`, `HAMLET.`, `First Citizen.`, `1. Cit.`, `Lady M.`, `K. Hen.`: capitalised words, initials and a
# leading ordinal digit, at most five words, the last followed by a period that ends the line.
TAG_LINE = re.compile(
    r"^[ \t]*((?:\d\.[ \t]*)?[A-Z][\w'’-]*\.?(?:[ \t]+(?:[A-Z][\w'’-]*\.?|of|the|de|la|le|du|van|von|and|&)){0,4}?)\.[ \t]*$"
)
SCENE_HEADING = re.compile(r"^[ \t]*(?:INT|EXT|INT\./EXT|I/E)[. ]|\bTO:$|^[ \t]*(?:FADE|DISSOLVE|SMASH CUT|THE END|CONTINUED)")
NOT_SPEAKERS = frozenset(
    """note notes nb example examples source sources warning caution important answer question q a summary abstract
    introduction chapter step tip tips update edit date subject from to re cc bcc title author authors tags tag
    category categories keywords references see also result results output input usage description definition
    act scene enter exit exeunt prologue epilogue contents preface index appendix table figure fig http https
    www email phone tel fax address location status total price cost name version copyright license ps p.s
    finis curtain""".split()
)
# First words of stage directions: a line starting with one names no speaker (`Enter Ghost.`,
# `Aside.`, `Within.`, `To Polonius.`, `Re-enter Hamlet.`).
DIRECTION_WORDS = frozenset(
    """enter enters entering exit exits exeunt re-enter reenter aside within reads sings sing dies die manet manent
    flourish alarum alarums sennet trumpets trumpet music thunder knocking knocks noise retreat excursions to
    above below beneath kneels kneeling rises falls stabs stabbing drinks draws fight fights they he she""".split()
)
ORDINALS = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth last next finally".split())
ROMAN = re.compile(r"^[ivxlcdm]+$")
MIN_TURNS = 3
# Forms with one turn per line: the next line of the same form always opens a turn.
LINE_FORMS = ("inline", "bracket", "caps_period")
# Dialogue returns to its speakers; section headings (`Energy:`, `Trade:`) do not.
MAX_DISTINCT_SHARE = 0.75


class Turn(NamedTuple):
    """One speaker turn: the name as written, the words spoken, where it starts (a character offset in
    the text), and its form. A named tuple: a play has thousands, made one at a time in the line loop."""

    speaker: str
    words: int
    start: int
    form: str


CONNECTORS = frozenset("of the de la le du van von and & &c".split())
# Speakers that are several people at once: `All`, `Both`, `Several`, `Citizens`, `Albany & Cornwall`.
GROUP_FIRST_WORDS = frozenset("all both several omnes everyone everybody others together".split())
GROUP_NOUNS = frozenset(
    """citizens lords ladies senators soldiers servants conspirators attendants people commons watchmen watch officers
    gentlemen outlaws plebeians murderers witches musicians players fairies sailors tribunes guards courtiers
    nobles knights friends voices crowd spirits apparitions""".split()
)


def is_group(name: str) -> bool:
    """A speaker name standing for several people (their speech belongs to no persona)."""
    words = re.findall(r"[\w'’&]+", name.lower().replace("&", " & "))
    if not words:
        return False
    if words[0] in GROUP_FIRST_WORDS or "&" in words or "and" in words[1:]:
        return True
    return words[-1] in GROUP_NOUNS


@functools.lru_cache(maxsize=8192)  # a play names its speakers hundreds of times
def _is_name(name: str) -> bool:
    """A speaker name, not a label (`Note`), a stage direction (`Enter Ghost`, `Aside`) or a sentence
    (`He wrote this down`): at most one lowercase word besides connectors (`Second murderer`)."""
    key = name.strip().lower()
    if not key or key in NOT_SPEAKERS or key.startswith(("act ", "scene ", "chapter ", "part ", "book ")):
        return False
    if key.replace(".", " ").split()[0] in DIRECTION_WORDS:
        return False
    if any(ch.isdigit() for ch in key) or ROMAN.match(key) or key in ORDINALS:
        return False
    lowercase = [w for w in name.replace(",", " ").split()[1:] if w[:1].islower() and w.lower() not in CONNECTORS]
    return len(lowercase) <= 1


def script_turns(text: str, skip: tuple[int, int] = (0, 0), opens: Sequence[bool] | None = None) -> list[Turn]:
    """Speaker turns in script-like text, in order; [] when the text has no script form. Lines in
    the range `skip` (a cast list) are read as blank. `opens`: per line (str.splitlines), False where
    the RE2 superset of `may_open_turn` turns it away (`script_line_gate`), so that no Python test runs
    for it; a line past its end is tested in Python."""
    lines = text.splitlines(keepends=True)
    offsets = [0, *accumulate(map(len, lines))]  # of the text as it is, cast list included
    if skip[1] > skip[0]:
        lines = [("\n" if skip[0] <= i < skip[1] else line) for i, line in enumerate(lines)]
    tested = len(opens) if opens is not None else 0  # lines from here on are tested in Python
    found: dict[str, list[Turn]] = {}
    current: tuple[str, str, int] | None = None  # (speaker, form, start)
    words = 0
    previous_blank = True
    seen: set[str] = set()

    def close() -> None:
        if words > 0:
            found.setdefault(current[1], []).append(Turn(current[0], words, current[2], current[1]))

    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        if not line or line.isspace():
            if current is not None:
                close()
                current, words = None, 0
            previous_blank = True
            continue
        start = None
        # Most lines cannot open a turn: no next line to read for them.
        if (i >= tested or opens[i]) and may_open_turn(line, previous_blank):
            start = _match_turn(line, lines[i + 1].rstrip("\r\n") if i + 1 < len(lines) else "", previous_blank)
            if start is not None and current is not None and not previous_blank:
                # Inside a speech (`Come:`, `Here: what's the matter?`), only a clear cue opens a new turn.
                name, form = start[0], start[1]
                if form != current[1] or not (form in LINE_FORMS or name.isupper() or name in seen):
                    start = None
        if start is not None:
            if current is not None:
                close()
            seen.add(start[0])
            speaker, form, speech = start
            current = (speaker, form, offsets[i])
            words = _spoken_words(speech)
        elif current is not None and not _is_stage_direction(line):
            words += _spoken_words(line)
        previous_blank = False
    if current is not None:
        close()
    turns = [t for form_turns in found.values() if _is_dialogue(form_turns) for t in form_turns]
    return sorted(turns, key=lambda t: t.start)


# Whole-line stage directions: `(beat)`, `[Aside]`, `Enter Ghost.`, `Re-enter HAMLET`, `Exeunt.`,
# `Exit Macbeth` (short). `Aside, aside; here is ...` is speech, so keywords need this exact shape.
STAGE_DIRECTION = re.compile(
    r"^\s*(?:\(.*\)|\[.*\]|(?:Enter|Re-enter)\s+[A-Z].*|(?:Exit|Exeunt)(?:\s+\S+){0,4}\s*\.?)\s*$"
)
INLINE_DIRECTION = re.compile(r"\[[^\]\n]*\]|\([^)\n]*\)")


DIRECTION_STARTS = ("Enter", "Re-enter", "Exit", "Exeunt")  # what every STAGE_DIRECTION starts with, but `(` and `[`


def _is_stage_direction(line: str) -> bool:
    """A line that is only a stage direction: no words spoken."""
    bare = line.lstrip()
    if not (bare[:1] in "([" or bare.startswith(DIRECTION_STARTS)):
        return False  # what every STAGE_DIRECTION starts with, tested without the regex
    return bool(STAGE_DIRECTION.match(line))


def _spoken_words(line: str) -> int:
    """Words of a speech line without bracketed or parenthesised directions (`[Aside]`, `(beat)`)."""
    if "[" not in line and "(" not in line:
        return len(line.split())
    return len(INLINE_DIRECTION.sub(" ", line).split())


def _is_dialogue(turns: list[Turn]) -> bool:
    """Enough turns, and speakers who come back: a document of distinct labelled sections is no script."""
    names = [t.speaker.lower() for t in turns]
    distinct = len(set(names))
    return len(turns) >= MIN_TURNS and distinct < len(names) and distinct <= MAX_DISTINCT_SHARE * len(names)


def may_open_turn(line: str, previous_blank: bool) -> bool:
    """False for a line that no form can match, from string tests alone (most lines of verse and prose).
    Every form starts with a capital, `[` (BRACKET) or a digit (TAG_LINE); HEADING and INLINE have a colon
    after at most six words; CAPS_PERIOD has no lowercase letter before its first period; TAG_LINE and
    SCREEN_CUE follow a blank line, have at most six words, and end with a period or have no lowercase."""
    bare = line.lstrip(" \t")
    first = bare[:1]
    if first == "[":
        return True
    if not ("A" <= first <= "Z" or first.isdecimal()):
        return False
    if ":" in bare and len(bare.split(":", 1)[0].split(None, 6)) <= 6:
        return True
    if "." in bare:
        head = bare.split(".", 1)[0]
        if head == head.upper():
            return True
    if previous_blank and len(bare.split(None, 6)) <= 6:
        return bare.rstrip(" \t").endswith(".") or bare.upper() == bare
    return False


# The line breaks of str.splitlines, for Arrow's RE2.
LINE_BREAKS = r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\x{2028}\x{2029}]"
_FIRST = r"(?:[A-Z0-9]|[^\x00-\x7f])"  # may_open_turn's capitals and digits, all non-ASCII characters included
# A superset of may_open_turn in RE2, one line at a time, without previous_blank: `[`; a colon after at most
# seven space-separated words; a first period with no ASCII lowercase before it; or at most seven words
# that end with a period or hold no ASCII lowercase. Words split on spaces and tabs only, so a line
# str.split() cuts into more words is still let through.
_MAY_OPEN_TURN = (
    rf"^[ \t]*(?:\[|{_FIRST}(?:[^: \t]*(?:[ \t]+[^: \t]*){{0,6}}:|[^.a-z]*\.|(?:[^ \t]*[ \t]+){{0,6}}[^ \t]*\.[ \t]*$"
    rf"|[^ \ta-z]*(?:[ \t]+[^ \ta-z]*){{0,6}}$))"
)


def may_have_script(texts: pa.Array, literal_split: bool = True, other: np.ndarray | None = None,
                    lines: pa.Array | None = None) -> np.ndarray:
    """Per document, False when script_turns must return []: fewer than MIN_TURNS of its lines can open a
    turn (`may_open_turn`, read as a superset in Arrow compute over the lines of the whole batch).
    Documents whose only line break is `\n` are split at it with Arrow's literal split (`literal_split`,
    where the kernel of `tagging.line_breaks` runs), the others with the RE2 pattern of every break.
    `other`: that kernel's answer for these texts, and `lines` the texts split at `\n`, where the caller
    has them."""
    return script_line_gate(texts, literal_split, other, lines)[0]


def script_line_gate(texts: pa.Array, literal_split: bool = True, other: np.ndarray | None = None,
                     lines: pa.Array | None = None) -> tuple[np.ndarray, list[list[bool] | None]]:
    """`may_have_script`'s answer, and for each document it lets through, per line (in the order of
    str.splitlines, then at most one empty last piece) whether the RE2 superset of `may_open_turn` lets
    that line through: the `opens` of `script_turns`. None for the documents turned away."""
    texts = pc.fill_null(texts, "")
    n = len(texts)
    other = (other if other is not None else other_line_breaks(texts)) if literal_split else None
    gate, opens = np.zeros(n, dtype=bool), [None] * n
    for rows, split in split_lines(texts, other, lines):
        flags, starts = _lines_that_may_open(split)
        passed = np.cumsum(np.concatenate([[0], flags]))
        enough = (passed[starts[1:]] - passed[starts[:-1]]) >= MIN_TURNS
        gate[rows] = enough
        for k in np.flatnonzero(enough).tolist():
            opens[rows[k]] = flags[starts[k] : starts[k + 1]].tolist()
    return gate, opens


def split_lines(texts: pa.Array, other: np.ndarray | None, lines: pa.Array | None,
                rows: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, pa.Array]]:
    """(documents, their lines as a list array), one group at a time, as str.splitlines cuts them (at most
    one empty last piece more), for the documents `rows` of `texts` (all by default; `texts` without nulls):
    those with no break but `\n` (`other` False) split at `\n` (`lines`, where the caller has them), the
    others (all of them with `other` None) at every break. A group that is the whole batch is not copied."""
    n = len(texts)
    rows = np.arange(n) if rows is None else rows
    breaks = np.ones(len(rows), dtype=bool) if other is None else other[rows]
    for group, at_every_break in ((rows[~breaks], False), (rows[breaks], True)):
        if not len(group):
            continue
        whole = len(group) == n

        def picked(array: pa.Array) -> pa.Array:
            return array if whole else array.take(pa.array(group))

        if at_every_break:
            yield group, pc.split_pattern_regex(picked(texts), LINE_BREAKS)
        else:
            yield group, picked(lines) if lines is not None else pc.split_pattern(picked(texts), "\n")


def _lines_that_may_open(lines: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Per line of a list array of lines, whether the RE2 superset of `may_open_turn` lets it through,
    and where each document's lines start in that array (one more entry than documents)."""
    may_open = pc.match_substring_regex(pc.list_flatten(lines), _MAY_OPEN_TURN).to_numpy(zero_copy_only=False)
    lengths = pc.list_value_length(lines).to_numpy(zero_copy_only=False).astype(np.int64)
    return may_open, np.concatenate([[0], np.cumsum(lengths)])


def _match_turn(line: str, next_line: str, previous_blank: bool) -> tuple[str, str, str] | None:
    """(speaker, form, speech on this line) when a line that may_open_turn lets through opens a turn. Each
    form's expression runs only where a string test it implies holds (HEADING and TAG_LINE end with `:`
    and `.` before spaces and tabs, INLINE and CAPS_PERIOD hold `:` and `.`, BRACKET starts with `[`),
    and TAG_LINE and SCREEN_CUE only after a blank line."""
    tail = line.rstrip(" \t\n")[-1:]  # `$` also matches before a last `\n`
    if tail == ":":
        m = HEADING.match(line)
        if m and _is_name(m.group(1)) and next_line.strip():
            return m.group(1).strip(), "heading", ""
    if ":" in line:
        m = INLINE.match(line)
        if m and _is_name(m.group(1)) and not m.group(2).startswith("//"):
            return m.group(1).strip(), "inline", m.group(2)
    if line.lstrip(" \t")[:1] == "[":
        m = BRACKET.match(line)
        if m and _is_name(m.group(1)):
            return m.group(1).strip(), "bracket", m.group(2)
    if "." in line and not line.lstrip(" \t")[1:2].islower():  # CAPS_PERIOD's name has no lowercase letter
        m = CAPS_PERIOD.match(line)
        if m and len(m.group(1)) > 1 and _is_name(m.group(1)):
            return m.group(1).strip(), "caps_period", m.group(2)
    if not previous_blank:
        return None
    if tail == ".":
        m = TAG_LINE.match(line)
        if m and next_line.strip() and _is_name(m.group(1).replace(".", " ")):
            return m.group(1).strip(), "tag_line", ""
    m = SCREEN_CUE.match(line)
    if (
        m and len(m.group(1)) > 1 and _is_name(m.group(1)) and not SCENE_HEADING.search(line)
        and next_line.strip() and next_line.strip() != next_line.strip().upper()
    ):
        return m.group(1).strip(), "screenplay", ""
    return None
