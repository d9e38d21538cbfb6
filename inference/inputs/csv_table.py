"""CSV (optionally gzipped) with a header row; the columns are named by a ColumnMapping.

Three faults of real CSV files are contained row by row:
- bytes that are not UTF-8 make only their own row an error: lines are decoded one by
  one (with surrogate escapes), and a row holding such a byte in a field it uses is
  refused, while the rows before and after it are read;
- a quote that is never closed would swallow every following line into one field: the
  parser is strict, and when a row cannot be parsed it becomes an error and parsing starts
  again on the line after the row's first line, so the rows it swallowed are read again;
- a byte-order mark does not become part of the first column's name.
A file without the text column is one error record; the other inputs are still read.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from flashpoint.documents import MAX_TEXT_CHARS
from flashpoint.inputs.records import (NO_ID, ColumnMapping, FieldReader, InputRecord, describe_read_error, failed, logger,
                                       open_binary, printable, where_in)

# The csv module's field limit bounds what an unclosed quote can gather before it is caught.
FIELD_LIMIT = 8 * MAX_TEXT_CHARS
_BOM = b"\xef\xbb\xbf"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # surrogateescape's stand-ins for undecodable bytes


class _Lines:
    """The file's physical lines for the csv parser, keeping the lines of the current row so
    that they can be parsed again after a row fails."""

    def __init__(self, binary) -> None:
        self.binary = binary
        self.read = 0
        self.pending: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        if self.pending:
            number, line = self.pending.popleft()
        else:
            raw = self.binary.readline()
            if not raw:
                raise StopIteration
            self.read += 1
            number = self.read
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM):]
            line = raw.decode("utf-8", "surrogateescape")
        self.taken.append((number, line))
        return line

    def start_row(self) -> None:
        self.taken = []

    def first_line(self) -> int:
        return self.taken[0][0] if self.taken else self.read

    def replay_after_first(self) -> None:
        """Parse again every line of the failed row but its first."""
        self.pending.extendleft(reversed(self.taken[1:]))
        self.taken = []


def _undecodable(value: str) -> int | None:
    """The first byte that was not UTF-8 in ``value``, or None."""
    match = _ESCAPED_BYTE.search(value)
    return None if match is None else ord(match.group()) - 0xDC00


def read_csv(path: Path, columns: ColumnMapping, fields: FieldReader) -> Iterator[InputRecord]:
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    name = printable(path.name)
    lines = _Lines(None)
    try:
        with open_binary(path) as binary:
            lines.binary = binary
            reader = csv.reader(lines, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                yield failed(name, where_in(path, 1), "the file is empty (no header row)")
                return
            except csv.Error as error:
                yield failed(name, where_in(path, 1), f"the header row cannot be parsed ({error})")
                return
            if any(_undecodable(column) is not None for column in header):
                yield failed(name, where_in(path, 1), "the header row is not valid UTF-8")
                return
            if columns.text not in header:
                yield failed(name, where_in(path, 1), f"no column {columns.text!r} (columns: {', '.join(header)}); "
                                                      "use --text-column")
                return
            index = {column: header.index(column) for column in set(header)}
            if columns.id not in index:
                logger.warning("%s: no column %r; records are named by file and line", printable(str(path)), columns.id)
            used = [(role, column) for role, column in (("id", columns.id), ("text", columns.text),
                                                        ("date", columns.date), ("lang", columns.lang))
                    if column is not None and column in index]
            while True:
                lines.start_row()
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    start, spanned = lines.first_line(), len(lines.taken)
                    lines.replay_after_first()
                    reader = csv.reader(lines, strict=True)
                    yield failed(f"{name}:{start}", where_in(path, start),
                                 f"row cannot be parsed ({error}; an unclosed quote?): skipped, and the "
                                 f"{spanned - 1} line(s) after its first are read again" if spanned > 1 else
                                 f"row cannot be parsed ({error})")
                    continue
                if not row:
                    continue  # a blank line holds no record
                yield _row_record(row, header, index, used, lines.first_line(), path, name, fields)
    except (OSError, EOFError, zlib.error) as error:
        after = f"after line {lines.read}; the rows after it are missing" if lines.read else "before its header"
        yield failed(f"{name}:{lines.read + 1}", where_in(path, lines.read + 1),
                     f"{describe_read_error(error)}: reading stopped {after}")


def _row_record(row: list[str], header: list[str], index: dict[str, int], used: list[tuple[str, str]], line: int,
                path: Path, name: str, fields: FieldReader) -> InputRecord:
    where, fallback_id = where_in(path, line), f"{name}:{line}"
    if len(row) > len(header):
        return failed(fallback_id, where, f"row has {len(row)} fields where the header has {len(header)} "
                                          "(a comma or quote in an unquoted field?)")
    values: dict[str, str | None] = {}
    for role, column in used:
        value = row[index[column]] if index[column] < len(row) else None
        if value is not None and (byte := _undecodable(value)) is not None:
            return failed(fallback_id, where, f"not valid UTF-8 (byte 0x{byte:02x} in column {column!r})")
        values[role] = value
    return fields.record(fallback_id, where, values.get("id") or NO_ID, values.get("text"), values.get("date"),
                         values.get("lang"))
