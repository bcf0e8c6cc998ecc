"""Where our data lists a resource type exhaustively, for the France-wide indicators.

A distance to the nearest CSAPA means something only where our directory lists every CSAPA:
elsewhere it measures a hole in the directory, not a gap in care. A layer states in the
manifest the types it lists exhaustively (``covers_types``): the national layer everywhere,
a territory's curated registry in that territory's communes. A commune x type is *covered*
when one loaded layer claims the type there; otherwise its figures are empty and
``coverage`` says why (French label). A department, or France, gets figures for a type only
when every one of its communes is covered; partly covered, it gets the covered share of its
population and no figure (a mean over the covered part would pass for the whole).

Resources count as supply wherever they are, covered or not (a CMP in a curated registry is
still a CMP): coverage only decides where a figure may be published.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo_clsm.data.catalog import Catalog
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

NATIONAL = "couche nationale"
COVERED = "recensé"
UNCOVERED = "non recensé par la couche nationale"
COMMUNE_VALUES = ("mean_m", "p50_m", "p90_m", "max_m", "walk_minutes_mean", "sfca", "sfca_per_10k")
QPV_KEEP = ("code_qp", "lib_qp", "insee_com", "territory", "resource_type", "catchment_m", "n_sample_points")


@dataclass(frozen=True)
class CoverageClaim:
    """One layer's claim: it lists ``types`` exhaustively in ``communes`` (None: everywhere)."""

    layer: str
    territory: str
    label: str
    """Who claims it, in French: « couche nationale » or « registre local (Eurométropole de Metz) »."""
    types: frozenset[str]
    communes: frozenset[str] | None


@dataclass(frozen=True)
class Coverage:
    """Every claim of the loaded layers."""

    claims: tuple[CoverageClaim, ...]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Coverage:
        """The claims of the catalog's resource layers (``covers_types`` in the manifest)."""
        claims = []
        attrs = catalog.commune_table.attrs
        territory_of = attrs["territory"].astype(str).to_numpy()
        codes = attrs["insee_com"].astype(str).to_numpy()
        for terr in catalog.territories.values():
            for ref in terr.layers:
                lay = catalog.layers.get(ref)
                types = lay.types_covered(terr.id) if lay is not None and lay.kind == "resources" else frozenset()
                if not types:
                    continue
                national = terr.kind == "national"
                claims.append(
                    CoverageClaim(
                        layer=ref,
                        territory=terr.id,
                        label=NATIONAL if national else f"registre local ({terr.name})",
                        types=frozenset(types),
                        communes=None if national else frozenset(codes[territory_of == terr.id]),
                    )
                )
        return cls(tuple(claims))

    @classmethod
    def everywhere(cls, types: Iterable[ResourceType | str], *, label: str = NATIONAL) -> Coverage:
        """Every type of ``types`` covered in every commune (one national claim)."""
        return cls((CoverageClaim("*", "*", label, frozenset(str(ResourceType(t).value) for t in types), None),))

    def table(self, insee_com: Sequence[str], types: Sequence[ResourceType]) -> pd.DataFrame:
        """One row per commune x type (communes vary fastest within a type, as the zones'
        frames): ``insee_com``, ``resource_type``, ``covered`` and ``coverage`` (French)."""
        codes = np.asarray(insee_com, dtype=str)
        why = np.full(len(codes), UNCOVERED, dtype=object)
        for claim in self.claims:  # a pilot commune: its registry is silent too
            if claim.communes is not None:
                inside = np.isin(codes, list(claim.communes))
                why[inside] = [f"{w} ni par le {claim.label}" for w in why[inside]]
        parts = []
        for rtype in types:
            labels = np.full(len(codes), "", dtype=object)
            for claim in self.claims:
                if rtype.value not in claim.types:
                    continue
                inside = np.ones(len(codes), bool) if claim.communes is None else np.isin(codes, list(claim.communes))
                new = inside & (labels == "")
                labels[new] = f"{COVERED} : {claim.label}"
            covered = labels != ""
            labels[~covered] = why[~covered]
            parts.append(
                pd.DataFrame({"insee_com": codes, "resource_type": rtype.value, "covered": covered, "coverage": labels})
            )
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def where(self, rtype: ResourceType | str) -> list[str]:
        """Labels of the claims covering a type (« couche nationale », « registre local (…) »)."""
        value = ResourceType(rtype).value
        return [c.label for c in self.claims if value in c.types]

    def problems(self, resources: Sequence[Resource]) -> list[str]:
        """Claims the data do not back: a type claimed by a layer with no placed resource of
        that type from the claiming territory (a claim with nothing to measure to)."""
        out = []
        for claim in self.claims:
            mine = [r for r in resources if r.territory == claim.territory and r.public_position() is not None]
            for t in sorted(claim.types):
                if not any(r.matches_type(t) for r in mine):
                    out.append(f"{claim.label} : recensement exhaustif de {t} déclaré, mais aucune ressource placée")
        return out


def zone_needs(covered: np.ndarray, members: np.ndarray, codes: np.ndarray, qpv_codes: Iterable[str]) -> list[bool]:
    """Per type (rows of ``covered``, types x communes): whether a zone must be computed, i.e.
    one of its communes (``members``) or of its QPV's communes (``qpv_codes``) is covered."""
    q = np.isin(codes, [c.strip() for codes_ in qpv_codes for c in str(codes_).split(",")])
    return [bool(row[members].any() or row[q].any()) for row in covered]


def mask_communes(indicators: pd.DataFrame, cover: pd.DataFrame) -> pd.DataFrame:
    """The commune rows with ``covered`` and ``coverage``; figures emptied where not covered."""
    if indicators.empty:
        return indicators
    out = indicators.merge(cover, on=["insee_com", "resource_type"], how="left", validate="many_to_one")
    out["covered"] = out["covered"].fillna(False).astype(bool)
    out["coverage"] = out["coverage"].fillna(UNCOVERED)
    values = [c for c in out.columns if c in COMMUNE_VALUES or c.endswith("_share")]
    out.loc[~out["covered"], values] = np.nan
    return out


def mask_qpv(table: pd.DataFrame, cover: pd.DataFrame) -> pd.DataFrame:
    """QPV rows: covered when every commune of the QPV is (``insee_com`` may list several)."""
    if table.empty:
        return table
    pairs = pd.DataFrame(
        {"insee_com": table["insee_com"].astype(str).str.split(","), "resource_type": table["resource_type"].to_numpy()}
    )
    pairs["row"] = np.arange(len(pairs))
    pairs = pairs.explode("insee_com")
    pairs["insee_com"] = pairs["insee_com"].str.strip()
    pairs = pairs.merge(cover, on=["insee_com", "resource_type"], how="left")
    pairs["covered"] = pairs["covered"].fillna(False).astype(bool)
    pairs["coverage"] = pairs["coverage"].fillna(UNCOVERED)
    pairs = pairs.sort_values(["row", "covered"], kind="stable")  # an uncovered commune's label first
    by_row = pairs.groupby("row", sort=True)
    out = table.copy()
    out["covered"] = by_row["covered"].all().to_numpy()
    out["coverage"] = by_row["coverage"].first().to_numpy()
    gone = ~out["covered"].to_numpy()
    for col in [c for c in out.columns if c not in (*QPV_KEEP, "covered", "coverage", "geometry")]:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("boolean")
        elif not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object)
        elif not pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].astype(float)
        out.loc[gone, col] = pd.NA if str(out[col].dtype) == "boolean" else None if out[col].dtype == object else np.nan
    return out


def group_coverage(indicators: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group (``keys``: type, and department): population and communes covered, the
    covered share of the population (of the communes when it has none), ``covered`` (every
    commune) and ``coverage`` (French)."""
    t = indicators.assign(
        pop_cov=indicators["population"].where(indicators["covered"], 0.0),
        n_cov=indicators["covered"].astype(int),
    )
    g = t.groupby(keys, sort=True).agg(
        population=("population", "sum"), pop_cov=("pop_cov", "sum"), n=("covered", "size"), n_cov=("n_cov", "sum")
    )
    share = (g["pop_cov"] / g["population"].where(g["population"] > 0)).fillna(g["n_cov"] / g["n"])
    out = pd.DataFrame(index=g.index)
    out["population_covered"] = g["pop_cov"]
    out["coverage_share"] = share
    out["covered"] = g["n_cov"] == g["n"]
    out["coverage"] = [_group_label(c, n, s) for c, n, s in zip(out["covered"], g["n_cov"], share, strict=True)]
    return out


def _group_label(covered: bool, n_covered: int, share: float) -> str:
    if covered:
        return COVERED
    if n_covered == 0:
        return UNCOVERED
    return f"recensé seulement sur une partie ({round(share * 100):d} % de la population) : pas de valeur d'ensemble"


def coverage_notes(
    indicators: pd.DataFrame, coverage: Coverage, types: Sequence[ResourceType], *, resources: Sequence[Resource] = ()
) -> list[str]:
    """One note per type not covered everywhere (where it is; elsewhere no figure), and per
    claim the data do not back (:meth:`Coverage.problems`)."""
    notes = coverage.problems(resources) if resources else []
    for row in coverage_summary(indicators, coverage, types):
        if row["covered_everywhere"]:
            continue
        where = ", ".join(row["covered_by"]) or "aucune couche chargée"
        notes.append(
            f"{row['resource_type']} : recensé de façon exhaustive seulement par {where} "
            f"({round(row['coverage_share'] * 100):d} % de la population) ; ailleurs, pas de valeur"
        )
    return notes


def coverage_summary(
    indicators: pd.DataFrame, coverage: Coverage, types: Sequence[ResourceType]
) -> list[dict[str, Any]]:
    """Per type: where it is covered (the claims), communes and population covered, label."""
    if indicators.empty:
        return []
    g = group_coverage(indicators, ["resource_type"])
    out = []
    for t in types:
        if t.value not in g.index:
            continue
        row = g.loc[t.value].to_dict()
        out.append(
            {
                "resource_type": t.value,
                "covered_everywhere": bool(row["covered"]),
                "covered_by": coverage.where(t),
                "n_communes_covered": int(indicators.loc[indicators["resource_type"] == t.value, "covered"].sum()),
                "population_covered": float(row["population_covered"]),
                "coverage_share": float(row["coverage_share"]),
                "coverage": str(row["coverage"]),
            }
        )
    return out
