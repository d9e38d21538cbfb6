"""Per-role BIO tags over sub-word tokens: encoding for training, decoding for serving.

Each role has its own O/B/I tag sequence, so spans of different roles may overlap
("killed [target|[fatalities|five] villagers]"), as the annotation guidelines allow.
Training builds its targets with :func:`encode_role_tags` and every runtime decodes
with :func:`decode_role_tags`: one copy of the scheme, so they cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

OUTSIDE, BEGIN, INSIDE = 0, 1, 2
N_TAGS = 3
IGNORE = -100


@dataclass(frozen=True)
class DecodedSpan:
    role: str
    start: int
    end: int
    score: float


def encode_role_tags(offsets: np.ndarray, spans: list[tuple[str, int, int]], roles: list[str]) -> np.ndarray:
    """Tag targets (n_tokens, n_roles) for one window; special tokens get IGNORE.

    A token belongs to a span when their character ranges overlap. Spans that the
    window cuts off (they begin before its first token) are tagged from their first
    visible token, which is what the model will see at serving time too.
    """
    n_tokens = len(offsets)
    tags = np.full((n_tokens, len(roles)), OUTSIDE, dtype=np.int64)
    special = offsets[:, 0] < 0
    tags[special] = IGNORE
    role_index = {role: i for i, role in enumerate(roles)}
    for role, start, end in spans:
        column = role_index[role]
        inside = (~special) & (offsets[:, 0] < end) & (offsets[:, 1] > start) & (offsets[:, 1] > offsets[:, 0])
        positions = np.flatnonzero(inside)
        if positions.size == 0:
            continue
        tags[positions, column] = INSIDE
        tags[positions[0], column] = BEGIN
    return tags


def decode_role_tags(probabilities: np.ndarray, offsets: np.ndarray, roles: list[str], text: str) -> list[DecodedSpan]:
    """Turn tag probabilities (n_tokens, n_roles, 3) into character spans of ``text``.

    A span starts at a B (or at an I that follows no span, so one wrong tag does not
    drop an argument) and extends over the following I tokens, and over the rest of
    its last word whatever their tags (a span never ends or restarts inside a word). Its score is the
    mean probability of the tags chosen for its tokens. Surrounding whitespace and
    punctuation-only edges are trimmed so spans match the guidelines' minimal phrases.
    """
    probabilities = probabilities[: len(offsets)]  # rows past the window are batch padding
    tags = probabilities.argmax(axis=-1)
    spans: list[DecodedSpan] = []
    valid = (offsets[:, 0] >= 0) & (offsets[:, 1] > offsets[:, 0])
    # A sub-word that continues the previous token's word (no gap, starts with a letter
    # or digit) never starts or ends a span on its own: spans keep whole words. So does
    # a hyphen glued to word pieces on both sides ("Port-au-Prince", "Croix-des-Bouquets"),
    # which the tagger often leaves outside a name it otherwise tags whole.
    adjacent = np.zeros(len(offsets), dtype=bool)
    adjacent[1:] = valid[1:] & valid[:-1] & (offsets[1:, 0] == offsets[:-1, 1])
    continues = np.zeros(len(offsets), dtype=bool)
    for token in np.flatnonzero(adjacent):
        first = text[offsets[token, 0]]
        if _is_word_character(first):
            continues[token] = True
        elif first in _HYPHENS and offsets[token, 1] - offsets[token, 0] == 1 and token + 1 < len(offsets) \
                and adjacent[token + 1] and _is_word_character(text[offsets[token + 1, 0]]):
            continues[token] = True
    for column, role in enumerate(roles):
        if not (tags[valid, column] != OUTSIDE).any():
            continue  # a span starts only at a B or an I: nothing to decode for this role
        current: list[int] = []

        def close() -> None:
            if current:
                start = int(offsets[current[0], 0])
                end = int(offsets[current[-1], 1])
                start, end = _trim(text, start, end)
                if end > start:
                    score = float(np.mean([probabilities[t, column, tags[t, column]] for t in current]))
                    spans.append(DecodedSpan(role, start, end, score))
                current.clear()

        for token in range(len(offsets)):
            if not valid[token]:
                continue
            tag = tags[token, column]
            if current and continues[token]:
                tag = INSIDE
            if tag == BEGIN or (tag == INSIDE and not current):
                close()
                # a span that would start inside a word ("outs" of "hideouts") takes the whole word
                first = token
                while continues[first] and first > 0:
                    first -= 1
                current.extend(range(first, token + 1))
            elif tag == INSIDE:
                current.append(token)
            elif current:
                close()
        close()
    return spans


_HYPHENS = "-\u2010\u2011"


def _is_word_character(char: str) -> bool:
    """Letters, combining marks and digits of any script (Arabic harakat and Devanagari
    vowel signs are marks, which ``str.isalnum`` rejects)."""
    return unicodedata.category(char)[0] in "LMN"
_EDGE_PUNCTUATION = " \t\n\r\u00a0,.;:!?()\"'«»“”„،؛"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCTUATION:
        # keep a closing bracket that pairs with an opening one inside the span: "(SAA)"
        if text[end - 1] == ")" and "(" in text[start:end]:
            break
        end -= 1
    return start, end
