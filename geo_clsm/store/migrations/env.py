"""Alembic environment: the connection comes from ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from geo_clsm.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always run through geo_clsm.store.db
    raise RuntimeError("run migrations with `geo-clsm db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
