"""Per-persona totals and the bootstrap's replicate sums in one pass over the clustered documents.

A partition of documents (one row each: its bootstrap seed, cluster_id, n_tokens, hits and names)
gives, as rows of TOTALS_SCHEMA:
- `hit` rows per (persona, role): documents, distinct near-duplicate clusters, count and tokens;
- `name` rows per (persona, name as written): documents (the display names of ad-hoc personas);
- `any` rows per persona: documents that hold it in any role (co-occurrence's margins);
- `pair` rows per persona pair (persona_id the first, key the second) when the documents carry
  `pairs`: documents and distinct near-duplicate clusters (the `cooccurrence` table's counts);
- `replicates` rows per (persona, role) and `*`/`*`: Poisson-bootstrap sums (`stats.bootstrap`).
`sum_totals` adds the rows of one key up over partitions. Distinct clusters add up only when every
document of a cluster is in the same partition: the caller partitions the documents by cluster_id.
Sums follow SQL's: a total of nothing but nulls is null.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.stats.bootstrap import REPLICATE_VECTORS_SCHEMA, hit_rows_of_documents, partial_replicate_sums, sum_replicate_vectors

TOTALS_SCHEMA = pa.schema([
    ("kind", pa.string()), ("persona_id", pa.string()), ("key", pa.string()), ("docs", pa.int64()),
    ("unique_docs", pa.int64()), ("count", pa.int64()), ("tokens", pa.int64()), ("sums", pa.binary()),
])
_NUMBERS = ("docs", "unique_docs", "count", "tokens")


def _rows(kind: str, table: pa.Table, persona: str, key: str, **numbers: pa.Array) -> pa.Table:
    n = table.num_rows
    columns = {"kind": pa.array([kind] * n, pa.string()), "persona_id": table.column(persona), "key": table.column(key)}
    for name in _NUMBERS:
        columns[name] = numbers[name].cast(pa.int64()) if name in numbers else pa.nulls(n, pa.int64())
    columns["sums"] = pa.nulls(n, pa.binary())
    return pa.Table.from_pydict(columns, schema=TOTALS_SCHEMA)


class _PartitionTotals:
    """Totals of the documents of one partition, batch by batch."""

    def __init__(self) -> None:
        self.parts: list[pa.Table] = []  # additive rows: hit, name and any totals per batch
        self.clusters: list[pa.Table] = []  # distinct (persona, role, cluster_id) per batch
        self.pair_clusters: list[pa.Table] = []  # distinct (persona_a, persona_b, cluster_id) per batch

    def add(self, batch: pa.RecordBatch) -> None:
        hits = batch.column("hits")
        flat = pc.list_flatten(hits)
        parent = pc.list_parent_indices(hits)
        rows = pa.table({"persona_id": flat.field("persona_id"), "role": flat.field("role"), "count": flat.field("count"),
                         "tokens": flat.field("tokens"), "cluster_id": batch.column("cluster_id").take(parent), "doc": parent})
        per_key = rows.group_by(["persona_id", "role"], use_threads=False).aggregate(
            [([], "count_all"), ("count", "sum"), ("tokens", "sum")])
        self.parts.append(_rows("hit", per_key, "persona_id", "role", docs=per_key.column("count_all"),
                                count=per_key.column("count_sum"), tokens=per_key.column("tokens_sum")))
        self.clusters.append(rows.group_by(["persona_id", "role", "cluster_id"], use_threads=False).aggregate([]))
        # A document holds a persona in any role once (the batch holds the whole document).
        held = rows.group_by(["doc", "persona_id"], use_threads=False).aggregate([])
        anywhere = held.group_by("persona_id", use_threads=False).aggregate([([], "count_all")])
        anywhere = anywhere.append_column("key", pa.array(["*"] * anywhere.num_rows, pa.string()))
        self.parts.append(_rows("any", anywhere, "persona_id", "key", docs=anywhere.column("count_all")))
        names = pc.list_flatten(batch.column("names"))
        written = pa.table({"persona_id": names.field("persona_id"), "name": names.field("name")})
        written = written.group_by(["persona_id", "name"], use_threads=False).aggregate([([], "count_all")])
        self.parts.append(_rows("name", written, "persona_id", "name", docs=written.column("count_all")))
        if "pairs" in batch.schema.names:
            self._add_pairs(batch)

    def _add_pairs(self, batch: pa.RecordBatch) -> None:
        pairs = batch.column("pairs")
        flat = pc.list_flatten(pairs)  # a document lists a pair once
        rows = pa.table({"persona_id": flat.field("a"), "key": flat.field("b"),
                         "cluster_id": batch.column("cluster_id").take(pc.list_parent_indices(pairs))})
        per_pair = rows.group_by(["persona_id", "key"], use_threads=False).aggregate([([], "count_all")])
        self.parts.append(_rows("pair", per_pair, "persona_id", "key", docs=per_pair.column("count_all")))
        self.pair_clusters.append(rows.group_by(["persona_id", "key", "cluster_id"], use_threads=False).aggregate([]))

    def table(self) -> pa.Table:
        """The partition's hit, name, any and pair rows, one per key."""
        totals = _sum_numbers(pa.concat_tables(self.parts) if self.parts else TOTALS_SCHEMA.empty_table())
        unique = [_distinct_clusters("hit", self.clusters, "role"), _distinct_clusters("pair", self.pair_clusters, "key")]
        return _sum_numbers(pa.concat_tables([totals, *unique]))


def _distinct_clusters(kind: str, parts: list[pa.Table], key: str) -> pa.Table:
    """`kind` rows whose unique_docs are the distinct non-null cluster ids per (persona_id, `key`)
    over the batches' distinct (persona_id, key, cluster_id) rows."""
    if not parts:
        return TOTALS_SCHEMA.empty_table()
    distinct = pa.concat_tables(parts).group_by(["persona_id", key, "cluster_id"], use_threads=False).aggregate([])
    unique = distinct.group_by(["persona_id", key], use_threads=False).aggregate([("cluster_id", "count")])
    return _rows(kind, unique, "persona_id", key, unique_docs=unique.column("cluster_id_count"))


def _sum_numbers(rows: pa.Table) -> pa.Table:
    """One row per (kind, persona_id, key) with its numbers added up (null when all are null)."""
    summed = rows.group_by(["kind", "persona_id", "key"], use_threads=False).aggregate([(n, "sum") for n in _NUMBERS])
    return pa.Table.from_pydict({"kind": summed.column("kind"), "persona_id": summed.column("persona_id"), "key": summed.column("key"),
                                 **{n: summed.column(f"{n}_sum") for n in _NUMBERS}, "sums": pa.nulls(summed.num_rows, pa.binary())},
                                schema=TOTALS_SCHEMA)


def _totals_of_vectors(vectors: pa.RecordBatch) -> pa.RecordBatch:
    """REPLICATE_VECTORS_SCHEMA rows as TOTALS_SCHEMA `replicates` rows (the role as key)."""
    n = vectors.num_rows
    return pa.RecordBatch.from_pydict({
        "kind": pa.array(["replicates"] * n, pa.string()), "persona_id": vectors.column("persona_id"), "key": vectors.column("role"),
        **{name: pa.nulls(n, pa.int64()) for name in _NUMBERS}, "sums": vectors.column("sums")}, schema=TOTALS_SCHEMA)


def _vectors_of_totals(rows: pa.Table) -> pa.RecordBatch:
    """TOTALS_SCHEMA `replicates` rows as REPLICATE_VECTORS_SCHEMA rows."""
    return pa.RecordBatch.from_arrays([rows.column("persona_id").combine_chunks(), rows.column("key").combine_chunks(),
                                       rows.column("sums").combine_chunks()], schema=REPLICATE_VECTORS_SCHEMA)


def partial_totals(batches: Iterator[pa.RecordBatch], replicates: int) -> Iterator[pa.RecordBatch]:
    """TOTALS_SCHEMA rows of one partition of documents (doc_hash: the bootstrap seed, the document's or
    its cluster's hash; cluster_id; n_tokens; hits: persona_id, role, count, tokens; names: persona_id,
    name; optionally pairs: a, b), to be added up over partitions with `sum_totals`."""
    totals = _PartitionTotals()

    def documents() -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows:
                totals.add(batch)
                yield batch
    for vectors in partial_replicate_sums(hit_rows_of_documents(documents()), replicates):
        yield _totals_of_vectors(vectors)
    yield from totals.table().to_batches()


# Partial number rows a key partition holds before it adds them up (they are small: four integers a row).
MAX_HELD_ROWS = 1_000_000


def sum_totals(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """One TOTALS_SCHEMA row per key of a partition that holds every partial row of its keys. Batches
    are added in as they come: the replicate vectors by `stats.bootstrap.sum_replicate_vectors` (a key
    partition may receive one per key and document partition), the number rows compacted now and then."""
    numbers: list[pa.Table] = []
    held = 0

    def vectors() -> Iterator[pa.RecordBatch]:
        nonlocal numbers, held
        for batch in batches:
            if not batch.num_rows:
                continue
            rows = pa.Table.from_batches([batch])
            replicate = pc.equal(rows.column("kind"), "replicates")
            yield _vectors_of_totals(rows.filter(replicate))
            plain = rows.filter(pc.invert(replicate))
            numbers.append(plain)
            held += plain.num_rows
            if held > MAX_HELD_ROWS:
                numbers = [_sum_numbers(pa.concat_tables(numbers))]
                held = numbers[0].num_rows
    summed = [_totals_of_vectors(b) for b in sum_replicate_vectors(vectors())]
    if numbers:
        yield from _sum_numbers(pa.concat_tables(numbers)).to_batches()
    yield from summed
