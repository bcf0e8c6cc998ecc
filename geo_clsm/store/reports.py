"""Public corrections ("Signaler une erreur"): a message and an optional contact, nothing else.

No position and no IP address is stored with a report.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.store.repo import now
from geo_clsm.store.schema import reports, resources

MAX_MESSAGE = 2000
MAX_CONTACT = 200
STATUSES = ("open", "accepted", "dismissed")


def add_report(engine: SqlEngine, resource_id: str, *, message: str, contact: str | None = None) -> int:
    """Store a report on an active resource; returns its id."""
    message = (message or "").strip()
    contact = (contact or "").strip() or None
    if not message:
        raise InvalidInputError("message : décrire l'erreur constatée (champ vide)")
    if len(message) > MAX_MESSAGE:
        raise InvalidInputError(f"message : {MAX_MESSAGE} caractères au plus")
    if contact and len(contact) > MAX_CONTACT:
        raise InvalidInputError(f"contact : {MAX_CONTACT} caractères au plus")
    with engine.begin() as conn:
        found = conn.execute(
            sa.select(resources.c.id).where(resources.c.id == resource_id, resources.c.status == "active")
        ).first()
        if found is None:
            raise NotFoundError(f"ressource inconnue « {resource_id} »")
        res = conn.execute(
            sa.insert(reports).values(
                resource_id=resource_id, message=message, contact=contact, created_at=now(), status="open"
            )
        )
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])


def list_reports(engine: SqlEngine, *, status: str | None = "open") -> list[dict[str, Any]]:
    """Reports (open ones by default), oldest first, with the resource's name."""
    q = (
        sa.select(reports, resources.c.name.label("resource_name"))
        .join(resources, resources.c.id == reports.c.resource_id, isouter=True)
        .order_by(reports.c.created_at, reports.c.id)
    )
    if status:
        q = q.where(reports.c.status == status)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def get_report(engine: SqlEngine, report_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(reports).where(reports.c.id == report_id)).first()
    if row is None:
        raise NotFoundError(f"signalement inconnu n° {report_id}")
    return dict(row._mapping)


def set_status(engine: SqlEngine, report_id: int, status: str, *, by: str) -> dict[str, Any]:
    """Accept or dismiss a report."""
    if status not in ("accepted", "dismissed"):
        raise InvalidInputError("status : accepted ou dismissed")
    get_report(engine, report_id)
    with engine.begin() as conn:
        conn.execute(
            sa.update(reports).where(reports.c.id == report_id).values(status=status, handled_by=by, handled_at=now())
        )
    return get_report(engine, report_id)
