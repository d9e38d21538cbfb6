"""Ray against local worker processes on this machine, and what that projects to a cluster.

    python benchmarks/distributed.py [--model models/default] [--documents 2000] [--rounds 2]

The archive: at least --documents articles cut from the corpus text (consecutive
sentences of one corpus document, --sentences each, languages interleaved; when no
document is that long, consecutive sentences running across documents of one language), written
to a temporary folder. The model directory is read, never written: its runtime files
for --precision are copied to the temporary folder first.

Each side runs as its own child process, as a user's command would:
  local  `flashpoint score --workers 2` (2 processes, one ONNX Runtime thread each)
  ray    `flashpoint score --engine ray --actors 2` on a local Ray cluster of 2 CPUs that
         this script starts (`ray.init(num_cpus=2)`) and stops; one thread per actor.
The sides take turns, --rounds times (the machine's speed drifts from minute to
minute), and each side reports its median round. Every round scores the full archive
and also a 2-document archive; the 2-document run is the fixed cost of a command
(start-up: processes, model loading, for Ray the driver joining the cluster and its
actors starting), and (documents - 2) / (time - fixed time) is the marginal rate.

From the Ray runs it reports per-actor throughput (documents and sentences per second
of an actor while scoring), the time an actor waits between two batches (scheduling
overhead per batch) and the driver's CPU time: its own thread's work per document
(taking batches, gathering shards, writing parts) apart from the Ray threads in the
driver process, which measured here as a steady share of a core whatever the document
count (the Ray Data executor's loop). From these it projects the hours for 10 million
articles of ~15 sentences on 1, 10 and 50 nodes of 8 cores, by formula and by a
simulation that replays the measured batch times; the driver bounds the run at its own
thread's rate, and a pessimistic column charges it all its CPU per document instead.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import REPO, machine, save

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # the cluster stays on the loopback interface

ARTICLES = 10_000_000
ARTICLE_SENTENCES = 15
NODE_CORES = 8


def build_archive(path: Path, documents: int, sentences: int) -> dict:
    """Articles of ``sentences`` consecutive corpus sentences each, languages interleaved; return its size."""
    from flashpoint.training.corpus.loading import read_records

    by_document: dict[str, list[dict]] = defaultdict(list)
    for record in read_records([REPO / "data/corpus"]):
        if record.get("doc_id"):  # sentences written alone have no document
            by_document[record["doc_id"]].append(record)
    per_language: dict[str, list[dict]] = defaultdict(list)
    for doc_id in sorted(by_document):
        records = sorted(by_document[doc_id], key=lambda r: r["sentence_index"])
        for begin in range(0, len(records) - sentences + 1, sentences):
            piece = records[begin:begin + sentences]
            per_language[piece[0]["lang"]].append({"id": f"{doc_id}-{begin // sentences:02d}", "lang": piece[0]["lang"],
                                                   "text": " ".join(r["text"] for r in piece)})
    if not per_language:
        # no corpus document is that long: an article runs on across consecutive documents of one
        # language (as a wire page strings several stories together)
        running: dict[str, list[dict]] = defaultdict(list)
        for doc_id in sorted(by_document):
            records = sorted(by_document[doc_id], key=lambda r: r["sentence_index"])
            running[records[0]["lang"]].extend(records)
        for lang, records in running.items():
            for begin in range(0, len(records) - sentences + 1, sentences):
                piece = records[begin:begin + sentences]
                per_language[lang].append({"id": f"{lang}-run-{begin // sentences:05d}", "lang": lang,
                                           "text": " ".join(r["text"] for r in piece)})
    queues = [per_language[lang] for lang in sorted(per_language)]
    articles = []
    while len(articles) < documents and any(queues):
        for queue in queues:
            if queue and len(articles) < documents:
                articles.append(queue.pop(0))
    if len(articles) < documents:  # a small corpus is cycled, with new ids
        base = list(articles)
        while len(articles) < documents:
            article = dict(base[len(articles) % len(base)])
            article["id"] += f"-r{len(articles)}"
            articles.append(article)
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return {"documents": len(articles), "sentences_per_document": sentences, "bytes": path.stat().st_size}


def copy_model(model: Path, precision: str, destination: Path) -> Path:
    from flashpoint.model_files import runtime_files

    for name in runtime_files(model, precision):
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(model / name, destination / name)
    return destination


CHILD = """
import json, resource, sys, time
from pathlib import Path
side, source, output, model, precision, address = sys.argv[1:7]
begin = time.time()
if side == "local":
    from flashpoint.scoring import score_archive
    s = score_archive([Path(source)], Path(output), Path(model), workers=2, precision=precision, progress=False)
    result = {"documents": s.documents, "sentences": s.sentences, "events": s.events}
else:
    from flashpoint.engines.ray_engine import score_on_ray
    s = score_on_ray([Path(source)], Path(output), Path(model), address=address, actors=2, precision=precision,
                     progress=False)
    result = {"documents": s.documents, "sentences": s.totals.sentences, "events": s.totals.events,
              "startup_s": s.startup_seconds, "overhead_per_batch_s": s.overhead_per_batch, "batches": s.batches,
              "actor_docs_per_s": s.actor_documents_per_second,
              "actor_sentences_per_s": sum(b[1] for b in s.batch_log) / sum(b[2] for b in s.batch_log),
              "batch_log": s.batch_log, "driver_thread_cpu_s": s.driver_thread_cpu_seconds}
usage = resource.getrusage(resource.RUSAGE_SELF)
result["seconds"] = time.time() - begin
result["driver_cpu_s"] = usage.ru_utime + usage.ru_stime
print(json.dumps(result))
"""


def run_side(side: str, source: Path, work: Path, model: Path, precision: str, address: str) -> dict:
    output = work / f"{side}-{source.stem}.jsonl"
    shutil.rmtree(work / f"{output.name}.parts", ignore_errors=True)
    output.unlink(missing_ok=True)
    begin = time.time()
    child = subprocess.run([sys.executable, "-c", CHILD, side, str(source), str(output), str(model), precision, address],
                           capture_output=True, text=True, cwd=REPO)
    if child.returncode != 0:
        sys.exit(f"{side} run failed:\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.time() - begin  # with the interpreter's start and imports, as a command pays them
    return result


def simulate_hours(nodes: int, batch_seconds: list[float], overhead: float, batch_documents: int, startup: float,
                   driver_docs_per_s: float, seed: int = 0) -> float:
    """Replay batch times drawn from the measured ones on nodes x 8 actors; hours to the last batch's end."""
    actors = nodes * NODE_CORES
    batches = -(-ARTICLES // batch_documents)
    rng = random.Random(seed)
    free = [0.0] * actors  # when each actor is next free; every batch goes to the first free actor
    heapq.heapify(free)
    end = 0.0
    for _ in range(batches):
        start = heapq.heappop(free)
        finish = start + overhead + rng.choice(batch_seconds)
        end = max(end, finish)
        heapq.heappush(free, finish)
    driver_floor = ARTICLES / driver_docs_per_s
    return (startup + max(end, driver_floor)) / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO / "models/default")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--sentences", type=int, default=5, help="sentences per benchmark article")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--precision", default="int8")
    args = parser.parse_args()
    import ray

    work = Path(tempfile.mkdtemp(prefix="flashpoint-distributed-"))
    try:
        model = copy_model(args.model, args.precision, work / "model")
        archive = work / "archive.jsonl"
        archive_info = build_archive(archive, args.documents, args.sentences)
        tiny = work / "two.jsonl"
        tiny.write_text("".join(archive.read_text(encoding="utf-8").splitlines(keepends=True)[:2]), encoding="utf-8")
        begin = time.time()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        cluster_start = time.time() - begin
        address = ray.get_runtime_context().gcs_address
        rounds: dict[str, list[dict]] = {"local": [], "ray": []}
        for number in range(args.rounds):
            for side in ("local", "ray"):
                fixed = run_side(side, tiny, work, model, args.precision, address)
                full = run_side(side, archive, work, model, args.precision, address)
                full["fixed_wall_s"] = fixed["wall_s"]
                full["fixed_driver_cpu_s"] = fixed["driver_cpu_s"]
                full["docs_per_s"] = full["documents"] / full["wall_s"]
                full["marginal_docs_per_s"] = (full["documents"] - 2) / (full["wall_s"] - fixed["wall_s"])
                rounds[side].append(full)
                print(f"round {number + 1} {side:5}: {full['documents']} documents in {full['wall_s']:.1f} s "
                      f"({full['docs_per_s']:.2f}/s), fixed cost {fixed['wall_s']:.1f} s, "
                      f"marginal {full['marginal_docs_per_s']:.2f}/s", flush=True)
        ray.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in rounds[side])

    ray_runs = rounds["ray"]
    best = sorted(ray_runs, key=lambda r: r["docs_per_s"])[len(ray_runs) // 2]  # the median round
    per_actor_sentences = median("ray", "actor_sentences_per_s")
    overhead = median("ray", "overhead_per_batch_s")
    batch_documents = max(b[0] for b in best["batch_log"])
    # the driver's CPU time per document beyond its start-up (the full run's less the 2-document run's)
    driver_cpu_per_doc = statistics.median((r["driver_cpu_s"] - r["fixed_driver_cpu_s"]) / (r["documents"] - 2)
                                           for r in ray_runs)
    # of that, the driver's own thread (taking batches, gathering shards, writing parts): work per document;
    # the rest is Ray's threads in the driver (the Ray Data executor's loop, RPC), as a share of a core over the run
    driver_thread_per_doc = statistics.median(r["driver_thread_cpu_s"] / r["documents"] for r in ray_runs)
    driver_background_share = statistics.median(
        (r["driver_cpu_s"] - r["fixed_driver_cpu_s"] - r["driver_thread_cpu_s"]) / (r["wall_s"] - r["fixed_wall_s"])
        for r in ray_runs)
    # batch times scaled to articles of ARTICLE_SENTENCES sentences, by each batch's own sentences/s
    scaled = [seconds * (batch_documents * ARTICLE_SENTENCES) / max(sentences, 1) for _, sentences, seconds in best["batch_log"]
              if seconds > 0]
    actor_docs_per_s = 1 / (batch_documents * ARTICLE_SENTENCES / per_actor_sentences + overhead) * batch_documents
    startup = median("ray", "fixed_wall_s")
    projection = {}
    for nodes in (1, 10, 50):
        actors_rate = nodes * NODE_CORES * actor_docs_per_s
        projection[nodes] = {
            "formula_hours": (startup + ARTICLES / min(actors_rate, 1 / driver_thread_per_doc)) / 3600,
            "simulated_hours": simulate_hours(nodes, scaled, overhead, batch_documents, startup, 1 / driver_thread_per_doc),
            "pessimistic_driver_hours": (startup + ARTICLES / min(actors_rate, 1 / driver_cpu_per_doc)) / 3600}
    result = {
        "machine": machine(), "model": str(args.model), "precision": args.precision, "archive": archive_info,
        "rounds": {side: [{k: v for k, v in r.items() if k != "batch_log"} for r in runs] for side, runs in rounds.items()},
        "median_ray_round_batch_log": best["batch_log"],  # (documents, sentences, seconds): what the simulation replays
        "cluster_start_s": cluster_start,
        "local_docs_per_s": median("local", "docs_per_s"), "ray_docs_per_s": median("ray", "docs_per_s"),
        "local_marginal_docs_per_s": median("local", "marginal_docs_per_s"),
        "ray_marginal_docs_per_s": median("ray", "marginal_docs_per_s"),
        "per_actor_sentences_per_s": per_actor_sentences, "per_actor_docs_per_s": median("ray", "actor_docs_per_s"),
        "overhead_per_batch_s": overhead, "batch_documents": batch_documents,
        "driver_cpu_ms_per_doc": driver_cpu_per_doc * 1000, "driver_thread_cpu_ms_per_doc": driver_thread_per_doc * 1000,
        "driver_background_cpu_share": driver_background_share, "projection": projection,
    }
    result["ray_over_local"] = result["ray_docs_per_s"] / result["local_docs_per_s"]
    result["ray_over_local_marginal"] = result["ray_marginal_docs_per_s"] / result["local_marginal_docs_per_s"]
    path = save("distributed", result)
    print(f"\narchive: {archive_info['documents']} documents of {args.sentences} sentences ({archive_info['bytes']:,} bytes), "
          f"{args.precision}, {args.rounds} rounds, medians; a local Ray cluster of 2 CPUs started in {cluster_start:.1f} s")
    print("| | documents/s (whole command) | fixed cost (2 documents) | marginal documents/s |")
    print("|---|---|---|---|")
    for side, label in (("local", "`flashpoint score --workers 2`"), ("ray", "`--engine ray --actors 2`, local 2-CPU cluster")):
        print(f"| {label} | {median(side, 'docs_per_s'):.2f} | {median(side, 'fixed_wall_s'):.1f} s | "
              f"{median(side, 'marginal_docs_per_s'):.2f} |")
    print(f"Ray / local: {result['ray_over_local']:.3f} whole command, {result['ray_over_local_marginal']:.3f} marginal "
          f"(overhead {100 * (1 - result['ray_over_local']):.1f}% / {100 * (1 - result['ray_over_local_marginal']):.1f}%)")
    print(f"per actor while scoring: {result['per_actor_docs_per_s']:.2f} documents/s, {per_actor_sentences:.1f} sentences/s; "
          f"an actor waits {overhead * 1000:.0f} ms between batches of {batch_documents}; "
          f"the driver spends {driver_cpu_per_doc * 1000:.2f} ms CPU per document: its own thread "
          f"{driver_thread_per_doc * 1000:.2f} ms per document, Ray's threads in it {100 * driver_background_share:.1f}% "
          f"of a core through the run")
    print(f"\nprojected hours for {ARTICLES:,} articles of ~{ARTICLE_SENTENCES} sentences, {NODE_CORES}-core nodes, "
          f"one 1-CPU actor per core:")
    print("| nodes | actors | formula (hours) | simulated (hours) | if the driver paid all its CPU per document |")
    print("|---|---|---|---|---|")
    for nodes, figures in projection.items():
        print(f"| {nodes} | {nodes * NODE_CORES} | {figures['formula_hours']:.2f} | {figures['simulated_hours']:.2f} | "
              f"{figures['pessimistic_driver_hours']:.2f} |")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
