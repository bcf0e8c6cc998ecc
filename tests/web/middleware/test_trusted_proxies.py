"""A client cannot change its rate-limit identity with ``X-Forwarded-For`` unless its direct peer
is a configured trusted proxy (issue 25, item 6). Through a real uvicorn server started with the
options ``geo-clsm serve`` gives it; the forwarded addresses are documentation addresses (RFC 5737)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from geo_clsm.cli.serve import uvicorn_options
from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

BERLIN = {"points": [{"id": "synthetic", "lat": 52.5, "lon": 13.4}]}  # outside every territory: answered at once


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(settings: Settings, engine: Engine) -> Iterator[str]:
    port = _free_port()
    app = create_app(settings, engine=engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options(settings))
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(timeout=10)


def _statuses(base: str, n: int) -> list[int]:
    with httpx.Client(base_url=base, timeout=30) as c:
        return [
            c.post("/api/nearest/batch", json=BERLIN, headers={"X-Forwarded-For": f"203.0.113.{i + 1}"}).status_code
            for i in range(n)
        ]


@pytest.mark.parametrize("trusted", [None, "192.0.2.1,10.0.0.0/8"])
def test_forwarded_for_from_an_untrusted_peer_changes_nothing(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, trusted: str | None
) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    if trusted is not None:
        monkeypatch.setenv("GEO_CLSM_TRUSTED_PROXIES", trusted)
    settings = Settings(tiles_url="none", database_url=database_url, rate_limits={"batch": 2})
    with _serving(settings, engine) as base:
        assert _statuses(base, 3) == [200, 200, 429]  # one client (127.0.0.1), whatever the header says


def test_forwarded_for_from_a_trusted_proxy_names_the_client(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEO_CLSM_TRUSTED_PROXIES", "127.0.0.1")
    settings = Settings(tiles_url="none", database_url=database_url, rate_limits={"batch": 2})
    with _serving(settings, engine) as base:
        assert _statuses(base, 3) == [200, 200, 200]  # three clients behind the proxy


def test_trusted_proxies_are_empty_by_default_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEO_CLSM_TRUSTED_PROXIES", raising=False)
    options = uvicorn_options(Settings())
    assert options["proxy_headers"] is False and options["forwarded_allow_ips"] == ""
    monkeypatch.setenv("GEO_CLSM_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert uvicorn_options(Settings())["forwarded_allow_ips"] == "127.0.0.1,10.0.0.0/8"
    monkeypatch.setenv("GEO_CLSM_TRUSTED_PROXIES", "nginx.local")
    with pytest.raises(ValidationError, match="mandataire invalide"):
        Settings()
