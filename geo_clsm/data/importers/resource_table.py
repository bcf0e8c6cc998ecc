"""A resources CSV validated as Arrow columns: which rows are imported, which rejected and why.

A 200,000-row file cannot afford a Python object per row: the file is read in batches of
Arrow columns (:mod:`geo_clsm.data.importers.resource_csv`) and each batch is checked column by
column: numbers parsed per column, coordinates checked with numpy, booleans and precisions
by set membership, and each field the model validates checked once per distinct value, by
the model's own validators. A row that any of these checks does not clear goes through
:func:`import_table` (hence :func:`~geo_clsm.data.importers.resource_rows.resource_from_record`),
so its rejection (field and French reason) is the one the per-row importer gives. The
imported rows are kept as row numbers (:class:`ResourceTable`); their
:class:`~geo_clsm.model.resource.Resource` objects are built from the file again, batch by batch,
only by whoever iterates over them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from annotated_types import MinLen
from numpy.typing import NDArray
from pydantic import AfterValidator, ValidationError

from geo_clsm.data.importers.report import ImportReport, Rejection
from geo_clsm.data.importers.resource_columns import import_table
from geo_clsm.data.importers.resource_csv import CsvSource, NotPlain, indices, strings, truth, values
from geo_clsm.data.importers.resource_rows import CommunePoint, RowError
from geo_clsm.data.importers.resource_schema import (
    BOOL_COLUMNS,
    BOOL_WORDS,
    DATED_COLUMNS,
    PRECISIONS,
    REQUIRED,
    RETIRED_COLUMNS,
    TEXT_COLUMNS,
    TRUE_WORDS,
)
from geo_clsm.data.importers.resource_sharing import Compact
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.validate import lonlat_ok

BoolArray = NDArray[np.bool_]
# Numbers pyarrow and Python's float() read alike (correctly rounded, no overflow); any other
# cell ("nan", "1_000", "1e400", Arabic-Indic digits…) sends its row to the per-row rules.
_PLAIN_NUMBER = r"^[+-]?([0-9]{1,20}(\.[0-9]{0,20})?|\.[0-9]{1,20})([eE][+-]?[0-9]{1,2})?$"


class ResourceTable(Sequence[Resource]):
    """The imported rows of a resources CSV (their numbers in the file); each :class:`Resource` is
    built when iterated, from the file read again batch by batch."""

    def __init__(
        self,
        source: CsvSource,
        rows: NDArray[np.int64],
        *,
        communes: Mapping[str, CommunePoint],
        territory: str | None,
    ) -> None:
        self._source, self._rows = source, rows
        self._communes, self._territory = communes, territory
        self._compact = Compact()

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> Resource: ...
    @overload
    def __getitem__(self, i: slice) -> list[Resource]: ...
    def __getitem__(self, i: int | slice) -> Resource | list[Resource]:
        if isinstance(i, slice):  # built in file order, returned in the slice's
            built = list(self._built(np.sort(self._rows[i])))
            return built[::-1] if (i.step or 1) < 0 else built
        return next(self._built(self._rows[[range(len(self._rows))[i]]]))

    def __iter__(self) -> Iterator[Resource]:
        return self._built(self._rows)

    def _built(self, wanted: NDArray[np.int64]) -> Iterator[Resource]:
        offset = 0
        for cols, lines in self._source.batches():
            n = len(lines)
            local = wanted[(wanted >= offset) & (wanted < offset + n)] - offset
            offset += n
            if not len(local):
                continue
            outcomes = import_table(
                _cells(cols, local),
                lines[local].tolist(),
                communes=self._communes,
                territory=self._territory,
                compact=self._compact,
            )
            for line, out in zip(lines[local].tolist(), outcomes, strict=True):
                if isinstance(out, RowError):  # the column checks accepted a row the model rejects: a bug here
                    raise RuntimeError(f"ligne {line} acceptée puis rejetée ({out.field} : {out.reason})")
                yield out


def import_csv_table(
    path: Path, report: ImportReport[Resource], *, communes: Mapping[str, CommunePoint], territory: str | None
) -> ResourceTable:
    """Validate a resources CSV into ``report`` (rows read, rejections in file order); the imported
    rows as a :class:`ResourceTable`. Nothing is added to ``report`` when the file cannot be read.

    Raises RowError when a required column is missing from the header, UnicodeDecodeError when
    the file is not UTF-8.
    """
    source = CsvSource(path)
    try:
        rows_read, rejected, rows = _validate(source, communes=communes, territory=territory)
    except NotPlain:  # pyarrow met a row the csv module reads otherwise: all again with the csv module
        source.fall_back()
        rows_read, rejected, rows = _validate(source, communes=communes, territory=territory)
    report.rows_read += rows_read
    report.rejected.extend(rejected)
    return ResourceTable(source, rows, communes=communes, territory=territory)


def _validate(
    source: CsvSource, *, communes: Mapping[str, CommunePoint], territory: str | None
) -> tuple[int, list[Rejection], NDArray[np.int64]]:
    """Rows read, rejections in file order, and the numbers (0-based) of the imported rows."""
    rejected: list[tuple[int, Rejection]] = []
    accepted: list[NDArray[np.int64]] = []
    ids: list[pa.Array] = []
    lines_seen: list[NDArray[np.int64]] = []
    offset = 0
    for cols, lines in source.batches():
        n = len(lines)
        ok = _valid_rows(cols, n, communes=communes)
        doubtful = np.flatnonzero(~ok)
        if len(doubtful):
            cells = _cells(cols, doubtful)
            outcomes = import_table(cells, lines[doubtful].tolist(), communes=communes, territory=territory)
            rids = cells.get("id") or [None] * len(doubtful)
            for i, rid, out in zip(doubtful.tolist(), rids, outcomes, strict=True):
                if isinstance(out, RowError):
                    rejected.append((offset + i, Rejection(int(lines[i]), out.field, out.reason, rid or "")))
                else:
                    ok[i] = True
        rows = np.flatnonzero(ok)
        accepted.append(rows + offset)
        ids.append(cols.get("id", pa.nulls(n, pa.string())).take(indices(rows)))
        lines_seen.append(lines)
        offset += n
    rows = np.concatenate(accepted) if accepted else np.zeros(0, dtype=np.int64)
    all_lines = np.concatenate(lines_seen) if lines_seen else np.zeros(0, dtype=np.int64)
    all_ids = pa.concat_arrays(ids) if ids else strings([])
    first = _first_occurrences(all_ids, len(rows))
    for i, rid in zip(rows[~first].tolist(), all_ids.take(indices(np.flatnonzero(~first))).to_pylist(), strict=True):
        reason = f"identifiant « {rid} » en double : le rendre unique"
        rejected.append((i, Rejection(int(all_lines[i]), "id", reason, rid)))
    rejected.sort(key=lambda item: item[0])
    return offset, [r for _, r in rejected], rows[first]


def _cells(columns: Mapping[str, pa.Array], rows: NDArray[np.intp]) -> dict[str, list[str | None]]:
    idx = indices(rows)
    return {name: col.take(idx).to_pylist() for name, col in columns.items()}


def _np(mask: pa.Array | pa.ChunkedArray) -> BoolArray:
    """A boolean Arrow array as numpy, null as False."""
    return truth(mask)


def _first_occurrences(ids: pa.Array, n: int) -> BoolArray:
    """Whether each id is the first of its value (file order)."""
    codes = values(ids.dictionary_encode().indices, np.int32, fill=-1)
    first = np.zeros(n, dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return first


def _numbers(cells: pa.Array) -> tuple[NDArray[np.float64], BoolArray]:
    """Values (NaN where empty or unread) and whether each cell is empty or a plain number (``,`` as
    decimal mark) that pyarrow and :func:`float` read alike."""
    text = pc.replace_substring(cells, ",", ".")
    plain = pc.match_substring_regex(text, _PLAIN_NUMBER)
    numbers = pc.cast(pc.if_else(plain, text, pa.nulls(len(text), pa.string())), pa.float64())
    return values(numbers, np.float64, fill=np.nan), _np(pc.is_null(cells)) | _np(plain)


def _valid_rows(columns: Mapping[str, pa.Array], n: int, *, communes: Mapping[str, CommunePoint]) -> BoolArray:
    """Rows every column check clears: the model accepts them as they are (the others are decided
    by the per-row rules)."""
    none = pa.nulls(n, pa.string())

    def col(name: str) -> pa.Array:
        return columns.get(name, none)

    def empty(name: str) -> BoolArray:
        return _np(pc.is_null(col(name)))

    ok = empty("_bad_geometry") & empty("x") & empty("y") & empty("service_area_wkt")
    # decided row by row: intervention zones, retired columns, the directory's dated facts
    for name in ("service_area_communes", "service_area_qpv", *RETIRED_COLUMNS, *DATED_COLUMNS):
        ok &= empty(name)
    for name in REQUIRED:
        ok &= ~empty(name)
    for name in TEXT_COLUMNS:
        ok &= _values_ok(col(name), name)
    lon, lon_ok = _numbers(col("lon"))
    lat, lat_ok = _numbers(col("lat"))
    ok &= lon_ok & lat_ok & lonlat_ok(lon, lat)  # NaN (empty) fails the range test: per row
    ok &= empty("position_precision") | _np(pc.is_in(col("position_precision"), value_set=strings(list(PRECISIONS))))
    words = strings(list(BOOL_WORDS))
    for name in BOOL_COLUMNS:  # only ASCII words are oui/non: str.lower() of any other text is not one
        ok &= empty(name) | (
            _np(pc.string_is_ascii(col(name))) & _np(pc.is_in(pc.ascii_lower(col(name)), value_set=words))
        )
    conf = col("confidential_address")
    secret = _np(pc.string_is_ascii(conf)) & _np(pc.is_in(pc.ascii_lower(conf), value_set=strings(list(TRUE_WORDS))))
    ok &= ~secret | _np(pc.is_in(col("insee_com"), value_set=strings(list(communes))))
    ages = {}
    for name in ("age_min", "age_max", "capacity"):
        v, read = _numbers(col(name))
        ok &= read & (empty(name) | np.isfinite(v))
        ages[name] = v
    with np.errstate(invalid="ignore"):
        for name in ("age_min", "age_max"):
            ok &= np.isnan(ages[name]) | (ages[name] == np.floor(ages[name]))
    ok &= _distinct_ok(np.stack([ages["age_min"], ages["age_max"]], axis=1), ok, _audience_ok)
    ok &= _distinct_ok(ages["capacity"][:, None], ok, lambda v: _assign_ok("capacity", None if v[0] != v[0] else v[0]))
    return ok


def _distinct_ok(values: NDArray[np.float64], ok: BoolArray, check: Any) -> BoolArray:
    """``check`` of each distinct row of ``values`` (NaN: empty) among the rows still ``ok``, spread
    back to rows."""
    out = np.ones(len(values), dtype=bool)
    where = np.flatnonzero(ok)
    if not len(where):
        return out
    keys = np.where(np.isnan(values[where]), np.inf, values[where])  # the rows still ok have finite values
    code = np.zeros(len(where), dtype=np.int64)
    for j in range(keys.shape[1]):  # one integer per distinct row: sorting floats column by column is quick
        distinct, inverse = np.unique(keys[:, j], return_inverse=True)
        code = code * len(distinct) + inverse.reshape(-1)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    rows = np.where(np.isinf(keys[first]), np.nan, keys[first]).tolist()
    good = np.array([check(row) for row in rows], dtype=bool)
    out[where] = good[inverse.reshape(-1)]
    return out


def _audience_ok(ages: list[float]) -> bool:
    try:
        Audience.model_validate({"age_min": _age(ages[0]), "age_max": _age(ages[1]), "groups": ()})
    except ValidationError:
        return False
    return True


def _age(v: float) -> int | None:
    return None if v != v else int(v)


_PROBE = Resource(
    id="probe", type=ResourceType.AUTRE, name="probe", source="probe", last_verified=date(2000, 1, 1)
)  # not data: the record each distinct value is assigned to, to ask the model whether it accepts it


def _assign_ok(name: str, value: Any) -> bool:
    try:
        Resource.__pydantic_validator__.validate_assignment(_PROBE.model_copy(), name, value)
    except ValidationError:
        return False
    return True


def _plain_validators(name: str) -> list[Any] | None:
    """The field's own validators when it is a plain text field (``str``, at most ``min_length=1``)
    whose validators all take the text after pydantic's own check: calling them is validating it."""
    info = Resource.model_fields[name]
    coded = _coded_text(info.annotation)
    if coded is not None:  # a code of model/codes.py: text, then its AfterValidator
        return coded if not info.metadata else None
    if info.annotation is str and info.metadata and all(isinstance(m, AfterValidator) for m in info.metadata):
        return [m.func for m in info.metadata]  # a required code (the id)
    if info.annotation not in (str, str | None) or any(m != MinLen(1) for m in info.metadata):
        return None
    decorators = [d for d in Resource.__pydantic_decorators__.field_validators.values() if name in d.info.fields]
    if any(d.info.mode != "after" for d in decorators):
        return None
    return [d.func for d in decorators]


def _coded_text(annotation: Any) -> list[Any] | None:
    """The validators of ``Annotated[str, AfterValidator(...)]`` (or ``... | None``); None for any other type."""
    args = (
        get_args(annotation) if isinstance(annotation, UnionType) or get_origin(annotation) is Union else (annotation,)
    )
    inner = [a for a in args if a is not type(None)]
    if len(inner) != 1 or get_origin(inner[0]) is not Annotated:
        return None
    base, *meta = get_args(inner[0])
    if base is not str or not all(isinstance(m, AfterValidator) for m in meta):
        return None
    return [m.func for m in meta]


def _values_ok(cells: pa.Array, name: str) -> BoolArray:
    """Whether the model accepts each cell of a text field (null: left to the required-column test),
    each distinct value asked once."""
    funcs = _plain_validators(name)
    if funcs == []:  # any non-empty text (stripped, hence min_length=1 holds)
        return np.ones(len(cells), dtype=bool)
    encoded = cells.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    good = np.array([_text_ok(name, v, funcs) for v in distinct] + [True], dtype=bool)  # last: null
    codes = values(encoded.indices, np.int32, fill=len(distinct))
    return good[codes]


def _text_ok(name: str, value: str, funcs: list[Any] | None) -> bool:
    if funcs is None:
        return _assign_ok(name, value)
    try:
        for f in funcs:
            value = f(value)
    except (ValueError, AssertionError):
        return False
    return True
