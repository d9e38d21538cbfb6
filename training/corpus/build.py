"""Build the corpus from authors' shard files (inline markup) into record files.

Splits are assigned per authoring batch, never per sentence, so test sentences do
not share a batch's templates with training ones. Within each language the batches
are taken in sorted order and each goes to the split furthest below its target
share of records (train 67%, dev 16%, test 17%), so that every language gets at
least 15% test whatever its batch sizes. A batch added later (sorting last) never
moves an earlier one. Articles keep the split of their batch.
"""

from __future__ import annotations

import json
from pathlib import Path

from flashpoint.ontology import Ontology
from flashpoint.training.corpus.loading import DOCUMENTS_FILE
from flashpoint.training.corpus.markup import read_shard
from flashpoint.training.corpus.parallel import parallel_group

SPLIT_TARGETS = {"train": 0.67, "dev": 0.16, "test": 0.17}


def assign_splits(batch_sizes: dict[str, int], fixed: dict[str, str] | None = None) -> dict[str, str]:
    """Greedy, deterministic: each batch (sorted by name) joins the neediest split.

    ``fixed`` batches keep the split given (translations of the parallel set take their
    English source's split) and count towards the shares the others are balanced against.
    """
    fixed = fixed or {}
    assigned: dict[str, str] = {}
    counts = dict.fromkeys(SPLIT_TARGETS, 0)
    total = 0
    for batch in sorted(batch_sizes):
        total += batch_sizes[batch]
        split = fixed.get(batch) or max(
            SPLIT_TARGETS, key=lambda s: (SPLIT_TARGETS[s] * total - counts[s], -list(SPLIT_TARGETS).index(s)))
        assigned[batch] = split
        counts[split] += batch_sizes[batch]
    return assigned


def _normalised(record: dict, split: str) -> dict:
    """Every record gets every key (null when absent) so that Arrow infers one schema."""
    events = [
        {"type": e["type"], "trigger": e.get("trigger"), "arguments": e["arguments"]} for e in record["events"]
    ]
    return {"id": record["id"], "lang": record["lang"], "text": record["text"], "doc_id": record.get("doc_id"),
            "sentence_index": record.get("sentence_index"), "split": split, "events": events}


def build_corpus(shard_root: Path, output: Path, ontology: Ontology) -> dict[str, int]:
    """Convert ``shard_root/<lang>/*.jsonl`` into ``output/<lang>.jsonl`` + documents file."""
    output.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    all_documents: list[dict] = []
    languages = {
        lang_dir.name: {shard.stem: read_shard(shard, lang_dir.name, ontology) for shard in sorted(lang_dir.glob("*.jsonl"))}
        for lang_dir in sorted(p for p in shard_root.iterdir() if p.is_dir())
    }
    dropped: list[str] = []
    english = languages.get("en", {})
    source_splits = assign_splits({batch: len(records) for batch, (records, _) in english.items()})
    for lang, parsed in languages.items():
        # a translation of the parallel set goes where its English source went
        fixed = {batch: source_splits[f"en-{group}"] for batch in parsed
                 if (group := parallel_group(batch)) and f"en-{group}" in source_splits}
        splits = assign_splits({batch: len(shard_records) for batch, (shard_records, _) in parsed.items()}, fixed)
        records: list[dict] = []
        seen_boilerplate: set[str] = set()
        for batch, (shard_records, documents) in parsed.items():
            split = splits[batch]
            for record in shard_records:
                if _repeated_boilerplate(record, seen_boilerplate):
                    dropped.append(record["id"])
                    continue
                records.append(_normalised(record, split))
            for document in documents:
                document["split"] = split
                all_documents.append(document)
        with (output / f"{lang}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts[lang] = len(records)
    with (output / DOCUMENTS_FILE).open("w", encoding="utf-8") as handle:
        for document in all_documents:
            handle.write(json.dumps(document, ensure_ascii=False) + "\n")
    if dropped:
        print(f"kept one copy of repeated event-less lines (page boilerplate): dropped {len(dropped)}: "
              + ", ".join(dropped))
    return counts


def _repeated_boilerplate(record: dict, seen: set[str]) -> bool:
    """Whether ``record`` repeats an earlier event-less line of its language word for word.

    Real pages repeat their furniture ("Advertisement") in every article, and the writers of
    the parallel set did too; one copy is enough to learn it is not news, and more would
    put the same text in train and test. A repeated line that carries an event is left in,
    for the validator to report.
    """
    if record["events"]:
        return False
    key = " ".join(record["text"].lower().split())
    if key in seen:
        return True
    seen.add(key)
    return False
