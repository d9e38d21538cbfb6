"""The parallel set: English source batches and their translations, line for line.

A parallel batch is named ``<lang>-par-<NN>`` (``en-par-03``, ``ar-par-03``): line *n* of
every language's file is the same sentence or article, with the same event types per
sentence, written by a writer of that language. Record ids therefore differ only by their
language prefix (``en-par-03-0012`` / ``ar-par-03-0012``, ``en-par-03-d2-s01`` /
``ar-par-03-d2-s01``), which is the parallel key: splits are assigned per key so that no
translation of a test record is trained on, and cross-language agreement is measured per key.
"""

from __future__ import annotations

import re
from pathlib import Path

SHARD_ROOT = Path(__file__).resolve().parents[2] / "data" / "shards"
PARALLEL_BATCH = re.compile(r"^(?P<lang>[a-z]{2})-(?P<group>par-\d+)$")


def parallel_group(batch: str) -> str | None:
    """``par-03`` for the batch ``ar-par-03``; None for a batch outside the parallel set."""
    match = PARALLEL_BATCH.match(batch)
    return match.group("group") if match else None


def parallel_key(record_id: str, lang: str) -> str | None:
    """The language-free key shared by a record and its translations, or None."""
    prefix = f"{lang}-par-"
    return record_id[len(lang) + 1 :] if record_id.startswith(prefix) else None


def alignment_problems(translation: list[dict], source: list[dict], where: str) -> tuple[list[str], list[str]]:
    """(problems, warnings) in matching a translated batch to its English source.

    Both lists are records as :func:`read_shard` returns them. A translation must have the
    same records (same keys, hence the same articles with the same sentence counts) and the
    same event types per record. A different set of roles in an event is only a warning:
    languages count differently (Turkish "bir" is a death count where English "a" is not).
    """
    problems: list[str] = []
    warnings: list[str] = []
    by_key = {parallel_key(r["id"], r["lang"]): r for r in source}
    seen: set[str | None] = set()
    for record in translation:
        key = parallel_key(record["id"], record["lang"])
        seen.add(key)
        original = by_key.get(key)
        if original is None:
            problems.append(f"{where}: {record['id']} has no English source record (en-{key})")
            continue
        types = sorted(e["type"] for e in record["events"])
        if types != sorted(e["type"] for e in original["events"]):
            problems.append(f"{where}: {record['id']} types {types} differ from the source's "
                            f"{sorted(e['type'] for e in original['events'])}")
            continue
        for event, source_event in zip(sorted(record["events"], key=lambda e: e["type"]),
                                       sorted(original["events"], key=lambda e: e["type"])):
            roles = {a["role"] for a in event["arguments"]}
            source_roles = {a["role"] for a in source_event["arguments"]}
            if roles != source_roles:
                warnings.append(f"{where}: {record['id']} {event['type']} roles {sorted(roles)} differ from "
                                f"the source's {sorted(source_roles)}")
    missing = [f"en-{k}" for k in by_key if k not in seen]
    if missing:
        problems.append(f"{where}: {len(missing)} source record(s) not translated, first {missing[0]}")
    return problems, warnings


def source_shard(path: Path) -> Path | None:
    """The English source file of a translated parallel batch (None for English or non-parallel)."""
    group = parallel_group(path.stem)
    lang = path.parent.name
    if group is None or lang == "en":
        return None
    sibling = path.parent.parent / "en" / f"en-{group}.jsonl"
    return sibling if sibling.is_file() else SHARD_ROOT / "en" / f"en-{group}.jsonl"
