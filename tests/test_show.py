"""`flashpoint show` on `score --records` outputs: records printed as an analyst reads them
(documents of the score contract are covered in test_cli)."""

from __future__ import annotations

from typer.testing import CliRunner

from flashpoint.cli import app
from flashpoint.records import build_records
from flashpoint.show import format_record
from flashpoint.writers import encode_record_chunk

RECORD = {"event_id_cnty": "NGA-d-1", "event_date": "2025-03-15", "time_precision": 1, "date_flag": None,
          "event_type": "Violence against civilians", "sub_event_type": "Attack", "actor1": "Unidentified Armed Group (Nigeria)",
          "inter1": 2, "assoc_actor_1": None, "actor2": "Civilians (Nigeria)", "inter2": 7, "assoc_actor_2": None,
          "location": "Maiduguri", "admin1": "Borno", "country": "Nigeria", "latitude": 11.84692, "longitude": 13.15712,
          "geo_precision": 1, "fatalities": 6, "fatalities_flag": None, "score": 0.91, "lang": "en", "source": "d",
          "evidence_sentences": [0, 1, 2], "notes": "Gunmen killed five traders. The toll rose to six.", "status": "ok"}


def test_a_record_reads_as_date_place_actors_fatalities_evidence():
    assert format_record(RECORD).splitlines() == [
        "",
        "# NGA-d-1  Violence against civilians / Attack  (score 0.91, en)",
        "  when:       2025-03-15 (to the day)",
        "  where:      Maiduguri, Borno, Nigeria (11.8469, 13.1571; the town itself)",
        "  who:        Unidentified Armed Group (Nigeria) [2: rebel group]",
        "  against:    Civilians (Nigeria) [7: civilians]",
        "  fatalities: 6",
        "  evidence (d, sentence 0, 1, 2):",
        "    Gunmen killed five traders. The toll rose to six.",
    ]


def test_unplaced_undated_record_without_toll_says_so():
    record = {**RECORD, "event_date": None, "date_flag": "no publication date", "latitude": None, "longitude": None,
              "admin1": None, "country": None, "location": "Zzqxville", "actor2": None, "inter2": None,
              "fatalities": 0, "fatalities_flag": "none_reported"}
    lines = format_record(record).splitlines()
    assert lines[2] == "  when:       date unknown (no publication date)"
    assert lines[3] == "  where:      Zzqxville (not placed on the map)"
    assert lines[5] == "  against:    (no actor named)"
    assert lines[6] == "  fatalities: none reported"


def test_show_prints_score_records_output(ontology, tmp_path):
    from flashpoint.results import ArgumentSpan, DocumentResult, Event

    sentence = "Gunmen killed five traders in Maiduguri on Saturday, police said."
    TEXT = "Gunmen kill five traders in Maiduguri\n" + sentence
    base = TEXT.index(sentence)
    spans = [(role, text, base + sentence.index(text)) for role, text in
             (("actor", "Gunmen"), ("fatalities", "five"), ("location", "Maiduguri"), ("time", "on Saturday"))]
    event = Event("attack", 0.9, 1, sentence, [ArgumentSpan(r, t, s, s + len(t), 0.9) for r, t, s in spans])
    result = DocumentResult("doc-1", TEXT, "en", "2025-03-17", {}, [event], ontology.role_ids, 2)
    records, _ = build_records(result, ontology)
    scored = tmp_path / "records.jsonl"
    document = {**result.to_dict(), "records": [r.to_dict() for r in records]}
    scored.write_bytes(encode_record_chunk([document, {"id": "bad", "status": "error", "error": "empty text"}],
                                           "jsonl", with_header=False) + b"{broken\n")
    outcome = CliRunner().invoke(app, ["show", str(scored)])
    assert outcome.exit_code == 0, outcome.output
    assert "  when:       2025-03-15 (to the day)" in outcome.output      # Saturday before Monday 17 March
    assert "  where:      Maiduguri, Borno, Nigeria (" in outcome.output
    assert "  fatalities: 5" in outcome.output
    assert "# bad: ERROR empty text" in outcome.output
    assert f"{scored}:3: not a score output line" in outcome.output and "Traceback" not in outcome.output
