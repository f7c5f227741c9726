"""The typed configuration of one run, built from CLI flags and passed down (no globals)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from prevalence.tagging.pairs import PairOptions

FORMATS = ("auto", "jsonl", "parquet", "text")
TEXT_UNITS = ("file", "blocks")


@dataclass(frozen=True)
class ReadOptions:
    """How shards are parsed into documents."""

    format: str = "auto"
    text_field: str = "text"
    # Records that carry this field use it as doc_id; others get a stable hash of shard + position.
    id_field: str = "id"
    # Transcript records whose text is spoken by one speaker name this field (role `speaker`).
    speaker_field: str = "speaker"
    # Fields naming a document's author(s) (role `author`): a string or a list of strings; dotted
    # paths reach nested objects (`meta.author`).
    author_fields: tuple[str, ...] = ("author", "byline", "meta.author")
    # Training corpora only (`train-classifier`): the field holding a document's label, and an optional
    # field grouping documents that must fall on the same side of the held-out split (a book, a site).
    label_field: str | None = None
    group_field: str | None = None
    # Plain-text files: one document per file, or one per blank-line-separated block.
    text_unit: str = "file"
    # Documents longer than this many characters are rejected as `oversized`.
    max_doc_chars: int = 2_000_000
    # Documents per Arrow batch produced by a worker.
    batch_rows: int = 1024


@dataclass(frozen=True)
class DedupOptions:
    """Near-duplicate clustering: MinHash over word shingles, LSH banding, connected components."""

    enabled: bool = True
    threshold: float = 0.8
    num_perm: int = 128
    shingle_size: int = 5
    seed: int = 1
    # Keep an LSH candidate pair only if its signatures agree on at least `threshold` of their values.
    verify: bool = True


@dataclass(frozen=True)
class RunConfig:
    """Everything `prevalence run` needs."""

    corpus: tuple[str, ...]
    out: str
    catalog: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    dedup: DedupOptions = field(default_factory=DedupOptions)
    master: str = "local[*]"
    overwrite: bool = False
    # Extra Spark settings on top of spark-defaults.conf (key -> value).
    spark_conf: tuple[tuple[str, str], ...] = ()
    interval_level: float = 0.95
    # Share of documents to tag, selected by a stable hash of doc_id (1.0: all).
    sample_fraction: float = 1.0
    # Poisson bootstrap replicates for token-share and ratio intervals and tagger-error correction.
    replicates: int = 200
    # Tagger error rates (confusion counts per persona and role) for adjusted shares; None: no correction.
    audit: str | None = None
    # Author-archetype classifier: "default" (trained by the project from data it ships), a model
    # directory written by `train-classifier`, or "none".
    archetypes: str = "default"
    # Override the model's probability threshold and labels per document (the held-out error rates then
    # no longer apply, so shares are not corrected).
    archetype_threshold: float | None = None
    archetype_top_k: int | None = None
    # The co-occurrence table of persona pairs (hybrid personas).
    pairs: PairOptions = field(default_factory=PairOptions)
    # Keep the shards an interrupted run of the same RUN_DIR finished, and tag only the rest.
    resume: bool = False
    # Add the corpus paths to the existing run RUN_DIR (its tagged shards are reused).
    append: bool = False

    def parameters(self) -> dict:
        """The parameters that determine the tables, for the manifest."""
        return {
            "read": asdict(self.read), "dedup": asdict(self.dedup), "interval_level": self.interval_level,
            "sample_fraction": self.sample_fraction, "replicates": self.replicates, "audit": self.audit,
            "archetypes": self.archetypes, "archetype_threshold": self.archetype_threshold, "archetype_top_k": self.archetype_top_k,
            "pairs": asdict(self.pairs),
        }


def append_config(manifest: dict, run_dir: str, new_paths: tuple[str, ...], master: str, spark_conf: tuple) -> RunConfig:
    """The RunConfig of `run --append RUN_DIR NEW...`: the run's own corpus, catalog and parameters,
    with the new paths added, so the result equals one run over all of them."""
    p = manifest["parameters"]
    read = dict(p["read"])
    read["author_fields"] = tuple(read.get("author_fields") or ())
    return RunConfig(
        corpus=tuple(manifest["corpus"]["paths"]) + tuple(new_paths), out=run_dir, catalog=manifest["catalog"]["origin"],
        read=ReadOptions(**read), dedup=DedupOptions(**p["dedup"]), master=master, overwrite=True, spark_conf=spark_conf,
        interval_level=p["interval_level"], sample_fraction=p["sample_fraction"], replicates=p["replicates"], audit=p["audit"],
        archetypes=p["archetypes"], archetype_threshold=p["archetype_threshold"], archetype_top_k=p["archetype_top_k"],
        pairs=PairOptions(**p["pairs"]), append=True,
    )
