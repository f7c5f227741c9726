"""Rows of the corpus-sized tables, and the files a partition writes them to: `documents` and
`persona_hits` from batches of kept documents that carry their near-duplicate cluster
(`spark.clusters`), `rejects` from batches of tagged rows.

The passes that count write them from their own partitions as they count (`spark.aggregate`: the
corpus counts write rejects, the persona counts the other two, each partition sorted by doc_id), so no
pass reads the rows again for them. Each partition writes one file per table,
named by the partition, under a temporary name that is renamed when the partition is complete: a
retried task writes the same rows to the same file, and a failed one leaves no file.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from prevalence.stages import HIT_TYPE

DOCUMENTS_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("shard", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("n_chars", pa.int64(), nullable=False),
        pa.field("n_tokens", pa.int64(), nullable=False),
        pa.field("cluster_id", pa.string()),
        pa.field("cluster_size", pa.int64()),
        pa.field("sample_weight", pa.float64(), nullable=False),
    ]
)
PERSONA_HITS_SCHEMA = pa.schema([pa.field("doc_id", pa.string(), nullable=False), *HIT_TYPE])
REJECTS_SCHEMA = pa.schema(
    [
        pa.field("shard", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("excerpt", pa.string()),
    ]
)
CORPUS_ROW_SCHEMAS = {"documents": DOCUMENTS_SCHEMA, "persona_hits": PERSONA_HITS_SCHEMA, "rejects": REJECTS_SCHEMA}


def document_rows(batch: pa.RecordBatch, sample_weight: float) -> pa.RecordBatch:
    """DOCUMENTS_SCHEMA rows of a batch of kept documents, each weighted `sample_weight` (1 / the sample fraction)."""
    columns = [batch.column(f.name).cast(f.type) for f in list(DOCUMENTS_SCHEMA)[:-1]]
    weight = pa.array([sample_weight] * batch.num_rows, pa.float64())
    return pa.RecordBatch.from_arrays([*columns, weight], schema=DOCUMENTS_SCHEMA)


def hit_rows(batch: pa.RecordBatch) -> pa.RecordBatch:
    """PERSONA_HITS_SCHEMA rows of a batch of kept documents: one per hit, with its document's id."""
    hits = batch.column("hits")
    flat = pc.list_flatten(hits)
    doc_id = batch.column("doc_id").take(pc.list_parent_indices(hits))
    return pa.RecordBatch.from_arrays([doc_id, *(flat.field(f.name).cast(f.type) for f in HIT_TYPE)], schema=PERSONA_HITS_SCHEMA)


def reject_rows(batch: pa.RecordBatch) -> pa.RecordBatch:
    """REJECTS_SCHEMA rows of a batch of tagged rows: those with a reject reason."""
    rejected = batch.filter(pc.is_valid(batch.column("reject_reason")))
    return pa.RecordBatch.from_arrays([rejected.column(c).cast(f.type) for c, f in zip(("shard", "position", "reject_reason", "excerpt"),
                                                                                     REJECTS_SCHEMA)], schema=REJECTS_SCHEMA)


class PartitionFiles:
    """One Parquet file per table for one partition: `folder/part-NNNNN.parquet`, written as batches
    come and renamed into place by `close` (tables without a row get no file)."""

    def __init__(self, folders: dict[str, str], schemas: dict[str, pa.Schema], partition: int, attempt: int = 0):
        self.final = {table: os.path.join(folder, f"part-{partition:05d}.parquet") for table, folder in folders.items()}
        # Hidden while partial (readers and globs skip dot files): .part-NNNNN.parquet.<pid>-<attempt>
        self.partial = {table: os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}-{attempt}")
                        for table, path in self.final.items()}
        self.schemas = schemas
        self.writers: dict[str, pq.ParquetWriter] = {}

    def write(self, table: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        if table not in self.writers:
            os.makedirs(os.path.dirname(self.partial[table]), exist_ok=True)
            self.writers[table] = pq.ParquetWriter(self.partial[table], self.schemas[table], compression="zstd")
        self.writers[table].write_batch(batch)

    def close(self) -> None:
        """Finish every file and move it into place."""
        for table, writer in self.writers.items():
            writer.close()
            os.replace(self.partial[table], self.final[table])
        self.writers = {}

    def abort(self) -> None:
        """Remove the partial files (the task failed; a retry writes them again)."""
        for table, writer in self.writers.items():
            writer.close()
            os.remove(self.partial[table])
        self.writers = {}


def finish_table_folder(folder: str, schema: pa.Schema) -> None:
    """After every partition wrote its file: remove what failed attempts left (a killed worker cannot
    clean up), and write an empty file of `schema` when no partition had a row (no kept document, or no hit)."""
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.startswith(".part-"):
            os.remove(os.path.join(folder, name))
    if not any(name.endswith(".parquet") for name in os.listdir(folder)):
        pq.write_table(schema.empty_table(), os.path.join(folder, "part-00000.parquet"), compression="zstd")
