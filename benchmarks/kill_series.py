"""Kill -9 a ``flashpoint score`` run at a random moment, run the same command again,
and compare what it wrote with an uninterrupted run of the same command.

Used by ``benchmarks/faults.py`` (10 kills per setting) and by the test suite (a few).
Every kill hits an unfinished run (see :func:`kill_series`). A run counts as an
exact resume when the rerun exits as the uninterrupted run did,
its output equals the uninterrupted output (JSONL byte for byte, Parquet table for
table) and no working file (checkpoint, lock, partial, parts) is left. Documents
lost and duplicated are counted by id against the uninterrupted output.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

WORKING_SUFFIXES = (".lock", ".checkpoint.json", ".partial", ".parts", ".tmp")
SENTENCES = [
    "Gunmen attacked a police post near Gao on Sunday, killing two officers.",
    "Police arrested three protesters in Kano on Friday after a march on the governor's office.",
    "Des hommes armés ont enlevé six commerçants près de Djibo jeudi.",
    "قصفت طائرات حربية مستودعا في إدلب يوم الاثنين.",
    "Analysts expect the ceasefire talks to resume next month in Doha.",
]


def write_archive(path: Path, documents: int) -> Path:
    """A JSONL archive of ``documents`` short multilingual news texts (distinct ids and texts)."""
    with path.open("w", encoding="utf-8") as handle:
        for i in range(documents):
            text = f"{SENTENCES[i % len(SENTENCES)]} Report {i}. {SENTENCES[(i * 3 + 1) % len(SENTENCES)]}"
            handle.write(json.dumps({"id": f"doc-{i:05d}", "text": text}, ensure_ascii=False) + "\n")
    return path


def score_command(inputs: list[Path], output: Path, model: Path, workers: int, chunk_size: int) -> list[str]:
    return [sys.executable, "-m", "flashpoint.cli", "score", *map(str, inputs), "-o", str(output),
            "--model", str(model), "--workers", str(workers), "--chunk-size", str(chunk_size), "--no-progress"]


def document_ids(output: Path) -> list[str]:
    """Document ids in output order (flat formats: one per run of rows with the same id)."""
    if output.name.endswith(".jsonl"):
        return [json.loads(line)["id"] for line in output.read_text(encoding="utf-8").splitlines()]
    import pyarrow.parquet as pq

    ids = pq.read_table(output, columns=["id"]).column("id").to_pylist()
    return [value for i, value in enumerate(ids) if i == 0 or ids[i - 1] != value]


def same_content(output: Path, reference: Path) -> bool:
    if output.name.endswith(".jsonl"):
        return output.read_bytes() == reference.read_bytes()
    import pyarrow.parquet as pq

    return pq.read_table(output).equals(pq.read_table(reference))


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir()
                  if p.name.startswith(output.name) and p.name != output.name and p.name.endswith(WORKING_SUFFIXES))


def run_to_end(command: list[str], timeout: float = 900) -> tuple[int, str, float]:
    started = time.time()
    finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return finished.returncode, finished.stderr, time.time() - started


def kill_at(command: list[str], delay: float) -> bool:
    """Start ``command``, SIGKILL it after ``delay`` seconds; False if it had finished by then."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        pass
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    try:  # worker processes of the killed run: same session, started by this harness
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


@dataclass
class KillOutcome:
    delay: float
    rerun_exit: int | None
    exact: bool
    lost: int
    duplicated: int
    leftovers: list[str]
    message: str = ""


def compare(output: Path, reference: Path, reference_exit: int, rerun_exit: int, delay: float, stderr: str) -> KillOutcome:
    expected = Counter(document_ids(reference))
    got = Counter(document_ids(output)) if output.exists() else Counter()
    lost = sum((expected - got).values())
    duplicated = sum((got - expected).values())
    left = leftovers(output)
    exact = (rerun_exit == reference_exit and output.exists() and same_content(output, reference) and not left)
    return KillOutcome(delay, rerun_exit, exact, lost, duplicated, left, "" if exact else stderr.strip()[-300:])


def _checkpoint(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint.json")


def kill_series(model: Path, archive: Path, workdir: Path, workers: int, suffix: str, runs: int, seed: int,
                chunk_size: int = 8) -> dict:
    """``runs`` kills of unfinished runs of one setting, each followed by the same command.

    Two uninterrupted runs come first: they must agree (the reference is reproducible)
    and the faster gives the span the kill moments are drawn from. A kill that comes
    after the run had finished its work (output complete, checkpoint removed: only the
    process's exit was left) is not a kill of an unfinished run: it is counted apart,
    its output checked against the reference, and another moment is drawn.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    reference, again = workdir / f"reference.{suffix}", workdir / f"again.{suffix}"
    reference_exit, stderr, duration = run_to_end(score_command([archive], reference, model, workers, chunk_size))
    if reference_exit not in (0, 1):
        raise RuntimeError(f"the uninterrupted run failed: {stderr}")
    again_exit, _, again_duration = run_to_end(score_command([archive], again, model, workers, chunk_size))
    reproducible = again_exit == reference_exit and same_content(again, reference)
    span = min(duration, again_duration)
    generator = random.Random(seed)
    outcomes: list[KillOutcome] = []
    finished_before_kill = completed_when_killed = completed_not_exact = attempts = 0
    while len(outcomes) < runs and attempts < 3 * runs:
        attempts += 1
        output = workdir / f"run-{attempts:02d}.{suffix}"
        command = score_command([archive], output, model, workers, chunk_size)
        delay = round(generator.uniform(0.02, 0.95) * span, 3)
        if not kill_at(command, delay):
            finished_before_kill += 1
            continue
        if output.exists() and not _checkpoint(output).exists():
            completed_when_killed += 1
            completed_not_exact += not (same_content(output, reference) and not leftovers(output))
            continue
        rerun_exit, stderr, _ = run_to_end(command)
        outcomes.append(compare(output, reference, reference_exit, rerun_exit, delay, stderr))
    return {"workers": workers, "format": suffix, "runs": runs, "reference_seconds": round(span, 2),
            "reference_reproducible": reproducible, "kills": len(outcomes),
            "exact_resumes": sum(o.exact for o in outcomes),
            "documents_lost": sum(o.lost for o in outcomes), "documents_duplicated": sum(o.duplicated for o in outcomes),
            "finished_before_kill": finished_before_kill, "killed_after_completion": completed_when_killed,
            "completed_but_not_exact": completed_not_exact, "outcomes": [asdict(o) for o in outcomes]}
