"""A territory's admins manage its accounts (issue 31): the editors and admins of *their*
territories, never a right on another territory nor over the whole deployment. A deployment-wide
admin manages every account (:mod:`geo_clsm.store.accounts`, :func:`geo_clsm.store.users.add_user`).

What a territory's admin may do, for the territories it administers (:func:`administered`):

- list the accounts holding a role in them, with those roles only (:func:`accounts_within`);
- give a role in them (:func:`grant`): to a new account (with its password), or to an existing
  account already scoped to territories (its other roles and its password stay as they are);
- change or take back an account's roles in them (:func:`set_roles_within`); its roles elsewhere
  stay. An account left with no territory at all is deleted (without territories it would be
  deployment-wide): its sessions end, the history keeps its address as the author of its changes.

Never: a deployment-wide account (given a role, it would lose its rights over the deployment; it is
the deployment admins'), a password or the state of an existing account. Each refusal is a French
:class:`~geo_clsm.model.errors.ForbiddenError` (403). Every change ends the account's other sessions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import ForbiddenError, InvalidInputError, NotFoundError
from geo_clsm.store.rights import ADMIN, may
from geo_clsm.store.schema import sessions, user_territories, users
from geo_clsm.store.users import ROLES, User, add_user, check_territories, end_sessions, list_users, territories_of

NOT_YOURS = "réservé aux administrateurs de ce territoire ou du déploiement"


def administered(user: User) -> frozenset[str] | None:
    """The territories whose accounts ``user`` manages: None for a deployment admin (every
    account), those it is ``admin`` of for a scoped account (empty: none, an editor)."""
    if user.is_admin:
        return None
    return frozenset(t for t, _ in user.territories if may(user, ADMIN, (t,)))


def _within(territories: Iterable[str], mine: Collection[str]) -> tuple[str, ...]:
    """``territories`` checked, each one administered (``mine``), else ForbiddenError."""
    wanted = check_territories(territories)
    outside = sorted(set(wanted) - set(mine))
    if outside:
        raise ForbiddenError(f"territoire « {', '.join(outside)} » : {NOT_YOURS}")
    return wanted


def accounts_within(engine: SqlEngine, mine: Collection[str]) -> list[dict[str, Any]]:
    """The accounts holding a role in one of ``mine``, each with its roles there only."""
    out = []
    for u in list_users(engine):
        roles = {t: r for t, r in u["territories"].items() if t in mine}
        if roles:
            out.append({**u, "territories": roles})
    return out


def _scoped_row(conn: Connection, email: str) -> tuple[int, tuple[tuple[str, str], ...]] | None:
    """(id, roles) of the existing account ``email`` (None: none); ForbiddenError if deployment-wide."""
    row = conn.execute(sa.select(users.c.id).where(users.c.email == email.strip().lower())).first()
    if row is None:
        return None
    roles = territories_of(conn, int(row.id))
    if not roles:
        raise ForbiddenError(
            f"compte « {email.strip()} » : compte de tout le déploiement, géré par les administrateurs du déploiement"
        )
    return int(row.id), roles


def grant(
    engine: SqlEngine,
    email: str,
    password: str,
    *,
    role: str,
    territories: Iterable[str],
    mine: Collection[str],
    keep_token: str | None = None,
) -> User:
    """Give ``role`` in ``territories`` (each one of ``mine``, at least one) to the account ``email``:
    a new account with ``password``, or an existing scoped one (its password unchanged)."""
    if role not in ROLES:
        raise InvalidInputError(f"role : « {role} » inconnu, choisir editor ou admin")
    wanted = _within(territories, mine)
    if not wanted:
        raise ForbiddenError(f"un compte sans territoire est de tout le déploiement : {NOT_YOURS}")
    with engine.begin() as conn:
        found = _scoped_row(conn, email)
    if found is None:
        return add_user(engine, email, password, role=role, territories=wanted, keep_token=keep_token)
    uid, _ = found
    with engine.begin() as conn:
        roles = _write(conn, uid, {t: role for t in wanted}, keep=keep_token)
    return User(uid, email.strip().lower(), "editor", territories=roles)


def set_roles_within(
    engine: SqlEngine,
    uid: int,
    *,
    role: str,
    territories: Iterable[str] | None,
    mine: Collection[str],
    keep_token: str | None = None,
) -> None:
    """The account ``uid``'s roles in ``mine`` become ``role`` in ``territories`` (each one of
    ``mine``; empty: taken back from all of ``mine``; None: those of ``mine`` it holds); its roles
    elsewhere stay."""
    if role not in ROLES:
        raise InvalidInputError(f"role : « {role} » inconnu, choisir editor ou admin")
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.id == uid)).first() is None:
            raise NotFoundError(f"compte inconnu (n° {uid})")
        before = dict(territories_of(conn, uid))
        if not set(before) & set(mine):
            raise ForbiddenError(f"compte n° {uid} : il n'a aucun rôle dans vos territoires ; {NOT_YOURS}")
        wanted = _within(sorted(set(before) & set(mine)) if territories is None else territories, mine)
        changes: dict[str, str | None] = {t: None for t in mine if t in before}
        changes.update({t: role for t in wanted})
        _write(conn, uid, changes, keep=keep_token)


def _write(
    conn: Connection, uid: int, changes: dict[str, str | None], *, keep: str | None
) -> tuple[tuple[str, str], ...]:
    """Apply {territory: role, or None to take it back}; delete the account if none is left."""
    ut = user_territories.c
    for t, role in changes.items():
        conn.execute(sa.delete(user_territories).where(ut.user_id == uid, ut.territory == t))
        if role is not None:
            conn.execute(sa.insert(user_territories).values(user_id=uid, territory=t, role=role))
    after = territories_of(conn, uid)
    if not after:  # without territories it would be deployment-wide: deleted instead
        conn.execute(sa.delete(sessions).where(sessions.c.user_id == uid))
        conn.execute(sa.delete(users).where(users.c.id == uid))
        return after
    end_sessions(conn, uid, keep_token=keep)
    return after
