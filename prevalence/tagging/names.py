"""Person names found in a document (speaker headings, bylines, signatures) resolved to personas.

Rules (docs in schemas/catalog.md):
1. a name equal (ignoring case, spacing and a leading `the`) to a persona's name or full alias is
   that persona: `KING RICHARD III` is Richard III, `Mark Twain` is Mark Twain;
2. a name equal to a short alias (or to an alias several personas share) is the persona only when the
   document supports it, as for mentions (its full name or a cue occurs in the document);
3. any other name is an ad-hoc persona of its role, so new names rank without catalog edits. A full
   name (two or more name words, not counting titles, ordinals and roman numerals: `Geoffrey James`,
   `H. L. Mencken`) is one persona across the corpus, `<role>:<name>`; a one-word name (`Anna`,
   `First Citizen`, `King Richard`) is scoped by the document's source, `<role>:<source>:<name>`,
   since two sources' Annas are rarely one person. Sources come from records or folders, never from a
   shard's file name, so resharding a corpus changes no persona.
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


# Words of a name that do not tell one person from another: titles, ordinals, connectors.
TITLES = frozenset(
    """mr mrs ms miss dr doctor sir dame lady lord king queen prince princess duke duchess earl count countess baron
    captain capt professor prof rev reverend father mother sister brother saint st general gen colonel col major
    lieutenant lt sergeant sgt president senator judge uncle aunt master mistress madam madame monsieur mme mlle
    signior signor don friar cardinal bishop archbishop emperor empress old young""".split()
)
ORDINAL_WORDS = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth 1 2 3 4 5 6 7 8 9".split())
CONNECTOR_WORDS = frozenset("of the de la le du van von der den and".split())
_ROMAN = re.compile(r"^(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})$")


def distinctive_words(name: str) -> list[str]:
    """The words of a normalised name that identify a person: `King Henry IV` -> [`henry`]."""
    return [w for w in normalise_name(name).split()
            if w not in TITLES and w not in ORDINAL_WORDS and w not in CONNECTOR_WORDS and not _ROMAN.match(w)]


def is_full_name(name: str) -> bool:
    """Two or more distinctive words (`Geoffrey James`), so one person corpus-wide."""
    return len(distinctive_words(name)) >= 2


def ad_hoc_id(role: str, source: str, name: str) -> str:
    """`<role>:<name>` for a full name, `<role>:<source>:<name>` for a one-word name; the name as
    lowercase words joined by `_`."""
    slug = re.sub(r"[^a-z0-9]+", "_", normalise_name(name)).strip("_") or "unnamed"
    if is_full_name(name):
        return f"{role}:{slug}"
    scope = re.sub(r"[^a-z0-9_.-]+", "_", source.lower()).strip("_") or "corpus"
    return f"{role}:{scope}:{slug}"


def written_name(name: str) -> str:
    """A name for display as it was written, spacing normalised; names in capitals in title case
    (`LORD POLONIUS` -> `Lord Polonius`, `H. L. MENCKEN` -> `H. L. Mencken`)."""
    name = " ".join(name.split()).strip(" ,:;")
    if name != name.upper():
        return name
    words = []
    for i, w in enumerate(name.split()):
        low = w.lower()
        words.append(low if i and low in CONNECTOR_WORDS else w if _ROMAN.match(low) and i else w.capitalize())
    return " ".join(words)


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
        return self.resolve_named(name, evidence, source)[0]

    def resolve_named(self, name: str, evidence: dict[int, int], source: str) -> tuple[str, str | None]:
        """(persona id, the name as written when the persona is ad hoc, else None)."""
        key = normalise_name(name)
        if key in self._strong:
            return self.persona_ids[self._strong[key]], None
        supported = [p for p in self._weak.get(key, ()) if evidence.get(p)]
        if supported:
            return self.persona_ids[min(supported, key=lambda p: (-evidence[p], p))], None
        return ad_hoc_id(self.role, source, name), written_name(name)
