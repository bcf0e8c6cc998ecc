"""A CLSM's own presence and embed (issue 31, items 2 and 3): the presence screen (its territory's
admins only; colour contrast, origins and logo checked, French 422s), the territory home /t/{id}
in fr/en/ar, /embed/{id} framed only by the declared origins, oEmbed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
METZ_ADMIN = ("admin-metz-presence@clsm-test.fr", "mot-de-passe-metz!")
ANGOULEME_ADMIN = ("admin-angouleme-presence@clsm-test.fr", "mot-de-passe-angouleme!")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
SITE = "https://clsm-metz.example"


@pytest.fixture(scope="module")
def anon(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("clsm-pages")
    url = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = Settings(
        data_dir=LAYERS,
        database_url=url,
        local_territories_file=tmp / "territories.toml",
        territories=["metz", "angouleme"],
        tiles_url="none",
        logo_max_bytes=1000,
    )
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        db = connect(url)
        add_user(db, *METZ_ADMIN, role="admin", territories=["metz"])
        add_user(db, *ANGOULEME_ADMIN, role="admin", territories=["angouleme"])
        yield c


def _login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, str]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    return c, str(r.json()["csrf_token"])


def _save(c: TestClient, csrf: str, **fields: object) -> object:
    data = {"csrf_token": csrf, **fields}
    return c.post("/admin/territories/metz/presence", data=data, follow_redirects=False)


@pytest.fixture(scope="module")
def metz(anon: TestClient) -> tuple[TestClient, str]:
    c, csrf = _login(anon, METZ_ADMIN)
    r = _save(
        c,
        csrf,
        display_name="CLSM de Metz (test)",
        contact_email="clsm@metz.example",
        colour="#1d4e89",
        local_numbers="03 87 00 00 99 ; Écoute locale (fictive)",
        default_types=["CMP", "GEM"],
        embed_origins=SITE,
    )
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    return c, csrf


def test_only_the_territory_admins_keep_its_presence(anon: TestClient, metz: tuple[TestClient, str]) -> None:
    other, csrf = _login(anon, ANGOULEME_ADMIN)
    assert other.get("/admin/territories/metz/presence").status_code == 403
    assert _save(other, csrf, display_name="pris").status_code == 403  # type: ignore[attr-defined]
    assert other.get("/admin/territories/metz/integrer").status_code == 403
    own = other.get("/admin/territories/angouleme/presence")
    assert own.status_code == 200 and 'href="/admin/territories/angouleme/presence"' in own.text  # in its menu
    assert 'href="/admin/territories/metz/presence"' not in own.text
    assert anon.get("/admin/territories/metz/presence", follow_redirects=False).status_code == 303
    c, _ = metz
    page = c.get("/admin/territories/metz/presence")
    assert page.status_code == 200 and "CLSM de Metz (test)" in page.text


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"colour": "#ffcc00"}, "contraste"),
        ({"colour": "red"}, "#rrggbb"),
        ({"embed_origins": "https://a.example/; script-src *"}, "origine"),
        ({"embed_origins": "http://clsm.example"}, "origine"),
        ({"contact_email": "pas-un-courriel"}, "courriel"),
        ({"local_numbers": "112bis ; x"}, "numéro"),
    ],
)
def test_bad_presence_is_refused_in_french(metz: tuple[TestClient, str], fields: dict[str, str], words: str) -> None:
    c, csrf = metz
    r = _save(c, csrf, **fields)
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert words in r.text and "Rien n'a été enregistré" in r.text  # type: ignore[attr-defined]
    assert "CLSM de Metz (test)" in c.get("/t/metz").text  # the stored presence is unchanged


def test_the_api_checks_the_same_fields(metz: tuple[TestClient, str]) -> None:
    c, csrf = metz
    r = c.put("/api/admin/territories/metz/settings", json={"colour": "#eeeeee"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and "contraste" in r.json()["detail"]


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_territory_home_in_each_language(anon: TestClient, metz: tuple[TestClient, str], lang: str) -> None:
    r = anon.get(f"/t/metz?lang={lang}")
    assert r.status_code == 200 and r.headers["content-language"] == lang
    html = r.text
    assert "CLSM de Metz (test)" in html and "mailto:clsm@metz.example" in html
    assert 'href="tel:3114"' in html and 'href="tel:0387000099"' in html  # local number beside 3114
    assert "/guide/metz" in html and "/report/metz" in html
    assert "--gc-clsm: #1d4e89" in html
    contact = {"fr": "Contacter le CLSM", "en": "Contact the CLSM", "ar": "الاتصال بالمجلس المحلي للصحة النفسية"}
    assert f'<h2 id="gc-clsm-contact-title">{contact[lang]}</h2>' in html
    checked = re.findall(r'name="type" value="([A-Z_]+)" checked', html)
    assert sorted(checked) == ["CMP", "GEM"]
    assert "set-cookie" not in r.headers


def test_unknown_territory_is_a_french_404(anon: TestClient) -> None:
    for path in ("/t/atlantide", "/embed/atlantide", "/t/france"):
        r = anon.get(path)
        assert r.status_code == 404 and "inconnu" in r.json()["detail"], path


def test_embed_is_framed_only_by_declared_origins(anon: TestClient, metz: tuple[TestClient, str]) -> None:
    r = anon.get("/embed/metz?mode=liste&type=CMP")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert f"frame-ancestors {SITE}" in csp
    assert "x-frame-options" not in r.headers and "set-cookie" not in r.headers
    assert 'href="tel:3114"' in r.text and 'class="gc-list-first gc-local"' in r.text
    assert "register-sw" not in r.text and 'rel="manifest"' not in r.text
    # a territory that declared no site: the deployment default (none here), and every other page too
    other = anon.get("/embed/angouleme")
    assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
    assert other.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in anon.get("/t/metz").headers["content-security-policy"]
    assert anon.get("/embed/metz?type=soucoupe").status_code == 422


def test_embed_screen_gives_the_snippet(metz: tuple[TestClient, str]) -> None:
    c, _ = metz
    r = c.get("/admin/territories/metz/integrer?type=CMP&lang=ar&height=450&mode=liste")
    assert r.status_code == 200
    snippet = re.search(r'<textarea id="e-snippet"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert snippet
    text = snippet.group(1)
    assert "&lt;iframe src=&#34;https://testserver/embed/metz?lang=ar&amp;amp;type=CMP&amp;amp;mode=liste&#34;" in text
    assert "height=&#34;450&#34;" in text
    assert SITE in r.text


def test_oembed(anon: TestClient, metz: tuple[TestClient, str]) -> None:
    r = anon.get("/oembed", params={"url": "https://testserver/t/metz?lang=en", "format": "json", "maxheight": 5000})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "rich" and body["version"] == "1.0" and body["height"] == 2000
    assert 'src="https://testserver/embed/metz?lang=en"' in body["html"]
    assert anon.get("/oembed", params={"url": "https://testserver/t/metz", "format": "xml"}).status_code == 400
    assert anon.get("/oembed", params={"url": "https://ailleurs.example/t/metz"}).status_code == 404
    assert anon.get("/oembed", params={"url": "https://testserver/t/atlantide"}).status_code == 404


def test_logo_is_checked_and_served_from_our_origin(anon: TestClient, metz: tuple[TestClient, str]) -> None:
    c, csrf = metz

    def upload(name: str, data: bytes) -> object:
        files = {"file": (name, data, "image/png")}
        return c.post("/admin/territories/metz/logo", data={"csrf_token": csrf}, files=files, follow_redirects=False)

    svg = upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert svg.status_code == 422 and "SVG" in svg.text  # type: ignore[attr-defined]
    big = upload("logo.png", PNG + b"\x00" * 2000)
    assert big.status_code == 422 and "trop lourd" in big.text  # type: ignore[attr-defined]
    assert anon.get("/t/metz/logo").status_code == 404
    assert upload("logo.png", PNG).status_code == 303  # type: ignore[attr-defined]
    r = anon.get("/t/metz/logo")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == PNG
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '<img class="gc-clsm-logo" src="/t/metz/logo"' in anon.get("/t/metz").text
    settings = c.get("/api/admin/territories/metz/settings").json()["settings"]
    assert settings["logo"] == {"type": "image/png"}  # the bytes stay out of the API
