"""The event ontology: event types and argument roles, loaded from YAML.

The label lists live in data (``configs/ontology/conflict.yaml``, copied into every
model directory) so that the corpus validator, the training heads, the stored
thresholds and the score output can never disagree about which labels exist or in
which order. Nothing else in the code base names an event type.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SNAKE_CASE = r"^[a-z][a-z0-9_]*$"


class RoleSpec(BaseModel):
    """One argument role (actor, target, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_SNAKE_CASE)
    name: str
    definition: str


class EventTypeSpec(BaseModel):
    """One event type with its mappings onto neighbouring vocabularies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_SNAKE_CASE)
    name: str
    acled_event_type: str | None
    definition: str
    precedence: int = Field(ge=1)
    quad_class: int | None = Field(default=None, ge=1, le=4)
    plover: str | None = None


class Ontology(BaseModel):
    """Event types and roles, in the order the model's output heads use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: int
    roles: tuple[RoleSpec, ...]
    event_types: tuple[EventTypeSpec, ...]

    @field_validator("roles", "event_types")
    @classmethod
    def _unique_ids(cls, items: tuple) -> tuple:
        ids = [item.id for item in items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate ids: {', '.join(duplicates)}")
        return items

    @model_validator(mode="after")
    def _unique_precedence(self) -> "Ontology":
        ranks = [t.precedence for t in self.event_types]
        if len(set(ranks)) != len(ranks):
            raise ValueError("event type precedence values must be unique")
        return self

    @cached_property
    def type_ids(self) -> list[str]:
        return [t.id for t in self.event_types]

    @cached_property
    def role_ids(self) -> list[str]:
        return [r.id for r in self.roles]

    @cached_property
    def type_index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.type_ids)}

    @cached_property
    def role_index(self) -> dict[str, int]:
        return {r: i for i, r in enumerate(self.role_ids)}

    def type(self, type_id: str) -> EventTypeSpec:
        """Return the spec of ``type_id``; raise KeyError naming it if unknown."""
        try:
            return self.event_types[self.type_index[type_id]]
        except KeyError:
            raise KeyError(f"unknown event type {type_id!r}") from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> "Ontology":
        """Load and validate an ontology file."""
        path = Path(path)
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
        return cls.model_validate(raw)

    def to_yaml(self, path: str | Path) -> None:
        """Write the ontology so that ``from_yaml`` reads back the same object."""
        Path(path).write_text(
            yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
