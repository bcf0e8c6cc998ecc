"""No single request takes the service down (issue 25, item 2): a batch over budget is refused in
French; batches and import previews run off the event loop (``/healthz`` answers while one is
still being worked on, in a real uvicorn server); a flood beyond the heavy-work pool gets a 429;
an import preview never applied is deleted after its lifetime.

"While still running" is an ordering, not a timing: the heavy work is held at a gate (a
``threading.Event``) until ``/healthz`` has answered, then let go.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from geo_clsm.engine.backend import MemoryBackend
from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app
from geo_clsm.web.previews import PreviewStore
from geo_clsm.web.routers import admin_import

LAYERS = Path(__file__).resolve().parents[2] / "layers"
BORNY = {"lat": 49.11296, "lon": 6.22361}  # a point in Metz (the shipped pilot), as in test_batch.py
EDITOR = ("heavy@clsm-metz.fr", "mot-de-passe-heavy")
WAIT_S = 60  # a safety net for a broken test, never a measure


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` in a real uvicorn server (a thread of this process) on 127.0.0.1."""
    port = _port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + WAIT_S
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(timeout=10)


class Gate:
    """Holds the heavy work where it is put until :meth:`release`; says when work reached it."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        self.reached.set()
        assert self.opened.wait(WAIT_S), "the gate was never opened"

    def release(self) -> None:
        self.opened.set()


class GatedBackend(MemoryBackend):
    """The in-memory backend, whose ``locate`` (the first step of each point) waits at a gate."""

    def __init__(self, engine: Engine, gate: Gate) -> None:
        super().__init__(engine)
        self.gate = gate

    def locate(self, lon: float, lat: float) -> Any:
        self.gate.wait()
        return super().locate(lon, lat)


def _app(engine: Engine, tmp_path: Path, **settings: Any) -> FastAPI:
    url = f"sqlite:///{tmp_path / 'heavy.db'}"
    return create_app(
        Settings(data_dir=LAYERS, database_url=url, cookie_secure=False, tiles_url="none", **settings), engine=engine
    )


def _gate_batches(app: FastAPI) -> Gate:
    gate = Gate()
    app.state.backend_for = lambda engine: GatedBackend(engine, gate)
    return gate


def _in_thread(fn: Callable[[], httpx.Response]) -> Future[httpx.Response]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(fn)
    pool.shutdown(wait=False)
    return future


def _batch(base: str, n: int = 3) -> httpx.Response:
    return httpx.post(f"{base}/api/nearest/batch", json={"points": [BORNY] * n}, params={"k": 2}, timeout=WAIT_S)


def test_a_batch_over_budget_is_refused_in_french_with_how_to_split(client: TestClient) -> None:
    r = client.post("/api/nearest/batch", json={"points": [BORNY] * 10_000}, params={"k": 50})
    assert r.status_code == 413, r.text[:300]
    detail = r.json()["detail"]
    assert "10000 points × k=50 = 500000 réponses, 50000 au plus" in detail
    assert "découper en lots de 1000 points au plus avec k=50" in detail
    csv_body = "id,lat,lon\n" + "a,49.11296,6.22361\n" * 1001
    r = client.post(
        "/api/nearest/batch", content=csv_body, headers={"content-type": "text/csv"}, params={"k": 50, "format": "csv"}
    )
    assert r.status_code == 413 and "lot trop lourd" in r.json()["detail"]
    # Within budget, answered (streamed), every point with its id.
    r = client.post("/api/nearest/batch", json={"points": [BORNY] * 450}, params={"k": 50})
    assert r.status_code == 200 and r.json()["count"] == 450
    assert [a["id"] for a in r.json()["answers"]] == [str(i) for i in range(1, 451)]


def test_healthz_answers_while_a_batch_is_being_worked_on(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path)
    with serving(app) as base:
        gate = _gate_batches(app)
        batch = _in_thread(lambda: _batch(base))
        assert gate.reached.wait(WAIT_S), "the batch never started"
        health = httpx.get(f"{base}/healthz", timeout=WAIT_S)  # the batch is held at the gate meanwhile
        assert health.status_code == 200
        assert not batch.done()  # ordering: /healthz answered before the batch was done
        gate.release()
        r = batch.result(timeout=WAIT_S)
        assert r.status_code == 200 and r.json()["count"] == 3


def test_a_flood_beyond_the_pool_gets_a_429_in_french(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path, heavy_workers=1, heavy_queue=1)
    with serving(app) as base:
        gate = _gate_batches(app)
        first, second = _in_thread(lambda: _batch(base)), _in_thread(lambda: _batch(base))
        assert gate.reached.wait(WAIT_S)
        deadline = time.monotonic() + WAIT_S
        while app.state.heavy.admitted < 2:  # both admitted: one worked on, one queued
            assert time.monotonic() < deadline
            time.sleep(0.01)
        third = _batch(base)
        guide = httpx.get(f"{base}/guide/metz", timeout=WAIT_S)
        gate.release()
        assert first.result(timeout=WAIT_S).status_code == 200
        assert second.result(timeout=WAIT_S).status_code == 200
    for r in (third, guide):
        assert r.status_code == 429, r.text
        assert "service occupé" in r.json()["detail"] and "réessayer dans" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1


def _signed_in(base: str, tmp_path: Path) -> tuple[httpx.Client, str]:
    add_user(connect(f"sqlite:///{tmp_path / 'heavy.db'}"), *EDITOR, role="editor")
    c = httpx.Client(base_url=base, timeout=WAIT_S)
    form = c.get("/admin/login")
    c.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": _token(form.text)})
    return c, _token(c.get("/admin/resources").text)


def _token(html: str, name: str = "csrf_token") -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


SYNTHETIC_CSV = (
    "id,type,name,insee_com,commune,lon,lat,source,last_verified,phone\n"
    "metz-paej-synthetique-heavy,PAEJ,PAEJ synthétique (test),57463,Metz,6.17,49.12,test synthétique,2026-11-01,\n"
)


def test_healthz_answers_while_an_import_preview_is_read(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    real = admin_import.import_resources

    def gated(*args: Any, **kwargs: Any) -> Any:
        gate.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(admin_import, "import_resources", gated)
    app = _app(engine, tmp_path)
    with serving(app) as base:
        client, csrf = _signed_in(base, tmp_path)
        preview = _in_thread(
            lambda: client.post(
                "/admin/import/preview",
                data={"csrf_token": csrf},
                files={"file": ("lot.csv", SYNTHETIC_CSV.encode(), "text/csv")},
            )
        )
        assert gate.reached.wait(WAIT_S), "the preview never started"
        health = httpx.get(f"{base}/healthz", timeout=WAIT_S)
        assert health.status_code == 200
        assert not preview.done()
        gate.release()
        r = preview.result(timeout=WAIT_S)
        assert r.status_code == 200 and "rien n'est encore écrit" in html.unescape(r.text)


def test_a_preview_never_applied_is_deleted_after_its_lifetime(engine: Engine, tmp_path: Path) -> None:
    now = [1_900_000_000.0]  # an injected wall clock, moved forward by the test
    app = _app(engine, tmp_path)
    folder = tmp_path / "previews"
    app.state.previews = PreviewStore(folder, ttl_s=600, clock=lambda: now[0])
    with serving(app) as base:
        client, csrf = _signed_in(base, tmp_path)

        def preview() -> str:
            r = client.post(
                "/admin/import/preview",
                data={"csrf_token": csrf},
                files={"file": ("lot.csv", SYNTHETIC_CSV.encode(), "text/csv")},
            )
            assert r.status_code == 200, r.text
            return _token(r.text, "token")

        forgotten = preview()
        assert [p.name for p in folder.iterdir()] == [f"{forgotten}.csv"]
        now[0] += 601  # past its lifetime: the next preview sweeps it away
        late = preview()
        assert [p.name for p in folder.iterdir()] == [f"{late}.csv"]
        r = client.post("/admin/import/apply", data={"csrf_token": csrf, "token": forgotten})
        assert r.status_code == 422 and "aperçu expiré" in r.text
        now[0] += 601  # expired even before a sweep: refused, and removed
        r = client.post("/admin/import/apply", data={"csrf_token": csrf, "token": late})
        assert r.status_code == 422 and "aperçu expiré" in r.text
        assert list(folder.iterdir()) == []
