"""Editors and admins: argon2 password hashes, server-side sessions, throttled failed logins."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import GeoClsmError, InvalidInputError
from geo_clsm.store.login_throttle import LoginThrottledError as LoginThrottledError  # re-exported
from geo_clsm.store.login_throttle import forget, reserve_attempt, throttle_key
from geo_clsm.store.repo import now
from geo_clsm.store.schema import sessions, user_territories, users

ROLES = ("editor", "admin")
SESSION_HOURS = 12
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountDisabledError(GeoClsmError):
    """The password is right but an administrator has disabled the account."""

    def __init__(self) -> None:
        super().__init__("ce compte est désactivé : demander à un administrateur de le réactiver")


@dataclass(frozen=True, slots=True)
class User:
    """An account. Without ``territories`` it is deployment-wide (``role`` over the whole
    deployment); with them, it is ``editor`` or ``admin`` of each territory named and of nothing
    else (``role`` is then ``editor``). Who may do what: :mod:`geo_clsm.store.rights`."""

    id: int
    email: str
    role: str
    generation: int = 0  # the account's generation when it was read (see :mod:`geo_clsm.store.accounts`)
    territories: tuple[tuple[str, str], ...] = ()  # (territory, role), sorted; empty: deployment-wide

    @property
    def is_admin(self) -> bool:
        """A deployment-wide admin (accounts, territories, every record)."""
        return self.role == "admin" and not self.territories

    @property
    def deployment_wide(self) -> bool:
        return not self.territories

    @property
    def scopes(self) -> dict[str, str]:
        """{territory: role} of a scoped account (empty for a deployment-wide one)."""
        return dict(self.territories)


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str


_TERRITORY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_territories(territories: Iterable[str]) -> tuple[str, ...]:
    """The territory ids given (lower case, sorted, each once), or a French 422."""
    out = sorted({t.strip().lower() for t in territories if t.strip()})
    bad = [t for t in out if not _TERRITORY.match(t)]
    if bad:
        raise InvalidInputError(f"territory : identifiant invalide « {bad[0]} » (minuscules, chiffres, tirets)")
    return tuple(out)


def write_territories(conn: Connection, uid: int, role: str, territories: Iterable[str]) -> None:
    """Replace the account's territory roles by ``role`` in each of ``territories`` (none: deployment-wide)."""
    conn.execute(sa.delete(user_territories).where(user_territories.c.user_id == uid))
    rows = [{"user_id": uid, "territory": t, "role": role} for t in territories]
    if rows:
        conn.execute(sa.insert(user_territories), rows)


def territories_of(conn: Connection, uid: int) -> tuple[tuple[str, str], ...]:
    rows = conn.execute(
        sa.select(user_territories.c.territory, user_territories.c.role)
        .where(user_territories.c.user_id == uid)
        .order_by(user_territories.c.territory)
    )
    return tuple((str(r.territory), str(r.role)) for r in rows)


def add_user(
    engine: SqlEngine,
    email: str,
    password: str,
    *,
    role: str,
    territories: Iterable[str] = (),
    keep_token: str | None = None,
) -> User:
    """Create a user, or change the password and roles of an existing one (and enable it again):
    every session of an existing one ends but ``keep_token``'s (the caller's own session).

    With ``territories``, the account is ``role`` (editor or admin) of each of them only; without,
    it is ``role`` over the whole deployment."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInputError("email : adresse invalide, écrire nom@domaine.fr")
    if role not in ROLES:
        raise InvalidInputError(f"role : « {role} » inconnu, choisir editor ou admin")
    scoped = check_territories(territories)
    stored_role = "editor" if scoped else role  # users.role = 'admin' names the deployment's admins only
    hashed = hash_password(password)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.email == email)).first()
        if row:
            conn.execute(
                sa.update(users).where(users.c.id == row.id).values(password_hash=hashed, role=stored_role, active=True)
            )
            uid = int(row.id)
            end_sessions(conn, uid, keep_token=keep_token)
        else:
            res = conn.execute(
                sa.insert(users).values(
                    email=email, password_hash=hashed, role=stored_role, active=True, created_at=now()
                )
            )
            pk = res.inserted_primary_key
            assert pk is not None
            uid = int(pk[0])
        write_territories(conn, uid, role, scoped)
    return User(uid, email, stored_role, territories=tuple((t, role) for t in scoped))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"password : {MIN_PASSWORD_LENGTH} caractères au moins")
    return _HASHER.hash(password)


def end_sessions(conn: Connection, user_id: int, *, keep_token: str | None = None) -> int:
    """Bump the user's generation, which ends all their sessions at once, but carry ``keep_token``'s
    session over to the new generation when it is the user's (the one that made the change).
    The dead sessions are deleted too. Returns the new generation.

    Called in the transaction that changes the password, role or status: a sign-in that checked
    the old password opens a session of the old generation, dead from the start."""
    conn.execute(sa.update(users).where(users.c.id == user_id).values(generation=users.c.generation + 1))
    generation = int(conn.execute(sa.select(users.c.generation).where(users.c.id == user_id)).scalar_one())
    if keep_token:
        conn.execute(
            sa.update(sessions)
            .where(
                sessions.c.token_hash == _digest(keep_token),
                sessions.c.user_id == user_id,
                sessions.c.generation == generation - 1,  # it was live: never revive a dead session
            )
            .values(generation=generation)
        )
    conn.execute(sa.delete(sessions).where(sessions.c.user_id == user_id, sessions.c.generation != generation))
    return generation


def list_users(engine: SqlEngine) -> list[dict[str, Any]]:
    """Every account with its ``territories`` ({territory: role}; empty: deployment-wide)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.email, users.c.role, users.c.active).order_by(users.c.email))
        out = [dict(r._mapping) for r in rows]
        scoped: dict[int, dict[str, str]] = {}
        for t in conn.execute(sa.select(user_territories)):
            scoped.setdefault(int(t.user_id), {})[str(t.territory)] = str(t.role)
    for u in out:
        u["territories"] = scoped.get(int(u["id"]), {})
    return out


def _aware(dt: datetime) -> datetime:
    """SQLite returns naive datetimes: they were written in UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=now().tzinfo)


def authenticate(engine: SqlEngine, email: str, password: str, *, client: str = "?") -> User | None:
    """The user when the password matches; None otherwise (and the failure is counted).

    ``client`` is the address the attempt comes from: failures are throttled per (account, client),
    see :mod:`geo_clsm.store.login_throttle`.

    Raises
    ------
    LoginThrottledError
        While the delay earned by this client's recent failures for this account runs.
    AccountDisabledError
        When the password is right but the account is disabled.
    """
    key = email.strip().lower()
    attempt = throttle_key(key, client)
    reserve_attempt(engine, attempt)
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.email == key)).first()
    ok = False
    if row is not None:
        try:
            ok = _HASHER.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _HASHER.hash(password)  # same work whether the account exists or not
    if not ok:
        return None
    assert row is not None
    forget(engine, attempt)
    if not row.active:
        raise AccountDisabledError()
    with engine.connect() as conn:
        scoped = territories_of(conn, int(row.id))
    return User(int(row.id), str(row.email), str(row.role), int(row.generation), scoped)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: SqlEngine, user: User) -> tuple[str, str]:
    """A new session for ``user``: (secret token for the cookie, CSRF token).

    The session carries ``user.generation`` (read with the password that was checked): if the
    password, role or status changed since, the session is born dead."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    stamp = now()
    with engine.begin() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.expires_at < stamp))
        conn.execute(
            sa.insert(sessions).values(
                token_hash=_digest(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=stamp,
                expires_at=stamp + timedelta(hours=SESSION_HOURS),
                generation=user.generation,
            )
        )
    return token, csrf


def session_for(engine: SqlEngine, token: str | None) -> Session | None:
    """The live session of a cookie token, or None (expired, account disabled, or opened before
    the account's password, role or status last changed)."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sessions.c.csrf_token,
                sessions.c.expires_at,
                users.c.id,
                users.c.email,
                users.c.role,
                users.c.generation,
            )
            .join(users, users.c.id == sessions.c.user_id)
            .where(
                sessions.c.token_hash == _digest(token),
                users.c.active.is_(True),
                sessions.c.generation == users.c.generation,
            )
        ).first()
        if row is None or _aware(row.expires_at) < now():
            return None
        scoped = territories_of(conn, int(row.id))
    return Session(User(int(row.id), str(row.email), str(row.role), int(row.generation), scoped), str(row.csrf_token))


def close_session(engine: SqlEngine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(sa.delete(sessions).where(sessions.c.token_hash == _digest(token)))
