"""Export a trained model to ONNX (fp32); :mod:`flashpoint.training.quantize` makes int8.

Two graphs mirror the pipeline's two backend calls: ``encoder`` (input ids, mask ->
type logits, penultimate states) and ``tagger`` (states, mask, type ids -> role
tag logits).
"""

from __future__ import annotations

from pathlib import Path

import torch

from flashpoint.training.model import EventModel

OPSET = 17
FP32_GRAPHS = {"encoder": "onnx/encoder.onnx", "tagger": "onnx/tagger.onnx"}


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
    return {"fp32": dict(FP32_GRAPHS)}
