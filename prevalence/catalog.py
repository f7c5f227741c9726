"""The persona catalog: ids, names, kinds, aliases and context cues (contract: schemas/catalog.md)."""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from importlib import resources

import pyarrow as pa
import yaml

from prevalence.errors import CatalogError, UnknownPersonaError

KINDS = (
    "fictional_character",
    "historical_figure",
    "contemporary_person",
    "religious_figure",
    "mythological_figure",
    "author_archetype",
    "assistant",
    # Speakers and authors found in a corpus but not in the catalog (added by a run, not written in catalogs).
    "ad_hoc_speaker",
    "ad_hoc_author",
    # Personas a user's tagger reports under ids the catalog does not have.
    "ad_hoc",
)
# Kinds tagged by classifiers, not by name: their names describe who writes, they are not aliases.
UNNAMED_KINDS = ("author_archetype",)
LIST_FIELDS = ("aliases", "short_aliases", "cues", "anti_cues")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")
DEFAULT_CATALOG = "default.yaml"


@dataclass(frozen=True)
class Persona:
    """One persona. `aliases` count on their own; `short_aliases` need the full name or a cue nearby
    in the same document; `anti_cues` next to an alias mean that occurrence is someone or something else."""

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    short_aliases: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    anti_cues: tuple[str, ...] = ()
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias, full and short."""
        return (self.name, *self.aliases, *self.short_aliases)


@dataclass(frozen=True)
class Catalog:
    """An ordered, validated set of personas."""

    personas: tuple[Persona, ...]
    origin: str

    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of the personas: equal catalogs give equal fingerprints."""
        canonical = json.dumps([asdict(p) for p in self.personas], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_arrow(self) -> pa.Table:
        """The `personas` table of a run."""
        return pa.table(
            {
                "persona_id": [p.id for p in self.personas],
                "name": [p.name for p in self.personas],
                "kind": [p.kind for p in self.personas],
                "aliases": [list(p.aliases) for p in self.personas],
                "short_aliases": [list(p.short_aliases) for p in self.personas],
                "cues": [list(p.cues) for p in self.personas],
                "anti_cues": [list(p.anti_cues) for p in self.personas],
                "description": [p.description for p in self.personas],
            },
            schema=PERSONAS_SCHEMA,
        )


PERSONAS_SCHEMA = pa.schema(
    [
        pa.field("persona_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("aliases", pa.list_(pa.string())),
        pa.field("short_aliases", pa.list_(pa.string())),
        pa.field("cues", pa.list_(pa.string())),
        pa.field("anti_cues", pa.list_(pa.string())),
        pa.field("description", pa.string()),
    ]
)


def default_catalog_path() -> str:
    """Path of the catalog that ships with the package."""
    return str(resources.files("prevalence") / "catalogs" / DEFAULT_CATALOG)


def load_catalog(path: str | None = None) -> Catalog:
    """Read and validate a YAML or CSV catalog; None means the default catalog."""
    path = path or default_catalog_path()
    if not os.path.isfile(path):
        raise CatalogError(f"catalog file not found: {path}")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext in (".yaml", ".yml"):
            records = _read_yaml(path)
        elif ext == ".csv":
            records = _read_csv(path)
        else:
            raise CatalogError(f"catalog {path}: unknown format {ext or '(none)'}; use .yaml or .csv")
    except (yaml.YAMLError, csv.Error, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0]
        raise CatalogError(f"catalog {path} cannot be parsed: {first_line}") from None
    return Catalog(personas=tuple(_validate(records, path)), origin=path)


def catalog_from_records(records: list[dict], origin: str = "<records>") -> Catalog:
    """A validated catalog from already-parsed records (tests, other projects)."""
    return Catalog(personas=tuple(_validate(records, origin)), origin=origin)


def catalog_from_arrow(table: pa.Table, origin: str) -> Catalog:
    """The catalog stored in a run's `personas` table."""
    records = table.to_pylist()
    for r in records:
        r["id"] = r.pop("persona_id")
    return catalog_from_records(records, origin)


# PyYAML's C parser where its wheel has libyaml (same documents, ten times faster than the pure-Python one).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: str) -> list:
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
    if isinstance(data, dict) and "personas" in data:
        data = data["personas"]
    if not isinstance(data, list):
        raise CatalogError(f"catalog {path}: expected a list of personas (or a `personas:` key)")
    return data


def _read_csv(path: str) -> list:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key in LIST_FIELDS:
            cell = row.get(key) or ""
            row[key] = [part.strip() for part in cell.split("|") if part.strip()]
    return rows


def _validate(records: list, origin: str) -> list[Persona]:
    if not records:
        raise CatalogError(f"catalog {origin}: no personas")
    personas: list[Persona] = []
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    for i, rec in enumerate(records, start=1):
        where = f"catalog {origin}, persona {i}"
        if not isinstance(rec, dict):
            raise CatalogError(f"{where}: expected a mapping, got {type(rec).__name__}")
        pid = str(rec.get("id") or "").strip()
        name = str(rec.get("name") or "").strip()
        kind = str(rec.get("kind") or "").strip()
        if not ID_PATTERN.match(pid):
            raise CatalogError(f"{where}: id {pid!r} must be lowercase letters, digits and _ . : -")
        where = f"catalog {origin}, persona {pid!r}"
        if pid in seen_ids:
            raise CatalogError(f"{where}: duplicate id")
        if not name:
            raise CatalogError(f"{where}: missing name")
        if kind not in KINDS:
            raise CatalogError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if name.lower() in seen_names:
            raise CatalogError(f"{where}: name {name!r} is also persona {seen_names[name.lower()]!r}")
        lists = {}
        for key in LIST_FIELDS:
            value = rec.get(key) or []
            if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise CatalogError(f"{where}: {key} must be a list of non-empty strings")
            lists[key] = tuple(dict.fromkeys(v.strip() for v in value if v.strip().lower() != name.lower()))
        unknown = set(rec) - {"id", "name", "kind", "description", *LIST_FIELDS}
        if unknown:
            raise CatalogError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        seen_ids.add(pid)
        seen_names[name.lower()] = pid
        personas.append(Persona(id=pid, name=name, kind=kind, description=str(rec.get("description") or ""), **lists))
    return personas


def alias_owners(catalog: Catalog, key=str.lower) -> dict[str, set[int]]:
    """{alias key: indexes of the personas listing it as name, alias or short alias}, for the named
    kinds; an alias with several owners is ambiguous and needs context."""
    owners: dict[str, set[int]] = {}
    for i, p in enumerate(catalog.personas):
        if p.kind not in UNNAMED_KINDS:
            for alias in p.names:
                owners.setdefault(key(alias), set()).add(i)
    return owners


# Ad-hoc persona ids, `<role>:<source>:<name>`, by prefix -> the kind of persona they make.
AD_HOC_KINDS = {"speaker:": "ad_hoc_speaker", "author:": "ad_hoc_author"}


def ad_hoc_name(persona_id: str) -> str:
    """Display name of an ad-hoc persona id: `speaker:shakespeare:first_citizen` -> `First Citizen`."""
    words = persona_id.rsplit(":", 1)[-1].split("_")
    small = {"of", "the", "and", "de", "la", "le", "du", "van", "von"}
    return " ".join(w if (i and w in small) else w.capitalize() for i, w in enumerate(words))


def with_ad_hoc_personas(catalog: Catalog, persona_ids: list[str], written: dict[str, str] | None = None) -> Catalog:
    """The catalog plus a persona for every id among `persona_ids` that it lacks: kind `ad_hoc_speaker`
    for `speaker:...` ids, `ad_hoc_author` for `author:...` ids (`<role>:<name>` for a full name,
    `<role>:<source>:<name>` for a one-word name), and `ad_hoc` for any other id (a user tagger's
    persona), so that no hit goes uncounted.

    Display names are the names as written (`written`, by id), else made from the id (`First
    Citizen`); a name already taken gets its source or role appended (`Anna (tv)`, `John Smith (author)`).
    """
    written = written or {}
    known = {p.id for p in catalog.personas}
    taken = {p.name.lower() for p in catalog.personas}
    extra = []
    for pid in sorted(set(persona_ids) - known):
        prefix = pid.split(":", 1)[0] + ":"
        kind = AD_HOC_KINDS.get(prefix, "ad_hoc")
        name = written.get(pid) or ad_hoc_name(pid)
        if name.lower() in taken:
            name = _qualified(name, pid, kind)
        taken.add(name.lower())
        extra.append(Persona(id=pid, name=name, kind=kind))
    return Catalog(personas=catalog.personas + tuple(extra), origin=catalog.origin) if extra else catalog


def _qualified(name: str, pid: str, kind: str) -> str:
    """A display name made distinct: `Anna (tv)` for a speaker, `John Smith (author, usenet)`."""
    parts = pid.split(":")
    if kind == "ad_hoc":
        return f"{name} ({pid})"
    role, source = parts[0], parts[1] if len(parts) == 3 else None
    if kind == "ad_hoc_speaker":
        return f"{name} ({source or role})"
    return f"{name} ({role}, {source})" if source else f"{name} ({role})"


def with_archetypes(catalog: Catalog, persona_ids: list[str]) -> Catalog:
    """The catalog plus a persona of kind `author_archetype` for every id it lacks (labels of a
    user-trained classifier: `archetype_sports_writer` is displayed `Sports writer`)."""
    have = {p.id for p in catalog.personas}
    extra = tuple(
        Persona(id=pid, name=pid.removeprefix("archetype_").replace("_", " ").capitalize(), kind="author_archetype")
        for pid in sorted(set(persona_ids) - have)
    )
    return Catalog(personas=catalog.personas + extra, origin=catalog.origin) if extra else catalog


def resolve(catalog: Catalog, query: str) -> Persona:
    """The persona whose id, name or alias equals `query` (case-insensitive).

    A name shared by several personas resolves to the one whose *name* it is, else it is ambiguous.
    Raises UnknownPersonaError listing close matches.
    """
    q = " ".join(query.split()).lower()
    by_name = [p for p in catalog.personas if p.name.lower() == q or p.id == q]
    if by_name:
        return by_name[0]
    matches = [p for p in catalog.personas if any(a.lower() == q for a in p.names)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        options = ", ".join(f"{p.name} ({p.id})" for p in matches)
        raise UnknownPersonaError(f"{query!r} is ambiguous: {options}; use the full name or id")
    vocabulary: dict[str, str] = {}
    for p in catalog.personas:
        for alias in p.names:
            vocabulary.setdefault(alias.lower(), p.name)
    close = difflib.get_close_matches(q, list(vocabulary), n=5, cutoff=0.6)
    names = list(dict.fromkeys(vocabulary[c] for c in close))
    hint = f"; close matches: {', '.join(names)}" if names else ""
    raise UnknownPersonaError(f"no persona named {query!r} in the catalog{hint}")
