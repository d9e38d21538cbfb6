"""Batch scoring of archives: resumable, exactly once, one status per input record.

A run is a sequence of chunks written in input order. Its state lives beside the
output (see :mod:`flashpoint.run_state`): the first thing a run writes is its
checkpoint, so a run killed at any moment, even before scoring anything, is
continued by the same command. After each chunk the data is synced to disk, then
the checkpoint (documents done, bytes or part files written) is replaced
atomically; a rerun truncates the output to the checkpoint and goes on from the
next document. JSONL and CSV are appended to ``<output>.partial`` and Parquet is
written as one part file per chunk; only when every record is written does the
result take the output's name (Parquet parts merged under a temporary name,
synced and renamed), so a file at the output's name is always complete.

One writer per output is enforced by a lock; a checkpoint is only continued by a
run with the same inputs (unchanged since: size and modification time), model,
precision, format and CSV columns. With ``workers > 1`` chunks are scored in worker
processes, each with its own ONNX Runtime session, and re-ordered before writing
(:mod:`flashpoint.engines.local`); the records of a chunk become output records in
:class:`flashpoint.chunk_scoring.ChunkScorer`, which every engine shares.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import BinaryIO

from flashpoint.chunk_scoring import counted_events
from flashpoint.durable import fsync_directory, publish
from flashpoint.errors import UserError
from flashpoint.engines.local import local_engine
from flashpoint.model_dir import model_graphs
from flashpoint.readers import ColumnMapping, InputRecord, input_kind, read_inputs
from flashpoint.run_lock import RunLock
from flashpoint.run_state import RunFiles, RunIdentity, RunMismatchError, RunState
from flashpoint.writers import (chunk_encoder, empty_parquet_schema, merge_parquet_parts, output_format,
                                parquet_part_writer)

logger = logging.getLogger(__name__)
MAX_ERROR_EXAMPLES = 5


@dataclass
class ScoreSummary:
    documents: int = 0
    sentences: int = 0
    events: int = 0
    errors: int = 0
    resumed_from: int = 0
    seconds: float = 0.0
    error_examples: list[str] = field(default_factory=list)

    @property
    def documents_per_second(self) -> float:
        scored = self.documents - self.resumed_from
        return scored / self.seconds if self.seconds else 0.0

    def format(self) -> str:
        return (f"documents {self.documents} (resumed after {self.resumed_from}), sentences {self.sentences}, "
                f"events {self.events}, errors {self.errors}, {self.seconds:.1f} s, "
                f"{self.documents_per_second:.1f} documents/s")


class OutputExistsError(UserError):
    """The output is finished already; overwriting it needs ``--force``."""


# -- driver side ------------------------------------------------------------------
def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


# -- where the chunks go ----------------------------------------------------------------
class _ChunkWriter:
    """Appends chunks to the run's partial file or part folder, truncated to the checkpoint first."""

    def __init__(self, kind: str, files: RunFiles, state: RunState, mode: str = "spans") -> None:
        self.kind, self.files, self.state = kind, files, state
        self.mode = mode  # "records": one row per merged event instead of one per document
        self._handle: BinaryIO | None = None
        if kind == "parquet":
            self._prepare_parts()
        else:
            self._prepare_partial()

    def _part(self, index: int) -> Path:
        return self.files.parts / f"part-{index:06d}.parquet"

    def _prepare_parts(self) -> None:
        self.files.parts.mkdir(exist_ok=True)
        expected = {self._part(i).name for i in range(self.state.parts)}
        for leftover in self.files.parts.iterdir():  # written after the last checkpoint: rewritten below
            if leftover.name not in expected:
                leftover.unlink()
        missing = sorted(expected - {p.name for p in self.files.parts.iterdir()})
        if missing:
            raise RunMismatchError(f"{self.files.parts} lacks {', '.join(missing[:3])} named by the checkpoint; "
                                   "use --force to start over")

    def _prepare_partial(self) -> None:
        partial = self.files.partial
        size = partial.stat().st_size if partial.exists() else 0
        if size < self.state.bytes:
            raise RunMismatchError(f"{partial} holds {size} bytes but the checkpoint says {self.state.bytes} were "
                                   "written; use --force to start over")
        self._handle = partial.open("ab")
        self._handle.truncate(self.state.bytes)  # drop what was written after the last checkpoint
        if self.kind == "csv" and self.state.bytes == 0:
            self._append(self._encode([], with_header=True))

    def _encode(self, documents: list[dict], with_header: bool = False) -> bytes:
        return chunk_encoder(self.mode)(documents, self.kind, with_header=with_header)

    def _append(self, data: bytes) -> None:
        assert self._handle is not None
        self._handle.write(data)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.state.bytes += len(data)

    def write(self, documents: list[dict]) -> None:
        if self.kind == "parquet":
            temporary = self._part(self.state.parts).with_suffix(".tmp")
            parquet_part_writer(self.mode)(documents, temporary)
            os.replace(temporary, self._part(self.state.parts))
            fsync_directory(self.files.parts)
            self.state.parts += 1
        else:
            self._append(self._encode(documents))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _publish_output(kind: str, files: RunFiles, state: RunState, mode: str) -> None:
    """Put the complete output in place under its final name (again, if a kill interrupted it)."""
    if kind == "parquet":
        parts = [files.parts / f"part-{i:06d}.parquet" for i in range(state.parts)]
        merge_parquet_parts(parts, files.output, empty_parquet_schema(mode))
    elif files.partial.exists():
        publish(files.partial, files.output)
    elif not files.output.exists():
        raise RunMismatchError(f"{files.partial} is missing; use --force to start over")


# -- the run ------------------------------------------------------------------------------
def requested_mode(records: bool, normalise: bool) -> str:
    """The output mode (:data:`flashpoint.chunk_scoring.OUTPUT_MODES`) asked by ``--records``/``--normalise``."""
    if records and normalise:
        raise UserError("choose --records (one row per event) or --normalise (one line per document), not both")
    return "records" if records else "normalise" if normalise else "spans"


def output_mode(output: Path, records: bool, normalise: bool) -> str:
    """:func:`requested_mode`, checked against the output file's format."""
    mode = requested_mode(records, normalise)
    if mode == "normalise" and output_format(output) != "jsonl":
        raise UserError(f"{output}: --normalise extends the JSONL score contract; write a .jsonl "
                        "(or use --records for CSV/Parquet rows)")
    return mode


def _check_request(inputs: list[Path], output: Path) -> None:
    """Refuse a run that cannot succeed before anything is written."""
    if not inputs:
        raise UserError("no inputs given")
    for path in inputs:
        if not path.exists():
            raise UserError(f"input {path} does not exist")
        try:
            input_kind(path)
        except ValueError as error:
            raise UserError(str(error)) from None
        if path.resolve() == output.resolve() or (output.exists() and os.path.samefile(path, output)):
            raise UserError(f"the output {output} is also an input: choose another output file")
    if output.is_dir():
        raise UserError(f"the output {output} is a directory: name a .jsonl, .csv or .parquet file")


def _discard(files: RunFiles) -> None:
    """Remove a run's working files (never the finished output)."""
    files.checkpoint.unlink(missing_ok=True)
    files.partial.unlink(missing_ok=True)
    shutil.rmtree(files.parts, ignore_errors=True)
    fsync_directory(files.output.parent)


def _open_run(files: RunFiles, identity: RunIdentity, force: bool) -> tuple[RunState, bool]:
    """The state to continue, or a new one saved at once; and whether it is new."""
    if force:
        _discard(files)  # the old output stays until the new one replaces it
    elif files.checkpoint.exists():
        return RunState.load(files.checkpoint, identity), False
    elif files.output.exists():
        raise OutputExistsError(f"{files.output} exists; use --force to overwrite it")
    elif files.partial.exists() or files.parts.exists():
        logger.warning("removing %s without a checkpoint (an earlier version's run)", files.partial)
        _discard(files)
    state = RunState(identity)
    state.save(files.checkpoint)
    return state, True


def score_archive(
    inputs: list[Path],
    output: Path,
    model_dir: Path,
    *,
    workers: int = 1,
    precision: str = "int8",
    chunk_size: int = 64,
    columns: ColumnMapping | None = None,
    force: bool = False,
    progress: bool = True,
    records: bool = False,
    normalise: bool = False,
) -> ScoreSummary:
    """Score every record of ``inputs`` into ``output``; continue an interrupted run of the same command.

    With ``records`` the output holds one row per merged event (ACLED's columns,
    :mod:`flashpoint.records`) instead of one line per document; a failed document
    keeps one error row. With ``normalise`` (JSONL only) it stays the score contract,
    one line per document, with normalised values beside the spans and the document's
    records under ``records``.
    """
    inputs, output, model_dir = [Path(p) for p in inputs], Path(output), Path(model_dir)
    columns = columns or ColumnMapping()
    kind = output_format(output)
    mode = output_mode(output, records, normalise)
    _check_request(inputs, output)
    model_graphs(model_dir, precision)  # a wrong model directory is refused before any file is made
    output.parent.mkdir(parents=True, exist_ok=True)
    files = RunFiles(output)
    identity = RunIdentity.of(inputs, model_dir, precision, kind, list(astuple(columns)), mode)
    with RunLock(files.lock, output):
        state, fresh = _open_run(files, identity, force)
        try:
            return _run(state, files, kind, mode, inputs, model_dir, precision, workers, chunk_size, columns, progress)
        except BaseException:
            if fresh and state.documents == 0 and state.phase == "scoring":
                _discard(files)  # nothing scored: leave nothing behind
            raise


def _run(state: RunState, files: RunFiles, kind: str, mode: str, inputs: list[Path], model_dir: Path, precision: str,
         workers: int, chunk_size: int, columns: ColumnMapping, progress: bool) -> ScoreSummary:
    summary = ScoreSummary(documents=state.documents, sentences=state.sentences, events=state.events,
                           errors=state.errors, resumed_from=state.documents,
                           error_examples=list(state.error_examples))
    started = time.time()
    if state.phase == "scoring":
        writer = _ChunkWriter(kind, files, state, mode)
        try:
            _score_remaining(state, summary, writer, files, mode, inputs, model_dir, precision, workers, chunk_size,
                             columns, progress)
        finally:
            writer.close()
        state.phase = "finishing"
        state.save(files.checkpoint)
    if state.phase == "finishing":
        _publish_output(kind, files, state, mode)
        state.phase = "complete"
        state.save(files.checkpoint)
    shutil.rmtree(files.parts, ignore_errors=True)
    files.checkpoint.unlink()
    fsync_directory(files.output.parent)
    summary.seconds = time.time() - started
    return summary


def _score_remaining(state: RunState, summary: ScoreSummary, writer: _ChunkWriter, files: RunFiles, mode: str,
                     inputs: list[Path], model_dir: Path, precision: str, workers: int, chunk_size: int,
                     columns: ColumnMapping, progress: bool) -> None:
    records = read_inputs(inputs, columns)
    for _ in itertools.islice(records, state.documents):
        pass  # written before the interruption
    bar = None
    if progress:
        from tqdm import tqdm

        from flashpoint.input_size import count_records

        bar = tqdm(total=count_records(inputs), initial=state.documents, unit="doc", desc="scoring",
                   dynamic_ncols=True)
    try:
        with local_engine(model_dir, precision, workers, mode) as score_chunks:
            for chunk in score_chunks(_chunks(records, chunk_size)):
                writer.write([document for document, _ in chunk])
                for document, n_sentences in chunk:
                    summary.sentences += n_sentences
                    # events are counted as the output counts them: merged records in records mode
                    summary.events += counted_events(document, mode)
                    if document["status"] == "error":
                        summary.errors += 1
                        if len(summary.error_examples) < MAX_ERROR_EXAMPLES:
                            summary.error_examples.append(f"{document['id']}: {document['error']}")
                summary.documents += len(chunk)
                state.documents, state.sentences, state.events = summary.documents, summary.sentences, summary.events
                state.errors, state.error_examples = summary.errors, list(summary.error_examples)
                state.save(files.checkpoint)
                if bar is not None:
                    bar.update(len(chunk))
                    bar.set_postfix(events=summary.events, errors=summary.errors)
    finally:
        if bar is not None:
            bar.close()

