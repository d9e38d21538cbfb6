"""Corpus records into model inputs and targets, built with the serving tokeniser.

Each record becomes one or more windows (long sentences are windowed exactly as at
serving time). A window carries its multi-hot type labels and, for every gold
event type, the per-role O/B/I targets of that type's arguments; the encoder runs
once per window and the tagger once per (window, gold type) pair.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from flashpoint.ontology import Ontology
from flashpoint.spans import IGNORE, encode_role_tags
from flashpoint.tokenization import PAD_ID, WindowTokenizer

logger = logging.getLogger(__name__)


@dataclass
class Example:
    ids: np.ndarray
    type_labels: np.ndarray
    tag_targets: dict[int, np.ndarray]


def featurize(records: list[dict], tokenizer: WindowTokenizer, ontology: Ontology) -> list[Example]:
    """Windows with targets for ``records``; warns how many sentences needed windows."""
    windows_per_record = tokenizer.encode([r["text"] for r in records])
    examples: list[Example] = []
    windowed = 0
    for record, windows in zip(records, windows_per_record):
        windowed += len(windows) > 1
        labels = np.zeros(len(ontology.type_ids), dtype=np.float32)
        spans_by_type: dict[int, list[tuple[str, int, int]]] = {}
        for event in record["events"]:
            type_index = ontology.type_index[event["type"]]
            labels[type_index] = 1.0
            spans_by_type.setdefault(type_index, []).extend(
                (a["role"], a["start"], a["end"]) for a in event["arguments"]
            )
        for window in windows:
            targets = {
                t: encode_role_tags(window.offsets, spans, ontology.role_ids) for t, spans in spans_by_type.items()
            }
            examples.append(Example(window.ids, labels, targets))
    if windowed:
        logger.warning(
            "%d of %d sentences exceed %d tokens and were split into overlapping windows (nothing truncated)",
            windowed, len(records), tokenizer.max_length,
        )
    return examples


@dataclass
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    type_labels: torch.Tensor
    pair_rows: torch.Tensor
    pair_types: torch.Tensor
    pair_tags: torch.Tensor


def collate(examples: list[Example]) -> Batch:
    length = max(len(e.ids) for e in examples)
    input_ids = np.full((len(examples), length), PAD_ID, dtype=np.int64)
    mask = np.zeros_like(input_ids)
    rows, types, tags = [], [], []
    for row, example in enumerate(examples):
        input_ids[row, : len(example.ids)] = example.ids
        mask[row, : len(example.ids)] = 1
        for type_index, target in example.tag_targets.items():
            padded = np.full((length, target.shape[1]), IGNORE, dtype=np.int64)
            padded[: len(target)] = target
            rows.append(row)
            types.append(type_index)
            tags.append(padded)
    n_roles = next((t.shape[1] for e in examples for t in e.tag_targets.values()), 0)
    return Batch(
        input_ids=torch.from_numpy(input_ids),
        attention_mask=torch.from_numpy(mask),
        type_labels=torch.from_numpy(np.stack([e.type_labels for e in examples])),
        pair_rows=torch.tensor(rows, dtype=torch.long),
        pair_types=torch.tensor(types, dtype=torch.long),
        pair_tags=torch.from_numpy(np.stack(tags)) if tags else torch.zeros((0, length, n_roles), dtype=torch.long),
    )


def length_bucketed_batches(examples: list[Example], batch_size: int, generator: np.random.Generator) -> list[list[Example]]:
    """Shuffle, then sort within pools of 50 batches by length: little padding, still random."""
    order = generator.permutation(len(examples))
    pool = batch_size * 50
    batches: list[list[Example]] = []
    for begin in range(0, len(order), pool):
        chunk = sorted(order[begin : begin + pool], key=lambda i: len(examples[i].ids))
        batches.extend([examples[i] for i in chunk[b : b + batch_size]] for b in range(0, len(chunk), batch_size))
    generator.shuffle(batches)
    return batches
