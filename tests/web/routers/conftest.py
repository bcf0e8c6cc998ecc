"""A signed-in editor's client of the editor screens, shared by the /admin router tests."""

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
EDITOR = ("editeur@clsm-metz.fr", "mot-de-passe-editeur")
"""The editor account of :func:`editor_client` (synthetic)."""


def csrf_token(html: str) -> str:
    """The CSRF token of the first form of an editor screen."""
    m = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


def sign_in(client: TestClient, email: str, password: str) -> None:
    """Signs ``client`` in through the login form, as a person does."""
    form = client.get("/admin/login")
    r = client.post("/admin/login", data={"email": email, "password": password, "csrf_token": csrf_token(form.text)})
    assert r.status_code == 200 and r.url.path == "/admin/resources", r.text[:300]


@pytest.fixture(scope="module")
def editor_client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client of an app on its own SQLite store (one per test module), signed in as :data:`EDITOR`."""
    url = f"sqlite:///{tmp_path_factory.mktemp('editor') / 'editor.db'}"
    with TestClient(
        create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine), base_url="https://testserver"
    ) as c:
        add_user(connect(url), *EDITOR, role="editor")
        sign_in(c, *EDITOR)
        yield c
