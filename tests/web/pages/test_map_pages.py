"""HTML-level tests of the resident (/) and planner (/planning) views."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.pages.maps import ExternalAssetError, check_no_external_assets
from geo_clsm.web.pages.planner import classify


@pytest.fixture(scope="module")
def no_tiles(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(tiles_url="none"), engine=engine)) as c:
        yield c


def _assets(page: str) -> list[str]:
    return re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']([^\"']+)[\"']", page)


def test_resident_page(no_tiles: TestClient) -> None:
    r = no_tiles.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="fr" dir="ltr">' in page
    assert 'href="tel:3114"' in page and 'href="tel:15"' in page and 'href="tel:112"' in page
    assert "Me localiser" in page and 'role="search"' in page and 'aria-live="polite"' in page
    assert re.search(r"/static/vendor/leaflet/leaflet\.[0-9a-f]{10}\.js", page) and re.search(
        r"/static/app/map\.[0-9a-f]{10}\.js", page
    )
    for url in _assets(page):
        assert url.startswith(("/", "data:")), url
        if url.startswith("/"):
            assert no_tiles.get(url).status_code == 200, url
    assert "tile.openstreetmap.org" not in page  # tiles "none"
    # Points are fetched, not inlined: no resource id appears in the page.
    assert "metz-cmp-cattp-adultes-gambetta" not in page and "finess-" not in page
    assert len(page) < 400_000
    for label in ("CMP adultes", "Maison des adolescents", "Point d'écoute (PAEJ)", "Adolescent (12-17 ans)"):
        assert label in page


def test_default_tiles_are_configurable(client: TestClient, no_tiles: TestClient) -> None:
    assert "tile.openstreetmap.org" in client.get("/").text  # default: OSM tiles, scripts still local
    assert all(u.startswith(("/", "data:")) for u in _assets(client.get("/").text))
    zoomed = no_tiles.get("/", params={"territory": "angouleme"}).text
    assert "Soyaux" in zoomed and "Montigny" not in zoomed  # only that territory's outlines
    assert no_tiles.get("/", params={"territory": "lyon"}).status_code == 404


def test_markers_endpoint_is_compact_and_public(client: TestClient) -> None:
    body = client.get("/api/markers").json()
    rows = {m[0]: m for m in body["markers"]}
    assert len(rows) > 3500  # same-site FINESS duplicates are grouped (issue 17)
    gem = rows["ang-gem-suis-ton-chemin"]
    mairie = client.get("/api/resources/ang-gem-suis-ton-chemin").json()["geometry"]["coordinates"]
    assert gem[2:4] == mairie and gem[4] == 1  # commune position, flagged approximate
    assert rows["metz-cmp-cattp-adultes-gambetta"][5:] == [18, None]  # ages implied by the type
    assert "metz-clsm" not in rows  # not a place


def test_geocode_endpoint(client: TestClient) -> None:
    r = client.get("/api/geocode", params={"q": "Borny"}).json()
    assert r["precision"] == "qpv" and abs(r["lat"] - 49.113) < 0.01
    assert client.get("/api/geocode", params={"q": "Atlantis"}).status_code == 404
    assert client.get("/api/geocode", params={"q": "x"}).status_code == 422


def test_planner_page(no_tiles: TestClient) -> None:
    page = no_tiles.get(
        "/planning", params={"territory": "metz", "type": "CMP", "indicator": "within_1000m_share"}
    ).text
    assert "Part du quartier à moins de 1 km" in page
    assert "/api/gaps?territory=metz&amp;type=CMP&amp;format=csv" in page
    assert "/api/qpv?territory=metz&amp;type=CMP" in page
    assert page.count('class="gc-swatch"') >= 2
    assert "QN05720M" in page  # QPV polygons with their indicators (tooltips)
    assert all(u.startswith(("/", "data:")) for u in _assets(page))
    assert '<option value="metz" selected>' in page


def test_planner_errors(no_tiles: TestClient) -> None:
    assert no_tiles.get("/planning", params={"indicator": "bogus"}).status_code == 422
    assert no_tiles.get("/planning", params={"territory": "france"}).status_code == 404
    assert no_tiles.get("/planning", params={"type": "ZZ"}).status_code == 422


def test_classes_from_mapclassify() -> None:
    import pandas as pd

    classes, bins = classify(pd.Series([1.0, 2.0, 2.5, 10.0, 11.0, 30.0, None]), k=3)
    assert len(bins) == 3 and bins[-1] == 30.0
    assert classes[-1] == -1 and classes[0] == 0 and classes[5] == 2


def test_external_assets_are_refused() -> None:
    with pytest.raises(ExternalAssetError):
        check_no_external_assets('<script src="https://cdn.example.org/leaflet.js"></script>')
    check_no_external_assets('<script src="/static/app/map.js"></script><link rel="icon" href="data:,">')
