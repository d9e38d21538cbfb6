"""Typed event records: the chain after the pipeline.

pipeline (sentence-level events) -> normalisers -> document merge -> :class:`EventRecord`.

:func:`build_records` runs the normalisers of :mod:`flashpoint.normalise` on every
argument span of a :class:`~flashpoint.results.DocumentResult`, adds their values
beside the spans in the score contract (never replacing a field), merges mentions of
one real-world event (:mod:`flashpoint.merge`) and returns one :class:`EventRecord`
per event, with ACLED's fields in ACLED's spelling. The writers take their columns
from :class:`EventRecord`'s fields, so adding a field adds a column everywhere.

Which normaliser reads which role is the one place roles are named: ``ROLE_NORMALISERS``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from flashpoint.merge import MergedGroup, Mention, PlaceKey, merge_mentions
from flashpoint.ontology import Ontology
from flashpoint.results import DocumentResult, Event

# role id -> the normaliser that reads it
ROLE_NORMALISERS = {"time": "date", "location": "place", "actor": "actor", "target": "actor",
                    "fatalities": "fatalities"}
# ACLED's two sides: which role fills actor1/inter1 and which actor2/inter2
SIDE_ROLES = ("actor", "target")

# ACLED's disorder type of each ACLED event type (ACLED's codebook) ...
DISORDER_TYPE = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Riots": "Demonstrations",
    "Protests": "Demonstrations",
    "Strategic developments": "Strategic developments",
}
# ... and the sub-event types whose disorder type differs from their parent's: mob violence is
# political violence, excessive force against protesters is both.
SUB_EVENT_DISORDER_TYPE = {
    "Mob violence": "Political violence",
    "Excessive force against protesters": "Political violence; Demonstrations",
}
# ACLED's catch-all parent: its sub-types are different happenings, never merged across types.
_UNMERGED_PARENTS = frozenset({"Strategic developments"})


@dataclass
class EventRecord:
    """One real-world event of a document, ACLED's columns first (in ACLED's spelling)."""

    event_id_cnty: str
    event_date: str | None
    year: int | None
    time_precision: int | None
    disorder_type: str | None
    event_type: str | None
    sub_event_type: str
    actor1: str | None
    assoc_actor_1: str | None
    inter1: int | None
    actor2: str | None
    assoc_actor_2: str | None
    inter2: int | None
    interaction: int | None
    iso: int | None
    iso3: str | None
    country: str | None
    admin1: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    geonameid: int | None
    geo_precision: int | None
    source: str
    notes: str
    fatalities: int
    fatalities_flag: str | None
    date_flag: str | None
    score: float
    type_id: str
    plover: str | None
    quad_class: int | None
    lang: str
    evidence_sentences: list[int] = field(default_factory=list)
    evidence_starts: list[int] = field(default_factory=list)
    evidence_ends: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def record_columns() -> list[tuple[str, Any]]:
    """(column name, Python type) for every record column, from :class:`EventRecord` itself."""
    import typing

    hints = typing.get_type_hints(EventRecord)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(EventRecord)]


def _interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's interaction code: the two inter codes, lower first; a sole actor gives inter1 * 10."""
    codes = sorted(c for c in (inter1, inter2) if c)
    if not codes:
        return None
    return codes[0] * 10 + (codes[1] if len(codes) > 1 else 0)


def _parents(ontology: Ontology) -> dict[str, str | None]:
    return {t.id: (t.acled_event_type if t.acled_event_type not in _UNMERGED_PARENTS else None)
            for t in ontology.event_types}


def _sentence_start(result: DocumentResult, event: Event) -> int:
    """The sentence's offset in the document (its first occurrence at or before its spans)."""
    anchor = min((a.start for a in event.arguments), default=None)
    if anchor is not None:
        start = result.text.rfind(event.sentence, 0, anchor + 1)
        if start >= 0:
            return start
    start = result.text.find(event.sentence)
    return max(start, 0)


def normalise_document(result: DocumentResult) -> tuple[list[Mention], list[dict[str, Any]]]:
    """Run the normalisers on every span of ``result``: one :class:`Mention` per event, in order,
    and the score-contract events with the normalised values added beside their spans."""
    from flashpoint.normalise import geo_context, geocode, parse_fatalities, resolve_date
    from flashpoint.normalise import resolve_references

    lang = result.lang
    events = result.to_dict()["events"]
    by_role: dict[str, list[str]] = {}
    for event in result.events:
        for argument in sorted(event.arguments, key=lambda a: (a.start, a.end)):
            by_role.setdefault(ROLE_NORMALISERS.get(argument.role, ""), []).append(argument.text)
    context = geo_context(by_role.get("place", []), lang)

    # actors resolved in document order so "the group" finds the actor last named
    actor_spans = sorted(((a.start, a.end, a.text) for e in result.events for a in e.arguments
                          if ROLE_NORMALISERS.get(a.role) == "actor"), key=lambda s: (s[0], s[1]))
    unique_actor_spans = list(dict.fromkeys(actor_spans))
    resolved_actors = dict(zip(unique_actor_spans, resolve_references([s[2] for s in unique_actor_spans], lang)))

    mentions: list[Mention] = []
    anchor = None  # the last event dated by its own span: what "the next day" counts from
    told_before: list = []  # the resolved places of the last event that had any
    for event, out in zip(result.events, events):
        sentence_start = _sentence_start(result, event)
        values: dict[str, list] = {"date": [], "place": [], "actor": [], "fatalities": []}
        per_role: dict[str, list] = {role: [] for role in out["arguments"]}
        for argument in sorted(event.arguments, key=lambda a: (a.start, a.end)):
            kind = ROLE_NORMALISERS.get(argument.role)
            if kind == "place":
                value = geocode(argument.text, lang, context, sentence=event.sentence,
                                start=argument.start - sentence_start)
            elif kind == "actor":
                value = resolved_actors[(argument.start, argument.end, argument.text)]
            elif kind == "fatalities":
                value = parse_fatalities(argument.text, lang, sentence=event.sentence,
                                         start=argument.start - sentence_start)
            elif kind == "date":
                value = resolve_date(argument.text, result.date, lang, anchor=anchor.event_date if anchor else None)
            else:
                value = None
            per_role[argument.role].append(value)
            if kind:
                values[kind].append(value)
        date = values["date"][0] if values["date"] else resolve_date(None, result.date, lang)
        if not values["date"] and anchor is not None:
            # no time span of its own: the day of the event the article told just before, as
            # ACLED's coders read "Hours later, police arrested..." or a follow-up sentence
            date = dataclasses.replace(anchor, text=None, flag="date_from_context")
        elif values["date"] and date.event_date and date.flag is None:
            anchor = date
        out["date"] = {"event_date": date.event_date, "time_precision": date.time_precision,
                       "flag": date.flag, "reason": date.reason}
        for role, spans in out["arguments"].items():
            for span, value in zip(spans, per_role[role]):
                kind = ROLE_NORMALISERS.get(role)
                if kind == "place":
                    span["geo"] = dataclasses.asdict(value)
                elif kind == "actor":
                    span["actor"] = {"name": value.name, "country": value.country, "inter": value.inter,
                                     "source": value.source}
                elif kind == "fatalities":
                    span["value"] = value.value
                    span["flag"] = value.flag
                elif kind == "date":
                    span["date"] = {"event_date": value.event_date, "time_precision": value.time_precision}
        places = [p for p in values["place"] if p.reason is None]
        context_places = told_before if not values["place"] else []
        if places:
            told_before = places
        killed = [f.value for f in values["fatalities"] if f.value is not None]
        mentions.append(Mention(
            type=event.type, sentence_index=event.sentence_index, event_date=date.event_date,
            date_is_default=date.flag == "no_time_span" or not values["date"],
            places=[PlaceKey(p.geonameid, p.admin1_code, p.iso3, p.geo_precision) for p in places],
            actor_names=frozenset(a.name for a in values["actor"] if a.name and a.source == "dictionary"),
            fatalities=max(killed) if killed else None,
            payload=(event, out, date, places, values, per_role, sentence_start, context_places),
        ))

    return mentions, events


def build_records(result: DocumentResult, ontology: Ontology) -> tuple[list[EventRecord], list[dict[str, Any]]]:
    """Normalise, merge and type one document's events.

    Returns the records and the document's score-contract events with normalised values
    added beside their spans (``arguments.location[i].geo``, ``arguments.actor[i].actor``,
    ``arguments.fatalities[i].value``, ``event.date``, ``event.record``).
    """
    mentions, events = normalise_document(result)
    ontology_types = {t.id: t for t in ontology.event_types}
    groups = merge_mentions(mentions, _parents(ontology), {t: s.precedence for t, s in ontology_types.items()})
    records = records_from_groups(result, groups, ontology)
    for number, group in enumerate(groups):
        for mention in group.mentions:
            mention.payload[1]["record"] = number
    return records, events


def normalised_document(result: DocumentResult, ontology: Ontology) -> dict[str, Any]:
    """The score contract of ``result`` with every field kept, the normalised values added
    beside the spans (see :func:`build_records`) and the document's ``records``."""
    records, events = build_records(result, ontology)
    document = result.to_dict()
    document["events"] = events
    document["records"] = [record.to_dict() for record in records]
    return document


def records_from_groups(result: DocumentResult, groups: list[MergedGroup], ontology: Ontology) -> list[EventRecord]:
    """One typed record per group of normalised mentions (numbered from 1 in the document)."""
    from flashpoint.normalise import acled_name, inter_at

    types = {t.id: t for t in ontology.event_types}
    home = _document_country(groups)
    claimant = _claimant(groups)
    return [_record(result, group, number, types, acled_name, inter_at, home, _same_day_types(group, groups), claimant,
                    _claimed_targets(index, groups))
            for number, (index, group) in enumerate(enumerate(groups), start=1)]


def _claimed_targets(index: int, groups: list[MergedGroup]) -> list:
    """For a claim or accusation (``attribution``), the targets of the event it speaks of: the
    nearest record told before it that names any ("JNIM claimed the ambush" is about the
    soldiers the ambush hit)."""
    if groups[index].type != "attribution":
        return []
    for group in reversed(groups[:index]):
        if group.type == "attribution":
            continue
        targets = [a for m in group.mentions for a in m.payload[5].get("target", [])]
        if targets:
            return targets
    return []


def _same_day_types(group: MergedGroup, groups: list[MergedGroup]) -> frozenset[str]:
    """The types of the article's other records on one of this record's days (arrests at a riot are of rioters)."""
    days = {m.event_date for m in group.mentions if m.event_date}
    return frozenset(other.type for other in groups
                     if other is not group and any(m.event_date in days for m in other.mentions))


def _claimant(groups: list[MergedGroup]):
    """The named group the article's first claim or accusation (``attribution``) puts forward, if any."""
    for group in groups:
        if group.type == "attribution":
            for mention in group.mentions:
                for actor in mention.payload[5].get("actor", []):
                    if actor.source == "dictionary" and actor.inter in (2, 3, 4):
                        return actor
    return None


def _document_country(groups: list[MergedGroup]) -> tuple[str | None, str | None]:
    """(iso3, name) of the country most of the document's resolved places are in, first named on ties.

    Why: a sentence like "police arrested four suspects" names no place; ACLED's coder
    completes "Police Forces of ..." from the article, and so do we (for actor names and
    the external test only: a record with no place of its own and none told before it keeps
    its place columns empty)."""
    counts: dict[tuple[str, str], int] = {}
    for group in groups:
        for mention in group.mentions:
            for place in mention.payload[3]:
                if place.iso3:
                    key = (place.iso3, place.country)
                    counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None, None
    return max(counts, key=lambda key: counts[key])  # dicts keep insertion order: the first named wins ties


def _preferred_place(places: list) -> object | None:
    """The place a record is coded at: the most precise, first mentioned on ties, except that a
    town named like its province gives way to another place in that province.

    "near Téra (Tillabéri)", "Pütürge, Malatya", "Tessalit in Kidal": the second name resolves
    to a town too, but it is written for the province the first place is in."""
    if not places:
        return None

    def namesake(place) -> bool:
        return bool(place.admin1) and _folded(place.text).endswith(_folded(place.admin1))

    def gives_way(place) -> bool:
        return namesake(place) and any(other.admin1_code == place.admin1_code and not namesake(other)
                                       for other in places if other is not place)

    return min(places, key=lambda place: (gives_way(place), place.geo_precision or 9))


def _folded(text: str) -> str:
    from flashpoint.normalise._text import fold

    return fold(text or "")


def _record(result: DocumentResult, group: MergedGroup, number: int, types: dict, acled_name, inter_at,
            home: tuple[str | None, str | None] = (None, None), document_types: frozenset[str] = frozenset(),
            claimant=None, claimed_targets: list | None = None) -> EventRecord:
    spec = types[group.type]
    payloads = [m.payload for m in group.mentions]
    # the date: the first real one, else the first default
    dated = [p[2] for p in payloads if p[2].flag != "no_time_span" and p[4]["date"]]
    date = dated[0] if dated else payloads[0][2]
    # the place: the most precise resolved one (lowest geo_precision), first mentioned on ties
    places = [pl for p in payloads for pl in p[3]]
    # an unresolvable place stays text with null coordinates, never a guess
    unresolved = next((pl.text for p in payloads for pl in p[4]["place"] if pl.reason is not None), None)
    if not places and unresolved is None:
        # no place span at all ("Hours later, police arrested four suspects"): the place of
        # the event the article told just before, as an ACLED coder reads it
        places = [pl for p in payloads for pl in p[7]]
    place = _preferred_place(places)
    iso3 = place.iso3 if place else None
    country = place.country if place else None
    from flashpoint.normalise.event_actors import apply_event_conventions

    sides: list[tuple[str | None, str | None, int | None]] = []
    by_side = apply_event_conventions(group.type, *([a for p in payloads for a in p[5].get(role, [])]
                                                    for role in SIDE_ROLES),
                                      document_types=document_types, claimant=claimant,
                                      claimed_targets=claimed_targets or [])
    actor_iso3, actor_country = (iso3, country) if iso3 else home
    for actors in by_side:
        names = list(dict.fromkeys(n for n in (acled_name(a, actor_country) for a in actors) if n))
        inters = [inter_at(a, actor_iso3) for a in actors if a.inter]
        sides.append((names[0] if names else None, "; ".join(names[1:]) or None, inters[0] if inters else None))
    fatality_values = [f for p in payloads for f in p[4]["fatalities"]]
    fatalities = group.fatalities
    flag = None
    if fatalities is None:
        fatalities, flag = 0, "none_reported"
    elif fatality_values:
        flag = next((f.flag for f in fatality_values if f.value == fatalities), None)
    evidence = sorted({(p[0].sentence_index, p[6], p[6] + len(p[0].sentence), p[0].sentence) for p in payloads})
    return EventRecord(
        event_id_cnty=f"{iso3 or 'XXX'}-{result.id}-{number}",
        event_date=date.event_date,
        year=int(date.event_date[:4]) if date.event_date else None,
        time_precision=date.time_precision,
        disorder_type=SUB_EVENT_DISORDER_TYPE.get(spec.name, DISORDER_TYPE.get(spec.acled_event_type or "")),
        event_type=spec.acled_event_type,
        sub_event_type=spec.name,
        actor1=sides[0][0], assoc_actor_1=sides[0][1], inter1=sides[0][2],
        actor2=sides[1][0], assoc_actor_2=sides[1][1], inter2=sides[1][2],
        interaction=_interaction(sides[0][2], sides[1][2]),
        iso=place.iso if place else None, iso3=iso3, country=country,
        admin1=place.admin1 if place else None, location=place.location if place else unresolved,
        latitude=place.latitude if place else None, longitude=place.longitude if place else None,
        geonameid=place.geonameid if place else None, geo_precision=place.geo_precision if place else None,
        source=result.id,
        notes=" ".join(e[3] for e in evidence),
        fatalities=fatalities, fatalities_flag=flag,
        date_flag=date.flag if date.event_date else date.reason,
        score=round(max(p[0].score for p in payloads), 4),
        type_id=group.type, plover=spec.plover, quad_class=spec.quad_class, lang=result.lang,
        evidence_sentences=[e[0] for e in evidence],
        evidence_starts=[e[1] for e in evidence], evidence_ends=[e[2] for e in evidence],
    )
