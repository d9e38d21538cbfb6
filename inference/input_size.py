"""How many records the inputs hold, for the progress bar's total and ETA.

Counting is a fast pass over the raw bytes (newlines of JSONL, CSV rows, .txt and .html
files of a folder, one for a saved .html page, Parquet row counts from file metadata),
far cheaper than scoring. Where the count cannot be had cheaply (WARC) or a file cannot be read, the total is
unknown and the bar shows a count and a rate without an ETA. The total only guides
the bar: nothing depends on it being exact.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zlib
from pathlib import Path

from flashpoint.inputs.text_folder import HTML_SUFFIXES, count_entries

_BLOCK = 1 << 20


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with _open(path) as handle:
        while block := handle.read(_BLOCK):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _count_csv_rows(path: Path) -> int:
    csv.field_size_limit(sys.maxsize)
    with _open(path) as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
        return max(sum(1 for _ in csv.reader(text)) - 1, 0)


def _count_one(path: Path) -> int | None:
    name = path.name.lower()
    if path.is_dir():
        return count_entries(path)
    if name.endswith(HTML_SUFFIXES):
        return 1
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json")):
        return _count_lines(path)
    if name.endswith((".csv", ".csv.gz")):
        return _count_csv_rows(path)
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return None


def count_records(paths: list[Path]) -> int | None:
    """The number of input records, or None when some input's count is unknown."""
    total = 0
    for path in paths:
        try:
            count = _count_one(path)
        except (OSError, EOFError, ValueError, csv.Error, zlib.error):
            return None
        if count is None:
            return None
        total += count
    return total
