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


def _skip_rest_of_line(handle) -> None:
    while (chunk := handle.readline(1 << 20)) and not chunk.endswith(b"\n"):
        pass


def read_jsonl(path: Path, fields: FieldReader) -> Iterator[InputRecord]:
    name = printable(path.name)
    number = 0
    try:
        with open_binary(path) as handle:
            while raw := handle.readline(MAX_LINE_BYTES + 1):
                number += 1
                where, fallback_id = where_in(path, number), f"{name}:{number}"
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    _skip_rest_of_line(handle)
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
