"""A resources CSV read as batches of cleaned Arrow columns, as :class:`csv.DictReader` reads it.

A plain file (no quote, NUL, lone carriage return or blank line: one line per record) is read
by pyarrow's streaming CSV reader, a few MiB at a time; any other file, or a plain one whose
rows do not all have as many cells as the header, by the :mod:`csv` module
(:func:`read_csv_chunks`, :func:`columns`), ``resource_columns.CHUNK_ROWS`` rows at a
time. Cells are stripped as :meth:`str.strip` strips them, empty cells are null, and a
column with no value in a batch is left out of it. Only one batch is in memory at a time.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from geo_clsm.data.importers import resource_columns
from geo_clsm.data.importers.resource_columns import Cells
from geo_clsm.data.importers.resource_rows import RowError
from geo_clsm.data.importers.resource_schema import REQUIRED
from geo_clsm.model.errors import InvalidInputError

BLOCK_BYTES = 1 << 20  # bytes of a plain file parsed together
Batch = tuple[dict[str, pa.Array], NDArray[np.int64]]  # cleaned columns, the rows' line numbers


class NotPlain(Exception):
    """pyarrow met a row the csv module reads differently (a short or long row, invalid UTF-8)."""


class CsvSource:
    """A resources CSV, read in batches as many times as needed (it must not change meanwhile).

    Raises RowError when a required column is missing from the header.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = _stamp(path)
        self.header: list[str] | None = None  # set for a plain file, read by pyarrow
        scanned = _scan(path)
        if scanned is not None:
            first, self._lines = scanned
            try:
                header = first.decode("utf-8").split(",")
            except UnicodeDecodeError:
                return
            check_header(header)
            if len(set(header)) == len(header):
                self.header = header

    def fall_back(self) -> None:
        """Read with the csv module from now on."""
        self.header = None

    def batches(self) -> Iterator[Batch]:
        """Cleaned columns and line numbers, batch after batch, in file order.

        Raises NotPlain (pyarrow's reading, before anything differs from the csv module's);
        UnicodeDecodeError (the csv module's, on a file that is not UTF-8).
        """
        if _stamp(self.path) != self._stamp:
            raise InvalidInputError(f"le fichier {self.path.name} a changé pendant l'import : relancer l'import")
        if self.header is None:
            # the column rules' batch size, read now (a test sets it smaller to get several batches)
            for header, lines, rows in read_csv_chunks(self.path, rows_per_chunk=resource_columns.CHUNK_ROWS):
                cols = {name: strings(cells) for name, cells in columns(header, rows).items()}
                yield _kept(cols, len(lines)), np.array(lines, dtype=np.int64)
            return
        yield from self._plain(self.header)

    def _plain(self, header: list[str]) -> Iterator[Batch]:
        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(
                    column_names=header, skip_rows=1, block_size=BLOCK_BYTES, use_threads=True
                ),
                parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False, check_utf8=True
                ),
            )
            line = 2  # the header is line 1; then one line per record
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                n = batch.num_rows
                cols = {name: clean(batch.column(i)) for i, name in enumerate(header)}
                del batch
                yield _kept(cols, n), np.arange(line, line + n, dtype=np.int64)
                line += n
        except pa.ArrowInvalid as exc:
            raise NotPlain(str(exc)) from None
        if line - 1 != self._lines:
            raise NotPlain("lignes et enregistrements ne correspondent pas")


def check_header(header: Sequence[str]) -> None:
    """Raises RowError when a required column is missing."""
    missing = set(REQUIRED) - set(header)
    if missing:
        raise RowError(
            ", ".join(sorted(missing)), "colonnes obligatoires absentes de l'en-tête : " + ", ".join(sorted(missing))
        )


def read_csv_chunks(path: Path, *, rows_per_chunk: int) -> Iterator[tuple[list[str], list[int], list[list[str]]]]:
    """Header, line numbers and rows of a CSV, ``rows_per_chunk`` rows at a time, as
    :class:`csv.DictReader` sees them (blank lines skipped, a record's number is the line it ends
    on). Raises RowError when a required column is missing from the header."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        check_header(header)
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


def columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> dict[str, Cells]:
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


def clean(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Stripped as :meth:`str.strip` strips (Unicode white space: Arrow follows Python), empty cells null."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    data = column.buffers()[2]
    if column.offset == 0 and (data is None or data.size == 0):  # every cell empty (optional columns often are)
        return pa.nulls(len(column), pa.string())
    trimmed = pc.utf8_trim_whitespace(column)
    blank = values(pc.utf8_length(trimmed), np.int32, fill=0) == 0
    return pc.if_else(booleans(blank), pa.nulls(len(trimmed), pa.string()), trimmed)


def strings(cells: Sequence[str | None]) -> pa.Array:
    """An Arrow string array (None: null) built from its buffers: ``pa.array`` would import pandas."""
    encoded = [b"" if c is None else c.encode("utf-8") for c in cells]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    out = pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )
    missing = np.fromiter((c is None for c in cells), dtype=bool, count=len(encoded))
    return pc.if_else(booleans(missing), pa.nulls(len(out), pa.string()), out) if missing.any() else out


def booleans(mask: NDArray[np.bool_]) -> pa.Array:
    """A numpy mask as an Arrow boolean array (through its buffer, without pandas)."""
    raw = pa.Array.from_buffers(pa.uint8(), len(mask), [None, pa.py_buffer(np.ascontiguousarray(mask, dtype=np.uint8))])
    return pc.cast(raw, pa.bool_())


# Arrow <-> numpy through buffers: pyarrow's own conversions (pa.array, pa.scalar, to_numpy with
# nulls) import pandas, a second or so and tens of MB for nothing here.


def _bits(buffer: pa.Buffer, offset: int, n: int) -> NDArray[np.bool_]:
    return np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")[offset : offset + n].astype(bool)


def truth(mask: pa.Array | pa.ChunkedArray) -> NDArray[np.bool_]:
    """A boolean Arrow array as numpy, null as False."""
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    n = len(mask)
    if n == 0:
        return np.zeros(0, dtype=bool)
    validity, data = mask.buffers()[:2]
    out = _bits(data, mask.offset, n)
    if mask.null_count:
        out &= _bits(validity, mask.offset, n)
    return out


def values(array: pa.Array | pa.ChunkedArray, dtype: type[np.generic], *, fill: Any) -> NDArray[Any]:
    """A numeric Arrow array as numpy, null as ``fill``."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=dtype)
    validity, data = array.buffers()[:2]
    out = np.frombuffer(data, dtype=dtype)[array.offset : array.offset + n].copy()
    if array.null_count:
        out[~_bits(validity, array.offset, n)] = fill
    return out


def indices(rows: NDArray[np.integer]) -> pa.Array:
    """Row numbers as an Arrow int64 array (through its buffer, without pandas)."""
    return pa.Array.from_buffers(
        pa.int64(), len(rows), [None, pa.py_buffer(np.ascontiguousarray(rows, dtype=np.int64))]
    )


def _kept(cols: dict[str, pa.Array], n: int) -> dict[str, pa.Array]:
    return {name: col for name, col in cols.items() if col.null_count < n}


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _scan(path: Path) -> tuple[bytes, int] | None:
    """The header line (BOM and line end removed) and the number of lines of a plain file (no
    quote, NUL, lone carriage return or blank line; read 1 MiB at a time); None for any other."""
    with path.open("rb") as fh:
        first = fh.readline()
        if not first.endswith(b"\n") or b'"' in first or b"\0" in first:
            return None
        lines, returns, crlf, tail = 1, first.count(b"\r"), first.count(b"\r\n"), first[-2:]
        while block := fh.read(1 << 20):
            if b'"' in block or b"\0" in block:
                return None
            around = tail + block[:2]  # a pair split between two blocks
            if b"\n\n" in block or b"\n\r\n" in block or b"\n\n" in around or b"\n\r\n" in around:
                return None
            lines += block.count(b"\n")
            returns += block.count(b"\r")
            crlf += block.count(b"\r\n") + around.count(b"\r\n") - tail.count(b"\r\n") - block[:2].count(b"\r\n")
            tail = (tail + block[-2:])[-2:]
    if returns != crlf:
        return None
    return first.removeprefix(codecs.BOM_UTF8).removesuffix(b"\n").removesuffix(b"\r"), lines + (tail[-1:] != b"\n")
