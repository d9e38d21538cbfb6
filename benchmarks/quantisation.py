"""Every int8 plan of a trained model, side by side: accuracy on dev and test, and speed.

    python benchmarks/quantisation.py [--model models/default]

Training keeps the first plan within 1 point of fp32 on dev and stops; this script
measures them all (and fp32), so the cost of each choice is visible. Each plan is
scored with per-type thresholds tuned on its own dev scores, as the export does,
and calibrated on the same seeded training-split sample. Speed is sentences/s of
the whole pipeline (types and arguments) on the test sentences, in this process
(median of three passes).
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
    args = parser.parse_args()
    model_dir = Path(args.model)
    manifest = read_manifest(model_dir)
    config = load_config(model_dir / "config.yaml")
    ontology = read_ontology(model_dir, manifest)
    tokenizer = WindowTokenizer.from_model_dir(model_dir, manifest)
    splits = split_records(load_dataset(config.data.corpus).to_list(), config)
    feeds = training_calibration_feeds(tokenizer, splits["train"], config.seed)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "onnx").mkdir()
        for graph in FP32_GRAPHS.values():
            shutil.copyfile(model_dir / graph, work / graph)
        score = onnx_dev_scorer(work, tokenizer, ontology, splits["dev"])
        for plan in (None, *QUANTISATION_PLANS):
            entry = quantize_int8(work, plan, feeds) if plan else FP32_GRAPHS
            dev_types, dev_arguments, thresholds = score(entry)
            pipeline = Pipeline(OnnxBackend(work / entry["encoder"], work / entry["tagger"]), tokenizer, ontology, thresholds)
            test = evaluate_records(pipeline, splits["test"])
            rates = []
            for _ in range(3):  # median of three passes: the shared machine's speed drifts
                started = time.time()
                pipeline.score_sentences([r["text"] for r in splits["test"]])
                rates.append(len(splits["test"]) / (time.time() - started))
            rate = sorted(rates)[1]
            rows.append({"plan": plan["name"] if plan else "fp32", "dev_type_micro_f1": round(dev_types, 4),
                         "dev_argument_f1_given_types": round(dev_arguments, 4),
                         "test_type_micro_f1": round(test["types"]["micro"]["f1"], 4),
                         "test_argument_exact_f1": round(test["arguments"]["end_to_end"]["exact"]["all"]["f1"], 4),
                         "sentences_per_s": round(rate, 1)})
            print(rows[-1], flush=True)
    print(f"\n{'plan':18}{'dev type F1':>12}{'dev arg F1':>11}{'test type F1':>13}{'test arg F1':>12}{'sent/s':>8}")
    for row in rows:
        print(f"{row['plan']:18}{row['dev_type_micro_f1']:12.3f}{row['dev_argument_f1_given_types']:11.3f}"
              f"{row['test_type_micro_f1']:13.3f}{row['test_argument_exact_f1']:12.3f}{row['sentences_per_s']:8.1f}")
    print(f"wrote {save('quantisation-' + model_dir.name, {'model': str(model_dir), 'machine': machine(), 'plans': rows})}")


if __name__ == "__main__":
    main()
