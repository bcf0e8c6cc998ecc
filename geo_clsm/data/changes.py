"""What an update changes: one row per added, removed, moved or changed record.

Records are matched by their stable official identifier (FINESS number, QPV code, INSEE code).
Moves are measured in metres in the point's projected CRS.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo_clsm.exports.sheet_safety import neutralise
from geo_clsm.geo.crs import projected_crs_for, to_projected
from geo_clsm.model.resource import Resource

MOVE_THRESHOLD_M = 10.0
COLUMNS = ("change", "id", "finess_et", "name", "detail")
# Resource fields compared, with their French label in the report.
RESOURCE_FIELDS = {
    "name": "nom",
    "type": "type",
    "street": "adresse",
    "postcode": "code postal",
    "commune": "commune",
    "phone": "téléphone",
    "website": "site web",
}


@dataclass(frozen=True, slots=True)
class Change:
    change: str  # added, removed, moved, changed
    id: str
    finess_et: str
    name: str
    detail: str


def distance_m(a: Resource, b: Resource) -> float | None:
    pa, pb = a.position, b.position
    if pa is None or pb is None:
        return None
    crs = projected_crs_for(pa.lon, pa.lat)
    if crs is None or crs != projected_crs_for(pb.lon, pb.lat):
        return None
    x, y = to_projected(np.array([pa.lon, pb.lon]), np.array([pa.lat, pb.lat]), crs)
    return float(np.hypot(x[1] - x[0], y[1] - y[0]))


def _field_changes(old: Resource, new: Resource) -> list[str]:
    out = []
    for name, label in RESOURCE_FIELDS.items():
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(f"{label} : {a or '—'} → {b or '—'}")
    return out


def resource_changes(old: Iterable[Resource], new: Iterable[Resource]) -> list[Change]:
    """Changes between two sets of FINESS-identified resources (one row per establishment)."""
    before = {r.finess_et or r.id: r for r in old}
    after = {r.finess_et or r.id: r for r in new}
    rows: list[Change] = []
    for key in sorted(after.keys() - before.keys()):
        r = after[key]
        rows.append(
            Change("added", r.id, r.finess_et or "", r.name, f"{r.type.label_fr}, {r.commune or ''}".strip(", "))
        )
    for key in sorted(before.keys() - after.keys()):
        r = before[key]
        rows.append(Change("removed", r.id, r.finess_et or "", r.name, "absent de la nouvelle source"))
    for key in sorted(before.keys() & after.keys()):
        a, b = before[key], after[key]
        fields = _field_changes(a, b)
        d = distance_m(a, b)
        if d is not None and d > MOVE_THRESHOLD_M:
            rows.append(Change("moved", b.id, b.finess_et or "", b.name, "; ".join([f"déplacé de {d:.0f} m", *fields])))
        elif (a.position is None) != (b.position is None):
            rows.append(
                Change("moved", b.id, b.finess_et or "", b.name, "; ".join(["position ajoutée ou retirée", *fields]))
            )
        elif fields:
            rows.append(Change("changed", b.id, b.finess_et or "", b.name, "; ".join(fields)))
    return rows


def area_changes(
    old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, *, key: str, name: str, fields: Sequence[str] = ()
) -> list[Change]:
    """Changes between two polygon layers matched by ``key`` (QPV code, INSEE code)."""
    a = old.drop_duplicates(key).set_index(key)
    b = new.drop_duplicates(key).set_index(key)
    rows = [Change("added", str(k), "", str(b.at[k, name]), "") for k in sorted(set(b.index) - set(a.index))]
    rows += [Change("removed", str(k), "", str(a.at[k, name]), "") for k in sorted(set(a.index) - set(b.index))]
    common = sorted(set(a.index) & set(b.index))
    for k in common:
        ga, gb = a.at[k, "geometry"], b.at[k, "geometry"]
        c = ga.representative_point()
        crs = projected_crs_for(c.x, c.y)
        diffs = [f"{f} : {a.at[k, f]} → {b.at[k, f]}" for f in fields if str(a.at[k, f]) != str(b.at[k, f])]
        moved = False
        if crs is not None and not shapely.equals_exact(ga, gb, tolerance=1e-7):
            pa = gpd.GeoSeries([ga, gb], crs="EPSG:4326").to_crs(crs)
            delta = float(pa.iloc[0].symmetric_difference(pa.iloc[1]).area)
            if delta > 0.01 * max(float(pa.iloc[0].area), 1.0):
                moved = True
                diffs.insert(0, f"contour modifié ({delta / 10_000:.1f} ha de différence)")
        if diffs:
            rows.append(Change("moved" if moved else "changed", str(k), "", str(b.at[k, name]), "; ".join(diffs)))
    return rows


def write_changes(rows: Iterable[Change], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([neutralise(v) for v in (r.change, r.id, r.finess_et, r.name, r.detail)])


def counts(rows: Iterable[Change]) -> Mapping[str, int]:
    out = {"added": 0, "removed": 0, "moved": 0, "changed": 0}
    for r in rows:
        out[r.change] += 1
    return out
