"""`geo-clsm data update`: downloads from a local HTTP server serving files in the real formats.

Every FINESS file here is synthetic (written by the test in the etalab stock layout: Latin-1,
metadata first line, structureet + geolocalisation lines, Lambert-93); names say so.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.cli import main as cli
from geo_clsm.data.download import DownloadError
from geo_clsm.data.layers import load_catalog
from geo_clsm.data.update import UpdateOptions, UpdateRefusedError, update_source
from geo_clsm.data.versions import VersionStore
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.settings import Settings
from geo_clsm.store.disagreements import list_disagreements
from geo_clsm.store.startup import open_store
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[2] / "layers"
X0, Y0 = 931_833.7, 6_894_707.8  # Lambert-93, in Metz
STRUCT = (
    "structureet;{fid};570000000;CMP TEST SYNTHETIQUE {n};CMP ADULTES TEST SYNTHÉTIQUE {n};;;{num};R;GAMBETTA;;;463;57;"
    "MOSELLE;57000 METZ;{tel};;156;Centre Médico-Psychologique (C.M.P.);1102;Agrégat;;8610Z;03;ARS;1;SPH;"
    "2001-01-01;2001-01-01;2026-10-01;"
)
GEO = "geolocalisation;{fid};{x:.1f};{y:.1f};1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2026-10-01"


def finess_file(rows: dict[int, tuple[float, float, str]]) -> bytes:
    """A synthetic etalab stock file: n -> (x, y, phone)."""
    lines = ["finess;etalab;93;2026-11-01;SYNTHETIC test fixture, not real FINESS data"]
    lines += [STRUCT.format(fid=f"57099{n:04d}", n=n, num=n, tel=tel) for n, (_, _, tel) in rows.items()]
    lines += [GEO.format(fid=f"57099{n:04d}", x=x, y=y) for n, (x, y, _) in rows.items()]
    return ("\n".join(lines) + "\n").encode("latin-1")


V1 = {n: (X0 + 150.0 * n, Y0 + 90.0 * n, f"03870000{n:02d}") for n in range(1, 13)}
V2 = {k: v for k, v in V1.items() if k != 3}  # closure of n°3
V2[13] = (X0 - 400.0, Y0 - 300.0, "0387000013")  # opening
V2[5] = (V1[5][0] + 600.0, V1[5][1], V1[5][2])  # move of 600 m
V2[7] = (V1[7][0], V1[7][1], "0387999999")  # phone change
MOSTLY_GONE = {1: V1[1]}


class _Server(http.server.ThreadingHTTPServer):
    routes: dict[str, tuple[int, bytes, dict[str, str], float]]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = self.server.routes  # type: ignore[attr-defined]
        status, body, headers, delay_s = routes.get(self.path, (404, b"introuvable", {}, 0.0))
        time.sleep(delay_s)
        self.send_response(status)
        self.send_header("Content-Length", headers.get("Content-Length", str(len(body))))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http() -> Iterator[tuple[str, dict[str, tuple[int, bytes, dict[str, str], float]]]]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.routes = {}
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv.routes
    srv.shutdown()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Shipped pilot layers and a 'national' territory whose FINESS layer is the synthetic V1."""
    d = tmp_path / "layers"
    shutil.copytree(LAYERS / "pilots", d / "pilots")
    (d / "national").mkdir()
    (d / "national" / "synthetic_finess_v1.csv").write_bytes(finess_file(V1))
    manifest = (LAYERS / "manifest.toml").read_text(encoding="utf-8").split('[[layer]]\nid = "communes_france"')[0]
    manifest += """
[[layer]]
id = "synthetic_finess"
path = "national/synthetic_finess_v1.csv"
kind = "resources"
format = "finess"
update_source = "finess"
source = "synthetic test fixture (FINESS etalab layout)"
licence = "n/a"
vintage = "2026-11-01"
crs = "EPSG:2154"
fields = ["nofinesset"]

[[territory]]
id = "national"
name = "Synthetic national territory (test)"
kind = "national"
layers = ["communes_57_16", "mairies_57_16", "synthetic_finess"]
"""
    (d / "manifest.toml").write_text(manifest, encoding="utf-8")
    return d


def _update(data_dir: Path, store: VersionStore, url: str, **kw: object) -> object:
    return update_source("finess", options=UpdateOptions(url=url, **kw), store=store, data_dir=data_dir)  # type: ignore[arg-type]


def _national_ids(data_dir: Path, store: VersionStore) -> dict[str, str | None]:
    cat = load_catalog(data_dir, territories=["national"], versions_dir=store.root)
    return {r.id: r.phone for r in cat.resources}


def test_update_reports_exactly_the_four_changes(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    base, routes = http
    routes["/finess.csv"] = (200, finess_file(V2), {}, 0.0)
    store = VersionStore(tmp_path / "var")
    result = _update(data_dir, store, f"{base}/finess.csv")
    rows = sorted((c.change, c.finess_et) for c in result.changes)  # type: ignore[attr-defined]
    assert rows == [
        ("added", "570990013"),
        ("changed", "570990007"),
        ("moved", "570990005"),
        ("removed", "570990003"),
    ]
    moved = next(c for c in result.changes if c.change == "moved")  # type: ignore[attr-defined]
    assert "déplacé de 600 m" in moved.detail
    phone = next(c for c in result.changes if c.change == "changed")  # type: ignore[attr-defined]
    assert "téléphone" in phone.detail and "03 87 99 99 99" in phone.detail
    ids = _national_ids(data_dir, store)
    assert "finess-570990013" in ids and "finess-570990003" not in ids
    assert ids["finess-570990007"] == "03 87 99 99 99"
    changes_csv = (store.versions_dir / result.version.id / "changes.csv").read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert changes_csv.splitlines()[0] == "change,id,finess_et,name,detail" and len(changes_csv.splitlines()) == 5


def test_dataset_api_url_is_resolved_to_the_geolocated_file(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    base, routes = http
    routes["/v2.csv"] = (200, finess_file(V2), {}, 0.0)
    doc = {
        "resources": [
            {"title": "Extraction sans géolocalisation", "url": f"{base}/nope"},
            {"title": "Extraction Finess des établissements géolocalisés", "url": f"{base}/v2.csv"},
        ]
    }
    routes["/api/1/datasets/finess/"] = (200, json.dumps(doc).encode(), {}, 0.0)
    store = VersionStore(tmp_path / "var")
    result = _update(data_dir, store, f"{base}/api/1/datasets/finess/")
    assert result.version.url == f"{base}/v2.csv"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("route", "error", "message"),
    [
        ((404, b"", {}, 0.0), DownloadError, "HTTP 404"),
        (
            (200, finess_file(V2)[:-400], {"Content-Length": str(len(finess_file(V2)))}, 0.0),
            DownloadError,
            "tronqué|interrompu",
        ),
        ((200, finess_file(V2), {}, 3.0), DownloadError, "trop lent|interrompu"),
        ((200, finess_file(MOSTLY_GONE), {}, 0.0), UpdateRefusedError, "retirerait 11 enregistrements sur 12"),
        ((200, b"pas un fichier FINESS\n", {}, 0.0), UpdateRefusedError, "aucun établissement"),
    ],
    ids=["404", "truncated", "timeout", "removes-90%", "not-finess"],
)
def test_failures_leave_the_data_untouched(tmp_path: Path, data_dir: Path, http, route, error, message) -> None:  # type: ignore[no-untyped-def]
    base, routes = http
    routes["/f.csv"] = route
    store = VersionStore(tmp_path / "var")
    before = _national_ids(data_dir, store)
    with pytest.raises(error, match=message):
        _update(data_dir, store, f"{base}/f.csv", timeout_s=1.0)
    assert store.current() == {} and store.list() == []
    assert _national_ids(data_dir, store) == before


def test_force_publishes_a_large_removal(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    base, routes = http
    routes["/f.csv"] = (200, finess_file(MOSTLY_GONE), {}, 0.0)
    store = VersionStore(tmp_path / "var")
    _update(data_dir, store, f"{base}/f.csv", force=True)
    assert list(_national_ids(data_dir, store)) == ["finess-570990001"]


def test_rollback_restores_the_earlier_answers_of_the_running_service(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    base, routes = http
    routes["/finess.csv"] = (200, finess_file(V2), {}, 0.0)
    store = VersionStore(tmp_path / "var")
    settings = Settings(
        data_dir=data_dir,
        territories=["national"],
        versions_dir=store.root,
        reload_interval_s=0.2,
        tiles_url="none",
        local_territories_file=tmp_path / "none.toml",
    )
    query = {"lat": 49.1197, "lon": 6.1955, "k": 20}

    def answer(client: TestClient) -> dict[str, float]:
        feats = client.get("/api/nearest", params=query).json()["features"]
        return {f["id"]: f["properties"]["distance_m"] for f in feats}

    def wait_for(client: TestClient, expected: dict[str, float]) -> None:
        deadline = time.monotonic() + 60
        while answer(client) != expected:
            assert time.monotonic() < deadline, "the service did not pick the new data version up"
            time.sleep(0.2)

    with TestClient(create_app(settings)) as client:
        original = answer(client)
        assert "finess-570990003" in original
        result = _update(data_dir, store, f"{base}/finess.csv")
        answer_after = _expected(data_dir, store, query)
        wait_for(client, answer_after)
        assert "finess-570990013" in answer_after and answer_after != original
        sources = {s["source"]: s for s in client.get("/healthz").json()["sources"]}
        assert sources["finess"]["version"] == result.version.id  # type: ignore[attr-defined]
        assert sources["finess"]["warning"] is None and sources["finess"]["age_days"] == 0
        assert "plus de 45 jours" in sources["qpv"]["warning"]  # the shipped QPV date from 2024
        store.rollback("shipped")
        wait_for(client, original)
        store.rollback(result.version.id)  # type: ignore[attr-defined]
        wait_for(client, answer_after)


def _expected(data_dir: Path, store: VersionStore, query: dict[str, float]) -> dict[str, float]:
    from geo_clsm.engine.core import Engine

    eng = Engine(load_catalog(data_dir, territories=["national"], versions_dir=store.root))
    return {
        h.resource.id: round(h.distance_m, 1)
        for h in eng.nearest(query["lon"], query["lat"], NearestQuery(k=int(query["k"])))
    }


def test_versions_and_rollback_cli(
    tmp_path: Path, data_dir: Path, http, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    base, routes = http
    routes["/finess.csv"] = (200, finess_file(V2), {}, 0.0)
    monkeypatch.setenv("GEO_CLSM_VERSIONS_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEO_CLSM_SOURCE_FINESS_URL", f"{base}/finess.csv")
    monkeypatch.setenv("GEO_CLSM_LOCAL_TERRITORIES_FILE", str(tmp_path / "none.toml"))
    report = tmp_path / "changes.csv"
    assert cli(["data", "update", "--source", "finess", "--data", str(data_dir), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "1 ajouts, 1 retraits, 1 déplacements, 1 modifications" in out
    assert len(report.read_text(encoding="utf-8").splitlines()) == 5
    assert cli(["data", "versions"]) == 0
    assert "finess" in capsys.readouterr().out
    assert cli(["data", "rollback", "shipped", "--data", str(data_dir)]) == 0
    assert VersionStore(tmp_path / "var").current() == {}
    assert cli(["data", "rollback", "nope"]) == 2
    assert "inconnue" in capsys.readouterr().err


CURATED = "570012898"  # CMP-CATTP adultes Gambetta, in the curated registry of Metz


def _with_metz_and_a_disagreeing_file(data_dir: Path, http) -> str:  # type: ignore[no-untyped-def]
    """Adds the Metz pilot to the manifest; serves a file giving Gambetta's FINESS number another phone."""
    manifest = (data_dir / "manifest.toml").read_text(encoding="utf-8")
    metz = (LAYERS / "manifest.toml").read_text(encoding="utf-8").split('\n[[territory]]\nid = "metz"')[1]
    metz = metz.split("\n[[territory]]")[0]
    (data_dir / "manifest.toml").write_text(manifest + '\n[[territory]]\nid = "metz"' + metz, encoding="utf-8")
    body = finess_file(V1).decode("latin-1").replace("570990001", CURATED).replace("0387000001", "0387999998")
    base, routes = http
    routes["/f.csv"] = (200, body.encode("latin-1"), {}, 0.0)
    return f"{base}/f.csv"


def test_a_curated_record_is_never_overwritten_and_goes_to_review(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    """The official file disagrees with the pilot's curated CMP (same FINESS number): review, no overwrite."""
    url = _with_metz_and_a_disagreeing_file(data_dir, http)
    curated = CURATED
    store = VersionStore(tmp_path / "var")
    result = _update(data_dir, store, url)
    review = [c for c in result.review if c.finess_et == curated]  # type: ignore[attr-defined]
    assert (
        len(review) == 1 and "03 87 99 99 98" in review[0].detail and review[0].id == "metz-cmp-cattp-adultes-gambetta"
    )
    review_csv = (store.versions_dir / result.version.id / "review.csv").read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert curated in review_csv
    cat = load_catalog(data_dir, versions_dir=store.root)
    served = [r for r in cat.resources if r.finess_et == curated]
    assert [r.id for r in served] == ["metz-cmp-cattp-adultes-gambetta"] and served[0].phone == "03 87 65 34 57"


def test_disagreements_go_to_the_editors_queue(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    """With the database of record, the disagreement is an item of the editors' queue, filed once."""
    url = _with_metz_and_a_disagreeing_file(data_dir, http)
    catalog = load_catalog(data_dir)
    db = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", shipped=lambda: catalog.resources)
    store = VersionStore(tmp_path / "var")
    opts = UpdateOptions(url=url)
    result = update_source("finess", options=opts, store=store, data_dir=data_dir, db=db)
    assert result.queued == 1
    (item,) = list_disagreements(db)
    assert item["resource_id"] == "metz-cmp-cattp-adultes-gambetta" and item["official_id"] == CURATED
    assert item["fields"]["phone"] == {"curated": "03 87 65 34 57", "official": "03 87 99 99 98"}
    assert item["version"] == result.version.id
    again = update_source("finess", options=UpdateOptions(url=url, force=True), store=store, data_dir=data_dir, db=db)
    assert again.queued == 0 and len(list_disagreements(db)) == 1


def test_cli_files_disagreements_in_the_database(
    tmp_path: Path, data_dir: Path, http, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    """`geo-clsm data update` files the disagreements in the service's database; without one, it says so."""
    url = _with_metz_and_a_disagreeing_file(data_dir, http)
    monkeypatch.setenv("GEO_CLSM_VERSIONS_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEO_CLSM_SOURCE_FINESS_URL", url)
    monkeypatch.setenv("GEO_CLSM_LOCAL_TERRITORIES_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("GEO_CLSM_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert cli(["data", "update", "--source", "finess", "--data", str(data_dir)]) == 0
    captured = capsys.readouterr()
    assert "non versés dans la file des éditeurs" in captured.err and "review.csv" in captured.err
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    catalog = load_catalog(data_dir)
    db = open_store(db_url, shipped=lambda: catalog.resources)
    monkeypatch.setenv("GEO_CLSM_DATABASE_URL", db_url)
    assert cli(["data", "update", "--source", "finess", "--force", "--data", str(data_dir)]) == 0
    assert "1 nouvelle(s) dans la file des éditeurs" in capsys.readouterr().out
    assert [d["official_id"] for d in list_disagreements(db)] == [CURATED]


def test_qpv_update_from_the_national_anct_geojson(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((LAYERS / "pilots" / "qpv2024_metz_angouleme.geojson").read_text(encoding="utf-8"))
    feats = doc["features"]
    removed = feats.pop(0)["properties"]["code_qp"]
    renamed = feats[0]["properties"]["code_qp"]
    feats[0]["properties"]["lib_qp"] = "Nom corrigé (test)"
    elsewhere = json.loads(json.dumps(feats[1]))  # a QPV outside the loaded territories: not a change here
    elsewhere["properties"].update(code_qp="QN07599Z", insee_com="75056", lib_qp="Hors territoire (test)")
    feats.append(elsewhere)
    # the test's manifest: the national territory uses the QPV layer too
    manifest = (data_dir / "manifest.toml").read_text(encoding="utf-8")
    manifest = manifest.replace(
        'layers = ["communes_57_16", "mairies_57_16", "synthetic_finess"]',
        'layers = ["qpv2024_pilots", "communes_57_16", "mairies_57_16", "synthetic_finess"]',
    )
    (data_dir / "manifest.toml").write_text(manifest, encoding="utf-8")
    base, routes = http
    routes["/qpv.geojson"] = (200, json.dumps(doc).encode(), {}, 0.0)
    store = VersionStore(tmp_path / "var")
    result = update_source("qpv", options=UpdateOptions(url=f"{base}/qpv.geojson"), store=store, data_dir=data_dir)
    assert sorted((c.change, c.id) for c in result.changes) == [("changed", renamed), ("removed", removed)]
    cat = load_catalog(data_dir, versions_dir=store.root)
    assert removed not in set(cat.qpv["code_qp"]) and "QN07599Z" not in set(cat.qpv["code_qp"])


def test_update_and_rollback_fill_the_services_cache_before_the_switch(
    tmp_path: Path, data_dir: Path, http, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """`data update` and `data rollback` parse the data they put in service in their own process,
    before writing ``current.json``: the service (same settings) then builds its engine from the
    cache without parsing a layer, and the cache holds the new data (compared with a fresh parse)."""
    from geo_clsm.data import cache
    from geo_clsm.engine.build import build_engine

    base, routes = http
    routes["/finess.csv"] = (200, finess_file(V2), {}, 0.0)
    for name, value in {
        "VERSIONS_DIR": tmp_path / "var",
        "SOURCE_FINESS_URL": f"{base}/finess.csv",
        "LOCAL_TERRITORIES_FILE": tmp_path / "none.toml",
        "CACHE_DIR": tmp_path / "cache",
        "DATA_DIR": data_dir,
    }.items():
        monkeypatch.setenv(f"GEO_CLSM_{name}", str(value))
    store = VersionStore(tmp_path / "var")

    def served_by_the_service() -> set[str]:
        built = cache.builds
        engine = build_engine(Settings())
        assert cache.builds == built, "the service parsed the layers: the command did not prepare its cache"
        return {r.id for r in engine.catalog.resources}

    def parsed_now() -> set[str]:
        return {r.id for r in load_catalog(data_dir, versions_dir=store.root).resources}

    assert cli(["data", "update", "--source", "finess"]) == 0
    assert store.current() != {}
    assert "finess-570990013" in served_by_the_service() and served_by_the_service() == parsed_now()
    assert cli(["data", "rollback", "shipped"]) == 0
    assert store.current() == {}
    assert "finess-570990003" in served_by_the_service() and served_by_the_service() == parsed_now()


def test_prepare_cache_writes_nothing_to_the_versions_folder(tmp_path: Path, data_dir: Path, http) -> None:  # type: ignore[no-untyped-def]
    """The cache is filled for the versions about to be published; ``current.json`` is untouched
    (the service keeps serving the data in service until the command writes it)."""
    from geo_clsm.data import cache
    from geo_clsm.engine.build import prepare_cache

    base, routes = http
    routes["/finess.csv"] = (200, finess_file(V2), {}, 0.0)
    store = VersionStore(tmp_path / "var")
    seen: list[dict[str, str]] = []
    result = update_source(
        "finess",
        options=UpdateOptions(url=f"{base}/finess.csv"),
        store=store,
        data_dir=data_dir,
        prepare=lambda current: seen.append({"before": store.token(), **current}),
    )
    assert seen == [{"before": "", "finess": result.version.id}]
    settings = Settings(
        data_dir=data_dir, versions_dir=store.root, cache_dir=tmp_path / "cache", local_territories_file=tmp_path / "x"
    )
    store.rollback("shipped")
    assert prepare_cache(settings, current={"finess": result.version.id})
    assert store.current() == {}
    built = cache.builds
    store.rollback(result.version.id)
    from geo_clsm.engine.build import build_engine

    assert "finess-570990013" in {r.id for r in build_engine(settings).catalog.resources}
    assert cache.builds == built
    assert not prepare_cache(settings.model_copy(update={"cache_dir": None}), current={})
