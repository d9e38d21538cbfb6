"""Int8 export: outlier smoothing is exact in float and rescues int8; thresholds per precision."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

import flashpoint
from flashpoint.tokenization import WindowTokenizer
from flashpoint.training.quantize import calibration_feeds, quantize_graph, smooth_outlier_channels

TEXTS = [
    "Artillery fire hit the northern district overnight, local officials said.",
    "Des manifestants se sont rassemblés devant la préfecture samedi.",
    "Hükümet güçleri köye hava saldırısı düzenledi.",
    "Столкновения продолжились в пригороде в среду утром.",
]


def _run(path: Path, feed: dict) -> list[np.ndarray]:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feed)


@pytest.fixture(scope="module")
def planted(tiny_model, tmp_path_factory) -> tuple[Path, int, str]:
    """The tiny encoder with one LayerNorm output channel made 40x larger, as in real encoders."""
    folder = tmp_path_factory.mktemp("planted")
    model = onnx.load(str(tiny_model / "onnx/encoder.onnx"))
    initializers = {i.name: i for i in model.graph.initializer}
    norm = next(n for n in model.graph.node if n.name == "/layer.0/attention/output/LayerNorm/LayerNormalization")
    channel = 7
    for name in norm.input[1:3]:  # gamma, beta
        values = numpy_helper.to_array(initializers[name]).copy()
        values[channel] *= 40.0
        values[channel] += 40.0 if name == norm.input[2] else 0.0
        initializers[name].CopyFrom(numpy_helper.from_array(values, name))
    path = folder / "encoder.onnx"
    onnx.save(model, str(path))
    return path, channel, norm.output[0]


def test_smoothing_finds_the_outlier_channel_and_keeps_float_outputs(planted, tiny_model, tmp_path):
    path, channel, _ = planted
    tokenizer = WindowTokenizer(tiny_model / "tokenizer.json", 128, 32)
    feeds = calibration_feeds(tokenizer, TEXTS * 4)
    smoothed = tmp_path / "smoothed.onnx"
    report = smooth_outlier_channels(path, smoothed, feeds)
    found = [r for r in report if any(name.startswith("/layer.0/intermediate/") for name in r["input_of"])]
    assert found and channel in found[0]["channels"]
    for before, after in zip(_run(path, feeds[0]), _run(smoothed, feeds[0])):
        np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-3)


def test_smoothing_makes_int8_closer_to_float(planted, tiny_model, tmp_path):
    path, _, _ = planted
    tokenizer = WindowTokenizer(tiny_model / "tokenizer.json", 128, 32)
    feeds = calibration_feeds(tokenizer, TEXTS * 4)
    plain, smoothed, smoothed_int8 = tmp_path / "plain.int8.onnx", tmp_path / "smoothed.onnx", tmp_path / "smoothed.int8.onnx"
    quantize_graph(path, plain)
    smooth_outlier_channels(path, smoothed, feeds)
    quantize_graph(smoothed, smoothed_int8)
    reference = _run(path, feeds[0])[1]
    error_plain = np.abs(_run(plain, feeds[0])[1] - reference).mean()
    error_smoothed = np.abs(_run(smoothed_int8, feeds[0])[1] - reference).mean()
    assert error_smoothed < 0.7 * error_plain, (error_smoothed, error_plain)


def test_each_precision_serves_with_its_own_thresholds(tiny_model, tmp_path):
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    assert manifest["onnx"]["int8"]["thresholds"] == "thresholds.int8.json"
    copy = tmp_path / "model"
    shutil.copytree(tiny_model, copy)
    types = manifest["labels"]["types"]
    (copy / "thresholds.int8.json").write_text(json.dumps({t: 0.91 for t in types}))
    (copy / "thresholds.json").write_text(json.dumps({t: 0.12 for t in types}))
    assert np.allclose(flashpoint.load(copy, precision="int8").pipeline.thresholds, 0.91)
    assert np.allclose(flashpoint.load(copy, precision="fp32").pipeline.thresholds, 0.12)


def test_fixed_activation_scales_make_a_window_independent_of_its_batch(tiny_model, tmp_path):
    """Dynamic int8 rounds a window by the range of its whole batch; fixed scales do not."""
    from flashpoint.tokenization import pad_batch
    from flashpoint.training.quantize import freeze_activation_scales

    tokenizer = WindowTokenizer(tiny_model / "tokenizer.json", 128, 32)
    dynamic, frozen = tmp_path / "dynamic.onnx", tmp_path / "frozen.onnx"
    quantize_graph(tiny_model / "onnx/encoder.onnx", dynamic)
    assert freeze_activation_scales(dynamic, frozen, calibration_feeds(tokenizer, TEXTS * 4)) > 0
    windows = [w for ws in tokenizer.encode([TEXTS[0], " ".join(TEXTS) * 3]) for w in ws]
    alone = dict(zip(["input_ids", "attention_mask"], pad_batch(windows[:1])))
    ids, mask = pad_batch(windows)
    together = {"input_ids": ids, "attention_mask": mask}
    length = alone["input_ids"].shape[1]

    def first_window(path: Path, feed: dict) -> np.ndarray:
        logits, states = _run(path, feed)
        return np.concatenate([logits[0], states[0, :length].ravel()])

    assert not np.array_equal(first_window(dynamic, alone), first_window(dynamic, together))  # the fault, seen
    np.testing.assert_allclose(first_window(frozen, together), first_window(frozen, alone), rtol=0, atol=1e-5)
    ops = {node.op_type for node in onnx.load(str(frozen)).graph.node}
    assert "DynamicQuantizeLinear" not in ops and "QuantizeLinear" in ops


def test_fixed_scale_products_run_as_fused_kernels_with_the_same_results(tiny_model, tmp_path):
    """Fixed scales stop ONNX Runtime fusing MatMulInteger -> Cast -> Mul -> Add; the export fuses them itself."""
    from flashpoint.tokenization import pad_batch
    from flashpoint.training.quantize import freeze_activation_scales

    tokenizer = WindowTokenizer(tiny_model / "tokenizer.json", 128, 32)
    dynamic, fused, separate = tmp_path / "dynamic.onnx", tmp_path / "fused.onnx", tmp_path / "separate.onnx"
    quantize_graph(tiny_model / "onnx/encoder.onnx", dynamic)
    feeds = calibration_feeds(tokenizer, TEXTS * 4)
    freeze_activation_scales(dynamic, fused, feeds)
    freeze_activation_scales(dynamic, separate, feeds, fuse=False)
    separate_ops = [node.op_type for node in onnx.load(str(separate)).graph.node]
    fused_ops = [node.op_type for node in onnx.load(str(fused)).graph.node]
    assert separate_ops.count("MatMulInteger") > 0
    assert fused_ops.count("MatMulIntegerToFloat") == separate_ops.count("MatMulInteger")
    assert "MatMulInteger" not in fused_ops
    assert separate_ops.count("Cast") - fused_ops.count("Cast") == separate_ops.count("MatMulInteger")
    assert fused_ops.count("QuantizeLinear") == separate_ops.count("QuantizeLinear")
    ids, mask = pad_batch([w for ws in tokenizer.encode(TEXTS) for w in ws])
    feed = {"input_ids": ids, "attention_mask": mask}
    for fused_output, separate_output in zip(_run(fused, feed), _run(separate, feed)):
        np.testing.assert_allclose(fused_output, separate_output, rtol=0, atol=1e-5)
