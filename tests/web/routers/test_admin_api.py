"""The editing API: sessions, roles, CSRF, every /api/admin route, validation, live changes,
public reports. Runs on its own SQLite database of record."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
RID = "metz-cmp-cattp-adultes-gambetta"
EDITOR = ("editrice@clsm-metz.fr", "mot-de-passe-editrice")
ADMIN = ("admin@clsm-metz.fr", "mot-de-passe-admin!")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('admin') / 'admin.db'}"


@pytest.fixture(scope="module")
def anon(engine: Engine, app_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=LAYERS, database_url=app_url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        db = connect(app_url)
        add_user(db, *EDITOR, role="editor")
        add_user(db, *ADMIN, role="admin")
        yield c


def login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


@pytest.fixture(scope="module")
def editor(anon: TestClient) -> tuple[TestClient, dict[str, str]]:
    return login(anon, EDITOR)


@pytest.fixture(scope="module")
def admin(anon: TestClient) -> tuple[TestClient, dict[str, str]]:
    return login(anon, ADMIN)


ADMIN_ROUTES = [
    ("get", "/api/admin/resources"),
    ("get", f"/api/admin/resources/{RID}"),
    ("post", "/api/admin/resources"),
    ("patch", f"/api/admin/resources/{RID}"),
    ("delete", f"/api/admin/resources/{RID}"),
    ("post", f"/api/admin/resources/{RID}/verified"),
    ("get", f"/api/admin/resources/{RID}/history"),
    ("post", f"/api/admin/resources/{RID}/restore"),
    ("get", "/api/admin/review"),
    ("get", "/api/admin/reports"),
    ("post", "/api/admin/reports/1/accept"),
    ("get", "/api/admin/users"),
    ("post", "/api/admin/users"),
    ("patch", "/api/admin/users/1"),
    ("get", "/api/admin/territories/metz/settings"),
    ("put", "/api/admin/territories/metz/settings"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_every_admin_route_needs_a_session(anon: TestClient, method: str, path: str) -> None:
    kwargs: dict[str, Any] = {} if method in ("get", "delete") else {"json": {}}
    r = anon.request(method.upper(), path, **kwargs)
    assert r.status_code == 401
    assert "connexion" in r.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/admin/users"),
        ("post", "/api/admin/users"),
        ("patch", "/api/admin/users/1"),
        ("get", "/api/admin/territories/metz/settings"),
        ("put", "/api/admin/territories/metz/settings"),
    ],
)
def test_admin_only_routes_refuse_an_editor(editor: tuple[TestClient, dict[str, str]], method: str, path: str) -> None:
    c, h = editor
    r = c.request(method.upper(), path, headers=h, json={} if method != "get" else None)
    assert r.status_code == 403
    assert "administrateurs" in r.json()["detail"]


def test_wrong_password_is_401_in_french_and_throttled(anon: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the throttle's clock, stopped: no delay runs out
    monkeypatch.setattr("geo_clsm.store.login_throttle.now", lambda: stopped)
    c = TestClient(anon.app, base_url="https://testserver")
    add_user(anon.app.state.db, "lente@clsm-metz.fr", "un-bon-mot-de-passe", role="editor")
    statuses = [
        c.post("/api/auth/login", json={"email": "lente@clsm-metz.fr", "password": "faux"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]  # the third attempt from this client waits (see test_accounts_api)
    r = c.post("/api/auth/login", json={"email": "lente@clsm-metz.fr", "password": "un-bon-mot-de-passe"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "réessayer" in r.json()["detail"]
    r = c.post("/api/auth/login", json={"email": "personne@clsm-metz.fr", "password": "x"})
    assert r.status_code == 401 and "mot de passe incorrect" in r.json()["detail"]


def test_changes_need_the_csrf_token(editor: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = editor
    r = c.patch(f"/api/admin/resources/{RID}", json={"phone": "03 87 00 00 09"})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = c.patch(f"/api/admin/resources/{RID}", json={"phone": "03 87 00 00 09"}, headers={"X-CSRF-Token": "x"})
    assert r.status_code == 403


def test_patch_is_live_in_the_public_api(anon: TestClient, editor: tuple[TestClient, dict[str, str]]) -> None:
    c, h = editor
    r = c.patch(f"/api/admin/resources/{RID}", json={"phone": "0387123456"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["resource"]["phone"] == "03 87 12 34 56"
    pub = anon.get(f"/api/resources/{RID}").json()
    assert pub["properties"]["phone"] == "03 87 12 34 56"
    hist = c.get(f"/api/admin/resources/{RID}/history").json()
    last = hist[-1]
    assert last["author"] == EDITOR[0] and last["action"] == "update"
    assert last["before"]["phone"] != "03 87 12 34 56" and last["after"]["phone"] == "03 87 12 34 56"
    assert last["at"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "123"}, "phone"),
        ({"type": "CLINIQUE"}, "type"),
        ({"opening_hours": "le matin"}, "opening_hours"),
        ({"lon": 13.4, "lat": 52.5}, "lon,lat"),
        ({"age_min": "vingt"}, "age_min"),
        ({"confidential_address": "bof"}, "confidential_address"),
        ({"service_area_wkt": "CERCLE"}, "service_area"),
        ({"inconnu": 1}, "inconnu"),
    ],
)
def test_validation_errors_name_the_field(
    editor: tuple[TestClient, dict[str, str]], changes: dict[str, Any], field: str
) -> None:
    c, h = editor
    r = c.patch(f"/api/admin/resources/{RID}", json=changes, headers=h)
    assert r.status_code == 422
    body = r.json()
    assert body["field"].startswith(field)
    assert field.split(",")[0] in body["detail"] and "champ" in body["detail"]


def test_create_withdraw_restore_verify_review(anon: TestClient, editor: tuple[TestClient, dict[str, str]]) -> None:
    c, h = editor
    record = {
        "id": "metz-gem-synthetique",
        "type": "GEM",
        "name": "GEM synthétique (test)",
        "insee_com": "57463",
        "commune": "Metz",
        "lon": 6.18,
        "lat": 49.11,
        "territory": "metz",
        "source": "test synthétique",
        "last_verified": "2020-01-01",
    }
    r = c.post("/api/admin/resources", json=record, headers=h)
    assert r.status_code == 201, r.text
    assert anon.get("/api/resources/metz-gem-synthetique").status_code == 200
    assert c.post("/api/admin/resources", json=record, headers=h).status_code == 422
    review = c.get("/api/admin/review").json()
    stale = [x["stale"] for x in review]
    assert stale == sorted(stale, reverse=True)  # records to confirm first (then the oldest: tests/store)
    mine = next(x for x in review if x["id"] == "metz-gem-synthetique")
    assert mine["stale"] is True
    r = c.post("/api/admin/resources/metz-gem-synthetique/verified", headers=h)
    assert r.status_code == 200 and r.json()["resource"]["last_verified"] > "2026-01-01"
    assert c.delete("/api/admin/resources/metz-gem-synthetique", headers=h).json()["status"] == "withdrawn"
    assert anon.get("/api/resources/metz-gem-synthetique").status_code == 404
    assert "metz-gem-synthetique" not in {m[0] for m in anon.get("/api/markers").json()["markers"]}
    hist = c.get("/api/admin/resources/metz-gem-synthetique/history").json()
    assert [e["action"] for e in hist] == ["create", "verify", "withdraw"]
    r = c.post("/api/admin/resources/metz-gem-synthetique/restore", json={"entry_id": hist[1]["id"]}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert anon.get("/api/resources/metz-gem-synthetique").status_code == 200
    r = c.post("/api/admin/resources/metz-gem-synthetique/restore", json={"entry_id": 999999}, headers=h)
    assert r.status_code == 422 and "entry_id" in r.json()["detail"]
    assert c.get("/api/admin/resources", params={"q": "synthétique"}).json()["total"] >= 1


def test_unknown_resource_is_404(editor: tuple[TestClient, dict[str, str]]) -> None:
    c, h = editor
    assert c.patch("/api/admin/resources/nope", json={"phone": "0387000000"}, headers=h).status_code == 404
    assert c.get("/api/admin/resources/nope/history").status_code == 404


def test_admin_manages_users_and_territory_settings(admin: tuple[TestClient, dict[str, str]]) -> None:
    c, h = admin
    r = c.post(
        "/api/admin/users",
        json={"email": "nouveau@clsm-metz.fr", "password": "0123456789ab", "role": "editor"},
        headers=h,
    )
    assert r.status_code == 201
    assert "nouveau@clsm-metz.fr" in {u["email"] for u in c.get("/api/admin/users").json()}
    r = c.put("/api/admin/territories/metz/settings", json={"contact": "clsm@metz.fr"}, headers=h)
    assert r.status_code == 200
    assert c.get("/api/admin/territories/metz/settings").json()["settings"] == {"contact": "clsm@metz.fr"}
    assert c.get("/api/admin/territories/atlantide/settings").status_code == 404


def test_public_report_then_editor_accepts(anon: TestClient, editor: tuple[TestClient, dict[str, str]]) -> None:
    c, h = editor
    r = anon.post(f"/api/resources/{RID}/reports", json={"message": "Le CMP a déménagé.", "contact": "a@b.fr"})
    assert r.status_code == 201
    rid = r.json()["id"]
    r = anon.post(f"/api/resources/{RID}/reports", json={"message": "spam", "website": "http://spam"})
    assert r.status_code == 201 and r.json()["id"] is None  # honeypot: not stored
    opened = c.get("/api/admin/reports").json()
    assert [x["message"] for x in opened if x["resource_id"] == RID] == ["Le CMP a déménagé."]
    assert not {"ip", "lat", "lon", "client"} & set(opened[0])
    assert c.post(f"/api/admin/reports/{rid}/accept", headers=h).json()["status"] == "accepted"
    assert rid not in {x["id"] for x in c.get("/api/admin/reports").json()}
    assert anon.post("/api/resources/nope/reports", json={"message": "x"}).status_code == 404
    assert anon.post(f"/api/resources/{RID}/reports", json={"message": "  "}).status_code == 422


def test_reports_are_rate_limited(anon: TestClient) -> None:
    statuses = [
        anon.post(f"/api/resources/{RID}/reports", json={"message": f"message {i}"}).status_code for i in range(6)
    ]
    assert statuses[-1] == 429


def test_logout_ends_the_session(anon: TestClient) -> None:
    c, _h = login(anon, ADMIN)
    assert c.get("/api/auth/me").json()["role"] == "admin"
    assert c.post("/api/auth/logout").status_code == 204
    c.cookies.clear()
    assert c.get("/api/auth/me").status_code == 401


def test_concurrent_reads_see_old_or_new_record_never_a_mix(
    anon: TestClient, editor: tuple[TestClient, dict[str, str]]
) -> None:
    """While an editor changes two fields at once, readers see both old or both new."""
    c, h = editor
    start = anon.get(f"/api/resources/{RID}").json()["properties"]
    pairs = [("03 87 00 00 11", "Nom A"), ("03 87 00 00 22", "Nom B"), ("03 87 00 00 33", "Nom C")]
    allowed = {(start["phone"], start["name"]), *pairs}
    seen: set[tuple[str, str]] = set()
    stop = threading.Event()

    def read() -> None:
        reader = TestClient(anon.app, base_url="https://testserver")
        while not stop.is_set():
            p = reader.get(f"/api/resources/{RID}").json()["properties"]
            seen.add((p["phone"], p["name"]))

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for phone, name in pairs:
        assert c.patch(f"/api/admin/resources/{RID}", json={"phone": phone, "name": name}, headers=h).status_code == 200
    stop.set()
    for t in threads:
        t.join()
    assert seen, "the readers read nothing"
    assert seen <= allowed, seen - allowed
