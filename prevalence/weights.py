"""Prevalence weights for other projects: persona id, name, weight and interval (contract: schemas/weights.md)."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from prevalence.errors import PrevalenceError

FORMAT_NAME = "persona-prevalence-weights"
FORMAT_VERSION = 1
FORMATS = ("json", "csv", "parquet")
NORMALIZE = ("none", "sum", "max")
WEIGHTS_SCHEMA = pa.schema(
    [
        ("format_version", pa.int32()),
        ("persona_id", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("role", pa.string()),
        ("measure", pa.string()),
        ("weight", pa.float64()),
        ("low", pa.float64()),
        ("high", pa.float64()),
        ("docs", pa.int64()),
    ]
)


def measure_of(role: str, dedup: bool, adjusted: bool) -> tuple[str, str, str]:
    """(share column, low column, high column) a weight is read from."""
    if adjusted:
        return "adjusted_share", "adjusted_ci_low", "adjusted_ci_high"
    if dedup:
        return "unique_doc_share", "unique_ci_low", "unique_ci_high"
    if role in ("speaker", "author"):
        return "token_share", "token_ci_low", "token_ci_high"
    return "doc_share", "ci_low", "ci_high"


def weights_table(prevalence: pa.Table, role: str, normalize: str, measure: tuple[str, str, str], min_docs: int) -> pa.Table:
    """Rows of one role with at least `min_docs` documents, weight = the measure, normalised.

    `sum` divides weights and interval ends by the sum of weights (so weights sum to 1), `max` by the
    largest weight; the interval ends are scaled by the same constant (the normaliser's own
    uncertainty is not propagated).
    """
    if normalize not in NORMALIZE:
        raise PrevalenceError(f"--normalize must be one of {', '.join(NORMALIZE)}, got {normalize!r}")
    share, low, high = measure
    if share == "adjusted_share" and all(v is None for v in prevalence.column(share).to_pylist()):
        raise PrevalenceError(f"this run has no adjusted shares for role {role!r}: run it with --audit CSV")
    rows = [r for r in prevalence.to_pylist() if r["role"] == role and r["docs"] >= max(min_docs, 1) and r[share] is not None]
    if not rows:
        raise PrevalenceError(f"no persona of role {role!r} has {max(min_docs, 1)} or more documents and a {share}")
    rows.sort(key=lambda r: (-r[share], r["persona_id"]))
    total = sum(r[share] for r in rows) if normalize == "sum" else max(r[share] for r in rows) if normalize == "max" else 1.0
    scale = 1.0 / total if total else 1.0
    return pa.Table.from_pylist(
        [
            {
                "format_version": FORMAT_VERSION, "persona_id": r["persona_id"], "name": r["name"], "kind": r["kind"],
                "role": role, "measure": share, "weight": r[share] * scale,
                "low": None if r[low] is None else r[low] * scale, "high": None if r[high] is None else r[high] * scale,
                "docs": r["docs"],
            }
            for r in rows
        ],
        schema=WEIGHTS_SCHEMA,
    )


def write_weights(table: pa.Table, path: str, fmt: str, run_info: dict) -> None:
    """Write weights as JSON (with a header object), CSV or Parquet (header in the schema metadata)."""
    if fmt not in FORMATS:
        raise PrevalenceError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise PrevalenceError(f"output folder does not exist: {parent}")
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **run_info}
    if fmt == "json":
        document = {**header, "personas": [{k: v for k, v in r.items() if k != "format_version"} for r in table.to_pylist()]}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False)
            f.write("\n")
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table.replace_schema_metadata({b"persona_prevalence": json.dumps(header).encode()}), path)
