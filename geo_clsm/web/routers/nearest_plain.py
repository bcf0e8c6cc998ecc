"""``GET /api/nearest`` for a plain request, answered outside the middlewares that would only add
constant headers to it (issue 33: they were about a tenth of the route's CPU time).

A plain request: ``GET``, no body (no ``Content-Length`` nor ``Transfer-Encoding``), no gzip
asked, no ``Origin`` when CORS is configured, a query string within the limit and not by
``address``. For it, the data cache (not a cached path), compression (nothing to compress), and
the security middleware (a JSON answer: the lean headers, ``X-Data-Version``) add only headers
known in advance; :class:`PlainNearestFastPath` sends them itself, in the same order, so the answer
is the same bytes (``tests/web/routers/test_nearest_fast.py`` compares status, headers and bytes
with the route's, each way). Anything else, and any request that fails, goes down the whole chain
(a failure once computed is handed over, as :class:`~geo_clsm.web.routers.nearest.NearestFastPath`
does, and raised by the route for the app's error handlers).

Installed just inside the request log, which still logs every request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from geo_clsm.engine.build import data_version
from geo_clsm.settings import Settings
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.middleware.security import lean_headers
from geo_clsm.web.routers.nearest import FAILURE_STATE_KEY, NearestFastPath, answer_body, parse_query_string

_VARY = (b"vary", b"Accept-Encoding")


class PlainNearestFastPath(NearestFastPath):
    """See the module docstring. ``gzip_minimum_size``: the compression middleware's, from which size
    it names ``Accept-Encoding`` in ``Vary`` on an answer it did not compress."""

    def __init__(self, app: ASGIApp, *, settings: Settings, gzip_minimum_size: int) -> None:
        super().__init__(app)
        self.max_query_bytes = settings.max_query_bytes
        self.cors = bool(settings.cors_origins)
        self.headers = [(b"content-type", b"application/json"), *lean_headers(settings)]
        self.vary_from = gzip_minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != self.PATH
            or scope["method"] != "GET"
            or b"address" in scope["query_string"]
            or len(scope["query_string"]) > self.max_query_bytes
            or not self._plain(scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        state = service_state(scope["app"])
        engine = state.engine
        if engine is None:  # not started yet: the route says so
            await self.app(scope, receive, send)
            return
        try:
            payload = await answer_body(state, engine, parse_query_string(scope["query_string"]))
        except Exception as exc:  # answered by the route, with the app's error handlers
            scope.setdefault("state", {})[FAILURE_STATE_KEY] = exc
            await self.app(scope, receive, send)
            return
        headers = [(b"content-length", str(len(payload)).encode()), *self.headers]
        headers.append((b"x-data-version", str(data_version(engine)).encode()))
        if len(payload) >= self.vary_from:
            headers.append(_VARY)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _plain(self, headers: list[tuple[bytes, bytes]]) -> bool:
        encoding_seen = False
        for key, value in headers:
            if key == b"accept-encoding":
                if not encoding_seen and b"gzip" in value:  # the first one decides, as for the compression
                    return False
                encoding_seen = True
            elif key in (b"content-length", b"transfer-encoding") or (key == b"origin" and self.cors):
                return False
        return True
