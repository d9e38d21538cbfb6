"""Measure a model on the team's real, human-labelled development news and keep the figures.

Runs ``../shared/realdev/evaluate.py`` (the shared scorer: it scores each set with
``flashpoint score`` and the model's own thresholds, then maps our types onto each set's
labels) for one model directory and one or both precisions, and writes what it reports
into the model's ``metrics.json`` under ``real_dev``, so that ``flashpoint model-card``
prints the "Real news (development sets)" table. The sets are for measuring only: nothing
here trains, tunes thresholds or copies text.

    python benchmarks/real_dev.py --model models/default [--precision int8,fp32] [--sets all]

Skips with a message (exit 0) when ``../shared/realdev`` is absent, as on a user's machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, save

REALDEV = REPO.parent / "shared" / "realdev"
SUMMARY_KEYS = ("macro_f1",)


def run_scorer(model: Path, precision: str, sets: str, scores_dir: Path | None, limit: int | None) -> dict:
    """One run of the shared scorer; returns its JSON report."""
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        command = [sys.executable, str(REALDEV / "evaluate.py"), "--model", str(model), "--precision", precision,
                   "--sets", sets, "--json", str(report_path),
                   "--flashpoint", str(Path(sys.executable).with_name("flashpoint"))]
        if scores_dir is not None:
            command += ["--scores-dir", str(scores_dir / precision)]
        if limit:
            command += ["--limit", str(limit)]
        completed = subprocess.run(command, cwd=REPO)
        if completed.returncode != 0:
            raise SystemExit(f"the real-dev scorer failed for {model} ({precision}), exit {completed.returncode}")
        return json.loads(report_path.read_text())


def summarise(report: dict) -> dict:
    """The figures the model card and the ablation table read: per set and macro over sets."""
    sets = {}
    for name, result in report["sets"].items():
        binary = result["binary"]["material_conflict"]
        sets[name] = {
            "records": result["records"],
            "macro_f1": result["macro_f1"],
            "material_conflict_f1": binary["f1"],
            "material_conflict_recall": binary["recall"],
            "labels": {label: {k: v[k] for k in ("gold", "pred", "precision", "recall", "f1")}
                       for label, v in result["labels"].items()},
        }
    macros = [s["macro_f1"] for s in sets.values() if s["macro_f1"] is not None]
    return {"macro_over_sets": round(sum(macros) / len(macros), 4) if macros else None, "sets": sets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--precision", default="int8", help="int8, fp32 or int8,fp32")
    parser.add_argument("--sets", default="all", help="all, or a comma list of the scorer's set names")
    parser.add_argument("--scores-dir", type=Path, help="keep (and reuse) score outputs here")
    parser.add_argument("--limit", type=int, help="first N records per set (a smoke test; not written into the model)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave metrics.json unchanged")
    args = parser.parse_args()

    if not (REALDEV / "evaluate.py").is_file():
        print(f"skipped: the real-news development sets are not here ({REALDEV}); they live in the team's shared area")
        return
    metrics_path = args.model / "metrics.json"
    if not metrics_path.is_file():
        raise SystemExit(f"{args.model} is not a trained model directory (no metrics.json)")
    figures = {}
    for precision in [p.strip() for p in args.precision.split(",") if p.strip()]:
        figures[precision] = summarise(run_scorer(args.model, precision, args.sets, args.scores_dir, args.limit))
        print(f"{precision}: macro-F1 over sets {figures[precision]['macro_over_sets']}")
    if args.limit or args.no_write:
        return
    metrics = json.loads(metrics_path.read_text())
    for precision, new in figures.items():
        # sets scored now replace their earlier figures; sets not run this time are kept
        kept = metrics.setdefault("real_dev", {}).get(precision, {}).get("sets", {})
        merged = {**kept, **new["sets"]}
        macros = [f["macro_f1"] for f in merged.values() if f["macro_f1"] is not None]
        metrics["real_dev"][precision] = {"sets": merged,
                                          "macro_over_sets": round(sum(macros) / len(macros), 4) if macros else None}
    metrics_path.write_text(json.dumps(metrics, indent=2))
    save(f"real_dev-{args.model.name}", metrics["real_dev"])
    print(f"real-dev figures written into {metrics_path} and benchmarks/results/real_dev-{args.model.name}.json")


if __name__ == "__main__":
    main()
