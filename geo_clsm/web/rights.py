"""Territory rights on the editor routes and screens: one dependency, one rule.

Every editor router is built with ``dependencies=[AUTHORISE]``: :func:`authorise` reads the route's
path parameters and refuses (403) a signed-in account that may not act on what they name —
``resource_id`` (a record: read for GET, edit otherwise), ``report_id`` (the reported record),
``item_id`` (the record of a disagreement), ``correction_id`` (the record a campaign's correction
changes), ``territory`` (administer it), ``sector_id`` and ``campaign_id`` (the territory the sector
or campaign names: read it for GET, edit it otherwise). A route adding such a parameter is covered
as soon as it is on one of these routers (a new kind of parameter goes into :data:`RECORD_PARAMS`,
:data:`TERRITORY_PARAMS` or :data:`TERRITORY_ROW_PARAMS`). Without a session it lets the route answer (401,
or the sign-in page). For a new router: ``APIRouter(..., dependencies=[AUTHORISE])``; in its
routes, ``rights_of(request, session.user)`` gives ``.scope`` for lists and ``.check`` for the
store's changes (or ``.record(r, EDIT)`` / ``.territory(t, EDIT)`` for other things).

Inside the routes, :func:`rights` gives the account's :class:`Rights`: ``scope`` filters the lists
(resources, review queue, reports, disagreements) and ``check`` is handed to every change of the
store (create, update, withdraw, verify, restore, import, official values), which asks it with the
record before and after, in the change's transaction: a move into a territory the account has no
rights on is refused there. The decision itself is :mod:`geo_clsm.store.rights`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.membership import scope_of
from geo_clsm.store.rights import (
    ADMIN,
    EDIT,
    READ,
    TerritoryMap,
    check_change,
    check_record,
    check_territory,
    territory_map,
)
from geo_clsm.store.schema import MAX_ID, campaign_corrections, campaigns, disagreements, reports, sectors
from geo_clsm.store.scope import Scope
from geo_clsm.store.users import User
from geo_clsm.web.deps import serving_engine
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.sessions import get_db, optional_session


@dataclass(frozen=True, slots=True)
class Rights:
    """What the signed-in ``user`` may do, over the places of the engine serving now."""

    user: User
    places: TerritoryMap
    db: SqlEngine

    @property
    def scope(self) -> Scope | None:
        """The filter of the account's lists (None: deployment-wide, every record): the records
        belonging to its territories by position, commune or name (membership brought up to date)."""
        return scope_of(self.user, self.places, self.db)

    def check(self, before: Resource | None, after: Resource) -> None:
        """The :data:`geo_clsm.store.scope.ChangeCheck` of this account (ForbiddenError: 403)."""
        check_change(self.user, self.places, before, after)

    def record(self, r: Resource, action: str = READ) -> None:
        check_record(self.user, self.places, r, action)

    def territory(self, territory: str, action: str = ADMIN) -> None:
        check_territory(self.user, action, territory)

    def first_territories(self) -> tuple[str, ...] | None:
        """A scoped account's own territories (None for a deployment-wide one)."""
        return None if self.user.deployment_wide else tuple(t for t, _ in self.user.territories)


def rights_of(request: Request, user: User) -> Rights:
    return Rights(user, territory_map(serving_engine(service_state(request)).catalog), get_db(request))


def rights(request: Request) -> Rights | None:
    """The signed-in account's rights (None without a session)."""
    session = optional_session(request)
    return None if session is None else rights_of(request, session.user)


RECORD_PARAMS: dict[str, sa.Table] = {
    "report_id": reports,
    "item_id": disagreements,
    "correction_id": campaign_corrections,
}
"""Path parameters naming a row (``id``) of a table whose ``resource_id`` is the record acted on.
A new kind of item about one record (a campaign's request, say) adds its parameter here."""
TERRITORY_PARAMS = ("territory",)
"""Path parameters naming a territory acted on as a whole (:data:`ADMIN` needed)."""
TERRITORY_ROW_PARAMS: dict[str, sa.Table] = {"sector_id": sectors, "campaign_id": campaigns}
"""Path parameters naming a row (``id``) of a table whose ``territory`` is the territory acted on
(:data:`READ` for GET, :data:`EDIT` otherwise; a row naming no territory is the deployment-wide
accounts')."""


def _row_territory(request: Request, name: str, table: sa.Table) -> tuple[bool, str | None]:
    """(found, its territory) of the row a :data:`TERRITORY_ROW_PARAMS` parameter names."""
    key: int | str = str(request.path_params[name])
    if isinstance(table.c.id.type, sa.Integer):
        if not _db_id(str(key)):
            return False, None  # the route says 422
        key = int(key)
    with get_db(request).connect() as conn:
        row = conn.execute(sa.select(table.c.territory).where(table.c.id == key)).first()
    return (False, None) if row is None else (True, row.territory)


def _db_id(raw: str) -> bool:
    """Whether ``raw`` is an id the database can hold (else the route's own bounds answer 422)."""
    return raw.isdigit() and int(raw) <= MAX_ID


def _record_id(request: Request) -> str | None:
    """The record a route's path parameters name, if any (``resource_id``, or a :data:`RECORD_PARAMS` row's)."""
    params = request.path_params
    if "resource_id" in params:
        return str(params["resource_id"])
    for name, table in RECORD_PARAMS.items():
        if name in params and _db_id(str(params[name])):
            with get_db(request).connect() as conn:
                found = conn.execute(sa.select(table.c.resource_id).where(table.c.id == int(params[name]))).scalar()
            return None if found is None else str(found)
    return None


def authorise(request: Request) -> None:
    """The one authorisation dependency of the editor routers (module docstring)."""
    mine = rights(request)
    if mine is None:
        return
    for name in TERRITORY_PARAMS:
        if name in request.path_params:
            mine.territory(str(request.path_params[name]), ADMIN)
    action = READ if request.method in ("GET", "HEAD") else EDIT
    for name, table in TERRITORY_ROW_PARAMS.items():
        if name in request.path_params:
            found, territory = _row_territory(request, name, table)
            if found:
                mine.territory(territory or "", action)
    rid = _record_id(request)
    if rid is None:
        return
    with get_db(request).connect() as conn:
        try:
            r, _ = repo.get(conn, rid)
        except NotFoundError:
            return  # the route says 404
    mine.record(r, action)


AUTHORISE = Depends(authorise)
