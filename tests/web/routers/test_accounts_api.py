"""Accounts through the API and the admin screen: a change of password, role or status ends the
account's other sessions at once; the session that changed its own password stays signed in; a
disabled account is refused in French; failed sign-ins from one client never stop another.

Synthetic accounts (example domain) and documentation addresses (RFC 5737) as clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.accounts import user_id
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[3] / "layers"
ADMIN = ("admin-comptes@example.fr", "mot-de-passe-admin-synthetique")
CLIENT_A, CLIENT_B = "192.0.2.10", "198.51.100.20"


@pytest.fixture(scope="module")
def app(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('accounts') / 'accounts.db'}"
    # The per-address rate limit of the sign-in routes is off: these tests see the account throttle alone.
    settings = Settings(data_dir=LAYERS, database_url=url, rate_limits={"login": 0})
    with TestClient(create_app(settings, engine=engine)) as anon:
        add_user(connect(url), *ADMIN, role="admin")
        yield anon


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The throttle's clock, stopped: a delay never runs out during a test."""
    stopped = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    monkeypatch.setattr("geo_clsm.store.login_throttle.now", lambda: stopped)


def client(anon: TestClient, address: str = CLIENT_A) -> TestClient:
    return TestClient(anon.app, base_url="https://testserver", client=(address, 50000))


def signed_in(anon: TestClient, who: tuple[str, str], address: str = CLIENT_A) -> tuple[TestClient, dict[str, str]]:
    c = client(anon, address)
    r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def new_editor(anon: TestClient, name: str) -> tuple[str, str]:
    who = (f"{name}@example.fr", "mot-de-passe-editeur-synthetique")
    add_user(anon.app.state.db, *who, role="editor")
    return who


def is_signed_in(c: TestClient) -> bool:
    return c.get("/api/auth/me").status_code == 200


def test_an_admin_password_change_ends_the_accounts_sessions(app: TestClient) -> None:
    who = new_editor(app, "mot-admin")
    first, _ = signed_in(app, who)
    second, _ = signed_in(app, who, CLIENT_B)
    admin, h = signed_in(app, ADMIN)
    uid = user_id(app.app.state.db, who[0])
    r = admin.patch(f"/api/admin/users/{uid}", json={"password": "un-nouveau-mot-de-passe"}, headers=h)
    assert r.status_code == 200, r.text
    assert not is_signed_in(first) and not is_signed_in(second)
    assert is_signed_in(admin)


def test_a_role_change_ends_the_accounts_sessions(app: TestClient) -> None:
    who = new_editor(app, "role")
    editor, _ = signed_in(app, who)
    admin, h = signed_in(app, ADMIN)
    uid = user_id(app.app.state.db, who[0])
    assert admin.patch(f"/api/admin/users/{uid}", json={"role": "admin"}, headers=h).json()["role"] == "admin"
    assert not is_signed_in(editor)
    again, _ = signed_in(app, who)
    assert again.get("/api/auth/me").json()["role"] == "admin"


def test_a_disabled_account_loses_its_sessions_and_is_refused_in_french(app: TestClient) -> None:
    who = new_editor(app, "desactive")
    editor, _ = signed_in(app, who)
    admin, h = signed_in(app, ADMIN)
    uid = user_id(app.app.state.db, who[0])
    assert admin.patch(f"/api/admin/users/{uid}", json={"active": False}, headers=h).json()["active"] is False
    assert not is_signed_in(editor)
    r = client(app, CLIENT_B).post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 403 and "désactivé" in r.json()["detail"]
    assert admin.patch(f"/api/admin/users/{uid}", json={"active": True}, headers=h).status_code == 200
    assert not is_signed_in(editor)  # enabling again does not revive the old session
    signed_in(app, who, CLIENT_B)


def test_the_session_that_changes_its_own_password_stays(app: TestClient) -> None:
    who = new_editor(app, "propre")
    own, h = signed_in(app, who)
    other, _ = signed_in(app, who, CLIENT_B)
    body = {"current_password": "un-faux-mot-de-passe", "new_password": "un-nouveau-mot-de-passe"}
    assert own.post("/api/auth/password", json=body, headers=h).status_code == 403
    body["current_password"] = who[1]
    assert own.post("/api/auth/password", json=body).status_code == 403  # CSRF
    r = own.post("/api/auth/password", json=body, headers=h)
    assert r.status_code == 204, r.text
    assert is_signed_in(own) and not is_signed_in(other)
    signed_in(app, (who[0], "un-nouveau-mot-de-passe"), CLIENT_B)


def test_an_admin_changing_their_own_password_stays_signed_in(app: TestClient) -> None:
    other_admin = ("autre-admin-comptes@example.fr", "mot-de-passe-autre-admin")
    add_user(app.app.state.db, *other_admin, role="admin")
    admin, h = signed_in(app, other_admin)
    elsewhere, _ = signed_in(app, other_admin, CLIENT_B)
    uid = user_id(app.app.state.db, other_admin[0])
    assert admin.patch(f"/api/admin/users/{uid}", json={"password": "un-nouveau-mot-de-passe"}, headers=h).is_success
    assert is_signed_in(admin) and not is_signed_in(elsewhere)


def test_a_flood_from_one_client_never_locks_the_account_for_another(app: TestClient) -> None:
    who = new_editor(app, "inondation")
    attacker = client(app, CLIENT_A)
    codes = [
        attacker.post("/api/auth/login", json={"email": who[0], "password": f"essai-{i}"}).status_code
        for i in range(12)
    ]
    assert codes[:2] == [401, 401] and set(codes[2:]) == {429}
    r = attacker.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and "réessayer dans" in r.json()["detail"]
    signed_in(app, who, CLIENT_B)  # the owner, elsewhere, signs in at once


# --- the admin screen ------------------------------------------------------------------------


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


def screen_signed_in(anon: TestClient, who: tuple[str, str], address: str = CLIENT_A) -> TestClient:
    c = client(anon, address)
    form = c.get("/admin/login")
    r = c.post(
        "/admin/login",
        data={"email": who[0], "password": who[1], "csrf_token": csrf(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return c


def test_the_screen_disables_an_account_and_its_sessions_end(app: TestClient) -> None:
    who = new_editor(app, "ecran-desactive")
    editor, _ = signed_in(app, who, CLIENT_B)
    admin = screen_signed_in(app, ADMIN)
    page = admin.get("/admin/users")
    assert page.status_code == 200 and who[0] in page.text and "Désactiver" in page.text
    uid = user_id(app.app.state.db, who[0])
    forged = admin.post(f"/admin/users/{uid}/disable", data={"csrf_token": "faux"}, follow_redirects=False)
    assert forged.status_code == 303 and forged.headers["location"] == "/admin/login"
    assert is_signed_in(editor)
    r = admin.post(f"/admin/users/{uid}/disable", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 200 and "sessions sont terminées" in r.text
    assert not is_signed_in(editor)
    assert re.search(rf"{re.escape(who[0])}.*?désactivé", r.text, re.S)


def test_the_screen_changes_a_password_and_a_role(app: TestClient) -> None:
    who = new_editor(app, "ecran-mot")
    editor, _ = signed_in(app, who, CLIENT_B)
    admin = screen_signed_in(app, ADMIN)
    token = csrf(admin.get("/admin/users").text)
    uid = user_id(app.app.state.db, who[0])
    r = admin.post(f"/admin/users/{uid}/password", data={"csrf_token": token, "password": "court"})
    assert r.status_code == 422 and "10 caractères" in r.text
    assert is_signed_in(editor)
    r = admin.post(f"/admin/users/{uid}/password", data={"csrf_token": token, "password": "un-nouveau-mot-de-passe"})
    assert r.status_code == 200 and not is_signed_in(editor)
    editor, _ = signed_in(app, (who[0], "un-nouveau-mot-de-passe"), CLIENT_B)
    assert admin.post(f"/admin/users/{uid}/role", data={"csrf_token": token, "role": "admin"}).status_code == 200
    assert not is_signed_in(editor)
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched


def test_the_screen_is_for_admins_only(app: TestClient) -> None:
    who = new_editor(app, "ecran-editeur")
    editor = screen_signed_in(app, who)
    assert editor.get("/admin/users").status_code == 403
    uid = user_id(app.app.state.db, ADMIN[0])
    token = csrf(editor.get("/admin/resources").text)
    assert editor.post(f"/admin/users/{uid}/disable", data={"csrf_token": token}).status_code == 403
    signed_in(app, ADMIN)
