"""Check shard files written in inline markup and print what they hold.

Usage: ``python -m flashpoint.training.corpus.check_shard data/shards/fr/fr-01.jsonl ...``
Authors run this after writing each batch; it exits non-zero naming every bad line.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from flashpoint.ontology import Ontology
from flashpoint.training.corpus.markup import MarkupError, read_shard
from flashpoint.training.corpus.parallel import alignment_problems, source_shard

DEFAULT_ONTOLOGY = Path(__file__).resolve().parents[2] / "configs" / "ontology" / "conflict.yaml"


def main(argv: list[str]) -> int:
    ontology = Ontology.from_yaml(DEFAULT_ONTOLOGY)
    failed = False
    totals: Counter = Counter()
    per_type: Counter = Counter()
    for name in argv:
        path = Path(name)
        lang = path.parent.name
        try:
            records, documents = read_shard(path, lang, ontology)
        except MarkupError as error:
            print(error)
            failed = True
            continue
        source = source_shard(path)
        if source is not None:
            if not source.is_file():
                print(f"{path}: its English source {source} does not exist")
                failed = True
            else:
                problems, warnings = alignment_problems(records, read_shard(source, "en", ontology)[0], str(path))
                for line in problems:
                    print(line)
                for line in warnings:
                    print("warning:", line)
                failed = failed or bool(problems)
        seen: set[str] = set()
        for record in records:
            key = " ".join(record["text"].lower().split())
            if key in seen:
                print(f"{path}: duplicate sentence: {record['text'][:80]}")
                failed = True
            seen.add(key)
            totals["records"] += 1
            totals["no_event"] += not record["events"]
            totals["multi_event"] += len(record["events"]) >= 2
            for event in record["events"]:
                per_type[event["type"]] += 1
        totals["articles"] += len(documents)
    print(dict(totals))
    print("per type:", ", ".join(f"{t}={per_type[t]}" for t in ontology.type_ids))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
