"""Archive readers: every input record becomes exactly one ``InputRecord``.

Supported inputs (the format follows the name): JSONL (optionally .gz) following the
score-input contract ``{"id", "text", "date" (optional), "lang" (optional)}``; CSV
(optionally .gz) and Parquet with a column mapping; folders of .txt (and .html) files;
saved .html pages; WARC files (.warc, .warc.gz) whose HTML responses give their article
text and date. The formats live in :mod:`flashpoint.inputs`, one module each.

A record that cannot be read (invalid JSON, undecodable bytes, missing or empty text,
text over the size limit, a bad date, an id that is not a string) is still yielded,
with ``error`` set, so that the output has one status per input and nothing is dropped
in silence. A fault of a whole file (a truncated or corrupt gzip stream, a CSV without
its text column, a corrupt WARC record) is one such record naming the file and where
reading stopped, and the other inputs are read all the same. Ids used twice are
reported as warnings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flashpoint.documents import MAX_TEXT_CHARS
from flashpoint.inputs.csv_table import read_csv
from flashpoint.inputs.jsonl import read_jsonl
from flashpoint.inputs.parquet_table import read_parquet
from flashpoint.inputs.records import ColumnMapping, FieldReader, InputRecord, failed, logger, printable
from flashpoint.inputs.text_folder import read_html_file, read_text_folder
from flashpoint.inputs.warc import read_warc

__all__ = ["MAX_TEXT_CHARS", "ColumnMapping", "InputRecord", "LineRange", "input_kind", "read_inputs", "read_jsonl_lines"]

_SUFFIXES = {
    "warc": (".warc", ".warc.gz"),
    "jsonl": (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json"),
    "csv": (".csv", ".csv.gz"),
    "parquet": (".parquet",),
    "html": (".html", ".htm"),
}
# How many duplicate ids are named one by one before only their count is given.
_NAMED_DUPLICATES = 10


def input_kind(path: Path) -> str:
    """The reader ``path`` goes to ("directory", "warc", "jsonl", "csv", "parquet" or "html"), from its name."""
    if path.is_dir():
        return "directory"
    name = path.name.lower()
    for kind, suffixes in _SUFFIXES.items():
        if name.endswith(suffixes):
            return kind
    raise ValueError(f"{printable(str(path))}: unknown input format (expected .jsonl[.gz], .csv[.gz], .parquet, "
                     ".warc[.gz], .html or a folder of .txt)")


@dataclass(frozen=True)
class LineRange:
    """Lines ``first_line``.. of a plain JSONL file: bytes ``start`` to ``end`` (both line starts)."""

    start: int
    end: int
    first_line: int


def _read_one(path: Path, kind: str, columns: ColumnMapping, lines: LineRange | None = None) -> Iterator[InputRecord]:
    fields = FieldReader(path, columns.html)
    if lines is not None:
        yield from read_jsonl(path, fields, lines.start, lines.end, lines.first_line)
    elif kind == "directory":
        yield from read_text_folder(path, fields, FieldReader(path, html=True))
    elif kind == "warc":
        yield from read_warc(path, FieldReader(path, html=True), FieldReader(path, html=False))
    elif kind == "html":
        yield from read_html_file(path, FieldReader(path, html=True))
    elif kind == "jsonl":
        yield from read_jsonl(path, fields)
    elif kind == "csv":
        yield from read_csv(path, columns, fields)
    else:
        yield from read_parquet(path, columns, fields)
    fields.finish()


def _contained(path: Path, columns: ColumnMapping, lines: LineRange | None = None) -> Iterator[InputRecord]:
    """The records of one input (or of ``lines`` of it); a failure no reader foresaw ends
    this input with an error record, never the run."""
    count = 0 if lines is None else lines.first_line - 1
    try:
        kind = input_kind(path)
        for record in _read_one(path, kind, columns, lines):
            count += 1
            yield record
    except Exception as error:  # noqa: BLE001 - any fault of one input is reported, the next input is read
        yield failed(f"{path.name}:{count + 1}", printable(str(path)),
                     f"reading failed after {count} record(s) ({type(error).__name__}: {error}); "
                     "the rest of this input is not read")


def read_jsonl_lines(path: Path, columns: ColumnMapping, lines: LineRange) -> Iterator[InputRecord]:
    """The records of ``lines`` of a plain JSONL file, each exactly as :func:`read_inputs`
    gives it for the whole file: how a distributed run reads one shard of a big file."""
    if input_kind(path) != "jsonl" or path.name.lower().endswith(".gz"):
        raise ValueError(f"{printable(str(path))}: only a plain JSONL file is read by line range")
    yield from _contained(path, columns, lines)


def read_inputs(paths: list[Path], columns: ColumnMapping | None = None) -> Iterator[InputRecord]:
    """All records of all ``paths``, in order; the format follows each path's name."""
    columns = columns or ColumnMapping()
    for path in paths:
        input_kind(path)  # an input of unknown format is the user's mistake: refused before any reading
    seen: set[int] = set()  # hashes of the ids, not the ids: a long archive's ids need not fit in memory
    duplicates = 0
    for path in paths:
        for record in _contained(path, columns):
            if record.error is None:
                key = hash(record.id)
                if key in seen:
                    duplicates += 1
                    if duplicates <= _NAMED_DUPLICATES:
                        logger.warning("%s: id %r was used by an earlier record; its results cannot be told apart",
                                       printable(str(path)), record.id)
                seen.add(key)
            yield record
    if duplicates:
        logger.warning("%d record(s) reuse an id of an earlier record", duplicates)
