"""Do translations of one sentence get the same event types? Measured on the held-out
records of the parallel set (corpus ``<lang>-par-NN`` batches in the test split, never
trained on, with their translations in the same split).

For each language L and each parallel key that exists in English and in L:
- ``agreement_when_english_has_event``: of the keys where the model finds at least one event
  in the English sentence, the share where L's predicted type set equals English's (the
  figure the team's UN-parallel evaluation reports);
- ``agreement_all``: the same over every key (an empty set equal to an empty set agrees);
- ``gold_type_set_accuracy``: the share where L's predicted set equals the gold set.

    python benchmarks/parallel_agreement.py --model models/default [--precision int8] [--split test]

Figures go to ``benchmarks/results/parallel_agreement-<model>.json`` and into the model's
``metrics.json`` (``parallel_agreement``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from common import REPO, save

import flashpoint
from flashpoint.training.corpus.loading import read_records
from flashpoint.training.corpus.parallel import parallel_key


def predicted_type_sets(extractor, texts: list[str]) -> list[frozenset[str]]:
    """Type sets per sentence at the model's own thresholds (each text read as one sentence)."""
    pipeline = extractor.pipeline
    scores, _ = pipeline.score_sentences(texts, tag_types=[[] for _ in texts])
    ids = pipeline.ontology.type_ids
    return [frozenset(ids[i] for i in np.flatnonzero(row >= pipeline.thresholds)) for row in scores]


def measure(model: Path, corpus: Path, split: str, precision: str) -> dict:
    records = [r for r in read_records([corpus]) if r["split"] == split]
    by_language: dict[str, dict[str, dict]] = {}
    for record in records:
        key = parallel_key(record["id"], record["lang"])
        if key is not None:
            by_language.setdefault(record["lang"], {})[key] = record
    english = by_language.pop("en", {})
    if not english:
        raise SystemExit(f"no English parallel records in the {split} split of {corpus}")
    extractor = flashpoint.load(model, precision=precision)
    english_keys = sorted(english)
    english_predicted = dict(zip(english_keys, predicted_type_sets(extractor, [english[k]["text"] for k in english_keys])))
    result: dict = {"split": split, "precision": precision, "english_records": len(english), "languages": {}}
    for lang, translated in sorted(by_language.items()):
        keys = sorted(k for k in translated if k in english)
        predicted = dict(zip(keys, predicted_type_sets(extractor, [translated[k]["text"] for k in keys])))
        with_event = [k for k in keys if english_predicted[k]]
        gold = {k: frozenset(e["type"] for e in translated[k]["events"]) for k in keys}
        result["languages"][lang] = {
            "records": len(keys),
            "english_with_event": len(with_event),
            "agreement_when_english_has_event": _share(predicted[k] == english_predicted[k] for k in with_event),
            "agreement_all": _share(predicted[k] == english_predicted[k] for k in keys),
            "gold_type_set_accuracy": _share(predicted[k] == gold[k] for k in keys),
        }
    english_gold = {k: frozenset(e["type"] for e in english[k]["events"]) for k in english_keys}
    result["english_gold_type_set_accuracy"] = _share(english_predicted[k] == english_gold[k] for k in english_keys)
    return result


def _share(values) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "corpus")
    parser.add_argument("--split", default="test")
    parser.add_argument("--precision", default="int8")
    args = parser.parse_args()
    result = measure(args.model, args.corpus, args.split, args.precision)
    print(f"{args.model} ({args.precision}), {args.split} split, {result['english_records']} English parallel records;"
          f" English type-set accuracy {result['english_gold_type_set_accuracy']}")
    print(f"{'lang':<5} {'records':>8} {'agree | en event':>17} {'agree all':>10} {'gold acc':>9}")
    for lang, figures in result["languages"].items():
        print(f"{lang:<5} {figures['records']:>8} {figures['agreement_when_english_has_event']!s:>17} "
              f"{figures['agreement_all']!s:>10} {figures['gold_type_set_accuracy']!s:>9}")
    save(f"parallel_agreement-{args.model.name}", result)
    metrics_path = args.model / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics.setdefault("parallel_agreement", {})[args.precision] = result
    metrics_path.write_text(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
