"""Compact, read-only forms of the catalog's largest tables (start-up memory, issue 9).

- :class:`StringColumn`: many short strings as one ``str`` and offsets (a few bytes a value
  instead of a Python object each).
- :class:`TownHalls`: the town-hall points of every commune (some 35,000), a read-only
  ``Mapping[str, CommunePoint]`` over arrays; a :class:`CommunePoint` is built when asked for.
- :class:`CommuneTable`: the communes of every territory, attributes in a plain DataFrame and
  geometries as one WKB buffer with offsets, plus their bounding boxes. A geometry is built
  only when asked for (the point-in-polygon cells build those of the cells queried); the
  whole GeoDataFrame is built only for whoever needs it all (:meth:`CommuneTable.frame`).

WKB keeps every coordinate as it is (float64): a geometry read back is equal to the original.
Coordinates are WGS84 (EPSG:4326), as in the catalog.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo_clsm.data.importers.resource_rows import CommunePoint

IntArray = NDArray[np.int64]


class StringColumn:
    """Read-only strings ``0..n-1``, stored as UTF-8 bytes and ``n + 1`` offsets (built through
    Arrow: a pandas column of strings becomes one without a Python object per value). A missing
    value (None, NaN) reads as ``""``."""

    __slots__ = ("_data", "_offsets")

    def __init__(self, values: Iterable[str] | pd.Series) -> None:
        import pyarrow as pa  # loaded with pandas already

        chunks = []
        if isinstance(values, pd.Series) and not values.isna().any():
            arr = pa.array(values.astype(str))
            arr = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
            if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
                chunks = arr.chunks
        if not chunks:  # one Python string at a time (a missing value reads as "")
            items = values.tolist() if isinstance(values, pd.Series) else values
            chunks = [pa.array(["" if _missing(v) else str(v) for v in items], type=pa.large_string())]
        # The Arrow buffers are read in place (no Arrow allocation) and copied into bytes and numpy.
        data, sizes = [], [np.zeros(1, dtype=np.int64)]
        for chunk in chunks:
            _, offsets, buf = chunk.buffers()
            wide = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            off = np.frombuffer(offsets, dtype=wide)[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
            data.append(b"" if buf is None else memoryview(buf)[int(off[0]) : int(off[-1])].tobytes())
            sizes.append(np.diff(off))
        self._offsets = np.cumsum(np.concatenate(sizes))
        self._data = b"".join(data)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> str:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return self._data[int(self._offsets[i]) : int(self._offsets[i + 1])].decode()

    def __iter__(self) -> Iterator[str]:
        bounds = self._offsets.tolist()
        return (self._data[a:b].decode() for a, b in itertools.pairwise(bounds))

    def tolist(self) -> list[str]:
        return list(self)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


class Blob:
    """Read-only bytes, in memory or in a file read when asked (:meth:`read`, ``os.pread``).

    The start-up cache (:mod:`geo_clsm.data.cache`) writes a large Blob beside the pickle and reads
    it back as an open file: the communes' WKB then takes no memory, only the geometries read.
    The descriptor is this object's own (closed with it): the data stays readable even when the
    cache file is replaced or removed. Pickled elsewhere (a copy), a Blob carries its bytes.
    """

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data
        self._fd = -1
        self._start = 0
        self.nbytes = len(data)

    @classmethod
    def in_file(cls, fd: int, *, start: int, nbytes: int) -> Blob:
        """The ``nbytes`` bytes at ``start`` of an open file (``fd`` is duplicated)."""
        blob = cls(b"")
        blob._data, blob._fd, blob._start, blob.nbytes = None, os.dup(fd), start, nbytes
        return blob

    def read(self, start: int, stop: int) -> bytes:
        """Bytes ``start:stop``."""
        stop = min(stop, self.nbytes)
        if self._data is not None:
            return self._data[start:stop]
        return os.pread(self._fd, max(0, stop - start), self._start + start)

    def __reduce__(self) -> tuple[type[Blob], tuple[bytes]]:
        return (Blob, (self.read(0, self.nbytes),))

    def __del__(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class TownHalls(Mapping[str, CommunePoint]):
    """Town-hall points by INSEE code, in arrays (same answers as a ``dict`` of them)."""

    def __init__(self, points: Iterable[CommunePoint]) -> None:
        by_code = {p.insee_com: p for p in points}  # the last point of a code wins, as in a dict
        rows = sorted(by_code.values(), key=lambda p: p.insee_com)
        self._codes = np.array([p.insee_com for p in rows], dtype=str)
        self._names = StringColumn(p.name for p in rows)
        self._lon = np.array([p.lon for p in rows], dtype=np.float64)
        self._lat = np.array([p.lat for p in rows], dtype=np.float64)
        sources = sorted({p.source for p in rows})
        self._sources = sources
        index = {s: i for i, s in enumerate(sources)}
        self._source = np.array([index[p.source] for p in rows], dtype=np.int32)

    @classmethod
    def of(cls, points: Mapping[str, CommunePoint]) -> Mapping[str, CommunePoint]:
        """``points`` as a :class:`TownHalls` (kept as it is when it already is one)."""
        return points if isinstance(points, TownHalls) else cls(points.values())

    def _find(self, code: object) -> int:
        if not isinstance(code, str) or len(self._codes) == 0:
            return -1
        i = int(np.searchsorted(self._codes, code))
        return i if i < len(self._codes) and self._codes[i] == code else -1

    def _point(self, i: int) -> CommunePoint:
        return CommunePoint(
            insee_com=str(self._codes[i]),
            name=self._names[i],
            lon=float(self._lon[i]),
            lat=float(self._lat[i]),
            source=self._sources[int(self._source[i])],
        )

    def __getitem__(self, code: str) -> CommunePoint:
        i = self._find(code)
        if i < 0:
            raise KeyError(code)
        return self._point(i)

    def __contains__(self, code: object) -> bool:
        return self._find(code) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes.tolist())

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"TownHalls({len(self)} communes)"


class CommuneTable:
    """Communes (attributes, WKB geometries, bounding boxes), rows in the catalog's order."""

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        geometry = frame.geometry.name
        self.columns = list(frame.columns)
        self.geometry_column = geometry
        self.crs = frame.crs
        self.attrs: pd.DataFrame = pd.DataFrame(frame.drop(columns=geometry))
        geoms = np.asarray(frame.geometry.values, dtype=object)
        wkb = shapely.to_wkb(geoms)
        sizes = np.array([0 if b is None else len(b) for b in wkb.tolist()], dtype=np.int64)
        self._offsets = np.zeros(len(wkb) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self._offsets[1:])
        self._wkb = Blob(b"".join(b for b in wkb.tolist() if b is not None))
        self.bounds: NDArray[np.float64] = shapely.bounds(geoms)  # NaN for a missing or empty geometry

    def __len__(self) -> int:
        return len(self.attrs)

    def geometries(self, rows: IntArray | list[int]) -> NDArray[np.object_]:
        """The geometries of these rows (positions), built from WKB (None where there is none)."""
        idx = np.asarray(rows, dtype=np.int64)
        off, wkb = self._offsets, self._wkb
        blobs = np.array(
            [wkb.read(int(off[i]), int(off[i + 1])) if off[i + 1] > off[i] else None for i in idx.tolist()],
            dtype=object,
        )
        return np.asarray(shapely.from_wkb(blobs), dtype=object)

    def rows_in(self, territories: Iterable[str]) -> IntArray:
        """Positions of the rows of these territories."""
        mask = self.attrs["territory"].isin(list(territories)).to_numpy(dtype=bool)
        return np.flatnonzero(mask).astype(np.int64)

    def rows_touching(self, box: tuple[float, float, float, float]) -> IntArray:
        """Positions (ascending) of the rows whose bounding box intersects ``box`` (xmin, ymin, xmax, ymax)."""
        b = self.bounds
        with np.errstate(invalid="ignore"):
            hit = (b[:, 0] <= box[2]) & (b[:, 2] >= box[0]) & (b[:, 1] <= box[3]) & (b[:, 3] >= box[1])
        return np.flatnonzero(hit).astype(np.int64)

    def rows_intersecting(self, box: tuple[float, float, float, float]) -> IntArray:
        """Positions (ascending) of the rows whose geometry intersects ``box``."""
        rows = self.rows_touching(box)
        if len(rows) == 0:
            return rows
        return rows[shapely.intersects(self.geometries(rows), shapely.box(*box))]

    def frame(self, rows: IntArray | list[int] | None = None) -> gpd.GeoDataFrame:
        """These rows (every row when None) as the GeoDataFrame they were built from."""
        attrs = self.attrs if rows is None else self.attrs.iloc[np.asarray(rows, dtype=np.int64)]
        geoms = self.geometries(np.arange(len(self)) if rows is None else rows)
        out = attrs.copy()
        out[self.geometry_column] = geoms
        return gpd.GeoDataFrame(out[self.columns], geometry=self.geometry_column, crs=self.crs)

    def total_bounds(self, rows: IntArray | None = None) -> tuple[float, float, float, float]:
        """The bounding box of these rows (NaN when none)."""
        b = self.bounds if rows is None else self.bounds[rows]
        if len(b) == 0 or np.isnan(b).all():
            return (np.nan, np.nan, np.nan, np.nan)
        return (
            float(np.nanmin(b[:, 0])),
            float(np.nanmin(b[:, 1])),
            float(np.nanmax(b[:, 2])),
            float(np.nanmax(b[:, 3])),
        )
