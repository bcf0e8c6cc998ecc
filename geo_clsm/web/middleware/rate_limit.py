"""Rate limits: :func:`rate_limit` is a FastAPI dependency factory: ``dependencies=[rate_limit("scenarios",
per_minute=10)]`` on a route limits each client (by IP address, never logged) with an in-memory
token bucket per process, and answers 429 with ``Retry-After`` and a French message.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from typing import Any

from fastapi import Depends, HTTPException, Request

from geo_clsm.web.lifecycle import service_state


class TokenBucket:
    """Per-key token buckets: ``capacity`` requests at once, refilled at ``per_minute``.

    In memory, for one process; at most ``max_keys`` clients are remembered (the least recently
    seen is forgotten first, which only ever gives that client a full bucket again).
    """

    def __init__(
        self,
        *,
        per_minute: float,
        capacity: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_s = per_minute / 60.0
        self.capacity = capacity
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds to wait for one."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate_per_s)
            wait_s = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait_s = (1.0 - tokens) / self.rate_per_s if self.rate_per_s > 0 else math.inf
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait_s


RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Trop de demandes de ce poste : réessayer après le délai de l'en-tête `Retry-After` (s)."}
}
"""``responses=`` entry for a rate-limited route (documents the 429 in the OpenAPI)."""


def client_address(request: Request) -> str:
    """The client's IP address, for rate limits and sign-in throttling: the direct peer, or the
    address a trusted reverse proxy forwarded. uvicorn's ProxyHeadersMiddleware rewrites the peer
    from ``X-Forwarded-For`` only when the peer is in ``GEO_CLSM_TRUSTED_PROXIES`` (see
    ``geo_clsm.cli.serve.uvicorn_options``); nothing else reads that header."""
    return request.client.host if request.client else "?"


def _buckets(request: Request) -> MutableMapping[str, TokenBucket]:
    buckets: MutableMapping[str, TokenBucket] = service_state(request).rate_buckets
    return buckets


def retry_after_s(request: Request, name: str, *, per_minute: float, burst: float | None = None) -> int | None:
    """Take one of the client's tokens for the limit ``name``: None when allowed, else the seconds
    to wait (for ``Retry-After``). ``GEO_CLSM_RATE_LIMITS='{"name": n}'`` overrides ``per_minute``
    (0 turns the limit off). For routes that answer a refusal themselves (HTML forms); the others
    use :func:`rate_limit`."""
    settings = service_state(request).settings
    rate = settings.rate_limits.get(name, per_minute)
    if rate <= 0:
        return None
    buckets = _buckets(request)
    bucket = buckets.get(name)
    if bucket is None or bucket.rate_per_s != rate / 60.0:
        bucket = buckets[name] = TokenBucket(per_minute=rate, capacity=max(1.0, burst or rate))
    wait_s = bucket.take(client_address(request))
    return max(1, math.ceil(wait_s)) if wait_s > 0 else None


def too_many_message(retry_s: int) -> str:
    """The French message of a 429: what to do, and when."""
    when = f"{retry_s} s" if retry_s < 120 else f"{math.ceil(retry_s / 60)} min"
    return f"trop de demandes en peu de temps : réessayer dans {when}"


def rate_limit(name: str, *, per_minute: float, burst: float | None = None) -> Any:
    """A dependency limiting each client to ``per_minute`` requests (``burst`` at once, default
    ``per_minute``) on the routes that use it, answering 429 with ``Retry-After`` and a French
    message. ``GEO_CLSM_RATE_LIMITS='{"name": n}'`` overrides ``per_minute`` (0 turns the limit off).
    Clients are told apart by IP address (:func:`client_address`), which is never logged; behind a
    reverse proxy set ``GEO_CLSM_TRUSTED_PROXIES``. Routes sharing a ``name`` share each client's bucket."""

    async def check(request: Request) -> None:
        retry = retry_after_s(request, name, per_minute=per_minute, burst=burst)
        if retry is not None:
            raise HTTPException(status_code=429, detail=too_many_message(retry), headers={"Retry-After": str(retry)})

    check.__name__ = f"rate_limit_{name}"
    return Depends(check)


# The limits of the public write endpoints, shared by the JSON API and its HTML form.
REPORTS_PER_MINUTE, REPORTS_BURST = 5 / 60, 5  # "Signaler une erreur": 5 at once, then one every 12 min
LOGIN_PER_MINUTE = 20  # sign-in attempts per client (failures also slow that client down for that account)
