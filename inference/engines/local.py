"""The local engine: chunks scored in this process or in worker processes, results in input order.

Each worker process builds its own :class:`ChunkScorer` (one ONNX Runtime session)
and serves chunks from a shared queue, so a slow chunk does not hold the others
back; the driver puts results back in input order. A worker that dies is reported
as an error instead of leaving the run waiting forever.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flashpoint.chunk_scoring import ChunkScorer, ScoredRecord
from flashpoint.readers import InputRecord

_POLL_SECONDS = 1.0


class WorkerFailedError(RuntimeError):
    """A worker process could not load the model or died while scoring."""


def _serve(model_dir: str, precision: str, threads: int, mode: str, tasks, results) -> None:
    """Worker process: load the model once, then score chunks until told to stop."""
    try:
        scorer = ChunkScorer.load(model_dir, precision=precision, threads=threads, mode=mode)
    except Exception as error:  # noqa: BLE001 - reported to the driver, which stops the run
        results.put((-1, f"{type(error).__name__}: {error}"))
        return
    for index, chunk in iter(tasks.get, None):
        results.put((index, scorer(chunk)))


def _in_order(chunks: Iterable[list[InputRecord]], processes: list, tasks, results) -> Iterator[list[ScoredRecord]]:
    window = 2 * len(processes)  # chunks queued ahead, so no worker waits for the driver
    pending = iter(enumerate(chunks))
    sent = received = 0
    exhausted = False
    finished: dict[int, list[ScoredRecord]] = {}
    while True:
        while not exhausted and sent - received < window:
            item = next(pending, None)
            if item is None:
                exhausted = True
            else:
                tasks.put(item)
                sent += 1
        if received == sent and exhausted:
            return
        try:
            index, scored = results.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            dead = [p for p in processes if p.exitcode is not None]
            if dead:
                raise WorkerFailedError(f"worker process {dead[0].pid} died (exit code {dead[0].exitcode})") from None
            continue
        if index < 0:
            raise WorkerFailedError(f"a worker process could not load the model: {scored}")
        finished[index] = scored
        while received in finished:
            yield finished.pop(received)
            received += 1


@contextmanager
def local_engine(model_dir: Path, precision: str, workers: int, mode: str = "spans") -> Iterator:
    """A function from an iterable of chunks to their scored chunks, in order."""
    threads = max(1, (os.cpu_count() or 1) // max(workers, 1))
    if workers <= 1:
        scorer = ChunkScorer.load(model_dir, precision=precision, threads=threads, mode=mode)
        yield lambda chunks: map(scorer, chunks)
        return
    context = multiprocessing.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    processes = [context.Process(target=_serve, args=(str(model_dir), precision, threads, mode, tasks, results), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    try:
        yield lambda chunks: _in_order(chunks, processes, tasks, results)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
