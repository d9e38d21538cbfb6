"""The files a runtime needs from a model directory, packed to be sent to machines that lack it.

A cluster node must load the model from a local path. Either the model directory sits
at the same path on every node (a shared filesystem), or the driver packs the files
that one precision's runtime reads (a fraction of the directory: no PyTorch weights,
no other precision's graphs) and each node unpacks them once into its cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from flashpoint.model_dir import MANIFEST, ModelDirError, read_manifest


def runtime_files(model_dir: Path, precision: str) -> list[str]:
    """Paths, relative to ``model_dir``, that :func:`flashpoint.runtime.load` reads for ``precision``."""
    manifest = read_manifest(model_dir)
    graphs = manifest.get("onnx", {}).get(precision)
    if not graphs:
        available = ", ".join(manifest.get("onnx", {})) or "none"
        raise ModelDirError(f"{model_dir} has no {precision} ONNX export (available: {available}); run `flashpoint export`")
    files = [MANIFEST, "ontology.yaml", manifest["tokenizer"]["file"], graphs["encoder"], graphs["tagger"],
             graphs.get("thresholds", "thresholds.json")]
    missing = [f for f in files if not (model_dir / f).is_file()]
    if missing:
        raise ModelDirError(f"{model_dir} lacks {', '.join(missing)}")
    return files


def pack_model(model_dir: Path, precision: str) -> dict[str, bytes]:
    """The runtime files of one precision, by relative path."""
    return {name: (model_dir / name).read_bytes() for name in runtime_files(model_dir, precision)}


def fingerprint(packed: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(packed):
        digest.update(name.encode() + b"\0" + hashlib.sha256(packed[name]).digest())
    return digest.hexdigest()[:16]


def unpack_model(packed: dict[str, bytes], cache: Path) -> Path:
    """Write ``packed`` under ``cache`` once (by content) and return the model directory.

    Several processes of one node may unpack at once: each writes a private folder and
    renames it into place; the first rename wins and the others remove their copy.
    """
    destination = cache / "shipped-models" / fingerprint(packed)
    if (destination / MANIFEST).is_file():
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=destination.parent))
    try:
        for name, data in packed.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        try:
            os.rename(staging, destination)
        except OSError:
            if not (destination / MANIFEST).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def default_cache() -> Path:
    """``$FLASHPOINT_CACHE`` or ``~/.cache/flashpoint`` (the same place the training package uses)."""
    return Path(os.environ.get("FLASHPOINT_CACHE", Path.home() / ".cache" / "flashpoint"))
