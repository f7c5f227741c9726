"""Stream one shard as Arrow record batches of documents and rejects, in bounded memory.

Every record of a shard becomes exactly one row: a document (`text` set, `reject_reason` null) or a
reject (`reject_reason` set). A shard that fails part-way adds one `truncated_shard` or
`unreadable_shard` row for its unreadable rest.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from prevalence.config import ReadOptions
from prevalence.corpus import rejects, storage
from prevalence.corpus.ids import stable_doc_id
from prevalence.corpus.shards import Shard

RAW_SCHEMA = pa.schema(
    [
        pa.field("shard", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        # Metadata fields named by ReadOptions, when present (see META_COLUMNS).
        pa.field("speaker", pa.string()),
        pa.field("author", pa.string()),
        pa.field("label", pa.string()),
        pa.field("group", pa.string()),
        pa.field("reject_reason", pa.string()),
        pa.field("excerpt", pa.string()),
    ]
)

# Metadata columns of RAW_SCHEMA: the speaker of a transcript record, its author(s) (several joined
# by newlines), and the label and group of a labelled training corpus (`train-classifier`).
META_COLUMNS = ("speaker", "author", "label", "group")
# Fields read from records besides the metadata columns: the record's own source (else the shard's).
FIELD_COLUMNS = (*META_COLUMNS, "source")

# Small reads: a truncated bz2 stream fails a whole read, so at most one chunk before the cut is lost
# (it is part of what the `truncated_shard` reject stands for); gzip and zstd lose nothing complete.
BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 64 << 10
# Flush a batch early when its text grows past this, so one batch never holds a whole shard.
BATCH_TEXT_CHARS = 64 << 20


class _BatchBuilder:
    """Collects rows of RAW_SCHEMA and emits record batches."""

    def __init__(self, shard: Shard, opts: ReadOptions):
        self.shard = shard
        self.opts = opts
        self._reset()

    def _reset(self) -> None:
        self.positions: list[int] = []
        self.ids: list[str] = []
        self.texts: list[str | None] = []
        self.meta: dict[str, list[str | None]] = {c: [] for c in FIELD_COLUMNS}
        self.reasons: list[str | None] = []
        self.excerpts: list[str | None] = []
        self.chars = 0

    def add_document(self, position: int, text: str, corpus_id: str | None, meta: dict[str, str | None] | None = None) -> None:
        self.positions.append(position)
        self.ids.append(corpus_id if corpus_id is not None else stable_doc_id(self.shard.name, position))
        self.texts.append(text)
        for column, values in self.meta.items():
            values.append(meta.get(column) if meta else None)
        self.reasons.append(None)
        self.excerpts.append(None)
        self.chars += len(text)

    def add_reject(self, position: int, reason: str, excerpt: str | bytes | None) -> None:
        self.positions.append(position)
        self.ids.append(stable_doc_id(self.shard.name, position))
        self.texts.append(None)
        for values in self.meta.values():
            values.append(None)
        self.reasons.append(reason)
        self.excerpts.append(rejects.excerpt(excerpt))

    def full(self) -> bool:
        return len(self.positions) >= self.opts.batch_rows or self.chars >= BATCH_TEXT_CHARS

    def flush(self) -> pa.RecordBatch | None:
        if not self.positions:
            return None
        n = len(self.positions)
        batch = pa.RecordBatch.from_arrays(
            [
                pa.array([self.shard.name] * n, pa.string()),
                pa.array(self.positions, pa.int64()),
                pa.array(self.ids, pa.string()),
                pa.array([s or self.shard.source for s in self.meta["source"]], pa.string()),
                pa.array(self.texts, pa.string()),
                *(pa.array(self.meta[c], pa.string()) for c in META_COLUMNS),
                pa.array(self.reasons, pa.string()),
                pa.array(self.excerpts, pa.string()),
            ],
            schema=RAW_SCHEMA,
        )
        self._reset()
        return batch


def read_shard(shard: Shard, opts: ReadOptions) -> Iterator[pa.RecordBatch]:
    """Yield RAW_SCHEMA batches for one shard; never raises for bad data, only for bugs."""
    if shard.format == "parquet":
        yield from _read_parquet(shard, opts)
        return
    builder = _BatchBuilder(shard, opts)
    if shard.format == "jsonl":
        rows = _jsonl_rows(shard, opts, builder)
    elif opts.text_unit == "blocks":
        rows = _text_block_rows(shard, opts, builder)
    else:
        rows = _text_file_rows(shard, opts, builder)
    for _ in rows:
        if builder.full():
            yield builder.flush()
    last = builder.flush()
    if last is not None:
        yield last


def _open(shard: Shard):
    """A decompressed stream of the shard. Gzip and zstd are decompressed here, incrementally, so that
    every complete record before a break in a cut file is kept (a decompressing stream that fails a
    read loses the whole read)."""
    if shard.end >= 0:  # a work unit of an uncompressed file: its byte range
        f = storage.open_file(shard.path)
        f.seek(shard.start)
        return _RangeStream(f, shard.end - shard.start)
    if shard.compression == "gzip":
        return _IncrementalStream(storage.open_stream(shard.path), lambda: zlib.decompressobj(31), "gzip", zlib.error)
    if shard.compression == "zstd":
        import zstandard

        return _IncrementalStream(storage.open_stream(shard.path), lambda: zstandard.ZstdDecompressor().decompressobj(),
                                  "zstd", zstandard.ZstdError)
    return pa.input_stream(storage.open_stream(shard.path), compression=shard.compression)


class _RangeStream:
    """`read(n)` of at most `length` bytes of an open file, from where it stands."""

    def __init__(self, f, length: int):
        self._f = f
        self._left = length

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        data = self._f.read(n) if n > 0 else b""
        self._left -= len(data)
        return data


class _IncrementalStream:
    """`read(n)` over a compressed file of one frame (member) or several; after handing out everything
    that decompressed before a break, the next read raises OSError (`truncated ...` or `unreadable ...`)."""

    def __init__(self, raw, decompressor, name: str, error_type: type[Exception]):
        self._raw = raw
        self._new = decompressor
        self._inflate = decompressor()
        self._name = name
        self._error_type = error_type
        self._pending = b""
        self._fed = False
        self._eof = False
        self._error: OSError | None = None

    def read(self, n: int = -1) -> bytes:
        while self._error is None and not self._eof and (n < 0 or len(self._pending) < n):
            chunk = self._raw.read(CHUNK_BYTES)
            if not chunk:
                self._eof = True
                if self._fed and not self._inflate.eof:
                    self._error = OSError(f"truncated {self._name} stream: it ends before its end-of-stream marker")
                break
            self._fed = True
            try:
                data = self._inflate.decompress(chunk)
                while self._inflate.eof and self._inflate.unused_data:  # the next member or frame
                    rest = self._inflate.unused_data
                    self._inflate = self._new()
                    data += self._inflate.decompress(rest)
                self._pending += data
            except self._error_type as error:
                self._error = OSError(f"unreadable {self._name} stream: {error}")
        if not self._pending and self._error is not None:
            error, self._error = self._error, None
            raise error
        out, self._pending = (self._pending, b"") if n < 0 else (self._pending[:n], self._pending[n:])
        return out


def _stream_failure(error: Exception) -> str:
    return rejects.TRUNCATED_SHARD if "truncated" in str(error).lower() else rejects.UNREADABLE_SHARD


def _max_line_bytes(opts: ReadOptions) -> int:
    # JSON may spend up to 6 bytes on one character (\uXXXX escapes).
    return opts.max_doc_chars * 6 + 65536


def _lines(stream, max_bytes: int) -> Iterator[tuple[bytes, bool]]:
    """(line without newline, oversized) for each line; an oversized line is cut, not held."""
    buf = b""
    skipping = False
    while True:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            break
        buf += chunk
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            line = buf[start:nl]
            start = nl + 1
            if skipping:
                skipping = False
                continue
            yield line.rstrip(b"\r"), len(line) > max_bytes
        buf = buf[start:]
        if not skipping and len(buf) > max_bytes:
            yield buf[: rejects.EXCERPT_CHARS * 4], True
            skipping = True
            buf = b""
        elif skipping:
            buf = b""
    if buf and not skipping:
        yield buf.rstrip(b"\r"), len(buf) > max_bytes


def _field(obj: dict, dotted: str):
    """obj[a][b] for `a.b`; a key that itself contains dots wins."""
    if dotted in obj:
        return obj[dotted], True
    value = obj
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None, False
        value = value[part]
    return value, True


def _corpus_id(obj: dict, id_field: str) -> str | None:
    value, found = _field(obj, id_field) if id_field else (None, False)
    if not found or value is None or isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value) if str(value) else None
    return None


# Chat records without a `text` field: OpenAI `messages` and ShareGPT `conversations`.
CHAT_FIELDS = ("messages", "conversations")


def render_messages(messages: list) -> list | str:
    """A list of chat messages ({role|from|speaker, content|value|text}) as a transcript, one
    `Role: content` turn per message separated by blank lines (the speaker tagger reads it as a chat);
    any other list is returned unchanged (a non-string text)."""
    turns = []
    for m in messages:
        if not isinstance(m, dict):
            return messages
        role = next((m[k] for k in ("role", "from", "speaker") if isinstance(m.get(k), str)), None)
        content = next((m[k] for k in ("content", "value", "text") if isinstance(m.get(k), str)), None)
        if role is None or content is None:
            return messages
        turns.append(f"{role.strip().capitalize()}: {content.strip()}")
    return "\n\n".join(turns) if turns else messages


def _check_text(value, found: bool, opts: ReadOptions) -> str | None:
    """The reject reason for a text value, or None when it is a usable document."""
    if not found or value is None:
        return rejects.MISSING_TEXT
    if not isinstance(value, str):
        return rejects.NON_STRING_TEXT
    if not value.strip():
        return rejects.EMPTY_TEXT
    if len(value) > opts.max_doc_chars:
        return rejects.OVERSIZED
    return None


def _jsonl_rows(shard: Shard, opts: ReadOptions, out: _BatchBuilder) -> Iterator[None]:
    position = shard.first_position
    try:
        stream = _open(shard)
        for raw, oversized in _lines(stream, _max_line_bytes(opts)):
            if position == 0 and shard.start == 0 and raw.startswith(BOM):
                raw = raw[len(BOM):]  # a UTF-8 byte-order mark opens the file, not the first record
            pos, position = position, position + 1
            if oversized:
                out.add_reject(pos, rejects.OVERSIZED, raw)
            elif not raw.strip():
                continue  # a blank line is no record
            else:
                _add_json_record(out, pos, raw, opts)
            yield None
    except OSError as error:
        out.add_reject(position, _stream_failure(error), f"{shard.name}: {error}")
        yield None


def _add_json_record(out: _BatchBuilder, pos: int, raw: bytes, opts: ReadOptions) -> None:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        out.add_reject(pos, rejects.INVALID_UTF8, raw)
        return
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # a record nested too deep for the parser is malformed, not fatal
        out.add_reject(pos, rejects.MALFORMED_JSON, line)
        return
    if not isinstance(obj, dict):
        out.add_reject(pos, rejects.NOT_AN_OBJECT, line)
        return
    text, found = _field(obj, opts.text_field)
    if not found and opts.text_field == "text":
        for name in CHAT_FIELDS:
            if name in obj:
                text, found = obj[name], True
                break
    if isinstance(text, list):
        text = render_messages(text)
    reason = _check_text(text, found, opts)
    if reason:
        out.add_reject(pos, reason, text if isinstance(text, str) and _encodable(text) else line)
        return
    corpus_id, meta = _corpus_id(obj, opts.id_field), _record_meta(obj, opts)
    if ("\\ud" in line or "\\uD" in line) and not _encodable(text, corpus_id, *meta.values()):
        out.add_reject(pos, rejects.INVALID_UTF8, line)  # a lone surrogate escape (\ud800) is no Unicode text
        return
    out.add_document(pos, text, corpus_id, meta)


def _encodable(*values: str | None) -> bool:
    """Whether every string can be written as UTF-8 (JSON escapes can spell lone surrogates)."""
    try:
        for value in values:
            if value is not None:
                value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _meta_fields(opts: ReadOptions) -> dict[str, tuple[str, ...]]:
    """{metadata column: the record fields it is read from, first present wins (authors: all)}."""
    return {
        "speaker": (opts.speaker_field,) if opts.speaker_field else (),
        "author": tuple(opts.author_fields),
        "label": (opts.label_field,) if opts.label_field else (),
        "group": (opts.group_field,) if opts.group_field else (),
        "source": (opts.source_field,) if opts.source_field else (),
    }


def _scalar(value) -> str | None:
    """A metadata value as one stripped string: strings and integers; anything else is absent."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def _names(value) -> list[str]:
    """Author names of one metadata value: a string or a list of strings (other types: none)."""
    values = value if isinstance(value, list) else [value]
    return [n for n in (_scalar(v) for v in values if isinstance(v, str)) if n]


def _record_meta(obj: dict, opts: ReadOptions) -> dict[str, str | None]:
    meta: dict[str, str | None] = {}
    for column, fields in _meta_fields(opts).items():
        if column == "author":
            names = [n for f in fields for n in _names(_field(obj, f)[0])]
            meta[column] = "\n".join(dict.fromkeys(" ".join(n.split()) for n in names)) or None
        else:
            meta[column] = next((v for v in (_scalar(_field(obj, f)[0]) for f in fields) if v is not None), None)
    return meta


def _decode_document(out: _BatchBuilder, pos: int, raw: bytes, opts: ReadOptions) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        out.add_reject(pos, rejects.INVALID_UTF8, raw)
        return
    text = text.removeprefix("\ufeff")
    reason = _check_text(text, True, opts)
    if reason:
        out.add_reject(pos, reason, text)
    else:
        out.add_document(pos, text, None)


def _text_file_rows(shard: Shard, opts: ReadOptions, out: _BatchBuilder) -> Iterator[None]:
    limit = opts.max_doc_chars * 4
    try:
        raw = _open(shard).read(limit + 1)
    except OSError as error:
        out.add_reject(0, _stream_failure(error), f"{shard.name}: {error}")
        yield None
        return
    if len(raw) > limit:
        out.add_reject(0, rejects.OVERSIZED, raw)
    else:
        _decode_document(out, 0, raw, opts)
    yield None


def _text_block_rows(shard: Shard, opts: ReadOptions, out: _BatchBuilder) -> Iterator[None]:
    """One document per run of non-blank lines; position is the block's index."""
    max_bytes = opts.max_doc_chars * 4
    block: list[bytes] = []
    size = 0
    position = 0
    oversized = False

    def emit() -> None:
        nonlocal block, size, oversized, position
        if oversized:
            out.add_reject(position, rejects.OVERSIZED, b"\n".join(block))
        else:
            _decode_document(out, position, b"\n".join(block), opts)
        position += 1
        block, size, oversized = [], 0, False

    try:
        for raw, too_long in _lines(_open(shard), max_bytes):
            if not raw.strip():
                if block or oversized:
                    emit()
                    yield None
                continue
            size += len(raw) + 1
            if too_long or size > max_bytes:
                oversized = True
            if not oversized or not block:
                block.append(raw)
        if block or oversized:
            emit()
            yield None
    except OSError as error:
        out.add_reject(position, _stream_failure(error), f"{shard.name}: {error}")
        yield None


def _read_parquet(shard: Shard, opts: ReadOptions) -> Iterator[pa.RecordBatch]:
    builder = _BatchBuilder(shard, opts)
    try:
        pf = pq.ParquetFile(storage.open_file(shard.path))
        names = pf.schema_arrow.names
    except (OSError, pa.ArrowInvalid) as error:
        builder.add_reject(0, rejects.UNREADABLE_SHARD, f"{shard.name}: {error}")
        yield builder.flush()
        return
    if opts.text_field not in names:
        note = f"no column {opts.text_field!r}; columns: {', '.join(names)}"
        groups = range(pf.metadata.num_row_groups) if shard.end < 0 else range(shard.start, shard.end)
        first, stop = shard.first_position, shard.first_position + sum(pf.metadata.row_group(g).num_rows for g in groups)
        for start in range(first, stop, opts.batch_rows):
            for pos in range(start, min(start + opts.batch_rows, stop)):
                builder.add_reject(pos, rejects.MISSING_TEXT, note)
            yield builder.flush()
        return
    meta_fields = [f for fields in _meta_fields(opts).values() for f in fields]
    extra = [c for c in (opts.id_field, *meta_fields) if c and c in names and c != opts.text_field]
    columns = [opts.text_field] + list(dict.fromkeys(extra))
    position = shard.first_position
    groups = None if shard.end < 0 else range(shard.start, shard.end)  # a work unit: its row groups
    try:
        for batch in pf.iter_batches(batch_size=opts.batch_rows, columns=columns, row_groups=groups):
            yield _parquet_batch(shard, opts, batch, position)
            position += batch.num_rows
    except (OSError, pa.ArrowException) as error:
        builder.add_reject(position, _stream_failure(error), f"{shard.name}: {error}")
        yield builder.flush()


def _parquet_batch(shard: Shard, opts: ReadOptions, batch: pa.RecordBatch, start: int) -> pa.RecordBatch:
    """Vectorised checks over one Parquet batch; rows are decoded in Python only when invalid."""
    n = batch.num_rows
    texts = batch.column(opts.text_field)
    positions = pa.array(range(start, start + n), pa.int64())
    if pa.types.is_large_string(texts.type):
        texts = texts.cast(pa.string())
    if not pa.types.is_string(texts.type):
        reasons = pc.if_else(texts.is_null(), rejects.MISSING_TEXT, rejects.NON_STRING_TEXT)
        excerpts = pc.cast(texts, pa.string()) if _castable(texts) else pa.nulls(n, pa.string())
        texts = pa.nulls(n, pa.string())
    else:
        texts, bad_utf8 = _valid_utf8(texts)
        too_long = pc.greater(pc.utf8_length(texts), opts.max_doc_chars)
        blank = pc.equal(pc.utf8_trim_whitespace(texts), "")
        reasons = pc.case_when(
            pc.make_struct(bad_utf8, texts.is_null(), blank, too_long),
            rejects.INVALID_UTF8, rejects.MISSING_TEXT, rejects.EMPTY_TEXT, rejects.OVERSIZED,
        )
        excerpts = pc.utf8_slice_codeunits(texts, 0, rejects.EXCERPT_CHARS)
        excerpts = pc.if_else(reasons.is_null(), pa.scalar(None, pa.string()), pc.fill_null(excerpts, ""))
        texts = pc.if_else(reasons.is_null(), texts, pa.scalar(None, pa.string()))
    hashed = pa.array([stable_doc_id(shard.name, p) for p in range(start, start + n)], pa.string())
    if opts.id_field in batch.schema.names and opts.id_field != opts.text_field and _castable(batch.column(opts.id_field)):
        corpus_ids = pc.cast(batch.column(opts.id_field), pa.string())
        corpus_ids = pc.if_else(pc.equal(corpus_ids, ""), pa.scalar(None, pa.string()), corpus_ids)
        ids = pc.if_else(reasons.is_null(), pc.coalesce(corpus_ids, hashed), hashed)
    else:
        ids = hashed
    meta = _parquet_meta(batch, opts, reasons.is_valid())
    return pa.RecordBatch.from_arrays(
        [
            pa.array([shard.name] * n, pa.string()),
            positions,
            ids,
            pc.coalesce(meta["source"], pa.scalar(shard.source, pa.string())),
            texts,
            *(meta[c] for c in META_COLUMNS),
            reasons.cast(pa.string()),
            excerpts.cast(pa.string()),
        ],
        schema=RAW_SCHEMA,
    )


def _parquet_meta(batch: pa.RecordBatch, opts: ReadOptions, rejected: pa.Array) -> dict[str, pa.Array]:
    """Metadata columns of a Parquet batch: string or integer columns (author: also lists of strings)."""
    n = batch.num_rows
    out: dict[str, pa.Array] = {}
    for column, fields in _meta_fields(opts).items():
        present = [f for f in fields if f in batch.schema.names]
        if column == "author" and present:
            rows = zip(*(batch.column(f).to_pylist() for f in present))
            values = pa.array(["\n".join(dict.fromkeys(" ".join(n.split()) for v in row for n in _names(v))) or None for row in rows], pa.string())
        else:
            arrays = [pc.cast(batch.column(f), pa.string()) for f in present if _castable(batch.column(f))]
            values = pc.coalesce(*arrays) if arrays else pa.nulls(n, pa.string())
            if arrays:
                trimmed = pc.utf8_trim_whitespace(values)
                values = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
        out[column] = pc.if_else(rejected, pa.scalar(None, pa.string()), values)
    return out


def _castable(arr: pa.Array) -> bool:
    t = arr.type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)


def _valid_utf8(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(texts with invalid rows nulled, mask of invalid rows); Parquet does not validate UTF-8."""
    try:
        texts.validate(full=True)
        return texts, pa.array([False] * len(texts))
    except pa.ArrowInvalid:
        pass
    decoded: list[str | None] = []
    bad: list[bool] = []
    for value in texts.cast(pa.binary()).to_pylist():
        try:
            decoded.append(None if value is None else value.decode("utf-8"))
            bad.append(False)
        except UnicodeDecodeError:
            decoded.append(None)
            bad.append(True)
    return pa.array(decoded, pa.string()), pa.array(bad)
