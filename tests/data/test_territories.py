"""Territories added from the national layers: by EPCI, by department, by a list of communes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.cli import main as cli
from geo_clsm.data.layers import load_catalog
from geo_clsm.data.local_territories import add_territory, remove_territory
from geo_clsm.data.territories import Selection, read_local
from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[2] / "layers"
LILLE_EPCI = "200093201"  # Métropole Européenne de Lille


def _add(local: Path, tid: str, **sel: object) -> dict[str, object]:
    return add_territory(local, data_dir=LAYERS, territory_id=tid, name=f"Test {tid}", selection=Selection(**sel))  # type: ignore[arg-type]


def test_by_epci(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    info = _add(local, "lille", epci_siren=LILLE_EPCI)
    cat = load_catalog(LAYERS, territories=["lille"], local_file=local)
    communes = cat.communes[cat.communes["territory"] == "lille"]
    assert info["communes"] == len(communes) > 80
    assert "59350" in set(communes["insee_com"])  # Lille
    assert int(communes["population_municipale"].sum()) == info["population"] > 1_000_000
    assert cat.territories["lille"].kind == "local"
    assert set(cat.mairies) >= {"59350"}


def test_by_department_overseas_and_its_crs(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    _add(local, "reunion", departments=("974",))
    cat = load_catalog(LAYERS, territories=["reunion", "france"], local_file=local)
    assert (cat.communes["territory"] == "reunion").sum() == 24
    engine = Engine(cat)
    place = engine.locate(55.4504, -20.8789)  # Saint-Denis de La Réunion: the local territory comes first
    assert place.territory == "reunion" and place.insee_com == "97411"


def test_by_commune_list_takes_the_qpv_of_those_communes(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    _add(local, "metz-centre", communes=("57463", "57672"))  # Metz, Montigny-lès-Metz
    cat = load_catalog(LAYERS, territories=["metz-centre"], local_file=local)
    assert sorted(cat.communes["insee_com"]) == ["57463", "57672"]
    qpv = cat.qpv[cat.qpv["territory"] == "metz-centre"]
    metz_qpv = load_catalog(LAYERS, territories=["metz"]).qpv
    expected = {c for c, com in zip(metz_qpv["code_qp"], metz_qpv["insee_com"], strict=True) if "57463" in com}
    assert expected and expected <= set(qpv["code_qp"])


@pytest.mark.parametrize(
    ("sel", "error", "message"),
    [
        ({"epci_siren": "123456789"}, NotFoundError, "codes inconnus"),
        ({"epci_siren": "12"}, InvalidInputError, "SIREN de 9 chiffres"),
        ({"departments": ("96",)}, NotFoundError, "codes inconnus"),
        ({"departments": ("XX",)}, InvalidInputError, "département invalide"),
        ({"communes": ("57463", "99999")}, NotFoundError, "99999"),
        ({}, InvalidInputError, "exactement un choix"),
        ({"epci_siren": LILLE_EPCI, "departments": ("59",)}, InvalidInputError, "exactement un choix"),
    ],
)
def test_bad_selections_are_refused_and_nothing_written(
    tmp_path: Path, sel: dict[str, object], error: type[Exception], message: str
) -> None:
    local = tmp_path / "territories.toml"
    with pytest.raises(error, match=message):
        _add(local, "x-test", **sel)
    assert read_local(local) == []


def test_duplicate_and_bad_ids(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    with pytest.raises(InvalidInputError, match="déjà défini"):
        _add(local, "metz", departments=("57",))
    _add(local, "moselle", departments=("57",))
    with pytest.raises(InvalidInputError, match="déjà défini"):
        _add(local, "moselle", departments=("57",))
    with pytest.raises(InvalidInputError, match="identifiant"):
        _add(local, "Moselle Est", departments=("57",))


def test_removing_a_territory_keeps_every_resource(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    _add(local, "charente", departments=("16",))
    before = load_catalog(LAYERS, local_file=local)
    remove_territory(local, "charente")
    after = load_catalog(LAYERS, local_file=local)
    assert "charente" in before.territories and "charente" not in after.territories
    assert {r.id for r in before.resources} == {r.id for r in after.resources}
    with pytest.raises(NotFoundError, match="inconnu"):
        remove_territory(local, "metz")


def test_cli_add_list_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    local = tmp_path / "t.toml"
    args = ["--local-file", str(local)]
    assert cli(["territory", "add", "lille", "--name", "MEL", "--epci", LILLE_EPCI, *args]) == 0
    assert "ajouté" in capsys.readouterr().out
    assert cli(["territory", "list", *args]) == 0
    assert "lille" in capsys.readouterr().out
    assert cli(["territory", "add", "lille", "--name", "MEL", "--epci", LILLE_EPCI, *args]) == 2
    assert "déjà défini" in capsys.readouterr().err
    assert cli(["territory", "remove", "lille", *args]) == 0


def test_cli_writes_the_file_the_service_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One setting for both: without --local-file, ``geo-clsm territory add`` writes
    GEO_CLSM_LOCAL_TERRITORIES_FILE, the file the service reads (Settings.local_territories_file)."""
    local = tmp_path / "elsewhere" / "territories.toml"
    monkeypatch.chdir(tmp_path)  # the default file (var/territories.toml) would land here
    monkeypatch.setenv("GEO_CLSM_LOCAL_TERRITORIES_FILE", str(local))
    monkeypatch.setenv("GEO_CLSM_DATA_DIR", str(LAYERS))
    assert cli(["territory", "add", "lille", "--name", "MEL", "--epci", LILLE_EPCI]) == 0
    assert not (tmp_path / "var").exists()
    assert [e["id"] for e in read_local(Settings().local_territories_file)] == ["lille"]
    assert cli(["territory", "list"]) == 0
    assert "lille" in capsys.readouterr().out
    assert cli(["territory", "remove", "lille"]) == 0
    assert read_local(local) == []


def test_api_serves_a_local_territory(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    _add(local, "moselle", departments=("57",))
    settings = Settings(data_dir=LAYERS, territories=["moselle"], local_territories_file=local, tiles_url="none")
    with TestClient(create_app(settings)) as client:
        terr = {t["id"]: t for t in client.get("/api/territories").json()}
        m = terr["moselle"]
        assert m["kind"] == "local" and m["communes"] > 700 and m["qpv"] == 8 and m["population"] > 1_000_000
        assert "57463" in m["commune_codes"]
        assert client.get("/?territory=moselle").status_code == 200
        gaps = client.get("/api/gaps", params={"territory": "moselle", "type": "CMP"}).json()
        assert {r["territory"] for r in gaps["rows"]} == {"moselle"} and len(gaps["rows"]) == 8
