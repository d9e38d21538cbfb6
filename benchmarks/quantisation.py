"""Every int8 plan of a trained model, side by side: accuracy on dev and test, and speed.

    python benchmarks/quantisation.py [--model models/default]

Training keeps the first plan within 1 point of fp32 on dev and stops; this script
measures them all (or those named by --plans), fp32 and the int8 graphs the model
directory ships as they are, so the cost of each choice is visible. Each plan is
scored with per-type thresholds tuned on its own dev scores, as the export does,
and calibrated on the same seeded training-split sample. Speed is sentences/s of
the whole pipeline (types and arguments) on the test sentences, in this process
(median of three passes, the candidates taking turns).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from common import REPO, machine, save

from flashpoint.model_dir import read_manifest, read_ontology
from flashpoint.pipeline import Pipeline
from flashpoint.runtime import OnnxBackend
from flashpoint.tokenization import WindowTokenizer
from flashpoint.training.config import load_config
from flashpoint.training.corpus.loading import load_dataset
from flashpoint.training.evaluate import evaluate_records
from flashpoint.training.export import FP32_GRAPHS
from flashpoint.training.quantize import QUANTISATION_PLANS, quantize_int8, training_calibration_feeds
from flashpoint.training.train import onnx_dev_scorer, split_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO / "models/default"))
    parser.add_argument("--plans", nargs="*", default=[p["name"] for p in QUANTISATION_PLANS],
                        help="int8 plans to re-quantise and measure (default: all)")
    args = parser.parse_args()
    model_dir = Path(args.model)
    manifest = read_manifest(model_dir)
    config = load_config(model_dir / "config.yaml")
    ontology = read_ontology(model_dir, manifest)
    tokenizer = WindowTokenizer.from_model_dir(model_dir, manifest)
    splits = split_records(load_dataset(config.data.corpus).to_list(), config)
    feeds = training_calibration_feeds(tokenizer, splits["train"], config.seed)
    plans = [p for p in QUANTISATION_PLANS if p["name"] in args.plans]
    rows, pipelines = [], []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "onnx").mkdir()
        for graph in FP32_GRAPHS.values():
            shutil.copyfile(model_dir / graph, work / graph)
        shipped = manifest["onnx"].get("int8")
        if shipped:  # the int8 graphs the model directory ships, as they are (the "before")
            for name in ("encoder", "tagger"):
                shutil.copyfile(model_dir / shipped[name], work / "onnx" / f"{name}.shipped.onnx")
        score = onnx_dev_scorer(work, tokenizer, ontology, splits["dev"])
        candidates = [("fp32", FP32_GRAPHS)]
        if shipped:
            candidates.append((f"shipped ({shipped.get('plan', 'int8')})",
                               {"encoder": "onnx/encoder.shipped.onnx", "tagger": "onnx/tagger.shipped.onnx"}))
        for plan in plans:
            entry = quantize_int8(work, plan, feeds)
            for name in ("encoder", "tagger"):  # keep each plan's graphs for the speed passes below
                kept = work / "onnx" / f"{name}.{plan['name']}.onnx"
                (work / entry[name]).rename(kept)
                entry[name] = str(kept.relative_to(work))
            candidates.append((plan["name"], entry))
        for label, entry in candidates:
            dev_types, dev_arguments, thresholds = score(entry)
            pipeline = Pipeline(OnnxBackend(work / entry["encoder"], work / entry["tagger"]), tokenizer, ontology, thresholds)
            test = evaluate_records(pipeline, splits["test"])
            pipelines.append(pipeline)
            rows.append({"plan": label, "dev_type_micro_f1": round(dev_types, 4),
                         "dev_argument_f1_given_types": round(dev_arguments, 4),
                         "test_type_micro_f1": round(test["types"]["micro"]["f1"], 4),
                         "test_argument_exact_f1": round(test["arguments"]["end_to_end"]["exact"]["all"]["f1"], 4)})
            print(rows[-1], flush=True)
        # Speed: the candidates take turns, three passes each, and each reports its median:
        # the shared machine's speed drifts, and alternating spreads the drift over all.
        rates: list[list[float]] = [[] for _ in pipelines]
        for _ in range(3):
            for index, pipeline in enumerate(pipelines):
                started = time.time()
                pipeline.score_sentences([r["text"] for r in splits["test"]])
                rates[index].append(len(splits["test"]) / (time.time() - started))
        for row, rate in zip(rows, rates):
            row["sentences_per_s"] = round(sorted(rate)[1], 1)
    print(f"\n{'plan':28}{'dev type F1':>12}{'dev arg F1':>11}{'test type F1':>13}{'test arg F1':>12}{'sent/s':>8}")
    for row in rows:
        print(f"{row['plan']:28}{row['dev_type_micro_f1']:12.3f}{row['dev_argument_f1_given_types']:11.3f}"
              f"{row['test_type_micro_f1']:13.3f}{row['test_argument_exact_f1']:12.3f}{row['sentences_per_s']:8.1f}")
    print(f"wrote {save('quantisation-' + model_dir.name, {'model': str(model_dir), 'machine': machine(), 'plans': rows})}")


if __name__ == "__main__":
    main()
