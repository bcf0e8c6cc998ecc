"""A campaign's life: started by an editor (screen or CLI), reminders queued when due, records
confirmed or corrected by the places through their link."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.campaigns import messages
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.model import clock
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.store import campaigns, outbox, repo
from geo_clsm.store.corrections import author_for
from geo_clsm.store.membership import refresh
from geo_clsm.store.rights import TerritoryMap


def start_campaign(
    db: SqlEngine,
    *,
    territory: str,
    created_by: str,
    link_days: int,
    remind_after_days: int,
    territory_name: str | None = None,
    resource_type: str | None = None,
    stale_only: bool = False,
    ids: Collection[str] | None = None,
    today: date | None = None,
    places: TerritoryMap | None = None,
) -> campaigns.Started:
    """Create the campaign and queue one invitation per record with an e-mail address, in one
    transaction: nothing is queued unless everything is. With the serving ``places``, the records
    belonging to the territory by their position or commune are brought in too (their membership
    computed first; without, those whose membership is already stored, and those naming it)."""
    if places is not None:
        refresh(db, places)
    with db.begin() as conn:
        records = campaigns.select_records(
            conn, territory=territory, resource_type=resource_type, stale_only=stale_only, ids=ids, today=today
        )
        if ids is not None and len(records) != len(set(ids)):
            missing = sorted(set(ids) - {r.id for r in records})
            raise InvalidInputError(f"fiches inconnues ou hors du territoire « {territory} » : {', '.join(missing)}")
        started = campaigns.create(
            conn,
            territory=territory,
            records=records,
            created_by=created_by,
            link_days=link_days,
            remind_after_days=remind_after_days,
            resource_type=resource_type,
            stale_only=stale_only,
        )
        for recipient_id, r in started.recipients:
            expires = (repo.now() + timedelta(days=link_days)).date()
            outbox.enqueue(
                conn,
                kind="invitation",
                recipient_id=recipient_id,
                to_addr=str(r.email).strip(),
                subject=messages.subject(r),
                body=messages.body(r, expires=expires, territory_name=territory_name or territory),
            )
    return started


def queue_reminders(db: SqlEngine, *, at: datetime | None = None, names: Mapping[str, str] | None = None) -> int:
    """Queue the reminders that are due (:func:`geo_clsm.store.campaigns.due_reminders`); returns how many."""
    queued = 0
    with db.begin() as conn:
        for rec in campaigns.due_reminders(conn, at=at):
            try:
                r, status = repo.get(conn, str(rec["resource_id"]))
            except Exception:  # the record is gone: nothing to remind about
                continue
            if status != repo.ACTIVE or not r.email:
                continue
            territory = r.territory or ""
            outbox.enqueue(
                conn,
                kind="reminder",
                recipient_id=int(rec["id"]),
                to_addr=str(rec["email"]),
                subject=messages.subject(r, reminder=True),
                body=messages.body(
                    r,
                    expires=campaigns.aware(rec["expires_at"]).date(),
                    territory_name=(names or {}).get(territory, territory),
                    reminder=True,
                ),
            )
            campaigns.mark(conn, int(rec["id"]), "reminded_at")
            queued += 1
    return queued


def confirm(
    db: SqlEngine, recipient: Mapping[str, Any], *, communes: Mapping[str, CommunePoint], today: date | None = None
) -> repo.Change:
    """« Tout est exact »: ``last_verified`` today, confirmed by the place, an entry in the history
    naming the campaign."""
    day = today or clock.today()
    cid = int(recipient["campaign_id"])
    change = repo.update(
        db,
        str(recipient["resource_id"]),
        {"last_verified": day.isoformat(), "to_verify": "non", **CONFIRMED_BY},
        author=author_for(cid),
        communes=communes,
        action="confirm",
        comment=f"confirmé par la structure (campagne n° {cid})",
    )
    with db.begin() as conn:
        campaigns.mark(conn, int(recipient["id"]), "confirmed_at")
    return change


CONFIRMED_BY: dict[str, str] = {"verified_by": "structure"}
"""What a place's confirmation writes besides the date: who confirmed it (the place itself)."""


def opened(db: SqlEngine, recipient: Mapping[str, Any]) -> None:
    """The link was opened (counted once)."""
    with db.begin() as conn:
        campaigns.mark(conn, int(recipient["id"]), "opened_at")
