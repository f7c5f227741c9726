"""Find the shards of a corpus (files, directories, globs) and tell their formats."""

from __future__ import annotations

import glob
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from prevalence.corpus.storage import expand_remote, is_remote
from prevalence.errors import CorpusError

COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}
FORMAT_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
    ".text": "text",
}


@dataclass(frozen=True)
class Shard:
    """One file of a corpus: the unit of work that Spark distributes."""

    path: str  # absolute path or URI (s3://...) the workers open
    name: str  # path relative to the corpus root: stable when the corpus moves
    format: str  # jsonl | parquet | text
    compression: str | None  # gzip | zstd | bz2 | None
    # The corpus source of its documents (unless a record names its own): the top folder under the
    # corpus root, or the root's own name for files directly in it; never the file's own name, so
    # that resharding a folder changes no source.
    source: str = "corpus"
    # A work unit of a large shard (`work_units`): bytes [start, end) of an uncompressed text file,
    # aligned to line starts, or row groups [start, end) of a Parquet file; end -1 is the whole shard.
    # first_position is the position (line or row index) of the unit's first record in its shard.
    start: int = 0
    end: int = -1
    first_position: int = 0
    part: str = ""  # "k/n" for a unit, "" for a whole shard

    @property
    def key(self) -> str:
        """The shard's name, and its part if it is a unit: what the shard store files are named by."""
        return f"{self.name}#{self.part}" if self.part else self.name


def _argument_root(arg: str) -> str:
    """The folder a corpus argument names: itself for a folder or prefix, the parent of a file, the
    part of a glob before its first wildcard."""
    plain = arg.split("?", 1)[0] if is_remote(arg) else os.path.abspath(arg)
    if any(ch in plain for ch in "*?["):
        plain = re.split(r"[*?\[]", plain, maxsplit=1)[0]
        return plain if plain.endswith(("/", os.sep)) else posixpath.dirname(plain.replace(os.sep, "/"))
    if not is_remote(arg) and os.path.isfile(plain):
        return os.path.dirname(plain)
    if is_remote(arg) and detect_format(plain)[0] is not None:
        return posixpath.dirname(plain)
    return plain


def _source_under(path: str, root: str) -> str:
    """A shard's source: the top folder under its argument's root, or the root's own name for a file
    directly in it (never the file's own name)."""
    path, root = path.split("?", 1)[0].replace(os.sep, "/"), root.replace(os.sep, "/").rstrip("/")
    rel = posixpath.relpath(path, root) if path.startswith(root + "/") else posixpath.basename(path)
    if "/" in rel:
        return rel.split("/", 1)[0]
    return posixpath.basename(root) or "corpus"


def detect_format(path: str) -> tuple[str | None, str | None]:
    """(format, compression) from a file name such as `a.jsonl.zst`; format None when unknown."""
    base = os.path.basename(path).lower()
    stem, ext = os.path.splitext(base)
    compression = COMPRESSIONS.get(ext)
    if compression:
        ext = os.path.splitext(stem)[1]
    return FORMAT_SUFFIXES.get(ext), compression


def _is_hidden(path: str) -> bool:
    return os.path.basename(path).startswith((".", "_"))


def _expand(path: str) -> tuple[list[str], bool]:
    """Files named by one argument, and whether the argument named them one by one."""
    if is_remote(path):
        return expand_remote(path)
    if any(ch in path for ch in "*?["):
        matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        if not matches:
            raise CorpusError(f"corpus pattern matched no files: {path}")
        return matches, False
    if os.path.isdir(path):
        found = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
            found.extend(os.path.join(root, f) for f in sorted(files) if not _is_hidden(f))
        return found, False
    if os.path.isfile(path):
        return [path], True
    raise CorpusError(f"corpus path not found: {path}")


def list_shards(paths: list[str] | tuple[str, ...], fmt: str = "auto") -> tuple[list[Shard], list[str]]:
    """Shards under the given paths, sorted, with names relative to their common root.

    Returns (shards, skipped): files found inside directories or globs whose format is unknown are
    skipped and listed (they are not documents); a file named directly must have a known format.
    """
    if not paths:
        raise CorpusError("no corpus paths given")
    chosen: dict[str, tuple[str, str | None]] = {}
    sources: dict[str, str] = {}
    skipped: list[str] = []
    for arg in paths:
        files, explicit = _expand(arg)
        root = _argument_root(arg)
        for f in files:
            full = f if is_remote(f) else os.path.abspath(f)
            sources.setdefault(full, _source_under(full, root))
            detected, compression = detect_format(full.split("?", 1)[0])
            kind = detected if fmt == "auto" else fmt
            if kind is None:
                if explicit:
                    raise CorpusError(f"cannot tell the format of {f}; pass --format jsonl|parquet|text")
                skipped.append(f)
                continue
            chosen[full] = (kind, compression)
    if not chosen:
        raise CorpusError(f"no corpus shards found in: {' '.join(paths)}")
    ordered = sorted(chosen)
    local = [p for p in ordered if not is_remote(p)]
    remote = [_remote_name(p) for p in ordered if is_remote(p)]
    root = os.path.commonpath([os.path.dirname(p) for p in local]) if local else None
    remote_root = posixpath.commonpath([posixpath.dirname(p) for p in remote]) if remote else None

    def name(p: str) -> str:
        if is_remote(p):
            return posixpath.relpath(_remote_name(p), remote_root)
        return os.path.relpath(p, root).replace(os.sep, "/")

    shards = [Shard(path=p, name=name(p), format=chosen[p][0], compression=chosen[p][1], source=sources[p]) for p in ordered]
    return shards, skipped


def _remote_name(uri: str) -> str:
    """`s3://bucket/a/b.jsonl` -> `bucket/a/b.jsonl` (the query, with any endpoint, is left out)."""
    return uri.split("://", 1)[1].split("?", 1)[0]


FINGERPRINT_BYTES = 1 << 20


def shard_fingerprint(shard: Shard) -> dict:
    """Name, size and an xxh3 hash of the first and last MiB: cheap, and changes when a shard does."""
    import xxhash

    from prevalence.corpus import storage

    size = storage.size(shard.path)
    h = xxhash.xxh3_128()
    with storage.open_file(shard.path) as f:
        h.update(f.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            h.update(f.read())
    return {"name": shard.name, "format": shard.format, "compression": shard.compression, "bytes": size, "xxh3_head_tail": h.hexdigest()}


def shard_changed(shard: Shard, expected: dict) -> str | None:
    """How a shard differs from its fingerprint `expected` (its size and head-and-tail hash): None
    when it does not, else what happened to it."""
    try:
        now = shard_fingerprint(shard)
    except OSError:
        return "disappeared during the run"
    if (now["bytes"], now["xxh3_head_tail"]) != (expected["bytes"], expected["xxh3_head_tail"]):
        return f"changed during the run ({expected['bytes']:,} bytes at the start, {now['bytes']:,} now)"
    return None


def check_unchanged(shards: list[Shard], prints: dict[str, dict]) -> None:
    """PrevalenceError naming the first shard whose fingerprint is not the one taken at the start of the
    run (changed, or gone): a run must not commit tables that mix two versions of a shard."""
    from prevalence.errors import PrevalenceError

    for shard in shards:
        change = shard_changed(shard, prints[shard.name])
        if change is not None:
            raise PrevalenceError(f"shard {shard.name} {change}; nothing was committed: rerun when the corpus is stable")


# Bytes read at a time by the driver's pass over a large JSONL shard that finds its unit boundaries.
SCAN_BYTES = 16 << 20


def work_units(shards: list[Shard], sizes: dict[str, int], split_bytes: int,
               progress: Callable[[str], None] = lambda _m: None) -> list[Shard]:
    """The units Spark tags, one task each: every shard, with uncompressed JSONL and Parquet shards
    larger than `split_bytes` cut into units of about that size (JSONL at line starts, Parquet at row
    groups), so that one large file keeps every core busy. Each unit knows the position of its first
    record, so the tables are the same however a shard is cut. Compressed streams cannot be cut: a
    note says so when one is much larger than the unit size. `sizes` are the shards' bytes by name
    (their fingerprints have them: no second look at each file)."""
    out: list[Shard] = []
    for shard in shards:
        if split_bytes <= 0 or shard.format == "text":
            out.append(shard)
            continue
        size = sizes[shard.name]
        if shard.compression:
            if size > 4 * split_bytes:
                progress(f"note: {shard.name} ({size / 1e6:,.0f} MB, {shard.compression}) is read by one task: a "
                         "compressed stream cannot be cut; recompress it as several files to spread it over the cores")
            out.append(shard)
        elif size <= split_bytes:
            out.append(shard)
        else:
            ranges = _parquet_ranges(shard, split_bytes) if shard.format == "parquet" else _line_ranges(shard, split_bytes)
            if len(ranges) == 1:
                out.append(shard)
            else:
                out += [replace(shard, start=a, end=b, first_position=first, part=f"{k}/{len(ranges)}")
                        for k, (a, b, first) in enumerate(ranges, start=1)]
    return out


def _line_ranges(shard: Shard, split_bytes: int) -> list[tuple[int, int, int]]:
    """(start, end, lines before start) of byte ranges of about split_bytes, each ending after a newline."""
    from prevalence.corpus import storage

    ranges, start, first, offset, lines = [], 0, 0, 0, 0
    cut_after = split_bytes
    with storage.open_stream(shard.path) as f:
        while True:
            chunk = f.read(SCAN_BYTES)
            if not chunk:
                break
            while cut_after < offset + len(chunk):
                nl = chunk.find(b"\n", max(cut_after - offset, 0))
                if nl < 0:
                    break
                cut = offset + nl + 1
                ranges.append((start, cut, first))
                start, first = cut, lines + chunk.count(b"\n", 0, nl + 1)
                cut_after = cut + split_bytes
            lines += chunk.count(b"\n")
            offset += len(chunk)
    if start < offset:
        ranges.append((start, offset, first))
    return ranges


def _parquet_ranges(shard: Shard, split_bytes: int) -> list[tuple[int, int, int]]:
    """(first row group, end row group, rows before) of runs of row groups of about split_bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from prevalence.corpus import storage

    try:
        meta = pq.ParquetFile(storage.open_file(shard.path)).metadata
    except (OSError, pa.ArrowInvalid):
        return [(0, -1, 0)]  # unreadable: the reader rejects it whole
    ranges, start, first, rows, size = [], 0, 0, 0, 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        size += group.total_byte_size
        rows += group.num_rows
        if size >= split_bytes and g + 1 < meta.num_row_groups:
            ranges.append((start, g + 1, first))
            start, first, size = g + 1, rows, 0
    ranges.append((start, meta.num_row_groups, first))
    return ranges
