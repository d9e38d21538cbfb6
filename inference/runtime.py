"""The CPU runtime: ONNX Runtime sessions behind the shared pipeline.

Needs only onnxruntime, tokenizers and numpy (plus the light helpers of this
package); importing it never imports torch, transformers or datasets. The int8
graphs are the default; ``precision="fp32"`` loads the full-precision export.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from flashpoint.model_dir import ModelDirError, read_manifest, read_ontology, read_thresholds
from flashpoint.pipeline import InputDocument, Pipeline
from flashpoint.results import DocumentResult
from flashpoint.tokenization import WindowTokenizer


# Graph fusions of ONNX Runtime 1.32 that make these graphs slower on CPU. The
# residual Add + LayerNormalization after each int8 feed-forward block fuses into
# com.microsoft.SkipLayerNormalization, whose kernel took 1.1 ms where the unfused
# pair took 0.19 ms on a (32, 34, 384) batch; without it the int8 encoder ran ~10%
# more sentences/s in an interleaved A/B on the 2,798 sentences of
# benchmarks/throughput.py (median 351 vs 318). The fp32 graphs never fuse it.
SLOWER_FUSIONS = ["SkipLayerNormFusion"]


class OnnxBackend:
    """The two exported graphs (encoder, tagger) as a pipeline ``Backend``."""

    def __init__(self, encoder_path: Path, tagger_path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
        options.inter_op_num_threads = 1
        # The encoder and the tagger run in turn. With spinning on (ORT's default), the
        # idle session's threads keep spinning on the cores the busy one needs:
        # an A/B run on the 2,798 sentences of benchmarks/throughput.py gave 160 vs 258
        # sentences/s on 2 cores (12-layer model).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        def session(path: Path) -> ort.InferenceSession:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                        disabled_optimizers=SLOWER_FUSIONS)

        self.encoder, self.tagger = session(encoder_path), session(tagger_path)

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, states = self.encoder.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})
        return logits, states

    def tag(self, states: np.ndarray, attention_mask: np.ndarray, type_ids: np.ndarray) -> np.ndarray:
        (logits,) = self.tagger.run(None, {"states": states, "attention_mask": attention_mask, "type_ids": type_ids})
        return logits


class Extractor:
    """A loaded model: ``extract`` one text, or stream many with ``extract_many``."""

    def __init__(self, pipeline: Pipeline, model_dir: Path, manifest: dict) -> None:
        self.pipeline = pipeline
        self.model_dir = model_dir
        self.manifest = manifest
        self.ontology = pipeline.ontology

    def extract(self, text: str, date: str | None = None, lang: str | None = None, id: str = "0") -> DocumentResult:
        """Events of one document; ``lang`` skips language identification."""
        return self.pipeline.run([InputDocument(id=id, text=text, lang=lang, date=date)])[0]

    def extract_many(self, documents: Iterable[str | dict | InputDocument], batch_size: int = 64) -> Iterator[DocumentResult]:
        """Stream results in input order; items are texts, dicts with ``text`` or InputDocuments."""
        def as_documents() -> Iterator[InputDocument]:
            for number, item in enumerate(documents):
                if isinstance(item, InputDocument):
                    yield item
                elif isinstance(item, str):
                    yield InputDocument(id=str(number), text=item)
                else:
                    yield InputDocument(id=str(item.get("id", number)), text=item["text"],
                                        lang=item.get("lang"), date=item.get("date"))

        return self.pipeline.stream(as_documents(), chunk_size=batch_size)

    def normalised(self, result: DocumentResult) -> dict:
        """``result``'s score contract with dates, places, actors and fatalities normalised beside
        the spans and its merged event records (``records``, ACLED's fields); see flashpoint.records."""
        from flashpoint.records import normalised_document

        return normalised_document(result, self.ontology)


def load(model_dir: str | Path, precision: str = "int8", threads: int | None = None, batch_size: int = 32) -> Extractor:
    """Load a model directory for CPU inference with ONNX Runtime."""
    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    graphs = manifest.get("onnx", {}).get(precision)
    if not graphs:
        available = ", ".join(manifest.get("onnx", {})) or "none"
        raise ModelDirError(f"{model_dir} has no {precision} ONNX export (available: {available}); run `flashpoint export`")
    ontology = read_ontology(model_dir, manifest)
    tokenizer = WindowTokenizer.from_model_dir(model_dir, manifest)
    backend = OnnxBackend(model_dir / graphs["encoder"], model_dir / graphs["tagger"], threads=threads)
    thresholds = read_thresholds(model_dir, graphs.get("thresholds", "thresholds.json"))
    pipeline = Pipeline(backend, tokenizer, ontology, thresholds, batch_size=batch_size)
    return Extractor(pipeline, model_dir, manifest)
