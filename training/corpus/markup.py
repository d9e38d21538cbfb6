"""Inline span markup that corpus authors write, turned into offset records.

Authors (people or language models) cannot count characters reliably, so they
write spans inline and this module computes the offsets::

    {"types": ["air_drone_strike", "arrests"],
     "text": "[actor#1|Jets] struck [target#1|a depot] in [location#1|Idlib] on
              [time#1,2|Monday] while [actor#2|police] detained [target#2|four men]."}

``[role|phrase]`` marks a span of event 1; ``[role#2|...]`` of event 2 and
``[role#1,2|...]`` of both. Roles are the ontology's roles plus ``trigger``. Spans may
nest (``[target|[fatalities|five] villagers]``). A shard line is either a sentence
like the one above or an article: ``{"doc_id", "date", "title", "sentences": [...]}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flashpoint.ontology import Ontology

_OPEN = re.compile(r"\[([a-z_]+)(?:#(\d+(?:,\d+)*))?\|")


class MarkupError(ValueError):
    """A shard line that cannot be turned into a record; the message says why."""


@dataclass
class ParsedSentence:
    text: str
    events: list[dict] = field(default_factory=list)


def parse_marked(marked: str, types: list[str], ontology: Ontology) -> ParsedSentence:
    """Strip the markup of one sentence and return its text and events with offsets."""
    roles = set(ontology.role_ids) | {"trigger"}
    for type_id in types:
        if type_id not in ontology.type_index:
            raise MarkupError(f"unknown event type {type_id!r}")
    events: list[dict] = [{"type": t, "arguments": []} for t in types]
    plain: list[str] = []
    stack: list[tuple[str, list[int], int]] = []
    i = 0
    while i < len(marked):
        char = marked[i]
        if char == "[":
            match = _OPEN.match(marked, i)
            if not match:
                raise MarkupError(f"'[' at column {i} does not open a span like [role|...]")
            role = match.group(1)
            if role not in roles:
                raise MarkupError(f"unknown role {role!r}")
            numbers = [int(n) for n in (match.group(2) or "1").split(",")]
            for number in numbers:
                if not 1 <= number <= len(types):
                    raise MarkupError(
                        f"span [{role}#{number}|...] refers to event {number} but the sentence lists "
                        f"{len(types)} type(s)"
                    )
            stack.append((role, numbers, len("".join(plain))))
            i = match.end()
            continue
        if char == "]":
            if not stack:
                raise MarkupError(f"']' at column {i} closes no span")
            role, numbers, start = stack.pop()
            text_so_far = "".join(plain)
            end = len(text_so_far)
            phrase = text_so_far[start:end]
            if not phrase.strip() or phrase != phrase.strip():
                raise MarkupError(f"span [{role}|{phrase}] is empty or has surrounding spaces")
            for number in numbers:
                event = events[number - 1]
                if role == "trigger":
                    if "trigger" in event:
                        raise MarkupError(f"event {number} has two triggers")
                    event["trigger"] = {"start": start, "end": end}
                else:
                    event["arguments"].append({"role": role, "start": start, "end": end})
            i += 1
            continue
        if char == "|":
            raise MarkupError(f"stray '|' at column {i}")
        plain.append(char)
        i += 1
    if stack:
        raise MarkupError(f"span [{stack[-1][0]}|... is never closed")
    text = "".join(plain)
    if not text.strip():
        raise MarkupError("empty sentence")
    if text != text.strip():
        raise MarkupError("sentence has leading or trailing spaces")
    for event in events:
        event["arguments"].sort(key=lambda a: (a["start"], a["end"], a["role"]))
    return ParsedSentence(text=text, events=events)


def _sentence(entry: dict, where: str, ontology: Ontology) -> ParsedSentence:
    if not isinstance(entry, dict) or set(entry) - {"types", "text"} or "text" not in entry:
        raise MarkupError(f"{where}: a sentence needs exactly the keys 'types' and 'text'")
    types = entry.get("types", [])
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise MarkupError(f"{where}: 'types' must be a list of type ids")
    try:
        return parse_marked(entry["text"], types, ontology)
    except MarkupError as error:
        raise MarkupError(f"{where}: {error}") from None


def read_shard(path: Path, lang: str, ontology: Ontology) -> tuple[list[dict], list[dict]]:
    """Parse one shard file into (records, documents), without splits assigned.

    Record ids are ``<shard>-<line>`` for sentences and ``<doc_id>-s<index>`` for
    article sentences, so that they are stable as long as the shard is.
    """
    batch = path.stem
    records: list[dict] = []
    documents: list[dict] = []
    errors: list[str] = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(f"{where}: invalid JSON ({error.msg})")
            continue
        try:
            if isinstance(entry, dict) and "sentences" in entry:
                doc_id = entry.get("doc_id")
                if not isinstance(doc_id, str) or not re.fullmatch(r"[a-z0-9-]+", doc_id):
                    raise MarkupError(f"{where}: article needs a doc_id of [a-z0-9-]")
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry.get("date", ""))):
                    raise MarkupError(f"{where}: article needs a date YYYY-MM-DD")
                sentences = entry["sentences"]
                if not isinstance(sentences, list) or not sentences:
                    raise MarkupError(f"{where}: article has no sentences")
                documents.append(
                    {"doc_id": doc_id, "lang": lang, "date": entry["date"], "title": entry.get("title")}
                )
                for index, sentence in enumerate(sentences):
                    parsed = _sentence(sentence, f"{where} sentence {index + 1}", ontology)
                    records.append(
                        {"id": f"{doc_id}-s{index:02d}", "lang": lang, "text": parsed.text,
                         "doc_id": doc_id, "sentence_index": index, "events": parsed.events,
                         "batch": batch}
                    )
            else:
                parsed = _sentence(entry, where, ontology)
                records.append(
                    {"id": f"{batch}-{line_number:04d}", "lang": lang, "text": parsed.text,
                     "events": parsed.events, "batch": batch}
                )
        except MarkupError as error:
            errors.append(str(error))
    if errors:
        raise MarkupError("\n".join(errors))
    return records, documents
