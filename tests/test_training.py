"""Training end to end on the tiny model: directory contents, metrics, determinism."""

from __future__ import annotations

import json

from flashpoint.training.train import train


def test_model_directory_is_self_contained(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"manifest.json", "config.yaml", "ontology.yaml", "tokenizer.json", "thresholds.json",
            "model.safetensors", "encoder_config.json", "metrics.json", "training_log.jsonl",
            "confusion_test.png", "onnx"} <= names
    assert not list(tiny_model.rglob("*.bin")) and not list(tiny_model.rglob("*.pt")) and not list(tiny_model.rglob("*.pkl"))
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    assert manifest["labels"]["types"][0] == "armed_clash" and len(manifest["labels"]["types"]) == 30
    assert set(manifest["onnx"]) == {"fp32", "int8"}
    thresholds = json.loads((tiny_model / "thresholds.json").read_text())
    assert set(thresholds) == set(manifest["labels"]["types"])
    assert all(0 < t < 1 for t in thresholds.values())


def test_metrics_report_types_arguments_and_languages(tiny_model):
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    test = metrics["test"]["int8"]
    assert {"micro", "macro", "weighted", "per_type"} <= set(test["types"])
    assert set(test["arguments"]["end_to_end"]["exact"]) == {"actor", "target", "location", "time", "fatalities", "all"}
    assert set(test["by_language"]) == {"en", "fr", "ar"}
    assert metrics["test"]["fp32"]["n_records"] == test["n_records"] > 0


def test_same_config_and_seed_give_same_metrics(tiny_model, tiny_config, tmp_path):
    again = train(tiny_config, tmp_path / "again", progress=False)
    first = json.loads((tiny_model / "metrics.json").read_text())
    second = json.loads((again / "metrics.json").read_text())
    assert first["dev"] == second["dev"] and first["test"] == second["test"]
    log = [json.loads(line) for line in (again / "training_log.jsonl").read_text().splitlines()]
    assert any("dev_score" in entry for entry in log)
