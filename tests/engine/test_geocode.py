"""Offline geocoder on the shipped layers, and the BAN adapter against a stub server on 127.0.0.1."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.geocode import BanGeocoder, GeocoderUnavailableError, OfflineGeocoder
from geo_clsm.model.errors import InvalidInputError, NotFoundError


@pytest.fixture(scope="module")
def offline(catalog: Catalog) -> OfflineGeocoder:
    return OfflineGeocoder(catalog)


def test_commune_by_code_and_name(offline: OfflineGeocoder) -> None:
    by_code = offline.commune("57463")
    by_name = offline.commune("metz")
    assert by_code == by_name
    assert by_code.precision == "commune" and by_code.method == "offline" and by_code.insee_com == "57463"
    assert offline.commune("Montigny-les-Metz").insee_com == "57480"  # accents optional
    assert offline.commune("Lyon").insee_com == "69123"  # national layer


def test_ambiguous_name_asks_for_department(offline: OfflineGeocoder) -> None:
    assert offline.commune("Saint-Michel").insee_com == "16341"  # the pilot's one wins
    with pytest.raises(InvalidInputError, match="préciser le département"):
        offline.commune("Sainte-Marie")
    assert offline.commune("Saint-Michel (02)").insee_com.startswith("02")


def test_unknown_commune(offline: OfflineGeocoder) -> None:
    with pytest.raises(NotFoundError, match="introuvable"):
        offline.commune("Atlantis")


def test_qpv_and_address(offline: OfflineGeocoder) -> None:
    q = offline.place("Bellecroix")
    assert q.precision == "qpv" and q.code == "QN05718M" and q.label == "quartier Bellecroix (57)"
    a = offline.address("20 rue Gambetta, 57000 Metz")
    assert a.insee_com == "57463" and a.precision == "commune"
    with pytest.raises(NotFoundError, match="ajouter la commune ou le code postal"):
        offline.address("20 rue Gambetta")


class _Stub(BaseHTTPRequestHandler):
    calls: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        q = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        _Stub.calls.append(self.path)
        if q == "boom":
            self.send_response(500)
            self.end_headers()
            return
        score = 0.2 if q == "vague" else 0.93
        feats = (
            []
            if q == "nowhere"
            else [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [6.17594, 49.11022]},
                    "properties": {
                        "label": "20 Rue Gambetta 57000 Metz",
                        "score": score,
                        "type": "housenumber",
                        "citycode": "57463",
                    },
                }
            ]
        )
        body = json.dumps({"type": "FeatureCollection", "features": feats}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def ban_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_ban_address(ban_url: str, offline: OfflineGeocoder) -> None:
    ban = BanGeocoder(ban_url, offline=offline, timeout_s=2)
    r = ban.address("20 rue Gambetta Metz")
    assert (r.method, r.precision, r.insee_com) == ("ban", "address", "57463")
    assert r.lon == pytest.approx(6.17594) and r.score == pytest.approx(0.93)
    assert "/search/?q=20+rue+Gambetta+Metz&limit=1" in _Stub.calls[-1]


def test_ban_errors(ban_url: str, offline: OfflineGeocoder) -> None:
    ban = BanGeocoder(ban_url, offline=offline, timeout_s=2)
    with pytest.raises(NotFoundError, match="incertaine"):
        ban.address("vague")
    with pytest.raises(NotFoundError, match="introuvable"):
        ban.address("nowhere")
    with pytest.raises(GeocoderUnavailableError):
        ban.address("boom")
    down = BanGeocoder("http://127.0.0.1:9", offline=offline, timeout_s=1)
    with pytest.raises(GeocoderUnavailableError, match="indisponible"):
        down.address("x")
    assert down.commune("Metz").method == "offline"  # communes never leave the machine
