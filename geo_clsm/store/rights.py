"""Who may do what, where: roles scoped to territories (issue 31), decided in one place.

**Accounts.** An account without territory roles is deployment-wide: ``admin`` (accounts,
territories, every record) or ``editor`` (every record; what every editor was before roles were
scoped). A scoped account is ``editor`` or ``admin`` of each territory it names, and nothing else.

**Actions.** :data:`READ` a record with its internal fields (notes, confidential address), its
history, its reports and disagreements; :data:`EDIT` it (change, withdraw, verify, restore, handle
its reports and disagreements, import it); :data:`ADMIN` a territory (its settings). A territory's
editor may read and edit; its admin may also administer it.

**Where a record belongs** (:meth:`TerritoryMap.of_record`): to the local territories (pilot or
added ones) that contain its position, that contain its commune (``insee_com``), or that it names
(``territory``). The national territory is nobody's but the deployment-wide accounts': a national
record (FINESS, GISCO: ``territory`` names the national territory) outside every local territory is
changed by deployment-wide accounts only; inside a local territory, that territory's editors may
change it — their change marks it as curated, so a national update never overwrites it (its
differences go to their review queue): a local override.

**The rule** (:func:`may`, :func:`may_change`): an action on a record needs the right on one of the
territories it belongs to; a change that moves it (the territories it belongs to before and after
differ) needs the right on every territory it enters or leaves — moving a record from one
territory to another needs rights on both; a new record needs the right on every territory it
will belong to.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
import shapely

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.compact import CommuneTable
from geo_clsm.model.errors import ForbiddenError
from geo_clsm.model.resource import Resource
from geo_clsm.store.users import User

READ, EDIT, ADMIN = "read", "edit", "admin"
ACTIONS = (READ, EDIT, ADMIN)
GRANTS = {"editor": frozenset({READ, EDIT}), "admin": frozenset({READ, EDIT, ADMIN})}


class TerritoryMap:
    """Which local territories contain a commune or a point (built once per set of places)."""

    def __init__(self, catalog: Catalog) -> None:
        self.national = frozenset(t for t, terr in catalog.territories.items() if terr.kind == "national")
        self.local = frozenset(catalog.territories) - self.national
        table = catalog.commune_table
        terr = table.attrs["territory"].astype(str)
        rows = np.flatnonzero(terr.isin(sorted(self.local)).to_numpy(dtype=bool))
        codes = table.attrs["insee_com"].astype(str).to_numpy()
        self._row_territory = [terr.iloc[int(i)] for i in rows]
        self._by_commune: dict[str, set[str]] = {}
        self._communes: dict[str, set[str]] = {}
        for i, t in zip(rows.tolist(), self._row_territory, strict=True):
            self._by_commune.setdefault(str(codes[i]), set()).add(t)
            self._communes.setdefault(t, set()).add(str(codes[i]))
        self._geoms = table.geometries(rows) if len(rows) else np.empty(0, dtype=object)
        self._tree = shapely.STRtree(self._geoms)

    def at(self, lon: float, lat: float) -> set[str]:
        """The local territories whose communes contain the point (WGS84)."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return {self._row_territory[int(i)] for i in hits.tolist()}

    def of_record(self, r: Resource) -> frozenset[str]:
        """The territories a record belongs to (module docstring); the national one is never among them."""
        pos = r.position
        return self.of_rows(
            [(r.territory, r.insee_com, None if pos is None else pos.lon, None if pos is None else pos.lat)]
        )[0]

    def of_rows(
        self, rows: Sequence[tuple[str | None, str | None, float | None, float | None]]
    ) -> list[frozenset[str]]:
        """The territories each (territory, insee_com, lon, lat) belongs to: THE definition of where a
        record belongs (module docstring), for one record (:meth:`of_record`) or many at once (the
        stored membership the lists read, :mod:`geo_clsm.store.membership`)."""
        out: list[set[str]] = []
        for territory, insee_com, _, _ in rows:
            found: set[str] = set()
            if territory and territory not in self.national:
                found.add(territory)
            if insee_com:
                found |= self._by_commune.get(insee_com, set())
            out.append(found)
        placed = [i for i, (_, _, lon, lat) in enumerate(rows) if lon is not None and lat is not None]
        if placed and len(self._geoms):
            xy = np.array([(rows[i][2], rows[i][3]) for i in placed], dtype=float)
            hits = self._tree.query(shapely.points(xy), predicate="intersects")
            for k, g in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
                out[placed[k]].add(self._row_territory[int(g)])
        return [frozenset(s) for s in out]

    @property
    def fingerprint(self) -> str:
        """Names these places (the local territories, their communes, the national ones): the stored
        membership computed with other places is computed again."""
        text = "|".join(f"{t}:{','.join(sorted(self._communes.get(t, ())))}" for t in sorted(self.local))
        text += "#" + ",".join(sorted(self.national))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

    def communes_of(self, territories: Iterable[str]) -> set[str]:
        """The commune codes of these local territories."""
        return set().union(*(self._communes.get(t, set()) for t in territories))


_MAPS: weakref.WeakKeyDictionary[CommuneTable, tuple[dict[str, Any], TerritoryMap]] = weakref.WeakKeyDictionary()


def territory_map(catalog: Catalog) -> TerritoryMap:
    """The :class:`TerritoryMap` of a catalog's places (shared by the catalogs an edit derives)."""
    cached = _MAPS.get(catalog.commune_table)
    if cached is not None and cached[0] is catalog.territories:
        return cached[1]
    built = TerritoryMap(catalog)
    _MAPS[catalog.commune_table] = (catalog.territories, built)
    return built


def may(user: User, action: str, territories: Collection[str]) -> bool:
    """Whether ``user`` may do ``action`` on what belongs to ``territories`` (one of them suffices).

    A deployment-wide admin may do anything; a deployment-wide editor may read and edit anything
    (nothing belongs to no territory for them); a scoped account needs the right on one of
    ``territories`` — so never on what belongs to none (a national record outside every local one).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user.deployment_wide:
        return user.role == "admin" or action in GRANTS["editor"]
    scopes = user.scopes
    return any(action in GRANTS.get(scopes.get(t, ""), frozenset()) for t in territories)


def may_change(user: User, before: Collection[str] | None, after: Collection[str] | None) -> bool:
    """Whether ``user`` may change a record belonging to ``before`` (None: a new record) so that
    it belongs to ``after`` (None: unchanged territories): :data:`EDIT` on one of ``before``, on one
    of ``after``, and on every territory it enters or leaves (a new record enters all of ``after``)."""
    if after is None:
        return before is None or may(user, EDIT, before)
    if not may(user, EDIT, after):
        return False
    if before is None:  # a new record enters every territory it belongs to
        return all(may(user, EDIT, (t,)) for t in after)
    if not may(user, EDIT, before):
        return False
    return all(may(user, EDIT, (t,)) for t in set(before) ^ set(after))


def names(territories: Collection[str]) -> str:
    return ", ".join(sorted(territories)) or "aucun territoire local (fiche nationale)"


def check_record(user: User, tmap: TerritoryMap, r: Resource, action: str = READ) -> None:
    """:class:`ForbiddenError` (French) unless ``user`` may do ``action`` on the record ``r``."""
    where = tmap.of_record(r)
    if not may(user, action, where):
        raise ForbiddenError(
            f"fiche « {r.id} » hors de vos territoires : elle relève de {names(where)} ; "
            "demander à un éditeur de ce territoire ou à un administrateur"
        )


def check_change(user: User, tmap: TerritoryMap, before: Resource | None, after: Resource | None) -> None:
    """:class:`ForbiddenError` (French) unless ``user`` may turn ``before`` (None: new) into ``after``."""
    was = None if before is None else tmap.of_record(before)
    will = None if after is None else tmap.of_record(after)
    if may_change(user, was, will):
        return
    if was is not None and not may(user, EDIT, was):
        assert before is not None
        check_record(user, tmap, before, EDIT)
    rid = after.id if after is not None else before.id if before is not None else "?"
    raise ForbiddenError(
        f"fiche « {rid} » : ce changement la place dans {names(will or ())} ; il faut des droits d'édition "
        f"sur chaque territoire qu'elle quitte ou rejoint ({names(set(was or ()) ^ set(will or ()))})"
    )


def check_territory(user: User, action: str, territory: str) -> None:
    """:class:`ForbiddenError` (French) unless ``user`` may do ``action`` on ``territory`` itself."""
    if not may(user, action, (territory,)):
        if not territory:
            raise ForbiddenError("sans territoire : réservé aux comptes de tout le déploiement")
        if action == ADMIN:
            raise ForbiddenError(
                f"territoire « {territory} » : réservé aux administrateurs de ce territoire ou du déploiement"
            )
        raise ForbiddenError(f"territoire « {territory} » : ce compte n'en est pas éditeur")


def scope_territories(user: User) -> frozenset[str] | None:
    """The territories a scoped account may read (None: deployment-wide, every record)."""
    if user.deployment_wide:
        return None
    return frozenset(t for t, role in user.territories if READ in GRANTS.get(role, frozenset()))
