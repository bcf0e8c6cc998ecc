"""A territory's presence (:mod:`geo_clsm.model.presence`) kept in the ``territory_settings`` table.

The presence fields sit at the top of the territory's settings document beside any other local
setting; the logo is kept there too (``logo``: content type and base64 bytes, size-limited at upload),
so every server of a deployment serves the same one from its database.
"""

from __future__ import annotations

import base64
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.presence import PRESENCE_KEYS, Presence, check_presence
from geo_clsm.store import repo
from geo_clsm.store.schema import territory_settings


def read_settings(db: SqlEngine, territory: str) -> dict[str, Any]:
    with db.connect() as conn:
        row = conn.execute(
            sa.select(territory_settings.c.settings).where(territory_settings.c.territory == territory)
        ).first()
    return dict(row[0]) if row else {}


def write_settings(db: SqlEngine, territory: str, settings: dict[str, Any]) -> None:
    with db.begin() as conn:
        conn.execute(sa.delete(territory_settings).where(territory_settings.c.territory == territory))
        conn.execute(
            sa.insert(territory_settings).values(territory=territory, settings=settings, updated_at=repo.now())
        )


def presence_of(settings: dict[str, Any]) -> Presence:
    """The presence held in a settings document (checked again: a bad stored value raises)."""
    logo = settings.get("logo")
    return check_presence(settings, logo_type=str(logo.get("type", "")) if isinstance(logo, dict) else "")


def read_presence(db: SqlEngine, territory: str) -> Presence:
    return presence_of(read_settings(db, territory))


def save_presence(db: SqlEngine, territory: str, presence: Presence) -> None:
    """Replace the presence fields, keeping the logo and any other local setting."""
    doc = read_settings(db, territory)
    fields = presence.as_json()
    doc.update({k: fields[k] for k in PRESENCE_KEYS})
    write_settings(db, territory, doc)


def save_logo(db: SqlEngine, territory: str, content_type: str, data: bytes) -> None:
    doc = read_settings(db, territory)
    doc["logo"] = {"type": content_type, "data": base64.b64encode(data).decode()}
    write_settings(db, territory, doc)


def read_logo(db: SqlEngine, territory: str) -> tuple[str, bytes] | None:
    logo = read_settings(db, territory).get("logo")
    if not isinstance(logo, dict) or not logo.get("data"):
        return None
    return str(logo["type"]), base64.b64decode(logo["data"])


def public_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings document as the API shows it (the logo's bytes left out)."""
    return {k: ({"type": v.get("type")} if k == "logo" and isinstance(v, dict) else v) for k, v in settings.items()}
