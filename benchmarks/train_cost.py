"""Training cost of the default model on this machine: wall time and peak memory.

    python benchmarks/train_cost.py [--config configs/default.yaml] [--output models/default]

Runs `flashpoint train` as a child process on the full corpus and reports its wall
time and peak resident memory (the targets: <= 20 minutes, <= 8 GB on 2 cores).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import REPO, machine, peak_rss_mb, save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--output", default="models/default")
    args = parser.parse_args()
    started = time.time()
    command = [sys.executable, "-m", "flashpoint.cli", "train", args.config, "-o", args.output]
    completed = subprocess.run(command, cwd=REPO)
    wall = time.time() - started
    if completed.returncode:
        sys.exit(f"training failed with exit code {completed.returncode}")
    result = {"config": args.config, "wall_time_s": round(wall, 1), "wall_time_min": round(wall / 60, 2),
              "peak_rss_gb": round(peak_rss_mb(children=True) / 1024, 2), "machine": machine(),
              "targets": {"wall_time_min": 20, "peak_rss_gb": 8}}
    print(f"training {args.config}: {result['wall_time_min']} min wall time, peak RSS {result['peak_rss_gb']} GB "
          f"on {result['machine']['cpus']} CPUs (targets <= 20 min, <= 8 GB)")
    print(f"wrote {save('train_cost', result)}")


if __name__ == "__main__":
    main()
