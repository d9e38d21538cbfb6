"""Document merge on scripted mentions: exact groups for each rule of issue 12."""

from __future__ import annotations

from flashpoint.merge import Mention, PlaceKey, merge_mentions

PARENT = {"attack": "Violence against civilians", "abduction": "Violence against civilians",
          "armed_clash": "Battles", "air_drone_strike": "Explosions/Remote violence",
          "diplomacy": None, "arrests": None}
PRECEDENCE = {"attack": 9, "abduction": 10, "armed_clash": 7, "air_drone_strike": 3, "diplomacy": 20, "arrests": 15}
MAIDUGURI = PlaceKey(2331447, "NG.05", "NGA", 1)
KIDAL = PlaceKey(2455290, "ML.08", "MLI", 1)
BORNO = PlaceKey(None, "NG.05", "NGA", 3)


def groups(mentions):
    return [(g.type, g.sentence_indices, g.event_date, g.fatalities)
            for g in merge_mentions(mentions, PARENT, PRECEDENCE)]


def test_headline_and_body_sentence_are_one_event():
    # the headline has no date and repeats the body's five dead: one event, five dead, not ten
    result = groups([
        Mention("attack", 0, "2025-03-17", True, [MAIDUGURI], fatalities=5),
        Mention("attack", 1, "2025-03-15", False, [MAIDUGURI], fatalities=5),
    ])
    assert result == [("attack", [0, 1], "2025-03-15", 5)]


def test_casualty_update_updates_the_event_it_refers_to():
    result = groups([
        Mention("attack", 1, "2025-03-15", False, [MAIDUGURI], fatalities=5),
        Mention("attack", 2, "2025-03-17", True, [], fatalities=6),  # "the death toll rose to six"
    ])
    assert result == [("attack", [1, 2], "2025-03-15", 6)]


def test_same_type_on_another_day_stays_separate():
    result = groups([
        Mention("attack", 1, "2025-03-15", False, [MAIDUGURI], fatalities=5),
        Mention("attack", 2, "2025-03-10", False, [MAIDUGURI], fatalities=2),
    ])
    assert result == [("attack", [1], "2025-03-15", 5), ("attack", [2], "2025-03-10", 2)]


def test_same_type_in_another_place_stays_separate():
    result = groups([
        Mention("attack", 1, "2025-03-15", False, [MAIDUGURI]),
        Mention("attack", 2, "2025-03-15", False, [KIDAL]),
    ])
    assert [g[1] for g in result] == [[1], [2]]


def test_a_province_contains_its_town():
    result = groups([
        Mention("attack", 1, "2025-03-15", False, [MAIDUGURI]),
        Mention("attack", 2, "2025-03-15", False, [BORNO]),
    ])
    assert [g[1] for g in result] == [[1, 2]]


def test_precedence_decides_between_compatible_types():
    # same ACLED parent: the lower precedence wins whatever the order
    mentions = [Mention("abduction", 0, "2025-03-15", False, [MAIDUGURI]),
                Mention("attack", 1, "2025-03-15", False, [MAIDUGURI])]
    assert groups(mentions) == [("attack", [0, 1], "2025-03-15", None)]


def test_types_with_other_parents_or_none_never_merge():
    result = groups([
        Mention("attack", 0, "2025-03-15", False, [MAIDUGURI]),
        Mention("armed_clash", 1, "2025-03-15", False, [MAIDUGURI]),
        Mention("diplomacy", 2, "2025-03-15", False, []),
        Mention("arrests", 3, "2025-03-15", False, []),
    ])
    assert [g[0] for g in result] == ["attack", "armed_clash", "diplomacy", "arrests"]


def test_disjoint_named_actors_stay_separate():
    result = groups([
        Mention("armed_clash", 0, "2025-03-15", False, [], actor_names=frozenset({"JNIM"})),
        Mention("armed_clash", 1, "2025-03-15", False, [], actor_names=frozenset({"Wagner Group"})),
        Mention("armed_clash", 2, "2025-03-15", False, [], actor_names=frozenset({"JNIM", "Military Forces of Mali"})),
    ])
    assert [g[1] for g in result] == [[0, 2], [1]]


def test_a_mention_joins_the_latest_compatible_event():
    # the update without date or place refers to the event told just before it
    result = groups([
        Mention("attack", 1, "2025-03-15", False, [MAIDUGURI], fatalities=3),
        Mention("attack", 2, "2025-03-12", False, [KIDAL], fatalities=4),
        Mention("attack", 3, "2025-03-17", True, [], fatalities=9),
    ])
    assert result == [("attack", [1], "2025-03-15", 3), ("attack", [2, 3], "2025-03-12", 9)]


def test_order_of_input_does_not_matter():
    mentions = [Mention("attack", 2, "2025-03-17", True, [], fatalities=6),
                Mention("attack", 0, "2025-03-17", True, [MAIDUGURI], fatalities=5),
                Mention("attack", 1, "2025-03-15", False, [MAIDUGURI], fatalities=5)]
    assert groups(mentions) == groups(sorted(mentions, key=lambda m: m.sentence_index))
