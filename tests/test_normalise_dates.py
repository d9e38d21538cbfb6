"""Date normaliser: every rule in each of the six languages, on written cases.

The publication date 2025-03-19 is a Wednesday; 2025-03-16 a Sunday.
"""

from __future__ import annotations

from datetime import date

import pytest

from flashpoint.normalise.dates import resolve_date

PUB = "2025-03-19"  # Wednesday

WEEKDAYS = [
    ("en", "on Sunday", "2025-03-16"), ("en", "Saturday's", "2025-03-15"), ("en", "Tuesday evening", "2025-03-18"),
    ("en", "Wednesday", "2025-03-19"), ("en", "overnight into Sunday", "2025-03-16"),
    ("fr", "la nuit de samedi à dimanche", "2025-03-16"), ("ru", "в ночь с субботы на воскресенье", "2025-03-16"),
    ("tr", "cumartesiyi pazara bağlayan gece", "2025-03-16"), ("en", "last Wednesday", "2025-03-12"), ("en", "early on Monday", "2025-03-17"),
    ("fr", "dimanche", "2025-03-16"), ("fr", "samedi soir", "2025-03-15"), ("fr", "mercredi dernier", "2025-03-12"),
    ("es", "el domingo", "2025-03-16"), ("es", "el miércoles pasado", "2025-03-12"), ("es", "la noche del sábado", "2025-03-15"),
    ("ru", "в воскресенье", "2025-03-16"), ("ru", "в среду", "2025-03-19"), ("ru", "в ночь на субботу", "2025-03-15"),
    ("ru", "во вторник вечером", "2025-03-18"), ("ru", "в прошлую среду", "2025-03-12"),
    ("ar", "يوم الأحد", "2025-03-16"), ("ar", "الأحد", "2025-03-16"), ("ar", "مساء الثلاثاء", "2025-03-18"),
    ("ar", "فجر الجمعة", "2025-03-14"), ("ar", "الأربعاء الماضي", "2025-03-12"),
    ("tr", "pazar günü", "2025-03-16"), ("tr", "Pazartesi", "2025-03-17"), ("tr", "cumartesi gecesi", "2025-03-15"),
    ("tr", "Cuma günü", "2025-03-14"), ("tr", "Salı akşamı", "2025-03-18"), ("tr", "geçen çarşamba", "2025-03-12"),
]


@pytest.mark.parametrize("lang, text, expected", WEEKDAYS)
def test_weekday_is_latest_such_day_on_or_before_publication(lang, text, expected):
    result = resolve_date(text, PUB, lang)
    assert (result.event_date, result.time_precision, result.reason) == (expected, 1, None)


@pytest.mark.parametrize("lang, text", [("en", "Sunday"), ("fr", "dimanche"), ("es", "domingo"),
                                         ("ru", "в воскресенье"), ("ar", "الأحد"), ("tr", "pazar")])
def test_weekday_equal_to_publication_day_is_that_day(lang, text):
    assert resolve_date(text, "2025-03-16", lang).event_date == "2025-03-16"


RELATIVE = [
    ("en", "yesterday", "2025-03-18", 1), ("en", "last night", "2025-03-18", 1), ("en", "two days ago", "2025-03-17", 1),
    ("en", "3 days ago", "2025-03-16", 1), ("en", "the day before yesterday", "2025-03-17", 1),
    ("en", "last week", "2025-03-12", 2), ("en", "earlier this month", "2025-03-01", 3), ("en", "last month", "2025-02-01", 3),
    ("en", "two weeks ago", "2025-03-05", 2), ("en", "a few days ago", "2025-03-12", 2), ("en", "overnight", PUB, 1),
    ("fr", "hier", "2025-03-18", 1), ("fr", "avant-hier", "2025-03-17", 1), ("fr", "il y a deux jours", "2025-03-17", 1),
    ("fr", "la semaine dernière", "2025-03-12", 2), ("fr", "plus tôt ce mois-ci", "2025-03-01", 3),
    ("es", "ayer", "2025-03-18", 1), ("es", "anoche", "2025-03-18", 1), ("es", "hace dos días", "2025-03-17", 1),
    ("es", "la semana pasada", "2025-03-12", 2), ("es", "a principios de este mes", "2025-03-01", 3),
    ("ru", "вчера", "2025-03-18", 1), ("ru", "позавчера", "2025-03-17", 1), ("ru", "два дня назад", "2025-03-17", 1),
    ("ru", "на прошлой неделе", "2025-03-12", 2), ("ru", "в начале месяца", "2025-03-01", 3),
    ("ar", "أمس", "2025-03-18", 1), ("ar", "الليلة الماضية", "2025-03-18", 1), ("ar", "قبل يومين", "2025-03-17", 1),
    ("ar", "قبل ثلاثة أيام", "2025-03-16", 1), ("ar", "الأسبوع الماضي", "2025-03-12", 2),
    ("ar", "في وقت سابق من هذا الشهر", "2025-03-01", 3),
    ("tr", "dün", "2025-03-18", 1), ("tr", "dün gece", "2025-03-18", 1), ("tr", "iki gün önce", "2025-03-17", 1),
    ("tr", "geçen hafta", "2025-03-12", 2), ("tr", "bu ayın başında", "2025-03-01", 3),
]


@pytest.mark.parametrize("lang, text, expected, precision", RELATIVE)
def test_relative_expressions(lang, text, expected, precision):
    result = resolve_date(text, PUB, lang)
    assert (result.event_date, result.time_precision) == (expected, precision)


def test_ranges_carry_their_bounds():
    week = resolve_date("last week", PUB, "en")
    assert (week.earliest, week.latest) == ("2025-03-10", "2025-03-16")
    month = resolve_date("earlier this month", PUB, "en")
    assert (month.earliest, month.latest) == ("2025-03-01", PUB)


ABSOLUTE = [
    ("en", "early March", "2025-03-01", 3), ("fr", "Début mars", "2025-03-01", 3), ("es", "a principios de marzo", "2025-03-01", 3),
    ("ru", "в начале марта", "2025-03-01", 3), ("tr", "Mart başında", "2025-03-01", 3),
    ("en", "on 12 March", "2025-03-12", 1), ("en", "March 12, 2024", "2024-03-12", 1), ("en", "in March", "2025-03-01", 3),
    ("en", "on 28 December", "2024-12-28", 1),  # no year, after publication's day: the previous year
    ("fr", "le 12 mars", "2025-03-12", 1), ("fr", "le 3 janvier 2024", "2024-01-03", 1),
    ("es", "el 12 de marzo", "2025-03-12", 1), ("es", "el 5 de febrero de 2024", "2024-02-05", 1),
    ("ru", "12 марта", "2025-03-12", 1), ("ru", "5 февраля 2024 года", "2024-02-05", 1),
    ("ar", "12 مارس", "2025-03-12", 1), ("ar", "١٢ آذار", "2025-03-12", 1), ("ar", "في 5 شباط 2024", "2024-02-05", 1),
    ("tr", "12 Mart'ta", "2025-03-12", 1), ("tr", "5 Şubat 2024 tarihinde", "2024-02-05", 1),
]


@pytest.mark.parametrize("lang, text, expected, precision", ABSOLUTE)
def test_absolute_dates_with_and_without_year(lang, text, expected, precision):
    result = resolve_date(text, PUB, lang)
    assert (result.event_date, result.time_precision) == (expected, precision)


def test_no_span_takes_publication_date_with_flag():
    result = resolve_date(None, PUB, "en")
    assert (result.event_date, result.time_precision, result.flag) == (PUB, 2, "no_time_span")
    assert resolve_date("   ", date(2025, 3, 19), "ar").flag == "no_time_span"


@pytest.mark.parametrize("text", [None, "Sunday", "yesterday", "12 March"])
def test_no_publication_date_and_no_absolute_date_is_null_never_today(text):
    result = resolve_date(text, None, "en")
    assert result.event_date is None and result.time_precision is None
    assert "no publication date" in result.reason


def test_absolute_date_with_year_needs_no_publication_date():
    assert resolve_date("12 March 2024", None, "en").event_date == "2024-03-12"


@pytest.mark.parametrize("text", ["xyzzy", "the 45th of Smarch", "32 March", "###"])
def test_unparseable_spans_are_null_with_reason(text):
    result = resolve_date(text, PUB, "en")
    assert result.event_date is None and result.reason


def test_unreadable_publication_date_is_reported_not_raised():
    result = resolve_date("Sunday", "not-a-date", "en")
    assert result.event_date is None and "does not parse" in result.reason


ANCHORED = [
    ("en", "Two days earlier", "2025-02-06"), ("en", "the next day", "2025-02-09"), ("en", "Hours later", "2025-02-08"),
    ("fr", "la veille", "2025-02-07"), ("fr", "le lendemain", "2025-02-09"), ("es", "al día siguiente", "2025-02-09"),
    ("ru", "на следующий день", "2025-02-09"), ("ru", "два дня спустя", "2025-02-10"), ("ru", "накануне", "2025-02-07"),
    ("ru", "вечером того же дня", "2025-02-08"), ("ar", "في اليوم التالي", "2025-02-09"),
    ("ar", "قبل ذلك بيومين", "2025-02-06"), ("tr", "ertesi gün", "2025-02-09"), ("tr", "aynı gün", "2025-02-08"),
]


@pytest.mark.parametrize("lang, text, expected", ANCHORED)
def test_spans_counted_from_the_event_told_before(lang, text, expected):
    result = resolve_date(text, "2025-02-10", lang, anchor="2025-02-08")
    assert (result.event_date, result.time_precision, result.flag) == (expected, 1, None)


def test_anchored_span_without_anchor_counts_from_publication_and_says_so():
    result = resolve_date("Two days earlier", "2025-02-10", "en")
    assert (result.event_date, result.flag) == ("2025-02-08", "no_anchor")
