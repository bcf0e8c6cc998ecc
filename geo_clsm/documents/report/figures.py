"""Every figure of the diagnostic report, computed once, as plain rows.

:func:`compute_figures` is the one function the HTML, the PDF and the JSON read: supply
(counts and per-10k at territory, commune, QPV, department and France level), access (the
access engine's presented indicators, unchanged), partner indicators, sources and method.
Rows are plain dicts so that they can be exported as they are (CSV, spreadsheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from geo_clsm.access.params import AccessResult
from geo_clsm.access.present import present
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.departements import department_label, department_names
from geo_clsm.documents.content import TYPE_ORDER
from geo_clsm.documents.report.method import method_notes, sources_for
from geo_clsm.documents.report.national import National, load_national
from geo_clsm.documents.report.sectors import sector_figures
from geo_clsm.documents.report.supply import (
    DIRECTORY,
    count_types,
    in_communes,
    layer_differences,
    precision_by_type,
    qpv_members,
    supply_row,
)
from geo_clsm.exports.indicator_files import records
from geo_clsm.model.directory_figures import wait_by_type
from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.freshness import fresh_share
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType

REPORT_KINDS = ("pilot", "local")
"""Territories that have a diagnostic report (the national territory has none)."""


@dataclass
class ReportFigures:
    """The report's content as data: territory facts, then rows (plain dicts)."""

    territory: str
    name: str
    generated_on: date
    population: int
    communes: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    qpv: list[dict[str, Any]]
    types: list[str]
    supply: list[dict[str, Any]]
    access: list[dict[str, Any]]
    indicators: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    national_layer: str | None = None
    differences: list[dict[str, Any]] = field(default_factory=list)  # directory vs national layer, by type
    precision: list[dict[str, Any]] = field(default_factory=list)  # places at commune precision, by type
    sectors: list[dict[str, Any]] = field(default_factory=list)  # indicators by psychiatric sector, per QPV x type
    waits: list[dict[str, Any]] = field(default_factory=list)  # stated waits by type (median, how many stated)
    freshness: dict[str, Any] = field(default_factory=dict)  # records confirmed in the last 12 months

    def rows(self, scope: str, *, part: str = "supply", layer: str | None = None) -> list[dict[str, Any]]:
        """The ``supply`` or ``access`` rows of one scope (and layer)."""
        table = self.supply if part == "supply" else self.access
        return [r for r in table if r["scope"] == scope and (layer is None or r.get("layer") == layer)]

    def to_json(self) -> dict[str, Any]:
        """The report's figures as the API gives them (``?format=json``)."""
        keep = ("scope", "code", "type", "count", "per_10k", "layer")
        return {
            "territory": self.territory,
            "population": self.population,
            "supply": [{k: r[k] for k in keep} for r in self.supply],
            "access": self.access,
            "sources": self.sources,
            "indicators": self.indicators,
            "sectors": self.sectors,
            "waits": self.waits,
            "freshness": self.freshness,
        }


def report_territories(catalog: Catalog) -> list[str]:
    """The loaded territories that have a report (pilot and local ones with communes)."""
    with_communes = set(catalog.commune_table.attrs["territory"])
    return sorted(t.id for t in catalog.territories.values() if t.kind in REPORT_KINDS and t.id in with_communes)


def check_territory(catalog: Catalog, territory: str) -> None:
    """Raise a French :class:`NotFoundError` unless ``territory`` has a report."""
    known = report_territories(catalog)
    if territory not in known:
        raise NotFoundError(
            f"territoire « {territory} » sans diagnostic : choisir parmi {', '.join(known) or 'aucun territoire chargé'}"
        )


def compute_figures(
    catalog: Catalog,
    *,
    territory: str,
    access: AccessResult | None,
    national: National | None,
    generated_on: date,
    indicators: Sequence[dict[str, Any]] = (),
) -> ReportFigures:
    """All the figures of ``territory``'s report.

    ``access`` is the access engine's result for the territory (None: it has no QPV);
    ``national`` the national reference (None: no national layer, department and France
    rows are left out and the method section says so); ``indicators`` the partner
    indicators' rows for the territory (see :mod:`geo_clsm.documents.report.indicators`).
    """
    check_territory(catalog, territory)
    communes = catalog.communes_of(territory).drop_duplicates("insee_com")
    codes = set(communes["insee_com"].astype(str))
    pop = {
        str(c): int(p) for c, p in zip(communes["insee_com"], communes["population_municipale"].fillna(0), strict=True)
    }
    population = sum(pop.values())
    qpv = catalog.qpv[catalog.qpv["territory"] == territory].sort_values("code_qp")
    directory = in_communes((r for r in catalog.resources if r.type in PLACE_TYPES), codes)
    finess_here = in_communes(national.resources, codes) if national else []
    types = _report_types(directory, finess_here)
    name = catalog.territories[territory].name
    supply = _Supply(types)
    supply.add("territory", territory, name, directory, population, DIRECTORY)
    for rec in communes.sort_values("nom").itertuples():
        code = str(rec.insee_com)
        supply.add("commune", code, str(rec.nom), [r for r in directory if r.insee_com == code], pop[code], DIRECTORY)
    members = qpv_members(directory, qpv)
    for rec in qpv.itertuples():
        supply.add("qpv", str(rec.code_qp), str(rec.lib_qp), members[str(rec.code_qp)], None, DIRECTORY)
    departments = sorted({str(d) for d in communes["dep"]})
    if national is not None:
        supply.add("territory", territory, name, finess_here, population, national.layer.id)
        dep_rows = _national_rows(supply, national, departments)
    else:
        dep_rows = [
            {"code": d, "name": department_label(d, department_names()), "population": None} for d in departments
        ]
    return ReportFigures(
        territory=territory,
        name=name,
        generated_on=generated_on,
        population=population,
        communes=[
            {"insee_com": str(r.insee_com), "nom": str(r.nom), "dep": str(r.dep), "population": pop[str(r.insee_com)]}
            for r in communes.sort_values("nom").itertuples()
        ],
        departments=dep_rows,
        qpv=[
            {"code_qp": str(r.code_qp), "lib_qp": str(r.lib_qp), "insee_com": str(r.insee_com)}
            for r in qpv.itertuples()
        ],
        types=[t.value for t in types],
        supply=supply.rows,
        access=access_rows(access, types=types) if access is not None else [],
        indicators=list(indicators),
        sources=sources_for(catalog, territory=territory, national=national, indicators=indicators),
        method=method_notes(access, national=national, has_qpv=not qpv.empty),
        national_layer=national.layer.id if national else None,
        differences=layer_differences(directory, finess_here, types) if national else [],
        precision=precision_by_type(directory, types),
        sectors=sector_figures(access, types=types) if access is not None else [],
        waits=wait_by_type(directory),
        freshness=fresh_share(directory, generated_on),
    )


class _Supply:
    """Supply rows of the report's types, added area by area."""

    def __init__(self, types: Sequence[ResourceType]) -> None:
        self.types = types
        self.rows: list[dict[str, Any]] = []

    def add(
        self, scope: str, code: str, name: str, members: Sequence[Any], population: float | None, layer: str
    ) -> None:
        for t, n in count_types(members, self.types).items():
            self.rows.append(supply_row(scope, code, name, t, n, population, layer))


def _national_rows(supply: _Supply, national: National, departments: Sequence[str]) -> list[dict[str, Any]]:
    """Department and France rows from the national layer; the departments' facts."""
    layer = national.layer.id
    dep_of = national.department_of()
    facts = []
    names = department_names()
    for dep in departments:
        dep_pop = national.population_of(department=dep)
        facts.append({"code": dep, "name": department_label(dep, names), "population": dep_pop})
        members = [r for r in national.resources if dep_of.get(r.insee_com or "") == dep]
        supply.add("department", dep, department_label(dep, names), members, dep_pop, layer)
    supply.add("france", "FR", "France", national.resources, national.population_of(), layer)
    return facts


def _report_types(*groups: Sequence[Any]) -> list[ResourceType]:
    """Types of place present in any of ``groups`` (by the model's type rule), in the guide's order."""
    order = [t for t in TYPE_ORDER if t in PLACE_TYPES] + [t for t in PLACE_TYPES if t not in TYPE_ORDER]
    return [t for t in order if any(r.matches_type(t) for g in groups for r in g)]


def access_rows(result: AccessResult, *, types: Sequence[ResourceType]) -> list[dict[str, Any]]:
    """The access engine's presented figures (:func:`geo_clsm.access.present`), as rows.

    ``scope`` is ``qpv`` (one QPV), ``qpv_ensemble`` (all the territory's QPV), ``hors_qpv``
    (the rest of the territory) or ``commune`` (2SFCA per commune); ``code``, ``name`` and
    ``type`` name the row, every other field is the engine's column, unchanged.
    """
    wanted = {t.value for t in types}
    out: list[dict[str, Any]] = []
    qpv = present(pd.DataFrame(result.qpv.drop(columns="geometry")))
    for rec in records(qpv[qpv["resource_type"].isin(wanted)].sort_values(["resource_type", "gap_rank", "code_qp"])):
        out.append(_named("qpv", rec.pop("code_qp"), rec.pop("lib_qp"), rec))
    rest = present(result.rest)
    for rec in records(rest[rest["resource_type"].isin(wanted)]):
        zone = rec.pop("zone")
        scope = "qpv_ensemble" if zone == "qpv" else "hors_qpv"
        label = "Ensemble des QPV" if zone == "qpv" else "Reste du territoire (hors QPV)"
        out.append(_named(scope, result.territory, label, rec))
    communes = present(result.communes)
    for rec in records(communes[communes["resource_type"].isin(wanted)]):
        out.append(_named("commune", rec.pop("insee_com"), rec.pop("nom"), rec))
    return out


def _named(scope: str, code: Any, name: Any, rec: dict[str, Any]) -> dict[str, Any]:
    rec.pop("territory", None)
    rtype = rec.pop("resource_type")
    return {"scope": scope, "code": str(code), "name": str(name), "type": rtype, **rec}


def report_figures(
    catalog: Catalog,
    *,
    territory: str,
    access: AccessResult | None,
    generated_on: date,
    indicators: Sequence[dict[str, Any]] = (),
) -> ReportFigures:
    """Every figure of ``territory``'s report, with the national reference of ``catalog``'s layers."""
    check_territory(catalog, territory)
    return compute_figures(
        catalog,
        territory=territory,
        access=access,
        national=load_national(catalog),
        generated_on=generated_on,
        indicators=indicators,
    )
