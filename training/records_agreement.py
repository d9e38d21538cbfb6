"""Agreement between the gold records and an independent second annotation.

A second annotator codes the records of a subset of gold articles from their sentences
alone (``data/gold/second/<lang>.jsonl``, same articles and sentences, own records).
Records are paired one to one when they have the same ``sub_event_type`` and
overlapping evidence (the rule ``flashpoint evaluate-records`` uses to match a
predicted record to a gold one); the pairs with the largest evidence overlap are taken
first. Reported, overall and per language:

- record precision / recall / F1 of the second pass against the first;
- on matched pairs, the share that agree on each field: event date (exact day),
  time precision, place within 25 km (two unplaced records agree), geo precision,
  country, admin1, actor names, ``inter`` codes and fatalities (exact).

Usage::

    python -m flashpoint.training.records_agreement data/gold data/gold/second [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

from flashpoint.training.records_gold import GoldError, GoldRecord, LoadedArticle, load_gold

PLACE_RADIUS_KM = 25.0
FIELDS = ("event_date", "time_precision", "place_25km", "geo_precision", "country", "admin1",
          "actor1", "inter1", "actor2", "inter2", "fatalities")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def match_records(first: list[GoldRecord], second: list[GoldRecord]) -> list[tuple[int, int]]:
    """Pairs (i, j) of records with the same type and overlapping evidence, one to one.

    Candidate pairs are taken by decreasing evidence overlap, then by position, so the
    result does not depend on anything but the two record lists.
    """
    candidates = []
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            shared = len(set(a.evidence) & set(b.evidence))
            if a.sub_event_type == b.sub_event_type and shared:
                candidates.append((-shared, i, j))
    used_first: set[int] = set()
    used_second: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates):
        if i not in used_first and j not in used_second:
            used_first.add(i)
            used_second.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def field_agreement(a: GoldRecord, b: GoldRecord) -> dict[str, bool]:
    """Whether two matched records agree on each field of FIELDS."""
    if a.latitude is None or b.latitude is None:
        same_place = a.latitude is None and b.latitude is None
    else:
        same_place = distance_km(a.latitude, a.longitude, b.latitude, b.longitude) <= PLACE_RADIUS_KM
    return {
        "event_date": a.event_date == b.event_date,
        "time_precision": a.time_precision == b.time_precision,
        "place_25km": same_place,
        "geo_precision": a.geo_precision == b.geo_precision,
        "country": a.iso3 == b.iso3,
        "admin1": a.admin1 == b.admin1,
        "actor1": a.actor1 == b.actor1,
        "inter1": a.inter1 == b.inter1,
        "actor2": a.actor2 == b.actor2,
        "inter2": a.inter2 == b.inter2,
        "fatalities": a.fatalities == b.fatalities,
    }


def _summary(counts: dict) -> dict:
    first, second, matched = counts["first"], counts["second"], counts["matched"]
    precision = matched / second if second else 0.0
    recall = matched / first if first else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fields = {name: round(counts["agree"][name] / matched, 4) if matched else None for name in FIELDS}
    return {"articles": counts["articles"], "records_first": first, "records_second": second,
            "matched": matched, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4), "fields": fields}


def agreement(first: list[LoadedArticle], second: list[LoadedArticle]) -> dict:
    """Agreement of ``second`` with ``first`` (the reference), overall and per language.

    Raises GoldError when a second-pass article is not in the first pass or its
    sentences differ, since the two passes must code the same text.
    """
    reference = {loaded.doc_id: loaded for loaded in first}
    buckets: dict[str, dict] = defaultdict(lambda: {"articles": 0, "first": 0, "second": 0, "matched": 0,
                                                     "agree": {name: 0 for name in FIELDS}})
    disagreements = []
    problems = []
    for other in second:
        base = reference.get(other.doc_id)
        if base is None:
            problems.append(f"{other.source}: {other.doc_id} is not in the first pass")
            continue
        if [p.text for p in base.parsed] != [p.text for p in other.parsed] or base.article.date != other.article.date:
            problems.append(f"{other.source}: {other.doc_id} differs from the first pass in its date or sentences")
            continue
        pairs = match_records(base.article.records, other.article.records)
        for bucket in (buckets["all"], buckets[base.article.lang]):
            bucket["articles"] += 1
            bucket["first"] += len(base.article.records)
            bucket["second"] += len(other.article.records)
            bucket["matched"] += len(pairs)
        for i, j in pairs:
            agreed = field_agreement(base.article.records[i], other.article.records[j])
            for name, same in agreed.items():
                buckets["all"]["agree"][name] += same
                buckets[base.article.lang]["agree"][name] += same
                if not same:
                    disagreements.append({"doc_id": base.doc_id, "first_record": i, "second_record": j,
                                          "field": name})
        matched_first = {i for i, _ in pairs}
        matched_second = {j for _, j in pairs}
        disagreements.extend({"doc_id": base.doc_id, "first_record": i, "unmatched": "first"}
                             for i in range(len(base.article.records)) if i not in matched_first)
        disagreements.extend({"doc_id": base.doc_id, "second_record": j, "unmatched": "second"}
                             for j in range(len(other.article.records)) if j not in matched_second)
    if problems:
        raise GoldError("\n".join(problems))
    overall = _summary(buckets.pop("all")) if "all" in buckets else _summary(
        {"articles": 0, "first": 0, "second": 0, "matched": 0, "agree": {name: 0 for name in FIELDS}})
    return {"overall": overall,
            "by_language": {lang: _summary(counts) for lang, counts in sorted(buckets.items())},
            "disagreements": disagreements}


def format_table(result: dict) -> str:
    """A markdown table: one row per language and one for all, one column per figure."""
    header = ["", "articles", "records (1st/2nd)", "record F1"] + list(FIELDS)
    rows = [header, ["---"] * len(header)]
    for name, summary in [*result["by_language"].items(), ("all", result["overall"])]:
        cells = [name, str(summary["articles"]), f"{summary['records_first']}/{summary['records_second']}",
                 f"{summary['f1']:.3f}"]
        cells += ["-" if summary["fields"][f] is None else f"{summary['fields'][f]:.3f}" for f in FIELDS]
        rows.append(cells)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="gold folder or files (the reference)")
    parser.add_argument("second", type=Path, help="second-pass folder or files")
    parser.add_argument("--json", type=Path, help="also write the full result (with disagreements) here")
    args = parser.parse_args(argv)
    try:
        result = agreement(load_gold([args.first]), load_gold([args.second]))
    except GoldError as error:
        print(error)
        return 1
    print(format_table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
