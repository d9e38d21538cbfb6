"""Normalisers: turn extracted spans into values an analyst can count, map and load next to ACLED.

Four small modules, one job each, no torch, offline, and none raises on a bad value:
a span that cannot be read comes back with null values and a ``reason``.
Importing this package loads nothing; each module imports its library
(dateparser, text_to_num, the gazetteer index, the actor dictionary) on first use.

Public functions
----------------
``resolve_date(text, publication_date, lang, anchor=None) -> ResolvedDate``  (:mod:`.dates`)
    ``event_date`` (ISO) and ``time_precision`` (ACLED: 1 day, 2 week or a few days,
    3 month), ``earliest``/``latest`` for ranges, ``flag="no_time_span"`` when ``text``
    is empty (the publication date stands in, precision 2). Weekdays are the latest
    such day on or before publication. ``anchor`` is the date of the event a span like
    "two days earlier" / "la veille" counts from (else publication, flagged
    ``no_anchor``). No publication date and no absolute date with its year: null
    with a reason, never today.

``geocode(text, lang, context=None) -> Place``  (:mod:`.places`)
    ``location``, ``admin1``, ``admin1_code`` (GeoNames "CC.code"), ``country``,
    ``iso3``, ``iso`` (numeric), ``latitude``, ``longitude``, ``geonameid``,
    ``geo_precision`` (1 town, 2 near it or part of it, 3 province only). ``context``
    is the document's other place spans, or a :class:`GeoContext` made once per
    document by ``geo_context(place_texts, lang)``; ``geocode_document(place_texts,
    lang)`` does both. Unresolvable or ambiguous places keep their text with null
    coordinates and a reason.

``resolve_actor(text, lang) -> Actor``  (:mod:`.actors`)
    ``name`` (ACLED-style canonical, or None), ``country`` (ISO alpha-3), ``inter``
    (ACLED 1..8, 0 unknown), ``source`` (dictionary, state, head_noun, country,
    anaphora, unknown), ``generic`` (ACLED's generic name for unnamed actors).
    ``resolve_references(mentions, lang)`` resolves a document's actor mentions in
    order and links "the group" / "التنظيم" to the last compatible named actor;
    ``acled_name(actor, country_name)`` completes generic names ("Civilians (Mali)");
    ``inter_at(actor, event_iso3)`` makes state forces abroad external (8).

``parse_fatalities(text, lang, sentence=None, start=None) -> Fatalities``  (:mod:`.fatalities`)
    ``value`` (int), ``flag`` (none_reported, lower_bound, range, vague). ACLED's
    conventions: "at least 12" 12, ranges their lower bound, "dozens" 12, "a number
    of" 3; no span 0 with ``none_reported``. With ``sentence`` (and the span's
    ``start`` in it) a number that counts the wounded is refused
    (``counts_wounded(sentence, span, lang, start)``).

Resources and versions
----------------------
``gazetteer_version()`` and ``actor_dictionary_version()`` name the exact resources
(index format plus the version of every source library; the dictionary files'
digest plus entry count) so a model manifest can record them; ``resource_versions()``
gives both, as the manifest's ``resources`` entry. The gazetteer index
is built once into ``$FLASHPOINT_CACHE/gazetteer/`` (default ``~/.cache/flashpoint``)
on first use; the actor dictionary is read from ``configs/actors/`` (or
``$FLASHPOINT_ACTORS_DIR``).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ResolvedDate": "dates", "resolve_date": "dates",
    "Place": "places", "GeoContext": "places", "geocode": "places", "geo_context": "places",
    "geocode_document": "places",
    "Actor": "actors", "resolve_actor": "actors", "resolve_references": "actors", "acled_name": "actors",
    "inter_at": "actors", "actor_dictionary": "actors", "actor_dictionary_version": "actors",
    "Fatalities": "fatalities", "parse_fatalities": "fatalities", "counts_wounded": "fatalities",
    "gazetteer_version": "gazetteer",
}

__all__ = sorted([*_EXPORTS, "resource_versions"])


def resource_versions() -> dict[str, str]:
    """The versions of the resources records are made from, as a model manifest names them."""
    from flashpoint.normalise.actors import actor_dictionary_version
    from flashpoint.normalise.gazetteer import gazetteer_version

    return {"gazetteer": gazetteer_version(), "actor_dictionary": actor_dictionary_version()}


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use (PEP 562), keeping this package free to import."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'flashpoint.normalise' has no attribute {name!r}")
    value = getattr(import_module(f"flashpoint.normalise.{module}"), name)
    globals()[name] = value
    return value
