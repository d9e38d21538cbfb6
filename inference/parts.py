"""The output of a distributed run: a directory of part files, one per input shard, and a manifest.

    manifest.json            what the run is (inputs, model, format), its shard plan, and
                             once every shard is written, "complete": true and the totals
    part-000000.jsonl        the output records of shard 0, in input order
    part-000000.stats.json   their counts (documents, sentences, events, errors)
    .lock                    held by the one process writing the directory

A part is written under a temporary name, synced and renamed: the rename is the
shard's commit, so a part file that exists is whole, and a run killed at any moment
and started again rewrites only the shards without a part. Its counts are written
first, so a committed part always has them. Concatenating the parts by number gives
the records in input order; :func:`merge_parts` makes that one file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

from flashpoint.chunk_scoring import OUTPUT_MODES, counted_events
from flashpoint.sharding import Shard
from flashpoint.writers import (chunk_encoder, empty_parquet_schema, merge_parquet_parts, output_format,
                                parquet_part_writer)

MANIFEST = "manifest.json"
FORMAT = "flashpoint-parts"
FORMAT_VERSION = 1
KINDS = ("jsonl", "csv", "parquet")
MAX_ERROR_EXAMPLES = 5


class PartsError(ValueError):
    """The parts directory cannot be used as asked; the message says why and what to do."""


class ScoredLine(NamedTuple):
    """A scored record already encoded as its JSONL output (by the actor that scored it), with its counts.

    ``text`` is what the record adds to a JSONL part, every line ending in a newline: one
    line per document, or in records mode one per merged event (none for a document
    without events). Why: decoding every record in the driver only to encode it again for
    a JSONL part cost the driver about a millisecond per document, the bound of a large
    cluster."""

    text: str
    sentences: int
    events: int
    error_example: str | None


def error_example(document: dict) -> str | None:
    """``"id: reason"`` for an error record, None for a scored one."""
    return f"{document['id']}: {document['error']}" if document["status"] == "error" else None


@dataclass
class PartStats:
    documents: int = 0
    sentences: int = 0
    events: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, scored: list[tuple[dict, int]] | list[ScoredLine], mode: str = "spans") -> PartStats:
        stats = cls()
        for row in scored:
            if isinstance(row, ScoredLine):
                events, example, sentences = row.events, row.error_example, row.sentences
            else:
                document, sentences = row
                events, example = counted_events(document, mode), error_example(document)
            stats.documents += 1
            stats.sentences += sentences
            stats.events += events
            if example is not None:
                stats.errors += 1
                if len(stats.error_examples) < MAX_ERROR_EXAMPLES:
                    stats.error_examples.append(example)
        return stats

    def add(self, other: PartStats) -> None:
        self.documents += other.documents
        self.sentences += other.sentences
        self.events += other.events
        self.errors += other.errors
        room = MAX_ERROR_EXAMPLES - len(self.error_examples)
        self.error_examples.extend(other.error_examples[:max(room, 0)])


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _replace_synced(data: bytes, destination: Path) -> None:
    temporary = destination.with_name(destination.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, destination)


def run_identity(inputs: list[Path], model_dir: Path, precision: str, kind: str, columns: list,
                 records_per_shard: int, mode: str = "spans") -> dict:
    """What a rerun must share with the run it continues: the same inputs, unchanged, and model and settings.

    The output mode is named only when it is not the score contract, so the identity of a
    spans run stays what it was before records mode came to this engine."""
    def stamp(path: Path) -> list:
        status = path.stat()
        return [str(path.resolve()), status.st_size, status.st_mtime_ns]

    manifest = (model_dir / "manifest.json").read_bytes()
    return {"inputs": [stamp(Path(p)) for p in inputs], "model": str(model_dir.resolve()),
            "model_manifest_sha256": hashlib.sha256(manifest).hexdigest(), "precision": precision,
            "format": kind, "columns": list(columns), "records_per_shard": records_per_shard,
            **({"mode": mode} if mode != "spans" else {})}


class PartsDir:
    """One run's directory of parts."""

    def __init__(self, root: Path, kind: str, mode: str = "spans") -> None:
        if kind not in KINDS:
            raise PartsError(f"unknown part format {kind!r} (use {', '.join(KINDS)})")
        if mode not in OUTPUT_MODES:
            raise PartsError(f"unknown output mode {mode!r} (one of {', '.join(OUTPUT_MODES)})")
        if mode == "normalise" and kind != "jsonl":
            raise PartsError("--normalise extends the JSONL score contract: write JSONL parts "
                             "(or use --records for CSV/Parquet rows)")
        self.root = Path(root)
        self.kind = kind
        self.mode = mode  # "records": one row per merged event; else one line per document

    def part(self, index: int) -> Path:
        return self.root / f"part-{index:06d}.{self.kind}"

    def stats_path(self, index: int) -> Path:
        return self.root / f"part-{index:06d}.stats.json"

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    # -- the run's plan --------------------------------------------------------------
    def read_manifest(self) -> dict:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PartsError(f"{self.root} has no {MANIFEST}: not the output of a distributed run") from None
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise PartsError(f"{self.manifest_path}: not a flashpoint parts manifest (format {manifest.get('format')})")
        return manifest

    def write_manifest(self, identity: dict, shards: list[Shard], summary: PartStats | None = None) -> None:
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "part_format": self.kind,
                    "output_mode": self.mode,
                    "identity": identity, "complete": summary is not None,
                    "summary": asdict(summary) if summary is not None else None,
                    "shards": [s.to_dict() for s in shards]}
        _replace_synced(json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"), self.manifest_path)
        _fsync_directory(self.root)

    def shards(self) -> list[Shard]:
        return [Shard.from_dict(s) for s in self.read_manifest()["shards"]]

    # -- parts -----------------------------------------------------------------------
    def committed(self) -> set[int]:
        """Indices of the shards whose part is in place."""
        return {int(p.name[5:11]) for p in self.root.glob(f"part-??????.{self.kind}")}

    def remove_leftovers(self) -> None:
        """Delete what a killed run left half-written (temporary files, counts without their part)."""
        for temporary in self.root.glob("part-*.tmp"):
            temporary.unlink()
        done = self.committed()
        for stats in self.root.glob("part-??????.stats.json"):
            if int(stats.name[5:11]) not in done:
                stats.unlink()

    def commit(self, index: int, scored: list[tuple[dict, int]] | list[ScoredLine]) -> PartStats:
        """Write shard ``index``'s records (input order) as its part; return their counts.

        ``scored`` holds (document, sentences) pairs, or for a JSONL part :class:`ScoredLine`
        rows whose lines are written as they are."""
        encoded = bool(scored) and isinstance(scored[0], ScoredLine)
        if encoded and self.kind != "jsonl":
            raise ValueError(f"encoded lines can only make a JSONL part, not {self.kind}")
        stats = PartStats.of(scored, self.mode)
        _replace_synced(json.dumps(asdict(stats), ensure_ascii=False).encode("utf-8"), self.stats_path(index))
        destination = self.part(index)
        if encoded:
            _replace_synced("".join(row.text for row in scored).encode("utf-8"), destination)
            _fsync_directory(self.root)
            return stats
        documents = [document for document, _ in scored]
        if self.kind == "parquet":
            temporary = destination.with_name(destination.name + ".tmp")
            parquet_part_writer(self.mode)(documents, temporary)
            with temporary.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, destination)
        else:
            _replace_synced(chunk_encoder(self.mode)(documents, self.kind, with_header=self.kind == "csv"), destination)
        _fsync_directory(self.root)
        return stats

    def stats(self, index: int) -> PartStats:
        return PartStats(**json.loads(self.stats_path(index).read_text(encoding="utf-8")))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory's lock: a second run on the same output is refused, not interleaved."""
        handle = (self.root / ".lock").open("a")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PartsError(f"another run is writing {self.root}") from None
            yield
        finally:
            handle.close()


def open_parts(root: Path) -> PartsDir:
    """The parts directory of a finished or running distributed run, with the format its manifest names."""
    manifest = PartsDir(root, "jsonl").read_manifest()
    return PartsDir(root, manifest["part_format"], manifest.get("output_mode", "spans"))


def merge_parts(root: Path, destination: Path) -> PartStats:
    """Concatenate a complete run's parts, by shard number, into one file of the same format.

    The file is built under a temporary name, synced and renamed, so it appears whole or not at all.
    """
    parts = open_parts(root)
    manifest = parts.read_manifest()
    if not manifest["complete"]:
        raise PartsError(f"{root} is not complete (some shards have no part yet): run the same score command again")
    kind = output_format(destination)
    if kind != parts.kind:
        raise PartsError(f"{root} holds {parts.kind} parts; merge them into a .{parts.kind} file, not {destination.name}")
    files = [parts.part(shard.index) for shard in parts.shards()]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise PartsError(f"{root} lacks {', '.join(missing[:3])} named by its manifest")
    temporary = destination.with_name(destination.name + ".tmp")
    if kind == "parquet":
        merge_parquet_parts(files, temporary, empty_parquet_schema(parts.mode))
    else:
        with temporary.open("wb") as handle:
            for number, file in enumerate(files):
                data = file.read_bytes()
                if kind == "csv" and number > 0:
                    data = data.split(b"\n", 1)[1] if b"\n" in data else b""  # one header, from the first part
                handle.write(data)
    with temporary.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, destination)
    _fsync_directory(destination.parent)
    return PartStats(**manifest["summary"])
