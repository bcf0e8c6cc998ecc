"""Account management: change a password or a role, disable or enable an account.

Each change ends the account's other sessions at once (:func:`geo_clsm.store.users.end_sessions`
bumps the account's generation in the same transaction); the session that made the change, when it
is the account's own, stays signed in. A disabled account cannot sign in and has no session. The
last enabled admin can be neither disabled nor made an editor, so the service always keeps an admin
(a deployment-wide one: ``users.role = 'admin'``; an account scoped to territories is stored as
``editor``, its roles per territory in ``user_territories``).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.store.schema import users
from geo_clsm.store.users import (
    ROLES,
    check_territories,
    end_sessions,
    hash_password,
    territories_of,
    write_territories,
)


def user_id(engine: SqlEngine, email: str) -> int:
    """The id of the account ``email``."""
    with engine.connect() as conn:
        uid = conn.execute(sa.select(users.c.id).where(users.c.email == email.strip().lower())).scalar()
    if uid is None:
        raise NotFoundError(f"compte inconnu « {email.strip()} » : voir « geo-clsm user list »")
    return int(uid)


def _current(conn: Connection, uid: int) -> tuple[str, bool]:
    """The account's (role, active), its row locked until the transaction ends (PostgreSQL)."""
    row = conn.execute(sa.select(users.c.role, users.c.active).where(users.c.id == uid).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"compte inconnu (n° {uid})")
    return str(row.role), bool(row.active)


def _keep_an_admin(conn: Connection, uid: int) -> None:
    others = conn.execute(
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.role == "admin", users.c.active.is_(True), users.c.id != uid)
    ).scalar_one()
    if not others:
        raise InvalidInputError("c'est le dernier compte administrateur actif : nommer d'abord un autre administrateur")


def set_password(engine: SqlEngine, uid: int, password: str, *, keep_token: str | None = None) -> None:
    """A new password for the account ``uid``; its sessions end but ``keep_token``'s."""
    hashed = hash_password(password)
    with engine.begin() as conn:
        _current(conn, uid)
        conn.execute(sa.update(users).where(users.c.id == uid).values(password_hash=hashed))
        end_sessions(conn, uid, keep_token=keep_token)


def set_role(
    engine: SqlEngine,
    uid: int,
    role: str,
    *,
    territories: Iterable[str] | None = None,
    keep_token: str | None = None,
) -> None:
    """A new role for the account ``uid`` (nothing happens when it already has it).

    ``territories`` None keeps the account's scope (deployment-wide, or the same territories);
    a list (empty: deployment-wide) replaces it."""
    if role not in ROLES:
        raise InvalidInputError(f"role : « {role} » inconnu, choisir editor ou admin")
    with engine.begin() as conn:
        current, active = _current(conn, uid)
        before = territories_of(conn, uid)
        scope = [t for t, _ in before] if territories is None else list(check_territories(territories))
        wanted_role = "editor" if scope else role
        if current == wanted_role and before == tuple((t, role) for t in scope):
            return
        if current == "admin" and active and wanted_role != "admin":
            _keep_an_admin(conn, uid)
        conn.execute(sa.update(users).where(users.c.id == uid).values(role=wanted_role))
        write_territories(conn, uid, role, scope)
        end_sessions(conn, uid, keep_token=keep_token)


def set_active(engine: SqlEngine, uid: int, active: bool) -> None:
    """Disable (every session ends at once) or enable the account ``uid``."""
    with engine.begin() as conn:
        role, was_active = _current(conn, uid)
        if was_active == active:
            return
        if not active and role == "admin":
            _keep_an_admin(conn, uid)
        conn.execute(sa.update(users).where(users.c.id == uid).values(active=active))
        end_sessions(conn, uid)
