"""Security headers, request limits, HEAD and CORS (one pure ASGI middleware).

:class:`SecurityMiddleware` wraps the whole app (``create_app`` installs it with one line):

- every page (and script: a service worker's policy is its script's) gets a Content-Security-Policy
  allowing only the app's own origin and the configured tile server's (``GEO_CLSM_TILES_URL``),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``Permissions-Policy: geolocation=(self)`` and ``frame-ancestors 'none'`` (with
  ``X-Frame-Options: DENY``) unless ``GEO_CLSM_FRAME_ANCESTORS`` names origins allowed to embed;
- every other answer (JSON, GeoJSON, CSV, XLSX, PDF, images …) only what it needs:
  ``nosniff`` and ``default-src 'none'; frame-ancestors 'none'`` (issue 33: a third of a small
  answer's bytes were page-only headers). The set is chosen by the answer's ``Content-Type``
  (:func:`is_page_type`), so no path falls through; a 304 without one gets only ``nosniff`` (the
  stored answer it revalidates keeps its own policy);
- inline ``<script>`` and ``<style>`` elements of HTML responses get a nonce generated for that
  response (the folium pages are cached once, the nonce is added on the way out), so no inline
  script runs without it;
- a query string longer than ``GEO_CLSM_MAX_QUERY_BYTES`` gets a 414, a body longer than
  ``GEO_CLSM_MAX_BODY_BYTES`` a 413, each with a French message;
- ``HEAD`` is answered wherever ``GET`` is (same status and headers, no body);
- CORS for the origins of ``GEO_CLSM_CORS_ORIGINS`` (none by default);
- answers that carry internal data (editor screens ``/admin``, ``/api/admin/*``, ``/api/auth/*``)
  get ``Cache-Control: no-store`` (whatever the route set): no browser nor proxy keeps them;
- ``X-Data-Version`` names the data that answered (the engine the route used, see
  ``geo_clsm.web.deps.get_engine``): an answer comes wholly from that version.

Rate limits (a FastAPI dependency per route) are :mod:`geo_clsm.web.middleware.rate_limit`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo_clsm.settings import Settings
from geo_clsm.web.deps import DATA_VERSION_STATE_KEY

NONCE_STATE_KEY = "csp_nonce"
FRAME_ANCESTORS_STATE_KEY = "frame_ancestors"
"""A route may set ``request.state.frame_ancestors`` (a tuple of origins) to let those origins, and
only those, frame its page (a territory's embed page): it replaces ``GEO_CLSM_FRAME_ANCESTORS``."""
_INLINE_TAG = re.compile(rb"<(script|style)\b(?![^>]*\bnonce=)", re.I)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
INTERNAL_PREFIXES = ("/admin", "/api/admin", "/api/auth")  # editors' screens, editing API, sessions
NO_STORE = (b"cache-control", b"no-store")


def is_internal(path: str) -> bool:
    """Whether ``path`` answers with internal data (never stored by a cache)."""
    return any(path == p or path.startswith(p + "/") for p in INTERNAL_PREFIXES)


def tile_origin(tiles_url: str) -> str | None:
    """The CSP source of a tile URL template (``{s}`` subdomains become a ``*`` wildcard); None for
    ``none`` or a URL served by the app itself."""
    url = tiles_url.strip()
    if not url or url.lower() == "none" or url.startswith("/"):
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    host = _PLACEHOLDER.sub("*", parts.netloc)
    if "*" in host.partition(".")[2] or ("*" in host and not host.startswith("*.")):
        return f"{parts.scheme}:"  # CSP wildcards only cover the leftmost label: allow the scheme
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, nonce: str, frame_ancestors: tuple[str, ...] | None = None) -> str:
    """The policy for one response: nothing but the app and the tile server, inline code by nonce;
    framed by ``frame_ancestors`` when given, else by ``GEO_CLSM_FRAME_ANCESTORS``."""
    tiles = tile_origin(settings.tiles_url)
    framers = settings.frame_ancestors if frame_ancestors is None else frame_ancestors
    ancestors = " ".join(framers) if framers else "'none'"
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        # style="" attributes (legend swatches, marker colours set by map.js) carry no script.
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:" + (f" {tiles}" if tiles else ""),
        "connect-src 'self'",
        "worker-src 'self'",  # the map's clustering worker (static/app/cluster-worker.js)
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ]
    return "; ".join(directives)


PAGE_TYPES = frozenset(
    {
        b"text/html",
        b"application/xhtml+xml",
        b"image/svg+xml",
        b"text/xml",
        b"application/xml",
        b"text/javascript",  # a service worker's (/sw.js) or a worker's policy is its script's answer's
        b"application/javascript",
        b"application/x-javascript",
    }
)
"""Content types that a browser runs as a document or a script: these get the page policy and the
page-only headers; every other answer (JSON, GeoJSON, CSV, XLSX, PDF, images, styles …) the lean set."""


def is_page_type(content_type: bytes) -> bool:
    """Whether an answer of this ``Content-Type`` is a page (or a script): the full policy."""
    known = _PAGE_TYPE_SEEN.get(content_type)
    if known is None:
        known = content_type.partition(b";")[0].strip().lower() in PAGE_TYPES
        if len(_PAGE_TYPE_SEEN) >= 64:  # a few types recur; parameters (a boundary) may not
            _PAGE_TYPE_SEEN.clear()
        _PAGE_TYPE_SEEN[content_type] = known
    return known


_PAGE_TYPE_SEEN: dict[bytes, bool] = {}
""":func:`is_page_type` of the content types met lately (the same few on almost every answer)."""


class RequestState(dict[str, Any]):
    """A request's state (``scope["state"]``) whose CSP nonce (:data:`NONCE_STATE_KEY`) is drawn when
    first read: a page's answer reads it, a JSON answer (most answers) never does, and draws none."""

    __slots__ = ()

    def __missing__(self, key: str) -> Any:
        if key != NONCE_STATE_KEY:
            raise KeyError(key)
        nonce = self[key] = secrets.token_urlsafe(16)
        return nonce


def lean_policy(settings: Settings) -> str:
    """The policy of an answer that is no page: it loads nothing and is framed by nobody (or by
    ``GEO_CLSM_FRAME_ANCESTORS``)."""
    ancestors = " ".join(settings.frame_ancestors) if settings.frame_ancestors else "'none'"
    return f"default-src 'none'; frame-ancestors {ancestors}"


def lean_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """The headers :class:`SecurityMiddleware` adds to an answer that is no page (in this order)."""
    return [(b"x-content-type-options", b"nosniff"), (b"content-security-policy", lean_policy(settings).encode())]


class SecurityMiddleware:
    """Headers, limits, HEAD and CORS for every response (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.settings = settings
        self.app: ASGIApp = app
        # Built once; per response only the nonce of a page's policy changes. Which set an answer
        # gets is decided by its Content-Type (``is_page_type``), not by its path.
        self._csp_parts = content_security_policy(settings, "\0").encode().split(b"\0")
        self._page_headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
        ]
        if not settings.frame_ancestors:
            self._page_headers.append((b"x-frame-options", b"DENY"))
        self._lean_headers = lean_headers(settings)
        if settings.cors_origins:
            self.app = CORSMiddleware(
                app, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD", "POST"], allow_headers=["*"]
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        internal = path.startswith(INTERNAL_PREFIXES) and is_internal(path)
        if len(scope.get("query_string", b"")) > self.settings.max_query_bytes:
            msg = f"adresse trop longue : la requête ne doit pas dépasser {self.settings.max_query_bytes} octets de paramètres"
            await _plain_error(send, 414, msg, self._error_headers(internal))
            return
        length = _content_length(scope)
        if length is not None and length > self.settings.max_body_bytes:
            await _plain_error(send, 413, self._too_large(), self._error_headers(internal))
            return
        head = scope["method"] == "HEAD"
        scope = dict(scope)
        scope["state"] = request_state = RequestState(scope.get("state", ()))  # the nonce drawn when read
        if head:
            scope["method"] = "GET"
        sender = _Sender(send, self, head=head, internal=internal, state=request_state)
        if length is not None:  # declared and within the limit: the server sends no more than declared
            await self.app(scope, receive, sender)
            return

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sender.received += len(message.get("body", b""))
                if sender.received > self.settings.max_body_bytes and not sender.started:
                    # Answer 413 now; the app sees a disconnected client and its answer is dropped.
                    sender.rejected = True
                    await _plain_error(send, 413, self._too_large(), self._error_headers(internal))
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, sender)

    def _too_large(self) -> str:
        return f"requête trop volumineuse : le corps ne doit pas dépasser {self.settings.max_body_bytes} octets"

    def _error_headers(self, internal: bool) -> list[tuple[bytes, bytes]]:
        return [*self._lean_headers, NO_STORE] if internal else self._lean_headers

    def headers_for(
        self,
        content_type: bytes | None,
        status: int,
        nonce: Callable[[], str],
        frame_ancestors: tuple[str, ...] | None = None,
    ) -> list[tuple[bytes, bytes]]:
        """The headers this middleware adds to an answer (before ``no-store`` and the data version):
        the page set (policy with the nonce ``nonce()`` gives, asked only then) for a page or a script, only ``nosniff`` for a 304 without
        a content type (the stored answer it revalidates keeps its own policy), else the lean set.
        ``frame_ancestors`` (set by the route, :data:`FRAME_ANCESTORS_STATE_KEY`) replaces the
        deployment's framing origins in a page's policy."""
        if content_type is not None and is_page_type(content_type) and frame_ancestors is not None:
            csp = content_security_policy(self.settings, nonce(), frame_ancestors).encode()
            page = [h for h in self._page_headers if h[0] != b"x-frame-options"]
            if not frame_ancestors:
                page.append((b"x-frame-options", b"DENY"))
            return [(b"content-security-policy", csp), *page]
        if content_type is not None and is_page_type(content_type):
            return [(b"content-security-policy", nonce().encode().join(self._csp_parts)), *self._page_headers]
        if content_type is None and status == 304:
            return self._page_headers[:1]
        return self._lean_headers


class _Sender:
    """Adds the headers, puts the nonce on inline scripts and styles of HTML bodies, drops HEAD
    bodies, and drops the app's answer once a 413 was sent for a body found too large on the way."""

    __slots__ = (
        "chunks",
        "head",
        "html",
        "internal",
        "middleware",
        "received",
        "rejected",
        "send",
        "start",
        "started",
        "state",
    )

    def __init__(
        self,
        send: Send,
        middleware: SecurityMiddleware,
        *,
        head: bool,
        internal: bool,
        state: dict[str, Any],
    ) -> None:
        self.send = send
        self.middleware = middleware
        self.state = state
        self.head = head
        self.internal = internal
        self.start: Message | None = None
        self.html = False
        self.chunks: list[bytes] = []
        self.started = False
        self.rejected = False
        self.received = 0

    def _nonce(self) -> str:
        """This response's CSP nonce (drawn on first use: only a page's answer needs one)."""
        nonce: str = self.state[NONCE_STATE_KEY]
        return nonce

    async def __call__(self, message: Message) -> None:
        if self.rejected:
            return
        self.started = True
        if message["type"] == "http.response.start":
            await self._start(message)
            return
        if message["type"] != "http.response.body" or not self.html:
            if self.head and message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await self.send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = _add_nonce(b"".join(self.chunks), self._nonce().encode())
        assert self.start is not None
        headers = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": b"" if self.head else body, "more_body": False})

    async def _start(self, message: Message) -> None:
        raw = message.get("headers", [])
        names = set()
        ctype: bytes | None = None
        encoded = False
        for key, value in raw:  # the app's headers (ours name no content type nor encoding)
            name = key.lower()
            names.add(name)
            if name == b"content-type" and ctype is None:
                ctype = value
            elif name == b"content-encoding":
                encoded = True
        framers = self.state.get(FRAME_ANCESTORS_STATE_KEY)
        ours = self.middleware.headers_for(ctype, message["status"], self._nonce, framers)
        if self.internal:  # internal data: no-store replaces what the route set
            raw = [(k, v) for k, v in raw if k.lower() != NO_STORE[0]]
            names.discard(NO_STORE[0])
            ours = [*ours, NO_STORE]
        headers = [*raw, *((k, v) for k, v in ours if k not in names)]
        version = self.state.get(DATA_VERSION_STATE_KEY)  # set by geo_clsm.web.deps.get_engine
        if version is not None:
            headers.append((b"x-data-version", str(version).encode()))
        self.html = ctype is not None and ctype.startswith(b"text/html") and not encoded
        self.start = {**message, "headers": headers}
        if not self.html:
            await self.send(self.start)


def _add_nonce(body: bytes, nonce: bytes) -> bytes:
    return _INLINE_TAG.sub(lambda m: b"<" + m.group(1) + b' nonce="' + nonce + b'"', body)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _plain_error(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
