"""/api/observatory/{territory}: the snapshots the service records at start-up and after an
editor's change (through the real editing API, indicators recomputed in the background), the
series in JSON, French CSV and XLSX, the évolution, and the chart."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.exports.tables import label
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
RID = "metz-cmp-cattp-adultes-gambetta"
EDITOR = ("observatoire@clsm-metz.fr", "mot-de-passe-observatoire")
BORNY = "QN05720M"


def settle(c: TestClient) -> None:
    """Wait for the background work a change started: indicators, then snapshots."""
    c.app.state.live.wait_for_access()  # type: ignore[attr-defined]
    c.app.state.recorder.wait()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def anon(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('observatory') / 'obs.db'}"
    with TestClient(
        create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine), base_url="https://testserver"
    ) as c:
        add_user(connect(url), *EDITOR, role="editor")
        settle(c)
        yield c


def test_start_up_records_one_snapshot_per_territory(anon: TestClient) -> None:
    body = anon.get("/api/observatory/metz").json()
    assert len(body["snapshots"]) == 1 and body["snapshots"][0]["taken_at"]
    gaps = {r["code_qp"]: r for r in anon.get("/api/gaps", params={"territory": "metz", "type": "CMP"}).json()["rows"]}
    cmp_series = [s for s in body["series"] if s["resource_type"] == "CMP"]
    assert {s["code_qp"] for s in cmp_series} == set(gaps)
    for s in cmp_series:  # the stored figures are the ones the API serves
        (point,) = s["points"]
        assert point["mean_m"] == gaps[s["code_qp"]]["mean_m"]
        assert point["within_1000m_share"] == gaps[s["code_qp"]]["within_1000m_share"]


@pytest.fixture(scope="module")
def moved_into_borny(anon: TestClient) -> list[float]:
    """An editor moves RID into Borny, once for the module's tests that need it: its coordinates before.
    A test run alone (``-k``) gets the change too, instead of relying on an earlier test's."""
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
    h = {"X-CSRF-Token": r.json()["csrf_token"]}
    before: list[float] = anon.get(f"/api/resources/{RID}").json()["geometry"]["coordinates"]
    r = c.patch(f"/api/admin/resources/{RID}", json={"lon": 6.2236, "lat": 49.1130}, headers=h)  # into Borny
    assert r.status_code == 200, r.text
    settle(anon)
    return before


def test_an_editor_change_gives_a_new_snapshot_and_an_evolution(
    anon: TestClient, moved_into_borny: list[float]
) -> None:
    before = moved_into_borny
    body = anon.get("/api/observatory/metz").json()
    assert len(body["snapshots"]) == 2
    assert len(anon.get("/api/observatory/angouleme").json()["snapshots"]) == 1  # untouched: no new snapshot
    evo = anon.get("/api/observatory/metz/evolution").json()
    (moved,) = evo["moved"]
    assert (
        moved["id"] == RID
        and moved["moved_m"] > 1000
        and (moved["from_lon"], moved["from_lat"]) == pytest.approx(before)
    )
    changed = {(r["code_qp"], r["resource_type"], r["indicator"]): r for r in evo["indicators"]}
    borny = changed[(BORNY, "CMP_ADULTE", "mean_m")]
    assert borny["after"] < borny["before"]
    # the same change in the spreadsheet formats
    fr = anon.get("/api/observatory/metz/evolution", params={"format": "csv-fr"})
    df = pd.read_csv(io.BytesIO(fr.content), sep=";", decimal=",", encoding="utf-8-sig")
    assert fr.content.startswith(b"\xef\xbb\xbf") and {"Avant", "Après", "Évolution"} <= set(df.columns)
    assert len(df) == len(evo["indicators"])


def test_series_as_french_csv_and_xlsx(anon: TestClient) -> None:
    js = anon.get("/api/observatory/metz", params={"type": "CMP"}).json()
    n_rows = sum(len(s["points"]) for s in js["series"])
    fr = anon.get("/api/observatory/metz", params={"type": "CMP", "format": "csv-fr"})
    assert fr.content.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(fr.content), sep=";", decimal=",", encoding="utf-8-sig")
    assert (
        len(df) == n_rows
        and label("mean_m") in df.columns
        and "Date de l'instantané (date et heure, Paris)" in df.columns
    )
    wb = openpyxl.load_workbook(io.BytesIO(anon.get("/api/observatory/metz", params={"format": "xlsx"}).content))
    header = next(wb["Données"].iter_rows(values_only=True))
    assert "QPV" in header and label("sfca_per_10k") in header and label("within_500m_share") in header


def test_chart_and_errors(anon: TestClient) -> None:
    r = anon.get("/api/observatory/metz/chart.png", params={"type": "CMP", "indicator": "sfca_per_10k"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content.startswith(b"\x89PNG")
    r = anon.get("/api/observatory/metz/chart.png", params={"indicator": "nope"})
    assert r.status_code == 422 and "indicateur" in r.json()["detail"]
    r = anon.get("/api/observatory/paris")
    assert r.status_code == 404 and "choisir parmi" in r.json()["detail"]
    r = anon.get("/api/observatory/metz/evolution", params={"since": "hier"})
    assert r.status_code == 422


def test_report_has_an_evolution_section_since_a_date(anon: TestClient, moved_into_borny: list[float]) -> None:
    """After an editor's change: the report's « évolution » names the moved resource."""
    html = anon.get("/api/report/metz", params={"since": "2000-01-01"}).text
    assert "Évolution depuis le 01/01/2000" in html and "Ressources déplacées (1)" in html
    body = anon.get("/api/report/metz", params={"since": "2000-01-01", "format": "json"}).json()
    assert [m["id"] for m in body["evolution"]["moved"]] == [RID]
    assert "Évolution depuis" not in anon.get("/api/report/metz").text


def test_report_supply_figures_as_spreadsheets(anon: TestClient) -> None:
    supply = anon.get("/api/report/metz", params={"format": "json"}).json()["supply"]
    wb = openpyxl.load_workbook(io.BytesIO(anon.get("/api/report/metz", params={"format": "xlsx"}).content))
    rows = list(wb["Données"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Échelle", "Code", "Type (code)") and len(rows) - 1 == len(supply)
    fr = anon.get("/api/report/metz", params={"format": "csv-fr"})
    df = pd.read_csv(io.BytesIO(fr.content), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code": str})
    assert fr.content.startswith(b"\xef\xbb\xbf") and len(df) == len(supply)
    assert df["Pour 10 000 habitants (pour 10 000 hab.)"].tolist() == pytest.approx(
        [float("nan") if r["per_10k"] is None else r["per_10k"] for r in supply], nan_ok=True
    )
