"""The objects extraction returns, and their JSON form (the score-output contract).

Score output contract, one object per input document::

    {"id", "status": "ok"|"error", "error" (when error), "lang",
     "event_types": {type_id: max sentence score},
     "events": [{"type", "score", "sentence_index", "sentence",
                 "trigger": {"text","start","end"} | null,
                 "arguments": {role: [{"text","start","end"}]}}]}

Offsets index the document text. Fields beyond the contract (``date``,
``date_source``, argument ``score``) are additions that never change the contract's
fields: ``date_source`` appears only when the date was not given by the input but found
in the page ("page") or taken from the WARC capture ("crawl").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArgumentSpan:
    role: str
    text: str
    start: int
    end: int
    score: float


@dataclass
class Event:
    type: str
    score: float
    sentence_index: int
    sentence: str
    arguments: list[ArgumentSpan] = field(default_factory=list)
    trigger: ArgumentSpan | None = None

    def to_dict(self, roles: list[str]) -> dict[str, Any]:
        grouped: dict[str, list[dict[str, Any]]] = {role: [] for role in roles}
        for argument in sorted(self.arguments, key=lambda a: (a.start, a.end)):
            grouped[argument.role].append(
                {"text": argument.text, "start": argument.start, "end": argument.end,
                 "score": round(argument.score, 4)}
            )
        trigger = None
        if self.trigger is not None:
            trigger = {"text": self.trigger.text, "start": self.trigger.start, "end": self.trigger.end}
        return {
            "type": self.type,
            "score": round(self.score, 4),
            "sentence_index": self.sentence_index,
            "sentence": self.sentence,
            "trigger": trigger,
            "arguments": grouped,
        }


@dataclass
class DocumentResult:
    """What :meth:`flashpoint.runtime.Extractor.extract` returns for one document."""

    id: str
    text: str
    lang: str
    date: str | None
    event_types: dict[str, float]
    events: list[Event]
    roles: list[str]
    n_sentences: int = 0
    date_source: str | None = None
    error: str | None = None  # set when the document could not be scored (extract_many goes on)

    @property
    def status(self) -> str:
        return "error" if self.error is not None else "ok"

    @classmethod
    def failed(cls, document_id: str, reason: str, text: str = "") -> "DocumentResult":
        """The result of a document that could not be scored: no events, ``error`` says why."""
        return cls(id=document_id, text=text, lang="", date=None, event_types={}, events=[], roles=[], error=reason)

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return error_record(self.id, self.error)
        record: dict[str, Any] = {
            "id": self.id,
            "status": "ok",
            "lang": self.lang,
            "event_types": {t: round(s, 4) for t, s in self.event_types.items()},
            "events": [event.to_dict(self.roles) for event in self.events],
        }
        if self.date is not None:
            record["date"] = self.date
            if self.date_source is not None:
                record["date_source"] = self.date_source
        return record


def error_record(record_id: str, reason: str) -> dict[str, Any]:
    """The output line for a document that could not be scored."""
    return {"id": record_id, "status": "error", "error": reason, "lang": None, "event_types": {}, "events": []}
