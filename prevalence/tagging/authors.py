"""Named authors of a document: metadata fields, bylines, headers, signatures and attributions.

Where an author name comes from (the hit's `method`), in order of precedence for the whole document:
- `metadata`: the record's author fields (`ReadOptions.author_fields`);
- `byline`: a line near the top that is only a byline, `By Jane Smith`, `Written by J. R. R. Tolkien`,
  `Author: Mark Twain` (roles such as `Staff Writer` and organisations such as `The Associated Press`
  are dropped), or a mail/news header `From: jane@host (Jane Smith)`;
- `signature`: a closing line near the end, `-- Mark Twain`, `— Abraham Lincoln`, a valediction and
  the name under it (`Yours truly,` / `A. LINCOLN`), or a name alone in capitals (`DWIGHT D. EISENHOWER`,
  as under written State of the Union messages).
A document-level author gets count 1 and the document's words (split evenly between co-authors).
Independently, `attribution` lines credit a quotation to its author: `"..." — Mark Twain` on one line,
or a dash-and-name line right under a quoted paragraph; that author gets one count per quotation and
the quotation's words. Names resolve through the catalog like speaker names (`tagging.names`); other
names become ad-hoc personas `author:<source>:<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

from prevalence.catalog import Catalog
from prevalence.tagging.author_lines import DASH_MARKS, NewlineLines, SplitLines
from prevalence.tagging.base import Documents, HitRows, Tagger
from prevalence.tagging.matcher import rows_matching
from prevalence.tagging.names import NameResolver
from prevalence.tagging.words import RE2_SPACE

HEAD_LINES = 6
TAIL_LINES = 6
MAX_NAME_LINE = 80
# Lines after a signature (place, date, title) are at most this long; a longer one ends the search.
CLOSING_LINE = 80

_DASH = "(?:" + "|".join(re.escape(d) for d in DASH_MARKS) + ")"
# The quotation marks that can close a quotation before an attribution's dash, and their class.
CLOSING_QUOTES = "\"”’'"
_CLOSING_QUOTE = "[" + CLOSING_QUOTES + "]"


_BYLINE = re.compile(
    r"^(?:by|written by|words by|story by|posted by|reported by|text by|authors?|byline)\s*(?::|-)?\s+(?P<names>\S.*?)\s*$",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^from:\s*(?:(?P<mail1>\S+@\S+)\s*\((?P<name1>[^()]+)\)|\"?(?P<name2>[^\"<>@]+?)\"?\s*<[^<>@\s]+@[^<>\s]+>)\s*$", re.IGNORECASE)
_DASH_LINE = re.compile(rf"^{_DASH}\s*(?P<name>[\"“]?[^\W\d_].*?)\s*$")
_QUOTE_THEN_DASH = re.compile(rf"^(?P<quote>.*{_CLOSING_QUOTE})\s*{_DASH}\s*(?P<name>[^\W\d_][^\"“”]*?)\s*$")
# What _QUOTE_THEN_DASH needs somewhere in the line, found without its backtracking over long lines.
_QUOTE_BEFORE_DASH = re.compile(rf"{_CLOSING_QUOTE}\s*{_DASH}")
# What every attribution needs somewhere in the text, in the syntax of RE2 and Hyperscan (`matcher.rows_matching`):
# a quotation mark, then whitespace (line breaks included), then a dash. _QUOTE_THEN_DASH has them on one line,
# and a dash line (_DASH_LINE) starts right under a line that ends with a closing quotation mark.
MAY_ATTRIBUTE = _CLOSING_QUOTE + RE2_SPACE + "*" + _DASH
_VALEDICTION = re.compile(
    r"^(?:yours truly|yours sincerely|sincerely yours|sincerely|yours faithfully|faithfully yours|respectfully yours|"
    r"very respectfully|respectfully submitted|respectfully|your obedient servant|your friend|cordially|best regards|"
    r"kind regards|warm regards|regards|best wishes|affectionately|with love|ever yours|yours ever|cheers)"
    r"\s*[,.]?\s*(?P<name>.*)$",
    re.IGNORECASE,
)
_PARTICLES = {"de", "da", "del", "della", "van", "von", "der", "den", "la", "le", "du", "di", "bin", "ibn", "al", "of", "st."}
# Words that end a byline's name list: roles and outlets (`By Jane Smith, Staff Writer`).
_NOT_NAMES = {
    "staff", "writer", "writers", "editor", "editors", "correspondent", "reporter", "reporters", "contributor",
    "columnist", "press", "associated", "reuters", "news", "times", "post", "herald", "journal", "agency",
    "team", "desk", "bureau", "service", "wire", "daily", "magazine", "updated", "published", "photo", "photos",
    "house", "office", "department", "committee", "the", "and", "team", "admin", "guest", "anonymous", "unknown",
    "dept", "university", "college", "institute", "school", "inc", "ltd", "corp", "company", "division", "center",
    "centre", "laboratory", "lab", "society", "group", "council", "church", "ministry", "board",
}
# Words after a name that start what the quotation was said to, on or in (`Steve Martin to a heckler`).
_RELATIONS = {"to", "on", "with", "in", "at", "from", "about", "after", "before", "as", "for", "during", "when", "while",
              "upon", "re", "quoting", "replying", "writing", "speaking", "describing", "commenting", "interviewed", "in"}
# One-word attributions that name no person.
_NOBODY = {"anonymous", "anon", "unknown", "proverb", "traditional", "various", "ibid", "author", "source", "editor",
           "folklore", "saying", "motto", "slogan", "graffiti", "graffito", "epitaph", "bible", "scripture"}
_SENTENCE_STARTS = {"the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "all", "our", "his", "her", "its",
                    "their", "my", "we", "i", "it", "thank", "god", "may", "good", "thanks", "amen", "end", "chapter", "part"}


def person_name(candidate: str, min_tokens: int = 2, max_tokens: int = 6) -> str | None:
    """The candidate with spacing normalised if it looks like a person's name, else None.

    Tokens are capitalised words, all-capital words, initials (`J.` or `J.R.R.`) or name particles
    (`van`, `de`) inside the name; the first token is not a sentence opener (`The`, `Thank`).
    """
    tokens = candidate.split()
    if not (min_tokens <= len(tokens) <= max_tokens):
        return None
    inner_the = {i for i, t in enumerate(tokens) if t.lower() == "the" and 0 < i < len(tokens) - 1}  # `Gandalf the Grey`
    if tokens[0].lower() in _SENTENCE_STARTS or any(t.lower().strip(".,") in _NOT_NAMES for i, t in enumerate(tokens) if i not in inner_the):
        return None
    letters = 0
    for i, token in enumerate(tokens):
        bare = token.replace("’", "'")
        if (bare.lower() in _PARTICLES or i in inner_the) and 0 < i < len(tokens) - 1:
            continue
        core = bare.rstrip(".")
        if not core or not core[0].isalpha() or not core[0].isupper():
            return None
        if not all(c.isalpha() or c in "'-." for c in core):
            return None
        letters += sum(c.isalpha() for c in core)
    if letters < 4:
        return None
    return " ".join(tokens)


def _byline_names(text: str) -> list[str]:
    """Names of a byline's name part: `Jane Smith, John Doe and Ann Lee, Staff Writers`."""
    parts = re.split(r",|;|\s+and\s+|\s+&\s+|\s+\|\s+|\s+-\s+|\s+for\s+", text)
    names = []
    for part in parts:
        part = part.strip(" .")
        if not part:
            continue
        if any(w.lower().strip(".") in _NOT_NAMES for w in part.split()):
            break
        name = person_name(part)
        if name is None:
            break
        names.append(name)
    return names


def _signature_name(text: str, min_tokens: int = 1) -> str | None:
    """The name of a signature or attribution line: `Mark Twain`, `Abraham Lincoln, President`,
    `Plato (Republic)`, `Douglas Adams "The Hitchhiker's Guide"`, `Steve Martin to a heckler`,
    `Diogenes the Cynic`, `"Bugsy" Siegel`, `Henry Spencer @ U of Toronto Zoology`,
    `Jim Lippard      lippard@arizona.edu`. Of `A and B`, A."""
    text = text.strip()
    text = re.sub(r"^[\"“][^\"“”]+[\"”]\s*,\s*", "", text)  # `"The Stone Giant", James P. Blaylock`: the work first
    text = re.sub(r"[\"“]([^\"“”\s]{1,30})[\"”](?=\s)", r"\1", text)  # a quoted nickname is part of the name
    text = text.strip("\"“”").strip()
    text = re.split(r",|\(|\[|<|\||\s@\s|\S+@\S+|\s{2,}|\t|\s+-\s+|\s+—\s+|\s[\"“]|:\s|\s+(?:and|&)\s+", text, maxsplit=1)[0]
    return person_name(_leading_name(text.strip(" .")), min_tokens=min_tokens)


def _leading_name(text: str) -> str:
    """The name at the start of a phrase: capitalised words and particles inside the name, up to a word
    of relation (`Steve Martin to a heckler` -> `Steve Martin`; `Gandalf the Grey` stays whole).
    A phrase that is no name (`Winning sentence`, `Russian proverb`, `Pizza Hut commercial`): empty."""
    tokens = text.split()
    kept: list[str] = []
    for i, token in enumerate(tokens):
        if token[:1].isupper() or token[:1] == "'" or (token[:1].isalpha() and token.rstrip(".").isupper()):
            kept.append(token)
            continue
        # A particle inside a name: a run of particles that ends at a capitalised word (`Jean de la Bruyere`).
        j = i
        while j < len(tokens) and tokens[j].lower() in _PARTICLES | {"the"}:
            j += 1
        inside = bool(kept) and j > i and j < len(tokens) and tokens[j][:1].isupper()
        if inside:
            kept.append(token)
            continue
        # The name ends where a relation to something else begins (`to a heckler`, `on Anthony
        # Burgess`); any other lowercase word makes the phrase no name (`Pizza Hut commercial`).
        return " ".join(kept) if len(kept) >= 2 and token.lower() in _RELATIONS else ""
    return " ".join(kept)


def _all_caps_name(line: str) -> str | None:
    if line.upper() != line or not any(c.isalpha() for c in line):
        return None
    return person_name(line.strip(" ."), min_tokens=2, max_tokens=4)


class AuthorTagger(Tagger):
    """Named authors per document: {persona_id: (count, words, method)}."""

    name = "authors"
    role = "author"
    needs_evidence = True

    def __init__(self, catalog: Catalog):
        super().__init__(catalog)
        self.names = NameResolver(catalog, self.role)

    def found_names(self, text: str, metadata: str | None = None, newlines_only: bool = False, quoted: bool = True
                    ) -> tuple[list[str], str | None, list[tuple[str, int]]]:
        """(document author names, their method, [(attributed name, quotation words)]), unresolved.
        `newlines_only`: the text breaks lines at `\n` alone, so its lines are found where they are needed
        instead of all split (`tagging.author_lines`; the same names either way). `quoted` False: the text
        holds no MAY_ATTRIBUTE, so no attribution is looked for."""
        lines = NewlineLines(text) if newlines_only else SplitLines(text)
        authors: list[str] = []
        method = None
        if metadata:
            authors, method = [n for n in metadata.split("\n") if n.strip()], "metadata"
        if not authors:
            for _, line in lines.head(HEAD_LINES):
                if len(line) > MAX_NAME_LINE:
                    continue
                header = _HEADER.match(line)
                if header:
                    name = person_name((header.group("name1") or header.group("name2") or "").strip())
                    if name:
                        authors, method = [name], "byline"
                        break
                byline = _BYLINE.match(line)
                if byline:
                    names = _byline_names(byline.group("names"))
                    if names:
                        authors, method = names, "byline"
                        break
        attributions, attributed_lines = self._attributions(lines) if quoted else ([], set())
        if not authors:
            name = self._signature(lines.last_lines(TAIL_LINES), attributed_lines)
            if name:
                authors, method = [name], "signature"
        return authors, method, attributions

    def _attributions(self, lines: SplitLines | NewlineLines) -> tuple[list[tuple[str, int]], set[int]]:
        """Attributed quotations (name, words), and the keys of their lines. Both forms need a dash, so
        only the lines that hold one are read."""
        out: list[tuple[str, int]] = []
        used: set[int] = set()
        for key, line in lines.dash_lines():
            same = _QUOTE_BEFORE_DASH.search(line) and _QUOTE_THEN_DASH.match(line)
            if same:
                name = self._person(_signature_name(same.group("name")))
                if name:
                    out.append((name, len(same.group("quote").split())))
                    used.add(key)
                continue
            dash = _DASH_LINE.match(line)
            # A dash-and-name line right under a line that closes a quotation.
            if dash and lines.line_before(key).endswith(('"', "”", "’")):
                name = self._person(_signature_name(dash.group("name")))
                if name:
                    out.append((name, lines.words_before(key)))
                    used.add(key)
        return out, used

    def _person(self, name: str | None) -> str | None:
        """The name of an attribution or signature line. A one-word name (`Voltaire`, `Holmes`, `Jim`)
        counts too: it resolves through the catalog with the document's support, or becomes an ad-hoc
        author of the document's source; words that name nobody (`Anonymous`, `Proverb`) do not."""
        if name is None or name.lower().strip(".") in _NOBODY:
            return None
        return name

    def _signature(self, last_lines: Iterable[tuple[int, str]], attributed: set[int]) -> str | None:
        """The signature of the closing block (its last nonblank lines as (key, line), the last first,
        read until one is too long): only short lines (place, date, title) may follow it."""
        previous: str | None = None
        for i, line in last_lines:
            after, previous = previous, line  # `after`: the nonblank line after this one, if any
            if len(line) > CLOSING_LINE:
                return None
            if i in attributed:
                continue
            if line == "--":  # a mail or news signature block follows: its first line names the writer
                if after is not None:
                    name = _signature_name(after, min_tokens=2)
                    if name:
                        return name
                continue
            dash = _DASH_LINE.match(line)
            if dash:
                name = self._person(_signature_name(dash.group("name")))
                if name:
                    return name
                continue
            valediction = _VALEDICTION.match(line)
            if valediction:
                if valediction.group("name"):
                    name = _signature_name(valediction.group("name"))
                else:
                    name = _signature_name(after) if after is not None else None
                name = self._person(name)
                if name:
                    return name
                continue
            name = _all_caps_name(line)
            if name:
                return name
            if "@" in line and re.search(r"\s{2,}|\t|\|", line.strip()):  # `Jim Lippard      lippard@arizona.edu`
                name = _signature_name(line, min_tokens=2)
                if name:
                    return name
        return None

    def prefilter_literals(self) -> tuple[str, ...]:
        """MAY_ATTRIBUTE as it reads in normalised text, where a run of whitespace is one space: a quotation
        mark, then a dash, right after it or after one space. Lowering changes none of these characters,
        so a text holds one exactly where MAY_ATTRIBUTE matches it."""
        return tuple(quote + space + dash for quote in CLOSING_QUOTES for space in ("", " ") for dash in DASH_MARKS)

    def tag(self, docs: Documents) -> pa.Table:
        rows = HitRows()
        other = docs.other_line_breaks("text")
        newlines_only = (~other).tolist() if other is not None else [False] * len(docs)
        found = docs.literal_rows(self.name)  # which texts may hold an attribution: from the mention scan, or one of its own
        quoted = (found if found is not None else rows_matching(docs.batch.column("text"), MAY_ATTRIBUTE)).tolist()
        columns = (docs.column("text"), docs.evidence, docs.column("source"), docs.column("n_tokens"), docs.column("author"), newlines_only, quoted)
        for i, (text, support, source, n_tokens, author, plain, quotes) in enumerate(zip(*columns)):
            for pid, (count, written, method, name) in self._tally(text, support, source, n_tokens, author, plain, quotes).items():
                rows.add(i, pid, self.role, count, written, method=method, name=name)
        return rows.table()

    def tag_document(self, text: str, evidence: dict[int, int], source: str, n_tokens: int, metadata: str | None = None) -> dict[str, tuple[int, int, str]]:
        """{persona_id: (count, words, method)} for one document (raw text, line breaks kept)."""
        return {pid: (c, w, m) for pid, (c, w, m, _) in self._tally(text, evidence, source, n_tokens, metadata).items()}

    def _tally(self, text: str, evidence: dict[int, int], source: str, n_tokens: int, metadata: str | None,
               newlines_only: bool = False, quoted: bool = True) -> dict[str, tuple]:
        authors, method, attributions = self.found_names(text, metadata, newlines_only, quoted)
        out: dict[str, list] = {}
        if authors:
            share, extra = divmod(n_tokens, len(authors))
            for j, name in enumerate(authors):
                pid, written = self.names.resolve_named(name, evidence, source)
                entry = out.setdefault(pid, [0, 0, method, written])
                entry[0] += 1
                entry[1] += share + (1 if j < extra else 0)
        for name, words in attributions:
            pid, written = self.names.resolve_named(name, evidence, source)
            entry = out.setdefault(pid, [0, 0, "attribution", written])
            entry[0] += 1
            entry[1] += words
        return {pid: tuple(v) for pid, v in sorted(out.items())}
