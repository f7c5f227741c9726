"""Speaker personas: who speaks in a document, how many turns and how many words.

A document's speakers come from, in order of precedence: its speaker field (transcript records: the
whole text is one turn), script forms (`tagging.scripts`), or attributed quotations in prose
(`tagging.dialogue`). Names resolve to catalog personas as follows (docs in schemas/catalog.md):
1. a name equal (ignoring case, spacing and a leading `the`) to a persona's name or full alias is
   that persona: `KING RICHARD III` is Richard III, `HAMLET` is Hamlet;
2. a name equal to a short alias (or to an alias several personas share) is the persona only when the
   document supports it, as for mentions (its full name or a cue occurs in the document):
   `GLOUCESTER` is Richard III in a text that names Buckingham or Lady Anne, `Hermione` is the
   Winter's Tale queen next to Leontes and Hermione Granger next to Hogwarts;
3. any other name is an ad-hoc persona of its corpus source, `speaker:<source>:<name>`, so a new
   script ranks its own characters without catalog edits. Variants the catalog does not join stay
   separate (`DUKE OF YORK` and `YORK` are two ad-hoc speakers).
"""

from __future__ import annotations

import re
from collections import defaultdict

from prevalence.catalog import AD_HOC_PREFIX, UNNAMED_KINDS, Catalog, alias_owners
from prevalence.tagging.dialogue import quotes
from prevalence.tagging.scripts import script_turns

def normalise_name(name: str) -> str:
    """Lowercase, single spaces, no surrounding punctuation, no leading `the`."""
    key = " ".join(name.replace("’", "'").split()).strip(" .,:;").lower()
    return key[4:] if key.startswith("the ") else key


def ad_hoc_id(source: str, name: str) -> str:
    """`speaker:<source>:<name>` with the name as lowercase words joined by `_`."""
    slug = re.sub(r"[^a-z0-9]+", "_", normalise_name(name)).strip("_") or "unnamed"
    scope = re.sub(r"[^a-z0-9_.-]+", "_", source.lower()).strip("_") or "corpus"
    return f"{AD_HOC_PREFIX}{scope}:{slug}"


class SpeakerTagger:
    """Turns and words spoken per persona in one document."""

    role = "speaker"

    def __init__(self, catalog: Catalog):
        self.persona_ids = [p.id for p in catalog.personas]
        owners = alias_owners(catalog, normalise_name)
        self._strong: dict[str, int] = {}
        self._weak: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(catalog.personas):
            if p.kind in UNNAMED_KINDS:
                continue
            for alias in (p.name, *p.aliases):
                key = normalise_name(alias)
                if len(owners[key]) == 1:
                    self._strong[key] = i
                elif i not in self._weak[key]:
                    self._weak[key].append(i)
            for alias in p.short_aliases:
                key = normalise_name(alias)
                if i not in self._weak[key]:
                    self._weak[key].append(i)

    def resolve(self, name: str, evidence: dict[int, int], source: str) -> str:
        """The persona id a speaker name stands for in a document with this mention evidence."""
        key = normalise_name(name)
        if key in self._strong:
            return self.persona_ids[self._strong[key]]
        supported = [p for p in self._weak.get(key, ()) if evidence.get(p)]
        if supported:
            return self.persona_ids[min(supported, key=lambda p: (-evidence[p], p))]
        return ad_hoc_id(source, name)

    def tag(self, text: str, evidence: dict[int, int], source: str, speaker: str | None = None) -> dict[str, tuple[int, int, str]]:
        """{persona_id: (turns, words, method)} for one document (raw text, line breaks kept)."""
        if speaker:
            return {self.resolve(speaker, evidence, source): (1, len(text.split()), "field")}
        totals: dict[str, list] = {}
        turns = script_turns(text)
        if turns:
            for t in turns:
                entry = totals.setdefault(self.resolve(t.speaker, evidence, source), [0, 0, "script"])
                entry[0] += 1
                entry[1] += t.words
        else:
            # Prose: one turn per paragraph in which a persona speaks; words are those inside quotes.
            paragraphs: set[tuple[str, int]] = set()
            for q in quotes(text):
                if q.speaker is None:
                    continue
                pid = self.resolve(q.speaker, evidence, source)
                entry = totals.setdefault(pid, [0, 0, "prose"])
                if (pid, q.paragraph) not in paragraphs:
                    paragraphs.add((pid, q.paragraph))
                    entry[0] += 1
                entry[1] += q.words
        return {pid: (c, w, m) for pid, (c, w, m) in sorted(totals.items())}
