"""Persona mentions: one multi-pattern matcher (hyperscan, or Aho-Corasick where hyperscan has no wheel) over
every alias and cue of the catalog.

Rules, in order (tested in tests/unit/test_mentions.py):
1. Whole words only: the characters around a match are not letters, digits or `_`.
2. Case: an all-caps alias (`JFK`, `HAL 9000`) matches only as written; an alias starting with a capital
   matches text starting with a capital (`Potter`, not `potter`); a lowercase alias matches any case.
3. Overlaps: leftmost-longest wins (`Abraham Lincoln` is one mention of Lincoln, not also of Abraham).
4. Anti-cues: an alias occurrence right next to one of the persona's anti-cues is not that persona
   (`Lincoln, Nebraska`, `Lincoln Navigator`, `Lincoln bombers`); nor is one that its context shows to
   be someone or something else (`tagging.context`: `David Beckham`, `Lincoln Memorial`, `the sequel
   to Dracula`, `a Judas`). Those rules run in Python only for the occurrences that one compiled pass
   over the batch cannot prove clear of them (`tagging.context_clear`: nearly nine in ten are).
5. Short aliases (and aliases shared by several personas) count only in a document that also carries
   one of the persona's full aliases or cues; a shared one goes to the persona with most such evidence.
Input text is expected whitespace-normalised: runs of whitespace as one space (see tagging.stage).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from prevalence.catalog import UNNAMED_KINDS, Catalog, alias_owners
from prevalence.compiled import utf8_buffers
from prevalence.tagging.base import Documents, HitRows, Tagger, TaggerContext
from prevalence.tagging.context import rejection
from prevalence.tagging.context_clear import clear_occurrences
from prevalence.tagging.lowercase import lower_array_same_length, lower_same_length
from prevalence.tagging.matcher import ENGINES, build_matcher, hyperscan_available
from prevalence.tagging.matcher import is_word_char as _is_word_char

STRONG, WEAK, CUE = 0, 1, 2
EXACT, CAPITAL, ANY_CASE = 0, 1, 2
ANTI_CUE_WINDOW = 64
METHOD = "alias"


def case_rule(alias: str) -> int:
    """EXACT for acronyms (two or more letters, all capitals), CAPITAL for names, else ANY_CASE."""
    letters = [c for c in alias if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return EXACT
    if alias[:1].isupper():
        return CAPITAL
    return ANY_CASE


@dataclass(frozen=True)
class _Entry:
    persona: int
    strength: int  # STRONG | WEAK | CUE
    case: int
    alias: str


class MentionTagger(Tagger):
    """Counts mentions of catalog personas in documents, and gives each document's mention support
    (the evidence that speaker and author names resolve with)."""

    name = "mentions"
    role = "mention"
    provides_evidence = True

    @classmethod
    def build(cls, context: TaggerContext) -> "MentionTagger":
        pairs = context.config.pairs if context.config is not None else None
        return cls(context.catalog, positions=bool(pairs and pairs.enabled and pairs.window > 0))

    def __init__(self, catalog: Catalog, positions: bool = False, engine: str | None = None):
        super().__init__(catalog)
        # Word indexes of each mention, for window co-occurrence only (they cost a little time).
        self.positions = positions
        self.persona_ids = [p.id for p in catalog.personas]
        owners = alias_owners(catalog)
        entries: dict[str, list[_Entry]] = defaultdict(list)
        for i, p in enumerate(catalog.personas):
            if p.kind in UNNAMED_KINDS:
                continue
            for alias in dict.fromkeys((p.name, *p.aliases)):
                shared = len(owners[alias.lower()]) > 1
                entries[alias.lower()].append(_Entry(i, WEAK if shared else STRONG, case_rule(alias), alias))
            for alias in p.short_aliases:
                entries[alias.lower()].append(_Entry(i, WEAK, case_rule(alias), alias))
            for cue in p.cues:
                entries[cue.lower()].append(_Entry(i, CUE, ANY_CASE, cue))
        self._anti_cues = {i: tuple(a.lower() for a in p.anti_cues) for i, p in enumerate(catalog.personas) if p.anti_cues}
        # Lowercase words of each persona's names and aliases: a neighbour among them is no other person.
        self._own_words = {i: frozenset(w.strip(".,'’").lower() for n in p.names for w in n.split())
                           for i, p in enumerate(catalog.personas)}
        self._fictional = {i for i, p in enumerate(catalog.personas) if p.kind == "fictional_character"}
        self._entries = [tuple(v) for v in entries.values()]
        # Per key: its alias entries, the personas of its cues, and whether it starts with a digit.
        self._aliases = [tuple(e for e in v if e.strength != CUE) for v in self._entries]
        self._cues = [tuple(e.persona for e in v if e.strength == CUE) for v in self._entries]
        self._digit_led = [key[:1].isdigit() for key in entries]
        # Keys with an alias: their occurrences may reach the context rules (a cue's never does).
        self._aliased = np.array([bool(aliases) for aliases in self._aliases], dtype=bool)
        # Keys that are only cues and do not start with a digit (`_inside_number` never drops them): each
        # occurrence adds one to the cue count of each of its entries, counted in numpy (`_cue_counts`).
        self._cue_only = ~self._aliased & ~np.array(self._digit_led, dtype=bool)
        cue_personas = [cues if only else () for cues, only in zip(self._cues, self._cue_only)]
        self._cue_starts = np.cumsum([0, *map(len, cue_personas)]).astype(np.int64)
        self._cue_personas = np.array([p for v in cue_personas for p in v], dtype=np.int64)
        # Keys with an alias of a persona that has anti-cues: only their occurrences read the lowercase text.
        self._anti_cued = np.array([any(e.persona in self._anti_cues for e in aliases) for aliases in self._aliases], dtype=bool)
        # Candidate finding: hyperscan where its wheel exists, else Aho-Corasick (`tagging.matcher`).
        self.keys = list(entries)  # lowercase aliases and cues, in the matcher's key order
        if engine is not None and engine not in ENGINES:
            raise ValueError(f"unknown matcher engine {engine!r}; expected one of {', '.join(ENGINES)}")
        self._engine = engine if engine is not None else ("hyperscan" if hyperscan_available() else "aho-corasick")
        self._built_matcher = None  # built when first used: after any `add_literals`, a compile of its own
        # Other taggers' literals found in the same scan (`add_literals`), and the tagger of each.
        self._literals: tuple[str, ...] = ()
        self._literal_taggers: list[str] = []
        self._literal_owner = np.zeros(0, dtype=np.int64)  # index into _literal_taggers, per literal

    @property
    def _matcher(self):
        if self._built_matcher is None:
            self._built_matcher = build_matcher(self.keys, self._engine, whole_words=True, literals=self._literals)
        return self._built_matcher

    def add_literals(self, tagger: str, literals: Sequence[str]) -> None:
        """Find a tagger's lowercase literals in the same scan as the keys, anywhere in the lowercased
        normalised texts, and note per document whether one occurs (`Documents.literal_rows`). Only
        hyperscan scans for them: with Aho-Corasick, nothing is noted and the tagger reads every text."""
        if self._engine != "hyperscan":
            return
        new = [literal for literal in dict.fromkeys(literals) if literal]
        if tagger not in self._literal_taggers:
            self._literal_taggers.append(tagger)
        self._literals += tuple(new)
        self._literal_owner = np.concatenate([self._literal_owner, np.full(len(new), self._literal_taggers.index(tagger), dtype=np.int64)])
        self._built_matcher = None

    def tag(self, docs: Documents) -> pa.Table:
        return self.scan(docs)[0]

    def scan(self, docs: Documents) -> tuple[pa.Table, list[dict[int, int]]]:
        """(hit rows, evidence per document) for the normalised texts of `docs`, in one pass."""
        rows = HitRows()
        evidence = []
        texts = docs.column("normalised")
        low_array = lower_array_same_length(docs.batch.column("normalised"), docs.lowered("normalised"), docs.odd_case())
        found, cues, anti_cued, literal_hits = self._candidates(low_array, docs.batch.column("normalised"))
        hit_docs, hit_literals = literal_hits
        for owner, tagger in enumerate(self._literal_taggers):
            holding = np.zeros(len(texts), dtype=bool)
            holding[hit_docs[self._literal_owner[hit_literals] == owner]] = True
            docs.note_literal_rows(tagger, holding)
        # Python strings of the lowercase texts only where an anti-cue is looked for (else None).
        lows: list[str | None] = [None] * len(texts)
        reading = np.flatnonzero(anti_cued).tolist()
        for row, low in zip(reading, low_array.take(pa.array(reading, pa.int64())).to_pylist() if reading else []):
            lows[row] = low
        for i, (text, low, candidates) in enumerate(zip(texts, lows, found)):
            located: list[tuple[int, str]] | None = [] if self.positions else None
            counts, support = self._analyse(text, low, candidates, located, cues.get(i))
            evidence.append(support)
            where: dict[str, list[int]] = {}
            if located is not None:
                for word, pid in word_positions(text, located):
                    where.setdefault(pid, []).append(word)
            for pid, c in counts.items():
                rows.add(i, pid, self.role, c, method=METHOD, positions=where.get(pid) if located is not None else None)
        return rows.table(), evidence

    def _candidates(self, lows: pa.Array, texts: pa.Array
                    ) -> tuple[list[list[tuple[int, int, int, bool]]], dict[int, dict[int, int]], np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """The matcher's whole-word candidates per text, from the Arrow buffer, as (start, end, key index,
        clear): `clear` when `tagging.context_clear` proves that no context rule rejects the occurrence,
        so that `rejection` need not run for it (hyperscan and numba only; else never clear). The cue
        counts of the occurrences of cue-only keys, which are left out of those lists: {text: {persona
        index: occurrences}} (hyperscan only; else every occurrence is in the lists). Per text, whether
        a candidate's persona has anti-cues (its lowercase text is read then). And the occurrences of
        `add_literals`' literals as (text, literal index) arrays."""
        none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        scan = getattr(self._matcher, "scan_candidates", None)
        if scan is None:
            found = [[(s, e, k, False) for s, e, k in found] for found in self._matcher.candidates_arrow(lows)]
            return found, {}, np.array([any(self._anti_cued[k] for _, _, k, _ in f) for f in found], dtype=bool), none
        found, literal_hits = scan(lows)
        if found is None:
            return [[] for _ in range(len(lows))], {}, np.zeros(len(lows), dtype=bool), literal_hits
        buf, offsets, doc, starts, ends, ids = found
        cue_only = self._cue_only[ids]
        cues = self._cue_counts(doc[cue_only], ids[cue_only])
        rest = ~cue_only
        doc, starts, ends, ids = doc[rest], starts[rest], ends[rest], ids[rest]
        _, text_offsets, text_bytes = utf8_buffers(texts)
        clear = clear_occurrences(text_bytes, text_offsets, buf, offsets, doc, starts, ends, ids, self._aliased)
        if clear is None:
            clear = np.zeros(len(doc), dtype=bool)
        anti_cued = np.zeros(len(lows), dtype=bool)
        anti_cued[doc[self._anti_cued[ids]]] = True
        return self._matcher.in_characters(len(lows), buf, offsets, doc, starts, ends, ids, clear), cues, anti_cued, literal_hits

    def _cue_counts(self, doc: np.ndarray, ids: np.ndarray) -> dict[int, dict[int, int]]:
        """{text: {persona index: cue occurrences}} of occurrences of cue-only keys (`doc` their texts,
        `ids` their keys): what `_analyse` would add to its cue counts for them, one at a time."""
        if not len(ids):
            return {}
        first, last = self._cue_starts[ids], self._cue_starts[ids + 1]
        per = last - first  # entries per occurrence
        entry = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per) + np.repeat(first, per)
        pairs, counts = np.unique(np.repeat(doc, per) * len(self.persona_ids) + self._cue_personas[entry], return_counts=True)
        texts, personas = np.divmod(pairs, len(self.persona_ids))
        out: dict[int, dict[int, int]] = {}
        for text, persona, count in zip(texts.tolist(), personas.tolist(), counts.tolist()):
            out.setdefault(text, {})[persona] = count
        return out

    def analyse(self, text: str, located: list[tuple[int, str]] | None = None) -> tuple[dict[str, int], dict[int, int]]:
        """({persona_id: mentions}, {persona index: full-alias mentions + cue occurrences}); the second
        is the document's support for each persona, which short aliases and speaker names rely on.
        With a `located` list, (character offset, persona_id) of every counted mention is appended."""
        if not self._matcher.size:
            return {}, {}
        low = lower_same_length(text)
        candidates = [(s, e, k, False) for s, e, k in self._matcher.candidates(low)]
        return self._analyse(text, low, candidates, located)

    def _analyse(self, text: str, low: str | None, candidates: list[tuple[int, int, int, bool]],
                 located: list[tuple[int, str]] | None, cues: dict[int, int] | None = None) -> tuple[dict[str, int], dict[int, int]]:
        """`analyse` given the lowercase text (None where no candidate's persona has anti-cues) and the
        matcher's whole-word candidates in it, each with whether it is proven clear of the context rules;
        `cues`, the cue counts of occurrences counted already and left out of `candidates` (`_cue_counts`)."""
        spans: list[tuple[int, int, Sequence[_Entry], bool]] = []
        cues_seen: dict[int, int] = defaultdict(int, cues or {})
        alias_entries, cue_personas, digit_led = self._aliases, self._cues, self._digit_led
        for start, end, index, clear in candidates:
            if digit_led[index] and _inside_number(text, start):  # text[start:end] is the key, in any case
                continue
            for persona in cue_personas[index]:
                cues_seen[persona] += 1
            entries = alias_entries[index]
            if len(entries) == 1:  # most keys
                if _case_ok(entries[0], text, start, end):
                    spans.append((start, end, entries, clear))
            elif entries:
                aliases = [e for e in entries if _case_ok(e, text, start, end)]
                if aliases:
                    spans.append((start, end, aliases, clear))
        counts, named = self._resolve(text, low, _leftmost_longest(spans), cues_seen, located)
        evidence = {p: named.get(p, 0) + cues_seen.get(p, 0) for p in set(named) | set(cues_seen)}
        return counts, evidence

    def _resolve(self, text: str, low: str, spans, cues_seen: dict[int, int], located=None) -> tuple[dict[str, int], dict[int, int]]:
        strong: dict[int, int] = defaultdict(int)
        # Full names that the context shows are not a mention (`"Julius Caesar"` the play) still say
        # what the document is about: they support short aliases, as cues do.
        support: dict[int, int] = defaultdict(int)
        # Weak aliases are checked against their context only once the whole document's support is known:
        # one of an unsupported persona never counts (a tenth of the context checks on real text).
        weak_spans: list[tuple[int, int, list[_Entry], bool]] = []
        anti_cues = self._anti_cues
        for start, end, entries, clear in spans:
            if len(entries) == 1:  # most spans: what the general case below does with one entry
                e = entries[0]
                if e.persona in anti_cues and _next_to_anti_cue(anti_cues[e.persona], low, start, end):
                    continue
                if e.strength == WEAK:
                    weak_spans.append((start, end, entries, clear))
                elif clear or self._in_context(e, text, start, end):
                    strong[e.persona] += 1
                    if located is not None:
                        located.append((start, self.persona_ids[e.persona]))
                else:
                    support[e.persona] += 1
                continue
            unvetoed = [e for e in entries if e.persona not in anti_cues or not _next_to_anti_cue(anti_cues[e.persona], low, start, end)]
            live_strong = [e for e in unvetoed if e.strength == STRONG and (clear or self._in_context(e, text, start, end))]
            for e in unvetoed:
                if e.strength == STRONG and e not in live_strong:
                    support[e.persona] += 1
            for e in live_strong:
                strong[e.persona] += 1
                if located is not None:
                    located.append((start, self.persona_ids[e.persona]))
            weak = [e for e in unvetoed if e.strength == WEAK]
            if weak and not live_strong:
                weak_spans.append((start, end, weak, clear))
        counts = dict(strong)
        for start, end, entries, clear in weak_spans:
            supported = [e.persona for e in entries if (strong.get(e.persona) or cues_seen.get(e.persona) or support.get(e.persona))
                         and (clear or self._in_context(e, text, start, end))]
            if supported:
                best = min(supported, key=lambda p: (-(strong.get(p, 0) + cues_seen.get(p, 0) + support.get(p, 0)), p))
                counts[best] = counts.get(best, 0) + 1
                if located is not None:
                    located.append((start, self.persona_ids[best]))
        evidence = {p: strong.get(p, 0) + support.get(p, 0) for p in set(strong) | set(support)}
        return {self.persona_ids[p]: c for p, c in sorted(counts.items())}, evidence

    def _in_context(self, entry: _Entry, text: str, start: int, end: int) -> bool:
        """No context rule rejects text[start:end] as this entry's persona (`tagging.context`)."""
        return rejection(text, start, end, self._own_words[entry.persona], entry.persona in self._fictional) is None


def _next_to_anti_cue(anti_cues: tuple[str, ...], low: str, start: int, end: int) -> bool:
    """One of a persona's (lowercase) anti-cues right before or after low[start:end], across spaces and commas."""
    after = low[end : end + ANTI_CUE_WINDOW].lstrip(" ,")
    before = low[max(0, start - ANTI_CUE_WINDOW) : start].rstrip(" ,")
    for cue in anti_cues:
        if after.startswith(cue) and _ends_word(after, len(cue)):
            return True
        if before.endswith(cue) and (len(before) == len(cue) or not _is_word_char(before[-len(cue) - 1])):
            return True
    return False


def word_positions(text: str, located: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(character offset, persona) of mentions in a single-spaced text as (word index, persona)."""
    out = []
    previous, words = 0, 0
    for offset, pid in sorted(located):
        words += text.count(" ", previous, offset)
        previous = offset
        out.append((words, pid))
    return out


def _inside_number(text: str, start: int) -> bool:
    """True for `1,007` or `3.007`: a digit-led alias right after a digit and a separator."""
    return start >= 2 and text[start - 1] in ",." and text[start - 2].isdigit()


def _ends_word(text: str, i: int) -> bool:
    """True when text[i:] starts a new word, allowing a plural `s` (`bomber` matches `bombers`)."""
    if i < len(text) and text[i] == "s":
        i += 1
    return i >= len(text) or not _is_word_char(text[i])


def _case_ok(entry: _Entry, text: str, start: int, end: int) -> bool:
    if entry.case == EXACT:
        return text[start:end] == entry.alias
    if entry.case == CAPITAL:
        return text[start].isupper()
    return True


def _leftmost_longest(spans):
    """Non-overlapping spans, preferring the earliest start, then the longest."""
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    chosen = []
    last_end = -1
    for span in spans:
        if span[0] >= last_end:
            chosen.append(span)
            last_end = span[1]
    return chosen
