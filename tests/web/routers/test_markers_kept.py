"""GET /api/markers-kept: which markers the « ouvert maintenant » and « langue parlée » filters keep,
by the rule of /api/nearest (open then by each place's own clock, or hours unknown; a language
spoken). Synthetic places, named so."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

MONDAY_7H_PARIS = "2026-12-07T06:00:00Z"  # 07:00 in Metz (closed), 10:00 in La Réunion (open)


def _place(rid: str, insee: str, lon: float, lat: float, **extra: object) -> Resource:
    return Resource(
        id=rid,
        type=ResourceType.CMP_ADULTE,
        name="CMP synthétique (test)",
        insee_com=insee,
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
        source="synthetic test fixture",
        last_verified=date(2026, 12, 1),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def kept_client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    extra = [
        _place("synthetic-metz-weekdays", "57463", 6.18, 49.11, opening_hours="Mo-Fr 09:00-17:00"),
        _place("synthetic-reunion-weekdays", "97411", 55.45, -20.88, opening_hours="Mo-Fr 09:00-17:00"),
        _place("synthetic-metz-arabic", "57463", 6.19, 49.12, languages=("fr", "ar")),
    ]
    changed = Engine(dataclasses.replace(engine.catalog, resources=[*engine.catalog.resources, *extra]))
    db = Path(tmp_path_factory.mktemp("kept-db")) / "geo_clsm.db"
    with TestClient(create_app(Settings(database_url=f"sqlite:///{db}"), engine=changed)) as c:
        yield c


def _kept(client: TestClient, **params: object) -> set[str]:
    r = client.get("/api/markers-kept", params=params)
    assert r.status_code == 200, r.text
    return set(r.json()["ids"])


def test_without_filters_every_marker_is_kept(kept_client: TestClient) -> None:
    every = {m[0] for m in kept_client.get("/api/markers").json()["markers"]}
    assert _kept(kept_client) == every


def test_open_at_keeps_places_open_by_their_own_clock_and_unknown_hours(kept_client: TestClient) -> None:
    every = _kept(kept_client)
    kept = _kept(kept_client, open_at=MONDAY_7H_PARIS)
    assert "synthetic-reunion-weekdays" in kept and "synthetic-metz-weekdays" not in kept
    assert "synthetic-metz-arabic" in kept  # hours unknown: kept, as in the list
    assert kept == every - {"synthetic-metz-weekdays"}


def test_lang_spoken_keeps_the_places_that_speak_it(kept_client: TestClient) -> None:
    assert _kept(kept_client, lang_spoken="ar") == {"synthetic-metz-arabic"}
    assert _kept(kept_client, lang_spoken="ar", open_at=MONDAY_7H_PARIS) == {"synthetic-metz-arabic"}


def test_bad_filters_are_refused_in_french(kept_client: TestClient) -> None:
    r = kept_client.get("/api/markers-kept", params={"lang_spoken": "a1"})
    assert r.status_code == 422 and "format invalide" in r.json()["detail"]
    r = kept_client.get("/api/markers-kept", params={"open_at": "0001-01-01T00:00+05:00"})
    assert r.status_code == 422 and "hors des limites" in r.json()["detail"]
    r = kept_client.get("/api/markers-kept", params={"open_at": "demain"})
    assert r.status_code == 422
