"""Input shards: the unit of commit of a distributed run.

A shard is a run of consecutive records of one input. Shards are numbered in input
order (by input, then position), so concatenating their outputs by number gives the
order a local run writes. The plan is made once, by the driver, and saved with the
run; a rerun reads it back instead of planning again.

- A plain JSONL file is cut every ``records_per_shard`` lines into byte ranges; each
  range is read on its own (seek to its first byte), so one big file is read in
  parallel. Planning reads the file once to find the cut points and line numbers.
- A gzipped JSONL file or a folder of .txt and .html files has its records counted at
  planning and is cut the same way, but it is read by one task that streams it from
  the start (gzip cannot seek) and hands out the records of the shards still to do.
- A CSV, Parquet, WARC or .html file, or a gzipped JSONL file that cannot be counted
  (truncated or corrupt), is one shard whose size is learnt when it has been read.

Every shard is read through :mod:`flashpoint.readers`, exactly as a local run reads
the whole input: the same validation, the same error records for bad records and
for faults of a file, so the two engines' outputs are the same record for record.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from flashpoint.inputs.text_folder import count_entries
from flashpoint.readers import ColumnMapping, InputRecord, LineRange, input_kind, read_inputs, read_jsonl_lines

_BLOCK = 1 << 20


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
    An input of unknown format is refused here, before anything runs; any other fault
    of an input is read as the error record a local run writes.
    """
    if records_per_shard < 1:
        raise ValueError("records per shard must be at least 1")
    shards: list[Shard] = []
    for source, given in enumerate(inputs):
        path = Path(given).resolve()
        if not path.exists():
            raise ValueError(f"input {given} does not exist")
        kind = input_kind(Path(given))
        plain_jsonl = kind == "jsonl" and not path.name.lower().endswith(".gz")
        try:
            total, starts = jsonl_line_starts(path, records_per_shard) if plain_jsonl else (None, [])
        except OSError:
            plain_jsonl = False  # unreadable: read whole, so the reader writes its error record
        if plain_jsonl:
            ends = starts[1:] + [path.stat().st_size]
            for k, (start, end) in enumerate(zip(starts, ends)):
                first = k * records_per_shard
                shards.append(Shard(len(shards), str(path), source, first, min(records_per_shard, total - first),
                                    start=start, end=end, first_line=first + 1))
            continue
        total = None
        if kind == "jsonl":
            try:
                total = _count_gzip_lines(path)
            except (OSError, EOFError, zlib.error):
                total = None  # read whole: the reader ends it with the error record a local run writes
        elif kind == "directory":
            total = count_entries(path)  # the reader yields one record per entry, readable or not
        if total is None:
            shards.append(Shard(len(shards), str(path), source, 0, None))
        else:
            shards.extend(_cut(source, path, total, records_per_shard, len(shards)))
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
        records = read_jsonl_lines(Path(first.path), columns, LineRange(first.start, first.end, first.first_line))
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
