"""Debug script (not a test, not an endpoint): how many engines stay alive after a series of changes?

Builds the real app (lifespan: start-up engine, database of record, ``gc.freeze()``) on the shipped
layers with a fresh SQLite database, signs an editor in, then repeats: change a resource's phone
number through the admin API, wait for the background indicators, ask every cached route once
(markers, QPV, gaps, resources, pages, report, nearest). After each round it counts the ``Engine``
and ``Catalog`` objects still alive (weak references taken when each is created, copies included)
and the process's RSS. At the end, for each engine that is alive but no longer served, it prints a
chain of referrers (who keeps it alive).

    .venv/bin/python scripts/count_live_engines.py --rounds 8
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import subprocess
import sys
import tempfile
import time
import types
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from benchmarks.load_mixed import _qpv_fixture  # noqa: E402
from geo_clsm.data.catalog import Catalog  # noqa: E402
from geo_clsm.engine.core import Engine  # noqa: E402
from geo_clsm.settings import Settings  # noqa: E402
from geo_clsm.store.db import connect  # noqa: E402
from geo_clsm.store.users import add_user  # noqa: E402
from geo_clsm.web.app import create_app  # noqa: E402

EDITOR = ("synthetic_debug_editor@example.invalid", "synthetic-debug-password-2026")
PATHS = [
    "/api/markers",
    "/api/qpv?territory=metz",
    "/api/gaps?territory=angouleme",
    "/api/gaps?format=csv",
    "/api/resources?territory=metz",
    "/",
    "/planning?territory=metz&type=CMP&indicator=mean_m",
    "/api/report/metz?format=json",
    "/api/nearest?lat=49.11&lon=6.17&k=5",
]
TRACKED: dict[str, list[weakref.ref[Any]]] = {"Engine": [], "Catalog": []}


def _track(cls: type, name: str) -> None:
    original = cls.__new__

    def new(klass: type, *args: object, **kwargs: object) -> Any:
        obj = original(klass) if original is object.__new__ else original(klass, *args, **kwargs)
        TRACKED[name].append(weakref.ref(obj))
        return obj

    cls.__new__ = new  # type: ignore[method-assign,assignment]


def alive(name: str) -> list[Any]:
    return [o for ref in TRACKED[name] if (o := ref()) is not None]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def type_counts() -> Counter[str]:
    return Counter(type(o).__name__ for o in gc.get_objects())


def cache_sizes(app: Any) -> str:
    """Entries of the app's caches: the HTTP data cache (and its bytes), pages, reports."""
    layer, http = app.middleware_stack, None
    while layer is not None and http is None:
        http = layer if type(layer).__name__ == "DataCacheMiddleware" else None
        layer = getattr(layer, "app", None)
    entries = getattr(http, "_entries", {})
    mb = sum(len(body) for _, _, body in entries.values()) / 2**20
    reports = getattr(app.state, "reports", {})
    return f"http {len(entries)} ({mb:.1f} MB), pages {len(app.state.pages)}, reports {len(reports)}"


def describe(ref: object, target: object) -> str:
    """What ``ref`` is, and where ``target`` sits in it."""
    if isinstance(ref, dict):
        keys = [k for k, v in ref.items() if v is target][:3]
        return f"dict key {keys!r}" if keys else f"dict ({len(ref)} items)"
    if isinstance(ref, types.CellType):
        owners = [
            f"{f.__module__}.{f.__qualname__}"
            for f in gc.get_referrers(ref)
            if isinstance(f, tuple)
            for g in gc.get_referrers(f)
            if isinstance(g, types.FunctionType) and g.__closure__ is f
            for f in [g]
        ]
        return f"cell of {owners or 'a frame'}"
    if isinstance(ref, types.FrameType):
        return f"frame {ref.f_code.co_qualname} ({ref.f_code.co_filename}:{ref.f_lineno})"
    if isinstance(ref, types.CoroutineType | types.AsyncGeneratorType | types.GeneratorType):
        return f"{type(ref).__name__} {ref.__qualname__}"
    return f"{type(ref).__module__}.{type(ref).__qualname__}"


def referrer_chain(target: object, *, depth: int = 5) -> list[str]:
    """Paths of referrers from ``target`` (breadth first, a few per level), this script's own left out."""
    mine = {id(sys._getframe()), id(TRACKED)}
    out: list[str] = []
    level = [target]
    for d in range(depth):
        nxt = []
        for obj in level:
            for ref in gc.get_referrers(obj):
                if id(ref) in mine or ref is level or isinstance(ref, weakref.ref):
                    continue
                if isinstance(ref, types.FrameType) and ref.f_code.co_filename == __file__:
                    continue
                out.append("  " * d + f"<- {describe(ref, obj)}")
                if not isinstance(ref, types.ModuleType | types.FrameType):
                    nxt.append(ref)
        mine.add(id(nxt))
        level = nxt[:4]
    return out


def _cli(settings: Settings, qpv_url: str, *args: str) -> None:
    env = {
        **os.environ,
        "GEO_CLSM_DATA_DIR": str(settings.data_dir),
        "GEO_CLSM_DATABASE_URL": settings.database_url,
        "GEO_CLSM_VERSIONS_DIR": str(settings.versions_dir),
        "GEO_CLSM_LOCAL_TERRITORIES_FILE": str(settings.local_territories_file),
        "GEO_CLSM_SOURCE_QPV_URL": qpv_url,
    }
    exe = Path(sys.executable).parent / "geo-clsm"
    subprocess.run([str(exe), *args], env=env, cwd=ROOT, check=True, capture_output=True)


def _wait_for_swap(app: Any, limit_s: float = 300.0) -> None:
    """Until the reload watcher has swapped in an engine with another catalog."""
    catalog = app.state.engine.catalog
    deadline = time.monotonic() + limit_s
    while app.state.engine.catalog is catalog and time.monotonic() < deadline:
        time.sleep(0.2)


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--updates", action="store_true", help="every other round: a QPV data update, then its rollback")
    p.add_argument("--settle-s", type=float, default=7.0, help="wait after each round (the app trims 5 s after a swap)")
    p.add_argument("--no-collect", action="store_true", help="no gc.collect() by this script (the app's own only)")
    p.add_argument("--trim", action="store_true", help="glibc malloc_trim(0) after each round's collection")
    args = p.parse_args()
    _track(Engine, "Engine")
    _track(Catalog, "Catalog")
    with tempfile.TemporaryDirectory(prefix="geo_clsm_engines_") as tmp:
        url = f"sqlite:///{tmp}/synthetic_debug.db"
        settings = Settings(
            data_dir=ROOT / "layers",
            database_url=url,
            versions_dir=Path(tmp) / "versions",
            local_territories_file=Path(tmp) / "territories.toml",
            tiles_url="none",
            reload_interval_s=0.5,
            rate_limits={"scenarios": 0, "login": 0, "reports": 0},
            cookie_secure=False,
        )
        app = create_app(settings)
        with TestClient(app) as c:
            add_user(connect(url), *EDITOR, role="editor")
            headers = {
                "X-CSRF-Token": c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]}).json()[
                    "csrf_token"
                ]
            }
            rid = c.get("/api/resources?territory=metz&type=CMP&limit=1").json()["features"][0]["id"]
            print(f"{'round':>5} {'engines':>8} {'catalogs':>9} {'RSS MB':>8}")
            before = type_counts()
            qp = c.get("/api/qpv?territory=metz").json()["features"][0]["id"]
            fixture, qpv_url = _qpv_fixture(qp)
            for i in range(args.rounds):
                if args.updates and i % 2 == 1:
                    what = ("data", "update", "--source", "qpv") if i % 4 == 1 else ("data", "rollback", "shipped")
                    _cli(settings, qpv_url, *what)
                    _wait_for_swap(app)
                else:
                    r = c.patch(f"/api/admin/resources/{rid}", json={"phone": f"03 87 99 00 {i:02d}"}, headers=headers)
                    assert r.status_code == 200, r.text
                app.state.live.wait_for_access()
                for path in PATHS:
                    assert c.get(path).status_code == 200, path
                time.sleep(args.settle_s)
                t0 = time.perf_counter()
                if not args.no_collect:
                    gc.collect()
                collect_s = time.perf_counter() - t0
                if args.trim:
                    ctypes.CDLL("libc.so.6").malloc_trim(0)
                print(
                    f"{i:>5} {len(alive('Engine')):>8} {len(alive('Catalog')):>9} {rss_mb():>8.1f}  (full collection {collect_s:.2f} s, {len(gc.get_objects())} objects tracked, {gc.get_freeze_count()} frozen)",
                    flush=True,
                )
                now = type_counts()
                growth = sorted(((now[k] - before[k], k) for k in now), reverse=True)[:6]
                print("      " + cache_sizes(app) + "; objects: " + ", ".join(f"{k} +{n}" for n, k in growth if n > 0))
                before = now
            fixture.shutdown()
            current = app.state.engine
            old = [e for e in alive("Engine") if e is not current]
            print(f"engines alive but not served: {len(old)}")
            del current
            for e in old[:3]:
                print(f"  engine of catalog {id(e.catalog):x}:")
                print("\n".join("    " + line for line in referrer_chain(e)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
