"""Fine-tune the event model from a config and write a self-contained model directory.

``train(config, output_dir)`` is the plain function; the ``flashpoint train`` CLI
wraps it. Steps: provision the base encoder offline, load the corpus with
``datasets``, window and label it with the serving tokeniser, fine-tune with
AdamW (progress bar with loss and ETA, dev evaluation each epoch, early stopping
on the dev score), tune per-type thresholds on dev, then save, export to ONNX,
and evaluate the exported runtime on dev and test. The directory is assembled
under ``<output_dir>.partial`` and renamed at the end, so an interrupted run never
leaves something that looks like a finished model; the config's ontology, base model
and corpus are checked before either directory is touched (see :mod:`flashpoint.training.staging`).
"""

from __future__ import annotations

import copy
import json
import logging
import platform
import random
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm
from transformers import BertConfig, get_linear_schedule_with_warmup

from flashpoint import __version__
from flashpoint.model_dir import FORMAT, FORMAT_VERSION, MANIFEST
from flashpoint.ontology import Ontology
from flashpoint.normalise import resource_versions
from flashpoint.pipeline import Pipeline
from flashpoint.runtime import OnnxBackend
from flashpoint.runtime import load as load_runtime
from flashpoint.spans import IGNORE
from flashpoint.tokenization import WindowTokenizer
from flashpoint.training.base_encoder import ensure_base_encoder
from flashpoint.training.config import Config, ConfigError, dump_config
from flashpoint.training.corpus.loading import load_dataset
from flashpoint.training.evaluate import dev_summary, evaluate_records, plot_confusion, write_metrics
from flashpoint.training.export import FP32_GRAPHS, export_onnx
from flashpoint.training.features import AugmentedExamples, collate, length_bucketed_batches, parallel_batches
from flashpoint.training.model import EventModel, TorchBackend
from flashpoint.training.quantize import choose_int8, training_calibration_feeds
from flashpoint.training.staging import check_destination, create_staging, publish_model

logger = logging.getLogger(__name__)
WEIGHTS = "model.safetensors"
ENCODER_CONFIG = "encoder_config.json"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_base(config: Config) -> Path:
    if config.model.base == "multilingual-e5-small":
        return ensure_base_encoder()
    path = Path(config.model.base)
    missing = [name for name in ("config.json", "model.safetensors", "tokenizer.json") if not (path / name).is_file()]
    if missing:
        raise ConfigError(f"model.base: {path} is neither 'multilingual-e5-small' nor a BertModel directory "
                          f"(it lacks {', '.join(missing)})")
    return path


def _read_ontology(config: Config) -> Ontology:
    path = Path(config.ontology)
    if not path.is_file():
        raise ConfigError(f"ontology: {path} does not exist")
    return Ontology.from_yaml(path)


def build_model(config: Config, ontology: Ontology, base: Path) -> EventModel:
    """The event model with the pretrained encoder (cut to ``num_layers`` if set)."""
    encoder_config = BertConfig.from_pretrained(base)
    if config.model.num_layers:
        encoder_config.num_hidden_layers = config.model.num_layers
    encoder_config.hidden_dropout_prob = config.model.dropout
    model = EventModel(encoder_config, len(ontology.type_ids), len(ontology.role_ids), config.model.dropout,
                       type_loss=config.training.type_loss, pooling=config.model.pooling)
    pretrained = load_file(str(base / "model.safetensors"))
    wanted = model.encoder.state_dict()
    missing = [k for k in wanted if k not in pretrained]
    if missing:
        raise ValueError(f"base encoder {base} lacks weights: {', '.join(missing[:5])}")
    model.encoder.load_state_dict({k: pretrained[k] for k in wanted})
    model.reset_argument_layer()
    return model


def split_records(records: list[dict], config: Config) -> dict[str, list[dict]]:
    if config.data.languages:
        records = [r for r in records if r["lang"] in set(config.data.languages)]
    splits = {s: [r for r in records if r["split"] == s] for s in ("train", "dev", "test")}
    if config.data.max_records_per_split:
        splits = {s: rs[: config.data.max_records_per_split] for s, rs in splits.items()}
    for split in ("train", "dev"):
        if not splits[split]:
            raise ConfigError(f"data.corpus: {config.data.corpus} has no {split} records")
    return splits


def _freeze(model: EventModel, config: Config) -> None:
    if config.training.freeze_embeddings:
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    for layer in model.encoder.encoder.layer[: config.training.freeze_layers]:
        for parameter in layer.parameters():
            parameter.requires_grad_(False)


def _optimizer(model: EventModel, config: Config) -> torch.optim.Optimizer:
    heads = {id(p) for m in (model.type_head, model.type_embedding, model.tag_head) for p in m.parameters()}
    body = [p for p in model.parameters() if p.requires_grad and id(p) not in heads]
    head = [p for p in model.parameters() if p.requires_grad and id(p) in heads]
    return torch.optim.AdamW(
        [{"params": body, "lr": config.training.learning_rate},
         {"params": head, "lr": config.training.head_learning_rate}],
        weight_decay=config.training.weight_decay,
    )


def _loss(model: EventModel, batch, config: Config) -> torch.Tensor:
    """Type loss plus the tag cross-entropy per token (weighted by ``argument_loss_weight``).

    Sigmoid: BCE summed over the 30 labels (a mean would shrink each label's gradient 30-fold
    and leave the rare positives under-learnt), positives up-weighted. Softmax: cross-entropy
    against the gold types spread evenly, or "none" for a sentence without an event, the
    "none" class weighted by ``none_weight``.
    """
    training = config.training
    head, states = model.encode_head(batch.input_ids, batch.attention_mask)
    labels = batch.type_labels
    smoothing = training.label_smoothing
    loss = head.new_zeros(())
    if training.type_loss in ("sigmoid", "both"):
        logits = head[:, : model.n_types]
        weight = torch.full((model.n_types,), training.type_positive_weight)
        targets = labels * (1.0 - smoothing) + smoothing / 2
        loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
            logits, targets, pos_weight=weight, reduction="sum") / logits.shape[0]
    if training.type_loss in ("softmax", "both"):
        loss = loss + softmax_type_loss(head, labels, training.none_weight, smoothing)
    if training.consistency_weight > 0:
        loss = loss + training.consistency_weight * consistency_loss(head, batch.groups, model.n_types, training.type_loss)
    if len(batch.pair_rows) and training.argument_loss_weight > 0:
        tag_logits = model.tag(states[batch.pair_rows], batch.attention_mask[batch.pair_rows], batch.pair_types)
        loss = loss + training.argument_loss_weight * torch.nn.functional.cross_entropy(
            tag_logits.reshape(-1, tag_logits.shape[-1]), batch.pair_tags.reshape(-1), ignore_index=IGNORE
        )
    return loss


def softmax_type_loss(head: torch.Tensor, labels: torch.Tensor, none_weight: float = 1.0,
                      smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy of the types-plus-none head against the gold types spread evenly.

    A row without an event targets the last ("none") logit. ``none_weight`` scales that
    class's term: real news has fewer, vaguer cues than the corpus, and a lighter "none" is
    the softmax counterpart of the sigmoid head's positive weight (more recall).
    """
    none = (labels.sum(dim=1, keepdim=True) == 0).to(labels.dtype)
    distribution = torch.cat([labels, none], dim=1)
    distribution = distribution / distribution.sum(dim=1, keepdim=True)
    class_weight = None
    if none_weight != 1.0:
        class_weight = head.new_ones(head.shape[1])
        class_weight[-1] = none_weight
    return torch.nn.functional.cross_entropy(head, distribution, weight=class_weight, label_smoothing=smoothing)


def consistency_loss(head: torch.Tensor, groups: torch.Tensor, n_types: int, type_loss: str) -> torch.Tensor:
    """Mean divergence of each grouped row's type probabilities from its group's mean.

    A group is a record and its translations: they carry the same events, so the model
    should give them the same type probabilities whatever the language. Sigmoid heads are
    compared type by type (binary KL summed over types); a softmax head as one distribution.
    Rows outside the parallel set (group -1) and groups of one contribute nothing.
    """
    eps = 1e-6
    if type_loss == "softmax":
        probabilities = torch.softmax(head, dim=1)
    else:
        probabilities = torch.sigmoid(head[:, :n_types])
    grouped = groups >= 0
    if not bool(grouped.any()):
        return head.new_zeros(())
    ids, inverse, counts = torch.unique(groups[grouped], return_inverse=True, return_counts=True)
    p = probabilities[grouped].clamp(eps, 1 - eps)
    sums = torch.zeros((len(ids), p.shape[1]), dtype=p.dtype).index_add_(0, inverse, p)
    mean = (sums / counts[:, None].to(p.dtype))[inverse]
    if type_loss == "softmax":
        divergence = (p * (p.log() - mean.log())).sum(dim=1)
    else:
        divergence = (p * (p.log() - mean.log()) + (1 - p) * ((1 - p).log() - (1 - mean).log())).sum(dim=1)
    in_pairs = counts[inverse] > 1
    if not bool(in_pairs.any()):
        return head.new_zeros(())
    return divergence[in_pairs].mean()


def _log(path: Path, entry: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


def train(config: Config, output_dir: str | Path, progress: bool = True) -> Path:
    """Train, save, export and evaluate; return the finished model directory."""
    output_dir = Path(output_dir)
    started = time.time()
    # Everything the run needs is checked before DIR or DIR.partial is touched.
    check_destination(output_dir)
    ontology = _read_ontology(config)
    base = resolve_base(config)
    tokenizer = WindowTokenizer(base / "tokenizer.json", config.model.max_length, config.model.stride)
    records = load_dataset(config.data.corpus).to_list()
    splits = split_records(records, config)
    logger.info("corpus: %s", {s: len(r) for s, r in splits.items()})
    staging = create_staging(output_dir)
    log_path = staging / "training_log.jsonl"
    seed_everything(config.seed)
    torch.set_num_threads(config.training.threads)
    augment = config.data.augment
    consistency = config.training.consistency_weight > 0
    train_examples = AugmentedExamples(splits["train"], tokenizer, ontology, augment.lowercase, augment.noise,
                                       config.seed, parallel_groups=consistency, uppercase=augment.uppercase)
    make_batches = parallel_batches if consistency else length_bucketed_batches

    model = build_model(config, ontology, base)
    _freeze(model, config)
    optimizer = _optimizer(model, config)
    steps_per_epoch = -(-len(train_examples) // config.training.batch_size)
    total_steps = steps_per_epoch * config.training.epochs
    if config.training.max_steps:
        total_steps = min(total_steps, config.training.max_steps)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.training.warmup_ratio * total_steps), total_steps)
    generator = np.random.default_rng(config.seed)
    dev_pipeline = Pipeline(TorchBackend(model), tokenizer, ontology, {t: 0.5 for t in ontology.type_ids})

    best_score, best_state, best_epoch, stale, step = -1.0, None, 0, 0, 0
    thresholds: dict[str, float] = {}
    for epoch in range(1, config.training.epochs + 1):
        model.train()
        batches = make_batches(train_examples.epoch(generator), config.training.batch_size, generator)
        bar = tqdm(batches, desc=f"epoch {epoch}/{config.training.epochs}", unit="step", disable=not progress)
        running = None
        for examples in bar:
            loss = _loss(model, collate(examples), config)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.training.gradient_clip)
            optimizer.step()
            scheduler.step()
            step += 1
            running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
            bar.set_postfix(loss=f"{running:.4f}", step=step)
            if step % 20 == 0:
                _log(log_path, {"step": step, "epoch": epoch, "loss": round(running, 5), "elapsed_s": round(time.time() - started, 1)})
            if config.training.max_steps and step >= config.training.max_steps:
                break
        summary = dev_summary(dev_pipeline, splits["dev"])
        score = (summary["type_micro_f1"] + summary["argument_f1_given_types"]) / 2
        _log(log_path, {"epoch": epoch, "step": step, "dev_score": round(score, 4),
                        "dev_type_micro_f1": summary["type_micro_f1"],
                        "dev_argument_f1_given_types": summary["argument_f1_given_types"],
                        "elapsed_s": round(time.time() - started, 1)})
        tqdm.write(f"epoch {epoch}: dev type micro-F1 {summary['type_micro_f1']:.3f} (tuned thresholds), "
                   f"argument F1 (gold types) {summary['argument_f1_given_types']:.3f}")
        if score > best_score:
            best_score, best_epoch, stale = score, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
            thresholds = summary["thresholds"]
        else:
            stale += 1
            if stale > config.training.patience:
                tqdm.write(f"early stopping: no dev improvement for {stale} epoch(s)")
                break
        if config.training.max_steps and step >= config.training.max_steps:
            break
    model.load_state_dict(best_state)
    model.eval()

    save_model(model, staging, config, ontology, base, thresholds, tokenizer, best_epoch)
    if config.export.onnx:
        graphs, quantisation = export_model(model, staging, config, splits, tokenizer, ontology)
        metrics = evaluate_saved(staging, splits, graphs)
        metrics["quantisation"] = quantisation
        metrics["training"] = {"best_epoch": best_epoch, "steps": step, "wall_time_s": round(time.time() - started, 1),
                               "train_windows": len(train_examples), "seed": config.seed}
        write_metrics(metrics, staging / "metrics.json")
    return publish_model(staging, output_dir)


def export_model(model: EventModel, directory: Path, config: Config, splits: dict[str, list[dict]],
                 tokenizer: WindowTokenizer, ontology: Ontology) -> tuple[dict, list[dict]]:
    """Export fp32 ONNX and, if the config asks, the int8 plan chosen on dev; update the manifest
    (graphs, and the gazetteer and actor-dictionary versions under ``resources``).

    Calibration windows for outlier smoothing are a seeded sample of the training
    split (never dev or test). Returns the manifest's ``onnx`` entry and the plans tried.
    """
    graphs = export_onnx(model, directory)
    quantisation: list[dict] = []
    if config.export.quantize:
        scorer = onnx_dev_scorer(directory, tokenizer, ontology, splits["dev"])
        feeds = training_calibration_feeds(tokenizer, splits["train"], config.seed)
        graphs["int8"], quantisation = choose_int8(directory, scorer, feeds)
    # the resources records are made from, so a result can be traced to them (issue 12)
    _update_manifest(directory, {"onnx": graphs, "resources": resource_versions()})
    return graphs, quantisation


def onnx_dev_scorer(directory: Path, tokenizer: WindowTokenizer, ontology: Ontology, dev: list[dict]):
    """Score ONNX graphs on dev: (type micro-F1, argument F1 given types, thresholds), with
    per-type thresholds tuned on these graphs' own dev scores."""
    def score(entry: dict | None) -> tuple[float, float, dict[str, float]]:
        graphs = entry or FP32_GRAPHS
        backend = OnnxBackend(directory / graphs["encoder"], directory / graphs["tagger"])
        placeholder = {t: 0.5 for t in ontology.type_ids}  # replaced by the tuned ones below
        summary = dev_summary(Pipeline(backend, tokenizer, ontology, placeholder), dev)
        return summary["type_micro_f1"], summary["argument_f1_given_types"], summary["thresholds"]

    return score


def save_model(model: EventModel, directory: Path, config: Config, ontology: Ontology, base: Path,
               thresholds: dict[str, float], tokenizer: WindowTokenizer, best_epoch: int) -> None:
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(directory / WEIGHTS))
    encoder_config = model.encoder.config.to_dict()
    encoder_config.pop("_attn_implementation_autoset", None)
    (directory / ENCODER_CONFIG).write_text(json.dumps(encoder_config, indent=2, default=str))
    dump_config(config, directory / "config.yaml")
    ontology.to_yaml(directory / "ontology.yaml")
    shutil.copyfile(tokenizer.path, directory / "tokenizer.json")
    (directory / "thresholds.json").write_text(json.dumps(thresholds, indent=2))
    import transformers

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"flashpoint": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
                     "python": platform.python_version()},
        "base_model": json.loads((base / "SOURCE.json").read_text()) if (base / "SOURCE.json").is_file() else str(base),
        "labels": {"types": ontology.type_ids, "roles": ontology.role_ids},
        "tokenizer": {"file": "tokenizer.json", "max_length": tokenizer.max_length, "stride": tokenizer.stride},
        "weights": WEIGHTS,
        "encoder_config": ENCODER_CONFIG,
        "best_epoch": best_epoch,
        "heads": {"type_loss": model.type_loss, "pooling": model.pooling},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2))


def _update_manifest(directory: Path, changes: dict) -> None:
    path = directory / MANIFEST
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest, indent=2))


def evaluate_saved(model_dir: Path, splits: dict[str, list[dict]], graphs: dict) -> dict:
    """Metrics of the exported runtime on the test split, for every exported precision.

    (Dev figures per epoch are in the training log; the int8 choice on dev is in
    ``quantisation``.) Without a test split the full metrics are computed on dev."""
    metrics: dict = {}
    split = "test" if splits.get("test") else "dev"
    for precision in graphs:
        extractor = load_runtime(model_dir, precision=precision)
        metrics.setdefault(split, {})[precision] = evaluate_records(extractor.pipeline, splits[split])
    if splits.get("test"):
        headline = "int8" if "int8" in graphs else "fp32"
        plot_confusion(metrics["test"][headline]["confusion"], model_dir / "confusion_test.png",
                       f"test split, {headline} runtime: gold vs predicted type")
    return metrics


def reexport(model_dir: str | Path) -> dict:
    """Re-export a saved model (fp32 ONNX, int8 chosen on dev) and refresh its test metrics.

    Uses the corpus and seed of the model's own config.yaml, so the int8 choice and
    its thresholds are made exactly as at the end of training.
    """
    from flashpoint.model_dir import read_ontology
    from flashpoint.training.config import load_config

    model_dir = Path(model_dir)
    model, manifest = load_torch_model(model_dir)
    config = load_config(model_dir / "config.yaml")
    tokenizer = WindowTokenizer.from_model_dir(model_dir, manifest)
    splits = split_records(load_dataset(config.data.corpus).to_list(), config)
    graphs, quantisation = export_model(model, model_dir, config, splits, tokenizer, read_ontology(model_dir, manifest))
    refresh_metrics(model_dir, splits, graphs, quantisation=quantisation)
    return graphs


def refresh_metrics(model_dir: Path, splits: dict[str, list[dict]], graphs: dict, **extra) -> None:
    """Re-measure the saved runtimes (``evaluate_saved``) into the model's metrics.json,
    keeping what else it holds (training figures); ``extra`` keys are set as given."""
    path = model_dir / "metrics.json"
    metrics = json.loads(path.read_text()) if path.is_file() else {}
    metrics.update(evaluate_saved(model_dir, splits, graphs), **extra)
    write_metrics(metrics, path)


def load_torch_model(model_dir: str | Path) -> tuple[EventModel, dict]:
    """The saved PyTorch model (for evaluation, parity tests and re-export)."""
    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / MANIFEST).read_text())
    encoder_config = BertConfig.from_dict(json.loads((model_dir / manifest["encoder_config"]).read_text()))
    labels = manifest["labels"]
    heads = manifest.get("heads", {})  # models written before heads were configurable: sigmoid, mean
    model = EventModel(encoder_config, len(labels["types"]), len(labels["roles"]), **heads)
    model.load_state_dict(load_file(str(model_dir / manifest["weights"])))
    return model.eval(), manifest
