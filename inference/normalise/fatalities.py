"""Fatalities: a span ("at least 12", "dozens", "двадцать", "ثلاثة") -> an integer.

ACLED's conventions, which analysts expect in the column:
- a bound counts as its number ("at least 12", "more than 12", "up to 12" -> 12);
- a range takes its lower bound ("12 to 15", "entre 12 et 15", "от 12 до 15" -> 12);
- vague plurals take fixed values: "dozens" / "des dizaines" / "عشرات" -> 12,
  "a number of" / "several" / "a few" -> 3, "hundreds" -> 100, "thousands" -> 1000;
- no fatalities span -> 0 with the flag ``none_reported``.

Wounded are never dead: :func:`counts_wounded` reads the words around the number
in its sentence ("two killed and five wounded": "five" counts the wounded) and
``parse_fatalities`` refuses such a number with a reason. A value that cannot be a
death toll of one event (above :data:`MAX_FATALITIES`) or text without a number is
null with a reason; nothing here raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flashpoint.normalise._text import ascii_digits, fold
from flashpoint.normalise.numbers import parse_digits, parse_number_words

# Above this a single event's toll is a misread (a year, a population, a sum).
MAX_FATALITIES = 10_000


@dataclass(frozen=True)
class Fatalities:
    """A fatalities span read as a number; ``value`` is None exactly when ``reason`` says why."""

    text: str | None
    value: int | None
    flag: str | None = None      # "none_reported", "vague", "lower_bound", "range"
    reason: str | None = None    # why value is None


# Vague quantities, folded, by language: ACLED's fixed values for each.
_VAGUE: dict[str, list[tuple[str, int]]] = {
    "en": [(r"\bdozens\b|\bscores\b", 12), (r"\bhundreds\b", 100), (r"\bthousands\b", 1000),
           (r"\ba number of\b|\bseveral\b|\ba few\b|\bsome\b|\ba handful\b", 3)],
    "fr": [(r"\bdes dizaines\b|\bdizaines\b", 12), (r"\bcentaines\b", 100), (r"\bmilliers\b", 1000),
           (r"\bplusieurs\b|\bquelques\b|\bun certain nombre\b|\bune poignee\b", 3)],
    "es": [(r"\bdecenas\b|\bdocenas\b", 12), (r"\bcentenares\b|\bcientos\b", 100), (r"\bmiles\b", 1000),
           (r"\bvarios\b|\bvarias\b|\bunos cuantos\b|\balgunos\b|\balgunas\b|\buna serie de\b", 3)],
    "ru": [(r"\bдесятк\w*|\bдесятки\b", 12), (r"\bсотни\b|\bсотен\b", 100), (r"\bтысячи\b(?!\s*\d)|\bтысяч\b(?!\s*\d)", 1000),
           (r"\bнескольк\w*|\bряд\b", 3)],
    "ar": [(r"\bعشرات\b", 12), (r"\bمئات\b|\bمئات\b", 100), (r"\bالاف\b(?!\s*\d)", 1000),
           (r"\bعدد من\b|\bعده\b|\bبضعه\b|\bبضع\b", 3)],
    "tr": [(r"\bonlarca\b|\bdüzinelerce\b|\bduzinelerce\b", 12), (r"\byuzlerce\b", 100), (r"\bbinlerce\b", 1000),
           (r"\bbirkac\b|\bbazi\b|\bcok sayida\b|\bbir kisim\b", 3)],
}

# "a 64-year-old", "aged 30", "3-year-old": an age names a person, not a count.
_AGE = re.compile(r"\b\d+\s*-?\s*(?:year|yr|an|ans|año|años|лет|летн\w*|yaşında|yasinda)\b[-\w]*"
                  r"|\b(?:aged|âgé\w*|age\w*|de \d+ años)\s*\d+|\d+\s*عاما|البالغ\w* من العمر \d+", re.I)
_ONE_PERSON = {"en": {"a", "an"}, "fr": {"un", "une"}, "es": {"un", "una"}, "ru": set(), "ar": set(), "tr": {"bir"}}

# A range: two numbers joined by a dash or a language's "to"/"and" between them.
_RANGE = re.compile(r"(\d[\d,. ]*)\s*(?:-|–|—|to|or|and|à|a|ou|et|y|o|до|или|и|الى|او|و|ila|ile|veya|ya da)\s*(\d)")

_BOUND = {
    "en": r"at least|more than|over|nearly|almost|about|around|some|up to|as many as|no fewer than|roughly|approximately",
    "fr": r"au moins|plus de|pres de|environ|quelque|jusqu'a|une vingtaine",
    "es": r"al menos|por lo menos|mas de|casi|unos|unas|alrededor de|cerca de|hasta",
    "ru": r"по меньшей мере|по крайней мере|не менее|более|свыше|около|почти|до",
    "ar": r"على الاقل|اكثر من|نحو|حوالي|قرابه|ما لا يقل عن|زهاء",
    "tr": r"en az|yaklasik|en azindan|-?dan fazla|-?den fazla|kadar|civarinda",
}

_BOUND_FOLDED = {lang: "|".join(fold(alt) for alt in alternatives.split("|"))
                 for lang, alternatives in _BOUND.items()}

# Singular approximations ("une dizaine", "una decena": about ten) count as their number;
# their plurals ("des dizaines", "decenas") are the vague plurals above.
_APPROX = {
    "fr": {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
           "quarantaine": 40, "cinquantaine": 50, "centaine": 100},
    "es": {"decena": 10, "docena": 12, "veintena": 20, "treintena": 30, "centenar": 100},
}


def parse_fatalities(text: str | None, lang: str, sentence: str | None = None,
                     start: int | None = None) -> Fatalities:
    """Read a fatalities span as an integer.

    ``sentence`` (and ``start``, the span's offset in it, else its first occurrence)
    lets the reader refuse a number that counts the wounded.
    """
    if text is None or not text.strip():
        return Fatalities(text, 0, flag="none_reported")
    if sentence is not None and counts_wounded(sentence, text, lang, start):
        return Fatalities(text, None, reason="counts the wounded, not the dead")
    folded = fold(text)
    ageless = _AGE.sub(" ", folded)
    flag = None
    if re.search(rf"\b(?:{_BOUND_FOLDED.get(lang, _BOUND_FOLDED['en'])})\b", folded):
        flag = "lower_bound"
    dashed = ascii_digits(text).casefold()
    if _RANGE.search(_AGE.sub(" ", dashed).replace(",", "")) or _RANGE.search(ageless.replace(",", "")):
        flag = "range"
    value = parse_digits(ageless)
    if value is None:
        value, vague = _words_or_vague(ageless, lang)
        if vague:
            flag = "vague"
    if value is None and ageless.split() and set(ageless.split()) & _ONE_PERSON.get(lang, set()):
        value = 1  # "a 64-year-old (woman)": one person
    if value is None and _AGE.search(folded):
        value = 1
    if value is None:
        return Fatalities(text, None, reason="no number in the span")
    if value > MAX_FATALITIES:
        return Fatalities(text, None, reason=f"{value} exceeds {MAX_FATALITIES}, not a plausible toll for one event")
    return Fatalities(text, value, flag=flag)


def _words_or_vague(folded: str, lang: str) -> tuple[int | None, bool]:
    """Number words first (a precise count wins over a vague word beside it), then vague plurals."""
    for word, value in _APPROX.get(lang, {}).items():
        if re.search(rf"\b{word}\b", folded):
            return value, True
    value = parse_number_words(folded, lang)
    if value is not None and not _is_vague_word_number(folded, lang):
        return value, False
    for pattern, vague_value in _VAGUE.get(lang, []):
        if re.search(pattern, folded):
            return vague_value, True
    return value, False


def _is_vague_word_number(folded: str, lang: str) -> bool:
    """True when text_to_num read a vague plural ("hundreds", "miles") as a number."""
    return any(re.search(pattern, folded) for pattern, _ in _VAGUE.get(lang, []))


# Words that mark a count of wounded, and words that mark a count of dead, folded
# prefixes (Russian, Arabic and Turkish inflect them).
_WOUNDED = {
    "en": r"wound\w*|injur\w*|hurt|maimed",
    "fr": r"bless\w*",
    "es": r"herid\w*|lesionad\w*",
    "ru": r"ранен\w*|ранил\w*|ранив|ранены|пострадавш\w*",
    "ar": r"جريح\w*|جرحي|جرح\w*|اصاب\w*|مصاب\w*|واصاب\w*|وجرح\w*|والجرحي|باصابه",
    "tr": r"yarala\w*|yarali\w*",
}
_KILLED = {
    "en": r"kill\w*|dead|died|dies|death\w*|lives|bodies|slain|massacred",
    "fr": r"tu[eé]\w*|mort\w*|morts|dec[eè]s|victimes|cadavres|p[eé]ri",
    "es": r"muert\w*|fallecid\w*|asesinad\w*|matad\w*|mat[oó]|cadaveres|victimas|vidas",
    "ru": r"погиб\w*|убит\w*|убил\w*|жертв\w*|смерт\w*|тел",
    "ar": r"قتيل\w*|قتلي|قتل\w*|مقتل|وفا\w*|شهيد\w*|شهداء|حتف\w*|جثث|وقتل\w*",
    "tr": r"oldu\w*|olu\w*|olum\w*|oldur\w*|hayatini|cansiz",
}

_CONJUNCTIONS = {"en": {"and", "or", "while", "but"}, "fr": {"et", "ou", "mais"}, "es": {"y", "e", "o", "pero"},
                 "ru": {"и", "а", "но", "или"}, "ar": {"و", "او"}, "tr": {"ve", "ile", "ama"}}


def counts_wounded(sentence: str, span: str, lang: str, start: int | None = None) -> bool:
    """True when the number ``span`` in ``sentence`` counts wounded people, not dead.

    The words right after the number decide ("five wounded", "5 blessés",
    "пятеро раненых", "خمسة جرحى", "beş yaralı"); failing that, a wounding verb right
    before it ("wounding 21", "blessant 21", "وإصابة 21"). A killing word seen first
    wins, so "two killed and five wounded" keeps "two".
    """
    if start is None:
        start = sentence.find(span)
    if start < 0:
        return False
    after = fold(sentence[start + len(span): start + len(span) + 40])
    before = fold(sentence[max(0, start - 25): start])
    wounded, killed = _WOUNDED.get(lang, _WOUNDED["en"]), _KILLED.get(lang, _KILLED["en"])
    # Only the words after the number up to the next clause belong to it ("five
    # wounded", "21 people were injured"; not "three people and wounding 21").
    words = after.split()[:4]
    for word in words:
        if word.isdigit() or word in _CONJUNCTIONS.get(lang, ()) or (
                lang == "ar" and word.startswith("و") and len(word) > 3):
            break
        if re.fullmatch(killed, word):
            return False
        if re.fullmatch(wounded, word):
            return True
    before_words = before.split()[-2:]
    return any(re.fullmatch(wounded, word) for word in before_words)
