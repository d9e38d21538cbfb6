"""`flashpoint evaluate-records MODEL GOLD`: records mode measured on the gold set.

Two measurements, overall and per language, so model errors and normaliser errors
are told apart:

- ``end_to_end``: the model reads each gold article (sentences joined by new lines,
  with its publication date and language), the records chain runs, and predicted
  records are matched to gold ones: same type and overlapping evidence (character
  spans of the evidence sentences), one to one, in document order. Record precision,
  recall and F1; field accuracies are over the matched pairs.
- ``gold_spans``: the normalisers alone on the gold spans, grouped as the gold record
  groups them (no model, no merge): each field's accuracy over every gold record.

Field accuracies: date exact day; place within 25 km (an unplaced gold record counts
as right only when the prediction is unplaced too); country (ISO alpha-3); actor
names (actor1 and actor2, each side one item); inter (inter1 and inter2); fatalities exact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from flashpoint.merge import MergedGroup
from flashpoint.ontology import Ontology
from flashpoint.records import EventRecord, normalise_document, records_from_groups, build_records
from flashpoint.results import ArgumentSpan, DocumentResult, Event
from flashpoint.training.records_gold import GoldRecord, LoadedArticle, load_gold

WITHIN_KM = 25.0
FIELDS = ("date", "place_25km", "country", "actor", "inter", "fatalities")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def article_text(article: LoadedArticle) -> tuple[str, list[tuple[int, int]]]:
    """The article as one document (a sentence per line) and each sentence's (start, end)."""
    spans, offset = [], 0
    for sentence in article.parsed:
        spans.append((offset, offset + len(sentence.text)))
        offset += len(sentence.text) + 1
    return "\n".join(s.text for s in article.parsed), spans


def gold_result(article: LoadedArticle, ontology: Ontology) -> DocumentResult:
    """The gold sentences' events as a pipeline result (score 1.0), offsets in :func:`article_text`."""
    text, spans = article_text(article)
    events = []
    for index, (sentence, (base, _)) in enumerate(zip(article.parsed, spans)):
        for event in sentence.events:
            arguments = [ArgumentSpan(a["role"], sentence.text[a["start"]:a["end"]], base + a["start"],
                                      base + a["end"], 1.0) for a in event["arguments"]]
            events.append(Event(event["type"], 1.0, index, sentence.text, arguments))
    return DocumentResult(article.doc_id, text, article.article.lang, article.article.date, {}, events,
                          ontology.role_ids, len(article.parsed))


def field_hits(gold: GoldRecord, predicted: EventRecord) -> dict[str, list[bool]]:
    """Right/wrong per field item for one gold record and its prediction."""
    if gold.latitude is None:
        place = predicted.latitude is None
    else:
        place = predicted.latitude is not None and distance_km(
            gold.latitude, gold.longitude, predicted.latitude, predicted.longitude) <= WITHIN_KM
    return {
        "date": [predicted.event_date == gold.event_date],
        "place_25km": [place],
        "country": [predicted.iso3 == gold.iso3],
        "actor": [predicted.actor1 == gold.actor1, predicted.actor2 == gold.actor2],
        "inter": [(predicted.inter1 or 0) == gold.inter1, (predicted.inter2 or 0) == gold.inter2],
        "fatalities": [predicted.fatalities == gold.fatalities],
    }


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.gold = self.predicted = self.matched = 0

    def add_fields(self, hits: dict[str, list[bool]]) -> None:
        for name, items in hits.items():
            self.counts[name][0] += sum(items)
            self.counts[name][1] += len(items)

    def report(self, with_records: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if with_records:
            precision = self.matched / self.predicted if self.predicted else 0.0
            recall = self.matched / self.gold if self.gold else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out.update(gold=self.gold, predicted=self.predicted, matched=self.matched,
                       precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4))
        for name in FIELDS:
            right, total = self.counts[name]
            out[name] = round(right / total, 4) if total else None
        return out


def match(gold: list[GoldRecord], gold_spans: list[tuple[int, int]], predicted: list[EventRecord]) -> list[tuple[int, int]]:
    """Pairs (gold index, predicted index): same type, overlapping evidence, one to one, greedy in order."""
    used: set[int] = set()
    pairs = []
    for g_index, record in enumerate(gold):
        evidence = [gold_spans[i] for i in record.evidence]
        for p_index, candidate in enumerate(predicted):
            if p_index in used or candidate.type_id != record.sub_event_type:
                continue
            if any(s < e_end and e_start < end for s, end in zip(candidate.evidence_starts, candidate.evidence_ends)
                   for e_start, e_end in evidence):
                used.add(p_index)
                pairs.append((g_index, p_index))
                break
    return pairs


def evaluate_gold_spans(articles: list[LoadedArticle], ontology: Ontology) -> dict[str, dict[str, Any]]:
    """The normalisers alone: each gold record rebuilt from its own gold spans, grouped as gold groups them."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for article in articles:
        result = gold_result(article, ontology)
        mentions, _ = normalise_document(result)
        groups = []
        for record in article.article.records:
            own = [m for m in mentions if m.type == record.sub_event_type and m.sentence_index in record.evidence]
            groups.append(MergedGroup(record.sub_event_type, own))
        for record, built in zip(article.article.records, records_from_groups(result, groups, ontology)):
            for key in ("all", article.article.lang):
                tallies[key].add_fields(field_hits(record, built))
    return {key: tally.report(with_records=False) for key, tally in sorted(tallies.items())}


def evaluate_end_to_end(articles: list[LoadedArticle], extractor, ontology: Ontology) -> dict[str, dict[str, Any]]:
    """The model and the records chain on each gold article, matched to the gold records."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    documents = [{"id": a.doc_id, "text": article_text(a)[0], "date": a.article.date, "lang": a.article.lang}
                 for a in articles]
    for article, result in zip(articles, extractor.extract_many(documents)):
        predicted, _ = build_records(result, ontology)
        gold = article.article.records
        pairs = match(gold, article_text(article)[1], predicted)
        for key in ("all", article.article.lang):
            tally = tallies[key]
            tally.gold += len(gold)
            tally.predicted += len(predicted)
            tally.matched += len(pairs)
            for g_index, p_index in pairs:
                tally.add_fields(field_hits(gold[g_index], predicted[p_index]))
    return {key: tally.report(with_records=True) for key, tally in sorted(tallies.items())}


def evaluate_event_records(model_dir: Path, gold: list[Path], precision: str = "int8") -> dict[str, Any]:
    """Both measurements for a model directory and gold files or folders."""
    import flashpoint

    extractor = flashpoint.load(model_dir, precision=precision)
    articles = load_gold(gold, extractor.ontology)
    return {"articles": len(articles),
            "gold_spans": evaluate_gold_spans(articles, extractor.ontology),
            "end_to_end": evaluate_end_to_end(articles, extractor, extractor.ontology)}


def format_report(report: dict[str, Any]) -> str:
    """Two Markdown tables: end to end, and the normalisers alone on gold spans."""
    lines = [f"Gold articles: {report['articles']}", "", "End to end (model + normalisers + merge):", "",
             "| lang | gold | predicted | P | R | F1 | " + " | ".join(FIELDS) + " |",
             "|---" * (7 + len(FIELDS)) + "|"]
    for lang, row in report["end_to_end"].items():
        values = [row[f] for f in FIELDS]
        lines.append(f"| {lang} | {row['gold']} | {row['predicted']} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1']:.3f} | " + " | ".join("-" if v is None else f"{v:.3f}" for v in values) + " |")
    lines += ["", "Normalisers alone on gold spans:", "", "| lang | " + " | ".join(FIELDS) + " |",
              "|---" * (1 + len(FIELDS)) + "|"]
    for lang, row in report["gold_spans"].items():
        lines.append(f"| {lang} | " + " | ".join("-" if row[f] is None else f"{row[f]:.3f}" for f in FIELDS) + " |")
    return "\n".join(lines)
