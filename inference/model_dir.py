"""The model directory: what a trained flashpoint model is on disk.

    manifest.json      format version, library versions, labels, tokenizer settings, files
    config.yaml        the resolved training config
    ontology.yaml      event types and roles (the label order of every head)
    tokenizer.json     the XLM-R unigram tokenizer of the base encoder
    thresholds.json    per-type decision thresholds tuned on the dev split
    thresholds.int8.json  the same, tuned on the int8 graphs' dev scores
    model.safetensors  PyTorch weights (encoder + heads), never pickle
    encoder_config.json
    onnx/encoder.onnx, onnx/tagger.onnx             fp32 export
    onnx/encoder.int8.onnx, onnx/tagger.int8.onnx   dynamic int8 (the default runtime;
                       manifest onnx.int8 names its plan and thresholds file)
    metrics.json, confusion_test.png, training_log.jsonl

Reading it needs only the standard library, pyyaml and pydantic.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from flashpoint import __version__
from flashpoint.errors import UserError
from flashpoint.ontology import Ontology

FORMAT = "flashpoint-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL_ENVIRONMENT_VARIABLE = "FLASHPOINT_MODEL"
DEFAULT_MODEL_DIR = Path("models/default")
logger = logging.getLogger(__name__)


class ModelDirError(UserError):
    """The directory is not a usable flashpoint model; the message says what is missing."""


def read_manifest(model_dir: Path) -> dict:
    path = model_dir / MANIFEST
    if not path.is_file():
        raise ModelDirError(f"{model_dir} is not a flashpoint model directory (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelDirError(f"{path} is not a readable manifest ({error})") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelDirError(f"{path}: unsupported model format {manifest.get('format')} v{manifest.get('format_version')}")
    written_by = manifest.get("versions", {}).get("flashpoint")
    if written_by and _version_tuple(written_by) > _version_tuple(__version__):
        logger.warning("model %s was written by flashpoint %s, newer than this %s", model_dir, written_by, __version__)
    return manifest


def resolve_model_dir(given: Path | str | None) -> Path:
    """The model to use: ``--model``, else ``$FLASHPOINT_MODEL``, else ./models/default if present.

    Commands run outside the repository name their model through the environment
    variable; when none of the three gives a directory the message says so.
    """
    if given:
        return Path(given)
    from_environment = os.environ.get(MODEL_ENVIRONMENT_VARIABLE)
    if from_environment:
        return Path(from_environment)
    if DEFAULT_MODEL_DIR.is_dir():
        return DEFAULT_MODEL_DIR
    raise ModelDirError(f"no model given and none found at ./{DEFAULT_MODEL_DIR}: pass --model DIR or set "
                        f"{MODEL_ENVIRONMENT_VARIABLE}=DIR (a directory written by `flashpoint train`)")


# The manifest's int8 entry says ``"activations": "calibrated"`` when every activation
# scale is fixed in the graph (flashpoint.training.quantize.freeze_activation_scales);
# older exports quantised activations per batch.
CALIBRATED_ACTIVATIONS = "calibrated"


def model_graphs(model_dir: Path, precision: str, manifest: dict | None = None) -> dict:
    """The manifest's ONNX entry for ``precision``, checked to exist on disk."""
    manifest = manifest if manifest is not None else read_manifest(model_dir)
    graphs = manifest.get("onnx", {}).get(precision)
    if not graphs:
        available = ", ".join(manifest.get("onnx", {})) or "none"
        raise ModelDirError(f"{model_dir} has no {precision} ONNX export (available: {available}); run `flashpoint export`")
    for key in ("encoder", "tagger"):
        if not (model_dir / graphs[key]).is_file():
            raise ModelDirError(f"{model_dir} lacks {graphs[key]} named by its manifest; run `flashpoint export`")
    if precision == "int8" and graphs.get("activations") != CALIBRATED_ACTIVATIONS:
        logger.warning("%s: its int8 graphs take activation scales per batch, so a document's scores depend on "
                       "what it is batched with; re-export it (`flashpoint export %s`) or use fp32",
                       model_dir, model_dir)
    return graphs


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit())


def read_ontology(model_dir: Path, manifest: dict) -> Ontology:
    ontology = Ontology.from_yaml(model_dir / "ontology.yaml")
    if ontology.type_ids != manifest["labels"]["types"] or ontology.role_ids != manifest["labels"]["roles"]:
        raise ModelDirError(f"{model_dir}: ontology.yaml disagrees with the manifest's label order")
    return ontology


def read_thresholds(model_dir: Path, file: str = "thresholds.json") -> dict[str, float]:
    """Per-type thresholds; an int8 export names its own file (tuned on its own dev scores)."""
    return {k: float(v) for k, v in json.loads((model_dir / file).read_text()).items()}
