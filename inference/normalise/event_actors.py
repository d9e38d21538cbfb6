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
- violence against civilians (attack, sexual violence, abduction): every target not named
  by the dictionary or as a state institution is civilians ("Palestinians", "villagers",
  "three teachers"), and civilians are added when the side is empty;
- arrests: made by police unless someone is named; the unknown people held are civilians,
  or rioters / protesters when the article reports a riot / protest that day;
- explosions and remote violence, looting: an unknown target is civilians;
- attacks, abductions, sexual violence, planted explosives, grenades and suicide bombs with
  no perpetrator named: the group the article says claimed them or was blamed (an
  ``attribution`` record's named actor), else an unidentified armed group (inter 3, as
  ACLED codes one);
- a claim or accusation (attribution) naming no target: the targets of the event it speaks of;
- disasters: the people affected are civilians.
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
    "remote_explosive_landmine_ied", "grenade", "looting_property_destruction",
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


def _unnamed(actor: Actor) -> bool:
    """Not a dictionary entry and not a state institution: typed only by a head noun, a demonym or nothing.

    "Palestinians" (a demonym alone) reads as a state's forces elsewhere ("Russian drones"),
    but as the victims of violence against civilians it names people."""
    return actor.source in ("unknown", "head_noun", "country")


def apply_event_conventions(type_id: str, actors: list[Actor], targets: list[Actor],
                            document_types: frozenset[str] = frozenset(),
                            claimant: Actor | None = None,
                            claimed_targets: list[Actor] = ()) -> tuple[list[Actor], list[Actor]]:
    """Both sides of one record with ACLED's event-type conventions applied (new lists; inputs untouched).

    ``document_types`` are the types of the article's other records on the same day: people
    arrested the day of a riot are rioters, of a protest protesters. ``claimant`` is a named group
    the article says claimed or was blamed for its attacks: it is the perpetrator of an attack
    whose own sentences name none. ``claimed_targets`` are, for a claim or accusation, the
    targets of the event it speaks of: they are its actor 2 when its own sentences name none.
    """
    actors, targets = list(actors), list(targets)
    if type_id == "attribution" and not targets:
        targets = list(claimed_targets)
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
        targets = [_as(replace(a, name=None), CIVILIANS) if _unnamed(a) else a for a in targets]
        if not targets:
            targets = [_implied(CIVILIANS)]
    elif type_id == "arrests":
        held = RIOTERS if document_types & RIOTS else PROTESTERS if document_types & PROTESTS else CIVILIANS
        targets = [_as(a, held) if _open(a, 0, CIVILIANS) else a for a in targets]
    elif type_id in UNKNOWN_TARGET_IS_CIVILIAN:
        targets = [_as(a, CIVILIANS) if _open(a, 0) else a for a in targets]
    if type_id in UNKNOWN_PERPETRATOR_IS_ARMED_GROUP:
        if claimant is not None and all(_open(a, 0, ARMED_GROUP, CIVILIANS) for a in actors):
            actors = [claimant]
        actors = [_as(a, ARMED_GROUP) if _open(a, 0) else a for a in actors] or [_implied(ARMED_GROUP)]
    elif type_id == "arrests":
        actors = [_as(a, POLICE) if _open(a, 0) else a for a in actors] or [_implied(POLICE)]
    elif type_id in DISASTERS and not targets:
        targets = [_implied(CIVILIANS)]
    return actors, targets
