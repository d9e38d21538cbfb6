"""Markup parsing, corpus building, validation and statistics."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flashpoint.training.corpus.build import assign_splits, build_corpus
from flashpoint.training.corpus.loading import load_dataset, read_documents, read_records
from flashpoint.training.corpus.markup import MarkupError, parse_marked
from flashpoint.training.corpus.stats import corpus_stats
from flashpoint.training.corpus.validate import validate_records


def test_markup_gives_offsets_per_event_and_allows_nesting(ontology):
    parsed = parse_marked(
        "[actor#1|Jets] hit [target#1|a depot] in [location#1|Idlib] on [time#1,2|Monday] while "
        "[actor#2|police] shot [target#2|[fatalities#2|two] men].",
        ["air_drone_strike", "attack"], ontology,
    )
    text = parsed.text
    assert "[" not in text and "|" not in text
    spans = {(e["type"], a["role"], text[a["start"]:a["end"]]) for e in parsed.events for a in e["arguments"]}
    assert ("air_drone_strike", "time", "Monday") in spans and ("attack", "time", "Monday") in spans
    assert ("attack", "fatalities", "two") in spans and ("attack", "target", "two men") in spans
    assert ("air_drone_strike", "actor", "police") not in spans


@pytest.mark.parametrize("marked, types, message", [
    ("[actor|Jets] struck.", ["air_strike"], "unknown event type"),
    ("[killer|Jets] struck.", ["attack"], "unknown role"),
    ("[actor#2|Jets] struck.", ["attack"], "refers to event 2"),
    ("[actor|Jets struck.", ["attack"], "never closed"),
    ("[actor| Jets] struck.", ["attack"], "surrounding spaces"),
])
def test_markup_errors_say_why(ontology, marked, types, message):
    with pytest.raises(MarkupError, match=message):
        parse_marked(marked, types, ontology)


def test_splits_are_per_batch_and_reach_their_shares():
    sizes = {f"b-{i:02d}": 40 + (i * 7) % 25 for i in range(1, 21)}
    splits = assign_splits(sizes)
    total = sum(sizes.values())
    share = {s: sum(n for b, n in sizes.items() if splits[b] == s) / total for s in ("train", "dev", "test")}
    assert share["test"] >= 0.15 and share["dev"] >= 0.13 and share["train"] >= 0.6
    more = assign_splits({**sizes, "b-99": 50})  # a batch added later moves no earlier one
    assert {b: more[b] for b in sizes} == splits


def test_fixture_corpus_builds_loads_and_validates(repo, ontology, tmp_path):
    build_corpus(repo / "tests/data/shards", tmp_path, ontology)
    for name in ("en.jsonl", "fr.jsonl", "ar.jsonl", "documents.jsonl"):
        assert (tmp_path / name).read_text() == (repo / "tests/data/corpus" / name).read_text()
    records = read_records([tmp_path])
    assert validate_records(records, ontology, read_documents([tmp_path])) == []
    dataset = load_dataset([tmp_path])
    assert len(dataset) == len(records)
    stats = corpus_stats(records, ontology)
    assert stats["summary"]["en"]["records"] == 24
    assert stats["types"]["air_drone_strike"]["en"]["train"] == 1


def _record(**overrides):
    record = {"id": "r1", "lang": "en", "text": "Police arrested three men in Kano on Friday.", "split": "train",
              "events": [{"type": "arrests", "arguments": [{"role": "actor", "start": 0, "end": 6}]}],
              "_source": "x.jsonl:1"}
    record.update(overrides)
    return record


def test_validator_names_each_bad_record(ontology):
    bad = [
        _record(id="offsets", events=[{"type": "arrests", "arguments": [{"role": "actor", "start": 40, "end": 90}]}]),
        _record(id="type", text="Soldiers detained a journalist in Goma.", events=[{"type": "detention", "arguments": []}]),
        _record(id="role", text="Troops detained a reporter at Bunia airport.", events=[{"type": "arrests", "arguments": [{"role": "victim", "start": 0, "end": 6}]}]),
        _record(id="space", text="Guards seized a lorry full of rifles at the border post.", events=[{"type": "arrests", "arguments": [{"role": "actor", "start": 0, "end": 7}]}]),
        _record(id="lang", lang="ar", text="This sentence is plainly written in English, not Arabic."),
        _record(id="split", split="validation"),
    ]
    problems = validate_records(bad, ontology)
    flagged = {p.record_id for p in problems}
    assert flagged == {"offsets", "type", "role", "space", "lang", "split"}
    assert all(str(p).startswith("x.jsonl:1 [") for p in problems)


def test_validator_finds_duplicates_and_cross_split_near_duplicates(ontology):
    records = [
        _record(id="a", text="Gunmen killed 12 villagers in Zamfara State on Tuesday, police said."),
        _record(id="b", text="Gunmen killed 12 villagers in Zamfara State on Tuesday, police said."),
        _record(id="c", split="test", text="Gunmen killed 40 villagers in Zamfara State on Monday, police said."),
        _record(id="d", split="test", text="A landslide buried part of a mining camp in North Kivu after heavy rain."),
    ]
    for r in records:
        r["events"] = []
    problems = {p.record_id: p.message for p in validate_records(records, ontology)}
    assert "duplicate text" in problems["b"]
    assert "near-duplicate" in problems["c"]
    assert "d" not in problems


def test_cli_validate_exits_non_zero(repo, tmp_path):
    bad = _record(events=[{"type": "arrests", "arguments": [{"role": "actor", "start": 3, "end": 2}]}])
    bad.pop("_source")
    (tmp_path / "bad.jsonl").write_text(json.dumps(bad) + "\n")
    result = subprocess.run([sys.executable, "-m", "flashpoint.cli", "corpus", "validate", str(tmp_path),
                             "--ontology", str(repo / "configs/ontology/conflict.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "bad.jsonl:1 [r1]" in result.stdout


def _write_shard(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def _parallel_shards(root, batches: int = 6):
    """English parallel batches and their French translations, plus an English v1 batch."""
    for n in range(1, batches + 1):
        en = [{"types": ["attack"], "text": f"[actor|Gunmen] killed [target|{n} traders] in [location|Kidal]."},
              {"types": [], "text": f"Advertisement"},
              {"doc_id": f"en-par-{n:02d}-d1", "date": "2025-01-0%d" % n, "title": "Raid",
               "sentences": [{"types": [], "text": "By Staff Reporter"},
                             {"types": ["arrests"], "text": f"[actor|Police] detained [target|{n + 3} men]."}]}]
        fr = [{"types": ["attack"], "text": f"[actor|Des hommes armés] ont tué [target|{n} commerçants] à [location|Kidal]."},
              {"types": [], "text": "Publicité"},
              {"doc_id": f"fr-par-{n:02d}-d1", "date": "2025-01-0%d" % n, "title": "Raid",
               "sentences": [{"types": [], "text": "Par notre correspondant"},
                             {"types": ["arrests"], "text": f"[actor|La police] a interpellé [target|{n + 3} hommes]."}]}]
        _write_shard(root / "en" / f"en-par-{n:02d}.jsonl", en)
        _write_shard(root / "fr" / f"fr-par-{n:02d}.jsonl", fr)
    _write_shard(root / "fr" / "fr-01.jsonl", [{"types": [], "text": "Une phrase sans événement."}] * 1)


def test_translations_take_their_english_source_split_and_boilerplate_is_kept_once(tmp_path, ontology, capsys):
    _parallel_shards(tmp_path / "shards")
    build_corpus(tmp_path / "shards", tmp_path / "corpus", ontology)
    records = read_records([tmp_path / "corpus"])
    split_of = {r["id"]: r["split"] for r in records}
    translated = [r for r in records if r["lang"] == "fr" and "-par-" in r["id"]]
    assert translated and all(split_of["en" + r["id"][2:]] == r["split"] for r in translated)
    assert {r["split"] for r in translated} >= {"train", "test"}
    # "Advertisement" repeated in six batches: one copy kept per language, the drop reported
    assert sum(r["text"] == "Advertisement" for r in records) == 1
    assert sum(r["text"] == "Publicité" for r in records) == 1
    assert "dropped 20" in capsys.readouterr().out  # 5 repeats x (advert + byline) x 2 languages


def test_check_shard_reports_a_translation_that_drifts_from_its_source(tmp_path, ontology):
    from flashpoint.training.corpus.markup import read_shard
    from flashpoint.training.corpus.parallel import alignment_problems

    _parallel_shards(tmp_path / "shards", batches=1)
    source = read_shard(tmp_path / "shards/en/en-par-01.jsonl", "en", ontology)[0]
    lines = [json.loads(l) for l in (tmp_path / "shards/fr/fr-par-01.jsonl").read_text().splitlines()]
    lines[0]["types"] = ["armed_clash"]                               # a type changed
    lines[2]["sentences"][1]["text"] = "[actor|La police] a interpellé des hommes."   # a role lost
    del lines[1]                                                       # a line dropped
    _write_shard(tmp_path / "shards/fr/fr-par-01.jsonl", lines)
    translation = read_shard(tmp_path / "shards/fr/fr-par-01.jsonl", "fr", ontology)[0]
    problems, warnings = alignment_problems(translation, source, "fr-par-01")
    assert any("types ['armed_clash'] differ" in p for p in problems)
    assert any("not translated" in p for p in problems)
    assert any("arrests roles ['actor'] differ" in w for w in warnings)
