"""What every reader shares: the record it yields, and the one way raw fields become a record.

A reader finds an id, a text, a date and a language in its format; :class:`FieldReader`
does the rest the same way for all formats: HTML cleaning (when asked, or when the text
is plainly HTML), the blank-text rule of archives, and :func:`flashpoint.documents.validate_document`.
Every message names its place (``file:line``, ``file row-group 3``, ``file record 12``)
in printable form: a file name that is not UTF-8 is shown with ``\\x`` escapes, since the
output and the terminal can only hold valid Unicode.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

from flashpoint.documents import InputDocument, InvalidDocument, MAX_TEXT_CHARS, check_id, validate_document

logger = logging.getLogger("flashpoint.readers")

# What a reader passes as the id of a record whose format gives none (an empty CSV cell,
# a null Parquet value, a file of a folder): the record is then named by its place.
NO_ID = object()

# Raw HTML is larger than its text; past this it is refused before parsing.
MAX_HTML_CHARS = 20 * MAX_TEXT_CHARS


@dataclass(frozen=True)
class ColumnMapping:
    """Where a record's fields are (CSV and Parquet columns) and whether its text is HTML:
    ``html=True`` cleans every text, ``False`` never, ``None`` cleans texts that are plainly
    HTML and warns that it did."""

    id: str = "id"
    text: str = "text"
    date: str | None = "date"
    lang: str | None = "lang"
    html: bool | None = None


@dataclass(frozen=True)
class InputRecord:
    """One input record: a document to score, or (``error`` set) the reason it cannot be."""

    id: str
    text: str | None
    date: str | None = None
    lang: str | None = None
    error: str | None = None
    date_source: str | None = None

    def document(self) -> InputDocument:
        return InputDocument(self.id, self.text or "", self.lang, self.date, self.date_source)


def printable(value: str) -> str:
    """``value`` as valid Unicode: bytes that were not UTF-8 (kept by the file system as
    surrogate escapes) are shown as ``\\xNN``."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def failed(record_id: str, where: str, reason: str) -> InputRecord:
    return InputRecord(printable(record_id), None, error=f"{where}: {reason}")


def describe_read_error(error: BaseException) -> str:
    """A read failure of a file as a user reads it."""
    if isinstance(error, EOFError):
        return "the file ends early (truncated: its compressed stream has no end)"
    if isinstance(error, gzip.BadGzipFile):
        return f"not a valid gzip file ({error})"
    if isinstance(error, zlib.error):
        return f"corrupt compressed data ({error})"
    if isinstance(error, OSError):
        return f"cannot be read ({error.strerror or error})"
    return f"{type(error).__name__}: {error}"


def open_binary(path: Path):
    """The file's bytes, decompressed when its name ends in .gz."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


class FieldReader:
    """Turns the raw fields of one record into an :class:`InputRecord`, for every format."""

    def __init__(self, source: Path, html: bool | None) -> None:
        self.source = source
        self.html = html
        self.detected_html = 0

    def record(self, fallback_id: str, where: str, record_id: object, text: object, date: object = None,
               lang: object = None, *, url: str | None = None, crawl_date: str | None = None) -> InputRecord:
        """The record; a page without a date of its own takes ``crawl_date`` (a WARC capture),
        flagged ``date_source="crawl"``."""
        try:
            checked_id = fallback_id if record_id is NO_ID else check_id(record_id)
        except InvalidDocument as error:
            return failed(fallback_id, where, str(error))
        if isinstance(text, str) and not text.strip():
            return failed(checked_id, where, "text is empty")
        date_source = None
        try:
            if isinstance(text, str) and self._is_html(text, where):
                try:
                    text, date, date_source = self._clean(text, date, url)
                except (InvalidDocument, ValueError):
                    raise
                except Exception as error:  # noqa: BLE001 - a page the HTML libraries choke on is this record's error
                    raise ValueError(f"the HTML cannot be read ({type(error).__name__}: {error})") from error
            if (date is None or date == "") and crawl_date is not None:
                date, date_source = crawl_date, "crawl"
            document = validate_document(checked_id, text, date, lang, date_source)
        except (InvalidDocument, ValueError) as error:
            return failed(checked_id, where, str(error))
        return InputRecord(document.id, document.text, document.date, document.lang, date_source=document.date_source)

    def _is_html(self, text: str, where: str) -> bool:
        from flashpoint.html_text import looks_like_html

        if self.html is not None:
            return self.html
        if not looks_like_html(text):
            return False
        if self.detected_html == 0:
            logger.warning("%s: the text is HTML; its article text is extracted (give --html to say so, "
                           "--no-html to keep the markup as text)", where)
        self.detected_html += 1
        return True

    def _clean(self, html: str, date: object, url: str | None) -> tuple[str, object, str | None]:
        from flashpoint.html_text import main_text, publication_date

        if len(html) > MAX_HTML_CHARS:
            raise ValueError(f"HTML has {len(html)} characters, over the limit of {MAX_HTML_CHARS}")
        text = main_text(html, url)
        if date is None or date == "":
            found = publication_date(html, url)
            if found is not None:
                return text, found, "page"
        return text, date, None

    def finish(self) -> None:
        if self.detected_html > 1:
            logger.warning("%s: %d records held HTML and were cleaned", printable(str(self.source)), self.detected_html)


def where_in(path: Path, position: str | int) -> str:
    return f"{printable(str(path))}:{position}"
