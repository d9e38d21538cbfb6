"""The baseline users would otherwise pick: TF-IDF + logistic regression (scikit-learn),
trained and evaluated on the same corpus splits as flashpoint, reported beside it.

    python benchmarks/baselines.py [--corpus data/corpus] [--model models/default]

Per-type thresholds are tuned on dev exactly as for flashpoint, so the comparison is
like for like. The baseline predicts types only; it has no argument extraction.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from common import REPO, save
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from flashpoint.ontology import Ontology
from flashpoint.training.corpus.loading import read_records
from flashpoint.training.evaluate import gold_types, tune_thresholds, type_metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(REPO / "data/corpus"))
    parser.add_argument("--model", default=str(REPO / "models/default"))
    args = parser.parse_args()
    ontology = Ontology.from_yaml(REPO / "configs/ontology/conflict.yaml")
    records = read_records([args.corpus])
    split = {s: [r for r in records if r["split"] == s] for s in ("train", "dev", "test")}
    started = time.time()
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000)
    texts = {s: [r["text"] for r in rs] for s, rs in split.items()}
    x_train = hstack([words.fit_transform(texts["train"]), chars.fit_transform(texts["train"])]).tocsr()
    transform = lambda s: hstack([words.transform(texts[s]), chars.transform(texts[s])]).tocsr()  # noqa: E731
    y_train = gold_types(split["train"], ontology)[1]
    present = y_train.any(axis=0)
    classifier = OneVsRestClassifier(LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced"), n_jobs=2)
    classifier.fit(x_train, y_train[:, present])

    def scores(s: str) -> np.ndarray:
        full = np.zeros((len(split[s]), len(ontology.type_ids)))
        full[:, present] = classifier.predict_proba(transform(s))
        return full

    thresholds = tune_thresholds(scores("dev"), gold_types(split["dev"], ontology)[1], ontology.type_ids)
    test_scores = scores("test")
    y_pred = (test_scores >= np.array([thresholds[t] for t in ontology.type_ids])).astype(int)
    y_test = gold_types(split["test"], ontology)[1]
    baseline = type_metrics(y_test, y_pred, ontology.type_ids)
    by_language = {}
    for lang in sorted({r["lang"] for r in split["test"]}):
        rows = [i for i, r in enumerate(split["test"]) if r["lang"] == lang]
        by_language[lang] = type_metrics(y_test[rows], y_pred[rows], ontology.type_ids)["micro"]["f1"]
    result = {"baseline": "tfidf-word-1-2+char-2-5 + one-vs-rest logistic regression, dev-tuned thresholds",
              "train_seconds": round(time.time() - started, 1), "test_records": len(split["test"]),
              "types": baseline, "by_language_micro_f1": by_language}
    metrics_path = Path(args.model) / "metrics.json"
    flashpoint_test = None
    if metrics_path.is_file():
        test = json.loads(metrics_path.read_text())["test"]
        flashpoint_test = test.get("int8") or test.get("fp32")
    print(f"{'test split':28}{'micro-F1':>10}{'macro-F1':>10}{'weighted-F1':>13}")
    rows = [("TF-IDF + logistic regression", baseline)]
    if flashpoint_test:
        rows.append(("flashpoint (ONNX int8)", flashpoint_test["types"]))
    for name, m in rows:
        print(f"{name:28}{m['micro']['f1']:10.3f}{m['macro']['f1']:10.3f}{m['weighted']['f1']:13.3f}")
    print("by language (micro-F1): " + ", ".join(
        f"{lang} {f1:.3f}" + (f" vs {flashpoint_test['by_language'][lang]['type_micro_f1']:.3f}" if flashpoint_test else "")
        for lang, f1 in by_language.items()))
    if flashpoint_test:
        result["flashpoint_types"] = {k: flashpoint_test["types"][k] for k in ("micro", "macro", "weighted")}
    print(f"wrote {save('baselines', result)}")


if __name__ == "__main__":
    main()
