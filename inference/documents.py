"""One validation of an input document, shared by the archive readers and the Python API.

``flashpoint score`` and ``Extractor.extract``/``extract_many`` must agree on what a
document is: the same date given to both is either kept as the same ``YYYY-MM-DD`` or
refused with the same named error. Everything that checks an id, a text, a date or a
language lives here, and both sides call :func:`validate_document`.

Rules:
- ``id``: a non-empty string (an integer is taken as its decimal digits), valid Unicode;
- ``text``: a string of at most ``MAX_TEXT_CHARS`` characters, valid Unicode (an unpaired
  surrogate cannot be written to any output);
- ``date``: ``YYYY-MM-DD`` or an ISO 8601 datetime (``2025-01-03T10:00:00Z``), a real
  calendar day; a datetime keeps its date as written (the publisher's local day);
- ``lang``: an ISO 639-1/639-3 code in lower case.

Empty text is no error here: the API returns a document without events for it. Archive
readers refuse blank records themselves (an empty record usually means a wrong column).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

MAX_TEXT_CHARS = 200_000
MAX_ID_CHARS = 2_000

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?")
_LANG = re.compile(r"[a-z]{2,3}")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class InputDocument:
    """A document as the pipeline reads it. ``date_source`` says where a date that the
    input did not give came from ("page": the HTML itself, "crawl": the WARC capture date)."""

    id: str
    text: str
    lang: str | None = None
    date: str | None = None
    date_source: str | None = None


class InvalidDocument(ValueError):
    """A document that cannot be scored; the message names the field and the reason."""


class InvalidDate(InvalidDocument):
    """A date that is not ``YYYY-MM-DD``/ISO 8601, or not a day of the calendar."""


class InvalidLanguage(InvalidDocument):
    """A language that is not an ISO 639 code."""


class InvalidId(InvalidDocument):
    """An id that is missing, not a string, or not valid Unicode."""


class InvalidText(InvalidDocument):
    """A text that is missing, not a string, too long, or not valid Unicode."""


class JsonInteger(str):
    """An integer of a JSON record, kept as the digits written (a 5,000-digit id stays exact
    and never meets Python's limit on integer conversion). Readers pass it as ``parse_int``."""


def kind_of(value: object) -> str:
    """The name a user knows a value's type by (JSON's words, not Python's)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, JsonInteger)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (bytes, bytearray)):
        return "bytes"
    return "a string" if isinstance(value, str) else type(value).__name__


def unpaired_surrogate(value: str) -> int | None:
    """Index of the first unpaired surrogate in ``value`` (such a string cannot be UTF-8), or None."""
    match = _SURROGATE.search(value)
    return None if match is None else match.start()


def check_id(value: object) -> str:
    if isinstance(value, JsonInteger):
        value = str.__str__(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidId(f"field 'id' is {kind_of(value)}, not a string")
    if not value:
        raise InvalidId("field 'id' is empty")
    if len(value) > MAX_ID_CHARS:
        raise InvalidId(f"field 'id' has {len(value)} characters, over the limit of {MAX_ID_CHARS}")
    position = unpaired_surrogate(value)
    if position is not None:
        raise InvalidId(f"field 'id' is not valid Unicode (unpaired surrogate {value[position]!r} at character {position})")
    return value


def check_text(value: object) -> str:
    if not isinstance(value, str) or isinstance(value, JsonInteger):
        raise InvalidText("field 'text' is missing" if value is None else f"field 'text' is {kind_of(value)}, not a string")
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidText(f"text has {len(value)} characters, over the limit of {MAX_TEXT_CHARS}")
    position = unpaired_surrogate(value)
    if position is not None:
        raise InvalidText(f"text is not valid Unicode (unpaired surrogate {value[position]!r} at character {position})")
    return value


def check_date(value: object) -> str | None:
    """``YYYY-MM-DD`` for a date or ISO datetime; None for no date; InvalidDate otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str) or isinstance(value, JsonInteger):
        raise InvalidDate(f"date is {kind_of(value)}, not a string")
    stripped = value.strip()
    day = _DATE.match(stripped)
    if day is None or (day.end() < len(stripped) and not _TIME.fullmatch(stripped, day.end())):
        raise InvalidDate(f"date {value!r} is not YYYY-MM-DD or an ISO 8601 datetime")
    try:
        kept = _dt.date(int(day.group(1)), int(day.group(2)), int(day.group(3)))
        if day.end() < len(stripped):
            _dt.datetime.fromisoformat(stripped.replace(",", "."))  # hour 25 or minute 61 are refused too
    except ValueError as error:
        raise InvalidDate(f"date {value!r} is not a real calendar date ({error})") from None
    return kept.isoformat()


def check_lang(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or isinstance(value, JsonInteger) or not _LANG.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else kind_of(value)
        raise InvalidLanguage(f"lang {shown} is not an ISO 639 code (two or three lower-case letters)")
    return value


def validate_document(id: object, text: object, date: object = None, lang: object = None,
                      date_source: str | None = None) -> InputDocument:
    """The checked, normalised document, or :class:`InvalidDocument` naming the first bad field."""
    return InputDocument(id=check_id(id), text=check_text(text), lang=check_lang(lang), date=check_date(date),
                         date_source=date_source if date is not None and date != "" else None)
