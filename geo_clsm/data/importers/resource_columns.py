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

import csv
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ValidationError

from geo_clsm.data.importers.resource_rows import _FALSE, _TRUE, CommunePoint, RowError, resource_from_record
from geo_clsm.geo.crs import projected_crs_many
from geo_clsm.model.resource import Audience, Position, PositionPrecision, Resource
from geo_clsm.model.validate import KNOWN_DEFAULT_POSITIONS, french_errors

CHUNK_ROWS = 20_000  # rows validated together: the file's cells never all in memory at once
REQUIRED = ("id", "type", "name", "source", "last_verified")
BOOL_COLUMNS = (
    "confidential_address",
    "wheelchair",
    "appointment_required",
    "free_of_charge",
    "verified_by_person",
    "to_verify",
)
_BOOLS: dict[str, bool] = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_PRECISIONS = {p.value: p for p in PositionPrecision if p is not PositionPrecision.NONE}

Cells = list[str | None]
BoolArray = NDArray[np.bool_]


def read_csv_chunks(
    path: Path, *, rows_per_chunk: int = CHUNK_ROWS
) -> Iterator[tuple[list[str], list[int], list[list[str]]]]:
    """Header, line numbers and rows of a CSV, ``rows_per_chunk`` rows at a time, as
    :class:`csv.DictReader` sees them (blank lines skipped, a record's number is the line it ends
    on). Raises RowError when a required column is missing from the header."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        missing = set(REQUIRED) - set(header)
        if missing:
            raise RowError(
                ", ".join(sorted(missing)),
                "colonnes obligatoires absentes de l'en-tête : " + ", ".join(sorted(missing)),
            )
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if row:
                rows.append(row)
                lines.append(reader.line_num)
                if len(rows) == rows_per_chunk:
                    yield header, lines, rows
                    rows, lines = [], []
        if rows:
            yield header, lines, rows


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> dict[str, Cells]:
    """Each named column, stripped, empty cells as None (a short row's missing cells too)."""
    width = len(header)
    padded = [r if len(r) >= width else [*r, *([""] * (width - len(r)))] for r in rows]
    by_index = list(zip(*padded, strict=False)) if padded else [() for _ in header]
    where = {name: i for i, name in enumerate(header)}  # a repeated name: the last one wins, as in DictReader
    out: dict[str, Cells] = {}
    for name, i in where.items():
        same: dict[str, str] = {}  # equal cells share one string (sources, communes, dates repeat)
        out[name] = [same.setdefault(c, c) if (c := v.strip()) else None for v in by_index[i]]
    return out


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


def _lonlat_ok(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> BoolArray:
    """Where :func:`~geo_clsm.model.validate.check_lonlat` finds nothing to say (in a French zone, not a
    geocoder's default position)."""
    ok = (lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90)
    zone = projected_crs_many(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    ok &= zone != ""
    for (dlat, dlon), _ in KNOWN_DEFAULT_POSITIONS.items():
        ok &= ~((np.abs(lat - dlat) < 0.01) & (np.abs(lon - dlon) < 0.01))
    return ok


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
    compact: _Compact | None = None,
) -> list[Resource | RowError]:
    """Each row of cleaned columns (:func:`_columns`; ``lines``: the rows' line numbers) as a
    resource or the reason it is rejected, in file order."""
    n = len(lines)
    none: Cells = [None] * n

    def col(name: str) -> Cells:
        return cols.get(name, none)

    lon, lon_ok = _floats(col("lon"))
    lat, lat_ok = _floats(col("lat"))
    simple = lon_ok & lat_ok & ~np.isnan(lon) & ~np.isnan(lat) & _lonlat_ok(lon, lat)
    for name in ("x", "y", "service_area_wkt"):
        simple &= np.array([v is None for v in col(name)], dtype=bool)
    precision = col("position_precision")
    simple &= np.array([p is None or p in _PRECISIONS for p in precision], dtype=bool)
    bools: dict[str, list[bool | None]] = {}
    for name in BOOL_COLUMNS:
        cells = col(name)
        simple &= np.array([v is None or v.lower() in _BOOLS for v in cells], dtype=bool)
        bools[name] = [None if v is None else _BOOLS.get(v.lower()) for v in cells]
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

    text = {name: col(name) for name in _TEXT}
    position_source, source = col("position_source"), col("source")
    territories = col("territory")
    services, groups, languages = col("services"), col("audience"), col("languages")
    lon_l, lat_l = lon.tolist(), lat.tolist()
    ages = {
        name: [int(a) if math.isfinite(a) else None for a in numbers[name].tolist()] for name in ("age_min", "age_max")
    }
    capacity = [None if c != c else c for c in numbers["capacity"].tolist()]

    compact = compact or _Compact()
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
        prec = _PRECISIONS[precision[i] or PositionPrecision.ADDRESS.value]
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
            service_area_wkt=None,
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


def share_equal_parts(resources: Iterable[Resource]) -> None:
    """Share, in place, what equal records hold equally (see :class:`_Compact`): the catalog's
    records (read back from the start-up cache) then hold about half the memory.

    Every field of a record counts as given (pydantic's ``model_fields_set``, which nothing in
    the project reads; equality ignores it): one set for all, to which an assignment adds nothing.
    """
    compact = _Compact()
    every = frozenset(Resource.model_fields)
    for r in resources:
        if r.__pydantic_fields_set__ != every:
            object.__setattr__(r, "__pydantic_fields_set__", set(every))
        compact.share(r)


class _Compact:
    """Shares what equal records hold equally: the set of fields given (pydantic keeps one per
    object; here every field is given, so adding to it is a no-op) and equal audiences (frozen).
    A 200,000-row import then holds about half the memory; the records compare equal as before."""

    def __init__(self) -> None:
        self.fields: dict[tuple[type[BaseModel], frozenset[str]], set[str]] = {}
        self.audiences: dict[tuple[Any, ...], Audience] = {}
        self.sizes: dict[type[BaseModel], int] = {cls: len(cls.model_fields) for cls in (Resource, Position, Audience)}

    def _fields(self, obj: BaseModel) -> None:
        given = obj.__pydantic_fields_set__
        if len(given) == self.sizes[type(obj)]:
            shared = self.fields.setdefault((type(obj), frozenset(given)), given)
            object.__setattr__(obj, "__pydantic_fields_set__", shared)

    def share(self, r: Resource) -> Resource:
        self._fields(r)
        if r.position is not None:
            self._fields(r.position)
        a = r.audience
        key = (a.age_min, a.age_max, a.groups)
        audience = self.audiences.get(key)
        if audience is None:
            self._fields(a)
            audience = self.audiences[key] = a
        r.__dict__["audience"] = audience
        return r


_TEXT = (
    "id",
    "type",
    "name",
    "street",
    "postcode",
    "commune",
    "insee_com",
    "phone",
    "email",
    "website",
    "opening_hours",
    "sector",
    "finess_et",
    "source",
    "last_verified",
    "source_date",
    "notes",
    "public_info",
    "display_name",
    "display_street",
)
