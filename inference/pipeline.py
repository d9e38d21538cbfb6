"""From documents to events: the processing shared by every runtime.

The pipeline is split GLiNER-style into a processor (language, sentences,
windows), a swappable network backend and a decoder. PyTorch (used in training
and evaluation) and ONNX Runtime (used in serving) implement the same two-call
:class:`Backend`, so the same code turns model outputs into events everywhere.

Decoding rules:
- a sentence carries event type t when the score of t, the max over the
  sentence's windows, reaches t's threshold (tuned per type on the dev split);
- arguments of t are read from each window where t passes, by running the
  type-conditioned tagger for t, and merged across windows by character span;
- one event per (sentence, type): two air strikes in one sentence become one
  event with both places, a known limit of type-conditioned tagging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from flashpoint.datelines import dateline_end
from flashpoint.documents import InputDocument
from flashpoint.language import detect_language
from flashpoint.ontology import Ontology
from flashpoint.results import ArgumentSpan, DocumentResult, Event
from flashpoint.sentences import Sentence, split_sentences
from flashpoint.spans import decode_role_tags
from flashpoint.tokenization import Window, WindowTokenizer, pad_batch

logger = logging.getLogger(__name__)


class Backend(Protocol):
    """The network: a type pass over windows, and a type-conditioned tagging pass."""

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (type logits (B, T), token states (B, L, H))."""

    def tag(self, states: np.ndarray, attention_mask: np.ndarray, type_ids: np.ndarray) -> np.ndarray:
        """Return role-tag logits (B, L, R, 3) for each row conditioned on ``type_ids``."""


# A dateline names where a story was filed: a location at most, never a participant.
_NOT_FROM_DATELINES = frozenset({"actor", "target"})


def _opens_paragraph(text: str, sentence: Sentence) -> bool:
    """Whether ``sentence`` starts the text or a line (where datelines stand)."""
    i = sentence.start - 1
    while i >= 0 and text[i] in " \t\r":
        i -= 1
    return i < 0 or text[i] == "\n"


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class Pipeline:
    """Runs documents through sentence splitting, windowed encoding and decoding."""

    def __init__(
        self,
        backend: Backend,
        tokenizer: WindowTokenizer,
        ontology: Ontology,
        thresholds: dict[str, float],
        batch_size: int = 32,
    ) -> None:
        missing = [t for t in ontology.type_ids if t not in thresholds]
        if missing:
            raise ValueError(f"thresholds missing for event types: {', '.join(missing)}")
        self.backend = backend
        self.tokenizer = tokenizer
        self.ontology = ontology
        self.thresholds = np.asarray([thresholds[t] for t in ontology.type_ids], dtype=np.float32)
        self.batch_size = batch_size
        self.windowed_sentences = 0

    # -- public -----------------------------------------------------------------
    def run(self, documents: list[InputDocument]) -> list[DocumentResult]:
        """Score a list of documents together (their sentences share batches)."""
        langs = [doc.lang or detect_language(doc.text) for doc in documents]
        sentences = [split_sentences(doc.text, lang) for doc, lang in zip(documents, langs)]
        flat: list[tuple[int, Sentence]] = [(d, s) for d, doc_sents in enumerate(sentences) for s in doc_sents]
        scores, arguments = self.score_sentences([s.text for _, s in flat])
        results: list[DocumentResult] = []
        per_doc_events: list[list[Event]] = [[] for _ in documents]
        per_doc_scores = np.zeros((len(documents), len(self.ontology.type_ids)), dtype=np.float32)
        for row, (doc_index, sentence) in enumerate(flat):
            per_doc_scores[doc_index] = np.maximum(per_doc_scores[doc_index], scores[row])
            dateline = dateline_end(sentence.text) if _opens_paragraph(documents[doc_index].text, sentence) else 0
            for type_index in np.flatnonzero(scores[row] >= self.thresholds):
                type_id = self.ontology.type_ids[type_index]
                spans = [
                    ArgumentSpan(span.role, sentence.text[span.start : span.end],
                                 sentence.start + span.start, sentence.start + span.end, span.score)
                    for span in arguments[row].get(int(type_index), [])
                    if span.start >= dateline or span.role not in _NOT_FROM_DATELINES
                ]
                per_doc_events[doc_index].append(
                    Event(type_id, float(scores[row, type_index]), sentence.index, sentence.text, spans)
                )
        for d, doc in enumerate(documents):
            results.append(
                DocumentResult(
                    id=doc.id, text=doc.text, lang=langs[d], date=doc.date, date_source=doc.date_source,
                    event_types={t: float(per_doc_scores[d, i]) for i, t in enumerate(self.ontology.type_ids)},
                    events=per_doc_events[d], roles=self.ontology.role_ids, n_sentences=len(sentences[d]),
                )
            )
        return results

    def score_sentences(
        self, texts: list[str], tag_types: list[list[int]] | None = None
    ) -> tuple[np.ndarray, list[dict[int, list]]]:
        """Type scores (n, T) and decoded argument spans per sentence and type.

        ``tag_types`` forces the types whose arguments are read (evaluation uses the
        gold types to measure argument extraction on its own); by default they are
        the types that pass their thresholds.
        """
        windows_per_text = self.tokenizer.encode(texts)
        n_windowed = sum(len(w) > 1 for w in windows_per_text)
        if n_windowed:
            self.windowed_sentences += n_windowed
            logger.warning(
                "%d sentence(s) longer than %d tokens were cut into overlapping windows (none truncated)",
                n_windowed, self.tokenizer.max_length,
            )
        windows = [w for ws in windows_per_text for w in ws]
        scores = np.zeros((len(texts), len(self.ontology.type_ids)), dtype=np.float32)
        arguments: list[dict[int, list]] = [{} for _ in texts]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        # Tagging and decoding of batch k run on one helper thread while this thread
        # encodes batch k+1: the network calls release the GIL, so the Python decoding
        # fills the gaps of the encoder's thread pool. Tag jobs run one at a time, in
        # order, so merging spans of a text split over several batches stays serial.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="flashpoint-tag") as tagging:
            jobs = []
            for begin in range(0, len(order), self.batch_size):
                batch = [windows[i] for i in order[begin : begin + self.batch_size]]
                input_ids, mask = pad_batch(batch)
                logits, states = self.backend.encode(input_ids, mask)
                probabilities = sigmoid(logits)
                pairs: list[tuple[int, int]] = []
                for row, window in enumerate(batch):
                    scores[window.text_index] = np.maximum(scores[window.text_index], probabilities[row])
                    wanted = (
                        tag_types[window.text_index]
                        if tag_types is not None
                        else np.flatnonzero(probabilities[row] >= self.thresholds).tolist()
                    )
                    pairs.extend((row, int(t)) for t in wanted)
                if pairs:
                    jobs.append(tagging.submit(self._tag, batch, states, mask, pairs, texts, arguments))
            for job in jobs:
                job.result()  # re-raises a tagging error here
        return scores, arguments

    # -- internals ----------------------------------------------------------------
    def _tag(self, batch: list[Window], states: np.ndarray, mask: np.ndarray,
             pairs: list[tuple[int, int]], texts: list[str], arguments: list[dict[int, list]]) -> None:
        for begin in range(0, len(pairs), self.batch_size):
            chunk = pairs[begin : begin + self.batch_size]
            rows = np.asarray([r for r, _ in chunk])
            types = np.asarray([t for _, t in chunk], dtype=np.int64)
            tag_probabilities = softmax(self.backend.tag(states[rows], mask[rows], types))
            for k, (row, type_index) in enumerate(chunk):
                window = batch[row]
                text = texts[window.text_index]
                decoded = decode_role_tags(tag_probabilities[k], window.offsets, self.ontology.role_ids, text)
                merged = arguments[window.text_index].setdefault(type_index, [])
                for span in decoded:
                    duplicate = next((m for m in merged if (m.role, m.start, m.end) == (span.role, span.start, span.end)), None)
                    if duplicate is None:
                        merged.append(span)
                    elif span.score > duplicate.score:
                        merged[merged.index(duplicate)] = span

    def stream(self, documents: Iterable[InputDocument], chunk_size: int = 64) -> Iterator[DocumentResult]:
        """Score documents lazily, ``chunk_size`` documents at a time, in input order."""
        chunk: list[InputDocument] = []
        for document in documents:
            chunk.append(document)
            if len(chunk) >= chunk_size:
                yield from self.run(chunk)
                chunk = []
        if chunk:
            yield from self.run(chunk)
