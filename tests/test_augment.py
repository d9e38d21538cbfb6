"""Noisy training variants: exact texts and offsets on scripted records, and the per-epoch draw."""

from __future__ import annotations

import random

import numpy as np

from flashpoint.training.augment import lowercased, mojibake, noisy_variant, unpunctuated, uppercased


def _record(text: str, spans: list[tuple[str, str]], lang: str = "en") -> dict:
    arguments = []
    for role, phrase in spans:
        start = text.index(phrase)
        arguments.append({"role": role, "start": start, "end": start + len(phrase)})
    return {"id": "r1", "lang": lang, "text": text, "events": [{"type": "attack", "trigger": None, "arguments": arguments}]}


def _phrases(record: dict) -> list[tuple[str, str]]:
    return [(a["role"], record["text"][a["start"]:a["end"]]) for a in record["events"][0]["arguments"]]


def test_lowercase_keeps_offsets_one_to_one_even_for_turkish_dotted_i():
    record = _record("İzmir'de Polis, 3 kişiyi gözaltına aldı.", [("location", "İzmir"), ("actor", "Polis")], "tr")
    variant = lowercased(record)
    assert variant["text"] == "İzmir'de polis, 3 kişiyi gözaltına aldı."
    assert _phrases(variant) == [("location", "İzmir"), ("actor", "polis")]


def test_uppercase_keeps_offsets_one_to_one_even_for_german_sharp_s():
    record = _record("Straßenkämpfe in Köln: Polizei nimmt 3 Männer fest.", [("location", "Köln"), ("actor", "Polizei")], "de")
    variant = uppercased(record)
    assert variant["text"] == "STRAßENKÄMPFE IN KÖLN: POLIZEI NIMMT 3 MÄNNER FEST."
    assert _phrases(variant) == [("location", "KÖLN"), ("actor", "POLIZEI")]


def test_mojibake_lengthens_characters_and_moves_later_spans():
    record = _record("Gendarmes in Ségou said the army’s convoy was hit near Djenné.",
                     [("location", "Ségou"), ("target", "the army’s convoy"), ("location", "Djenné")], "fr")
    variant = mojibake(record)
    assert variant["text"] == "Gendarmes in SÃ©gou said the armyâ€™s convoy was hit near DjennÃ©."
    assert _phrases(variant) == [("location", "SÃ©gou"), ("target", "the armyâ€™s convoy"), ("location", "DjennÃ©")]


def test_lost_punctuation_shifts_spans_left():
    record = _record("In Kidal, gunmen killed five traders, officials said.", [("location", "Kidal"),
                     ("actor", "gunmen"), ("target", "five traders")])
    variant = unpunctuated(record)
    assert variant["text"] == "In Kidal gunmen killed five traders officials said"
    assert _phrases(variant) == [("location", "Kidal"), ("actor", "gunmen"), ("target", "five traders")]


def test_noisy_variants_never_garble_arabic_and_keep_every_span():
    record = _record("قتل مسلحون خمسة مدنيين في كيدال.", [("actor", "مسلحون"), ("location", "كيدال")], "ar")
    rng = random.Random(0)
    for _ in range(20):
        variant = noisy_variant(record, rng)
        assert "Ø" not in variant["text"]
        assert [role for role, _ in _phrases(variant)] == ["actor", "location"]
        assert _phrases(variant)[1][1] == "كيدال"


def test_each_epoch_draws_forms_in_the_configured_shares(tokenizer_64, ontology):
    from flashpoint.training.features import AugmentedExamples

    records = [_record(f"Gunmen attacked village number {i} in Zamfara.", [("actor", "Gunmen")]) for i in range(400)]
    augmented = AugmentedExamples(records, tokenizer_64, ontology, lowercase=0.5, noise=0.0, seed=1)
    epoch = augmented.epoch(np.random.default_rng(3))
    assert len(epoch) == 400
    lower_first_piece = tokenizer_64.encode(["gunmen"])[0][0].ids[1]
    lowered = sum(int(e.ids[1] == lower_first_piece) for e in epoch)
    assert 150 < lowered < 250
    clean = AugmentedExamples(records, tokenizer_64, ontology, lowercase=0.0, noise=0.0, seed=1)
    assert clean.epoch(np.random.default_rng(3)) is clean.forms[0]


def test_uppercase_share_follows_the_other_shares_and_leaves_their_draws_alone(tokenizer_64, ontology):
    from flashpoint.training.features import AugmentedExamples

    records = [_record(f"Gunmen attacked village number {i} in Zamfara.", [("actor", "Gunmen")]) for i in range(400)]
    first = {form: tokenizer_64.encode([word])[0][0].ids[1] for form, word in
             (("clean", "Gunmen"), ("lower", "gunmen"), ("upper", "GUNMEN"))}
    without = AugmentedExamples(records, tokenizer_64, ontology, lowercase=0.3, noise=0.0, seed=1)
    with_upper = AugmentedExamples(records, tokenizer_64, ontology, lowercase=0.3, noise=0.0, seed=1, uppercase=0.4)
    old = without.epoch(np.random.default_rng(5))
    new = with_upper.epoch(np.random.default_rng(5))
    # a record lower-cased without the upper-case share is lower-cased with it: same draws, same ranges
    assert [e.ids[1] == first["lower"] for e in old] == [e.ids[1] == first["lower"] for e in new]
    upper = sum(int(e.ids[1] == first["upper"]) for e in new)
    assert 120 < upper < 200
    assert sum(int(e.ids[1] == first["upper"]) for e in old) == 0


def test_augment_shares_over_one_are_refused():
    import pytest
    from pydantic import ValidationError

    from flashpoint.training.config import AugmentConfig

    with pytest.raises(ValidationError, match="sum to at most 1"):
        AugmentConfig(lowercase=0.6, noise=0.3, uppercase=0.2)
