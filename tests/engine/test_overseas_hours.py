"""Overseas places are open by their own clocks (issue 27): a CMP in La Réunion open « Mo-Fr 09:00-17:00 »
is open at 10:00 Réunion time, when it is 07:00 in Paris. The moment is injected (``now=``, ``open_at``);
the place is synthetic (named so)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from geo_clsm.engine.answer import LOCATED_BY_COORDINATES, nearest_answer
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.model.hours import PARIS, open_now, open_state, parse_opening_hours, time_zone
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

SAINT_DENIS = (55.4504, -20.8823)  # La Réunion
MONDAY_10H_REUNION = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 10:00 in La Réunion (UTC+4), 07:00 in Paris
MONDAY_8H_MARTINIQUE = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # 08:00 in Martinique (UTC-4), 13:00 in Paris


def _synthetic_cmp(insee: str, lon: float, lat: float) -> Resource:
    return Resource(
        id=f"synthetic-cmp-{insee}",
        type=ResourceType.CMP_ADULTE,
        name=f"CMP synthétique {insee} (test)",
        insee_com=insee,
        postcode=insee,
        opening_hours="Mo-Fr 09:00-17:00",
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
        territory="france",
        source="synthetic test fixture",
        last_verified=date(2026, 12, 1),
    )


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("97411", "Indian/Reunion"),
        ("97209", "America/Martinique"),
        ("97101", "America/Guadeloupe"),
        ("97302", "America/Cayenne"),
        ("97611", "Indian/Mayotte"),
        ("57463", "Europe/Paris"),
        (None, "Europe/Paris"),
    ],
)
def test_a_place_has_its_departments_time_zone(code: str | None, zone: str) -> None:
    assert time_zone(code) == ZoneInfo(zone)


def test_the_one_evaluation_reads_a_moment_on_the_places_clock() -> None:
    hours = parse_opening_hours("Mo-Fr 09:00-17:00")
    assert open_state(hours, MONDAY_10H_REUNION, zone=ZoneInfo("Indian/Reunion")) == "open"
    assert open_state(hours, MONDAY_10H_REUNION, zone=PARIS) == "closed"  # 07:00 in Paris
    reunion = _synthetic_cmp("97411", *SAINT_DENIS)
    martinique = _synthetic_cmp("97209", -61.07, 14.61)
    assert open_now(reunion, MONDAY_10H_REUNION) is True
    assert open_now(martinique, MONDAY_8H_MARTINIQUE) is False  # 13:00 in Paris, 08:00 in Fort-de-France


@pytest.fixture(scope="module")
def overseas_engine(engine: Engine) -> Engine:
    extra = [_synthetic_cmp("97411", *SAINT_DENIS), _synthetic_cmp("97209", -61.07, 14.61)]
    return Engine(dataclasses.replace(engine.catalog, resources=[*engine.catalog.resources, *extra]))


def test_open_now_of_an_answer_uses_the_places_time_zone(overseas_engine: Engine) -> None:
    body = nearest_answer(
        *SAINT_DENIS, LOCATED_BY_COORDINATES, query=NearestQuery(k=5), engine=overseas_engine, now=MONDAY_10H_REUNION
    )
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert props["synthetic-cmp-97411"]["open_now"] is True


def test_the_open_at_filter_uses_the_places_time_zone(overseas_engine: Engine) -> None:
    kept = overseas_engine.nearest(*SAINT_DENIS, NearestQuery(k=5, open_at=MONDAY_10H_REUNION))
    status = {r.resource.id: r.open_status for r in kept}
    assert status.get("synthetic-cmp-97411") == "open"
    martinique = overseas_engine.nearest(-61.07, 14.61, NearestQuery(k=5, open_at=MONDAY_8H_MARTINIQUE))
    assert "synthetic-cmp-97209" not in {r.resource.id for r in martinique}
