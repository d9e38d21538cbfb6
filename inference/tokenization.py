"""Sub-word tokenisation into fixed-size windows with character offsets.

Training, evaluation and serving all tokenise through this module, so the model
never sees text cut differently at serving time than at training time. Long
sentences are never truncated: they are cut into overlapping windows of at most
``max_length`` tokens, and the caller merges the windows' predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

# XLM-R special tokens, fixed by the tokenizer file shipped with the base encoder.
BOS_ID, PAD_ID, EOS_ID = 0, 1, 2


@dataclass(frozen=True)
class Window:
    """One model input: token ids with BOS/EOS and each token's character span.

    ``offsets`` has one row per id; special tokens get (-1, -1). ``text_index`` is
    the position of the source text in the batch handed to :meth:`encode`.
    """

    text_index: int
    window_index: int
    ids: np.ndarray
    offsets: np.ndarray


class WindowTokenizer:
    """Wraps a ``tokenizer.json`` and cuts texts into overlapping windows."""

    def __init__(self, tokenizer_path: str | Path, max_length: int = 128, stride: int = 32) -> None:
        if max_length < 8:
            raise ValueError(f"max_length must be at least 8, got {max_length}")
        if not 0 <= stride < max_length - 2:
            raise ValueError(f"stride must be in [0, max_length - 2), got {stride}")
        self.path = Path(tokenizer_path)
        self.tokenizer = Tokenizer.from_file(str(self.path))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.max_length = max_length
        self.stride = stride

    @classmethod
    def from_model_dir(cls, model_dir: str | Path, manifest: dict) -> "WindowTokenizer":
        """The tokenizer a model was trained with, cut into windows exactly as in training."""
        settings = manifest["tokenizer"]
        return cls(Path(model_dir) / settings["file"], settings["max_length"], settings["stride"])

    def encode(self, texts: list[str]) -> list[list[Window]]:
        """Tokenise ``texts``; return, per text, its windows (one unless it is long)."""
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        body = self.max_length - 2
        step = body - self.stride
        result: list[list[Window]] = []
        for index, (text, encoding) in enumerate(zip(texts, encodings)):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            offsets = _trim_offsets(text, encoding.offsets)
            windows: list[Window] = []
            start = 0
            while True:
                stop = min(start + body, len(ids))
                window_ids = np.concatenate([[BOS_ID], ids[start:stop], [EOS_ID]]).astype(np.int64)
                window_offsets = np.concatenate([[[-1, -1]], offsets[start:stop], [[-1, -1]]]).astype(np.int64)
                windows.append(Window(index, len(windows), window_ids, window_offsets))
                if stop >= len(ids):
                    break
                start += step
            result.append(windows)
        return result


def _trim_offsets(text: str, offsets: list[tuple[int, int]]) -> np.ndarray:
    """Move token starts past leading whitespace: SentencePiece's '▁' covers the space."""
    trimmed = np.asarray(offsets, dtype=np.int64).reshape(-1, 2).copy()
    for row in trimmed:
        while row[0] < row[1] and text[row[0]].isspace():
            row[0] += 1
    return trimmed


def pad_batch(windows: list[Window]) -> tuple[np.ndarray, np.ndarray]:
    """Stack windows into (input_ids, attention_mask), padded to the longest one."""
    length = max(len(w.ids) for w in windows)
    input_ids = np.full((len(windows), length), PAD_ID, dtype=np.int64)
    attention_mask = np.zeros((len(windows), length), dtype=np.int64)
    for row, window in enumerate(windows):
        input_ids[row, : len(window.ids)] = window.ids
        attention_mask[row, : len(window.ids)] = 1
    return input_ids, attention_mask
