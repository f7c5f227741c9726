"""Person names found in a document (speaker headings, bylines, signatures) resolved to personas.

Rules (docs in schemas/catalog.md):
1. a name equal (ignoring case, spacing and a leading `the`) to a persona's name or full alias is
   that persona: `KING RICHARD III` is Richard III, `Mark Twain` is Mark Twain;
2. a name equal to a short alias (or to an alias several personas share) is the persona only when the
   document supports it, as for mentions (its full name or a cue occurs in the document);
3. any other name is an ad-hoc persona of its role and corpus source, `<role>:<source>:<name>`
   (`speaker:shakespeare:first_citizen`, `author:usenet:john_munch`), so new names rank without
   catalog edits.
"""

from __future__ import annotations

import re
from collections import defaultdict

from prevalence.catalog import UNNAMED_KINDS, Catalog, alias_owners


def normalise_name(name: str) -> str:
    """Lowercase, single spaces, no periods (`J.` is `J`), no surrounding punctuation, no leading `the`,
    no trailing `Jr.`/`Sr.`."""
    key = " ".join(name.replace("’", "'").replace(".", " ").split()).strip(" ,:;").lower()
    key = key[4:] if key.startswith("the ") else key
    for suffix in (" jr", " sr"):  # `Joseph R. Biden Jr.` is `Joseph R. Biden`
        if key.endswith(suffix):
            key = key[: -len(suffix)].rstrip(" ,")
    return key


def ad_hoc_id(role: str, source: str, name: str) -> str:
    """`<role>:<source>:<name>` with the name as lowercase words joined by `_`."""
    slug = re.sub(r"[^a-z0-9]+", "_", normalise_name(name)).strip("_") or "unnamed"
    scope = re.sub(r"[^a-z0-9_.-]+", "_", source.lower()).strip("_") or "corpus"
    return f"{role}:{scope}:{slug}"


class NameResolver:
    """Catalog names and aliases indexed for exact look-up, with document support for weak ones."""

    def __init__(self, catalog: Catalog, role: str):
        self.role = role
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

    def known(self, name: str) -> bool:
        """True when the name is a catalog name or full alias (rule 1)."""
        return normalise_name(name) in self._strong

    def resolve(self, name: str, evidence: dict[int, int], source: str) -> str:
        """The persona id a name stands for in a document with this mention evidence."""
        key = normalise_name(name)
        if key in self._strong:
            return self.persona_ids[self._strong[key]]
        supported = [p for p in self._weak.get(key, ()) if evidence.get(p)]
        if supported:
            return self.persona_ids[min(supported, key=lambda p: (-evidence[p], p))]
        return ad_hoc_id(self.role, source, name)
