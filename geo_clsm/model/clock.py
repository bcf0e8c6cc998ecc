"""The clock every dated rule reads: notices that start and end, waits that grow old, records that
wait for a confirmation, and opening hours at « now ».

Metropolitan France's local time (naive, as opening hours are written). Tests set another moment
with :func:`frozen_at`; nothing else changes the clock.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def _system_now() -> datetime:
    return datetime.now(PARIS).replace(tzinfo=None)


_clock: list[Callable[[], datetime]] = [_system_now]
_today: list[tuple[date, float]] = [(date.min, 0.0)]  # the system's today, and until when it holds (epoch s)


def local_now() -> datetime:
    """The current time in metropolitan France (naive local time)."""
    return _clock[-1]()


def today() -> date:
    """Today's date in metropolitan France: the day a notice runs on, and freshness is counted from.

    Asked for each feature served: the system's date is kept until the next local midnight (a
    comparison with ``time.time()``, not a time-zone conversion per call)."""
    if len(_clock) > 1:  # a clock set by a test
        return _clock[-1]().date()
    day, until = _today[0]
    if _time.time() < until:
        return day
    now = datetime.now(PARIS)
    midnight = datetime(now.year, now.month, now.day, tzinfo=PARIS) + timedelta(days=1)
    _today[0] = (now.date(), midnight.timestamp())
    return now.date()


@contextmanager
def frozen_at(when: datetime | date) -> Iterator[None]:
    """Within the block, :func:`local_now` is ``when`` (a date is its midnight): for tests."""
    moment = when if isinstance(when, datetime) else datetime(when.year, when.month, when.day)
    _clock.append(lambda: moment)
    try:
        yield
    finally:
        _clock.pop()
