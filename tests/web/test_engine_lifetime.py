"""Old engines are freed after a swap (memory stays flat under changes), and the caches that hold
rendered answers keep only the latest data versions."""

from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.engine.memory import MALLOC_ARENAS, MemoryReleaser
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app
from geo_clsm.web.caches import VersionedCache
from geo_clsm.web.middleware.http_cache import KEEP_VERSIONS, DataCacheMiddleware

LAYERS = Path(__file__).resolve().parents[2] / "layers"
EDITOR = ("synthetic_lifetime_editor@example.invalid", "synthetic-lifetime-password")
CACHED = ["/", "/planning?territory=metz", "/api/markers", "/api/qpv?territory=metz", "/api/report/metz?format=json"]


def _wait(predicate: Any, what: str, limit_s: float = 120.0) -> None:
    """Wait for a condition (a correctness deadline, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _engines() -> list[Engine]:
    """Every Engine object of the process (unfrozen first: gc.get_objects() skips frozen objects)."""
    gc.unfreeze()
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Engine)]


def test_after_swaps_only_the_served_engine_stays_alive(tmp_path: Path) -> None:
    """Editors' changes (rebuild from the database) and new data files (rebuild by the reload watcher)
    swap engines; once done, every engine but the one served is freed, however many swaps there were.

    Run after the other web tests, it also shows that no app they stopped is given an engine meanwhile
    (an indicators computation under way at an app's shutdown used to publish one, held by that app)."""
    existing = {id(e): e for e in _engines()}  # other tests' engines (held here, so no id is reused)
    local = tmp_path / "territories.toml"
    settings = Settings(
        data_dir=LAYERS,
        database_url=f"sqlite:///{tmp_path / 'lifetime.db'}",
        versions_dir=tmp_path / "versions",
        local_territories_file=local,
        reload_interval_s=0.2,
        tiles_url="none",
        cookie_secure=False,
    )
    app = create_app(settings)
    with TestClient(app) as c:
        served = [weakref.ref(app.state.engine)]  # a weak reference to each engine served
        add_user(connect(settings.database_url), *EDITOR, role="editor")
        csrf = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]}).json()["csrf_token"]
        rid = c.get("/api/resources?territory=metz&type=CMP&limit=1").json()["features"][0]["id"]
        for i in range(2):
            catalog = app.state.engine.catalog
            if i == 0:  # the data files changed: the watcher builds a new engine from them
                local.write_text("# synthetic change\n", encoding="utf-8")
                _wait(lambda old=catalog: app.state.engine.catalog is not old, "the watcher swapped no engine")
            else:  # an editor's change: a new engine from the database
                headers = {"X-CSRF-Token": csrf}
                r = c.patch(f"/api/admin/resources/{rid}", json={"phone": "03 87 99 01 01"}, headers=headers)
                assert r.status_code == 200, r.text
            app.state.live.wait_for_access()
            served.append(weakref.ref(app.state.engine))
            for path in CACHED:
                assert c.get(path).status_code == 200, path
        del catalog
        app.state.memory.stop()  # no release (unfreeze, collect, freeze) while the engines are counted
        current = app.state.engine
        alive = [ref() for ref in served if ref() is not None]
        assert len(served) >= 3 and alive == [current]  # the start-up engine and the first swap's are freed
        created = [e for e in _engines() if id(e) not in existing]  # intermediate engines and copies too
        assert created == [current], f"{len(created)} engines alive after 2 swaps"
        assert app.state.pages.version_count() <= 2 and app.state.reports.version_count() <= 2
        del alive, created, current


def test_versioned_cache_keeps_the_latest_versions_only() -> None:
    cache: VersionedCache[str] = VersionedCache(versions=2, per_version=3)
    made: list[str] = []

    def make(value: str) -> Any:
        return lambda: made.append(value) or value

    assert cache.get_or_make("v1", "a", make("a1")) == "a1"
    assert cache.get_or_make("v1", "a", make("never")) == "a1" and made == ["a1"]
    cache.put("v2", "a", "a2")
    assert cache.get("v1", "a") == "a1" and cache.get("v2", "a") == "a2"  # the previous version is kept
    cache.put("v3", "a", "a3")
    assert cache.get("v1", "a") is None  # the oldest version is dropped whole
    assert cache.version_count() == 2
    for key in "bcde":
        cache.put("v3", key, key)
    assert len(cache) == 1 + 3 and cache.get("v3", "a") is None  # at most 3 entries per version, oldest out


def test_http_cache_drops_the_answers_of_old_data_versions() -> None:
    """The data cache answers from memory by version; answers of versions before the two latest are freed."""
    version = ["v0"]
    bodies: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = f"{version[0]} {scope['path']}".encode()
        bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})

    mw = DataCacheMiddleware(app, version=lambda scope: version[0])
    client = TestClient(mw)  # type: ignore[arg-type]
    for v in range(5):
        version[0] = f"v{v}"
        for path in ("/api/markers", "/api/qpv", "/api/gaps"):
            assert client.get(path).text == f"v{v} {path}"
            assert client.get(path).text == f"v{v} {path}"  # the second from memory
    assert len(bodies) == 15  # each version's answers computed once
    kept = {body.split(b" ")[0] for _, _, body in mw._entries.values()}
    assert kept == {b"v3", b"v4"} and len(kept) == KEEP_VERSIONS


def test_memory_release_runs_once_after_a_burst_of_swaps() -> None:
    trims: list[int] = []
    done = threading.Event()

    def trim() -> None:
        trims.append(1)
        done.set()

    releaser = MemoryReleaser(delay_s=0.2, trim=trim, collect=False)
    try:
        for _ in range(5):
            releaser.schedule()
        assert done.wait(30), "no trim after the swaps"
        time.sleep(0.5)  # a second trim would come within the delay: none expected
        assert trims == [1]
        done.clear()
        releaser.schedule()
        assert done.wait(30) and trims == [1, 1]  # a later swap gets its own trim
    finally:
        releaser.stop()


def test_memory_release_collects_the_cycles_of_frozen_objects() -> None:
    """The start-up engine is frozen (gc.freeze() in the lifespan): its reference cycles would never be
    collected once it is replaced, were they not unfrozen for the release's collection."""

    class Node:
        other: Any = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    gc.freeze()
    try:
        del a, b
        gc.collect()
        assert ref() is not None  # a cycle among frozen objects outlives a full collection
        MemoryReleaser(trim=lambda: None).release()
        assert ref() is None
    finally:
        gc.unfreeze()


def test_serve_keeps_idle_connections_longer_than_client_pools(monkeypatch: Any) -> None:
    from geo_clsm.cli.serve import uvicorn_options

    monkeypatch.delenv("GEO_CLSM_KEEP_ALIVE_S", raising=False)
    options = uvicorn_options(Settings())
    assert options["timeout_keep_alive"] == 75 and options["access_log"] is False  # httpx 5 s, nginx 60 s
    monkeypatch.setenv("GEO_CLSM_KEEP_ALIVE_S", "120")
    assert uvicorn_options(Settings())["timeout_keep_alive"] == 120


ARENAS_SCRIPT = """
import ctypes, os, sys, tempfile, threading
from geo_clsm.engine.memory import MemoryReleaser

MemoryReleaser(malloc_arenas=None if sys.argv[1] == "none" else int(sys.argv[1]))
barrier = threading.Barrier(8)
held = []

def allocate():
    barrier.wait()  # eight threads allocating at once, each asking glibc for an arena
    held.append([bytes(20_000) for _ in range(50)])  # over pymalloc's 512 bytes: glibc's malloc

threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
path = tempfile.mktemp()
f = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, f)
libc.fclose(f)
print(open(path).read().count("<heap nr="))
os.unlink(path)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's arenas")
def test_the_app_caps_glibcs_arenas(tmp_path: Path) -> None:
    """Each allocating thread would get its own glibc arena (up to 8 per core), each keeping its own
    fragmented free memory; the app's memory releaser caps them (arenas counted by malloc_info)."""
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def arenas(cap: str) -> int:
        out = subprocess.run([sys.executable, "-c", ARENAS_SCRIPT, cap], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return int(out.stdout)

    assert arenas("none") > 2  # without the cap (the test can fail)
    assert arenas(str(MALLOC_ARENAS)) <= MALLOC_ARENAS
