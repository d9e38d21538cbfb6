"""Int8 quantisation of the exported graphs, chosen on dev, never silently lossy.

Each weight matrix is stored in 8 bits (per output channel) and each activation
tensor is rounded to 8 bits *as a whole*, with one scale. That scale is fixed at
export from the range the tensor takes on calibration windows of the training split
(:func:`freeze_activation_scales`), never taken from the batch being run: with a
per-batch scale, a document's scores depended on what it was batched with.
One scale per tensor is also what hurts accuracy: in this encoder (like most
BERT-style models) one or two hidden channels carry values 3-13x larger than every
other channel (seen in the 12-layer model: channel 35 of a LayerNorm output reaches
43 where the rest stay under 10; one GELU output channel reaches 69 where the rest
stay under 6). The scale then spends most of the 256 levels on those few channels.

``outlier-smoothed`` fixes this the SmoothQuant way, restricted to the outlier
channels: on calibration windows from the training split it finds, for every
weight MatMul, the input channels whose peak exceeds ``OUTLIER_FACTOR`` x the
median channel peak; it divides those channels down to the peak of the others
(one elementwise Mul before the MatMul) and multiplies the matching weight rows
up by the same factor, so the float result is unchanged and the int8 one keeps
its resolution. Every MatMul, feed-forward included, then runs in int8.

Plans are tried from the most to the least compressed; the first whose dev
scores stay within ``max_drop`` of fp32 is kept. Each precision is scored with
per-type thresholds tuned on its own dev scores (the int8 model ships them in
``thresholds.int8.json``): rounding shifts probabilities a little, and a
threshold tuned for fp32 scores is not the right one for int8 scores. The test
split, never used for any choice, then reports both precisions in metrics.json.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from flashpoint.model_dir import CALIBRATED_ACTIVATIONS
from flashpoint.training.int8_fusion import fuse_integer_matmuls
from flashpoint.tokenization import WindowTokenizer, pad_batch

logger = logging.getLogger(__name__)

OUTLIER_FACTOR = 6.0
MAX_OUTLIERS_PER_INPUT = 8
CALIBRATION_TEXTS = 512

# From most to least compressed. ``keep_float``: name fragments of weight MatMuls
# left in float; activation x activation MatMuls (attention scores) always stay float.
QUANTISATION_PLANS: tuple[dict, ...] = (
    {"name": "outlier-smoothed", "smooth_outliers": True, "keep_float": ()},
    {"name": "all-weights", "smooth_outliers": False, "keep_float": ()},
    {"name": "float-ffn-output", "smooth_outliers": False, "keep_float": ("/output/dense/",)},
    {"name": "attention-only", "smooth_outliers": False, "keep_float": ("/output/dense/", "/intermediate/")},
)

Feeds = list[dict[str, np.ndarray]]


def calibration_feeds(tokenizer: WindowTokenizer, texts: list[str], batch_size: int = 32) -> Feeds:
    """Encoder inputs for calibration: length-sorted batches, as the runtime builds them."""
    windows = sorted((w for ws in tokenizer.encode(texts) for w in ws), key=lambda w: len(w.ids))
    feeds = []
    for begin in range(0, len(windows), batch_size):
        ids, mask = pad_batch(windows[begin : begin + batch_size])
        feeds.append({"input_ids": ids, "attention_mask": mask})
    return feeds


def training_calibration_feeds(tokenizer: WindowTokenizer, train_records: list[dict], seed: int) -> Feeds:
    """Calibration batches from a seeded sample of the training split (never dev or test)."""
    texts = [r["text"] for r in train_records]
    return calibration_feeds(tokenizer, random.Random(seed).sample(texts, min(CALIBRATION_TEXTS, len(texts))))


def _weight_matmuls(model) -> tuple[dict[str, list], dict]:
    """MatMuls whose second input is a stored weight, grouped by their activation input."""
    initializers = {i.name: i for i in model.graph.initializer}
    groups: dict[str, list] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in initializers and node.input[0] not in initializers:
            groups.setdefault(node.input[0], []).append(node)
    return groups, initializers


def channel_peaks(path: Path, feeds: Feeds, tensors: Iterable[str]) -> dict[str, np.ndarray]:
    """Per-channel max |value| of ``tensors`` over the calibration batches (fp32 graph)."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    tensors = list(tensors)
    known = {output.name for output in model.graph.output}
    for name in tensors:
        if name not in known:
            model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep every tensor observable
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    peaks: dict[str, np.ndarray] = {}
    for feed in feeds:
        values = dict(zip(names, session.run(None, feed)))
        for name in tensors:
            peak = np.abs(values[name]).reshape(-1, values[name].shape[-1]).max(axis=0)
            peaks[name] = np.maximum(peaks[name], peak) if name in peaks else peak
    return peaks


def smooth_outlier_channels(source: Path, target: Path, feeds: Feeds) -> list[dict]:
    """Write ``target``: ``source`` with outlier input channels scaled down, weights up.

    Returns one record per smoothed MatMul input (channels and factors), for the log.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    groups, initializers = _weight_matmuls(model)
    peaks = channel_peaks(source, feeds, groups)
    nodes = list(model.graph.node)
    inserts: list[tuple[int, object]] = []
    report: list[dict] = []
    for tensor, matmuls in groups.items():
        peak = peaks[tensor]
        candidates = np.argsort(peak)[::-1][:MAX_OUTLIERS_PER_INPUT]
        outliers = np.sort(candidates[peak[candidates] > OUTLIER_FACTOR * np.median(peak)])
        if not len(outliers):
            continue
        factors = np.ones_like(peak, dtype=np.float32)
        factors[outliers] = peak[outliers] / np.delete(peak, outliers).max()
        scale = numpy_helper.from_array((1.0 / factors).astype(np.float32), f"{tensor}/outlier_scale")
        model.graph.initializer.append(scale)
        scaled = f"{tensor}/outliers_scaled"
        first = min(nodes.index(m) for m in matmuls)
        inserts.append((first, onnx.helper.make_node("Mul", [tensor, scale.name], [scaled], name=f"{tensor}/outlier_scale_mul")))
        for matmul in matmuls:
            weight = initializers[matmul.input[1]]
            rows = numpy_helper.to_array(weight) * factors[:, None]
            weight.CopyFrom(numpy_helper.from_array(rows.astype(np.float32), weight.name))
            matmul.input[0] = scaled
        report.append({"input_of": [m.name for m in matmuls], "channels": outliers.tolist(),
                       "factors": np.round(factors[outliers], 2).tolist()})
    for index, node in sorted(inserts, key=lambda item: -item[0]):
        model.graph.node.insert(index, node)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return report


def tensor_ranges(path: Path, feeds: Feeds, tensors: list[str]) -> dict[str, tuple[float, float]]:
    """(min, max) of each of ``tensors`` over the calibration batches, both widened to include 0.

    Padding positions are included: they are quantised at run time too (and masked
    out of every real token's result), so their values must not overflow either.
    """
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    known = {output.name for output in model.graph.output}
    for name in tensors:
        if name not in known:
            model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep every tensor observable
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    low = dict.fromkeys(tensors, 0.0)
    high = dict.fromkeys(tensors, 0.0)
    for feed in feeds:
        values = dict(zip(names, session.run(None, feed)))
        for name in tensors:
            low[name] = min(low[name], float(values[name].min()))
            high[name] = max(high[name], float(values[name].max()))
    return {name: (low[name], high[name]) for name in tensors}


def freeze_activation_scales(source: Path, target: Path, feeds: Feeds, fuse: bool = True) -> int:
    """Write ``target``: the dynamic int8 graph ``source`` with fixed activation scales.

    Dynamic quantisation (``DynamicQuantizeLinear``) takes one scale per activation
    tensor *per call*, from the min and max of the whole batch: a window's scores then
    depend on which other windows (of other documents, padded to which length) share
    its batch, so the same document scored differently alone, in a batch, with another
    chunk size, or through ``extract`` and ``score``. Here each ``DynamicQuantizeLinear``
    becomes a ``QuantizeLinear`` whose scale and zero point are fixed from the range the
    tensor takes over the calibration batches (training text, after outlier smoothing):
    every window is then rounded the same way whatever its batch. Values outside the
    calibrated range saturate. The integer products are then written as fused kernels
    (:func:`~flashpoint.training.int8_fusion.fuse_integer_matmuls`), which fixed scales
    would otherwise cost (``fuse=False`` keeps them apart, to compare). Returns the
    number of tensors frozen.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    dynamic = [n for n in model.graph.node if n.op_type == "DynamicQuantizeLinear"]
    ranges = tensor_ranges(source, feeds, [n.input[0] for n in dynamic])
    for node in dynamic:
        low, high = ranges[node.input[0]]
        scale = np.float32((high - low) / 255.0) if high > low else np.float32(1.0)
        zero_point = np.uint8(np.clip(np.round(-low / scale), 0, 255))
        quantized, scale_name, zero_point_name = node.output
        model.graph.initializer.extend([numpy_helper.from_array(np.array(scale, dtype=np.float32), scale_name),
                                        numpy_helper.from_array(np.array(zero_point, dtype=np.uint8), zero_point_name)])
        static = onnx.helper.make_node("QuantizeLinear", [node.input[0], scale_name, zero_point_name], [quantized],
                                       name=f"{node.name}/static")
        index = list(model.graph.node).index(node)
        model.graph.node.remove(node)
        model.graph.node.insert(index, static)
    if fuse:
        fuse_integer_matmuls(model)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return len(dynamic)


def tagger_calibration_feeds(encoder: Path, feeds: Feeds) -> Feeds:
    """Tagger inputs for calibration: the fp32 encoder's states on ``feeds``, every type in turn."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(encoder), providers=["CPUExecutionProvider"])
    tagger_feeds = []
    for number, feed in enumerate(feeds):
        logits, states = session.run(None, feed)
        rows, n_types = logits.shape
        type_ids = (np.arange(rows, dtype=np.int64) + number * rows) % n_types
        tagger_feeds.append({"states": states, "attention_mask": feed["attention_mask"], "type_ids": type_ids})
    return tagger_feeds


def quantize_graph(source: Path, target: Path, keep_float: tuple[str, ...] = ()) -> None:
    """Dynamic int8 (per-channel weights) of every weight MatMul and embedding Gather; its
    per-batch activation scales are then fixed by :func:`freeze_activation_scales`.

    MatMuls of two activations (attention scores) stay float, and so do the weight
    MatMuls whose names contain a ``keep_float`` fragment."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    weights = {initializer.name for initializer in graph.initializer}
    matmuls = [n for n in graph.node if n.op_type == "MatMul"]
    excluded = [n.name for n in matmuls if not any(i in weights for i in n.input)]
    excluded += [n.name for n in matmuls if "attention/self" not in n.name and any(part in n.name for part in keep_float)]
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=excluded)


def quantize_int8(out_dir: Path, plan: dict, feeds: Feeds) -> dict[str, str]:
    """Write ``onnx/{encoder,tagger}.int8.onnx`` following ``plan``; return their manifest entry.

    ``feeds`` (calibration batches from the training split) fix every activation
    scale (see :func:`freeze_activation_scales`) and, for plans that smooth outliers,
    find the outlier channels; only the encoder is smoothed: the tagger is one layer
    whose inputs the encoder produces.
    """
    onnx_dir = out_dir / "onnx"
    entry = {"plan": plan["name"], "activations": CALIBRATED_ACTIVATIONS}
    for name in ("encoder", "tagger"):
        source = onnx_dir / f"{name}.onnx"
        dynamic = onnx_dir / f"{name}.dynamic.onnx"
        if plan["smooth_outliers"] and name == "encoder":
            smoothed = onnx_dir / f"{name}.smoothed.onnx"
            report = smooth_outlier_channels(source, smoothed, feeds)
            logger.info("smoothed %d outlier channel(s) over %d MatMul input(s)",
                        sum(len(r["channels"]) for r in report), len(report))
            quantize_graph(smoothed, dynamic, plan["keep_float"])
            smoothed.unlink()
        else:
            quantize_graph(source, dynamic, plan["keep_float"])
        if name == "encoder":
            calibration = feeds
        else:
            calibration = tagger_calibration_feeds(onnx_dir / "encoder.onnx", feeds)
        frozen = freeze_activation_scales(dynamic, onnx_dir / f"{name}.int8.onnx", calibration)
        logger.info("%s: %d activation scale(s) fixed on calibration text", name, frozen)
        dynamic.unlink()
        entry[name] = f"onnx/{name}.int8.onnx"
    return entry


Scorer = Callable[[dict | None], tuple[float, float, dict[str, float]]]


def choose_int8(out_dir: Path, score: Scorer, feeds: Feeds, max_drop: float = 0.01) -> tuple[dict, list[dict]]:
    """The most compressed plan whose dev scores stay within ``max_drop`` of fp32.

    ``score(entry)`` returns (type micro-F1, argument F1, thresholds) on the dev split
    for the int8 graphs of ``entry`` (fp32 when None), with thresholds tuned on those
    scores. The kept plan's thresholds are written to ``thresholds.int8.json`` and
    named in its manifest entry. Every plan tried is reported for ``metrics.json``.
    """
    reference = score(None)
    tried = []
    entry: dict = {}
    for plan in QUANTISATION_PLANS:
        entry = quantize_int8(out_dir, plan, feeds)
        types, arguments, thresholds = score(entry)
        tried.append({"plan": plan["name"], "dev_type_micro_f1": types, "dev_argument_f1": arguments,
                      "fp32_type_micro_f1": reference[0], "fp32_argument_f1": reference[1]})
        logger.info("int8 plan %s: dev type F1 %.4f (fp32 %.4f), argument F1 %.4f (fp32 %.4f)",
                    plan["name"], types, reference[0], arguments, reference[1])
        if reference[0] - types <= max_drop and reference[1] - arguments <= max_drop:
            break
    else:
        logger.warning("no int8 plan kept dev accuracy within %.1f points; the least compressed plan is "
                       "kept and its drop is reported in metrics.json: serve with precision='fp32' if it matters",
                       max_drop * 100)
    (out_dir / "thresholds.int8.json").write_text(json.dumps(thresholds, indent=2))
    entry["thresholds"] = "thresholds.int8.json"
    return entry, tried
