"""Places: a location span ("near the town of Kidal", "غرب محافظة إدلب", "под Харьковом")
geocoded offline against the gazetteer index.

ACLED's ``geo_precision``: 1 the town itself, 2 near the town or a part of a region
("near X", "the outskirts of X", "20 km north of X", "northern X" for a town),
3 only the province ("X governorate", "western X province", "X region").
A country alone ("northern Burkina Faso") keeps its country and ISO codes with
null coordinates and precision: ACLED has no country-level precision.

Homonyms are decided by, in order: a country or region written in the span itself
("Tessalit (Kidal)", "Syria's Manbij", "Gao, Mali"), the document's other places
(the ``context``), then population, but only when one candidate is at least
:data:`DOMINANCE` times as populous as the next: otherwise the place is ambiguous
and stays text with null coordinates and a reason, never a guess. The same holds
for a span that matches nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flashpoint.normalise._text import fold
from flashpoint.normalise.gazetteer import (
    KIND_ADMIN1,
    KIND_CITY,
    KIND_COUNTRY,
    Gazetteer,
    gazetteer,
    loose_key,
)

# Without context, a homonym is taken only if it is this many times as populous as the next.
DOMINANCE = 5.0


@dataclass(frozen=True)
class Place:
    """A geocoded span; coordinates are None exactly when ``reason`` says why."""

    text: str
    location: str | None = None
    admin1: str | None = None
    admin1_code: str | None = None     # GeoNames "CC.code", e.g. "NG.27"
    country: str | None = None
    iso3: str | None = None
    iso: int | None = None             # ISO 3166 numeric, ACLED's ``iso`` column
    latitude: float | None = None
    longitude: float | None = None
    geonameid: int | None = None
    geo_precision: int | None = None
    reason: str | None = None


@dataclass
class GeoContext:
    """What a document's other places say: countries and regions, with their weights."""

    countries: Counter = field(default_factory=Counter)
    admin1s: Counter = field(default_factory=Counter)


# Span grammar, folded. Markers make a place approximate (precision 2) or regional
# (precision 3); fillers ("the town of") are dropped.
_NEAR = {
    "en": r"near|nearby|outside|around|close to|in the vicinity of|on the outskirts of|the outskirts of|outskirts of|"
          r"the suburbs of|suburbs of|on the edge of|the edge of|\d+ ?(?:km|kilometers|kilometres|miles) (?:\w+ )?(?:of|from)|"
          r"(?:north|south|east|west|northeast|northwest|southeast|southwest|north east|north west|south east|south west) of|"
          r"countryside|rural|the countryside of|the hills (?:near|around|above|overlooking)|between|the road between|a village outside",
    "fr": r"pres de|non loin de|a proximite de|aux environs de|dans les environs de|a la peripherie de|en peripherie de|"
          r"dans la banlieue de|aux abords de|a l'exterieur de|\d+ ?km (?:\w+ )?(?:de|d')|au (?:nord|sud|est|ouest)(?: est| ouest)? de|a l'(?:est|ouest) de|"
          r"entre|reliant|surplombant|les collines (?:de|autour de)|campagne",
    "es": r"cerca de|en las afueras de|a las afueras de|las afueras de|en los alrededores de|alrededor de|en las inmediaciones de|"
          r"en la periferia de|\d+ ?km (?:\w+ )?de|al (?:norte|sur|este|oeste|noreste|noroeste|sureste|suroeste) de|entre|zona rural de|las afueras",
    "ru": r"под|около|возле|вблизи|у|недалеко от|неподалеку от|в районе|на окраине|на окраинах|в пригороде|окрестност\w*|между|"
          r"в \d+ ?км (?:\w+ )?от|к (?:северу|югу|востоку|западу|северо востоку|северо западу|юго востоку|юго западу) от",
    "ar": r"قرب|بالقرب من|بالقرب|على مقربه من|ضواحي|اطراف|محيط|في محيط|على بعد \d+ ?كم من|"
          r"(?:شمال|جنوب|شرق|غرب|شمالي|جنوبي|شرقي|غربي|شمال شرق|شمال غرب|جنوب شرق|جنوب غرب)|ريف|بين|قريه قريبه من|قريبه من|"
          r"الطريق الواصل بين|طريق",
    "tr": r"yakin\w*|civar\w*|cevres\w*|eteklerin\w*|dis mahalle\w*|\d+ ?km (?:\w+ )?(?:kuzey|guney|dogu|bati)\w*|kirsal\w*|"
          r"arasinda\w*|bagli",
}
_ADMIN = {
    "en": r"provinces?|governorates?|states?|regions?|oblasts?|prefectures?|departments?|county|counties|divisions?|"
          r"territory",
    "fr": r"provinces?|gouvernorats?|etats?|regions?|oblast|prefectures?|departements?|territoire|wilayas?",
    "es": r"provincias?|gobernacion|gobernaciones|estados?|region|regiones|oblast|prefecturas?|departamentos?|territorio",
    "ru": r"област\w*|губерни\w*|провинци\w*|регион\w*|кра[йяюе]|штат\w*|мухафаз\w*|республик\w*",
    "ar": r"محافظه|ولايه|اقليم|منطقه|مقاطعه",
    "tr": r"ili|iline|ilinde|ilindeki|vilayet\w*|eyalet\w*|bolges\w*|oblast\w*",
}
# Directions before a name: a part of the town (2) or of the region (3).
_DIRECTION = {
    "en": r"(?:north|south|east|west|central|northeast|northwest|southeast|southwest|north eastern|north western|"
          r"south eastern|south western)(?:ern)?|upper|lower",
    "fr": r"(?:le |l')?(?:nord|sud|est|ouest|centre)(?: est| ouest)?|dans le (?:nord|sud|centre)(?: est| ouest)?|dans l'(?:est|ouest)",
    "es": r"(?:el )?(?:norte|sur|este|oeste|centro|noreste|noroeste|sureste|suroeste)",
    "ru": r"(?:на |в )?(?:севере|юге|востоке|западе|северо востоке|северо западе|юго востоке|юго западе|центре)|"
          r"северн\w*|южн\w*|восточн\w*|западн\w*",
    "ar": r"",  # Arabic directions are in _NEAR: they precede the name as nouns ("غرب ادلب")
    "tr": r"(?:kuzey|guney|dogu|bati|orta)(?:doğu|bati)?\w*",
}
_FILLER = {
    "en": r"in|at|the|of|on|from|town|city|village|area|district|capital|region of|province of|governorate of|"
          r"state of|the town of|the city of|the village of|the area of|neighbourhood|neighborhood|camp|part|parts",
    "fr": r"a|au|aux|en|dans|de|du|des|d'|la|le|les|l'|ville|village|localite|commune|quartier|camp|region de|province de|"
          r"gouvernorat de|partie|la ville de|le village de|la localite de",
    "es": r"en|a|al|de|del|la|el|los|las|ciudad|pueblo|localidad|aldea|municipio|barrio|campamento|parte|zona",
    "ru": r"в|во|на|у|из|город\w*|сел\w*|поселк\w*|деревн\w*|район\w*|част\w*|лагер\w*",
    "ar": r"في|من|الى|على|مدينه|بلده|قريه|بلدات|حي|مخيم|منطقه|مركز",
    "tr": r"kent\w*|sehr\w*|koy\w*|kasaba\w*|ilce\w*|mahalle\w*|kamp\w*|bolgesinde",
}

_AND = {"en": "and|or", "fr": "et|ou", "es": "y|e|o", "ru": "и|или", "ar": "و", "tr": "ve|ile"}


def _alternation(table: dict[str, str], lang: str) -> str:
    return table.get(lang) or table["en"]


@dataclass(frozen=True)
class _Parsed:
    name: str            # the place name, folded
    near: bool           # precision 2 if it is a town
    admin: bool          # the span names a region
    directional: bool    # "northern X": a part of X
    hints: tuple[str, ...]  # names written beside it: "(Kidal)", ", Mali", "Syria's"
    nearby: tuple[str, ...] = ()  # folded word groups around the span in its sentence (countries only count)


def parse_span(text: str, lang: str) -> _Parsed:
    """Split a location span into its name, its markers and its written hints."""
    raw = text.replace("’", "'")
    hints: list[str] = []
    for inner in re.findall(r"\(([^)]*)\)", raw):
        hints.append(inner)
    raw = re.sub(r"\([^)]*\)", " ", raw)
    possessive = re.match(r"^\s*(?:in\s+)?([\w .-]+?)'s\s+(.+)$", raw) if lang == "en" else None
    if possessive:  # "Syria's Manbij"
        hints.append(possessive.group(1))
        raw = possessive.group(2)
    if "," in raw:  # "Gao, Mali"; "Konduga, about 35 km from Maiduguri" keeps the first part
        head, *rest = raw.split(",")
        hints.extend(rest)
        raw = head
    if lang == "tr":
        raw = re.sub(r"'\w+", "", raw)  # "Halep'te" -> "Halep"
    folded = fold(raw).replace("'", " ' ").replace(" ' ", "' ") if lang == "fr" else fold(raw)
    near = admin = directional = False
    near_re = rf"(?:^|\s)(?:{_alternation(_NEAR, lang)})(?=\s|$)"
    if re.search(near_re, folded):
        near = True
        folded = re.sub(near_re, " ", folded)
    admin_re = rf"(?:^|\s)(?:{_alternation(_ADMIN, lang)})(?=\s|$)"
    if re.search(admin_re, folded):
        admin = True
        folded = re.sub(admin_re, " ", folded)
    direction = _DIRECTION.get(lang, _DIRECTION["en"])
    if direction:
        # a compass word joined by a hyphen is part of the name ("Extrême-Nord", "Nord-Kivu")
        masked = folded
        for compound in {fold(c) for c in re.findall(r"\w+(?:-\w+)+", raw)}:
            if re.sub(rf"(?:^|\s)(?:{direction})(?=\s|$)", " ", compound).strip():  # not "north-east" alone
                masked = masked.replace(compound, "\0" * len(compound))
        found = [m.span() for m in re.finditer(rf"(?:^|\s)(?:{direction})(?=\s|$)", masked)]
        if found:
            directional = True
            for start, end in reversed(found):
                folded = folded[:start] + " " + folded[end:]
    filler_re = rf"(?:^|\s)(?:{_alternation(_FILLER, lang)})(?=\s|$)"
    name = " ".join(re.sub(filler_re, " ", f" {folded} ").split())
    # "the Kharkiv and Sumy regions": one span, several places; the first is geocoded.
    name = re.split(rf"\s(?:{_AND.get(lang, _AND['en'])})\s", f" {name} ")[0].strip() or name
    if not name:  # everything was a marker word: keep the span as its own name
        name = fold(raw)
    return _Parsed(name, near, admin, directional, tuple(h for h in (fold(x) for x in hints) if h))


def _variants(name: str, lang: str) -> list[str]:
    """Spellings to try for a name that inflects or takes clitics: Russian cases, Arabic prefixes."""
    out = [name]
    words = name.split()
    if lang == "ru":
        per_word = [_russian_forms(word) for word in words[:3]]
        combos = [""]
        for forms in per_word:
            combos = [f"{c} {f}".strip() for c in combos for f in forms][:200]
        out.extend(combos)
    if lang == "ar":
        for word_forms in (_arabic_forms(name),):
            out.extend(word_forms)
    if lang == "tr":
        out.extend(_turkish_forms(name))
    seen: dict[str, None] = {}
    for v in out:
        seen.setdefault(v, None)
    return list(seen)


_RU_ENDINGS = ("ами", "ями", "ом", "ем", "ой", "ей", "ах", "ях", "ую", "юю", "ого", "его", "ому", "ему",
               "ой", "ий", "ый", "ая", "яя", "е", "у", "ю", "а", "я", "и", "ы")
_RU_NOMINATIVE = ("", "а", "я", "ь", "й", "о", "е", "ая", "ий", "ый", "ое", "ы", "и")


def _russian_forms(word: str) -> list[str]:
    """Nominative candidates of an inflected Russian word ("Харькове" -> "Харьков", "Донецкой" -> "Донецкая")."""
    forms = [word]
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            forms.extend(stem + tail for tail in _RU_NOMINATIVE)
    return list(dict.fromkeys(forms))


def _arabic_forms(name: str) -> list[str]:
    """Without a glued preposition or conjunction (ب و ل ف), with and without the article ال."""
    forms = []
    bases = [name]
    if len(name) > 3 and name[0] in "بولف":
        bases.append(name[1:])
    for base in bases:
        forms.append(base)
        if base.startswith("ال") and len(base) > 4:
            forms.append(base[2:])
        else:
            forms.append("ال" + base)
    return forms


def _turkish_forms(name: str) -> list[str]:
    """A name with a case suffix written without apostrophe ("Halepte", "Kidalda")."""
    match = re.match(r"^(.{3,}?)(?:da|de|ta|te|dan|den|tan|ten|in|nin|un|nun|a|e|ya|ye|i|yi)$", name)
    return [match.group(1)] if match else []


def geocode(text: str | None, lang: str, context: GeoContext | Sequence[str] | None = None,
            sentence: str | None = None, start: int | None = None) -> Place:
    """Geocode one location span.

    ``context`` is the document's other place spans (strings) or a
    :class:`GeoContext` built once per document with :func:`geo_context`; it decides
    homonyms. ``sentence`` (with ``start``, the span's offset in it, else its first
    occurrence) lets the words around a bare name count: "near [Djibo]",
    "у [Купянска]", "[Kidal] yakınlarında", "the [Kharkiv] and Sumy regions".
    Never raises on a bad span: the result's ``reason`` says what failed.
    """
    if text is None or not text.strip():
        return Place(text or "", reason="empty location span")
    try:
        g = gazetteer()
    except Exception as error:  # a broken cache must not stop a batch
        return Place(text, reason=f"gazetteer unavailable: {type(error).__name__}: {error}")
    if context is None:
        context = GeoContext()
    elif not isinstance(context, GeoContext):
        context = geo_context(context, lang)
    parsed = parse_span(text, lang)
    if sentence is not None:
        parsed = _with_surroundings(parsed, text, lang, sentence, start)
    hint_countries, hint_admin1s = _hints(g, parsed.hints, lang)
    if parsed.nearby:
        hint_countries |= {ref for kind, ref, _ in g.lookup(list(parsed.nearby)) if kind == KIND_COUNTRY}
    candidates, loose = _candidates(g, parsed.name, lang)
    if not candidates:
        return Place(text, reason=f"no place named {parsed.name!r} in the gazetteer")
    return _choose(g, text, parsed, candidates, loose, context, hint_countries, hint_admin1s)


def _with_surroundings(parsed: _Parsed, text: str, lang: str, sentence: str, start: int | None) -> _Parsed:
    """Markers written just outside the span: "near" before it, "region"/"yakınlarında" after it."""
    if start is None:
        start = sentence.find(text)
    if start < 0:
        return parsed
    before = fold(sentence[max(0, start - 60):start])
    after = fold(sentence[start + len(text):start + len(text) + 40])
    filler = _alternation(_FILLER, lang)
    near = _alternation(_NEAR, lang)
    conjunction = _AND.get(lang, _AND["en"])
    near_before = re.search(rf"(?:^|\s)(?:{near})(?:\s+(?:{filler}))*\s*$", before) is not None
    near_after = re.match(rf"^(?:(?:{filler})\s+)*(?:{near})(?=\s|$)", after) is not None and lang in ("tr", "ar")
    admin_after = re.match(rf"^(?:(?:{conjunction})\s+\S+\s+)?(?:{_alternation(_ADMIN, lang)})(?=\s|$)", after) is not None
    if lang in ("ar", "fr", "es", "ru"):  # "محافظة X", "la province de X", "Харьковской области" after
        admin_before = re.search(rf"(?:^|\s)(?:{_alternation(_ADMIN, lang)})(?:\s+(?:{filler}))*\s*$", before) is not None
        admin_after = admin_after or admin_before
    # A country written beside the name ("طرابلس شمالي لبنان", "Tripoli, in northern Lebanon")
    # is a hint like one inside the span; _hints keeps only what names a country.
    words_after, words_before = after.split()[:5], before.split()[-4:]
    nearby = [" ".join(words[i:j]) for words in (words_after, words_before)
              for i in range(len(words)) for j in range(i + 1, min(len(words), i + 3) + 1)]
    return _Parsed(parsed.name, parsed.near or near_before or near_after, parsed.admin or admin_after,
                   parsed.directional, parsed.hints, tuple(nearby))


def _candidates(g: Gazetteer, name: str, lang: str) -> tuple[list[tuple[int, str]], bool]:
    """Gazetteer entries named ``name`` (exact spellings first, then transliteration-tolerant)."""
    rows = g.lookup(_variants(name, lang))
    if rows:
        # An exact spelling beats an inflected variant ("Sumy" the city over "Sum" + ending).
        exact = [r for r in rows if r[2] == name]
        chosen = exact or rows
        return [(kind, ref) for kind, ref, _ in chosen], False
    if all(c.isascii() for c in name) and len(name.replace(" ", "")) >= 4:
        rows = g.lookup([loose_key(name)], loose=True)
        return [(kind, ref) for kind, ref, _ in rows], True
    return [], False


def _hints(g: Gazetteer, hints: Iterable[str], lang: str) -> tuple[set[str], set[str]]:
    """Countries and regions written in the span itself."""
    countries: set[str] = set()
    admin1s: set[str] = set()
    for hint in hints:
        for kind, ref in _candidates(g, parse_span(hint, lang).name, lang)[0]:
            if kind == KIND_COUNTRY:
                countries.add(ref)
            elif kind == KIND_ADMIN1:
                admin1s.add(ref)
    return countries, admin1s


def geo_context(place_texts: Iterable[str], lang: str) -> GeoContext:
    """The countries and regions a document's place spans point to, for disambiguation.

    A country name counts; a region counts; a town counts only when its name is
    not a homonym or one candidate dominates.
    """
    context = GeoContext()
    try:
        g = gazetteer()
    except Exception:
        return context
    for text in place_texts:
        if not text or not text.strip():
            continue
        parsed = parse_span(text, lang)
        candidates, loose = _candidates(g, parsed.name, lang)
        if loose:
            continue
        kinds = {kind for kind, _ in candidates}
        if KIND_COUNTRY in kinds:
            context.countries.update(ref for kind, ref in candidates if kind == KIND_COUNTRY)
            continue
        admins = [ref for kind, ref in candidates if kind == KIND_ADMIN1]
        if len(admins) == 1:  # a region's name is firmer evidence than a town's: it counts twice
            context.admin1s[admins[0]] += 2
            context.countries[admins[0].split(".")[0]] += 2
        cities = _dominant([g.city(int(ref)) for kind, ref in candidates if kind == KIND_CITY])
        if cities is not None:
            context.countries[cities.cc] += 1
            context.admin1s[f"{cities.cc}.{cities.admin1}"] += 1
    return context


def _dominant(cities: list) -> object | None:
    """The one city, or the one at least DOMINANCE times as populous as the next; else None."""
    if not cities:
        return None
    ranked = sorted(cities, key=lambda c: -c.population)
    if len(ranked) == 1 or ranked[0].population >= DOMINANCE * max(ranked[1].population, 1):
        return ranked[0]
    return None


def _choose(g: Gazetteer, text: str, parsed: _Parsed, candidates: list[tuple[int, str]], loose: bool,
            context: GeoContext, hint_countries: set[str], hint_admin1s: set[str]) -> Place:
    countries = [ref for kind, ref in candidates if kind == KIND_COUNTRY]
    admins = [ref for kind, ref in candidates if kind == KIND_ADMIN1]
    cities = [g.city(int(ref)) for kind, ref in candidates if kind == KIND_CITY]

    def in_scope(cc: str, admin_ref: str | None = None) -> int:
        """How strongly the span's hints and the document support a country/region."""
        score = 0
        if cc in hint_countries:
            score += 100
        if admin_ref is not None and admin_ref in hint_admin1s:
            score += 100
        score += 10 * min(context.countries.get(cc, 0), 5)
        if admin_ref is not None:
            score += 10 * min(context.admin1s.get(admin_ref, 0), 5)
        return score

    if parsed.admin or (not cities and admins):
        # A region: its own entry, or the region of the town it is named after ("Idlib governorate").
        admin_ref = _pick_admin(admins, in_scope)
        if admin_ref is None and cities:
            city = _pick_city(cities, in_scope, loose, hint_countries, hint_admin1s, context)
            if city is not None:
                admin_ref = f"{city.cc}.{city.admin1}"
        if admin_ref is None:
            if countries and not cities and not admins:
                return _country_place(g, text, countries[0])
            return Place(text, reason=_ambiguity(parsed.name, admins, cities))
        return _admin_place(g, text, admin_ref)

    if admins and cities and not parsed.near:
        # "Borno" is the Nigerian state, not a German village of that alternate name: a region
        # wins over towns abroad unless the span's hints or the document point to the towns.
        admin_countries = {ref.split(".")[0] for ref in admins}
        if not any(c.cc in admin_countries for c in cities):
            admin_support = max(in_scope(ref.split(".")[0], ref) for ref in admins)
            if admin_support >= max(in_scope(c.cc, f"{c.cc}.{c.admin1}") for c in cities):
                admin_ref = _pick_admin(admins, in_scope)
                if admin_ref is not None:
                    return _admin_place(g, text, admin_ref)
    if countries and not parsed.near:
        # A country's name wins over towns named like it ("Siria" in Romania, "Mexico"):
        # writers name countries far more often than such towns.
        return _country_place(g, text, countries[0])
    if cities:
        city = _pick_city(cities, in_scope, loose, hint_countries, hint_admin1s, context)
        if city is not None:
            precision = 2 if parsed.near or parsed.directional else 1
            return _city_place(g, text, city, precision)
        if not countries:
            return Place(text, reason=_ambiguity(parsed.name, admins, cities))
    if countries:
        return _country_place(g, text, countries[0])
    return Place(text, reason=_ambiguity(parsed.name, admins, cities))


def _pick_city(cities: list, in_scope, loose: bool, hint_countries: set[str] = frozenset(),
               hint_admin1s: set[str] = frozenset(), context: GeoContext | None = None):
    """The city the span's hints, then the document's countries, then population decide; else None.

    A region named in the span decides outright ("Tessalit (Kidal)"), as does a
    country written in it; the document's countries narrow the candidates; among
    what is left a dominant population decides before the document's regions, so
    one mention of Kharkiv does not move Nikopol into Kharkiv oblast.
    """
    context = context or GeoContext()
    for hinted in ([c for c in cities if f"{c.cc}.{c.admin1}" in hint_admin1s],
                   [c for c in cities if c.cc in hint_countries]):
        if hinted:
            cities = hinted
            break
    else:
        best = max(context.countries.get(c.cc, 0) for c in cities)
        if best > 0:
            cities = [c for c in cities if context.countries.get(c.cc, 0) == best]
        elif loose and len({c.cc for c in cities}) > 1:
            return None  # a loose spelling of places in several countries: too weak to choose
    if len(cities) == 1:
        return cities[0]
    dominant = _dominant(cities)
    if dominant is not None:
        return dominant
    best_admin = max(context.admin1s.get(f"{c.cc}.{c.admin1}", 0) for c in cities)
    if best_admin > 0:
        return _dominant([c for c in cities if context.admin1s.get(f"{c.cc}.{c.admin1}", 0) == best_admin])
    return None


def _pick_admin(admins: list[str], in_scope) -> str | None:
    if not admins:
        return None
    if len(admins) == 1:
        return admins[0]
    scored = sorted(admins, key=lambda ref: -in_scope(ref.split(".")[0], ref))
    best = in_scope(scored[0].split(".")[0], scored[0])
    if best > 0 and in_scope(scored[1].split(".")[0], scored[1]) < best:
        return scored[0]
    return None


def _ambiguity(name: str, admins: list[str], cities: list) -> str:
    where = sorted({c.cc for c in cities} | {a.split(".")[0] for a in admins})
    return f"ambiguous: {len(cities) + len(admins)} places named {name!r} ({', '.join(where[:8])}) and nothing in the document decides"


def _country_fields(g: Gazetteer, cc: str) -> dict:
    country = g.country(cc)
    if country is None:
        return {"country": None, "iso3": None, "iso": None}
    return {"country": country.name, "iso3": country.iso3 or None, "iso": country.numeric}


def _city_place(g: Gazetteer, text: str, city, precision: int) -> Place:
    admin = g.admin1(city.cc, city.admin1)
    return Place(text, location=city.name, admin1=admin.name if admin else None,
                 admin1_code=f"{city.cc}.{city.admin1}", latitude=city.latitude, longitude=city.longitude,
                 geonameid=city.geonameid, geo_precision=precision, **_country_fields(g, city.cc))


def _admin_place(g: Gazetteer, text: str, admin_ref: str) -> Place:
    cc, code = admin_ref.split(".", 1)
    admin = g.admin1(cc, code)
    if admin is None:
        return Place(text, reason=f"region {admin_ref} has no entry in the gazetteer", **_country_fields(g, cc))
    if admin.latitude is None:
        return Place(text, location=admin.name, admin1=admin.name, admin1_code=admin_ref,
                     reason="region without a populated place to take coordinates from", **_country_fields(g, cc))
    return Place(text, location=admin.name, admin1=admin.name, admin1_code=admin_ref, latitude=admin.latitude,
                 longitude=admin.longitude, geonameid=admin.capital, geo_precision=3, **_country_fields(g, cc))


def _country_place(g: Gazetteer, text: str, cc: str) -> Place:
    fields = _country_fields(g, cc)
    return Place(text, location=fields["country"], reason="country only: no town or region to place it", **fields)


def geocode_document(place_texts: Sequence[str], lang: str) -> list[Place]:
    """Geocode every place span of one document, each decided by all the others."""
    context = geo_context(place_texts, lang)
    return [geocode(text, lang, context) for text in place_texts]
