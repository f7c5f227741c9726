"""Find the shards of a corpus (files, directories, globs) and tell their formats."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

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

    path: str  # absolute path the workers open
    name: str  # path relative to the corpus root: stable when the corpus moves
    format: str  # jsonl | parquet | text
    compression: str | None  # gzip | zstd | bz2 | None

    @property
    def source(self) -> str:
        """The corpus source a shard belongs to: its top folder, or its file stem."""
        head = self.name.split("/", 1)[0]
        if "/" in self.name:
            return head
        return head.split(".", 1)[0]


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
    skipped: list[str] = []
    for arg in paths:
        files, explicit = _expand(arg)
        for f in files:
            full = os.path.abspath(f)
            detected, compression = detect_format(full)
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
    root = os.path.commonpath([os.path.dirname(p) for p in ordered])
    shards = [
        Shard(path=p, name=os.path.relpath(p, root).replace(os.sep, "/"), format=chosen[p][0], compression=chosen[p][1])
        for p in ordered
    ]
    return shards, skipped
