"""No normaliser raises on a bad value: odd text in any language gives nulls with a reason."""

from __future__ import annotations

import random

import pytest

from flashpoint.normalise import geocode, parse_fatalities, resolve_actor, resolve_date

ODD = ["", " ", "\x00\x07", "🙂🔥", "-" * 5000, "12/45/2025", "31 février", "9" * 40, "ـــ", "'''", "())(", "\u200f\u200e",
       "Dimanche 45 Smarch 99999", "١٢/١٣/٢٠٢٥", "NaN", "None", "...", "a b c d e f g h i j k l m n o p q r s t u v w x y z"]


def _random_strings(count: int) -> list[str]:
    generator = random.Random(12)
    alphabet = "abcxyz ÉéçğışАБВгдеёйاأإةىء0123456789-'’,.()/\t\n"
    return ["".join(generator.choice(alphabet) for _ in range(generator.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("lang", ["en", "ar", "fr", "es", "ru", "tr", "xx"])
def test_odd_values_never_raise(lang):
    for text in ODD + _random_strings(60):
        date = resolve_date(text, "2025-03-19", lang)
        assert (date.event_date is None) == (date.reason is not None)
        place = geocode(text, lang)
        assert place.latitude is None or place.reason is None
        assert (place.latitude is None) == (place.longitude is None)
        actor = resolve_actor(text, lang)
        assert 0 <= actor.inter <= 8
        fatalities = parse_fatalities(text, lang, sentence=f"{text} killed")
        assert (fatalities.value is None) == (fatalities.reason is not None)
        assert fatalities.value is None or 0 <= fatalities.value <= 10_000
