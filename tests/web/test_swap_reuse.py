"""An editor's change (same communes, QPV and territories; other resources) reuses what does not
depend on the resources: the Locator (and the commune polygons it built) and the geocoder (the
gazetteer of France's communes). New layers get new ones."""

from __future__ import annotations

import dataclasses
import gc
import threading
import weakref

from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.engine.deferred import Deferred
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.lifecycle import install_engine


def _edited(engine: Engine) -> Engine:
    """As store/live.py rebuilds after an editor's change: the same catalog, other resources."""
    resources = engine.catalog.resources[:-1]
    return Engine(dataclasses.replace(engine.catalog, resources=resources), previous=engine)


def _new_layers(engine: Engine) -> Engine:
    """As a data update: a catalog whose QPV table is another object (even if equal)."""
    return Engine(dataclasses.replace(engine.catalog, qpv=engine.catalog.qpv.copy()), previous=engine)


def test_an_editors_change_keeps_the_locator(engine: Engine) -> None:
    edited = _edited(engine)
    assert edited.locator is engine.locator
    assert edited.locate(6.1757, 49.1193) == engine.locate(6.1757, 49.1193)  # Metz
    assert len(edited.catalog.resources) == len(engine.catalog.resources) - 1


def test_new_layers_get_a_new_locator(engine: Engine) -> None:
    assert _new_layers(engine).locator is not engine.locator
    assert Engine(engine.catalog).locator is not engine.locator  # no previous engine given


def test_an_editors_change_keeps_the_geocoder_new_layers_do_not(engine: Engine, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url), engine=engine)
    with TestClient(app) as client:
        first = app.state.geocoder
        install_engine(app, _edited(app.state.engine))
        assert app.state.geocoder is first
        assert client.get("/api/nearest", params={"commune": "Metz"}).status_code == 200
        install_engine(app, _new_layers(app.state.engine))
        assert app.state.geocoder is not first
        assert client.get("/api/nearest", params={"commune": "Metz"}).status_code == 200


def test_a_deferred_build_lets_go_of_what_it_used() -> None:
    class Held:
        pass

    held = Held()
    ref = weakref.ref(held)
    release = threading.Event()

    def build(h: Held = held) -> int:
        release.wait(5)
        return 1

    deferred = Deferred(build)
    del held, build
    release.set()
    assert deferred.get() == 1
    gc.collect()
    assert ref() is None  # the build function (and the object it held) is dropped once run
