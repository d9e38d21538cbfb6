"""Datelines: the "MAIDUGURI, Nigeria (AP) —" that opens a wire story.

A dateline says where the story was filed, not who did anything, so no actor or target
may come from it; a place in it is a location only of the events of the sentence it opens
(it reaches no other sentence, since arguments never leave their sentence). The tagger
learns this from corpus v2's datelines; this rule makes it hold whatever the tagger does.

Recognised, at the start of a paragraph: a place in capitals (Latin or Cyrillic), then
optionally a comma and a country or date, optionally an agency in brackets, then a dash
or a colon ("KYIV, Jan 3 (Reuters) -", "BAMAKO (Mali), 3 janvier (AFP) -",
"МОСКВА, 3 янв — РИА Новости.", "AHMEDABAD:"); in caseless scripts (Arabic), up to four
words with an agency in brackets before a dash ("القاهرة (رويترز) -").
"""

from __future__ import annotations

import re

_CAPITAL_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁІЇЄҐ][A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁІЇЄҐ'’.-]+"
_DASH = r"(?:[-–—]{1,2}|:)"
_CASED = re.compile(
    rf"^{_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD}){{0,3}}"        # the place, in capitals
    r"(?:\s*\([^()\n]{1,40}\))?"                              # (Mali) or (AP)
    r"(?:,\s*[^,()\n—–:]{1,40}?)?"                            # , Nigeria / , Jan 3 / , 3 janvier
    r"(?:\s*\([^()\n]{1,40}\))?"                              # (Reuters)
    rf"\s*{_DASH}"                                             # — or - or :
    r"(?:\s*[A-ZА-ЯЁ][\w .]{1,30}?\.(?=\s))?"                 # "РИА Новости." after the dash
    r"\s+"
)
_CASELESS = re.compile(r"^(?:[^\s()]+\s+){0,3}[^\s()]+\s*(?:(?:[-–—]\s*)?\([^()\n]{1,30}\)\s*[-–—]\s*){1,2}")


def dateline_end(sentence: str) -> int:
    """Length of the dateline that opens ``sentence`` (0 when there is none)."""
    for pattern in (_CASED, _CASELESS):
        match = pattern.match(sentence)
        # the story starts after it, with a capital, a caseless letter, a digit or a quote
        # ("NATO - the alliance - said" is not a dateline)
        if match and match.end() < len(sentence) and not sentence[match.end()].islower():
            return match.end()
    return 0
