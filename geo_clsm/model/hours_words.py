"""Opening hours in words, in the reader's language: « tous les jours de 9 h à 23 h », « du lundi
au vendredi de 9 h à 12 h et de 14 h à 17 h ; fermé les jours fériés ».

Written from the regular week's slots of :mod:`geo_clsm.model.hours` (days with the same hours
grouped; a span past midnight written as one, « de 20 h à 2 h »), and whether public holidays
close the place (:attr:`~geo_clsm.model.hours.OpeningHours.closed_on_holidays`). Every phrase is
a French msgid of the i18n catalogs (:data:`MSGIDS`), translated by the ``t`` given (English,
Arabic …); without one, French. Used by the public view of a resource (map, pages, API), the
guide and the exports; :func:`in_words` gives the words in every language of the pages (the public
view's ``opening_hours_words``, shown by the popups, the list, /recherche in the page's language).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from geo_clsm.i18n import available_langs, translator
from geo_clsm.model.hours import DAY_LABELS_FR, OpeningHours

Translate = Callable[..., str]
_DAY = 24 * 60

MSGIDS = (
    *DAY_LABELS_FR,
    "tous les jours",
    "du {first} au {last}",
    "le {day}",
    "le {first} et le {last}",
    "de {start} à {end}",
    "{a} et {b}",
    "{days} {times}",
    "{a} ; {b}",
    "{h} h",
    "{h} h {m}",
    "24 h sur 24",
    "24 h sur 24, 7 jours sur 7",
    "fermé",
    "fermé les jours fériés",
)
"""The phrases, French msgids of ``geo_clsm/i18n`` (collected by ``geo_clsm.i18n.extract``)."""


def _french(text: str, /, **values: object) -> str:
    return text.format(**values) if values else text


def clock(minutes: int, t: Translate = _french) -> str:
    """Minutes since midnight as the language writes a time: « 9 h », « 17 h 30 » (« 24 h » at midnight's end)."""
    h, m = divmod(minutes, 60)
    return t("{h} h", h=h) if m == 0 else t("{h} h {m}", h=h, m=f"{m:02d}")


def _spans(by_day: list[list[tuple[int, int]]]) -> list[tuple[tuple[int, int], ...]]:
    """Each day's spans, a span ending at midnight joined to the next day's span starting at
    midnight (written « de 20 h à 2 h » on the first day)."""
    days = [list(d) for d in by_day]
    carried = [False] * 7
    for wd in range(7):
        nxt = (wd + 1) % 7
        day, following = days[wd], days[nxt]
        if (
            day
            and day[-1][1] == _DAY
            and day[-1][0] > 0
            and following
            and following[0][0] == 0
            and following[0][1] < _DAY
            and not carried[nxt]
        ):
            day[-1] = (day[-1][0], following[0][1])  # end before start: past midnight
            carried[nxt] = True
    out = []
    for wd in range(7):
        day = days[wd][1:] if carried[wd] else days[wd]
        out.append(tuple(day))
    return out


def times(spans: tuple[tuple[int, int], ...], t: Translate) -> str:
    """A day's spans in words: « de 9 h à 12 h et de 14 h à 17 h », « 24 h sur 24 »."""
    if spans == ((0, _DAY),):
        return t("24 h sur 24")
    words = [t("de {start} à {end}", start=clock(a, t), end=clock(b, t)) for a, b in spans]
    out = words[0]
    for w in words[1:]:
        out = t("{a} et {b}", a=out, b=w)
    return out


def describe(hours: OpeningHours, t: Translate = _french) -> str:
    """The regular week in words, then « fermé les jours fériés » when holidays close the place."""
    by_day = [[(s.start_min, s.end_min) for s in hours.slots if s.weekday == wd] for wd in range(7)]
    spans = _spans(by_day)
    if all(day == ((0, _DAY),) for day in spans):
        return t("24 h sur 24, 7 jours sur 7")
    parts: list[str] = []
    wd = 0
    while wd < 7:
        end = wd
        while end + 1 < 7 and spans[end + 1] == spans[wd]:
            end += 1
        if spans[wd]:
            if (wd, end) == (0, 6):
                days = t("tous les jours")
            elif end == wd:
                days = t("le {day}", day=t(DAY_LABELS_FR[wd]))
            elif end == wd + 1:
                days = t("le {first} et le {last}", first=t(DAY_LABELS_FR[wd]), last=t(DAY_LABELS_FR[end]))
            else:
                days = t("du {first} au {last}", first=t(DAY_LABELS_FR[wd]), last=t(DAY_LABELS_FR[end]))
            parts.append(t("{days} {times}", days=days, times=times(spans[wd], t)))
        wd = end + 1
    if not parts:
        return t("fermé")
    if hours.closed_on_holidays:
        parts.append(t("fermé les jours fériés"))
    out = parts[0]
    for p in parts[1:]:
        out = t("{a} ; {b}", a=out, b=p)
    return out


@lru_cache(maxsize=4096)
def in_words(hours: OpeningHours) -> dict[str, str]:
    """:func:`describe` in each language of the pages (French first), computed once per hours."""
    return {lang: describe(hours, translator(lang)) for lang in available_langs()}
