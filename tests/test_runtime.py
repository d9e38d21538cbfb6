"""The ONNX runtime: one contract for every backend, parity with PyTorch, no torch at run time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import flashpoint
from flashpoint.pipeline import Pipeline
from flashpoint.tokenization import pad_batch

TEXTS = [
    "Government warplanes bombed a market in Sarmada on Tuesday, killing nine people.",
    "La police a interpellé douze manifestants à Dakar mardi soir.",
    "اعتقلت قوات الأمن خمسة مطلوبين في الموصل الأحد.",
    "Analysts say the conflict has displaced two million people.",
]


@pytest.fixture(scope="module")
def torch_pipeline(tiny_model):
    from flashpoint.model_dir import read_ontology, read_thresholds
    from flashpoint.tokenization import WindowTokenizer
    from flashpoint.training.model import TorchBackend
    from flashpoint.training.train import load_torch_model

    model, manifest = load_torch_model(tiny_model)
    return Pipeline(TorchBackend(model), WindowTokenizer.from_model_dir(tiny_model, manifest),
                    read_ontology(tiny_model, manifest), read_thresholds(tiny_model))


def _backends(tiny_model, torch_pipeline):
    return {
        "torch": torch_pipeline.backend,
        "onnx-fp32": flashpoint.load(tiny_model, precision="fp32").pipeline.backend,
        "onnx-int8": flashpoint.load(tiny_model, precision="int8").pipeline.backend,
    }


def test_every_backend_honours_the_backend_contract(tiny_model, torch_pipeline):
    windows = [w for ws in torch_pipeline.tokenizer.encode(TEXTS) for w in ws]
    ids, mask = pad_batch(windows)
    for name, backend in _backends(tiny_model, torch_pipeline).items():
        logits, states = backend.encode(ids, mask)
        assert logits.shape == (len(windows), 30), name
        assert states.shape[:2] == ids.shape, name
        tags = backend.tag(states, mask, np.array([0, 4, 18, 29], dtype=np.int64))
        assert tags.shape == (4, ids.shape[1], 5, 3), name


def test_onnx_fp32_matches_pytorch(tiny_model, torch_pipeline):
    windows = [w for ws in torch_pipeline.tokenizer.encode(TEXTS) for w in ws]
    ids, mask = pad_batch(windows)
    backends = _backends(tiny_model, torch_pipeline)
    torch_logits, torch_states = backends["torch"].encode(ids, mask)
    onnx_logits, onnx_states = backends["onnx-fp32"].encode(ids, mask)
    np.testing.assert_allclose(onnx_logits, torch_logits, atol=1e-4)
    np.testing.assert_allclose(onnx_states, torch_states, atol=1e-3)
    types = np.arange(len(windows), dtype=np.int64)
    np.testing.assert_allclose(backends["onnx-fp32"].tag(onnx_states, mask, types),
                               backends["torch"].tag(torch_states, mask, types), atol=1e-3)


def test_int8_scores_stay_close_to_fp32(tiny_model):
    fp32, _ = flashpoint.load(tiny_model, precision="fp32").pipeline.score_sentences(TEXTS)
    int8, _ = flashpoint.load(tiny_model, precision="int8").pipeline.score_sentences(TEXTS)
    assert np.abs(fp32 - int8).max() < 0.05


def test_extract_returns_the_score_contract(extractor):
    text = "Gunmen attacked a police post near Gao on Sunday. Police later arrested three men in Mopti."
    document = extractor.extract(text, date="2025-03-02", lang="en").to_dict()
    assert document["status"] == "ok" and document["lang"] == "en" and document["date"] == "2025-03-02"
    assert set(document["event_types"]) == set(extractor.ontology.type_ids)
    assert all(0.0 <= s <= 1.0 for s in document["event_types"].values())
    for event in document["events"]:
        assert set(event) == {"type", "score", "sentence_index", "sentence", "trigger", "arguments"}
        assert event["score"] <= document["event_types"][event["type"]]
        for spans in event["arguments"].values():
            for span in spans:
                assert text[span["start"]:span["end"]] == span["text"]


def test_extract_many_streams_in_order_with_language_detection(extractor):
    items = [{"id": "x", "text": TEXTS[1]}, TEXTS[2], {"id": "z", "text": TEXTS[0], "lang": "en"}]
    results = list(extractor.extract_many(items, batch_size=2))
    assert [r.id for r in results] == ["x", "1", "z"]
    assert [r.lang for r in results] == ["fr", "ar", "en"]


def test_runtime_never_imports_the_training_stack(tiny_model):
    script = textwrap.dedent(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in ('torch', 'transformers', 'datasets', 'sklearn'):
                    raise ImportError('blocked: ' + name)
        sys.meta_path.insert(0, Block())
        import flashpoint
        ex = flashpoint.load({str(tiny_model)!r})
        doc = ex.extract('Police arrested three men in Kano on Friday.')
        assert doc.to_dict()['status'] == 'ok'
        assert not [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'datasets')]
        print('ok')
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_int8_plan_is_chosen_on_dev_and_keeps_attention_products_float(tiny_model):
    import json

    import onnx

    metrics = json.loads((tiny_model / "metrics.json").read_text())
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    tried = metrics["quantisation"]
    assert tried and tried[-1]["plan"] == manifest["onnx"]["int8"]["plan"]
    assert all({"dev_type_micro_f1", "fp32_type_micro_f1", "dev_argument_f1"} <= set(t) for t in tried)
    graph = onnx.load(str(tiny_model / manifest["onnx"]["int8"]["encoder"])).graph
    float_matmuls = [n.name for n in graph.node if n.op_type == "MatMul"]
    assert any(name.endswith("attention/self/MatMul") for name in float_matmuls)
    assert any(n.op_type == "MatMulIntegerToFloat" for n in graph.node)  # the fused integer products


def test_tagging_runs_beside_encoding_and_its_errors_surface(tiny_model):
    """Tagging runs on a helper thread; its results must equal an in-order run, and a
    failure there must reach the caller rather than leave events silently missing."""
    # fp32: dynamic int8 rounds each batch with its own activation scale, so int8 scores
    # legitimately move by ~1e-3 with the batch composition.
    pipeline = flashpoint.load(tiny_model, precision="fp32").pipeline
    forced = [[0, 3]] * len(TEXTS)
    _, arguments = pipeline.score_sentences(TEXTS, tag_types=forced)
    pipeline.batch_size = 1  # one window per batch: many overlapping tag jobs
    _, one_by_one = pipeline.score_sentences(TEXTS, tag_types=forced)

    def spans(result):
        return [{t: sorted((a.role, a.start, a.end, a.score) for a in found) for t, found in per_text.items()}
                for per_text in result]

    batched, single = spans(arguments), spans(one_by_one)
    assert [{t: [s[:3] for s in v] for t, v in d.items()} for d in single] == \
           [{t: [s[:3] for s in v] for t, v in d.items()} for d in batched]
    scores = [(a[3], b[3]) for d1, d2 in zip(single, batched) for t in d1 for a, b in zip(d1[t], d2[t])]
    assert scores and np.allclose(*zip(*scores), atol=1e-4)

    def failing_tag(*_):
        raise RuntimeError("tagger failed")

    pipeline.backend.tag = failing_tag
    with pytest.raises(RuntimeError, match="tagger failed"):
        pipeline.score_sentences(TEXTS, tag_types=forced)
