"""The sector in every web answer (issue 29 item 2), on the FICTITIOUS sectors of
``tests/fixtures/sectors`` stored in the app's database of record (as an import stores them):
``/api/nearest`` (``query.sectors``, each result's ``sector_role``), ``/recherche`` in French and
Arabic, and the batch answers and CSV. Without sector data, the answers say
« sectorisation non renseignée » (tests/engine/test_sector_answers.py).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo_clsm.i18n import translator
from tests.sector_fixtures import POINTS, app_with_sectors

MONTIGNY = "metz-cmp-cattp-adultes-montigny"  # the referent CMP of FICTIF-57G02 (south Metz, Montigny)
GAMBETTA = "metz-cmp-cattp-adultes-gambetta"  # the nearer CMP, referent of no fictitious sector
METZ_NORD = "metz-cmp-cattp-adultes-metz-nord"  # referent of FICTIF-57G01


@pytest.fixture(scope="module")
def sectored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("sectors-db")) / "geo_clsm.db"
    with TestClient(app_with_sectors(f"sqlite:///{db}")) as c:
        yield c


def _nearest(client: TestClient, point: tuple[float, float], **params: Any) -> dict[str, Any]:
    r = client.get("/api/nearest", params={"lon": point[0], "lat": point[1], **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_api_nearest_lists_the_sector_referent_first(sectored: TestClient) -> None:
    body = _nearest(sectored, POINTS["metz_sud_gambetta"], type="CMP_ADULTE", k=3)
    q = body["query"]
    assert [(s["id"], s["public"]) for s in q["sectors"]] == [("FICTIF-57G02", "adultes"), ("FICTIF-57I01", "enfants")]
    assert all({"id", "name", "public", "referents"} <= s.keys() for s in q["sectors"])
    assert q["sector_status"] == "known" and q["sector_note"] is None
    feats = body["features"]
    first = feats[0]["properties"]
    assert feats[0]["id"] == MONTIGNY and first["sector_role"] == "referent"
    assert first["sector_label"] == "CMP de votre secteur"
    gambetta = next(f["properties"] for f in feats if f["id"] == GAMBETTA)
    assert gambetta["distance_m"] < first["distance_m"]  # nearer, listed after
    assert gambetta["sector_role"] is None  # the referent of no sector: nothing said
    roles = {f["id"]: f["properties"]["sector_role"] for f in feats}
    assert roles.get(METZ_NORD, "hors_secteur") == "hors_secteur"


def test_api_nearest_by_commune_split_between_sectors(sectored: TestClient) -> None:
    body = sectored.get("/api/nearest", params={"commune": "57463", "type": "CMP_ADULTE", "k": 4}).json()
    q = body["query"]
    assert q["precision"] == "commune"
    assert q["sector_status"] == "split_commune" and q["sector_note"].startswith("secteur inconnu pour cette adresse")
    assert q["sector_by_public"] == {"adultes": "split_commune", "enfants": "known"}
    assert [s["id"] for s in q["sectors"]] == ["FICTIF-57I01"]  # Metz is wholly in the child sector
    assert all(f["properties"]["sector_role"] is None for f in body["features"])
    d = [f["properties"]["distance_m"] for f in body["features"]]
    assert d == sorted(d)  # distance order kept


def test_api_nearest_in_no_sector(sectored: TestClient) -> None:
    body = _nearest(sectored, POINTS["gravelotte"], type="CMP_ADULTE", k=3)
    assert body["query"]["sectors"] == [] and body["query"]["sector_status"] == "no_sector"
    assert body["query"]["sector_note"] == "secteur inconnu pour cette adresse"
    assert all(f["properties"]["sector_role"] is None for f in body["features"])


def test_api_nearest_without_sector_data(client: TestClient) -> None:
    body = _nearest(client, POINTS["metz_sud_gambetta"], type="CMP_ADULTE", k=3)
    assert body["query"]["sector_status"] == "no_data"
    assert body["query"]["sector_note"] == "sectorisation non renseignée"
    assert body["features"][0]["id"] == GAMBETTA and body["features"][0]["properties"]["sector_role"] is None


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_recherche_marks_the_cmp_of_the_sector(sectored: TestClient, lang: str) -> None:
    t = translator(lang)
    # Montigny-lès-Metz: wholly in FICTIF-57G02 (adults) and FICTIF-57I01 (children).
    page = sectored.get("/recherche", params={"q": "Montigny-lès-Metz", "type": "CMP_ADULTE", "lang": lang}).text
    assert t("CMP de votre secteur") in page
    if lang != "fr":
        assert t("CMP de votre secteur") != "CMP de votre secteur"
    assert 'data-sector-role="referent"' in page
    first = page.split('<li class="gc-item"', 2)[1]
    assert 'data-sector-role="referent"' in first  # the first result
    assert "Secteur fictif Metz-Sud et Montigny" in page


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_recherche_says_when_the_sector_is_unknown(sectored: TestClient, client: TestClient, lang: str) -> None:
    t = translator(lang)
    split = html.unescape(sectored.get("/recherche", params={"q": "Metz", "type": "CMP_ADULTE", "lang": lang}).text)
    note = "secteur inconnu pour cette adresse : la commune est partagée entre plusieurs secteurs, précisez l'adresse"
    assert t(note) in split
    assert "Secteur fictif infanto-juvénile de Metz" in split  # the child sector: the whole commune
    plain = html.unescape(client.get("/recherche", params={"q": "Metz", "type": "CMP_ADULTE", "lang": lang}).text)
    assert t("sectorisation non renseignée") in plain


def test_batch_json_and_csv_carry_the_sector(sectored: TestClient) -> None:
    pts = [
        {"id": "sud", "lon": POINTS["metz_sud_gambetta"][0], "lat": POINTS["metz_sud_gambetta"][1]},
        {"id": "gravelotte", "lon": POINTS["gravelotte"][0], "lat": POINTS["gravelotte"][1]},
    ]
    params = {"type": "CMP_ADULTE", "k": 3}
    answers = sectored.post("/api/nearest/batch", json={"points": pts}, params=params).json()["answers"]
    single = _nearest(sectored, POINTS["metz_sud_gambetta"], **params)
    assert {k: v for k, v in answers[0].items() if k != "id"} == single
    r = sectored.post("/api/nearest/batch", json={"points": pts}, params={**params, "format": "csv"})
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    sud = [row for row in rows if row["id"] == "sud"]
    assert sud[0]["resource_id"] == MONTIGNY and sud[0]["sector_role"] == "referent"
    assert sud[0]["sectors"] == "FICTIF-57G02;FICTIF-57I01"
    far = [row for row in rows if row["id"] == "gravelotte"]
    assert far and all(row["sector_role"] == "" for row in far)
    assert far[0]["sectors"] == "secteur inconnu pour cette adresse"
