"""Request logging that never writes a resident's position at better than ~1 km.

Query parameters ``lat``/``lon`` are rounded to 2 decimals; ``address`` and ``q`` are
replaced by their length. The uvicorn access log is turned off by ``geo-clsm serve``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("geo_clsm.requests")

_ROUNDED = {"lat", "lon"}
_REDACTED = {"address", "q"}


def redact_query(query: str) -> str:
    """The query string as safe to log."""
    parts = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in _ROUNDED:
            try:
                value = f"{float(value):.2f}"
            except ValueError:
                value = "<invalide>"
        elif key in _REDACTED:
            value = f"<{len(value)} caractères>"
        parts.append(f"{key}={value}")
    return "&".join(parts)


async def log_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    start = time.perf_counter()
    response = await call_next(request)
    ms = (time.perf_counter() - start) * 1000
    query = redact_query(request.url.query)
    log.info(
        "%s %s%s -> %d (%.1f ms)",
        request.method,
        request.url.path,
        f"?{query}" if query else "",
        response.status_code,
        ms,
    )
    return response
