"""The accounts screen for admins (/admin/users): list the accounts, create one, change a role or a
password, disable or enable an account, and give a role per territory (a comma-separated list of
territory ids; empty: the whole deployment). Same rules as ``/api/admin/users``
(:mod:`geo_clsm.store.accounts`): each change ends the account's other sessions at once.

A territory's admin sees the accounts of its territories (their roles there) and gives, changes or
takes back roles in them only (:mod:`geo_clsm.store.territory_accounts`); no password or state of an
existing account (403).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from geo_clsm.i18n import N_
from geo_clsm.model.errors import ForbiddenError, GeoClsmError, NotFoundError
from geo_clsm.store.accounts import set_active, set_password, set_role
from geo_clsm.store.schema import MAX_ID
from geo_clsm.store.territory_accounts import accounts_within, administered, grant, set_roles_within
from geo_clsm.store.users import Session, add_user, list_users
from geo_clsm.web.forms import ADMIN_ONLY, Csrf, back, page, signed_in, to_login
from geo_clsm.web.rights import AUTHORISE
from geo_clsm.web.sessions import COOKIE, get_db

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])
DEPLOYMENT_ONLY = "réservé aux administrateurs du déploiement : mot de passe et état d'un compte existant"
ROLE_LABELS = {"editor": N_("éditeur"), "admin": N_("administrateur")}
DONE = {
    "created": N_("Compte enregistré."),
    "role": N_("Rôle changé : les sessions de ce compte sont terminées."),
    "password": N_("Mot de passe changé : les autres sessions de ce compte sont terminées."),
    "disable": N_("Compte désactivé : ses sessions sont terminées."),
    "enable": N_("Compte réactivé."),
}


def _page(request: Request, session: Session, status: int = 200, **context: object) -> Response:
    mine = administered(session.user)
    return page(
        request,
        "admin/users.html",
        status,
        session=session,
        users=list_users(get_db(request)) if mine is None else accounts_within(get_db(request), mine),
        mine=None if mine is None else sorted(mine),
        roles=ROLE_LABELS,
        done=DONE.get(request.query_params.get("done") or ""),
        **context,
    )


def _mine(session: Session) -> frozenset[str] | None:
    """The territories whose accounts this session manages (None: the whole deployment); 403 for an editor."""
    mine = administered(session.user)
    if mine == frozenset():
        raise ForbiddenError(ADMIN_ONLY)
    return mine


def _ids(text: str) -> list[str]:
    """Territory ids typed in a field, separated by commas or spaces (none: the whole deployment)."""
    return [t for t in re.split(r"[\s,;]+", text.strip()) if t]


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    session = signed_in(request)
    _mine(session)
    return _page(request, session)


@router.post("/admin/users")
def create(
    request: Request,
    csrf_token: Csrf,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=16)] = "editor",
    password: Annotated[str, Form(max_length=1000)] = "",
    territories: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    session = signed_in(request, csrf_token)
    mine = _mine(session)
    db, own = get_db(request), request.cookies.get(COOKIE)
    try:
        if mine is None:
            add_user(db, email, password, role=role, territories=_ids(territories), keep_token=own)
        else:
            grant(db, email, password, role=role, territories=_ids(territories), mine=mine, keep_token=own)
    except ForbiddenError:
        raise  # another territory, or the whole deployment: 403
    except GeoClsmError as exc:
        form = {"email": email, "role": role, "territories": territories}
        return _page(request, session, 422, error=exc.message, form=form)
    return back("/admin/users?done=created")


@router.post("/admin/users/{user_id}/{action}")
def change(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    action: str,
    request: Request,
    csrf_token: Csrf,
    role: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    territories: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    session = signed_in(request, csrf_token)
    mine = _mine(session)
    if action not in DONE or action == "created":
        raise NotFoundError(f"action inconnue « {action} »")
    if mine is not None and action != "role":
        raise ForbiddenError(DEPLOYMENT_ONLY)
    db = get_db(request)
    own = request.cookies.get(COOKIE) if user_id == session.user.id else None
    try:
        if mine is not None:
            set_roles_within(db, user_id, role=role, territories=_ids(territories), mine=mine, keep_token=own)
        elif action in ("disable", "enable"):
            set_active(db, user_id, action == "enable")
        elif action == "role":
            set_role(db, user_id, role, territories=_ids(territories), keep_token=own)
        else:
            set_password(db, user_id, password, keep_token=own)
    except (NotFoundError, ForbiddenError):
        raise  # an unknown account: 404; not the admin's to change: 403
    except GeoClsmError as exc:
        return _page(request, session, 422, error=exc.message, form={})
    if own and action == "disable":  # the admin disabled their own account: signed out
        return to_login()
    if own and action == "role":  # perhaps no longer an admin: back to the records
        return back("/admin/resources")
    return back(f"/admin/users?done={action}")
