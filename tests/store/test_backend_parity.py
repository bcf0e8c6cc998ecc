"""Parity of the query backends: the in-memory engine and PostGIS answer the same queries with the
same ids in the same order and distances within 0.1 % (nearest with every filter, resources by
bounding box, territory lookups, indicators), on the shipped layers plus synthetic records that
make ties, overseas places, service areas, hours, languages and confidential addresses.

PostgreSQL + PostGIS only (``make test`` starts it and passes ``GEO_CLSM_TEST_PG_URL``).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from pyproj import Transformer

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.backend import MemoryBackend, QueryBackend, backend_factory
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestAnswer, NearestQuery
from geo_clsm.engine.postgis.access import postgis_indicators, read_resources
from geo_clsm.engine.postgis.backend import PostgisBackend
from geo_clsm.geo.crs import _ZONES, projected_crs_for
from geo_clsm.model.errors import InvalidInputError, OutsideTerritoryError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.sector import Extent
from geo_clsm.store import repo
from geo_clsm.store.db import connect
from geo_clsm.store.live import LiveEngine
from geo_clsm.store.startup import open_store
from tests.engine.test_locate_rule import GAPS
from tests.engine.test_locate_rule import OUTSIDE as FAR

pytestmark = pytest.mark.pg  # every test here needs PostgreSQL + PostGIS

SOURCE = "synthetic test fixture (tests/store/test_backend_parity.py)"
TODAY = date(2026, 11, 1)


def _res(rid: str, rtype: str, lon: float, lat: float, **kw: Any) -> Resource:
    commune = kw.pop("commune_at", None)
    return Resource(
        id=rid,
        type=ResourceType(rtype),
        name=f"Ressource synthétique {rid}",
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
        commune_position=None
        if commune is None
        else Position(lon=commune[0], lat=commune[1], precision=PositionPrecision.COMMUNE, source="synthetic"),
        source=SOURCE,
        last_verified=TODAY,
        **kw,
    )


def synthetic_records() -> list[Resource]:
    """Ties (same point; catalog order differs from id order), overseas places, a service area
    (mainland and overseas), hours, languages, ages and a confidential address."""
    square = "POLYGON ((0.157 45.60, 0.22 45.60, 0.22 45.70, 0.157 45.70, 0.157 45.60))"  # not the tie point
    reunion_area = "POLYGON ((55.2 -21.4, 55.8 -21.4, 55.8 -20.85, 55.2 -20.85, 55.2 -21.4))"
    return [
        _res("synthetic-tie-b", "GEM", 0.1560, 45.6484, territory="angouleme", languages=("fr", "ar")),
        _res("synthetic-tie-a", "GEM", 0.1560, 45.6484, territory="angouleme"),
        _res(
            "synthetic-tie-c", "CMP", 0.1560, 45.6484, territory="angouleme", audience=Audience(age_min=0, age_max=17)
        ),
        _res(
            "synthetic-empp-angouleme",
            "EMPP",
            0.30,
            45.80,
            territory="angouleme",
            service_area_wkt=square,
            opening_hours="Mo-Fr 09:00-17:00",
        ),
        _res(
            "synthetic-confidential",
            "CMP_ADULTE",
            0.1490,
            45.6530,
            territory="angouleme",
            confidential_address=True,
            commune_at=(0.1560, 45.6484),
            insee_com="16015",
        ),
        _res("synthetic-reunion-1", "CMP", 55.4500, -20.8900, territory="france", languages=("fr", "en")),
        _res("synthetic-reunion-2", "CMP", 55.4500, -20.8900, territory="france", opening_hours="Sa 09:00-12:00"),
        _res("synthetic-reunion-empp", "EMPP", 55.60, -21.10, territory="france", service_area_wkt=reunion_area),
        _res("synthetic-guyane", "MDA", -52.33, 4.93, territory="france", audience=Audience(age_min=11, age_max=25)),
        _res("synthetic-mayotte", "CMP_ENFANT", 45.23, -12.78, territory="france"),
        _res("synthetic-martinique", "GEM", -61.07, 14.61, territory="france", languages=("fr", "en")),
        # An intervention zone of communes and a QPV (issue 29, item 5): Woippy and the QPV Borny.
        _res(
            "synthetic-empp-metz-zone",
            "EMPP",
            6.30,
            49.20,
            territory="metz",
            service_area=Extent(communes=("57751",), qpv=("QN05720M",)),
        ),
    ]


@pytest.fixture(scope="module")
def backends(catalog: Catalog) -> Iterator[tuple[MemoryBackend, PostgisBackend]]:
    url = os.environ.get("GEO_CLSM_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("GEO_CLSM_TEST_PG_URL is not set: run the tests through `make test`, which starts PostgreSQL")
        pytest.skip("GEO_CLSM_TEST_PG_URL is not set (run `make test` to start a PostgreSQL)")
    reset = connect(url)
    with reset.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    reset.dispose()
    full = dataclasses.replace(catalog, resources=[*catalog.resources, *synthetic_records()])
    db = open_store(url, shipped=lambda: full.resources, territories=list(full.territories))
    engine = LiveEngine(db, Engine(full), compute_access_in_background=False).sync()
    yield MemoryBackend(engine), PostgisBackend(db, engine)
    db.dispose()


def query_points(catalog: Catalog) -> list[tuple[float, float]]:
    """Points inside communes of each territory (pilots, mainland, overseas), the tie points, and
    points outside France."""
    rng = np.random.default_rng(15)
    communes = catalog.communes
    out: list[tuple[float, float]] = []
    for tid, n in (("metz", 8), ("angouleme", 8), ("france", 14)):
        sel = communes[communes["territory"] == tid]
        for i in rng.choice(len(sel), size=n, replace=False):
            p = sel.geometry.iloc[int(i)].representative_point()
            out.append((p.x, p.y))
    overseas = communes[communes["insee_com"].astype(str).str.match(r"^97[1-6]")]
    for i in rng.choice(len(overseas), size=10, replace=False):
        p = overseas.geometry.iloc[int(i)].representative_point()
        out.append((p.x, p.y))
    out += [(0.1560, 45.6484), (55.4500, -20.8900), (6.1955, 49.1197), (0.16, 45.65), (55.5, -21.0)]
    return out


OUTSIDE = [(-30.0, 45.0), (13.40, 52.52), (2.0, 60.0)]

NEAREST_CASES: list[dict[str, Any]] = [
    {},
    {"k": 12},
    {"k": 3, "types": [ResourceType.CMP]},
    {"types": [ResourceType.CMP_ADULTE]},
    {"types": [ResourceType.CMP_ENFANT], "k": 8},
    {"types": [ResourceType.GEM, ResourceType.CATTP]},
    {"types": [ResourceType.EMPP]},
    {"age": 15},
    {"age": 40, "types": [ResourceType.CMP]},
    {"languages": ["ar"]},
    {"languages": ["en", "de"], "k": 4},
    {"max_distance_m": 3000.0, "k": 20},
    {"open_at": datetime(2026, 11, 23, 10, 0)},
    {"open_at": datetime(2026, 11, 28, 8, 30, tzinfo=UTC), "types": [ResourceType.CMP]},
    {"near_limit_m": 5000.0, "types": [ResourceType.MDA, ResourceType.GEM]},
    {"near_limit_m": 2000.0},
    {"age": 8, "types": [ResourceType.CMP_ENFANT, ResourceType.MDA], "languages": ["fr"], "max_distance_m": 40_000.0},
]


def assert_same(a: NearestAnswer, b: NearestAnswer, where: Any) -> None:
    assert [r.resource.id for r in b.results] == [r.resource.id for r in a.results], where
    for x, y in zip(a.results, b.results, strict=True):
        assert y.distance_m == pytest.approx(x.distance_m, rel=1e-3, abs=1e-3), (where, x.resource.id)
        assert (y.serves_location, y.open_status, y.audience_known) == (
            x.serves_location,
            x.open_status,
            x.audience_known,
        ), (where, x.resource.id)
    assert b.missing_types == a.missing_types, where
    assert [r.id for r in b.lines] == [r.id for r in a.lines], where
    assert b.nothing_near == a.nothing_near, where


@pytest.mark.parametrize("case", NEAREST_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "plain")
def test_nearest_same_answers(
    backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog, case: dict[str, Any]
) -> None:
    mem, pg = backends
    answered = 0
    for lon, lat in [*query_points(catalog), *OUTSIDE]:
        a, b = mem.search(lon, lat, NearestQuery(**case)), pg.search(lon, lat, NearestQuery(**case))
        assert_same(a, b, (lon, lat, case))
        answered += bool(a.results)
    assert answered >= 3  # every case returns resources somewhere


def test_ties_and_service_areas_are_exercised(backends: tuple[MemoryBackend, PostgisBackend]) -> None:
    """The synthetic records do what they are for: a tie at distance 0 kept in catalog order, an
    overseas tie, and a team whose service area covers the point listed beyond k."""
    mem, pg = backends
    for backend in (mem, pg):
        at_tie = backend.search(0.1560, 45.6484, NearestQuery(k=4)).results
        # The confidential record is shown at its commune's point: a fourth tie.
        assert [r.resource.id for r in at_tie] == [
            "synthetic-tie-b",
            "synthetic-tie-a",
            "synthetic-tie-c",
            "synthetic-confidential",
        ]
        assert at_tie[0].distance_m == pytest.approx(0.0, abs=1e-6)
        reunion = backend.search(55.4500, -20.8900, NearestQuery(k=2)).results
        assert [r.resource.id for r in reunion] == [
            "synthetic-reunion-1",
            "synthetic-reunion-2",
            "synthetic-reunion-empp",
        ]
        assert reunion[2].serves_location is True  # overseas service area, beyond k
        covered = backend.search(0.16, 45.65, NearestQuery(k=1)).results
        empp = [r for r in covered if r.resource.id == "synthetic-empp-angouleme"]
        assert len(covered) == 2 and empp and empp[0].serves_location is True
        assert empp[0].distance_m > 10_000  # far beyond the nearest one: listed because it serves the point
        # A zone of communes and QPV: Woippy and the QPV Borny are served, the rest of Metz is not.
        for lon, lat, serves in ((6.1450, 49.1520, True), (6.22361, 49.11296, True), (6.1759, 49.1102, False)):
            found = backend.search(lon, lat, NearestQuery(k=1)).results
            zone = [r for r in found if r.resource.id == "synthetic-empp-metz-zone"]
            assert bool(zone) is serves and all(r.serves_location for r in zone)


def brute_force_nearest(catalog: Catalog, lon: float, lat: float, k: int) -> list[tuple[str, float]]:
    """An independent answer: every placed resource of the point's zone projected with pyproj,
    sorted by (planar distance, catalog order)."""
    crs = projected_crs_for(lon, lat)
    assert crs is not None
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    qx, qy = tr.transform(lon, lat)
    cands = []
    for i, r in enumerate(catalog.resources):
        pos = r.public_position()
        if pos is None or projected_crs_for(pos.lon, pos.lat) != crs:
            continue
        x, y = tr.transform(pos.lon, pos.lat)
        cands.append((float(np.hypot(x - qx, y - qy)), i, r.id))
    cands.sort()
    return [(rid, d) for d, _, rid in cands[:k]]


def test_postgis_knn_matches_brute_force(backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog) -> None:
    _, pg = backends
    for lon, lat in query_points(catalog)[::3]:
        got = pg.nearest(lon, lat, NearestQuery(k=6))
        want = brute_force_nearest(pg.engine.catalog, lon, lat, 6)
        assert [r.resource.id for r in got] == [rid for rid, _ in want], (lon, lat)
        for r, (_, d) in zip(got, want, strict=True):
            assert r.distance_m == pytest.approx(d, rel=1e-3, abs=1e-3)


BBOXES: list[dict[str, Any]] = [
    {"bbox": (6.0, 49.0, 6.35, 49.25)},
    {"bbox": (6.0, 49.0, 6.35, 49.25), "types": [ResourceType.CMP]},
    {"bbox": (0.0, 45.5, 0.3, 45.8), "age": 15},
    {"bbox": (0.0, 45.5, 0.3, 45.8), "known_audience_only": True, "age": 30, "types": [ResourceType.CMP_ADULTE]},
    {"bbox": (0.1560, 45.6484, 0.1560, 45.6484)},  # a degenerate box on the tie point: bounds inclusive
    {"bbox": (2.2, 48.8, 2.45, 48.92), "languages": ["fr"]},
    {"bbox": (55.2, -21.4, 55.9, -20.8)},
    {"bbox": (-62.0, 14.0, -60.0, 17.0), "languages": ["en"]},
    {"bbox": (-5.5, 41.2, 10.0, 51.2), "types": [ResourceType.MDA]},
    {"territory": "metz", "text": "cmp"},
    {"insee_com": "16015", "types": [ResourceType.GEM]},
    {"types": [ResourceType.LIGNE_ECOUTE]},  # national lines: no position
]


@pytest.mark.parametrize("filters", BBOXES, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_resources_same_ids_same_order(backends: tuple[MemoryBackend, PostgisBackend], filters: dict[str, Any]) -> None:
    mem, pg = backends
    a, b = mem.resources(**filters), pg.resources(**filters)
    assert [r.id for r in b] == [r.id for r in a]
    assert a, "the filters select something"


def _place(backend: QueryBackend, lon: float, lat: float) -> object:
    try:
        return backend.locate(lon, lat)
    except OutsideTerritoryError as exc:
        return ("outside", exc.message)


def test_locate_same_places(backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog) -> None:
    mem, pg = backends
    points = [*query_points(catalog), *OUTSIDE]
    places = [_place(mem, lon, lat) for lon, lat in points]
    assert [_place(pg, lon, lat) for lon, lat in points] == places
    assert sum(isinstance(p, tuple) for p in places) == len(OUTSIDE)
    assert any(getattr(p, "code_qp", None) for p in places)  # (6.1955, 49.1197) lies in a QPV of Metz


def test_locate_in_the_gaps(backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog) -> None:
    """The locate rule (geo_clsm.engine.places) in SQL: a point between two generalised outlines is
    in its nearest commune, as in memory; far from every commune, outside (tests/engine/test_locate_rule.py)."""
    mem, pg = backends
    for lon, lat, insee, territory in GAPS:
        got = pg.locate(lon, lat)
        assert (got.insee_com, got.territory) == (insee, territory)
        assert got == mem.locate(lon, lat)
    for lon, lat in FAR:
        assert _place(pg, lon, lat) == _place(mem, lon, lat)
        assert isinstance(_place(pg, lon, lat), tuple)


def test_locate_in_a_qpv(backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog) -> None:
    mem, pg = backends
    for geom in catalog.qpv.geometry:
        p = geom.representative_point()
        got = pg.locate(p.x, p.y)
        assert got == mem.locate(p.x, p.y)
        assert got.code_qp is not None


def assert_frames_close(a: pd.DataFrame, b: pd.DataFrame, where: str) -> None:
    """Same columns, rows in the same order with the same keys and texts; numbers within 0.1 %."""
    assert list(b.columns) == list(a.columns), where
    assert len(b) == len(a) and len(a), where
    for col in a.columns:
        x, y = a[col].tolist(), b[col].tolist()
        numeric = pd.api.types.is_float_dtype(a[col]) or pd.api.types.is_float_dtype(b[col])
        if numeric:
            xs = np.array([np.nan if v is None else v for v in x], dtype=float)
            ys = np.array([np.nan if v is None else v for v in y], dtype=float)
            np.testing.assert_allclose(ys, xs, rtol=1e-3, atol=1e-6, equal_nan=True, err_msg=f"{where}: {col}")
        else:
            assert y == x, f"{where}: {col}"


def test_indicators_same_from_postgis(backends: tuple[MemoryBackend, PostgisBackend]) -> None:
    """PostGIS measures from the sample points stored in the database to the resources read from
    it: the same QPV, types and figures as the in-memory engine (both audience variants)."""
    mem, pg = backends
    a, b = mem.indicators(), pg.indicators()
    assert sorted(b) == sorted(a) == ["angouleme", "metz"]
    for tid in a:
        assert b[tid] is not a[tid] and b[tid].crs == a[tid].crs and b[tid].notes == a[tid].notes
        for known in (False, True):
            x, y = a[tid].variant(known_audience_only=known), b[tid].variant(known_audience_only=known)
            where = f"{tid} known={known}"
            assert_frames_close(x.qpv.drop(columns="geometry"), y.qpv.drop(columns="geometry"), f"{where} qpv")
            assert_frames_close(x.rest, y.rest, f"{where} rest")
            assert_frames_close(x.communes, y.communes, f"{where} communes")
            assert_frames_close(x.sectors, y.sectors, f"{where} sectors")  # by sector: one code, in Python
            assert y.qpv.geometry.equals(x.qpv.geometry)
    with pg.db.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT territory, count(*) FROM access_points WHERE zone = 'qpv' GROUP BY territory")
        ).all()
    first = {t: a[t].qpv[a[t].qpv["resource_type"] == a[t].types[0].value] for t in a}
    assert dict(stored) == {t: int(first[t]["n_sample_points"].sum()) for t in a}


def test_indicators_read_the_database(backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog) -> None:
    """A resource committed to the database but not yet in the engine snapshot counts in the PostGIS
    indicators: they are measured on the database of record, not on the engine's copy."""
    mem, pg = backends
    borny = catalog.qpv[catalog.qpv["code_qp"] == "QN05720M"].geometry.iloc[0].representative_point()
    rid = "synthetic-gem-borny"
    data = {
        "id": rid,
        "type": "GEM",
        "name": "GEM de test (synthétique)",
        "insee_com": "57463",
        "commune": "Metz",
        "lon": borny.x,
        "lat": borny.y,
        "position_precision": "street",
        "source": SOURCE,
        "last_verified": "2026-11-01",
        "territory": "metz",
    }
    repo.create(pg.db, data, author="ed@example.fr", communes=catalog.mairies)
    try:
        found = read_resources(pg.db, loaded=pg.engine.catalog.territories, rank=lambda r: r.id)
        got = postgis_indicators(pg.db, pg.engine.catalog, resources=found, types=[ResourceType.GEM])["metz"].qpv
    finally:
        repo.withdraw(pg.db, rid, author="ed@example.fr")
    assert rid not in mem.engine.catalog.resources_by_id
    before = mem.indicators()["metz"].qpv

    def borny_gem(t: pd.DataFrame) -> Any:
        return t[(t["code_qp"] == "QN05720M") & (t["resource_type"] == "GEM")].iloc[0]

    assert borny_gem(got)["count_within_1000m"] == borny_gem(before)["count_within_1000m"] + 1
    assert borny_gem(got)["mean_m"] < borny_gem(before)["mean_m"]
    assert not borny_gem(got)["zone_blanche"]


def test_database_changes_are_seen_at_once(backends: tuple[MemoryBackend, PostgisBackend], catalog: Catalog) -> None:
    """PostGIS reads the database of record: a record moved by an editor answers from its new
    position before the engine snapshot is rebuilt (its row is read when the snapshot lacks it)."""
    mem, pg = backends
    rid = "synthetic-martinique"
    repo.update(pg.db, rid, {"lon": -61.0, "lat": 14.7}, author="ed@example.fr", communes=catalog.mairies)
    try:
        hit = pg.nearest(-61.0, 14.7, NearestQuery(k=1))
        assert [r.resource.id for r in hit] == [rid] and hit[0].distance_m == pytest.approx(0.0, abs=1e-6)
        assert (
            mem.search(-61.0, 14.7, NearestQuery(k=1)).results[0].distance_m > 1000
        )  # the snapshot still has the old one
    finally:
        repo.update(pg.db, rid, {"lon": -61.07, "lat": 14.61}, author="ed@example.fr", communes=catalog.mairies)


def test_migration_zones_follow_crs() -> None:
    """The zone boxes frozen in migration 0004 are those of geo_clsm.geo.crs."""
    mig = importlib.import_module("geo_clsm.store.migrations.versions.0005_postgis_queries")
    assert [(int(crs.split(":")[1]), *box) for _, crs, *box in _ZONES] == [tuple(z) for z in mig.ZONES]


def test_postgis_backend_needs_postgresql(tmp_path: Any) -> None:
    sqlite = connect(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(InvalidInputError, match="PostgreSQL"):
        backend_factory("postgis", db=sqlite)
    assert backend_factory("memory")(Engine.__new__(Engine)).__class__ is MemoryBackend
