"""Column-wise validation of resource rows: the rules of :func:`resource_from_record`, per column.

A 200,000-row file spends most of its time in per-row Python (cleaning 40 cells into a
dict, parsing each number, building each position). Here each column is cleaned once,
numbers are parsed per column, coordinates are checked with numpy over the whole column,
and commune positions are built once per commune. A row that any column check does not
clear (coordinates to convert or out of France, a bad boolean or number, a service area, a
confidential address without its commune…) goes through :func:`resource_from_record`
itself, so its rejection (field and French reason) is the one the per-row importer gives.
The others are validated by the same pydantic model with the same input, hence the same
resources and the same model errors. Rows keep their file order in the report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from geo_clsm.data.importers.resource_rows import CommunePoint, RowError, resource_from_record
from geo_clsm.data.importers.resource_schema import (
    BOOL_COLUMNS,
    BOOL_WORDS,
    DATED_COLUMNS,
    PRECISIONS,
    RETIRED_COLUMNS,
    TEXT_COLUMNS,
)
from geo_clsm.data.importers.resource_sharing import Compact
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.validate import french_errors, lonlat_ok

CHUNK_ROWS = 20_000
"""Rows validated together (the batch size of the csv-module reader, read when it starts): the
file's cells are never all in memory at once."""

Cells = list[str | None]
"""One column's cells, stripped, an empty cell as None."""
BoolArray = NDArray[np.bool_]


def _floats(cells: Cells) -> tuple[NDArray[np.float64], BoolArray]:
    """Values (NaN where empty) and whether each cell is empty or a number (``,`` as decimal mark)."""
    values = np.full(len(cells), np.nan)
    ok = np.ones(len(cells), dtype=bool)
    for i, v in enumerate(cells):
        if v is not None:
            try:
                values[i] = float(v.replace(",", "."))
            except ValueError:
                ok[i] = False
    return values, ok


def _split(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(p.strip() for p in value.split(";") if p.strip())


def import_table(
    cols: Mapping[str, Cells],
    lines: Sequence[int],
    *,
    communes: Mapping[str, CommunePoint],
    territory: str | None,
    compact: Compact | None = None,
) -> list[Resource | RowError]:
    """Each row of cleaned columns (:func:`~geo_clsm.data.importers.resource_csv.columns`; ``lines``: the rows' line numbers) as a
    resource or the reason it is rejected, in file order."""
    n = len(lines)
    none: Cells = [None] * n

    def col(name: str) -> Cells:
        return cols.get(name, none)

    lon, lon_ok = _floats(col("lon"))
    lat, lat_ok = _floats(col("lat"))
    simple = lon_ok & lat_ok & ~np.isnan(lon) & ~np.isnan(lat) & lonlat_ok(lon, lat)
    for name in (
        "x",
        "y",
        "service_area_wkt",
        "service_area_communes",
        "service_area_qpv",
        *RETIRED_COLUMNS,
        *DATED_COLUMNS,
    ):
        simple &= np.array([v is None for v in col(name)], dtype=bool)
    precision = col("position_precision")
    simple &= np.array([p is None or p in PRECISIONS for p in precision], dtype=bool)
    bools: dict[str, list[bool | None]] = {}
    for name in BOOL_COLUMNS:
        cells = col(name)
        simple &= np.array([v is None or v.lower() in BOOL_WORDS for v in cells], dtype=bool)
        bools[name] = [None if v is None else BOOL_WORDS.get(v.lower()) for v in cells]
    numbers: dict[str, NDArray[np.float64]] = {}
    for name in ("age_min", "age_max", "capacity"):
        numbers[name], ok = _floats(col(name))
        empty = np.array([v is None for v in col(name)], dtype=bool)
        v = numbers[name]
        # "nan", "inf", or a fractional age: left to the per-row rules (which reject or keep them).
        simple &= ok & (empty | np.isfinite(v))
        if name != "capacity":
            with np.errstate(invalid="ignore"):
                simple &= empty | (v == np.floor(v))
    insee = col("insee_com")
    town_positions = {  # the communes of these rows only (a national list has 35,000)
        code: Position(lon=t.lon, lat=t.lat, precision=PositionPrecision.COMMUNE, source=t.source)
        for code in set(insee)
        if code is not None and (t := communes.get(code)) is not None
    }
    commune_pos = [town_positions.get(c) if c else None for c in insee]
    confidential = bools["confidential_address"]
    simple &= np.array([not (c and p is None) for c, p in zip(confidential, commune_pos, strict=True)], dtype=bool)

    text = {name: col(name) for name in TEXT_COLUMNS}
    position_source, source = col("position_source"), col("source")
    territories = col("territory")
    services, groups, languages = col("services"), col("audience"), col("languages")
    lon_l, lat_l = lon.tolist(), lat.tolist()
    ages = {
        name: [int(a) if math.isfinite(a) else None for a in numbers[name].tolist()] for name in ("age_min", "age_max")
    }
    capacity = [None if c != c else c for c in numbers["capacity"].tolist()]

    compact = compact or Compact()
    bad_geometry = col("_bad_geometry")  # set by the GeoJSON reader; a CSV column of that name acts alike
    outcomes: list[Resource | RowError] = []
    for i, is_simple in enumerate(simple.tolist()):
        if bad_geometry[i]:
            outcomes.append(RowError("geometry", f"géométrie {bad_geometry[i]} : un Point (lon, lat) est attendu"))
            continue
        if not is_simple:
            rec = {name: cells[i] for name, cells in cols.items()}  # cleaned already: cleaning again is a no-op
            try:
                outcomes.append(resource_from_record(rec, communes=communes, territory=territory))
            except RowError as e:
                outcomes.append(e)
            continue
        prec = PRECISIONS[precision[i] or PositionPrecision.ADDRESS.value]
        data: dict[str, Any] = {name: cells[i] for name, cells in text.items()}
        data.update(
            services=_split(services[i]),
            audience={"age_min": ages["age_min"][i], "age_max": ages["age_max"][i], "groups": _split(groups[i])},
            languages=_split(languages[i]),
            wheelchair=bools["wheelchair"][i],
            appointment_required=bools["appointment_required"][i],
            free_of_charge=bools["free_of_charge"][i],
            capacity=capacity[i],
            # Validated by the model as Position(...) would be (checked in France above: it passes).
            position={
                "lon": lon_l[i],
                "lat": lat_l[i],
                "precision": prec,
                "source": position_source[i] or source[i] or "",
            },
            commune_position=commune_pos[i],
            confidential_address=confidential[i] or False,
            territory=territories[i] or territory,
            verified_by_person=bools["verified_by_person"][i] or False,
            to_verify=bools["to_verify"][i] or False,
        )
        try:
            outcomes.append(compact.share(Resource.model_validate(data)))
        except ValidationError as exc:
            errs = french_errors(exc)
            outcomes.append(RowError(", ".join(f for f, _ in errs), " ; ".join(r for _, r in errs)))

    return outcomes
