"""Corpus records into model inputs and targets, built with the serving tokeniser.

Each record becomes one or more windows (long sentences are windowed exactly as at
serving time). A window carries its multi-hot type labels and, for every gold
event type, the per-role O/B/I targets of that type's arguments; the encoder runs
once per window and the tagger once per (window, gold type) pair.
"""

from __future__ import annotations

import logging
import random
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
    record: int = 0  # index of the record it came from (a long record gives several windows)
    group: int = -1  # parallel group (a record and its translations), -1 outside the parallel set


def featurize(records: list[dict], tokenizer: WindowTokenizer, ontology: Ontology) -> list[Example]:
    """Windows with targets for ``records``; warns how many sentences needed windows."""
    windows_per_record = tokenizer.encode([r["text"] for r in records])
    examples: list[Example] = []
    windowed = 0
    for record_index, (record, windows) in enumerate(zip(records, windows_per_record)):
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
            examples.append(Example(window.ids, labels, targets, record_index))
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
    groups: torch.Tensor
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
        groups=torch.tensor([e.group for e in examples], dtype=torch.long),
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


def parallel_batches(examples: list[Example], batch_size: int, generator: np.random.Generator) -> list[list[Example]]:
    """Batches in which every parallel group travels whole, so that a consistency loss can
    compare a record with its translations; the other examples are length-bucketed as usual.

    Whole groups are added to a batch while it holds fewer than ``batch_size`` windows (six
    languages per group: 18 windows for a batch size of 16). Every example appears once.
    """
    grouped: dict[int, list[Example]] = {}
    rest: list[Example] = []
    for example in examples:
        if example.group >= 0:
            grouped.setdefault(example.group, []).append(example)
        else:
            rest.append(example)
    batches = length_bucketed_batches(rest, batch_size, generator) if rest else []
    current: list[Example] = []
    for group in generator.permutation(sorted(grouped)):
        current.extend(grouped[int(group)])
        if len(current) >= batch_size:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    generator.shuffle(batches)
    return batches


def assign_parallel_groups(records: list[dict], examples: list[Example]) -> None:
    """Give every single-window example of a parallel record its group number.

    The group is the record's parallel key (the same for a record and its translations);
    a record cut into several windows stays ungrouped, since its windows are not
    translations of each other's windows.
    """
    from flashpoint.training.corpus.parallel import parallel_key

    keys = [parallel_key(record["id"], record["lang"]) for record in records]
    numbers = {key: number for number, key in enumerate(sorted({k for k in keys if k is not None}))}
    windows = np.bincount([e.record for e in examples], minlength=len(records))
    for example in examples:
        key = keys[example.record]
        if key is not None and windows[example.record] == 1:
            example.group = numbers[key]


class AugmentedExamples:
    """Training windows of each record in its clean form and in its noisy variants, and the
    draw, made afresh each epoch, of which form each record takes."""

    def __init__(self, records: list[dict], tokenizer: WindowTokenizer, ontology: Ontology,
                 lowercase: float, noise: float, seed: int, parallel_groups: bool = False,
                 uppercase: float = 0.0) -> None:
        from flashpoint.training.augment import lowercased, noisy_variant, uppercased

        rng = random.Random(seed)
        variants = ((lowercase, lowercased), (noise, lambda r: noisy_variant(r, rng)), (uppercase, uppercased))
        self.forms = [featurize(records, tokenizer, ontology)]
        # (first draw value, end draw value, form index) of each variant: shares laid end to end,
        # in a fixed order, so adding a share never moves the draws of the ones before it
        self.shares: list[tuple[float, float, int]] = []
        start = 0.0
        for share, make in variants:
            if share > 0:
                self.forms.append(featurize([make(r) for r in records], tokenizer, ontology))
                self.shares.append((start, start + share, len(self.forms) - 1))
            start += share
        self.n_records = len(records)
        if parallel_groups:
            for form in self.forms:
                assign_parallel_groups(records, form)
        self.by_record = [_group(form, self.n_records) for form in self.forms]

    def __len__(self) -> int:
        return len(self.forms[0])

    def epoch(self, generator: np.random.Generator) -> list[Example]:
        """Every record once, clean or as one of its variants, by the configured shares."""
        if len(self.forms) == 1:
            return self.forms[0]  # no draw: a recipe without augmentation trains exactly as before
        draws = generator.random(self.n_records)
        examples: list[Example] = []
        for record, draw in enumerate(draws):
            form = next((index for low, high, index in self.shares if low <= draw < high), 0)
            examples.extend(self.by_record[form][record])
        return examples


def _group(examples: list[Example], n_records: int) -> list[list[Example]]:
    groups: list[list[Example]] = [[] for _ in range(n_records)]
    for example in examples:
        groups[example.record].append(example)
    return groups
