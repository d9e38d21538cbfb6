"""Cross-language consistency: parallel groups, batches that keep them whole, and the loss
that pulls a record's type probabilities towards its translations'. Exact on scripted inputs."""

from __future__ import annotations

import math

import numpy as np
import torch

from flashpoint.training.features import Example, assign_parallel_groups, featurize, parallel_batches
from flashpoint.training.train import consistency_loss


def _record(record_id: str, lang: str, text: str) -> dict:
    return {"id": record_id, "lang": lang, "text": text, "events": []}


def _example(record: int, group: int) -> Example:
    return Example(np.array([0, 5, 2]), np.zeros(30, dtype=np.float32), {}, record, group)


def test_translations_share_a_group_and_other_records_stay_ungrouped(tokenizer_64, ontology):
    records = [
        _record("en-par-03-0012", "en", "Police detained four men in Mosul on Monday."),
        _record("fr-par-03-0012", "fr", "La police a arrêté quatre hommes à Mossoul lundi."),
        _record("en-par-03-0013", "en", "Markets reopened in the capital."),
        _record("en-07-0001", "en", "Two soldiers were wounded near the border."),
        _record("ar-par-03-0013", "ar", "أعيد فتح الأسواق في العاصمة."),
    ]
    examples = featurize(records, tokenizer_64, ontology)
    assign_parallel_groups(records, examples)
    groups = {records[e.record]["id"]: e.group for e in examples}
    assert groups["en-par-03-0012"] == groups["fr-par-03-0012"] >= 0
    assert groups["en-par-03-0013"] == groups["ar-par-03-0013"] >= 0
    assert groups["en-par-03-0012"] != groups["en-par-03-0013"]
    assert groups["en-07-0001"] == -1


def test_a_record_cut_into_windows_is_left_out_of_its_group(tokenizer_64, ontology):
    long_text = " ".join(["Officials in the province said the convoy was stopped at a checkpoint."] * 12)
    records = [_record("en-par-01-0001", "en", long_text), _record("es-par-01-0001", "es", "Un convoy fue detenido.")]
    examples = featurize(records, tokenizer_64, ontology)
    assign_parallel_groups(records, examples)
    assert len([e for e in examples if e.record == 0]) > 1
    assert {e.group for e in examples if e.record == 0} == {-1}
    assert [e.group for e in examples if e.record == 1] == [0]


def test_parallel_batches_keep_groups_whole_and_use_every_example_once():
    examples = [_example(i, i // 6) for i in range(36)] + [_example(100 + i, -1) for i in range(21)]
    batches = parallel_batches(examples, batch_size=16, generator=np.random.default_rng(3))
    seen = [e.record for batch in batches for e in batch]
    assert sorted(seen) == sorted(e.record for e in examples)
    for group in range(6):
        holding = [i for i, batch in enumerate(batches) if any(e.group == group for e in batch)]
        assert len(holding) == 1
    assert all(len(batch) == 18 for batch in batches if batch[0].group >= 0)
    assert all(e.group == -1 for batch in batches if batch[0].group == -1 for e in batch)


def _binary_kl(p: float, q: float) -> float:
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def test_consistency_loss_is_the_mean_divergence_from_the_group_mean():
    # one type; rows 0 and 1 are a group (probabilities 0.5 and 0.75), row 2 is alone, row 3 ungrouped
    head = torch.tensor([[0.0], [math.log(3.0)], [2.0], [-1.0]])
    groups = torch.tensor([4, 4, 9, -1])
    expected = (_binary_kl(0.5, 0.625) + _binary_kl(0.75, 0.625)) / 2
    assert math.isclose(consistency_loss(head, groups, 1, "sigmoid").item(), expected, rel_tol=1e-5)


def test_consistency_loss_is_zero_for_agreeing_translations_and_pulls_disagreeing_ones_together():
    agreeing = torch.tensor([[1.5, -2.0], [1.5, -2.0]])
    assert consistency_loss(agreeing, torch.tensor([0, 0]), 2, "sigmoid").item() == 0.0
    head = torch.tensor([[2.0, -1.0], [-2.0, -1.0]], requires_grad=True)
    loss = consistency_loss(head, torch.tensor([0, 0]), 2, "sigmoid")
    loss.backward()
    assert loss.item() > 0
    assert head.grad[0, 0] > 0 > head.grad[1, 0]  # a descent step lowers the high logit, raises the low one
    assert head.grad[0, 1] == head.grad[1, 1] == 0


def test_softmax_consistency_compares_whole_distributions_including_none():
    head = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    p = torch.softmax(head, dim=1)
    mean = p.mean(dim=0)
    expected = float(sum((row * (row / mean).log()).sum() for row in p) / 2)
    assert math.isclose(consistency_loss(head, torch.tensor([1, 1]), 2, "softmax").item(), expected, rel_tol=1e-5)


def test_softmax_type_loss_weights_the_none_class_only():
    from flashpoint.training.train import softmax_type_loss

    head = torch.tensor([[2.0, 0.0, 1.0], [0.5, 1.5, -1.0]])
    labels = torch.tensor([[0.0, 0.0], [1.0, 1.0]])  # row 0: no event; row 1: both types
    log_p = torch.log_softmax(head, dim=1)
    none_term = -log_p[0, 2].item()
    type_term = -(0.5 * log_p[1, 0] + 0.5 * log_p[1, 1]).item()
    assert math.isclose(softmax_type_loss(head, labels).item(), (none_term + type_term) / 2, rel_tol=1e-6)
    assert math.isclose(softmax_type_loss(head, labels, none_weight=0.25).item(),
                        (0.25 * none_term + type_term) / 2, rel_tol=1e-6)
