"""JSONL (optionally gzipped): one ``{"id", "text", "date", "lang"}`` object per line.

Each line is decoded and parsed on its own, so a bad line costs that line only. Faults
of the file itself (a truncated or corrupt gzip stream) end the file with one error
record saying after which line it broke; the records read before it are kept.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from flashpoint.documents import MAX_TEXT_CHARS, JsonInteger
from flashpoint.inputs.records import FieldReader, InputRecord, describe_read_error, failed, open_binary, printable, where_in

# JSON may escape one character as 12 bytes ("\ud83d\ude00"); a longer line cannot hold
# a text within the limit and is skipped without being held in memory whole.
MAX_LINE_BYTES = 12 * MAX_TEXT_CHARS + 65_536
_BOM = b"\xef\xbb\xbf"


def _parse(line: str) -> tuple[object, str | None]:
    """The line's JSON value, or the reason it is not one."""
    try:
        return json.loads(line, parse_int=JsonInteger), None
    except json.JSONDecodeError as error:
        return None, f"invalid JSON ({error.msg} at column {error.colno})"
    except RecursionError:
        return None, "invalid JSON (nested too deeply)"


def _skip_rest_of_line(handle) -> int:
    """Read past the rest of the line; the number of bytes read past."""
    skipped = 0
    while chunk := handle.readline(1 << 20):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def read_jsonl(path: Path, fields: FieldReader, start: int = 0, end: int | None = None,
               first_line: int = 1) -> Iterator[InputRecord]:
    """The records of a JSONL file, or of one shard of a plain one: the lines from byte
    ``start`` (the start of line ``first_line``) up to byte ``end`` (a line start too).
    A shard's records are exactly those the whole file gives for its lines."""
    name = printable(path.name)
    number = first_line - 1
    remaining = None if end is None else end - start
    try:
        with open_binary(path) as handle:
            if start:
                handle.seek(start)
            while (remaining is None or remaining > 0) and (raw := handle.readline(MAX_LINE_BYTES + 1)):
                number += 1
                where, fallback_id = where_in(path, number), f"{name}:{number}"
                if remaining is not None:
                    remaining -= len(raw)
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    skipped = _skip_rest_of_line(handle)
                    if remaining is not None:
                        remaining -= skipped
                    yield failed(fallback_id, where, f"line is over {MAX_LINE_BYTES} bytes, too long for a text "
                                                     f"within the limit of {MAX_TEXT_CHARS} characters")
                    continue
                if number == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
                if not raw.strip():
                    yield failed(fallback_id, where, "blank line")
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    yield failed(fallback_id, where, f"not valid UTF-8 ({error.reason} at byte {error.start})")
                    continue
                data, problem = _parse(line)
                if problem is not None:
                    yield failed(fallback_id, where, problem)
                elif not isinstance(data, dict):
                    yield failed(fallback_id, where, "a record must be a JSON object")
                elif "id" not in data:
                    yield failed(fallback_id, where, "field 'id' is missing")
                else:
                    yield fields.record(fallback_id, where, data.get("id"), data.get("text"), data.get("date"),
                                        data.get("lang"))
    except (OSError, EOFError, zlib.error) as error:  # gzip, zlib and file-system faults of the file itself
        after = f"after line {number}; the records after it are missing" if number else "before its first line"
        yield failed(f"{name}:{number + 1}", where_in(path, number + 1), f"{describe_read_error(error)}: reading stopped {after}")
