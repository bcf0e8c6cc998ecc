"""The public pages are Jinja templates (issue 26): no HTML page, static or API URL written in the
page modules' Python, no private name imported across modules, user input escaped."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

WEB = Path(__file__).resolve().parents[3] / "geo_clsm" / "web"
PAGE_SOURCES = [*sorted((WEB / "pages").glob("*.py")), WEB / "routers" / "pwa.py"]
# (The routers' own paths, in their decorators, are the one definition the templates build URLs from.)


def _strings(path: Path) -> list[str]:
    """The module's string constants but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: p.name)
def test_no_page_markup_or_url_in_python(path: Path) -> None:
    for text in _strings(path):
        assert "<html" not in text.lower() and "<main" not in text and "<section" not in text, (path.name, text[:80])
        assert not text.startswith(("/static/", "/api/")), (path.name, text)


@pytest.mark.parametrize("path", PAGE_SOURCES, ids=lambda p: p.name)
def test_no_private_name_imported_across_modules(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geo_clsm"):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, (path.name, node.module, private)


def test_search_input_is_escaped(client: TestClient) -> None:
    typed = '<img src=x onerror="alert(1)">'
    page = client.get("/recherche", params={"q": typed}).text
    assert typed not in page and "&lt;img src=x onerror=" in page
