"""Fatalities normaliser and its number reader, in the six languages, on written cases."""

from __future__ import annotations

import pytest

from flashpoint.normalise.fatalities import MAX_FATALITIES, counts_wounded, parse_fatalities
from flashpoint.normalise.numbers import parse_number

NUMBERS = [
    ("en", "twenty-three", 23), ("en", "one", 1), ("en", "a hundred and five", 105), ("en", "1,200", 1200),
    ("fr", "dix-sept", 17), ("fr", "vingt et un", 21), ("fr", "1 200", 1200), ("fr", "deux", 2),
    ("es", "veintitrés", 23), ("es", "uno", 1), ("es", "cinco", 5),
    ("ru", "двадцать", 20), ("ru", "двадцать три", 23), ("ru", "двух", 2), ("ru", "сто двадцать пять", 125),
    ("ru", "две тысячи", 2000), ("ru", "пятеро", 5),
    ("ar", "ثلاثة", 3), ("ar", "ثلاثة وعشرون", 23), ("ar", "أحد عشر", 11), ("ar", "شخصين", 2),
    ("ar", "ثلاثمئة", 300), ("ar", "ثلاثة آلاف", 3000), ("ar", "١٢", 12),
    ("tr", "yirmi üç", 23), ("tr", "üçü", 3), ("tr", "iki yüz", 200), ("tr", "bin", 1000), ("tr", "on iki", 12),
]


@pytest.mark.parametrize("lang, text, expected", NUMBERS)
def test_numbers_in_digits_and_words(lang, text, expected):
    assert parse_number(text, lang) == expected


SPANS = [
    ("en", "at least 12", 12, "lower_bound"), ("en", "dozens", 12, "vague"), ("en", "a number of", 3, "vague"),
    ("en", "12 to 15", 12, "range"), ("en", "between 12 and 15", 12, "range"), ("en", "12-15", 12, "range"),
    ("en", "twenty-three", 23, None), ("en", "a 64-year-old", 1, None), ("en", "hundreds", 100, "vague"),
    ("en", "more than 40", 40, "lower_bound"),
    ("fr", "des dizaines", 12, "vague"), ("fr", "une dizaine", 10, "vague"), ("fr", "au moins dix-sept", 17, "lower_bound"),
    ("fr", "entre 12 et 15", 12, "range"), ("fr", "plusieurs", 3, "vague"),
    ("es", "decenas", 12, "vague"), ("es", "una decena", 10, "vague"), ("es", "al menos 7", 7, "lower_bound"),
    ("es", "varios", 3, "vague"), ("es", "de 12 a 15", 12, "range"),
    ("ru", "двадцать", 20, None), ("ru", "десятки", 12, "vague"), ("ru", "не менее 30", 30, "lower_bound"),
    ("ru", "от 12 до 15", 12, "range"), ("ru", "несколько", 3, "vague"),
    ("ar", "ثلاثة", 3, None), ("ar", "عشرات", 12, "vague"), ("ar", "12 على الأقل", 12, "lower_bound"),
    ("ar", "عدد من", 3, "vague"), ("ar", "ما بين 12 و15", 12, "range"),
    ("tr", "yirmi üç", 23, None), ("tr", "onlarca", 12, "vague"), ("tr", "en az 9", 9, "lower_bound"),
    ("tr", "birkaç", 3, "vague"), ("tr", "12-15", 12, "range"),
]


@pytest.mark.parametrize("lang, text, expected, flag", SPANS)
def test_fatality_spans(lang, text, expected, flag):
    result = parse_fatalities(text, lang)
    assert (result.value, result.flag, result.reason) == (expected, flag, None)


def test_no_span_is_zero_flagged_none_reported():
    assert parse_fatalities(None, "en") == parse_fatalities(None, "en")
    result = parse_fatalities(None, "fr")
    assert (result.value, result.flag) == (0, "none_reported")


@pytest.mark.parametrize("text, reason", [
    (str(MAX_FATALITIES + 1), "exceeds"), ("2024000", "exceeds"), ("many", "no number"), ("the victims", "no number"),
])
def test_absurd_or_numberless_spans_are_null_with_reason(text, reason):
    result = parse_fatalities(text, "en")
    assert result.value is None and reason in result.reason


WOUNDED = [
    ("en", "Two killed and five wounded in the raid.", "five", True),
    ("en", "Two killed and five wounded in the raid.", "Two", False),
    ("en", "killing three people and wounding 21, officials said", "21", True),
    ("en", "killing three people and wounding 21, officials said", "three", False),
    ("en", "4 people were injured when the roof fell", "4", True),
    ("fr", "deux morts et 5 blessés", "5", True), ("fr", "deux morts et 5 blessés", "deux", False),
    ("es", "tres muertos y siete heridos", "siete", True), ("es", "tres muertos y siete heridos", "tres", False),
    ("ru", "двое погибших и пятеро раненых", "пятеро", True), ("ru", "двое погибших и пятеро раненых", "двое", False),
    ("ar", "مقتل اثنين وإصابة خمسة آخرين", "خمسة", True), ("ar", "مقتل اثنين وإصابة خمسة آخرين", "اثنين", False),
    ("ar", "سقوط ثلاثة قتلى وسبعة جرحى", "سبعة", True), ("ar", "سقوط ثلاثة قتلى وسبعة جرحى", "ثلاثة", False),
    ("tr", "iki kişi öldü, beş kişi yaralandı", "beş", True), ("tr", "iki kişi öldü, beş kişi yaralandı", "iki", False),
    ("tr", "3 ölü, 8 yaralı", "8", True), ("tr", "3 ölü, 8 yaralı", "3", False),
]


@pytest.mark.parametrize("lang, sentence, span, wounded", WOUNDED)
def test_counts_wounded(lang, sentence, span, wounded):
    assert counts_wounded(sentence, span, lang) is wounded


def test_parse_refuses_a_number_that_counts_wounded():
    sentence = "Two killed and five wounded in the raid."
    refused = parse_fatalities("five", "en", sentence)
    assert refused.value is None and "wounded" in refused.reason
    assert parse_fatalities("Two", "en", sentence).value == 2


def test_offset_picks_the_occurrence():
    sentence = "5 dead in the north; in the south 5 wounded"
    assert parse_fatalities("5", "en", sentence, start=0).value == 5
    assert parse_fatalities("5", "en", sentence, start=sentence.rindex("5")).value is None
