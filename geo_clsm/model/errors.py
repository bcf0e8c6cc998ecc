"""Domain errors. No HTTP knowledge here: ``geo_clsm/web/errors.py`` maps them to statuses.

Messages are French, since they reach users; they say what to fix.
"""

from __future__ import annotations


class GeoClsmError(Exception):
    """Base class of geo_clsm's errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(GeoClsmError):
    """A parameter or an input value is invalid."""


class NotFoundError(GeoClsmError):
    """A named object (resource, QPV, territory, commune) does not exist."""


class ForbiddenError(GeoClsmError):
    """The signed-in account may not do this here (a record or territory outside its roles)."""


class StaleResultError(GeoClsmError):
    """A stored result cannot be used as it is (computed by another version): compute it again."""


class OutsideTerritoryError(GeoClsmError):
    """A position lies outside every loaded territory."""

    def __init__(self, message: str, territories: list[str]) -> None:
        super().__init__(message)
        self.territories = territories


class LayerError(GeoClsmError):
    """A data layer or the manifest is invalid; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        full = message if not problems else message + "\n" + "\n".join(f"- {p}" for p in problems)
        super().__init__(full)
        self.problems = problems or []
