"""The editor screens through the app: forms with CSRF, import preview before apply, history
restore, review queue, the public report form."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.db import connect
from geo_clsm.store.disagreements import file_disagreements
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
RID = "metz-cmp-cattp-adultes-metz-nord"
EDITOR = ("pages@clsm-metz.fr", "mot-de-passe-pages")


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'pages.db'}"
    with TestClient(
        create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine), base_url="https://testserver"
    ) as c:
        add_user(connect(url), *EDITOR, role="editor")
        yield c


def token(html: str, name: str = "csrf_token") -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


@pytest.fixture(scope="module")
def signed_in(client: TestClient) -> str:
    """Signs the module's client in; returns the session's CSRF token."""
    form = client.get("/admin/login")
    assert form.status_code == 200 and 'lang="fr"' in form.text
    r = client.post(
        "/admin/login",
        data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/resources"
    return token(client.get("/admin/resources").text)


def test_pages_redirect_to_login_without_a_session(engine: Engine, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=LAYERS, database_url=f"sqlite:///{tmp_path / 'x.db'}"), engine=engine)
    with TestClient(app, base_url="https://testserver") as anon:
        for path in ("/admin/resources", f"/admin/resources/{RID}", "/admin/review", "/admin/reports", "/admin/import"):
            r = anon.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/admin/login", path
        # A login form posted without its CSRF cookie is refused.
        r = anon.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": "forged"})
        assert r.status_code == 401 and "formulaire expiré" in r.text


def test_wrong_password_on_the_form(client: TestClient) -> None:
    c = TestClient(client.app, base_url="https://testserver")
    form = c.get("/admin/login")
    r = c.post("/admin/login", data={"email": EDITOR[0], "password": "faux", "csrf_token": token(form.text)})
    assert r.status_code == 401 and "mot de passe incorrect" in r.text


def test_edit_form_needs_the_csrf_token(client: TestClient, signed_in: str) -> None:
    r = client.post(f"/admin/resources/{RID}", data={"phone": "03 87 45 45 45"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    assert client.get(f"/api/resources/{RID}").json()["properties"]["phone"] != "03 87 45 45 45"


def test_edit_form_saves_and_shows_errors(client: TestClient, signed_in: str) -> None:
    page = client.get(f"/admin/resources/{RID}")
    assert page.status_code == 200 and 'for="f-phone"' in page.text
    r = client.post(f"/admin/resources/{RID}", data={"phone": "03 87 45 45 45", "csrf_token": signed_in})
    assert r.status_code == 200 and "Fiche enregistrée" in r.text
    assert client.get(f"/api/resources/{RID}").json()["properties"]["phone"] == "03 87 45 45 45"
    r = client.post(f"/admin/resources/{RID}", data={"opening_hours": "tous les jours", "csrf_token": signed_in})
    assert r.status_code == 422 and "opening_hours" in r.text and 'aria-invalid="true"' in r.text


def test_history_restore_and_review_pages(client: TestClient, signed_in: str) -> None:
    client.post(f"/admin/resources/{RID}", data={"name": "Nom provisoire", "csrf_token": signed_in})
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as conn:
        first = repo.entries(conn, RID)[0]
    page = client.get(f"/admin/resources/{RID}/history")
    assert "Nom provisoire" in page.text and "Restaurer cette version" in page.text
    r = client.post(f"/admin/resources/{RID}/restore", data={"entry_id": first["id"], "csrf_token": signed_in})
    assert r.status_code == 200
    assert client.get(f"/api/resources/{RID}").json()["properties"]["name"] == first["after"]["name"]
    review = client.get("/admin/review")
    assert review.status_code == 200 and "12 mois" in review.text


def test_import_shows_the_report_before_writing(client: TestClient, signed_in: str, tmp_path: Path) -> None:
    csv = tmp_path / "lot.csv"
    csv.write_text(
        "id,type,name,insee_com,commune,lon,lat,source,last_verified,phone\n"
        "metz-paej-synthetique,PAEJ,PAEJ synthétique (test),57463,Metz,6.17,49.12,test synthétique,2026-11-01,\n"
        "metz-bad-synthetique,PAEJ,Ligne fausse (test),57463,Metz,-74.0,40.7,test synthétique,2026-11-01,\n",
        encoding="utf-8",
    )
    with csv.open("rb") as fh:
        r = client.post(
            "/admin/import/preview", data={"csrf_token": signed_in}, files={"file": ("lot.csv", fh, "text/csv")}
        )
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "rien n'est encore écrit" in text and "Rejetées : 1" in text and "hors de France" in text
    assert client.get("/api/resources/metz-paej-synthetique").status_code == 404  # nothing written yet
    r = client.post("/admin/import/apply", data={"csrf_token": signed_in, "token": token(r.text, "token")})
    assert "1 fiche(s) créée(s)" in r.text
    assert client.get("/api/resources/metz-paej-synthetique").status_code == 200


def test_public_report_form(client: TestClient) -> None:
    c = TestClient(client.app, base_url="https://testserver")
    form = c.get(f"/signaler/{RID}")
    assert form.status_code == 200 and "Signaler une erreur" in form.text and "3114" in form.text
    r = c.post(f"/signaler/{RID}", data={"message": "Adresse fausse", "csrf_token": token(form.text)})
    assert r.status_code == 201 and "Merci" in r.text
    r = c.post(f"/signaler/{RID}", data={"message": "sans jeton", "csrf_token": "x"})
    assert r.status_code == 403
    assert c.get("/signaler/inconnue").status_code == 404


def test_disagreements_in_the_review_queue(client: TestClient, signed_in: str, engine: Engine) -> None:
    """FINESS disagrees with two curated records: one is accepted, the other kept; both in the history."""
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as conn:
        records = repo.active_resources(conn)
    numbers = [r.finess_et for r in records if r.finess_et]
    mine = [r for r in records if r.territory == "metz" and r.finess_et and numbers.count(r.finess_et) == 1][:2]
    official = [r.model_copy(update={"phone": f"03 87 00 00 0{i}"}) for i, r in enumerate(mine)]
    assert file_disagreements(db, official, source="finess", version="synthetic-v1", curated_territories=["metz"]) == 2
    page = client.get("/admin/review")
    assert page.status_code == 200 and "Désaccords avec les sources officielles" in page.text
    ids = [int(i) for i in re.findall(r'action="/admin/review/disagreements/(\d+)/accept"', page.text)]
    assert len(ids) == 2 and "03 87 00 00 00" in page.text
    forged = client.post(
        f"/admin/review/disagreements/{ids[0]}/accept", data={"csrf_token": "x"}, follow_redirects=False
    )
    assert forged.headers["location"] == "/admin/login"
    r = client.post(f"/admin/review/disagreements/{ids[0]}/accept", data={"csrf_token": signed_in})
    assert r.status_code == 200 and "Valeurs officielles enregistrées" in r.text
    r = client.post(f"/admin/review/disagreements/{ids[1]}/keep", data={"csrf_token": signed_in})
    assert "Fiche conservée" in r.text and "Aucun désaccord en attente" in r.text
    with db.connect() as conn:
        assert repo.get(conn, mine[0].id)[0].phone == "03 87 00 00 00"
        assert repo.get(conn, mine[1].id)[0].phone == mine[1].phone
        assert repo.entries(conn, mine[0].id)[-1]["action"] == "official"
        assert repo.entries(conn, mine[1].id)[-1]["action"] == "keep"
    history = client.get(f"/admin/resources/{mine[1].id}/history").text
    assert "valeurs de la fiche conservées" in history
    again = client.post(f"/admin/review/disagreements/{ids[1]}/accept", data={"csrf_token": signed_in})
    assert again.status_code == 422 and "déjà traité" in again.json()["detail"]
