"""Campaigns, their recipients and the personal links sent to them (issue 30, item 1).

A link is ``secrets.token_urlsafe(32)``, made when its message is sent (:func:`new_link`, in the
sender's transaction): only its SHA-256 is stored, never the token. Every message to a recipient
(invitation, reminder) carries its own link; all of a recipient's links open the same record, for
that record only, expire together (``expires_at``) and are revoked together (``revoked_at``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model import clock
from geo_clsm.model.errors import GeoClsmError, InvalidInputError, NotFoundError
from geo_clsm.model.freshness import ConfirmPolicy, to_confirm
from geo_clsm.model.resource import Resource
from geo_clsm.store.outbox import FAILED, QUEUED, SENT, UNCERTAIN
from geo_clsm.store.records import from_row
from geo_clsm.store.repo import ACTIVE, now
from geo_clsm.store.schema import campaign_links, campaign_recipients, campaigns, outbox, resources
from geo_clsm.store.scope import Scope

TOKEN_MAX = 100  # longer path parameters are no token: refused before any lookup


class LinkError(GeoClsmError):
    """A link that opens nothing: ``kind`` ``unknown`` (HTTP 404), ``expired`` or ``revoked`` (410)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = 404 if kind == "unknown" else 410


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def select_records(
    conn: Connection,
    *,
    territory: str,
    resource_type: str | None = None,
    stale_only: bool = False,
    ids: Collection[str] | None = None,
    today: date | None = None,
    policy: ConfirmPolicy | None = None,
) -> list[Resource]:
    """The active records of a territory a campaign may write to (of a type, « à confirmer » —
    unconfirmed longer than the territory allows, :func:`geo_clsm.model.freshness.to_confirm` —,
    or among ``ids``), by name. The records belonging to it (:class:`~geo_clsm.store.scope.Scope`:
    by position, commune or name, as stored — :func:`geo_clsm.store.membership.refresh` first), and
    those naming it even if their membership was not computed yet."""
    belongs = sa.or_(resources.c.territory == territory, Scope(territories=frozenset({territory})).clause())
    q = sa.select(resources).where(resources.c.status == ACTIVE, belongs)
    if resource_type:
        q = q.where(resources.c.type == resource_type)
    if ids is not None:
        q = q.where(resources.c.id.in_(sorted(ids)))
    found = [from_row(r._mapping) for r in conn.execute(q.order_by(resources.c.name, resources.c.id))]
    if stale_only:
        day = today or clock.today()
        found = [r for r in found if to_confirm(r, day, policy)]
    return found


@dataclass(frozen=True, slots=True)
class Started:
    """A new campaign: its id, the recipients written to, the records left out (no e-mail address)."""

    campaign_id: int
    recipients: list[tuple[int, Resource]]
    without_email: list[Resource]


def create(
    conn: Connection,
    *,
    territory: str,
    records: list[Resource],
    created_by: str,
    link_days: int,
    remind_after_days: int,
    resource_type: str | None = None,
    stale_only: bool = False,
) -> Started:
    """Insert a campaign and one recipient per record with an e-mail address (caller's transaction)."""
    if link_days < 1:
        raise InvalidInputError("durée des liens : au moins un jour")
    if not records:
        raise InvalidInputError(f"aucune fiche à confirmer dans le territoire « {territory} » avec ces critères")
    stamp = now()
    res = conn.execute(
        sa.insert(campaigns).values(
            territory=territory,
            resource_type=resource_type,
            stale_only=stale_only,
            created_by=created_by,
            created_at=stamp,
            link_days=link_days,
            remind_after_days=max(0, remind_after_days),
            status="open",
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    cid = int(pk[0])
    sent_to: list[tuple[int, Resource]] = []
    without: list[Resource] = []
    for r in records:  # chosen by select_records: the territory's
        email = (r.email or "").strip()
        if not email:
            without.append(r)
            continue
        rec = conn.execute(
            sa.insert(campaign_recipients).values(
                campaign_id=cid, resource_id=r.id, email=email, expires_at=stamp + timedelta(days=link_days)
            )
        )
        rpk = rec.inserted_primary_key
        assert rpk is not None
        sent_to.append((int(rpk[0]), r))
    return Started(cid, sent_to, without)


def new_link(conn: Connection, recipient_id: int) -> str:
    """A fresh token for a recipient (its hash stored in the caller's transaction)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(campaign_links).values(token_hash=hash_token(token), recipient_id=recipient_id, created_at=now())
    )
    return token


def open_link(conn: Connection, token: str, *, at: datetime | None = None) -> dict[str, Any]:
    """The recipient (with its campaign's territory) a link opens, or :class:`LinkError` in French."""
    at = at or now()
    if not token or len(token) > TOKEN_MAX:
        raise LinkError("lien inconnu : vérifier qu'il a été copié en entier depuis le message reçu", kind="unknown")
    row = conn.execute(
        sa.select(
            campaign_recipients,
            campaigns.c.territory,
            campaigns.c.created_at.label("campaign_started"),
            campaigns.c.status.label("campaign_status"),
            resources.c.status.label("resource_status"),
        )
        .join(campaign_links, campaign_links.c.recipient_id == campaign_recipients.c.id)
        .join(campaigns, campaigns.c.id == campaign_recipients.c.campaign_id)
        .join(resources, resources.c.id == campaign_recipients.c.resource_id, isouter=True)
        .where(campaign_links.c.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise LinkError("lien inconnu : vérifier qu'il a été copié en entier depuis le message reçu", kind="unknown")
    if row.revoked_at is not None or row.campaign_status != "open":
        raise LinkError(
            "ce lien a été désactivé par l'équipe du CLSM : lui écrire pour en recevoir un autre", kind="revoked"
        )
    if row.resource_status != ACTIVE:
        raise LinkError("cette fiche n'est plus publiée : écrire à l'équipe du CLSM", kind="revoked")
    expires = aware(row.expires_at)
    if expires <= at:
        raise LinkError(
            f"ce lien a expiré le {expires.strftime('%d/%m/%Y')} : écrire à l'équipe du CLSM pour en recevoir un autre",
            kind="expired",
        )
    return dict(row._mapping)


def mark(conn: Connection, recipient_id: int, column: str) -> None:
    """Set ``opened_at``, ``confirmed_at``, ``corrected_at`` or ``reminded_at`` (the first time only
    for ``opened_at``)."""
    col = campaign_recipients.c[column]
    q = sa.update(campaign_recipients).where(campaign_recipients.c.id == recipient_id)
    if column == "opened_at":
        q = q.where(col.is_(None))
    conn.execute(q.values({column: now()}))


def revoke(engine: SqlEngine, *, campaign_id: int, resource_id: str | None = None) -> int:
    """Revoke the links of one recipient (or of the whole campaign); returns how many recipients."""
    q = sa.update(campaign_recipients).where(
        campaign_recipients.c.campaign_id == campaign_id, campaign_recipients.c.revoked_at.is_(None)
    )
    if resource_id is not None:
        q = q.where(campaign_recipients.c.resource_id == resource_id)
    with engine.begin() as conn:
        return int(conn.execute(q.values(revoked_at=now())).rowcount)


def get_campaign(conn: Connection, campaign_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id)).first()
    if row is None:
        raise NotFoundError(f"campagne inconnue n° {campaign_id}")
    return dict(row._mapping)


def list_campaigns(conn: Connection, *, territories: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Campaigns, newest first, each with its counts (:func:`counts`)."""
    q = sa.select(campaigns).order_by(campaigns.c.id.desc())
    if territories is not None:
        q = q.where(campaigns.c.territory.in_(sorted(territories)))
    return [{**dict(r._mapping), **counts(conn, int(r.id))} for r in conn.execute(q)]


def counts(conn: Connection, campaign_id: int) -> dict[str, int]:
    """Per campaign: recipients, and how many were sent (their invitation reached the SMTP server),
    opened, confirmed, corrected, failed (refused, or uncertain after a crash), still queued."""
    r = campaign_recipients.c
    row = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(r.opened_at),
            sa.func.count(r.confirmed_at),
            sa.func.count(r.corrected_at),
            sa.func.count(r.revoked_at),
        ).where(r.campaign_id == campaign_id)
    ).one()
    invitations = (
        sa.select(outbox.c.state, sa.func.count())
        .join(campaign_recipients, campaign_recipients.c.id == outbox.c.recipient_id)
        .where(campaign_recipients.c.campaign_id == campaign_id, outbox.c.kind == "invitation")
        .group_by(outbox.c.state)
    )
    states = {str(s): int(n) for s, n in conn.execute(invitations)}
    return {
        "recipients": int(row[0]),
        "sent": states.get(SENT, 0),
        "opened": int(row[1]),
        "confirmed": int(row[2]),
        "corrected": int(row[3]),
        "failed": states.get(FAILED, 0) + states.get(UNCERTAIN, 0),
        "pending": sum(n for s, n in states.items() if s not in (SENT, FAILED, UNCERTAIN)),
        "revoked": int(row[4]),
        "queued": states.get(QUEUED, 0),
    }


def recipients(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """A campaign's recipients with their record's name and their invitation's state."""
    inv = (
        sa.select(outbox.c.recipient_id, outbox.c.state, outbox.c.error).where(outbox.c.kind == "invitation").subquery()
    )
    q = (
        sa.select(
            campaign_recipients,
            resources.c.name.label("resource_name"),
            inv.c.state.label("invitation_state"),
            inv.c.error.label("invitation_error"),
        )
        .join(resources, resources.c.id == campaign_recipients.c.resource_id, isouter=True)
        .join(inv, inv.c.recipient_id == campaign_recipients.c.id, isouter=True)
        .where(campaign_recipients.c.campaign_id == campaign_id)
        .order_by(resources.c.name, campaign_recipients.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def due_reminders(conn: Connection, *, at: datetime | None = None) -> list[dict[str, Any]]:
    """Recipients to remind now: their campaign is open and asks for reminders, its delay has run,
    their invitation was sent, they neither confirmed nor corrected, no reminder yet, link valid."""
    at = at or now()
    r, c = campaign_recipients.c, campaigns.c
    sent = sa.select(outbox.c.recipient_id).where(outbox.c.kind == "invitation", outbox.c.state == SENT)
    rows = conn.execute(
        sa.select(campaign_recipients, c.created_at.label("started"), c.remind_after_days)
        .join(campaigns, c.id == r.campaign_id)
        .where(
            c.status == "open",
            c.remind_after_days > 0,
            r.reminded_at.is_(None),
            r.confirmed_at.is_(None),
            r.corrected_at.is_(None),
            r.revoked_at.is_(None),
            r.id.in_(sent),
        )
    ).all()
    out = []
    for row in rows:
        if aware(row.expires_at) <= at:
            continue
        if aware(row.started) + timedelta(days=int(row.remind_after_days)) <= at:
            out.append(dict(row._mapping))
    return out
