"""ACLED's actor conventions that follow from the event's type, applied to a record's two sides.

Why: ACLED defines some actors by the event itself, not by the words naming them. Every
protest has protesters (inter 6), every riot rioters (5); the victims of violence against
civilians are civilians (7) by definition; the unnamed people an explosion hits or the
police arrest are civilians too. A span typed from its own words cannot know that:
"cientos de jubilados" or "öğrenci eylemine" carry no protest word, "three teachers" or
"a crowded market" no civilian word, and a protest sentence often names no protester at all.

The rules, by event type (ontology ids):
- protests (peaceful protest, protest with intervention, excessive force): an unknown or
  civilian actor on either side is a protester; with no protester on either side one is
  added, as actor 1 for a peaceful protest and, for an intervention, on the side the
  state's forces are not on;
- riots (violent demonstration, mob violence): an unknown, civilian or protester actor 1
  is a rioter, and one is added when actor 1 is empty; an unknown target is civilians;
- violence against civilians (attack, sexual violence, abduction): the target side is
  civilians when unknown, and civilians are added when it is empty;
- explosions and remote violence, arrests, looting: an unknown target is civilians;
- attacks, abductions, sexual violence, planted explosives, grenades and suicide bombs with
  no perpetrator named: an unidentified armed group (inter 3, as ACLED codes one).
Named and state actors are never changed: the rules only fill what the words left open.
"""

from __future__ import annotations

from dataclasses import replace

from flashpoint.normalise.actors import Actor

PROTESTS = frozenset({"peaceful_protest", "protest_with_intervention", "excessive_force_against_protesters"})
RIOTS = frozenset({"violent_demonstration", "mob_violence"})
VIOLENCE_AGAINST_CIVILIANS = frozenset({"attack", "sexual_violence", "abduction_forced_disappearance"})
UNKNOWN_TARGET_IS_CIVILIAN = frozenset({
    "chemical_weapon", "air_drone_strike", "suicide_bomb", "shelling_artillery_missile_attack",
    "remote_explosive_landmine_ied", "grenade", "arrests", "looting_property_destruction",
})

UNKNOWN_PERPETRATOR_IS_ARMED_GROUP = frozenset({
    "attack", "sexual_violence", "abduction_forced_disappearance", "remote_explosive_landmine_ied", "grenade",
    "suicide_bomb",
})

DISASTERS = frozenset({"natural_disaster", "man_made_disaster"})

STATE, ARMED_GROUP, RIOTERS, PROTESTERS, CIVILIANS = 1, 3, 5, 6, 7
POLICE = -1  # state forces (inter 1) under ACLED's generic name "Police Forces"
_GENERIC = {PROTESTERS: "Protesters", RIOTERS: "Rioters", CIVILIANS: "Civilians", ARMED_GROUP: "Unidentified Armed Group",
            POLICE: "Police Forces"}


def _open(actor: Actor, *inters: int) -> bool:
    """An actor the words left open: no canonical name, and a type among ``inters`` (0 = unknown)."""
    return actor.name is None and actor.inter in inters


def _as(actor: Actor, kind: int) -> Actor:
    """``actor`` typed as ``kind`` (an inter code, or POLICE)."""
    return replace(actor, inter=STATE if kind == POLICE else kind, generic=_GENERIC[kind], source=f"{actor.source}+event_type")


def _implied(kind: int) -> Actor:
    """An actor the event type implies where the text names none."""
    return Actor("", None, None, STATE if kind == POLICE else kind, "event_type", generic=_GENERIC[kind])


def apply_event_conventions(type_id: str, actors: list[Actor], targets: list[Actor]) -> tuple[list[Actor], list[Actor]]:
    """Both sides of one record with ACLED's event-type conventions applied (new lists; inputs untouched)."""
    actors, targets = list(actors), list(targets)
    if type_id in PROTESTS:
        actors = [_as(a, PROTESTERS) if _open(a, 0, CIVILIANS) else a for a in actors]
        targets = [_as(a, PROTESTERS) if _open(a, 0, CIVILIANS) else a for a in targets]
        if not any(a.inter == PROTESTERS for a in actors + targets):
            if type_id == "peaceful_protest" or not any(a.inter == STATE for a in actors):
                actors.insert(0, _implied(PROTESTERS))
            else:
                targets.insert(0, _implied(PROTESTERS))
    elif type_id in RIOTS:
        actors = [_as(a, RIOTERS) if _open(a, 0, CIVILIANS, PROTESTERS) else a for a in actors]
        if not actors:
            actors = [_implied(RIOTERS)]
        targets = [_as(a, CIVILIANS) if _open(a, 0) else a for a in targets]
    elif type_id in VIOLENCE_AGAINST_CIVILIANS:
        targets = [_as(a, CIVILIANS) if _open(a, 0) else a for a in targets]
        if not targets:
            targets = [_implied(CIVILIANS)]
    elif type_id in UNKNOWN_TARGET_IS_CIVILIAN:
        targets = [_as(a, CIVILIANS) if _open(a, 0) else a for a in targets]
    if type_id in UNKNOWN_PERPETRATOR_IS_ARMED_GROUP:
        actors = [_as(a, ARMED_GROUP) if _open(a, 0) else a for a in actors] or [_implied(ARMED_GROUP)]
    elif type_id == "arrests":
        actors = [_as(a, POLICE) if _open(a, 0) else a for a in actors] or [_implied(POLICE)]
    elif type_id in DISASTERS and not targets:
        targets = [_implied(CIVILIANS)]
    return actors, targets
