"""The history of a record reads as French: actions in words, fields by their label, values as a
person reads them (no ``None``, ``False``, dictionaries or field codes)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from geo_clsm.web.admin_history import readable_changes
from tests.web.routers.conftest import EDITOR, csrf_token

RID = "metz-cmp-cattp-adultes-metz-nord"


def _visible_text(html: str) -> str:
    body = html.split("<main", 1)[1]
    body = re.sub(r"<form.*?</form>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_history_reads_as_french(editor_client: TestClient) -> None:
    r = editor_client.post(
        f"/admin/resources/{RID}",
        data={
            "csrf_token": csrf_token(editor_client.get("/admin/resources").text),
            "phone": "03 87 45 45 45",
            "wheelchair": "oui",
            "age_min": "18",
            "opening_hours": "Mo-Fr 09:00-17:00; PH off",
            "services": "CATTP;HDJ",
        },
    )
    assert r.status_code == 200
    text = _visible_text(editor_client.get(f"/admin/resources/{RID}/history").text)
    assert f"Fiche modifiée par {EDITOR[0]}" in text
    assert "Fiche chargée depuis les couches livrées par couches livrées" in text
    assert "fiche reprise des couches livrées (source : FINESS" in text
    assert "Téléphone" in text and "03 87 45 45 45" in text
    assert "Accessible en fauteuil — oui" in text
    assert "Âge minimum — 18 ans" in text
    assert "Horaires — du lundi au vendredi de 9 h à 17 h ; fermé les jours fériés (Mo-Fr 09:00-17:00; PH off)" in text
    assert "CATTP, Hôpital de jour" in text
    for raw in ("None", "False", "True", "{'", "age_min", "wheelchair", "opening_hours", " update ", " seed "):
        assert raw not in text, raw


def test_readable_changes_of_a_withdrawal_and_a_move() -> None:
    before = {"status": "active", "position": {"lon": 6.17, "lat": 49.12, "precision": "address", "source": "x"}}
    after = {"status": "withdrawn", "position": {"lon": 6.18, "lat": 49.13, "precision": "commune", "source": "x"}}
    assert readable_changes(before, after) == [
        ("État", "publiée", "retirée de la vue publique"),
        ("Position", "49,12000, 6,17000 (à l'adresse)", "49,13000, 6,18000 (position approximative (commune))"),
    ]
