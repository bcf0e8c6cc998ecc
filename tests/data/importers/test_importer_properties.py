"""Hypothesis properties for every importer: whatever the file, no crash, and every row read is
imported, rejected or excluded (``ImportReport.is_complete()``).

Files start from the synthetic fixtures of tests/data (and the shipped QPV and national lines
layers) and are damaged by hypothesis: garbage or huge fields, decimal commas, swapped or
out-of-range coordinates, missing or extra cells, empty rows, BOMs and other encodings; GeoJSON
features get invalid, empty, null or wrong-type geometries. A file that cannot be read at all is
one rejection of row 0 ("fichier") and nothing imported.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from geo_clsm.data.importers.finess import import_finess
from geo_clsm.data.importers.finess_common import CommuneChecker
from geo_clsm.data.importers.gisco import import_gisco
from geo_clsm.data.importers.lines import import_national_lines
from geo_clsm.data.importers.qpv import import_qpv
from geo_clsm.data.importers.registry import import_registry
from geo_clsm.data.importers.report import ImportReport
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.importers.resources import import_resources, import_resources_table

DATA = Path(__file__).resolve().parents[1]
LAYERS = Path(__file__).resolve().parents[3] / "layers"
PROPS = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

garbage = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "nan", "NULL", "-", "1e400", "-999", "91", "181", "0", "49,11", "6,17", "é" * 3]),
    st.just("x" * 100_000),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])


def _check(report: ImportReport[Any]) -> None:
    whole_file = [r for r in report.rejected if r.row == 0]
    if whole_file:
        assert report.imported == 0, report.summary()
        return
    assert report.is_complete(), report.summary()


@st.composite
def damaged_csv(draw: st.DrawFn, text: str, *, delimiter: str = ",", skip: int = 0) -> bytes:
    """The CSV ``text`` with some rows damaged, re-encoded; ``skip`` leading lines kept as they are."""
    lines = text.splitlines()
    head, body = lines[: skip + 1], lines[skip + 1 :]
    rows = list(csv.reader(body, delimiter=delimiter))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        op = draw(st.sampled_from(["keep", "field", "comma", "swap", "short", "long", "empty", "dup"]))
        row = list(row)
        if op == "field" and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(garbage)
        elif op == "comma":
            row = [c.replace(".", ",") for c in row]
        elif op == "swap" and len(row) > 1:
            i, j = draw(st.integers(0, len(row) - 1)), draw(st.integers(0, len(row) - 1))
            row[i], row[j] = row[j], row[i]
        elif op == "short":
            row = row[: draw(st.integers(0, len(row)))]
        elif op == "long":
            row = [*row, draw(garbage)]
        elif op == "empty":
            row = []
        elif op == "dup":
            writer.writerow(row)
        writer.writerow(row)
    raw = "\n".join(head) + "\n" + out.getvalue()
    if draw(st.booleans()):
        raw = raw.replace("\n", "\r\n")
    return raw.encode(draw(encodings), errors="replace")


def _run(content: bytes, suffix: str, importer: Callable[[Path], ImportReport[Any]]) -> ImportReport[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"damaged{suffix}"
        path.write_bytes(content)
        report = importer(path)
    _check(report)
    return report


@pytest.fixture(scope="module")
def mairies(metz: tuple[gpd.GeoDataFrame, dict[str, CommunePoint]]) -> dict[str, CommunePoint]:
    return metz[1]


@given(data=st.data())
@PROPS
def test_resources_csv(data: st.DataObject, mairies: dict[str, CommunePoint]) -> None:
    text = (DATA / "synthetic_resources.csv").read_text(encoding="utf-8")
    content = data.draw(damaged_csv(text))
    _run(content, ".csv", lambda p: import_resources(p, communes=mairies, territory="metz"))


@given(data=st.data())
@PROPS
def test_registry(data: st.DataObject, mairies: dict[str, CommunePoint]) -> None:
    text = (LAYERS / "pilots" / "resources_metz_angouleme.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    content = data.draw(damaged_csv("\n".join(lines[:12])))
    _run(content, ".csv", lambda p: import_registry(p, verified_on=date(2026, 11, 1), communes=mairies))


@given(data=st.data())
@PROPS
def test_gisco(data: st.DataObject, metz_checker: CommuneChecker) -> None:
    content = data.draw(damaged_csv((DATA / "synthetic_gisco.csv").read_text(encoding="utf-8")))
    _run(content, ".csv", lambda p: import_gisco(p, checker=metz_checker))


@given(data=st.data(), name=st.sampled_from(["synthetic_finess_stock.csv", "synthetic_finess_wide.csv"]))
@PROPS
def test_finess(data: st.DataObject, name: str, metz_checker: CommuneChecker, mairies: dict[str, CommunePoint]) -> None:
    raw = (DATA / name).read_bytes()
    text = raw.decode("utf-8") if name.endswith("wide.csv") else raw.decode("latin-1")
    skip = 0 if text.lower().startswith("nofinesset;") else 1
    content = data.draw(damaged_csv(text, delimiter=";", skip=skip - 1 if skip else 0))
    _run(content, ".csv", lambda p: import_finess(p, checker=metz_checker, communes=mairies, territory="metz"))


@given(data=st.data())
@PROPS
def test_national_lines(data: st.DataObject) -> None:
    content = data.draw(damaged_csv((LAYERS / "france" / "national_lines.csv").read_text(encoding="utf-8")))
    _run(content, ".csv", lambda p: import_national_lines(p, verified_on=date(2026, 11, 1)))


bad_geometries = st.sampled_from(
    [
        None,
        {"type": "Polygon", "coordinates": []},
        {
            "type": "Polygon",
            "coordinates": [[[6.1, 49.1], [6.2, 49.2], [6.2, 49.1], [6.1, 49.2], [6.1, 49.1]]],
        },  # bowtie
        {"type": "Polygon", "coordinates": [[[6.1, 49.1], [6.1, 49.1], [6.1, 49.1], [6.1, 49.1]]]},  # zero area
        {"type": "Point", "coordinates": [6.17, 49.11]},
        {"type": "Point", "coordinates": [49.11, 6.17]},  # swapped
        {"type": "Polygon", "coordinates": [[[600.0, 91.0], [601.0, 91.0], [601.0, 92.0], [600.0, 91.0]]]},
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "GeometryCollection", "geometries": []},
    ]
)


@given(data=st.data())
@PROPS
def test_qpv_geojson(data: st.DataObject) -> None:
    doc = json.loads((LAYERS / "pilots" / "qpv2024_metz_angouleme.geojson").read_text(encoding="utf-8"))
    feats = doc["features"][:6]
    for feat in feats:
        op = data.draw(st.sampled_from(["keep", "geometry", "field", "drop_field"]))
        if op == "geometry":
            feat["geometry"] = data.draw(bad_geometries)
        elif op == "field":
            key = data.draw(st.sampled_from(sorted(feat["properties"])))
            feat["properties"][key] = data.draw(st.one_of(garbage, st.none(), st.integers()))
        elif op == "drop_field":
            feat["properties"].pop(data.draw(st.sampled_from(sorted(feat["properties"]))))
    doc["features"] = feats
    content = json.dumps(doc, ensure_ascii=data.draw(st.booleans())).encode("utf-8")
    if data.draw(st.booleans()):
        content = b"\xef\xbb\xbf" + content
    _run(content, ".geojson", lambda p: import_qpv(p)[1])


@given(data=st.data())
@PROPS
def test_resources_geojson(data: st.DataObject, mairies: dict[str, CommunePoint]) -> None:
    doc = json.loads((DATA / "synthetic_resources.geojson").read_text(encoding="utf-8"))
    for feat in doc["features"]:
        op = data.draw(st.sampled_from(["keep", "geometry", "field"]))
        if op == "geometry":
            feat["geometry"] = data.draw(bad_geometries)
        elif op == "field" and feat.get("properties"):
            key = data.draw(st.sampled_from(sorted(feat["properties"])))
            feat["properties"][key] = data.draw(st.one_of(garbage, st.none(), st.integers(), st.lists(st.integers())))
    content = json.dumps(doc).encode(data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))
    _run(content, ".geojson", lambda p: import_resources(p, communes=mairies, territory="metz"))


def test_many_rows_are_all_accounted_for(tmp_path: Path) -> None:
    """One bounded large example: 10^5 rows (one in ten damaged) of the national lines format."""
    text = (LAYERS / "france" / "national_lines.csv").read_text(encoding="utf-8")
    header, first, *_ = text.splitlines()
    n = 100_000
    rows = [
        first.replace("ligne-3114", f"synthetic-{i}", 1) if i % 10 else "synthetic-bad,PAS_UN_TYPE" for i in range(n)
    ]
    path = tmp_path / "synthetic_many_lines.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_national_lines(path, verified_on=date(2026, 11, 1))
    assert report.rows_read == n
    assert report.is_complete()
    assert len(report.rejected) >= n // 10


# One damage per kind, at known rows of the 10^6-row file, and the field its rejection names.
# A value of ``None``: the previous row's id (a duplicate).
_DAMAGES: list[tuple[str, str | None, str]] = [
    ("type", "PAS_UN_TYPE", "type"),
    ("lat", "91", "lon,lat"),
    ("lon", "abc", "lon"),
    ("lon", "1e400", "lon,lat"),  # read as infinity: out of bounds
    ("last_verified", "2026-13-01", "last_verified"),
    ("name", "", "name"),
    ("id", None, "id"),
    ("id", "", "id"),
    ("source", "", "source"),
]


def _synthetic_resources_csv(path: Path, n: int, bad_rows: NDArray[np.int64], *, chunk_rows: int = 100_000) -> None:
    """``n`` valid synthetic resources near Metz, damaged at ``bad_rows`` (0-based) by each of
    ``_DAMAGES`` in turn; columns built with numpy and pyarrow and written by pyarrow, a chunk at a
    time (a plain file: no quote)."""
    rng = np.random.default_rng(14)
    damage = np.full(n, -1)
    damage[bad_rows] = np.arange(len(bad_rows)) % len(_DAMAGES)
    with path.open("wb") as f:
        f.write(b"id,type,name,lon,lat,position_precision,source,last_verified\n")
        for start in range(0, n, chunk_rows):
            rows = np.arange(start, min(start + chunk_rows, n))
            kind, m = damage[rows], len(rows)
            id_rows = np.where(kind == _DAMAGES.index(("id", None, "id")), rows - 1, rows)
            cols = {
                "id": pc.binary_join_element_wise("synthetic-", pc.cast(pa.array(id_rows), pa.string()), ""),
                "type": pa.array(np.array(["CMP", "GEM", "CMPP", "CATTP"])[rng.integers(0, 4, m)]),
                "name": pc.binary_join_element_wise("synthetic place ", pc.cast(pa.array(rows), pa.string()), ""),
                "lon": pc.cast(pa.array(np.round(rng.uniform(6.0, 6.3, m), 5)), pa.string()),
                "lat": pc.cast(pa.array(np.round(rng.uniform(49.0, 49.2, m), 5)), pa.string()),
                "position_precision": pa.array(np.full(m, "address")),
                "source": pa.array(np.full(m, "synthetic test file")),
                "last_verified": pa.array(np.full(m, "2026-11-01")),
            }
            for k, (column, value, _) in enumerate(_DAMAGES):
                if value is not None:
                    cols[column] = pc.if_else(pa.array(kind == k), value, cols[column])
            pacsv.write_csv(pa.table(cols), f, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def test_million_resource_rows_are_all_accounted_for(tmp_path: Path) -> None:
    """10^6 rows through the path of ``geo-clsm import resources`` (``import_resources_table``): every
    row accounted for, and the damaged ones, and only they, rejected with their row and field."""
    n = 1_000_000
    bad_rows = np.arange(1_234, n, 9_973)  # 101 rows, first and last batches included
    path = tmp_path / "synthetic_resources_1m.csv"
    _synthetic_resources_csv(path, n, bad_rows)
    report = import_resources_table(path, territory="metz")
    assert report.rows_read == n
    assert report.imported + len(report.rejected) + len(report.excluded) == n
    assert report.imported == n - len(bad_rows) and report.excluded == []
    want = {(int(row) + 2, _DAMAGES[k % len(_DAMAGES)][2]) for k, row in enumerate(bad_rows)}  # header is row 1
    assert {(r.row, r.field) for r in report.rejected} == want
    assert len(report.rejected) == len(bad_rows)
