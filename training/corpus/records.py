"""The corpus record contract, as pydantic models.

A record is one sentence with its events; offsets are Python character offsets
into ``text``, end exclusive. This is a contract shared with other tools: extend
it only with optional fields.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Split = Literal["train", "dev", "test"]


class Span(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Argument(Span):
    role: str


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    trigger: Span | None = None
    arguments: list[Argument] = Field(default_factory=list)


class Record(BaseModel):
    """One annotated sentence. ``sentence_index`` (optional) orders a document's sentences."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    lang: str = Field(pattern=r"^[a-z]{2}$")
    text: str = Field(min_length=1)
    doc_id: str | None = None
    sentence_index: int | None = Field(default=None, ge=0)
    split: Split
    events: list[Event] = Field(default_factory=list)


class Document(BaseModel):
    """Article metadata kept in ``documents.jsonl`` beside the corpus."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    lang: str = Field(pattern=r"^[a-z]{2}$")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    title: str | None = None
    split: Split
