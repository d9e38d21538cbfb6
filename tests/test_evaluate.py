"""Metric functions on hand-made cases whose answers are known."""

from __future__ import annotations

import numpy as np

from flashpoint.training.evaluate import confusion_counts, span_metrics, tune_thresholds, type_metrics

ROLES = ["actor", "target"]


def test_span_metrics_exact_and_overlap():
    gold = [(0, "attack", "actor", 0, 6), (0, "attack", "target", 10, 20), (1, "arrests", "actor", 0, 5)]
    predicted = [(0, "attack", "actor", 0, 6), (0, "attack", "target", 12, 20), (1, "attack", "actor", 0, 5)]
    metrics = span_metrics(gold, predicted, ROLES)
    assert metrics["exact"]["all"] == {"precision": 0.3333, "recall": 0.3333, "f1": 0.3333, "support": 3}
    assert metrics["overlap"]["all"]["f1"] == 0.6667  # the shifted target overlaps; the wrong type never matches
    assert metrics["exact"]["actor"]["f1"] == 0.5


def test_type_metrics_and_confusion():
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0]])
    y_pred = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    metrics = type_metrics(y_true, y_pred, ["a", "b", "c"])
    assert metrics["per_type"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert metrics["micro"]["f1"] == round(2 * 1 / (2 + 3), 4)
    assert metrics["no_event_accuracy"] == 1.0
    confusion = confusion_counts(y_true, y_pred, ["a", "b", "c"])
    matrix = np.array(confusion["matrix"])
    assert confusion["labels"][-1] == "none"
    assert matrix[0, 0] == 1 and matrix[1, 2] == 1 and matrix[0, 3] == 1 and matrix[3, 3] == 1


def test_thresholds_are_tuned_per_type_and_default_without_evidence():
    scores = np.array([[0.9, 0.2], [0.7, 0.1], [0.3, 0.3], [0.2, 0.6]])
    y_true = np.array([[1, 0], [1, 0], [0, 0], [0, 0]])
    thresholds = tune_thresholds(scores, y_true, ["a", "b"])
    assert 0.3 < thresholds["a"] <= 0.7
    assert thresholds["b"] == 0.5
