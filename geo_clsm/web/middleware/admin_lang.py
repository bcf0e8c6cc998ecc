"""The editor screens keep a language chosen with ``?lang=`` across their redirects.

The editor screens choose their language the way the public pages do (``?lang=``, else the
browser's ``Accept-Language``, else French: :func:`geo_clsm.web.admin_form.editor_translator`),
and their links and forms carry an explicit ``?lang=`` on. A form's answer is a 303 redirect
(``/admin/login`` → ``/admin/resources``); :class:`AdminLangMiddleware` adds the request's
``lang`` to such a redirect's ``Location`` under ``/admin`` when it has none, so the next screen
is in the same language. A pure ASGI middleware: it only looks at ``/admin`` requests with ``lang=``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo_clsm.i18n import available_langs


def requested_lang(query: str) -> str | None:
    """The ``lang`` a query string asks for, when it names an available language."""
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "lang" and value in available_langs():
            return value
    return None


def with_lang(location: str, lang: str) -> str:
    """``location`` (a path under ``/admin``) with ``lang=``, unless it has one or leaves ``/admin``."""
    parts = urlsplit(location)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return location
    if any(k == "lang" for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return location
    query = f"{parts.query}&lang={lang}" if parts.query else f"lang={lang}"
    return parts.path + "?" + query + (f"#{parts.fragment}" if parts.fragment else "")


class AdminLangMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/admin"):
            await self.app(scope, receive, send)
            return
        lang = requested_lang(scope.get("query_string", b"").decode("latin-1"))
        if lang is None:
            await self.app(scope, receive, send)
            return

        async def send_with_lang(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"location":
                        value = with_lang(value.decode("latin-1"), lang).encode("latin-1")
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_lang)
