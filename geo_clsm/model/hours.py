"""Opening hours: the one evaluation, on top of the ``opening-hours-py`` library.

The text is the OSM ``opening_hours`` syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours),
parsed by the library: ``Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00``, ``24/7``, ``PH off``,
a range past midnight (``Fr 20:00-02:00``).

Everything that asks about opening hours comes here: the ``open_at`` filter of a nearest query
(through :attr:`geo_clsm.model.resource.Resource.hours`), ``open_now`` in answers, the validation of a record
(import, editor), and the weekly slots the descriptions in words (:mod:`geo_clsm.model.hours_words`:
map, pages, guide) and the HSDS schedules are written from. Whether a place is open at a moment is
:func:`open_state`, and nothing else: the ``open_at`` filter, ``open_now`` / ``open_status`` of
places and of national lines, all call it.

Public holidays (French calendar, ``country="FR"``) follow the place's :class:`HolidayRule`, decided
per type of place (:data:`geo_clsm.model.resource_types.HOLIDAY_RULES`, written down in docs/hours.md):
hours with a ``PH`` rule, or ``24/7``, say themselves what happens on a holiday; otherwise a place
whose rule is ``closed`` (a CMP, a CATTP …) is closed on public holidays, and one whose rule is
``as_weekday`` (a national line open « Mo-Su », a hospital) keeps its regular week's hours.

A record describes its regular week: hours that change with the season or the date (months,
weeks, years) are refused, since the guide and the HSDS schedules describe one week. Anything
the library does not parse is refused with a French message saying where and how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours as _OsmHours
from opening_hours import State

from geo_clsm.model import clock

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_LABELS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
HOLIDAY_COUNTRY = "FR"
"""The calendar of public holidays (metropolitan France's) the hours are evaluated with."""

PARIS = clock.PARIS
OVERSEAS_ZONES: dict[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}
"""The time zone of each overseas department or community, by the first three digits of its INSEE
commune codes and postcodes; everything else is metropolitan France (``Europe/Paris``)."""
_DAY_MIN = 24 * 60
_EXAMPLE = "par exemple Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
_POSITION_RE = re.compile(r"-->\s*\d+:(\d+)")
# French public holidays on every weekday, Monday to Sunday: Easter Monday 2027, 11 November 2025,
# 14 July 2027, Ascension 2027, 1 January 2027, 1 May 2027, 15 August 2027.
_SAMPLE_HOLIDAYS = (
    datetime(2027, 3, 29),
    datetime(2025, 11, 11),
    datetime(2027, 7, 14),
    datetime(2027, 5, 6),
    datetime(2027, 1, 1),
    datetime(2027, 5, 1),
    datetime(2027, 8, 15),
)
# One week per month of a year without meaning (2027): the same slots in each, or the hours are seasonal.
_SAMPLE_WEEKS = tuple(
    datetime(2027, month, 8) - timedelta(days=datetime(2027, month, 8).weekday()) for month in range(1, 13)
)


class HolidayRule(StrEnum):
    """What hours without a ``PH`` rule mean on a French public holiday."""

    CLOSED = "closed"
    """Closed on public holidays (``; PH off`` is implied): public services open on weekdays."""
    AS_WEEKDAY = "as_weekday"
    """A public holiday is a day like the others: the regular week's hours hold."""


OpenState = Literal["open", "closed", "unknown"]


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
    holidays: HolidayRule = HolidayRule.CLOSED
    rule: str = ""
    """The text evaluated: ``text`` with ``; PH off`` added when the holiday rule implies it."""

    def is_open(self, when: datetime) -> bool:
        """Whether open at local time ``when`` (naive, or aware and then read as local), French public
        holidays included (:func:`open_state` is the one caller outside this module)."""
        return bool(self._osm.is_open(when.replace(tzinfo=None)))

    @property
    def closed_on_holidays(self) -> bool:
        """Whether a public holiday on a day the regular week is open is closed (the ``PH off``
        rule, given or implied): checked on the French holidays of a sample year."""
        for day in _SAMPLE_HOLIDAYS:
            slots = [s for s in self.slots if s.weekday == day.weekday()]
            if slots:
                probe = day + timedelta(minutes=slots[0].start_min)
                return not self.is_open(probe)
        return False


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
def parse_opening_hours(text: str, holidays: HolidayRule = HolidayRule.CLOSED) -> OpeningHours:
    """Validate ``text`` (the library's syntax, a regular week) and evaluate it, public holidays
    by ``holidays`` when the text has no ``PH`` rule (see :class:`HolidayRule`).

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
    rule = implied_rule(text, holidays)
    return OpeningHours(
        text=text,
        slots=weeks.pop(),
        _osm=_OsmHours(rule, country=HOLIDAY_COUNTRY),
        holidays=HolidayRule(holidays),
        rule=rule,
    )


def implied_rule(text: str, holidays: HolidayRule = HolidayRule.CLOSED) -> str:
    """The hours evaluated: ``text``, with ``; PH off`` added for a place closed on public holidays
    when the text has no ``PH`` rule and is not ``24/7`` (opening_hours.js reads the same string)."""
    text = text.strip()
    if holidays == HolidayRule.CLOSED and "PH" not in text and text != "24/7":
        return f"{text}; PH off"
    return text


class _Closure(Protocol):
    def closes_on(self, day: date, /) -> bool: ...


def time_zone(code: str | None) -> ZoneInfo:
    """The time zone of a place from its INSEE commune code or postcode (:data:`OVERSEAS_ZONES`,
    else metropolitan France): hours are written in the place's own local time."""
    zone = OVERSEAS_ZONES.get((code or "")[:3])
    return ZoneInfo(zone) if zone else PARIS


def open_state(
    hours: OpeningHours | None, when: datetime, *, zone: ZoneInfo = PARIS, notice: _Closure | None = None
) -> OpenState:
    """**The** evaluation of opening hours: ``open`` or ``closed`` at ``when`` (French public
    holidays by the hours' :class:`HolidayRule`), ``unknown`` without hours. An aware ``when`` is a
    moment, read on the clocks of ``zone`` (the place's own time zone, :func:`time_zone`: a place in
    La Réunion is open by Réunion time); a naive ``when`` is already the place's local time. A
    closure notice running that (local) day (:class:`geo_clsm.model.notice.Notice` with ``closed``)
    closes the place, whatever its hours."""
    local = when.astimezone(zone).replace(tzinfo=None) if when.tzinfo is not None else when
    if notice is not None and notice.closes_on(local.date()):
        return "closed"
    if hours is None:
        return "unknown"
    return "open" if hours.is_open(local) else "closed"


def is_open_at(text: str, when: datetime, holidays: HolidayRule = HolidayRule.CLOSED) -> bool:
    """Whether hours ``text`` are open at local time ``when``, French public holidays included."""
    return open_state(parse_opening_hours(text, holidays), when) == "open"


def local_now() -> datetime:
    """The current time in metropolitan France (naive local time, as opening hours are written),
    read from :mod:`geo_clsm.model.clock`."""
    return clock.local_now()


def now() -> datetime:
    """The current moment (aware), read from :mod:`geo_clsm.model.clock` (a test's frozen moment
    included): :func:`open_state` reads it on each place's own clocks."""
    return clock.local_now().replace(tzinfo=PARIS)


class _HasHours(Protocol):
    @property
    def hours(self) -> OpeningHours | None: ...

    @property
    def notice(self) -> _Closure | None: ...

    @property
    def time_zone(self) -> ZoneInfo: ...


def open_now(resource: _HasHours, when: datetime) -> bool | None:
    """Whether the resource is open at ``when`` (:func:`open_state` in the resource's own time zone,
    public holidays by its type's rule, a closure notice closing it); None when its hours are unknown."""
    hours, notice = resource.hours, resource.notice
    if hours is None and notice is None:  # no hours, no notice: unknown at any moment (no clock read)
        return None
    state = open_state(hours, when, zone=resource.time_zone, notice=notice)
    return None if state == "unknown" else state == "open"
