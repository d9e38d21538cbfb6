"""Multilingual sentence splitting with character offsets into the document.

pysbd handles abbreviations well ("M. Dupont", "Dr. Smith") for the ~20 languages
it knows; other languages (Turkish among them) and Arabic (whose pysbd rules cut at
the comma "،") go through a punctuation rule that splits after . ! ? … ؟ । 。 when
followed by whitespace and a capital, a caseless letter or a digit, unless the stop
ends a title, an initial or a number. Which splitter ran is a property of the language,
never a silent fallback on error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pysbd.languages import LANGUAGE_CODES


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


# A boundary: sentence-final punctuation, closing quotes, then whitespace before an opening
# quote and a capital, a letter of a caseless script, or a digit. Arabic also ends a
# sentence at a full stop glued to the next word's letter ("القرية.وقتل"): its press often
# drops that space, and a sentence beginning with و / وفي is still a new sentence.
_RULE_BOUNDARY = re.compile(
    r"(?<=[.!?…؟।。])[\"'”»)]*(?:\s+(?=[\"'“«(]*[^\W_a-z])|(?<=\.)(?=[\u0621-\u064a]))"
)
_BLANK_LINES = re.compile(r"\n\s*\n")


@lru_cache(maxsize=32)
def _segmenter(lang: str):
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False, char_span=True)


# Titles that end in a full stop without ending the sentence, in languages pysbd lacks.
_ABBREVIATIONS = frozenset(
    "Dr Prof Doç Av Yrd Gen Org Korg Tuğg Alb Yb Bnb Sn St Mr Mrs Ms No Nr Bkz vb vs Mah Cad Sok".split()
)
_PREVIOUS_WORD = re.compile(r"(\S+)$")
# Languages whose pysbd rules cut inside sentences: Arabic ends a sentence at "،".
_RULE_LANGUAGES = frozenset({"ar", "fa", "ur"})


def _continues_sentence(text: str, stop: int) -> bool:
    """Whether the full stop before ``stop`` belongs to a word, not to the sentence: a title
    ("Dr."), an initial ("A. Petrov", "د."), or a number (a Turkish ordinal, "2. Ordu")."""
    match = _PREVIOUS_WORD.search(text, max(0, stop - 24), stop)
    if match is None:
        return False
    word = match.group(1).rstrip(".\"'”»)").lstrip("\"'“«(")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or word.isdigit()


def _rule_split(text: str) -> list[tuple[int, int]]:
    """Split at punctuation boundaries; linear in the length of ``text``."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _RULE_BOUNDARY.finditer(text):
        if _continues_sentence(text, match.start()):
            continue
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


# pysbd's time grows with the square of the text it is given (160,000 characters of one
# paragraph took 37 s, 20,000 took 0.7 s), so a long block is given to it a window at a
# time. Its decisions are local: the sentences of a window are kept up to the last one
# that ends ``_PYSBD_MARGIN`` characters before the window's end, and the next window
# starts where the first sentence not kept starts, so every kept boundary was decided
# with at least that much text after it. A block within one window is segmented whole,
# exactly as before.
_PYSBD_WINDOW = 4_000
_PYSBD_MARGIN = 500
_UP_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


def _pysbd_spans(text: str, lang: str) -> list[tuple[int, int]]:
    return [(span.start, span.end) for span in _segmenter(lang).segment(text)]


def _pysbd_split(text: str, lang: str) -> list[tuple[int, int]]:
    """pysbd's sentences of ``text``, in time linear in its length."""
    bounds: list[tuple[int, int]] = []
    position = 0
    while len(text) - position > _PYSBD_WINDOW:
        window = text[position : position + _PYSBD_WINDOW]
        kept = [(start, end) for start, end in _pysbd_spans(window, lang) if end <= _PYSBD_WINDOW - _PYSBD_MARGIN]
        if kept and kept[-1][1] > 0:
            bounds.extend((position + start, position + end) for start, end in kept)
            following = kept[-1][1]
            while following < len(window) and window[following].isspace():
                following += 1
            position += following
        else:  # one sentence longer than the window: cut it at its last space in the window
            space = _UP_TO_LAST_SPACE.match(window)
            cut = space.end() if space and space.end() > _PYSBD_WINDOW // 2 else _PYSBD_WINDOW
            bounds.append((position, position + cut))
            position += cut
    bounds.extend((position + start, position + end) for start, end in _pysbd_spans(text[position:], lang))
    return bounds


def _split_block(text: str, lang: str) -> list[tuple[int, int]]:
    if lang in LANGUAGE_CODES and lang not in _RULE_LANGUAGES:
        return _pysbd_split(text, lang)
    return _rule_split(text)


def split_sentences(text: str, lang: str) -> list[Sentence]:
    """Split ``text`` into sentences; offsets index ``text`` and exclude outer whitespace.

    Paragraph breaks (blank lines) always end a sentence: headlines and datelines
    have no final full stop.
    """
    sentences: list[Sentence] = []
    block_start = 0
    blocks = [(m.start(), m.end()) for m in _BLANK_LINES.finditer(text)]
    edges = [(0, blocks[0][0])] if blocks else [(0, len(text))]
    for (_, previous_end), (next_start, _) in zip(blocks, blocks[1:] + [(len(text), None)]):
        edges.append((previous_end, next_start))
    for block_start, block_end in edges:
        block = text[block_start:block_end]
        if not block.strip():
            continue
        for start, end in _split_block(block, lang):
            start, end = block_start + start, block_start + end
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                sentences.append(Sentence(len(sentences), start, end, text[start:end]))
    return sentences
