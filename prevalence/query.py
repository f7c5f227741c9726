"""Read-only DuckDB over a run's Parquet tables: rank, compare, and any SELECT.

The connection can read only the run directory (DuckDB's allowed_directories with external access
off, configuration locked), and `sql` accepts SELECT statements only. Persona names are bound as
parameters, never pasted into SQL. Every query runs under a memory limit (DuckDB's memory_limit, set
before the configuration is locked) and `sql` under a timeout, so a runaway join ends with a message.
"""

from __future__ import annotations

import glob
import os
import threading

import duckdb
import numpy as np
import pyarrow as pa

from prevalence.catalog import Catalog, Persona, catalog_from_arrow, resolve
from prevalence.errors import PrevalenceError
from prevalence.estimate import LOW_SUPPORT
from prevalence.stats.bootstrap import percentile_interval
from prevalence.stats.exact import count_ratio_interval, document_ratio_interval, verdict
from prevalence.tables import SCHEMAS, read_manifest, table_glob

RANK_BY = ("docs", "unique_docs", "count", "tokens")
SQL_TIMEOUT_S = 60.0
MEMORY_LIMIT = "4GB"
PAIRS_BY = ("llr", "pmi", "npmi", "docs", "log_odds_ratio")


class Run:
    """A committed run directory, opened for queries."""

    def __init__(self, run_dir: str, memory_limit: str = MEMORY_LIMIT):
        self.path = os.path.abspath(run_dir)
        self.manifest = read_manifest(self.path)
        self.memory_limit = memory_limit
        self.con = duckdb.connect(":memory:")
        try:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        except duckdb.Error as error:
            raise PrevalenceError(f"--memory-limit {memory_limit!r}: {_first_line(error)}") from None
        self.con.execute("SET allowed_directories = [?]", [self.path + os.sep])
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")
        self.tables = [t for t in SCHEMAS if glob.glob(table_glob(self.path, t))]
        for table in self.tables:  # a run from an older version may lack newer tables
            pattern = table_glob(self.path, table)
            # The path is ours, not the user's SQL; quote it for the one statement that must embed it.
            self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern.replace(chr(39), chr(39) * 2)}')")
        self._catalog: Catalog | None = None
        self.audit_path: str | None = None

    def with_audit(self, labels_path: str) -> "Run":
        """The run with shares corrected by a labelled audit sample (`prevalence audit`): the audited
        personas' adjusted_share and interval come from the labels, at query time, from the stored
        counts (no Spark). Returns self."""
        from prevalence.audit import adjust_share, load_labels

        counts = load_labels(labels_path)
        known = {p.id for p in self.catalog.personas}
        level = self.manifest.get("parameters", {}).get("interval_level", 0.95)
        total = self.manifest["counts"]["documents_kept"]
        rows = []
        for (pid, role), c in sorted(counts.items()):
            if pid not in known:
                raise PrevalenceError(f"labels file {labels_path}: persona {pid!r} is not in this run")
            _, share, low, high = adjust_share(c, total, level)
            rows.append({"persona_id": pid, "role": role, "a_share": share, "a_low": low, "a_high": high})
        self.con.register("audit_adjustments", pa.Table.from_pylist(rows, schema=pa.schema(
            [("persona_id", pa.string()), ("role", pa.string()), ("a_share", pa.float64()), ("a_low", pa.float64()), ("a_high", pa.float64())])))
        pattern = table_glob(self.path, "prevalence").replace(chr(39), chr(39) * 2)
        self.con.execute(f"""
            CREATE OR REPLACE VIEW prevalence AS
            SELECT p.* REPLACE (coalesce(a.a_share, p.adjusted_share) AS adjusted_share,
                                coalesce(a.a_low, p.adjusted_ci_low) AS adjusted_ci_low,
                                coalesce(a.a_high, p.adjusted_ci_high) AS adjusted_ci_high,
                                CASE WHEN a.a_share IS NULL THEN p.adjustment ELSE 'audit_labels' END AS adjustment)
            FROM read_parquet('{pattern}') p LEFT JOIN audit_adjustments a USING (persona_id, role)""")
        self.audit_path = labels_path
        return self

    @property
    def catalog(self) -> Catalog:
        """The catalog the run was tagged with (its `personas` table)."""
        if self._catalog is None:
            self._catalog = catalog_from_arrow(self.con.sql("SELECT * FROM personas").to_arrow_table(), self.path)
        return self._catalog

    def persona(self, name: str) -> Persona:
        """Look a persona up by id, name or alias (case-insensitive)."""
        return resolve(self.catalog, name)

    def rank(self, role: str = "mention", top: int = 20, by: str = "docs", kind: str | None = None) -> pa.Table:
        """The top personas of one role (and kind, if given), largest first (by docs, unique_docs, count or
        tokens), with shares, intervals and adjusted shares."""
        if by not in RANK_BY:
            raise PrevalenceError(f"--by must be one of {', '.join(RANK_BY)}, got {by!r}")
        if top < 1:
            raise PrevalenceError(f"--top must be at least 1, got {top}")
        self._check_role(role)
        if by == "unique_docs" and not self.manifest.get("dedup"):
            raise PrevalenceError("this run was made without deduplication (--no-dedup); rank by docs instead")
        if kind is not None:
            kinds = [k for (k,) in self.con.sql("SELECT DISTINCT kind FROM prevalence WHERE role = ? ORDER BY 1", params=[role]).fetchall()]
            if kind not in kinds:
                raise PrevalenceError(f"no personas of kind {kind!r} in role {role}; kinds: {', '.join(kinds)}")
        return self.con.sql(
            f"""
            SELECT row_number() OVER (ORDER BY {by} DESC NULLS LAST, docs DESC, count DESC, persona_id) AS rank,
                   name, kind, docs, unique_docs, count, tokens, doc_share, ci_low, ci_high, token_share,
                   unique_doc_share, unique_ci_low, unique_ci_high, adjusted_share, adjusted_ci_low, adjusted_ci_high,
                   persona_id
            FROM prevalence WHERE role = ? AND {by} > 0 AND (? IS NULL OR kind = ?)
            ORDER BY rank LIMIT ?
            """,
            params=[role, kind, kind, top],
        ).to_arrow_table()

    def pairs(self, persona_id: str, top: int = 20, by: str = "llr") -> pa.Table:
        """The personas most associated with one (co-occurrence table), positively associated first:
        pairs with pmi > 0 ordered by `by` (llr, pmi, npmi, docs or log_odds_ratio)."""
        if by not in PAIRS_BY:
            raise PrevalenceError(f"--by must be one of llr, pmi, npmi, docs, log_odds_ratio, got {by!r}")
        if "cooccurrence" not in self.tables:
            raise PrevalenceError("this run has no co-occurrence table (made before it existed); rerun the job")
        return self.con.sql(
            f"""
            WITH mine AS (
                SELECT CASE WHEN persona_a = ? THEN persona_b ELSE persona_a END AS other,
                       CASE WHEN persona_a = ? THEN docs_b ELSE docs_a END AS docs_other, *
                FROM cooccurrence WHERE (persona_a = ? OR persona_b = ?) AND pmi > 0
            )
            SELECT row_number() OVER (ORDER BY {by} DESC NULLS LAST, docs DESC, other) AS rank,
                   p.name, p.kind, m.other AS persona_id, m.docs, m.unique_docs, m.docs_other, m.pmi, m.npmi,
                   m.log_odds_ratio, m.log_odds_ci_low, m.log_odds_ci_high, m.llr
            FROM mine m JOIN personas p ON p.persona_id = m.other
            ORDER BY rank LIMIT ?
            """,
            params=[persona_id, persona_id, persona_id, persona_id, top],
        ).to_arrow_table()

    def compare(self, a: str, b: str, role: str = "mention") -> dict:
        """Two personas side by side, with the ratio of A to B in docs and in count."""
        self._check_role(role)
        pa_, pb = self.persona(a), self.persona(b)
        rows = {}
        for p in (pa_, pb):
            fields = ("name", "kind", "docs", "count", "doc_share", "ci_low", "ci_high", "rank", "unique_docs", "unique_doc_share",
                      "tokens", "token_share", "adjusted_share", "adjusted_ci_low", "adjusted_ci_high")
            found = self.con.execute(
                f"SELECT {', '.join(fields)} FROM prevalence WHERE persona_id = ? AND role = ?", [p.id, role]
            ).fetchall()
            got = found[0] if found else None
            if got is None:
                raise PrevalenceError(f"persona {p.name!r} is not measured in role {role!r} in this run")
            rows[p.id] = dict(zip(fields, got))
        ra, rb = rows[pa_.id], rows[pb.id]
        level = self.manifest.get("parameters", {}).get("interval_level", 0.95)
        a_only, b_only, both = self.con.execute(
            """SELECT count(*) FILTER (WHERE n_a > 0 AND n_b = 0), count(*) FILTER (WHERE n_b > 0 AND n_a = 0),
                      count(*) FILTER (WHERE n_a > 0 AND n_b > 0)
               FROM (SELECT doc_id, count(*) FILTER (WHERE persona_id = ?) AS n_a, count(*) FILTER (WHERE persona_id = ?) AS n_b
                     FROM persona_hits WHERE role = ? AND persona_id IN (?, ?) GROUP BY doc_id)""",
            [pa_.id, pb.id, role, pa_.id, pb.id]).fetchall()[0]
        docs_interval = document_ratio_interval(a_only, b_only, both, level)
        tokens_interval = self._ratio_interval(pa_.id, pb.id, role, "tokens") if ra["tokens"] is not None else None
        low_support = min(ra["docs"], rb["docs"]) < LOW_SUPPORT
        adjusted = ra["adjusted_share"] is not None and rb["adjusted_share"] is not None
        if adjusted:
            # Both corrected for tagger error: A is larger only when their intervals do not overlap.
            decided = "a" if ra["adjusted_ci_low"] > rb["adjusted_ci_high"] else "b" if rb["adjusted_ci_low"] > ra["adjusted_ci_high"] else "none"
            basis = "adjusted shares (their intervals do not overlap)" if decided != "none" else "adjusted shares"
        elif tokens_interval is not None and not low_support:
            decided, basis = verdict(*tokens_interval), "words spoken or written (percentile bootstrap)"
        else:
            decided, basis = verdict(*docs_interval), "documents (exact conditional binomial)"
        return {
            "role": role,
            "a": ra,
            "b": rb,
            "ratio_docs": ra["docs"] / rb["docs"] if rb["docs"] else None,
            "ratio_count": ra["count"] / rb["count"] if rb["count"] else None,
            "ratio_unique_docs": ra["unique_docs"] / rb["unique_docs"] if rb["unique_docs"] else None,
            "ratio_tokens": ra["tokens"] / rb["tokens"] if rb["tokens"] else None,
            "ratio_docs_interval": docs_interval,
            "ratio_count_interval": count_ratio_interval(ra["count"], rb["count"], level),
            "ratio_tokens_interval": tokens_interval,
            "documents_only_a": a_only, "documents_only_b": b_only, "documents_both": both,
            "verdict": decided, "verdict_basis": basis, "low_support": low_support,
            "level": level,
            "total_docs": self.manifest["counts"]["documents_kept"],
        }

    def _ratio_interval(self, a: str, b: str, role: str, column: str) -> tuple[float, float] | None:
        """Percentile bootstrap interval of sum(a) / sum(b) over the run's replicates (None without them,
        or when b is zero in too many replicates)."""
        level = self.manifest.get("parameters", {}).get("interval_level", 0.95)
        if "replicates" not in self.tables:
            return None
        rows = self.con.execute(
            f"SELECT persona_id, replicate, {column} FROM replicates WHERE role = ? AND persona_id IN (?, ?)", [role, a, b]
        ).fetchall()
        if not rows:
            return None
        n = 1 + max(r[1] for r in rows)
        values = {a: np.zeros(n), b: np.zeros(n)}
        for pid, rep, v in rows:
            values[pid][rep] = v or 0.0
        if np.mean(values[b] > 0) < 0.9:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(values[b] > 0, values[a] / values[b], np.nan)
        low, high = percentile_interval(ratios, level)
        return float(low), float(high)

    def weights(
        self, role: str = "mention", normalize: str = "sum", dedup: bool = False, adjusted: bool = False, min_docs: int = 1
    ) -> pa.Table:
        """Weights of one role's personas for other projects: id, name, weight, interval (schemas/weights.md).

        The measure is doc_share for mentions and token_share for speakers; `dedup` uses the
        deduplicated share, `adjusted` the share corrected for tagger error.
        """
        from prevalence.weights import measure_of, weights_table

        self._check_role(role)
        if dedup and not self.manifest.get("dedup"):
            raise PrevalenceError("this run was made without deduplication (--no-dedup); drop --dedup")
        prevalence = self.con.sql("SELECT * FROM prevalence WHERE role = ?", params=[role]).to_arrow_table()
        return weights_table(prevalence, role, normalize, measure_of(role, dedup, adjusted), min_docs)

    def run_info(self) -> dict:
        """What a weights file records about the run it came from."""
        m = self.manifest
        return {
            "run": self.path, "corpus_fingerprint": m.get("corpus", {}).get("fingerprint"),
            "catalog_fingerprint": m.get("catalog", {}).get("fingerprint"), "tool_version": m.get("tool", {}).get("version"),
            "documents": m.get("counts", {}).get("documents_kept"), "sample_fraction": m.get("sample_fraction"),
        }

    def sql(self, query: str, params: list | None = None, timeout: float = SQL_TIMEOUT_S) -> duckdb.DuckDBPyRelation:
        """Run one read-only SELECT over the run's views (documents, persona_hits, prevalence, rejects,
        personas, replicates, cooccurrence); values go in `params` (`?` placeholders), never into the SQL text.
        The query runs to completion here, within `timeout` seconds and the run's memory limit; the
        result comes back as a relation over the materialised rows."""
        try:
            statements = duckdb.extract_statements(query)
        except duckdb.Error as error:
            raise PrevalenceError(f"SQL does not parse: {_first_line(error)}") from None
        if len(statements) != 1:
            raise PrevalenceError(f"give exactly one SQL statement, got {len(statements)}")
        if statements[0].type != duckdb.StatementType.SELECT:
            raise PrevalenceError(f"only SELECT queries are allowed (read-only), got {statements[0].type.name}")
        if not timeout > 0:
            raise PrevalenceError(f"--timeout must be more than 0 seconds, got {timeout}")
        watchdog = threading.Timer(timeout, self.con.interrupt)
        watchdog.start()
        try:
            result = self.con.sql(query, params=params).to_arrow_table()
        except duckdb.InterruptException:
            raise PrevalenceError(f"query stopped after {timeout:g} s (--timeout); narrow it, or give it more time") from None
        except duckdb.OutOfMemoryException:
            raise PrevalenceError(f"query needs more memory than the limit of {self.memory_limit} (--memory-limit); "
                                  "narrow it, or raise the limit") from None
        except duckdb.Error as error:
            raise PrevalenceError(f"SQL error: {_first_line(error)}") from None
        finally:
            watchdog.cancel()
        return self.con.from_arrow(result)

    def _check_role(self, role: str) -> None:
        roles = self.manifest.get("roles", [])
        if role not in roles:
            raise PrevalenceError(f"role {role!r} was not measured in this run; measured: {', '.join(roles)}")


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def open_run(run_dir: str, memory_limit: str = MEMORY_LIMIT) -> Run:
    """Open a committed run directory for queries (DuckDB memory limit `memory_limit`, e.g. "4GB")."""
    return Run(run_dir, memory_limit)
