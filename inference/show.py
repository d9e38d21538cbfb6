"""How `flashpoint show` prints a score output: records as an analyst reads them.

A record (a row of `score --records`) becomes a short block: when, where, who did
what to whom, how many died, and the evidence it rests on. Documents of the score
contract are printed by :mod:`flashpoint.browse`. The formatting is pure functions on
parsed rows, so it is tested exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from flashpoint.errors import UserError
from flashpoint.writers import output_format

# ACLED's time_precision and geo_precision codes in words
TIME_PRECISION = {1: "day", 2: "week or a few days", 3: "month"}
GEO_PRECISION = {1: "the town itself", 2: "near it or part of a region", 3: "only the province"}
INTER = {0: "unknown type", 1: "state forces", 2: "rebel group", 3: "political militia", 4: "identity militia",
         5: "rioters", 6: "protesters", 7: "civilians", 8: "external/other forces"}


def _actor(name: str | None, inter: int | None, associated: str | None) -> str:
    if not name:
        return "(no actor named)"
    text = f"{name} [{inter or 0}: {INTER.get(inter or 0, 'unknown type')}]"
    return text + (f" with {associated}" if associated else "")


def _date(record: dict) -> str:
    if not record.get("event_date"):
        return f"date unknown ({record.get('date_flag') or 'no date'})"
    text = f"{record['event_date']} (to the {TIME_PRECISION.get(record.get('time_precision'), '?')})"
    if record.get("date_flag"):
        text += f", {record['date_flag'].replace('_', ' ')}"
    return text


def _place(record: dict) -> str:
    named = ", ".join(p for p in (record.get("location"), record.get("admin1"), record.get("country")) if p)
    if record.get("latitude") is None:
        return f"{named} (not placed on the map)" if named else "place unknown"
    precision = GEO_PRECISION.get(record.get("geo_precision"), "?")
    return f"{named} ({record['latitude']:.4f}, {record['longitude']:.4f}; {precision})"


def format_record(record: dict) -> str:
    """One record of `score --records` as a block of lines."""
    if record.get("status") == "error":
        return f"\n# {record.get('source')}: ERROR {record.get('error')}"
    kind = " / ".join(p for p in (record.get("event_type"), record.get("sub_event_type")) if p)
    fatalities = record.get("fatalities", 0)
    reported = "none reported" if record.get("fatalities_flag") == "none_reported" else str(fatalities)
    lines = [f"\n# {record['event_id_cnty']}  {kind}  (score {record.get('score', 0):.2f}, {record.get('lang')})",
             f"  when:       {_date(record)}",
             f"  where:      {_place(record)}",
             f"  who:        {_actor(record.get('actor1'), record.get('inter1'), record.get('assoc_actor_1'))}",
             f"  against:    {_actor(record.get('actor2'), record.get('inter2'), record.get('assoc_actor_2'))}",
             f"  fatalities: {reported}",
             f"  evidence ({record.get('source')}, sentence {', '.join(map(str, record.get('evidence_sentences', [])))}):",
             f"    {record.get('notes', '')}"]
    return "\n".join(lines)


def is_records_output(path: Path) -> bool:
    """Whether ``path`` was written by ``score --records`` (rows carry ``event_id_cnty``)."""
    kind = output_format(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return "event_id_cnty" in pq.read_schema(path).names
        except Exception:  # not readable: the document reader names the problem  # noqa: BLE001
            return False
    with path.open(encoding="utf-8", newline="") as handle:
        first = next((line for line in handle if line.strip()), "")
    if kind == "csv":
        return "event_id_cnty" in first.split(",")
    try:
        return "event_id_cnty" in json.loads(first)
    except (ValueError, TypeError):
        return False


def read_record_rows(path: Path) -> Iterator[dict | str]:
    """The rows of a ``score --records`` output in order; a line that is no record gives a message
    naming it instead (the caller reports it and goes on)."""
    kind = output_format(path)
    if kind == "csv":
        raise UserError(f"{path}: show reads records from the .jsonl or .parquet written by score --records")
    if kind == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches():
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or ("event_id_cnty" not in row and row.get("status") != "error"):
                    raise ValueError("no event_id_cnty")
            except ValueError as error:
                yield f"{path}:{number}: not a score output line ({type(error).__name__}: {error})"
                continue
            yield row


def record_selected(record: dict, types: frozenset[str], languages: frozenset[str], min_score: float | None) -> bool:
    """``show``'s filters on one record row: type (ontology id, ACLED sub-event or event type), language, score."""
    if record.get("status") == "error":
        return not types and min_score is None and (not languages or record.get("lang") in languages)
    if types and not types & {record.get("type_id"), record.get("sub_event_type"), record.get("event_type")}:
        return False
    if languages and record.get("lang") not in languages:
        return False
    return min_score is None or (record.get("score") or 0.0) >= min_score
