"""Opening hours: the one evaluation, on top of the ``opening-hours-py`` library.

The text is the OSM ``opening_hours`` syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours),
parsed by the library: ``Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00``, ``24/7``, ``PH off``,
a range past midnight (``Fr 20:00-02:00``).

Everything that asks about opening hours comes here: the ``open_at`` filter of a nearest query
(through :attr:`geo_clsm.model.resource.Resource.hours`), ``open_now`` in answers, the validation of a record
(import, editor), and the weekly slots the French descriptions (map, guide) and the HSDS schedules
are written from. One rule for public holidays everywhere: a French public service is closed on a
public holiday (French calendar, ``country="FR"``) unless its hours say otherwise (a ``PH`` rule,
or ``24/7``).

A record describes its regular week: hours that change with the season or the date (months,
weeks, years) are refused, since the guide and the HSDS schedules describe one week. Anything
the library does not parse is refused with a French message saying where and how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours as _OsmHours
from opening_hours import State

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_LABELS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
HOLIDAY_COUNTRY = "FR"
"""The calendar of public holidays (metropolitan France's) the hours are evaluated with."""

PARIS = ZoneInfo("Europe/Paris")
_DAY_MIN = 24 * 60
_EXAMPLE = "par exemple Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
_POSITION_RE = re.compile(r"-->\s*\d+:(\d+)")
# One week per month of a year without meaning (2027): the same slots in each, or the hours are seasonal.
_SAMPLE_WEEKS = tuple(
    datetime(2027, month, 8) - timedelta(days=datetime(2027, month, 8).weekday()) for month in range(1, 13)
)


class OpeningHoursError(ValueError):
    """The text is not opening hours this service accepts (message in French)."""


@dataclass(frozen=True, slots=True)
class Slot:
    """An opening slot of the regular week: ``weekday`` 0 = Monday, minutes since midnight, end exclusive."""

    weekday: int
    start_min: int
    end_min: int


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Validated opening hours: the source text, the library's evaluation and the regular week's slots."""

    text: str
    slots: tuple[Slot, ...]
    _osm: _OsmHours = field(compare=False, repr=False)

    def is_open(self, when: datetime) -> bool:
        """Whether open at local time ``when`` (naive, or aware and then read as local), French public
        holidays included."""
        return bool(self._osm.is_open(when.replace(tzinfo=None)))

    def describe_fr(self) -> str:
        """A short French description of the regular week, one day per clause."""
        parts = []
        for wd, label in enumerate(DAY_LABELS_FR):
            day = [s for s in self.slots if s.weekday == wd]
            if day:
                spans = ", ".join(f"{hm_fr(s.start_min)}–{hm_fr(s.end_min)}" for s in day)
                parts.append(f"{label} {spans}")
        return " ; ".join(parts) if parts else "fermé"


def hm_fr(minutes: int) -> str:
    """Minutes since midnight as French clock time: ``09h30``."""
    return f"{minutes // 60:02d}h{minutes % 60:02d}"


def _syntax_error(text: str, exc: Exception) -> OpeningHoursError:
    if not text.strip():
        return OpeningHoursError(f"horaires vides : laisser le champ vide ou écrire {_EXAMPLE}")
    m = _POSITION_RE.search(str(exc))
    at = int(m.group(1)) - 1 if m else 0
    where = f" à partir de « {text[at:]} »" if 0 < at < len(text) else ""
    return OpeningHoursError(
        f"horaires « {text} » illisibles{where} : utiliser le format OpenStreetMap, jours Mo Tu We Th Fr Sa Su "
        f"et heures HH:MM, {_EXAMPLE}"
    )


def _week_slots(osm: _OsmHours, monday: datetime) -> tuple[Slot, ...]:
    """The open slots of the week starting ``monday``, cut at midnight."""
    slots = []
    for start, end, state, _ in osm.intervals(monday, monday + timedelta(days=7)):
        if state != State.OPEN:
            continue
        start, end = max(start, monday), min(end, monday + timedelta(days=7))
        day = start.replace(hour=0, minute=0)
        while day < end:
            nxt = day + timedelta(days=1)
            a, b = max(start, day), min(end, nxt)
            if a < b:
                wd = (day - monday).days
                slots.append(Slot(wd, int((a - day).total_seconds()) // 60, int((b - day).total_seconds()) // 60))
            day = nxt
    return tuple(sorted(slots, key=lambda s: (s.weekday, s.start_min)))


@lru_cache(maxsize=4096)
def parse_opening_hours(text: str) -> OpeningHours:
    """Validate ``text`` (the library's syntax, a regular week) and evaluate it.

    Raises
    ------
    OpeningHoursError
        With a French message saying what to fix.
    """
    text = text.strip()
    try:
        weekly = _OsmHours(text)  # no calendar of holidays: the regular week
    except Exception as exc:  # the library's ParserError (a SyntaxError) and its other refusals
        raise _syntax_error(text, exc) from None
    weeks = {_week_slots(weekly, monday) for monday in _SAMPLE_WEEKS}
    if len(weeks) > 1:
        raise OpeningHoursError(
            f"horaires « {text} » : décrire la semaine habituelle, sans mois, semaines ni années ({_EXAMPLE}); "
            "les fermetures des jours fériés s'écrivent PH off"
        )
    # A French public service is closed on public holidays unless its hours say otherwise:
    # "; PH off" is added when the text has no PH rule and is not "24/7".
    rule = text if "PH" in text or text == "24/7" else f"{text}; PH off"
    return OpeningHours(text=text, slots=weeks.pop(), _osm=_OsmHours(rule, country=HOLIDAY_COUNTRY))


def is_open_at(text: str, when: datetime) -> bool:
    """Whether hours ``text`` are open at local time ``when``, French public holidays included."""
    return parse_opening_hours(text).is_open(when)


def local_now() -> datetime:
    """The current time in metropolitan France (naive local time, as opening hours are written)."""
    return datetime.now(PARIS).replace(tzinfo=None)


class _HasHours(Protocol):
    @property
    def opening_hours(self) -> str | None: ...


def open_now(resource: _HasHours, when: datetime) -> bool | None:
    """Whether the resource is open at ``when`` (French public holidays count as closed unless
    the hours say ``PH``); None when its hours are unknown."""
    text = resource.opening_hours
    if not text:
        return None
    return is_open_at(text, when)
