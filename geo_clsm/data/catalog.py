"""The Catalog: everything loaded for the service (territories, resources, QPV, communes,
reports), as :func:`geo_clsm.data.layers.load_catalog` builds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo_clsm.data.compact import CommuneTable
from geo_clsm.data.importers.report import ImportReport
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.manifest import LayerInfo, Territory
from geo_clsm.model.resource import Resource
from geo_clsm.model.sector import Sector


@dataclass(init=False, eq=False)
class Catalog:
    """Everything loaded for the service: territories, resources, QPV, communes, reports.

    Geometries are WGS84 (EPSG:4326); metric work re-projects them (see ``crs``). The communes
    are held compactly (:class:`~geo_clsm.data.compact.CommuneTable`, geometries built when
    asked for): :attr:`communes` builds the whole GeoDataFrame on first use, :meth:`communes_of`
    only the rows of some territories.
    """

    data_dir: Path
    layers: dict[str, LayerInfo]
    territories: dict[str, Territory]
    resources: list[Resource]
    qpv: gpd.GeoDataFrame
    commune_table: CommuneTable
    """Communes of every territory, pilot territories' rows first."""
    mairies: Mapping[str, CommunePoint]
    reports: dict[str, ImportReport[Any]]
    replaced: list[tuple[str, str]]
    population: gpd.GeoDataFrame | None
    """Population points (WGS84): ``population``, ``cell_m`` (grid cell size) and ``territory``."""
    sectors: tuple[Sector, ...]
    """Psychiatric sectors, from the database of record (the layers ship none: no public source)."""

    def __init__(
        self,
        data_dir: Path,
        layers: dict[str, LayerInfo],
        territories: dict[str, Territory],
        resources: list[Resource],
        qpv: gpd.GeoDataFrame,
        communes: gpd.GeoDataFrame | None = None,
        mairies: Mapping[str, CommunePoint] | None = None,
        reports: dict[str, ImportReport[Any]] | None = None,
        replaced: list[tuple[str, str]] | None = None,
        population: gpd.GeoDataFrame | None = None,
        *,
        commune_table: CommuneTable | None = None,
        sectors: tuple[Sector, ...] = (),
    ) -> None:
        if commune_table is None and communes is None:
            raise TypeError("Catalog: communes or commune_table is required")
        self.data_dir, self.layers, self.territories, self.resources = data_dir, layers, territories, resources
        self.qpv, self.population = qpv, population
        self.commune_table = CommuneTable(communes) if commune_table is None else commune_table
        self.mairies = {} if mairies is None else mairies
        self.reports = {} if reports is None else reports
        self.replaced = [] if replaced is None else replaced
        self.sectors = tuple(sectors)

    def __getstate__(self) -> dict[str, Any]:
        # What is derived (the whole communes frame, the resources by id) is not pickled.
        return {k: v for k, v in self.__dict__.items() if k not in ("communes", "resources_by_id")}

    @cached_property
    def communes(self) -> gpd.GeoDataFrame:
        """Communes of every territory, pilot territories' rows first (the whole GeoDataFrame,
        built on first use: prefer :meth:`communes_of` or :attr:`commune_table`)."""
        return self.commune_table.frame()

    def communes_of(self, *territories: str) -> gpd.GeoDataFrame:
        """The communes of these territories (rows in the catalog's order)."""
        built = self.__dict__.get("communes")
        if built is not None:
            return built[built["territory"].isin(territories)]
        return self.commune_table.frame(self.commune_table.rows_in(territories))

    @cached_property
    def resources_by_id(self) -> dict[str, Resource]:
        return {r.id: r for r in self.resources}

    def counts(self) -> dict[str, Any]:
        by_territory: dict[str, int] = {}
        for r in self.resources:
            by_territory[r.territory or ""] = by_territory.get(r.territory or "", 0) + 1
        return {
            "resources": len(self.resources),
            "resources_by_territory": by_territory,
            "qpv": len(self.qpv),
            "communes": len(self.commune_table),
        }

    def place_parts(self) -> tuple[object, ...]:
        """What the places of the catalog are (communes, town halls, QPV, the layers read, the
        territories): two catalogs with these same objects (an editor's change only gives other
        resources) share what is built from them, the Locator and the geocoder."""
        return (self.commune_table, self.mairies, self.qpv, self.layers, self.territories, self.data_dir)


def same_objects(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether two tuples hold the very same objects, one by one."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
