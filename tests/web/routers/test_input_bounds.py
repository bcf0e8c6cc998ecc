"""Bad input never becomes a 500 (issue 25, item 5): ``open_at`` at the ends of the calendar,
ids and offsets beyond the database's integer range on editor routes. Runs on its own SQLite
database of record (test accounts are synthetic)."""

from __future__ import annotations

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
RID = "metz-cmp-cattp-adultes-gambetta"
EDITOR = ("editrice-bornes@synthetic.invalid", "mot-de-passe-synthetique")
HUGE = 2**63  # beyond SQLite's and PostgreSQL's 64-bit integers
BIG = 2**31  # beyond PostgreSQL's INTEGER (the id columns)


@pytest.fixture(scope="module")
def editor(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bounds') / 'bounds.db'}"
    app = create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        add_user(connect(url), *EDITOR, role="admin")
        r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
        assert r.status_code == 200, r.text
        yield c, {"X-CSRF-Token": r.json()["csrf_token"]}


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_open_at_at_the_ends_of_the_calendar_is_422_in_french(client: TestClient, when: str) -> None:
    r = client.get("/api/nearest", params={"lat": 49.11296, "lon": 6.22361, "open_at": when})
    assert r.status_code == 422, r.text
    assert "open_at" in r.json()["detail"] and "date" in r.json()["detail"]


@pytest.mark.parametrize("n", [HUGE, BIG, 10**30])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/admin/resources?offset={n}", None),
        ("post", "/api/admin/reports/{n}/accept", None),
        ("post", "/api/admin/disagreements/{n}/keep", None),
        ("post", f"/api/admin/resources/{RID}/restore", {"entry_id": "{n}"}),
        ("get", "/admin/resources?offset={n}", None),
        ("get", f"/admin/resources/{RID}?report={{n}}", None),
        ("post", "/admin/reports/{n}/accept", None),
        ("post", "/admin/review/disagreements/{n}/keep", None),
        ("post", f"/admin/resources/{RID}/restore", None),
        ("patch", "/api/admin/users/{n}", {"active": "1"}),
        ("post", "/admin/users/{n}/disable", None),
    ],
)
def test_ids_and_offsets_beyond_the_database_range_are_4xx(
    editor: tuple[TestClient, dict[str, str]], method: str, path: str, body: dict[str, str] | None, n: int
) -> None:
    c, csrf = editor
    url = path.format(n=n)
    kwargs: dict[str, object] = {"headers": csrf}
    if body is not None:
        kwargs["json"] = {k: int(v.format(n=n)) for k, v in body.items()}
    elif method == "post" and url.startswith("/admin/"):
        kwargs["data"] = {"csrf_token": csrf["X-CSRF-Token"], "entry_id": str(n)}
    r = getattr(c, method)(url, **kwargs)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
