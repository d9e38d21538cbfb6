"""What the normalisers cost: cold start with and without them, and each call.

    python benchmarks/normalisers.py [--model models/default] [--repeats 5] [--calls 2000]

Cold start: each scenario runs in a fresh Python process, --repeats times, and the
median wall time from interpreter start to the end of the scenario is reported:
  import             `import flashpoint`
  import+normalise   `import flashpoint.normalise` (lazy: loads nothing yet)
  normalisers ready  one call of each normaliser (dateparser, text_to_num, the cached
                     gazetteer index, the actor dictionary all loaded)
  load               `flashpoint.load(model)` (the README's cold start), if --model exists
  load+normalisers   the model and every normaliser ready
The gazetteer index must already be built (the script builds it first and reports
how long that took, or 0 when it was cached); the first run on a new machine or a
new library version pays that once.
Per call: the median of --calls calls on a mix of written spans per normaliser, in
one warm process; and, for dates, an absolute date whose dateparser reading is not
cached yet (the costly case).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from common import REPO, machine, save

WARM_ALL = """
from flashpoint.normalise import resolve_date, geocode, resolve_actor, parse_fatalities
resolve_date("12 March", "2025-03-19", "en"); geocode("Kharkiv", "en")
resolve_actor("Nigerian troops", "en"); parse_fatalities("twenty-three", "en")
"""

SCENARIOS = {
    "import": "import flashpoint",
    "import+normalise": "import flashpoint, flashpoint.normalise",
    "normalisers ready": "import flashpoint" + WARM_ALL,
}

CALLS = {
    "resolve_date": [("on Sunday", "2025-03-19", "en"), ("12 марта", "2025-03-19", "ru"), ("أمس", "2025-03-19", "ar"),
                     ("il y a deux jours", "2025-03-19", "fr"), ("el 12 de marzo", "2025-03-19", "es"),
                     ("pazar günü", "2025-03-19", "tr")],
    "geocode": [("near the town of Kidal", "en"), ("под Харьковом", "ru"), ("محافظة إدلب", "ar"), ("Maïdougouri", "fr"),
                ("Gao", "en"), ("Halep'te", "tr")],
    "resolve_actor": [("Nigerian troops", "en"), ("suspected JNIM militants", "en"), ("الجيش النيجيري", "ar"),
                      ("des hommes armés", "fr"), ("хуситы", "ru"), ("silahlı kişiler", "tr")],
    "parse_fatalities": [("at least 12", "en"), ("des dizaines", "fr"), ("двадцать три", "ru"), ("ثلاثة", "ar"),
                         ("yirmi üç", "tr"), ("veintitrés", "es")],
}


def run(code: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one fresh process running ``code``.

    CPU time is reported beside wall time because a shared machine under load
    stretches wall time by whatever else runs; CPU time is what the process itself costs.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def per_call(calls: int) -> dict[str, float]:
    """Median microseconds per call, each normaliser warmed first."""
    import flashpoint.normalise as normalise

    functions = {"resolve_date": normalise.resolve_date, "geocode": normalise.geocode,
                 "resolve_actor": normalise.resolve_actor, "parse_fatalities": normalise.parse_fatalities}
    result = {}
    for name, cases in CALLS.items():
        function = functions[name]
        for case in cases:
            function(*case)
        timings = []
        for i in range(calls):
            case = cases[i % len(cases)]
            start = time.perf_counter()
            function(*case)
            timings.append(time.perf_counter() - start)
        result[name] = round(statistics.median(timings) * 1e6, 1)
    # A date span never seen before (the mix above repeats, so dateparser's readings are cached).
    from flashpoint.normalise.dates import _dateparser

    timings = []
    for i in range(min(calls, 300)):
        _dateparser.cache_clear()
        case = [("12 March", "2025-03-19", "en"), ("12 марта", "2025-03-19", "ru"), ("el 12 de marzo", "2025-03-19", "es")][i % 3]
        start = time.perf_counter()
        normalise.resolve_date(*case)
        timings.append(time.perf_counter() - start)
    result["resolve_date (absolute date never seen before)"] = round(statistics.median(timings) * 1e6, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()

    start = time.perf_counter()
    from flashpoint.normalise.gazetteer import gazetteer, gazetteer_version

    gazetteer()
    index_seconds = time.perf_counter() - start

    scenarios = dict(SCENARIOS)
    model = (REPO / args.model).resolve()
    if (model / "manifest.json").exists():
        scenarios["load"] = f"import flashpoint; flashpoint.load({str(model)!r})"
        scenarios["load+normalisers"] = f"import flashpoint; flashpoint.load({str(model)!r})" + WARM_ALL
    cold = {name: [] for name in scenarios}
    cpu = {name: [] for name in scenarios}
    for _ in range(args.repeats):  # scenarios take turns, so the machine's drift falls on all alike
        for name, code in scenarios.items():
            wall, seconds = run(code)
            cold[name].append(wall)
            cpu[name].append(seconds)
    result = {
        "machine": machine(),
        "gazetteer_version": gazetteer_version(),
        "gazetteer_index_seconds_this_run": round(index_seconds, 2),
        "cold_start_seconds_median": {name: round(statistics.median(times), 3) for name, times in cold.items()},
        "cold_start_seconds_all": {name: [round(t, 3) for t in times] for name, times in cold.items()},
        "cold_start_cpu_seconds_median": {name: round(statistics.median(times), 3) for name, times in cpu.items()},
        "load_average": list(__import__("os").getloadavg()),
        "per_call_microseconds_median": per_call(args.calls),
    }
    path = save("normalisers", result)
    for name, seconds in result["cold_start_seconds_median"].items():
        cpu_seconds = result["cold_start_cpu_seconds_median"][name]
        print(f"cold start  {name:<20} {seconds:6.3f} s wall  {cpu_seconds:6.3f} s cpu")
    print(f"load average {result['load_average']}")
    for name, micros in result["per_call_microseconds_median"].items():
        print(f"per call    {name:<48} {micros:8.1f} us")
    print(f"gazetteer index ready in {result['gazetteer_index_seconds_this_run']} s ({result['gazetteer_version']}); written {path}")


if __name__ == "__main__":
    main()
