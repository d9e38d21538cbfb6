"""One validation of an input document: the readers and the Python API accept and refuse the same
dates, languages, ids and texts, with the same named errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from flashpoint.documents import (MAX_TEXT_CHARS, InvalidDate, InvalidId, InvalidLanguage, InvalidText, check_date,
                                  validate_document)
from flashpoint.readers import read_inputs


@pytest.mark.parametrize(("given", "kept"), [
    ("2025-01-03", "2025-01-03"),
    ("2025-01-03T10:00:00Z", "2025-01-03"),
    ("2025-01-03T23:30:00-05:00", "2025-01-03"),  # the publisher's own day, as written
    ("2025-01-03 10:00", "2025-01-03"),
    ("2025-01-03T10:00:00.123+0530", "2025-01-03"),
    ("2024-02-29", "2024-02-29"),
    (dt.date(2025, 1, 3), "2025-01-03"),
    (dt.datetime(2025, 1, 3, 22, 0), "2025-01-03"),
    (None, None), ("", None),
])
def test_dates_and_iso_datetimes_keep_their_date(given, kept):
    assert check_date(given) == kept


@pytest.mark.parametrize(("given", "reason"), [
    ("2025-02-30", "is not a real calendar date"),
    ("2023-02-29", "is not a real calendar date"),
    ("2025-13-01", "is not a real calendar date"),
    ("2025-01-03T25:00:00Z", "is not a real calendar date"),
    ("02/01/2025", "is not YYYY-MM-DD or an ISO 8601 datetime"),
    ("2025-01-03 and more", "is not YYYY-MM-DD or an ISO 8601 datetime"),
    (20250103, "date is a number, not a string"),
])
def test_impossible_or_malformed_dates_raise_a_named_error(given, reason):
    with pytest.raises(InvalidDate, match=reason):
        check_date(given)


def test_every_field_has_its_named_error():
    with pytest.raises(InvalidLanguage, match="lang 'EN' is not an ISO 639 code"):
        validate_document("a", "text", lang="EN")
    with pytest.raises(InvalidId, match="field 'id' is an array, not a string"):
        validate_document(["a"], "text")
    with pytest.raises(InvalidText, match=f"over the limit of {MAX_TEXT_CHARS}"):
        validate_document("a", "x" * (MAX_TEXT_CHARS + 1))
    with pytest.raises(InvalidText, match="field 'text' is a number, not a string"):
        validate_document("a", 5)
    document = validate_document(7, "Gunmen attacked a post.", "2025-01-03T10:00:00Z", "en")
    assert (document.id, document.date, document.lang) == ("7", "2025-01-03", "en")


@pytest.mark.parametrize("date", ["2025-01-03T10:00:00Z", "2025-02-30", "03.01.2025", "2024-02-29"])
def test_the_reader_and_the_validation_agree_on_every_date(tmp_path, date):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Gunmen attacked a post.", "date": date}) + "\n")
    (record,) = read_inputs([path])
    try:
        expected = validate_document("a", "Gunmen attacked a post.", date).date
    except InvalidDate as error:
        assert record.error == f"{path}:1: {error}"
    else:
        assert record.error is None and record.date == expected
