"""The live engine: rebuilt and swapped after a change, picked up by every worker, access
indicators recomputed in the background while the previous ones are served."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.access.indicators import compute_access
from geo_clsm.access.params import AccessParams
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.live import LiveEngine, catalog_from_store, changed_territories

RID = "metz-epsm-metz-jury"


def wait_until(predicate: object, *, limit_s: float = 60.0) -> bool:
    """Wait for a condition (a correctness deadline, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_another_worker_picks_up_a_change(db: SqlEngine, catalog: Catalog, shipped: list[Resource]) -> None:
    base = Engine(catalog_from_store(catalog, shipped))
    worker_a = LiveEngine(db, base, poll_interval_s=0.2)
    worker_b = LiveEngine(db, base, poll_interval_s=0.2)
    assert worker_a.sync() is base and worker_b.sync() is base  # the database holds the same records
    worker_b.start()
    try:
        repo.update(db, RID, {"phone": "03 87 99 99 99"}, author="ed@example.fr", communes=catalog.mairies)
        new_a = worker_a.sync()
        assert new_a is not base
        assert new_a.catalog.resources_by_id[RID].phone == "03 87 99 99 99"
        assert base.catalog.resources_by_id[RID].phone != "03 87 99 99 99"  # the old engine is untouched
        assert wait_until(lambda: worker_b.current.catalog.resources_by_id[RID].phone == "03 87 99 99 99")
        assert [r.id for r in new_a.catalog.resources] == [r.id for r in shipped]  # shipped order kept
    finally:
        worker_b.stop()


def test_withdrawn_resource_leaves_the_engine(db: SqlEngine, catalog: Catalog, shipped: list[Resource]) -> None:
    live = LiveEngine(db, Engine(catalog_from_store(catalog, shipped)))
    repo.withdraw(db, RID, author="ed@example.fr")
    eng = live.sync()
    assert RID not in eng.catalog.resources_by_id
    assert RID not in {m[0] for m in eng.markers}


def test_access_recomputed_in_background_previous_served_meanwhile(
    db: SqlEngine, catalog: Catalog, shipped: list[Resource]
) -> None:
    base = Engine(catalog_from_store(catalog, shipped))
    old_access = base.access
    live = LiveEngine(db, base)
    live.sync()
    metz_cmp = next(r for r in shipped if r.territory == "metz" and r.position is not None)
    repo.withdraw(db, metz_cmp.id, author="ed@example.fr")
    new = live.sync()
    assert new.access is old_access  # the swapped engine serves the previous indicators meanwhile
    live.wait_for_access()
    assert new.access is old_access  # a served engine never changes: the new indicators come in a copy
    published = live.current
    assert published is not new and published.catalog is new.catalog
    recomputed = published.access
    assert recomputed["metz"] is not old_access["metz"]
    assert recomputed["angouleme"] is old_access["angouleme"]  # untouched territory: not recomputed
    expected = compute_access(new.catalog, territory="metz", params=AccessParams())  # independent run
    pd.testing.assert_frame_equal(
        recomputed["metz"].qpv.drop(columns="geometry").reset_index(drop=True),
        expected.qpv.drop(columns="geometry").reset_index(drop=True),
    )


def test_an_app_stopped_during_its_indicators_gets_no_new_engine(
    db: SqlEngine, catalog: Catalog, shipped: list[Resource], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app shut down while its indicators are recomputed (the background thread outlives the
    lifespan) is given no new engine afterwards: one was built and swapped in after the stop, held by
    the stopped app (the extra engine the engine-lifetime test counted after the web suite)."""
    base = Engine(catalog_from_store(catalog, shipped))
    base.access  # noqa: B018 (the indicators of start-up, as the app computes them)
    swapped: list[Engine] = []
    live = LiveEngine(db, base, compute_access_in_background=False, on_swap=swapped.append)
    live.sync()

    def stopped_while_computing(*args: object, **kwargs: object) -> object:
        live.stop()  # the shutdown comes while the indicators are being computed
        return compute_access(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("geo_clsm.store.live.compute_access", stopped_while_computing)
    metz_cmp = next(r for r in shipped if r.territory == "metz" and r.position is not None)
    repo.withdraw(db, metz_cmp.id, author="ed@example.fr")
    new = live.sync()  # the rebuild, then the indicators (in the foreground here)
    assert swapped == [new]  # the rebuild only: no engine with the new indicators after the stop
    assert live.current is new and new.access is base.access


def test_changed_territories(shipped: list[Resource]) -> None:
    a = shipped[0]
    b = a.model_copy(update={"territory": "angouleme"})
    assert changed_territories([a], [b]) == {a.territory, "angouleme"}
    assert changed_territories(shipped, shipped) == set()
