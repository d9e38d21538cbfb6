"""Shared fixtures: the tiny model is trained once per test session with the real
pipeline (real tokenizer, base encoder cut to two layers, real ONNX export)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def ontology():
    from flashpoint.ontology import Ontology

    return Ontology.from_yaml(REPO / "configs/ontology/conflict.yaml")


@pytest.fixture(scope="session")
def tiny_config():
    from flashpoint.training.config import load_config

    config = load_config(REPO / "configs/tiny.yaml")
    config.data.corpus = [str(REPO / "tests/data/corpus")]
    config.ontology = str(REPO / "configs/ontology/conflict.yaml")
    return config


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_config) -> Path:
    from flashpoint.training.train import train

    return train(tiny_config, tmp_path_factory.mktemp("models") / "tiny", progress=False)


@pytest.fixture(scope="session")
def extractor(tiny_model):
    import flashpoint

    return flashpoint.load(tiny_model)


@pytest.fixture(scope="session")
def tokenizer_64():
    from flashpoint.tokenization import WindowTokenizer
    from flashpoint.training.base_encoder import ensure_base_encoder

    return WindowTokenizer(ensure_base_encoder() / "tokenizer.json", max_length=64, stride=16)
