"""Property: whatever sequence of editor changes, no public output shows more than the public view.

Hypothesis draws short sequences of changes made through the real editing API on a synthetic
resource (confidential address on and off, withdraw, restore, move, change of type). After each
step every public output is read — the guide (HTML; its PDF as text at the end of each sequence),
the report with its « évolution » (HTML and JSON), the observatory's evolution, OGC API Features,
HSDS, CSV and XLSX, the markers, the batch, ``/recherche``, the resource itself — and while the
resource is confidential or withdrawn none of them may contain its street nor any exact position
it ever had (WGS84 at 4 decimals, truncated or rounded); while withdrawn, its name appears only in
the history's « closed » list, with no position.

The synthetic resource (« GEM synthétique ») is at a made-up street, « 3 rue Secrète », and at two
positions the other tests already use: tests/web/test_privacy.py's and the Borny move of
tests/web/routers/test_observatory_api.py. It is in the engine the app starts from (Metz only), hence in
the observatory's first snapshot, public at its first position: the history has an exact position
to leak. The detector is checked both ways at set-up: the shipped data's outputs hold none of
these, and the app's hold them while the resource is public.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.layers import merge_resources
from geo_clsm.engine.core import Engine
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[2] / "layers"
RID = "metz-gem-synthetique-propriete"
NAME = "GEM synthétique (test de propriété)"
STREET = "3 rue Secrète"
POSITIONS = [(6.18327, 49.10463), (6.2236, 49.1130)]  # synthetic (see the module docstring)
TYPES = ["GEM", "CATTP", "CMP_ADULTE"]
EDITOR = ("propriete@clsm-metz.fr", "mot-de-passe-propriete")
BATCH = {"points": [{"id": f"p{i}", "lon": lon, "lat": lat} for i, (lon, lat) in enumerate(POSITIONS)]}
MAX_EXAMPLES = int(os.environ.get("GEO_CLSM_PROPERTY_EXAMPLES", "15"))  # bounded for CI
HISTORY = ("history", "report-json", "report-html")  # outputs that may name a withdrawn resource as closed

Change = tuple[str, Any]
CHANGES: st.SearchStrategy[Change] = st.one_of(
    st.tuples(st.just("confidential"), st.booleans()),
    st.tuples(st.just("withdraw"), st.none()),
    st.tuples(st.just("restore"), st.none()),
    st.tuples(st.just("move"), st.sampled_from(range(len(POSITIONS)))),
    st.tuples(st.just("type"), st.sampled_from(TYPES)),
)


def _value_patterns(v: float) -> list[str]:
    """A coordinate at 4 decimals or more (truncated or rounded), as JSON, CSV (dot or comma) or a
    page prints it: ``49.1130`` also matches ``49.113`` and ``49.11304``, not ``49.1135``."""
    out = []
    for text in {f"{v:.6f}"[:-2], f"{v:.4f}"}:
        whole, dec = text.split(".")
        short = dec.rstrip("0")
        zeros = dec[len(short) :]
        out.append(rf"\b{whole}[.,]{short}(?:{zeros}\d*)?(?!\d)" if zeros else rf"\b{whole}[.,]{dec}\d*")
    return out


SECRETS = [re.compile(re.escape(STREET), re.I), re.compile(r"Secr%C3%A8te|rue\+Secr|rue%20Secr", re.I)]
POSITION_PATTERNS = {p: [re.compile(x) for v in p for x in _value_patterns(v)] for p in POSITIONS}


def settle(c: TestClient) -> None:
    c.app.state.live.wait_for_access()  # type: ignore[attr-defined]
    c.app.state.recorder.wait()  # type: ignore[attr-defined]


def synthetic(catalog: Catalog) -> Resource:
    """The synthetic resource, public at the first position (in the start-up snapshot)."""
    town_hall = catalog.mairies.get("57463")
    assert town_hall is not None
    lon, lat = POSITIONS[0]
    return Resource(
        id=RID,
        type=ResourceType.GEM,
        name=NAME,
        street=STREET,
        postcode="57000",
        commune="Metz",
        insee_com="57463",
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic test fixture"),
        commune_position=Position(
            lon=town_hall.lon, lat=town_hall.lat, precision=PositionPrecision.COMMUNE, source=town_hall.source
        ),
        territory="metz",
        source="synthetic test fixture",
        last_verified=date.today(),
    )


@pytest.fixture(scope="module")
def anon(catalog: Catalog, client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    every = [p for pats in POSITION_PATTERNS.values() for p in pats]
    before = public_outputs(client, rtype="GEM", pdf=False)  # the shipped data, without the synthetic resource
    assert not leaks(before, [*SECRETS, *every, re.compile(re.escape(NAME))]), "the detector sees what is not there"
    metz = [r for r in catalog.resources if r.territory == "metz"]
    merged, _ = merge_resources({"metz": [*metz, synthetic(catalog)]}, {"metz": catalog.territories["metz"]})
    engine = Engine(
        Catalog(
            data_dir=catalog.data_dir,
            layers=catalog.layers,
            territories={"metz": catalog.territories["metz"]},
            resources=merged,
            qpv=catalog.qpv[catalog.qpv.territory == "metz"],
            communes=catalog.communes[catalog.communes.territory == "metz"],
            mairies=catalog.mairies,
        )
    )
    url = f"sqlite:///{tmp_path_factory.mktemp('property') / 'property.db'}"
    app = create_app(
        Settings(
            data_dir=LAYERS,
            database_url=url,
            public_url="https://sante-mentale.example.fr",
            rate_limits={"batch": 0, "scenarios": 0},
        ),
        engine=engine,
    )
    del engine
    with TestClient(app, base_url="https://testserver") as c:
        add_user(connect(url), *EDITOR, role="editor")
        settle(c)
        yield c


@pytest.fixture(scope="module")
def editor(anon: TestClient) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(anon.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def _texts(resp: httpx.Response) -> list[str]:
    assert resp.status_code == 200, (resp.request.url, resp.text[:300])
    body, ctype = resp.content, resp.headers.get("content-type", "")
    if body.startswith(b"PK\x03\x04"):  # XLSX, HSDS: every member
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    if ctype.startswith("application/pdf"):
        with subprocess.Popen(["pdftotext", "-", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as p:
            out, _ = p.communicate(body)
        return [out.decode("utf-8")]
    if "json" in ctype:
        return [json.dumps(resp.json(), ensure_ascii=False)]
    return [html.unescape(resp.text)]


def public_outputs(c: TestClient, *, rtype: str, pdf: bool) -> dict[str, list[str]]:
    today = date.today().isoformat()
    out = {
        "guide": _texts(c.get("/guide/metz")),
        "guide-pro-a5": _texts(c.get("/guide/metz", params={"audience": "professionnels", "layout": "a5"})),
        "report-html": _texts(c.get("/api/report/metz", params={"since": today})),
        "report-json": _texts(c.get("/api/report/metz", params={"since": today, "format": "json"})),
        "history": _texts(c.get("/api/observatory/metz/evolution")),
        "ogc": _texts(c.get("/ogc/collections/resources/items", params={"insee_com": "57463", "limit": 10000})),
        "ogc-html": _texts(
            c.get("/ogc/collections/resources/items", params={"insee_com": "57463", "limit": 10000, "f": "html"})
        ),
        "hsds": _texts(c.get("/api/export/hsds/metz")),
        "csv": _texts(c.get("/api/resources", params={"territory": "metz", "format": "csv-fr"})),
        "xlsx": _texts(c.get("/api/resources", params={"territory": "metz", "format": "xlsx"})),
        "markers": _texts(c.get("/api/markers")),
        "batch": _texts(c.post("/api/nearest/batch", params={"type": rtype, "k": 10}, json=BATCH)),
        "batch-csv": _texts(c.post("/api/nearest/batch", params={"type": rtype, "k": 10, "format": "csv"}, json=BATCH)),
        "recherche": _texts(c.get("/recherche", params={"q": "Borny"})),
    }
    one = c.get(f"/api/resources/{RID}")
    out["resource"] = [] if one.status_code == 404 else _texts(one)
    if pdf:
        out["guide-pdf"] = _texts(c.get("/guide/metz", params={"format": "pdf"}))
    return out


def leaks(outputs: dict[str, list[str]], patterns: list[re.Pattern[str]]) -> list[str]:
    found = []
    for name, texts in outputs.items():
        for text in texts:
            for pat in patterns:
                if m := pat.search(text):
                    found.append(f"{name}: « {text[max(0, m.start() - 60) : m.end() + 60]} »")
    return found


def _state(editor: tuple[TestClient, dict[str, str]]) -> dict[str, Any]:
    c, _ = editor
    r = c.get(f"/api/admin/resources/{RID}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture(scope="module")
def created(anon: TestClient) -> set[tuple[float, float]]:
    """The positions the synthetic resource ever had; the detector sees it while it is public."""
    shown = public_outputs(anon, rtype="GEM", pdf=False)
    found = leaks(shown, [*SECRETS, *POSITION_PATTERNS[POSITIONS[0]]])
    for name in ("guide", "ogc", "hsds", "csv", "xlsx", "markers", "batch", "resource"):
        assert any(f.startswith(name + ":") for f in found), f"the detector does not see the public {name}"
    return {POSITIONS[0]}


def apply(editor: tuple[TestClient, dict[str, str]], change: Change, seen: set[tuple[float, float]]) -> None:
    c, h = editor
    kind, arg = change
    path = f"/api/admin/resources/{RID}"
    if kind == "confidential":
        r = c.patch(path, json={"confidential_address": arg}, headers=h)
    elif kind == "move":
        lon, lat = POSITIONS[arg]
        seen.add(POSITIONS[arg])
        r = c.patch(path, json={"lon": lon, "lat": lat}, headers=h)
    elif kind == "type":
        r = c.patch(path, json={"type": arg}, headers=h)
    elif kind == "withdraw":
        r = c.delete(path, headers=h)
    else:  # restore the latest version that was in public view
        entries = c.get(f"{path}/history").json()
        entry = next(e for e in reversed(entries) if (e["after"] or {}).get("status") == "active")
        r = c.post(f"{path}/restore", json={"entry_id": entry["id"]}, headers=h)
    assert r.status_code == 200, (change, r.text)


def reset(editor: tuple[TestClient, dict[str, str]]) -> None:
    c, h = editor
    path = f"/api/admin/resources/{RID}"
    first = c.get(f"{path}/history").json()[0]
    assert (first["after"] or {}).get("status") == "active" and first["after"]["street"] == STREET
    r = c.post(f"{path}/restore", json={"entry_id": first["id"]}, headers=h)
    assert r.status_code == 200, r.text


def check(
    anon: TestClient, editor: tuple[TestClient, dict[str, str]], seen: set[tuple[float, float]], *, pdf: bool
) -> None:
    state = _state(editor)
    withdrawn = state["status"] == "withdrawn"
    rec = state["resource"]
    outputs = public_outputs(anon, rtype=str(rec["type"]), pdf=pdf)
    if withdrawn or rec["confidential_address"]:
        patterns = [*SECRETS, *(p for pos in seen for p in POSITION_PATTERNS[pos])]
        found = leaks(outputs, patterns)
        assert not found, f"{'withdrawn' if withdrawn else 'confidential'}: {found[:3]}"
    if withdrawn:
        named = leaks({k: v for k, v in outputs.items() if k not in HISTORY}, [re.compile(re.escape(NAME))])
        assert not named, f"withdrawn but still shown: {named[:3]}"
        history = json.loads(outputs["history"][0])
        assert RID not in {x["id"] for k in ("opened", "moved") for x in history[k]}
        assert all(x["lon"] is None for x in history["closed"] if x["id"] == RID)


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(CHANGES, min_size=1, max_size=3))
def test_no_public_output_shows_more_than_the_public_view(
    anon: TestClient,
    editor: tuple[TestClient, dict[str, str]],
    created: set[tuple[float, float]],
    changes: list[Change],
) -> None:
    reset(editor)  # each sequence starts from the first version (public, at the first position)
    for i, change in enumerate(changes):
        apply(editor, change, created)
        check(anon, editor, created, pdf=False)  # at once: before the background work is done
        if i == len(changes) - 1:
            settle(anon)  # and once the indicators and the observatory's snapshot follow
            check(anon, editor, created, pdf=True)
