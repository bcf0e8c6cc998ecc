"""The editors' weekly grid of opening hours, to and from the OSM ``opening_hours`` text, and the
hours in words.

The grid is what the editor form shows: for each day up to :data:`MAX_SPANS` spans (``09:00`` to
``12:00``, then ``14:00`` to ``17:00``), what happens on public holidays (closed, open at given
hours, or not said), or « 24 h/24 ». It writes the text :func:`geo_clsm.model.hours.parse_opening_hours`
validates (one evaluation of hours everywhere); the raw text stays editable beside it, and text
the grid cannot hold (three spans a day, a holiday rule inside a day selector …) is left to it.

:func:`hours_in_words` is the preview: « du lundi au vendredi de 9 h à 17 h ; fermé les jours
fériés », through a translator (French msgids).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from geo_clsm.model.hours import DAYS, HolidayRule, OpeningHoursError, parse_opening_hours
from geo_clsm.model.hours_words import describe, times

MAX_SPANS = 2
HOLIDAYS = ("", "off", "open")
"""Public holidays: not said (the service's rule decides), closed (``PH off``), open at given hours."""

DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
"""French msgids of the days, Monday first (:data:`geo_clsm.model.hours.DAYS`)."""

Span = tuple[int, int]
Translate = Callable[..., str]

_PH_OFF = re.compile(r"^(?P<week>.*?)\s*;\s*PH\s+(?:off|closed)\s*$")
_PH_OPEN = re.compile(r"^(?P<week>.*?)\s*;\s*PH\s+(?P<spans>\d\d:\d\d-\d\d:\d\d(?:\s*,\s*\d\d:\d\d-\d\d:\d\d)*)\s*$")
_HHMM = re.compile(r"^([01]?\d|2[0-4])[:h]([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class WeekGrid:
    """A regular week: per day (Monday first) its spans in minutes since midnight (end exclusive, up
    to 1440), public holidays (one of :data:`HOLIDAYS`) and their spans, or ``always`` (24/7)."""

    days: tuple[tuple[Span, ...], ...] = ((),) * 7
    holidays: str = ""
    holiday_spans: tuple[Span, ...] = ()
    always: bool = False


def hhmm(minutes: int) -> str:
    """``09:00``; 1440 is ``24:00``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _spans_text(spans: tuple[Span, ...]) -> str:
    return ",".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in spans)


def _parse_spans(text: str) -> tuple[Span, ...]:
    out = []
    for part in text.split(","):
        a, b = part.strip().split("-")
        out.append((_minutes(a), _minutes(b)))
    return tuple(out)


def _minutes(text: str) -> int:
    m = _HHMM.match(text.strip())
    if not m or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
        raise ValueError(text)
    return int(m.group(1)) * 60 + int(m.group(2))


def grid_from_text(text: str | None) -> WeekGrid | None:
    """The grid of valid hours ``text`` (an empty grid for no hours); None when the grid cannot hold
    them (invalid text, more than :data:`MAX_SPANS` spans a day, a holiday rule it does not know)."""
    text = (text or "").strip()
    if not text:
        return WeekGrid()
    if text == "24/7":
        return WeekGrid(always=True)
    holidays, week = "", text
    holiday_spans: tuple[Span, ...] = ()
    if m := _PH_OFF.match(text):
        holidays, week = "off", m.group("week")
    elif m := _PH_OPEN.match(text):
        holidays, week, holiday_spans = "open", m.group("week"), _parse_spans(m.group("spans"))
    if "PH" in week:
        return None
    try:
        slots = parse_opening_hours(week).slots
    except OpeningHoursError:
        return None
    days = tuple(tuple((s.start_min, s.end_min) for s in slots if s.weekday == d) for d in range(7))
    if any(len(d) > MAX_SPANS for d in days):
        return None
    return WeekGrid(days=days, holidays=holidays, holiday_spans=holiday_spans)


def text_from_grid(grid: WeekGrid) -> str:
    """The OSM text of ``grid``: days with the same spans grouped (``Mo-Fr 09:00-17:00; Sa 09:00-12:00``),
    then the holiday rule; empty when nothing is open and nothing is said."""
    if grid.always:
        return "24/7"
    rules: list[str] = []
    d = 0
    while d < 7:
        spans = grid.days[d]
        end = d
        while end + 1 < 7 and grid.days[end + 1] == spans:
            end += 1
        if spans:
            days = DAYS[d] if end == d else f"{DAYS[d]}{',' if end == d + 1 else '-'}{DAYS[end]}"
            rules.append(f"{days} {_spans_text(spans)}")
        d = end + 1
    if grid.holidays == "off":
        rules.append("PH off")
    elif grid.holidays == "open" and grid.holiday_spans:
        rules.append(f"PH {_spans_text(grid.holiday_spans)}")
    if not any(grid.days) and rules and not grid.holiday_spans:
        return ""  # "PH off" alone says nothing about the week
    return "; ".join(rules)


def grid_from_form(form: Mapping[str, str]) -> WeekGrid:
    """The grid posted by the editor form (fields ``hours-<day>-<n>-from`` / ``-to``, ``hours-ph``,
    ``hours-ph-from`` / ``-to``, ``hours-always``).

    Raises
    ------
    OpeningHoursError
        Naming the day and the time at fault, in French.
    """
    if form.get("hours-always"):
        return WeekGrid(always=True)

    def span(prefix: str, day: str) -> Span | None:
        a, b = (form.get(f"{prefix}-from") or "").strip(), (form.get(f"{prefix}-to") or "").strip()
        if not a and not b:
            return None
        try:
            start, end = _minutes(a), _minutes(b)
        except ValueError:
            raise OpeningHoursError(
                f"{day} : « {a or '…'} » à « {b or '…'} » : écrire deux heures HH:MM, par exemple 09:00 et 12:00"
            ) from None
        if end <= start:
            raise OpeningHoursError(
                f"{day} : {hhmm(start)} à {hhmm(end)} : l'heure de fin doit suivre l'heure de début"
            )
        return start, end

    days = []
    for d, name in enumerate(DAY_NAMES):
        spans = [s for n in range(MAX_SPANS) if (s := span(f"hours-{d}-{n}", name))]
        days.append(tuple(sorted(spans)))
    holidays = form.get("hours-ph") or ""
    if holidays not in HOLIDAYS:
        raise OpeningHoursError("jours fériés : choisir fermé, ouvert ou non précisé")
    ph = span("hours-ph", "jours fériés") if holidays == "open" else None
    if holidays == "open" and ph is None:
        raise OpeningHoursError("jours fériés : donner les heures d'ouverture, par exemple 09:00 et 12:00")
    return WeekGrid(days=tuple(days), holidays=holidays, holiday_spans=(ph,) if ph else ())


def hours_in_words(text: str | None, t: Translate, *, holidays: HolidayRule = HolidayRule.AS_WEEKDAY) -> str:
    """Hours ``text`` as a person says them, in the translator's language: « du lundi au vendredi de
    9 h à 12 h et de 14 h à 17 h ; le samedi de 9 h à 12 h ; fermé les jours fériés ». The one
    description (:func:`geo_clsm.model.hours_words.describe`) of the one evaluation, public holidays
    by ``holidays`` when the text has no ``PH`` rule (the place type's rule where it is known); hours
    open on public holidays at other times than the week say so.

    Raises
    ------
    OpeningHoursError
        When ``text`` is not valid hours (the French message of the validation).
    """
    if not (text or "").strip():
        return t("horaires non renseignés")
    hours = parse_opening_hours(text or "", holidays)  # the one validation; raises with its French message
    grid = grid_from_text(text)
    if grid is None or grid.holidays != "open":
        return describe(hours, t)
    week = parse_opening_hours(text_from_grid(replace(grid, holidays="", holiday_spans=())), HolidayRule.AS_WEEKDAY)
    return t("{a} ; {b}", a=describe(week, t), b=t("les jours fériés {spans}", spans=times(grid.holiday_spans, t)))


WORDS_MSGIDS = (
    *DAY_NAMES,
    "horaires non renseignés",
    "les jours fériés {spans}",
)
"""The msgids :func:`hours_in_words` adds to :data:`geo_clsm.model.hours_words.MSGIDS` (collected by
:mod:`geo_clsm.i18n.extract`)."""
