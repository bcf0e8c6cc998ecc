"""Connecting to the database of record and migrating it (Alembic, shipped in the package).

``sqlite:///var/geo_clsm.db`` (the default) is relative to the working directory; its
folder is created on first use. ``postgresql://…`` URLs use psycopg 3 and PostGIS.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.errors import GeoClsmError

DEFAULT_DATABASE_URL = "sqlite:///var/geo_clsm.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: SqlEngine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: SqlEngine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (idempotent)."""
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
