"""Opening hours: a validated subset of the OSM ``opening_hours`` syntax.

Accepted grammar (the forms used by French health directories)::

    rule      := "24/7" | [days] " " (times | "off")
    days      := day_span ("," day_span)*         e.g. "Mo-Fr", "Mo,We,Fr"
    day_span  := DAY | DAY "-" DAY                DAY in Mo Tu We Th Fr Sa Su
    times     := span ("," span)*                 e.g. "09:00-12:00,14:00-17:30"
    span      := HH:MM "-" HH:MM                  (end may be 24:00)

Rules are separated by ``;``; a later rule replaces the hours of the days it names,
as in OSM. A rule about public holidays (``PH ...``) is kept as text but not used to
compute openings, since the calendar of holidays is not modelled.
Anything else is rejected with a message in French that says what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours as _OsmHours

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_LABELS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class OpeningHoursError(ValueError):
    """The text is not in the accepted opening-hours syntax."""


@dataclass(frozen=True, slots=True)
class Slot:
    """An opening slot: ``weekday`` 0 = Monday, minutes since midnight, end exclusive."""

    weekday: int
    start_min: int
    end_min: int


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Parsed opening hours: the source text and its weekly slots."""

    text: str
    slots: tuple[Slot, ...]

    def is_open(self, when: datetime) -> bool:
        """Whether the resource is open at local time ``when`` (naive or aware)."""
        minute = when.hour * 60 + when.minute
        wd = when.weekday()
        return any(s.weekday == wd and s.start_min <= minute < s.end_min for s in self.slots)

    def describe_fr(self) -> str:
        """A short French description, one day per clause."""
        parts = []
        for wd, label in enumerate(DAY_LABELS_FR):
            day = [s for s in self.slots if s.weekday == wd]
            if day:
                spans = ", ".join(f"{_fmt(s.start_min)}–{_fmt(s.end_min)}" for s in day)
                parts.append(f"{label} {spans}")
        return " ; ".join(parts) if parts else "fermé"


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}h{minutes % 60:02d}"


def _parse_time(token: str, rule: str) -> int:
    m = _TIME_RE.match(token)
    if not m or (m.group(1) == "24" and m.group(2) != "00"):
        raise OpeningHoursError(f"heure « {token} » invalide dans « {rule} » : écrire HH:MM, par exemple 09:30")
    return int(m.group(1)) * 60 + int(m.group(2))


def _parse_days(token: str, rule: str) -> list[int]:
    days: list[int] = []
    for span in token.split(","):
        ends = span.split("-")
        if len(ends) not in (1, 2) or any(e not in DAYS for e in ends):
            raise OpeningHoursError(
                f"jours « {token} » invalides dans « {rule} » : utiliser Mo Tu We Th Fr Sa Su, "
                "par exemple Mo-Fr ou Mo,We"
            )
        a, b = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def parse_opening_hours(text: str) -> OpeningHours:
    """Parse ``text`` in the accepted OSM subset.

    Raises
    ------
    OpeningHoursError
        With a French message naming the faulty part.
    """
    by_day: dict[int, list[tuple[int, int]]] = {}
    rules = [r.strip() for r in text.strip().split(";") if r.strip()]
    if not rules:
        raise OpeningHoursError("horaires vides : laisser le champ vide ou écrire par exemple Mo-Fr 09:00-17:00")
    for rule in rules:
        if rule == "24/7":
            for wd in range(7):
                by_day[wd] = [(0, 24 * 60)]
            continue
        if rule.startswith("PH"):
            continue
        head, _, rest = rule.partition(" ")
        if head[:1].isalpha() and head != "off" and head[:2] not in DAYS:
            raise OpeningHoursError(
                f"jours « {head} » invalides dans « {rule} » : utiliser Mo Tu We Th Fr Sa Su, par exemple Mo-Fr"
            )
        if head[:2] in DAYS:
            days, spec = _parse_days(head, rule), rest.strip()
        else:
            days, spec = list(range(7)), rule
        if not spec:
            raise OpeningHoursError(f"« {rule} » : indiquer des heures (09:00-12:00) ou off")
        if spec == "off":
            for wd in days:
                by_day[wd] = []
            continue
        spans = []
        for span in spec.split(","):
            start_end = span.strip().split("-")
            if len(start_end) != 2:
                raise OpeningHoursError(f"plage « {span.strip()} » invalide dans « {rule} » : écrire HH:MM-HH:MM")
            start, end = (_parse_time(t.strip(), rule) for t in start_end)
            if end <= start:
                raise OpeningHoursError(f"plage « {span.strip()} » dans « {rule} » : la fin doit suivre le début")
            spans.append((start, end))
        for wd in days:
            by_day[wd] = spans
    slots = tuple(Slot(wd, s, e) for wd in sorted(by_day) for s, e in by_day[wd])
    return OpeningHours(text=text.strip(), slots=slots)


PARIS = ZoneInfo("Europe/Paris")


class _HasHours(Protocol):
    @property
    def opening_hours(self) -> str | None: ...


@lru_cache(maxsize=4096)
def _osm_hours(text: str) -> _OsmHours:
    # A French public service is closed on public holidays unless its hours say otherwise:
    # "; PH off" is added when the text has no PH rule and is not "24/7".
    rule = text if "PH" in text or text.strip() == "24/7" else f"{text}; PH off"
    return _OsmHours(rule, country="FR")


def is_open_at(text: str, when: datetime) -> bool:
    """Whether hours ``text`` are open at local time ``when``, French public holidays included
    (computed by the ``opening-hours-py`` library)."""
    return bool(_osm_hours(text).is_open(when.replace(tzinfo=None)))


def local_now() -> datetime:
    """The current time in metropolitan France (naive local time, as opening hours are written)."""
    return datetime.now(PARIS).replace(tzinfo=None)


def open_now(resource: _HasHours, when: datetime) -> bool | None:
    """Whether the resource is open at ``when`` (French public holidays count as closed unless
    the hours say ``PH``); None when its hours are unknown."""
    text = resource.opening_hours
    if not text:
        return None
    return is_open_at(text, when)
