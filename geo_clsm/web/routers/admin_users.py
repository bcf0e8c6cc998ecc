"""Accounts over the API: ``/api/admin/users``. A deployment admin manages every account (create,
password, role and territories, disable); a territory's admin manages the editors and admins of
*its* territories only (:mod:`geo_clsm.store.territory_accounts`): it lists them with their roles
there, gives a role there (a new account, or an existing one already scoped to territories), changes
or takes it back — never on another territory, never over the whole deployment, never a password or
an account's state (403). An editor gets 403. Each change ends the account's other sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from geo_clsm.model.errors import ForbiddenError, InvalidInputError
from geo_clsm.store.accounts import set_active, set_password, set_role
from geo_clsm.store.schema import MAX_ID
from geo_clsm.store.territory_accounts import accounts_within, administered, grant, set_roles_within
from geo_clsm.store.users import ROLES, Session, add_user, list_users
from geo_clsm.web.rights import AUTHORISE
from geo_clsm.web.sessions import COOKIE, EditorSession, get_db

router = APIRouter(
    prefix="/api/admin",
    tags=["édition"],
    responses={
        401: {"description": "connexion requise"},
        403: {"description": "droits insuffisants (territoire, rôle) ou CSRF"},
    },
    dependencies=[AUTHORISE],
)
TerritoryList: Any = Field(
    default=[],
    max_length=200,
    description="Territoires où le rôle s'applique (vide : tout le déploiement, administrateurs du déploiement seuls)",
    examples=[["metz"]],
)
EDITOR_ONLY = "réservé aux administrateurs : ce compte est un compte d'éditeur"
DEPLOYMENT_ONLY = "réservé aux administrateurs du déploiement : mot de passe et état d'un compte existant"


class UserIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(
        min_length=10,
        max_length=1000,
        description="Mot de passe d'un nouveau compte (un administrateur de territoire ne change pas celui d'un compte existant)",
    )
    role: str = Field(pattern="^(editor|admin)$", examples=list(ROLES))
    territories: list[str] = TerritoryList


class UserChange(BaseModel):
    """Only the fields given change; each change ends the account's other sessions."""

    password: str | None = Field(default=None, min_length=10, max_length=1000)
    role: str | None = Field(default=None, pattern="^(editor|admin)$", examples=list(ROLES))
    territories: list[str] | None = Field(
        default=None,
        max_length=200,
        description=(
            "Avec role : territoires du rôle (vide : tout le déploiement). Pour un administrateur de "
            "territoire : ses territoires où le compte a ce rôle (vide : le rôle lui est retiré dans tous)"
        ),
    )
    active: bool | None = Field(default=None, description="false : compte désactivé, ses sessions se terminent")


def managed(session: Session) -> frozenset[str] | None:
    """The territories whose accounts the session manages (None: every account); 403 for an editor."""
    mine = administered(session.user)
    if mine is not None and not mine:
        raise ForbiddenError(EDITOR_ONLY)
    return mine


def manager_session(session: EditorSession) -> Session:
    """A deployment admin or a territory's admin (403 for an editor, before the body is read)."""
    managed(session)
    return session


ManagerSession = Annotated[Session, Depends(manager_session)]


@router.get(
    "/users", summary="Comptes (administrateurs ; ceux de ses territoires pour un administrateur de territoire)"
)
def users(session: ManagerSession, request: Request) -> list[dict[str, object]]:
    mine = managed(session)
    return list_users(get_db(request)) if mine is None else accounts_within(get_db(request), mine)


@router.post("/users", status_code=201, summary="Créer un compte ou lui donner un rôle (administrateurs)")
def create_user(body: UserIn, session: ManagerSession, request: Request) -> dict[str, object]:
    mine, db, own = managed(session), get_db(request), request.cookies.get(COOKIE)
    if mine is None:
        u = add_user(db, body.email, body.password, role=body.role, territories=body.territories, keep_token=own)
    else:
        u = grant(
            db, body.email, body.password, role=body.role, territories=body.territories, mine=mine, keep_token=own
        )
        return {
            "id": u.id,
            "email": u.email,
            "role": u.role,
            "territories": {t: r for t, r in u.territories if t in mine},
        }
    return {"id": u.id, "email": u.email, "role": u.role, "territories": u.scopes}


@router.patch("/users/{user_id}", summary="Changer le mot de passe, le rôle ou l'état d'un compte (administrateurs)")
def change_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: UserChange, session: ManagerSession, request: Request
) -> dict[str, object]:
    mine, db = managed(session), get_db(request)
    own = request.cookies.get(COOKIE) if user_id == session.user.id else None
    if mine is not None:
        if body.password is not None or body.active is not None:
            raise ForbiddenError(DEPLOYMENT_ONLY)
        if body.role is None:
            raise InvalidInputError("role : requis (editor ou admin), avec territories")
        set_roles_within(db, user_id, role=body.role, territories=body.territories, mine=mine, keep_token=own)
        found = [u for u in accounts_within(db, mine) if u["id"] == user_id]
        return found[0] if found else {"id": user_id, "territories": {}, "removed": True}
    if body.active is not None:
        set_active(db, user_id, body.active)
    if body.role is not None:
        set_role(db, user_id, body.role, territories=body.territories, keep_token=own)
    if body.password is not None:
        set_password(db, user_id, body.password, keep_token=own)
    return next(u for u in list_users(db) if u["id"] == user_id)
