"""Evaluation: event-type and argument metrics of any runtime on corpus records.

Types: per-type precision/recall/F1 at the model's stored thresholds, with micro,
macro and weighted averages (scikit-learn). Arguments: span F1 per role, exact
(same type, role, start and end) and overlap (same type and role, overlapping
characters, matched one-to-one), measured two ways: end to end (arguments of the
predicted types, what users get) and given the gold types (the tagger alone).
Everything is also broken down by language. A confusion matrix (gold type vs
predicted type, with "none" for no event) is drawn as PNG.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from flashpoint.ontology import Ontology
from flashpoint.pipeline import Pipeline

NONE_LABEL = "none"


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}


def type_metrics(y_true: np.ndarray, y_pred: np.ndarray, type_ids: list[str]) -> dict:
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    per_type = {
        t: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(s)}
        for t, p, r, f, s in zip(type_ids, precision, recall, f1, support)
    }
    present = [i for i in range(len(type_ids)) if y_true[:, i].any() or y_pred[:, i].any()]
    averages = {}
    for average in ("micro", "macro", "weighted"):
        if present:
            p, r, f, _ = precision_recall_fscore_support(
                y_true[:, present], y_pred[:, present], average=average, zero_division=0
            )
        else:
            p = r = f = 0.0
        averages[average] = {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4)}
    no_event = ~y_true.any(axis=1)
    return {
        "per_type": per_type,
        **averages,
        "no_event_accuracy": round(float((~y_pred[no_event].any(axis=1)).mean()), 4) if no_event.any() else None,
    }


def _overlap_matches(gold: list[tuple], predicted: list[tuple]) -> int:
    """One-to-one matches of spans keyed (record, type, role, start, end) that overlap."""
    by_key: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for record, type_id, role, start, end in gold:
        by_key[(record, type_id, role)].append((start, end))
    matched = 0
    for record, type_id, role, start, end in predicted:
        candidates = by_key.get((record, type_id, role), [])
        for k, (gold_start, gold_end) in enumerate(candidates):
            if start < gold_end and end > gold_start:
                matched += 1
                candidates.pop(k)
                break
    return matched


def span_metrics(gold: list[tuple], predicted: list[tuple], roles: list[str]) -> dict:
    """Exact and overlap span P/R/F1 per role and over all roles."""
    result: dict[str, dict] = {}
    for mode in ("exact", "overlap"):
        per_role = {}
        for role in roles + [None]:
            g = [s for s in gold if role is None or s[2] == role]
            p = [s for s in predicted if role is None or s[2] == role]
            tp = len(set(g) & set(p)) if mode == "exact" else _overlap_matches(g, p)
            scores = _prf(tp, len(p) - tp, len(g) - tp)
            if role is None:
                per_role["all"] = scores
            else:
                per_role[role] = scores
        result[mode] = per_role
    return result


def event_spans(records: list[dict]) -> list[tuple]:
    """Annotated argument spans as (record index, type, role, start, end), sorted and unique."""
    return sorted({
        (i, e["type"], a["role"], a["start"], a["end"])
        for i, r in enumerate(records) for e in r["events"] for a in e["arguments"]
    })


def _predicted_spans(arguments: list[dict[int, list]], ontology: Ontology) -> list[tuple]:
    return sorted({
        (i, ontology.type_ids[t], s.role, s.start, s.end)
        for i, per_type in enumerate(arguments) for t, spans in per_type.items() for s in spans
    })


def gold_types(records: list[dict], ontology: Ontology) -> tuple[list[list[int]], np.ndarray]:
    """Annotated type indices per record, and the same as a 0/1 matrix (records x types)."""
    indices = [sorted({ontology.type_index[e["type"]] for e in r["events"]}) for r in records]
    y_true = np.zeros((len(records), len(ontology.type_ids)), dtype=int)
    for i, types in enumerate(indices):
        y_true[i, types] = 1
    return indices, y_true


def evaluate_records(pipeline: Pipeline, records: list[dict]) -> dict:
    """All metrics of ``pipeline`` on ``records`` (plus the raw predictions for plots)."""
    ontology = pipeline.ontology
    texts = [r["text"] for r in records]
    gold_indices, y_true = gold_types(records, ontology)
    scores, predicted_arguments = pipeline.score_sentences(texts)
    _, gold_conditioned = pipeline.score_sentences(texts, tag_types=gold_indices)
    y_pred = (scores >= pipeline.thresholds).astype(int)
    gold = event_spans(records)
    end_to_end = _predicted_spans(predicted_arguments, ontology)
    given_gold = _predicted_spans(gold_conditioned, ontology)
    metrics = {
        "n_records": len(records),
        "types": type_metrics(y_true, y_pred, ontology.type_ids),
        "arguments": {
            "end_to_end": span_metrics(gold, end_to_end, ontology.role_ids),
            "given_gold_types": span_metrics(gold, given_gold, ontology.role_ids),
        },
        "by_language": {},
    }
    for lang in sorted({r["lang"] for r in records}):
        rows = [i for i, r in enumerate(records) if r["lang"] == lang]
        row_set = set(rows)
        types = type_metrics(y_true[rows], y_pred[rows], ontology.type_ids)
        args = span_metrics([g for g in gold if g[0] in row_set], [p for p in end_to_end if p[0] in row_set],
                            ontology.role_ids)
        metrics["by_language"][lang] = {
            "n_records": len(rows),
            "type_micro_f1": types["micro"]["f1"],
            "type_macro_f1": types["macro"]["f1"],
            "argument_exact_f1": args["exact"]["all"]["f1"],
            "argument_overlap_f1": args["overlap"]["all"]["f1"],
        }
    metrics["confusion"] = confusion_counts(y_true, y_pred, ontology.type_ids)
    return metrics


def dev_summary(pipeline: Pipeline, records: list[dict], thresholds: dict[str, float] | None = None) -> dict:
    """One cheap pass for model selection: type scores and gold-type-conditioned arguments.

    With ``thresholds`` None, per-type thresholds are tuned on these very scores (what
    the model would ship with if training stopped now) and returned; type micro-F1 is
    measured at them. Argument F1 is exact span F1 given the gold types (the tagger alone).
    """
    ontology = pipeline.ontology
    gold_indices, y_true = gold_types(records, ontology)
    scores, arguments = pipeline.score_sentences([r["text"] for r in records], tag_types=gold_indices)
    if thresholds is None:
        thresholds = tune_thresholds(scores, y_true, ontology.type_ids)
    y_pred = (scores >= np.asarray([thresholds[t] for t in ontology.type_ids])).astype(int)
    spans = span_metrics(event_spans(records), _predicted_spans(arguments, ontology), ontology.role_ids)
    return {
        "type_micro_f1": type_metrics(y_true, y_pred, ontology.type_ids)["micro"]["f1"],
        "argument_f1_given_types": spans["exact"]["all"]["f1"],
        "thresholds": thresholds,
    }


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, type_ids: list[str]) -> dict:
    """Gold x predicted counts for multi-label output.

    Per record: a gold type that is predicted counts on the diagonal; a missed gold
    type counts against each wrongly predicted type, or against "none"; a wrongly
    predicted type with no missed gold type counts in the "none" row.
    """
    labels = type_ids + [NONE_LABEL]
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    none = len(type_ids)
    for gold_row, pred_row in zip(y_true, y_pred):
        gold = set(np.flatnonzero(gold_row))
        pred = set(np.flatnonzero(pred_row))
        for t in gold & pred:
            matrix[t, t] += 1
        missed, extra = gold - pred, pred - gold
        for t in missed:
            for p in extra or {none}:
                matrix[t, p] += 1
        if not missed:
            for p in extra:
                matrix[none, p] += 1
        if not gold and not pred:
            matrix[none, none] += 1
    return {"labels": labels, "matrix": matrix.tolist()}


def plot_confusion(confusion: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(confusion["matrix"], dtype=float)
    normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    labels = confusion["labels"]
    figure, axis = plt.subplots(figsize=(14, 12))
    image = axis.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axis.set_yticks(range(len(labels)), labels, fontsize=7)
    axis.set_xlabel("predicted")
    axis.set_ylabel("gold")
    axis.set_title(title)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                axis.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=5,
                          color="white" if normalised[i, j] > 0.5 else "black")
    figure.colorbar(image, fraction=0.03)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def format_report(metrics: dict, title: str) -> str:
    """The human-readable report that ``flashpoint evaluate`` prints."""
    lines = [f"== {title} ({metrics['n_records']} records)", f"{'type':38}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}"]
    for type_id, m in metrics["types"]["per_type"].items():
        lines.append(f"{type_id:38}{m['precision']:7.3f}{m['recall']:7.3f}{m['f1']:7.3f}{m['support']:6d}")
    for average in ("micro", "macro", "weighted"):
        m = metrics["types"][average]
        lines.append(f"{average + ' avg':38}{m['precision']:7.3f}{m['recall']:7.3f}{m['f1']:7.3f}")
    lines.append(f"no-event accuracy: {metrics['types']['no_event_accuracy']}")
    for view in ("end_to_end", "given_gold_types"):
        lines.append(f"-- argument span F1 ({view.replace('_', ' ')}): role exact / overlap")
        for role, m in metrics["arguments"][view]["exact"].items():
            overlap = metrics["arguments"][view]["overlap"][role]["f1"]
            lines.append(f"   {role:12}{m['f1']:7.3f} / {overlap:.3f}   (n={m['support']})")
    lines.append("-- by language: type micro-F1, macro-F1, argument exact F1, overlap F1")
    for lang, m in metrics["by_language"].items():
        lines.append(f"   {lang}: {m['type_micro_f1']:.3f}  {m['type_macro_f1']:.3f}  "
                     f"{m['argument_exact_f1']:.3f}  {m['argument_overlap_f1']:.3f}  (n={m['n_records']})")
    return "\n".join(lines)


def tune_thresholds(scores: np.ndarray, y_true: np.ndarray, type_ids: list[str], default: float = 0.5) -> dict[str, float]:
    """Per-type threshold that maximises dev F1 (ties: the one closest to 0.5).

    Types without dev positives keep ``default``: a threshold tuned on no evidence
    would only memorise noise.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    thresholds: dict[str, float] = {}
    for i, type_id in enumerate(type_ids):
        if not y_true[:, i].any():
            thresholds[type_id] = default
            continue
        best = (-1.0, 0.0, default)
        for threshold in grid:
            predicted = scores[:, i] >= threshold
            tp = int((predicted & (y_true[:, i] == 1)).sum())
            f1 = 2 * tp / (predicted.sum() + y_true[:, i].sum())
            candidate = (f1, -abs(threshold - 0.5), float(threshold))
            best = max(best, candidate)
        thresholds[type_id] = best[2]
    return thresholds


def write_metrics(metrics: dict, path: Path) -> None:
    path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
