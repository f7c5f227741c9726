"""A labelled corpus read by the project's own readers: texts, labels, groups and sources."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.errors import PrevalenceError


@dataclass
class LabelledCorpus:
    texts: list[str]
    labels: list[str]
    groups: list[str]
    rejected: Counter
    unlabelled: int
    sources: list[str] = field(default_factory=list)


def read_labelled(paths: list[str], opts: ReadOptions) -> LabelledCorpus:
    """Documents with their labels and groups (the group defaults to the document id)."""
    if not opts.label_field:
        raise PrevalenceError("train-classifier needs --label-field naming the field that holds each document's label")
    shards, _ = list_shards(paths, opts.format)
    corpus = LabelledCorpus([], [], [], Counter(), 0)
    for shard in shards:
        for batch in read_shard(shard, opts):
            for row in batch.select(["doc_id", "text", "label", "group", "source", "reject_reason"]).to_pylist():
                if row["reject_reason"]:
                    corpus.rejected[row["reject_reason"]] += 1
                elif not row["label"]:
                    corpus.unlabelled += 1
                else:
                    corpus.texts.append(row["text"])
                    corpus.labels.append(row["label"].strip().lower().replace(" ", "_"))
                    corpus.groups.append(row["group"] or row["doc_id"])
                    corpus.sources.append(row["source"])
    if len(set(corpus.labels)) < 2:
        raise PrevalenceError(f"train-classifier needs at least two labels in field {opts.label_field!r}; found {sorted(set(corpus.labels)) or 'none'}")
    return corpus
