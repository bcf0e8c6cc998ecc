"""Public corrections ("Signaler une erreur"): a message and an optional contact, nothing else.

No position and no IP address is stored with a report.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.store.repo import now, territories_first
from geo_clsm.store.schema import reports, resources
from geo_clsm.store.scope import Scope

MAX_MESSAGE = 2000
MAX_CONTACT = 200
MAX_REASON = 500
STATUSES = ("open", "corrected", "dismissed", "accepted")
HANDLED = ("corrected", "dismissed", "accepted")
"""A report is handled when a correction of its record was saved (``corrected``), or when it was
dismissed with a reason (``dismissed``); ``accepted`` is the API's « a correction will follow »
(and what the screens wrote before a correction had to be saved)."""


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


def list_reports(
    engine: SqlEngine,
    *,
    status: str | None = "open",
    first_territories: Collection[str] = (),
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """Reports (open ones by default; ``"handled"`` for every handled one), with the resource's name
    and territory: those on records of ``first_territories`` first, then oldest first (handled
    ones: most recently handled first). Only those on records of ``scope`` when given."""
    q = sa.select(reports, resources.c.name.label("resource_name"), resources.c.territory.label("territory")).join(
        resources, resources.c.id == reports.c.resource_id, isouter=True
    )
    if scope is not None:  # only reports on the scope's records
        q = q.where(scope.clause())
    order = [territories_first(resources.c.territory, first_territories)]
    if status == "handled":
        q = q.where(reports.c.status.in_(HANDLED))
        order += [reports.c.handled_at.desc(), reports.c.id.desc()]
    else:
        if status:
            q = q.where(reports.c.status == status)
        order += [reports.c.created_at, reports.c.id]
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(*order))]


def get_report(engine: SqlEngine, report_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(reports).where(reports.c.id == report_id)).first()
    if row is None:
        raise NotFoundError(f"signalement inconnu n° {report_id}")
    return dict(row._mapping)


def set_status(
    engine: SqlEngine,
    report_id: int,
    status: str,
    *,
    by: str,
    reason: str | None = None,
    history_id: int | None = None,
) -> dict[str, Any]:
    """Handle a report: ``corrected`` (a correction was saved: its history entry), ``dismissed``
    (with a ``reason``, required) or ``accepted`` (the API's: a correction will follow)."""
    if status not in HANDLED:
        raise InvalidInputError("status : corrected, dismissed ou accepted")
    reason = (reason or "").strip() or None
    if status == "dismissed" and not reason:
        raise InvalidInputError("motif : dire pourquoi le signalement est écarté (champ vide)")
    if reason and len(reason) > MAX_REASON:
        raise InvalidInputError(f"motif : {MAX_REASON} caractères au plus")
    get_report(engine, report_id)
    with engine.begin() as conn:
        conn.execute(
            sa.update(reports)
            .where(reports.c.id == report_id)
            .values(status=status, handled_by=by, handled_at=now(), resolution=reason, history_id=history_id)
        )
    return get_report(engine, report_id)
