"""Sources are followed only over http(s), and every CLI help page prints (issue 25, item 5).

The local HTTP server and the files it serves are synthetic test fixtures."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_clsm.cli import main
from geo_clsm.data.download import DownloadError, download, resolve


class _Server(http.server.ThreadingHTTPServer):
    routes: dict[str, tuple[int, bytes, dict[str, str]]]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body, headers = self.server.routes.get(self.path, (404, b"introuvable", {}))  # type: ignore[attr-defined]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, tuple[int, bytes, dict[str, str]]]]]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.routes = {}
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv.routes
    srv.shutdown()


@pytest.fixture
def local_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "synthetic_secret.txt"
    secret.write_text("synthetic local file that a source URL must never read\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("scheme", ["file", "ftp", "data"])
def test_a_source_url_that_is_not_http_is_refused(tmp_path: Path, local_secret: Path, scheme: str) -> None:
    url = {"file": local_secret.as_uri(), "ftp": "ftp://127.0.0.1:1/x", "data": "data:text/plain,synthetic"}[scheme]
    with pytest.raises(DownloadError, match="seules les adresses http"):
        download(url, tmp_path / "out", timeout_s=2, max_bytes=1000)
    assert not (tmp_path / "out").exists()


def test_a_catalogue_answer_naming_a_local_file_is_refused(
    tmp_path: Path, local_secret: Path, http_server: tuple[str, dict[str, tuple[int, bytes, dict[str, str]]]]
) -> None:
    base, routes = http_server
    doc = {"resources": [{"title": "Extraction géolocalisée (synthetic)", "url": local_secret.as_uri()}]}
    routes["/api/1/datasets/synthetic/"] = (200, json.dumps(doc).encode(), {})
    with pytest.raises(DownloadError, match="catalogue"):
        resolve(f"{base}/api/1/datasets/synthetic/", title_pattern="géolocalisée", timeout_s=2)


def test_a_redirect_is_followed_only_to_http(
    tmp_path: Path, http_server: tuple[str, dict[str, tuple[int, bytes, dict[str, str]]]]
) -> None:
    base, routes = http_server
    routes["/ok.csv"] = (200, b"synthetic;file\n", {})
    routes["/moved"] = (302, b"", {"Location": f"{base}/ok.csv"})
    routes["/to-ftp"] = (302, b"", {"Location": "ftp://127.0.0.1:1/synthetic.csv"})
    assert download(f"{base}/moved", tmp_path / "a", timeout_s=2, max_bytes=1000).size_bytes == 15
    with pytest.raises(DownloadError, match="redirection"):
        download(f"{base}/to-ftp", tmp_path / "b", timeout_s=2, max_bytes=1000)


def _subcommands(help_text: str) -> list[str]:
    m = re.search(r"^  \{([a-z0-9_,-]+)\}", help_text, re.M)  # the subcommands' line, not an option's choices
    return m.group(1).split(",") if m else []


def test_every_cli_help_page_prints(capsys: pytest.CaptureFixture[str]) -> None:
    seen: set[str] = set()

    def walk(path: list[str]) -> int:
        with pytest.raises(SystemExit) as exc:
            main([*path, "--help"])
        assert exc.value.code == 0, path
        text = capsys.readouterr().out
        if text in seen:  # a positional with choices (import finess …) shows its command's page again
            return 0
        seen.add(text)
        return 1 + sum(walk([*path, sub]) for sub in _subcommands(text))

    assert walk([]) > 10
