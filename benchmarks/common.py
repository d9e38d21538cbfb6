"""Helpers shared by the benchmark scripts (run from the repository root)."""

from __future__ import annotations

import json
import platform
import resource
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))


def machine() -> dict:
    import os

    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory in MB (Linux reports ru_maxrss in KB)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2))
    return path
