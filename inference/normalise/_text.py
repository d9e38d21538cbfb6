"""Text folding shared by the normalisers.

Every normaliser compares a span with a table (weekday names, number words, place
and actor names). Folding both sides the same way lets one table entry match the
spellings news actually uses: any case, with or without accents, Arabic with or
without short vowels and hamza forms, Arabic-Indic digits, Turkish dotted and
dotless i, typographic apostrophes.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic (U+06F0..) digits -> ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})

# Arabic letter variants that spelling in the news does not keep apart.
_ARABIC = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ـ": None,  # tatweel
})

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "ʻ": "'", "ʹ": "'"})

_NON_WORD = re.compile(r"[^\w']+")


def ascii_digits(text: str) -> str:
    """Arabic-Indic digits and the Arabic thousands/decimal marks as ASCII."""
    return text.translate(_DIGITS).replace("٬", ",").replace("٫", ".")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of ``text`` used for every lookup.

    Keeps letters of every script (Cyrillic and Arabic stay themselves), digits and
    apostrophes; anything else becomes one space.
    """
    if text.isascii():  # the common case, and most of the dictionaries: no accents to strip
        return " ".join(_NON_WORD.sub(" ", text.replace("`", "'").lower()).split())
    text = ascii_digits(text).translate(_APOSTROPHES)
    text = text.replace("ı", "i").replace("İ", "i")
    text = unicodedata.normalize("NFKD", text.casefold())
    # Combining marks go (accents, Arabic short vowels and shadda), except the
    # Cyrillic breve of й, which NFKD splits off and which changes the letter.
    text = "".join(c for c in text if not unicodedata.combining(c) or c == "\u0306")
    text = unicodedata.normalize("NFC", text).replace("ё", "е")
    text = text.translate(_ARABIC)
    return " ".join(_NON_WORD.sub(" ", text).split())


def fold_keep_apostrophe_free(text: str) -> str:
    """``fold`` without apostrophes: "Halep'te" -> "halep te" (Turkish suffixes split off)."""
    return " ".join(fold(text).replace("'", " ").split())
