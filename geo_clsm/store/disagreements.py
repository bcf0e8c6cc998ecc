"""Disagreements between an official source (FINESS) and records curated by editors.

``geo-clsm data update`` never overwrites a curated record: where the official values differ
(address, postcode, commune, phone, or a position more than 10 m away) it files one item per
record in the editors' review queue. An editor then *accepts* (the official values are written,
as an ordinary change kept in the history) or *keeps* the curated values (a history entry says
so, and the same official values are not asked about again).

A record is curated when a person edited it in the database, or when it belongs to a pilot
territory (its registry is maintained by the CLSM).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.changes import MOVE_THRESHOLD_M, distance_m
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.records import from_row
from geo_clsm.store.schema import disagreements, history, resources
from geo_clsm.store.scope import ChangeCheck, Scope

# Compared fields, with their French label; "position" stands for lon/lat and their precision and source.
FIELDS = {"street": "adresse", "postcode": "code postal", "commune": "commune", "phone": "téléphone"}
POSITION_COLUMNS = ("lon", "lat", "position_precision", "position_source")
LABELS = {**FIELDS, "position": "position"}
DECISIONS = {"accept": "accepted", "keep": "kept"}


def _norm(v: Any) -> str:
    return " ".join(str(v or "").split()).casefold()


def differences(curated: Resource, official: Resource) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """({field: {"curated", "official"}}, the official columns to write) where ``official`` says otherwise.

    A field the official source leaves empty is not a disagreement.
    """
    diffs: dict[str, dict[str, str]] = {}
    values: dict[str, str] = {}
    row = resource_to_row(official)
    for field in FIELDS:
        theirs = getattr(official, field)
        if theirs and _norm(theirs) != _norm(getattr(curated, field)):
            diffs[field] = {"curated": str(getattr(curated, field) or ""), "official": str(theirs)}
            values[field] = str(row[field])
    d = distance_m(curated, official)
    if official.position is not None and row["lon"] != "" and (d is None or d > MOVE_THRESHOLD_M):
        here = curated.position
        diffs["position"] = {
            "curated": "aucune" if here is None else f"{here.lat:.5f}, {here.lon:.5f}",
            "official": f"{official.position.lat:.5f}, {official.position.lon:.5f}"
            + ("" if d is None else f" (à {d:.0f} m)"),
        }
        values.update({k: str(row[k]) for k in POSITION_COLUMNS})
    return diffs, values


def file_disagreements(
    engine: SqlEngine,
    official: Iterable[Resource],
    *,
    source: str,
    version: str,
    curated_territories: Collection[str] = (),
) -> int:
    """File the disagreements of ``official`` records with curated ones; returns how many are new.

    An open item on the same record is replaced (``superseded``) by the newer one; values an
    editor already chose to keep, or an identical open item, are not filed again.
    """
    by_number = {r.finess_et: r for r in official if r.finess_et}
    if not by_number:
        return 0
    filed = 0
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(resources).where(resources.c.finess_et.in_(list(by_number)), resources.c.status == repo.ACTIVE)
        ).all()
        for row in rows:
            if not (row.edited or row.territory in curated_territories):
                continue  # not curated: the shipped layers (and the seed) follow the official source
            diffs, values = differences(from_row(row._mapping), by_number[row.finess_et])
            if not diffs:
                continue
            earlier = conn.execute(
                sa.select(disagreements.c.id, disagreements.c.status, disagreements.c.fields).where(
                    disagreements.c.resource_id == row.id, disagreements.c.status.in_(("open", "kept"))
                )
            ).all()
            if any(e.fields == diffs for e in earlier):
                continue
            stale = [e.id for e in earlier if e.status == "open"]
            if stale:
                conn.execute(sa.update(disagreements).where(disagreements.c.id.in_(stale)).values(status="superseded"))
            conn.execute(
                sa.insert(disagreements).values(
                    resource_id=row.id,
                    source=source,
                    version=version,
                    official_id=row.finess_et,
                    fields=diffs,
                    official=values,
                    created_at=repo.now(),
                    status="open",
                )
            )
            filed += 1
    return filed


def summary_fr(item: Mapping[str, Any]) -> str:
    """ "FINESS indique une autre adresse, un autre téléphone" (plain words for the queue)."""
    names = [LABELS.get(f, f) for f in item["fields"]]
    return f"{str(item['source']).upper()} indique une autre valeur : {', '.join(names)}"


def list_disagreements(
    engine: SqlEngine, *, status: str | None = "open", scope: Scope | None = None
) -> list[dict[str, Any]]:
    """Items (open ones by default), oldest first, with the record's name and commune (only those
    on records of ``scope`` when given)."""
    q = (
        sa.select(disagreements, resources.c.name.label("resource_name"), resources.c.commune.label("resource_commune"))
        .join(resources, resources.c.id == disagreements.c.resource_id, isouter=True)
        .order_by(disagreements.c.created_at, disagreements.c.id)
    )
    if status:
        q = q.where(disagreements.c.status == status)
    if scope is not None:
        q = q.where(scope.clause())
    with engine.connect() as conn:
        items = [dict(r._mapping) for r in conn.execute(q)]
    for item in items:
        item["summary"] = summary_fr(item)
    return items


def resolve(
    engine: SqlEngine,
    item_id: int,
    *,
    decision: str,
    author: str,
    communes: Mapping[str, CommunePoint],
    check: ChangeCheck | None = None,
) -> dict[str, Any]:
    """Accept (write the official values) or keep (leave the record) an open item; both go in the history.

    Raises
    ------
    NotFoundError
        No such item.
    InvalidInputError
        Unknown decision, or an item already handled.
    """
    if decision not in DECISIONS:
        raise InvalidInputError(f"décision « {decision} » inconnue : accept ou keep")
    with engine.connect() as conn:
        item = conn.execute(sa.select(disagreements).where(disagreements.c.id == item_id)).first()
    if item is None:
        raise NotFoundError(f"désaccord inconnu n° {item_id}")
    if item.status != "open":
        raise InvalidInputError(f"désaccord n° {item_id} déjà traité ({item.status})")
    source = str(item.source).upper()
    fields = ", ".join(LABELS.get(f, f) for f in item.fields)
    if decision == "accept":
        repo.update(
            engine,
            item.resource_id,
            dict(item.official),
            author=author,
            communes=communes,
            action="official",
            comment=f"valeurs {source} acceptées ({fields}), version {item.version}",
            check=check,
        )
    with engine.begin() as conn:
        if decision == "keep":
            if check is not None:
                kept, _ = repo.get(conn, item.resource_id)
                check(kept, kept)
            told = "; ".join(f"{LABELS.get(f, f)} : {v['official']}" for f, v in item.fields.items())
            conn.execute(
                sa.insert(history).values(
                    resource_id=item.resource_id,
                    action="keep",
                    author=author,
                    at=repo.now(),
                    before=None,
                    after=None,
                    comment=f"valeurs de la fiche conservées ; {source} indiquait : {told}",
                )
            )
        conn.execute(
            sa.update(disagreements)
            .where(disagreements.c.id == item_id)
            .values(status=DECISIONS[decision], handled_by=author, handled_at=repo.now())
        )
    return {"id": item_id, "resource_id": item.resource_id, "status": DECISIONS[decision]}
