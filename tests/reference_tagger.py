"""A slow, independent implementation of the mention rules in schemas/catalog.md.

One regular expression per alias and cue (no automaton, no shared code with prevalence.tagging's
matching), used by the integration tests to check the counts the Spark job writes. The context rules
(`prevalence.tagging.context.rejection`: `David Beckham`, `Lincoln Memorial`, `"Hamlet"`) are applied
through that one function, which tests/unit/test_mention_context.py checks on its own.
"""

from __future__ import annotations

import re
from collections import defaultdict

from prevalence.tagging.context import rejection


class ReferenceTagger:
    def __init__(self, catalog):
        owners = defaultdict(set)
        for p in catalog.personas:
            for a in (p.name, *p.aliases, *p.short_aliases):
                owners[a.lower()].add(p.id)
        self.order = {p.id: i for i, p in enumerate(catalog.personas)}
        self.own = {p.id: frozenset(w.strip(".,'’").lower() for n in p.names for w in n.split()) for p in catalog.personas}
        self.fictional = {p.id for p in catalog.personas if p.kind == "fictional_character"}
        self.aliases = []  # (alias as written, persona id, strong)
        self.cues = []
        self.anti = {}
        for p in catalog.personas:
            if p.kind == "author_archetype":
                continue
            for a in dict.fromkeys((p.name, *p.aliases)):
                self.aliases.append((a, p.id, len(owners[a.lower()]) == 1))
            self.aliases += [(a, p.id, False) for a in p.short_aliases]
            self.cues += [(c, p.id) for c in p.cues]
            if p.anti_cues:
                self.anti[p.id] = [c.lower() for c in p.anti_cues]
        self._patterns = {}

    def _finditer(self, needle: str, low: str):
        if needle not in low:
            return []
        pattern = self._patterns.get(needle)
        if pattern is None:
            pattern = self._patterns[needle] = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
        return [m.span() for m in pattern.finditer(low)]

    def count(self, text: str) -> dict[str, int]:
        text = " ".join(text.split())
        low = text.lower()
        assert len(low) == len(text)
        spans = defaultdict(list)
        for alias, pid, strong in self.aliases:
            for s, e in self._finditer(alias.lower(), low):
                if alias[0].isdigit() and re.search(r"\d[,.]$", low[:s]):
                    continue
                letters = [c for c in alias if c.isalpha()]
                if len(letters) >= 2 and alias.upper() == alias and text[s:e] != alias:
                    continue
                if alias[0].isupper() and not text[s].isupper():
                    continue
                spans[(s, e)].append((pid, strong))
        cues = defaultdict(int)
        for cue, pid in self.cues:
            cues[pid] += len(self._finditer(cue.lower(), low))
        chosen, last_end = [], -1
        for (s, e) in sorted(spans, key=lambda se: (se[0], se[0] - se[1])):
            if s >= last_end:
                chosen.append((s, e))
                last_end = e
        strong_counts = defaultdict(int)
        support = defaultdict(int)  # full names the context rejects still support short aliases
        weak_spans = []
        for s, e in chosen:
            unvetoed = [(pid, strong) for pid, strong in spans[(s, e)] if not self._anti_cue(pid, low, s, e)]
            live = [(pid, strong) for pid, strong in unvetoed if rejection(text, s, e, self.own[pid], pid in self.fictional) is None]
            support.update({pid: support[pid] + 1 for pid, strong in unvetoed if strong and (pid, strong) not in live})
            strong_counts.update({pid: strong_counts[pid] + 1 for pid, strong in live if strong})
            if live and not any(strong for _, strong in live):
                weak_spans.append([pid for pid, _ in live])
        counts = dict(strong_counts)
        for candidates in weak_spans:
            supported = [p for p in candidates if strong_counts.get(p) or cues.get(p) or support.get(p)]
            if supported:
                best = min(supported, key=lambda p: (-(strong_counts.get(p, 0) + cues.get(p, 0) + support.get(p, 0)), self.order[p]))
                counts[best] = counts.get(best, 0) + 1
        return counts

    def _anti_cue(self, pid, low, s, e) -> bool:
        for cue in self.anti.get(pid, ()):
            if re.match(r"[ ,]*" + re.escape(cue) + r"s?(?!\w)", low[e : e + 200]):
                return True
            if re.search(r"(?<!\w)" + re.escape(cue) + r"[ ,]*$", low[max(0, s - 200) : s]):
                return True
        return False
