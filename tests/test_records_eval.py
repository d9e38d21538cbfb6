"""evaluate-records: matching, field scoring, and both measurements on real gold articles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flashpoint.normalise import resource_versions
from flashpoint.records import EventRecord
from flashpoint.training.records_eval import (FIELDS, distance_km, evaluate_gold_spans, field_hits, gold_result,
                                              match)
from flashpoint.training.model_card import records_markdown, update_model_card
from flashpoint.training.records_gold import GoldRecord, load_gold


def _gold(**overrides) -> GoldRecord:
    values = dict(sub_event_type="attack", evidence=[0, 1], event_date="2025-03-15", time_precision=1,
                  location="Maiduguri", admin1="Borno", country="Nigeria", iso3="NGA", latitude=11.84692,
                  longitude=13.15712, geo_precision=1, geonameid=2331447, actor1="Unidentified Armed Group (Nigeria)",
                  inter1=2, assoc_actor_1=None, actor2="Civilians (Nigeria)", inter2=7, fatalities=7)
    values.update(overrides)
    return GoldRecord(**values)


def _predicted(**overrides) -> EventRecord:
    values = dict(event_id_cnty="NGA-d-1", event_date="2025-03-15", year=2025, time_precision=1,
                  disorder_type="Political violence", event_type="Violence against civilians", sub_event_type="Attack",
                  actor1="Unidentified Armed Group (Nigeria)", assoc_actor_1=None, inter1=2,
                  actor2="Civilians (Nigeria)", assoc_actor_2=None, inter2=7, interaction=27, iso=566, iso3="NGA",
                  country="Nigeria", admin1="Borno", location="Maiduguri", latitude=11.9, longitude=13.2,
                  geonameid=2331447, geo_precision=1, source="d", notes="", fatalities=7, fatalities_flag=None,
                  date_flag=None, score=0.9, type_id="attack", plover=None, quad_class=None, lang="en",
                  evidence_sentences=[1], evidence_starts=[40], evidence_ends=[90])
    values.update(overrides)
    return EventRecord(**values)


def test_distance_km():
    assert distance_km(0, 0, 0, 0) == 0
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)   # one degree of the equator


def test_field_hits_exact():
    assert field_hits(_gold(), _predicted()) == {f: ([True, True] if f in ("actor", "inter") else [True]) for f in FIELDS}
    hits = field_hits(_gold(), _predicted(latitude=12.2, event_date="2025-03-14", inter2=None, actor2=None,
                                          fatalities=5, iso3="TCD"))
    assert hits == {"date": [False], "place_25km": [False], "country": [False], "actor": [True, False],
                    "inter": [True, False], "fatalities": [False]}
    # an unplaced gold record: right only when the prediction is unplaced too
    unplaced = _gold(location=None, admin1=None, country=None, iso3=None, latitude=None, longitude=None,
                     geo_precision=None, geonameid=None)
    assert field_hits(unplaced, _predicted())["place_25km"] == [False]
    assert field_hits(unplaced, _predicted(latitude=None, longitude=None))["place_25km"] == [True]


def test_match_needs_same_type_and_overlapping_evidence():
    spans = [(0, 39), (40, 120), (121, 200)]
    gold = [_gold(evidence=[0, 1]), _gold(evidence=[2], event_date="2025-03-14")]
    predicted = [_predicted(type_id="armed_clash"),                                  # wrong type
                 _predicted(evidence_starts=[121], evidence_ends=[200]),               # gold 1
                 _predicted(evidence_starts=[0, 40], evidence_ends=[39, 120]),         # gold 0
                 _predicted(evidence_starts=[50], evidence_ends=[60])]                 # a duplicate: unmatched
    assert match(gold, spans, predicted) == [(0, 2), (1, 1)]


@pytest.fixture(scope="module")
def english_gold(repo, ontology):
    return load_gold([repo / "data/gold/en.jsonl"], ontology)


def test_gold_result_keeps_the_gold_spans(english_gold, ontology):
    article = english_gold[0]
    result = gold_result(article, ontology)
    for event in result.events:
        for argument in event.arguments:
            assert result.text[argument.start:argument.end] == argument.text


def test_normalisers_alone_on_gold_spans_give_one_row_per_language(english_gold, ontology):
    report = evaluate_gold_spans(english_gold[:5], ontology)
    assert set(report) == {"all", "en"}
    assert report["all"] == report["en"]
    assert all(0.0 <= report["all"][f] <= 1.0 for f in FIELDS)


def test_evaluate_records_command(tiny_model, repo, tmp_path):
    from typer.testing import CliRunner

    from flashpoint.cli import _register_plugins, app

    _register_plugins()
    gold = tmp_path / "gold"
    gold.mkdir()
    lines = (repo / "data/gold/fr.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    (gold / "fr.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    model = tmp_path / "model"   # a copy: --store writes into the model's metrics.json
    shutil.copytree(tiny_model, model)
    result = CliRunner().invoke(app, ["evaluate-records", str(model), str(gold), "-o", str(out), "--store"])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    metrics = json.loads((model / "metrics.json").read_text())
    assert metrics["records"] == {"gold": str(gold), "precision": "int8", "resources": resource_versions(), **report}
    assert "test" in metrics   # the other figures stay
    card = tmp_path / "card.md"
    update_model_card(model, card)
    assert "### Event records (gold set)" in card.read_text()
    assert report["articles"] == 3
    total = sum(len(json.loads(line)["records"]) for line in lines)
    assert report["end_to_end"]["fr"]["gold"] == total
    assert 0 <= report["end_to_end"]["fr"]["matched"] <= min(total, report["end_to_end"]["fr"]["predicted"])
    assert "End to end" in result.output and "| fr |" in result.output


def test_evaluate_records_names_a_bad_gold_file(tiny_model, tmp_path):
    from typer.testing import CliRunner

    from flashpoint.cli import _register_plugins, app

    _register_plugins()
    bad = tmp_path / "en.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate-records", str(tiny_model), str(bad)])
    assert result.exit_code == 2
    assert "en.jsonl:1" in result.output and "Traceback" not in result.output


def test_model_card_records_tables_come_from_the_report():
    row = {"date": 0.9, "place_25km": 0.75, "country": 0.8, "actor": 0.5, "inter": None, "fatalities": 1.0}
    report = {"gold": "data/gold", "precision": "int8", "articles": 2,
              "end_to_end": {"all": {"gold": 4, "predicted": 5, "matched": 3, "precision": 0.6, "recall": 0.75,
                                     "f1": 0.6667, **row}},
              "gold_spans": {"all": row, "en": {**row, "date": 1.0}}}
    lines = records_markdown(report)
    assert "| all | 4 | 5 | 0.600 | 0.750 | 0.667 | 0.900 | 0.750 | 0.800 | 0.500 | - | 1.000 |" in lines
    assert "| target | | | | | >= 0.70 | | | | | | |" in lines
    assert "| en | 1.000 | 0.750 | 0.800 | 0.500 | - | 1.000 |" in lines
    assert "| target | >= 0.92 | >= 0.88 |  |  | >= 0.85 | >= 0.95 |" in lines
    assert "on 2 gold articles" in lines[2]
