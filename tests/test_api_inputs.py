"""The Python API checks documents as the readers do, contains a bad item of a stream, and
never raises on any Unicode text (a hypothesis property)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashpoint.documents import MAX_TEXT_CHARS, InputDocument, InvalidDate, InvalidLanguage, InvalidText
from flashpoint.sentences import split_sentences

TEXT = "Gunmen attacked a police post near Gao on Sunday. Police arrested three men in Kano on Friday."


def test_extract_validates_date_and_lang_as_the_readers_do(extractor):
    assert extractor.extract(TEXT, date="2025-01-03T10:00:00Z", lang="en").date == "2025-01-03"
    with pytest.raises(InvalidDate, match="'2025-02-30' is not a real calendar date"):
        extractor.extract(TEXT, date="2025-02-30")
    with pytest.raises(InvalidLanguage, match="lang 'english' is not an ISO 639 code"):
        extractor.extract(TEXT, lang="english")


def test_extract_applies_the_size_limit_of_the_command(extractor):
    with pytest.raises(InvalidText, match=f"over the limit of {MAX_TEXT_CHARS}"):
        extractor.extract("Troops shelled the town. " * (MAX_TEXT_CHARS // 20))


def test_extract_many_gives_a_bad_item_an_error_result_and_goes_on(extractor):
    items = [
        TEXT,
        {"id": "bad-date", "text": TEXT, "date": "2025-02-30"},
        {"id": "no-text"},
        42,
        InputDocument("doc", TEXT, lang="en", date="2025-01-03"),
        {"id": ["not", "a", "string"], "text": TEXT},
        {"id": "last", "text": TEXT, "lang": "en"},
    ]
    results = list(extractor.extract_many(items, batch_size=2))
    assert [(r.id, r.status) for r in results] == [
        ("0", "ok"), ("bad-date", "error"), ("no-text", "error"), ("3", "error"), ("doc", "ok"), ("5", "error"),
        ("last", "ok")]
    assert "'2025-02-30' is not a real calendar date" in results[1].error
    assert results[2].error == "field 'text' is missing"
    assert results[3].error == "item 3 is a number, not a text, a dict or an InputDocument"
    assert results[5].error == "field 'id' is an array, not a string"
    assert results[1].to_dict() == {"id": "bad-date", "status": "error", "error": results[1].error, "lang": None,
                                    "event_types": {}, "events": []}
    alone = extractor.extract(TEXT, lang="en", id="last")
    assert results[-1].to_dict() == alone.to_dict()


# Everything a page or a feed can hold: control characters, format characters (RTL and
# LRM marks, zero-width joiners), mixed scripts, emoji, combining marks, separators.
_CHARACTERS = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf"])
_WORD = st.text(_CHARACTERS, min_size=1, max_size=12)
_LONG_TOKEN = st.text(st.sampled_from("abcأبج字😀\u200f"), min_size=200, max_size=3000)
_TEXTS = st.one_of(
    st.text(_CHARACTERS, max_size=400),
    st.lists(st.one_of(_WORD, st.sampled_from([". ", "! ", "? ", "\n\n", " ", "\u200f", "\u202e", "😀", "؟ ", "。"])),
             max_size=80).map("".join),
    st.lists(st.one_of(_LONG_TOKEN, st.sampled_from([" ", ". ", "\n"])), max_size=4).map("".join),
    st.sampled_from(["", " ", "\n\n\t ", "\u200b", "\x00", "\u202e\u202d"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=_TEXTS)
def test_extract_never_raises_and_offsets_index_the_text(extractor, text):
    result = extractor.extract(text)
    assert result.text == text
    for event in result.events:
        assert event.sentence in text
        for argument in event.arguments:
            assert 0 <= argument.start < argument.end <= len(text)
            assert text[argument.start : argument.end] == argument.text
    for sentence in split_sentences(text, result.lang):
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start : sentence.end] == sentence.text
