"""Actors: a span ("Nigerian troops", "الجيش النيجيري", "suspected JNIM militants",
"gunmen") -> a canonical name, a country and ACLED's actor type (``inter``).

The dictionary is data, in ``configs/actors/`` (YAML, one file per region or kind):
- ``countries.yaml``: country cues in six languages; with an institution word from
  ``generic.yaml`` they make state actors ("Military Forces of Nigeria", "Police
  Forces of Kenya", "Government of Sudan"), inter 1;
- ``africa.yaml``, ``middle_east.yaml``, ...: named groups, militias, parties and
  international forces with their surface forms and acronyms;
- ``generic.yaml``: head nouns of unnamed actors ("gunmen" 3, "villagers" 7,
  "protesters" 6) and the anaphors ("the group", "التنظيم") with the types they may
  point back to.

Reading a span, in order: a named entry (longest match; a name followed by
"-linked"/"-backed" describes an ally, not the actor); a country cue with an
institution word; a head noun (English, Russian and Turkish heads are last,
French, Spanish and Arabic first); a country cue alone (a state's forces: "Russian
drones" -> Military Forces of Russia); else unknown with inter 0. Nothing raises.

``inter`` is the actor's own type. A state's forces acting in another country are
"external" (8) for ACLED: :func:`inter_at` applies that once the event's country
is known; :func:`acled_name` completes generic names ("Civilians (Mali)").
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from flashpoint.normalise._text import fold

LANGS = ("en", "ar", "fr", "es", "ru", "tr")


@dataclass(frozen=True)
class Actor:
    """A resolved actor span; ``name`` is None when no dictionary entry or state names it."""

    text: str
    name: str | None
    country: str | None            # ISO 3166 alpha-3 of the actor's own country
    inter: int                     # ACLED 1..8, 0 unknown
    source: str                    # "dictionary", "state", "head_noun", "country", "anaphora", "unknown"
    generic: str | None = None     # ACLED's generic name ("Civilians", "Police Forces") to complete by country
    refers_back: tuple[int, ...] | None = None  # an anaphor: inter codes its antecedent may have
    reason: str | None = None


@dataclass(frozen=True)
class _Entry:
    name: str | None
    country: str | None
    inter: int
    category: str                  # "named", "country", "institution", "head", "anaphor"
    generic: str | None = None
    template: str | None = None    # institutions: "Military Forces of {country}"
    refers_back: tuple[int, ...] | None = None


_QUALIFIERS = {
    "en": r"linked|affiliated|allied|aligned|backed|inspired|loyal|led|supported|affiliate",
    "fr": r"lie|liee|lies|liees|affilie\w*|allie\w*|proche\w*|soutenu\w*",
    "es": r"vinculad\w*|afin\w*|aliad\w*|respaldad\w*|apoyad\w*",
    "ru": r"связанн\w*|аффилированн\w*|союзн\w*|поддерживаем\w*",
    "ar": r"المرتبط\w*|الموالي\w*|المدعوم\w*|التابع\w*|المقرب\w*",
    "tr": r"baglantili|destekli|yanlisi|yakin",
}
_HEAD_LAST = {"en", "ru", "tr"}


class ActorDictionary:
    """The compiled dictionary: folded forms per language, acronyms, and the resource version."""

    def __init__(self, directory: Path):
        self.directory = directory
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise FileNotFoundError(f"no actor dictionary files (*.yaml) in {directory}")
        digest = hashlib.sha256()
        # Forms indexed by their first word, exact or as a prefix: (tokens, entry), each
        # token a (folded word, is_prefix) pair.
        self.exact: dict[str, dict[str, list[tuple[tuple[tuple[str, bool], ...], _Entry]]]] = {lang: {} for lang in LANGS}
        self.prefix: dict[str, dict[str, list[tuple[tuple[tuple[str, bool], ...], _Entry]]]] = {lang: {} for lang in LANGS}
        self._acronyms: dict[str, list[_Entry]] = {}
        self.countries: dict[str, str] = {}
        self.size = 0
        texts = []
        for path in files:
            text = path.read_text(encoding="utf-8")
            digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
            texts.append((path, text))
        documents = _parsed_documents(texts, digest.hexdigest())
        for path, document in documents:
            kind = document.get("kind")
            if kind == "countries":
                self._add_countries(document["countries"])
        for path, document in documents:
            kind = document.get("kind")
            if kind == "named":
                for item in document["actors"]:
                    self._add_named(item, path)
            elif kind == "generic":
                self._add_generic(document)
            elif kind != "countries":
                raise ValueError(f"{path}: unknown kind {kind!r} (countries, named or generic)")
        self.version = f"actors-{digest.hexdigest()[:12]}-{self.size}"
        alternation = "|".join(re.escape(a) for a in sorted(self._acronyms, key=len, reverse=True))
        self.acronym_pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])") if alternation else None

    def acronym_matches(self, text: str) -> list[tuple[int, _Entry]]:
        """(end offset, entry) of every acronym written in ``text`` (case-sensitive, whole words)."""
        if self.acronym_pattern is None:
            return []
        return [(match.end(), entry) for match in self.acronym_pattern.finditer(text)
                for entry in self._acronyms[match.group(0)]]

    def _add_form(self, lang: str, form: str, entry: _Entry) -> None:
        tokens = []
        for word in str(form).split():
            star = word.endswith("*")
            key = fold(word[:-1] if star else word)
            if lang == "fr":
                key = _split_elision(key)
            for part in key.split()[:-1]:
                tokens.append((part, False))
            if key:
                tokens.append((key.split()[-1], star))
        if not tokens:
            return
        variants = [tuple(tokens)]
        if lang == "ar" and not tokens[0][0].startswith("ال"):
            variants.append((("ال" + tokens[0][0], tokens[0][1]), *tokens[1:]))
        for variant in variants:
            table = self.prefix if variant[0][1] else self.exact
            table[lang].setdefault(variant[0][0], []).append((variant, entry))

    def _add_countries(self, countries: dict) -> None:
        for iso3, item in countries.items():
            if not item:
                continue
            self.countries[iso3] = item["name"]
            entry = _Entry(None, iso3, 1, "country")
            for lang in LANGS:
                for form in item.get(lang, []):
                    self._add_form(lang, form, entry)
            self.size += 3  # military, police and government of this state

    def _add_named(self, item: dict, path: Path) -> None:
        inter = int(item["inter"])
        if not 0 <= inter <= 8:
            raise ValueError(f"{path}: {item['name']}: inter {inter} is not an ACLED code (0-8)")
        entry = _Entry(item["name"], item.get("country"), inter, "named")
        for lang in LANGS:
            for form in (item.get("forms") or {}).get(lang, []):
                self._add_form(lang, form, entry)
        for acronym in item.get("acronyms") or []:
            self._acronyms.setdefault(str(acronym), []).append(entry)
        self.size += 1

    def _add_generic(self, document: dict) -> None:
        for kind, item in document.get("institutions", {}).items():
            entry = _Entry(None, None, int(item["inter"]), "institution", generic=item["generic"], template=item["name"])
            for lang in LANGS:
                for form in item["forms"].get(lang, []):
                    self._add_form(lang, form, entry)
        for item in document.get("heads", []):
            entry = _Entry(None, None, int(item["inter"]), "head", generic=item["name"])
            for lang in LANGS:
                for form in item["forms"].get(lang, []):
                    self._add_form(lang, form, entry)
        for item in document.get("anaphora", []):
            entry = _Entry(None, None, 0, "anaphor", refers_back=tuple(int(i) for i in item["inter"]))
            for lang in LANGS:
                for form in item["forms"].get(lang, []):
                    self._add_form(lang, form, entry)

    # -- matching -----------------------------------------------------------------

    def matches(self, words: list[str], lang: str) -> list[tuple[int, int, _Entry]]:
        """Every (start, end, entry) whose form covers words[start:end]."""
        exact, prefix = self.exact.get(lang, self.exact["en"]), self.prefix.get(lang, self.prefix["en"])
        found = []
        for start, word in enumerate(words):
            firsts = [word]
            if lang == "ar" and len(word) > 3 and word[0] in "وبلف":
                firsts.append(word[1:])  # a glued conjunction or preposition
            for first in firsts:
                candidates = list(exact.get(first, ()))
                for cut in range(len(first), 1, -1):
                    candidates.extend(prefix.get(first[:cut], ()))
                for tokens, entry in candidates:
                    end = start + len(tokens)
                    if end <= len(words) and all(
                            words[start + k].startswith(token) if is_prefix else words[start + k] == token
                            for k, (token, is_prefix) in enumerate(tokens[1:], 1)):
                        found.append((start, end, entry))
        return found


def _parsed_documents(texts: list[tuple[Path, str]], digest: str) -> list[tuple[Path, dict]]:
    """The YAML files parsed, through a JSON copy in the flashpoint cache keyed by their digest.

    PyYAML takes a few hundred milliseconds on the whole dictionary, JSON a tenth of
    that; the cache is only a faster copy of the same files, rebuilt when any changes.
    """
    import json

    from flashpoint.normalise.gazetteer import cache_dir

    cached = cache_dir() / "actors" / f"actors-{digest[:16]}.json"
    try:
        loaded = json.loads(cached.read_text(encoding="utf-8"))
        return [(path, document) for (path, _), document in zip(texts, loaded, strict=True)]
    except (OSError, ValueError):
        pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents = [yaml.load(text, Loader=loader) for _, text in texts]
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".partial-{os.getpid()}")
        partial.write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, cached)
    except OSError:
        pass  # a read-only cache only costs speed
    return list(zip((path for path, _ in texts), documents))


def _split_elision(folded: str) -> str:
    """French elided articles stand apart: "l'armee" -> "l' armee", "d'hommes" -> "d' hommes"."""
    return re.sub(r"\b(l|d|qu|j|n|s|c|m|t)'(?=\w)", r"\1' ", folded)


_LOCK = threading.Lock()
_DICTIONARIES: dict[Path, ActorDictionary] = {}


def default_actor_dir() -> Path:
    """``$FLASHPOINT_ACTORS_DIR``, else ``configs/actors`` of the source tree the package runs from."""
    override = os.environ.get("FLASHPOINT_ACTORS_DIR")
    if override:
        return Path(override)
    return _installed_actor_dir()


@functools.lru_cache(maxsize=1)
def _installed_actor_dir() -> Path:
    """Found once per process: resolving paths on every actor span cost a quarter of records mode."""
    packaged = Path(__file__).resolve().parent / "data" / "actors"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "configs" / "actors"


def actor_dictionary(directory: str | Path | None = None) -> ActorDictionary:
    """The dictionary in ``directory`` (default :func:`default_actor_dir`), loaded once per process."""
    path = Path(directory) if directory is not None else default_actor_dir()
    with _LOCK:
        if path not in _DICTIONARIES:
            _DICTIONARIES[path] = ActorDictionary(path)
        return _DICTIONARIES[path]


def actor_dictionary_version(directory: str | Path | None = None) -> str:
    """The dictionary's version: a digest of its files and its entry count."""
    return actor_dictionary(directory).version


def resolve_actor(text: str | None, lang: str, dictionary: ActorDictionary | None = None) -> Actor:
    """Resolve one actor span. An anaphor ("the group") comes back with ``refers_back``
    set; :func:`resolve_references` links it to its antecedent."""
    if text is None or not text.strip():
        return Actor(text or "", None, None, 0, "unknown", reason="empty actor span")
    try:
        dictionary = dictionary or actor_dictionary()
    except Exception as error:  # a missing or broken dictionary must not stop a batch
        return Actor(text, None, None, 0, "unknown", reason=f"actor dictionary unavailable: {error}")
    lang = lang if lang in LANGS else "en"
    folded = fold(text)
    if lang == "fr":
        folded = _split_elision(folded)
    words = folded.split()
    found = dictionary.matches(words, lang)

    anaphors = [m for m in found if m[2].category == "anaphor" and m[0] == 0 and m[1] == len(words)]
    named = [m for m in found if m[2].category == "named" and not _qualified(words, m[1], lang)]
    qualified = [m for m in found if m[2].category == "named" and _qualified(words, m[1], lang)]
    for end, entry in dictionary.acronym_matches(text):
        target = named if not _qualified(fold(text[end:]).split(), 0, lang) else qualified
        target.append((-1, -1, entry))  # an acronym: length unknown in words, counted by its name below
    if not named and qualified and not any(m[2].category == "country" for m in found):
        # "Islamic State-linked insurgents": with no other name, the ally named is the best reading.
        named = qualified
    if named and not anaphors:
        start, end, entry = max(named, key=lambda m: (m[1] - m[0], len(m[2].name or "")))
        return Actor(text, entry.name, entry.country, entry.inter, "dictionary")

    cues = sorted((m for m in found if m[2].category == "country"), key=lambda m: (m[0], -(m[1] - m[0])))
    country = cues[0][2].country if cues else None
    institutions = [m for m in found if m[2].category == "institution" and not _inside_cue(m, cues)]
    heads = [m for m in found if m[2].category == "head" and not _inside_cue(m, cues)]
    if anaphors:
        entry = anaphors[0][2]
        typed = _head(heads + institutions, lang, words)
        return Actor(text, None, None, typed.inter if typed else 0, "anaphora", generic=typed.generic if typed else None,
                     refers_back=entry.refers_back)
    if institutions and country is not None:
        entry = _head(institutions, lang, words)
        return Actor(text, entry.template.format(country=dictionary.countries[country]), country, entry.inter, "state",
                     generic=entry.generic)
    head = _head(heads + institutions, lang, words)
    if head is not None:
        return Actor(text, None, country, head.inter, "head_noun", generic=head.generic)
    if country is not None:
        return Actor(text, f"Military Forces of {dictionary.countries[country]}", country, 1, "country",
                     generic="Military Forces")
    return Actor(text, None, None, 0, "unknown", reason="no dictionary entry, state or head noun in the span")


def _qualified(words: list[str], end: int, lang: str) -> bool:
    """True when the words after a name make it a qualifier ("al-Qaeda-linked group")."""
    return end < len(words) and re.fullmatch(_QUALIFIERS.get(lang, _QUALIFIERS["en"]), words[end]) is not None


def _inside_cue(match: tuple[int, int, _Entry], cues: list) -> bool:
    """A head word that is part of a country cue ("south" in "south sudan") does not count."""
    return any(cue[0] <= match[0] and match[1] <= cue[1] for cue in cues)


def _head(matches: list[tuple[int, int, _Entry]], lang: str, words: list[str]) -> _Entry | None:
    """The head among several type words: the last in head-final languages, the first otherwise.

    English "a mob of people", "fighters of the group": the head is before "of".
    """
    if not matches:
        return None
    if lang == "en" and "of" in words:
        before = [m for m in matches if m[1] <= words.index("of")]
        matches = before or matches
    longest = max(m[1] - m[0] for m in matches)  # "قوات الامن العام": police, not "قوات"
    matches = [m for m in matches if m[1] - m[0] == longest]
    if lang in _HEAD_LAST:
        return max(matches, key=lambda m: (m[1], m[1] - m[0]))[2]
    return min(matches, key=lambda m: (m[0], -(m[1] - m[0])))[2]


def resolve_references(mentions: Sequence[str], lang: str, dictionary: ActorDictionary | None = None) -> list[Actor]:
    """Resolve a document's actor mentions, in document order, linking anaphors.

    "the group", "the militants", "التنظيم" take the actor last named (with a
    canonical name) whose type is one the anaphor allows; with none, the anaphor
    keeps its own type from its head noun, or 0.
    """
    resolved: list[Actor] = []
    for text in mentions:
        actor = resolve_actor(text, lang, dictionary)
        if actor.refers_back is not None:
            antecedent = next((a for a in reversed(resolved)
                               if a.name is not None and a.inter in actor.refers_back), None)
            if antecedent is not None:
                actor = replace(antecedent, text=actor.text, source="anaphora", refers_back=actor.refers_back)
            elif actor.reason is None and actor.inter == 0:
                actor = replace(actor, reason="anaphor without a compatible actor named before it")
        resolved.append(actor)
    return resolved


def inter_at(actor: Actor, event_iso3: str | None) -> int:
    """ACLED's inter for the actor in an event in ``event_iso3``: state forces abroad are external (8).

    A government stays 1 abroad (a foreign ministry in talks is not a force acting in the
    country), as the gold set's conventions say.
    """
    if actor.generic == "Government" or (actor.name or "").startswith("Government of"):
        return actor.inter
    if actor.inter == 1 and actor.country and event_iso3 and actor.country != event_iso3:
        return 8
    return actor.inter


def acled_name(actor: Actor, country_name: str | None) -> str | None:
    """The actor's ACLED name, completing a generic one with the event's country.

    "Civilians (Mali)", "Protesters (Kenya)", "Unidentified Armed Group (Nigeria)",
    and for an institution without its state, "Police Forces of Kenya".
    """
    if actor.name is not None:
        return actor.name
    if actor.generic is None:
        return None
    if country_name is None:
        return actor.generic
    if actor.generic in ("Military Forces", "Police Forces"):
        return f"{actor.generic} of {country_name}"
    if actor.generic == "Government":
        return f"Government of {country_name}"
    return f"{actor.generic} ({country_name})"
