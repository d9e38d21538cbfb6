"""flashpoint: multilingual conflict-event extraction from news.

Importing this package is cheap and never imports torch, transformers or datasets;
the training stack lives in :mod:`flashpoint.training` and is installed with the
``train`` extra.
"""

from __future__ import annotations

__version__ = "0.1.0"

from flashpoint.ontology import Ontology

__all__ = ["Ontology", "__version__", "load"]


def load(model_dir, **kwargs):
    """Load a model directory for CPU inference (see :func:`flashpoint.runtime.load`)."""
    from flashpoint.runtime import load as _load

    return _load(model_dir, **kwargs)
