"""Same document, same output: whatever its batch, chunk size, worker count or entry point.

The default precision is int8, whose activation scales used to be taken per batch;
these tests run the tiny model's int8 graphs (checked below) and every other way in.
"""

from __future__ import annotations

import inspect
import json
import random
import shutil
from pathlib import Path

import onnx
import pytest

import flashpoint
import flashpoint.runtime
from flashpoint.scoring import score_archive


def _documents(repo: Path) -> list[dict]:
    """80 documents of 1 to 6 corpus sentences in four languages, one with a sentence long
    enough to be cut into several windows, so batches mix lengths, languages and padding."""
    records = [json.loads(line) for path in sorted((repo / "tests/data/corpus").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    sentences = [r["text"] for r in records if "text" in r and r.get("lang") in ("en", "fr", "ar")]
    pick = random.Random(13)
    documents = []
    for number in range(79):
        chosen = pick.sample(sentences, pick.randint(1, 6))
        documents.append({"id": f"d{number:02d}", "text": pick.choice([" ", "\n"]).join(chosen)})
    long_sentence = ", ".join(s.rstrip(".") for s in sentences if s.isascii())[:3000] + "."
    documents.insert(40, {"id": "long", "text": long_sentence})
    return documents


def _comparable(record: dict) -> dict:
    return {key: record[key] for key in ("id", "status", "lang", "event_types", "events")}


@pytest.fixture(scope="module")
def documents(repo) -> list[dict]:
    return _documents(repo)


@pytest.fixture(scope="module")
def alone(extractor, documents) -> list[dict]:
    """Each document scored on its own: the reference every other way must match."""
    return [_comparable(extractor.extract(d["text"], id=d["id"]).to_dict()) for d in documents]


def test_the_default_precision_is_int8_with_fixed_activation_scales(tiny_model):
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    assert inspect.signature(flashpoint.runtime.load).parameters["precision"].default == "int8"
    assert manifest["onnx"]["int8"]["activations"] == "calibrated"
    assert inspect.signature(score_archive).parameters["precision"].default == "int8"
    for name in ("encoder", "tagger"):
        ops = {node.op_type for node in onnx.load(str(tiny_model / manifest["onnx"]["int8"][name])).graph.node}
        # integer products, fused with their fixed scales (see training/int8_fusion.py)
        assert "MatMulIntegerToFloat" in ops and "QuantizeLinear" in ops
        assert "DynamicQuantizeLinear" not in ops and "MatMulInteger" not in ops


def test_the_documents_have_events_and_a_windowed_sentence(alone, extractor):
    # otherwise the comparisons below would compare little
    assert sum(len(record["events"]) for record in alone) >= 20
    assert extractor.pipeline.windowed_sentences >= 1


@pytest.mark.parametrize("batch_size", [1, 16, 64])
def test_extract_many_matches_extract_alone(extractor, documents, alone, batch_size):
    batched = [_comparable(r.to_dict()) for r in extractor.extract_many(documents, batch_size=batch_size)]
    assert batched == alone


@pytest.mark.parametrize("window_batch", [1, 7, 64])
def test_window_batch_size_does_not_change_output(tiny_model, documents, alone, window_batch):
    extractor = flashpoint.load(tiny_model, batch_size=window_batch)
    assert [_comparable(r.to_dict()) for r in extractor.extract_many(documents, batch_size=64)] == alone


@pytest.mark.parametrize(("chunk_size", "workers"), [(1, 1), (16, 1), (64, 1), (1, 2), (16, 2), (64, 2)])
def test_score_matches_extract_alone(tiny_model, documents, alone, tmp_path, chunk_size, workers):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    score_archive([source], out, tiny_model, workers=workers, chunk_size=chunk_size, progress=False)
    scored = [_comparable(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()]
    assert scored == alone


def test_int8_graphs_with_per_batch_scales_are_named_when_loaded(tiny_model, tmp_path, caplog):
    copy = tmp_path / "older"
    shutil.copytree(tiny_model, copy)
    with caplog.at_level("WARNING", logger="flashpoint.model_dir"):
        flashpoint.load(copy)
    assert "activation scales per batch" not in caplog.text
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["onnx"]["int8"]["activations"]  # as written before scales were fixed
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level("WARNING", logger="flashpoint.model_dir"):
        flashpoint.load(copy)
    assert f"{copy}: its int8 graphs take activation scales per batch" in caplog.text
    with caplog.at_level("WARNING", logger="flashpoint.model_dir"):
        caplog.clear()
        flashpoint.load(copy, precision="fp32")
    assert "activation scales per batch" not in caplog.text
