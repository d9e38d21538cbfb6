"""Actor normaliser: the dictionary in configs/actors, on written cases in the six languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpoint.normalise.actors import (
    ActorDictionary,
    acled_name,
    actor_dictionary,
    actor_dictionary_version,
    inter_at,
    resolve_actor,
    resolve_references,
)

JNIM = "JNIM: Group for Support of Islam and Muslims"
STATES = [
    ("en", "Nigerian troops"), ("en", "the Nigerian army"), ("fr", "l'armée nigériane"), ("fr", "les soldats nigérians"),
    ("es", "el ejército nigeriano"), ("es", "militares nigerianos"), ("ru", "армия Нигерии"), ("ru", "нигерийские военные"),
    ("ar", "الجيش النيجيري"), ("ar", "والقوات النيجيرية"), ("tr", "Nijerya ordusu"), ("tr", "Nijeryalı askerler"),
]


@pytest.mark.parametrize("lang, text", STATES)
def test_state_forces_from_country_and_institution(lang, text):
    actor = resolve_actor(text, lang)
    assert (actor.name, actor.country, actor.inter, actor.source) == ("Military Forces of Nigeria", "NGA", 1, "state")


def test_niger_and_nigeria_are_kept_apart():
    assert resolve_actor("Nigerien soldiers", "en").country == "NER"
    assert resolve_actor("les soldats nigériens", "fr").country == "NER"
    assert resolve_actor("армия Нигера", "ru").country == "NER"
    assert resolve_actor("الجيش في النيجر", "ar").country == "NER"


@pytest.mark.parametrize("lang, text, name", [
    ("en", "Kenyan police", "Police Forces of Kenya"), ("fr", "la police kényane", "Police Forces of Kenya"),
    ("es", "la policía keniana", "Police Forces of Kenya"), ("ru", "кенийская полиция", "Police Forces of Kenya"),
    ("ar", "الشرطة الكينية", "Police Forces of Kenya"), ("tr", "Kenya polisi", "Police Forces of Kenya"),
    ("en", "the Sudanese government", "Government of Sudan"), ("ar", "الحكومة السودانية", "Government of Sudan"),
    ("en", "South Sudanese troops", "Military Forces of South Sudan"),
])
def test_police_and_government(lang, text, name):
    actor = resolve_actor(text, lang)
    assert (actor.name, actor.inter) == (name, 1)


NAMED = [
    ("en", "suspected JNIM militants", JNIM, 2), ("en", "fighters of the al-Qaeda-linked group JNIM", JNIM, 2),
    ("fr", "le Groupe de soutien à l'islam et aux musulmans", JNIM, 2), ("ar", "جماعة نصرة الإسلام والمسلمين", JNIM, 2),
    ("en", "The paramilitary Rapid Support Forces (RSF)", "RSF: Rapid Support Forces", 2),
    ("ar", "قوات الدعم السريع", "RSF: Rapid Support Forces", 2), ("ru", "Силы быстрого реагирования", "RSF: Rapid Support Forces", 2),
    ("en", "An al-Shabaab suicide bomber", "Al Shabaab", 2), ("fr", "les shebab", "Al Shabaab", 2),
    ("ar", "حركة الشباب المجاهدين", "Al Shabaab", 2), ("tr", "Eş-Şebab", "Al Shabaab", 2),
    ("ar", "داعش", "Islamic State (Iraq and Syria)", 2), ("ru", "ИГИЛ", "Islamic State (Iraq and Syria)", 2),
    ("es", "el Estado Islámico", "Islamic State (Iraq and Syria)", 2), ("tr", "DEAŞ", "Islamic State (Iraq and Syria)", 2),
    ("en", "Houthi rebels", "Ansar Allah (Houthis)", 2), ("ru", "хуситы", "Ansar Allah (Houthis)", 2),
    ("tr", "PKK'lı teröristler", "PKK: Kurdistan Workers Party", 2), ("en", "Turkish-backed factions", "SNA: Syrian National Army", 2),
    ("en", "Wagner mercenaries", "Wagner Group", 8), ("fr", "la MONUSCO", "MONUSCO: United Nations Organization Stabilization "
                                                     "Mission in the Democratic Republic of Congo", 8),
    ("en", "Israeli settlers", "Israeli Settlers", 4), ("es", "el Clan del Golfo", "AGC: Gaitanist Self-Defense Forces of "
                                                             "Colombia (Clan del Golfo)", 3),
]


@pytest.mark.parametrize("lang, text, name, inter", NAMED)
def test_named_actors_in_six_languages(lang, text, name, inter):
    actor = resolve_actor(text, lang)
    assert (actor.name, actor.inter, actor.source) == (name, inter, "dictionary")


def test_acronyms_are_case_sensitive_whole_words():
    assert resolve_actor("IS fighters", "en").name == "Islamic State (Iraq and Syria)"
    assert resolve_actor("this is it", "en").name is None


HEADS = [
    ("en", "gunmen", 3, "Unidentified Armed Group"), ("en", "villagers", 7, "Civilians"), ("en", "protesters", 6, "Protesters"),
    ("en", "police", 1, "Police Forces"), ("en", "a mob of several hundred people", 5, "Rioters"),
    ("en", "armed village volunteers", 4, "Communal Militia"), ("en", "rebels", 2, "Rebel Group"),
    ("fr", "des hommes armés non identifiés", 3, "Unidentified Armed Group"), ("fr", "les manifestants", 6, "Protesters"),
    ("fr", "des villageois", 7, "Civilians"),
    ("es", "pistoleros", 3, "Unidentified Armed Group"), ("es", "los manifestantes", 6, "Protesters"), ("es", "civiles", 7, "Civilians"),
    ("ru", "вооруженные люди", 3, "Unidentified Armed Group"), ("ru", "протестующие", 6, "Protesters"), ("ru", "мирные жители", 7, "Civilians"),
    ("ar", "مسلحون مجهولون", 3, "Unidentified Armed Group"), ("ar", "المتظاهرين", 6, "Protesters"), ("ar", "المدنيين", 7, "Civilians"),
    ("tr", "silahlı kişiler", 3, "Unidentified Armed Group"), ("tr", "protestocular", 6, "Protesters"), ("tr", "köylüler", 7, "Civilians"),
]


@pytest.mark.parametrize("lang, text, inter, generic", HEADS)
def test_unknown_actors_take_their_type_from_the_head_noun(lang, text, inter, generic):
    actor = resolve_actor(text, lang)
    assert (actor.name, actor.inter, actor.generic, actor.source) == (None, inter, generic, "head_noun")


@pytest.mark.parametrize("text", ["xyzzy", "the committee", ""])
def test_unknown_without_head_is_zero_with_reason(text):
    actor = resolve_actor(text, "en")
    assert (actor.name, actor.inter) == (None, 0) and actor.reason


def test_a_bare_country_is_its_forces():
    actor = resolve_actor("Russian", "en")
    assert (actor.name, actor.inter, actor.source) == ("Military Forces of Russia", 1, "country")


@pytest.mark.parametrize("lang, mentions, expected", [
    ("en", ["fighters of the al-Qaeda-linked group JNIM", "the army", "The group"], JNIM),
    ("ar", ["تنظيم الدولة الإسلامية", "الجيش العراقي", "التنظيم"], "Islamic State (Iraq and Syria)"),
    ("fr", ["les shebab", "l'armée somalienne", "le groupe"], "Al Shabaab"),
    ("es", ["el ELN", "el ejército colombiano", "el grupo"], "ELN: National Liberation Army"),
    ("ru", ["ИГИЛ", "сирийская армия", "группировка"], "Islamic State (Iraq and Syria)"),
    ("tr", ["PKK", "Türk ordusu", "örgüt"], "PKK: Kurdistan Workers Party"),
])
def test_anaphors_take_the_last_compatible_actor(lang, mentions, expected):
    resolved = resolve_references(mentions, lang)
    assert resolved[-1].name == expected and resolved[-1].source == "anaphora"
    assert resolved[-1].text == mentions[-1]


def test_anaphor_skips_incompatible_and_stays_typed_without_antecedent():
    resolved = resolve_references(["Kenyan police", "the group"], "en")
    assert resolved[-1].name is None and resolved[-1].reason
    soldiers = resolve_references(["Nigerian troops", "the soldiers"], "en")
    assert soldiers[-1].name == "Military Forces of Nigeria"


def test_acled_names_and_external_forces():
    assert acled_name(resolve_actor("villagers", "en"), "Mali") == "Civilians (Mali)"
    assert acled_name(resolve_actor("police", "en"), "Kenya") == "Police Forces of Kenya"
    assert acled_name(resolve_actor("gunmen", "en"), "Nigeria") == "Unidentified Armed Group (Nigeria)"
    russian = resolve_actor("Russian drones", "en")
    assert (inter_at(russian, "UKR"), inter_at(russian, "RUS")) == (8, 1)


def test_dictionary_size_and_version():
    dictionary = actor_dictionary()
    assert dictionary.size >= 300
    assert actor_dictionary_version() == dictionary.version and dictionary.version.startswith("actors-")


def test_a_bad_dictionary_file_names_itself(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("kind: named\nactors:\n  - {name: X, country: null, inter: 12}\n")
    with pytest.raises(ValueError, match="bad.yaml"):
        ActorDictionary(tmp_path)
    missing = resolve_actor("gunmen", "en", dictionary=None)
    assert missing.inter == 3
