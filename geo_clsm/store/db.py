"""Connecting to the database of record and migrating it (Alembic, shipped in the package).

``sqlite:///var/geo_clsm.db`` (the default) is relative to the working directory; its
folder is created on first use. ``postgresql://…`` URLs use psycopg 3 and PostGIS.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import GeoClsmError
from geo_clsm.package_data import package_dir

if TYPE_CHECKING:  # Alembic (and Mako) cost half a second at start-up: imported only to migrate
    from alembic.config import Config

DEFAULT_DATABASE_URL = "sqlite:///var/geo_clsm.db"
MIGRATIONS = package_dir("geo_clsm.store") / "migrations"


class SchemaBehindError(GeoClsmError):
    """The database schema is older than the code: run the migrations first."""


def normalize_url(url: str) -> str:
    """``postgresql://`` -> the psycopg 3 driver; SQLite paths unchanged."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def connect(url: str = DEFAULT_DATABASE_URL) -> SqlEngine:
    """A SQLAlchemy engine for ``url`` (creates the SQLite file's folder when needed)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        db_path = sa.engine.make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        eng = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return eng
    return sa.create_engine(url, pool_pre_ping=True)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def head_revision() -> str:
    """The head of the shipped migrations, read from their ``revision`` / ``down_revision`` lines
    (checked against Alembic's own reading by the tests); Alembic is asked only when that reading
    is not a single line of revisions."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        fields = {m[1]: m[2] for m in _REVISION.finditer(path.read_text(encoding="utf-8"))}
        rev, down = fields.get("revision", ""), fields.get("down_revision", "None")
        if not re.fullmatch(r"[\"'][\w-]+[\"']", rev) or not re.fullmatch(r"None|[\"'][\w-]+[\"']", down):
            return _alembic_head()
        revisions.add(rev.strip("\"'"))
        if down != "None":
            parents.add(down.strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: SqlEngine) -> str | None:
    """The revision the database is at (None for a database Alembic never migrated)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        versions = sorted(str(v) for v in conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(versions) or None  # several rows (branches): never equal to the head, so "behind"


def upgrade(engine: SqlEngine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (idempotent)."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def check_schema(engine: SqlEngine) -> None:
    """Raise :class:`SchemaBehindError` unless the schema is at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehindError(
            f"le schéma de la base est en retard (version {current or 'vide'}, attendue {head}) : "
            "lancer « geo-clsm db upgrade » avant de démarrer le service"
        )


def is_empty(engine: SqlEngine) -> bool:
    """True when the database has no table at all (a brand-new file or database)."""
    return not sa.inspect(engine).get_table_names()
