"""The observatory on SQLite and PostgreSQL: one snapshot per data version that changed a
territory (an editor's change gives one, an unchanged reload none), and the évolution since a
date lists what opened and moved, with the indicators before and after."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from pyproj import Geod
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource import Resource
from geo_clsm.observatory.evolution import evolution, series
from geo_clsm.observatory.recorder import SnapshotRecorder
from geo_clsm.observatory.section import evolution_html
from geo_clsm.observatory.snapshots import load
from geo_clsm.store import repo
from geo_clsm.store.live import LiveEngine, catalog_from_store

MOVED = "metz-epsm-metz-jury"
NEW_CMP = "metz-cmp-synthetic-borny"  # synthetic: a CMP added by an editor inside Borny
BORNY = "QN05720M"
BORNY_POINT = (6.22361, 49.11296)  # a point of Borny's sample grid


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _counts(db: SqlEngine) -> dict[str, int]:
    with db.connect() as conn:
        return {t: len(load(conn, t)) for t in ("metz", "angouleme")}


@pytest.fixture
def setup(db: SqlEngine, catalog: Catalog, shipped: list[Resource]) -> tuple[LiveEngine, SnapshotRecorder, Clock]:
    clock = Clock(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    recorder = SnapshotRecorder(db, clock=clock)
    base = Engine(catalog_from_store(catalog, shipped))
    _ = base.access
    live = LiveEngine(db, base, compute_access_in_background=False, on_access=lambda e, t: recorder.record_now(e, t))
    assert live.sync() is base
    live.notify_fresh(base)
    return live, recorder, clock


def test_one_snapshot_per_version(setup: tuple[LiveEngine, SnapshotRecorder, Clock], db: SqlEngine) -> None:
    live, recorder, clock = setup
    assert _counts(db) == {"metz": 1, "angouleme": 1}
    # Unchanged data: the layers reloaded (re-seed, same records), a second notification, a direct call.
    base = live.current
    assert live.rebase(base) is base
    live.notify_fresh(base)
    assert recorder.record_now(base) == []
    assert _counts(db) == {"metz": 1, "angouleme": 1}
    # A new data version that changes nothing the observatory keeps (a phone number): no snapshot.
    mairies = base.catalog.mairies
    repo.update(db, MOVED, {"phone": "03 87 11 22 33"}, author="ed@example.fr", communes=mairies)
    assert live.sync() is not base
    assert _counts(db) == {"metz": 1, "angouleme": 1}
    # An editor moves a Metz resource: a new Metz snapshot once its indicators are recomputed, none for Angoulême.
    clock.now = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    pos = base.catalog.resources_by_id[MOVED].position
    assert pos is not None
    repo.update(db, MOVED, {"lon": pos.lon + 0.004, "lat": pos.lat}, author="ed@example.fr", communes=mairies)
    live.sync()
    assert _counts(db) == {"metz": 2, "angouleme": 1}
    with db.connect() as conn:
        first, second = load(conn, "metz")
    assert second.taken_at == clock.now and first.taken_at is not None and first.taken_at < second.taken_at
    assert first.data_version != second.data_version


def test_evolution_lists_the_resource_added_and_the_one_moved(
    setup: tuple[LiveEngine, SnapshotRecorder, Clock], db: SqlEngine
) -> None:
    live, _, clock = setup
    mairies = live.current.catalog.mairies
    before = live.current.catalog.resources_by_id[MOVED]
    assert before.position is not None and not before.confidential_address
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    lon, lat = BORNY_POINT
    repo.create(
        db,
        {
            "id": NEW_CMP,
            "type": "CMP",
            "name": "CMP de test (synthétique)",
            "insee_com": "57463",
            "commune": "Metz",
            "lon": lon,
            "lat": lat,
            "position_precision": "street",
            "source": "test synthétique",
            "last_verified": "2026-03-01",
            "territory": "metz",
        },
        author="ed@example.fr",
        communes=mairies,
    )
    new_lon, new_lat = before.position.lon + 0.01, before.position.lat + 0.005
    repo.update(db, MOVED, {"lon": new_lon, "lat": new_lat}, author="ed@example.fr", communes=mairies)
    live.sync()
    assert _counts(db)["metz"] == 2  # both changes seen in one reload: one version

    evo = evolution(db, "metz", since=date(2026, 3, 1))
    assert [r["id"] for r in evo.opened] == [NEW_CMP] and evo.closed == []
    (moved,) = evo.moved
    _, _, geodesic_m = Geod(ellps="GRS80").inv(before.position.lon, before.position.lat, new_lon, new_lat)
    assert moved["id"] == MOVED and moved["moved_m"] == pytest.approx(geodesic_m, rel=2e-3)
    rows = evo.indicators.set_index(["code_qp", "resource_type", "indicator"])
    cmp_borny = rows.loc[(BORNY, "CMP", "mean_m")]
    assert cmp_borny["after"] < cmp_borny["before"]  # a CMP now inside Borny
    assert cmp_borny["diff"] == cmp_borny["after"] - cmp_borny["before"]
    count = rows.loc[(BORNY, "CMP", "count_within_1000m")]
    assert count["after"] == count["before"] + 1
    assert (BORNY, "CMP", "mean_m") in set(
        evo.changed_indicators().set_index(["code_qp", "resource_type", "indicator"]).index
    )
    # the time series holds both versions of Borny's figure
    _, table = series(db, "metz", types=["CMP"])
    borny = table[table["code_qp"] == BORNY].sort_values("taken_at")["mean_m"].tolist()
    assert borny == [cmp_borny["before"], cmp_borny["after"]]
    # the report's « évolution » section names them, with a chart
    section = evolution_html(evo, territory_name="Eurométropole de Metz")
    assert "CMP de test (synthétique)" in section and "Ressources ouvertes (1)" in section
    assert "Ressources déplacées (1)" in section and section.count("<img") >= 1 and "Borny" in section
    # a date before the observatory started: compared with the first snapshot, and said so
    early = evolution(db, "metz", since=date(2025, 1, 1))
    assert [r["id"] for r in early.opened] == [NEW_CMP] and "commence" in early.notes[0]


def test_snapshots_hold_the_public_view_only(
    setup: tuple[LiveEngine, SnapshotRecorder, Clock], db: SqlEngine, shipped: list[Resource]
) -> None:
    live, _, _ = setup
    # An editor marks a Metz resource's address confidential: its public position becomes its commune's.
    target = next(r for r in shipped if r.territory == "metz" and r.street and r.position and r.id != MOVED)
    repo.update(
        db, target.id, {"confidential_address": True}, author="ed@example.fr", communes=live.current.catalog.mairies
    )
    live.sync()
    secret = live.current.catalog.resources_by_id[target.id]
    pub = secret.public_position()
    assert secret.confidential_address and pub is not None and target.position is not None
    assert (pub.lon, pub.lat) != (target.position.lon, target.position.lat)
    with db.connect() as conn:
        snaps = load(conn, "metz") + load(conn, "angouleme")
        latest = load(conn, "metz")[-1]
    (kept,) = [r for r in latest.resources if r["id"] == target.id]
    assert (kept["lon"], kept["lat"]) == (round(pub.lon, 6), round(pub.lat, 6))
    text = json.dumps([s.payload for s in snaps], ensure_ascii=False)
    assert target.street and target.street not in text
    for r in shipped:
        if r.notes:
            assert r.notes not in text
    assert {k for s in snaps for rec in s.resources for k in rec} == {
        "id",
        "name",
        "type",
        "commune",
        "insee_com",
        "lon",
        "lat",
        "precision",
    }


def test_a_data_update_gives_a_snapshot(
    setup: tuple[LiveEngine, SnapshotRecorder, Clock], db: SqlEngine, catalog: Catalog, shipped: list[Resource]
) -> None:
    """New layers (as a published ``data update`` brings): the reload re-seeds the database and
    the territory whose records changed gets a snapshot once the new indicators are in service."""
    live, _, clock = setup
    clock.now = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    target = next(r for r in shipped if r.territory == "metz" and r.position is not None and r.id != MOVED)
    assert target.position is not None
    moved = target.model_copy(
        update={"position": target.position.model_copy(update={"lon": target.position.lon + 0.003})}
    )
    updated = [moved if r.id == target.id else r for r in shipped]
    layers = Engine(catalog_from_store(catalog, updated))
    _ = layers.access  # the reload computes the new version's indicators before the swap
    served = live.rebase(layers)
    assert served.catalog.resources_by_id[target.id].position == moved.position
    assert _counts(db) == {"metz": 2, "angouleme": 1}
    evo = evolution(db, "metz", since=date(2026, 3, 15))
    assert [r["id"] for r in evo.moved] == [target.id] and evo.moved[0]["moved_m"] > 150
