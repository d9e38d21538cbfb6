"""Batch scoring of archives: resumable, ordered, one status per input record.

Results are written in input order, chunk by chunk. After each chunk the data is
flushed and fsync'ed, then a small checkpoint (documents done, bytes written) is
replaced atomically. A run killed at any moment (kill -9 included) and started
again with the same command truncates the output to the last checkpoint and goes
on from the next document: every document appears exactly once. Parquet output is
written as part files (each renamed into place when complete) and merged at the
end. With ``workers > 1`` chunks are scored in worker processes, each holding its
own ONNX Runtime session, and re-ordered before writing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from flashpoint.readers import ColumnMapping, InputRecord, read_inputs
from flashpoint.results import error_record
from flashpoint.writers import (encode_chunk, encode_record_chunk, merge_parquet_parts, output_format,
                                write_parquet_part, write_record_parquet_part)


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


class OutputExistsError(FileExistsError):
    pass


# -- worker side ------------------------------------------------------------------
_EXTRACTOR = None
_RECORDS = False


def _init_worker(model_dir: str, precision: str, threads: int, records: bool = False) -> None:
    global _EXTRACTOR, _RECORDS
    from flashpoint.runtime import load

    _EXTRACTOR = load(model_dir, precision=precision, threads=threads)
    _RECORDS = records


def _output(result) -> dict:
    """The output object of one document: the score contract; with records (``--records`` or
    ``--normalise``) also the normalised values beside the spans and the document's records."""
    if not _RECORDS:
        return result.to_dict()
    from flashpoint.records import normalised_document

    return normalised_document(result, _EXTRACTOR.ontology)


def _score_chunk(records: list[InputRecord]) -> list[tuple[dict, int]]:
    """Score one chunk; return (output record, sentence count) per input, in order."""
    from flashpoint.pipeline import InputDocument

    good = [r for r in records if r.error is None]
    results: dict[int, tuple[dict, int]] = {}
    documents = [InputDocument(r.id, r.text, r.lang, r.date) for r in good]
    try:
        scored = _EXTRACTOR.pipeline.run(documents)
        for record, result in zip(good, scored):
            try:
                results[id(record)] = (_output(result), result.n_sentences)
            except Exception as error:  # noqa: BLE001 - this record's error line, the batch goes on
                results[id(record)] = (error_record(record.id, f"records failed: {type(error).__name__}: {error}"), 0)
    except Exception:  # isolate the failing document(s): score one by one
        for record, document in zip(good, documents):
            try:
                result = _EXTRACTOR.pipeline.run([document])[0]
                results[id(record)] = (_output(result), result.n_sentences)
            except Exception as error:  # noqa: BLE001 - any failure becomes this record's error line
                results[id(record)] = (error_record(record.id, f"scoring failed: {type(error).__name__}: {error}"), 0)
    return [results[id(r)] if r.error is None else (error_record(r.id, r.error), 0) for r in records]


# -- driver side ------------------------------------------------------------------
def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def _signature(inputs: list[Path], model_dir: Path, precision: str, mode: str = "spans") -> str:
    """Names a run, so a resume continues only the same run; spans mode keeps its old signature."""
    parts: list = [[str(p.resolve()) for p in inputs], str(model_dir.resolve()), precision]
    if mode != "spans":
        parts.append(mode)
    description = json.dumps(parts)
    return hashlib.sha256(description.encode()).hexdigest()[:16]


def _checkpoint_path(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint.json")


def _write_checkpoint(path: Path, state: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, path)


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
    """Score every record of ``inputs`` into ``output``; resume an interrupted run.

    With ``records`` the output holds one row per merged event (ACLED's columns,
    :mod:`flashpoint.records`) instead of one line per document. With ``normalise``
    (JSONL only) it stays the score contract, one line per document, with the
    normalised values added beside the spans and the document's records in ``records``.
    """
    kind = output_format(output)
    if normalise and records:
        raise ValueError("choose --records (one row per event) or --normalise (one line per document), not both")
    if normalise and kind != "jsonl":
        raise ValueError(f"{output}: --normalise extends the JSONL score contract; write a .jsonl "
                         "(or use --records for CSV/Parquet rows)")
    checkpoint_path = _checkpoint_path(output)
    parts_dir = output.with_name(output.name + ".parts")
    signature = _signature(inputs, model_dir, precision, "records" if records else "normalise" if normalise else "spans")
    state = {"signature": signature, "documents": 0, "bytes": 0, "parts": 0, "sentences": 0, "events": 0, "errors": 0}
    if checkpoint_path.exists() and not force:
        saved = json.loads(checkpoint_path.read_text())
        if saved.get("signature") != signature:
            raise OutputExistsError(f"{checkpoint_path} belongs to a run with other inputs or model; use --force to start over")
        state = saved
    elif (output.exists() or parts_dir.exists()) and not force:
        raise OutputExistsError(f"{output} exists; use --force to overwrite it")
    else:
        for stale in (output, checkpoint_path):
            stale.unlink(missing_ok=True)
        shutil.rmtree(parts_dir, ignore_errors=True)

    summary = ScoreSummary(documents=state["documents"], sentences=state["sentences"], events=state["events"],
                           errors=state["errors"], resumed_from=state["documents"])
    if kind == "parquet":
        parts_dir.mkdir(parents=True, exist_ok=True)
        for orphan in parts_dir.glob("*.tmp"):
            orphan.unlink()
    else:
        with output.open("ab") as handle:
            handle.truncate(state["bytes"])

    pending = read_inputs(inputs, columns)   # not `records`: that name is the output mode
    for _ in itertools.islice(pending, state["documents"]):
        pass  # already written before the interruption
    started = time.time()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(initial=state["documents"], unit="doc", desc="scoring", dynamic_ncols=True)

    threads = max(1, (os.cpu_count() or 1) // max(workers, 1))
    if workers > 1:
        pool = get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(str(model_dir), precision, threads, records or normalise))
        results = pool.imap(_score_chunk, _chunks(pending, chunk_size))
    else:
        pool = None
        _init_worker(str(model_dir), precision, threads, records or normalise)
        results = map(_score_chunk, _chunks(pending, chunk_size))
    try:
        for chunk in results:
            documents = [document for document, _ in chunk]
            if kind == "parquet":
                temporary = parts_dir / f"part-{state['parts']:06d}.parquet.tmp"
                (write_record_parquet_part if records else write_parquet_part)(documents, temporary)
                os.replace(temporary, parts_dir / f"part-{state['parts']:06d}.parquet")
                state["parts"] += 1
            else:
                data = (encode_record_chunk if records else encode_chunk)(
                    documents, kind, with_header=(kind == "csv" and state["bytes"] == 0))
                with output.open("ab") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                state["bytes"] += len(data)
            for document, n_sentences in chunk:
                summary.sentences += n_sentences
                summary.events += len(document["records"]) if records and "records" in document else len(document["events"])
                if document["status"] == "error":
                    summary.errors += 1
                    if len(summary.error_examples) < 5:
                        summary.error_examples.append(f"{document['id']}: {document['error']}")
            summary.documents += len(chunk)
            state.update(documents=summary.documents, sentences=summary.sentences, events=summary.events,
                         errors=summary.errors)
            _write_checkpoint(checkpoint_path, state)
            if bar is not None:
                bar.update(len(chunk))
                bar.set_postfix(events=summary.events, errors=summary.errors)
    finally:
        if pool is not None:
            pool.terminate()
        if bar is not None:
            bar.close()
    if kind == "parquet":
        merge_parquet_parts(sorted(parts_dir.glob("part-*.parquet")), output)
        shutil.rmtree(parts_dir)
    checkpoint_path.unlink(missing_ok=True)
    summary.seconds = time.time() - started
    return summary
