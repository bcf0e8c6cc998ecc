"""Issue 30 on every output: an editor states a waiting time, new requests and a closure notice on a
pilot CMP; the API (one record, lists, nearest and its filter), /recherche, the professionals' guide,
the HSDS export, the report, /planning and /healthz show them, the notice only while it runs and gone
by itself after its end (the clock moved, nobody touching the record; no cache serves yesterday's
view). Runs on its own SQLite database of record."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
RID = "metz-cmp-cattp-adultes-gambetta"
EDITOR = ("annuaire@clsm-metz.fr", "mot-de-passe-annuaire")
BEFORE = datetime(2026, 12, 21, 10, 0)  # a Monday
DURING = datetime(2026, 12, 23, 10, 0)  # a Wednesday, inside the closure
AFTER = datetime(2027, 1, 4, 10, 0)  # the Monday after it
NOTICE = {"text": "fermé du 22/12 au 2/1", "start": "2026-12-22", "end": "2027-01-02", "closed": True}


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('outputs') / 'outputs.db'}"
    app = create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        add_user(connect(url), *EDITOR, role="editor")
        r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        body = {
            "wait_days": 40,
            "wait_stated_on": "2026-12-01",
            "accepts_new": "oui",
            "verified_by": "structure",
            "last_verified": "2026-12-01",
            "notice": NOTICE,
        }
        r = c.patch(f"/api/admin/resources/{RID}", json=body, headers=headers)
        assert r.status_code == 200, r.text
        yield c


def props(client: TestClient, when: datetime) -> dict[str, Any]:
    with clock.frozen_at(when):
        r = client.get(f"/api/resources/{RID}")
    assert r.status_code == 200
    return dict(r.json()["properties"])


def listed(client: TestClient, when: datetime) -> dict[str, Any]:
    """The record as the nearest list gives it (the engine's cached features: JSON fast path and route)."""
    with clock.frozen_at(when):
        body = client.get("/api/nearest", params={"lat": 49.1097, "lon": 6.1759, "type": "CMP_ADULTE", "k": 10}).json()
    return next(f["properties"] for f in body["features"] if f["id"] == RID)


def test_the_api_shows_the_fields_and_the_notice_only_while_it_runs(client: TestClient) -> None:
    p = props(client, DURING)
    assert p["wait_days"] == 40 and p["wait_stated_on"] == "2026-12-01" and p["wait_old"] is False
    assert p["accepts_new"] == "oui" and p["verified_by"] == "structure"
    assert p["provenance_fr"] == "confirmé par le lieu le 01/12/2026" and p["to_confirm"] is False
    assert p["notice"]["text"] == "fermé du 22/12 au 2/1"
    assert props(client, BEFORE)["notice"] is None
    assert props(client, AFTER)["notice"] is None
    old = props(client, datetime(2027, 3, 2, 10, 0))
    assert old["wait_old"] is True and "il y a plus de 3 mois" in old["wait_fr"]


def test_the_cached_list_changes_with_the_day(client: TestClient) -> None:
    assert listed(client, DURING)["notice"] is not None
    assert listed(client, AFTER)["notice"] is None  # same engine, same data version: a new day
    assert listed(client, DURING)["notice"] is not None


def test_the_markers_payload_and_its_etag_are_keyed_by_the_day(client: TestClient) -> None:
    with clock.frozen_at(DURING):
        a = client.get("/api/markers")
        same = client.get("/api/markers", headers={"If-None-Match": a.headers["etag"]})
    with clock.frozen_at(AFTER):
        b = client.get("/api/markers", headers={"If-None-Match": a.headers["etag"]})
    assert same.status_code == 304
    assert b.status_code == 200 and b.headers["etag"] != a.headers["etag"]  # a new day: nothing of yesterday


def test_nearest_closed_during_the_closure_and_the_accepts_new_filter(client: TestClient) -> None:
    q = {"commune": "Metz", "type": "CMP_ADULTE", "k": 10}
    with clock.frozen_at(DURING):
        during = client.get("/api/nearest", params=q).json()
        opened = client.get("/api/nearest", params={**q, "open_at": "2026-12-23T10:00:00"}).json()
        accepting = client.get("/api/nearest", params={**q, "accepts_new": "true"}).json()
    mine = next(f["properties"] for f in during["features"] if f["id"] == RID)
    assert mine["open_now"] is False and mine["notice"]["closed"] is True
    assert RID not in {f["id"] for f in opened["features"]}  # a closure notice closes it for open_at
    assert [f["id"] for f in accepting["features"]] == [RID]  # only places saying they accept new requests
    with clock.frozen_at(AFTER):
        after = client.get("/api/nearest", params={**q, "open_at": "2027-01-04T10:00:00"}).json()
    assert RID in {f["id"] for f in after["features"]} or all(
        f["properties"]["open_status"] == "open" for f in after["features"]
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            [
                "Avis du 22/12/2026 au 02/01/2027 : fermé du 22/12 au 2/1",
                "Accepte de nouvelles demandes",
                "Premier rendez-vous : environ 40 jours (délai indiqué le 01/12/2026)",
                "confirmé par le lieu le",
            ],
        ),
        (
            "en",
            [
                "Notice from 12/22/26 to 1/2/27: fermé du 22/12 au 2/1",
                "Accepts new requests",
                "First appointment: about 40 days",
                "confirmed by the place on",
            ],
        ),
        ("ar", ["يقبل طلبات جديدة", "أول موعد: حوالي", "أكّده المكان في"]),
    ],
)
def test_recherche_shows_them_in_each_language(client: TestClient, lang: str, words: list[str]) -> None:
    with clock.frozen_at(DURING):
        html = client.get("/recherche", params={"q": "Metz", "type": "CMP_ADULTE", "lang": lang}).text
    for w in words:
        assert w in html.replace("&#39;", "'"), w


def test_recherche_filter_and_to_confirm(client: TestClient) -> None:
    with clock.frozen_at(DURING):
        html = client.get("/recherche", params={"q": "Metz", "type": "CMP_ADULTE", "accepts_new": "1"}).text
        every = client.get("/recherche", params={"q": "Metz", "type": "CMP_ADULTE"}).text
    assert html.count('<li class="gc-item"') == 1 and 'name="accepts_new" value="1" checked' in html
    assert "à confirmer par téléphone" in every  # the others come from FINESS 2020, never confirmed
    with clock.frozen_at(AFTER):
        after = client.get("/recherche", params={"q": "Metz", "type": "CMP_ADULTE"}).text
    assert "fermé du 22/12 au 2/1" not in after


def test_the_professionals_guide_prints_them_in_the_window(client: TestClient) -> None:
    with clock.frozen_at(DURING):
        pro = client.get("/guide/metz", params={"audience": "professionnels"}).text
    assert "fermé du 22/12 au 2/1 (du 22 décembre 2026 au 2 janvier 2027)" in pro
    assert "premier rendez-vous : environ 40 jours (délai indiqué le 01/12/2026)" in pro
    assert "accepte de nouvelles demandes" in pro
    with clock.frozen_at(AFTER):
        later = client.get("/guide/metz", params={"audience": "professionnels"}).text
    assert "fermé du 22/12 au 2/1" not in later


def test_hsds_report_planning_and_healthz(client: TestClient) -> None:
    with clock.frozen_at(DURING):
        z = zipfile.ZipFile(io.BytesIO(client.get("/api/export/hsds/metz").content))
        service = z.read("services.csv").decode("utf-8")
        report = client.get("/api/report/metz", params={"format": "json"}).json()
        planning = client.get("/planning", params={"territory": "metz", "type": "CMP_ADULTE"}).text
        health = client.get("/healthz").json()
    assert "premier rendez-vous : environ 40 jours" in service and "fermé du 22/12 au 2/1 (du 22/12/2026" in service
    cmp = next(w for w in report["waits"] if w["type"] == "CMP_ADULTE")
    assert cmp["stated"] == 1 and cmp["median_wait_days"] == 40 and cmp["places"] >= 1
    assert report["freshness"]["confirmed_12_months"] >= 1
    fresh = health["freshness"]["metz"]
    assert fresh["confirmed_12_months"] >= 1 and 0 < fresh["share"] <= 1
    assert "confirmée(s) par le lieu ou par l'équipe du CLSM" in planning.replace("&#39;", "'")
    assert "délai médian indiqué 40 jours" in planning


def test_the_spreadsheet_export_carries_them(client: TestClient) -> None:
    with clock.frozen_at(DURING):
        during = client.get("/api/resources", params={"territory": "metz", "format": "csv"}).text
    with clock.frozen_at(AFTER):
        after = client.get("/api/resources", params={"territory": "metz", "format": "csv"}).text
    header = during.splitlines()[0]
    assert "wait_days" in header and "accepts_new" in header and "notice" in header
    row = next(line for line in during.splitlines() if line.startswith(RID))
    assert ",structure,40,2026-12-01,oui,fermé du 22/12 au 2/1 (2026-12-22 – 2027-01-02)," in row
    assert "fermé du 22/12 au 2/1" not in next(line for line in after.splitlines() if line.startswith(RID))
