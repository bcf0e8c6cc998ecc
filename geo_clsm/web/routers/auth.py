"""Sign-in for editors: POST /api/auth/login sets the session cookie; logout; who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from geo_clsm.settings import Settings
from geo_clsm.store.accounts import set_password
from geo_clsm.store.login_throttle import LoginThrottledError
from geo_clsm.store.users import AccountDisabledError, authenticate, close_session, open_session
from geo_clsm.web.deps import get_settings
from geo_clsm.web.middleware.rate_limit import LOGIN_PER_MINUTE, RATE_LIMITED, client_address, rate_limit
from geo_clsm.web.sessions import (
    COOKIE,
    EditorSession,
    clear_session_cookie,
    get_db,
    set_session_cookie,
)

router = APIRouter(prefix="/api/auth", tags=["éditeurs"])


class Login(BaseModel):
    email: str = Field(max_length=254, examples=["coordination@clsm-metz.fr"])
    password: str = Field(max_length=1000)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(min_length=10, max_length=1000)


class Me(BaseModel):
    email: str
    role: str
    territories: dict[str, str] = Field(
        default={}, description="Rôle par territoire (vide : le rôle vaut pour tout le déploiement)"
    )
    csrf_token: str = Field(description="À renvoyer dans l'en-tête X-CSRF-Token de chaque modification")


@router.post(
    "/login",
    summary="Se connecter (pose le cookie de session)",
    responses={
        401: {"description": "identifiants incorrects"},
        403: {"description": "compte désactivé"},
        **RATE_LIMITED,
    },
    dependencies=[rate_limit("login", per_minute=LOGIN_PER_MINUTE)],
)
def login(body: Login, request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    db = get_db(request)
    try:
        user = authenticate(db, body.email, body.password, client=client_address(request))
    except LoginThrottledError as exc:
        return JSONResponse({"detail": exc.message}, status_code=429, headers={"Retry-After": str(exc.retry_after_s)})
    except AccountDisabledError as exc:
        return JSONResponse({"detail": exc.message}, status_code=403)
    if user is None:
        return JSONResponse({"detail": "adresse e-mail ou mot de passe incorrect"}, status_code=401)
    token, csrf = open_session(db, user)
    response = JSONResponse(Me(email=user.email, role=user.role, territories=user.scopes, csrf_token=csrf).model_dump())
    set_session_cookie(response, token, settings)
    return response


@router.post("/logout", status_code=204, summary="Se déconnecter")
def logout(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    close_session(get_db(request), request.cookies.get(COOKIE))
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


@router.get("/me", summary="Le compte connecté", responses={401: {"description": "non connecté"}})
def me(session: EditorSession) -> Me:
    return Me(
        email=session.user.email,
        role=session.user.role,
        territories=session.user.scopes,
        csrf_token=session.csrf_token,
    )


@router.post(
    "/password",
    status_code=204,
    summary="Changer son mot de passe (ses autres sessions se terminent)",
    responses={403: {"description": "mot de passe actuel incorrect, ou CSRF"}, **RATE_LIMITED},
    dependencies=[rate_limit("login", per_minute=LOGIN_PER_MINUTE)],
)
def change_password(body: PasswordChange, session: EditorSession, request: Request) -> Response:
    db = get_db(request)
    try:
        ok = authenticate(db, session.user.email, body.current_password, client=client_address(request))
    except LoginThrottledError as exc:
        return JSONResponse({"detail": exc.message}, status_code=429, headers={"Retry-After": str(exc.retry_after_s)})
    if ok is None:
        return JSONResponse({"detail": "mot de passe actuel incorrect"}, status_code=403)
    set_password(db, session.user.id, body.new_password, keep_token=request.cookies.get(COOKIE))
    return Response(status_code=204)
