"""Reading score outputs back for people: ``flashpoint show``.

The three output formats carry the same documents in two shapes: JSONL has one
nested record per document, CSV and Parquet one flat row per event (a document
without events keeps one row with empty event columns). Both are read into the
same :class:`ShownDocument`, filtered by event type, language and minimum score,
and printed as a block per document.
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flashpoint.errors import UserError
from flashpoint.writers import FLAT_COLUMNS, output_format

# Flat columns holding the arguments of each role, in the order they are printed.
ROLE_COLUMNS = {"actor": "actors", "target": "targets", "location": "locations", "time": "times",
                "fatalities": "fatalities"}
FLAT_SEPARATOR = " | "


@dataclass
class ShownEvent:
    type: str
    score: float
    sentence_index: int | None
    sentence: str
    arguments: dict[str, list[str]]


@dataclass
class ShownDocument:
    id: str
    status: str
    error: str | None = None
    lang: str | None = None
    date: str | None = None
    events: list[ShownEvent] = field(default_factory=list)


@dataclass(frozen=True)
class ShowFilter:
    """Which documents and events to print; empty sets mean "any"."""

    types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    min_score: float | None = None

    @property
    def selects_events(self) -> bool:
        return bool(self.types) or self.min_score is not None

    def apply(self, document: ShownDocument) -> ShownDocument | None:
        """The document with only its matching events, or None when nothing in it matches."""
        if self.languages and document.lang not in self.languages:
            return None
        events = [e for e in document.events
                  if (not self.types or e.type in self.types) and (self.min_score is None or e.score >= self.min_score)]
        if self.selects_events and not events:
            return None
        return ShownDocument(document.id, document.status, document.error, document.lang, document.date, events)


def _from_jsonl(path: Path) -> Iterator[ShownDocument]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
                yield ShownDocument(
                    id=record["id"], status=record["status"], error=record.get("error"), lang=record.get("lang"),
                    date=record.get("date"),
                    events=[ShownEvent(e["type"], e["score"], e["sentence_index"], e["sentence"],
                                       {role: [span["text"] for span in spans]
                                        for role, spans in e["arguments"].items() if spans})
                            for e in record["events"]])
            except (ValueError, KeyError, TypeError) as error:
                raise UserError(f"{path}:{number}: not a `flashpoint score` record ({type(error).__name__}: {error})") from None


def _flat_rows(path: Path, kind: str) -> Iterator[dict]:
    if kind == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(FLAT_COLUMNS) - set(reader.fieldnames or [])
            if missing:
                raise UserError(f"{path}: not a `flashpoint score` CSV (no column {', '.join(sorted(missing))})")
            for row in reader:
                yield {k: (v if v != "" else None) for k, v in row.items()}
        return
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own types for unreadable files
        raise UserError(f"{path}: not a readable Parquet file ({error})") from None
    missing = set(FLAT_COLUMNS) - set(parquet.schema_arrow.names)
    if missing:
        raise UserError(f"{path}: not a `flashpoint score` Parquet file (no column {', '.join(sorted(missing))})")
    for batch in parquet.iter_batches(columns=FLAT_COLUMNS):
        yield from batch.to_pylist()


def _from_flat(rows: Iterable[dict]) -> Iterator[ShownDocument]:
    """Group consecutive rows of one id (the writers keep a document's rows together)."""
    document: ShownDocument | None = None
    for row in rows:
        if document is None or row["id"] != document.id:
            if document is not None:
                yield document
            document = ShownDocument(row["id"], row["status"], row["error"], row["lang"], row["date"])
        if row["type"]:
            index = row["sentence_index"]
            document.events.append(ShownEvent(
                row["type"], float(row["score"]), int(index) if index not in (None, "") else None, row["sentence"] or "",
                {role: row[column].split(FLAT_SEPARATOR) for role, column in ROLE_COLUMNS.items() if row[column]}))
    if document is not None:
        yield document


def read_scored(path: Path) -> Iterator[ShownDocument]:
    """The documents of a score output, in order, whatever its format."""
    if not path.is_file():
        raise UserError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    kind = output_format(path)
    if kind == "jsonl":
        return _from_jsonl(path)
    return _from_flat(_flat_rows(path, kind))


def format_document(document: ShownDocument, width: int = 100) -> str:
    """One document as a block: a heading line, then each event with its sentence and arguments."""
    where = ", ".join(part for part in (document.lang, document.date) if part)
    if document.status == "error":
        return f"# {document.id}: ERROR {document.error}"
    count = len(document.events)
    lines = [f"# {document.id}" + (f" ({where})" if where else "") + f": {count} event{'s' if count != 1 else ''}"]
    for event in document.events:
        sentence = f" sentence {event.sentence_index}" if event.sentence_index is not None else ""
        lines.append(f"  - {event.type}  score {event.score:.2f}{sentence}")
        if event.sentence:
            lines.extend(textwrap.wrap(f"\u201c{event.sentence}\u201d", width=width, initial_indent="      ",
                                       subsequent_indent="       "))
        for role in ROLE_COLUMNS:
            if event.arguments.get(role):
                lines.append(f"      {role + ':':11} " + "; ".join(event.arguments[role]))
    return "\n".join(lines)
