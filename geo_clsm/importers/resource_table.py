"""A resources CSV validated as Arrow columns: which rows are imported, which rejected and why.

A 200,000-row file cannot afford a Python object per row: the cells are read into Arrow
columns (pyarrow's CSV reader when the file is plain: no quote, one line per record; else
:mod:`csv`, as before), stripped, and checked column by column: numbers parsed per column,
coordinates checked with numpy, booleans and precisions by set membership, and each field
the model validates checked once per distinct value, by the model's own validators. A row
that any of these checks does not clear goes through :func:`import_table` (hence
:func:`~geo_clsm.importers.resource_rows.resource_from_record`), so its rejection (field and
French reason) is the one the per-row importer gives. The imported rows stay in columns
(:class:`ResourceTable`); :class:`~geo_clsm.model.Resource` objects are built, chunk by
chunk, only by whoever iterates over them.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from annotated_types import MinLen
from numpy.typing import NDArray
from pydantic import ValidationError

from geo_clsm.importers import resource_columns
from geo_clsm.importers.report import ImportReport, Rejection
from geo_clsm.importers.resource_columns import (
    _BOOLS,
    _PRECISIONS,
    _TEXT,
    BOOL_COLUMNS,
    REQUIRED,
    _columns,
    _Compact,
    _lonlat_ok,
    import_table,
    read_csv_chunks,
)
from geo_clsm.importers.resource_rows import _TRUE, CommunePoint, RowError
from geo_clsm.model import Audience, Resource, ResourceType

BoolArray = NDArray[np.bool_]
# Numbers pyarrow and Python's float() read alike (correctly rounded, no overflow); any other
# cell ("nan", "1_000", "1e400", Arabic-Indic digits…) sends its row to the per-row rules.
_PLAIN_NUMBER = r"^[+-]?([0-9]{1,20}(\.[0-9]{0,20})?|\.[0-9]{1,20})([eE][+-]?[0-9]{1,2})?$"


class ResourceTable(Sequence[Resource]):
    """Imported rows of a resources CSV as cleaned Arrow columns; a :class:`Resource` per row on demand."""

    def __init__(
        self,
        columns: Mapping[str, pa.Array],
        rows: NDArray[np.intp],
        lines: NDArray[np.int64],
        *,
        communes: Mapping[str, CommunePoint],
        territory: str | None,
    ) -> None:
        self._columns, self._rows, self._lines = dict(columns), rows, lines
        self._communes, self._territory = communes, territory
        self._compact = _Compact()

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> Resource: ...
    @overload
    def __getitem__(self, i: slice) -> list[Resource]: ...
    def __getitem__(self, i: int | slice) -> Resource | list[Resource]:
        if isinstance(i, slice):
            return self._build(self._rows[i])
        return self._build(self._rows[[range(len(self._rows))[i]]])[0]

    def __iter__(self) -> Iterator[Resource]:
        step = resource_columns.CHUNK_ROWS
        for start in range(0, len(self._rows), step):
            yield from self._build(self._rows[start : start + step])

    def _build(self, rows: NDArray[np.intp]) -> list[Resource]:
        cols, lines = _cells(self._columns, rows), self._lines[rows].tolist()
        outcomes = import_table(cols, lines, communes=self._communes, territory=self._territory, compact=self._compact)
        for line, out in zip(lines, outcomes, strict=True):
            if isinstance(out, RowError):  # the column checks accepted a row the model rejects: a bug here
                raise RuntimeError(f"ligne {line} acceptée puis rejetée ({out.field} : {out.reason})")
        return [out for out in outcomes if isinstance(out, Resource)]


def import_csv_table(
    path: Path, report: ImportReport[Resource], *, communes: Mapping[str, CommunePoint], territory: str | None
) -> ResourceTable:
    """Validate a resources CSV into ``report`` (rows read, rejections in file order); the imported
    rows as a :class:`ResourceTable`. Nothing is added to ``report`` when the file cannot be read.

    Raises RowError when a required column is missing from the header, UnicodeDecodeError when
    the file is not UTF-8.
    """
    columns, lines = read_columns(path)
    n = len(lines)
    if n == 0:
        return ResourceTable({}, np.zeros(0, dtype=np.intp), lines, communes=communes, territory=territory)
    ok = _valid_rows(columns, n, communes=communes)
    rejected: list[tuple[int, Rejection]] = []
    doubtful = np.flatnonzero(~ok)
    if len(doubtful):
        outcomes = import_table(
            _cells(columns, doubtful), lines[doubtful].tolist(), communes=communes, territory=territory
        )
        ids = _cells({"id": columns["id"]}, doubtful)["id"]
        for i, rid, out in zip(doubtful.tolist(), ids, outcomes, strict=True):
            if isinstance(out, RowError):
                rejected.append((i, Rejection(int(lines[i]), out.field, out.reason, rid or "")))
            else:
                ok[i] = True
    accepted = np.flatnonzero(ok)
    first = _first_occurrences(columns["id"].take(pa.array(accepted)), len(accepted))
    for i in accepted[~first].tolist():
        rid = columns["id"][i].as_py()
        reason = f"identifiant « {rid} » en double : le rendre unique"
        rejected.append((i, Rejection(int(lines[i]), "id", reason, rid)))
    rejected.sort(key=lambda item: item[0])
    report.rows_read += n
    report.rejected.extend(r for _, r in rejected)
    return ResourceTable(columns, accepted[first], lines, communes=communes, territory=territory)


def read_columns(path: Path) -> tuple[dict[str, pa.Array], NDArray[np.int64]]:
    """The CSV's columns, stripped, empty cells null (a column with no value at all is left out),
    and each record's line number (the line it ends on, blank lines skipped), as
    :class:`csv.DictReader` sees them.

    Raises RowError when a required column is missing from the header.
    """
    got = _read_plain(path)
    if got is None:
        return _read_python(path)
    header, table = got
    raw, n = table.columns, table.num_rows
    del table
    cols: dict[str, pa.Array] = {}
    for i, name in enumerate(header):  # one column at a time: each raw column freed once cleaned
        cleaned = _clean(raw[i])
        raw[i] = None
        if cleaned.null_count < n:
            cols[name] = cleaned
    pa.default_memory_pool().release_unused()
    return cols, np.arange(2, n + 2, dtype=np.int64)


def _scan(path: Path) -> tuple[bytes, int] | None:
    """The header line (BOM and line end removed) and the number of lines of a plain file (no
    quote, NUL or lone carriage return; read 1 MiB at a time); None for any other file."""
    with path.open("rb") as fh:
        first = fh.readline()
        if not first.endswith(b"\n") or b'"' in first or b"\0" in first:
            return None
        lines, returns, crlf, last = 1, first.count(b"\r"), first.count(b"\r\n"), b"\n"
        while block := fh.read(1 << 20):
            if b'"' in block or b"\0" in block:
                return None
            lines += block.count(b"\n")
            returns += block.count(b"\r")
            crlf += block.count(b"\r\n") + (last == b"\r" and block.startswith(b"\n"))
            last = block[-1:]
    if returns != crlf:
        return None
    return first.removeprefix(codecs.BOM_UTF8).removesuffix(b"\n").removesuffix(b"\r"), lines + (last != b"\n")


def _read_plain(path: Path) -> tuple[list[str], pa.Table] | None:
    """pyarrow's reading of a file that has nothing the two readers could read differently (no
    quote, NUL or lone carriage return; one line per record; as many cells as header names);
    None for any other file."""
    scanned = _scan(path)
    if scanned is None:
        return None
    first, n_lines = scanned
    try:
        header = first.decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    _check_header(header)
    if len(set(header)) != len(header):
        return None
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False, check_utf8=True
            ),
        )
    except pa.ArrowInvalid:  # a short or long row, invalid UTF-8: the csv module's reading decides
        return None
    return (header, table) if table.num_rows == n_lines - 1 else None  # a blank line: idem


def _read_python(path: Path) -> tuple[dict[str, pa.Array], NDArray[np.int64]]:
    parts: dict[str, list[pa.Array]] = {}
    lines: list[int] = []
    header: list[str] = []
    for header, chunk_lines, rows in read_csv_chunks(path, rows_per_chunk=resource_columns.CHUNK_ROWS):
        for name, cells in _columns(header, rows).items():
            parts.setdefault(name, []).append(pa.array(cells, type=pa.string()))
        lines += chunk_lines
    cols = {name: pa.concat_arrays(arrays) for name, arrays in parts.items()}  # none: no row at all
    return cols, np.array(lines, dtype=np.int64)


def _check_header(header: Sequence[str]) -> None:
    missing = set(REQUIRED) - set(header)
    if missing:
        raise RowError(
            ", ".join(sorted(missing)), "colonnes obligatoires absentes de l'en-tête : " + ", ".join(sorted(missing))
        )


def _clean(column: pa.ChunkedArray) -> pa.Array:
    """Stripped as :meth:`str.strip` does (Unicode white space), empty cells null."""
    trimmed = pc.utf8_trim_whitespace(column.combine_chunks())
    return pc.if_else(pc.equal(pc.utf8_length(trimmed), 0), pa.scalar(None, pa.string()), trimmed)


def _cells(columns: Mapping[str, pa.Array], rows: NDArray[np.intp]) -> dict[str, list[str | None]]:
    idx = pa.array(rows, type=pa.int64())
    return {name: col.take(idx).to_pylist() for name, col in columns.items()}


def _np(mask: pa.Array | pa.ChunkedArray) -> BoolArray:
    """A boolean Arrow array as numpy, null as False."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _first_occurrences(ids: pa.Array, n: int) -> BoolArray:
    """Whether each id is the first of its value (file order)."""
    codes = ids.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    first = np.zeros(n, dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return first


def _numbers(cells: pa.Array) -> tuple[NDArray[np.float64], BoolArray]:
    """Values (NaN where empty or unread) and whether each cell is empty or a plain number (``,`` as
    decimal mark) that pyarrow and :func:`float` read alike."""
    text = pc.replace_substring(cells, ",", ".")
    plain = pc.match_substring_regex(text, _PLAIN_NUMBER)
    values = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.float64())
    return values.to_numpy(zero_copy_only=False).astype(np.float64), _np(pc.is_null(cells)) | _np(plain)


def _valid_rows(columns: Mapping[str, pa.Array], n: int, *, communes: Mapping[str, CommunePoint]) -> BoolArray:
    """Rows every column check clears: the model accepts them as they are (the others are decided
    by the per-row rules)."""
    none = pa.nulls(n, pa.string())

    def col(name: str) -> pa.Array:
        return columns.get(name, none)

    def empty(name: str) -> BoolArray:
        return _np(pc.is_null(col(name)))

    ok = empty("_bad_geometry") & empty("x") & empty("y") & empty("service_area_wkt")
    for name in REQUIRED:
        ok &= ~empty(name)
    for name in _TEXT:
        ok &= _values_ok(col(name), name)
    lon, lon_ok = _numbers(col("lon"))
    lat, lat_ok = _numbers(col("lat"))
    ok &= lon_ok & lat_ok & _lonlat_ok(lon, lat)  # NaN (empty) fails the range test: per row
    ok &= empty("position_precision") | _np(pc.is_in(col("position_precision"), value_set=pa.array(list(_PRECISIONS))))
    words = pa.array(list(_BOOLS))
    for name in BOOL_COLUMNS:  # only ASCII words are oui/non: str.lower() of any other text is not one
        ok &= empty(name) | (
            _np(pc.string_is_ascii(col(name))) & _np(pc.is_in(pc.ascii_lower(col(name)), value_set=words))
        )
    conf = col("confidential_address")
    secret = _np(pc.string_is_ascii(conf)) & _np(pc.is_in(pc.ascii_lower(conf), value_set=pa.array(list(_TRUE))))
    ok &= ~secret | _np(pc.is_in(col("insee_com"), value_set=pa.array(list(communes), pa.string())))
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
    if info.annotation not in (str, str | None) or any(m != MinLen(1) for m in info.metadata):
        return None
    decorators = [d for d in Resource.__pydantic_decorators__.field_validators.values() if name in d.info.fields]
    if any(d.info.mode != "after" for d in decorators):
        return None
    return [d.func for d in decorators]


def _values_ok(cells: pa.Array, name: str) -> BoolArray:
    """Whether the model accepts each cell of a text field (null: left to the required-column test),
    each distinct value asked once."""
    funcs = _plain_validators(name)
    if funcs == []:  # any non-empty text (stripped, hence min_length=1 holds)
        return np.ones(len(cells), dtype=bool)
    encoded = cells.dictionary_encode()
    values = encoded.dictionary.to_pylist()
    good = np.array([_text_ok(name, v, funcs) for v in values] + [True], dtype=bool)  # last: null
    codes = pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False)
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
