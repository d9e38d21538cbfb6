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
    assert first["test"] == second["test"] and first["quantisation"] == second["quantisation"]
    log = [json.loads(line) for line in (again / "training_log.jsonl").read_text().splitlines()]
    first_log = [json.loads(line) for line in (tiny_model / "training_log.jsonl").read_text().splitlines()]
    dev_scores = [entry["dev_score"] for entry in log if "dev_score" in entry]
    assert dev_scores and dev_scores == [entry["dev_score"] for entry in first_log if "dev_score" in entry]
    assert (again / "thresholds.json").read_text() == (tiny_model / "thresholds.json").read_text()


def test_evaluate_command_prints_and_writes_metrics(tiny_model, repo, tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "flashpoint.cli", "evaluate", str(tiny_model), str(repo / "tests/data/corpus"),
         "--split", "test", "-o", str(tmp_path)], capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "micro avg" in result.stdout and "by language" in result.stdout
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["n_records"] == 8
    assert (tmp_path / "confusion.png").stat().st_size > 10_000


def test_model_card_block_is_generated_from_metrics(tiny_model, tmp_path):
    from flashpoint.training.model_card import BEGIN, END, update_model_card

    card = tmp_path / "card.md"
    card.write_text("# Card\n\nprose stays\n")
    update_model_card(tiny_model, card)
    update_model_card(tiny_model, card)  # idempotent: the block is replaced, not appended
    text = card.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1 and "prose stays" in text
    test = json.loads((tiny_model / "metrics.json").read_text())["test"]["int8"]
    assert f"| ONNX int8 | {test['types']['micro']['f1']:.3f} |" in text
