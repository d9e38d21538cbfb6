"""Fault benchmark: kill -9 series and the bad-input catalogue.

    python benchmarks/faults.py --model models/default            # both parts
    python benchmarks/faults.py --model DIR --runs 10 --documents 300 --skip-catalogue

Kill series: for 1 and 2 workers and for JSONL and Parquet output, an uninterrupted
run gives the reference; then ``--runs`` times the same command is killed with
SIGKILL at a random moment (uniform over the faster of two uninterrupted runs, model
load included; a kill that lands after the run had finished its work is counted apart
and another moment drawn) and run again to the end. Printed per setting: kills, exact resumes (the
rerun exits as the reference did, its output equals the reference, no working file
left), documents lost and duplicated. Random moments come from ``--seed``.

Bad-input catalogue: each entry of ``BAD_INPUTS`` writes one kind of bad input next to
good records and says what must happen; it counts as handled when the run goes on
(exit 1, no traceback), every good record is scored and the bad one becomes an error
line naming it. The entries here are placeholders for the catalogue of the input
work (issue 13, "Every fault contained"): add one function per kind of bad input.
Results go to ``benchmarks/results/faults.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import machine, save
from kill_series import kill_series, score_command, write_archive

GOOD = {"id": "good-before", "text": "Gunmen attacked a police post near Gao on Sunday."}
GOOD_AFTER = {"id": "good-after", "text": "Police arrested three men in Kano on Friday."}


@dataclass
class BadInput:
    """One kind of bad input: the files to score, the ids that must come out ``ok``, and the
    text the bad record's error line must contain."""

    name: str
    inputs: list[Path]
    good_ids: list[str]
    error_contains: str


def _jsonl_around(folder: Path, name: str, bad_line: bytes) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + bad_line + b"\n" + json.dumps(GOOD_AFTER).encode() + b"\n")
    return path


def invalid_json(folder: Path) -> BadInput:
    return BadInput("invalid JSON line", [_jsonl_around(folder, "invalid-json", b"{not json")],
                    ["good-before", "good-after"], "invalid JSON")


def missing_id(folder: Path) -> BadInput:
    return BadInput("record without id", [_jsonl_around(folder, "missing-id", b'{"text": "no id"}')],
                    ["good-before", "good-after"], "field 'id' is missing")


# The catalogue: one function per kind of bad input (see the module docstring).
BAD_INPUTS: list[Callable[[Path], BadInput]] = [invalid_json, missing_id]


def try_bad_input(make: Callable[[Path], BadInput], model: Path, folder: Path) -> dict:
    case = make(folder)
    output = folder / f"{case.inputs[0].stem}.out.jsonl"
    finished = subprocess.run(score_command(case.inputs, output, model, 1, 64), capture_output=True, text=True)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] if output.exists() else []
    ok = {r["id"] for r in records if r["status"] == "ok"}
    errors = [r["error"] for r in records if r["status"] == "error"]
    handled = (finished.returncode == 1 and "Traceback" not in finished.stderr and set(case.good_ids) <= ok
               and any(case.error_contains in e for e in errors))
    return {"kind": case.name, "handled": handled, "exit": finished.returncode,
            "detail": "" if handled else (finished.stderr.strip()[-300:] or f"errors: {errors}")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/default"))
    parser.add_argument("--runs", type=int, default=10, help="kills per setting")
    parser.add_argument("--documents", type=int, default=300, help="documents in the killed archive")
    parser.add_argument("--chunk-size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--skip-kills", action="store_true")
    parser.add_argument("--skip-catalogue", action="store_true")
    arguments = parser.parse_args()
    result: dict = {"machine": machine(), "model": str(arguments.model), "documents": arguments.documents,
                    "chunk_size": arguments.chunk_size, "seed": arguments.seed}
    with tempfile.TemporaryDirectory(prefix="flashpoint-faults-") as temporary:
        folder = Path(temporary)
        if not arguments.skip_catalogue:
            (folder / "bad").mkdir()
            result["catalogue"] = [try_bad_input(make, arguments.model, folder / "bad") for make in BAD_INPUTS]
            handled = sum(entry["handled"] for entry in result["catalogue"])
            print(f"bad-input kinds: {len(BAD_INPUTS)} tried, {handled} handled")
            for entry in result["catalogue"]:
                print(f"  {'ok  ' if entry['handled'] else 'FAIL'} {entry['kind']}" + (f": {entry['detail']}" if entry["detail"] else ""))
        if not arguments.skip_kills:
            archive = write_archive(folder / "archive.jsonl", arguments.documents)
            result["kill_series"] = []
            print(f"kill -9 series: {arguments.runs} runs per setting, {arguments.documents} documents, "
                  f"chunk size {arguments.chunk_size}")
            print(f"{'workers':>7} {'format':>8} {'kills':>6} {'exact resumes':>14} {'lost':>5} {'duplicated':>10} {'reference s':>11}")
            for workers in (1, 2):
                for suffix in ("jsonl", "parquet"):
                    series = kill_series(arguments.model, archive, folder / f"kills-{workers}-{suffix}", workers, suffix,
                                         arguments.runs, arguments.seed + workers, arguments.chunk_size)
                    result["kill_series"].append(series)
                    print(f"{workers:>7} {suffix:>8} {series['kills']:>6} {series['exact_resumes']:>14} "
                          f"{series['documents_lost']:>5} {series['documents_duplicated']:>10} {series['reference_seconds']:>11}")
                    print(f"{'':>16} reference reproduced: {series['reference_reproducible']}; kills after the run "
                          f"had finished (drawn again): {series['killed_after_completion']}, complete output kept: "
                          f"{series['killed_after_completion'] - series['completed_but_not_exact']}; "
                          f"finished before the kill: {series['finished_before_kill']}")
                    for outcome in series["outcomes"]:
                        if not outcome["exact"]:
                            print(f"      not exact after a kill at {outcome['delay']} s: {outcome}")
            series = result["kill_series"]
            print(f"total: {sum(s['kills'] for s in series)} kills, {sum(s['exact_resumes'] for s in series)} exact "
                  f"resumes, {sum(s['documents_lost'] for s in series)} documents lost, "
                  f"{sum(s['documents_duplicated'] for s in series)} duplicated")
    print(f"saved {save('faults', result)}")


if __name__ == "__main__":
    main()
