"""Inter-annotator agreement between the corpus and an independent second pass.

The second pass re-annotates a random 10% sample (``data/agreement/input-*.jsonl``,
drawn with a fixed seed) from the guidelines alone, in the same inline markup,
without seeing the first annotation. Agreement is reported as:
- type accuracy: share of sentences whose set of event types is identical;
- type micro-F1 (first pass as reference) and Cohen's kappa of "has an event";
- argument span F1 per role, exact and overlap, over (type, role, span) triples.

Usage:
    python -m flashpoint.training.corpus.agreement check INPUT SECOND   # author's self-check
    python -m flashpoint.training.corpus.agreement report data/corpus data/agreement/second-*.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


from flashpoint.ontology import Ontology
from flashpoint.training.corpus.loading import read_records
from flashpoint.training.corpus.markup import MarkupError, parse_marked
from flashpoint.training.evaluate import event_spans, gold_types, span_metrics, type_metrics

ONTOLOGY = Path(__file__).resolve().parents[2] / "configs" / "ontology" / "conflict.yaml"


def read_second_pass(paths: list[Path], ontology: Ontology) -> tuple[dict[str, dict], list[str]]:
    """Second-pass annotations by id (parsed from markup), and the problems found."""
    annotations: dict[str, dict] = {}
    problems: list[str] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                parsed = parse_marked(entry["text"], entry.get("types", []), ontology)
            except (json.JSONDecodeError, KeyError, MarkupError) as error:
                problems.append(f"{path}:{number}: {error}")
                continue
            annotations[entry["id"]] = {"text": parsed.text, "events": parsed.events}
    return annotations, problems


def check(input_path: Path, second_path: Path) -> int:
    ontology = Ontology.from_yaml(ONTOLOGY)
    annotations, problems = read_second_pass([second_path], ontology)
    for line in input_path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        got = annotations.get(item["id"])
        if got is None:
            problems.append(f"{item['id']}: not annotated")
        elif got["text"] != item["text"]:
            problems.append(f"{item['id']}: text without markup differs from the input text")
    for problem in problems:
        print(problem)
    print(f"{len(annotations)} annotated, {len(problems)} problem(s)")
    return 1 if problems else 0


def agreement(corpus: list[dict], annotations: dict[str, dict], ontology: Ontology) -> dict:
    first = [r for r in corpus if r["id"] in annotations and annotations[r["id"]]["text"] == r["text"]]
    index = {r["id"]: i for i, r in enumerate(first)}
    second = [annotations[record["id"]] for record in first]
    _, y_first = gold_types(first, ontology)
    _, y_second = gold_types(second, ontology)
    has_first, has_second = y_first.any(axis=1), y_second.any(axis=1)
    observed = float((has_first == has_second).mean())
    expected = float(has_first.mean() * has_second.mean() + (1 - has_first.mean()) * (1 - has_second.mean()))
    by_language = {}
    for lang in sorted({r["lang"] for r in first}):
        rows = [index[r["id"]] for r in first if r["lang"] == lang]
        by_language[lang] = {"records": len(rows),
                             "type_accuracy": round(float((y_first[rows] == y_second[rows]).all(axis=1).mean()), 4)}
    disagreements = [
        {"id": r["id"], "first": sorted({e["type"] for e in r["events"]}),
         "second": sorted({e["type"] for e in annotations[r["id"]]["events"]})}
        for r in first if (y_first[index[r["id"]]] != y_second[index[r["id"]]]).any()
    ]
    return {
        "records": len(first),
        "type_accuracy": round(float((y_first == y_second).all(axis=1).mean()), 4),
        "event_presence_kappa": round((observed - expected) / (1 - expected), 4) if expected < 1 else 1.0,
        "types": type_metrics(y_first, y_second, ontology.type_ids),
        "arguments": span_metrics(event_spans(first), event_spans(second), ontology.role_ids),
        "by_language": by_language,
        "type_disagreements": disagreements,
    }


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "check":
        return check(Path(argv[1]), Path(argv[2]))
    if len(argv) >= 3 and argv[0] == "report":
        ontology = Ontology.from_yaml(ONTOLOGY)
        annotations, problems = read_second_pass([Path(p) for p in argv[2:]], ontology)
        result = agreement(read_records([argv[1]]), annotations, ontology)
        result["second_pass_problems"] = problems
        print(json.dumps({k: v for k, v in result.items() if k not in ("types", "type_disagreements")}, indent=2))
        print(f"type micro-F1 {result['types']['micro']['f1']}, macro-F1 {result['types']['macro']['f1']}")
        out = Path("data/agreement/agreement.json")
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(f"wrote {out}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
