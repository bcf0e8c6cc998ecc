"""Roles scoped to territories (issue 31): an editor of Metz tries EVERY editor route and screen of
the app on Angoulême's records and territory, and gets 403 or lists without them; moving a record
between territories needs rights on both; internal notes never reach another territory's editor;
national (FINESS) records are changed by deployment-wide accounts, or by the editors of the local
territory they lie in. Runs on its own SQLite database of record."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response

from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import ForbiddenError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.sector import Extent, Sector
from geo_clsm.settings import Settings
from geo_clsm.store import seeding
from geo_clsm.store.corrections import resolve
from geo_clsm.store.db import connect
from geo_clsm.store.reports import add_report
from geo_clsm.store.schema import (
    campaign_corrections,
    campaign_recipients,
    campaigns,
    disagreements,
    history,
    resources,
    sector_history,
    sectors,
)
from geo_clsm.store.sectors import save_sector
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app
from geo_clsm.web.rights import authorise

LAYERS = Path(__file__).resolve().parents[3] / "layers"
METZ_RID = "metz-epsm-metz-jury"  # Jury (57351), Eurométropole de Metz
ANG_RID = "ang-ch-camille-claudel"  # La Couronne (16113), Grand Angoulême
NATIONAL_FAR = "finess-010000495"  # FINESS via GISCO, Bourg-en-Bresse: in no local territory
NATIONAL_IN_METZ = "finess-synthetique-metz"  # created below: a national record lying in Metz
NOTE = "NOTE-INTERNE-SYNTHETIQUE-ANGOULEME"
ADMIN = ("admin@deploiement.example.fr", "mot-de-passe-admin!")
WIDE_EDITOR = ("editeur@deploiement.example.fr", "mot-de-passe-editeur")
METZ = ("editrice@clsm-metz.example.fr", "mot-de-passe-metz!")
METZ_ADMIN = ("admin@clsm-metz.example.fr", "mot-de-passe-admin-metz")
ANG = ("editeur@clsm-angouleme.example.fr", "mot-de-passe-angouleme")
BOTH = ("editrice@deux-clsm.example.fr", "mot-de-passe-deux-clsm")
# Angoulême's commune and position: what a move into Angoulême writes.
INTO_ANGOULEME = {"insee_com": "16113", "commune": "La Couronne", "postcode": "16400", "lon": 0.1, "lat": 45.62}


ANG_SECTOR, METZ_SECTOR = "SYNTH-ANG-G01", "SYNTH-METZ-G01"
ANG_SECTOR_NAME = "Secteur synthétique d'Angoulême (test)"


class World:
    """The app, its database, and what the sweep needs (ids of Angoulême's report, disagreement,
    campaign and correction; Metz's campaign and correction for the controls)."""

    def __init__(self, client: TestClient, url: str) -> None:
        self.client, self.url, self.db = client, url, connect(url)
        self.report_id = 0
        self.item_id = 0
        self.campaign_id = self.correction_id = 0
        self.metz_campaign_id = self.metz_correction_id = 0

    def leaks(self) -> tuple[str, ...]:
        """What of Angoulême a list shown to Metz's editor must not hold."""
        return (
            ANG_RID,
            "Camille Claudel",
            "Signalement synthétique",
            ANG_SECTOR,
            ANG_SECTOR_NAME,
            f'/admin/campagnes/{self.campaign_id}"',
            f"/admin/review/corrections/{self.correction_id}/",
        )


def _campaign_with_correction(w: World, territory: str, rid: str, phone: str) -> tuple[int, int]:
    """A synthetic campaign of ``territory`` with one recipient (``rid``) and one open correction of its phone."""
    now = datetime.now(UTC)
    with w.db.begin() as conn:
        cid = conn.execute(
            sa.insert(campaigns).values(
                territory=territory,
                created_by=ADMIN[0],
                created_at=now,
                link_days=60,
                remind_after_days=0,
                status="open",
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        pid = conn.execute(
            sa.insert(campaign_recipients).values(
                campaign_id=cid,
                resource_id=rid,
                email="lieu@exemple-synthetique.invalid",
                expires_at=now + timedelta(days=60),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        kid = conn.execute(
            sa.insert(campaign_corrections).values(
                recipient_id=pid,
                campaign_id=cid,
                resource_id=rid,
                field="phone",
                current="",
                proposed=phone,
                created_at=now,
                status="open",
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    return int(cid), int(kid)


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('roles') / 'roles.db'}"
    app = create_app(Settings(data_dir=LAYERS, database_url=url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        w = World(c, url)
        add_user(w.db, *ADMIN, role="admin")
        add_user(w.db, *WIDE_EDITOR, role="editor")
        add_user(w.db, *METZ, role="editor", territories=["metz"])
        add_user(w.db, *METZ_ADMIN, role="admin", territories=["metz"])
        add_user(w.db, *ANG, role="editor", territories=["angouleme"])
        add_user(w.db, *BOTH, role="editor", territories=["metz", "angouleme"])
        admin, h = login(c, ADMIN)
        assert admin.patch(f"/api/admin/resources/{ANG_RID}", json={"notes": NOTE}, headers=h).status_code == 200
        created = admin.post(
            "/api/admin/resources",
            headers=h,
            json={
                "id": NATIONAL_IN_METZ,
                "type": "HOPITAL_PSY",
                "name": "Établissement national synthétique (test)",
                "postcode": "57000",
                "commune": "Metz",
                "insee_com": "57463",
                "lon": 6.176,
                "lat": 49.119,
                "position_precision": "address",
                "territory": "france",
                "finess_et": "570000000",
                "source": "jeu de test synthétique",
                "last_verified": "2026-11-23",
            },
        )
        assert created.status_code == 201, created.text
        w.report_id = add_report(w.db, ANG_RID, message="Signalement synthétique sur une fiche d'Angoulême")
        with w.db.begin() as conn:
            res = conn.execute(
                sa.insert(disagreements).values(
                    resource_id=ANG_RID,
                    source="finess",
                    version="synthetique",
                    official_id="160000000",
                    fields={"phone": {"curated": "05 45 00 00 00", "official": "05 45 99 99 99"}},
                    official={"phone": "05 45 99 99 99"},
                    created_at=sa.func.now(),
                    status="open",
                )
            )
            w.item_id = int(res.inserted_primary_key[0])  # type: ignore[index]
        w.campaign_id, w.correction_id = _campaign_with_correction(w, "angouleme", ANG_RID, "05 45 11 11 11")
        w.metz_campaign_id, w.metz_correction_id = _campaign_with_correction(w, "metz", METZ_RID, "03 87 11 11 11")
        for sid, name, territory, commune, rid in (
            (ANG_SECTOR, ANG_SECTOR_NAME, "angouleme", "16113", ANG_RID),
            (METZ_SECTOR, "Secteur synthétique de Metz (test)", "metz", "57351", METZ_RID),
        ):
            sector = Sector(
                id=sid,
                name=name,
                public="adultes",
                referents=(rid,),
                territory=territory,
                extent=Extent(communes=(commune,)),
                source="jeu de test synthétique",
            )
            save_sector(w.db, sector, author=ADMIN[0], create=True)
        yield w


_SIGNED_IN: dict[tuple[int, str], tuple[TestClient, dict[str, str]]] = {}


def login(anon: TestClient, who: tuple[str, str]) -> tuple[TestClient, dict[str, str]]:
    """A client signed in as ``who`` (once per app: sign-ins are rate-limited)."""
    key = (id(anon.app), who[0])
    if key not in _SIGNED_IN:
        c = TestClient(anon.app, base_url="https://testserver")
        r = c.post("/api/auth/login", json={"email": who[0], "password": who[1]})
        assert r.status_code == 200, r.text
        _SIGNED_IN[key] = (c, {"X-CSRF-Token": r.json()["csrf_token"]})
    return _SIGNED_IN[key]


def _form(h: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {"csrf_token": h["X-CSRF-Token"], **fields}


def _history_authors(w: World, rid: str) -> list[str]:
    with w.db.connect() as conn:
        return [str(a) for a in conn.execute(sa.select(history.c.author).where(history.c.resource_id == rid)).scalars()]


# --- every editor route and screen, as an editor of another territory --------------------------

Call = Callable[[TestClient, dict[str, str], World], Response]
FORBIDDEN, ABSENT = "403", "absent"
ANG_RECORD = {**INTO_ANGOULEME, "id": "ang-nouvelle-fiche-metz", "type": "GEM", "name": "GEM synthétique"}
ANG_RECORD.update({"source": "jeu de test synthétique", "last_verified": "2026-11-23", "territory": "angouleme"})
ANG_CSV = (
    "id,type,name,insee_com,commune,postcode,lon,lat,position_precision,territory,source,last_verified\n"
    f"{ANG_RID},HOPITAL_PSY,Nom changé par Metz,16113,La Couronne,16400,0.10643,45.61941,address,angouleme,"
    "jeu de test synthétique,2026-11-23\n"
)


def _apply_admins_preview(c: TestClient, h: dict[str, str], w: World) -> Response:
    """Apply, as Metz's editor, an import of Angoulême's record that an admin previewed (the
    change's own check refuses it, not only the preview)."""
    admin, ah = login(w.client, ADMIN)
    preview = admin.post(
        "/admin/import/preview", data=_form(ah), files={"file": ("angouleme.csv", ANG_CSV.encode(), "text/csv")}
    )
    assert preview.status_code == 200, preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token, preview.text
    return c.post("/admin/import/apply", data=_form(h, token=token.group(1)))


# (method, path as declared) -> (expected, call). Every editor route of the app must be here.
CASES: dict[tuple[str, str], tuple[str, Call]] = {
    # JSON API
    ("GET", "/api/admin/resources"): (ABSENT, lambda c, h, w: c.get("/api/admin/resources?limit=500")),
    ("GET", "/api/admin/resources/{resource_id}"): (
        FORBIDDEN,
        lambda c, h, w: c.get(f"/api/admin/resources/{ANG_RID}"),
    ),
    ("POST", "/api/admin/resources"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/api/admin/resources", json=ANG_RECORD, headers=h),
    ),
    ("PATCH", "/api/admin/resources/{resource_id}"): (
        FORBIDDEN,
        lambda c, h, w: c.patch(f"/api/admin/resources/{ANG_RID}", json={"phone": "05 45 00 00 01"}, headers=h),
    ),
    ("DELETE", "/api/admin/resources/{resource_id}"): (
        FORBIDDEN,
        lambda c, h, w: c.delete(f"/api/admin/resources/{ANG_RID}", headers=h),
    ),
    ("POST", "/api/admin/resources/{resource_id}/verified"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/api/admin/resources/{ANG_RID}/verified", headers=h),
    ),
    ("GET", "/api/admin/resources/{resource_id}/history"): (
        FORBIDDEN,
        lambda c, h, w: c.get(f"/api/admin/resources/{ANG_RID}/history"),
    ),
    ("POST", "/api/admin/resources/{resource_id}/restore"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/api/admin/resources/{ANG_RID}/restore", json={"entry_id": 1}, headers=h),
    ),
    ("GET", "/api/admin/review"): (ABSENT, lambda c, h, w: c.get("/api/admin/review?limit=5000")),
    ("GET", "/api/admin/disagreements"): (ABSENT, lambda c, h, w: c.get("/api/admin/disagreements")),
    ("POST", "/api/admin/disagreements/{item_id}/{decision}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/api/admin/disagreements/{w.item_id}/keep", headers=h),
    ),
    ("GET", "/api/admin/reports"): (ABSENT, lambda c, h, w: c.get("/api/admin/reports")),
    ("POST", "/api/admin/reports/{report_id}/{decision}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/api/admin/reports/{w.report_id}/dismiss?reason=non", headers=h),
    ),
    ("GET", "/api/admin/users"): (FORBIDDEN, lambda c, h, w: c.get("/api/admin/users")),
    ("POST", "/api/admin/users"): (
        FORBIDDEN,
        lambda c, h, w: c.post(
            "/api/admin/users",
            json={"email": "x@example.fr", "password": "0123456789", "role": "editor", "territories": ["angouleme"]},
            headers=h,
        ),
    ),
    ("PATCH", "/api/admin/users/{user_id}"): (
        FORBIDDEN,
        lambda c, h, w: c.patch("/api/admin/users/1", json={"active": False}, headers=h),
    ),
    ("GET", "/api/admin/territories/{territory}/settings"): (
        FORBIDDEN,
        lambda c, h, w: c.get("/api/admin/territories/angouleme/settings"),
    ),
    ("PUT", "/api/admin/territories/{territory}/settings"): (
        FORBIDDEN,
        lambda c, h, w: c.put("/api/admin/territories/angouleme/settings", json={"contact": "x"}, headers=h),
    ),
    ("POST", "/api/admin/territories"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/api/admin/territories", json={"id": "x", "name": "x", "epci": "1"}, headers=h),
    ),
    ("DELETE", "/api/admin/territories/{territory}"): (
        FORBIDDEN,
        lambda c, h, w: c.delete("/api/admin/territories/angouleme", headers=h),
    ),
    # Screens
    ("GET", "/admin/territories/{territory}/presence"): (
        FORBIDDEN,
        lambda c, h, w: c.get("/admin/territories/angouleme/presence"),
    ),
    ("POST", "/admin/territories/{territory}/presence"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/territories/angouleme/presence", data=_form(h, display_name="pris")),
    ),
    ("POST", "/admin/territories/{territory}/logo"): (
        FORBIDDEN,
        lambda c, h, w: c.post(
            "/admin/territories/angouleme/logo", data=_form(h), files={"file": ("l.png", b"\x89PNG\r\n\x1a\n")}
        ),
    ),
    ("GET", "/admin/territories/{territory}/integrer"): (
        FORBIDDEN,
        lambda c, h, w: c.get("/admin/territories/angouleme/integrer"),
    ),
    ("GET", "/admin/resources"): (ABSENT, lambda c, h, w: c.get("/admin/resources?q=claudel")),
    ("GET", "/admin/resources/{resource_id}"): (FORBIDDEN, lambda c, h, w: c.get(f"/admin/resources/{ANG_RID}")),
    ("POST", "/admin/resources/new"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/resources/new", data=_form(h, **{k: str(v) for k, v in ANG_RECORD.items()})),
    ),
    ("POST", "/admin/resources/{resource_id}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/admin/resources/{ANG_RID}", data=_form(h, phone="05 45 00 00 02")),
    ),
    ("POST", "/admin/resources/{resource_id}/{action}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/admin/resources/{ANG_RID}/withdraw", data=_form(h)),
    ),
    ("GET", "/admin/resources/{resource_id}/history"): (
        FORBIDDEN,
        lambda c, h, w: c.get(f"/admin/resources/{ANG_RID}/history"),
    ),
    ("GET", "/admin/review"): (ABSENT, lambda c, h, w: c.get("/admin/review")),
    ("POST", "/admin/review/disagreements/{item_id}/{decision}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/admin/review/disagreements/{w.item_id}/accept", data=_form(h)),
    ),
    ("GET", "/admin/reports"): (ABSENT, lambda c, h, w: c.get("/admin/reports")),
    ("POST", "/admin/reports/{report_id}/dismiss"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/admin/reports/{w.report_id}/dismiss", data=_form(h, reason="non")),
    ),
    ("POST", "/admin/import/preview"): (
        FORBIDDEN,
        lambda c, h, w: c.post(
            "/admin/import/preview", data=_form(h), files={"file": ("a.csv", ANG_CSV.encode(), "text/csv")}
        ),
    ),
    ("POST", "/admin/import/apply"): (FORBIDDEN, _apply_admins_preview),
    ("GET", "/admin/territories"): (FORBIDDEN, lambda c, h, w: c.get("/admin/territories")),
    ("POST", "/admin/territories"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/territories", data=_form(h, territory_id="x", name="x", epci="1")),
    ),
    ("GET", "/admin/territories/{territory_id}/retirer"): (
        FORBIDDEN,
        lambda c, h, w: c.get("/admin/territories/angouleme/retirer"),
    ),
    ("POST", "/admin/territories/{territory_id}/retirer"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/territories/angouleme/retirer", data=_form(h)),
    ),
    # Confirmation campaigns (issue 30) and their corrections
    ("GET", "/admin/campagnes"): (ABSENT, lambda c, h, w: c.get("/admin/campagnes")),
    ("POST", "/admin/campagnes"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/campagnes", data=_form(h, territory="angouleme", ids=ANG_RID)),
    ),
    ("GET", "/admin/campagnes/{campaign_id}"): (FORBIDDEN, lambda c, h, w: c.get(f"/admin/campagnes/{w.campaign_id}")),
    ("POST", "/admin/campagnes/{campaign_id}/revoke"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/admin/campagnes/{w.campaign_id}/revoke", data=_form(h)),
    ),
    ("POST", "/admin/review/corrections/{correction_id}/{decision}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(f"/admin/review/corrections/{w.correction_id}/accept", data=_form(h)),
    ),
    # Sectors (issue 29)
    ("GET", "/admin/sectors"): (ABSENT, lambda c, h, w: c.get("/admin/sectors")),
    ("GET", "/admin/sectors/{sector_id}"): (FORBIDDEN, lambda c, h, w: c.get(f"/admin/sectors/{ANG_SECTOR}")),
    ("POST", "/admin/sectors"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/sectors", data=_form(h, **ANG_SECTOR_FORM, sector_id="SYNTH-ANG-PAR-METZ")),
    ),
    ("POST", "/admin/sectors/{sector_id}"): (
        FORBIDDEN,
        lambda c, h, w: c.post(
            f"/admin/sectors/{ANG_SECTOR}", data=_form(h, **{**ANG_SECTOR_FORM, "name": "Changé par Metz"})
        ),
    ),
    ("GET", "/admin/sector-places"): (
        FORBIDDEN,
        lambda c, h, w: c.get("/admin/sector-places", params={"territory": "angouleme"}),
    ),
    ("GET", "/admin/users"): (FORBIDDEN, lambda c, h, w: c.get("/admin/users")),
    ("POST", "/admin/users"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/users", data=_form(h, email="x@example.fr", password="0123456789")),
    ),
    ("POST", "/admin/users/{user_id}/{action}"): (
        FORBIDDEN,
        lambda c, h, w: c.post("/admin/users/1/disable", data=_form(h)),
    ),
}
ANG_SECTOR_FORM = {
    "name": ANG_SECTOR_NAME,
    "public": "adultes",
    "establishment": "",
    "referents": ANG_RID,
    "communes": "16113",
    "qpv": "",
    "polygon_wkt": "",
    "territory": "angouleme",
}
# Routes that show or take no record, report or territory (why each is safe without a territory).
NO_RECORD = {
    ("GET", "/admin/login"): "the sign-in form",
    ("POST", "/admin/login"): "signing in",
    ("POST", "/admin/logout"): "signing out",
    ("GET", "/admin"): "a redirect to /admin/resources",
    ("GET", "/admin/resources/new"): "an empty form",
    ("GET", "/admin/import"): "an empty upload form",
    ("GET", "/admin/hours/preview"): "reads opening hours typed in the form, nothing stored",
    ("GET", "/admin/sectors/new"): "an empty form (offering the account's own territories)",
}


def editor_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) of the app's editor routes and screens, read from ``app.routes``."""
    out = set()
    for ctx in iter_route_contexts(app.routes):
        path = ctx.path or ""
        if path == "/admin" or path.startswith(("/admin/", "/api/admin")):
            out |= {(m, path) for m in (ctx.methods or ()) if m != "HEAD"}
    return out


def test_every_editor_route_is_in_the_sweep(world: World) -> None:
    """A new editor route fails here until the sweep below tries it as another territory's editor."""
    routes = editor_routes(world.client.app)
    assert len(routes) > 40
    assert routes == set(CASES) | set(NO_RECORD), "route missing from CASES or NO_RECORD (or gone)"


def test_every_editor_route_carries_the_one_authorisation_dependency(world: World) -> None:
    for ctx in iter_route_contexts(world.client.app.routes):
        path = ctx.path or ""
        if path == "/admin" or path.startswith(("/admin/", "/api/admin")):
            calls = [d.call for d in ctx.dependant.dependencies]
            assert authorise in calls, f"{path}: not on a router built with dependencies=[AUTHORISE]"


@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_another_territorys_editor_gets_403_or_nothing(world: World, method: str, path: str) -> None:
    c, h = login(world.client, METZ)
    expected, call = CASES[(method, path)]
    r = call(c, h, world)
    assert NOTE not in r.text  # internal notes never reach another territory's editor
    if expected == FORBIDDEN:
        assert r.status_code == 403, (r.status_code, r.text[:300])
    else:
        assert r.status_code == 200, r.text[:300]
        assert not [leak for leak in world.leaks() if leak in r.text]
    assert METZ[0] not in _history_authors(world, ANG_RID)  # nothing was changed on Angoulême's record
    with world.db.connect() as conn:
        row = conn.execute(sa.select(resources).where(resources.c.id == ANG_RID)).one()
        assert row.status == "active" and row.notes == NOTE and row.name != "Nom changé par Metz"
        # nor on Angoulême's campaign, correction and sectors
        assert conn.execute(sa.select(campaigns.c.id).where(campaigns.c.territory == "angouleme")).all() == [
            (world.campaign_id,)
        ]
        revoked = sa.select(campaign_recipients.c.revoked_at).where(
            campaign_recipients.c.campaign_id == world.campaign_id
        )
        assert conn.execute(revoked).scalar() is None
        status = sa.select(campaign_corrections.c.status).where(campaign_corrections.c.id == world.correction_id)
        assert conn.execute(status).scalar() == "open"
        assert conn.execute(sa.select(sectors.c.name).where(sectors.c.territory == "angouleme")).all() == [
            (ANG_SECTOR_NAME,)
        ]
        assert METZ[0] not in {str(a) for a in conn.execute(sa.select(sector_history.c.author)).scalars()}


def test_the_lists_still_show_the_editors_own_territory(world: World) -> None:
    """The control of the sweep: the same lists show Metz's record to Metz's editor, and
    Angoulême's (with its report and disagreement) to Angoulême's."""
    metz, _ = login(world.client, METZ)
    assert METZ_RID in metz.get("/api/admin/resources?limit=500").text
    assert METZ_RID in metz.get("/api/admin/review?limit=5000").text
    assert metz.get(f"/api/admin/resources/{METZ_RID}").status_code == 200
    ang, _ = login(world.client, ANG)
    assert ANG_RID in ang.get("/api/admin/resources?limit=500").text
    assert ang.get(f"/api/admin/resources/{ANG_RID}").json()["resource"]["notes"] == NOTE
    assert any(r["id"] == world.report_id for r in ang.get("/api/admin/reports").json())
    assert any(d["id"] == world.item_id for d in ang.get("/api/admin/disagreements").json())
    assert "Signalement synthétique" in ang.get("/admin/reports").text


def test_a_screen_refusal_is_a_french_page(world: World) -> None:
    c, _ = login(world.client, METZ)
    r = c.get(f"/admin/resources/{ANG_RID}")
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert "hors de vos territoires" in r.text and NOTE not in r.text


# --- moving a record between territories ---------------------------------------------------------


def test_moving_a_record_into_another_territory_needs_rights_on_both(world: World) -> None:
    metz, h = login(world.client, METZ)
    r = metz.patch(f"/api/admin/resources/{METZ_RID}", json={**INTO_ANGOULEME, "territory": "angouleme"}, headers=h)
    assert r.status_code == 403 and "angouleme" in r.json()["detail"]
    # the position alone makes it Angoulême's: still refused
    r = metz.patch(f"/api/admin/resources/{METZ_RID}", json={"lon": 0.1, "lat": 45.62}, headers=h)
    assert r.status_code == 403
    metz_admin, ah = login(world.client, METZ_ADMIN)  # an admin of Metz only: refused too
    r = metz_admin.patch(
        f"/api/admin/resources/{METZ_RID}", json={**INTO_ANGOULEME, "territory": "angouleme"}, headers=ah
    )
    assert r.status_code == 403
    with world.db.connect() as conn:
        assert conn.execute(sa.select(resources.c.territory).where(resources.c.id == METZ_RID)).scalar() == "metz"
    # Angoulême's editor cannot pull it into Angoulême either (no rights on Metz)
    ang, gh = login(world.client, ANG)
    assert ang.patch(f"/api/admin/resources/{METZ_RID}", json={"territory": "angouleme"}, headers=gh).status_code == 403
    # an editor of both may
    both, bh = login(world.client, BOTH)
    moved = {**INTO_ANGOULEME, "territory": "angouleme", "street": ""}
    r = both.patch(f"/api/admin/resources/{METZ_RID}", json=moved, headers=bh)
    assert r.status_code == 200, r.text
    assert r.json()["resource"]["territory"] == "angouleme"
    # now Angoulême's: Metz's editor no longer reads it
    assert metz.get(f"/api/admin/resources/{METZ_RID}").status_code == 403
    back = {"insee_com": "57351", "commune": "Jury", "postcode": "57245", "lon": 6.254167, "lat": 49.070556}
    assert (
        both.patch(f"/api/admin/resources/{METZ_RID}", json={**back, "territory": "metz"}, headers=bh).status_code
        == 200
    )


def test_creating_a_record_needs_rights_where_it_lies(world: World) -> None:
    metz, h = login(world.client, METZ)
    record = {**ANG_RECORD, "id": "metz-gem-synthetique-ailleurs", "territory": "metz"}  # says Metz, lies in Angoulême
    assert metz.post("/api/admin/resources", json=record, headers=h).status_code == 403
    at_home = {
        **record,
        "insee_com": "57463",
        "commune": "Metz",
        "postcode": "57000",
        "lon": 6.176,
        "lat": 49.119,
    }
    assert metz.post("/api/admin/resources", json=at_home, headers=h).status_code == 201


# --- national (FINESS) records --------------------------------------------------------------------


def test_national_records_far_from_any_territory_are_the_deployments(world: World) -> None:
    for who in (METZ, METZ_ADMIN, ANG):
        c, h = login(world.client, who)
        assert c.get(f"/api/admin/resources/{NATIONAL_FAR}").status_code == 403
        r = c.patch(f"/api/admin/resources/{NATIONAL_FAR}", json={"phone": "04 74 00 00 00"}, headers=h)
        assert r.status_code == 403
    for who in (ADMIN, WIDE_EDITOR):  # deployment-wide accounts (existing editors became so)
        c, h = login(world.client, who)
        r = c.patch(f"/api/admin/resources/{NATIONAL_FAR}", json={"public_info": "vu par le déploiement"}, headers=h)
        assert r.status_code == 200, r.text


def test_a_national_record_in_a_territory_is_overridden_by_its_editors(world: World) -> None:
    ang, _gh = login(world.client, ANG)
    assert ang.get(f"/api/admin/resources/{NATIONAL_IN_METZ}").status_code == 403
    metz, h = login(world.client, METZ)
    assert NATIONAL_IN_METZ in metz.get("/api/admin/resources?limit=500").text
    r = metz.patch(f"/api/admin/resources/{NATIONAL_IN_METZ}", json={"phone": "03 87 00 00 09"}, headers=h)
    assert r.status_code == 200, r.text
    with world.db.connect() as conn:
        row = conn.execute(sa.select(resources).where(resources.c.id == NATIONAL_IN_METZ)).one()
    assert row.edited and row.territory == "france"  # curated: a national update no longer overwrites it


def test_the_accounts_api_gives_roles_per_territory(world: World) -> None:
    admin, h = login(world.client, ADMIN)
    r = admin.post(
        "/api/admin/users",
        json={
            "email": "nouvelle@clsm-metz.example.fr",
            "password": "0123456789ab",
            "role": "editor",
            "territories": ["metz"],
        },
        headers=h,
    )
    assert r.status_code == 201 and r.json()["territories"] == {"metz": "editor"}
    me = login(world.client, ("nouvelle@clsm-metz.example.fr", "0123456789ab"))[0].get("/api/auth/me").json()
    assert me["territories"] == {"metz": "editor"}
    listed = {u["email"]: u for u in admin.get("/api/admin/users").json()}
    assert listed[METZ_ADMIN[0]]["territories"] == {"metz": "admin"}
    assert listed[ADMIN[0]]["territories"] == {} and listed[ADMIN[0]]["role"] == "admin"


def test_the_users_screen_gives_roles_per_territory(world: World) -> None:
    admin, h = login(world.client, ADMIN)
    form = _form(h, email="ecran@clsm-angouleme.example.fr", password="0123456789ab", role="admin")
    r = admin.post("/admin/users", data={**form, "territories": "angouleme, metz"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    listed = {u["email"]: u for u in admin.get("/api/admin/users").json()}
    assert listed["ecran@clsm-angouleme.example.fr"]["territories"] == {"angouleme": "admin", "metz": "admin"}
    page = admin.get("/admin/users").text
    assert 'value="angouleme, metz"' in page  # the account's territories, in its role form
    uid = listed["ecran@clsm-angouleme.example.fr"]["id"]
    r = admin.post(f"/admin/users/{uid}/role", data=_form(h, role="editor", territories="metz"), follow_redirects=False)
    assert r.status_code == 303
    listed = {u["email"]: u for u in admin.get("/api/admin/users").json()}
    assert listed["ecran@clsm-angouleme.example.fr"]["territories"] == {"metz": "editor"}


def test_a_territory_admin_keeps_its_own_territory_settings(world: World) -> None:
    c, h = login(world.client, METZ_ADMIN)
    r = c.put("/api/admin/territories/metz/settings", json={"contact_clsm": "clsm@metz.example.fr"}, headers=h)
    assert r.status_code == 200
    assert c.get("/api/admin/territories/angouleme/settings").status_code == 403
    editor, _eh = login(world.client, METZ)  # an editor of Metz is not its admin
    assert editor.get("/api/admin/territories/metz/settings").status_code == 403


# --- campaigns and sectors: the controls -----------------------------------------------------------


def test_campaigns_and_sectors_still_work_for_their_own_territory(world: World) -> None:
    metz, h = login(world.client, METZ)
    listed = metz.get("/admin/campagnes")
    assert listed.status_code == 200 and f'/admin/campagnes/{world.metz_campaign_id}"' in listed.text
    assert 'value="metz"' in listed.text and 'value="angouleme"' not in listed.text  # starts in its own only
    assert metz.get(f"/admin/campagnes/{world.metz_campaign_id}").status_code == 200
    assert f"/admin/review/corrections/{world.metz_correction_id}/" in metz.get("/admin/review").text
    r = metz.post(f"/admin/campagnes/{world.metz_campaign_id}/revoke", data=_form(h), follow_redirects=False)
    assert r.status_code == 303
    r = metz.post(f"/admin/review/corrections/{world.metz_correction_id}/accept", data=_form(h), follow_redirects=False)
    assert r.status_code == 303
    with world.db.connect() as conn:
        status = sa.select(campaign_corrections.c.status).where(campaign_corrections.c.id == world.metz_correction_id)
        assert conn.execute(status).scalar() == "accepted"
    assert METZ[0] in _history_authors(world, METZ_RID)
    # sectors: listed, read, changed in Metz; never moved into Angoulême by Metz's editor
    assert METZ_SECTOR in metz.get("/admin/sectors").text
    assert metz.get(f"/admin/sectors/{METZ_SECTOR}").status_code == 200
    form = {**ANG_SECTOR_FORM, "name": "Secteur synthétique de Metz, renommé (test)", "referents": METZ_RID}
    moved = metz.post(f"/admin/sectors/{METZ_SECTOR}", data=_form(h, **form), follow_redirects=False)
    assert moved.status_code == 403
    home = {**form, "communes": "57351", "territory": "metz"}
    r = metz.post(f"/admin/sectors/{METZ_SECTOR}", data=_form(h, **home), follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    with world.db.connect() as conn:
        row = conn.execute(sa.select(sectors).where(sectors.c.id == METZ_SECTOR)).one()
    assert row.territory == "metz" and row.name == home["name"]
    # Angoulême's editor sees Angoulême's campaign, correction and sector
    ang, _ = login(world.client, ANG)
    assert f'/admin/campagnes/{world.campaign_id}"' in ang.get("/admin/campagnes").text
    assert f"/admin/review/corrections/{world.correction_id}/" in ang.get("/admin/review").text
    assert ANG_SECTOR in ang.get("/admin/sectors").text and METZ_SECTOR not in ang.get("/admin/sectors").text


def test_an_accepted_correction_passes_the_stores_change_check(world: World, engine: Engine) -> None:
    """Accepting a correction is a change of the record: the account's check runs in its transaction."""
    cid, kid = _campaign_with_correction(world, "metz", METZ_RID, "03 87 22 22 22")

    def refuse(before: Any, after: Any) -> None:
        raise ForbiddenError("refusé par le contrôle de test")

    with pytest.raises(ForbiddenError):
        resolve(world.db, kid, accept=True, author=METZ[0], communes=engine.catalog.mairies, check=refuse)
    with world.db.connect() as conn:
        assert (
            conn.execute(sa.select(campaign_corrections.c.status).where(campaign_corrections.c.id == kid)).scalar()
            == "open"
        )
        assert conn.execute(sa.select(resources.c.phone).where(resources.c.id == METZ_RID)).scalar() != "03 87 22 22 22"
    del cid


# --- a record belongs to the territories that contain its position (issue 31) --------------------

UNNAMED = "synthetique-dans-metz-sans-territoire"


def test_a_record_in_metz_by_its_position_alone_is_in_metzs_lists_not_angoulemes(world: World, engine: Engine) -> None:
    """A FICTITIOUS record naming no territory and no commune, lying in Metz: Metz's editor finds it in
    the resources list, the review queue and the report queue (and opens it); Angoulême's does not."""
    base = next(r for r in engine.catalog.resources if r.territory == "metz" and r.position is not None)
    pos = Position(lon=6.176, lat=49.119, precision=PositionPrecision.ADDRESS, source="test synthétique")
    record = base.model_copy(
        update={"id": UNNAMED, "name": "Lieu synthétique sans territoire (test)", "territory": None, "insee_com": None}
        | {"position": pos, "last_verified": date(2020, 1, 2), "source_date": None}
    )
    seeding.seed(world.db, [record])
    add_report(world.db, UNNAMED, message="Signalement synthétique sur un lieu sans territoire")
    metz, _ = login(world.client, METZ)
    ang, _ = login(world.client, ANG)
    for c, shown in ((metz, True), (ang, False)):
        assert (UNNAMED in c.get("/api/admin/resources?limit=500").text) is shown
        assert (UNNAMED in c.get("/admin/resources?q=sans+territoire").text) is shown
        assert (UNNAMED in c.get("/api/admin/review?limit=5000").text) is shown
        assert (UNNAMED in c.get("/admin/review").text) is shown
        assert any(r["resource_id"] == UNNAMED for r in c.get("/api/admin/reports").json()) is shown
        assert ("sur un lieu sans territoire" in c.get("/admin/reports").text) is shown
    assert metz.get(f"/api/admin/resources/{UNNAMED}").status_code == 200
    assert ang.get(f"/api/admin/resources/{UNNAMED}").status_code == 403


# --- a territory's admin manages its territory's accounts (issue 31) -----------------------------


def _accounts(who: tuple[str, str], w: World) -> dict[str, dict[str, Any]]:
    c, _ = login(w.client, who)
    r = c.get("/api/admin/users")
    assert r.status_code == 200, r.text
    return {u["email"]: u for u in r.json()}


def test_a_territory_admin_lists_and_manages_the_accounts_of_its_territory_only(world: World) -> None:
    mine = _accounts(METZ_ADMIN, world)
    assert METZ[0] in mine and ANG[0] not in mine and ADMIN[0] not in mine and WIDE_EDITOR[0] not in mine
    assert mine[BOTH[0]]["territories"] == {"metz": "editor"}  # its role in Angoulême is not Metz's business
    c, h = login(world.client, METZ_ADMIN)
    new = {
        "email": "recrue@clsm-metz.example.fr",
        "password": "0123456789ab",
        "role": "editor",
        "territories": ["metz"],
    }
    r = c.post("/api/admin/users", json=new, headers=h)
    assert r.status_code == 201 and r.json()["territories"] == {"metz": "editor"}, r.text
    recruit, _ = login(world.client, (new["email"], new["password"]))
    assert METZ_RID in recruit.get("/api/admin/resources?limit=500").text
    # BOTH becomes an admin of Metz, still an editor of Angoulême; then Metz takes its role back
    both_id = mine[BOTH[0]]["id"]
    r = c.patch(f"/api/admin/users/{both_id}", json={"role": "admin", "territories": ["metz"]}, headers=h)
    assert r.status_code == 200 and r.json()["territories"] == {"metz": "admin"}, r.text
    assert _accounts(ADMIN, world)[BOTH[0]]["territories"] == {"angouleme": "editor", "metz": "admin"}
    r = c.patch(f"/api/admin/users/{both_id}", json={"role": "editor", "territories": []}, headers=h)
    assert r.status_code == 200 and r.json().get("removed"), r.text
    assert _accounts(ADMIN, world)[BOTH[0]]["territories"] == {"angouleme": "editor"}
    r = c.patch(f"/api/admin/users/{both_id}", json={"role": "editor", "territories": ["metz"]}, headers=h)
    assert r.status_code == 403  # no longer one of Metz's accounts: a grant goes through POST
    again = {**new, "email": BOTH[0], "password": "ignored-0123"}
    assert c.post("/api/admin/users", json=again, headers=h).status_code == 201
    assert _accounts(ADMIN, world)[BOTH[0]]["territories"] == {"angouleme": "editor", "metz": "editor"}
    fresh = TestClient(world.client.app, base_url="https://testserver")  # its password unchanged
    assert fresh.post("/api/auth/login", json={"email": BOTH[0], "password": BOTH[1]}).status_code == 200
    # the recruit taken out of its only territory: the account is gone (else it would be deployment-wide)
    rid = _accounts(METZ_ADMIN, world)[new["email"]]["id"]
    assert c.patch(f"/api/admin/users/{rid}", json={"role": "editor", "territories": []}, headers=h).status_code == 200
    assert new["email"] not in _accounts(ADMIN, world)
    assert (
        TestClient(world.client.app, base_url="https://testserver")
        .post("/api/auth/login", json={"email": new["email"], "password": new["password"]})
        .status_code
        == 401
    )


def test_a_territory_admin_never_grants_rights_elsewhere(world: World) -> None:
    """403 for every attempt beyond its territories, over the API and on the screen."""
    c, h = login(world.client, METZ_ADMIN)
    every = _accounts(ADMIN, world)
    ang_id, admin_id, metz_id = every[ANG[0]]["id"], every[ADMIN[0]]["id"], every[METZ[0]]["id"]
    wide_id = every[WIDE_EDITOR[0]]["id"]
    account = {"email": "pirate@clsm-metz.example.fr", "password": "0123456789ab", "role": "admin"}
    for territories in (["angouleme"], [], ["metz", "angouleme"]):
        r = c.post("/api/admin/users", json={**account, "territories": territories}, headers=h)
        assert r.status_code == 403, (territories, r.text)
    for who in (ADMIN, WIDE_EDITOR):  # a deployment-wide account is never re-scoped (nor its password changed)
        r = c.post("/api/admin/users", json={**account, "email": who[0], "territories": ["metz"]}, headers=h)
        assert r.status_code == 403
    for uid in (ang_id, admin_id, wide_id):
        r = c.patch(f"/api/admin/users/{uid}", json={"role": "admin", "territories": ["metz"]}, headers=h)
        assert r.status_code == 403
    assert (
        c.patch(
            f"/api/admin/users/{metz_id}", json={"role": "admin", "territories": ["angouleme"]}, headers=h
        ).status_code
        == 403
    )
    assert (
        c.patch(f"/api/admin/users/{metz_id}", json={"password": "un-autre-mot-de-passe"}, headers=h).status_code == 403
    )
    assert c.patch(f"/api/admin/users/{metz_id}", json={"active": False}, headers=h).status_code == 403
    # the screens
    form = _form(h, email="pirate@clsm-metz.example.fr", password="0123456789ab", role="admin")
    assert c.post("/admin/users", data={**form, "territories": "angouleme"}).status_code == 403
    assert c.post("/admin/users", data={**form, "territories": ""}).status_code == 403
    assert c.post(f"/admin/users/{ang_id}/role", data=_form(h, role="admin", territories="metz")).status_code == 403
    assert (
        c.post(f"/admin/users/{metz_id}/role", data=_form(h, role="admin", territories="angouleme")).status_code == 403
    )
    assert c.post(f"/admin/users/{metz_id}/disable", data=_form(h)).status_code == 403
    assert c.post(f"/admin/users/{metz_id}/password", data=_form(h, password="0123456789ab")).status_code == 403
    after = _accounts(ADMIN, world)
    assert "pirate@clsm-metz.example.fr" not in after
    assert {e: u["territories"] for e, u in after.items()} == {e: u["territories"] for e, u in every.items()}
    assert all(after[e]["active"] == every[e]["active"] for e in every)
    # the editor of Metz (not its admin) manages nothing
    editor, _eh = login(world.client, METZ)
    assert editor.get("/api/admin/users").status_code == 403 and editor.get("/admin/users").status_code == 403


def test_a_territory_admins_accounts_screen(world: World) -> None:
    c, h = login(world.client, METZ_ADMIN)
    page = c.get("/admin/users")
    assert page.status_code == 200 and METZ[0] in page.text and ANG[0] not in page.text and ADMIN[0] not in page.text
    assert "/disable" not in page.text and "/password" not in page.text  # the deployment admins' forms
    form = _form(h, email="ecran@clsm-metz.example.fr", password="0123456789ab", role="editor", territories="metz")
    assert c.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    assert _accounts(ADMIN, world)["ecran@clsm-metz.example.fr"]["territories"] == {"metz": "editor"}
    uid = _accounts(METZ_ADMIN, world)["ecran@clsm-metz.example.fr"]["id"]
    r = c.post(f"/admin/users/{uid}/role", data=_form(h, role="admin", territories="metz"), follow_redirects=False)
    assert r.status_code == 303
    assert _accounts(ADMIN, world)["ecran@clsm-metz.example.fr"]["territories"] == {"metz": "admin"}
