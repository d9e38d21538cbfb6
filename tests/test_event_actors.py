"""ACLED's event-type actor conventions, on scripted actors and on whole records.

The pure rules get exact tests; the record tests check that the chain applies them, that
follow-up sentences take the day of the event told before them, and that a generic actor
in a sentence without a place is completed with the article's country.
"""

from __future__ import annotations

import pytest

from flashpoint.normalise.actors import Actor, inter_at, resolve_actor
from flashpoint.normalise.event_actors import apply_event_conventions
from flashpoint.records import build_records
from flashpoint.results import ArgumentSpan, DocumentResult, Event


def _unknown(text: str) -> Actor:
    return Actor(text, None, None, 0, "unknown")


def _summary(actors: list[Actor]) -> list[tuple[str, int, str | None]]:
    return [(a.text, a.inter, a.generic) for a in actors]


def test_protest_actors_the_words_leave_open_are_protesters():
    actors, targets = apply_event_conventions("peaceful_protest", [_unknown("cientos de jubilados")], [])
    assert _summary(actors) == [("cientos de jubilados", 6, "Protesters")] and targets == []


def test_a_protest_without_protesters_gets_one_on_the_side_the_state_is_not():
    police = resolve_actor("riot police", "en")
    actors, targets = apply_event_conventions("protest_with_intervention", [police], [])
    assert actors == [police] and _summary(targets) == [("", 6, "Protesters")]
    actors, targets = apply_event_conventions("peaceful_protest", [], [])
    assert _summary(actors) == [("", 6, "Protesters")] and targets == []


def test_riot_actor_is_rioters_and_its_unknown_target_civilians():
    civilians = resolve_actor("residents", "en")
    actors, targets = apply_event_conventions("violent_demonstration", [civilians], [_unknown("a power company office")])
    assert _summary(actors) == [("residents", 5, "Rioters")]
    assert _summary(targets) == [("a power company office", 7, "Civilians")]
    actors, _ = apply_event_conventions("mob_violence", [], [])
    assert _summary(actors) == [("", 5, "Rioters")]


def test_violence_against_civilians_targets_civilians_and_an_unknown_perpetrator_is_an_armed_group():
    actors, targets = apply_event_conventions("attack", [_unknown("hooded men")], [_unknown("three teachers")])
    assert _summary(actors) == [("hooded men", 3, "Unidentified Armed Group")]
    assert _summary(targets) == [("three teachers", 7, "Civilians")]
    actors, targets = apply_event_conventions("abduction_forced_disappearance", [], [])
    assert _summary(actors) == [("", 3, "Unidentified Armed Group")] and _summary(targets) == [("", 7, "Civilians")]


def test_arrests_are_made_by_police_unless_named():
    actors, targets = apply_event_conventions("arrests", [], [_unknown("four suspects")])
    assert [(a.inter, a.generic) for a in actors] == [(1, "Police Forces")]
    assert _summary(targets) == [("four suspects", 7, "Civilians")]


def test_named_and_state_actors_are_never_changed():
    army = resolve_actor("Nigerian troops", "en")
    named = resolve_actor("Boko Haram", "en")
    for type_id in ("violent_demonstration", "attack", "arrests", "air_drone_strike"):
        assert apply_event_conventions(type_id, [named], [army]) == ([named], [army])
    # a protest still needs its protesters: added in front, the named actor kept as it was
    actors, targets = apply_event_conventions("peaceful_protest", [named], [army])
    assert _summary(actors[:1]) == [("", 6, "Protesters")] and actors[1:] == [named] and targets == [army]


def test_remote_violence_unknown_target_is_civilians_but_no_target_stays_none():
    _, targets = apply_event_conventions("shelling_artillery_missile_attack", [], [_unknown("a crowded market")])
    assert _summary(targets) == [("a crowded market", 7, "Civilians")]
    actors, targets = apply_event_conventions("air_drone_strike", [], [])
    assert actors == [] and targets == []


def test_disasters_affect_civilians():
    actors, targets = apply_event_conventions("natural_disaster", [], [])
    assert actors == [] and _summary(targets) == [("", 7, "Civilians")]


@pytest.mark.parametrize("type_id", ["diplomacy", "armed_clash", "agreement", "other"])
def test_other_types_are_left_as_the_words_say(type_id):
    unknown = _unknown("the delegation")
    assert apply_event_conventions(type_id, [unknown], []) == ([unknown], [])


def test_a_generic_actor_without_any_place_before_it_takes_the_articles_country(ontology):
    text = "Police arrested four suspects. Later, gunmen attacked a bus in Gao, Mali."
    s0, s1 = "Police arrested four suspects.", "Later, gunmen attacked a bus in Gao, Mali."
    def span(sentence, role, value):
        start = text.index(sentence) + sentence.index(value)
        return ArgumentSpan(role, value, start, start + len(value), 0.9)
    events = [Event("arrests", 0.9, 0, s0, [span(s0, "actor", "Police"), span(s0, "target", "four suspects")]),
              Event("attack", 0.9, 1, s1, [span(s1, "actor", "gunmen"), span(s1, "location", "Gao, Mali")])]
    arrests, attack = build_records(DocumentResult("d", text, "en", "2025-03-19", {}, events, ontology.role_ids, 2),
                                    ontology)[0]
    assert (arrests.location, arrests.iso3) == (None, None)          # its own place columns stay empty
    assert (arrests.actor1, arrests.actor2) == ("Police Forces of Mali", "Civilians (Mali)")
    assert (attack.location, attack.iso3) == ("Gao", "MLI")


def test_a_government_abroad_stays_state_while_its_forces_are_external():
    government = resolve_actor("the French government", "en")
    army = resolve_actor("French troops", "en")
    assert (inter_at(government, "COD"), inter_at(army, "MLI"), inter_at(army, "FRA")) == (1, 8, 1)


TEXT = ("Gunmen attacked a bus near Kidal on Sunday. "
        "Hours later, police arrested four suspects. "
        "Two days later, protesters marched in Gao.")


def _span(sentence: str, role: str, text: str) -> ArgumentSpan:
    start = TEXT.index(sentence) + sentence.index(text)
    return ArgumentSpan(role, text, start, start + len(text), 0.9)


def test_records_apply_conventions_inherit_dates_and_complete_names(ontology):
    s0, s1, s2 = "Gunmen attacked a bus near Kidal on Sunday.", "Hours later, police arrested four suspects.", \
        "Two days later, protesters marched in Gao."
    events = [
        Event("attack", 0.9, 0, s0, [_span(s0, "actor", "Gunmen"), _span(s0, "target", "a bus"),
                                     _span(s0, "location", "near Kidal"), _span(s0, "time", "on Sunday")]),
        Event("arrests", 0.9, 1, s1, [_span(s1, "actor", "police"), _span(s1, "target", "four suspects")]),
        Event("peaceful_protest", 0.9, 2, s2, [_span(s2, "time", "Two days later"), _span(s2, "location", "Gao")]),
    ]
    result = DocumentResult("d", TEXT, "en", "2025-03-19", {}, events, ontology.role_ids, 3)
    attack, arrests, protest = build_records(result, ontology)[0]
    assert (attack.event_date, attack.actor1, attack.inter1, attack.actor2, attack.inter2) == (
        "2025-03-16", "Unidentified Armed Group (Mali)", 3, "Civilians (Mali)", 7)
    # no time span and no place of its own: the day and the place of the event told before it
    assert (arrests.event_date, arrests.date_flag, arrests.location, arrests.iso3, arrests.geo_precision) == (
        "2025-03-16", "date_from_context", "Kidal", "MLI", 2)
    assert (arrests.actor1, arrests.inter1, arrests.actor2, arrests.inter2) == (
        "Police Forces of Mali", 1, "Civilians (Mali)", 7)
    # "two days later" counts from the event told before, not from publication
    assert (protest.event_date, protest.date_flag, protest.actor1, protest.inter1) == (
        "2025-03-18", None, "Protesters (Mali)", 6)


def test_a_demonym_target_of_violence_against_civilians_is_civilians():
    palestinians = resolve_actor("Palestinians", "en")
    assert palestinians.source == "country"  # alone it reads as a state's forces
    _, targets = apply_event_conventions("attack", [], [palestinians])
    assert [(t.inter, t.generic, t.name) for t in targets] == [(7, "Civilians", None)]
    _, kept = apply_event_conventions("attack", [], [resolve_actor("Nigerian soldiers", "en")])
    assert kept[0].name == "Military Forces of Nigeria"  # a state institution stays what it is


def test_people_arrested_the_day_of_a_riot_are_rioters_of_a_protest_protesters():
    held = [_unknown("dozens of people")]
    for document_types, inter in ((frozenset({"violent_demonstration"}), 5), (frozenset({"peaceful_protest"}), 6),
                                  (frozenset(), 7)):
        _, targets = apply_event_conventions("arrests", [], held, document_types=document_types)
        assert [t.inter for t in targets] == [inter]


def test_a_claimed_attack_without_a_named_perpetrator_is_the_claimants():
    claimant = resolve_actor("Al Shabaab", "en")
    actors, _ = apply_event_conventions("suicide_bomb", [_unknown("a bomber")], [], claimant=claimant)
    assert actors == [claimant]
    named = resolve_actor("Boko Haram", "en")
    actors, _ = apply_event_conventions("suicide_bomb", [named], [], claimant=claimant)
    assert actors == [named]  # a perpetrator the sentence names is kept


def test_a_claim_without_a_target_takes_the_targets_of_the_event_it_speaks_of():
    soldiers = resolve_actor("Burkinabe soldiers", "en")
    claimant = resolve_actor("JNIM", "en")
    assert apply_event_conventions("attribution", [claimant], [], claimed_targets=[soldiers]) == ([claimant], [soldiers])
    own = resolve_actor("the army", "en")
    assert apply_event_conventions("attribution", [claimant], [own], claimed_targets=[soldiers]) == ([claimant], [own])
