"""Training configuration: a strict pydantic schema over YAML, with dotted overrides.

Every key is declared here; an unknown key or a bad value fails before any work
starts, with one message per problem naming its dotted path (``training.lr``)
and what was expected. The resolved config (overrides applied, defaults filled)
is saved in the model directory, so a model always says how it was made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flashpoint.errors import UserError, describe_yaml_error


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class AugmentConfig(_Strict):
    """Real news arrives lower-cased, upper-cased, garbled and unpunctuated; each epoch a training record
    is replaced by such a variant with these probabilities (offsets are remapped by code)."""

    lowercase: float = Field(default=0.0, ge=0.0, le=1.0, description="share of records lower-cased")
    noise: float = Field(default=0.0, ge=0.0, le=1.0, description="share given mojibake or lost punctuation")
    uppercase: float = Field(default=0.0, ge=0.0, le=1.0, description="share upper-cased (agency headlines)")

    @model_validator(mode="after")
    def _shares_fit(self) -> "AugmentConfig":
        if self.lowercase + self.noise + self.uppercase > 1.0:
            raise ValueError("data.augment shares (lowercase + noise + uppercase) must sum to at most 1")
        return self


class DataConfig(_Strict):
    corpus: list[str] = Field(default_factory=lambda: ["data/corpus"], description="corpus files or directories")
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    languages: list[str] | None = Field(default=None, description="keep only these languages")
    max_records_per_split: int | None = Field(default=None, ge=1, description="cap per split, for tiny runs")


class ModelConfig(_Strict):
    base: str = Field(default="multilingual-e5-small", description="'multilingual-e5-small' or a BertModel directory")
    num_layers: int | None = Field(default=None, ge=1, le=12, description="keep only the first N encoder layers")
    max_length: int = Field(default=128, ge=16, le=512)
    stride: int = Field(default=32, ge=0)
    dropout: float = Field(default=0.1, ge=0.0, lt=1.0)
    pooling: Literal["mean", "cls"] = "mean"

    @model_validator(mode="after")
    def _stride_fits(self) -> "ModelConfig":
        if self.stride >= self.max_length - 2:
            raise ValueError(f"stride ({self.stride}) must be smaller than max_length - 2 ({self.max_length - 2})")
        return self


class TrainingConfig(_Strict):
    epochs: int = Field(default=4, ge=1)
    max_steps: int | None = Field(default=None, ge=1, description="stop after this many optimiser steps")
    batch_size: int = Field(default=16, ge=1)
    learning_rate: float = Field(default=5e-5, gt=0)
    head_learning_rate: float = Field(default=1e-3, gt=0)
    weight_decay: float = Field(default=0.01, ge=0)
    warmup_ratio: float = Field(default=0.06, ge=0, lt=1)
    freeze_embeddings: bool = True
    freeze_layers: int = Field(default=0, ge=0, description="freeze the lowest N encoder layers")
    argument_loss_weight: float = Field(default=10.0, ge=0, description="weight of the tag loss against the summed type loss")
    type_positive_weight: float = Field(default=3.0, gt=0, description="BCE weight of positive type labels")
    type_loss: Literal["sigmoid", "softmax", "both"] = Field(
        default="sigmoid", description="independent sigmoids, a softmax over the types plus 'none', or both summed")
    none_weight: float = Field(
        default=1.0, gt=0,
        description="softmax/both heads: cross-entropy weight of the 'none' class against each type "
                    "(below 1 trades precision for recall, as type_positive_weight does for sigmoids)")
    label_smoothing: float = Field(default=0.0, ge=0.0, lt=0.5, description="smoothing of the type targets")
    consistency_weight: float = Field(
        default=0.0, ge=0.0,
        description="weight of the loss pulling a parallel record's type probabilities towards those of its "
                    "translations (0: translations are ordinary training records)")
    patience: int = Field(default=1, ge=0, description="epochs without dev improvement before stopping")
    threads: int = Field(default=2, ge=1)
    gradient_clip: float = Field(default=1.0, gt=0)


class ExportConfig(_Strict):
    onnx: bool = True
    quantize: bool = True


class Config(_Strict):
    seed: int = 13
    ontology: str = "configs/ontology/conflict.yaml"
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)


class ConfigError(UserError):
    """A config that cannot be used; the message lists every problem by path."""


def _format(error: ValidationError, source: str) -> str:
    """One line for one problem; one indented line per problem when there are several."""
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            problems.append(f"{path}: unknown key")
        else:
            problems.append(f"{path}: {item['msg']} (got {item.get('input')!r})")
    if len(problems) == 1:
        return f"invalid config {source}: {problems[0]}"
    return "\n".join([f"invalid config {source}:"] + [f"  {problem}" for problem in problems])


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``section.key=value`` overrides; values are parsed as YAML scalars."""
    for override in overrides:
        if "=" not in override:
            raise ConfigError(f"override {override!r} must look like section.key=value")
        path, value = override.split("=", 1)
        node = raw
        parts = path.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {override!r}: {part} is not a section")
        try:
            node[parts[-1]] = yaml.safe_load(value)
        except yaml.YAMLError as error:
            raise ConfigError(f"override {override!r}: {describe_yaml_error(error, 'value')}") from None
    return raw


def _read_yaml(path: Path) -> Any:
    """The YAML document at ``path``; every way of failing is one :class:`ConfigError` line."""
    if not path.exists():
        raise ConfigError(f"config {path} does not exist")
    if not path.is_file():
        raise ConfigError(f"config {path} is not a file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"config {path} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    except yaml.YAMLError as error:
        raise ConfigError(describe_yaml_error(error, str(path))) from None


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a config; raise :class:`ConfigError` naming each problem."""
    raw: dict[str, Any] = {}
    source = str(path) if path else "(defaults)"
    if path is not None:
        loaded = _read_yaml(Path(path))
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"invalid config {source}: the top level must be a mapping")
        raw = loaded or {}
    raw = apply_overrides(raw, overrides or [])
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_format(error, source)) from None


def dump_config(config: Config, path: Path) -> None:
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
