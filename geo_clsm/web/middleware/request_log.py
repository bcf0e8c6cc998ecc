"""Request logging that never writes a resident's position at better than ~1 km.

Query parameters ``lat``/``lon`` are rounded to 2 decimals; ``address`` and ``q`` are
replaced by their length; the token of a campaign link (``/maj/{token}``) is never written;
request bodies (batch uploads) are never read or logged. The
uvicorn access log is turned off by ``geo-clsm serve``.

:class:`RequestLogMiddleware` is a pure ASGI middleware: it wraps ``send`` to see the
status, and adds no task, queue or request object per request (unlike
``app.middleware("http")``).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("geo_clsm.requests")

_ROUNDED = {"lat", "lon"}
_REDACTED = {"address", "q"}


def redact_path(path: str) -> str:
    """The path as safe to log: a campaign link's token (a key to a record) replaced by ``…``."""
    return "/maj/…" if path.startswith("/maj/") else path


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


class RequestLogMiddleware:
    """Log method, path, redacted query, status and duration of every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            ms = (time.perf_counter() - start) * 1000
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            log.info(
                "%s %s%s -> %d (%.1f ms)",
                scope["method"],
                redact_path(scope["path"]),
                f"?{query}" if query else "",
                status,
                ms,
            )
