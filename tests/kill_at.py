"""Run the ``flashpoint`` CLI and SIGKILL it at one exact point of its own code.

    python tests/kill_at.py MODULE:ATTRIBUTE N before|after -- score ...

The N-th call of ``MODULE.ATTRIBUTE`` kills the process (kill -9, no clean-up
runs) just before or just after the call. Tests use it to place real kills at the
moments random kills rarely hit: before the first checkpoint, between a rename
and the checkpoint that records it, in the middle of a Parquet merge.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys


def arm(target: str, count: int, when: str) -> None:
    module_name, attribute = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, attribute)
    calls = 0

    def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == count and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == count and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(module, attribute, wrapper)


if __name__ == "__main__":
    target, count, when, separator, *arguments = sys.argv[1:]
    assert separator == "--" and when in ("before", "after"), __doc__
    arm(target, int(count), when)
    sys.argv = ["flashpoint", *arguments]
    from flashpoint.cli import main

    main()
