"""ETag and Cache-Control for responses that change only with the data (pure ASGI).

For ``GET`` on the paths in :data:`DATA_PATHS` (markers, QPV, gaps, territories), the
response is kept in memory per data version, path, query and encoding; the ETag is the
data version and the request's path and query. A client that sends ``If-None-Match`` with
the current ETag gets a ``304`` without a body. A new data version (another engine, new
layers) gives new ETags, and old entries are never served again: the entries of all but the
:data:`KEEP_VERSIONS` latest data versions are dropped as soon as a newer one is filed (before,
they stayed until 256 entries had been filled, a few MB of old versions' answers after each change).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DATA_PATHS = ("/api/markers", "/api/qpv", "/api/gaps", "/api/territories")
_DATA_PREFIXES = tuple(p + "/" for p in DATA_PATHS)
CACHE_CONTROL = b"public, max-age=300, must-revalidate"
MAX_ENTRIES = 256
MAX_BODY_BYTES = 8 * 2**20
KEEP_VERSIONS = 2  # the version serving now, and the previous one (requests still running on it)


class DataCacheMiddleware:
    """Serve data-only responses from memory with an ETag; answer 304 to a matching If-None-Match."""

    def __init__(self, app: ASGIApp, *, version: Callable[[Scope], str | None]) -> None:
        self.app = app
        self.version = version
        self._entries: OrderedDict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._versions: OrderedDict[str, set[str]] = OrderedDict()  # data version -> its entries' keys

    @staticmethod
    def _cacheable(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        path: str = scope.get("path", "")
        return path in DATA_PATHS or path.startswith(_DATA_PREFIXES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        version = self.version(scope) if self._cacheable(scope) else None
        if version is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        accept = headers.get(b"accept-encoding", b"")
        encoding = "br" if b"br" in accept else "gzip" if b"gzip" in accept else ""  # a body per encoding
        digest = hashlib.blake2b(
            f"{version}|{scope['path']}|{scope.get('query_string', b'').decode('latin-1')}".encode(), digest_size=12
        ).hexdigest()
        etag = f'"{digest}"'.encode()
        if etag in [t.strip() for t in headers.get(b"if-none-match", b"").split(b",")]:
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(b"etag", etag), (b"cache-control", CACHE_CONTROL)],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        key = f"{digest}|{encoding}"
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            await self._replay(send, *hit)
            return
        await self._fill(scope, receive, send, key, etag, version)

    def _store(self, key: str, version: str, entry: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        keys = self._versions.get(version)
        if keys is None:
            keys = self._versions[version] = set()
            while len(self._versions) > KEEP_VERSIONS:  # an older version: its answers are never served again
                for old in self._versions.popitem(last=False)[1]:
                    self._entries.pop(old, None)
        keys.add(key)
        self._entries[key] = entry
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    async def _fill(self, scope: Scope, receive: Receive, send: Send, key: str, etag: bytes, version: str) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if message["status"] == 200:
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"etag", etag),
                        (b"cache-control", CACHE_CONTROL),
                    ]
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    if len(body) <= MAX_BODY_BYTES:
                        self._store(key, version, (200, list(start["headers"]), body))
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _replay(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
