"""Editors and admins: argon2 password hashes, server-side sessions, throttled failed logins."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.errors import GeoClsmError, InvalidInputError
from geo_clsm.store.repo import now
from geo_clsm.store.schema import login_failures, sessions, users

ROLES = ("editor", "admin")
SESSION_HOURS = 12
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LoginThrottledError(GeoClsmError):
    """Too many failed logins for this account: wait ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"trop d'échecs de connexion pour ce compte : réessayer dans {max(1, retry_after_s // 60)} minute(s)"
        )
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str


def add_user(engine: SqlEngine, email: str, password: str, *, role: str) -> User:
    """Create a user, or change the password and role of an existing one."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInputError("email : adresse invalide, écrire nom@domaine.fr")
    if role not in ROLES:
        raise InvalidInputError(f"role : « {role} » inconnu, choisir editor ou admin")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"password : {MIN_PASSWORD_LENGTH} caractères au moins")
    hashed = _HASHER.hash(password)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.email == email)).first()
        if row:
            conn.execute(
                sa.update(users).where(users.c.id == row.id).values(password_hash=hashed, role=role, active=True)
            )
            uid = int(row.id)
        else:
            res = conn.execute(
                sa.insert(users).values(email=email, password_hash=hashed, role=role, active=True, created_at=now())
            )
            pk = res.inserted_primary_key
            assert pk is not None
            uid = int(pk[0])
    return User(uid, email, role)


def list_users(engine: SqlEngine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.email, users.c.role, users.c.active).order_by(users.c.email))
        return [dict(r._mapping) for r in rows]


def _aware(dt: datetime) -> datetime:
    """SQLite returns naive datetimes: they were written in UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=now().tzinfo)


def authenticate(engine: SqlEngine, email: str, password: str) -> User | None:
    """The user when the password matches; None otherwise (and the failure is counted).

    Raises
    ------
    LoginThrottledError
        After ``MAX_FAILURES`` failures within ``FAILURE_WINDOW`` for the account.
    """
    key = email.strip().lower()
    stamp = now()
    with engine.begin() as conn:
        conn.execute(sa.delete(login_failures).where(login_failures.c.at < stamp - FAILURE_WINDOW))
        recent = [
            _aware(r.at)
            for r in conn.execute(
                sa.select(login_failures.c.at).where(login_failures.c.key == key).order_by(login_failures.c.at)
            )
        ]
        if len(recent) >= MAX_FAILURES:
            wait = recent[-MAX_FAILURES] + FAILURE_WINDOW - stamp
            raise LoginThrottledError(int(wait.total_seconds()) + 1)
        row = conn.execute(sa.select(users).where(users.c.email == key, users.c.active.is_(True))).first()
        ok = False
        if row is not None:
            try:
                ok = _HASHER.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            _HASHER.hash(password)  # same work whether the account exists or not
        if not ok:
            conn.execute(sa.insert(login_failures).values(key=key, at=stamp))
            return None
        conn.execute(sa.delete(login_failures).where(login_failures.c.key == key))
        assert row is not None
        return User(int(row.id), str(row.email), str(row.role))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: SqlEngine, user: User) -> tuple[str, str]:
    """A new session for ``user``: (secret token for the cookie, CSRF token)."""
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
            )
        )
    return token, csrf


def session_for(engine: SqlEngine, token: str | None) -> Session | None:
    """The live session of a cookie token, or None."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(sessions.c.csrf_token, sessions.c.expires_at, users.c.id, users.c.email, users.c.role)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == _digest(token), users.c.active.is_(True))
        ).first()
    if row is None or _aware(row.expires_at) < now():
        return None
    return Session(User(int(row.id), str(row.email), str(row.role)), str(row.csrf_token))


def close_session(engine: SqlEngine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(sa.delete(sessions).where(sessions.c.token_hash == _digest(token)))
