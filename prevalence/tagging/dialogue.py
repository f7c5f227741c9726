"""Quoted speech in prose and who says it, from speech verbs next to the quote.

Per paragraph (text between blank lines): quotes are found in the paragraph's quote style (curly or
straight, double or single; a straight single quote inside a word, as in `it'll`, is an apostrophe).
A quote is attributed by a speech verb and a name right after it (`'...,' said Alice`,
`"..." Holmes remarked`) or right before it (`Alice said, '...'`). A quote that continues an
attributed one after its attribution (`'I think,' said Alice, 'that ...'`) has the same speaker; when a
paragraph names exactly one speaker, its other quotes are that speaker's. Pronouns (`she said`) are
not resolved: such quotes stay unattributed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.quote_marks import STYLES, style_counts
from prevalence.tagging.words import RE2_SPACE, WHITESPACE, re2_class

VERBS = (
    "said|says|say|asked|asks|replied|replies|answered|cried|shouted|whispered|muttered|exclaimed|remarked|"
    "observed|continued|added|began|called|yelled|murmured|responded|retorted|declared|insisted|explained|"
    "suggested|repeated|demanded|inquired|enquired|interrupted|protested|sighed|laughed|snapped|growled|sobbed|"
    "pleaded|admitted|agreed|warned|returned|screamed|shrieked|roared|grumbled|panted|went on|put in|thought"
)
_WORD = r"[A-Z][\w'’-]+"
_TITLE = r"(?:Mr|Mrs|Miss|Ms|Dr|Sir|Lady|Lord|King|Queen|Captain|Professor|Uncle|Aunt|Father|Mother)\.?\s+"


def _speaker(group: str) -> str:
    return rf"(?P<{group}>the\s+(?:{_WORD}\s+){{0,2}}{_WORD}|(?:{_TITLE})?{_WORD}(?:\s+{_WORD}){{0,2}})"


AFTER = re.compile(rf"[\s,;—–-]*(?:(?:{VERBS})\s+{_speaker('name')}|{_speaker('name2')}\s+(?:{VERBS}))\b")
BEFORE = re.compile(rf"{_speaker('name')}\s+(?:{VERBS})(?:\s+[\w'’]+){{0,3}}?\s*[,:]?\s*$")
# The first word of each speech verb. BEFORE ends with a verb, at most three words and a `,` or `:`: its
# verb is among the last six words of a window it matches (`went on`, three words and a lone comma).
_VERB_FIRST_WORDS = frozenset(verb.split()[0] for verb in VERBS.split("|"))
PRONOUNS = frozenset("he she they it we you i his her their its this that there then but and so".split())

QUOTE_STYLES = {
    "curly_double": re.compile(r"“([^”]+)”"),
    "straight_double": re.compile(r'"([^"]+)"'),
    "curly_single": re.compile(r"‘((?:[^’]|’(?=\w))+)’"),
    # The opening quote comes first, then the look back past it (no word character or quote before it):
    # a pattern that starts with a literal is searched for that character, not tried at every position.
    # The quoted text is read a run of non-quotes at a time (`(?=([^']+))\2` takes the whole run and never
    # gives part of it back), not a character at a time: the same matches, 20x faster.
    "straight_single": re.compile(r"'(?<![\w']')(?=[^\s'])((?:(?=([^']+))\2|'(?=\w))*?)(?<=[^\s])'(?!\w)"),
}
# The mark every match of a style starts with: a paragraph without it holds none of that style's quotes.
OPENING_MARKS = {"curly_double": "“", "straight_double": '"', "curly_single": "‘", "straight_single": "'"}
ATTRIBUTION_WINDOW = 100


# Every attribution is a speech verb and a name right after a closing quotation mark (AFTER: `'...,'
# said Alice`, `"..." the Hatter said`) or right before an opening one (BEFORE: `Alice said, '...'`). In
# RE2, as a superset of both: Python's `\s` is str.isspace() (`words.WHITESPACE`), and a word of a name
# (`[\w'’.-]`) is a capital and a run of characters that are no space, double quote, `‘` or punctuation
# mark; the distance from the quote is not bounded.
_SPACE = RE2_SPACE
_WORD_CHAR = re2_class(WHITESPACE + "\"“”‘,;:!?()", negated=True)
_VERB = "(?:" + "|".join(verb.replace(" ", "[ \n]") for verb in VERBS.split("|")) + ")"  # `went\non` is `went on` in flat text
_MAY_FOLLOW = (rf"[”\"’'](?:{_SPACE}|[,;—–-])*(?:{_VERB}{_SPACE}+(?:the|[A-Z])"
               rf"|(?:the{_SPACE}+)?[A-Z]{_WORD_CHAR}*(?:{_SPACE}+{_WORD_CHAR}+){{0,3}}{_SPACE}+{_VERB})")
_MAY_PRECEDE = rf"[A-Z]{_WORD_CHAR}*{_SPACE}+{_VERB}(?:{_SPACE}+{_WORD_CHAR}+){{0,3}}{_SPACE}*[,:]?{_SPACE}*[“\"‘']"
_MAY_ATTRIBUTE = f"{_MAY_FOLLOW}|{_MAY_PRECEDE}"


def may_have_speaker(texts: pa.Array) -> np.ndarray:
    """Per document, False when no quote of `quotes` can have a speaker: no speech verb and name sit
    right after a closing quotation mark or right before an opening one (one Arrow pass over the batch)."""
    return pc.match_substring_regex(pc.fill_null(texts, ""), _MAY_ATTRIBUTE).to_numpy(zero_copy_only=False)


class Quote(NamedTuple):
    """One quotation: who says it (None when unattributed), its words, where it starts. A named tuple:
    a novel has thousands."""

    speaker: str | None
    words: int
    start: int
    paragraph: int


def _style(text: str, counts: Sequence[int] | None = None) -> str | None:
    """The name of the quote style with the most quotations (nested quotes use the other style), judged
    from cheap character counts (`quote_marks`, given as `counts` where a batch pass has them): curly
    marks, pairs of `"`, and `'` opening after whitespace (an apostrophe inside a word never does). None
    when the text has no quotation marks."""
    counts = dict(zip(STYLES, counts if counts is not None else style_counts(text)))
    best = max(QUOTE_STYLES, key=lambda name: counts[name])
    return best if counts[best] else None


def _may_end_with_verb(window: str) -> bool:
    """False for a window BEFORE cannot match: none of its last six words (split as `\\s` splits) is the
    first word of a speech verb, alone or before `,` or `:`. Most windows, at a fifth of the search."""
    return any(word.strip(",:") in _VERB_FIRST_WORDS for word in window.rsplit(None, 6)[-6:])


def _name(match: re.Match | None) -> str | None:
    if match is None:
        return None
    name = " ".join((match.groupdict().get("name") or match.group("name2")).split())
    return None if name.lower() in PRONOUNS else name


def quotes(text: str, counts: Sequence[int] | None = None) -> list[Quote]:
    """Every quotation of a text with its speaker where one can be read off the text; `counts`, its
    `quote_marks` counts where the caller has them."""
    style = _style(text, counts)
    found: list[Quote] = []
    if style is None:
        return found
    pattern, mark = QUOTE_STYLES[style], OPENING_MARKS[style]
    offset = 0
    for number, paragraph in enumerate(re.split(r"(\n[ \t]*\n)", text)):
        start = offset
        offset += len(paragraph)
        if number % 2 or mark not in paragraph:  # a separator kept by re.split, or no quote of the style
            continue
        flat = paragraph.replace("\n", " ")
        spans = list(pattern.finditer(flat))
        speakers: list[str | None] = []
        attribution_end: list[int] = []
        previous_end = 0
        for i, m in enumerate(spans):
            after = AFTER.match(flat, m.end(), min(len(flat), m.end() + ATTRIBUTION_WINDOW))
            name = _name(after)
            end = after.end() if name else m.end()
            if name is None:
                window = flat[max(previous_end, m.start() - ATTRIBUTION_WINDOW) : m.start()]
                if _may_end_with_verb(window):
                    name = _name(BEFORE.search(window))
            if name is None and i and speakers[i - 1] and m.start() - attribution_end[i - 1] <= 3:
                name = speakers[i - 1]
            speakers.append(name)
            attribution_end.append(end)
            previous_end = m.end()
        named = {s for s in speakers if s}
        if len(named) == 1:
            speakers = [s or next(iter(named)) for s in speakers]
        found.extend(
            Quote(s, len(m.group(1).split()), start + m.start(), number // 2) for s, m in zip(speakers, spans)
        )
    return found
