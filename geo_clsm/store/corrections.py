"""Corrections proposed by a place through its campaign link, field by field.

Each changed field is one item of the editors' review queue (``open``), validated against the
record when proposed, so the place reads at once what is wrong. An editor accepts it (the value is
written as an ordinary change, kept in the history, naming the campaign) or rejects it. A territory
may let some fields through directly (its setting ``campaign_direct_fields``, e.g. ``["phone"]``):
those are written at once (``applied``), still in the history.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.campaigns import mark
from geo_clsm.store.records import validate_record
from geo_clsm.store.schema import campaign_corrections, resources, territory_settings
from geo_clsm.store.scope import ChangeCheck, Scope

CORRECTABLE: dict[str, str] = {
    "phone": "téléphone",
    "opening_hours": "horaires",
    "street": "adresse",
    "postcode": "code postal",
    "commune": "commune",
    "audience": "public accueilli",
    "age_min": "âge minimum",
    "age_max": "âge maximum",
    "wait_days": "délai d'attente (jours)",
    "accepts_new": "nouvelles demandes",
    "notice": "avis daté (fermeture, …)",
}
"""The fields a place may correct, with their French label: the record's CSV columns, and ``notice``
(its four columns ``notice_text``, ``notice_start``, ``notice_end``, ``notice_closed`` as one item,
stored as JSON: a notice is valid only whole)."""
NOTICE_COLUMNS = {"notice_text": "text", "notice_start": "start", "notice_end": "end", "notice_closed": "closed"}
DIRECT_SETTING = "campaign_direct_fields"
MAX_VALUE = 500


def author_for(campaign_id: int) -> str:
    return f"la structure (campagne n° {campaign_id})"


def direct_fields(conn: Connection, territory: str | None) -> frozenset[str]:
    """The fields the territory lets through without an editor (``campaign_direct_fields``)."""
    if not territory:
        return frozenset()
    row = conn.execute(
        sa.select(territory_settings.c.settings).where(territory_settings.c.territory == territory)
    ).first()
    chosen = (dict(row.settings) if row else {}).get(DIRECT_SETTING) or []
    return frozenset(f for f in chosen if f in CORRECTABLE) if isinstance(chosen, list) else frozenset()


def _notice_json(values: Mapping[str, Any]) -> str:
    """A notice's columns as the JSON of a correction ("" when there is no notice)."""
    text = " ".join(str(values.get("notice_text") or "").split())
    if not text:
        return ""
    closed = str(values.get("notice_closed") or "").strip().lower() in ("oui", "on", "true", "1")
    notice = {k: str(values.get(c) or "").strip() for c, k in NOTICE_COLUMNS.items() if k != "closed"}
    return json.dumps({**notice, "text": text, "closed": closed}, ensure_ascii=False, sort_keys=True)


def notice_fr(value: str) -> str:
    """A notice correction in words: « fermé pour travaux (du 2026-12-22 au 2027-01-02, lieu fermé) »."""
    if not value:
        return "aucun avis"
    n = json.loads(value)
    closed = ", lieu fermé" if n.get("closed") else ""
    return f"{n.get('text')} (du {n.get('start') or '?'} au {n.get('end') or '?'}{closed})"


def change_of(field: str, proposed: str) -> dict[str, Any]:
    """The change a correction writes (``notice`` as its object, or None to remove it)."""
    if field == "notice":
        return {"notice": json.loads(proposed) if proposed else None}
    return {field: proposed}


def changed_fields(record: Resource, posted: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """{field: (current, proposed)} for the correctable fields whose posted value differs."""
    row = resource_to_row(record)
    out = {}
    if "notice_text" in posted:
        old_notice, new_notice = _notice_json(row), _notice_json(posted)
        if len(new_notice) > 2 * MAX_VALUE:
            raise InvalidInputError(f"avis : {MAX_VALUE} caractères au plus")
        if old_notice != new_notice:
            out["notice"] = (old_notice, new_notice)
    for field in CORRECTABLE:
        if field not in posted:
            continue
        new = " ".join(str(posted[field]).split())
        old = "" if row.get(field) is None else str(row[field])
        if len(new) > MAX_VALUE:
            raise InvalidInputError(f"{CORRECTABLE[field]} : {MAX_VALUE} caractères au plus")
        if new != " ".join(old.split()):
            out[field] = (old, new)
    return out


def propose(
    engine: SqlEngine,
    recipient: Mapping[str, Any],
    posted: Mapping[str, str],
    *,
    communes: Mapping[str, CommunePoint],
) -> dict[str, list[str]]:
    """File the place's changes; returns {"queued": fields, "applied": fields}.

    Raises
    ------
    FieldError
        A proposed value the record cannot take (validated as an editor's change would be).
    """
    rid, cid = str(recipient["resource_id"]), int(recipient["campaign_id"])
    with engine.connect() as conn:
        record, _ = repo.get(conn, rid)
        direct = direct_fields(conn, record.territory)
    changes = changed_fields(record, posted)
    if not changes:
        return {"queued": [], "applied": []}
    # Each value alone must suit the record, the hours excepted: a place writes them in its own words,
    # which an editor turns into the opening-hours syntax.
    for field, (_, new) in changes.items():
        if field != "opening_hours":
            validate_record(change_of(field, new), base=record, communes=communes)
    now_direct = {f: v[1] for f, v in changes.items() if f in direct}
    history_id = None
    if now_direct:
        history_id = repo.update(
            engine,
            rid,
            {k: v for f, new in now_direct.items() for k, v in change_of(f, new).items()},
            author=author_for(cid),
            communes=communes,
            action="campaign",
            comment=f"corrigé par la structure (campagne n° {cid}) : {', '.join(CORRECTABLE[f] for f in now_direct)}",
        ).history_id
    with engine.begin() as conn:
        for field, (old, new) in changes.items():
            applied = field in now_direct
            conn.execute(
                sa.insert(campaign_corrections).values(
                    recipient_id=int(recipient["id"]),
                    campaign_id=cid,
                    resource_id=rid,
                    field=field,
                    current=old,
                    proposed=new,
                    created_at=repo.now(),
                    status="applied" if applied else "open",
                    handled_by=author_for(cid) if applied else None,
                    handled_at=repo.now() if applied else None,
                    history_id=history_id if applied else None,
                )
            )
        mark(conn, int(recipient["id"]), "corrected_at")
    return {"queued": [f for f in changes if f not in now_direct], "applied": list(now_direct)}


def list_corrections(
    engine: SqlEngine,
    *,
    status: str | None = "open",
    first_territories: Collection[str] = (),
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """Corrections (open ones by default; of ``scope``'s records when given), those of
    ``first_territories`` first, oldest first."""
    c = campaign_corrections.c
    q = (
        sa.select(
            campaign_corrections,
            resources.c.name.label("resource_name"),
            resources.c.commune.label("resource_commune"),
            resources.c.territory.label("territory"),
        )
        .join(resources, resources.c.id == c.resource_id, isouter=True)
        .order_by(repo.territories_first(resources.c.territory, first_territories), c.created_at, c.id)
    )
    if status:
        q = q.where(c.status == status)
    if scope is not None:
        q = q.where(scope.clause())
    with engine.connect() as conn:
        items = [dict(r._mapping) for r in conn.execute(q)]
    for item in items:
        item["label"] = CORRECTABLE.get(item["field"], item["field"])
        if item["field"] == "notice":
            item["current"], item["proposed"] = notice_fr(item["current"] or ""), notice_fr(item["proposed"])
    return items


def resolve(
    engine: SqlEngine,
    item_id: int,
    *,
    accept: bool,
    author: str,
    communes: Mapping[str, CommunePoint],
    check: ChangeCheck | None = None,
) -> dict[str, Any]:
    """Accept (write the proposed value, in the history naming the campaign) or reject an open item.
    An accepted value is a change of the record: it passes ``check`` (the account's rights) as
    :func:`geo_clsm.store.repo.update` does."""
    with engine.connect() as conn:
        item = conn.execute(sa.select(campaign_corrections).where(campaign_corrections.c.id == item_id)).first()
    if item is None:
        raise NotFoundError(f"correction inconnue n° {item_id}")
    if item.status != "open":
        raise InvalidInputError(f"correction n° {item_id} déjà traitée ({item.status})")
    history_id = None
    label = CORRECTABLE.get(item.field, item.field)
    if accept:
        history_id = repo.update(
            engine,
            item.resource_id,
            change_of(item.field, item.proposed),
            author=author,
            communes=communes,
            action="campaign",
            comment=f"{label} proposé par la structure (campagne n° {item.campaign_id}), accepté",
            check=check,
        ).history_id
    with engine.begin() as conn:
        conn.execute(
            sa.update(campaign_corrections)
            .where(campaign_corrections.c.id == item_id, campaign_corrections.c.status == "open")
            .values(
                status="accepted" if accept else "rejected",
                handled_by=author,
                handled_at=repo.now(),
                history_id=history_id,
            )
        )
    return {"id": item_id, "resource_id": item.resource_id, "status": "accepted" if accept else "rejected"}
