"""Corpus statistics: counts per event type x language x split, and the balance figures
that the corpus card reports (no-event and multi-event shares, articles)."""

from __future__ import annotations

from collections import Counter

from flashpoint.ontology import Ontology

SPLITS = ("train", "dev", "test")


def corpus_stats(records: list[dict], ontology: Ontology) -> dict:
    """Counts of records (not events) holding each type, by language and split."""
    languages = sorted({r["lang"] for r in records})
    by_type: Counter = Counter()
    totals: Counter = Counter()
    for record in records:
        key = (record["lang"], record["split"])
        totals[key] += 1
        totals[(record["lang"], "no_event")] += not record["events"]
        totals[(record["lang"], "multi_event")] += len(record["events"]) >= 2
        for type_id in {event["type"] for event in record["events"]}:
            by_type[(type_id, record["lang"], record["split"])] += 1
    summary = {
        lang: {
            "records": sum(totals[(lang, s)] for s in SPLITS),
            **{s: totals[(lang, s)] for s in SPLITS},
            "no_event": totals[(lang, "no_event")],
            "multi_event": totals[(lang, "multi_event")],
            "articles": len({r["doc_id"] for r in records if r["lang"] == lang and r.get("doc_id")}),
        }
        for lang in languages
    }
    table = {
        type_id: {lang: {s: by_type[(type_id, lang, s)] for s in SPLITS} for lang in languages}
        for type_id in ontology.type_ids
    }
    return {"languages": languages, "summary": summary, "types": table}


def format_stats(stats: dict) -> str:
    """A plain-text table: one row per type, one column group per language (train/dev/test)."""
    languages = stats["languages"]
    lines = []
    header = f"{'type':38}" + "".join(f"{lang + ' tr/dv/te':>18}" for lang in languages)
    lines.append(header)
    lines.append("-" * len(header))
    for type_id, per_lang in stats["types"].items():
        cells = "".join(f"{'/'.join(str(per_lang[l][s]) for s in SPLITS):>18}" for l in languages)
        lines.append(f"{type_id:38}{cells}")
    lines.append("-" * len(header))
    for field in ("records", "train", "dev", "test", "no_event", "multi_event", "articles"):
        lines.append(f"{field:38}" + "".join(f"{stats['summary'][l][field]:>18}" for l in languages))
    total = sum(s["records"] for s in stats["summary"].values())
    lines.append(f"{'total records':38}{total:>18}")
    return "\n".join(lines)
