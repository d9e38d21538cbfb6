"""The work of scoring, apart from any engine: a chunk of input records in, one output record per input out.

Every engine calls the same :class:`ChunkScorer`: the local run in its own process,
its worker processes, and each Ray actor. So the engines cannot disagree on what a
record becomes; they only differ in where the chunk is scored and how results are
put back in order. The scorer is an object holding its loaded model, so each process
or actor owns exactly one ONNX Runtime session and nothing lives in module globals.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flashpoint.readers import InputRecord
from flashpoint.results import error_record

if TYPE_CHECKING:
    from flashpoint.runtime import Extractor

# One output record (the score-output contract) and the number of sentences read.
ScoredRecord = tuple[dict, int]

# What a document becomes: the score contract ("spans"); the contract with normalised
# values beside the spans and the document's merged records ("normalise"); or the same
# object, written later as one row per record ("records"). The scorer only needs to know
# whether to build records; the writer decides the rows.
OUTPUT_MODES = ("spans", "normalise", "records")


def counted_events(document: dict, mode: str) -> int:
    """The events an output record counts for in a run's summary: its merged records in
    records mode (the rows it becomes), else its sentence-level events. One rule for every
    engine, so local and distributed summaries agree."""
    return len(document.get("records", [])) if mode == "records" else len(document["events"])


class ChunkScorer:
    """Scores chunks of input records with one loaded model."""

    def __init__(self, extractor: Extractor, mode: str = "spans") -> None:
        if mode not in OUTPUT_MODES:
            raise ValueError(f"unknown output mode {mode!r} (one of {', '.join(OUTPUT_MODES)})")
        self.extractor = extractor
        self.mode = mode

    @classmethod
    def load(cls, model_dir: str | Path, precision: str = "int8", threads: int | None = None,
             mode: str = "spans") -> ChunkScorer:
        """Load the model for this process (or actor) and wrap it."""
        from flashpoint.runtime import load

        return cls(load(model_dir, precision=precision, threads=threads), mode)

    def _output(self, record: InputRecord, result) -> ScoredRecord:
        """The output object of one scored document; a failure to build its records is its error line."""
        if self.mode == "spans":
            return result.to_dict(), result.n_sentences
        try:
            return self.extractor.normalised(result), result.n_sentences
        except Exception as error:  # noqa: BLE001 - this record's error line, the batch goes on
            return error_record(record.id, f"records failed: {type(error).__name__}: {error}"), 0

    def __call__(self, records: list[InputRecord]) -> list[ScoredRecord]:
        """One (output record, sentence count) per input record, in input order.

        Records that failed reading keep their error. When the chunk fails as a whole
        it is scored again one document at a time, so a failing document becomes its
        own error record and never takes its neighbours down.
        """
        good = [r for r in records if r.error is None]
        results: dict[int, ScoredRecord] = {}
        documents = [r.document() for r in good]
        try:
            scored = self.extractor.pipeline.run(documents)
            for record, result in zip(good, scored):
                results[id(record)] = self._output(record, result)
        except Exception:  # isolate the failing document(s): score one by one
            for record, document in zip(good, documents):
                try:
                    result = self.extractor.pipeline.run([document])[0]
                    results[id(record)] = self._output(record, result)
                except Exception as error:  # noqa: BLE001 - any failure becomes this record's error line
                    results[id(record)] = (error_record(record.id, f"scoring failed: {type(error).__name__}: {error}"), 0)
        return [results[id(r)] if r.error is None else (error_record(r.id, r.error), 0) for r in records]
