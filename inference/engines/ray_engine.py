"""The Ray engine: score archives on a Ray cluster with Ray Data, exactly once per input record.

Imported only for ``flashpoint score --engine ray`` (``ray`` is the optional extra
``flashpoint[distributed]``). The work is the same :class:`ChunkScorer` the local engine
uses; this module only decides where it runs and how results come back in order:

1. The driver cuts the inputs into shards (:mod:`flashpoint.sharding`) and saves the
   plan in the output directory's manifest (:mod:`flashpoint.parts`); a rerun reads it.
2. Ray Data reads the shards still to do in tasks, batches their records and sends the
   batches to a pool of actors, each a :class:`ScoreActor` holding one ONNX Runtime
   session. Ray restarts a dead actor and retries its batches.
3. The driver gathers each shard's output records by position; when a shard is whole,
   its part file is written under a temporary name and renamed (the commit). A record
   delivered twice by a retry lands on the same position, so it is written once.
4. When every shard has a part, the manifest is marked complete and, when the output is
   a file name, the parts are merged into it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import ray
import ray.data

from flashpoint.chunk_scoring import ChunkScorer, counted_events
from flashpoint.model_files import default_cache, pack_model, runtime_files, unpack_model
from flashpoint.parts import PartsDir, PartsError, PartStats, ScoredLine, error_example, merge_parts, run_identity
from flashpoint.readers import ColumnMapping, InputRecord
from flashpoint.sharding import Shard, plan_shards, read_unit, read_units
from flashpoint.writers import chunk_encoder, json_line, output_format

logger = logging.getLogger(__name__)

# Every field of an InputRecord, so an actor scores exactly the record the reader made.
_RECORD_FIELDS = [("id", pa.string()), ("text", pa.string()), ("date", pa.string()), ("lang", pa.string()),
                  ("error", pa.string()), ("date_source", pa.string())]
_PLACE_FIELDS = [("shard", pa.int64()), ("position", pa.int64()), ("shard_records", pa.int64())]
READ_SCHEMA = pa.schema(_PLACE_FIELDS + _RECORD_FIELDS)
SCORED_SCHEMA = pa.schema(_PLACE_FIELDS + [
    # the output record: for JSONL parts already what it adds to its part (ScoredLine), else its JSON
    ("record", pa.string()), ("sentences", pa.int64()),
    # the record's counts, so the driver can write a JSONL part without decoding the record
    ("events", pa.int64()), ("error_example", pa.string()),
    ("node", pa.string()), ("actor", pa.string()),
    # on the first row of each batch the actor scored: its size, when it began (epoch s) and how long it took
    ("batch_rows", pa.int64()), ("batch_sentences", pa.int64()), ("began", pa.float64()), ("busy", pa.float64()),
])
UNKNOWN = -1  # shard_records of a row whose shard's size is not known yet


class ClusterError(ValueError):
    """The cluster cannot run what was asked (too few CPUs for the actors)."""


# -- reading (Ray tasks) -------------------------------------------------------------------
def _read_block(rows: list[tuple[Shard, int, InputRecord]], last_of_shard: dict[int, int]) -> pa.Table:
    columns: dict[str, list] = {name: [] for name in READ_SCHEMA.names}
    for shard, position, record in rows:
        columns["shard"].append(shard.index)
        columns["position"].append(position)
        columns["shard_records"].append(last_of_shard.get(shard.index, UNKNOWN))
        for name, _ in _RECORD_FIELDS:
            columns[name].append(getattr(record, name))
    return pa.table(columns, schema=READ_SCHEMA)


def read_shards(batch: pa.Table, columns: list, block_rows: int) -> Iterator[pa.Table]:
    """Ray Data task: the records of a batch of read units, in blocks of at most ``block_rows``.

    Every row says where it goes (shard, position). The rows of a shard's last block
    carry the shard's record count, which is how the driver learns that a shard whose
    size was not known at planning (a CSV or WARC file) is complete.
    """
    mapping = ColumnMapping(*columns)
    for unit_json in batch.column("unit").to_pylist():
        unit = [Shard.from_dict(s) for s in json.loads(unit_json)]
        block: list[tuple[Shard, int, InputRecord]] = []
        for shard, position, record in read_unit(unit, mapping):
            if block and (block[-1][0].index != shard.index or len(block) >= block_rows):
                ended = block[-1][0].index != shard.index
                yield _read_block(block, {block[-1][0].index: block[-1][1] + 1} if ended else {})
                block = []
            block.append((shard, position, record))
        if block:
            yield _read_block(block, {block[-1][0].index: block[-1][1] + 1})


# -- scoring (Ray actors) ------------------------------------------------------------------
class ScoreActor:
    """Ray Data callable class: one per actor, holding one loaded model (one ONNX Runtime session)."""

    def __init__(self, model_dir: str, precision: str, threads: int, shipped: list | None = None,
                 mode: str = "spans", jsonl_parts: bool = True) -> None:
        path = Path(model_dir)
        if shipped:  # the driver's copy of the model, unpacked once per node
            path = unpack_model(ray.get(shipped[0]), default_cache())
        self.scorer = ChunkScorer.load(path, precision=precision, threads=threads, mode=mode)
        self.mode, self.jsonl_parts = mode, jsonl_parts
        self.node = ray.util.get_node_ip_address()
        self.actor = ray.get_runtime_context().get_actor_id() or f"pid-{os.getpid()}"

    def __call__(self, batch: pa.Table) -> pa.Table:
        began = time.time()
        started = time.perf_counter()
        rows = batch.to_pylist()
        scored = self.scorer([InputRecord(**{name: r[name] for name, _ in _RECORD_FIELDS}) for r in rows])
        busy = time.perf_counter() - started
        count = len(rows)
        if self.jsonl_parts:  # the rows the part holds (one per document, or per merged event in records mode)
            encode = chunk_encoder(self.mode)
            encoded = [encode([document], "jsonl", with_header=False).decode("utf-8") for document, _ in scored]
        else:
            encoded = [json_line(document) for document, _ in scored]
        return pa.table({
            "shard": [r["shard"] for r in rows], "position": [r["position"] for r in rows],
            "shard_records": [r["shard_records"] for r in rows],
            "record": encoded,
            "sentences": [sentences for _, sentences in scored],
            "events": [counted_events(document, self.mode) for document, _ in scored],
            "error_example": [error_example(document) for document, _ in scored],
            "node": [self.node] * count, "actor": [self.actor] * count,
            "batch_rows": [count] + [0] * (count - 1),
            "batch_sentences": [sum(n for _, n in scored)] + [0] * (count - 1), "began": [began] + [0.0] * (count - 1),
            "busy": [busy] + [0.0] * (count - 1),
        }, schema=SCORED_SCHEMA)


# -- the driver ----------------------------------------------------------------------------------
@dataclass
class ActorStats:
    """One actor's batches: how many documents, and the time from its first batch's start to its last one's end."""

    node: str
    documents: int = 0
    batches: int = 0
    busy: float = 0.0
    first_began: float = float("inf")
    last_ended: float = 0.0

    @property
    def gaps(self) -> float:
        """Seconds between its batches: waiting for work, scheduling and moving data."""
        return max(0.0, self.last_ended - self.first_began - self.busy) if self.batches else 0.0


@dataclass
class DistributedSummary:
    """What a distributed run did: the usual counts, and how the cluster's actors spent the time."""

    totals: PartStats = field(default_factory=PartStats)
    resumed_from: int = 0
    shards: int = 0
    shards_skipped: int = 0
    actors: int = 0
    seconds: float = 0.0
    started: float = 0.0  # epoch seconds
    per_actor: dict[str, ActorStats] = field(default_factory=dict)
    batch_log: list[tuple[int, int, float]] = field(default_factory=list)  # (documents, sentences, seconds) per batch
    # CPU seconds of the driver's own thread while results came in: taking each batch,
    # gathering it by shard and writing parts (Ray Data's executor runs in other threads)
    driver_thread_cpu_seconds: float = 0.0
    output: Path | None = None

    @property
    def documents(self) -> int:
        return self.totals.documents

    @property
    def errors(self) -> int:
        return self.totals.errors

    @property
    def error_examples(self) -> list[str]:
        return self.totals.error_examples

    @property
    def scored(self) -> int:
        return self.totals.documents - self.resumed_from

    @property
    def documents_per_second(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0

    @property
    def batches(self) -> int:
        return sum(a.batches for a in self.per_actor.values())

    @property
    def actor_documents_per_second(self) -> float:
        """Documents per second of one actor while it was scoring (the work alone)."""
        busy = sum(a.busy for a in self.per_actor.values())
        return sum(a.documents for a in self.per_actor.values()) / busy if busy else 0.0

    @property
    def overhead_per_batch(self) -> float:
        """Seconds an actor waits between two batches (scheduling, moving data, waiting for input).

        Counted from each actor's first batch to its last, so start-up (cluster,
        actors, model loading: ``startup_seconds``) is left out: it is paid once per run.
        """
        return sum(a.gaps for a in self.per_actor.values()) / self.batches if self.batches else 0.0

    @property
    def startup_seconds(self) -> float:
        """From the command's start until the first actor began its first batch."""
        first = min((a.first_began for a in self.per_actor.values()), default=self.started)
        return max(0.0, first - self.started)

    def per_node(self) -> dict[str, tuple[int, float]]:
        """Documents and documents per second (over the run's wall time) of each node."""
        nodes: dict[str, int] = defaultdict(int)
        for actor in self.per_actor.values():
            nodes[actor.node] += actor.documents
        return {node: (n, n / self.seconds if self.seconds else 0.0) for node, n in sorted(nodes.items())}

    def format(self) -> str:
        t = self.totals
        lines = [f"documents {t.documents} (resumed after {self.resumed_from}), sentences {t.sentences}, "
                 f"events {t.events}, errors {t.errors}, {self.seconds:.1f} s, {self.documents_per_second:.1f} documents/s; "
                 f"shards {self.shards} ({self.shards_skipped} already done), actors {self.actors}, "
                 f"{self.actor_documents_per_second:.1f} documents/s per busy actor, "
                 f"start-up {self.startup_seconds:.1f} s, then {self.overhead_per_batch * 1000:.0f} ms overhead per batch"]
        for node, (documents, rate) in self.per_node().items():
            lines.append(f"  node {node}: {documents} documents, {rate:.1f} documents/s")
        return "\n".join(lines)


class _ShardAssembler:
    """Gathers scored rows by shard and commits each shard when all its records are in."""

    def __init__(self, parts: PartsDir, shards: list[Shard], summary: DistributedSummary, bar) -> None:
        self.parts, self.summary, self.bar = parts, summary, bar
        self.expected = {s.index: s.records for s in shards}
        self.rows: dict[int, dict[int, tuple[dict, int]]] = defaultdict(dict)
        self.events = self.errors = 0  # of the records received so far, for the progress bar

    def add(self, batch: pa.Table) -> None:
        columns = batch.to_pydict()
        fresh = 0
        touched = set()
        for shard, position, size, record, sentences, events, error in zip(
                columns["shard"], columns["position"], columns["shard_records"], columns["record"], columns["sentences"],
                columns["events"], columns["error_example"]):
            if shard not in self.expected:
                continue  # a retry delivering a shard committed already
            if size != UNKNOWN:
                self.expected[shard] = size
            if position not in self.rows[shard]:
                fresh += 1
                self.events += events
                self.errors += error is not None
            # JSONL parts take the actor's line as it is; other formats need the document
            row = ScoredLine(record, sentences, events, error) if self.parts.kind == "jsonl" else (json.loads(record), sentences)
            self.rows[shard][position] = row
            touched.add(shard)
        for node, actor, count, sentences, began, busy in zip(columns["node"], columns["actor"], columns["batch_rows"],
                                                              columns["batch_sentences"], columns["began"], columns["busy"]):
            if count:  # the first row of a batch carries the batch's figures
                self.summary.batch_log.append((count, sentences, busy))
                stats = self.summary.per_actor.setdefault(actor, ActorStats(node))
                stats.documents += count
                stats.batches += 1
                stats.busy += busy
                stats.first_began = min(stats.first_began, began)
                stats.last_ended = max(stats.last_ended, began + busy)
        for shard in sorted(touched):
            if self.expected[shard] is not None and len(self.rows[shard]) >= self.expected[shard]:
                self._commit(shard)
        if self.bar is not None and fresh:
            self.bar.update(fresh)
            self.bar.set_postfix(events=self.events, errors=self.errors, refresh=False)

    def _commit(self, shard: int) -> None:
        rows = self.rows.pop(shard)
        size = self.expected.pop(shard)
        if sorted(rows) != list(range(size)):
            raise RuntimeError(f"shard {shard}: positions {sorted(rows)[:5]}... do not make 0..{size - 1}")
        self.summary.totals.add(self.parts.commit(shard, [rows[p] for p in range(size)]))

    def finish(self) -> None:
        """Commit the shards that yielded no record at all (empty inputs); anything else left is a fault."""
        for shard in sorted(self.expected):
            if self.rows.get(shard):
                raise RuntimeError(f"shard {shard} ended with {len(self.rows[shard])} of {self.expected[shard]} records")
            if self.expected[shard] not in (None, 0):
                raise RuntimeError(f"shard {shard} was never read ({self.expected[shard]} records planned)")
            self.expected[shard] = 0
            self._commit(shard)


def _layout(output: Path, parts_format: str, mode: str) -> tuple[Path | None, PartsDir]:
    """(final file or None, parts directory): a file name asks for one merged file at the end."""
    try:
        kind = output_format(output)
    except ValueError:
        return None, PartsDir(output, parts_format, mode)
    return output, PartsDir(output.with_name(output.name + ".parts"), kind, mode)


def _record_bytes(shards: list[Shard]) -> int:
    """Average bytes per record of the plain JSONL shards (their byte ranges), else a typical news article."""
    sized = [s for s in shards if s.seekable and s.records]
    if not sized:
        return 4096
    return max(1, sum(s.end - s.start for s in sized) // sum(s.records for s in sized))


def _connect(address: str | None, num_cpus: int | None) -> None:
    """Join the cluster at ``address`` (or ``RAY_ADDRESS``), else start a local one on this machine."""
    if ray.is_initialized():
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    options = {"address": address} if address else {"num_cpus": num_cpus}
    ray.init(**options, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    _quiet_ray_data()


def _quiet_ray_data() -> None:
    """Ray Data's console: warnings and errors only, and not the one about the progress bars we turn off."""
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):  # the console, not the session log file
            handler.setLevel(logging.WARNING)
            handler.addFilter(lambda record: not record.getMessage().startswith("Progress bars disabled"))


def score_on_ray(
    inputs: list[Path],
    output: Path,
    model_dir: Path,
    *,
    address: str | None = None,
    actors: int | None = None,
    actor_cpus: int = 1,
    local_cpus: int | None = None,
    precision: str = "int8",
    chunk_size: int = 64,
    records_per_shard: int = 1000,
    columns: ColumnMapping | None = None,
    parts_format: str = "jsonl",
    ship_model: bool = False,
    force: bool = False,
    progress: bool = True,
    mode: str = "spans",
) -> DistributedSummary:
    """Score every record of ``inputs`` on a Ray cluster; a rerun of the same command continues the run.

    ``output`` is a directory of parts (``parts_format``) with a manifest, or a
    ``.jsonl``/``.csv``/``.parquet`` file made from the parts once all are written.
    ``mode`` is what a document becomes, as locally (:data:`flashpoint.chunk_scoring.OUTPUT_MODES`):
    the score contract, the contract with normalised values, or one row per merged event.
    """
    started = time.time()
    columns = columns or ColumnMapping()
    model_dir = Path(model_dir)
    runtime_files(model_dir, precision)  # a missing model or precision fails here, before any cluster work
    final, parts = _layout(Path(output), parts_format, mode)
    if final is not None and final.exists() and not force:
        raise PartsError(f"{final} exists; use --force to overwrite it")
    if force and parts.root.exists():
        if (parts.root / "manifest.json").exists():
            parts.read_manifest()  # raises unless it is a parts directory: never delete another folder
            shutil.rmtree(parts.root)
        elif any(parts.root.iterdir()):
            raise PartsError(f"{parts.root} is not the output of a distributed run; --force does not delete it")
    identity = run_identity(inputs, model_dir, precision, parts.kind, list(vars(columns).values()), records_per_shard,
                            mode)
    parts.root.mkdir(parents=True, exist_ok=True)
    summary = DistributedSummary(output=final or parts.root, started=started)
    with parts.locked():
        if parts.manifest_path.exists():
            manifest = parts.read_manifest()
            if manifest["identity"] != identity:
                raise PartsError(f"{parts.root} belongs to a run with other inputs, model or settings "
                                 "(or the inputs changed since); use --force to start over")
            shards = parts.shards()
        elif any(parts.root.iterdir()) and set(p.name for p in parts.root.iterdir()) != {".lock"}:
            raise PartsError(f"{parts.root} is not empty and has no manifest; choose another output or use --force")
        else:
            shards = plan_shards(inputs, columns, records_per_shard)
            parts.write_manifest(identity, shards)
        parts.remove_leftovers()
        done = parts.committed()
        for index in sorted(done):
            summary.totals.add(parts.stats(index))
        summary.resumed_from = summary.totals.documents
        summary.shards, summary.shards_skipped = len(shards), len(done)
        pending = [s for s in shards if s.index not in done]
        if pending:
            _run(pending, parts, summary, model_dir, address=address, actors=actors, actor_cpus=actor_cpus,
                 local_cpus=local_cpus, precision=precision, chunk_size=chunk_size, columns=columns,
                 ship_model=ship_model, progress=progress,
                 known_total=sum(s.records for s in shards) if all(s.records is not None for s in shards) else None)
        summary.seconds = time.time() - started
        parts.write_manifest(identity, shards, summary.totals)
    if final is not None:
        merge_parts(parts.root, final)
        shutil.rmtree(parts.root)
    return summary


def _run(pending: list[Shard], parts: PartsDir, summary: DistributedSummary, model_dir: Path, *, address, actors,
         actor_cpus, local_cpus, precision, chunk_size, columns, ship_model, progress, known_total) -> None:
    _connect(address, local_cpus)
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if actors is None:
        actors = max(1, cpus // actor_cpus)
    if actors * actor_cpus > cpus:
        raise ClusterError(f"{actors} actors of {actor_cpus} CPU(s) need {actors * actor_cpus} CPUs; "
                         f"the cluster has {cpus}: ask for fewer with --actors")
    summary.actors = actors
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    # Ray Data gathers a task's output into blocks of up to this many bytes, and hands an
    # actor a whole block per task: blocks of about one batch let any free actor take the
    # next batch, instead of one actor getting a whole shard. (A repartition step would do
    # it by rows, but it needs a CPU that the actors hold.)
    context.target_max_block_size = max(16 << 10, _record_bytes(pending) * chunk_size)
    shipped = [ray.put(pack_model(model_dir, precision))] if ship_model else None
    units = read_units(pending)
    dataset = (
        ray.data.from_items([{"unit": json.dumps([s.to_dict() for s in unit])} for unit in units],
                            override_num_blocks=len(units))
        # Reading is light: it takes no CPU slot from the scoring actors, and a few tasks keep them fed.
        .map_batches(read_shards, fn_kwargs={"columns": list(vars(columns).values()), "block_rows": chunk_size},
                     batch_size=1, batch_format="pyarrow", num_cpus=0,
                     compute=ray.data.TaskPoolStrategy(size=max(1, min(4, actors))))
        .map_batches(ScoreActor, fn_constructor_kwargs={"model_dir": str(model_dir.resolve()), "precision": precision,
                                                        "threads": actor_cpus, "shipped": shipped,
                                                        "mode": parts.mode, "jsonl_parts": parts.kind == "jsonl"},
                     batch_size=chunk_size, batch_format="pyarrow", num_cpus=actor_cpus,
                     compute=ray.data.ActorPoolStrategy(size=actors))
    )
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(initial=summary.resumed_from, total=known_total, unit="doc", desc="scoring on ray", dynamic_ncols=True)
    assembler = _ShardAssembler(parts, pending, summary, bar)
    thread_cpu = time.thread_time()
    try:
        for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
            assembler.add(batch)
        assembler.finish()
        summary.driver_thread_cpu_seconds = time.thread_time() - thread_cpu
    except ray.exceptions.RayError as error:  # Ray has retried what it could: say what failed, in one line
        logger.debug("the Ray run failed", exc_info=True)
        reason = [line.strip() for line in str(error).splitlines() if line.strip()][-1:] or [type(error).__name__]
        raise ClusterError(f"the run on Ray failed ({type(error).__name__}): {reason[0]}; the {len(parts.committed())} "
                           "shard(s) written are kept, and the same command continues once the cause is fixed") from None
    finally:
        if bar is not None:
            bar.close()
