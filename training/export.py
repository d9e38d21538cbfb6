"""Export a trained model to ONNX (fp32) and quantise it (dynamic int8).

Two graphs mirror the pipeline's two backend calls: ``encoder`` (input ids, mask ->
type logits, penultimate states) and ``tagger`` (states, mask, type ids -> role
tag logits). Dynamic int8 quantisation rewrites the MatMul and embedding Gather
weights to 8 bits; activations stay float. Whether that costs accuracy is not
assumed: ``flashpoint evaluate --precision fp32|int8`` measures both on the test
split, and training records both in ``metrics.json``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from flashpoint.training.model import EventModel

logger = logging.getLogger(__name__)
OPSET = 17


class _EncoderGraph(torch.nn.Module):
    def __init__(self, model: EventModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model.encode(input_ids, attention_mask)


class _TaggerGraph(torch.nn.Module):
    def __init__(self, model: EventModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, states, attention_mask, type_ids):
        return self.model.tag(states, attention_mask, type_ids)


def export_onnx(model: EventModel, out_dir: Path) -> dict[str, dict[str, str]]:
    """Write the fp32 graphs under ``out_dir/onnx`` and return the manifest's ``onnx`` entry."""
    onnx_dir = out_dir / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    ids = torch.tensor([[0, 1000, 2000, 3000, 2], [0, 1000, 2000, 2, 1]])
    mask = (ids != 1).long()
    with torch.no_grad():
        _, states = model.encode(ids, mask)
        torch.onnx.export(
            _EncoderGraph(model).eval(), (ids, mask), str(onnx_dir / "encoder.onnx"),
            input_names=["input_ids", "attention_mask"], output_names=["type_logits", "states"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "type_logits": {0: "batch"}, "states": {0: "batch", 1: "tokens"}},
            opset_version=OPSET, dynamo=False,
        )
        torch.onnx.export(
            _TaggerGraph(model).eval(), (states, mask, torch.tensor([3, 5])), str(onnx_dir / "tagger.onnx"),
            input_names=["states", "attention_mask", "type_ids"], output_names=["tag_logits"],
            dynamic_axes={"states": {0: "pairs", 1: "tokens"}, "attention_mask": {0: "pairs", 1: "tokens"},
                          "type_ids": {0: "pairs"}, "tag_logits": {0: "pairs", 1: "tokens"}},
            opset_version=OPSET, dynamo=False,
        )
    return {"fp32": {"encoder": "onnx/encoder.onnx", "tagger": "onnx/tagger.onnx"}}


# Quantisation plans, from most to least compressed. Every plan quantises only weight
# matrices (MatMuls whose second input is a stored weight), per output channel, while
# the attention products of two activations stay in float. Dynamic quantisation
# rounds each activation tensor to 8 bits as a whole, which hurts most where
# activations have outliers: the feed-forward layers (after GELU) first. The later
# plans keep those in float; the tagger (one layer) and embeddings follow the encoder.
QUANTISATION_PLANS: tuple[dict, ...] = (
    {"name": "all-weights", "keep_float": ()},
    {"name": "float-ffn-output", "keep_float": ("/output/dense/",)},
    {"name": "attention-only", "keep_float": ("/output/dense/", "/intermediate/")},
)


def _activation_matmuls(path: Path) -> list[str]:
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    weights = {initializer.name for initializer in graph.initializer}
    return [node.name for node in graph.node if node.op_type == "MatMul" and not any(i in weights for i in node.input)]


def quantize_int8(out_dir: Path, plan: dict) -> dict[str, str]:
    """Write int8 graphs following ``plan``; return the manifest entry for them."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx_dir = out_dir / "onnx"
    entry = {"plan": plan["name"]}
    for name in ("encoder", "tagger"):
        source = onnx_dir / f"{name}.onnx"
        target = onnx_dir / f"{name}.int8.onnx"
        nodes = onnx.load(str(source), load_external_data=False).graph.node
        keep_float = [
            n.name for n in nodes
            if n.op_type == "MatMul" and any(part in n.name and "attention" not in n.name for part in plan["keep_float"])
        ]
        quantize_dynamic(
            str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
            op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=_activation_matmuls(source) + keep_float,
        )
        entry[name] = f"onnx/{name}.int8.onnx"
    return entry


def choose_int8(out_dir: Path, score, max_drop: float = 0.01) -> tuple[dict[str, str], list[dict]]:
    """The most compressed plan whose dev scores stay within ``max_drop`` of fp32.

    ``score(precision_entry)`` returns (type micro-F1, argument F1) on the dev split.
    Every plan tried is reported, so the choice is visible in ``metrics.json``.
    """
    reference = score(None)
    tried = []
    for plan in QUANTISATION_PLANS:
        entry = quantize_int8(out_dir, plan)
        types, arguments = score(entry)
        tried.append({"plan": plan["name"], "dev_type_micro_f1": types, "dev_argument_f1": arguments,
                      "fp32_type_micro_f1": reference[0], "fp32_argument_f1": reference[1]})
        logger.info("int8 plan %s: dev type F1 %.4f (fp32 %.4f), argument F1 %.4f (fp32 %.4f)",
                    plan["name"], types, reference[0], arguments, reference[1])
        if reference[0] - types <= max_drop and reference[1] - arguments <= max_drop:
            return entry, tried
    logger.warning("no int8 plan kept dev accuracy within %.1f points; the least compressed plan is "
                   "kept and its drop is reported in metrics.json: serve with precision='fp32' if it matters",
                   max_drop * 100)
    return entry, tried
