"""The one tagger interface: the documents of an Arrow batch in, hit rows out.

A tagger subclasses `Tagger`, sets `name` (and `role` for documentation), and implements
`tag(docs) -> pa.Table` of hit rows (`HIT_ROWS_SCHEMA`; only `row` and `persona_id` and `role` are
required, the other columns get defaults). `docs.batch` has one row per sampled, readable document
(`DOCUMENT_COLUMNS`); a hit's `row` indexes it. Taggers that resolve short names need the document's
mention support: they set `needs_evidence`, and the stage hands them `docs.evidence`, which the
mention tagger (`provides_evidence`) computes in the same pass as its own hits. Built-in taggers
and user taggers are found by name through `tagging.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.errors import PrevalenceError
from prevalence.tagging.line_breaks import other_line_breaks

if TYPE_CHECKING:
    from prevalence.catalog import Catalog
    from prevalence.classifier.model import ArchetypeModel
    from prevalence.config import RunConfig

ROLES = ("mention", "speaker", "author")

# One row per hit: which document (`row` of Documents.batch), which persona in which role, how much.
HIT_ROWS_SCHEMA = pa.schema(
    [
        pa.field("row", pa.int32(), nullable=False),
        pa.field("persona_id", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("tokens", pa.int64()),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        # Word indexes of mentions (window co-occurrence); null for other hits.
        pa.field("positions", pa.list_(pa.int32())),
        # The persona's name as written, for personas the catalog lacks (their display name).
        pa.field("name", pa.string()),
    ]
)
DOCUMENT_SCHEMA = pa.schema([("doc_id", pa.string()), ("text", pa.string()), ("normalised", pa.string()), ("source", pa.string()),
                             ("speaker", pa.string()), ("author", pa.string()), ("n_tokens", pa.int64())])
DOCUMENT_COLUMNS = tuple(DOCUMENT_SCHEMA.names)


@dataclass(frozen=True)
class Documents:
    """What a tagger reads: `batch` (DOCUMENT_COLUMNS: raw text with its line breaks, `normalised`
    text with runs of whitespace as one space, the document-level `source`, the record's speaker
    and author fields, and `n_tokens`), and per document the mention support `evidence`
    ({persona index: full-alias mentions + cue occurrences}) once a mention tagger has computed it."""

    batch: pa.RecordBatch
    evidence: tuple[dict[int, int], ...] | None = None

    @classmethod
    def of(cls, texts: list[str], source: str = "corpus", speakers: list | None = None, authors: list | None = None) -> "Documents":
        """Documents from plain texts (tests, notebooks, a tagger's own checks); ids are `d0`, `d1`, ..."""
        n = len(texts)
        return cls(pa.RecordBatch.from_pydict({
            "doc_id": [f"d{i}" for i in range(n)], "text": texts, "normalised": [" ".join(t.split()) for t in texts],
            "source": [source] * n, "speaker": speakers or [None] * n, "author": authors or [None] * n,
            "n_tokens": pa.array([len(t.split()) for t in texts], pa.int64()),
        }, schema=DOCUMENT_SCHEMA))

    def __len__(self) -> int:
        return self.batch.num_rows

    def column(self, name: str) -> list:
        """One column as Python values, converted once per Documents and shared by the taggers that read
        it (read it, do not change it)."""
        cache = self.__dict__.setdefault("_columns", {})  # the dataclass is frozen; its cache is not a field
        if name not in cache:
            cache[name] = self.batch.column(name).to_pylist()
        return cache[name]

    def lowered(self, name: str) -> pa.Array:
        """One string column through Arrow's `utf8_lower`, computed once per Documents and shared by the
        taggers and stages that lower it (`tagging.lowercase` makes it equal `str.lower()`)."""
        cache = self.__dict__.setdefault("_lowered", {})
        if name not in cache:
            cache[name] = pc.utf8_lower(self.batch.column(name))
        return cache[name]

    def odd_case(self) -> np.ndarray:
        """Per document, whether its text holds a character that Arrow lowers unlike `str.lower()`
        (`lowercase.odd_rows`): computed once, and true of the normalised text alike."""
        cache = self.__dict__.setdefault("_odd_case", {})
        if "text" not in cache:
            from prevalence.tagging.lowercase import odd_rows

            cache["text"] = odd_rows(self.batch.column("text"))
        return cache["text"]

    def other_line_breaks(self, name: str = "text") -> np.ndarray | None:
        """Per document, whether the column's text breaks lines with anything but `\n`
        (`line_breaks.other_line_breaks`), computed once and shared; None without the compiled kernel."""
        cache = self.__dict__.setdefault("_other_breaks", {})
        if name not in cache:
            cache[name] = other_line_breaks(self.batch.column(name))
        return cache[name]

    def literal_rows(self, tagger: str) -> np.ndarray | None:
        """Per document, whether one of the literals a tagger asked the evidence provider to find
        (`Tagger.prefilter_literals`) occurs in its lowercased normalised text; None where they were not
        looked for (no provider that can, or not yet)."""
        return self.__dict__.get("_literal_rows", {}).get(tagger)

    def note_literal_rows(self, tagger: str, rows: np.ndarray) -> None:
        """What the evidence provider found of a tagger's literals (`literal_rows`)."""
        self.__dict__.setdefault("_literal_rows", {})[tagger] = rows

    def with_evidence(self, evidence: list[dict[int, int]]) -> "Documents":
        """The same documents with their mention support; the converted and lowered columns go along."""
        documents = replace(self, evidence=tuple(evidence))
        for cache in ("_columns", "_lowered", "_other_breaks", "_odd_case", "_literal_rows"):  # made from the same batch: shared
            documents.__dict__[cache] = self.__dict__.setdefault(cache, {})
        return documents


@dataclass(frozen=True)
class TaggerContext:
    """What building a tagger may use: the run's catalog, its archetype model (or None) and config."""

    catalog: "Catalog"
    model: "ArchetypeModel | None" = None
    config: "RunConfig | None" = None


class Tagger:
    """Base class of taggers. Subclasses implement `tag`; `build` may return None when the tagger has
    nothing to do in a run (no model, no persona of its kind)."""

    name: ClassVar[str] = ""
    role: ClassVar[str] = ""
    needs_evidence: ClassVar[bool] = False
    provides_evidence: ClassVar[bool] = False

    def __init__(self, catalog: "Catalog"):
        self.catalog = catalog

    @classmethod
    def build(cls, context: TaggerContext) -> "Tagger | None":
        """The tagger for a run; by default `cls(catalog)`."""
        return cls(context.catalog)

    def tag(self, docs: Documents) -> pa.Table:
        """Hit rows (HIT_ROWS_SCHEMA) for the documents of `docs`."""
        raise NotImplementedError

    def scan(self, docs: Documents) -> tuple[pa.Table, list[dict[int, int]]]:
        """(hit rows, evidence per document): taggers that provide evidence implement this."""
        raise NotImplementedError(f"tagger {self.name!r} does not provide mention evidence")

    def prefilter_literals(self) -> tuple[str, ...]:
        """Lowercase literals that the evidence provider may look for in the same pass as its own keys,
        in each document's lowercased normalised text (`Documents.literal_rows`), where that saves this
        tagger a pass of its own. None by default."""
        return ()


class HitRows:
    """Collects hit rows column by column and builds one HIT_ROWS_SCHEMA table."""

    def __init__(self) -> None:
        # One list per column of HIT_ROWS_SCHEMA, in its order (appended to directly: a call per hit).
        self._lists: tuple[list, ...] = tuple([] for _ in HIT_ROWS_SCHEMA)

    def add(self, row: int, persona_id: str, role: str, count: int, tokens: int | None = None, score: float = 1.0,
            method: str = "", positions: list[int] | None = None, name: str | None = None) -> None:
        rows, personas, roles, counts, tokens_, scores, methods, positions_, names = self._lists
        rows.append(row)
        personas.append(persona_id)
        roles.append(role)
        counts.append(count)
        tokens_.append(tokens)
        scores.append(score)
        methods.append(method)
        positions_.append(positions)
        names.append(name)

    def table(self) -> pa.Table:
        return pa.table(dict(zip(HIT_ROWS_SCHEMA.names, self._lists)), schema=HIT_ROWS_SCHEMA)


def hit_rows(table: pa.Table, tagger: str) -> pa.Table:
    """A tagger's output as HIT_ROWS_SCHEMA: missing optional columns get their defaults (count 1,
    score 1.0, method = the tagger's name); a missing required column is an error naming the tagger."""
    n = table.num_rows
    defaults = {"count": pa.array([1] * n, pa.int64()), "tokens": pa.nulls(n, pa.int64()), "score": pa.array([1.0] * n),
                "method": pa.array([tagger] * n, pa.string()), "positions": pa.nulls(n, pa.list_(pa.int32())),
                "name": pa.nulls(n, pa.string())}
    columns = []
    for f in HIT_ROWS_SCHEMA:
        if f.name in table.column_names:
            columns.append(table.column(f.name).cast(f.type))
        elif f.name in defaults:
            columns.append(defaults[f.name])
        else:
            raise PrevalenceError(f"tagger {tagger!r} returned hits without the column {f.name!r}")
    out = pa.Table.from_arrays(columns, schema=HIT_ROWS_SCHEMA)
    roles = set(out.column("role").unique().to_pylist())
    if not roles <= set(ROLES):
        raise PrevalenceError(f"tagger {tagger!r} returned the role(s) {', '.join(sorted(roles - set(ROLES)))}; roles are {', '.join(ROLES)}")
    return out
