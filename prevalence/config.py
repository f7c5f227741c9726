"""The typed configuration of one run, built from CLI flags or the Python API and passed down.

Every run option is declared once, on its dataclass field (`option(...)`): default, flag, help and
validation. The CLI (`cli.add_run_arguments`), validation (`RunConfig.__post_init__`), the manifest's
parameters, the shard store's key and `run --append` all derive from those declarations.
This module imports nothing from the rest of the package but `errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass
from typing import Any

from prevalence.errors import PrevalenceError

FORMATS = ("auto", "jsonl", "parquet", "text")
TEXT_UNITS = ("file", "blocks")

# Field metadata keys.
_FLAG, _HELP, _CHECK, _CHOICES, _NEGATE, _REPEAT, _METAVAR, _ESTIMATE = (
    "flag", "help", "check", "choices", "negate", "repeat", "metavar", "estimate_only")


def option(default: Any, flag: str | None, help: str, *, check: Callable[[Any], str | None] | None = None,
           choices: tuple | None = None, negate: bool = False, repeat: bool = False, metavar: str | None = None,
           estimate_only: bool = False) -> Any:
    """A dataclass field that is also a run option.

    `flag` is its CLI flag (None: Python API only); `check(value)` returns an error message or None;
    `negate` makes a boolean field a `--no-...` switch; `repeat` collects a repeatable flag into a tuple;
    `estimate_only` options change the estimate but not the tagged shards (so `--resume` may differ).
    """
    meta = {_FLAG: flag, _HELP: help, _CHECK: check, _CHOICES: choices, _NEGATE: negate, _REPEAT: repeat,
            _METAVAR: metavar, _ESTIMATE: estimate_only}
    return field(default=default, metadata=meta)


def positive(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "must be a positive integer"


def non_negative(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else "must be 0 or more"


def open_unit(value: Any) -> str | None:
    return None if isinstance(value, (int, float)) and 0 < value < 1 else "must be between 0 and 1 (exclusive)"


def fraction(value: Any) -> str | None:
    return None if isinstance(value, (int, float)) and 0 < value <= 1 else "must be in (0, 1]"


def _optional(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else check(value)


def _one_of(values: tuple) -> Callable[[Any], str | None]:
    return lambda value: None if value in values else f"must be one of {', '.join(values)}"


def _field_names(value: Any) -> str | None:
    return None if isinstance(value, tuple) and all(isinstance(v, str) and v for v in value) else "must be field names"


@dataclass(frozen=True)
class ReadOptions:
    """How shards are parsed into documents."""

    format: str = option("auto", "--format", "shard format (default: from the file name)", choices=FORMATS)
    text_field: str = option("text", "--text-field", "field holding the document text (dotted for nested JSON)")
    id_field: str = option("id", "--id-field", "field holding a document id; documents without one get a stable hash")
    speaker_field: str = option("speaker", "--speaker-field", "field naming the speaker of a transcript record (role speaker)")
    source_field: str = option("source", "--source-field", "field naming a record's source, which scopes one-word ad-hoc "
                               "names (default: the top folder under the corpus root)")
    author_fields: tuple[str, ...] = option(
        ("author", "byline", "meta.author"), "--author-field",
        "field naming a document's author(s), dotted for nested JSON (repeatable)", repeat=True, metavar="FIELD", check=_field_names)
    # Training corpora only (`train-classifier`): the label field, and a field grouping documents that
    # must fall on the same side of the held-out split (a book, a site).
    label_field: str | None = option(None, None, "field holding each document's label")
    group_field: str | None = option(None, None, "field grouping documents of one held-out side")
    text_unit: str = option("file", "--text-unit", "plain text: one document per file or per blank-line block", choices=TEXT_UNITS)
    max_doc_chars: int = option(2_000_000, "--max-doc-chars", "longer documents are rejected as oversized", check=positive)
    batch_rows: int = option(1024, None, "documents per Arrow batch produced by a worker", check=positive)
    split_mb: int = option(256, "--split-mb", "split uncompressed JSONL and Parquet shards larger than this many MB into "
                           "work units of about this size, one task each (0: one task per shard)", check=non_negative)

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True)
class DedupOptions:
    """Near-duplicate clustering: MinHash over word shingles, LSH banding, connected components."""

    enabled: bool = option(True, "--no-dedup", "skip near-duplicate clustering", negate=True)
    threshold: float = option(0.8, "--dedup-threshold", "Jaccard threshold of near-duplicates", check=open_unit)
    num_perm: int = option(128, "--num-perm", "MinHash permutations", check=positive)
    shingle_size: int = option(5, "--shingle-size", "words per shingle", check=positive)
    seed: int = option(1, None, "MinHash seed", check=non_negative)
    verify: bool = option(True, "--no-verify", "link LSH candidates without checking their estimated Jaccard", negate=True)

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True)
class PairOptions:
    """How the co-occurrence table (hybrid personas) is built."""

    enabled: bool = option(True, "--no-pairs", "skip the co-occurrence table", negate=True)
    window: int = option(0, "--pair-window", "co-occurrence window: 0 = the document, N = mentions within N words",
                         check=non_negative, metavar="WORDS")
    max_personas: int = option(20, "--pair-max-personas", "pairs per document among its top N personas", check=positive)
    min_docs: int = option(2, "--pair-min-docs", "keep pairs seen in at least N documents", check=positive)

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True)
class RunConfig:
    """Everything `prevalence run` needs. Invalid values raise PrevalenceError on construction."""

    corpus: tuple[str, ...] = option((), None, "corpus files, directories or globs")
    out: str = option("", None, "run directory")
    catalog: str | None = option(None, "--catalog", "persona catalog (.yaml or .csv); default: the bundled catalog")
    read: ReadOptions = field(default_factory=ReadOptions)
    dedup: DedupOptions = field(default_factory=DedupOptions)
    pairs: PairOptions = field(default_factory=PairOptions)
    taggers: tuple[str, ...] = option(
        (), "--tagger", "an extra tagger by registry name or module path (`mypkg.taggers:Villains`); repeatable",
        repeat=True, metavar="NAME|MODULE:CLASS", check=_field_names)
    sample_fraction: float = option(1.0, "--sample", "tag this share of documents, chosen by a stable hash of doc id",
                                    check=fraction, metavar="FRACTION")
    interval_level: float = option(0.95, "--interval-level", "confidence level of every interval", check=open_unit, estimate_only=True)
    # 1,000: at 200 the Monte Carlo error of a 95% percentile end is about 0.19 standard errors.
    replicates: int = option(1000, "--replicates", "Poisson bootstrap replicates for intervals", check=positive, estimate_only=True)
    audit: str | None = option(None, "--audit", "tagger error rates per persona and role (persona,role,tp,fn,fp,tn) for adjusted shares",
                               metavar="CSV", estimate_only=True)
    archetypes: str = option("default", "--archetypes", "author-archetype classifier: the bundled default, a directory from "
                             "train-classifier, or none", metavar="MODEL_DIR|default|none")
    archetype_threshold: float | None = option(None, "--archetype-threshold", "minimum probability of an archetype label "
                                               "(default: the model's)", check=_optional(open_unit))
    archetype_top_k: int | None = option(None, "--archetype-top-k", "archetype labels per document at most (default: the model's)",
                                         check=_optional(positive))
    master: str = option("local[*]", "--master", "Spark master URL")
    spark_conf: tuple[tuple[str, str], ...] = option((), None, "extra Spark settings (key, value)")
    overwrite: bool = option(False, "--overwrite", "replace an existing run directory")
    resume: bool = option(False, "--resume", "after an interrupted run of the same RUN_DIR: tag only the shards it did not finish")
    append: bool = option(False, None, "add the corpus paths to the existing run RUN_DIR")

    def __post_init__(self) -> None:
        validate(self)
        if isinstance(self.corpus, (str, list)):
            object.__setattr__(self, "corpus", (self.corpus,) if isinstance(self.corpus, str) else tuple(self.corpus))
        if not self.corpus:
            raise PrevalenceError("a run needs at least one corpus path")
        if not self.out:
            raise PrevalenceError("a run needs an output directory (out)")

    def parameters(self) -> dict:
        """The parameters that determine the tables, for the manifest (and `--append`)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in RUN_ENVIRONMENT}

    def tagging_parameters(self) -> dict:
        """The parameters the tagged shards depend on: a resumed or appended run must match them."""
        estimate_only = {f.name for f in fields(self) if f.metadata.get(_ESTIMATE)}
        return {k: v for k, v in self.parameters().items() if k not in estimate_only}


# Where and how a run executes, not what it computes: kept out of the manifest's parameters.
RUN_ENVIRONMENT = ("corpus", "out", "catalog", "master", "spark_conf", "overwrite", "resume", "append")


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) else value


def validate(options: Any) -> None:
    """Check each declared option of a dataclass; PrevalenceError names the first bad one."""
    for f in fields(options):
        value = getattr(options, f.name)
        choices, check = f.metadata.get(_CHOICES), f.metadata.get(_CHECK)
        problem = _one_of(choices)(value) if choices else None
        problem = problem or (check(value) if check else None)
        if problem:
            name = f.metadata.get(_FLAG) or f.name
            raise PrevalenceError(f"{name} {problem}, got {value!r}")


def declared_options(cls: type = RunConfig, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, dataclass field) of every option a CLI flag can set, nested options included."""
    out = []
    for f in fields(cls):
        if f.default_factory is not MISSING and is_dataclass(f.default_factory):
            out += declared_options(f.default_factory, f"{prefix}{f.name}.")
        elif f.metadata.get(_FLAG):
            out.append((prefix + f.name, f))
    return out


def config_from(values: dict[str, Any], **run: Any) -> RunConfig:
    """A RunConfig from dotted option paths (`read.text_field`) and run fields (corpus, out, ...);
    paths left out keep their declared defaults."""
    nested: dict[str, dict[str, Any]] = {}
    flat: dict[str, Any] = {}
    for path, value in values.items():
        head, _, tail = path.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            flat[head] = value
    kinds = {f.name: f.default_factory for f in fields(RunConfig) if f.default_factory is not MISSING}
    return RunConfig(**flat, **{k: kinds[k](**v) for k, v in nested.items()}, **run)


def from_parameters(parameters: dict, **run: Any) -> RunConfig:
    """The RunConfig whose `parameters()` are these (a manifest's), with run fields added."""
    values: dict[str, Any] = {}
    for name, value in parameters.items():
        if isinstance(value, dict):
            values.update({f"{name}.{k}": tuple(v) if isinstance(v, list) else v for k, v in value.items()})
        else:
            values[name] = tuple(value) if isinstance(value, list) else value
    return config_from(values, **run)
