"""geo_clsm.web.middleware.compression.GZipMiddleware sends exactly what Starlette's GZipMiddleware sends."""

from __future__ import annotations

import asyncio
import gzip

import pytest
from starlette.middleware.gzip import GZipMiddleware as StarletteGZip
from starlette.types import Message, Receive, Scope, Send

from geo_clsm.web.middleware.compression import GZipMiddleware

BIG = b'{"x": "' + b"abcdefgh" * 400 + b'"}'


def _app(headers: list[tuple[bytes, bytes]], bodies: list[bytes], status: int = 200) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        for i, body in enumerate(bodies):
            await send({"type": "http.response.body", "body": body, "more_body": i < len(bodies) - 1})

    return app


def _run(middleware: type, app: object, accept: list[bytes]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append({**message, "headers": list(message.get("headers", []))} if "headers" in message else message)

    headers = [(b"host", b"x"), *((b"accept-encoding", a) for a in accept)]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""}
    asyncio.run(middleware(app, minimum_size=1400, compresslevel=5)(scope, receive, send))
    return sent


JSON = [(b"content-length", str(len(BIG)).encode()), (b"content-type", b"application/json")]
CASES = {
    "large json": (JSON, [BIG], 200),
    "small json": ([(b"content-length", b"7"), (b"content-type", b"application/json")], [b'{"a":1}'], 200),
    "png": ([(b"content-type", b"image/png")], [BIG], 200),
    "already encoded": ([*JSON, (b"content-encoding", b"br")], [BIG], 200),
    "partial": (JSON, [BIG], 206),
    "with vary": ([*JSON, (b"vary", b"Origin")], [BIG], 200),
    "streamed": ([(b"content-type", b"text/html; charset=utf-8")], [BIG, BIG, b"end"], 200),
    "no content type": ([], [BIG], 200),
    "two vary headers": ([(b"vary", b"Origin"), *JSON, (b"vary", b"Cookie")], [BIG], 200),
    "grpc+proto": ([(b"content-type", b"application/grpc+proto")], [BIG], 200),
    "excluded family": ([(b"content-type", b"video/mp4; codecs=x")], [BIG], 200),
    "small streamed": ([(b"content-type", b"text/plain")], [b"a", b"b"], 200),
    "minimum size": ([(b"content-type", b"application/json")], [b"x" * 1400], 200),
    "one byte under": ([(b"content-type", b"application/json")], [b"x" * 1399], 200),
    "empty body": ([(b"content-length", b"0")], [b""], 204),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize(
    "accept", [[], [b"gzip"], [b"gzip, deflate, br"], [b"br"], [b"identity", b"gzip"], [b"GZIP"], [b"x-gzip"]]
)
def test_same_messages_as_starlette(case: str, accept: list[bytes]) -> None:
    headers, bodies, status = CASES[case]
    ours = _run(GZipMiddleware, _app(headers, bodies, status), accept)
    theirs = _run(StarletteGZip, _app(headers, bodies, status), accept)
    assert ours == theirs
    if case == "large json" and accept == [b"gzip"]:  # it does compress
        assert (b"content-encoding", b"gzip") in ours[0]["headers"]
        assert gzip.decompress(ours[1]["body"]) == BIG


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Message:
        return {}

    async def drop(message: Message) -> None:
        del message

    asyncio.run(GZipMiddleware(app)({"type": "lifespan"}, nothing, drop))
    assert seen == ["lifespan"]


def _messages_app(messages: list[Message]) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:  # fresh messages and header lists: the middlewares change them in place
            await send({k: list(v) if k == "headers" else v for k, v in message.items()})

    return app


@pytest.mark.parametrize("accept", [[], [b"gzip"]])
@pytest.mark.parametrize(
    "messages",
    [
        [  # a file sent by path (the server reads it): never compressed
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]},
            {"type": "http.response.pathsend", "path": "/tmp/x"},
        ],
        [  # an early hint and trailers pass through
            {"type": "http.response.early_hint", "links": ["</a.css>; rel=preload"]},
            {"type": "http.response.start", "status": 200, "headers": JSON, "trailers": True},
            {"type": "http.response.body", "body": BIG, "more_body": True},
            {"type": "http.response.body", "more_body": False},
            {"type": "http.response.trailers", "headers": [], "more_trailers": False},
        ],
        [{"type": "http.response.start", "status": 200}, {"type": "http.response.body", "body": BIG}],  # no headers
    ],
    ids=["pathsend", "hints and trailers", "no headers member"],
)
def test_other_messages_as_starlette(messages: list[Message], accept: list[bytes]) -> None:
    ours = _run(GZipMiddleware, _messages_app(messages), accept)
    theirs = _run(StarletteGZip, _messages_app(messages), accept)
    assert ours == theirs


def test_one_middleware_decides_each_content_type_as_starlette_across_requests() -> None:
    """Issue 33: the excluded-type decision is remembered per content type by the middleware (at
    most 64): a long run of answers of many types, each met again, gets Starlette's messages."""
    types = [b"application/json", b"image/png", b"video/mp4; codecs=x", b"application/grpc+proto", b"TEXT/HTML"]
    types += [f"multipart/mixed; boundary={i}".encode() for i in range(80)]
    ours_mw = GZipMiddleware(None, minimum_size=1400, compresslevel=5)  # type: ignore[arg-type]
    theirs_mw = StarletteGZip(None, minimum_size=1400, compresslevel=5)  # type: ignore[arg-type]

    def run(mw: object, ctype: bytes) -> list[Message]:
        mw.app = _app([(b"content-type", ctype)], [BIG])  # type: ignore[attr-defined]
        return _run(lambda app, **_: mw, None, [])

    for ctype in [*types, *types, *reversed(types)]:
        assert run(ours_mw, ctype) == run(theirs_mw, ctype), ctype
    assert len(ours_mw._excluded_types.seen) <= 64
