"""`prevalence`: run the Spark job, then rank, compare and query its tables.

User errors print one line and exit with code 2; bugs still raise.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time

from prevalence.config import (
    FORMATS, TEXT_UNITS, ReadOptions, RunConfig, config_from, declared_options, from_parameters, open_unit, positive,
)
from prevalence.errors import PrevalenceError
from prevalence.estimate import LOW_SUPPORT
from prevalence.query import MEMORY_LIMIT, PAIRS_BY, RANK_BY, SQL_TIMEOUT_S
from prevalence.weights import FORMATS as WEIGHT_FORMATS
from prevalence.weights import NORMALIZE


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of `prevalence run`, shared with jobs/estimate.py: one per declared option of
    `config.RunConfig` (defaults, help and validation come from the declaration)."""
    p.add_argument("corpus", nargs="+", help="corpus files, directories or globs (JSONL[.gz|.zst], Parquet, text)")
    p.add_argument("--out", help="run directory to write the tables into (required unless --append)")
    p.add_argument("--append", metavar="RUN_DIR", help="add the corpus paths to this existing run: only new shards are tagged, "
                   "clusters and shares are recomputed; the run's own catalog and parameters apply")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting (repeatable)")
    for path, f in declared_options():
        meta = f.metadata
        shown = "" if f.default in (None, (), "") or isinstance(f.default, bool) else f" (default: {_shown(f.default)})"
        common = {"dest": path, "default": None, "help": meta["help"] + shown}
        if isinstance(f.default, bool):
            p.add_argument(meta["flag"], action="store_const", const=not meta["negate"], **common)
        elif meta["repeat"]:
            p.add_argument(meta["flag"], action="append", metavar=meta["metavar"], **common)
        else:
            p.add_argument(meta["flag"], type=_parser_of(f.type), choices=meta["choices"], metavar=meta["metavar"], **common)


def _shown(default) -> str:
    return ", ".join(default) if isinstance(default, tuple) else str(default)


def _parser_of(annotation: str):
    """int or float for numeric options (annotations are strings here), else str."""
    return int if annotation.startswith("int") else float if annotation.startswith("float") else str


def run_config(args: argparse.Namespace) -> RunConfig:
    """The RunConfig described by parsed `run` arguments; PrevalenceError on bad values."""
    conf = []
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PrevalenceError(f"--conf expects KEY=VALUE, got {item!r}")
        conf.append((key.strip(), value.strip()))
    given = {path: getattr(args, path) for path, _ in declared_options() if getattr(args, path) is not None}
    given = {path: tuple(v) if isinstance(v, list) else v for path, v in given.items()}
    master = given.pop("master", None) or "local[*]"
    if args.append:
        if args.out and os.path.abspath(args.out) != os.path.abspath(args.append):
            raise PrevalenceError("--append writes into the run it extends; leave out --out")
        flags = {path: f.metadata["flag"] for path, f in declared_options()}
        tagging = sorted(flags[path] for path in given if path not in ("overwrite", "resume"))
        if tagging:
            raise PrevalenceError(f"--append uses the run's own catalog and parameters; leave out {', '.join(tagging)}")
        from prevalence.tables import read_manifest

        if not os.path.isfile(os.path.join(args.append, "manifest.json")):
            raise PrevalenceError(f"--append needs an existing run directory (with manifest.json): {args.append}")
        manifest = read_manifest(args.append)
        return from_parameters(manifest["parameters"], corpus=tuple(manifest["corpus"]["paths"]) + tuple(args.corpus),
                               out=args.append, catalog=manifest["catalog"]["origin"], master=master, spark_conf=tuple(conf),
                               overwrite=True, append=True)
    if not args.out:
        raise PrevalenceError("run needs --out RUN_DIR (or --append RUN_DIR to extend a run)")
    return config_from(given, corpus=tuple(args.corpus), out=args.out, master=master, spark_conf=tuple(conf))


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of `prevalence train-classifier`, shared with jobs/train_classifier.py."""
    from prevalence.classifier.train import TrainOptions

    d = TrainOptions()
    p.add_argument("corpus", nargs="*", help="labelled corpus files, directories or globs (any format `run` reads)")
    p.add_argument("--out", help="model directory to write (model.ftz, model.json, report.json, report.md)")
    p.add_argument("--default", action="store_true", help="train (or find) the bundled default archetype model and print its report")
    p.add_argument("--label-field", default="label", help="field holding each document's label (default: label)")
    p.add_argument("--group-field", help="field grouping documents that stay on one side of the held-out split (a book, a site)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id")
    p.add_argument("--format", default="auto", choices=FORMATS)
    p.add_argument("--text-unit", default="file", choices=TEXT_UNITS)
    p.add_argument("--held-out", type=_unit_interval, default=d.held_out, help=f"share of groups held out for the report (default {d.held_out})")
    p.add_argument("--source-field", default="source", help="field naming each document's source (an author, a publisher), for --loso (default: source)")
    p.add_argument("--loso", action="store_true", help="also evaluate leave-one-source-out (a training per source; every label needs 3 sources): "
                   "the rates runs then correct shares with")
    p.add_argument("--threshold", type=_threshold, default=d.threshold,
                   help=f"minimum score of a label at prediction, or `calibrate` (needs --loso and documents labelled `unclassified`) (default {d.threshold})")
    p.add_argument("--epoch", type=_positive_int, default=d.epoch)
    p.add_argument("--dim", type=_positive_int, default=d.dim)
    p.add_argument("--word-ngrams", type=_positive_int, default=d.word_ngrams)
    p.add_argument("--quantize", action="store_true", help="product-quantise the model (about 10x smaller, slower to train)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model directory")


def train(args: argparse.Namespace) -> tuple[dict, str]:
    """Train as `args` say; returns (report, model directory)."""
    from dataclasses import replace

    from prevalence.classifier.train import TrainOptions, train_classifier

    if args.default:
        from prevalence.classifier.default import default_model

        model = default_model(lambda m: print(m, file=sys.stderr, flush=True))
        return model.report(), model.path
    if not args.corpus or not args.out:
        raise PrevalenceError("train-classifier needs a labelled CORPUS and --out MODEL_DIR (or --default)")
    read = ReadOptions(format=args.format, text_field=args.text_field, id_field=args.id_field, text_unit=args.text_unit,
                       author_fields=(), label_field=args.label_field, group_field=args.group_field, source_field=args.source_field)
    calibrated = args.threshold == "calibrate"
    opts = replace(TrainOptions(), held_out=args.held_out, threshold=TrainOptions().threshold if calibrated else args.threshold,
                   epoch=args.epoch, dim=args.dim, word_ngrams=args.word_ngrams, quantize=args.quantize)
    report = train_classifier(args.corpus, args.out, read, opts, overwrite=args.overwrite,
                              progress=lambda m: print(m, file=sys.stderr, flush=True), loso=args.loso, calibrate_threshold=calibrated)
    return report, args.out


def _threshold(text: str):
    """A probability in [0, 1], or `calibrate`."""
    return text if text == "calibrate" else _unit_interval(text)


def _checked(parse, check):
    """An argparse type: parse the text, then apply one of config's checks (one message for both)."""
    def convert(text: str):
        value = parse(text)
        problem = check(value)
        if problem:
            raise argparse.ArgumentTypeError(f"{problem}, got {text}")
        return value
    return convert


_unit_interval = _checked(float, open_unit)
_positive_int = _checked(int, positive)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prevalence", description="Measure how large each persona is in a text corpus.")
    sub = parser.add_subparsers(dest="command", required=True)

    run_p = sub.add_parser("run", help="tag a corpus with Spark and write prevalence tables")
    add_run_arguments(run_p)
    run_p.add_argument("--quiet", action="store_true", help="print only errors")
    run_p.add_argument("--json", action="store_true", help="print the run summary as one JSON object (for scripts)")

    rank_p = sub.add_parser("rank", help="print the largest personas of a run")
    rank_p.add_argument("run_dir")
    rank_p.add_argument("--role", default="mention")
    rank_p.add_argument("--top", type=_positive_int, default=20)
    rank_p.add_argument("--by", default="docs", choices=tuple(b for b in RANK_BY if b != "unique_docs"))
    rank_p.add_argument("--dedup", action="store_true", help="one vote per near-duplicate cluster: rank by unique documents")
    rank_p.add_argument("--kind", help="only personas of this kind (author_archetype, historical_figure, ad_hoc_author, ...)")
    rank_p.add_argument("--audit", metavar="LABELS_CSV", help="correct shares with a labelled audit sample (prevalence audit)")

    pairs_p = sub.add_parser("pairs", help="the personas most associated with one (co-occurrence)")
    pairs_p.add_argument("run_dir")
    pairs_p.add_argument("persona")
    pairs_p.add_argument("--top", type=_positive_int, default=20)
    pairs_p.add_argument("--by", default="llr", choices=PAIRS_BY)

    tr_p = sub.add_parser("train-classifier", help="train a fastText author-archetype classifier with a held-out report")
    add_train_arguments(tr_p)

    cmp_p = sub.add_parser("compare", help="two personas side by side, with their ratio")
    cmp_p.add_argument("run_dir")
    cmp_p.add_argument("a")
    cmp_p.add_argument("b")
    cmp_p.add_argument("--role", default="mention")
    cmp_p.add_argument("--audit", metavar="LABELS_CSV", help="correct shares with a labelled audit sample (prevalence audit)")

    audit_p = sub.add_parser("audit", help="draw a sample of a persona's hits and likely misses to label, or read the labels back")
    audit_p.add_argument("run_dir")
    audit_p.add_argument("--persona", help="the persona to audit (name, alias or id)")
    audit_p.add_argument("--role", default="mention")
    audit_p.add_argument("--n", type=_positive_int, default=100, help="hits (and likely misses) to sample, at most (default 100)")
    audit_p.add_argument("--scan", type=_positive_int, default=2000, help="untagged documents to scan for likely misses (default 2000)")
    audit_p.add_argument("--seed", type=int, default=1)
    audit_p.add_argument("--out", help="write the sample here (CSV with an empty label column)")
    audit_p.add_argument("--labels", metavar="CSV", help="a filled sample: print precision, recall and the corrected share")

    w_p = sub.add_parser("weights", help="export prevalence weights (JSON, CSV or Parquet) for other projects")
    w_p.add_argument("run_dir")
    w_p.add_argument("--out", required=True)
    w_p.add_argument("--format", default="json", choices=WEIGHT_FORMATS)
    w_p.add_argument("--role", default="mention")
    w_p.add_argument("--normalize", default="sum", choices=NORMALIZE)
    w_p.add_argument("--dedup", action="store_true", help="weights from deduplicated shares (one vote per cluster)")
    w_p.add_argument("--adjusted", action="store_true", help="weights from shares corrected for tagger error (needs --audit at run time)")
    w_p.add_argument("--min-docs", type=_positive_int, default=1)
    w_p.add_argument("--audit", metavar="LABELS_CSV", help="correct shares with a labelled audit sample (use with --adjusted)")

    rep_p = sub.add_parser("report", help="write a self-contained HTML page of the run's figures")
    rep_p.add_argument("run_dir")
    rep_p.add_argument("--out", required=True)
    rep_p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="add a two-persona comparison")

    sql_p = sub.add_parser("sql", help="run a read-only SELECT over the run's tables")
    sql_p.add_argument("run_dir")
    sql_p.add_argument("query")
    sql_p.add_argument("--timeout", type=float, default=SQL_TIMEOUT_S, help=f"stop the query after this many seconds (default {SQL_TIMEOUT_S:g})")
    sql_p.add_argument("--memory-limit", default=MEMORY_LIMIT, help=f"DuckDB memory limit for the query (default {MEMORY_LIMIT})")
    return parser


class _NoInterruptTracebacks(logging.Filter):
    """Drops log records of an error that is, or came while handling, a KeyboardInterrupt: py4j logs
    those, with their tracebacks, when Ctrl-C stops a command it sent and when it then closes the
    connection; the interrupt itself still ends the command."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[1] is not None and _after_interrupt(record.exc_info[1]))


# Where py4j logs: the root logger (module-level `logging.exception`) and its own two.
_PY4J_LOGGERS = ("", "py4j.java_gateway", "py4j.clientserver")


def quiet_interrupts() -> None:
    """`_NoInterruptTracebacks` on the loggers py4j logs on (a logger's filter sees only what is logged on
    it; every other record goes where it went before), so that Ctrl-C ends in one line."""
    for name in _PY4J_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoInterruptTracebacks) for f in logger.filters):
            logger.addFilter(_NoInterruptTracebacks())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet_interrupts()
    try:
        return COMMANDS[args.command](args)
    except PrevalenceError as error:
        print(f"prevalence: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prevalence: interrupted", file=sys.stderr)
        return 130


def cmd_run(args: argparse.Namespace) -> int:
    from prevalence.job import run

    config = run_config(args)
    quiet = args.quiet or args.json
    say = (lambda _m: None) if quiet else (lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True))
    try:
        manifest = run(config, progress=say)
    except PrevalenceError:
        raise  # a one-line error says all there is
    except Exception as error:
        if _after_interrupt(error):  # py4j's cleanup after Ctrl-C can fail in turn: still an interrupt
            raise KeyboardInterrupt from None
        from prevalence.spark import session

        if session.spark_log_path:
            print(f"prevalence: Spark's own log of this run: {session.spark_log_path}", file=sys.stderr)
        raise
    if args.json:
        print(json_summary(manifest, config.out))
    elif not args.quiet:
        print(format_summary(manifest, config.out))
    return 0


def _after_interrupt(error: BaseException) -> bool:
    """Whether an error was raised while handling a KeyboardInterrupt (in its chain of causes)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def json_summary(manifest: dict, out: str) -> str:
    """The run summary as one JSON object (`run --json`, for scripts)."""
    import json

    return json.dumps({"run_dir": os.path.abspath(out), "counts": manifest["counts"], "timings": manifest["timings"],
                       "throughput": manifest["throughput"], "sample_fraction": manifest["sample_fraction"]})


def format_summary(manifest: dict, out: str) -> str:
    c = manifest["counts"]
    reasons = ", ".join(f"{k} {v}" for k, v in c["rejects_by_reason"].items())
    t = manifest["timings"]["total_s"]
    mb = manifest["corpus"]["bytes"] / 1e6
    lines = [
        f"documents in: {c['documents_in']:,} = kept {c['documents_kept']:,} + rejected {c['rejected']:,}"
        + (f" + not sampled {c['not_sampled']:,}" if c.get("not_sampled") else "") + (f" ({reasons})" if reasons else ""),
        f"persona hits: {c['persona_hits']:,} rows; {c['personas_found']:,} personas found",
        *([f"near-duplicates: {c['documents_kept']:,} documents in {c['clusters']:,} clusters"] if c.get("clusters") is not None else []),
        f"took {t:.1f} s for {len(manifest['corpus']['shards'])} shard(s): {mb:.1f} MB of files ({mb / t:.2f} MB/s), "
        f"{c['chars'] / 1e6:.1f} M characters of text ({c['chars'] / 1e6 / t:.2f} M/s)",
        f"tables: {out} (documents, persona_hits, prevalence, rejects, personas, replicates, cooccurrence, manifest.json)",
    ]
    if manifest["corpus"]["skipped_files"]:
        lines.append(f"skipped (unknown format, not read): {', '.join(manifest['corpus']['skipped_files'])}")
    return "\n".join(lines)


def _open(args: argparse.Namespace):
    """The run of `args.run_dir`, corrected by `args.audit` labels when given."""
    from prevalence.query import open_run

    run = open_run(args.run_dir)
    return run.with_audit(args.audit) if getattr(args, "audit", None) else run


def cmd_rank(args: argparse.Namespace) -> int:
    run = _open(args)
    by = "unique_docs" if args.dedup else args.by
    table = run.rank(role=args.role, top=args.top, by=by, kind=args.kind).to_pylist()
    counts = run.manifest["counts"]
    if args.dedup:
        print(f"Top {len(table)} personas by unique documents (one per near-duplicate cluster), role {args.role}, "
              f"in {counts['clusters']:,} clusters of {counts['documents_kept']:,} documents")
        rows = [[r["rank"], r["name"], r["kind"], r["unique_docs"], r["docs"], r["count"], _pct(r["unique_doc_share"]),
                 f"[{_pct(r['unique_ci_low'])}, {_pct(r['unique_ci_high'])}]"] for r in table]
        print(format_table(["rank", "persona", "kind", "unique docs", "docs", "count", "unique share", f"{_level(run)} interval"], rows))
        return 0
    print(f"Top {len(table)} personas by {args.by}, role {args.role}, in {counts['documents_kept']:,} documents")
    header = ["rank", "persona", "kind", "docs", "unique docs", "count", "doc share", f"{_level(run)} interval"]
    rows = [
        [r["rank"], r["name"], r["kind"], r["docs"], r["unique_docs"], r["count"], _pct(r["doc_share"]),
         f"[{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]"]
        for r in table
    ]
    if any(r["tokens"] is not None for r in table):  # speakers and authors carry words; mentions do not
        header[6:6] = ["tokens", "token share"]
        rows = [row[:6] + [r["tokens"], _pct(r["token_share"])] + row[6:] for row, r in zip(rows, table)]
    if any(r["adjusted_share"] is not None for r in table):  # corrected for tagger error (audit or held-out rates)
        header += ["adjusted share", "adjusted interval"]
        rows = [row + ([_pct(r["adjusted_share"]), f"[{_pct(r['adjusted_ci_low'])}, {_pct(r['adjusted_ci_high'])}]"]
                       if r["adjusted_share"] is not None else ["", ""]) for row, r in zip(rows, table)]
    print(format_table(header, rows))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    result = _open(args).compare(args.a, args.b, role=args.role)
    a, b = result["a"], result["b"]
    rows = [
        ["kind", a["kind"], b["kind"]],
        ["documents", a["docs"], b["docs"]],
        ["doc share", _pct(a["doc_share"]), _pct(b["doc_share"])],
        [f"{100 * result['level']:g}% interval", f"[{_pct(a['ci_low'])}, {_pct(a['ci_high'])}]", f"[{_pct(b['ci_low'])}, {_pct(b['ci_high'])}]"],
        ["unique documents", _dash(a["unique_docs"]), _dash(b["unique_docs"])],
        ["unique share", _pct(a["unique_doc_share"]), _pct(b["unique_doc_share"])],
        [{"mention": "mentions", "speaker": "turns"}.get(args.role, "count"), a["count"], b["count"]],
        *([["words", _dash(a["tokens"]), _dash(b["tokens"])], ["token share", _pct(a["token_share"]), _pct(b["token_share"])]]
          if a["tokens"] is not None or b["tokens"] is not None else []),
        ["rank", a["rank"] if a["rank"] is not None else "-", b["rank"] if b["rank"] is not None else "-"],
        *([["adjusted share", _pct(a["adjusted_share"]), _pct(b["adjusted_share"])],
           ["adjusted interval", f"[{_pct(a['adjusted_ci_low'])}, {_pct(a['adjusted_ci_high'])}]",
            f"[{_pct(b['adjusted_ci_low'])}, {_pct(b['adjusted_ci_high'])}]"]]
          if a["adjusted_share"] is not None or b["adjusted_share"] is not None else []),
    ]
    print(f"role {result['role']}, {result['total_docs']:,} documents")
    print(format_table(["", a["name"], b["name"]], rows))
    level = f"{100 * result['level']:.0f}%"
    ratios = [f"documents {_ratio(result['ratio_docs'])}{_interval(result['ratio_docs_interval'])} (exact)"]
    if a["tokens"] is not None or b["tokens"] is not None:
        ratios.append(f"words {_ratio(result['ratio_tokens'])}{_interval(result['ratio_tokens_interval'])} (bootstrap)")
    ratios.append(f"count {_ratio(result['ratio_count'])}{_interval(result['ratio_count_interval'])} (exact)")
    if result["ratio_unique_docs"] is not None or a["unique_docs"] is not None:
        ratios.append(f"unique documents {_ratio(result['ratio_unique_docs'])}")
    print(f"ratio {a['name']} / {b['name']}: " + ", ".join(ratios))
    if result["verdict"] == "none":
        print(f"not distinguishable at this sample size: by {result['verdict_basis']}, the {level} interval includes 1")
    else:
        larger = a["name"] if result["verdict"] == "a" else b["name"]
        print(f"{larger} is larger ({level} interval by {result['verdict_basis']} excludes 1)")
    if result["low_support"] and (a["tokens"] is not None or b["tokens"] is not None):
        print(f"(words are not used for the verdict: fewer than {LOW_SUPPORT} documents behind one of them)")
    return 0


def cmd_weights(args: argparse.Namespace) -> int:
    from prevalence.weights import write_weights

    run = _open(args)
    table = run.weights(role=args.role, normalize=args.normalize, dedup=args.dedup, adjusted=args.adjusted, min_docs=args.min_docs)
    write_weights(table, args.out, args.format, {**run.run_info(), "role": args.role, "normalize": args.normalize,
                                                   "measure": table.column("measure")[0].as_py()})
    print(f"wrote {table.num_rows} persona weights ({table.column('measure')[0].as_py()}, normalised by {args.normalize}) to {args.out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from prevalence.query import open_run
    from prevalence.report import write_html

    run = open_run(args.run_dir)
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):
        raise PrevalenceError(f"output folder does not exist: {os.path.dirname(os.path.abspath(args.out))}")
    write_html(run, args.out, tuple(args.compare) if args.compare else None)
    print(f"wrote {args.out}")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from prevalence.query import open_run

    relation = open_run(args.run_dir, memory_limit=args.memory_limit).sql(args.query, timeout=args.timeout)
    try:
        columns, rows = relation.columns, relation.fetchall()
    except duckdb.Error as error:
        raise PrevalenceError(f"SQL error: {str(error).strip().splitlines()[0]}") from None
    print(format_table(columns, [list(r) for r in rows]))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return 0


def _pct(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{100 * x:.3g}%" if x >= 0.001 or x == 0 else f"{100 * x:.2g}%"


def _level(run) -> str:
    return f"{100 * run.manifest.get('parameters', {}).get('interval_level', 0.95):g}%"


def _interval(bounds) -> str:
    return "" if bounds is None else f" [{bounds[0]:.3g}, {'inf' if math.isinf(bounds[1]) else f'{bounds[1]:.3g}'}]"


def _dash(x) -> str:
    return "-" if x is None else str(x)


def _ratio(x) -> str:
    return "undefined (zero denominator)" if x is None else f"{x:.3g}"


def format_table(header: list[str], rows: list[list]) -> str:
    """Columns aligned with two spaces; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) and rows for i in range(len(header))]
    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()
    return "\n".join([line(header)] + [line(r) for r in cells])


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return str(v)


def cmd_pairs(args: argparse.Namespace) -> int:
    from prevalence.query import open_run

    run = open_run(args.run_dir)
    persona = run.persona(args.persona)
    table = run.pairs(persona.id, top=args.top, by=args.by).to_pylist()
    window = run.manifest.get("parameters", {}).get("pairs", {}).get("window", 0)
    scope = "in the same document" if not window else f"mentioned within {window} words"
    print(f"Personas most associated with {persona.name} ({persona.id}) by {args.by}, {scope}; "
          f"{run.manifest['counts']['documents_kept']:,} documents")
    level = _level(run)
    rows = [[r["rank"], r["name"], r["kind"], r["docs"], r["unique_docs"], r["docs_other"], f"{r['pmi']:.3g}",
             _num(r["npmi"]), f"{r['log_odds_ratio']:.3g} [{r['log_odds_ci_low']:.3g}, {r['log_odds_ci_high']:.3g}]", f"{r['llr']:.3g}"]
            for r in table]
    print(format_table(["rank", "persona", "kind", "docs together", "unique", "docs of other", "PMI", "NPMI",
                        f"log odds ratio [{level}]", "LLR"], rows))
    if not table:
        print("(no pair with this persona reached --pair-min-docs documents)")
    return 0


def cmd_train_classifier(args: argparse.Namespace) -> int:
    report, path = train(args)
    held = report["held_out"]
    print(f"model: {path}")
    print(f"held out: {held['documents']} documents (unseen works of sources seen in training); accuracy {held['accuracy']:.3f}, "
          f"macro F1 {held['macro_f1']:.3f} at threshold {report['threshold']}")
    loso = report.get("loso")
    if loso:
        print(f"leave-one-source-out ({len(loso['per_source'])} sources, the rates runs correct with): accuracy {loso['accuracy']:.3f}, "
              f"macro F1 {loso['macro_f1']:.3f}")
    rows = [[label, m["support"], _num(m["precision"]), _num(m["recall"]), _num(m["f1"])]
            + ([_num(loso["per_label"][label]["precision"]), _num(loso["per_label"][label]["recall"]), _num(loso["per_label"][label]["f1"])] if loso else [])
            for label, m in held["per_label"].items()]
    print(format_table(["label", "support", "precision", "recall", "F1"] + (["LOSO precision", "LOSO recall", "LOSO F1"] if loso else []), rows))
    print(f"confusion matrix and rates: {os.path.join(path, 'report.md')}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from prevalence.audit import adjust_share, draw_sample, load_labels, write_sample
    from prevalence.query import open_run

    run = open_run(args.run_dir)
    if args.labels:
        total = run.manifest["counts"]["documents_kept"]
        names = {p.id: p.name for p in run.catalog.personas}
        rows = []
        for (pid, role), c in sorted(load_labels(args.labels).items()):
            low, high = c.precision_interval()
            docs, share, s_low, s_high = adjust_share(c, total)
            found = c.precision * c.tagged_docs
            recall = found / docs if docs else float("nan")
            rows.append([names.get(pid, pid), role, f"{c.hits_yes}/{c.hits_yes + c.hits_no}", f"{c.precision:.3f} [{low:.3f}, {high:.3f}]",
                         f"{c.misses_yes}/{c.misses_yes + c.misses_no}", f"{recall:.3f}", c.tagged_docs, f"{docs:,.1f}",
                         f"{_pct(share)} [{_pct(s_low)}, {_pct(s_high)}]"])
            if c.unlabelled:
                print(f"note: {c.unlabelled} row(s) of {names.get(pid, pid)} have no label and were left out", file=sys.stderr)
        print(format_table(["persona", "role", "hits right", "precision [95% exact]", "misses real", "recall", "tagged docs",
                            "estimated docs", "corrected share [95%]"], rows))
        print(f"use it at query time: prevalence rank {args.run_dir} --audit {args.labels}")
        return 0
    if not args.persona or not args.out:
        raise PrevalenceError("audit needs --persona NAME and --out FILE to draw a sample, or --labels FILE to read one")
    rows = draw_sample(run, args.persona, args.role, args.n, args.scan, args.seed)
    write_sample(rows, args.out)
    hits = sum(r["sample"] == "hit" for r in rows)
    stats = rows[0] if rows else {"candidate_docs": 0, "scanned_docs": 0}
    print(f"wrote {hits} hit(s) and {len(rows) - hits} likely miss(es) (of {stats['candidate_docs']} found among "
          f"{stats['scanned_docs']} untagged documents scanned) to {args.out}; fill its label column with yes or no")
    return 0


def _num(x) -> str:
    return "-" if x is None else f"{x:.3f}"


COMMANDS = {"audit": cmd_audit, "run": cmd_run, "train-classifier": cmd_train_classifier, "pairs": cmd_pairs, "rank": cmd_rank, "compare": cmd_compare, "weights": cmd_weights, "report": cmd_report, "sql": cmd_sql}

if __name__ == "__main__":
    sys.exit(main())
