"""Input shards: the unit of commit of a distributed run.

A shard is a run of consecutive records of one input. Shards are numbered in input
order (by input, then position), so concatenating their outputs by number gives the
order a local run writes. The plan is made once, by the driver, and saved with the
run; a rerun reads it back instead of planning again.

- A plain JSONL file is cut every ``records_per_shard`` lines into byte ranges; each
  range is read on its own (seek to its first byte), so one big file is read in
  parallel. Planning reads the file once to find the cut points and line numbers.
- A gzipped JSONL file or a folder of .txt files has its records counted at planning
  and is cut the same way, but it is read by one task that streams it from the start
  (gzip cannot seek) and hands out the records of the shards still to do.
- A CSV or WARC file is one shard whose size is learnt when it has been read.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from flashpoint.readers import ColumnMapping, InputRecord, read_csv, read_inputs, read_jsonl

_BLOCK = 1 << 20
_JSONL = (".jsonl", ".jsonl.gz", ".ndjson", ".json")
_FORMATS = "expected .jsonl[.gz], .csv[.gz], .warc[.gz] or a directory of .txt"


@dataclass(frozen=True)
class Shard:
    """Records ``first`` .. ``first + records`` of input ``source`` (``records`` None: all of it, count unknown)."""

    index: int
    path: str
    source: int
    first: int
    records: int | None
    start: int | None = None  # byte range, for a plain JSONL file
    end: int | None = None
    first_line: int = 1

    @property
    def seekable(self) -> bool:
        return self.start is not None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Shard:
        return cls(**data)


def _input_kind(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        return "directory"
    if name.endswith(_JSONL):
        return "jsonl.gz" if name.endswith(".gz") else "jsonl"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".warc", ".warc.gz")):
        return "warc"
    raise ValueError(f"{path}: unknown input format ({_FORMATS})")


def jsonl_line_starts(path: Path, every: int) -> tuple[int, list[int]]:
    """(number of lines, byte offset of lines 0, every, 2*every, ...) of a plain JSONL file.

    A last line without a newline counts, as the reader reads it as a record.
    """
    starts = [0]
    lines = 0
    offset = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            position = -1
            while (position := block.find(b"\n", position + 1)) != -1:
                lines += 1
                if lines % every == 0:
                    starts.append(offset + position + 1)
            offset += len(block)
            last = block[-1:]
    if last != b"\n":
        lines += 1
    if starts[-1] >= offset:
        starts.pop()  # a cut at the very end of the file starts no shard
    return lines, starts or [0]


def _count_gzip_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with gzip.open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _cut(source: int, path: Path, total: int, every: int, first_index: int) -> list[Shard]:
    firsts = list(range(0, total, every)) or [0]
    return [Shard(first_index + k, str(path), source, first, min(every, total - first))
            for k, first in enumerate(firsts)]


def plan_shards(inputs: list[Path], columns: ColumnMapping, records_per_shard: int) -> list[Shard]:
    """Cut ``inputs`` into shards of at most ``records_per_shard`` records, in input order.

    Paths are made absolute, as the records are read by processes on other machines.
    A CSV file without the text column is refused here, before anything runs.
    """
    if records_per_shard < 1:
        raise ValueError("records per shard must be at least 1")
    shards: list[Shard] = []
    for source, given in enumerate(inputs):
        path = Path(given).resolve()
        kind = _input_kind(Path(given))
        if kind == "jsonl":
            total, starts = jsonl_line_starts(path, records_per_shard)
            ends = starts[1:] + [path.stat().st_size]
            for k, (start, end) in enumerate(zip(starts, ends)):
                first = k * records_per_shard
                shards.append(Shard(len(shards), str(path), source, first, min(records_per_shard, total - first),
                                    start=start, end=end, first_line=first + 1))
        elif kind == "jsonl.gz":
            shards.extend(_cut(source, path, _count_gzip_lines(path), records_per_shard, len(shards)))
        elif kind == "directory":
            files = sum(1 for p in path.rglob("*.txt") if p.is_file())  # the reader yields one record per file
            shards.extend(_cut(source, path, files, records_per_shard, len(shards)))
        else:
            if kind == "csv":
                next(read_csv(path, columns), None)  # raises on a missing text column
            shards.append(Shard(len(shards), str(path), source, 0, None))
    return shards


def read_units(shards: list[Shard]) -> list[list[Shard]]:
    """Group shards into read tasks: a seekable shard alone, the others with their input's other shards."""
    units: list[list[Shard]] = []
    for shard in shards:
        if not shard.seekable and units and not units[-1][0].seekable and units[-1][0].source == shard.source:
            units[-1].append(shard)
        else:
            units.append([shard])
    return units


class ShardChangedError(RuntimeError):
    """An input does not hold the records its plan says (it changed since the run began)."""


def read_unit(unit: list[Shard], columns: ColumnMapping) -> Iterator[tuple[Shard, int, InputRecord]]:
    """(shard, position in shard, record) for every record of the shards of ``unit``, in order.

    ``unit`` lists the shards wanted; records of an input's other shards (committed
    by an earlier run) are read past and not returned.
    """
    first = unit[0]
    if first.seekable:
        records = read_jsonl(Path(first.path), first.start, first.end, first.first_line)
        count = 0
        for position, record in enumerate(records):
            count += 1
            yield first, position, record
        if count != first.records:
            raise ShardChangedError(f"{first.path}: bytes {first.start}-{first.end} hold {count} records, "
                                    f"the run's plan says {first.records}; the file changed since the run began")
        return
    records = read_inputs([Path(first.path)], columns)
    if first.records is None:  # the whole input, its size learnt by reading it
        for position, record in enumerate(records):
            yield first, position, record
        return
    pending = iter(unit[1:])
    shard: Shard | None = first
    count = 0
    for ordinal, record in enumerate(records):
        count += 1
        while shard is not None and ordinal >= shard.first + shard.records:
            shard = next(pending, None)
        if shard is None:
            return  # past the last shard wanted
        if ordinal >= shard.first:
            yield shard, ordinal - shard.first, record
    if shard is not None and count < shard.first + shard.records:
        raise ShardChangedError(f"{first.path} holds {count} records, the run's plan says at least "
                                f"{shard.first + shard.records}; the file changed since the run began")
