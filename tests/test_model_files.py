"""Shipping a model to nodes that lack it: the runtime files of one precision, unpacked once per node."""

from __future__ import annotations

import json

import pytest

import flashpoint
from flashpoint.model_dir import ModelDirError
from flashpoint.model_files import fingerprint, pack_model, runtime_files, unpack_model


def test_a_shipped_model_scores_as_the_original(tiny_model, tmp_path):
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    packed = pack_model(tiny_model, "int8")
    assert sorted(packed) == sorted(["manifest.json", "ontology.yaml", manifest["tokenizer"]["file"],
                                     manifest["onnx"]["int8"]["encoder"], manifest["onnx"]["int8"]["tagger"],
                                     manifest["onnx"]["int8"].get("thresholds", "thresholds.json")])
    assert "model.safetensors" not in packed and manifest["onnx"]["fp32"]["encoder"] not in packed
    copy = unpack_model(packed, tmp_path)
    assert copy == tmp_path / "shipped-models" / fingerprint(packed)
    assert unpack_model(packed, tmp_path) == copy  # a second actor of the node finds it there
    assert [p.name for p in (tmp_path / "shipped-models").iterdir()] == [copy.name]  # no staging folder left
    text = "Gunmen attacked a police post near Gao on Sunday. Police arrested three men in Kano."
    assert flashpoint.load(copy).extract(text).to_dict() == flashpoint.load(tiny_model).extract(text).to_dict()


def test_a_model_without_the_precision_asked_is_refused_before_any_work(tiny_model, tmp_path):
    with pytest.raises(ModelDirError, match="no fp16 ONNX export"):
        runtime_files(tiny_model, "fp16")
    with pytest.raises(ModelDirError, match="not a flashpoint model directory"):
        runtime_files(tmp_path, "int8")
