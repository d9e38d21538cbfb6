"""The command line never leaves a user stuck: one short error line for every mistake in
every command, the model found through FLASHPOINT_MODEL, a progress bar with a total, and
``show`` reading every output format with filters."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flashpoint.input_size import count_records
from flashpoint.readers import read_inputs
from flashpoint.writers import encode_chunk, merge_parquet_parts, write_parquet_part

REPO = Path(__file__).resolve().parents[1]


def _cli(*arguments: str, cwd: Path | None = None, env: dict | None = None, stdin: str | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "FLASHPOINT_MODEL"}  # only what a test sets
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "flashpoint.cli", *arguments], capture_output=True, text=True,
                          cwd=cwd, env=environment, input=stdin)


def _assert_one_error_line(result, expected: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0], lines[0]


# -- configs ---------------------------------------------------------------------------------
def test_malformed_yaml_is_one_line_with_its_position_and_nothing_is_created(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("seed: 3\ntraining:\n  epochs: 2\n   batch_size: 4\n", encoding="utf-8")
    result = _cli("train", str(config), "-o", str(tmp_path / "model"))
    _assert_one_error_line(result, f"{config}:4:14: invalid YAML: mapping values are not allowed here")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


MISTAKES = {
    "train: missing config": (["train", "{tmp}/none.yaml", "-o", "{tmp}/m"], "config {tmp}/none.yaml does not exist"),
    "train: unknown key": (["train", "{tmp}/typo.yaml", "-o", "{tmp}/m"], "training.epoch: unknown key"),
    "train: bad override": (["train", "{repo}/configs/tiny.yaml", "-o", "{tmp}/m", "--set", "training.epochs"],
                            "must look like section.key=value"),
    "train: missing corpus": (["train", "{repo}/configs/tiny.yaml", "-o", "{tmp}/m", "--set",
                               "data.corpus=[{tmp}/no-corpus]", "--set", "ontology={repo}/configs/ontology/conflict.yaml"],
                              "corpus path {tmp}/no-corpus does not exist"),
    "train: wrong base model": (["train", "{repo}/configs/tiny.yaml", "-o", "{tmp}/m", "--set", "model.base={tmp}",
                                 "--set", "ontology={repo}/configs/ontology/conflict.yaml"],
                                "model.base: {tmp} is neither"),
    "score: missing input": (["score", "{tmp}/none.jsonl", "-o", "{tmp}/o.jsonl", "-m", "{model}"],
                             "input {tmp}/none.jsonl does not exist"),
    "score: wrong model directory": (["score", "{tmp}/typo.yaml", "-o", "{tmp}/o.jsonl", "-m", "{tmp}"],
                                     "{tmp}/typo.yaml: unknown input format"),
    "score: model without manifest": (["score", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "-m", "{tmp}"],
                                      "{tmp} is not a flashpoint model directory (no manifest.json)"),
    "score: no such precision": (["score", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "-m", "{model}", "--precision", "fp16"],
                                 "has no fp16 ONNX export"),
    "score: records and normalise together": (["score", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "-m", "{model}",
                                                "--records", "--normalise"], "choose --records"),
    "score: normalise into CSV": (["score", "{tmp}/in.jsonl", "-o", "{tmp}/o.csv", "-m", "{model}", "--normalise"],
                                  "--normalise extends the JSONL score contract"),
    "score: normalise into CSV on ray": (["score", "{tmp}/in.jsonl", "-o", "{tmp}/o.csv", "-m", "{model}", "--engine",
                                          "ray", "--normalise"], "--normalise extends the JSONL score contract"),
    "score: records and normalise on ray": (["score", "{tmp}/in.jsonl", "-o", "{tmp}/o.jsonl", "-m", "{model}",
                                             "--engine", "ray", "--records", "--normalise"], "choose --records"),
    "extract: wrong model directory": (["extract", "text", "-m", "{tmp}/nowhere"],
                                       "{tmp}/nowhere is not a flashpoint model directory"),
    "show: missing file": (["show", "{tmp}/none.jsonl"], "{tmp}/none.jsonl does not exist"),
    "show: not a score output": (["show", "{tmp}/in.jsonl"], "{tmp}/in.jsonl:1: not a `flashpoint score` record"),
    "show: unknown format": (["show", "{tmp}/typo.yaml"], "unknown output format"),
    "evaluate: wrong model directory": (["evaluate", "{tmp}", "{repo}/tests/data/corpus"],
                                        "{tmp} is not a flashpoint model directory"),
    "evaluate: missing corpus": (["evaluate", "{model}", "{tmp}/no-corpus"], "corpus path {tmp}/no-corpus does not exist"),
    "export: wrong model directory": (["export", "{tmp}/nowhere"], "{tmp}/nowhere"),
    "model-card: no metrics": (["model-card", "{tmp}", "--card", "{tmp}/card.md"], "{tmp}/metrics.json"),
    "corpus validate: missing path": (["corpus", "validate", "{tmp}/nowhere"], "corpus path {tmp}/nowhere does not exist"),
    "corpus stats: missing path": (["corpus", "stats", "{tmp}/nowhere"], "corpus path {tmp}/nowhere does not exist"),
}


@pytest.mark.parametrize("case", list(MISTAKES))
def test_every_user_mistake_is_one_error_line(tiny_model, tmp_path, case):
    (tmp_path / "typo.yaml").write_text("training:\n  epoch: 2\n", encoding="utf-8")
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "1", "text": "Gunmen attacked Gao."}) + "\n")
    arguments, expected = MISTAKES[case]
    values = {"tmp": str(tmp_path), "repo": str(REPO), "model": str(tiny_model)}
    result = _cli(*[a.format(**values) for a in arguments])
    _assert_one_error_line(result, expected.format(**values))
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.partial").exists()
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "o.jsonl.checkpoint.json").exists()


def test_the_debug_variable_shows_the_traceback(tmp_path):
    result = _cli("show", str(tmp_path / "none.jsonl"), env={"FLASHPOINT_DEBUG": "1"})
    assert result.returncode != 0 and "Traceback" in result.stderr and "UserError" in result.stderr


# -- training's output directory ------------------------------------------------------------------
def test_train_refuses_a_directory_it_did_not_make_before_any_work(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = _cli("train", str(REPO / "configs/tiny.yaml"), "-o", str(mine))
    _assert_one_error_line(result, f"{mine} exists and is not a flashpoint model directory; refusing to replace it")
    partial = tmp_path / "model.partial"
    partial.mkdir()
    (partial / "draft.txt").write_text("keep me too")
    result = _cli("train", str(REPO / "configs/tiny.yaml"), "-o", str(tmp_path / "model"))
    _assert_one_error_line(result, f"{partial} exists and was not made by `flashpoint train`")
    assert (mine / "notes.txt").read_text() == "keep me" and (partial / "draft.txt").read_text() == "keep me too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "model.partial"]


def test_staging_replaces_only_what_training_made(tmp_path):
    from flashpoint.training.staging import MARKER, DestinationError, create_staging, publish_model

    output = tmp_path / "model"
    output.mkdir()
    (output / "manifest.json").write_text(json.dumps({"format": "flashpoint-model"}))
    (output / "old.bin").write_text("old")
    killed = tmp_path / "model.partial"  # a killed run's staging: marked, so it may go
    killed.mkdir()
    (killed / MARKER).write_text("made by flashpoint train")
    (killed / "half.bin").write_text("half")
    staging = create_staging(output)
    assert sorted(p.name for p in staging.iterdir()) == [MARKER]
    (staging / "manifest.json").write_text(json.dumps({"format": "flashpoint-model", "new": True}))
    assert publish_model(staging, output) == output
    assert sorted(p.name for p in output.iterdir()) == ["manifest.json"]
    assert json.loads((output / "manifest.json").read_text())["new"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    (output / "manifest.json").write_text("{}")  # no longer a flashpoint model: never replaced
    with pytest.raises(DestinationError, match="not a flashpoint model directory"):
        create_staging(output)
    assert not killed.exists()


# -- the model, found without --model --------------------------------------------------------
def test_the_model_is_found_through_the_environment_outside_the_repository(tiny_model, tmp_path):
    text = "Gunmen attacked a police post near Gao on Sunday."
    found = _cli("extract", text, cwd=tmp_path, env={"FLASHPOINT_MODEL": str(tiny_model)})
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["id"] == "0"
    missing = _cli("extract", text, cwd=tmp_path)
    _assert_one_error_line(missing, "no model given and none found at ./models/default: pass --model DIR or set "
                                    "FLASHPOINT_MODEL=DIR")
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "a", "text": text}) + "\n")
    scored = _cli("score", "in.jsonl", "-o", "out.jsonl", "--no-progress", cwd=tmp_path,
                  env={"FLASHPOINT_MODEL": str(tiny_model)})
    assert scored.returncode == 0, scored.stderr
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == "a"


# -- progress -------------------------------------------------------------------------------------
def test_input_records_are_counted_for_the_progress_total(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b'{"id": 1}\n\n{"id": 2}')  # a blank line is a record (an error line), no final newline
    packed = tmp_path / "b.jsonl.gz"
    with gzip.open(packed, "wb") as handle:
        handle.write(b'{"id": 3}\n{"id": 4}\n')
    table = tmp_path / "c.csv"
    table.write_text('id,text\n1,"two\nlines"\n2,plain\n', encoding="utf-8")
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    for name in ("x.txt", "sub/y.txt", "z.md", "sub/w.html"):
        (folder / name).write_text("text")
    page = tmp_path / "page.htm"
    page.write_text("<html><body><p>text</p></body></html>")
    assert count_records([plain]) == 3 and count_records([packed]) == 2 and count_records([table]) == 2
    assert count_records([folder]) == 3 == sum(1 for _ in read_inputs([folder]))  # as many as the reader yields
    assert count_records([page]) == 1
    assert count_records([plain, packed, table, folder, page]) == 11
    warc = tmp_path / "d.warc.gz"
    warc.write_bytes(b"")
    assert count_records([plain, warc]) is None  # WARC records are not counted: no total, no ETA
    broken = tmp_path / "e.jsonl.gz"
    broken.write_bytes(b"not gzip")
    assert count_records([broken]) is None


def test_the_progress_bar_shows_the_total(tiny_model, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": str(i), "text": f"Gunmen attacked Gao, report {i}."}) + "\n"
                              for i in range(5)))
    result = _cli("score", str(source), "-o", str(tmp_path / "out.jsonl"), "-m", str(tiny_model), "--chunk-size", "2")
    assert result.returncode == 0, result.stderr
    assert "5/5" in result.stderr and "scoring: 100%" in result.stderr


# -- show ---------------------------------------------------------------------------------------------
def _event(kind: str, score: float, index: int, sentence: str, **roles: list[str]) -> dict:
    arguments = {role: [] for role in ("actor", "target", "location", "time", "fatalities")}
    for role, texts in roles.items():
        arguments[role] = [{"text": t, "start": 0, "end": len(t), "score": 0.9} for t in texts]
    return {"type": kind, "score": score, "sentence_index": index, "sentence": sentence, "trigger": None,
            "arguments": arguments}


DOCUMENTS = [
    {"id": "a1", "status": "ok", "lang": "en", "date": "2025-03-01", "event_types": {},
     "events": [_event("armed_clash", 0.91, 0, "Troops clashed with militants near Gao.",
                       actor=["Troops"], target=["militants"], location=["Gao"]),
                _event("arrests", 0.42, 2, "Police later arrested two men.", actor=["Police"], target=["two men"])]},
    {"id": "f2", "status": "ok", "lang": "fr", "event_types": {},
     "events": [_event("abduction_forced_disappearance", 0.77, 1, "Des hommes armés ont enlevé six commerçants.",
                       actor=["Des hommes armés"], target=["six commerçants"])]},
    {"id": "e3", "status": "ok", "lang": "en", "event_types": {}, "events": []},
    {"id": "bad", "status": "error", "error": "in.jsonl:4: invalid JSON", "lang": None, "event_types": {}, "events": []},
]


@pytest.fixture()
def outputs(tmp_path) -> dict[str, Path]:
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_bytes(encode_chunk(DOCUMENTS, "jsonl", with_header=False))
    table = tmp_path / "out.csv"
    table.write_bytes(encode_chunk(DOCUMENTS, "csv", with_header=True))
    part = tmp_path / "part.parquet"
    write_parquet_part(DOCUMENTS, part)
    merge_parquet_parts([part], tmp_path / "out.parquet")
    return {"jsonl": jsonl, "csv": table, "parquet": tmp_path / "out.parquet"}


EVERYTHING = """\
# a1 (en, 2025-03-01): 2 events
  - armed_clash  score 0.91 sentence 0
      \u201cTroops clashed with militants near Gao.\u201d
      actor:      Troops
      target:     militants
      location:   Gao
  - arrests  score 0.42 sentence 2
      \u201cPolice later arrested two men.\u201d
      actor:      Police
      target:     two men

# f2 (fr): 1 event
  - abduction_forced_disappearance  score 0.77 sentence 1
      \u201cDes hommes armés ont enlevé six commerçants.\u201d
      actor:      Des hommes armés
      target:     six commerçants

# e3 (en): 0 events

# bad: ERROR in.jsonl:4: invalid JSON

"""


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_show_prints_every_format_the_same_way(outputs, kind):
    result = _cli("show", str(outputs[kind]))
    assert result.returncode == 0, result.stderr
    assert result.stdout == EVERYTHING
    assert "4 of 4 documents shown, 3 events" in result.stderr


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize(("filters", "expected"), [
    (["--type", "arrests"], {"a1": ["arrests"]}),
    (["--type", "arrests", "--type", "abduction_forced_disappearance"], {"a1": ["arrests"], "f2": ["abduction_forced_disappearance"]}),
    (["--min-score", "0.5"], {"a1": ["armed_clash"], "f2": ["abduction_forced_disappearance"]}),
    (["--lang", "fr"], {"f2": ["abduction_forced_disappearance"]}),
    (["--lang", "en"], {"a1": ["armed_clash", "arrests"], "e3": []}),
    (["--lang", "en", "--min-score", "0.9"], {"a1": ["armed_clash"]}),
    (["--min-score", "0.95"], {}),
    (["--limit", "1"], {"a1": ["armed_clash", "arrests"]}),
])
def test_show_filters_by_type_language_and_score(outputs, kind, filters, expected):
    result = _cli("show", str(outputs[kind]), *filters)
    assert result.returncode == 0, result.stderr
    shown: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("# "):
            current = line[2:].split(" ")[0].rstrip(":")
            shown[current] = []
        elif line.startswith("  - "):
            shown[current].append(line[4:].split()[0])
    assert shown == expected


def test_jsonl_records_stay_one_line_whatever_characters_they_carry():
    """A corrupt WARC's error quotes bytes read as Latin-1 (NEL, U+2028): splitlines() must not cut the record."""
    documents = [{"id": "a", "status": "error", "error": "first line: GARBAGE\x85\u2028\u2029\x1c end"},
                 {"id": "b", "status": "ok"}]
    encoded = encode_chunk(documents, "jsonl", with_header=False).decode("utf-8")
    assert [json.loads(line) for line in encoded.splitlines()] == documents
