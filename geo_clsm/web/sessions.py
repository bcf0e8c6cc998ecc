"""Editor sessions: the session cookie, CSRF checks, and the role dependencies.

The cookie holds a random token (its SHA-256 is stored server-side); it is HttpOnly,
SameSite=Strict and Secure (unless ``cookie_secure`` is off for plain-HTTP development).
Every state-changing request must carry the session's CSRF token: the ``X-CSRF-Token``
header for the JSON API, a ``csrf_token`` field for the forms of the editor screens.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.settings import Settings
from geo_clsm.store.users import SESSION_HOURS, Session, session_for
from geo_clsm.web.lifecycle import service_state


class SignInRequired(Exception):
    """An editor screen asked without a session (or a form whose CSRF token does not match): the
    answer is the sign-in page (303 to /admin/login)."""


COOKIE = "geo_clsm_session"
CSRF_HEADER = "X-CSRF-Token"


def get_db(request: Request) -> SqlEngine:
    return service_state(request).db


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, secure=settings.cookie_secure, samesite="strict")


def optional_session(request: Request) -> Session | None:
    return session_for(get_db(request), request.cookies.get(COOKIE))


def csrf_ok(session: Session, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf_token, token or "")


def editor_session(request: Request) -> Session:
    """A logged-in editor or admin (401 otherwise); unsafe methods must carry the CSRF header."""
    session = optional_session(request)
    if session is None:
        raise HTTPException(401, "connexion requise : se connecter avec POST /api/auth/login")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_ok(session, request.headers.get(CSRF_HEADER)):
        raise HTTPException(
            403, f"jeton CSRF absent ou invalide : renvoyer l'en-tête {CSRF_HEADER} reçu à la connexion"
        )
    return session


def admin_session(session: Annotated[Session, Depends(editor_session)]) -> Session:
    """An admin (403 for an editor)."""
    if not session.user.is_admin:
        raise HTTPException(403, "réservé aux administrateurs : ce compte est un compte d'éditeur")
    return session


EditorSession = Annotated[Session, Depends(editor_session)]
AdminSession = Annotated[Session, Depends(admin_session)]
