"""WARC (.warc, .warc.gz): every HTML or text response is one document.

An HTML page gives its article text and publication date (see :mod:`flashpoint.html_text`);
a page without a date of its own takes the capture date (``WARC-Date``), flagged
``date_source="crawl"``. Responses that are neither HTML nor text (images, scripts) and
non-response records (requests, metadata) hold no article and are passed over.

Nothing is lost in silence:
- a record whose block is shorter than its ``Content-Length`` (a truncated file) is an error;
- a record that cannot be parsed is an error, and reading resumes at the next record start
  found after it (the next gzip member of a .warc.gz, the next ``WARC/1.x`` line of a .warc);
- bytes after the last complete record that hold no record are an error naming them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from flashpoint.inputs.records import FieldReader, InputRecord, describe_read_error, failed, printable

_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_LINE = re.compile(rb"(?:^|\n)(WARC/1\.[01]\r?\n)")
_SCAN_BLOCK = 1 << 20


def _next_record_start(handle, after: int, compressed: bool) -> int | None:
    """Offset of the first record start after the one at ``after`` (padding skipped), or None."""
    handle.seek(after)
    head = handle.read(64)
    position = after + len(head) - len(head.lstrip()) + 1
    while True:
        handle.seek(position)
        block = handle.read(_SCAN_BLOCK + 16)
        if not block:
            return None
        if compressed:
            found = block.find(_GZIP_MEMBER)
            offset = found if found >= 0 else None
        else:
            match = _WARC_LINE.search(block)
            offset = match.start(1) if match else None
        if offset is not None:
            return position + offset
        if len(block) <= 16:
            return None
        position += _SCAN_BLOCK


def _decode(payload: bytes, content_type: str) -> str:
    declared = _CHARSET.search(content_type)
    try:
        return payload.decode(declared.group(1) if declared else "utf-8")
    except LookupError:
        raise ValueError(f"unknown charset {declared.group(1)!r}") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"cannot decode page as {error.encoding} ({error.reason} at byte {error.start})") from None


def read_warc(path: Path, pages: FieldReader, texts: FieldReader) -> Iterator[InputRecord]:
    """Documents of the WARC; ``pages`` reads HTML responses (cleaned), ``texts`` plain ones."""
    from warcio.archiveiterator import ArchiveIterator

    shown = printable(str(path))
    compressed = path.name.lower().endswith(".gz")
    size = path.stat().st_size
    number = 0
    start = 0
    with path.open("rb") as handle:
        while start is not None and start < size:
            handle.seek(start)
            records = ArchiveIterator(handle)
            end = start  # end of the last record read completely, as an offset in the file
            inside = False  # whether ``number`` already counts the record being read
            try:
                for record in records:
                    number, inside = number + 1, True
                    where = f"{shown} record {number} (byte {end})"
                    produced = _document(record, number, where, path, pages, texts)
                    records.read_to_end(record)
                    missing = getattr(record.raw_stream, "limit", 0)
                    if missing and (produced is None or produced.error is None):
                        produced = failed(f"{printable(path.name)}#{number}", where,
                                          f"record is truncated ({missing} byte(s) of its Content-Length missing)")
                    end = records.get_record_offset() + records.get_record_length()  # offsets in the file
                    inside = False
                    if produced is not None:
                        yield produced
                resume = None
                tail = _tail(handle, end, size)
                if tail:
                    yield failed(f"{printable(path.name)}#{number + 1}", f"{shown} byte {end}",
                                 f"{tail} byte(s) after the last complete record hold no readable record "
                                 "(a truncated or corrupt file): what they held is missing")
            except Exception as error:  # noqa: BLE001 - warcio fails with many types on damaged input (its own
                # ArchiveLoadFailed, zlib and gzip errors, AttributeError on a missing header): each means this
                # record cannot be parsed, and the error line carries the type
                number += 0 if inside else 1
                resume = _next_record_start(handle, end, compressed)
                skipped = (resume if resume is not None else size) - end
                yield failed(f"{printable(path.name)}#{number}", f"{shown} record {number} (byte {end})",
                             f"corrupt WARC record ({describe_read_error(error)}): {skipped} byte(s) skipped"
                             + ("" if resume is not None else "; no record after it"))
            start = resume


def _tail(handle, end: int, size: int) -> int:
    """How many bytes after ``end`` are not padding between records."""
    if end >= size:
        return 0
    handle.seek(end)
    rest = handle.read(min(size - end, 64))
    return 0 if size - end <= 64 and not rest.strip() else size - end


def _document(record, number: int, where: str, path: Path, pages: FieldReader, texts: FieldReader) -> InputRecord | None:
    """The record's document, its error, or None when the record holds no article."""
    if record.format != "warc":
        raise ValueError(f"not a WARC record (parsed as {record.format})")
    if record.rec_type is None or record.length is None:
        raise ValueError("the record's header is incomplete (a truncated file?)")
    if record.rec_type != "response":
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI") or f"{printable(path.name)}#{number}"
    crawl_date = (record.rec_headers.get_header("WARC-Date") or "")[:10] or None
    content_type = (record.http_headers.get_header("Content-Type", "") if record.http_headers else "") or ""
    if "html" not in content_type and "text" not in content_type:
        return None
    payload = record.content_stream().read()
    missing = record.raw_stream.limit
    if missing:
        return failed(uri, where, f"record is truncated ({missing} byte(s) of its Content-Length missing)")
    try:
        page = _decode(payload, content_type)
    except ValueError as error:
        return failed(uri, where, str(error))
    reader = pages if "html" in content_type else texts
    return reader.record(uri, where, uri, page, url=uri, crawl_date=crawl_date)
