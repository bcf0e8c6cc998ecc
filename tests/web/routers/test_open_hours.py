"""One evaluation of opening hours: the ``open_at`` filter and ``open_now`` agree, public holidays included
(synthetic resources: tests/data/synthetic_resources.csv)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import geo_clsm.engine.answer as answer_module
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.resources import import_resources
from geo_clsm.data.layers import merge_resources
from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

CHRISTMAS_10H = datetime(2026, 12, 25, 10, 0)  # a Friday and a public holiday
SYNTHETIC_CMP = "syn-ok"  # "Mo-Fr 09:00-12:00,14:00-17:00", no PH rule: closed on public holidays
NEAR_IT = {"lon": 6.17594, "lat": 49.11022, "k": 50}


@pytest.fixture(scope="module")
def synthetic_client(
    catalog: Catalog, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    rep = import_resources(data_dir / "synthetic_resources.csv", communes=catalog.mairies, territory="metz")
    metz = [r for r in catalog.resources if r.territory == "metz"]
    merged, _ = merge_resources({"metz": metz + rep.records}, {"metz": catalog.territories["metz"]})
    engine = Engine(
        Catalog(
            data_dir=catalog.data_dir,
            layers=catalog.layers,
            territories={"metz": catalog.territories["metz"]},
            resources=merged,
            qpv=catalog.qpv[catalog.qpv.territory == "metz"],
            communes=catalog.communes[catalog.communes.territory == "metz"],
            mairies=catalog.mairies,
        )
    )
    db = f"sqlite:///{tmp_path_factory.mktemp('hours-db') / 'geo_clsm.db'}"
    with TestClient(create_app(Settings(database_url=db), engine=engine)) as client:
        yield client


def _features(client: TestClient, **params: object) -> dict[str, dict[str, object]]:
    r = client.get("/api/nearest", params={**NEAR_IT, **params})
    assert r.status_code == 200, r.text
    return {f["id"]: f["properties"] for f in r.json()["features"]}


def test_a_weekday_cmp_is_not_kept_open_at_christmas(synthetic_client: TestClient) -> None:
    assert _features(synthetic_client, open_at="2026-12-23T10:00")[SYNTHETIC_CMP]["open_status"] == "open"
    assert SYNTHETIC_CMP not in _features(synthetic_client, open_at="2026-12-25T10:00")


def test_open_now_and_open_at_agree_in_one_answer(
    synthetic_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for moment in (CHRISTMAS_10H, datetime(2026, 12, 23, 10, 0), datetime(2026, 12, 23, 13, 0)):
        monkeypatch.setattr(answer_module, "clock_now", lambda moment=moment: moment)
        feats = _features(synthetic_client, open_at=moment.isoformat(timespec="minutes"))
        assert feats
        for props in feats.values():
            if props["opening_hours"]:  # kept as open at that moment: open now (the same moment)
                assert (props["open_status"], props["open_now"]) == ("open", True)
            else:
                assert (props["open_status"], props["open_now"]) == ("unknown", None)
