"""Server-rendered forms: templates, redirects, and CSRF for forms.

Signed in, a form carries the session's CSRF token; before (login, public report), a random
token in a SameSite=Strict cookie is repeated in the form (double submit).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from geo_clsm.i18n import N_
from geo_clsm.model.errors import ForbiddenError
from geo_clsm.settings import Settings
from geo_clsm.store.users import Session
from geo_clsm.web.admin_form import editor_translator
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.middleware.admin_lang import requested_lang
from geo_clsm.web.sessions import SignInRequired, csrf_ok, optional_session
from geo_clsm.web.templating import TEMPLATES

FORM_COOKIE = "geo_clsm_form"
Csrf = Annotated[str, Form()]


def lang_href(request: Request) -> Callable[[str], str]:
    """``href(path)``: a link of the page that keeps the ``?lang=`` the page was asked with (none when
    the language came from the browser, which sends it again)."""
    lang = requested_lang(request.url.query)

    def href(path: str) -> str:
        if lang is None:
            return path
        return f"{path}{'&' if '?' in path else '?'}lang={lang}"

    return href


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered for ``request``; the editor screens get the page's translator ``t`` and
    ``href`` (links keeping ``?lang=``) unless the route passes its own."""
    session: Session | None = context.get("session")
    context.setdefault("t", editor_translator(request))
    context.setdefault("href", lang_href(request))
    context.setdefault("csrf", session.csrf_token if session else "")
    context.setdefault("tiles", service_state(request).settings.tiles_url)
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def to_login() -> RedirectResponse:
    return RedirectResponse("/admin/login", status_code=303)


ADMIN_ONLY = N_("réservé aux administrateurs : ce compte est un compte d'éditeur")


def signed_in(request: Request, csrf_token: str | None = None, *, admin: bool = False) -> Session:
    """The session of an editor screen: its first line. Without one (or, for a form, with a CSRF
    token that does not match :func:`checked`) the screen answers with the sign-in page
    (:class:`SignInRequired`); ``admin``: an editor's account gets the 403 page (:class:`ForbiddenError`)."""
    session = optional_session(request) if csrf_token is None else checked(request, csrf_token)
    if session is None:
        raise SignInRequired
    if admin and not session.user.is_admin:
        raise ForbiddenError(ADMIN_ONLY)
    return session


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def form_token(request: Request) -> str:
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def with_form_cookie(response: Response, token: str, settings: Settings) -> Response:
    response.set_cookie(FORM_COOKIE, token, httponly=True, secure=settings.cookie_secure, samesite="strict", path="/")
    return response


def double_submit_ok(request: Request, token: str) -> bool:
    cookie = request.cookies.get(FORM_COOKIE)
    return bool(cookie) and secrets.compare_digest(cookie or "", token)


def checked(request: Request, csrf_token: str) -> Session | None:
    """The session if signed in and the form's CSRF token matches; None otherwise."""
    session = optional_session(request)
    if session is None or not csrf_ok(session, csrf_token):
        return None
    return session
