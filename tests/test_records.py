"""Records chain on a scripted document: real normalisers, real merge, typed records, writers.

The sentence-level events are written here (offsets computed by code), so the test
checks the chain after the model exactly; the tiny model runs the whole `score --records`.
"""

from __future__ import annotations

import csv
import json

import pytest

from flashpoint.records import EventRecord, build_records, record_columns
from flashpoint.results import ArgumentSpan, DocumentResult, Event

TEXT = ("Gunmen kill five traders in Maiduguri\n"
        "Gunmen killed five traders in Maiduguri on Saturday, police said. "
        "The death toll later rose to six. "
        "In a separate attack on Thursday, gunmen killed two farmers near Kidal.")


def _event(type_id: str, sentence_index: int, sentence: str, spans: list[tuple[str, str]]) -> Event:
    base = TEXT.index(sentence)
    arguments = []
    for role, text in spans:
        start = base + sentence.index(text)
        arguments.append(ArgumentSpan(role, text, start, start + len(text), 0.9))
    return Event(type_id, 0.8 + sentence_index / 100, sentence_index, sentence, arguments)


@pytest.fixture(scope="module")
def document(ontology) -> DocumentResult:
    s0 = "Gunmen kill five traders in Maiduguri"
    s1 = "Gunmen killed five traders in Maiduguri on Saturday, police said."
    s2 = "The death toll later rose to six."
    s3 = "In a separate attack on Thursday, gunmen killed two farmers near Kidal."
    events = [
        _event("attack", 0, s0, [("actor", "Gunmen"), ("target", "traders"), ("fatalities", "five"),
                                 ("location", "Maiduguri")]),
        _event("attack", 1, s1, [("actor", "Gunmen"), ("target", "traders"), ("fatalities", "five"),
                                 ("location", "Maiduguri"), ("time", "on Saturday")]),
        _event("attack", 2, s2, [("fatalities", "six")]),
        _event("attack", 3, s3, [("time", "on Thursday"), ("actor", "gunmen"), ("fatalities", "two"),
                                 ("target", "farmers"), ("location", "near Kidal")]),
    ]
    return DocumentResult("doc-1", TEXT, "en", "2025-03-17", {"attack": 0.83}, events, ontology.role_ids, 4)


def test_one_record_per_real_event(document, ontology):
    records, _ = build_records(document, ontology)
    assert [(r.sub_event_type, r.evidence_sentences, r.event_date, r.fatalities) for r in records] == [
        ("Attack", [0, 1, 2], "2025-03-15", 6),   # headline + body + casualty update
        ("Attack", [3], "2025-03-13", 2),         # another day, another place
    ]
    first, second = records
    assert (first.location, first.iso3, first.country, first.geo_precision) == ("Maiduguri", "NGA", "Nigeria", 1)
    assert (second.location, second.iso3, second.geo_precision) == ("Kidal", "MLI", 2)
    assert (first.event_type, first.disorder_type, first.time_precision, first.year) == (
        "Violence against civilians", "Political violence", 1, 2025)
    assert (first.plover, first.quad_class, first.type_id, first.lang, first.source) == (
        ontology.type("attack").plover, ontology.type("attack").quad_class, "attack", "en", "doc-1")
    assert first.event_id_cnty == "NGA-doc-1-1" and second.event_id_cnty == "MLI-doc-1-2"
    assert first.inter2 == 7 and first.actor2 == "Civilians (Nigeria)"
    assert first.interaction == 10 * min(first.inter1, 7) + max(first.inter1, 7)
    # evidence offsets index the document text
    for index, start, end in zip(first.evidence_sentences, first.evidence_starts, first.evidence_ends):
        assert TEXT[start:end] == document.events[index].sentence


def test_normalised_values_sit_beside_the_spans(document, ontology):
    _, events = build_records(document, ontology)
    contract = document.to_dict()["events"]
    for added, plain in zip(events, contract):
        for key, value in plain.items():            # every contract field is kept as it was
            if key != "arguments":
                assert added[key] == value
        for role, spans in plain["arguments"].items():
            for span_added, span_plain in zip(added["arguments"][role], spans):
                assert {k: span_added[k] for k in span_plain} == span_plain
    assert events[1]["date"]["event_date"] == "2025-03-15"
    assert events[0]["date"]["flag"] == "no_time_span"
    assert events[1]["arguments"]["location"][0]["geo"]["geonameid"] == 2331447
    assert events[1]["arguments"]["fatalities"][0]["value"] == 5
    assert events[1]["arguments"]["target"][0]["actor"]["inter"] == 7
    assert [e["record"] for e in events] == [0, 0, 0, 1]


def test_no_fatalities_span_is_zero_with_a_flag(ontology):
    sentence = "Protesters marched in Kidal on Sunday."
    event = Event("peaceful_protest", 0.9, 0, sentence, [ArgumentSpan("location", "Kidal", 22, 27, 0.9)])
    result = DocumentResult("d", sentence, "en", "2025-03-17", {}, [event], ontology.role_ids, 1)
    (record,), _ = build_records(result, ontology)
    assert (record.fatalities, record.fatalities_flag) == (0, "none_reported")
    assert (record.event_date, record.time_precision, record.date_flag) == ("2025-03-17", 2, "no_time_span")


def test_unresolvable_place_stays_text_without_coordinates(ontology):
    sentence = "Gunmen attacked Zzqxville on Sunday."
    event = Event("attack", 0.9, 0, sentence, [ArgumentSpan("location", "Zzqxville", 16, 25, 0.9)])
    result = DocumentResult("d", sentence, "en", None, {}, [event], ontology.role_ids, 1)
    (record,), _ = build_records(result, ontology)
    assert (record.location, record.latitude, record.longitude, record.iso3) == ("Zzqxville", None, None, None)
    assert record.event_date is None and record.date_flag  # no publication date: null with a reason


def test_columns_come_from_the_record_type():
    names = [name for name, _ in record_columns()]
    assert names[:3] == ["event_id_cnty", "event_date", "year"]
    assert names == [f for f in EventRecord.__dataclass_fields__]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_score_records_writes_one_row_per_event_with_the_same_fields(tiny_model, tmp_path, suffix):
    from flashpoint.scoring import score_archive

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXT, "date": "2025-03-17", "lang": "en"}) + "\n"
                      + json.dumps({"id": "b", "text": ""}) + "\n", encoding="utf-8")
    output = tmp_path / f"out{suffix}"
    score_archive([source], output, tiny_model, progress=False, records=True)
    expected = [name for name, _ in record_columns()] + ["status", "error"]
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in output.read_text().splitlines()]
        assert all(list(row) == expected for row in rows)
    elif suffix == ".csv":
        with output.open() as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == expected
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(output)
        assert table.schema.names == expected
        assert str(table.schema.field("fatalities").type) == "int64"
        assert str(table.schema.field("latitude").type) == "double"
        import pyarrow as pa

        starts = table.schema.field("evidence_starts").type
        assert pa.types.is_list(starts) and starts.value_type == pa.int64()
        rows = table.to_pylist()
    # the bad record keeps one visible error row naming it
    errors = [row for row in rows if row["status"] == "error"]
    assert [row["source"] for row in errors] == ["b"]
    assert all(row["source"] == "a" for row in rows if row["status"] == "ok")


def _without_added(document: dict) -> dict:
    """A normalised document with the added fields taken away (what the plain contract must equal)."""
    out = {k: v for k, v in document.items() if k != "records"}
    out["events"] = [{**{k: v for k, v in e.items() if k not in ("date", "record")},
                      "arguments": {role: [{k: v for k, v in s.items() if k not in ("geo", "actor", "value", "flag", "date")}
                                           for s in spans] for role, spans in e["arguments"].items()}}
                     for e in document["events"]]
    return out


def test_normalised_document_keeps_the_contract_and_adds_records(document, ontology):
    from flashpoint.records import normalised_document

    out = normalised_document(document, ontology)
    assert _without_added(out) == document.to_dict()            # nothing replaced, nothing lost
    assert [(r["event_date"], r["location"], r["fatalities"]) for r in out["records"]] == [
        ("2025-03-15", "Maiduguri", 6), ("2025-03-13", "Kidal", 2)]


def test_score_normalise_is_the_contract_plus_normalised_values(tiny_model, extractor, tmp_path):
    from flashpoint.scoring import score_archive

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXT, "date": "2025-03-17", "lang": "en"}) + "\n"
                      + json.dumps({"id": "b", "text": ""}) + "\n", encoding="utf-8")
    score_archive([source], tmp_path / "plain.jsonl", tiny_model, progress=False)
    score_archive([source], tmp_path / "normalised.jsonl", tiny_model, progress=False, normalise=True)
    plain = [json.loads(line) for line in (tmp_path / "plain.jsonl").read_text().splitlines()]
    normalised = [json.loads(line) for line in (tmp_path / "normalised.jsonl").read_text().splitlines()]
    assert [(d["id"], d["status"]) for d in normalised] == [("a", "ok"), ("b", "error")], normalised
    assert _without_added(normalised[0]) == plain[0] and normalised[1] == plain[1]
    assert all(list(r) == [name for name, _ in record_columns()] for r in normalised[0]["records"])
    assert all("date" in e and "record" in e for e in normalised[0]["events"])
    # the same through the API
    result = extractor.extract(TEXT, date="2025-03-17", lang="en", id="a")
    assert extractor.normalised(result) == normalised[0]


@pytest.mark.parametrize("suffix,records", [(".csv", False), (".jsonl", True)])
def test_score_normalise_refuses_what_it_cannot_write(tiny_model, tmp_path, suffix, records):
    from flashpoint.scoring import score_archive

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXT}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="--normalise"):
        score_archive([source], tmp_path / f"out{suffix}", tiny_model, progress=False, normalise=True, records=records)


@pytest.mark.parametrize("type_id,event_type,disorder_type", [
    ("armed_clash", "Battles", "Political violence"),
    ("peaceful_protest", "Protests", "Demonstrations"),
    ("excessive_force_against_protesters", "Protests", "Political violence; Demonstrations"),
    ("violent_demonstration", "Riots", "Demonstrations"),
    ("mob_violence", "Riots", "Political violence"),
    ("arrests", "Strategic developments", "Strategic developments"),
    ("diplomacy", None, None),
])
def test_acled_event_and_disorder_types_in_acled_spelling(ontology, type_id, event_type, disorder_type):
    sentence = "Something happened in Kidal on Sunday."
    event = Event(type_id, 0.9, 0, sentence, [ArgumentSpan("location", "Kidal", 22, 27, 0.9)])
    result = DocumentResult("d", sentence, "en", "2025-03-17", {}, [event], ontology.role_ids, 1)
    (record,), _ = build_records(result, ontology)
    assert (record.event_type, record.disorder_type) == (event_type, disorder_type)
    assert record.sub_event_type == {t.id: t.name for t in ontology.event_types}[type_id]


def test_acled_columns_in_acled_spelling_and_order():
    acled = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
             "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "iso", "country",
             "admin1", "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities"]
    names = [name for name, _ in record_columns()]
    assert [n for n in names if n in acled] == acled          # all there, in ACLED's order
    assert {"score", "plover", "quad_class", "lang", "evidence_starts", "evidence_ends"} <= set(names)


def test_a_town_named_like_its_province_gives_way_to_another_place_in_it(ontology):
    sentence = "Militants ambushed a convoy near Téra (Tillabéri) on Sunday."
    spans = [("location", "Téra"), ("location", "Tillabéri"), ("time", "on Sunday")]
    arguments = [ArgumentSpan(role, text, sentence.index(text), sentence.index(text) + len(text), 0.9)
                 for role, text in spans]
    result = DocumentResult("d", sentence, "en", "2025-03-19", {},
                            [Event("armed_clash", 0.9, 0, sentence, arguments)], ontology.role_ids, 1)
    (record,), _ = build_records(result, ontology)
    # Tillabéri resolves to a town too (precision 1), but it is written for the region Téra is in
    assert (record.location, record.admin1, record.geo_precision) == ("Téra", "Tillabéri", 2)
