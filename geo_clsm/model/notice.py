"""A dated notice on a record: « fermé du 22/12 au 2/1 », « ne prend plus de nouveaux patients
jusqu'au 31/1 ».

It is shown while it runs (``start`` to ``end``, both days included, in metropolitan France's
calendar) and is gone by itself the day after ``end``: nobody has to remove it. A notice with
``closed`` says the place is closed while it runs: opening hours then answer « fermé »
(:func:`geo_clsm.model.hours.open_state`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

NOTICE_MAX_CHARS = 300


class Notice(BaseModel):
    """A notice with its first and last day (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, max_length=NOTICE_MAX_CHARS)
    start: date
    end: date
    closed: bool = False
    """The place is closed while the notice runs (a closure, not only information)."""

    @model_validator(mode="after")
    def _ordered(self) -> Notice:
        if self.end < self.start:
            raise ValueError("avis : la date de fin précède la date de début, inverser les deux dates")
        if not self.text.strip():
            raise ValueError("avis : écrire le texte de l'avis (par exemple « fermé du 22/12 au 2/1 »)")
        return self

    def runs_on(self, day: date) -> bool:
        """Whether the notice is shown on ``day``."""
        return self.start <= day <= self.end

    def closes_on(self, day: date) -> bool:
        """Whether the place is closed on ``day`` by this notice."""
        return self.closed and self.runs_on(day)

    def public(self, day: date) -> dict[str, Any] | None:
        """The notice as published on ``day``: None before its start and after its end."""
        if not self.runs_on(day):
            return None
        return {"text": self.text, "start": self.start.isoformat(), "end": self.end.isoformat(), "closed": self.closed}
