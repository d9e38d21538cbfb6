"""Dates: an event's time span resolved against the document's publication date.

Output is ACLED's pair: ``event_date`` (ISO) and ``time_precision`` (1 the day is
known, 2 a week or a few days, 3 a month). A span that names a range ("last week",
"earlier this month") carries the range in ``earliest`` / ``latest`` and dates the
event by the range's first day, the one convention used for every range here.

Order of the rules, and why:
1. Relative expressions ("yesterday", "last night", "two days ago", "last week",
   "earlier this month") by this module's tables in the six languages.
2. A span with digits or a month name goes to dateparser (languages pinned to the
   document's, RELATIVE_BASE the publication date, PREFER_DATES_FROM past), after
   prepositions and Turkish case suffixes are cut and Levantine Arabic month names
   are mapped to the ones dateparser knows.
3. Weekdays by this module's rules: the latest such day on or before publication
   ("last Sunday" strictly before it). dateparser's own weekday handling is not
   used: it gets "last Tuesday" and bare weekday names wrong.

No span: the publication date with precision 2 and ``flag="no_time_span"``. No
publication date and no absolute date with its year: null with a reason, never
today's date. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from flashpoint.normalise._text import fold
from flashpoint.normalise.numbers import parse_number


@dataclass(frozen=True)
class ResolvedDate:
    """A time span resolved to a day; ``event_date`` is None exactly when ``reason`` says why."""

    text: str | None
    event_date: str | None
    time_precision: int | None
    earliest: str | None = None
    latest: str | None = None
    flag: str | None = None      # "no_time_span": the publication date stands in
    reason: str | None = None    # why event_date is None


def _pattern(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|\s)(?:{words})(?:\s|$)")


# Weekday names, folded, Monday first. Stems cover case and suffix forms
# ("в среду", "pazar günü", "Cuma'yı"); Turkish "pazar"/"cuma" must not be read
# inside "pazartesi"/"cumartesi".
_WEEKDAYS: dict[str, list[str]] = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "es": ["lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"],
    "ru": ["понедельник\\w*", "вторник\\w*", "сред[аыуе]", "четверг\\w*", "пятниц\\w*", "суббот\\w*", "воскресен\\w*"],
    "ar": ["(?:ال|يوم )?اثنين", "(?:ال|يوم )?ثلاثاء", "(?:ال|يوم )?اربعاء", "(?:ال|يوم )?خميس",
           "(?:ال|يوم )?جمعه", "(?:ال|يوم )?سبت", "(?:ال|يوم )?احد"],
    "tr": ["pazartesi\\w*", "sali\\w*", "carsamba\\w*", "persembe\\w*", "cuma(?!rtesi)\\w*",
           "cumartesi\\w*", "pazar(?!tesi)\\w*"],
}
_WEEKDAY_RE = {lang: [re.compile(rf"(?:^|[\s'])(?:{w})(?=[\s']|$)") for w in names]
               for lang, names in _WEEKDAYS.items()}
# "last Tuesday": strictly before the publication day (the same weekday means a week ago).
_LAST = {"en": r"last", "fr": r"dernier", "es": r"pasado", "ru": r"прошл\w*", "ar": r"الماضي", "tr": r"gecen|gectigimiz"}

# Relative expressions: (pattern, days before publication for the first day, for the
# last day, precision). Ranges in days; weeks and months have their own kinds below.
_DAY_RULES: dict[str, list[tuple[str, int, int, int]]] = {
    "en": [(r"the day before yesterday", 2, 2, 1), (r"yesterday|last night|last evening", 1, 1, 1), (r"overnight", 0, 0, 1),
           (r"today|this morning|this afternoon|this evening|tonight|earlier today", 0, 0, 1),
           (r"a few days ago|several days ago|in recent days|recently", 7, 1, 2)],
    "fr": [(r"avant hier", 2, 2, 1), (r"hier|la nuit derniere|dans la nuit|cette nuit|hier soir", 1, 1, 1),
           (r"aujourd'hui|ce matin|cet apres midi|ce soir", 0, 0, 1),
           (r"il y a quelques jours|ces derniers jours|recemment|il y a plusieurs jours", 7, 1, 2)],
    "es": [(r"anteayer|antier|antes de ayer", 2, 2, 1), (r"ayer|anoche|la noche del? ayer|durante la noche|esta madrugada", 1, 1, 1),
           (r"hoy|esta manana|esta tarde|esta noche", 0, 0, 1),
           (r"hace unos dias|hace varios dias|en los ultimos dias|recientemente|hace pocos dias", 7, 1, 2)],
    "ru": [(r"позавчера", 2, 2, 1), (r"вчера|прошлой ночью|минувшей ночью|ночью", 1, 1, 1),
           (r"сегодня|этим утром|сегодня утром", 0, 0, 1),
           (r"несколько дней назад|на днях|в последние дни|недавно", 7, 1, 2)],
    "ar": [(r"اول امس|اول من امس", 2, 2, 1), (r"امس|البارحه|الليله الماضيه|ليل امس|مساء امس|فجر اليوم|الليل", 1, 1, 1),
           (r"اليوم|صباح اليوم|مساء اليوم", 0, 0, 1),
           (r"قبل ايام|قبل بضعه ايام|في الايام الاخيره|مؤخرا|خلال الايام الماضيه", 7, 1, 2)],
    "tr": [(r"onceki gun|evvelsi gun|dunden once", 2, 2, 1), (r"dun|dun gece|dun aksam|gece boyunca|gecen gece", 1, 1, 1),
           (r"bugun|bu sabah|bu aksam", 0, 0, 1),
           (r"birkac gun once|son gunlerde|gecen gunlerde|gecenlerde|gectigimiz gunlerde", 7, 1, 2)],
}
_DAY_RE = {lang: [(_pattern(p), a, b, prec) for p, a, b, prec in rules] for lang, rules in _DAY_RULES.items()}

# "N days ago" / "N weeks ago" with N in digits or words; the unit decides precision.
_AGO = {
    "en": (r"(?P<n>.+?) (?P<unit>days?|weeks?) (?:ago|earlier|before)", r"days?", r"weeks?"),
    "fr": (r"il y a (?P<n>.+?) (?P<unit>jours?|semaines?)|(?P<n2>.+?) (?P<unit2>jours?|semaines?) plus tot", r"jours?", r"semaines?"),
    "es": (r"hace (?P<n>.+?) (?P<unit>dias?|semanas?)|(?P<n2>.+?) (?P<unit2>dias?|semanas?) antes", r"dias?", r"semanas?"),
    "ru": (r"(?P<n>.+?) (?P<unit>дн\w*|день|недел\w*) (?:назад|тому назад|ранее)", r"дн\w*|день", r"недел\w*"),
    "ar": (r"قبل (?P<n>.+?) ?(?P<unit>ايام|يوما|اسابيع)|قبل (?P<unit2>يومين|اسبوعين|اسبوع|يوم)", r"ايام|يوما|يومين|يوم", r"اسابيع|اسبوعين|اسبوع"),
    "tr": (r"(?P<n>.+?) (?P<unit>gun|hafta) (?:once|evvel)", r"gun", r"hafta"),
}
_AR_DUAL_UNITS = {"يومين": 2, "يوم": 1, "اسبوعين": 2, "اسبوع": 1}

# Spans counted from another event of the document: pattern -> days from it
# (the number of days, when written, is read by parse_number and signed by direction).
_ANCHORED: dict[str, list[tuple[str, int]]] = {
    "en": [(r"(?:the )?same day|hours later|hours earlier|later that day|that day", 0), (r"the day before(?! yesterday)|the previous day|a day earlier", -1),
           (r"the next day|the following day|a day later", 1), (r"(?P<n>\S+) days (?:earlier|before that)", -1),
           (r"(?P<n>\S+) days later|(?P<n2>\S+) days after", 1)],
    "fr": [(r"le meme jour|quelques heures plus tard|le jour meme", 0), (r"la veille", -1), (r"le lendemain", 1),
           (r"(?P<n>\S+) jours plus tot|(?P<n2>\S+) jours auparavant", -1), (r"(?P<n>\S+) jours plus tard", 1)],
    "es": [(r"el mismo dia|horas (?:mas tarde|despues)|esa misma noche|esa noche|la misma noche|ese mismo dia|ese dia", 0), (r"la vispera|el dia anterior", -1), (r"al dia siguiente|el dia siguiente", 1),
           (r"(?P<n>\S+) dias antes", -1), (r"(?P<n>\S+) dias (?:despues|mas tarde)", 1)],
    "ru": [(r"(?:в )?тот же день|того же дня|несколько часов спустя|спустя несколько часов", 0),
           (r"накануне|днем ранее|за день до этого", -1),
           (r"на следующий день|на другой день|днем позже", 1), (r"(?P<n>\S+) (?:дня|дней) ранее|за (?P<n2>\S+) (?:дня|дней) до этого", -1),
           (r"(?P<n>\S+) (?:дня|дней) спустя|через (?P<n2>\S+) (?:дня|дней)", 1)],
    "ar": [(r"(?:في )?اليوم نفسه|(?:في )?اليوم ذاته|بعد ساعات", 0), (r"(?:في )?اليوم السابق|قبل ذلك بيوم", -1),
           (r"(?:في )?اليوم التالي|بعد يوم", 1),
           (r"قبل ذلك بيومين", -2), (r"بعد يومين", 2)],
    "tr": [(r"ayni gun|saatler sonra", 0), (r"bir gun once|onceki gun", -1), (r"ertesi gun|bir gun sonra", 1),
           (r"(?P<n>\S+) gun sonra", 1)],
}
_ANCHORED_RE = {lang: [(_pattern(p), days) for p, days in rules] for lang, rules in _ANCHORED.items()}

# Week and month expressions: kind -> pattern.
_PERIODS: dict[str, dict[str, str]] = {
    "en": {"last_week": r"last week|the previous week|the past week", "this_week": r"earlier this week|this week",
           "weekend": r"(?:over |during |at )?(?:the|last|this) weekend", "this_month": r"earlier this month|this month|at the start of the month",
           "last_month": r"last month|the previous month"},
    "fr": {"last_week": r"la semaine derniere|la semaine passee", "this_week": r"cette semaine|en debut de semaine",
           "weekend": r"(?:le|ce) week end(?: dernier)?", "this_month": r"plus tot ce mois ci|ce mois ci|en debut de mois|debut du mois",
           "last_month": r"le mois dernier|le mois passe"},
    "es": {"last_week": r"la semana pasada|la semana anterior", "this_week": r"esta semana|a principios de semana",
           "weekend": r"(?:el|este) fin de semana(?: pasado)?", "this_month": r"a principios de este mes|este mes|a comienzos de mes|a principios de mes",
           "last_month": r"el mes pasado|el mes anterior"},
    "ru": {"last_week": r"(?:на )?прошлой неделе|(?:на )?минувшей неделе", "this_week": r"на этой неделе|в начале недели",
           "weekend": r"на выходных|в выходные", "this_month": r"в начале месяца|в этом месяце|в начале этого месяца",
           "last_month": r"в прошлом месяце|в минувшем месяце"},
    "ar": {"last_week": r"الاسبوع الماضي|الاسبوع المنصرم", "this_week": r"هذا الاسبوع|الاسبوع الجاري|مطلع الاسبوع",
           "weekend": r"عطله نهايه الاسبوع", "this_month": r"في وقت سابق من هذا الشهر|هذا الشهر|الشهر الجاري|مطلع الشهر",
           "last_month": r"الشهر الماضي|الشهر المنصرم"},
    "tr": {"last_week": r"gecen hafta|gectigimiz hafta", "this_week": r"bu hafta|hafta basinda",
           "weekend": r"hafta sonu", "this_month": r"bu ayin basinda|bu ay|ay basinda",
           "last_month": r"gecen ay|gectigimiz ay"},
}
_PERIOD_RE = {lang: {kind: _pattern(p) for kind, p in kinds.items()} for lang, kinds in _PERIODS.items()}

# Words before a date that dateparser does not need ("on 12 March", "el 12 de marzo").
_LEADING = {
    "en": r"on|in|at|since|by|the|early|late|around|from|during",
    "fr": r"le|la|les|l'|en|au|dans|depuis|des|vers|du|a",
    "es": r"el|la|los|en|desde|del|al|a|hacia|durante",
    "ru": r"в|во|на|с|со|к|около|утром|вечером|ночью",
    "ar": r"في|يوم|منذ|حتى|خلال|صباح|مساء|ليل|فجر",
    "tr": r"",
}
# Levantine and Iraqi month names, which dateparser does not know, as the Egyptian names it does.
_LEVANT_MONTHS = {
    "كانون الثاني": "يناير", "شباط": "فبراير", "اذار": "مارس", "نيسان": "أبريل", "ايار": "مايو",
    "حزيران": "يونيو", "تموز": "يوليو", "اب": "أغسطس", "ايلول": "سبتمبر", "تشرين الاول": "أكتوبر",
    "تشرين الثاني": "نوفمبر", "كانون الاول": "ديسمبر",
}
_PART_OF_MONTH = {
    "en": r"\b(?:early|late|mid|the end of|the beginning of|the start of|the middle of)\b-?",
    "fr": r"\b(?:debut|début|fin|mi|courant|la fin|le début|le debut)\b-?",
    "es": r"\b(?:a principios de|a finales de|a mediados de|principios de|finales de|mediados de)\b",
    "ru": r"(?:\b|^)(?:в начале|в конце|в середине)(?=\s)",
    "ar": r"(?:^|\s)(?:مطلع|اوائل|اواخر|منتصف|أوائل|أواخر)(?=\s)",
    "tr": r"(?:\s)(?:basinda|başında|sonunda|ortasinda|ortasında)\b",
}
_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")


def resolve_date(text: str | None, publication_date: str | date | None, lang: str,
                 anchor: str | date | None = None) -> ResolvedDate:
    """Resolve a time span ("on Sunday", "в воскресенье", "12 Mart'ta") to an ACLED date.

    ``publication_date`` is the document's ``date`` (ISO string, ``date`` or
    ``datetime``); ``lang`` one of en, ar, fr, es, ru, tr (others use English rules).
    ``anchor`` is the date of the event the span counts from, when the document
    gives one ("two days earlier", "the next day", "la veille", "ertesi gün" count
    from the event told before, not from publication). Without it such a span
    counts from publication and carries ``flag="no_anchor"``.
    """
    published, bad_publication = _publication(publication_date)
    anchored = _anchored(fold(text), lang if lang in _WEEKDAYS else "en") if text and text.strip() else None
    if anchored is not None:
        anchor_day, _ = _publication(anchor)
        base = anchor_day or published
        if base is None:
            return ResolvedDate(text, None, None, reason=_no_reference("a span counted from another event", bad_publication))
        day = (base + timedelta(days=anchored)).isoformat()
        return ResolvedDate(text, day, 1, day, day, flag=None if anchor_day else "no_anchor")
    if text is None or not text.strip():
        if published is None:
            return ResolvedDate(text, None, None, reason=_no_reference("no time span", bad_publication))
        day = published.isoformat()
        return ResolvedDate(text, day, 2, day, day, flag="no_time_span")
    lang = lang if lang in _WEEKDAYS else "en"
    folded = fold(text)
    relative = _relative(folded, lang)
    if relative is not None and relative[0] == "days" and relative[3] == 1 and _weekday(folded, lang) is not None:
        relative = None  # "overnight into Sunday", "last night, Saturday": the weekday is exact
    if relative is not None:
        if published is None:
            return ResolvedDate(text, None, None, reason=_no_reference("a relative time span", bad_publication))
        return _from_offsets(text, published, *relative)
    weekday = _weekday(folded, lang)
    # A weekday without digits ("on Sunday", "Tuesday evening") needs no dateparser call.
    absolute = None if weekday is not None and not re.search(r"\d", folded) else _absolute(text, folded, published, lang)
    if absolute is not None:
        return absolute
    if weekday is not None:
        if published is None:
            return ResolvedDate(text, None, None, reason=_no_reference("a weekday", bad_publication))
        index, strictly_before = weekday
        back = (published.weekday() - index) % 7
        if back == 0 and strictly_before:
            back = 7
        day = (published - timedelta(days=back)).isoformat()
        return ResolvedDate(text, day, 1, day, day)
    return ResolvedDate(text, None, None, reason="the time span does not parse as a date")


def _anchored(folded: str, lang: str) -> int | None:
    """Days from the anchoring event for a span like "two days earlier", else None."""
    for pattern, days in _ANCHORED_RE[lang]:
        match = pattern.search(folded)
        if match is None:
            continue
        written = match.groupdict().get("n") or match.groupdict().get("n2")
        if written is None:
            return days
        count = parse_number(written, lang)
        if count is None or count > 366:
            return None
        return days * count
    return None


def _publication(value: str | date | None) -> tuple[date | None, bool]:
    """The publication day, and whether a value was given but could not be read."""
    if value is None or value == "":
        return None, False
    if isinstance(value, datetime):
        return value.date(), False
    if isinstance(value, date):
        return value, False
    try:
        return date.fromisoformat(str(value).strip()[:10]), False
    except ValueError:
        return None, True


def _no_reference(what: str, bad_publication: bool) -> str:
    why = "the publication date does not parse" if bad_publication else "no publication date"
    return f"{what} and {why}: the day cannot be known"


def _relative(folded: str, lang: str) -> tuple[str, int, int, int] | tuple[str, str] | None:
    """A relative expression as (kind, first, last, precision) offsets or a period kind."""
    ago = _ago(folded, lang)
    if ago is not None:
        return ago
    for pattern, first, last, precision in _DAY_RE[lang]:
        if pattern.search(folded):
            return ("days", first, last, precision)
    for kind, pattern in _PERIOD_RE[lang].items():
        if pattern.search(folded):
            return (kind, 0, 0, 0)
    return None


def _ago(folded: str, lang: str) -> tuple[str, int, int, int] | None:
    """"two days ago", "il y a 3 jours", "قبل يومين", "iki hafta önce"."""
    pattern, days, weeks = _AGO[lang]
    match = re.search(pattern, folded)
    if match is None:
        return None
    groups = {k: v for k, v in match.groupdict().items() if v}
    unit = groups.get("unit") or groups.get("unit2") or ""
    if "n" in groups or "n2" in groups:
        count = parse_number((groups.get("n") or groups.get("n2") or "").split(" ")[-1], lang)
        if count is None:
            count = parse_number(groups.get("n") or groups.get("n2") or "", lang)
    else:
        count = _AR_DUAL_UNITS.get(unit)
    if count is None or count > 366:
        return None
    if re.fullmatch(weeks, unit):
        return ("days", 7 * count, 7 * count, 2)
    return ("days", count, count, 1)


def _from_offsets(text: str, published: date, kind: str, first: int, last: int, precision: int) -> ResolvedDate:
    if kind == "days":
        start, end = published - timedelta(days=first), published - timedelta(days=last)
    elif kind == "last_week":
        # Dated a week before publication (the same weekday), inside the range Monday-Sunday.
        monday = published - timedelta(days=published.weekday() + 7)
        day = published - timedelta(days=7)
        return ResolvedDate(text, day.isoformat(), 2, monday.isoformat(), (monday + timedelta(days=6)).isoformat())
    elif kind == "this_week":
        start, end, precision = published - timedelta(days=published.weekday()), published, 2
    elif kind == "weekend":
        # The latest Saturday-Sunday that started before publication.
        back = (published.weekday() - 5) % 7 or (7 if published.weekday() == 5 else 0)
        start = published - timedelta(days=back)
        end, precision = min(start + timedelta(days=1), published), 2
    elif kind == "this_month":
        start, end, precision = published.replace(day=1), published, 3
    else:  # last_month
        end = published.replace(day=1) - timedelta(days=1)
        start, precision = end.replace(day=1), 3
    return ResolvedDate(text, start.isoformat(), precision, start.isoformat(), end.isoformat())


def _weekday(folded: str, lang: str) -> tuple[int, bool] | None:
    """The weekday a span names (Monday 0) and whether it says "last" ("last Tuesday")."""
    # "the night from Saturday to Sunday", "в ночь с субботы на воскресенье": the last named day.
    found = [(match.start(), index) for index, pattern in enumerate(_WEEKDAY_RE[lang])
             for match in pattern.finditer(folded)]
    if not found:
        return None
    return max(found)[1], bool(re.search(rf"\b(?:{_LAST[lang]})\b", folded))


def _clean_for_dateparser(text: str, lang: str) -> str:
    """Cut what dateparser trips on: leading prepositions, Turkish suffixes, Levantine months."""
    cleaned = text.strip()
    if lang == "tr":
        cleaned = re.sub(r"['’](?:\w+)", "", cleaned)  # "12 Mart'ta" -> "12 Mart"
        cleaned = re.sub(r"\b(?:tarihinde|gunu|günü|ayında|ayinda)\b", "", cleaned)
    if lang == "ar":
        folded_months = fold(cleaned)
        for levant, egyptian in sorted(_LEVANT_MONTHS.items(), key=lambda kv: -len(kv[0])):
            folded_months = re.sub(rf"(?:^|(?<=\s)){levant}(?=\s|$)", egyptian, folded_months)
        cleaned = folded_months
    # "early October", "début octobre", "в начале октября": the month (its first day dates it).
    cleaned = re.sub(_PART_OF_MONTH.get(lang, _PART_OF_MONTH["en"]), " ", cleaned, flags=re.I).strip()
    leading = _LEADING.get(lang, "")
    if leading:
        cleaned = re.sub(rf"^(?:(?:{leading})\s+)+", "", cleaned, flags=re.I)
    if lang == "es":
        cleaned = re.sub(r"^(?:el|la)\s+", "", cleaned, flags=re.I)
    return " ".join(cleaned.split())


def _absolute(text: str, folded: str, published: date | None, lang: str) -> ResolvedDate | None:
    """A date with a day or month written out, via dateparser; None if there is none."""
    cleaned = _clean_for_dateparser(text, lang)
    has_year = _YEAR.search(folded) is not None
    order = "MDY" if lang == "en" and re.search(r"[a-z]+ \d", folded) else "DMY"
    try:
        parsed_date, period = _dateparser(cleaned, lang, published, order) if cleaned else (None, None)
    except Exception as error:  # dateparser raises on some inputs (overflowing days, odd unicode)
        return ResolvedDate(text, None, None, reason=f"the date does not parse ({type(error).__name__})")
    if parsed_date is None:
        return None
    period = period or "day"
    if period == "time":
        period = "day"
    if not re.search(r"\d", folded) and period not in ("month", "year"):
        return None  # a bare weekday or a relative word: the rules decide
    if not has_year and published is None:
        return ResolvedDate(text, None, None, reason=_no_reference("a date without its year", False))
    day = parsed_date
    if not has_year and published is not None and not (published - timedelta(days=366) <= day <= published + timedelta(days=31)):
        return ResolvedDate(text, None, None, reason="the date does not parse (no year written, yet far from publication)")
    if period == "day":
        return ResolvedDate(text, day.isoformat(), 1, day.isoformat(), day.isoformat())
    if period in ("month",):
        start = day.replace(day=1)
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return ResolvedDate(text, start.isoformat(), 3, start.isoformat(), end.isoformat())
    return ResolvedDate(text, None, None, reason=f"only the {period} is known, coarser than ACLED's month")


@lru_cache(maxsize=4096)
def _dateparser(cleaned: str, lang: str, published: date | None, order: str) -> tuple[date | None, str | None]:
    """dateparser's reading (day, period) of a cleaned span, remembered: a parse costs
    one to a few milliseconds, and an archive repeats its date spans."""
    data = _parser(lang, published, order).get_date_data(cleaned)
    if data is None or data.date_obj is None:
        return None, None
    return data.date_obj.date(), data.period


@lru_cache(maxsize=256)
def _parser(lang: str, published: date | None, order: str):
    """A dateparser parser per language, publication day and day order: building one
    costs a few hundred microseconds, and the documents of an archive share few days."""
    from dateparser.date import DateDataParser

    base = datetime.combine(published, datetime.min.time()) if published else datetime(2000, 1, 1)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
                "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": order}
    return DateDataParser(languages=[lang], settings=settings)
