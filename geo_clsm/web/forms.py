"""Server-rendered forms: templates, redirects, and CSRF for forms.

Signed in, a form carries the session's CSRF token; before (login, public report), a random
token in a SameSite=Strict cookie is repeated in the form (double submit).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from geo_clsm.package_data import package_dir
from geo_clsm.settings import Settings
from geo_clsm.store.users import Session
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.sessions import csrf_ok, optional_session

TEMPLATES = Jinja2Templates(directory=package_dir("geo_clsm.web") / "templates")
FORM_COOKIE = "geo_clsm_form"
Csrf = Annotated[str, Form()]


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session: Session | None = context.get("session")
    context.setdefault("csrf", session.csrf_token if session else "")
    context.setdefault("tiles", service_state(request).settings.tiles_url)
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def to_login() -> RedirectResponse:
    return RedirectResponse("/admin/login", status_code=303)


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
