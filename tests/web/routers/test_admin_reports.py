"""Public reports on the editor screens: handled when a correction is saved or when dismissed with a
reason, and then still findable (« Traités »); an editor's lists start with the local territories'
records, not the national layer's."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.reports import add_report, get_report
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
RID = "metz-cmp-cattp-adultes-metz-nord"
EDITOR = ("signalements@clsm-metz.fr", "mot-de-passe-signalements")
LOCAL = {"metz", "angouleme"}


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.db'}"
    with TestClient(
        create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine), base_url="https://testserver"
    ) as c:
        add_user(connect(url), *EDITOR, role="editor")
        form = c.get("/admin/login")
        m = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert m
        c.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": m.group(1)})
        yield c


def csrf(client: TestClient) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/admin/resources").text)
    assert m
    return m.group(1)


def _national_id(client: TestClient) -> str:
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as conn:
        from geo_clsm.store import repo

        return next(r.id for r in repo.active_resources(conn) if r.territory == "france")


def test_a_report_is_handled_by_the_saved_correction(client: TestClient) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    rid = add_report(db, RID, message="Le numéro a changé : 03 87 11 22 33")
    page = client.get("/admin/reports").text
    assert "Le numéro a changé" in page and f'href="/admin/resources/{RID}?report={rid}"' in page
    # Opening the record to correct it handles nothing yet.
    form = client.get(f"/admin/resources/{RID}?report={rid}").text
    assert f"Signalement n° {rid} — à traiter" in form and f"?report={rid}" in form
    assert get_report(db, rid)["status"] == "open" and "Le numéro a changé" in client.get("/admin/reports").text
    # Saving without a change leaves it open.
    client.post(f"/admin/resources/{RID}?report={rid}", data={"csrf_token": csrf(client)})
    assert get_report(db, rid)["status"] == "open"
    # Saving the correction handles it, with the history entry of the correction.
    r = client.post(
        f"/admin/resources/{RID}?report={rid}", data={"csrf_token": csrf(client), "phone": "03 87 11 22 33"}
    )
    assert r.status_code == 200 and f"Signalement n° {rid} — traité" in r.text and "Correction enregistrée" in r.text
    done = get_report(db, rid)
    assert done["status"] == "corrected" and done["handled_by"] == EDITOR[0] and done["history_id"]
    assert "Le numéro a changé" not in client.get("/admin/reports").text
    handled = html.unescape(client.get("/admin/reports?statut=traites").text)
    assert (
        "Le numéro a changé" in handled and "Corrigé" in handled and "voir la correction dans l'historique" in handled
    )


def test_a_report_is_dismissed_with_a_reason_and_stays_findable(client: TestClient) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    rid = add_report(db, RID, message="Fermé le samedi ?")
    r = client.post(f"/admin/reports/{rid}/dismiss", data={"csrf_token": csrf(client), "reason": "  "})
    assert r.status_code == 422 and "motif" in r.text
    assert get_report(db, rid)["status"] == "open"
    r = client.post(
        f"/admin/reports/{rid}/dismiss", data={"csrf_token": csrf(client), "reason": "Vérifié par téléphone : ouvert"}
    )
    assert r.status_code == 200 and "Signalement écarté" in r.text and "Fermé le samedi" not in r.text
    handled = html.unescape(client.get("/admin/reports?statut=traites").text)
    assert "Fermé le samedi ?" in handled and "motif : Vérifié par téléphone : ouvert" in handled


def test_lists_start_with_the_local_territories(client: TestClient) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    national = _national_id(client)
    first = add_report(db, national, message="Rapport sur une fiche nationale")
    add_report(db, RID, message="Rapport sur une fiche de Metz")
    page = client.get("/admin/reports").text
    assert page.index("Rapport sur une fiche de Metz") < page.index("Rapport sur une fiche nationale")
    assert first
    resources = client.get("/admin/resources").text
    ids = re.findall(r'href="/admin/resources/([^"/?]+)"', resources)
    ids = [i for i in ids if i != "new"]
    with db.connect() as conn:
        from geo_clsm.store import repo

        territory = {r.id: r.territory for r in repo.active_resources(conn)}
    local = [i for i in ids if territory.get(i) in LOCAL]
    assert len(local) >= 30 and ids[: len(local)] == local  # the 35 pilot records fill the first page
    review = client.get("/admin/review").text
    rows = re.findall(r'href="/admin/resources/([^"/?#]+)"', review.split("<main", 1)[1])
    assert rows and territory.get(rows[0]) in LOCAL
