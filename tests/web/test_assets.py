"""Static files of the public pages (issue 28): fingerprinted URLs answered with a year's immutable
cache and a precompressed body when the request accepts one, an old hash answered sensibly, the
service worker's shell at the same URLs; nothing of the map blocks the first paint; the markers
payload compressed once per data version."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser

import brotli
import pytest
from fastapi.testclient import TestClient

from geo_clsm.model import clock
from geo_clsm.web.assets import IMMUTABLE
from geo_clsm.web.templating import STATIC_DIR

PAGES = ["/", "/?territory=metz", "/?lang=ar", "/planning?territory=metz", "/recherche", "/recherche?q=Metz"]
STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')
FINGERPRINTED = re.compile(r"^/static/(app|vendor)/(.+)\.([0-9a-f]{10})(\.[a-z]+)$")


class _Tags(HTMLParser):
    """The <script> and <link> elements of a page, with whether they sit in <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.in_head = False
        self.tags: list[tuple[str, dict[str, str | None], bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = True
        elif tag in ("script", "link"):
            self.tags.append((tag, dict(attrs), self.in_head))

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1][0] == "script" and "text" not in self.tags[-1][1]:
            self.tags[-1][1]["text"] = data

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def _tags(page: str) -> list[tuple[str, dict[str, str | None], bool]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _file(url: str) -> bytes:
    m = FINGERPRINTED.match(url)
    assert m, url
    return (STATIC_DIR / m[1] / f"{m[2]}{m[4]}").read_bytes()


@pytest.mark.parametrize("path", PAGES)
def test_static_urls_in_pages_are_fingerprinted_and_immutable(client: TestClient, path: str) -> None:
    page = client.get(path).text
    urls = set(STATIC_URL.findall(page))
    assert urls, path
    for url in urls:
        assert FINGERPRINTED.match(url), (path, url)
        r = client.get(url, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, url
        assert r.content == _file(url) and "content-encoding" not in r.headers, url


@pytest.mark.parametrize(
    ("accept", "encoding"), [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("", None)]
)
def test_a_fingerprinted_file_is_sent_precompressed_when_accepted(
    client: TestClient, accept: str, encoding: str | None
) -> None:
    url = str(client.app.url_path_for("vendor-static", path="leaflet/leaflet.js"))  # type: ignore[attr-defined]
    # stream=True: the raw body, as sent (httpx would decode it)
    with client.stream("GET", url, headers={"Accept-Encoding": accept}) as r:
        raw = b"".join(r.iter_raw())
    assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE
    assert r.headers.get("content-encoding") == encoding and "accept-encoding" in r.headers["vary"].lower()
    body = brotli.decompress(raw) if encoding == "br" else gzip.decompress(raw) if encoding == "gzip" else raw
    assert body == _file(url) and len(raw) < len(body) if encoding else body == _file(url)


def test_an_old_hash_gets_the_current_file_without_a_long_cache(client: TestClient) -> None:
    """A page cached before a deployment names files by their old hash: they still load (the current
    file), but are not kept, so the next page's fingerprinted URL brings the right one."""
    current = str(client.app.url_path_for("app-static", path="map.js"))  # type: ignore[attr-defined]
    old = re.sub(r"\.[0-9a-f]{10}\.js$", ".0123456789.js", current)
    assert old != current
    r = client.get(old)
    assert r.status_code == 200 and r.content == _file(current)
    assert r.headers["cache-control"] == "no-cache"
    # A name without a hash is the file as before (ETag, no year-long cache); an unknown file a 404.
    plain = client.get("/static/app/map.js")
    assert (
        plain.status_code == 200
        and plain.content == _file(current)
        and "immutable" not in plain.headers.get("cache-control", "")
    )
    assert client.get("/static/app/nope.0123456789.js").status_code == 404


def test_the_service_worker_caches_the_fingerprinted_files(client: TestClient) -> None:
    """Offline, the cached page asks for the fingerprinted URLs: the shell must hold those."""
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["cache-control"] == "no-cache"
    shell = re.findall(r'"(/static/[^"]+)"', sw.text)
    assert shell and all(FINGERPRINTED.match(u) for u in shell), shell
    page_urls = set(STATIC_URL.findall(client.get("/").text))
    assert {u for u in page_urls if u.endswith(".js")} <= set(shell)
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert re.search(r'var CACHE = "geo-clsm-shell-v\d+-[0-9a-f]{10}";', sw.text)  # a new deployment, a new cache


@pytest.mark.parametrize("path", ["/", "/?territory=metz", "/planning?territory=metz", "/recherche"])
def test_nothing_but_the_pages_own_stylesheet_blocks_the_first_paint(client: TestClient, path: str) -> None:
    """Scripts are deferred (or modules); a stylesheet in <head> that applies at once is the page's own
    (static/app); Leaflet's and MarkerCluster's wait for the map (media="print", switched by its script)."""
    for tag, attrs, _ in _tags(client.get(path).text):
        if tag == "script" and attrs.get("src"):
            assert "defer" in attrs or "async" in attrs or attrs.get("type") == "module", (path, attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") not in ("module", "application/json"):
            assert "L." not in str(attrs.get("text")), (path, attrs)  # the map is drawn by a module, later
        if tag == "link" and attrs.get("rel") == "stylesheet" and attrs.get("media") != "print":
            assert str(attrs.get("href", "")).startswith("/static/app/"), (path, attrs)


def test_the_markers_payload_is_compressed_once_per_data_version(client: TestClient) -> None:
    plain = client.get("/api/markers", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    for accept, encoding, decode in (("gzip, br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)):
        with client.stream("GET", "/api/markers", headers={"Accept-Encoding": accept}) as r:
            raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == encoding and r.headers["etag"], accept
        assert decode(raw) == plain.content, accept
        with client.stream("GET", "/api/markers", headers={"Accept-Encoding": accept}) as again:
            assert b"".join(again.iter_raw()) == raw  # the same bytes: compressed once, kept
    state = client.app.state  # type: ignore[attr-defined]
    version = f"{plain.headers['x-data-version']}@{clock.today().isoformat()}"  # by data version and day
    assert state.payloads.get(version, ("markers", "br")) is not None
