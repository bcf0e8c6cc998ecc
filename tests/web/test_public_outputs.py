"""Documents and history follow the public view at every moment (issue 25, item 1).

An editor's change that makes a resource less public (confidential address, withdrawal) is
printed at once by the guide (HTML and PDF), and the observatory's history (« évolution », in the
API and in the report) shows the resource through its public view now: a resource confidential
today shows its commune's point at every date, a withdrawn one appears as closed with no position.
The guide's links come from ``GEO_CLSM_PUBLIC_URL`` only, never from the request's Host header.
Answers with internal data are ``no-store``; ``/healthz`` shows no absolute path of the server.

Runs on its own SQLite database of record, with a real engine swap after each change.
"""

from __future__ import annotations

import html
import json
import logging
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app
from geo_clsm.web.routers.documents import warn_no_public_url

LAYERS = Path(__file__).resolve().parents[2] / "layers"
RID = "metz-cmp-cattp-adultes-gambetta"  # a real CMP of the Metz pilot, at 20 rue Gambetta
NAME, PHONE = "CMP/CATTP adultes Metz (EPSM Metz-Jury)", "03 87 65 34 57"  # its own phone number
EDITOR = ("sorties-publiques@clsm-metz.fr", "mot-de-passe-sorties")
BORNY = (6.2236, 49.1130)  # the move the observatory tests make (into the Borny QPV)


def settle(c: TestClient) -> None:
    """Wait for the background work a change started: indicators, then snapshots."""
    c.app.state.live.wait_for_access()  # type: ignore[attr-defined]
    c.app.state.recorder.wait()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def anon(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('public-outputs') / 'outputs.db'}"
    app = create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine)  # no GEO_CLSM_PUBLIC_URL
    with TestClient(app, base_url="https://testserver") as c:
        add_user(connect(url), *EDITOR, role="editor")
        settle(c)
        yield c


@pytest.fixture(scope="module")
def editor(anon: TestClient) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def _pdf_text(body: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(body)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _guide(anon: TestClient, tmp_path: Path) -> tuple[str, str]:
    page = anon.get("/guide/metz", params={"audience": "professionnels"})
    pdf = anon.get("/guide/metz", params={"audience": "professionnels", "format": "pdf"})
    assert page.status_code == 200 and pdf.status_code == 200
    return html.unescape(page.text), _pdf_text(pdf.content, tmp_path)


def test_guide_links_never_come_from_the_host_header(anon: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    warn_no_public_url.cache_clear()
    anon.app.state.documents.clear()  # type: ignore[attr-defined]
    pages = [anon.get("/guide/angouleme", headers={"Host": f"hote-{i}.attaquant.example"}).text for i in range(15)]
    assert all("Grand Angoulême" in p for p in pages)
    assert not any("attaquant.example" in p for p in pages)  # no link, no QR code to the client's host
    assert len(anon.app.state.documents) == 1  # type: ignore[attr-defined]  # one render, whatever the Host
    assert caplog.text.count("GEO_CLSM_PUBLIC_URL is unset") == 1  # said once


def test_guide_links_come_from_the_configured_public_url(engine: Engine) -> None:
    settings = Settings(public_url="https://sante-mentale.example.fr/")
    with TestClient(create_app(settings, engine=engine)) as c:
        page = c.get("/guide/metz", headers={"Host": "hote.attaquant.example"}).text
    assert "https://sante-mentale.example.fr/?territory=metz" in page and "attaquant" not in page


def test_the_guide_follows_a_confidential_address_and_a_withdrawal_at_once(
    anon: TestClient, editor: tuple[TestClient, dict[str, str]], engine: Engine, tmp_path: Path
) -> None:
    c, h = editor
    res = engine.catalog.resources_by_id[RID]
    assert res.street and res.street.lower() == "20 rue gambetta"
    page, pdf = _guide(anon, tmp_path)  # rendered and cached today
    assert "20 rue Gambetta".lower() in page.lower() and "gambetta" in pdf.lower()
    r = c.patch(f"/api/admin/resources/{RID}", json={"confidential_address": True}, headers=h)
    assert r.status_code == 200, r.text
    page, pdf = _guide(anon, tmp_path)
    assert "gambetta" not in page.lower() and "gambetta" not in pdf.lower()
    assert NAME in page and PHONE in page  # still listed, at its commune
    assert c.delete(f"/api/admin/resources/{RID}", headers=h).json()["status"] == "withdrawn"
    page, pdf = _guide(anon, tmp_path)
    assert NAME not in page and PHONE not in page and PHONE not in pdf
    hist = c.get(f"/api/admin/resources/{RID}/history").json()
    first = hist[0]["id"]  # the shipped version: public, at its street
    r = c.post(f"/api/admin/resources/{RID}/restore", json={"entry_id": first}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "active"
    page, _ = _guide(anon, tmp_path)
    assert "20 rue Gambetta".lower() in page.lower()  # the detector sees the street when it is public
    settle(anon)


def test_history_shows_a_confidential_resource_only_at_its_commune(
    anon: TestClient, editor: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    c, h = editor
    res = engine.catalog.resources_by_id[RID]
    assert res.position is not None and res.commune_position is not None
    exact = (res.position.lon, res.position.lat)
    town_hall = (res.commune_position.lon, res.commune_position.lat)
    r = c.patch(f"/api/admin/resources/{RID}", json={"lon": BORNY[0], "lat": BORNY[1]}, headers=h)
    assert r.status_code == 200, r.text
    settle(anon)
    evo = anon.get("/api/observatory/metz/evolution").json()
    moved = next(m for m in evo["moved"] if m["id"] == RID)
    assert (moved["from_lon"], moved["from_lat"]) == pytest.approx(exact)  # public then: it may be shown
    r = c.patch(f"/api/admin/resources/{RID}", json={"confidential_address": True}, headers=h)
    assert r.status_code == 200, r.text
    today = date.today().isoformat()
    for settled in (False, True):  # before the new snapshot is written, and after
        if settled:
            settle(anon)
        evo = anon.get("/api/observatory/metz/evolution").json()
        report = anon.get("/api/report/metz", params={"since": today, "format": "json"}).json()["evolution"]
        for body in (evo, report):
            text = json.dumps(body)
            for v in (*exact, *BORNY):
                assert f"{v:.5f}"[:-1] not in text  # 4 decimals, (v, settled)
            mine = [x for k in ("opened", "closed", "moved") for x in body[k] if x["id"] == RID]
            for x in mine:
                assert (x["lon"], x["lat"]) == pytest.approx(town_hall, abs=1e-6)
    page = anon.get("/api/report/metz", params={"since": today}).text
    assert "Évolution depuis" in page and "gambetta" not in page.lower()
    assert c.delete(f"/api/admin/resources/{RID}", headers=h).json()["status"] == "withdrawn"
    settle(anon)
    evo = anon.get("/api/observatory/metz/evolution").json()
    (closed,) = [x for x in evo["closed"] if x["id"] == RID]
    assert closed["lon"] is None and closed["lat"] is None
    assert RID not in {x["id"] for k in ("opened", "moved") for x in evo[k]}


def test_internal_answers_are_no_store(anon: TestClient, editor: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = editor
    for path in ("/api/admin/resources", f"/api/admin/resources/{RID}/history", "/api/auth/me", "/admin/resources"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "no-store", path
    assert anon.get("/api/admin/resources").headers["cache-control"] == "no-store"  # the 401 too
    assert "no-store" not in anon.get("/api/markers").headers.get("cache-control", "")


def test_healthz_shows_no_absolute_path(anon: TestClient) -> None:
    text = anon.get("/healthz").text
    for folder in {str(LAYERS.resolve()), str(Path.home()), str(Path.cwd())}:
        assert folder not in text
    assert "pilots/resources_metz_angouleme.csv" in text  # the source is still named
