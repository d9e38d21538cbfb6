"""How `flashpoint show` prints a score output: records as an analyst reads them.

A record (a row of `score --records`) becomes a short block: when, where, who did
what to whom, how many died, and the evidence it rests on; a document line of the
score contract becomes its events with their spans, as before. Pure functions on the
parsed JSON lines, so they are tested exactly.
"""

from __future__ import annotations

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


def format_document(document: dict) -> str:
    """One document line of the score contract: its events and their spans."""
    if document["status"] == "error":
        return f"\n# {document['id']}: ERROR {document['error']}"
    lines = [f"\n# {document['id']} ({document['lang']}{', ' + document['date'] if document.get('date') else ''}):"
             f" {len(document['events'])} event(s)"]
    for event in document["events"]:
        lines.append(f"  - {event['type']} ({event['score']:.2f}) sentence {event['sentence_index']}: {event['sentence']}")
        for role, spans in event["arguments"].items():
            if spans:
                lines.append(f"      {role:10} " + " | ".join(s["text"] for s in spans))
    return "\n".join(lines)
