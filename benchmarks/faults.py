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

Bad-input catalogue: every kind of ``benchmarks/bad_inputs.py`` (one function per kind,
between good records and followed by a later input file), judged as that script judges it:
the run goes on without a traceback, every good record is scored and the bad one becomes
an error line naming it.
Results go to ``benchmarks/results/faults.json``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bad_inputs import BAD_INPUTS, try_bad_input
from common import machine, save
from kill_series import kill_series, write_archive


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
            result["catalogue"] = [try_bad_input(make, arguments.model, folder / f"bad-{number:02d}")
                                   for number, make in enumerate(BAD_INPUTS)]
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
