"""Archive readers: every input record becomes exactly one ``InputRecord``.

Supported inputs: JSONL (optionally .gz) following the score-input contract
``{"id", "text", "date" (optional), "lang" (optional)}``; CSV with a column
mapping; directories of .txt files; WARC files (.warc, .warc.gz) whose HTML
responses are turned into text. A record that cannot be read (invalid JSON,
undecodable bytes, missing or empty text, text over the size limit, a bad date)
is still yielded, with ``error`` set, so that the output has one status per input
and nothing is dropped in silence.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_TEXT_CHARS = 200_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ColumnMapping:
    id: str = "id"
    text: str = "text"
    date: str | None = "date"
    lang: str | None = "lang"


@dataclass(frozen=True)
class InputRecord:
    id: str
    text: str | None
    date: str | None = None
    lang: str | None = None
    error: str | None = None


def _checked(record_id: str, text, date, lang, where: str) -> InputRecord:
    """Apply the contract's checks to one record's fields."""
    if not isinstance(text, str):
        return InputRecord(record_id, None, error=f"{where}: field 'text' is missing or not a string")
    if not text.strip():
        return InputRecord(record_id, None, error=f"{where}: text is empty")
    if len(text) > MAX_TEXT_CHARS:
        return InputRecord(record_id, None, error=f"{where}: text has {len(text)} characters, over the limit of {MAX_TEXT_CHARS}")
    if date not in (None, "") and (not isinstance(date, str) or not _DATE.match(date)):
        return InputRecord(record_id, None, error=f"{where}: date {date!r} is not YYYY-MM-DD")
    if lang not in (None, "") and (not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang)):
        return InputRecord(record_id, None, error=f"{where}: lang {lang!r} is not an ISO 639 code")
    return InputRecord(record_id, text, date or None, lang or None)


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _lines(handle, size: int | None) -> Iterator[bytes]:
    """The lines of ``handle`` from where it stands, stopping after ``size`` bytes when given."""
    if size is None:
        yield from handle
        return
    for raw in handle:
        if size <= 0:
            return
        size -= len(raw)
        yield raw


def read_jsonl(path: Path, start: int = 0, end: int | None = None, first_line: int = 1) -> Iterator[InputRecord]:
    """Records of a JSONL file; ``start``/``end`` (byte offsets of line starts, uncompressed
    files only) and the line number at ``start`` read one shard of it."""
    with _open_binary(path) as handle:
        handle.seek(start)
        for number, raw in enumerate(_lines(handle, None if end is None else end - start), start=first_line):
            where = f"{path}:{number}"
            fallback_id = f"{path.name}:{number}"
            if not raw.strip():
                yield InputRecord(fallback_id, None, error=f"{where}: blank line")
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield InputRecord(fallback_id, None, error=f"{where}: not valid UTF-8 ({error.reason} at byte {error.start})")
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                yield InputRecord(fallback_id, None, error=f"{where}: invalid JSON ({error.msg})")
                continue
            if not isinstance(data, dict):
                yield InputRecord(fallback_id, None, error=f"{where}: a record must be a JSON object")
                continue
            record_id = data.get("id")
            if not isinstance(record_id, (str, int)) or record_id == "":
                yield InputRecord(fallback_id, None, error=f"{where}: field 'id' is missing")
                continue
            yield _checked(str(record_id), data.get("text"), data.get("date"), data.get("lang"), where)


def read_csv(path: Path, columns: ColumnMapping) -> Iterator[InputRecord]:
    csv.field_size_limit(sys.maxsize)
    with _open_binary(path) as binary:
        handle = io.TextIOWrapper(binary, encoding="utf-8", errors="strict", newline="")
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or columns.text not in reader.fieldnames:
            raise ValueError(f"{path}: no column {columns.text!r} (columns: {reader.fieldnames}); use --text-column")
        number = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as error:
                yield InputRecord(f"{path.name}:{number + 1}", None, error=f"{path}: not valid UTF-8 after row {number} ({error.reason}); rest of file unreadable")
                break
            number += 1
            where = f"{path}:{number}"
            record_id = row.get(columns.id) or f"{path.name}:{number}"
            yield _checked(record_id, row.get(columns.text), row.get(columns.date) if columns.date else None,
                           row.get(columns.lang) if columns.lang else None, where)


def read_text_directory(path: Path) -> Iterator[InputRecord]:
    for file in sorted(p for p in path.rglob("*.txt") if p.is_file()):
        record_id = str(file.relative_to(path))
        try:
            text = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            yield InputRecord(record_id, None, error=f"{file}: not valid UTF-8 ({error.reason} at byte {error.start})")
            continue
        yield _checked(record_id, text, None, None, str(file))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: scripts, styles and navigation dropped, blocks kept apart."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    for selector in ("script", "style", "noscript", "nav", "header", "footer", "aside", "form"):
        for node in tree.css(selector):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    blocks = [" ".join(node.text(deep=True, separator=" ").split()) for node in root.css("h1, h2, h3, p, li")]
    blocks = [b for b in blocks if b]
    if not blocks:
        blocks = [" ".join(root.text(separator=" ").split())]
    return "\n\n".join(blocks)


def read_warc(path: Path) -> Iterator[InputRecord]:
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as handle:
        for number, record in enumerate(ArchiveIterator(handle), start=1):
            if record.rec_type != "response":
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or f"{path.name}#{number}"
            date = (record.rec_headers.get_header("WARC-Date") or "")[:10] or None
            content_type = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
            if "html" not in content_type and "text" not in content_type:
                continue
            payload = record.content_stream().read()
            try:
                html = payload.decode("utf-8")
            except UnicodeDecodeError:
                charset = re.search(r"charset=([\w-]+)", content_type)
                try:
                    html = payload.decode(charset.group(1) if charset else "utf-8", errors="strict")
                except (LookupError, UnicodeDecodeError) as error:
                    yield InputRecord(uri, None, error=f"{path} record {number}: cannot decode page ({error})")
                    continue
            text = html_to_text(html) if "html" in content_type else html
            yield _checked(uri, text, date, None, f"{path} record {number}")


def read_inputs(paths: list[Path], columns: ColumnMapping | None = None) -> Iterator[InputRecord]:
    """All records of all ``paths``, in order; the format follows each path's name."""
    columns = columns or ColumnMapping()
    for path in paths:
        name = path.name.lower()
        if path.is_dir():
            yield from read_text_directory(path)
        elif name.endswith((".warc", ".warc.gz")):
            yield from read_warc(path)
        elif name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".json")):
            yield from read_jsonl(path)
        elif name.endswith((".csv", ".csv.gz")):
            yield from read_csv(path, columns)
        else:
            raise ValueError(f"{path}: unknown input format (expected .jsonl[.gz], .csv[.gz], .warc[.gz] or a directory of .txt)")
