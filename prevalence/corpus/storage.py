"""Where shards live: local paths, or URIs of any filesystem pyarrow supports (`s3://bucket/key`).

Remote shards are read by the Python workers through `pyarrow.fs`. For S3, endpoint and credentials
come from the usual environment (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_PROFILE) or from options in the URI
(`s3://bucket/prefix?endpoint_override=http://127.0.0.1:9000&region=us-east-1`).
"""

from __future__ import annotations

import fnmatch
import posixpath

import pyarrow as pa
import pyarrow.fs as pafs

from prevalence.errors import CorpusError


def is_remote(path: str) -> bool:
    """True for `scheme://...` URIs other than file://."""
    return "://" in path and not path.startswith("file://")


def _resolve(uri: str) -> tuple[pafs.FileSystem, str]:
    try:
        return pafs.FileSystem.from_uri(uri)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
        raise CorpusError(f"cannot open {uri}: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    low = text.lower()
    if "accessdenied" in low or "access_denied" in low or "access denied" in low or "forbidden" in low or "invalidaccesskeyid" in low or "403" in low:
        return "access denied (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy)"
    if "nosuchbucket" in low or "bucket does not exist" in low:
        return "the bucket does not exist"
    return text[:300]


def expand_remote(uri: str) -> tuple[list[str], bool]:
    """URIs named by one remote argument (a file, a prefix, or a glob), and whether it named one file."""
    scheme = uri.split("://", 1)[0]
    base, _, query = uri.partition("?")
    fs, path = _resolve(uri)
    glob_at = min((i for i, ch in enumerate(path) if ch in "*?["), default=None)
    try:
        if glob_at is not None:
            prefix = path[:glob_at].rsplit("/", 1)[0]
            infos = fs.get_file_info(pafs.FileSelector(prefix, recursive=True))
            found = sorted(i.path for i in infos if i.type == pafs.FileType.File and fnmatch.fnmatchcase(i.path, path))
            if not found:
                raise CorpusError(f"corpus pattern matched no files: {uri}")
            return [_uri(scheme, p, query) for p in found], False
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.File:
            return [uri], True
        if info.type == pafs.FileType.Directory:
            infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
            found = sorted(i.path for i in infos if i.type == pafs.FileType.File
                           and not any(part.startswith((".", "_")) for part in posixpath.relpath(i.path, path).split("/")))
            return [_uri(scheme, p, query) for p in found], False
    except OSError as error:
        raise CorpusError(f"cannot list {base}: {_reason(error)}") from None
    raise CorpusError(f"corpus path not found: {uri}")


def _uri(scheme: str, path: str, query: str) -> str:
    return f"{scheme}://{path}" + (f"?{query}" if query else "")


def open_stream(path: str):
    """A readable stream of a local path or a remote URI."""
    if not is_remote(path):
        return pa.OSFile(path, "rb")
    fs, inner = _resolve(path)
    return fs.open_input_stream(inner, compression=None)  # the reader decompresses, as for local files


def open_file(path: str):
    """A random-access file (for Parquet) of a local path or a remote URI."""
    if not is_remote(path):
        return pa.OSFile(path, "rb")
    fs, inner = _resolve(path)
    return fs.open_input_file(inner)


def size(path: str) -> int:
    """Size in bytes."""
    if not is_remote(path):
        import os

        return os.path.getsize(path)
    fs, inner = _resolve(path)
    return fs.get_file_info(inner).size
