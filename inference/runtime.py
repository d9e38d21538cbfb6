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

from flashpoint.documents import InputDocument, InvalidDocument, check_id, kind_of, validate_document
from flashpoint.model_dir import ModelDirError, model_graphs, read_manifest, read_ontology, read_thresholds
from flashpoint.pipeline import Pipeline
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
            try:
                return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                            disabled_optimizers=SLOWER_FUSIONS)
            except Exception as error:  # ONNX Runtime raises its own types for unreadable graphs
                raise ModelDirError(f"{path} is not a loadable ONNX graph ({type(error).__name__}: "
                                    f"{str(error).strip()[:200]})") from error

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
        """Events of one document; ``lang`` skips language identification.

        ``date`` and ``lang`` are checked as ``flashpoint score`` checks them (an ISO datetime
        keeps its date; "2025-02-30" raises :class:`flashpoint.documents.InvalidDate`), and a
        text over ``MAX_TEXT_CHARS`` raises :class:`flashpoint.documents.InvalidText`.
        """
        return self.pipeline.run([validate_document(id, text, date, lang)])[0]

    def extract_many(self, documents: Iterable[str | dict | InputDocument], batch_size: int = 64) -> Iterator[DocumentResult]:
        """Stream results in input order; items are texts, dicts with ``text`` or InputDocuments.

        An item that is not a valid document (a bad date, a text that is not a string...) or
        that fails to score yields a result with ``error`` set (``status == "error"``) in its
        place, and the stream goes on.
        """
        chunk: list[tuple[str, InputDocument | str]] = []
        for number, item in enumerate(documents):
            chunk.append(_as_document(item, number))
            if len(chunk) >= batch_size:
                yield from self._score_isolated(chunk)
                chunk = []
        if chunk:
            yield from self._score_isolated(chunk)

    def _score_isolated(self, chunk: list[tuple[str, InputDocument | str]]) -> list[DocumentResult]:
        """Results of a chunk in order; an invalid item, or one whose scoring fails, gets an error result."""
        valid = [document for _, document in chunk if isinstance(document, InputDocument)]
        try:
            scored = iter(self.pipeline.run(valid))
        except Exception:  # noqa: BLE001 - find the failing document(s): score one by one
            scored = iter([self._score_one(document) for document in valid])
        return [next(scored) if isinstance(document, InputDocument) else DocumentResult.failed(item_id, document)
                for item_id, document in chunk]

    def _score_one(self, document: InputDocument) -> DocumentResult:
        try:
            return self.pipeline.run([document])[0]
        except Exception as error:  # noqa: BLE001 - this document's failure is its result, not the stream's end
            return DocumentResult.failed(document.id, f"scoring failed: {type(error).__name__}: {error}")

    def normalised(self, result: DocumentResult) -> dict:
        """``result``'s score contract with dates, places, actors and fatalities normalised beside
        the spans and its merged event records (``records``, ACLED's fields); see flashpoint.records."""
        from flashpoint.records import normalised_document

        return normalised_document(result, self.ontology)


def _as_document(item: object, number: int) -> tuple[str, InputDocument | str]:
    """(id, validated document) for an item of ``extract_many``, or (id, why it is invalid)."""
    fallback_id = str(number)
    if isinstance(item, InputDocument):
        raw_id, fields = item.id, (item.text, item.date, item.lang, item.date_source)
    elif isinstance(item, str):
        raw_id, fields = fallback_id, (item, None, None, None)
    elif isinstance(item, dict):
        raw_id, fields = item.get("id", fallback_id), (item.get("text"), item.get("date"), item.get("lang"), None)
    else:
        return fallback_id, f"item {number} is {kind_of(item)}, not a text, a dict or an InputDocument"
    try:
        shown = check_id(raw_id)
    except InvalidDocument:
        shown = fallback_id  # the result must carry an id that can be written
    try:
        return shown, validate_document(raw_id, *fields)
    except InvalidDocument as error:
        return shown, str(error)


def load(model_dir: str | Path, precision: str = "int8", threads: int | None = None, batch_size: int = 32) -> Extractor:
    """Load a model directory for CPU inference with ONNX Runtime."""
    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    graphs = model_graphs(model_dir, precision, manifest)
    ontology = read_ontology(model_dir, manifest)
    tokenizer = WindowTokenizer.from_model_dir(model_dir, manifest)
    backend = OnnxBackend(model_dir / graphs["encoder"], model_dir / graphs["tagger"], threads=threads)
    thresholds = read_thresholds(model_dir, graphs.get("thresholds", "thresholds.json"))
    pipeline = Pipeline(backend, tokenizer, ontology, thresholds, batch_size=batch_size)
    return Extractor(pipeline, model_dir, manifest)
