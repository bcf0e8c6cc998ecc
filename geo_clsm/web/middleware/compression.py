"""Starlette's GZip middleware, with less work per request (same messages sent).

Starlette's :class:`~starlette.middleware.gzip.GZipMiddleware` parses the request headers into a
``Headers`` object and normalises its list of excluded content types again for every request, and
its identity responder (a client that does not accept gzip) parses the response headers into
``Headers`` objects as well. :class:`GZipMiddleware` here reads ``Accept-Encoding`` from the raw
headers, gives Starlette's gzip responder the list normalised once, and passes an uncompressed
response through :class:`_IdentitySend`, which reads the raw response headers and makes Starlette's
identity decisions (``Vary: Accept-Encoding`` on a body that could have been compressed).
``tests/web/middleware/test_compression.py`` compares every message with Starlette's.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.gzip import GZipMiddleware as StarletteGZipMiddleware
from starlette.middleware.gzip import GZipResponder
from starlette.types import Message, Receive, Scope, Send

_PASSED = ("http.response.early_hint", "http.response.trailers")


class GZipMiddleware(StarletteGZipMiddleware):
    """As Starlette's (same arguments), with its per-request set-up trimmed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._excluded_types = _ExcludedTypes(self.exclude_content_types)  # decided once per type met

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = b""
        for key, value in scope["headers"]:
            if key == b"accept-encoding":  # the first one, as Headers.get gives it
                accept = value
                break
        if b"gzip" not in accept:
            await self.app(scope, receive, _IdentitySend(send, self.minimum_size, self._excluded_types))
            return
        responder = GZipResponder(
            self.app,
            self.minimum_size,
            compresslevel=self.compresslevel,
            thread_minimum_size=self.thread_minimum_size,
            exclude_content_types=(),
        )
        responder.exclude_content_types = self.exclude_content_types  # normalised once, in __init__
        await responder(scope, receive, send)


class _IdentitySend:
    """Starlette's ``IdentityResponder.send_with_compression`` on raw headers: the response goes out
    as it is, with ``Vary: Accept-Encoding`` added where Starlette adds it."""

    __slots__ = ("excluded", "minimum_size", "passthrough", "send", "start", "started")

    def __init__(self, send: Send, minimum_size: int, excluded: _ExcludedTypes) -> None:
        self.send = send
        self.minimum_size = minimum_size
        self.excluded = excluded
        self.start: Message = {}
        self.passthrough = False
        self.started = False

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
            headers = message.setdefault("headers", [])
            self.passthrough = message["status"] == 206 or _encoded_or_excluded(headers, self.excluded)
            if self.passthrough:
                await self.send(message)
        elif kind in ("http.response.body", "http.response.pathsend") and self.passthrough:
            await self.send(message)
        elif kind == "http.response.body" and not self.started:
            self.started = True
            more_body = message.get("more_body", False)
            if len(message.get("body", b"")) >= self.minimum_size or more_body:
                _add_vary(self.start["headers"])
            await self.send(self.start)
            await self.send(message)
        elif kind == "http.response.body":
            message["body"] = message.get("body", b"")
            await self.send(message)
        elif kind in _PASSED:
            await self.send(message)
        elif kind == "http.response.pathsend":
            await self.send(self.start)
            await self.send(message)


def _encoded_or_excluded(headers: list[tuple[bytes, bytes]], excluded: _ExcludedTypes) -> bool:
    """Whether the response already has a Content-Encoding, or a content type never compressed."""
    ctype = None
    for key, value in headers:
        if key == b"content-encoding":
            return True
        if key == b"content-type" and ctype is None:
            ctype = value
    return excluded(ctype or b"")


def _excluded(ctype: bytes, excluded: tuple[str, ...]) -> bool:
    """Whether a ``Content-Type`` is one Starlette never compresses (``exclude_content_types``)."""
    media_type = ctype.decode("latin-1").partition(";")[0].strip().lower()
    media_types = {media_type, media_type.partition("/")[0] + "/*"}
    if media_type.startswith("application/grpc+"):
        media_types.add("application/grpc")
    return not media_types.isdisjoint(excluded)


class _ExcludedTypes:
    """:func:`_excluded` for one middleware's list, remembered per content type (the same few
    types recur on almost every answer; at most 64 remembered, as parameters may vary)."""

    __slots__ = ("excluded", "seen")

    def __init__(self, excluded: tuple[str, ...]) -> None:
        self.excluded = excluded
        self.seen: dict[bytes, bool] = {}

    def __call__(self, ctype: bytes) -> bool:
        known = self.seen.get(ctype)
        if known is None:
            known = _excluded(ctype, self.excluded)
            if len(self.seen) >= 64:
                self.seen.clear()
            self.seen[ctype] = known
        return known


def _add_vary(headers: list[tuple[bytes, bytes]]) -> None:
    """``MutableHeaders.add_vary_header("Accept-Encoding")`` on a raw header list (in place)."""
    found = [i for i, (key, _) in enumerate(headers) if key == b"vary"]
    if not found:
        headers.append((b"vary", b"Accept-Encoding"))
        return
    value = b", ".join([*(headers[i][1] for i in found), b"Accept-Encoding"])
    headers[found[0]] = (b"vary", value)
    for i in reversed(found[1:]):
        del headers[i]
