"""Failed sign-ins slow down the client that makes them, never the account's owner elsewhere.

Attempts are counted per (account, client address), not per account: an account-wide lock (the
former "five failures lock the account for 15 minutes") let anyone who knows an admin's e-mail
lock that admin out. Here each (account, client) pair waits a growing delay after its failures:
none after the first, then 1 s, 2 s, 4 s… doubling up to ``MAX_DELAY_S``. A correct password from
another address is never delayed; a success clears that pair's count. Failures are forgotten after
``FAILURE_WINDOW``. With the cap at 5 minutes and a window of an hour, one address gets about
20 guesses at an account in its first hour and 12 an hour after that; the per-client rate limit
of the sign-in routes (``geo_clsm.web.middleware.security.LOGIN_PER_MINUTE``) bounds bursts of parallel requests.

The key stored is a SHA-256 of the account and the address: no address is kept in clear.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import GeoClsmError
from geo_clsm.store.repo import now
from geo_clsm.store.schema import login_failures

FREE_FAILURES = 1  # failures answered without any delay before the next attempt
MAX_DELAY_S = 300
FAILURE_WINDOW = timedelta(hours=1)


class LoginThrottledError(GeoClsmError):
    """Too many recent failed sign-ins for this account from this client: wait ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        when = f"{retry_after_s} s" if retry_after_s < 120 else f"{math.ceil(retry_after_s / 60)} min"
        super().__init__(f"trop d'échecs de connexion à ce compte depuis cet appareil : réessayer dans {when}")
        self.retry_after_s = retry_after_s


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` recent failures: 0, 1, 2, 4, 8… up to ``MAX_DELAY_S``."""
    if failures <= FREE_FAILURES:
        return 0
    return int(min(MAX_DELAY_S, 2 ** (failures - FREE_FAILURES - 1)))


def throttle_key(email: str, client: str) -> str:
    return hashlib.sha256(f"{email}\0{client}".encode()).hexdigest()


def _aware(dt: datetime) -> datetime:
    """SQLite returns naive datetimes: they were written in UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=now().tzinfo)


def reserve_attempt(engine: SqlEngine, key: str) -> None:
    """Count one attempt for ``key`` (as a failure until :func:`forget` clears it), or refuse it.

    Counting before the password is checked keeps the window for parallel guesses short, and
    no database transaction is held while the password hash is computed.

    Raises
    ------
    LoginThrottledError
        When the delay earned by the recent failures of ``key`` has not passed yet.
    """
    stamp = now()
    with engine.begin() as conn:
        conn.execute(sa.delete(login_failures).where(login_failures.c.at < stamp - FAILURE_WINDOW))
        row = conn.execute(
            sa.select(sa.func.count(), sa.func.max(login_failures.c.at)).where(login_failures.c.key == key)
        ).one()
        failures, last = int(row[0]), row[1]
        if last is not None:
            ready = _aware(last) + timedelta(seconds=delay_after(failures))
            if ready > stamp:
                raise LoginThrottledError(max(1, math.ceil((ready - stamp).total_seconds())))
        conn.execute(sa.insert(login_failures).values(key=key, at=stamp))


def forget(engine: SqlEngine, key: str) -> None:
    """A success: the failures of ``key`` are cleared."""
    with engine.begin() as conn:
        conn.execute(sa.delete(login_failures).where(login_failures.c.key == key))
