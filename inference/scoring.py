"""Batch scoring of archives: resumable, ordered, one status per input record.

Results are written in input order, chunk by chunk. After each chunk the data is
flushed and fsync'ed, then a small checkpoint (documents done, bytes written) is
replaced atomically. A run killed at any moment (kill -9 included) and started
again with the same command truncates the output to the last checkpoint and goes
on from the next document: every document appears exactly once. Parquet output is
written as part files (each renamed into place when complete) and merged at the
end. With ``workers > 1`` chunks are scored in worker processes, each holding its
own ONNX Runtime session, and re-ordered before writing (:mod:`flashpoint.engines.local`);
the records of a chunk become output records in :class:`flashpoint.chunk_scoring.ChunkScorer`,
which every engine shares.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from flashpoint.readers import ColumnMapping, InputRecord, read_inputs
from flashpoint.engines.local import local_engine
from flashpoint.writers import encode_chunk, merge_parquet_parts, output_format, write_parquet_part


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


# -- driver side ------------------------------------------------------------------
def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def _signature(inputs: list[Path], model_dir: Path, precision: str) -> str:
    description = json.dumps([[str(p.resolve()) for p in inputs], str(model_dir.resolve()), precision])
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
) -> ScoreSummary:
    """Score every record of ``inputs`` into ``output``; resume an interrupted run."""
    kind = output_format(output)
    checkpoint_path = _checkpoint_path(output)
    parts_dir = output.with_name(output.name + ".parts")
    signature = _signature(inputs, model_dir, precision)
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

    records = read_inputs(inputs, columns)
    for _ in itertools.islice(records, state["documents"]):
        pass  # already written before the interruption
    started = time.time()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(initial=state["documents"], unit="doc", desc="scoring", dynamic_ncols=True)

    with local_engine(model_dir, precision, workers) as score_chunks, (bar if bar is not None else nullcontext()):
        for chunk in score_chunks(_chunks(records, chunk_size)):
            documents = [document for document, _ in chunk]
            if kind == "parquet":
                temporary = parts_dir / f"part-{state['parts']:06d}.parquet.tmp"
                write_parquet_part(documents, temporary)
                os.replace(temporary, parts_dir / f"part-{state['parts']:06d}.parquet")
                state["parts"] += 1
            else:
                data = encode_chunk(documents, kind, with_header=(kind == "csv" and state["bytes"] == 0))
                with output.open("ab") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                state["bytes"] += len(data)
            for document, n_sentences in chunk:
                summary.sentences += n_sentences
                summary.events += len(document["events"])
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
    if kind == "parquet":
        merge_parquet_parts(sorted(parts_dir.glob("part-*.parquet")), output)
        shutil.rmtree(parts_dir)
    checkpoint_path.unlink(missing_ok=True)
    summary.seconds = time.time() - started
    return summary
