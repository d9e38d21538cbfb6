"""Build the corpus from authors' shard files (inline markup) into record files.

Splits are assigned per authoring batch, never per sentence, so test sentences do
not share a batch's templates with training ones: within each language the sorted
batches cycle through train, train, dev, train, train, test (one batch in six to
dev, one in six to test). Articles keep the split of their batch.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from flashpoint.ontology import Ontology
from flashpoint.training.corpus.loading import DOCUMENTS_FILE
from flashpoint.training.corpus.markup import read_shard

_SPLIT_CYCLE = ("train", "train", "dev", "train", "train", "test")


def assign_splits(batches: list[str]) -> dict[str, str]:
    return {batch: _SPLIT_CYCLE[i % len(_SPLIT_CYCLE)] for i, batch in enumerate(sorted(batches))}


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
    for lang_dir in sorted(p for p in shard_root.iterdir() if p.is_dir()):
        lang = lang_dir.name
        shards = sorted(lang_dir.glob("*.jsonl"))
        splits = assign_splits([s.stem for s in shards])
        records: list[dict] = []
        for shard in shards:
            shard_records, documents = read_shard(shard, lang, ontology)
            split = splits[shard.stem]
            for record in shard_records:
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
    return counts
