"""Where ``flashpoint train -o DIR`` builds its model, and what it may delete.

The model is assembled in ``DIR.partial`` and renamed to ``DIR`` at the end, so an
interrupted run never leaves something that looks like a finished model. Training
deletes only what flashpoint made: a ``DIR.partial`` carrying the marker file it
writes on creation (a killed earlier run), an empty one, and a ``DIR`` that is a
flashpoint model directory (replaced by the new model). Anything else at those
names is the user's, and the run is refused before any work starts.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from flashpoint.errors import UserError
from flashpoint.model_dir import FORMAT, MANIFEST

MARKER = ".flashpoint-training"


class DestinationError(UserError):
    """``-o DIR`` names something that training must not replace."""


def staging_dir(output_dir: Path) -> Path:
    return output_dir.with_name(output_dir.name + ".partial")


def _is_model_dir(path: Path) -> bool:
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _made_by_training(staging: Path) -> bool:
    return (staging / MARKER).is_file() or not any(staging.iterdir())


def check_destination(output_dir: Path) -> None:
    """Refuse an ``output_dir`` (or its staging folder) that training did not make; touches nothing."""
    if output_dir.exists():
        if not output_dir.is_dir():
            raise DestinationError(f"{output_dir} exists and is not a directory; choose another --output")
        if any(output_dir.iterdir()) and not _is_model_dir(output_dir):
            raise DestinationError(f"{output_dir} exists and is not a flashpoint model directory; "
                                   "refusing to replace it: choose another --output")
    staging = staging_dir(output_dir)
    if staging.exists() and (not staging.is_dir() or not _made_by_training(staging)):
        raise DestinationError(f"{staging} exists and was not made by `flashpoint train`; "
                               "remove it or choose another --output")


def create_staging(output_dir: Path) -> Path:
    """An empty ``DIR.partial`` marked as training's own (a killed run's leftovers removed first)."""
    check_destination(output_dir)
    staging = staging_dir(output_dir)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    (staging / MARKER).write_text(f"made by flashpoint train (pid {os.getpid()})\n", encoding="utf-8")
    return staging


def publish_model(staging: Path, output_dir: Path) -> Path:
    """Rename the finished ``staging`` to ``output_dir``, replacing a previous model there."""
    check_destination(output_dir)
    previous = None
    if output_dir.exists():
        previous = output_dir.with_name(f"{output_dir.name}.replaced-{os.getpid()}")
        output_dir.rename(previous)
    staging.rename(output_dir)
    (output_dir / MARKER).unlink()
    if previous is not None:
        shutil.rmtree(previous)
    return output_dir
