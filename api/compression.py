"""Starlette's GZip middleware, with less set-up per request (same responses).

Starlette's :class:`~starlette.middleware.gzip.GZipMiddleware` parses the request headers into a
``Headers`` object and normalises its list of excluded content types again for every request;
:class:`GZipMiddleware` here reads ``Accept-Encoding`` from the raw headers and gives the responder
the list normalised once. Compression, ``Vary``, ``Content-Length`` and every other decision are
Starlette's own responders' (``tests/api/test_compression.py`` compares both).
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware as StarletteGZipMiddleware
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.types import Receive, Scope, Send


class GZipMiddleware(StarletteGZipMiddleware):
    """As Starlette's (same arguments), with its per-request set-up trimmed."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = b""
        for key, value in scope["headers"]:
            if key == b"accept-encoding":  # the first one, as Headers.get gives it
                accept = value
                break
        responder: IdentityResponder
        if b"gzip" in accept:
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=(),
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=())
        responder.exclude_content_types = self.exclude_content_types  # normalised once, in __init__
        await responder(scope, receive, send)
