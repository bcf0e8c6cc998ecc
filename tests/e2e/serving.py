"""The app served for the browser tests: uvicorn on a free port of 127.0.0.1 in a thread
(:func:`serve`), and the national run the France-wide pages read (:func:`national_run`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from tests.conftest import _free_port


@contextmanager
def serve(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app of ``settings`` and ``engine`` in uvicorn until the block ends; its base URL."""
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine=engine),
            host="127.0.0.1",
            port=_free_port(),
            log_level="warning",
            access_log=False,
        )
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180  # a loaded machine: start-up seeds a database and computes indicators
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{srv.config.port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def national_run(folder: Path) -> Path:
    """A ``geo-clsm gaps --all`` run on the reduced synthetic France (departments 98, 99, 974 of
    ``tests/access/test_national_gaps.py``) written to ``folder/gaps_france``; that folder."""
    from geo_clsm.access.national import compute_national
    from geo_clsm.access.national_io import write_national
    from geo_clsm.access.params import AccessParams
    from tests.access.test_national_gaps import TYPES, synthetic_national_catalog

    out = folder / "gaps_france"
    write_national(
        compute_national(synthetic_national_catalog(folder / "synthetic"), types=TYPES),
        out,
        params=AccessParams(),
        seconds=1.0,
    )
    return out
