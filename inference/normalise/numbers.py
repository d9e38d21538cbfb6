"""Cardinal numbers written in digits or words, in the six languages.

Dates ("two days ago") and fatalities ("twenty-three") both need them. English,
French and Spanish words go through ``text2num`` (text_to_num), which handles their
compounds ("twenty-three", "dix-sept", "veintitrés"). It has no Arabic, Russian or
Turkish, so those three use the tables below: each word form maps to a value and a
left-to-right sum handles their compounds, which are additive ("ثلاثة وعشرون" 3+20,
"двадцать три" 20+3, "yirmi üç" 20+3) with hundreds and thousands multiplying
what comes before them.
"""

from __future__ import annotations

import re

from flashpoint.normalise._text import ascii_digits, fold

LANGS = ("en", "ar", "fr", "es", "ru", "tr")


def _forms(table: dict[str, int]) -> dict[str, int]:
    """Fold the keys so lookups on folded text find them."""
    return {fold(word): value for word, value in table.items()}


_RU = _forms({
    "ноль": 0, "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одним": 1,
    "два": 2, "две": 2, "двух": 2, "двум": 2, "двумя": 2, "двое": 2, "двоих": 2,
    "три": 3, "трех": 3, "трем": 3, "тремя": 3, "трое": 3, "троих": 3,
    "четыре": 4, "четырех": 4, "четырем": 4, "четверо": 4, "четверых": 4,
    "пять": 5, "пяти": 5, "пятеро": 5, "пятерых": 5, "шесть": 6, "шести": 6, "шестеро": 6,
    "семь": 7, "семи": 7, "семеро": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
    "десять": 10, "десяти": 10, "десятеро": 10,
    "одиннадцать": 11, "одиннадцати": 11, "двенадцать": 12, "двенадцати": 12,
    "тринадцать": 13, "тринадцати": 13, "четырнадцать": 14, "четырнадцати": 14,
    "пятнадцать": 15, "пятнадцати": 15, "шестнадцать": 16, "шестнадцати": 16,
    "семнадцать": 17, "семнадцати": 17, "восемнадцать": 18, "восемнадцати": 18,
    "девятнадцать": 19, "девятнадцати": 19,
    "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40, "сорока": 40,
    "пятьдесят": 50, "пятидесяти": 50, "шестьдесят": 60, "шестидесяти": 60,
    "семьдесят": 70, "семидесяти": 70, "восемьдесят": 80, "восьмидесяти": 80,
    "девяносто": 90, "девяноста": 90,
    "сто": 100, "ста": 100, "двести": 200, "двухсот": 200, "триста": 300, "трехсот": 300,
    "четыреста": 400, "четырехсот": 400, "пятьсот": 500, "пятисот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
    "тысяча": 1000, "тысячи": 1000, "тысяч": 1000, "тысячу": 1000,
})

_AR = _forms({
    "صفر": 0, "واحد": 1, "واحدة": 1, "أحد": 1, "إحدى": 1,
    "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "اثنا": 2, "اثني": 2, "اثنتا": 2,
    "ثلاثة": 3, "ثلاث": 3, "أربعة": 4, "أربع": 4, "خمسة": 5, "خمس": 5, "ستة": 6, "ست": 6,
    "سبعة": 7, "سبع": 7, "ثمانية": 8, "ثماني": 8, "ثمان": 8, "تسعة": 9, "تسع": 9,
    "عشرة": 10, "عشر": 10,
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40,
    "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
    "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
    "مئة": 100, "مائة": 100, "مئتان": 200, "مئتين": 200, "مائتان": 200, "مائتين": 200,
    "ثلاثمئة": 300, "ثلاثمائة": 300, "أربعمئة": 400, "أربعمائة": 400, "خمسمئة": 500, "خمسمائة": 500,
    "ألف": 1000, "آلاف": 1000, "ألفا": 1000, "ألفين": 2000, "ألفان": 2000,
})

# Arabic dual nouns carry the number two themselves ("مقتل شخصين": two people killed).
_AR_DUALS = frozenset(fold(w) for w in (
    "شخصين", "شخصان", "قتيلين", "قتيلان", "جنديين", "جنديان", "طفلين", "طفلان",
    "رجلين", "رجلان", "امرأتين", "امرأتان", "شرطيين", "شرطيان", "طفلتان", "طفلتين", "فتاتان", "فتاتين",
    "شقيقان", "شقيقين", "صحفيان", "صحفيين اثنين", "جنديان", "عنصران", "عنصرين",
))

_TR = _forms({
    "sıfır": 0, "bir": 1, "iki": 2, "üç": 3, "dört": 4, "beş": 5, "altı": 6, "yedi": 7,
    "sekiz": 8, "dokuz": 9, "on": 10, "yirmi": 20, "otuz": 30, "kırk": 40, "elli": 50,
    "altmış": 60, "yetmiş": 70, "seksen": 80, "doksan": 90, "yüz": 100, "bin": 1000,
})
# Turkish words take suffixes ("üçü", "ikisi", "beşi"): the bare stems above are
# looked up after cutting the possessive or accusative ending.
_TR_SUFFIX = re.compile(r"^(.+?)(?:'?(?:si|sı|su|sü|i|ı|u|ü|ni|nı|nu|nü))$")

_TABLES = {"ru": _RU, "ar": _AR, "tr": _TR}

_DIGITS = re.compile(r"\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+(?!\d)|\d+")


def parse_digits(text: str) -> int | None:
    """The first number written in digits, thousands separators allowed ("1,200", "1 200", "1.200")."""
    match = _DIGITS.search(ascii_digits(text))
    if match is None:
        return None
    return int(re.sub(r"\D", "", match.group(0)))


def _sum_words(words: list[str], table: dict[str, int], lang: str) -> int | None:
    """Left-to-right additive reading of a run of number words; None if a word is not one."""
    total, current, seen = 0, 0, False
    for word in words:
        if lang == "ar" and word.startswith("و") and word not in table and word[1:] in table:
            word = word[1:]  # "وعشرون": the conjunction is glued to the tens
        value = table.get(word)
        if value is None and lang == "tr":
            match = _TR_SUFFIX.match(word)
            value = table.get(match.group(1)) if match else None
        if value is None:
            if seen:
                break  # the number ended: "три человека" reads as 3
            continue
        seen = True
        if value == 1000 or value == 2000:
            total += max(current, 1) * value
            current = 0
        elif value == 100 and current and current < 10:
            current *= 100
        else:
            current += value
    return total + current if seen else None


def parse_number_words(text: str, lang: str) -> int | None:
    """A number written in words in ``lang``, or None if ``text`` holds none."""
    folded = fold(text)
    if not folded:
        return None
    if lang in _TABLES:
        if lang == "ar" and any(word in _AR_DUALS for word in folded.split()):
            return 2
        return _sum_words(folded.replace("-", " ").split(), _TABLES[lang], lang)
    if lang in ("en", "fr", "es"):
        return _text2num_words(text, lang)
    return None


def _text2num_words(text: str, lang: str) -> int | None:
    """The first run of number words in ``text`` via text_to_num's ``alpha2digit``."""
    from text_to_num import alpha2digit

    # alpha2digit leaves isolated "one"/"un"/"uno" alone (they are often articles);
    # "one" spelled alone in a fatalities span is a count, so read it here.
    singles = {"en": {"one"}, "fr": {"un", "une"}, "es": {"uno", "una", "un"}}[lang]
    words = fold(text).split()
    converted = alpha2digit(text.replace("\u2011", "-"), lang, threshold=0)
    value = parse_digits(converted)
    if value is not None:
        return value
    if any(word in singles for word in words):
        return 1
    return None


def parse_number(text: str, lang: str) -> int | None:
    """The first cardinal in ``text``: digits first, then number words in ``lang``."""
    value = parse_digits(text)
    if value is not None:
        return value
    return parse_number_words(text, lang)
