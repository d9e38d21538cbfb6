"""Output writers: JSONL (the score contract), CSV and Parquet (one flat row per event).

Flat rows are ACLED-like: one row per event with its type, score, actors, targets,
places, times and fatalities joined by " | ", and the evidence sentence. A document
with no event, or one that failed, still gets one row (event columns empty), so
that every input keeps exactly one visible status in every format.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from flashpoint.durable import fsync_file, publish, temporary_name
from flashpoint.errors import UserError

FLAT_COLUMNS = [
    "id", "status", "error", "lang", "date", "date_source", "event_index", "type", "score", "sentence_index",
    "actors", "targets", "locations", "times", "fatalities", "sentence",
]
_ROLE_COLUMNS = {"actor": "actors", "target": "targets", "location": "locations", "time": "times",
                 "fatalities": "fatalities"}


def flat_rows(document: dict) -> list[dict]:
    base = {"id": document["id"], "status": document["status"], "error": document.get("error"),
            "lang": document.get("lang"), "date": document.get("date"), "date_source": document.get("date_source")}
    if not document["events"]:
        return [{**{c: None for c in FLAT_COLUMNS}, **base}]
    rows = []
    for index, event in enumerate(document["events"]):
        row = {**base, "event_index": index, "type": event["type"], "score": event["score"],
               "sentence_index": event["sentence_index"], "sentence": event["sentence"]}
        for role, column in _ROLE_COLUMNS.items():
            row[column] = " | ".join(a["text"] for a in event["arguments"].get(role, [])) or None
        rows.append(row)
    return rows


def output_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".parquet", "parquet")):
        if name.endswith(suffix):
            return kind
    raise UserError(f"{path}: unknown output format (use .jsonl, .csv or .parquet)")


# Characters a JSON string may hold raw that line-splitting readers (Python's str.splitlines,
# some JavaScript tools) take for line ends: written escaped, so one record stays one line.
_LINE_BREAKING = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(value: dict) -> str:
    """One JSON Lines record, without its newline: UTF-8 kept readable, line-breaking characters escaped."""
    return json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKING)


def encode_chunk(documents: list[dict], kind: str, with_header: bool) -> bytes:
    """Serialise one chunk of results for appending to a JSONL or CSV file."""
    if kind == "jsonl":
        return "".join(json_line(d) + "\n" for d in documents).encode("utf-8")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FLAT_COLUMNS, lineterminator="\n")
    if with_header:
        writer.writeheader()
    for document in documents:
        writer.writerows(flat_rows(document))
    return buffer.getvalue().encode("utf-8")


def _flat_schema():
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c in ("event_index", "sentence_index") else
                       pa.float64() if c == "score" else pa.string()) for c in FLAT_COLUMNS])


def write_parquet_part(documents: list[dict], path: Path) -> None:
    """Write one chunk's rows as a Parquet file, synced to disk before it is renamed into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [row for d in documents for row in flat_rows(d)]
    pq.write_table(pa.Table.from_pylist(rows, schema=_flat_schema()), path)
    fsync_file(path)


def merge_parquet_parts(parts: list[Path], destination: Path, empty_schema=None) -> None:
    """Concatenate the part files into ``destination``, which appears complete or not at all.

    The merged file is built under a temporary name, synced and renamed, so a kill
    during the merge leaves the parts intact and no truncated ``destination``.
    Without parts (an empty input) the file holds ``empty_schema`` (default: the
    document rows' schema) and no rows.
    """
    import pyarrow.parquet as pq

    temporary = temporary_name(destination)
    schema = pq.read_schema(parts[0]) if parts else (empty_schema or _flat_schema())
    with pq.ParquetWriter(temporary, schema) as writer:
        for part in parts:
            writer.write_table(pq.read_table(part))
    publish(temporary, destination)


# -- records mode: one row per merged event, ACLED's columns -------------------------
def record_column_types() -> list[tuple[str, object]]:
    """Record columns and their Python types, from :class:`flashpoint.records.EventRecord`,
    plus ``status``/``error`` so a failed document keeps one visible row."""
    from flashpoint.records import record_columns

    return record_columns() + [("status", str), ("error", str | None)]


def record_rows(document: dict) -> list[dict]:
    """The record rows of one scored document (``document["records"]``); a failed one gives one error row."""
    columns = [name for name, _ in record_column_types()]
    if document["status"] == "error":
        return [{**{c: None for c in columns}, "source": document["id"], "status": "error",
                 "error": document.get("error"), "evidence_sentences": [], "evidence_starts": [],
                 "evidence_ends": []}]
    return [{**record, "status": "ok", "error": None} for record in document.get("records", [])]


def _csv_value(value):
    if isinstance(value, list):
        return json.dumps(value)
    return value


def encode_record_chunk(documents: list[dict], kind: str, with_header: bool) -> bytes:
    """Serialise the record rows of one chunk (JSONL: one object per record; CSV: one line)."""
    rows = [row for d in documents for row in record_rows(d)]
    if kind == "jsonl":
        return "".join(json_line(r) + "\n" for r in rows).encode("utf-8")
    columns = [name for name, _ in record_column_types()]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    if with_header:
        writer.writeheader()
    writer.writerows({k: _csv_value(v) for k, v in r.items()} for r in rows)
    return buffer.getvalue().encode("utf-8")


def chunk_encoder(mode: str):
    """How a chunk of scored documents becomes JSONL or CSV bytes in an output mode
    (:data:`flashpoint.chunk_scoring.OUTPUT_MODES`): one row per merged event in records
    mode, else one line per document. The one choice every engine and writer makes."""
    return encode_record_chunk if mode == "records" else encode_chunk


def parquet_part_writer(mode: str):
    """How a chunk of scored documents becomes a Parquet part in an output mode."""
    return write_record_parquet_part if mode == "records" else write_parquet_part


def empty_parquet_schema(mode: str):
    """The schema of a Parquet output with no part at all (None: the flat score schema)."""
    return record_schema() if mode == "records" else None


def _arrow_type(pa, python_type):
    """The Arrow type of a record column, from its Python annotation (``int | None`` -> int64)."""
    import types
    import typing

    args = [a for a in typing.get_args(python_type) if a is not type(None)]
    if isinstance(python_type, types.UnionType) or typing.get_origin(python_type) is typing.Union:
        python_type = args[0]
    if typing.get_origin(python_type) is list:
        return pa.list_(_arrow_type(pa, typing.get_args(python_type)[0]))
    return {int: pa.int64(), float: pa.float64(), str: pa.string(), bool: pa.bool_()}[python_type]


def record_schema():
    import pyarrow as pa

    return pa.schema([(name, _arrow_type(pa, t)) for name, t in record_column_types()])


def write_record_parquet_part(documents: list[dict], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [row for d in documents for row in record_rows(d)]
    pq.write_table(pa.Table.from_pylist(rows, schema=record_schema()), path)
    fsync_file(path)
