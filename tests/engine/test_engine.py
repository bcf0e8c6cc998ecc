"""Engine: filters, opening hours, service areas, confidential positions (synthetic layers)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.resources import import_resources
from geo_clsm.data.layers import merge_resources
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery


@pytest.fixture(scope="module")
def synthetic_engine(catalog: Catalog, data_dir: Path) -> Engine:
    """The shipped Metz layers plus the synthetic resources (EMPP with a service area, hours …)."""
    rep = import_resources(data_dir / "synthetic_resources.csv", communes=catalog.mairies, territory="metz")
    metz = [r for r in catalog.resources if r.territory == "metz"]
    merged, _ = merge_resources({"metz": metz + rep.records}, {"metz": catalog.territories["metz"]})
    return Engine(
        Catalog(
            data_dir=catalog.data_dir,
            layers=catalog.layers,
            territories={"metz": catalog.territories["metz"]},
            resources=merged,
            qpv=catalog.qpv[catalog.qpv.territory == "metz"],
            communes=catalog.communes[catalog.communes.territory == "metz"],
            mairies=catalog.mairies,
        )
    )


def test_open_at_filters_known_hours_and_marks_unknown(synthetic_engine: Engine) -> None:
    sunday = datetime(2026, 11, 22, 10, 0)
    monday = datetime(2026, 11, 23, 10, 0)
    ids_sunday = {
        r.resource.id: r.open_status
        for r in synthetic_engine.nearest(6.17594, 49.11022, NearestQuery(k=50, open_at=sunday))
    }
    ids_monday = {
        r.resource.id: r.open_status
        for r in synthetic_engine.nearest(6.17594, 49.11022, NearestQuery(k=50, open_at=monday))
    }
    assert "syn-ok" not in ids_sunday  # Mo-Fr only
    assert ids_monday["syn-ok"] == "open"
    assert ids_sunday["metz-cmp-cattp-adultes-gambetta"] == "unknown"


def test_open_at_with_timezone_is_converted_to_local_time(synthetic_engine: Engine) -> None:
    # 08:30 UTC on a Monday in November is 09:30 in Metz: open (opens 09:00).
    utc = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert "syn-ok" in {
        r.resource.id for r in synthetic_engine.nearest(6.17594, 49.11022, NearestQuery(k=50, open_at=utc))
    }
    early = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 08:30 local: closed
    assert "syn-ok" not in {
        r.resource.id for r in synthetic_engine.nearest(6.17594, 49.11022, NearestQuery(k=50, open_at=early))
    }


def test_service_area_serves_location(synthetic_engine: Engine) -> None:
    inside = {r.resource.id: r for r in synthetic_engine.nearest(6.15, 49.10, NearestQuery(k=1, types=["EMPP"]))}
    assert inside["syn-empp"].serves_location is True
    # East of its area (the polygon stops at 6.3° E).
    outside = {r.resource.id: r for r in synthetic_engine.nearest(6.33, 49.08, NearestQuery(k=5, types=["EMPP"]))}
    assert outside["syn-empp"].serves_location is False
    others = synthetic_engine.nearest(6.15, 49.10, NearestQuery(k=3, types=["CMP"]))
    assert all(r.serves_location is None for r in others)


def test_team_covering_the_point_is_listed_even_beyond_k(synthetic_engine: Engine) -> None:
    got = synthetic_engine.nearest(6.12, 49.06, NearestQuery(k=1))
    ids = [r.resource.id for r in got]
    assert "syn-empp" in ids and len(ids) == 2


def test_age_filter_uses_type_implied_ages(synthetic_engine: Engine) -> None:
    got = synthetic_engine.nearest(6.17594, 49.11022, NearestQuery(k=50, types=["CMP"], age=15))
    ids = {r.resource.id for r in got}
    assert "metz-cmp-adolescents-moselle" in ids
    assert "metz-cmp-cattp-adultes-gambetta" not in ids
    assert "syn-ok" not in ids  # CMP_ADULTE with age_min 18


def test_confidential_distance_is_to_the_public_position(synthetic_engine: Engine) -> None:
    conf = synthetic_engine.catalog.resources_by_id["syn-confidential"]
    pub = conf.public_position()
    assert pub is not None and conf.position is not None and pub != conf.position
    got = {r.resource.id: r for r in synthetic_engine.nearest(conf.position.lon, conf.position.lat, NearestQuery(k=50))}
    assert got["syn-confidential"].distance_m > 100  # not 0: the true point is not revealed


def test_walk_minutes_estimate(synthetic_engine: Engine) -> None:
    r = synthetic_engine.nearest(6.17594, 49.11022, NearestQuery(k=1))[0]
    assert r.walk_minutes == pytest.approx(r.distance_m * 1.3 / 75.0)


def test_qpv_of_many_points_equals_one_by_one(synthetic_engine: Engine) -> None:
    """The bulk point-in-QPV lookup used at start-up answers as the one-point lookup, QPV or not."""
    import numpy as np
    import shapely

    loc = synthetic_engine.locator
    qpv = synthetic_engine.catalog.qpv
    inside = shapely.point_on_surface(np.asarray(qpv.geometry.values))  # one point in each QPV
    x0, y0, x1, y1 = synthetic_engine.catalog.communes.total_bounds
    rng = np.random.default_rng(4)
    lon = np.concatenate([shapely.get_x(inside), rng.uniform(x0, x1, 300)])
    lat = np.concatenate([shapely.get_y(inside), rng.uniform(y0, y1, 300)])
    got = loc.qpv_at_many(lon, lat)
    want = [loc.qpv_at(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
    assert got == want
    assert sum(g is not None for g in got) >= len(qpv)
