"""Document merge: sentence-level mentions of one real-world event become one record.

Pure logic on normalised mentions, so it is tested exactly on scripted inputs.
Rules (issue 12, "One record per event"):

- mentions are visited in sentence order; each joins the latest open group it is
  compatible with, else opens a new group;
- types are compatible when equal or when the ontology gives both the same ACLED
  parent type; the group's type is the one with the lowest ``precedence``;
- dates are compatible unless both mentions carry a real (not defaulted) date and
  the days differ: a headline without a date joins the body sentence it summarises;
- places are compatible unless both are resolved and neither contains the other
  (same GeoNames place, or one is only the other's admin1 or country);
- actors are compatible unless both name dictionary actors and share none;
- fatalities of a group are the largest any mention gives: a headline and its body
  sentence repeat the toll, and "the death toll rose to six" updates it, so neither
  is added up.

A second event of the same type on another day or in another place therefore stays a
separate record, which is also ACLED's unit (one type, one day, one place).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlaceKey:
    """What the merge needs to know of a resolved place."""

    geonameid: int | None = None
    admin1: str | None = None
    iso3: str | None = None
    geo_precision: int | None = None

    @property
    def resolved(self) -> bool:
        return self.geonameid is not None or self.admin1 is not None or self.iso3 is not None


@dataclass
class Mention:
    """One sentence-level event with its normalised values (the merge's input)."""

    type: str
    sentence_index: int
    event_date: str | None = None
    date_is_default: bool = True          # no time span: the publication date stood in
    places: list[PlaceKey] = field(default_factory=list)
    actor_names: frozenset[str] = frozenset()   # canonical names from the dictionary only
    fatalities: int | None = None
    payload: object = None                # the caller's object, carried through untouched


@dataclass
class MergedGroup:
    type: str
    mentions: list[Mention]

    @property
    def sentence_indices(self) -> list[int]:
        return sorted({m.sentence_index for m in self.mentions})

    @property
    def event_date(self) -> str | None:
        real = [m.event_date for m in self.mentions if m.event_date and not m.date_is_default]
        if real:
            return real[0]
        return next((m.event_date for m in self.mentions if m.event_date), None)

    @property
    def fatalities(self) -> int | None:
        values = [m.fatalities for m in self.mentions if m.fatalities is not None]
        return max(values) if values else None


def _place_compatible(a: PlaceKey, b: PlaceKey) -> bool:
    if not a.resolved or not b.resolved:
        return True
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return True
    if a.iso3 and b.iso3 and a.iso3 != b.iso3:
        return False
    # one is only a region or a country: it contains the other when they agree on it
    for wide, narrow in ((a, b), (b, a)):
        if wide.geonameid is None and wide.admin1 is not None and wide.admin1 == narrow.admin1:
            return True
        if wide.geonameid is None and wide.admin1 is None and wide.iso3 == narrow.iso3:
            return True
    return False


def _places_compatible(a: list[PlaceKey], b: list[PlaceKey]) -> bool:
    a_known = [p for p in a if p.resolved]
    b_known = [p for p in b if p.resolved]
    if not a_known or not b_known:
        return True
    return any(_place_compatible(x, y) for x in a_known for y in b_known)


def compatible(group: MergedGroup, mention: Mention, parent: dict[str, str | None]) -> bool:
    """Whether ``mention`` can be one more report of the event ``group`` stands for."""
    if mention.type != group.type:
        p = parent.get(mention.type)
        if p is None or p != parent.get(group.type):
            return False
    if not mention.date_is_default and mention.event_date:
        for other in group.mentions:
            if not other.date_is_default and other.event_date and other.event_date != mention.event_date:
                return False
    group_places = [p for m in group.mentions for p in m.places]
    if not _places_compatible(group_places, mention.places):
        return False
    group_actors = frozenset().union(*(m.actor_names for m in group.mentions))
    if group_actors and mention.actor_names and not (group_actors & mention.actor_names):
        return False
    return True


def merge_mentions(mentions: list[Mention], parent: dict[str, str | None],
                   precedence: dict[str, int]) -> list[MergedGroup]:
    """Group ``mentions`` into events.

    ``parent`` maps each type id to its ACLED parent type (None: compatible with itself
    only); ``precedence`` to the ontology's rank (lower wins when types compete).
    Groups come back in the order of their first mention.
    """
    groups: list[MergedGroup] = []
    for mention in sorted(mentions, key=lambda m: m.sentence_index):
        target = next((g for g in reversed(groups) if compatible(g, mention, parent)), None)
        if target is None:
            groups.append(MergedGroup(mention.type, [mention]))
            continue
        target.mentions.append(mention)
        if precedence[mention.type] < precedence[target.type]:
            target.type = mention.type
    return groups
