"""Public reports on the editor screens: handled when a correction is saved or when dismissed with a
reason, and then still findable (« Traités »); an editor's lists start with the local territories'
records, not the national layer's."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from geo_clsm.store.reports import add_report, get_report
from tests.web.routers.conftest import EDITOR, csrf_token

RID = "metz-cmp-cattp-adultes-metz-nord"
LOCAL = {"metz", "angouleme"}


def csrf(client: TestClient) -> str:
    return csrf_token(client.get("/admin/resources").text)


def _national_id(editor_client: TestClient) -> str:
    db = editor_client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as conn:
        from geo_clsm.store import repo

        return next(r.id for r in repo.active_resources(conn) if r.territory == "france")


def test_a_report_is_handled_by_the_saved_correction(editor_client: TestClient) -> None:
    db = editor_client.app.state.db  # type: ignore[attr-defined]
    rid = add_report(db, RID, message="Le numéro a changé : 03 87 11 22 33")
    page = editor_client.get("/admin/reports").text
    assert "Le numéro a changé" in page and f'href="/admin/resources/{RID}?report={rid}"' in page
    # Opening the record to correct it handles nothing yet.
    form = editor_client.get(f"/admin/resources/{RID}?report={rid}").text
    assert f"Signalement n° {rid} — à traiter" in form and f"?report={rid}" in form
    assert get_report(db, rid)["status"] == "open" and "Le numéro a changé" in editor_client.get("/admin/reports").text
    # Saving without a change leaves it open.
    editor_client.post(f"/admin/resources/{RID}?report={rid}", data={"csrf_token": csrf(editor_client)})
    assert get_report(db, rid)["status"] == "open"
    # Saving the correction handles it, with the history entry of the correction.
    r = editor_client.post(
        f"/admin/resources/{RID}?report={rid}", data={"csrf_token": csrf(editor_client), "phone": "03 87 11 22 33"}
    )
    assert r.status_code == 200 and f"Signalement n° {rid} — traité" in r.text and "Correction enregistrée" in r.text
    done = get_report(db, rid)
    assert done["status"] == "corrected" and done["handled_by"] == EDITOR[0] and done["history_id"]
    assert "Le numéro a changé" not in editor_client.get("/admin/reports").text
    handled = html.unescape(editor_client.get("/admin/reports?statut=traites").text)
    assert (
        "Le numéro a changé" in handled and "Corrigé" in handled and "voir la correction dans l'historique" in handled
    )


def test_a_report_is_dismissed_with_a_reason_and_stays_findable(editor_client: TestClient) -> None:
    db = editor_client.app.state.db  # type: ignore[attr-defined]
    rid = add_report(db, RID, message="Fermé le samedi ?")
    r = editor_client.post(f"/admin/reports/{rid}/dismiss", data={"csrf_token": csrf(editor_client), "reason": "  "})
    assert r.status_code == 422 and "motif" in r.text
    assert get_report(db, rid)["status"] == "open"
    r = editor_client.post(
        f"/admin/reports/{rid}/dismiss",
        data={"csrf_token": csrf(editor_client), "reason": "Vérifié par téléphone : ouvert"},
    )
    assert r.status_code == 200 and "Signalement écarté" in r.text and "Fermé le samedi" not in r.text
    handled = html.unescape(editor_client.get("/admin/reports?statut=traites").text)
    assert "Fermé le samedi ?" in handled and "motif : Vérifié par téléphone : ouvert" in handled


def test_lists_start_with_the_local_territories(editor_client: TestClient) -> None:
    db = editor_client.app.state.db  # type: ignore[attr-defined]
    national = _national_id(editor_client)
    first = add_report(db, national, message="Rapport sur une fiche nationale")
    add_report(db, RID, message="Rapport sur une fiche de Metz")
    page = editor_client.get("/admin/reports").text
    assert page.index("Rapport sur une fiche de Metz") < page.index("Rapport sur une fiche nationale")
    assert first
    resources = editor_client.get("/admin/resources").text
    ids = re.findall(r'href="/admin/resources/([^"/?]+)"', resources)
    ids = [i for i in ids if i != "new"]
    with db.connect() as conn:
        from geo_clsm.store import repo

        territory = {r.id: r.territory for r in repo.active_resources(conn)}
    local = [i for i in ids if territory.get(i) in LOCAL]
    assert len(local) >= 30 and ids[: len(local)] == local  # the 35 pilot records fill the first page
    review = editor_client.get("/admin/review").text
    rows = re.findall(r'href="/admin/resources/([^"/?#]+)"', review.split("<main", 1)[1])
    assert rows and territory.get(rows[0]) in LOCAL
