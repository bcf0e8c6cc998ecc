"""/api/sectors, /api/sectors/{id} and the OGC collection ``sectors``: on the shipped layers (no
sector: « sectorisation non renseignée ») and on an app whose database holds the FICTITIOUS sectors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient

from tests.sector_fixtures import POINTS, app_with_sectors, fictitious_sectors


@pytest.fixture(scope="module")
def sector_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sectors') / 'db.sqlite'}"
    with TestClient(app_with_sectors(url)) as c:
        yield c


def test_no_sector_data_said_plainly(client: TestClient) -> None:
    body = client.get("/api/sectors", params={"territory": "metz"}).json()
    assert body["features"] == [] and body["has_data"] is False
    assert body["message"] == "sectorisation non renseignée"
    r = client.get("/api/sectors/57G03")
    assert r.status_code == 404 and "secteur inconnu « 57G03 »" in r.json()["detail"]


def test_sectors_geojson_is_the_public_view(sector_client: TestClient) -> None:
    body = sector_client.get("/api/sectors", params={"territory": "metz"}).json()
    assert body["has_data"] is True and body["message"] is None
    by_id = {f["id"]: f for f in body["features"]}
    expected = {s.id: s for s in fictitious_sectors()}
    assert set(by_id) == set(expected)
    for sid, f in by_id.items():
        assert f["properties"] == expected[sid].public_view()  # the one public view, nothing else
        assert f["geometry"]["type"] == "MultiPolygon"
    # The geometry is the resolved extent, in WGS84: the south half of Metz holds the CMP Gambetta.
    south = shapely.geometry.shape(by_id["FICTIF-57G02"]["geometry"])
    assert south.covers(shapely.Point(*POINTS["metz_sud_gambetta"]))
    assert not south.covers(shapely.Point(*POINTS["metz_nord"]))


def test_filters_and_one_sector(sector_client: TestClient) -> None:
    children = sector_client.get("/api/sectors", params={"public": "enfants"}).json()["features"]
    assert [f["id"] for f in children] == ["FICTIF-57I01"]
    empty = sector_client.get("/api/sectors", params={"territory": "angouleme"}).json()
    assert empty["features"] == [] and empty["message"] == "sectorisation non renseignée"
    one = sector_client.get("/api/sectors/FICTIF-57G01")
    assert one.status_code == 200 and one.json()["properties"]["referents"] == ["metz-cmp-cattp-adultes-metz-nord"]


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/sectors?territory=atlantide", 404, "territoire « atlantide » inconnu"),
        ("/api/sectors?public=tous", 422, "valeur inconnue « tous » : valeurs possibles adultes, enfants"),
        ("/api/sectors/FICTIF-99", 404, "secteur inconnu"),
        ("/api/sectors/" + "x" * 41, 422, "texte trop long : 40 caractères au plus"),
    ],
)
def test_bad_requests_are_french_4xx(sector_client: TestClient, url: str, status: int, words: str) -> None:
    r = sector_client.get(url)
    assert r.status_code == status and words in str(r.json()["detail"])


def test_ogc_collection_sectors(sector_client: TestClient) -> None:
    items = sector_client.get("/ogc/collections/sectors/items", params={"territory": "metz"}).json()
    assert items["numberMatched"] == 4
    one = sector_client.get("/ogc/collections/sectors/items/FICTIF-57I01").json()
    assert one["properties"]["public"] == "enfants" and one["geometry"]["type"] == "MultiPolygon"
